"""The backend plugin contract: hookspecs, records, the Backend base class, and discovery."""
from .base import Backend, LinkedGraph, link_straight_line
from .hookspec import API_VERSION, hookimpl
from .records import BackendRecord, Probe
from .registry import (BackendLoadError, BackendPluginWarning, PluginFailure, Registry,
                       UnknownDeviceError, backends_table, get_backend, registry, resolve_device)

__all__ = ["API_VERSION", "Backend", "BackendLoadError", "BackendPluginWarning", "BackendRecord",
           "LinkedGraph", "PluginFailure", "Probe", "Registry", "UnknownDeviceError",
           "backends_table", "get_backend", "hookimpl", "link_straight_line", "registry",
           "resolve_device"]
