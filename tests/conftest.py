"""Options shared by the whole test tree.

The README's test command runs the tests once on the default device and then again on every
other usable device (scripts/ci_backends.py). Tests that never depend on the `device` flag,
because they pin their backend or compile nothing, need to run only once: the second and
later runs pass `--device-dependent`, which deselects them. The list names folders and files
under tests/; a test that starts to depend on the device must leave it. A test
parametrized by `device` with a device name pins its device the same way (a None device
means "the flag's", and stays). The backends' own tests (backends/<name>/tests) pin their
backend and run only in the main run.
"""
from __future__ import annotations

import gc
from pathlib import Path

TESTS = Path(__file__).resolve().parent

# Folders and files whose tests give the same result whatever THEANO_FLAGS' device is.
DEVICE_INDEPENDENT = (
    "backend",        # the registry and plugin loading
    "conformance",    # run the suite on named backends
    "distributed",    # mpirun children start with THEANO_FLAGS removed
    "graph",          # graph structures, nothing compiled
    "kernel",         # the renderer and its C builds
    "scripts",        # the set-up scripts
    "test_readme.py",
    "test_layers.py",               # what the core's modules import (ast)
    "test_backend_boundaries.py",   # what the backends' modules read (ast)
    "test_config.py",
    "test_plugins_manifest.py",
    "test_inventory.py",        # names, not values
    "compat/test_flags.py",     # the flags' parsing
    "compat/test_layout.py",    # where names live
    # the compile cache: CompileDir itself, and programs run in fresh processes with
    # THEANO_FLAGS of their own (naming the compiledir, and the device where it matters);
    # each run builds cold caches from scratch: they were the later runs' slowest tests
    "compile/test_compiledir.py",
    "compile/test_cache_integrity.py",
    "compile/test_cache_safety.py",
)


def pytest_addoption(parser):
    parser.addoption("--device-dependent", action="store_true",
                     help="run only the tests whose result depends on THEANO_FLAGS' device "
                          "(for the second and later devices of the test command)")


def is_device_independent(path: Path) -> bool:
    """Whether the test file `path` is under one of the DEVICE_INDEPENDENT entries."""
    try:
        rel = Path(path).resolve().relative_to(TESTS).as_posix()
    except ValueError:
        return False
    return any(rel == entry or rel.startswith(entry + "/") for entry in DEVICE_INDEPENDENT)


def pins_its_device(item) -> bool:
    """Whether the test item is parametrized with an explicit device name: it runs on that
    device whatever the flag says, so the main run has already run it."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return isinstance(params.get("device"), str)


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--device-dependent"):
        return
    keep, drop = [], []
    for item in items:
        (drop if is_device_independent(item.path) or pins_its_device(item) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


#: Young-generation collections start after this many new container objects (Python's default
#: is 700). The tests build and rewrite thousands of small graphs, whose nodes survive a few
#: collections each: at the default, the collector took about 5% of a worker's CPU time.
GC_YOUNG_THRESHOLD = 20_000


def pytest_collection_finish(session):
    """Collected once, the test tree (modules, items, fixture definitions) lives to the end of
    the run: moved out of the collector's sight (gc.freeze), it is not traversed again by every
    full collection, and young collections run less often. The CPU time of the test command
    drops by about 5% (`tests --device-dependent -n 2` on THEANO_FLAGS=device=numpy: 33.6 ->
    31.4 user s); no test depends on when cyclic garbage is collected, only that it is."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
