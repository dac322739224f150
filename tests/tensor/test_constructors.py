"""Variable constructors: every prefix and shape of Theano 1.0, the floatX generics, the
plurals, tensor.tensor(), names and dtype= arguments."""
import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.tensor.type import TensorType

PREFIXES = {"b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32", "d": "float64",
            "c": "complex64", "z": "complex128"}
SHAPES = {"scalar": (), "vector": (False,), "matrix": (False, False), "row": (True, False),
          "col": (False, True), "tensor3": (False,) * 3, "tensor4": (False,) * 4,
          "tensor5": (False,) * 5, "tensor6": (False,) * 6, "tensor7": (False,) * 7}
PLURALS = {"scalar": "scalars", "vector": "vectors", "matrix": "matrices", "row": "rows",
           "col": "cols", **{f"tensor{n}": f"tensor{n}s" for n in range(3, 8)}}


@pytest.mark.parametrize("prefix", sorted(PREFIXES))
@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_prefixed_constructor(prefix, kind):
    ctor = getattr(T, prefix + kind)
    v = ctor("v")
    assert v.name == "v"
    assert v.type == TensorType(PREFIXES[prefix], SHAPES[kind])
    assert v.dtype == PREFIXES[prefix]
    assert v.broadcastable == SHAPES[kind]
    assert v.ndim == len(SHAPES[kind])
    assert ctor().name is None
    # The variable holds values of its type and rejects other ranks.
    shape = tuple(1 if b else 2 for b in SHAPES[kind])
    val = v.type.filter(np.zeros(shape, dtype=PREFIXES[prefix]))
    assert val.dtype == np.dtype(PREFIXES[prefix]) and val.shape == shape
    with pytest.raises(TypeError):
        v.type.filter(np.zeros(shape + (2,), dtype=PREFIXES[prefix]))


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_generic_constructor_uses_floatx(kind):
    ctor = getattr(T, kind)
    assert ctor("a").type == TensorType(theano.config.floatX, SHAPES[kind])
    with theano.config.change_flags(floatX="float32"):
        assert ctor().dtype == "float32"
    with theano.config.change_flags(floatX="float64"):
        assert ctor().dtype == "float64"
    for dt in ("int8", "int32", "uint16", "float32", "complex64", "bool"):
        v = ctor("a", dtype=dt)
        assert v.type == TensorType(dt, SHAPES[kind]) and v.name == "a"
    assert ctor(dtype=np.int16).dtype == "int16"
    assert ctor(dtype=np.dtype("float32")).dtype == "float32"
    assert ctor(dtype="floatX").dtype == theano.config.floatX


def test_dtype_objects_from_star_import():
    # `from theano.tensor import *` then `theano.tensor.vector('x', dtype=int32)`, as in the
    # Theano docs; done in a namespace so the star import does not shadow builtins here.
    ns: dict = {}
    exec("import theano\nfrom theano.tensor import *\n"
         "x = theano.tensor.vector('x', dtype=int32)\n"
         "y = matrix('y', dtype=float32)\n"
         "z = tensor3(dtype=complex128)\n"
         "u = row(dtype=uint8)\n", ns)
    assert ns["x"].type == TensorType("int32", (False,)) and ns["x"].name == "x"
    assert ns["y"].type == TensorType("float32", (False, False))
    assert ns["z"].dtype == "complex128" and ns["u"].type == TensorType("uint8", (True, False))
    for name in ("dscalar", "fmatrices", "tensor7", "ztensor7", "grad", "dot", "int8", "float64"):
        assert name in ns, name


