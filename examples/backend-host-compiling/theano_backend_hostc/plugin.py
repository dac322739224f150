"""Entry point of the host-compiling example: hook implementations only (cheap to import:
the compiler is looked for by the probe, the backend module imported by the factory)."""
from __future__ import annotations


from theano.backend import BackendRecord, Probe, hookimpl

VERSION = "0.1.0"
NAME = "hostc"


def _probe() -> Probe:
    from .compiler import find_compiler

    if find_compiler() is None:
        return Probe(False, "no C compiler on PATH (looked for $CC, cc, gcc, clang)",
                     fix="apt-get install gcc, or set CC")
    return Probe(True, devices=[NAME], device_info={NAME: f"host CPU, kernels compiled by {find_compiler()}"})


def _factory(device: str):
    from .backend import HostCompilingBackend

    return HostCompilingBackend(device)


@hookimpl
def theano_backends():
    return [BackendRecord(
        name=NAME, api_version=1, priority=-10, version=VERSION, device_prefixes=(NAME,),
        probe=_probe, factory=_factory, description="example host-compiling backend",
        capabilities={
            "cpu": False,  # only when asked for by name
            # What the shared C-family renderer has C types for; the rest is skipped.
            "dtypes": ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                       "uint64", "float32", "float64"),
        })]
