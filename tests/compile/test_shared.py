"""theano.shared: values, borrow semantics, type checks, default updates, sharing."""
import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.compile import SharedVariable


def test_get_value_returns_a_copy_unless_borrowed():
    a = np.array([1.0, 2.0])
    s = theano.shared(a, "s")
    v = s.get_value()
    v[0] = 100
    np.testing.assert_array_equal(s.get_value(), [1, 2])
    b = s.get_value(borrow=True)
    b[0] = 100
    assert s.get_value()[0] == 100  # borrow=True gave the internal array


def test_shared_copies_its_value_unless_borrowed():
    a = np.array([1.0, 2.0])
    s = theano.shared(a)
    a[0] = -1
    assert s.get_value()[0] == 1.0
    b = np.array([1.0, 2.0])
    sb = theano.shared(b, borrow=True)
    b[0] = -1
    assert sb.get_value()[0] == -1.0


def test_set_value_copies_unless_borrowed():
    s = theano.shared(np.zeros(2), "s")
    a = np.array([5.0, 6.0])
    s.set_value(a)
    a[0] = 0
    np.testing.assert_array_equal(s.get_value(), [5, 6])
    b = np.array([5.0, 6.0])
    s.set_value(b, borrow=True)
    b[0] = 0
    np.testing.assert_array_equal(s.get_value(), [0, 6])


def test_set_value_accepts_array_likes_and_new_shapes():
    s = theano.shared(np.zeros(2), "s")
    s.set_value([1, 2, 3])
    assert s.get_value().dtype == np.float64
    np.testing.assert_array_equal(s.get_value(), [1, 2, 3])
    s.set_value(np.array([4, 5], dtype="int32"))  # lossless upcast to float64
    assert s.get_value().dtype == np.float64


def test_set_value_wrong_ndim_names_the_problem_and_keeps_the_old_value():
    s = theano.shared(np.array([1.0, 2.0]), "weights")
    with pytest.raises(TypeError, match=r"weights.*dimensions.*expected 1, got 2"):
        s.set_value(np.zeros((2, 2)))
    np.testing.assert_array_equal(s.get_value(), [1, 2])


def test_set_value_lossy_dtype_names_the_problem_and_keeps_the_old_value():
    s = theano.shared(np.array([1.0, 2.0], dtype="float32"), "w32")
    with pytest.raises(TypeError, match=r"w32.*float64.*float32"):
        s.set_value(np.array([0.1, 0.2]))
    np.testing.assert_array_equal(s.get_value(), np.array([1.0, 2.0], dtype="float32"))
    i = theano.shared(np.int64(3), "count")
    with pytest.raises(TypeError, match="count"):
        i.set_value(2.5)
    assert i.get_value() == 3
    with pytest.raises(TypeError):
        i.set_value("three")
    assert i.get_value() == 3
    s.set_value(np.array([3.0, 4.0], dtype="float32"))
    assert s.get_value().dtype == np.float32


def test_python_scalars_become_int64_and_float64():
    i = theano.shared(3)
    f = theano.shared(3.5)
    assert i.type.dtype == "int64" and i.type.ndim == 0
    assert f.type.dtype == "float64" and f.type.ndim == 0
    assert isinstance(i.get_value(), np.ndarray) and i.get_value() == 3
    i.set_value(7)
    assert i.get_value() == 7
    f.set_value(2)  # an int fits a float
    assert f.get_value() == 2.0


def test_arrays_keep_their_dtype_and_rank():
    for dt in ("float32", "float64", "int32", "int8", "bool", "complex64"):
        s = theano.shared(np.zeros((2, 3), dtype=dt))
        assert s.type.dtype == dt and s.type.ndim == 2
        assert s.type.broadcastable == (False, False)
        assert isinstance(s, SharedVariable)


def test_shared_rejects_symbolic_and_unknown_values():
    with pytest.raises(TypeError):
        theano.shared(T.dvector())
    with pytest.raises(TypeError):
        theano.shared(object())


def test_shared_in_a_function_sees_set_value():
    s = theano.shared(np.array([1.0, 2.0]), "s")
    f = theano.function([], s * 2)
    np.testing.assert_array_equal(f(), [2, 4])
    s.set_value(np.array([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(f(), [20, 40, 60])


def test_shared_used_by_several_functions():
    acc = theano.shared(np.float64(0.0), "acc")
    x = T.dscalar("x")
    add = theano.function([x], acc, updates=[(acc, acc + x)])
    scale = theano.function([x], [], updates=[(acc, acc * x)])
    read = theano.function([], acc * 2)
    add(3.0)
    add(4.0)
    assert read() == 14.0
    scale(10.0)
    assert acc.get_value() == 70.0
    assert read() == 140.0


def test_default_update_and_explicit_value_semantics():
    rng_state = theano.shared(np.int64(1), "state")
    rng_state.default_update = rng_state * 3
    f = theano.function([], rng_state + 0)
    assert [int(f()) for _ in range(3)] == [1, 3, 9]
    rng_state.set_value(2)
    assert int(f()) == 2 and rng_state.get_value() == 6


def test_get_value_after_update_is_a_copy():
    s = theano.shared(np.zeros(2), "s")
    theano.function([], [], updates=[(s, s + 1)])()
    v = s.get_value()
    v[...] = 50
    np.testing.assert_array_equal(s.get_value(), [1, 1])


def test_value_property_and_zero():
    s = theano.shared(np.array([1.0, 2.0]), "s")
    np.testing.assert_array_equal(s.value, [1, 2])
    s.zero()
    np.testing.assert_array_equal(s.get_value(), [0, 0])
