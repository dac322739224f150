"""theano.grad and theano.gradient: every differentiable elementwise op, reduction and product
against finite differences, consider_constant, known_grads, disconnected inputs, integer
inputs, gradient dtypes, jacobian/hessian, Rop/Lop, and verify_grad itself."""
import sys
import warnings

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.gradient import (DisconnectedInputError, DisconnectedType, GradientError,
                             NullTypeGradError, verify_grad)
from theano.graph.basic import Apply
from theano.graph.op import Op

RNG = np.random.RandomState(2024)
SHAPE = (3, 4)
ANY = RNG.uniform(-1.5, 1.5, SHAPE)
POS = RNG.uniform(0.5, 1.5, SHAPE)
UNIT = RNG.uniform(-0.8, 0.8, SHAPE)


def fn(inputs, outputs):
    return theano.function(inputs, outputs, on_unused_input="ignore")


UNARY_POINTS = {
    "exp": ANY, "exp2": ANY, "expm1": ANY, "log": POS, "log2": POS, "log10": POS, "log1p": POS,
    "sin": ANY, "cos": ANY, "tan": UNIT, "arcsin": UNIT, "arccos": UNIT, "arctan": ANY,
    "sinh": ANY, "cosh": ANY, "tanh": ANY, "arcsinh": ANY, "arccosh": POS + 1, "arctanh": UNIT,
    "sqrt": POS, "sqr": ANY, "abs_": ANY + np.sign(ANY) * 0.1, "neg": ANY, "inv": POS,
    "deg2rad": ANY, "rad2deg": ANY, "erf": ANY, "erfc": ANY, "erfinv": UNIT, "erfcinv": UNIT + 1,
    "gamma": POS + 1, "gammaln": POS + 1, "psi": POS + 1, "sigmoid": ANY, "softplus": ANY,
    "tensor_copy": ANY,
}


@pytest.mark.parametrize("name", sorted(UNARY_POINTS))
def test_unary_gradients(name):
    verify_grad(getattr(T, name), [UNARY_POINTS[name]], rng=np.random.RandomState(0))


BINARY_POINTS = {
    "add": (ANY, UNIT), "sub": (ANY, UNIT), "mul": (ANY, UNIT), "true_div": (ANY, POS),
    "pow": (POS, ANY), "maximum": (ANY, ANY + 0.3), "minimum": (ANY, ANY - 0.3),
    "arctan2": (ANY, POS), "mod": (POS * 2.5 + 0.05, POS + 0.01), "logaddexp": (ANY, UNIT),
}


@pytest.mark.parametrize("name", sorted(BINARY_POINTS))
def test_binary_gradients(name):
    verify_grad(getattr(T, name), list(BINARY_POINTS[name]), rng=np.random.RandomState(0))


def test_broadcast_gradients_sum_over_broadcast_axes():
    verify_grad(lambda m, r: m * r.dimshuffle("x", 0) + r.sum(), [ANY, UNIT[0]])
    r = T.drow("r")
    m = T.dmatrix("m")
    g = T.grad((m * r).sum(), r)
    assert g.broadcastable == (True, False)
    np.testing.assert_allclose(fn([m, r], g)(ANY, UNIT[:1]), ANY.sum(axis=0, keepdims=True))
    s = T.dscalar("s")
    gs = T.grad((m * s).sum(), s)
    assert gs.ndim == 0
    np.testing.assert_allclose(fn([m, s], gs)(ANY, 2.0), ANY.sum())


@pytest.mark.parametrize("name,f", [
    ("clip", lambda x: T.clip(x, -0.5, 0.5)),
    ("switch", lambda x: T.switch(x > 0, x ** 2, -x)),
    ("sum", lambda x: T.sum(x, axis=0)),
    ("sum_keepdims", lambda x: x.sum(axis=(0, 1), keepdims=True)),
    ("sum_all", lambda x: x.sum()),
    ("prod", lambda x: T.prod(x, axis=1)),
    ("prod_all", lambda x: x.prod()),
    ("mean", lambda x: x.mean(axis=-1)),
    ("var", lambda x: x.var(axis=0)),
    ("std", lambda x: x.std()),
    ("max", lambda x: x.max(axis=1)),
    ("min", lambda x: x.min()),
    ("max_keepdims", lambda x: x.max(axis=0, keepdims=True)),
    ("norm2", lambda x: x.norm(2, axis=0)),
    ("norm1", lambda x: x.norm(1)),
    ("dimshuffle", lambda x: x.T.dimshuffle(0, "x", 1)),
    ("reshape", lambda x: x.reshape((2, 6))),
    ("flatten", lambda x: x.flatten()),
    ("cast_complex", lambda x: T.real(T.cast(x, "complex128") * (1 + 2j))),
    ("round_is_flat", lambda x: T.round(x) * x),
])
def test_reduction_and_shape_gradients(name, f):
    verify_grad(f, [ANY], rng=np.random.RandomState(1))


