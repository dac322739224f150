"""The worked example of docs/backend-authors.md: examples/backend-template installed with
pip, discovered through its entry point with no change to theano, passing the conformance
cases it claims (natively for add, mul and dot; through the fallback for the rest)."""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "examples" / "backend-template"
DIST = "theano-backend-template"


def _pip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, timeout=300)


def _can_build_offline() -> bool:
    """--no-build-isolation builds with the setuptools installed here, which before 70.1
    needs the `wheel` package for bdist_wheel."""
    try:
        from importlib.metadata import version

        major, minor = (int(p) for p in version("setuptools").split(".")[:2])
    except Exception:
        return False
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def installed_template(tmp_path_factory):
    if _pip("show", DIST).returncode == 0:
        pytest.skip(f"{DIST} is already installed here; not touching someone else's install")
    # Build from a copy: pip writes build/ and *.egg-info next to the sources.
    src = tmp_path_factory.mktemp("template") / "backend-template"
    shutil.copytree(TEMPLATE, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    flags = ["--no-deps"] + (["--no-build-isolation"] if _can_build_offline() else [])
    r = _pip("install", "-q", *flags, str(src))
    if r.returncode != 0:
        pytest.fail(f"pip install {' '.join(flags)} {src} failed:\n{r.stdout}\n{r.stderr}")
    try:
        yield src
    finally:
        _pip("uninstall", "-y", "-q", DIST)


def test_template_is_discovered_and_passes_what_it_claims(installed_template, tmp_path):
    out = tmp_path / "template.json"
    r = subprocess.run([sys.executable, "-m", "theano_conformance", "--backend", "template", "--json", str(out)],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    table = r.stdout
    assert "backend 'template' on device 'template' (theano-backend-template 0.1.0)" in table, r.stderr
    data = json.loads(out.read_text())
    # Nothing fails, except cases the reference itself cannot run (core bugs, shown for
    # every backend alike): those are not the plugin's doing.
    failed = [c for c in data["cases"] if c["status"] == "failed"
              and not c["detail"].startswith("reference error")]
    assert not failed, [(c["id"], c["detail"]) for c in failed]
    assert r.returncode == (1 if any(c["status"] == "failed" for c in data["cases"]) else 0), table
    ops = data["ops"]
    # Its own implementations run natively ...
    for case_id in ("add/float64-normal", "mul/int8-edges", "dot/float64-mat-mat", "dot/float32-mat-vec"):
        case = next(c for c in data["cases"] if c["id"] == case_id)
        assert case["status"] == "passed", case
    # ... and the rest through the reference, counted as such.
    assert ops["exp"]["status"] == "fell back" and "Elemwise{exp,no_inplace}" in ops["exp"]["fell_back"]
    # Shared variables stay in TemplateArrays between calls (no per-call transfer).
    assert ops["shared"]["status"] in ("passed", "fell back")
    # No float16 nor complex on this device: skipped, and the table says why.
    assert "uses float16, not in the backend's capabilities['dtypes']" in table
    assert any(c["status"] == "skipped" and "complex128" in c["detail"] for c in data["cases"])
    assert "FELL BACK TO THE REFERENCE" in table


def test_template_through_pytest_plugin(installed_template, tmp_path):
    """The same cases as tests: `pytest --pyargs theano_conformance --theano-backend template`."""
    r = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "theano_conformance", "-q",
                        "-p", "no:cacheprovider", "--theano-backend", "template",
                        "-k", "add or dot or shared or float16"],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "passed" in r.stdout and "skipped" in r.stdout
    assert "theano conformance by op" in r.stdout
