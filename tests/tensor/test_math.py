"""theano.tensor's math helpers and theano.scalar: the scalar types, dtype rules and ops that
Elemwise applies, and the functions of tensor.math beyond single elementwise ops."""
import numpy as np
import pytest
import scipy.special as sp

import theano
from theano import scalar as S
from theano import tensor as T


def fn(inputs, outputs):
    return theano.function(inputs, outputs, on_unused_input="ignore")


# -- theano.scalar ---------------------------------------------------------------------

def test_scalar_upcast_follows_numpy_array_promotion():
    assert S.upcast("int8", "int8") == "int8"
    assert S.upcast("int8", "uint8") == "int16"
    assert S.upcast("int32", "float32") == "float64"
    assert S.upcast("int16", "float32") == "float32"
    assert S.upcast("float32", "complex64") == "complex64"
    assert S.upcast("float64", "complex64") == "complex128"
    assert S.upcast("bool", "bool") == "bool"
    assert S.upcast("uint64", "int64") == "float64"


def test_scalar_types():
    assert S.float32.dtype == "float32" and S.get_scalar_type("float32") is S.float32
    assert S.int8 == S.ScalarType("int8") and S.int8 != S.int16
    assert str(S.complex64) == "complex64"
    with pytest.raises(TypeError):
        S.ScalarType("object")
    assert S.int8.filter(5) == 5 and S.int8.filter(5).dtype == np.int8
    with pytest.raises(TypeError):
        S.int8.filter(300)
    with pytest.raises(TypeError):
        S.int8.filter(np.array([1, 2]))
    assert S.float32.filter(0.1, allow_downcast=True) == np.float32(0.1)


@pytest.mark.parametrize("op,dtypes,want", [
    (S.add, ("int8", "int8"), "int8"), (S.true_div, ("int8", "int8"), "float32"),
    (S.true_div, ("int32", "int32"), "float64"), (S.true_div, ("uint16", "int8"), "float32"),
    (S.true_div, ("float32", "int64"), "float64"), (S.int_div, ("int32", "int32"), "int32"),
    (S.pow, ("bool", "bool"), "int8"), (S.lt, ("float64", "int8"), "bool"),
    (S.exp, ("int64",), "float64"), (S.exp, ("uint8",), "float32"), (S.exp, ("float32",), "float32"),
    (S.abs_, ("complex64",), "float32"), (S.real, ("complex128",), "float64"),
    (S.sqr, ("int16",), "int16"), (S.switch, ("bool", "int8", "float32"), "float32"),
    (S.complex, ("float32", "float32"), "complex64"), (S.complex, ("float32", "float64"), "complex128"),
])
def test_scalar_output_dtypes(op, dtypes, want):
    assert op.output_dtypes(*dtypes) == (want,)


@pytest.mark.parametrize("op,dtypes", [(S.sub, ("bool", "bool")), (S.neg, ("bool",)),
                                       (S.floor, ("complex64",)), (S.erf, ("complex128",)),
                                       (S.sgn, ("complex64",))])
def test_scalar_ops_refuse_some_dtypes(op, dtypes):
    with pytest.raises(TypeError):
        op.output_dtypes(*dtypes)


def test_scalar_op_arity_is_checked():
    with pytest.raises(TypeError):
        S.sub.output_dtypes("float64")
    with pytest.raises(TypeError):
        S.exp.output_dtypes("float64", "float64")


def test_scalar_ops_compute_on_scalars_and_in_a_composite():
    x, y = S.float64(), S.float64()
    node = S.add.make_node(x, y)
    assert node.outputs[0].type == S.float64
    st = [[None]]
    S.true_div.perform(S.true_div.make_node(S.int32(), S.int32()), [np.int32(7), np.int32(2)], st)
    assert st[0][0] == 3.5 and st[0][0].dtype == np.float64
    # A composite of scalar ops evaluates its DAG with each node's dtype rule.
    a, b = S.float64("a"), S.int8("b")
    ab = S.mul.make_node(a, b).outputs[0]
    comp = S.Composite([a, b], [S.exp.make_node(ab).outputs[0]])
    assert comp.output_dtypes("float64", "int8") == ("float64",)
    np.testing.assert_allclose(comp.impl(np.float64(0.5), np.int8(2)), np.exp(1.0))
    assert "exp" in str(comp) and "mul" in str(comp)
    # Variadic ops fold over any number of inputs.
    assert S.add.impl(1.0, 2.0, 3.0, 4.0) == 10.0
    assert S.mul.impl(np.arange(1, 4), 2, 5).tolist() == [10, 20, 30]


