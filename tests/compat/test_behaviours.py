"""Behaviours libraries rely on, checked against real Theano 1.0.5 (issue 14 item 3, issue 20
part 3). scripts/theano105/behaviours.py holds the cases; run under Theano 1.0.5 it recorded
tests/data/theano105/behaviours.json, and here the same functions run on this implementation
(on the device of the run: the test command repeats them on every usable backend)."""
import importlib.util
import json
import math
import os
import warnings

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
with open(os.path.join(ROOT, "tests", "data", "theano105", "behaviours.json")) as f:
    RECORD = json.load(f)

_spec = importlib.util.spec_from_file_location("theano105_behaviours",
                                               os.path.join(ROOT, "scripts", "theano105", "behaviours.py"))
B = importlib.util.module_from_spec(_spec)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    _spec.loader.exec_module(B)

# Where this implementation deliberately differs from the record, and why: an inc_subtensor
# that Theano 1.0.5 accepted when building and refused when the function ran (NumPy's
# same_kind rule for +=) is refused here when the graph is built, with the same rule.
REFUSED_EARLIER = {"set_subtensor_dtypes": {"inc:int32<-float64", "inc:uint8<-int64", "inc:bool<-int64"}}


def same(a, b, path=""):
    """Recorded value a equals computed value b (floats to 1e-12 relative, NaN == NaN)."""
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            if math.isnan(a) or math.isnan(b):
                return math.isnan(a) and math.isnan(b)
            return a == b or abs(a - b) <= 1e-12 * max(1.0, abs(a))
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


@pytest.mark.parametrize("case", sorted(B.CASES))
def test_behaves_as_theano_105(case):
    want = RECORD[case]
    assert "case_error" not in want, f"Theano 1.0.5 could not run case {case}: {want}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = json.loads(json.dumps(B.CASES[case]()))
    earlier = REFUSED_EARLIER.get(case, set())
    for key in want:
        if key in earlier:
            assert "run_error" in want[key], f"{case}/{key}: the record no longer has a run-time refusal"
            assert got[key] == {"build_error": "TypeError"}, f"{case}/{key}: {got[key]}"
            continue
        assert same(want[key], got.get(key)), f"{case}/{key}: Theano 1.0.5 gave {want[key]!r}, here {got.get(key)!r}"
    assert set(got) == set(want)
