#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine: system packages, then the core and every
# first-party backend installed in editable mode into the current Python.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
need_apt=""
command -v dot >/dev/null || need_apt="$need_apt graphviz"
command -v gcc >/dev/null || need_apt="$need_apt gcc"
# MPI for theano.distributed and its tests (mpirun; mpicc in case mpi4py builds from source).
{ command -v mpirun >/dev/null && command -v mpicc >/dev/null; } || need_apt="$need_apt openmpi-bin libopenmpi-dev"
# OpenCL for the opencl backend and its tests: PoCL (a CPU driver) and the ICD loader.
dpkg -s pocl-opencl-icd ocl-icd-libopencl1 >/dev/null 2>&1 || need_apt="$need_apt pocl-opencl-icd ocl-icd-libopencl1"
if [ -n "$need_apt" ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need_apt >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -e ".[test,mpi]" -e backends/numpy_ref \
  -e backends/c -e conformance pyopencl -e backends/opencl -e backends/cuda
# CuPy is not installed here (it needs an NVIDIA GPU): the cuda backend then loads and reports
# itself unusable; backends/cuda/gpu_check.sh installs cupy-cuda12x on GPU machines.
