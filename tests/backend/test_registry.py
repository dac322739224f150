"""The Registry in-process: per-plugin loading, checks on records, device resolution, the table.

Each test uses a fresh Registry (and a fresh Config for plugin flags), never the global one,
so nothing leaks into other tests.
"""
from __future__ import annotations

import types
import warnings

import numpy as np
import pytest

import theano
from theano.backend.registry import registry
from theano import tensor as T
from theano.backend import (API_VERSION, BackendLoadError, BackendPluginWarning, BackendRecord,
                            Probe, Registry, UnknownDeviceError, backends_table, hookimpl)
import importlib
from theano.config import Config, ConfigError

from .conftest import toy_module

# `theano.backend.registry` is also the name of the Registry instance; get the module itself.
registry_module = importlib.import_module("theano.backend.registry")


def _numpy_plugin():
    import theano_numpy_ref.plugin

    return theano_numpy_ref.plugin


def _plugin(**hooks) -> types.ModuleType:
    """A plugin module whose attributes are the given hook implementations (pluggy needs a
    hashable object, as an entry point's module is)."""
    mod = types.ModuleType("test_plugin")
    for k, v in hooks.items():
        setattr(mod, k, hookimpl(v))
    return mod


def _record(name="x", api_version=API_VERSION, priority=0, usable=True, devices=None, cpu=True,
            reason="", fix="", factory=None) -> BackendRecord:
    devices = [name] if devices is None else devices
    return BackendRecord(name=name, api_version=api_version, priority=priority,
                         probe=lambda: Probe(usable, reason, fix, devices=list(devices)),
                         factory=factory or (lambda dev: ("instance", name, dev)),
                         device_prefixes=(name,), capabilities={"cpu": cpu})


@pytest.fixture
def reg(monkeypatch):
    monkeypatch.delenv("THEANO_DISABLE_BACKENDS", raising=False)
    return Registry()


@pytest.fixture
def cfg():
    return Config()


def test_register_records_and_distribution(reg, cfg):
    reg.register_plugin("numpy", _numpy_plugin(), cfg, distribution="theano-numpy-ref")
    rec = reg.records["numpy"]
    assert rec.plugin == "numpy" and rec.distribution == "theano-numpy-ref"
    assert reg.failures == []


def test_plugin_whose_hook_raises_is_skipped_and_unregistered(reg, cfg):
    def theano_backends():
        raise KeyError("oops")

    with pytest.warns(BackendPluginWarning, match=r"'bad'.*theano_backends hook raised KeyError"):
        reg.register_plugin("bad", _plugin(theano_backends=theano_backends), cfg)
    assert reg.records == {}
    assert [f.name for f in reg.failures] == ["bad"]
    assert reg.pm.get_plugin("bad") is None  # its other hooks (rewrites) will not be called


def test_record_of_wrong_type_is_rejected(reg, cfg):
    with pytest.warns(BackendPluginWarning, match="returned dict, not BackendRecord"):
        reg.register_plugin("bad", _plugin(theano_backends=lambda: [{"name": "x"}]), cfg)
    assert reg.records == {}


def test_api_version_mismatch_names_both_versions_and_skips_config(reg, cfg):
    called = []
    plugin = _plugin(theano_backends=lambda: [_record("v2", api_version=API_VERSION + 1)],
                     theano_add_config=lambda config: called.append(config))
    with pytest.warns(BackendPluginWarning) as w:
        reg.register_plugin("v2", plugin, cfg)
    msg = str(w[0].message)
    assert f"API version {API_VERSION + 1}" in msg and f"implements API version {API_VERSION}" in msg
    assert "v2" not in reg.records
    assert called == []  # a plugin for another API must not touch this config


def test_duplicate_backend_name_keeps_the_first(reg, cfg):
    reg.register_plugin("a", _plugin(theano_backends=lambda: [_record("same", priority=1)]), cfg)
    with pytest.warns(BackendPluginWarning, match="already provided by a"):
        reg.register_plugin("b", _plugin(theano_backends=lambda: [_record("same", priority=9)]), cfg)
    assert reg.records["same"].priority == 1


