"""`theano.gpuarray`: Theano 1.0's libgpuarray GPU backend, as it answered without pygpu.

Libraries probe this module to learn whether a GPU is there (`pygpu_activated`,
`dnn.dnn_present()`, `dnn.dnn_available(None)`). This project has no libgpuarray backend: its
GPU is the cuda backend (THEANO_FLAGS=device=cuda, docs/cuda.md), which runs the same graphs
without the gpuarray types or ops. So this module answers exactly as Theano 1.0.5 did on a
machine without pygpu, even where the cuda backend is usable: `pygpu` is None,
`pygpu_activated` is False, `dnn.dnn_present()` is False with `dnn.dnn_present.msg ==
"PyGPU not available"`; that keeps libraries on their CPU code paths, which run on the GPU
here when device=cuda. Its type and op modules are not provided (see theano.compat.absent).
"""
from __future__ import annotations

import logging
from collections import namedtuple
from typing import Any

from ..compat.absent import module_getattr
from ..config import config
from . import dnn

__all__ = ["config", "pygpu", "pygpu_activated", "theano_gpu_is_already_active", "dnn", "pygpu_parse_version",
           "init_dev", "use", "error", "info"]

_logger = logging.getLogger("theano.gpuarray")
error = _logger.error
info = _logger.info

pygpu = None
pygpu_activated = False
theano_gpu_is_already_active = False

_NO_PYGPU = ("Theano's gpuarray backend needs pygpu, which this implementation does not use; "
             "run on the GPU with THEANO_FLAGS=device=cuda (the cuda backend) instead")

_version_type = namedtuple("version_type", ("major", "minor", "patch", "fullversion"))


def pygpu_parse_version(version_string: str) -> Any:
    """(major, minor, patch, fullversion) of a pygpu version string such as '0.7.6+3.g1234'."""
    pieces = version_string.split(".", 2)
    if len(pieces) != 3:
        raise ValueError(f"not a pygpu version: {version_string!r}")
    major, minor = int(pieces[0]), int(pieces[1])
    patch = int(pieces[2].split("+", 1)[0] if "+" in pieces[2] else pieces[2].split(".", 1)[0])
    return _version_type(major, minor, patch, f"{major}.{minor}.{pieces[2]}")


def init_dev(dev: str, name: str | None = None, preallocate: Any = None) -> None:
    """Theano initialised a pygpu context here; there is none to initialise."""
    raise RuntimeError(_NO_PYGPU)


def use(device: str, force: bool = False, default_to_move_computation_to_gpu: bool = True,
        move_shared_to_gpu: bool = True, preallocate: Any = None) -> None:
    """Theano switched to a pygpu device here; there is none to switch to."""
    raise RuntimeError(_NO_PYGPU)


__getattr__ = module_getattr(__name__)
