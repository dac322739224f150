#!/usr/bin/env bash
# The test command: set up (idempotent), then the project's tests on the default device
# (which include every tutorial program on every usable CPU backend) and every backend
# distribution's own tests (pyproject.toml's testpaths), spread over the CPUs,
# then, for every backend plugins.toml names, the conformance suite (side by side) and the
# device-dependent tests on that device where the backend is usable here (and why not where
# it is not). Extra arguments go to the main pytest run. Workers steal queued tests from each
# other (--dist worksteal): a worker that drew the slow tests does not leave a CPU idle at the
# end. scripts/ci_backends.py runs its tasks the same way, two or more at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# Where the environment keeps bytecode out of source trees (PYTHONDONTWRITEBYTECODE), each of
# the test command's Python processes (about 40, and the programs tests start) would compile
# every module it imports, and pytest rewrite every test module's asserts, afresh: 5 of a
# worker's 9 s of collection. They share a bytecode cache outside the tree instead.
if [ -n "${PYTHONDONTWRITEBYTECODE:-}" ]; then
  unset PYTHONDONTWRITEBYTECODE
  export PYTHONPYCACHEPREFIX="${XDG_CACHE_HOME:-$HOME/.cache}/theano-tests/bytecode"
fi
# Every CPU already runs a test process: OpenBLAS's own threads (one per CPU in each of them)
# would only spin waiting for work between calls, 2% of the first run's CPU time here.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
start=$SECONDS
"$PY" -m pytest -p no:cacheprovider -n "$(nproc)" --dist worksteal "$@"
echo "== main test run: $((SECONDS - start)) s"
"$PY" scripts/ci_backends.py
echo "== the test command took $((SECONDS - start)) s after set-up"
