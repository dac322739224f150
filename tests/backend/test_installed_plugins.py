"""Backend plugins installed as real distributions, seen by a fresh `import theano`.

The plugins are built and pip-installed by the `installed_plugins` fixture (conftest.py);
every check runs in a child interpreter so that discovery happens as it does for a user.
"""
from __future__ import annotations

import ast
import re

COMPILE_AND_RUN = """
import numpy as np
import theano
from theano import tensor as T

x = T.dvector("x")
f = theano.function([x], x * 2 + 1, device={device!r})
print("RESULT", f(np.array([1.0, 2.0])).tolist())
print("BACKEND", f.backend.name, f.backend.device)
theano.printing.debugprint(f)
"""


def test_third_party_backend_is_discovered_and_runs(run_python):
    r = run_python(COMPILE_AND_RUN.format(device="toy"), plugins=("toy",))
    assert r.returncode == 0, r.stderr
    assert "RESULT [3.0, 5.0]" in r.stdout
    assert "BACKEND toy toy0" in r.stdout
    # debugprint names the runner of each node: here the plugin's own label.
    assert "(toy:plain)" in r.stdout
    assert "(numpy)" not in r.stdout


def test_third_party_backend_explicit_device_number(run_python):
    r = run_python(COMPILE_AND_RUN.format(device="toy1"), plugins=("toy",))
    assert r.returncode == 0, r.stderr
    assert "BACKEND toy toy1" in r.stdout


def test_without_the_plugin_installed_its_device_is_unknown(run_python):
    # The same program, without the distribution on the path: proves that the discovery
    # above came from the installed entry point, not from anything in the core.
    r = run_python(COMPILE_AND_RUN.format(device="toy"))
    assert r.returncode != 0
    assert "UnknownDeviceError" in r.stderr
    assert "unknown device 'toy'" in r.stderr


def test_cpu_picks_the_usable_cpu_backend_of_highest_priority(run_python):
    code = COMPILE_AND_RUN.format(device="cpu")
    # toy declares priority 1000, above every first-party CPU backend, so it wins device=cpu ...
    r = run_python(code, plugins=("toy",))
    assert r.returncode == 0, r.stderr
    assert "BACKEND toy toy0" in r.stdout
    # ... unless it is not usable here, then the reference backend takes over.
    r = run_python(code, plugins=("toy",), TOY_UNUSABLE="1")
    assert r.returncode == 0, r.stderr
    assert "BACKEND numpy numpy" in r.stdout
    assert "RESULT [3.0, 5.0]" in r.stdout


def test_global_device_flag(run_python):
    code = COMPILE_AND_RUN.format(device=None)
    r = run_python(code, plugins=("toy",), THEANO_FLAGS="device=numpy")
    assert r.returncode == 0, r.stderr
    assert "BACKEND numpy numpy" in r.stdout
    r = run_python(code, plugins=("toy",), THEANO_FLAGS="device=toy1")
    assert "BACKEND toy toy1" in r.stdout, r.stderr


def test_per_function_device_overrides_the_flag(run_python):
    r = run_python(COMPILE_AND_RUN.format(device="numpy"), plugins=("toy",),
                   THEANO_FLAGS="device=toy")
    assert r.returncode == 0, r.stderr
    assert "BACKEND numpy numpy" in r.stdout


def test_plugin_config_flag_is_set_through_theano_flags(run_python):
    code = COMPILE_AND_RUN.format(device="toy") + "\nprint('FLAG', theano.config.toy__label)\n"
    r = run_python(code, plugins=("toy",), THEANO_FLAGS="toy__label=fancy")
    assert r.returncode == 0, r.stderr
    assert "FLAG fancy" in r.stdout
    assert "(toy:fancy)" in r.stdout


def test_plugin_flag_without_the_plugin_is_an_unknown_flag(run_python):
    r = run_python("import theano", THEANO_FLAGS="toy__label=fancy")
    assert r.returncode != 0
    assert "toy__label" in r.stderr and "unknown theano config flag" in r.stderr


def test_broken_plugin_is_reported_and_skipped(run_python):
    r = run_python(COMPILE_AND_RUN.format(device="toy"), plugins=("broken", "toy"))
    assert r.returncode == 0, r.stderr
    # the others still load and run
    assert "RESULT [3.0, 5.0]" in r.stdout
    assert "skipping backend plugin 'broken'" in r.stderr
    assert "the broken plugin exploded on import" in r.stderr


