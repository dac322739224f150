"""Entry point of the CUDA backend: hook implementations only. CuPy is imported by the probe,
lazily and guarded, so `import theano` works (and lists cuda as unusable, with the reason
and the fix) on machines without CuPy, a GPU or a driver."""
import os

from theano.backend import BackendRecord, Probe, hookimpl
from theano.config import ConfigError

from theano.tensor import device_arrays

from . import device_filter
from .driver import driver_cuda_version, install_hint

VERSION = "0.1.0"

_FIX_GPU = ("run on a machine with an NVIDIA GPU and its driver (nvidia-smi must list the GPU); "
            "CUDA_VISIBLE_DEVICES must not hide it")


def _probe() -> Probe:
    fix_cupy = install_hint(driver_cuda_version())
    try:
        import cupy
    except ImportError as e:
        return Probe(False, f"CuPy is not installed ({e})", fix_cupy)
    except Exception as e:  # a broken CuPy install (e.g. wheel for another CUDA)
        return Probe(False, f"CuPy fails to import: {type(e).__name__}: {e}",
                     "reinstall the CuPy wheel matching the machine's CUDA: " + fix_cupy)
    try:
        n = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as e:
        return Probe(False, f"no usable NVIDIA GPU or driver: cupy.cuda.runtime.getDeviceCount() "
                            f"failed: {type(e).__name__}: {e}", _FIX_GPU)
    if n <= 0:
        return Probe(False, "no NVIDIA GPU: cupy.cuda.runtime.getDeviceCount() is 0", _FIX_GPU)
    devices = [f"cuda{i}" for i in range(n)]
    info = {}
    for i, d in enumerate(devices):
        try:
            props = cupy.cuda.runtime.getDeviceProperties(i)
            name = props.get("name", b"")
            name = name.decode() if isinstance(name, bytes) else str(name)
            info[d] = f"{name}, compute capability {props.get('major')}.{props.get('minor')}, " \
                      f"{props.get('totalGlobalMem', 0) / 2 ** 30:.0f} GiB"
        except Exception:  # the description is optional; the device is still there
            info[d] = "NVIDIA GPU"
    return Probe(True, devices=devices, device_info=info)


def block_size(v) -> int:
    """Parse cuda__block_size: whole warps, and no more threads than a block may have."""
    try:
        n = int(str(v).strip())
    except ValueError:
        raise ConfigError(f"must be an integer; got {v!r}") from None
    if n < 32 or n > 1024 or n % 32:
        raise ConfigError(f"must be a multiple of 32 (the warp size) from 32 to 1024 (CUDA's limit "
                          f"of threads per block); got {n}")
    return n


def _factory(device: str):
    from .backend import CudaBackend

    return CudaBackend(device)


@hookimpl
def theano_add_config(config):
    device_arrays.register(device_filter.provider)  # CuPy arrays as values (never imports CuPy)
    from theano.config import boolean

    config.add("cuda__block_size", "Threads per block of the cuda backend's elementwise kernels "
               "(a multiple of 32, the warp size, from 32 to 1024)", 256, block_size)
    config.add("cuda__fast_math", "Compile the cuda backend's kernels with --use_fast_math "
                                  "(faster, less accurate transcendental functions)", False, boolean)


@hookimpl
def theano_backends():
    return [BackendRecord(
        name="cuda", api_version=1, priority=20, version=VERSION, device_prefixes=("cuda", "gpu"),
        probe=_probe, factory=_factory,
        # Not a CPU backend: device=cpu never picks it. Every NumPy dtype CuPy stores is
        # accepted; float16 and complex arithmetic falls back per node.
        capabilities={"dtypes": ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                 "uint32", "uint64", "float16", "float32", "float64", "complex64",
                                 "complex128"),
                      "expected_failures": os.path.join(os.path.dirname(__file__),
                                                        "expected_failures.txt")},
        description="CuPy, NVRTC kernels, cuBLAS")]
