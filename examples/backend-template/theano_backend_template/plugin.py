"""Entry point of the template backend: hook implementations only.

theano imports this module while it loads its plugins, so it must stay cheap: no device
runtime, no compiler, not even backend.py (imported by the factory, when first used).
"""
from __future__ import annotations

from pathlib import Path

from theano.backend import BackendRecord, Probe, hookimpl

VERSION = "0.1.0"


def _probe() -> Probe:
    # A real backend imports its runtime here and lists its devices; failures become a
    # reason and a fix, shown by `python -m theano backends`.
    return Probe(True, devices=["template"], device_info={"template": "host memory, pretending"})


def _factory(device: str):
    from .backend import TemplateBackend

    return TemplateBackend(device)


@hookimpl
def theano_backends():
    return [BackendRecord(
        name="template", api_version=1, priority=-10, version=VERSION, device_prefixes=("template",),
        probe=_probe, factory=_factory, description="example third-party backend",
        capabilities={
            "cpu": False,  # never chosen for device=cpu: only when asked for by name
            # No float16 and no complex: the conformance suite skips those cases and says so.
            "dtypes": ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                       "uint64", "float32", "float64"),
            "expected_failures": str(Path(__file__).with_name("expected_failures.txt")),
        })]


@hookimpl
def theano_add_config(config):
    from theano.config import boolean

    config.add("template__native", "Run the template backend's own op implementations (False: "
                                   "every node falls back to the reference)", True, boolean)
