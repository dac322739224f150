"""The C backend's memory between calls: output buffers kept and written again only when nobody
else holds them, and in-place nodes writing into the buffer they destroy."""
from __future__ import annotations

import weakref

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.backend.registry import registry
from theano.tensor.math import Dot

pytestmark = pytest.mark.skipif("c" not in registry.records or not registry.records["c"].probe_cached().usable,
                                reason="the c backend is not installed or has no usable compiler")


def _node_fn_name(f, pred):
    order = f.maker.fgraph.toposort()
    (k,) = [k for k, n in enumerate(order) if pred(n)]
    return f"f{k}"


def _record_outputs(f, name):
    """Wrap one node of the linked driver so each call's output is recorded (weakly)."""
    inner = f.linked.env[name]
    seen = []

    def wrapped(*args):
        out = inner(*args)
        seen.append(weakref.ref(out))
        return out

    f.linked.env[name] = wrapped
    return seen


def test_an_output_the_user_keeps_is_never_overwritten():
    x = T.dvector("x")
    f = theano.function([x], T.exp(x) * 2, device="c")
    first = f(np.zeros(5))
    second = f(np.ones(5))
    np.testing.assert_array_equal(first, np.full(5, 2.0))
    np.testing.assert_allclose(second, np.exp(np.ones(5)) * 2, rtol=1e-14)
    assert not np.shares_memory(first, second)


def test_a_dropped_output_is_written_again_next_call():
    x = T.dvector("x")
    f = theano.function([x], T.exp(x) * 2, device="c")
    seen = _record_outputs(f, "f0")
    f(np.zeros(1000))
    assert seen[0]() is not None  # kept for the next call, though the caller dropped it
    out = f(np.ones(1000))
    assert out is seen[0]()
    np.testing.assert_allclose(out, np.exp(np.ones(1000)) * 2, rtol=1e-14)
    del out
    f(np.ones(7))  # another shape: a new buffer
    assert seen[2]() is not seen[0]()


def test_a_returned_view_of_an_intermediate_keeps_its_memory():
    x = T.dmatrix("x")
    y = T.exp(x)  # an intermediate ...
    f = theano.function([x], [y.T, y[1:].sum()], device="c")  # ... returned as a view
    a = np.zeros((3, 2))
    view, _ = f(a)
    f(a + 1)
    f(a + 2)
    np.testing.assert_array_equal(view, np.ones((2, 3)))


def test_intermediates_are_reused_and_results_stay_right():
    x, w = T.dmatrix("x"), T.dmatrix("w")
    h = T.tanh(T.dot(x, w))
    f = theano.function([x, w], (h * h).sum(axis=1), device="c")
    g = theano.function([x, w], (h * h).sum(axis=1), device="numpy")
    r = np.random.RandomState(0)
    dot_kernel = f.linked.env[_node_fn_name(f, lambda n: isinstance(n.op, Dot))]
    before = dot_kernel.reused
    results = []
    for k in range(4):
        a, b = r.randn(30, 20), r.randn(20, 10)
        results.append((f(a, b), g(a, b)))
    assert dot_kernel.reused > before
    for got, want in results:  # every result kept by the caller is intact
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_shared_updates_alternate_buffers_and_borrowed_values_survive():
    w = theano.shared(np.zeros(4), name="w")
    x = T.dvector("x")
    f = theano.function([x], (w * x).sum(), updates=[(w, w + x)], device="c")
    held = []
    for k in range(5):
        f(np.ones(4))
        held.append((k + 1, w.get_value(borrow=True)))  # borrowed: the container's own array
    for k, v in held[-1:]:
        np.testing.assert_array_equal(v, np.full(4, k))
    np.testing.assert_array_equal(w.get_value(), np.full(4, 5.0))
    # values borrowed earlier stay valid while held
    for k, v in held:
        np.testing.assert_array_equal(v, np.full(4, float(k)))


def test_free_drops_kept_buffers():
    x = T.dvector("x")
    f = theano.function([x], T.exp(x) + 1, device="c")
    seen = _record_outputs(f, "f0")
    f(np.zeros(100))
    assert seen[0]() is not None
    f.free()
    assert seen[0]() is None
    np.testing.assert_array_equal(f(np.zeros(3)), np.full(3, 2.0))


# -- in place -----------------------------------------------------------------------------

def _inplace_graph():
    a, b = T.dmatrices("a", "b")
    out = T.tanh(T.dot(a, b)) + 1  # the fused kernel may overwrite the product's buffer
    f = theano.function([a, b], out, device="c")
    kernel_node = [n for n in f.maker.fgraph.toposort() if n.op.destroy_map][0]
    return f, kernel_node


def test_in_place_kernel_writes_into_the_destroyed_buffer():
    f, node = _inplace_graph()
    assert node.op.destroy_map == {0: [0]}
    seen = _record_outputs(f, _node_fn_name(f, lambda n: isinstance(n.op, Dot)))
    r = np.random.RandomState(1)
    a, b = r.randn(6, 5), r.randn(5, 4)
    out = f(a, b)
    assert seen[-1]() is out  # the product's array, overwritten by the kernel, is the result
    np.testing.assert_allclose(out, np.tanh(a @ b) + 1, rtol=1e-12)
    out2 = f(a, b)
    assert out2 is not out and not np.shares_memory(out, out2)
    np.testing.assert_allclose(out, out2, rtol=0)


def _kernel_of(f, node):
    return f.linked.env[_node_fn_name(f, lambda n: n is node)]


def test_in_place_kernel_on_broadcast_or_strided_memory():
    f, node = _inplace_graph()
    kernel = _kernel_of(f, node)
    r = np.random.RandomState(2)
    base = r.randn(4)
    # a writeable array whose rows all share memory: writing in place would mix them
    bcast = np.lib.stride_tricks.as_strided(base, shape=(3, 4), strides=(0, 8), writeable=True)
    before = base.copy()
    res = kernel(bcast)
    np.testing.assert_allclose(res, np.tanh(np.broadcast_to(before, (3, 4))) + 1, rtol=1e-13)
    assert not np.shares_memory(res, base)
    np.testing.assert_array_equal(base, before)
    # a non-contiguous (transposed, strided) buffer: each element is read, then written, at
    # the same place by the same iteration, so overwriting it is exact
    big = r.randn(8, 6)
    view = big[::2, ::2].T
    want = np.tanh(view) + 1
    res = kernel(view)
    np.testing.assert_allclose(res, want, rtol=1e-13)
    np.testing.assert_allclose(view, want, rtol=1e-13)
    # read-only memory is never written
    ro = r.randn(3, 3)
    ro.flags.writeable = False
    res = kernel(ro)
    np.testing.assert_allclose(res, np.tanh(ro) + 1, rtol=1e-13)
    assert not np.shares_memory(res, ro)
