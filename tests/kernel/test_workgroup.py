"""The shared work-group reduction: its launch plan (axes merged on the host, index width,
rows or columns strategy, packing, splitting) and its rendering from dialect entries alone.
The backends' own tests run the kernels (CUDA on the fake CuPy's threads, OpenCL on PoCL)."""
from __future__ import annotations

import pytest

from theano.kernel.render import CFamilyRenderer
from theano.kernel.workgroup import (WorkgroupDialect, WorkgroupReduction, collapse, partials_launch,
                                     plan_launch, render_workgroup_reduction)
from theano.scalar import basic as scal

# Made-up entries: whatever the kernel says in a GPU language must come from these.
TOY = WorkgroupDialect(renderer=CFamilyRenderer(), kernel_qualifier="KERNEL", buffer="{const}char* BUF_{name}",
                       buffer_prologue="MOVE({name});", local_array="LOCAL {t} {name}[{n}];", local_id="LID",
                       local_size="LSIZE", group_id="GID", num_groups="NGROUPS", barrier="BARRIER();",
                       index32="i32", index64="i64", shuffle_down="SHUFFLE({v}, {o})", sub_group=16,
                       shuffle_types=("float", "double"), max_threads=128)


def _plan(shape, axes, itemsize=4, **kw):
    strides, st = [], itemsize
    for n in reversed(shape):
        strides.insert(0, st)
        st *= n
    kw.setdefault("threads", 256)
    kw.setdefault("max_groups", 1 << 20)
    kw.setdefault("sub_group", 32)
    return plan_launch(scal.Add, "float32", "float64", "float32", shape, strides, axes, itemsize=itemsize, **kw)


def test_collapse_merges_axes_that_address_memory_as_one():
    assert collapse([(4, 48, 4), (3, 16, 0), (1, 99, 99)]) == [(4, 48, 4), (3, 16, 0)]
    assert collapse([(4, 12), (3, 4)]) == [(12, 4)]
    assert collapse([(1, 5)]) == []


def test_last_axis_sum_is_one_row_per_output_with_32bit_indices():
    p = _plan((4096, 1024), (1,))
    assert (p.spec.strategy, p.spec.nk, p.spec.nr, p.spec.index_bits) == ("rows", 1, 1, 32)
    assert (p.rows, p.cols, p.threads, 1 << p.shift) == (4096, 1024, 256, 256)


def test_leading_axis_sum_reads_by_columns():
    p = _plan((4096, 1024), (0,))
    assert p.spec.strategy == "columns" and (p.rows, p.cols) == (1024, 4096)
    assert 1 << p.shift == 32 and p.threads == 256  # a warp's lanes take 32 neighbouring outputs


def test_contiguous_middle_axes_merge_into_one_reduced_axis():
    p = _plan((8, 16, 32, 4), (1, 2))
    assert (p.spec.nk, p.spec.nr) == (2, 1) and p.cols == 16 * 32 and p.reduced == ((512, 16),)
    q = _plan((8, 16, 32, 4), (0, 1, 2, 3))
    assert (q.spec.nk, q.spec.nr, q.rows, q.cols) == (0, 1, 1, 8 * 16 * 32 * 4)


def test_short_rows_are_packed_several_per_group():
    p = _plan((100000, 7), (1,))
    assert p.spec.strategy == "rows" and 1 << p.shift == 8 and p.threads // (1 << p.shift) == 32


def test_huge_offsets_take_64bit_indices():
    p = plan_launch(scal.Add, "float32", "float32", "float32", (3, 2 ** 20), (2 ** 30, 4), (1,),
                    threads=256, max_groups=4096, sub_group=32, itemsize=4)
    assert p.spec.index_bits == 64


def test_few_long_rows_split_and_their_partials_reduce_in_a_second_launch():
    p = _plan((2, 1 << 20), (1,), split_units=132)
    assert p.parts > 1 and p.chunk * p.parts >= p.cols
    q = partials_launch(p, 8, threads=256, max_groups=4096, sub_group=32)
    assert (q.rows, q.cols, q.spec.in_dtype, q.spec.out_dtype) == (2, p.parts, "float64", "float32")


@pytest.mark.parametrize("strategy", ["rows", "columns"])
@pytest.mark.parametrize("bits", [32, 64])
def test_rendered_from_the_entries_only(strategy, bits):
    src = render_workgroup_reduction(TOY, WorkgroupReduction(scal.Maximum, "float32", "float32", "float32", 2, 2,
                                                              strategy, bits), "red")
    assert src.startswith("KERNEL void red(const char* BUF_x, char* BUF_out, ")
    for entry in ("MOVE(x);", "LOCAL float scratch[128];", "LID", "LSIZE", "GID", "NGROUPS", "BARRIER();"):
        assert entry in src
    assert ("SHUFFLE(" in src) == (strategy == "rows")
    assert f"i{bits} rows" in src and f"i{96 - bits} " not in src
    for foreign in ("__syncthreads", "__shared__", "threadIdx", "get_local_id", "__global", "__local", "barrier("):
        assert foreign not in src


def test_a_shuffle_is_evaluated_once_per_step():
    # max names its operands twice: the shuffle must be a value, or lanes would diverge on it
    src = render_workgroup_reduction(TOY, WorkgroupReduction(scal.Maximum, "float32", "float32", "float32", 1, 1),
                                     "red")
    (line,) = [ln for ln in src.splitlines() if "SHUFFLE(" in ln]
    assert line.strip().startswith("const float other =")
