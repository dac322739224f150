"""Every program of the tutorial (examples/tutorial/theano-guia-rapido.txt), run as a user runs it,
with the output the tutorial shows (the matrix product corrected: row 2 is 35, not 25)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "tutorial"

TRAINING = """\
Weights:  [0.1  0.25 0.15 0.3 ]
iteration:  0
Modified Weights:  [19.94 20.09 19.99 20.14]
Output:  0.8
iteration:  1
Modified Weights:  [23.908 24.058 23.958 24.108]
Output:  80.16000000000001
iteration:  2
Modified Weights:  [24.7016 24.8516 24.7516 24.9016]
Output:  96.03200000000001
iteration:  3
Modified Weights:  [24.86032 25.01032 24.91032 25.06032]
Output:  99.2064
iteration:  4
Modified Weights:  [24.892064 25.042064 24.942064 25.092064]
Output:  99.84128
iteration:  5
Modified Weights:  [24.8984128 25.0484128 24.9484128 25.0984128]
Output:  99.968256
iteration:  6
Modified Weights:  [24.89968256 25.04968256 24.94968256 25.09968256]
Output:  99.9936512
iteration:  7
Modified Weights:  [24.89993651 25.04993651 24.94993651 25.09993651]
Output:  99.99873024
iteration:  8
Modified Weights:  [24.8999873 25.0499873 24.9499873 25.0999873]
Output:  99.99974604799999
iteration:  9
Modified Weights:  [24.89999746 25.04999746 24.94999746 25.09999746]
Output:  99.99994920960002
"""

EXPECTED = {
    "01_scalar_addition.py": "4.0\n",
    "02_scalar_addition_star.py": "9.0\n",
    "03_matrix_product.py": "[[11.  0.]\n [35. 20.]]\n",
    "06_types.py": ("5.0\n(2.0, 5.0, 3.0)\n2.0\n3.0\n[2, 3]\n4\n[5, 6, 7, 8, 9]\n13\n[5, 6]\n[9, 10]\n"
                    "[13, 14]\n"),
    "07_shared.py": ("Original:  [0.1  0.25 0.15 0.3 ]\nSetting new values (0.5, 0.2, 0.4, 0.2)\n"
                     "After modifications: [0.5 0.2 0.4 0.2]\n"),
    "08_training.py": TRAINING,
}
IMAGES = {"04_pydotprint_scalar.py": "scalar_addition.png", "05_pydotprint_matrix.py": "matrix_dot_product.png"}


def run(prog: str, cwd: Path, device: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if device:
        env["THEANO_FLAGS"] = f"device={device}"
    return subprocess.run([sys.executable, str(EXAMPLES / prog)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def devices() -> list[str]:
    """The tutorial runs on the default device and on every installed CPU backend's device."""
    from theano.backend.registry import registry

    found = [None]
    for rec in registry.records.values():
        if rec.is_cpu and rec.probe_cached().usable:
            found.append(rec.name)
    return found


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("prog", sorted(EXPECTED))
def test_program_output(prog: str, device: str | None, tmp_path: Path) -> None:
    res = run(prog, tmp_path, device)
    assert res.returncode == 0, res.stderr
    assert res.stdout == EXPECTED[prog]


@pytest.mark.parametrize("prog", sorted(IMAGES))
def test_pydotprint_programs_write_png(prog: str, tmp_path: Path) -> None:
    res = run(prog, tmp_path)
    assert res.returncode == 0, res.stderr
    png = tmp_path / IMAGES[prog]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"The output file is available at {IMAGES[prog]}" in res.stdout


def test_examples_match_the_tutorial_text() -> None:
    """The example files hold the tutorial's code (only the indentation restored)."""
    text = (EXAMPLES / "theano-guia-rapido.txt").read_text(encoding="utf-8")
    for prog in list(EXPECTED) + list(IMAGES):
        for line in (EXAMPLES / prog).read_text().splitlines():
            if line.strip():
                assert line.strip() in text, f"{prog}: {line!r} is not in the tutorial"