def test_prod_gradient_with_zeros():
    x = ANY.copy()
    x[0, 1] = 0.0  # one zero in row 0
    x[1, 2] = x[1, 3] = 0.0  # two zeros in row 1
    verify_grad(lambda v: T.prod(v, axis=1), [x])
    verify_grad(lambda v: T.prod(v), [x])
    m = T.dmatrix("m")
    g = fn([m], T.grad(T.prod(m, axis=1).sum(), m))(x)
    np.testing.assert_allclose(g[0, 1], np.prod(np.delete(x[0], 1)))
    np.testing.assert_array_equal(g[1], 0.0)


PRODUCTS = {
    "dot22": (T.dot, [(2, 3), (3, 4)]), "dot11": (T.dot, [(3,), (3,)]),
    "dot12": (T.dot, [(3,), (3, 2)]), "dot21": (T.dot, [(2, 3), (3,)]),
    "dot32": (T.dot, [(2, 3, 4), (4, 2)]), "dot23": (T.dot, [(2, 3), (2, 3, 4)]),
    "dot0": (T.dot, [(), (3,)]),
    "tensordot": (lambda a, b: T.tensordot(a, b, [[1, 2], [0, 2]]), [(2, 3, 4), (3, 2, 4)]),
    "tensordot0": (lambda a, b: T.tensordot(a, b, 0), [(2,), (3,)]),
    "outer": (T.outer, [(3,), (2,)]),
    "batched33": (T.batched_dot, [(2, 3, 4), (2, 4, 5)]),
    "batched22": (T.batched_dot, [(2, 3), (2, 3)]),
    "batched23": (T.batched_dot, [(2, 3), (2, 3, 4)]),
    "batched32": (T.batched_dot, [(2, 3, 4), (2, 4)]),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 4)]),
    "matmul4d": (lambda a, b: a @ b, [(2, 2, 2, 3), (2, 2, 3, 2)]),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_product_gradients(name):
    f, shapes = PRODUCTS[name]
    rng = np.random.RandomState(3)
    verify_grad(f, [rng.randn(*s) for s in shapes], rng=rng)


COMPLEX = {
    "abs": lambda a, b: abs(T.complex(a, b)),
    "real_of_product": lambda a, b: T.real(T.complex(a, b) * T.complex(b, a + 1)),
    "imag_of_product": lambda a, b: T.imag(T.complex(a, b) * T.complex(b, a + 1)),
    "abs_exp": lambda a, b: abs(T.exp(T.complex(a, b))),
    "imag_log": lambda a, b: T.imag(T.log(T.complex(a, b))),
    "angle": lambda a, b: T.angle(T.complex(a, b)),
    "real_div": lambda a, b: T.real(T.complex(a, b) / T.complex(b, a)),
    "real_over_complex": lambda a, b: T.imag(a / T.complex(b, a)),
    "conj": lambda a, b: T.imag(T.conj(T.complex(a, b)) * T.complex(b, b)),
    "real_times_complex": lambda a, b: T.imag(a * T.complex(b, a)),
    "sqrt": lambda a, b: T.imag(T.sqrt(T.complex(a, b))),
}


@pytest.mark.parametrize("name", sorted(COMPLEX))
def test_complex_gradients_through_real_parameters(name):
    # A real cost of complex intermediates; Theano's convention makes the gradient of a
    # complex z equal to dC/dRe z + i dC/dIm z, which finite differences of a, b check.
    verify_grad(COMPLEX[name], [POS, UNIT], rng=np.random.RandomState(4))


# -- grad's options ------------------------------------------------------------------------

def test_grad_simple_values_and_names():
    x, y = T.dvectors("x", "y")
    cost = (x ** 2).sum() + (x * y).sum()
    cost.name = "cost"
    gx, gy = T.grad(cost, [x, y])
    assert gx.name == "(dcost/dx)"
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    ga, gb = fn([x, y], [gx, gy])(a, b)
    np.testing.assert_allclose(ga, 2 * a + b)
    np.testing.assert_allclose(gb, a)
    assert theano.grad is T.grad or theano.grad(cost, x).type == gx.type
    single = theano.grad(cost, x)
    assert not isinstance(single, list)


