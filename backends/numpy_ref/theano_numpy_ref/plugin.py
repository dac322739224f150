"""Entry point of the reference backend: hook implementations only, nothing heavy."""
import os

from theano.backend import BackendRecord, Probe, hookimpl

VERSION = "0.1.0"


def _probe() -> Probe:
    return Probe(True, devices=["numpy"])


def _factory(device: str):
    from .backend import NumpyBackend

    return NumpyBackend(device)


@hookimpl
def theano_backends():
    return [BackendRecord(
        name="numpy", api_version=1, priority=0, version=VERSION, device_prefixes=("numpy", "py"),
        probe=_probe, factory=_factory,
        capabilities={"cpu": True, "dtypes": ("bool", "int8", "int16", "int32", "int64", "uint8",
                                               "uint16", "uint32", "uint64", "float16", "float32",
                                               "float64", "complex64", "complex128"),
                      "expected_failures": os.path.join(os.path.dirname(__file__), "expected_failures.txt")},
        description="NumPy reference")]
