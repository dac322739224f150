"""The cuda backend without a GPU: the plugin loads, the probe says why it is unusable and how
to fix it, the dialect renders CUDA, and the lowering table plans graphs (no CuPy needed)."""
from __future__ import annotations

import subprocess
import sys
import types

import pytest

import theano
import theano.tensor as T
from theano.compile.mode import Mode
from theano.config import ConfigError
from theano.kernel.ir import elemwise_kernel
from theano.scalar import basic as scal

pytest.importorskip("theano_cuda", reason="the cuda backend (backends/cuda) is not installed")
from theano_cuda import driver, lowering, plugin  # noqa: E402
from theano_cuda.dialect import CudaRenderer  # noqa: E402
from theano_cuda.reduction import reduction_spec, render_reduction, variants  # noqa: E402


def _fake_cupy(count=None, error=None):
    def get_count():
        if error is not None:
            raise error
        return count

    runtime = types.SimpleNamespace(getDeviceCount=get_count,
                                    getDeviceProperties=lambda i: {"name": b"Fake GPU", "major": 9,
                                                                   "minor": 0, "totalGlobalMem": 2 ** 34})
    mod = types.ModuleType("cupy")
    mod.cuda = types.SimpleNamespace(runtime=runtime)
    return mod


def test_importing_the_plugin_does_not_import_cupy():
    code = "import sys, theano, theano_cuda.plugin; print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_probe_without_cupy_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` raises ImportError
    monkeypatch.setattr(plugin, "driver_cuda_version", lambda: None)
    p = plugin._probe()
    assert not p.usable
    assert "CuPy is not installed" in p.reason
    # No driver here: the fix lists the per-CUDA extras instead of guessing a wheel.
    assert "theano-cuda[cuda12]" in p.fix and "theano-cuda[cuda13]" in p.fix and "no NVIDIA driver" in p.fix


@pytest.mark.parametrize("version, wheel", [((13, 0), "cupy-cuda13x"), ((12, 4), "cupy-cuda12x"),
                                            ((11, 8), "cupy-cuda11x"), ((14, 1), "cupy-cuda13x"),
                                            ((10, 2), None), (None, None)])
def test_the_wheel_matches_the_driver(version, wheel):
    assert driver.wheel_for(version) == wheel
    hint = driver.install_hint(version)
    if wheel:
        assert hint.startswith(f"pip install {wheel} (the driver supports CUDA {version[0]}.{version[1]}")
    elif version:
        assert "update the driver" in hint


def test_probe_names_the_wheel_of_the_driver_it_finds(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.setattr(plugin, "driver_cuda_version", lambda: (13, 0))
    assert plugin._probe().fix.startswith("pip install cupy-cuda13x")


def test_driver_version_is_read_without_cupy():
    # No NVIDIA driver on CI machines: None, not an exception; on a GPU machine a real version.
    v = driver.driver_cuda_version()
    assert v is None or (isinstance(v, tuple) and v[0] >= 11)


def test_probe_without_driver_or_gpu(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(error=RuntimeError("cudaErrorNoDevice")))
    p = plugin._probe()
    assert not p.usable and "no usable NVIDIA GPU or driver" in p.reason and "cudaErrorNoDevice" in p.reason
    assert "NVIDIA GPU" in p.fix
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(count=0))
    p = plugin._probe()
    assert not p.usable and "is 0" in p.reason


def test_probe_lists_one_device_per_gpu(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(count=2))
    p = plugin._probe()
    assert p.usable and p.devices == ["cuda0", "cuda1"]
    assert "Fake GPU" in p.device_info["cuda1"]


def test_backends_table_shows_cuda_unusable_with_the_fix():
    from theano.backend.registry import registry

    rec = registry.records.get("cuda")
    assert rec is not None, "the cuda plugin is not registered (pip install -e backends/cuda)"
    assert not rec.is_cpu and rec.priority == 20
    probe = rec.probe_cached()
    if probe.usable:
        pytest.skip("CuPy and a GPU are present here")
    out = subprocess.run([sys.executable, "-m", "theano", "backends"], capture_output=True, text=True)
    line = next(ln for ln in out.stdout.splitlines() if ln.strip().startswith("cuda"))
    assert "UNUSABLE" in line
    assert "fix:" in out.stdout
    with pytest.raises(theano.backend.UnknownDeviceError, match="cuda"):
        theano.function([], T.constant(1.0) + 1, device="cuda")
    with pytest.raises(theano.backend.UnknownDeviceError, match="unusable"):
        theano.function([], T.constant(1.0) + 1, device="cuda1")


