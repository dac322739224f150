#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine (idempotent): system packages, the Python
# environment (scripts/python_env.sh), then the core and every first-party backend installed
# in editable mode into it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/python_env.sh
need_apt=""
command -v dot >/dev/null || need_apt="$need_apt graphviz"
command -v gcc >/dev/null || need_apt="$need_apt gcc"
# MPI for theano.distributed and its tests (mpirun; mpicc in case mpi4py builds from source).
{ command -v mpirun >/dev/null && command -v mpicc >/dev/null; } || need_apt="$need_apt openmpi-bin libopenmpi-dev"
# OpenCL for the opencl backend and its tests: PoCL (a CPU driver) and the ICD loader.
dpkg -s pocl-opencl-icd ocl-icd-libopencl1 >/dev/null 2>&1 || need_apt="$need_apt pocl-opencl-icd ocl-icd-libopencl1"
# shellcheck disable=SC2086
if [ -n "$need_apt" ]; then apt_install $need_apt; fi
"$PY" -m pip install -q --disable-pip-version-check -e ".[test,mpi]" -e backends/numpy_ref \
  -e backends/c -e conformance pyopencl -e backends/opencl -e backends/cuda nvidia-cuda-nvrtc
# CuPy is not installed here (it needs an NVIDIA GPU): the cuda backend then loads and reports
# itself unusable; backends/cuda/gpu_check.sh installs CuPy on GPU machines. NVRTC (the
# nvidia-cuda-nvrtc wheel, no GPU needed) lets the tests compile every generated kernel with
# the options the GPU will use.
