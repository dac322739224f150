"""`python -m theano backends` (and `flags`), run as a user runs them."""
from __future__ import annotations

import re

CLI = ("-m", "theano", "backends")


def test_backends_lists_version_devices_and_configured_device(run_python):
    r = run_python("", plugins=("toy",), args=CLI)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert re.search(r"^\s*toy\s+1\.2\.3\s+usable\s+devices: toy0, toy1; cpu backend, priority 1000",
                     out, re.M)
    assert re.search(r"^\s*numpy\s+0\.1\.0\s+usable\s+devices: numpy; cpu backend, priority 0",
                     out, re.M)
    # highest priority first
    assert out.index("  toy ") < out.index("  numpy ")
    assert "configured device 'cpu' runs on backend 'toy' (device toy0)" in out


def test_backends_unusable_shows_reason_and_fix(run_python):
    r = run_python("", plugins=("toy",), args=CLI, TOY_UNUSABLE="1")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    at = next(k for k, ln in enumerate(lines) if ln.split()[:1] == ["toy"])
    assert lines[at].split()[:3] == ["toy", "1.2.3", "UNUSABLE"]
    assert "the toy accelerator is unplugged" in lines[at]
    assert lines[at + 1].strip() == "fix: plug it in (unset TOY_UNUSABLE)"
    assert "configured device 'cpu' runs on backend 'numpy'" in r.stdout


def test_backends_exit_status_when_configured_device_is_unusable(run_python):
    r = run_python("", args=CLI, THEANO_FLAGS="device=mystery3")
    assert r.returncode == 1
    assert "configured device 'mystery3' is not usable: unknown device 'mystery3'." in r.stdout
    # the table is still printed, once
    assert r.stdout.count("installed theano backends:") == 1


def test_backends_disabled_entry(run_python):
    r = run_python("", plugins=("toy",), args=CLI, THEANO_DISABLE_BACKENDS="toy")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^\s*toy\s+-\s+DISABLED\s+by THEANO_DISABLE_BACKENDS", r.stdout, re.M)
    assert "fix: remove it from THEANO_DISABLE_BACKENDS" in r.stdout


def test_flags_command_shows_values_and_sources(run_python):
    r = run_python("", plugins=("toy",), args=("-m", "theano", "flags"),
                   THEANO_FLAGS="floatX=float32,toy__label=x")
    assert r.returncode == 0, r.stderr
    assert "floatX (THEANO_FLAGS) = 'float32'" in r.stdout
    assert "toy__label (THEANO_FLAGS) = 'x'" in r.stdout
    assert "device (default) = 'cpu'" in r.stdout


def test_no_command_is_a_usage_error(run_python):
    r = run_python("", args=("-m", "theano"))
    assert r.returncode == 2 and "usage: python -m theano" in r.stderr
