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
from ..config import FlagValueError
from .records import BackendRecord
from ..config import config

__all__ = ["registry", "get_backend", "resolve_device", "UnknownDeviceError", "BackendLoadError",
           "BackendPluginWarning", "PluginFailure", "Registry", "backends_table"]

ENTRY_POINT_GROUP = "theano.backends"


class UnknownDeviceError(ValueError):
    """The requested device is unknown or unusable; the message lists what is there."""


class BackendPluginWarning(UserWarning):
    """A backend plugin was skipped (filter on this category to silence or escalate it)."""


class BackendLoadError(ImportError):
    """A backend plugin failed to load while ``config.strict_backends`` is set."""


@dataclass
class PluginFailure:
    """A plugin that was skipped: its entry-point name, why, and what to do about it."""

    name: str
    reason: str
    fix: str = ""
    distribution: str = ""
    version: str = ""


def _disabled_names(environ: Any = None) -> set[str]:
    environ = os.environ if environ is None else environ
    return {s.strip() for s in environ.get("THEANO_DISABLE_BACKENDS", "").split(",") if s.strip()}


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
        self._noted: set[str] = set()  # CPU backends already reported unusable for device "cpu"

    def load(self, config: Any) -> None:
        """Load every installed plugin (once); also lets them declare their config flags."""
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            disabled = _disabled_names()
            try:
                eps = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
            except Exception as e:  # broken metadata must not break import theano
                self._fail("<entry points>", f"cannot list entry points: {e}",
                           "reinstall the distribution whose metadata is broken")
                eps = []
            seen = set()
            for ep in sorted(eps, key=lambda e: e.name):
                # The same distribution can be visible twice on sys.path (e.g. an editable
                # install plus a copy); the first one found wins, as for imports.
                if ep.name in seen:
                    continue
                seen.add(ep.name)
                dist = getattr(ep, "dist", None)
                dname = (getattr(dist, "name", None) or "") if dist is not None else ""
                dversion = (getattr(dist, "version", None) or "") if dist is not None else ""
                if ep.name in disabled:
                    self.disabled.append(ep.name)
                    continue
                self._load_one(ep.name, ep.load, config, dname, dversion, disabled)

    def register_plugin(self, name: str, plugin: Any, config: Any, distribution: str = "",
                        version: str = "") -> None:
        """Register an already imported plugin object, through the same checks as an entry
        point (used by tests and by code that embeds theano)."""
        with self._lock:
            if name in _disabled_names():
                self.disabled.append(name)
                return
            self._load_one(name, lambda: plugin, config, distribution, version, _disabled_names())

    def unregister_plugin(self, name: str) -> None:
        with self._lock:
            plugin = self.pm.get_plugin(name)
            if plugin is not None:
                self.pm.unregister(plugin)
            for rname in [r for r, rec in self.records.items() if rec.plugin == name]:
                del self.records[rname]
                for key in [k for k in self._instances if k.startswith(rname + "|")]:
                    del self._instances[key]
            self.failures = [f for f in self.failures if f.name != name]

    def _load_one(self, name: str, load: Any, config: Any, dist: str = "", dist_version: str = "",
                  disabled: set[str] = frozenset()) -> None:
        where = f" (distribution {dist} {dist_version})" if dist else ""
        reinstall = (f"reinstall or upgrade it (pip install -U {dist}), or uninstall it "
                     f"(pip uninstall {dist})" if dist else "fix or remove the plugin")
        reinstall += f"; THEANO_DISABLE_BACKENDS={name} skips it"
        try:
            plugin = load()
            self.pm.register(plugin, name=name)
        except Exception as e:
            self._fail(name, f"cannot load{where}: {type(e).__name__}: {e}", reinstall, dist,
                       dist_version)
            return
        # Hooks are called for this plugin alone, so another plugin's bug cannot be blamed on
        # it. The records are checked before theano_add_config runs: a plugin built for
        # another API version must not touch this theano's config.
        others = [p for p in self.pm.get_plugins() if p is not plugin]
        try:
            records = []
            for recs in self.pm.subset_hook_caller("theano_backends", remove_plugins=others)():
                records.extend(recs or [])
        except Exception as e:
            self.pm.unregister(plugin)
            self._fail(name, f"its theano_backends hook raised {type(e).__name__}: {e}", reinstall,
                       dist, dist_version)
            return
        accepted = []
        for rec in records:
            if not isinstance(rec, BackendRecord):
                self._fail(name, f"theano_backends returned {type(rec).__name__}, not BackendRecord",
                           reinstall, dist, dist_version)
                continue
            if rec.api_version != hookspec.API_VERSION:
                self._fail(name, f"backend {rec.name!r} is built for theano plugin API version "
                                 f"{rec.api_version}, but this theano implements API version "
                                 f"{hookspec.API_VERSION}",
                           f"install a release of {dist or name} made for plugin API version "
                           f"{hookspec.API_VERSION}" + (", or a theano made for API version "
                                                        f"{rec.api_version}"),
                           dist, dist_version)
                continue
            if rec.name in self.records:
                self._fail(name, f"backend name {rec.name!r} is already provided by "
                                 f"{self.records[rec.name].distribution or self.records[rec.name].plugin}",
                           "uninstall one of the two distributions", dist, dist_version)
                continue
            if rec.name in disabled:
                self.disabled.append(rec.name)
                continue
            accepted.append(rec)
        if not accepted:
            # Nothing of it will run: drop it so its other hooks (rewrites) are not called.
            self.pm.unregister(plugin)
            return
        try:
            self.pm.subset_hook_caller("theano_add_config", remove_plugins=others)(config=config)
        except FlagValueError:
            raise  # a bad value the user gave one of the plugin's flags: theirs to fix, as for core flags
        except Exception as e:
            self.pm.unregister(plugin)
            self._fail(name, f"its theano_add_config hook raised {type(e).__name__}: {e}", reinstall,
                       dist, dist_version)
            return
        for rec in accepted:
            rec.plugin = name
            rec.distribution = rec.distribution or dist or name
            if rec.version in ("", "0") and dist_version:
                rec.version = dist_version
            self.records[rec.name] = rec

    def _fail(self, name: str, reason: str, fix: str = "", dist: str = "", version: str = "") -> None:
        if config.strict_backends:
            raise BackendLoadError(f"theano backend plugin {name!r}: {reason}"
                                   + (f" (fix: {fix})" if fix else "")
                                   + " [raised because config.strict_backends is True]")
        self.failures.append(PluginFailure(name, reason, fix, dist, version))
        # Attributed to a pseudo-file: pointing at registry.py's source line (or at whichever
        # import happened to trigger loading) would only distract from the message.
        warnings.warn_explicit(f"theano: skipping backend plugin {name!r}: {reason}"
                               + (f" (fix: {fix})" if fix else ""), BackendPluginWarning,
                               "<theano backend plugins>", 0)

    def register_rewrites(self, db: Any) -> None:
        for plugin in self.pm.get_plugins():
            others = [p for p in self.pm.get_plugins() if p is not plugin]
            try:
                self.pm.subset_hook_caller("theano_register_rewrites", remove_plugins=others)(db=db)
            except Exception as e:
                self._fail(self.pm.get_name(plugin) or "?",
                           f"theano_register_rewrites raised {type(e).__name__}: {e}")

    # -- devices -----------------------------------------------------------------
    def _error(self, msg: str) -> UnknownDeviceError:
        return UnknownDeviceError(msg + "\n" + backends_table(self))

    def _note_unusable_cpus(self, chosen: BackendRecord) -> None:
        """Warn once when device 'cpu' skips a preferred CPU backend that is unusable here
        (the C backend without Python's headers, say): the user should know why it is slower."""
        for rec in self.records.values():
            if rec.is_cpu and rec.priority > chosen.priority and rec.name not in self._noted:
                probe = rec.probe_cached()
                if not probe.usable:
                    self._noted.add(rec.name)
                    warnings.warn(f"device 'cpu': backend {rec.name!r} is unusable here ({probe.reason}"
                                  + (f"; fix: {probe.fix}" if probe.fix else "")
                                  + f"), so {chosen.name!r} runs instead", BackendPluginWarning, stacklevel=3)

    def resolve(self, device: str) -> tuple[BackendRecord, str]:
        """The backend record and canonical device string for `device`."""
        requested = device
        device = (device or "cpu").strip().lower()
        if device == "cpu":
            cpus = [r for r in self.records.values() if r.is_cpu and r.probe_cached().usable]
            if not cpus:
                raise self._error("device 'cpu': no usable CPU backend is installed.")
            # Ties go to the first name alphabetically, so the choice never depends on the
            # order in which entry points happen to be listed.
            best = min(cpus, key=lambda r: (-r.priority, r.name))
            self._note_unusable_cpus(best)
            devs = best.probe_cached().devices
            return best, devs[0] if devs else best.name
        # A device a backend lists by its exact name wins over prefix matching.
        for rec in self.records.values():
            probe = rec.probe_cached()
            if probe.usable and device in probe.devices:
                return rec, device
        m = re.fullmatch(r"(.*?)(\d+(?::\d+)?)?", device)
        prefix, number = (m.group(1), m.group(2)) if m else (device, None)
        for rec in self.records.values():
            if device != rec.name and prefix not in rec.device_prefixes and prefix != rec.name:
                continue
            probe = rec.probe_cached()
            if not probe.usable:
                raise self._error(
                    f"device {requested!r}: backend {rec.name!r} is installed but unusable: "
                    f"{probe.reason}" + (f" (fix: {probe.fix})" if probe.fix else ""))
            if number is None or device == rec.name:
                if not probe.devices:
                    raise self._error(f"device {requested!r}: backend {rec.name!r} found no device.")
                return rec, probe.devices[0]
            if probe.devices and device not in probe.devices:
                raise self._error(f"device {requested!r} does not exist; backend {rec.name!r} has "
                                  f"{', '.join(probe.devices)}.")
            return rec, device
        for f in self.failures:
            if f.name in (device, prefix):
                raise self._error(f"device {requested!r}: its backend plugin failed to load: "
                                  f"{f.reason}")
        if device in self.disabled or prefix in self.disabled:
            raise self._error(f"device {requested!r}: its backend is disabled by "
                              f"THEANO_DISABLE_BACKENDS.")
        raise self._error(f"unknown device {requested!r}.")

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
    rows: list[tuple[str, str, str, str]] = []
    recs = sorted(reg.records.values(), key=lambda r: (-r.priority, r.name))
    for rec in recs:
        p = rec.probe_cached()
        if p.usable:
            devs = ", ".join(p.devices) if p.devices else rec.name
            kind = "cpu backend, " if rec.is_cpu else ""
            desc = f"  [{rec.description}]" if rec.description else ""
            rows.append((rec.name, rec.version, "usable", f"devices: {devs}; {kind}priority "
                                                           f"{rec.priority}{desc}"))
        else:
            rows.append((rec.name, rec.version, "UNUSABLE", p.reason))
            if p.fix:
                rows.append(("", "", "", f"fix: {p.fix}"))
    for f in reg.failures:
        rows.append((f.name, f.version or "-", "FAILED", f.reason))
        if f.fix:
            rows.append(("", "", "", f"fix: {f.fix}"))
    for d in reg.disabled:
        rows.append((d, "-", "DISABLED", "by THEANO_DISABLE_BACKENDS"))
        rows.append(("", "", "", "fix: remove it from THEANO_DISABLE_BACKENDS"))
    lines = ["installed theano backends:"]
    if not rows:
        lines.append("  (none: install one, e.g. pip install theano-numpy-ref)")
    else:
        w0 = max(len("backend"), *(len(r[0]) for r in rows))
        w1 = max(len("version"), *(len(r[1]) for r in rows))
        w2 = max(len("status"), *(len(r[2]) for r in rows))
        lines.append(f"  {'backend':<{w0}}  {'version':<{w1}}  {'status':<{w2}}  details")
        for r in rows:
            lines.append(f"  {r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]:<{w2}}  {r[3]}".rstrip())
    lines.append("device=cpu means the usable CPU backend of highest priority.")
    return "\n".join(lines)


registry = Registry()


def get_backend(device: str | None = None) -> Any:
    return registry.get(device or config.device)


def resolve_device(device: str | None = None) -> tuple[BackendRecord, str]:
    return registry.resolve(device or config.device)
