"""Which Python the README's commands install into and run with, and what the system needs.

Run by `scripts/python_env.sh` with the system's `python3` (no third-party module needed):

    python3 scripts/choose_python.py ROOT

It prints shell assignments that the caller evaluates:

    PY=...            the interpreter to use from now on
    CREATE_VENV=0|1   create the project environment ROOT/.venv first
    APT="..."         Debian packages to install first (the venv module, Python's headers)
    WHY="..."         one line saying what was decided, for the user

The rule (docs/decisions.md, "The README's commands and Python environments"):
- inside an active environment (a virtualenv or conda, or this interpreter is one), use it;
- otherwise use the project environment ROOT/.venv, creating it when it is missing. It is
  created with --system-site-packages so that NumPy, SciPy and friends that the system
  already has are reused; what pip installs goes into .venv, never into the system's
  Python, which PEP 668 (Debian 12, Ubuntu 24.04) forbids.
The C backend builds CPython extensions, so Python's headers (Python.h) are required; on a
Debian system Python without them, `python3-dev` is added to the packages to install.
"""
from __future__ import annotations

import os
import shlex
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Facts:
    """What the decision depends on, gathered from the running interpreter and environment."""

    executable: str
    in_venv: bool               # this interpreter is itself a virtualenv's
    active_env: str             # $VIRTUAL_ENV or $CONDA_PREFIX, "" when none
    project_venv_python: str    # ROOT/.venv/bin/python when it exists and runs, else ""
    has_ensurepip: bool         # `python3 -m venv` can bootstrap pip
    has_headers: bool           # Python.h of this interpreter exists
    debian_system_python: bool  # /usr/bin/python3* (apt can add its venv module and headers)
    version: str                # "3.11"


@dataclass
class Decision:
    """The outcome: which interpreter, whether to create .venv, which apt packages."""

    python: str
    create_venv: bool = False
    apt: list[str] = field(default_factory=list)
    why: str = ""


def gather(root: Path) -> Facts:
    """The facts about the interpreter running this script and the project folder `root`."""
    venv_py = root / ".venv" / "bin" / "python"
    include = Path(sysconfig.get_paths()["include"])
    try:
        import ensurepip  # noqa: F401  (Debian removes it unless python3-venv is installed)
        has_ensurepip = True
    except ImportError:
        has_ensurepip = False
    return Facts(
        executable=sys.executable,
        in_venv=sys.prefix != sys.base_prefix,
        active_env=os.environ.get("VIRTUAL_ENV") or os.environ.get("CONDA_PREFIX") or "",
        project_venv_python=str(venv_py) if venv_py.exists() and os.access(venv_py, os.X_OK) else "",
        has_ensurepip=has_ensurepip,
        has_headers=(include / "Python.h").exists(),
        debian_system_python=sys.executable.startswith("/usr/bin/"),
        version=f"{sys.version_info.major}.{sys.version_info.minor}",
    )


def decide(f: Facts, root: Path) -> Decision:
    """The interpreter and set-up steps for the facts `f` (pure: tested without side effects)."""
    apt = []
    if not f.has_headers and f.debian_system_python:
        apt.append("python3-dev")
    if f.in_venv or f.active_env:
        where = f.active_env or str(Path(f.executable).parent.parent)
        return Decision(f.executable, apt=apt, why=f"using the active environment {where}")
    venv_python = str(root / ".venv" / "bin" / "python")
    if f.project_venv_python:
        return Decision(venv_python, apt=apt, why=f"no environment active: using the project's {root / '.venv'}")
    if not f.has_ensurepip:
        apt.append(f"python{f.version}-venv" if f.debian_system_python else "python3-venv")
    return Decision(venv_python, create_venv=True, apt=apt,
                    why=f"no environment active: creating the project's {root / '.venv'} "
                        "(activate it with `. .venv/bin/activate` to run your own scripts)")


def main(argv: list[str]) -> int:
    """Print the decision as shell assignments for ROOT (argv[1])."""
    root = Path(argv[1]).resolve()
    d = decide(gather(root), root)
    print(f"PY={shlex.quote(d.python)}")
    print(f"CREATE_VENV={int(d.create_venv)}")
    print(f"APT={shlex.quote(' '.join(d.apt))}")
    print(f"WHY={shlex.quote(d.why)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