def test_add_config_hook_declares_flags(reg, cfg):
    reg.register_plugin("toy", toy_module("toy"), cfg)
    assert cfg.toy__label == "plain"
    cfg.toy__label = "x"
    assert cfg.toy.label == "x"  # section access, as for c.cxxflags


def test_pending_user_flag_reaches_plugin_flag(reg):
    cfg = Config()
    cfg.load_user_settings({"THEANO_FLAGS": "toy__label=fromenv", "THEANORC": ""})
    reg.register_plugin("toy", toy_module("toy"), cfg)
    assert cfg.toy__label == "fromenv"
    assert cfg.check_unknown() == []


def test_unknown_flag_of_no_plugin_is_an_error():
    cfg = Config()
    cfg.load_user_settings({"THEANO_FLAGS": "nosuch__flag=1", "THEANORC": ""})
    with pytest.raises(ConfigError, match="nosuch__flag"):
        cfg.check_unknown()


def test_strict_backends_raises(reg, cfg):
    def theano_backends():
        raise RuntimeError("boom")

    with theano.config.change_flags(strict_backends=True):
        with pytest.raises(BackendLoadError, match="boom.*strict_backends"):
            reg.register_plugin("bad", _plugin(theano_backends=theano_backends), cfg)


def test_disable_by_plugin_or_backend_name(reg, cfg, monkeypatch):
    monkeypatch.setenv("THEANO_DISABLE_BACKENDS", "off1, off2")
    reg.register_plugin("off1", _plugin(theano_backends=lambda: [_record("r1")]), cfg)
    # a plugin providing two backends, one of them disabled by its backend name
    reg.register_plugin("multi", _plugin(theano_backends=lambda: [_record("off2"), _record("on")]), cfg)
    assert sorted(reg.records) == ["on"]
    assert sorted(reg.disabled) == ["off1", "off2"]
    with pytest.raises(UnknownDeviceError, match="disabled by THEANO_DISABLE_BACKENDS"):
        reg.resolve("off2")


def test_probe_that_raises_makes_the_backend_unusable_not_theano(reg, cfg):
    def boom():
        raise OSError("no driver")

    rec = BackendRecord(name="gpu", api_version=API_VERSION, probe=boom, factory=lambda d: None,
                        device_prefixes=("gpu",))
    reg.register_plugin("gpu", _plugin(theano_backends=lambda: [rec]), cfg)
    with pytest.raises(UnknownDeviceError, match="unusable: probe raised OSError: no driver"):
        reg.resolve("gpu0")


def test_probe_is_called_once(reg, cfg):
    calls = []

    def probe():
        calls.append(1)
        return Probe(True, devices=["p"])

    rec = BackendRecord(name="p", api_version=API_VERSION, probe=probe, factory=lambda d: d)
    reg.register_plugin("p", _plugin(theano_backends=lambda: [rec]), cfg)
    reg.resolve("p"), reg.resolve("p"), backends_table(reg)
    assert calls == [1]


# -- device resolution -------------------------------------------------------------


def _three(reg, cfg):
    reg.register_plugin("lo", _plugin(theano_backends=lambda: [_record("lo", priority=1)]), cfg)
    reg.register_plugin("hi", _plugin(theano_backends=lambda: [_record("hi", priority=5,
                                                                       usable=False,
                                                                       reason="no hardware",
                                                                       fix="buy one")]), cfg)
    reg.register_plugin("mid", _plugin(theano_backends=lambda: [_record("mid", priority=3)]), cfg)
    reg.register_plugin("gpu", _plugin(theano_backends=lambda: [
        _record("gpu", priority=100, cpu=False, devices=["gpu0", "gpu1"])]), cfg)


