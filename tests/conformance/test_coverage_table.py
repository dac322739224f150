"""conformance/coverage_table.py turns --json reports into the op x backend Markdown table."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from theano_conformance import Target, all_cases, run_cases, select, to_json

SCRIPT = Path(__file__).resolve().parents[2] / "conformance" / "coverage_table.py"


def _load():
    spec = importlib.util.spec_from_file_location("coverage_table", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_table_has_a_row_per_op_and_a_column_per_backend(tmp_path):
    results = run_cases(select(all_cases(), ["exp", "dot", "updates", "not_there_yet"]), Target.resolve("numpy"))
    report = to_json(results, Target.resolve("numpy"))
    other = json.loads(json.dumps(report))
    other["backend"] = "other"
    other["ops"]["exp"] = {"group": "elemwise", "status": "failed", "counts": {"passed": 3, "failed": 2}}
    other["ops"]["dot"] = {"group": "product", "status": "fell back", "counts": {"passed": 1, "fell back": 3}}
    paths = []
    for name, rep in (("numpy", report), ("other", other)):
        p = tmp_path / f"{name}.json"
        p.write_text(json.dumps(rep))
        paths.append(str(p))
    out = tmp_path / "coverage.md"
    assert _load().main(paths + ["-o", str(out)]) == 0
    md = out.read_text()
    assert "| group | op | numpy | other |" in md
    assert "| elemwise | `exp` | native | **FAIL** 2/5 |" in md
    assert "| product | `dot` | native | fallback (1/4 native) |" in md
    assert "| function | `updates` | native | native |" in md


def test_the_installed_suite_prints_the_coverage_table_with_coverage(capsys):
    from theano_conformance.__main__ import main

    assert main(["--backend", "numpy", "-k", "exp", "-k", "dot", "--coverage"]) == 0
    out = capsys.readouterr().out
    assert "| group | op | numpy |" in out
    assert "| elemwise | `exp` | native |" in out and "| product | `dot` | native |" in out
