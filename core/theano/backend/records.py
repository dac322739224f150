"""Declarative records a backend plugin returns, and the result of probing one."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Probe:
    """Whether a backend can run here: usable, and if not why and how to fix it."""

    usable: bool
    reason: str = ""
    fix: str = ""
    devices: list[str] = field(default_factory=list)
    device_info: dict[str, str] = field(default_factory=dict)


@dataclass
class BackendRecord:
    """What a plugin declares about one backend.

    name: the backend's name (``numpy``, ``c``, ``cuda`` ...); device_prefixes: the device
    strings it answers to (``cuda`` answers ``cuda`` and ``cuda0``); priority: higher wins
    for ``device=cpu`` among CPU backends; probe: a cheap function returning a Probe (called
    once, cached); factory: called with a device string, returns a Backend instance;
    capabilities: e.g. ``{"dtypes": (...), "cpu": True}``.
    """

    name: str
    api_version: int
    factory: Callable[[str], Any]
    probe: Callable[[], Probe]
    priority: int = 0
    version: str = "0"
    device_prefixes: tuple[str, ...] = ()
    capabilities: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    distribution: str = ""
    #: the entry-point (plugin) name that provided this record, set when it is registered
    plugin: str = ""
    _probe_result: Probe | None = field(default=None, repr=False)

    def probe_cached(self) -> Probe:
        if self._probe_result is None:
            try:
                self._probe_result = self.probe()
            except Exception as e:  # a probe must never break theano
                self._probe_result = Probe(False, f"probe raised {type(e).__name__}: {e}")
        return self._probe_result

    @property
    def is_cpu(self) -> bool:
        return bool(self.capabilities.get("cpu"))
