"""The per-call path of a C-backend function: the compiled input filters accept, convert and
reject exactly what TensorType.filter does, and the generated call keeps Function's behaviour
(trust_input, keywords, updates, errors)."""
from __future__ import annotations

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.backend.registry import get_backend, registry
from theano.tensor.type import TensorType

pytestmark = pytest.mark.skipif("c" not in registry.records or not registry.records["c"].probe_cached().usable,
                                reason="the c backend is not installed or has no usable compiler")

_VALUES = [1.5, 0.1, 2.0, -0.0, float("nan"), float("inf"), 1e300, 3, -7, 0, 2 ** 24 + 1, 2 ** 53 + 1, 2 ** 63,
           -2 ** 63, 300, -129, 70000, True, np.float64(1.5), np.float32(0.5), np.int64(3), "1.5", None,
           [1.0], np.float64(0.1), np.float64(1e300), np.float64("nan"), np.float64("-inf"), np.float64(-0.0),
           np.float64(2.0 ** 53), np.float64(3.5), np.float64(-129.0), np.float64(2.0 ** 63), np.float32(0.1),
           np.float32(16777217.0), np.float32(3.0), np.float32("inf"), np.float16(1.5), np.longdouble(2.5),
           np.int64(2 ** 24 + 1), np.int64(2 ** 53 + 1), np.int64(-2 ** 63), np.int32(70000), np.int16(-300),
           np.int8(-5), np.uint8(200), np.uint16(7), np.uint32(2 ** 32 - 1), np.uint64(2 ** 64 - 1),
           np.uint64(5), np.longlong(3), np.ulonglong(9), np.bool_(True), np.complex128(1.0),
           np.array(2.5), np.array(2.5, dtype="float32"), np.array(3, dtype="int64"),
           np.array([1.0, 2.0]), np.array([[1.0, 2.0]]), np.array([[1.0], [2.0]]), np.ones((2, 2)),
           np.array([1, 2], dtype="int32"), np.array([1.0, 2.0], dtype=">f8"), np.array(7, dtype="uint8")]

_TYPES = [(dt, b) for dt in ("float64", "float32", "int64", "int32", "int8", "uint8", "uint16", "bool", "complex128")
          for b in ((), (False,), (True, False), (False, False))]


def _outcome(fn, value):
    try:
        r = fn(value)
    except Exception as e:  # the same exception type and message, or the test fails
        return ("raise", type(e).__name__, str(e))
    return ("ok", type(r).__name__, r.dtype.str, r.shape, r.tobytes())


@pytest.mark.parametrize("dtype,bcast", _TYPES)
@pytest.mark.parametrize("strict,allow_downcast", [(False, None), (False, False), (False, True), (True, None)])
def test_compiled_filter_equals_the_python_filter(dtype, bcast, strict, allow_downcast):
    t = TensorType(dtype, bcast)
    slow = t.fast_filter(strict, allow_downcast)
    fast = get_backend("c").input_filter(t, strict, allow_downcast, slow)
    assert fast is not None and fast is not slow
    for v in _VALUES:
        assert _outcome(fast, v) == _outcome(slow, v), (v, dtype, bcast)
        assert _outcome(fast, v) == _outcome(lambda x: t.filter(x, strict, allow_downcast), v), (v, dtype, bcast)


def test_an_exact_array_is_passed_through_unchanged():
    t = TensorType("float64", (False,))
    fast = get_backend("c").input_filter(t, False, None, t.fast_filter(False, None))
    a = np.ones(3)
    assert fast(a) is a


def test_trust_input_can_be_switched_after_compiling():
    a, b = T.dscalars("a", "b")
    f = theano.function([a, b], a + b, device="c")
    assert float(f(1.5, 2.5)) == 4.0
    with pytest.raises(TypeError, match="bad argument 1"):
        f(1.5, "x")
    f.trust_input = True
    assert f.trust_input is True
    assert float(f(np.array(1.5), np.array(2.5))) == 4.0
    f.trust_input = False
    assert float(f(b=2.5, a=1.0)) == 3.5
    with pytest.raises(TypeError, match="takes at most 2"):
        f(1.0, 2.0, 3.0)


def test_generated_call_applies_updates_and_keeps_them_on_errors():
    w = theano.shared(np.zeros(3), name="w")
    x = T.dvector("x")
    f = theano.function([x], [w.sum(), (w * x).sum()], updates=[(w, w + x)], device="c")
    s, d = f(np.ones(3))
    assert float(s) == 0.0 and float(d) == 0.0
    np.testing.assert_array_equal(w.get_value(), np.ones(3))
    with pytest.raises(ValueError):
        f(np.ones(4))  # a run-time shape error: the update must not happen
    np.testing.assert_array_equal(w.get_value(), np.ones(3))
    s, d = f(np.ones(3))
    assert float(s) == 3.0 and float(d) == 3.0
