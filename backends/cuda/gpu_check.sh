#!/usr/bin/env bash
# Every check of the cuda backend that needs an NVIDIA GPU, in one run (< 8 minutes on one
# H100/H200); results go to files. Usage, from anywhere:
#     backends/cuda/gpu_check.sh [OUTDIR]        (default: $OUT, else ./gpu_check_results)
# See docs/cuda.md for what it checks and the targets. Set CUPY_WHEELHOUSE to a folder of
# wheels when the machine cannot reach a package index.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUTDIR="${1:-${OUT:-gpu_check_results}}"
mkdir -p "$OUTDIR"
PY="${PYTHON:-python3}"
# The tree may be a fresh copy: install the core, the reference, the suite and this backend
# (editable, no dependency resolution: the machine may have no package index).
if ! "$PY" -c "import theano_cuda, theano_conformance, theano_numpy_ref" 2>/dev/null; then
  "$PY" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
    -e . -e backends/numpy_ref -e conformance -e backends/cuda >"$OUTDIR/install.log" 2>&1 \
    || echo "editable install failed: see $OUTDIR/install.log"
fi
# The budget leaves room under the 8 minutes for the install above and the machine's start.
exec "$PY" backends/cuda/gpu_check.py "$OUTDIR" --budget "${GPU_CHECK_BUDGET:-440}"
