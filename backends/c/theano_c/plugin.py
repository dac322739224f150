"""Entry point of the C backend: hook implementations only; the compiler is probed lazily."""
import os

from theano.backend import BackendRecord, Probe, hookimpl

VERSION = "0.1.0"


def _probe() -> Probe:
    # Imported on first use: listing the plugins must not load the toolchain.
    from .probe import probe

    return probe()


def _factory(device: str):
    from .backend import CBackend

    return CBackend(device)


@hookimpl
def theano_add_config(config):
    from theano.config import boolean, enum

    config.add("c__compiler", "The C compiler of the c backend (default: $CC, then Python's CC, cc, gcc)", "")
    config.add("c__cflags", "Optimization flags of the c backend (part of the cache key)",
               "-O3 -march=native -fno-math-errno -fno-trapping-math")
    config.add("c__openmp", "Let the c backend parallelize large loops with OpenMP", True, boolean)
    config.add("c__blas", "Which BLAS the c backend's products call: auto (NumPy's bundled OpenBLAS "
               "when found, else SciPy's), numpy or scipy", "auto", enum("auto", "numpy", "scipy"))


@hookimpl
def theano_backends():
    return [BackendRecord(
        name="c", api_version=1, priority=10, version=VERSION, device_prefixes=("c",),
        probe=_probe, factory=_factory,
        capabilities={"cpu": True, "dtypes": ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                               "uint32", "uint64", "float32", "float64", "complex64",
                                               "complex128"),
                      "expected_failures": os.path.join(os.path.dirname(__file__), "expected_failures.txt")},
        description="C kernels, gcc")]
