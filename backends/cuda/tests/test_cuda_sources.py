"""Generated CUDA compiles, with no GPU: the source of every kernel the conformance cases
produce (elementwise, fused, reductions and their split second pass), plus every reduction
op over every dtype, compiled for Hopper in a few batched files by NVRTC with exactly the
options the cuda backend gives it on a GPU, and by nvcc --ptx as a second opinion (cached by
the hash of their text, so an unchanged tree costs only the collection)."""
from __future__ import annotations

import re

import pytest

import cudabuild

import nvrtcbuild

needs_nvcc = pytest.mark.skipif(cudabuild.NVCC is None,
                                reason="nvcc is not installed (the CUDA toolkit provides it)")
needs_nvrtc = pytest.mark.skipif(nvrtcbuild.LIB is None,
                                 reason="libnvrtc is not installed: pip install nvidia-cuda-nvrtc "
                                        "(scripts/setup.sh does)")

# Diagnostics that generated code legitimately triggers: values a kernel computes but does
# not store (a Composite's unused intermediate), offsets of inputs the fast path ignores,
# `x < 0` on unsigned types in generic expressions.
_BENIGN = {"177", "550", "186"}


@pytest.fixture(scope="module")
def collection():
    col = cudabuild.collect_conformance_kernels()
    cudabuild.standard_reductions(col)
    return col


@pytest.fixture(scope="module")
def builds(collection):
    return cudabuild.compile_all(collection, compiler="nvcc")


@pytest.fixture(scope="module")
def nvrtc_builds(collection):
    return cudabuild.compile_all(collection, compiler="nvrtc")


def _failures(builds, who):
    msgs = []
    for b in builds:
        if not b.ok:
            errors = "\n".join(ln for ln in b.log.splitlines() if "error" in ln)[:4000]
            msgs.append(f"batch {b.group} ({b.path}): kernels {b.failing[:20]}\n{errors}")
    if msgs:
        pytest.fail(f"{who} rejected generated CUDA:\n" + "\n\n".join(msgs))


@needs_nvrtc
def test_generated_cuda_compiles_with_nvrtc_and_the_backends_options(nvrtc_builds):
    _failures(nvrtc_builds, "NVRTC")
    assert sum(b.n_kernels for b in nvrtc_builds) > 300


@needs_nvrtc
def test_the_options_are_the_backends_and_never_flush_subnormals():
    opts = cudabuild.nvrtc_options()
    assert "-ftz=false" in opts and "--fmad=false" in opts and "-ftz=true" not in opts
    assert "--device-as-default-execution-space" in opts and "-arch=sm_90" in opts


@needs_nvrtc
def test_nvrtc_keeps_float32_subnormals_with_these_options():
    """The compiled code itself: with -ftz=true NVRTC emits the .ftz forms of float32
    instructions, with the backend's options it must not."""
    src = cudabuild.Source("subnormal product", "ksub",
                           'extern "C" __global__ void ksub(float* x) { x[0] = x[1] * x[2] + x[3]; }\n', "selftest")
    text, _ = cudabuild._batch([src])
    ptx_opts = tuple(o.replace("-arch=sm_", "-arch=compute_") for o in cudabuild.nvrtc_options())
    ok, log, _ = nvrtcbuild.compile_source(text, ptx_opts)
    assert ok, log
    ptx = nvrtcbuild.ptx_of(text, ptx_opts)
    assert "mul.rn.f32" in ptx and ".ftz" not in ptx and "fma" not in ptx
    assert ".ftz" in nvrtcbuild.ptx_of(text, ("-ftz=true", "-arch=compute_90"))


def test_the_catalog_yields_kernels_of_every_kind(collection):
    labels = [s.label for s in collection.sources.values()]
    assert collection.cases > 500
    assert len(labels) > 300, f"only {len(labels)} distinct kernels from the conformance catalog"
    assert any(lbl.startswith("Kernel{") for lbl in labels)
    assert any(lbl.startswith("WorkgroupReduction(") for lbl in labels)
    groups = {s.group for s in collection.sources.values()}
    assert {"float32", "float64", "int", "bool"} <= groups


@needs_nvcc
def test_generated_cuda_compiles_with_nvcc(builds):
    _failures(builds, "nvcc")


@needs_nvcc
def test_nvcc_raises_no_suspicious_warning(builds):
    bad = set()
    for b in builds:
        for m in re.finditer(r"warning #(\d+)-D: ([^\n]*)", b.log):
            if m.group(1) not in _BENIGN:
                bad.add(f"#{m.group(1)}: {m.group(2)}")
    assert not bad, "nvcc warns about generated CUDA:\n" + "\n".join(sorted(bad))


@pytest.mark.parametrize("compiler", [pytest.param("nvrtc", marks=needs_nvrtc), pytest.param("nvcc", marks=needs_nvcc)])
def test_a_syntax_error_is_caught_and_attributed(compiler):
    src = cudabuild.Source("broken on purpose", "kbroken",
                           'extern "C" __global__ void kbroken(long long n) { int x = nope; }\n',
                           "selftest")
    ok = cudabuild.Source("fine", "kfine", 'extern "C" __global__ void kfine(long long n) { }\n',
                          "selftest")
    res = cudabuild.compile_group("selftest", [ok, src], compiler=compiler)
    assert not res.ok
    assert res.failing == ["kbroken: broken on purpose"]


@pytest.mark.parametrize("compiler", [pytest.param("nvrtc", marks=needs_nvrtc), pytest.param("nvcc", marks=needs_nvcc)])
def test_a_cached_batch_keeps_its_warnings(compiler):
    """The warnings test reads the compiler's log: a batch found in the cache must give the log
    of its compile, or a warm cache would pass whatever the kernels say."""
    src = cudabuild.Source("unused value", "kunused",
                           'extern "C" __global__ void kunused(double* x) { const double t = x[0] * 2; }\n',
                           "selftest")
    first = cudabuild.compile_group("selftest", [src], compiler=compiler)
    again = cudabuild.compile_group("selftest", [src], compiler=compiler)
    assert first.ok and again.ok and again.cached
    assert "#177" in first.log and "#177" in again.log
