"""Functions on the OpenCL device: shared variables stay on the device, errors leave them
intact, fallbacks are visible, devices, float64 rules, and the probe's reasons."""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import theano
from theano import tensor as T

DEV = "opencl"


class _Counting:
    """Counts the backend's transfers."""

    def __init__(self, backend, monkeypatch):
        self.up = self.down = 0
        to_device, to_host = backend.to_device, backend.to_host

        def up(v):
            if isinstance(v, np.ndarray):
                self.up += 1
            return to_device(v)

        def down(v):
            if type(v) is backend.Array:
                self.down += 1
            return to_host(v)

        monkeypatch.setattr(backend, "to_device", up)
        monkeypatch.setattr(backend, "to_host", down)


def test_shared_variables_stay_on_the_device(backend, monkeypatch):
    w = theano.shared(np.arange(4.0), "w")
    x = T.dvector("x")
    # counting from before compiling: a Function may bind the transfer functions when built
    c = _Counting(backend, monkeypatch)
    f = theano.function([x], (w * x).sum(), updates=[(w, w + x)], device=DEV)
    f(np.ones(4))  # the first call moves w to the device
    assert type(w.container.value) is backend.Array
    c.up = c.down = 0
    for _ in range(3):
        f(np.ones(4))
    # one input up and one output down per call; w never moves
    assert (c.up, c.down) == (3, 3)
    np.testing.assert_array_equal(w.get_value(), np.arange(4.0) + 4)
    v = w.get_value()
    v[0] = 100  # get_value is a copy: the device value is not changed behind theano's back
    assert w.get_value()[0] == 4.0
    w.set_value(np.zeros(4))
    assert float(f(np.ones(4))) == 0.0
    np.testing.assert_array_equal(w.get_value(), np.ones(4))


def test_an_error_in_a_call_leaves_shared_variables_intact():
    w = theano.shared(np.ones((2, 3)), "w")
    b = theano.shared(np.zeros(3), "b")
    x = T.dmatrix("x")
    y = T.dot(x, w) + b  # dot fails when x has the wrong width
    f = theano.function([x], y.sum(), updates=[(w, w * 2), (b, b + 1)], device=DEV)
    f(np.ones((4, 2)))
    with pytest.raises(ValueError):
        f(np.ones((4, 5)))
    np.testing.assert_array_equal(w.get_value(), 2 * np.ones((2, 3)))
    np.testing.assert_array_equal(b.get_value(), np.ones(3))
    assert float(f(np.ones((1, 2)))) == pytest.approx(4.0 * 3 + 3)  # still usable
    np.testing.assert_array_equal(w.get_value(), 4 * np.ones((2, 3)))


def test_fallbacks_are_labelled_and_honour_config_fallback():
    x = T.dmatrix("x")
    out = T.sort(x, axis=1) * 2  # sort has no OpenCL lowering
    f = theano.function([x], out, device=DEV)
    labels = set(f.linked.runners.values())
    assert "numpy (fallback)" in labels and "opencl kernel" in labels
    v = np.random.RandomState(0).randn(4, 5)
    np.testing.assert_array_equal(f(v), 2 * np.sort(v, axis=1))
    text = theano.printing.debugprint(f, file="str")
    assert "fallback" in text
    with theano.config.change_flags(fallback="raise"):
        with pytest.raises(NotImplementedError, match="opencl backend has no implementation"):
            theano.function([x], out, device=DEV)


def test_device_strings_and_cpu_never_picks_opencl():
    from theano.backend.registry import registry

    rec, dev = registry.resolve("opencl")
    assert rec.name == "opencl" and dev == "opencl0:0"
    assert registry.resolve("opencl0:0")[1] == "opencl0:0"
    assert registry.resolve("cpu")[0].name != "opencl"
    with pytest.raises(theano.backend.UnknownDeviceError, match="does not exist"):
        registry.resolve("opencl7:3")


def test_float64_needs_cl_khr_fp64(backend, monkeypatch):
    from theano_opencl.backend import Float64Unsupported

    monkeypatch.setattr(backend.rt, "fp64", False)
    x = T.dvector("x")
    with pytest.raises(Float64Unsupported, match="floatX=float32") as e:
        theano.function([x], T.exp(x), device=DEV)
    assert "cl_khr_fp64" in str(e.value) and "exp" in str(e.value).lower()
    y = T.fvector("y")
    f = theano.function([y], T.exp(y) * 2, device=DEV)  # float32 graphs still compile
    assert f(np.ones(2, "float32")).dtype == np.float32


