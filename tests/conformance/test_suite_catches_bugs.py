"""The conformance suite is only worth something if it catches wrong backends: plant bugs in
a throwaway backend registered in-process and check each is reported, while the ops it
implements correctly pass. Also: the reference checked against itself passes everything."""
from __future__ import annotations

import json
import types

import numpy as np
import pytest

from theano.backend import Backend, BackendRecord, Probe, hookimpl, link_straight_line
from theano.backend.registry import registry
from theano.config import config

from theano_conformance import (FAILED, FELL_BACK, MISSING, NOT_CLAIMED, PASSED, SKIPPED, XFAIL, XPASS,
                                Target, all_cases, op_summary, run_cases, select)
from theano_conformance.__main__ import main

ALL_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
              "float32", "float64", "complex64", "complex128")


class PlantedBackend(Backend):
    """Host-native, every node through its NumPy meaning except the planted bugs:
    exp computed as expm1, sqr returning float64 whatever its type says, neg writing into
    its input, the gradient of softmax off by a factor, and sqrt marked as a fallback
    (correct values, but not native)."""

    name = "planted"
    host_native = True

    def link(self, fgraph):
        fns, runners = {}, {}
        for node in fgraph.toposort():
            sop = getattr(node.op, "scalar_op", None)
            plain = type(node.op).__name__ == "Elemwise"  # not a fused composite
            sname = getattr(sop, "name", None) if plain else None
            odt = node.outputs[0].type.dtype if node.outputs and hasattr(node.outputs[0].type, "dtype") else None
            runners[node] = "planted"
            if sname == "exp":
                fns[node] = lambda x, odt=odt: np.asarray(np.expm1(x), dtype=odt)
            elif sname == "sqr" and odt == "float32":
                fns[node] = lambda x: np.square(x.astype("float64"))
            elif sname == "neg" and odt.startswith("float"):
                fns[node] = lambda x: np.negative(x, out=x)
            elif type(node.op).__name__ == "SoftmaxGrad":
                good = node.op.make_py_fn(node)
                fns[node] = lambda *xs, good=good: good(*xs) * 1.001
            else:
                fns[node] = node.op.make_py_fn(node)
                if sname == "sqrt":
                    runners[node] = "numpy (fallback)"
        return link_straight_line(fgraph, fns, runners)


def _register(name: str, capabilities: dict) -> None:
    def _factory(device):
        be = PlantedBackend(device)
        be.name = name
        return be

    @hookimpl
    def theano_backends():
        return [BackendRecord(name=name, api_version=1, version="0.0", device_prefixes=(name,),
                              factory=_factory, probe=lambda: Probe(True, devices=[name]),
                              capabilities=capabilities)]

    # A module object, as an entry point would load (pluggy needs a hashable plugin).
    plugin = types.ModuleType(f"{name}_plugin")
    plugin.theano_backends = theano_backends
    registry.register_plugin(f"{name}-plugin", plugin, config)
    assert name in registry.records, registry.failures[-1:] or "not registered"


@pytest.fixture
def planted(request, tmp_path):
    """A factory: register a planted backend with these capabilities; unregistered after the test."""
    names = []

    def make(name: str = "planted", **caps):
        caps.setdefault("dtypes", ALL_DTYPES)
        _register(name, caps)
        names.append(name)
        return Target.resolve(name)

    yield make
    for n in names:
        registry.unregister_plugin(f"{n}-plugin")


def _by_id(results):
    return {r.case_id: r for r in results}


def test_planted_wrong_op_is_reported_failed_and_others_pass(planted):
    target = planted()
    results = run_cases(select(all_cases(), ["exp", "log", "add", "mul", "sum", "dot", "updates"]), target)
    ops = op_summary(results)
    assert ops["exp"]["status"] == FAILED
    for op in ("log", "add", "mul", "sum", "dot"):
        assert ops[op]["status"] == PASSED, [(r.case_id, r.detail) for r in results
                                             if r.op == op and r.status != PASSED]
    r = _by_id(results)["exp/float64-normal"]
    assert r.status == FAILED
    # The first mismatch names the input, the expected and the received value.
    assert "inputs: x0=" in r.detail and "expected" in r.detail and "got" in r.detail
    # A whole-function case that uses exp catches it too.
    assert _by_id(results)["updates/float64"].status == FAILED
    assert _by_id(results)["updates/accumulate"].status == PASSED


