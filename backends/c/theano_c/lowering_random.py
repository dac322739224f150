"""MRGUniform (MRG_RandomStreams' draws) on the C backend: the MRG31k3p recurrence in C
(mrg_uniform.c), the same numbers as the core's NumPy generator, so programs that draw in
their inner loops (a scan step with dropout) stay native. float16 uniforms convert the C
draws with the core's own conversion; an invalid size or an empty state runs the op's NumPy
meaning, which raises its error."""
from __future__ import annotations

import ctypes
import functools
import os
from typing import Any

import numpy as np

from theano.graph.basic import Apply
from theano.sandbox import mrg31k3p
from theano.sandbox.rng_mrg import MRGUniform

from .lowering import Plan, lower
from .toolchain import load_shared_library

__all__ = ["MRG_RUNNER"]

MRG_RUNNER = "c (mrg31k3p)"
_p, _i64 = ctypes.c_void_p, ctypes.c_int64
_ENTRIES = {"float64": "mrg_uniform_float64", "float32": "mrg_uniform_float32"}


@functools.lru_cache(maxsize=None)
def _library() -> ctypes.CDLL:
    """mrg_uniform.c compiled once (cached on disk), with its argument types declared."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mrg_uniform.c")) as f:
        source = f.read()
    names = (*_ENTRIES.values(), "mrg_uniform_raw")
    lib = load_shared_library(source, "MRG31k3p uniforms", names)
    for name in _ENTRIES.values():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = [_p, _i64, _i64, _p, _p], None
    lib.mrg_uniform_raw.argtypes, lib.mrg_uniform_raw.restype = [_p, _i64, _i64, _p], None
    return lib


@lower.register(MRGUniform)
def _lower_mrg_uniform(op: MRGUniform, node: Apply, backend: Any) -> Plan:
    reference, dtype, ndim = op.make_py_fn(node), op.dtype, op.ndim
    lib = _library()
    entry = getattr(lib, _ENTRIES[dtype]) if dtype in _ENTRIES else None

    def run(rstate: np.ndarray, size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shape = tuple(int(s) for s in size)
        n = int(np.prod(shape, dtype=np.int64))
        if len(shape) != ndim or any(s < 0 for s in shape) or (len(rstate) == 0 and n) \
                or rstate.ndim != 2 or rstate.shape[1] != 6:
            return reference(rstate, size)
        st = np.array(rstate, dtype=np.int32, order="C")  # the advanced copy (the input is kept)
        z = np.empty(n, dtype=np.int64)
        if entry is not None:
            out = np.empty(n, dtype=dtype)
            if n:
                entry(st.ctypes.data, len(st), n, z.ctypes.data, out.ctypes.data)
        else:
            if n:
                lib.mrg_uniform_raw(st.ctypes.data, len(st), n, z.ctypes.data)
            out = mrg31k3p.to_unit(z, dtype)
        return st, out.reshape(shape)

    return Plan(MRG_RUNNER, fn=run)