def test_the_probe_says_why_opencl_is_unusable(monkeypatch):
    from theano_opencl import runtime

    monkeypatch.setitem(sys.modules, "pyopencl", None)  # import pyopencl raises ImportError
    p = runtime.probe()
    assert not p.usable and "pyopencl is not installed" in p.reason and p.fix == "pip install pyopencl"

    class _NoPlatform(Exception):
        pass

    def no_platforms():
        raise _NoPlatform("clGetPlatformIDs failed: PLATFORM_NOT_FOUND_KHR")

    fake = types.SimpleNamespace(get_platforms=no_platforms)
    monkeypatch.setitem(sys.modules, "pyopencl", fake)
    p = runtime.probe()
    assert not p.usable and "no OpenCL platform" in p.reason and "pocl-opencl-icd" in p.fix
    fake.get_platforms = lambda: [types.SimpleNamespace(name="Empty", get_devices=lambda: [])]
    p = runtime.probe()
    assert not p.usable and "no device" in p.reason and "pocl-opencl-icd" in p.fix


def test_program_sources_are_combined_with_helpers_once():
    from theano_opencl.runtime import combine_sources

    a = ("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\ninline long h(long a) {\n  return a;\n}\n"
         "__kernel void k1(long n) {\n}\n")
    b = "inline long h(long a) {\n  return a;\n}\n__kernel void k2(long n) {\n}\n"
    s = combine_sources([a, b])
    assert s.count("inline long h") == 1 and "k1" in s and "k2" in s
    assert s.index("cl_khr_fp64") < s.index("inline long h")


def test_an_input_changed_after_the_call_is_not_seen_by_the_device(backend):
    """to_device copies the value when it returns (on a CPU device into a buffer created with
    the copy, elsewhere by a blocking write): a function whose only effect is an update, which
    returns before the device has run, must store what the input held at the call."""
    x = T.dvector("x")
    acc = theano.shared(np.zeros(5), "acc")
    f = theano.function([x], [], updates=[(acc, acc + x)], device=DEV)
    v = np.arange(5.0)
    for _ in range(3):
        f(v)
        v[:] = -1000.0  # changed at once, before anything waits for the device
        v[:] = np.arange(5.0)
    v[:] = 7.0
    np.testing.assert_array_equal(acc.get_value(), 3 * np.arange(5.0))
    for value in (np.arange(12.0).reshape(3, 4)[:, ::2], np.array(2.5, np.float32), np.zeros((0, 3))):
        d = backend.rt.to_device(value)
        copy = value.copy()
        value[...] = -1
        back = backend.rt.to_host(d)
        assert back.shape == copy.shape and back.dtype == copy.dtype
        np.testing.assert_array_equal(back, copy)


def test_several_outputs_come_back_with_one_wait(backend, monkeypatch):
    """A function's outputs are read without blocking and waited for once (to_host_many):
    device arrays, a transposed view, an empty array, a shape computed on the host."""
    x, y = T.fmatrices("x", "y")
    f = theano.function([x, y], [x + y, (x * y).T, x.sum(), T.zeros((0, 3)), x.shape], device=DEV)
    a = np.arange(6, dtype="float32").reshape(2, 3)
    b = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)
    f(a, b)
    reads = []
    copy = backend.rt.cl.enqueue_copy

    def recording(queue, dest, src, **kw):
        if isinstance(dest, np.ndarray):
            reads.append(kw.get("is_blocking", True))
        return copy(queue, dest, src, **kw)

    monkeypatch.setattr(backend.rt.cl, "enqueue_copy", recording)
    s, p, total, empty, shape = f(a, b)
    np.testing.assert_array_equal(s, a + b)
    np.testing.assert_array_equal(p, (a * b).T)
    assert p.flags.c_contiguous and float(total) == 15.0 and empty.shape == (0, 3)
    np.testing.assert_array_equal(shape, [2, 3])
    assert reads == [False, False, False]  # the three non-empty device outputs
