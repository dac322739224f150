"""Discovering backend plugins through entry points, and choosing one for a device."""
from __future__ import annotations

import os
import re
import threading
import warnings
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from . import hookspec
from .records import BackendRecord

__all__ = ["registry", "get_backend", "resolve_device", "UnknownDeviceError", "backends_table"]

ENTRY_POINT_GROUP = "theano.backends"


class UnknownDeviceError(ValueError):
    """The requested device is unknown or unusable; the message lists what is there."""


@dataclass
class PluginFailure:
    name: str
    reason: str


class Registry:
    """Loads each plugin on its own, so one broken plugin is recorded and skipped."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspec.PROJECT)
        self.pm.add_hookspecs(hookspec)
        self.records: dict[str, BackendRecord] = {}
        self.failures: list[PluginFailure] = []
        self.disabled: list[str] = []
        self._loaded = False
        self._lock = threading.RLock()
        self._instances: dict[str, Any] = {}

    def load(self, config: Any) -> None:
        """Load every installed plugin (once); also lets them declare their config flags."""
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            disabled = {s.strip() for s in os.environ.get("THEANO_DISABLE_BACKENDS", "").split(",")
                        if s.strip()}
            try:
                eps = metadata.entry_points(group=ENTRY_POINT_GROUP)
            except Exception as e:  # broken metadata must not break import theano
                self.failures.append(PluginFailure("<entry points>", f"cannot list entry points: {e}"))
                eps = []
            seen = set()
            for ep in sorted(eps, key=lambda e: e.name):
                if ep.name in seen:
                    continue
                seen.add(ep.name)
                if ep.name in disabled:
                    self.disabled.append(ep.name)
                    continue
                self._load_one(ep.name, ep.load, config)

    def register_plugin(self, name: str, plugin: Any, config: Any) -> None:
        """Register an already imported plugin object (used by tests and embedding code)."""
        with self._lock:
            self._load_one(name, lambda: plugin, config)

    def unregister_plugin(self, name: str) -> None:
        with self._lock:
            plugin = self.pm.get_plugin(name)
            if plugin is not None:
                self.pm.unregister(plugin)
            for rname in [r for r, rec in self.records.items() if rec.distribution == name]:
                del self.records[rname]
                for key in [k for k in self._instances if k.startswith(rname + "|")]:
                    del self._instances[key]

    def _load_one(self, name: str, load: Any, config: Any) -> None:
        try:
            plugin = load()
            self.pm.register(plugin, name=name)
        except Exception as e:
            self._fail(name, f"cannot load: {type(e).__name__}: {e}")
            return
        try:
            others = [p for p in self.pm.get_plugins() if p is not plugin]
            caller = self.pm.subset_hook_caller("theano_add_config", remove_plugins=others)
            caller(config=config)
            records = []
            for recs in self.pm.subset_hook_caller("theano_backends", remove_plugins=others)():
                records.extend(recs or [])
        except Exception as e:
            self.pm.unregister(plugin)
            self._fail(name, f"its hooks raised {type(e).__name__}: {e}")
            return
        for rec in records:
            if not isinstance(rec, BackendRecord):
                self._fail(name, f"theano_backends returned {type(rec).__name__}, not BackendRecord")
                continue
            if rec.api_version != hookspec.API_VERSION:
                self._fail(name, f"backend {rec.name!r} is built for plugin API version "
                                 f"{rec.api_version}; this theano has version {hookspec.API_VERSION}")
                continue
            if rec.name in self.records:
                self._fail(name, f"backend name {rec.name!r} is already provided by "
                                 f"{self.records[rec.name].distribution}")
                continue
            rec.distribution = rec.distribution or name
            self.records[rec.name] = rec

    def _fail(self, name: str, reason: str) -> None:
        from ..config import config

        if config.strict_backends:
            raise ImportError(f"theano backend plugin {name!r}: {reason}")
        self.failures.append(PluginFailure(name, reason))
        warnings.warn(f"theano: skipping backend plugin {name!r}: {reason}", stacklevel=3)

    def register_rewrites(self, db: Any) -> None:
        for plugin in self.pm.get_plugins():
            others = [p for p in self.pm.get_plugins() if p is not plugin]
            try:
                self.pm.subset_hook_caller("theano_register_rewrites", remove_plugins=others)(db=db)
            except Exception as e:
                self._fail(self.pm.get_name(plugin) or "?", f"theano_register_rewrites raised {e}")

    # -- devices -----------------------------------------------------------------
    def resolve(self, device: str) -> tuple[BackendRecord, str]:
        """The backend record and canonical device string for `device`."""
        device = (device or "cpu").strip()
        if device == "cpu":
            cpus = [r for r in self.records.values() if r.is_cpu and r.probe_cached().usable]
            if not cpus:
                raise UnknownDeviceError("device 'cpu': no usable CPU backend is installed.\n"
                                         + backends_table(self))
            best = max(cpus, key=lambda r: r.priority)
            devs = best.probe_cached().devices
            return best, devs[0] if devs else best.name
        m = re.fullmatch(r"([a-zA-Z_]+)(\d+(?::\d+)?)?", device)
        if m:
            prefix = m.group(1)
            for rec in self.records.values():
                if prefix in rec.device_prefixes or prefix == rec.name:
                    probe = rec.probe_cached()
                    if not probe.usable:
                        raise UnknownDeviceError(
                            f"device {device!r}: backend {rec.name!r} is installed but unusable: "
                            f"{probe.reason}" + (f" (fix: {probe.fix})" if probe.fix else "")
                            + "\n" + backends_table(self))
                    if m.group(2) is None:
                        if not probe.devices:
                            raise UnknownDeviceError(f"device {device!r}: backend {rec.name!r} "
                                                     f"found no device\n" + backends_table(self))
                        return rec, probe.devices[0]
                    if probe.devices and device not in probe.devices:
                        raise UnknownDeviceError(
                            f"device {device!r} does not exist; backend {rec.name!r} has "
                            f"{', '.join(probe.devices)}\n" + backends_table(self))
                    return rec, device
        raise UnknownDeviceError(f"unknown device {device!r}.\n" + backends_table(self))

    def get(self, device: str) -> Any:
        """The Backend instance for `device` (created once, lazily)."""
        rec, dev = self.resolve(device)
        key = f"{rec.name}|{dev}"
        with self._lock:
            inst = self._instances.get(key)
            if inst is None:
                inst = rec.factory(dev)
                self._instances[key] = inst
        return inst


def backends_table(reg: "Registry | None" = None) -> str:
    """A table of installed backends: version, usable devices, or why unusable and the fix."""
    reg = reg or registry
    lines = ["installed theano backends:"]
    if not reg.records:
        lines.append("  (none)")
    for rec in sorted(reg.records.values(), key=lambda r: -r.priority):
        p = rec.probe_cached()
        if p.usable:
            devs = ", ".join(p.devices) if p.devices else rec.name
            lines.append(f"  {rec.name:<8} {rec.version:<8} usable   devices: {devs}"
                         + (f"  [{rec.description}]" if rec.description else ""))
        else:
            lines.append(f"  {rec.name:<8} {rec.version:<8} UNUSABLE {p.reason}"
                         + (f"; fix: {p.fix}" if p.fix else ""))
    for f in reg.failures:
        lines.append(f"  {f.name:<8} {'-':<8} FAILED   {f.reason}")
    for d in reg.disabled:
        lines.append(f"  {d:<8} {'-':<8} disabled by THEANO_DISABLE_BACKENDS")
    lines.append("'cpu' means the usable CPU backend of highest priority.")
    return "\n".join(lines)


registry = Registry()


def get_backend(device: str | None = None) -> Any:
    from ..config import config

    return registry.get(device or config.device)


def resolve_device(device: str | None = None) -> tuple[BackendRecord, str]:
    from ..config import config

    return registry.resolve(device or config.device)
