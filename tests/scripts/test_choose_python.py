"""The README's commands pick their Python as scripts/choose_python.py decides: the active
environment when there is one, else the project's .venv (created when missing), never the
system's own site-packages (PEP 668), with Python's headers and the venv module installed
where a Debian system Python lacks them."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("choose_python", ROOT / "scripts" / "choose_python.py")
choose = importlib.util.module_from_spec(_spec)
sys.modules["choose_python"] = choose  # dataclasses look their module up while the file runs
_spec.loader.exec_module(choose)


def facts(**kw) -> "choose.Facts":
    base = dict(executable="/usr/bin/python3.11", in_venv=False, active_env="", project_venv_python="",
                has_ensurepip=True, has_headers=True, debian_system_python=True, version="3.11")
    base.update(kw)
    return choose.Facts(**base)


def test_active_environment_is_used_as_it_is(tmp_path):
    d = choose.decide(facts(executable="/home/u/env/bin/python", in_venv=True), tmp_path)
    assert d.python == "/home/u/env/bin/python" and not d.create_venv and d.apt == []
    d = choose.decide(facts(executable="/opt/conda/bin/python", debian_system_python=False,
                            active_env="/opt/conda"), tmp_path)
    assert d.python == "/opt/conda/bin/python" and not d.create_venv and "/opt/conda" in d.why


def test_stock_debian_without_environment_creates_the_project_venv(tmp_path):
    # Debian 12's python3 without python3-venv and python3-dev: both are installed, then .venv.
    d = choose.decide(facts(has_ensurepip=False, has_headers=False), tmp_path)
    assert d.create_venv and d.python == str(tmp_path / ".venv" / "bin" / "python")
    assert d.apt == ["python3-dev", "python3.11-venv"]
    assert ". .venv/bin/activate" in d.why


def test_existing_project_venv_is_reused(tmp_path):
    venv_py = str(tmp_path / ".venv" / "bin" / "python")
    d = choose.decide(facts(project_venv_python=venv_py), tmp_path)
    assert d.python == venv_py and not d.create_venv and d.apt == []


def test_headers_are_not_apt_installed_for_a_python_apt_does_not_own(tmp_path):
    d = choose.decide(facts(executable="/opt/py/bin/python3", debian_system_python=False,
                            has_headers=False), tmp_path)
    assert d.apt == [] and d.create_venv


def test_set_up_with_no_environment_active_creates_and_uses_the_venv(tmp_path):
    """The real script, run as on a machine with no environment active: it makes .venv and
    points PY at it; that interpreter sees the system's packages (--system-site-packages)."""
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    base = getattr(sys, "_base_executable", sys.executable)
    (bindir / "python3").symlink_to(base)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONHOME")}
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    res = subprocess.run(["bash", "-c", "set -e; source scripts/python_env.sh; echo \"PY=$PY\"; "
                          "\"$PY\" -c 'import sys; print(sys.prefix)'"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    venv = tmp_path / ".venv"
    assert f"PY={venv}/bin/python" in res.stdout
    assert str(venv) in res.stdout.splitlines()[-1]
    assert "creating the project's" in res.stdout
    # A second run reuses it.
    res = subprocess.run(["bash", "-c", "source scripts/python_env.sh"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "using the project's" in res.stdout, res.stdout + res.stderr


@pytest.mark.parametrize("var", ["VIRTUAL_ENV", "CONDA_PREFIX"])
def test_gather_sees_an_active_environment(tmp_path, monkeypatch, var):
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    monkeypatch.setenv(var, "/somewhere/env")
    assert choose.gather(tmp_path).active_env == "/somewhere/env"