def test_cpu_is_the_usable_cpu_backend_of_highest_priority(reg, cfg):
    _three(reg, cfg)
    # hi is unusable and gpu is not a CPU backend, whatever their priority; skipping hi is said once
    with pytest.warns(BackendPluginWarning, match=r"'hi' is unusable here \(no hardware; fix: buy one\), "
                                                  r"so 'mid' runs instead"):
        rec, dev = reg.resolve("cpu")
    assert (rec.name, dev) == ("mid", "mid")
    assert reg.resolve("CPU")[0].name == "mid"


def test_cpu_tie_is_broken_by_name_not_by_load_order(cfg):
    for order in (("b", "a"), ("a", "b")):
        reg = Registry()
        for n in order:
            reg.register_plugin(n, _plugin(theano_backends=lambda n=n: [_record(n, priority=2)]), cfg)
        assert reg.resolve("cpu")[0].name == "a"


def test_device_numbers_and_prefixes(reg, cfg):
    _three(reg, cfg)
    assert reg.resolve("gpu") [1] == "gpu0"
    assert reg.resolve("gpu1")[1] == "gpu1"
    with pytest.raises(UnknownDeviceError, match="'gpu7' does not exist; backend 'gpu' has gpu0, gpu1"):
        reg.resolve("gpu7")


def test_unusable_device_error_has_reason_and_fix(reg, cfg):
    _three(reg, cfg)
    with pytest.raises(UnknownDeviceError) as e:
        reg.resolve("hi")
    msg = str(e.value)
    assert "backend 'hi' is installed but unusable: no hardware (fix: buy one)" in msg


def test_unknown_device_lists_what_is_installed(reg, cfg):
    _three(reg, cfg)
    with pytest.raises(UnknownDeviceError) as e:
        reg.resolve("tpu")
    msg = str(e.value)
    assert msg.startswith("unknown device 'tpu'.")
    for name in ("lo", "mid", "hi", "gpu"):
        assert f"\n  {name} " in msg
    assert "no hardware" in msg and "fix: buy one" in msg


def test_no_cpu_backend(reg):
    with pytest.raises(UnknownDeviceError, match="no usable CPU backend"):
        reg.resolve("cpu")


def test_failed_plugin_device_says_it_failed(reg, cfg):
    with pytest.warns(BackendPluginWarning):
        reg.register_plugin("cuda", _plugin(theano_backends=lambda: 1 / 0), cfg)
    with pytest.raises(UnknownDeviceError, match="'cuda0': its backend plugin failed to load"):
        reg.resolve("cuda0")


def test_get_creates_one_instance_per_device(reg, cfg):
    made = []

    def factory(dev):
        made.append(dev)
        return object()

    reg.register_plugin("g", _plugin(theano_backends=lambda: [
        _record("g", devices=["g0", "g1"], factory=factory)]), cfg)
    assert reg.get("g0") is reg.get("g") is reg.get("g0")
    assert reg.get("g1") is not reg.get("g0")
    assert made == ["g0", "g1"]


def test_unregister_plugin_forgets_its_backends(reg, cfg):
    reg.register_plugin("toy", toy_module("toy"), cfg)
    reg.get("toy0")
    reg.unregister_plugin("toy")
    assert "toy" not in reg.records
    with pytest.raises(UnknownDeviceError):
        reg.get("toy0")


# -- the table -------------------------------------------------------------------


def test_table_columns(reg, cfg):
    _three(reg, cfg)
    with pytest.warns(BackendPluginWarning):
        reg.register_plugin("bad", _plugin(theano_backends=lambda: 1 / 0), cfg, "theano-bad", "9.9")
    lines = backends_table(reg).splitlines()
    assert lines[1].split() == ["backend", "version", "status", "details"]
    rows = {ln.split()[0]: ln for ln in lines[2:] if ln.startswith("  ") and ln.split()[0] != "fix:"
            and not ln.startswith("    ")}
    # sorted by priority, highest first; usable ones show devices
    names = [ln.split()[0] for ln in lines[2:] if ln.startswith("  ") and not ln[2].isspace()]
    assert names == ["gpu", "hi", "mid", "lo", "bad"]
    assert "usable" in rows["gpu"] and "devices: gpu0, gpu1" in rows["gpu"]
    assert "; cpu backend, priority 3" in rows["mid"]
    assert "cpu backend" not in rows["gpu"] and "priority 100" in rows["gpu"]
    assert "UNUSABLE" in rows["hi"] and "no hardware" in rows["hi"]
    hi_at = lines.index(rows["hi"])
    assert lines[hi_at + 1].strip() == "fix: buy one"
    assert "FAILED" in rows["bad"] and "9.9" in rows["bad"] and "ZeroDivisionError" in rows["bad"]
    assert "pip uninstall theano-bad" in lines[lines.index(rows["bad"]) + 1]


