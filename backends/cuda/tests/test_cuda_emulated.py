"""The cuda backend's own Python code (lowering, launches, transfers, fallbacks, shared
variables) run for real on machines with no GPU: CuPy is replaced by fakecupy, whose
kernels are the generated CUDA compiled as host C++. A slice of the conformance suite runs
on it; the GPU check runs all of it on a real GPU."""
from __future__ import annotations

import collections
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import fakecupy

pytestmark = pytest.mark.skipif(fakecupy.CXX is None, reason="no C++ compiler to emulate kernels")
pytest.importorskip("theano_cuda", reason="the cuda backend (backends/cuda) is not installed")

import emulated  # noqa: E402
import theano  # noqa: E402
import theano.tensor as T  # noqa: E402
from theano.compile.compiledir import CompileDir  # noqa: E402

# Ops whose cases exercise every kind of plan: kernels (plain, fused, integer helpers,
# casts), reductions on every axis pattern, products, views, shape ops, fallbacks (softmax,
# crossentropy), and every whole-function scenario (updates, shared values kept on device).
OPS = ["add", "exp", "int_div", "cast", "sum", "max", "all", "mean", "dot", "outer", "fused:*",
       "reshape", "dimshuffle", "alloc", "subtensor", "specify_shape", "softmax",
       "categorical_crossentropy", "updates", "givens", "In", "shared", "outputs", "errors", "training"]


@pytest.fixture(scope="module")
def device():
    with emulated.emulated_cuda() as dev:
        yield dev


def test_conformance_slice_on_the_emulated_gpu(device):
    from theano_conformance.catalog import all_cases
    from theano_conformance.runner import run_cases, select
    from theano_conformance.target import Target

    cases = select(all_cases(), OPS)
    res = run_cases(cases, Target.resolve(device))
    counts = collections.Counter(r.status for r in res)
    bad = [f"{r.case_id}: {r.detail[:300]}" for r in res if r.status in ("failed", "xpass")]
    assert not bad, f"{counts}\n" + "\n".join(bad)
    native = [r for r in res if r.status == "passed" and r.group in ("reduction", "product", "elemwise")]
    assert len(native) > 100, counts


def test_shared_values_stay_on_the_device_and_updates_apply(device):
    import fakecupy as fc

    w = theano.shared(np.arange(4, dtype="float32"), "w")
    x = T.fvector("x")
    f = theano.function([x], (x * w).sum(), updates=[(w, w - 0.5 * x)], device=device)
    r = f(np.ones(4, dtype="float32"))
    assert float(r) == 6.0
    assert isinstance(w.container.value, fc.ndarray)  # kept as a device array
    f(np.ones(4, dtype="float32"))
    np.testing.assert_array_equal(w.get_value(), np.arange(4, dtype="float32") - 1.0)


def test_fallback_is_visible_and_policy_is_honoured(device):
    x = T.cvector("x")
    theano.backend.get_backend(device).__dict__.pop("_fallbacks_warned", None)  # warned once per op class: maybe already
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        f = theano.function([x], x * x, device=device)
    assert any("cuda backend has no implementation" in str(w.message) for w in got)
    assert any("fallback" in r for r in f.linked.runners.values())
    np.testing.assert_allclose(f(np.array([1j, 2], dtype="complex64")), [-1, 4])
    with theano.config.change_flags(fallback="raise"):
        with pytest.raises(Exception, match="no implementation"):
            theano.function([x], x * x + 1, device=device)


def test_bad_broadcast_raises_the_reference_error(device):
    x, y = T.fmatrices("x", "y")
    f = theano.function([x, y], T.exp(x) + y, device=device)
    with pytest.raises(ValueError, match="dimension mismatch"):
        f(np.ones((2, 3), "float32"), np.ones((2, 4), "float32"))
    assert f(np.ones((2, 3), "float32"), np.ones((2, 3), "float32")).shape == (2, 3)  # still usable


