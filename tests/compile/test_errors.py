"""Bad input raises at once with a short message naming the problem and the user's line;
a failing call changes nothing and the function keeps working."""
import os

import numpy as np
import pytest

import theano
from theano import tensor as T

HERE = os.path.abspath(__file__)


def _line_of(text):
    """The line number in this file of the first line containing `text` (after this one)."""
    with open(HERE) as f:
        for k, line in enumerate(f, 1):
            if text in line and "_line_of" not in line:
                return k
    raise AssertionError(text)


# -- wrong arguments -------------------------------------------------------------------

def test_wrong_ndim():
    x = T.dvector("x")
    f = theano.function([x], x * 2)
    with pytest.raises(TypeError, match=r"argument 0 \(x\).*expected 1, got 2"):
        f(np.zeros((2, 2)))
    with pytest.raises(TypeError, match=r"expected 1, got 0"):
        f(1.0)


def test_lossy_dtype_is_refused_unless_allow_input_downcast():
    x = T.fvector("x")
    f = theano.function([x], x * 2)
    with pytest.raises(TypeError, match=r"float64.*float32.*allow_input_downcast"):
        f(np.array([0.1, 0.2]))
    np.testing.assert_array_equal(f([1.5, 2.0]), np.array([3.0, 4.0], dtype="float32"))
    g = theano.function([x], x * 2, allow_input_downcast=True)
    r = g(np.array([0.1, 0.2]))
    assert r.dtype == np.float32
    np.testing.assert_allclose(r, [0.2, 0.4], rtol=1e-6)
    i = T.ivector("i")
    h = theano.function([i], i + 1)
    with pytest.raises(TypeError, match="int64.*int32"):
        h(np.array([1, 2], dtype="int64"))
    with pytest.raises(TypeError, match="loss of precision"):
        h([1.5])
    np.testing.assert_array_equal(h(np.array([1, 2], dtype="int8")), [2, 3])


def test_numpy_scalars_are_values_like_python_numbers():
    # Theano accepts a NumPy scalar whose value the input type holds exactly, whatever its
    # dtype (np.float64(1.5) for a float32 input), and refuses one that would be rounded.
    x = T.fscalar("x")
    f = theano.function([x], x * 2)
    assert f(np.float64(1.5)) == 3.0 and f(np.int64(3)) == 6.0
    assert np.isnan(f(np.float64("nan")))
    with pytest.raises(TypeError, match="np.float64.0.1.*without loss of precision"):
        f(np.float64(0.1))
    i = T.iscalar("i")
    g = theano.function([i], i + 1)
    assert g(np.int64(7)) == 8
    with pytest.raises(TypeError, match="loss of precision"):
        g(np.int64(2 ** 40))
    assert f(1.0) == 2.0  # still usable after the errors


def test_allow_downcast_per_input():
    x = T.fscalar("x")
    y = T.fscalar("y")
    f = theano.function([theano.In(x, allow_downcast=True), y], x + y)
    assert f(0.1, 1.0).dtype == np.float32
    with pytest.raises(TypeError, match=r"argument 1 \(y\)"):
        f(0.1, 0.1)


def test_wrong_number_of_arguments():
    x, y = T.dscalars("x", "y")
    f = theano.function([x, y], x + y)
    with pytest.raises(TypeError, match=r"at most 2 argument\(s\) \(3 given\)"):
        f(1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match=r"missing required input y \(argument 1\)"):
        f(1.0)


def test_update_type_mismatch_raises_at_build():
    w = theano.shared(np.zeros(3), "w")
    x = T.fvector("x")
    with pytest.raises(TypeError, match=r"w is TensorType\(float64, vector\).*float32.*cast"):
        theano.function([x], [], updates=[(w, x)])
    with pytest.raises(TypeError, match=r"w is TensorType\(float64, vector\).*dimension"):
        theano.function([], [], updates=[(w, w.sum())])
    c = theano.shared(np.int64(0), "c")
    with pytest.raises(TypeError, match="c.*int64"):
        theano.function([], [], updates=[(c, c + 1.5)])
    with pytest.raises(TypeError, match="does not fit"):
        theano.function([], [], updates=[(c, 0.5)])


