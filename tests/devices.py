"""The devices a test may run on, each skipped with the reason where it is not usable here:
`@pytest.mark.parametrize("device", DEVICES)` runs a test on the reference, the default CPU
backend, OpenCL and CUDA alike."""
from __future__ import annotations

import pytest

from theano.backend.registry import resolve_device


def usable(device: str) -> bool:
    """Whether `device` resolves to a usable backend on this machine."""
    try:
        resolve_device(device)
        return True
    except Exception:  # unknown, unusable or failed plugin: all mean "not here"
        return False


DEVICES = [pytest.param(d, marks=pytest.mark.skipif(not usable(d), reason=f"{d} is not usable here"))
           for d in ("numpy", "cpu", "opencl", "cuda")]
