"""The OpenCL tests run for real on whatever OpenCL device is installed (PoCL in CI); they are
skipped, with the probe's reason, only when PyOpenCL or an OpenCL driver is missing."""
from __future__ import annotations

import pytest


def _usable() -> tuple[bool, str]:
    try:
        import pyopencl  # noqa: F401
    except ImportError as e:
        return False, f"pyopencl is not installed ({e}): pip install pyopencl"
    from theano.backend.registry import registry

    rec = registry.records.get("opencl")
    if rec is None:
        return False, "the opencl backend is not installed: pip install -e backends/opencl"
    p = rec.probe_cached()
    return p.usable, f"{p.reason} (fix: {p.fix})"


def pytest_collection_modifyitems(config, items):
    ok, why = _usable()
    if ok:
        return
    skip = pytest.mark.skip(reason=f"OpenCL is unusable here: {why}")
    for item in items:
        if "backends/opencl/tests/" in str(item.fspath).replace("\\", "/") and "test_opencl_probe" not in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def backend():
    from theano.backend.registry import get_backend

    return get_backend("opencl")


@pytest.fixture(autouse=True)
def _every_program_builds_with_its_cut_header():
    """Every program these tests build on PoCL builds with only the builtin declarations it
    names (lean_header): one that needs the whole header is a declaration the cut lost."""
    from theano_opencl import runtime

    yield
    for rt in runtime._runtimes.values():
        assert rt.lean_missed == 0, (f"{rt.lean_missed} program(s) on {rt.name} built only with the "
                                     f"whole builtin header")
