import warnings

import numpy as np

import theano
import theano.tensor as T
from theano.compile.mode import Mode
from theano.tensor.gemm import Gemm, Gemv
from helpers import EDGE, REF, assert_same, both, scalar_names

warnings.filterwarnings("ignore", category=RuntimeWarning)

# FAST_RUN asking for the BLAS rewrites by name: the reference device (device=numpy)
# declines them by default.
BLAS = Mode().including("blas")


def both_blas(inputs, outputs):
    """(function with the BLAS rewrites on any device, reference function without rewrites)."""
    return theano.function(inputs, outputs, mode=BLAS), theano.function(inputs, outputs, mode=REF)


def test_powers():
    x = T.dvector("x")
    outs = [x ** 2, x ** 0.5, x ** -1, x ** 1, x ** 3, x ** -2, x ** 2.5]
    f, g = both([x], outs)
    names = scalar_names(f)
    assert "sqr" in names and "sqrt" in names and "inv" in names
    assert names.count("pow") == 1  # only x ** 2.5 keeps pow
    assert_same(f, g, EDGE, rtol=1e-14)
    assert_same(f, g, np.zeros(0))


def test_integer_powers_keep_dtype():
    i = T.bvector("i")
    f, g = both([i], [i ** 2, i ** 3, i ** 0.5])
    for a, b in zip(f.maker.fgraph.outputs, g.maker.fgraph.outputs):
        assert a.type == b.type
    assert_same(f, g, np.array([-3, 0, 12, 100], dtype="int8"))


def test_sum_mul_to_dot():
    x, y = T.dvectors("x", "y")
    f, g = both_blas([x, y], T.sum(x * y))
    assert "Dot" in scalar_names(f)
    assert_same(f, g, np.arange(5.0), np.arange(5.0) - 2, rtol=1e-14)
    assert_same(f, g, np.zeros(0), np.zeros(0))
    fx, fy = T.fvectors("fx", "fy")  # float32 sums accumulate in float64: left alone
    f2, _ = both_blas([fx, fy], T.sum(fx * fy))
    assert "Dot" not in scalar_names(f2)


def test_gemm_forms():
    z, x, y = T.dmatrices("z", "x", "y")
    a = T.dscalar("a")
    outs = [z + a * T.dot(x, y), z - 0.1 * T.dot(x, y), 2.0 * z + T.dot(x, y)]
    f, g = both_blas([z, x, y, a], outs)
    n_gemm = sum(isinstance(n.op, Gemm) for n in f.maker.fgraph.toposort())
    assert n_gemm == 3
    r = np.random.RandomState(0)
    args = [r.randn(3, 4), r.randn(3, 2), r.randn(2, 4), 0.7]
    assert_same(f, g, *args, rtol=1e-14)
    args[0][0, 0] = np.nan
    assert_same(f, g, *args, rtol=1e-14)


def test_gemv_and_broadcast_z_left_alone():
    zv, v = T.dvectors("zv", "v")
    m = T.dmatrix("m")
    b = T.drow("b")
    f, g = both_blas([zv, v, m, b], [zv + T.dot(m, v), b + T.dot(m, m.T)])
    ops = [type(n.op) for n in f.maker.fgraph.toposort()]
    assert Gemv in ops and Gemm not in ops
    r = np.random.RandomState(1)
    assert_same(f, g, r.randn(3), r.randn(3), r.randn(3, 3), r.randn(1, 3), rtol=1e-14)
