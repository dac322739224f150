"""Entry point of the OpenCL backend: hook implementations only. PyOpenCL is imported by the
probe and the factory, never at plugin load."""
import os

from theano.backend import BackendRecord, Probe, hookimpl

VERSION = "0.1.0"


def _probe() -> Probe:
    from .runtime import probe

    return probe()


def _factory(device: str):
    from .backend import OpenCLBackend

    return OpenCLBackend(device)


@hookimpl
def theano_backends():
    # Not a CPU backend even on PoCL: device=cpu must never pick it (capabilities has no cpu).
    # float64 is listed because most OpenCL devices (PoCL, desktop GPUs) have cl_khr_fp64;
    # on one without it, compiling a float64 graph is an error that says to use float32.
    return [BackendRecord(
        name="opencl", api_version=1, priority=5, version=VERSION, device_prefixes=("opencl",),
        probe=_probe, factory=_factory,
        capabilities={"dtypes": ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                 "uint32", "uint64", "float16", "float32", "float64", "complex64",
                                 "complex128"),
                      "expected_failures": os.path.join(os.path.dirname(__file__), "expected_failures.txt")},
        description="OpenCL kernels via PyOpenCL")]
