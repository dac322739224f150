"""`python -m theano_conformance --jobs N` deals the cases out to worker processes: the
results must be those of a one-process run, case for case and in the same order."""
from __future__ import annotations

import json

import pytest

from theano_conformance.__main__ import main
from theano_conformance.parallel import run_selected_in_processes

PATTERNS = ["add/*", "sum/*", "argmax/*"]


def _cases(path):
    return [(c["id"], c["status"], c["detail"]) for c in json.loads(path.read_text())["cases"]]


def test_jobs_give_the_same_results_in_the_same_order(tmp_path):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    args = ["--backend", "numpy"] + [a for p in PATTERNS for a in ("-k", p)]
    assert main(args + ["--json", str(one)]) == 0
    assert main(args + ["--jobs", "2", "--json", str(two)]) == 0
    got, want = _cases(two), _cases(one)
    assert len(want) > 40
    assert got == want


def test_jobs_must_be_positive():
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        run_selected_in_processes(3, "numpy", "numpy", PATTERNS, 0)
