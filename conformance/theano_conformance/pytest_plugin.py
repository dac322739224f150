"""The pytest plugin (entry point ``pytest11``): ``pytest --pyargs theano_conformance
--theano-backend NAME`` runs every case as a test.

pytest loads this module in every run of an environment where theano-conformance is
installed, so it only declares options and fixtures; theano is imported when a fixture is
first used.
"""
from __future__ import annotations

import os
from typing import Any

import pytest

_RESULTS_KEY = "theano_conformance_results"


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("theano-conformance", "theano backend conformance suite")
    group.addoption("--theano-backend", action="store", default=None, metavar="NAME",
                    help="backend name or device string that theano_conformance checks (default: "
                         "$THEANO_CONFORMANCE_BACKEND or numpy)")
    group.addoption("--theano-reference", action="store", default="numpy", metavar="NAME",
                    help="reference device of theano_conformance (default: numpy)")
    group.addoption("--theano-strict-xfail", action="store_true", default=False,
                    help="fail a conformance case listed as an expected failure that passes")


def _backend_name(config: Any) -> str:
    return (config.getoption("--theano-backend", default=None)
            or os.environ.get("THEANO_CONFORMANCE_BACKEND") or "numpy")


@pytest.fixture(scope="session")
def conformance_target(request: Any) -> Any:
    """The Target under test; the whole session is skipped when it cannot be used here."""
    from theano.backend.registry import UnknownDeviceError

    from .target import Target

    name = _backend_name(request.config)
    try:
        return Target.resolve(name)
    except UnknownDeviceError as e:
        pytest.skip(f"theano backend {name!r} is not usable here: {str(e).splitlines()[0]}")


@pytest.fixture(scope="session")
def conformance_reference(request: Any) -> str:
    return request.config.getoption("--theano-reference", default="numpy")


_results_key: Any = pytest.StashKey[list]() if hasattr(pytest, "StashKey") else None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    """After the tests, the same per-op table as the command line prints."""
    if _results_key is None:
        return
    results = config.stash.get(_results_key, None)
    if not results:
        return
    from .report import render_table

    target = config.stash.get(_target_key, None)
    terminalreporter.write_sep("=", "theano conformance by op")
    terminalreporter.write_line(render_table(results, target,
                                             config.getoption("--theano-reference", default="numpy")))


_target_key: Any = pytest.StashKey[object]() if hasattr(pytest, "StashKey") else None


def report_case(config: Any, target: Any, result: Any) -> None:
    """Keep the result for the summary table, then turn it into a pytest outcome."""
    from .case import FAILED, MISSING, NOT_CLAIMED, SKIPPED, XFAIL, XPASS

    if _results_key is not None:
        config.stash.setdefault(_results_key, []).append(result)
        config.stash[_target_key] = target
    if result.status == FAILED:
        pytest.fail(f"{result.case_id}: {result.detail}", pytrace=False)
    if result.status in (SKIPPED, NOT_CLAIMED, MISSING):
        pytest.skip(f"{result.status}: {result.detail}")
    if result.status == XFAIL:
        pytest.xfail(f"expected failure listed by the backend: {result.detail}")
    if result.status == XPASS and config.getoption("--theano-strict-xfail", default=False):
        pytest.fail(f"{result.case_id}: {result.detail}", pytrace=False)
