"""The test command's later devices run `pytest tests --device-dependent` (scripts/ci_backends.py):
what a test pins (its folder in DEVICE_INDEPENDENT, or a `device` parameter naming a device)
the main run has already run, so it is left out; what follows the flag stays."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _collected(*args: str) -> list[str]:
    res = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only",
                          *args], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, THEANO_FLAGS="device=numpy"))
    assert res.returncode == 0, res.stdout + res.stderr
    return [ln for ln in res.stdout.splitlines() if "::" in ln]


def test_tests_that_pin_their_device_run_once():
    files = ["tests/tensor/test_gammaln.py", "tests/test_tutorial.py", "tests/graph/test_op.py"]
    every = _collected(*files)
    later = _collected(*files, "--device-dependent")
    # gammaln: parametrized by device names; one test follows the flag's device.
    assert any("test_gammaln_is_theano_105s_compiled_value[" in t for t in every)
    assert not any("test_gammaln_is_theano_105s_compiled_value[" in t for t in later)
    assert any("test_recorded_theano_105_linkers_disagree_exactly_there" in t for t in later)
    # the tutorial: device None is "the flag's device", the named ones are pinned.
    tutorial = [t for t in later if "test_program_output" in t]
    assert tutorial and all("-None]" in t for t in tutorial), tutorial
    assert any("test_program_output" in t and "-None]" not in t for t in every)
    # graph/: a DEVICE_INDEPENDENT folder.
    assert any(t.startswith("tests/graph/") for t in every)
    assert not any(t.startswith("tests/graph/") for t in later)