def test_wrong_dtype_input_mutation_and_fallback_are_reported(planted):
    target = planted()
    res = _by_id(run_cases(select(all_cases(), ["sqr", "neg", "sqrt"]), target))
    assert res["sqr/float32-normal"].status == FAILED
    assert "dtype differs: expected float32, got float64" in res["sqr/float32-normal"].detail
    assert res["sqr/float64-normal"].status == PASSED
    assert res["neg/float64-normal"].status == FAILED
    assert "modified its input" in res["neg/float64-normal"].detail
    assert res["neg/int64-normal"].status == PASSED
    assert res["sqrt/float64-normal"].status == FELL_BACK
    assert any("sqrt" in n for n in res["sqrt/float64-normal"].fell_back)


def test_wrong_gradient_is_reported(planted):
    res = _by_id(run_cases(select(all_cases(), ["softmax"]), planted()))
    r = res["softmax/float64"]
    if r.status == MISSING:
        pytest.skip("no softmax in this theano yet")
    assert r.status == FAILED and r.detail.startswith("gradient wrt input 0"), r.detail
    assert res["softmax/float32-large"].status == PASSED  # forward only: not affected


def test_capabilities_expected_failures_and_claims(planted, tmp_path):
    xf = tmp_path / "expected_failures.txt"
    xf.write_text("# planted bugs we know about\nexp/*   # computed as expm1\nlog/float32-normal\n")
    target = planted("planted32", dtypes=("bool", "int8", "int32", "int64", "uint8", "float32"),
                     expected_failures=str(xf), claims=["exp", "log", "updates", "sum"])
    res = run_cases(select(all_cases(), ["exp", "log", "sin", "updates", "sum"]), target)
    by = _by_id(res)
    assert by["exp/float32-normal"].status == XFAIL
    assert by["log/float32-normal"].status == XPASS  # listed, but passes: reported
    assert "remove it" in by["log/float32-normal"].detail
    assert by["exp/float64-normal"].status == SKIPPED
    assert "float64" in by["exp/float64-normal"].detail
    assert by["sin/float32-normal"].status == NOT_CLAIMED
    assert by["updates/float64"].status == SKIPPED
    assert by["updates/accumulate"].status == PASSED
    assert by["sum/float32-long-axis1"].status == PASSED
    assert not [r for r in res if r.status == FAILED], [(r.case_id, r.detail) for r in res if r.status == FAILED]


def test_command_line_exit_status_and_json(planted, tmp_path, capsys):
    planted()
    out = tmp_path / "planted.json"
    assert main(["--backend", "planted", "-k", "exp", "-k", "log", "--json", str(out)]) == 1
    text = capsys.readouterr().out
    assert "FAILURES" in text and "exp/float64-normal" in text
    data = json.loads(out.read_text())
    assert data["backend"] == "planted"
    assert data["ops"]["exp"]["status"] == FAILED
    assert data["ops"]["log"]["status"] == PASSED
    assert main(["--backend", "planted", "-k", "log"]) == 0
    assert main(["--backend", "no-such-backend"]) == 2


def test_missing_ops_are_reported_not_failed():
    from theano_conformance.case import OpCase
    from theano_conformance.inputs import rand
    from theano_conformance.runner import run_case

    case = OpCase("not_an_op", "float64", "tensor.not_an_op_yet", lambda f, x: f(x), [rand("float64", (2,))])
    r = run_case(case, Target.resolve("numpy"))
    assert r.status == MISSING and "not_an_op_yet" in r.detail


def test_case_ids_are_unique_and_inputs_deterministic():
    cases = all_cases()
    assert len({c.id for c in cases}) == len(cases)
    from theano_conformance.runner import _seed

    assert _seed("exp/float64-normal") == _seed("exp/float64-normal")  # crc32: stable across runs


def test_numpy_backend_matches_itself():
    """The reference against itself passes every case it can run: a failure here is either a
    bug of the runner (e.g. comparing aliased outputs) or, when its detail starts with
    "reference error", a core bug that every backend's run would show."""
    results = run_cases(all_cases(), Target.resolve("numpy"))
    wrong = [(r.case_id, r.detail) for r in results if r.status not in (PASSED, MISSING)]
    assert not wrong
    assert sum(r.status == PASSED for r in results) > 900
