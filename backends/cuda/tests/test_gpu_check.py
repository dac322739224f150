"""The GPU check's own logic, without a GPU: the tutorial comparison tolerates a parallel
sum's last digits and nothing else, each step's result is in summary.json as soon as it ends,
and a step that does not fit the budget is recorded as skipped, never started."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "backends" / "cuda" / "gpu_check.py"
pytest.importorskip("theano_cuda", reason="the cuda backend (backends/cuda) is not installed")
_spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
gpu_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gpu_check)


@pytest.mark.parametrize("got, expected, same", [
    ("Output:  80.16000000000001\n", "Output:  80.16\n", True),          # last digits of a sum
    ("[24.8999873 25.0499873]\n", "[24.89998730 25.04998730]\n", True),
    ("Output:  80.2\n", "Output:  80.16\n", False),                      # a real difference
    ("Weights: [1. 2.]\n", "Modified Weights: [1. 2.]\n", False),          # the text differs
    ("[1. 2.]\n", "[1. 2. 3.]\n", False),
])
def test_tutorial_output_comparison(got, expected, same):
    assert gpu_check.same_output(got, expected) is same


def _run(tmp_path, *args):
    res = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads((tmp_path / "summary.json").read_text())


def test_each_step_is_recorded_with_its_time(tmp_path):
    summary = _run(tmp_path, "--only", "env")
    assert summary["steps"]["env"]["status"] == "ok" and summary["steps"]["env"]["seconds"] >= 0
    assert (tmp_path / "env.log").exists() and (tmp_path / "summary.md").exists()


def test_a_step_that_does_not_fit_the_budget_is_skipped(tmp_path):
    summary = _run(tmp_path, "--only", "env", "--budget", "1")
    assert summary["steps"]["env"]["status"] == "skipped"
    assert "budget" in summary["steps"]["env"]["why"]


def test_a_step_out_of_time_is_stopped_with_the_processes_it_started(tmp_path):
    import os
    import time

    r = gpu_check.Runner(tmp_path, budget=60)
    pidfile = tmp_path / "child.pid"
    rec = r.run("slow", ["bash", "-c", f"sleep 60 & echo $! > {pidfile}; wait"], limit=2, need=1)
    assert rec["status"].startswith("timed out") and rec["seconds"] < 30
    child = int(pidfile.read_text())
    for _ in range(50):  # the kill is asynchronous: give the kernel a moment to reap it
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the step's child process {child} outlived the step")
