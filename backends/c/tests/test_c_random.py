"""MRG_RandomStreams on the C backend: MRGUniform runs natively (fallbacks refused), alone and
inside a scan step, and draws the reference's numbers for a seed, call after call."""
from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams, MRGUniform

pytest.importorskip("theano_c")
from theano_c.lowering_random import MRG_RUNNER  # noqa: E402
from theano_c.toolchain import find_compiler  # noqa: E402

pytestmark = pytest.mark.skipif(find_compiler() is None, reason="no C compiler")


def _draws(device, dtype):
    srng = MRG_RandomStreams(seed=1234)
    x = T.matrix("x", dtype=dtype)
    u = srng.uniform(size=(7, 5), dtype=dtype)

    def step(row):
        v = srng.uniform(size=(5,), dtype=dtype)
        return v if dtype == "float16" else row * v  # the C backend has no float16 arithmetic

    s, updates = theano.scan(step, sequences=x)
    with theano.config.change_flags(fallback="raise" if device == "cpu" else "warn"):
        f = theano.function([x], [u, s], updates=updates, device=device)
    xv = np.full((4, 5), 2, dtype=dtype)
    return f, [f(xv), f(xv)]


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_mrg_uniform_native_and_same_numbers_inside_scan(dtype):
    fc, got = _draws("cpu", dtype)
    _, want = _draws("numpy", dtype)
    runners = [r for n, r in fc.linked.runners.items() if isinstance(n.op, MRGUniform)]
    assert runners == [MRG_RUNNER]
    for g_call, w_call in zip(got, want):
        for g, w in zip(g_call, w_call):
            assert g.dtype == w.dtype
            np.testing.assert_array_equal(g, w)
    assert not np.array_equal(got[0][0], got[1][0])  # the state advanced between calls


def test_mrg_uniform_bad_size_raises_the_reference_error():
    srng = MRG_RandomStreams(seed=3)
    n = T.lscalar("n")
    with theano.config.change_flags(fallback="raise"):
        f = theano.function([n], srng.uniform(size=(n, 2)), device="cpu")
    assert f(3).shape == (3, 2)
    with pytest.raises(ValueError, match="size"):
        f(-1)