# -- the dialect ------------------------------------------------------------------------------

def _nodes(inputs, outputs):
    # The graph a compiling backend is given: the reference device declines fusion, in-place
    # and BLAS rewrites unless the mode names them.
    f = theano.function(inputs, outputs, device="numpy", mode=Mode().including("fusion", "inplace", "blas"))
    return f.maker.fgraph.toposort()


def test_cuda_dialect_renders_a_grid_stride_global_kernel():
    x, y = T.fmatrices("x", "y")
    (node,) = [n for n in _nodes([x, y], T.exp(-x ** 2) * T.sin(y) + x % y)]
    src = CudaRenderer().render(elemwise_kernel(node), "kern")
    assert 'extern "C" __global__ void kern(' in src
    assert "blockIdx.x * blockDim.x + threadIdx.x" in src and "gridDim.x" in src
    assert "expf(" in src and "sinf(" in src
    assert "__device__ inline float theano_fmod_float32" in src
    # by-value shape and strides; no <stdint.h> types (NVRTC has no host headers)
    assert "long long shape_0, long long shape_1" in src and "in0_strides_1" in src
    assert "int64_t" not in src and "#include" not in src


def test_float64_uses_unsuffixed_math_and_literals_parse():
    x = T.dvector("x")
    (node,) = _nodes([x], T.log1p(x) * 0.25 + T.switch(T.isinf(x), 1.0, x))
    src = CudaRenderer().render(elemwise_kernel(node), "k")
    assert "log1p(" in src and "log1pf(" not in src
    assert "double" in src


# -- plans -------------------------------------------------------------------------------------

def _plans(inputs, outputs):
    planner = lowering.Planner()
    return {str(n.op): lowering.lower.plan(n, planner) for n in _nodes(inputs, outputs)}


def test_plans_cover_kernels_reductions_products_and_views():
    x, w = T.fmatrix("x"), T.fmatrix("w")
    b = T.fvector("b")
    h = T.tanh(T.dot(x, w) + b)
    # h is needed in memory (views of it are outputs), so its sum reads it; exp(x) * 2 is not,
    # so its sum is one fused kernel + reduction.
    plans = _plans([x, w, b], [h.sum(axis=1), h.T[1:], h.reshape((-1,)), T.max(x, axis=0),
                               (T.exp(x) * 2).sum(axis=0)])
    runners = sorted({p.runner for p in plans.values()})
    assert "cuda kernel" in runners and "cuda reduction" in runners
    assert "cuda kernel + reduction" in runners  # a reduction fused with its elementwise input
    assert "cuda (cuBLAS)" in runners and "cuda (view)" in runners
    assert not any(p.fallback for p in plans.values()), plans


def test_unrenderable_ops_fall_back_with_the_reason():
    x = T.cvector("x")  # complex arithmetic is not in the dialect
    plans = _plans([x], [x * x])
    (p,) = plans.values()
    assert p.fallback and p.runner == "numpy (fallback)" and "complex" in p.why


def test_reduction_spec_and_source():
    x = T.ftensor3("x")
    node = T.max(x, axis=[0, 2]).owner
    spec = reduction_spec(node, CudaRenderer())
    assert spec.axes == (0, 2) and spec.kept == (1,) and spec.op is scal.Maximum
    rows, columns = variants(spec)[:2]
    assert (rows.nk, rows.nr, rows.strategy, columns.strategy) == (1, 2, "rows", "columns")
    src = render_reduction(rows, "red")
    assert "__shfl_down_sync" in src and 'extern "C" __global__ void red(' in src
    s = reduction_spec(T.sum(x).owner, CudaRenderer())
    assert s.acc_dtype == "float64" and s.out_dtype == "float32"  # float32 sums accumulate in float64


@pytest.mark.parametrize("value, ok", [("256", 256), (32, 32), ("1024", 1024), ("100", None), ("0", None),
                                       ("2048", None), ("16", None), ("big", None)])
def test_block_size_flag_is_whole_warps_within_the_block_limit(value, ok):
    if ok is None:
        with pytest.raises(ConfigError, match="must be"):
            plugin.block_size(value)
    else:
        assert plugin.block_size(value) == ok


def test_a_bad_block_size_in_theano_flags_is_a_clear_error():
    res = subprocess.run([sys.executable, "-c", "import theano; print(theano.config.cuda__block_size)"],
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "THEANO_FLAGS": "cuda__block_size=100"})
    assert res.returncode != 0 and "cuda__block_size" in res.stderr and "multiple of 32" in res.stderr