def test_grad_of_many_uses_sums_terms():
    x = T.dscalar("x")
    cost = x * x + x * 3 + T.exp(x) + x * x * x
    g = fn([x], T.grad(cost, x))(0.5)
    np.testing.assert_allclose(g, 2 * 0.5 + 3 + np.exp(0.5) + 3 * 0.25)


def test_consider_constant():
    x, y = T.dvectors("x", "y")
    p = (x * y).sum()
    g = T.grad(p * p, x, consider_constant=[y])
    np.testing.assert_allclose(fn([x, y], g)(np.ones(2), np.array([0.0, 1.0])), [0.0, 2.0])
    z = x * 2
    cost = (z ** 2).sum() + x.sum()
    g = T.grad(cost, x, consider_constant=[z])  # only the direct x.sum() term remains
    np.testing.assert_allclose(fn([x], g)(np.ones(2)), [1.0, 1.0])
    with pytest.raises(DisconnectedInputError):
        T.grad((z ** 2).sum(), x, consider_constant=[z])
    g = T.grad((theano.gradient.consider_constant(z) ** 2).sum() + x.sum(), x)
    np.testing.assert_allclose(fn([x], g)(np.ones(2)), [1.0, 1.0])
    g = T.grad((theano.gradient.zero_grad(z) * x).sum(), x)
    np.testing.assert_allclose(fn([x], g)(np.array([1.0, 3.0])), [2.0, 6.0])


def test_known_grads():
    x = T.dvector("x")
    h = x * 3
    g = T.grad(None, x, known_grads={h: T.ones_like(h)})
    np.testing.assert_allclose(fn([x], g)(np.ones(2)), [3.0, 3.0])
    # A known gradient replaces what the cost would send into that variable.
    g = T.grad((h * h).sum(), x, known_grads={h: T.ones_like(h) * 2})
    np.testing.assert_allclose(fn([x], g)(np.ones(2)), [6.0, 6.0])
    c = (h * h).sum()
    g = T.grad(c, x, known_grads={c: T.constant(0.5)})
    np.testing.assert_allclose(fn([x], g)(np.ones(2)), [9.0, 9.0])
    with pytest.raises(TypeError):
        T.grad(None, x, known_grads={h: T.ones_like(h, dtype="int32")})
    with pytest.raises(ValueError):
        T.grad(None, x)