def test_scalar_casts():
    c = S.cast_op("int16")
    assert c is S.cast_op(np.int16) and c.output_dtypes("float64") == ("int16",)
    assert c.impl(np.float64(3.9)) == 3 and c.impl(np.float64(3.9)).dtype == np.int16
    assert S.cast_op("float32") != c


# -- tensor.math helpers -----------------------------------------------------------------

def test_logaddexp_is_stable():
    x, y = T.dvectors("x", "y")
    a = np.array([0.0, 1000.0, -1000.0, 2.0])
    b = np.array([0.0, 1000.0, -1001.0, -3.0])
    np.testing.assert_allclose(fn([x, y], T.logaddexp(x, y))(a, b), np.logaddexp(a, b), rtol=1e-12)


def test_divmod_power_true_divide_abs():
    x, y = T.ivectors("x", "y")
    a, b = np.array([7, -7, 9], "int32"), np.array([2, 2, -4], "int32")
    q, r = fn([x, y], list(T.divmod(x, y)))(a, b)
    np.testing.assert_array_equal(q, a // b)
    np.testing.assert_array_equal(r, a % b)
    np.testing.assert_array_equal(fn([x, y], T.power(x, abs(y)))(a, b), a ** np.abs(b))
    np.testing.assert_allclose(fn([x, y], T.true_divide(x, y))(a, b), a / b)
    np.testing.assert_array_equal(fn([x], T.abs(x))(a), np.abs(a))


def test_sigmoid_softplus_values():
    x = T.dvector("x")
    data = np.array([-800.0, -30.0, -1.0, 0.0, 1.0, 30.0, 800.0])
    s, p = fn([x], [T.sigmoid(x), T.softplus(x)])(data)
    np.testing.assert_allclose(s, sp.expit(data), rtol=1e-12)
    np.testing.assert_allclose(p, np.logaddexp(0, data), rtol=1e-12)
    assert np.isfinite(p).all()


def test_tensor_copy_and_copy_method():
    x = T.dvector("x")
    c = x.copy(name="c")
    assert c.name == "c" and c is not x
    np.testing.assert_array_equal(fn([x], c)(np.arange(3.0)), np.arange(3.0))


@pytest.mark.parametrize("L", [1, 2, 3, np.inf])
def test_norm(L):
    m = T.dmatrix("m")
    data = np.random.RandomState(0).randn(3, 4)
    for axis in (None, 0, 1):
        got = fn([m], T.norm(m, L, axis=axis))(data)
        if axis is None:
            want = np.linalg.norm(data.ravel(), L)
        else:
            want = np.linalg.norm(data, L, axis=axis)
        np.testing.assert_allclose(got, want, rtol=1e-10)
    assert fn([m], m.norm(2, axis=0, keepdims=True))(data).shape == (1, 4)


def test_special_functions_of_float32_are_float32():
    f = T.fvector("f")
    data = np.array([0.5, 1.5, 3.0], dtype="float32")
    outs = fn([f], [T.gamma(f), T.gammaln(f), T.psi(f), T.erf(f), T.erfc(f), T.erfinv(f / 4),
                    T.tri_gamma(f)])(data)
    want = [sp.gamma(data), sp.gammaln(data), sp.psi(data), sp.erf(data), sp.erfc(data),
            sp.erfinv(data / 4), sp.polygamma(1, data.astype("float64"))]
    for o, w in zip(outs, want):
        assert o.dtype == np.float32
        np.testing.assert_allclose(o, w, rtol=1e-5)


def test_size_property():
    m = T.dmatrix("m")
    assert fn([m], m.size)(np.zeros((3, 4))) == 12


def test_symbolic_variables_are_true_comparisons_refuse_bool_and_len_is_unknown():
    # As recorded from Theano 1.0.5 (tests/data/theano105/behaviours.json "truthiness").
    x = T.dvector("x")
    assert bool(x) is True and (not x) is False
    with pytest.raises(TypeError):
        bool(x > 0)
    with pytest.raises(TypeError):
        len(x)
    # NumPy holds a variable as an object (np.asarray(x) is a 0-d object array), never as numbers.
    assert np.asarray(x).dtype == object and np.asarray(x)[()] is x
    with pytest.raises(TypeError):
        np.asarray(x, dtype="float64")
    # == is identity (variables are dictionary keys); eq() compares elementwise.
    assert (x == x) is True and (x == T.dvector()) is False