def test_cli_shows_failed_plugin_with_reason_and_fix(run_python):
    r = run_python("", plugins=("broken",), args=("-m", "theano", "backends"))
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if ln.strip().startswith("broken"))
    assert "FAILED" in line
    assert "0.0.1" in line  # the distribution's version, from its metadata
    assert "RuntimeError: the broken plugin exploded on import" in line
    assert "theano-broken" in r.stdout  # the fix names the distribution to reinstall/remove
    assert re.search(r"fix: .*pip uninstall theano-broken", r.stdout)
    # the reference backend is still listed as usable
    assert re.search(r"^\s*numpy\s+0\.1\.0\s+usable\s+devices: numpy", r.stdout, re.M)


def test_plugin_for_another_api_version_is_skipped_naming_both_versions(run_python):
    code = "import theano; print('BACKENDS', sorted(theano.backend.registry.records))"
    r = run_python(code, plugins=("future",))
    assert r.returncode == 0, r.stderr
    # other installed backends (c, a template...) may be listed too; the v2 one must not be
    listed = ast.literal_eval(r.stdout.split("BACKENDS", 1)[1].strip().splitlines()[0])
    assert "numpy" in listed and "future" not in listed
    assert "built for theano plugin API version 2" in r.stderr
    assert "this theano implements API version 1" in r.stderr
    # its config hook never ran: a v2 plugin must not touch a v1 theano's config
    r = run_python("import theano", plugins=("future",), THEANO_FLAGS="future__label=x")
    assert "unknown theano config flag" not in r.stderr
    assert r.returncode == 0, r.stderr


def test_disable_backends_blocks_one(run_python):
    code = COMPILE_AND_RUN.format(device="cpu")
    r = run_python(code, plugins=("toy",), THEANO_DISABLE_BACKENDS="toy")
    assert r.returncode == 0, r.stderr
    assert "BACKEND numpy numpy" in r.stdout
    r = run_python(COMPILE_AND_RUN.format(device="toy"), plugins=("toy",),
                   THEANO_DISABLE_BACKENDS="toy")
    assert r.returncode != 0
    assert "disabled by THEANO_DISABLE_BACKENDS" in r.stderr
    # disabling a broken plugin silences it entirely
    r = run_python("import theano", plugins=("broken",), THEANO_DISABLE_BACKENDS=" broken , x")
    assert r.returncode == 0 and "exploded" not in r.stderr, r.stderr


def test_strict_backends_makes_a_broken_plugin_raise(run_python):
    r = run_python("import theano", plugins=("broken",), THEANO_FLAGS="strict_backends=True")
    assert r.returncode != 0
    assert "BackendLoadError" in r.stderr
    assert "the broken plugin exploded on import" in r.stderr
    r = run_python("import theano", plugins=("future",), THEANO_FLAGS="strict_backends=True")
    assert r.returncode != 0 and "API version 2" in r.stderr


def test_unknown_device_lists_installed_backends_and_reasons(run_python):
    code = COMPILE_AND_RUN.format(device="mystery0")
    r = run_python(code, plugins=("toy", "broken", "future"), TOY_UNUSABLE="1")
    assert r.returncode != 0
    err = r.stderr
    assert "UnknownDeviceError: unknown device 'mystery0'" in err
    assert re.search(r"numpy\s+0\.1\.0\s+usable", err)
    assert re.search(r"toy\s+1\.2\.3\s+UNUSABLE\s+the toy accelerator is unplugged", err)
    assert "fix: plug it in (unset TOY_UNUSABLE)" in err
    assert re.search(r"broken\s+0\.0\.1\s+FAILED", err)
    assert re.search(r"future\s+2\.0\.0\s+FAILED.*API version 2", err)


def test_unusable_device_says_why_and_how_to_fix(run_python):
    r = run_python(COMPILE_AND_RUN.format(device="toy"), plugins=("toy",), TOY_UNUSABLE="1")
    assert r.returncode != 0
    assert ("device 'toy': backend 'toy' is installed but unusable: the toy accelerator is "
            "unplugged (fix: plug it in (unset TOY_UNUSABLE))") in r.stderr
