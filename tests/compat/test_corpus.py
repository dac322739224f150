"""The compatibility corpus: programs from the Theano 1.0 documentation (tests/compat_corpus/,
kept as written, BSD-3, see its LICENSE.txt) run unchanged here and compute what real Theano
1.0.5 computed (tests/data/theano105/corpus.json, recorded by scripts/theano105/corpus.py).

Each program runs in a fresh process on the device of this test run (the test command runs the
tests once per usable backend, so the corpus runs on each). Compared: the values of the
programs' top-level expressions and their final numeric globals; stdout is not compared (graph
printouts and timings differ by design)."""
import importlib.util
import json
import math
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
_spec = importlib.util.spec_from_file_location("theano105_corpus", os.path.join(ROOT, "scripts", "theano105",
                                                                                 "corpus.py"))
C = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(C)
with open(C.OUT) as f:
    RECORD = json.load(f)["programs"]

RTOL, ATOL = 1e-6, 1e-9
#: Programs whose failure belongs to another open issue: strict xfails, so they flip when fixed.
XFAIL: dict[str, str] = {}
#: Globals that are not results: wall-clock times the programs measure themselves.
NOT_RESULTS = {"conditions_ifelse_switch.py": {"tic"}}


def close(want, got) -> bool:
    if isinstance(want, (int, float)) and isinstance(got, (int, float)) and not isinstance(want, bool):
        if isinstance(want, float) and math.isnan(want):
            return isinstance(got, float) and math.isnan(got)
        return abs(want - got) <= ATOL + RTOL * abs(want)
    if isinstance(want, list) and isinstance(got, list):
        return len(want) == len(got) and all(close(a, b) for a, b in zip(want, got))
    if isinstance(want, dict) and isinstance(got, dict):
        return want.keys() == got.keys() and all(close(want[k], got[k]) for k in want if k != "dtype") and \
            want.get("dtype") == got.get("dtype")
    return want == got


def test_the_corpus_is_recorded():
    assert sorted(RECORD) == C.programs()
    assert len(RECORD) >= 15 and all("error" not in r for r in RECORD.values())
    assert os.path.exists(os.path.join(C.CORPUS, "LICENSE.txt"))


@pytest.mark.parametrize("program", [pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=XFAIL[p]))
                                     if p in XFAIL else p for p in C.programs()])
def test_program_computes_what_theano_105_did(program):
    want = RECORD[program]
    got = C.run_in_subprocess(program, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert "error" not in got, got.get("error")
    assert len(got["expressions"]) == len(want["expressions"])
    for k, (w, g) in enumerate(zip(want["expressions"], got["expressions"])):
        assert close(w, g), f"{program}: top-level expression {k}: Theano 1.0.5 gave {w}, here {g}"
    assert set(got["globals"]) == set(want["globals"]), (set(got["globals"]) ^ set(want["globals"]))
    for name, w in want["globals"].items():
        if name in NOT_RESULTS.get(program, ()):
            continue
        assert close(w, got["globals"][name]), f"{program}: {name}: Theano 1.0.5 gave {w}, here {got['globals'][name]}"
