"""The GPU check warms the kernel cache with what the backend will compile: the same source
text under the same entry name (the cache is keyed by both), or the warm-up builds kernels
nobody asks for and every real compile misses."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("theano_cuda", reason="the cuda backend (backends/cuda) is not installed")

import cudabuild  # noqa: E402
import emulated  # noqa: E402
import theano  # noqa: E402
import theano.tensor as T  # noqa: E402
from theano.backend.registry import get_backend  # noqa: E402
from theano_cuda.lowering import Planner  # noqa: E402


def test_warm_up_builds_exactly_what_the_backend_compiles():
    with emulated.emulated_cuda() as dev:
        x, b = T.fmatrix("x"), T.fvector("b")
        # a strided and a flat elementwise kernel, and a reduction over the leading axis
        f = theano.function([x, b], [T.tanh(x + b), (x * 2).sum(axis=0), x.T * 3],
                            device=dev)
        f(np.ones((4, 3), "float32"), np.arange(3, dtype="float32"))
        compiled = list(get_backend(dev).kernels._functions)
        col = cudabuild.Collection()
        planner = Planner()
        for node in f.maker.fgraph.toposort():
            cudabuild.record_node(col, node, planner)
    warmed = set(cudabuild.warm_work(col))
    assert {name for _, name in compiled} >= {"theano_kernel", "theano_flat", "theano_reduce"}
    missing = [name for key in compiled if key not in warmed for name in key[1:]]
    assert not missing, f"the warm-up does not build these kernels as the backend does: {missing}"
