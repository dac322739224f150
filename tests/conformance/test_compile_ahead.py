"""The suite hands the graphs it is about to compile to theano.compile.compile_ahead first
(a compiling backend builds them in a few batches), and its results do not depend on it."""
from __future__ import annotations

import theano
from theano_conformance import all_cases, run_cases
from theano_conformance.parallel import _run_chunk
from theano_conformance.runner import select
from theano_conformance.target import Target

PATTERNS = ["exp", "add"]


def _recording(monkeypatch):
    calls = []

    def record(graphs, device=None, mode=None):
        calls.append((device, list(graphs)))

    monkeypatch.setattr(theano.compile, "compile_ahead", record)
    return calls


def test_run_cases_hands_over_each_cases_graph_and_its_gradient_first(monkeypatch):
    calls = _recording(monkeypatch)
    cases = [c for c in select(all_cases(), PATTERNS) if not c.id.startswith(("exp/complex", "add/complex"))]
    results = run_cases(cases, Target.resolve("numpy"))
    ((device, graphs),) = calls
    assert device == "numpy"
    # the gradient graphs take the case's inputs and one weight w<k> per float output
    grads = [g for g in graphs if any((v.name or "").startswith("w") for v in g[0])]
    assert len(grads) == sum(1 for c in cases if c.grad)
    # every case's own graph, but for those whose dtypes the backend does not take (float16)
    assert len(cases) - 3 <= len(graphs) - len(grads) <= len(cases)
    assert all(r.status != "failed" for r in results), [(r.case_id, r.detail) for r in results if r.status == "failed"]


def test_each_worker_hands_over_its_chunk(monkeypatch):
    calls = _recording(monkeypatch)
    n = len(select(all_cases(), PATTERNS))
    out = _run_chunk("numpy", "numpy", PATTERNS, list(range(0, n, 3)))
    ((_, graphs),) = calls
    assert len(out) == len(range(0, n, 3)) and len(graphs) >= len(out) - 2


def test_results_are_the_same_without_it(monkeypatch):
    cases = select(all_cases(), ["add/float64*", "exp/float32*"])
    target = Target.resolve("numpy")
    ahead = [(r.case_id, r.status, r.detail) for r in run_cases(cases, target)]
    _recording(monkeypatch)
    without = [(r.case_id, r.status, r.detail) for r in run_cases(cases, target)]
    assert ahead == without and len(ahead) > 5
