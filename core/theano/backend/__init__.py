"""The backend plugin contract: hookspecs, records, the Backend base class with its link step,
the lowering contract (Plan, lowering tables, the host fallback), and discovery."""
from .base import Backend, LinkedGraph, link_straight_line
from .hookspec import API_VERSION, hookimpl
from .lowering import (FALLBACK_RUNNER, HOST_RUNNER, LoweringTable, Plan, all_inputs, constants_on_host,
                       fallback, host, host_fallback, host_side, lowering_table)
from .records import BackendRecord, Probe
from .registry import (BackendLoadError, BackendPluginWarning, PluginFailure, Registry,
                       UnknownDeviceError, backends_table, get_backend, registry, resolve_device)

__all__ = ["API_VERSION", "Backend", "BackendLoadError", "BackendPluginWarning", "BackendRecord",
           "FALLBACK_RUNNER", "HOST_RUNNER", "LinkedGraph", "LoweringTable", "Plan", "PluginFailure", "Probe",
           "Registry", "UnknownDeviceError", "all_inputs", "backends_table", "constants_on_host",
           "fallback", "get_backend", "hookimpl", "host", "host_fallback", "host_side", "link_straight_line",
           "lowering_table", "registry", "resolve_device"]