def test_disconnected_inputs_modes():
    x, y = T.dvectors("x", "y")
    cost = x.sum()
    with pytest.raises(DisconnectedInputError, match="y"):
        T.grad(cost, [x, y])
    with pytest.raises(DisconnectedInputError):
        T.grad(cost, [x, y], disconnected_inputs="raise")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        gx, gy = T.grad(cost, [x, y], disconnected_inputs="warn")
    assert any("y" in str(m.message) for m in w)
    out = fn([x, y], [gx, gy])(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(out[1], np.zeros(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gx, gy = T.grad(cost, [x, y], disconnected_inputs="ignore")
    assert gy.type == y.type
    with pytest.raises(ValueError):
        T.grad(cost, x, disconnected_inputs="sometimes")
    # What the disconnected gradient is returned as.
    assert T.grad(cost, [x, y], disconnected_inputs="ignore", return_disconnected="None")[1] is None
    d = T.grad(cost, [x, y], disconnected_inputs="ignore", return_disconnected="Disconnected")[1]
    assert isinstance(d.type, DisconnectedType)
    z = T.grad(cost, [x, y], disconnected_inputs="ignore", return_disconnected="zero")[1]
    np.testing.assert_array_equal(fn([y], z)(np.ones(4)), np.zeros(4))


def test_only_non_differentiable_paths_are_disconnected_but_zero():
    # Through shape() there is no gradient path at all.
    x, y = T.dvectors("x", "y")
    with pytest.raises(DisconnectedInputError):
        T.grad(T.cast(x.shape[0], "float64") * y.sum(), x)
    # Through a piecewise-constant op the gradient exists and is zero.
    g = T.grad(T.floor(x).sum() + T.sgn(x).sum(), x)
    np.testing.assert_array_equal(fn([x], g)(np.array([0.3, -2.5])), [0.0, 0.0])


def test_integer_inputs_get_zero_gradients():
    x, i = T.dvector("x"), T.ivector("i")
    gx, gi = T.grad((x * i).sum() + (i ** 2).sum() + T.cast(i, "float64").sum(), [x, i])
    assert gi.dtype == theano.config.floatX
    a, b = fn([x, i], [gx, gi])(np.ones(2), np.array([1, 2], "int32"))
    np.testing.assert_array_equal(a, [1.0, 2.0])
    np.testing.assert_array_equal(b, [0.0, 0.0])
    # An integer cost has a zero gradient.
    gc = T.grad(i.sum(), i)
    np.testing.assert_array_equal(fn([i], gc)(np.array([1, 2], "int32")), [0.0, 0.0])
    with theano.config.change_flags(floatX="float32"):
        assert T.grad((x * i).sum(), i).dtype == "float32"


def test_gradient_dtypes_match_wrt():
    f, d = T.fvector("f"), T.dvector("d")
    gf = T.grad((f ** 2).sum() * 0.1, f)
    assert gf.dtype == "float32"
    gf, gd = T.grad((f * d).sum() + T.exp(f).sum(), [f, d])
    assert gf.dtype == "float32" and gd.dtype == "float64"
    out = fn([f, d], gf)(np.ones(2, "float32"), np.ones(2))
    assert out.dtype == np.float32
    fm = T.fmatrix("fm")
    for cost in (T.dot(fm, fm.T).sum(), T.mean(fm), T.var(fm, axis=0).sum(), T.max(fm),
                 T.prod(fm), (fm / 3).sum(), T.sqrt(abs(fm) + 1).sum()):
        assert T.grad(cost, fm).dtype == "float32"


def test_float32_verify_grad():
    data = ANY.astype("float32")
    verify_grad(lambda x: T.tanh(x) * 2 + x.sum(axis=0), [data])
    verify_grad(lambda x: T.dot(x, x.T), [data])
    verify_grad(lambda x: T.cast(x, "float64") ** 2, [data])


def test_null_gradients_raise():
    x = T.dvector("x")
    with pytest.raises(NullTypeGradError):
        T.grad(T.tri_gamma(x).sum(), x)  # its gradient is not implemented


def test_cost_must_be_scalar():
    x = T.dvector("x")
    with pytest.raises(TypeError, match="scalar"):
        T.grad(x * 2, x)
    with pytest.raises(TypeError):
        T.grad(x.sum(), [np.ones(2)])


def test_grad_clip():
    x = T.dvector("x")
    g = T.grad((theano.gradient.grad_clip(x, -1.0, 1.0) * 5).sum(), x)
    np.testing.assert_array_equal(fn([x], g)(np.ones(2)), [1.0, 1.0])


# -- jacobian, hessian, Rop, Lop ----------------------------------------------------------------

def numeric_jacobian(f, x, eps=1e-6):
    cols = []
    for k in range(x.size):
        d = np.zeros_like(x)
        d.flat[k] = eps
        cols.append((np.asarray(f(x + d)) - np.asarray(f(x - d))) / (2 * eps))
    return np.stack(cols, axis=-1)


def test_jacobian_against_numerical():
    x, s = T.dvector("x"), T.dscalar("s")
    y = T.tanh(x) * s + T.dot(x, x) * x
    J = fn([x, s], theano.gradient.jacobian(y, x))
    f = fn([x, s], y)
    pt = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(J(pt, 1.5), numeric_jacobian(lambda v: f(v, 1.5), pt), rtol=1e-6, atol=1e-8)
    Jx, Js = theano.gradient.jacobian(y, [x, s])
    np.testing.assert_allclose(fn([x, s], Js)(pt, 1.5), np.tanh(pt), rtol=1e-12)
    # The Jacobian of a scalar is its gradient.
    g = theano.gradient.jacobian((x ** 2).sum(), x)
    np.testing.assert_allclose(fn([x], g)(pt), 2 * pt)
    m = T.dmatrix("m")
    Jm = theano.gradient.jacobian(T.dot(m, x), m)
    assert Jm.ndim == 3
    md = RNG.randn(2, 3)
    got = fn([m, x], Jm)(md, pt)
    want = numeric_jacobian(lambda v: v.reshape(2, 3) @ pt, md.ravel()).reshape(2, 2, 3)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_hessian_against_numerical():
    x = T.dvector("x")
    cost = (x ** 3).sum() + x[0] * x[1] + T.exp(x[2] * x[1])
    H = fn([x], theano.gradient.hessian(cost, x))
    g = fn([x], T.grad(cost, x))
    pt = np.array([1.0, 0.5, -0.3])
    got = H(pt)
    np.testing.assert_allclose(got, numeric_jacobian(g, pt), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got, got.T, rtol=1e-12)
    with pytest.raises(TypeError):
        theano.gradient.hessian(cost, T.dmatrix())


def test_rop_and_lop():
    W, V = T.dmatrices("W", "V")
    x, v, u = T.dvectors("x", "v", "u")
    y = T.tanh(T.dot(x, W)) * 2 + T.sum(W, axis=0)
    Wd, Vd = RNG.randn(3, 2), RNG.randn(3, 2)
    xd, vd = RNG.randn(3), RNG.randn(2)
    f = fn([W, x], y)
    # Rop: the directional derivative along V.
    rop = fn([W, V, x], T.Rop(y, W, V))(Wd, Vd, xd)
    eps = 1e-6
    num = (f(Wd + eps * Vd, xd) - f(Wd - eps * Vd, xd)) / (2 * eps)
    np.testing.assert_allclose(rop, num, rtol=1e-6, atol=1e-8)
    # Lop: v^T J, which equals the gradient of (v * y).sum().
    lop = fn([W, v, x], T.Lop(y, W, v))(Wd, vd, xd)
    grad = fn([W, v, x], T.grad((v * y).sum(), W))(Wd, vd, xd)
    np.testing.assert_allclose(lop, grad, rtol=1e-12)
    # Rop through several elementwise inputs and a reduction.
    z = (x * u + T.exp(x)).sum()
    r = fn([x, u, v], T.Rop(z, [x, u], [v, v]))(xd, xd * 2, xd * 0 + 1)
    np.testing.assert_allclose(r, np.sum((xd * 2 + np.exp(xd)) * 1 + xd * 1), rtol=1e-12)


# -- verify_grad itself ------------------------------------------------------------------------

class _WrongGradDouble(Op):
    """Computes 2 * x but claims the gradient is 3 * gz: verify_grad must catch it."""

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = 2 * inputs[0]

    def grad(self, inputs, gouts):
        return [gouts[0] * 3]


class _RightGradDouble(_WrongGradDouble):
    def grad(self, inputs, gouts):
        return [gouts[0] * 2]


def test_verify_grad_catches_a_wrong_gradient():
    with pytest.raises(GradientError) as info:
        verify_grad(_WrongGradDouble(), [ANY])
    err = info.value
    assert err.arg == 0 and err.shape == SHAPE
    np.testing.assert_allclose(err.val1 / err.val2, 1.5, rtol=1e-5)
    assert "finite differences" in str(err)
    verify_grad(_RightGradDouble(), [ANY])  # the same op with the right gradient passes
    # The planted error is found for the second input too.
    with pytest.raises(GradientError) as info:
        verify_grad(lambda a, b: a * _WrongGradDouble()(b), [ANY, POS])
    assert info.value.arg == 1


def test_verify_grad_compiles_the_cost_and_its_gradient_once(monkeypatch):
    # Each test projects the output on a new random direction: a shared value, as in Theano,
    # so the output, the cost and the gradient compile once whatever n_tests is.
    compile_function = sys.modules["theano.compile.function"]  # the package's `function` is the function

    made = []
    real = compile_function.function

    def counting(*args, **kwargs):
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(compile_function, "function", counting)
    rng = np.random.RandomState(0)
    verify_grad(T.tanh, [ANY], n_tests=4, rng=rng)
    assert len(made) == 3
    ref = np.random.RandomState(0)
    for _ in range(4):  # every test drew its own direction
        ref.rand(*SHAPE)
    assert rng.rand() == ref.rand()
    with pytest.raises(GradientError):  # and a wrong gradient is still caught
        verify_grad(_WrongGradDouble(), [ANY], n_tests=3)


def test_verify_grad_tolerances_and_input_checks():
    # A tiny error passes with loose tolerances and fails with tight ones.
    class Slightly(_WrongGradDouble):
        def grad(self, inputs, gouts):
            return [gouts[0] * 2.001]

    verify_grad(Slightly(), [ANY], abs_tol=1e-2, rel_tol=1e-2)
    with pytest.raises(GradientError):
        verify_grad(Slightly(), [ANY], abs_tol=1e-6, rel_tol=1e-6)
    with pytest.raises(TypeError):
        verify_grad(T.exp, [np.array([1, 2])])