# -- run-time errors ---------------------------------------------------------------------

def test_shape_mismatch_names_op_shapes_and_user_line():
    x, y = T.dvectors("x", "y")
    z = (x + y) * 2  # BUILT-HERE-1
    # Whatever rewrites do to it (fusion), the error names the line that built it.
    f = theano.function([x, y], z)
    with pytest.raises(ValueError) as info:
        f(np.zeros(3), np.zeros(2))
    msg = str(info.value)
    first = msg.splitlines()[0]
    assert f"{HERE}:{_line_of('BUILT-HERE-1')}" in first
    assert "add" in first.lower() or "fused" in first.lower()
    assert "(3,)" in first and "(2,)" in first
    assert len(msg.splitlines()) <= 15


def test_dot_shape_mismatch():
    a, b = T.dmatrices("a", "b")
    c = T.dot(a, b)  # BUILT-HERE-2
    f = theano.function([a, b], c)
    with pytest.raises(ValueError) as info:
        f(np.zeros((2, 3)), np.zeros((4, 5)))
    first = str(info.value).splitlines()[0]
    assert f"{HERE}:{_line_of('BUILT-HERE-2')}" in first
    assert "(2, 3)" in first and "(4, 5)" in first


def test_exception_verbosity_high_gives_more():
    x, y = T.dvectors("x", "y")
    e = T.exp(x + y).sum()
    f = theano.function([x, y], e)
    with pytest.raises(ValueError) as low:
        f(np.zeros(3), np.zeros(2))
    with theano.config.change_flags(exception_verbosity="high"):
        g = theano.function([x, y], e)
        with pytest.raises(ValueError) as high:
            g(np.zeros(3), np.zeros(2))
    low_msg, high_msg = str(low.value), str(high.value)
    assert "exception_verbosity=high" in low_msg
    assert len(high_msg.splitlines()) > len(low_msg.splitlines())
    assert "x" in high_msg and "y" in high_msg
    assert high_msg.splitlines()[0] == low_msg.splitlines()[0]


def test_graph_build_error_names_user_line():
    x = T.dvector("x")
    m = T.dmatrix("m")
    with pytest.raises((TypeError, ValueError)) as info:
        T.dot(x, m).dimshuffle(0, 1)  # BUILT-HERE-3
    assert f"{HERE}:{_line_of('BUILT-HERE-3')}" in str(info.value).splitlines()[0]


# -- failing calls change nothing -----------------------------------------------------------

def test_failing_call_applies_no_update_and_function_keeps_working():
    w = theano.shared(np.zeros(2), "w")
    n = theano.shared(np.int64(0), "n")
    x = T.dvector("x")
    # n's update does not depend on the failing node: it must still not be applied.
    step = theano.function([x], (w + x).sum(), updates=[(n, n + 1), (w, w + x)])
    with pytest.raises(ValueError):
        step(np.ones(3))
    np.testing.assert_array_equal(w.get_value(), [0, 0])
    assert n.get_value() == 0
    with pytest.raises(TypeError):
        step(np.ones((2, 2)))
    assert n.get_value() == 0
    assert step(np.ones(2)) == 2.0
    np.testing.assert_array_equal(w.get_value(), [1, 1])
    assert n.get_value() == 1


def test_error_in_perform_leaves_shared_intact():
    from theano.graph.basic import Apply
    from theano.graph.op import Op

    class Boom(Op):
        def make_node(self, x):
            return Apply(self, [x], [x.type()])

        def perform(self, node, inputs, out):
            if inputs[0].sum() > 10:
                raise RuntimeError("too big")
            out[0][0] = inputs[0] * 1

    s = theano.shared(np.array([1.0]), "s")
    f = theano.function([], Boom()(s), updates=[(s, s * 20)])
    f()
    np.testing.assert_array_equal(s.get_value(), [20])
    with pytest.raises(RuntimeError, match="too big"):
        f()
    np.testing.assert_array_equal(s.get_value(), [20])
