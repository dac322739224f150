"""The measure of a dialect's cost: example_dialect.py (one file, no edit to the core) is a
new C-like dialect, and the whole conformance suite passes on it, with the ops its table lacks
rendered through the core's expansions instead of falling back."""
from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T

import example_dialect as ed
from theano.kernel.ir import elemwise_kernel
from theano_conformance import FAILED, FELL_BACK, PASSED, Target, all_cases, run_cases


@pytest.fixture(scope="module")
def example_device():
    ed.register()
    try:
        yield ed.NAME
    finally:
        ed.unregister()


def test_sources_use_the_dialects_types_and_math_prefix(example_device):
    x = T.fvector("x")
    f = theano.function([x], T.exp(x) * T.nnet.sigmoid(x) + T.sqr(x), device=example_device)
    (node,) = f.maker.fgraph.toposort()
    src = ed.ExampleCRenderer().render(elemwise_kernel(node), "k")
    assert "__builtin_expf(" in src and "th_f32" in src and "float " not in src.split("typedef")[-1]
    # sigmoid and sqr are not in the dialect's table: the core's definitions render them
    assert "theano_sigmoid" not in src
    assert list(f.maker.linked.runners.values()) == ["c kernel"]
    v = np.array([-3, -0.0, 0.5, 40, np.inf, -np.inf, np.nan], dtype="float32")
    with np.errstate(all="ignore"):
        want = np.exp(v) * (1 / (1 + np.exp(-v.astype("float64")))).astype("float32") + v * v
    np.testing.assert_allclose(f(v), want, rtol=1e-6)


def test_an_op_no_table_has_and_no_expansion_defines_is_a_fallback_with_its_reason(example_device):
    class Bare(ed.ExampleCRenderer):
        expressions = {theano.scalar.basic.Exp: None}

    x = T.dvector("x")
    f = theano.function([x], T.exp(x) + 1, device="numpy")
    node = [n for n in f.maker.fgraph.toposort() if "exp" in str(n.op)][0]
    ok, why = Bare().can_render(elemwise_kernel(node))
    assert not ok and "exp" in why and "no entry in its expression table" in why
    with pytest.raises(TypeError, match="scalar op classes"):
        type("Misspelt", (ed.ExampleCRenderer,), {"expressions": {"sigmoud": None}})


#: The suite compiles about a thousand kernels on the dialect (as a few grouped libraries: the
#: runner compiles its cases ahead). What it checks is the dialect's source, whose meaning
#: does not depend on how hard gcc optimizes it (the flags allow no value-changing
#: optimization at any level): -O0 compiles in half the time of the backend's -O3 (the whole
#: test, empty cache, a library per case: -O1 81 -> -O0 70 CPU s; grouped, 13), whose own
#: build of every case the C backend's conformance run checks.
SUITE_CFLAGS = "-O0 -fno-math-errno -fno-trapping-math"


def test_whole_conformance_suite(example_device):
    with theano.change_flags(c__cflags=SUITE_CFLAGS):
        results = run_cases(all_cases(), Target.resolve(example_device))
    failed = [(r.case_id, r.detail) for r in results if r.status == FAILED
              and not r.detail.startswith("reference error")]
    assert not failed, failed
    by_id = {r.case_id: r for r in results}
    for case_id in ("sigmoid/float64-normal", "softplus/float32-normal", "sqr/float64-normal"):
        if case_id in by_id:
            assert by_id[case_id].status == PASSED, (case_id, by_id[case_id].detail)
    assert sum(r.status == PASSED for r in results) > sum(r.status == FELL_BACK for r in results)