def test_split_reduction_of_few_long_rows(device):
    # rows < 2 * SMs and >= 32768 columns: each row is split over blocks, then a second pass.
    x = T.dmatrix("x")
    f = theano.function([x], [x.sum(axis=1), x.max(axis=1), x.sum()], device=device)
    v = np.random.RandomState(0).rand(3, 70000)
    s, m, t = f(v)
    np.testing.assert_allclose(s, v.sum(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(m, v.max(axis=1))
    np.testing.assert_allclose(t, v.sum(), rtol=1e-12)
    with pytest.raises(ValueError, match="no identity"):
        f(np.zeros((2, 0)))


def test_conv_and_pool_run_on_the_device_array_code(device):
    # Conv and pool run the ops' own array code with the (fake) CuPy module: no fallback, and
    # the values are the reference's, for forward and both gradients.
    from theano.tensor import nnet
    from theano.tensor.signal.pool import pool_2d

    x, w, wg = T.ftensor4("x"), T.ftensor4("w"), T.ftensor4("wg")
    outs = []
    for kern, kw in ((w, dict()), (w, dict(border_mode="half", subsample=(2, 1), filter_flip=False)),
                     (wg, dict(border_mode=(1, 2), filter_dilation=(2, 1), num_groups=2))):
        y = nnet.conv2d(x, kern, **kw)
        p = pool_2d(T.tanh(y), ws=(2, 2), ignore_border=False, mode="max")
        q = pool_2d(y, ws=(3, 2), stride=(1, 2), pad=(1, 1), ignore_border=True, mode="average_exc_pad")
        loss = (p ** 2).sum() + q.sum()
        outs += [y, p, q] + theano.grad(loss, [x, kern])
    f = theano.function([x, w, wg], outs, device=device)
    runners = set(f.linked.runners.values())
    assert {"cuda (im2col + cuBLAS)", "cuda (pool, CuPy)"} <= runners, runners
    assert not any("fallback" in r for r in runners), runners
    ref = theano.function([x, w, wg], outs, device="numpy")
    rs = np.random.RandomState(3)
    vals = (rs.randn(2, 4, 9, 8).astype("float32"), rs.randn(3, 4, 3, 3).astype("float32"),
            rs.randn(4, 2, 3, 3).astype("float32"))
    cp = theano.backend.get_backend(device).cp
    products, tensordot = [], cp.tensordot

    def spy(a, b, axes):
        products.append((type(a), type(b)))
        return tensordot(a, b, axes)

    cp.tensordot = spy
    try:
        got = f(*vals)
    finally:
        cp.tensordot = tensordot
    assert products and all(t == (cp.ndarray, cp.ndarray) for t in products), products
    for g, want in zip(got, ref(*vals)):
        np.testing.assert_allclose(g, want, rtol=2e-4, atol=2e-4)


def test_conv_errors_are_the_reference_errors_on_the_device(device):
    from theano.tensor import nnet

    x, w = T.ftensor4("x"), T.ftensor4("w")
    f = theano.function([x, w], nnet.conv2d(x, w), device=device)
    with pytest.raises(ValueError, match=r"Conv2d.*3 channels.*\(2, 4, 3, 3\)"):
        f(np.ones((1, 3, 5, 5), "float32"), np.ones((2, 4, 3, 3), "float32"))
    assert f(np.ones((1, 3, 5, 5), "float32"), np.ones((2, 3, 3, 3), "float32")).shape == (1, 2, 3, 3)


def test_kernels_compile_with_the_backends_own_nvrtc_options(device, tmp_path):
    """Never CuPy's RawModule defaults: subnormals kept (-ftz=false, where RawModule would
    append -ftz=true), no fused multiply-add; the binary lands in theano's compile cache."""
    from theano.compile.compiledir import CompileDir

    fakecupy.nvrtc_calls.clear()
    x = T.fvector()
    with theano.config.change_flags(compiledir=str(tmp_path)):
        f = theano.function([x], T.exp(x) * 2 + 1, device=device)
        np.testing.assert_allclose(f(np.float32([0, 1])), np.exp(np.float32([0, 1])) * 2 + 1, rtol=1e-6)
        kinds = collections.Counter(e.meta.get("kind") for e in CompileDir().entries())
    assert fakecupy.nvrtc_calls, "nothing was compiled through compile_using_nvrtc"
    for opts in fakecupy.nvrtc_calls:
        assert "-ftz=false" in opts and "--fmad=false" in opts and "-ftz=true" not in opts
    assert kinds["cuda"] >= 1


def test_fast_math_flag_selects_the_fast_options():
    from theano_cuda import compile_options

    assert compile_options.options(True) == ("--use_fast_math",)
    assert "-ftz=false" in compile_options.options(False)


def test_the_fake_refuses_implicit_conversion_as_cupy_does(device):
    cp = theano.backend.get_backend(device).cp
    a = cp.asarray(np.arange(3, dtype="float32"))
    for convert in (np.asarray, np.array, lambda v: np.add(v, np.ones(3, "float32"))):
        with pytest.raises(TypeError, match="Implicit conversion|Unsupported type"):
            convert(a)
    np.testing.assert_array_equal(a.get(), [0, 1, 2])


def test_device_arrays_are_accepted_as_inputs_and_shared_values(device):
    cp = theano.backend.get_backend(device).cp
    x = T.fvector("x")
    f = theano.function([x], x * 2, device=device)
    a = cp.asarray(np.arange(3, dtype="float32"))
    np.testing.assert_array_equal(f(a), [0, 2, 4])
    # The host rule for dtypes: float64 into float32 loses precision, int16 does not.
    with pytest.raises(TypeError, match="dtype float64 cannot be converted.*allow_input_downcast"):
        f(cp.asarray(np.arange(3.0)))
    np.testing.assert_array_equal(f(cp.asarray(np.arange(3, dtype="int16"))), [0, 2, 4])
    g = theano.function([x], x * 2, device=device, allow_input_downcast=True)
    np.testing.assert_array_equal(g(cp.asarray(np.arange(3.0))), [0, 2, 4])
    with pytest.raises(TypeError, match="wrong number of dimensions"):
        f(cp.asarray(np.ones((2, 2), "float32")))
    np.testing.assert_array_equal(f(np.arange(3, dtype="float32")), [0, 2, 4])  # still usable

    w = theano.shared(cp.asarray(np.ones(3, "float32")), "w")   # a shared variable made from one
    assert w.type.dtype == "float32" and w.type.ndim == 1
    h = theano.function([x], (x * w).sum(), updates=[(w, w + x)], device=device)
    assert float(h(np.ones(3, "float32"))) == 3.0
    w.set_value(cp.asarray(np.full(3, 5, "float32")))               # and set from one
    assert float(h(np.ones(3, "float32"))) == 15.0
    np.testing.assert_array_equal(w.get_value(), [6, 6, 6])
    with pytest.raises(TypeError, match="set_value"):
        w.set_value(cp.asarray(np.ones((3, 1), "float32")))


def test_the_mlp_training_step_runs_without_host_fallback(device):
    """bench W5's graph: softmax, the fused cross-entropy and their gradients run on the device
    (no blocking transfer per step), and the step trains as on the reference."""
    rs = np.random.RandomState(0)
    X, y = rs.randn(16, 12).astype("float32"), rs.randint(0, 5, 16)

    def step(dev):
        W1 = theano.shared((rs.randn(12, 8) * 0.3).astype("float32"))
        b1 = theano.shared(np.zeros(8, "float32"))
        W2 = theano.shared((rs.randn(8, 5) * 0.3).astype("float32"))
        b2 = theano.shared(np.zeros(5, "float32"))
        x, t = T.fmatrix("x"), T.lvector("t")
        p = T.nnet.softmax(T.dot(T.tanh(T.dot(x, W1) + b1), W2) + b2)
        loss = T.nnet.categorical_crossentropy(p, t).mean()
        params = [W1, b1, W2, b2]
        grads = theano.grad(loss, params)
        f = theano.function([x, t], [loss, p], updates=[(q, q - np.float32(0.1) * g) for q, g in zip(params, grads)],
                            device=dev)
        return f, params

    rs.seed(1)
    f, params = step(device)
    rs.seed(1)
    ref, ref_params = step("numpy")
    fell_back = sorted({type(n.op).__name__ for n, r in f.linked.runners.items() if "fallback" in r})
    assert not fell_back, fell_back
    nnet_runners = {type(n.op).__name__ for n, r in f.linked.runners.items() if "softmax rows" in r}
    assert nnet_runners & {"Softmax", "SoftmaxWithBias", "CrossentropySoftmaxArgmax1HotWithBias"}, \
        f.linked.runners.values()
    for _ in range(3):
        got, want = f(X, y), ref(X, y)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=1e-6)
    for q, r in zip(params, ref_params):
        np.testing.assert_allclose(q.get_value(), r.get_value(), rtol=2e-5, atol=1e-6)
    with pytest.raises(ValueError, match="class index 7 is out of range"):
        f(X, np.full(16, 7))


_PROBE = r"""
import sys
sys.path.insert(0, sys.argv[1])
import fakecupy
code = 'extern "C" __global__ void probe_kernel(float* out) { out[threadIdx.x] = 2.0f; }'
fakecupy._Kernel(code, "probe_kernel")
print("PATH " + fakecupy.library_path(fakecupy._instrumented(code, "probe_kernel")))
"""


def test_the_fakes_libraries_are_checked_entries_of_the_compile_cache():
    """The fake's kernel libraries live in theano's compile cache (private to the user, each
    entry checked before it is loaded), not in the system's temporary directory under fixed
    names; one damaged between two runs is rebuilt (each run a fresh process: a library
    damaged while mapped would kill the process that maps it)."""
    def probe():
        r = subprocess.run([sys.executable, "-c", _PROBE, os.path.dirname(fakecupy.__file__)],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        return r, next(ln[5:] for ln in r.stdout.splitlines() if ln.startswith("PATH "))

    _, path = probe()
    assert Path(path).is_relative_to(fakecupy._CDIR.root)
    entry = next(e for e in CompileDir(fakecupy._CDIR.root).entries() if e.path == path)
    assert entry.meta.get("kind") == fakecupy._KIND and "sha256" in entry.meta
    Path(path).write_bytes(Path(path).read_bytes()[:100])  # cut short
    r, again = probe()
    assert again == path and f"damaged cache entry {path}" in r.stderr, r.stderr[-3000:]
    assert Path(path).stat().st_size > 100
