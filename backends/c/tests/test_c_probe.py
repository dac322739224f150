"""The C backend's probe: usable only where it can really build an extension module; without
Python's headers it says so, with the fix, and device 'cpu' runs on the reference with a note
instead of crashing at the first compile."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from theano.backend.registry import registry

PROGRAM = textwrap.dedent("""
    import sysconfig, warnings
    _paths = sysconfig.get_paths
    # The interpreter as it is on a machine without python3-dev: its include folder has no Python.h.
    sysconfig.get_paths = lambda *a, **k: dict(_paths(*a, **k), include={include!r})
    warnings.simplefilter("always")
    import theano
    from theano import tensor
    from theano.backend.registry import registry
    x = tensor.dvector()
    f = theano.function([x], tensor.exp(x).sum())
    print("result", f([0.0, 0.0]))
    print("backend", registry.resolve("cpu")[0].name)
    print("probe", registry.records["c"].probe_cached())
""")


def test_probe_is_usable_here():
    p = registry.records["c"].probe_cached()
    assert p.usable, p.reason


def test_without_python_headers_cpu_falls_back_to_the_reference_with_a_note(tmp_path):
    res = subprocess.run([sys.executable, "-c", PROGRAM.format(include=str(tmp_path))], capture_output=True,
                         text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                                       "THEANO_FLAGS": f"compiledir={tmp_path / 'cache'}"})
    assert res.returncode == 0, res.stderr
    assert "result 2.0" in res.stdout
    assert "backend numpy" in res.stdout
    assert "Python's development headers are missing" in res.stdout
    assert "device 'cpu': backend 'c' is unusable here (Python's development headers are missing" in res.stderr
    assert "; fix: " in res.stderr  # and how to get them
