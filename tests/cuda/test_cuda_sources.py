"""Generated CUDA compiles, with no GPU: the source of every kernel the conformance cases
produce (elementwise, fused, reductions and their split second pass), plus every reduction
op over every dtype, compiled by nvcc --ptx for Hopper in a few batched files (cached by
the hash of their text, so an unchanged tree costs only the collection)."""
from __future__ import annotations

import re

import pytest

import cudabuild

pytestmark = pytest.mark.skipif(cudabuild.NVCC is None,
                                reason="nvcc is not installed (the CUDA toolkit provides it); "
                                       "the generated CUDA cannot be compiled here")

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
    return cudabuild.compile_all(collection)


def test_the_catalog_yields_kernels_of_every_kind(collection):
    labels = [s.label for s in collection.sources.values()]
    assert collection.cases > 500
    assert len(labels) > 300, f"only {len(labels)} distinct kernels from the conformance catalog"
    assert any(lbl.startswith("Kernel{") for lbl in labels)
    assert any(lbl.startswith("ReductionSpec(") for lbl in labels)
    groups = {s.group for s in collection.sources.values()}
    assert {"float32", "float64", "int", "bool"} <= groups


def test_generated_cuda_compiles_with_nvcc(builds):
    failed = [b for b in builds if not b.ok]
    if failed:
        msgs = []
        for b in failed:
            errors = "\n".join(ln for ln in b.log.splitlines() if "error" in ln)[:4000]
            msgs.append(f"batch {b.group} ({b.path}): kernels {b.failing[:20]}\n{errors}")
        pytest.fail("nvcc rejected generated CUDA:\n" + "\n\n".join(msgs))


def test_nvcc_raises_no_suspicious_warning(builds):
    bad = set()
    for b in builds:
        for m in re.finditer(r"warning #(\d+)-D: ([^\n]*)", b.log):
            if m.group(1) not in _BENIGN:
                bad.add(f"#{m.group(1)}: {m.group(2)}")
    assert not bad, "nvcc warns about generated CUDA:\n" + "\n".join(sorted(bad))


def test_a_syntax_error_is_caught_and_attributed():
    src = cudabuild.Source("broken on purpose", "kbroken",
                           'extern "C" __global__ void kbroken(long long n) { int x = nope; }\n',
                           "selftest")
    ok = cudabuild.Source("fine", "kfine", 'extern "C" __global__ void kfine(long long n) { }\n',
                          "selftest")
    res = cudabuild.compile_group("selftest", [ok, src])
    assert not res.ok
    assert res.failing == ["kbroken: broken on purpose"]