def test_table_with_nothing_installed_says_what_to_install(reg):
    assert "pip install theano-numpy-ref" in backends_table(reg)


# -- the global registry and theano.function -----------------------------------------


@pytest.fixture
def global_reg(monkeypatch, cfg):
    """Swap the module-level registry for one with numpy and the toy backend."""
    reg = Registry()
    reg.register_plugin("numpy", _numpy_plugin(), cfg)
    reg.register_plugin("toy", toy_module("toy", priority=10), cfg)
    monkeypatch.setattr(registry_module, "registry", reg)
    return reg


def test_function_device_argument(global_reg):
    x = T.dvector("x")
    f_np = theano.function([x], x * 3, device="numpy")
    f_toy = theano.function([x], x * 3, device="toy1")
    f_cpu = theano.function([x], x * 3, device="cpu")
    assert f_np.backend.name == "numpy"
    assert (f_toy.backend.name, f_toy.backend.device) == ("toy", "toy1")
    assert f_cpu.backend.name == "toy"  # priority 10 > 0
    for f in (f_np, f_toy, f_cpu):
        np.testing.assert_allclose(f(np.array([1.0, 2.0])), [3.0, 6.0])


def test_config_device_is_the_default(global_reg):
    x = T.dvector("x")
    with theano.config.change_flags(device="numpy"):
        assert theano.function([x], x + 1).backend.name == "numpy"
    with theano.config.change_flags(device="toy"):
        assert theano.function([x], x + 1).backend.name == "toy"


def test_function_with_unknown_device(global_reg):
    x = T.dvector("x")
    with pytest.raises(UnknownDeviceError, match=r"unknown device 'opencl0:0'") as e:
        theano.function([x], x + 1, device="opencl0:0")
    assert "\n  numpy " in str(e.value) and "\n  toy " in str(e.value)


def test_numpy_device_and_py_alias_work_on_the_real_registry():
    x = T.dvector("x")
    for dev in ("numpy", "py"):
        f = theano.function([x], T.exp(x), device=dev)
        assert f.backend.name == "numpy"
        np.testing.assert_allclose(f(np.zeros(2)), [1.0, 1.0])
    # cpu: the usable CPU backend of highest priority among those installed here
    cpus = [r for r in registry.records.values() if r.is_cpu and r.probe_cached().usable]
    best = max(cpus, key=lambda r: (r.priority, [-ord(c) for c in r.name]))
    assert theano.function([x], T.exp(x), device="cpu").backend.name == best.name


def test_reference_backend_links_one_straight_line_function():
    x = T.dvector("x")
    f = theano.function([x], T.exp(x) * 2 + T.log(x), device="numpy")
    src = f.linked.source
    n = len(f.maker.fgraph.toposort())
    # one call per node, no loop over nodes in the generated driver
    assert src.count("= f") == n
    assert "for " not in src and "while " not in src
    assert set(f.linked.runners.values()) == {"numpy"}


def test_backend_pickles_by_device():
    import pickle

    b = registry_module.get_backend("numpy")
    assert pickle.loads(pickle.dumps(b)) is b


def test_no_warning_on_plain_import():
    import subprocess
    import sys

    from .conftest import clean_env

    r = subprocess.run([sys.executable, "-W", "error::Warning", "-c", "import theano"],
                       capture_output=True, text=True, env=clean_env())
    assert r.returncode == 0, r.stderr