@pytest.mark.parametrize("kind", sorted(SHAPES))
@pytest.mark.parametrize("prefix", ["", "b", "i", "f", "d", "z"])
def test_plural_constructors(prefix, kind):
    plural = getattr(T, prefix + PLURALS[kind])
    dtype = PREFIXES.get(prefix, theano.config.floatX)
    a, b, c = plural("a", "b", "c")
    assert [v.name for v in (a, b, c)] == ["a", "b", "c"]
    assert len({id(a), id(b), id(c)}) == 3
    for v in (a, b, c):
        assert v.type == TensorType(dtype, SHAPES[kind])
    many = plural(4)
    assert len(many) == 4 and all(v.name is None for v in many)
    assert all(v.type == TensorType(dtype, SHAPES[kind]) for v in many)
    # One name among several arguments... and one string alone is a sequence of one-letter
    # names, as Theano 1.0.5's _multi made it (tests/compat/test_behaviours.py checks the record).
    letters = plural("only")
    assert [v.name for v in letters] == ["o", "n", "l", "y"]
    one = plural("x")
    assert one.name == "x" and one.type == TensorType(dtype, SHAPES[kind])


def test_plural_one_string_is_one_variable_per_character():
    # Theano 1.0.5 split no commas: "u, v" is four one-character names.
    assert [x.name for x in T.ivectors("u, v")] == ["u", ",", " ", "v"]
    u, v = T.ivectors("uv")
    assert (u.name, v.name) == ("u", "v") and u.dtype == "int32"
    x, y = T.dscalars("x", "y")
    assert x.type == y.type == TensorType("float64", ())
    ms = T.fmatrices(3)
    assert [m.type for m in ms] == [TensorType("float32", (False, False))] * 3


def test_generic_plural_accepts_dtype():
    a, b = T.matrices("a", "b", dtype="int16")
    assert a.dtype == b.dtype == "int16"


def test_tensor_function():
    t = T.tensor("float32", (True, False), "n")
    assert t.type == TensorType("float32", (True, False)) and t.name == "n"
    t = T.tensor(dtype="int16", broadcastable=(False,) * 4, name="k")
    assert t.type == TensorType("int16", (False,) * 4) and t.name == "k"
    t = T.tensor("complex64", [])
    assert t.ndim == 0 and t.dtype == "complex64"
    t = T.tensor(T.int32, (False,))
    assert t.dtype == "int32"
    t = T.TensorType("float64", (False, True))("tt")
    assert t.type == T.dcol().type and t.name == "tt"
    with pytest.raises(TypeError):
        T.tensor("float64")  # the broadcast pattern is required
    with pytest.raises(TypeError):
        T.tensor("float64", (False,), nonsense=1)


def test_tensor_type_equality_and_str():
    assert T.dmatrix().type == T.dmatrix().type
    assert T.dmatrix().type != T.fmatrix().type
    assert T.drow().type != T.dmatrix().type
    assert hash(T.dvector().type) == hash(TensorType("float64", (False,)))
    assert str(T.dmatrix().type) == "TensorType(float64, matrix)"
    assert str(T.frow().type) == "TensorType(float32, row)"
    assert str(T.icol().type) == "TensorType(int32, col)"
    assert str(T.dscalar().type) == "TensorType(float64, scalar)"
    assert str(T.dtensor3().type) == "TensorType(float64, 3D)"


def test_unsupported_dtype_is_an_error():
    with pytest.raises(TypeError, match="unsupported dtype"):
        TensorType("object", (False,))
    with pytest.raises(TypeError):
        T.vector(dtype="str")


def test_constructed_variables_compute():
    # Names flow into compiled functions and the types check their inputs.
    x, y = T.lscalars("x", "y")
    f = theano.function([x, y], x * y)
    assert f(6, 7) == 42 and f(6, 7).dtype == np.dtype("int64")
    z = T.zrow("z")
    g = theano.function([z], z * 2)
    out = g(np.array([[1 + 2j, 3j]]))
    assert out.dtype == np.complex128
    np.testing.assert_array_equal(out, [[2 + 4j, 6j]])
    with pytest.raises(TypeError):
        g(np.zeros((2, 2), dtype=np.complex128))  # a row has one row


def test_filter_rejects_lossy_values():
    t = T.ivector().type
    with pytest.raises(TypeError):
        t.filter(np.array([1.5, 2.0]))
    assert t.filter([1, 2]).dtype == np.int32
    assert t.filter(np.array([1.5]), allow_downcast=True).tolist() == [1]
    f = T.fvector().type
    with pytest.raises(TypeError):
        f.filter(np.array([0.1]))  # float64 0.1 is not exactly a float32
