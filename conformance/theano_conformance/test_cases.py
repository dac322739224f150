"""The cases as pytest tests: ``pytest --pyargs theano_conformance --theano-backend NAME``.

One test per case, named by its id; failures show the first mismatch, capability skips and
missing ops show as skips, the backend's expected failures as xfail. The per-op table is
printed at the end of the session.
"""
from __future__ import annotations

import warnings

import pytest

from theano_conformance.catalog import all_cases
from theano_conformance.case import XPASS
from theano_conformance.pytest_plugin import report_case
from theano_conformance.runner import run_case

_CASES = all_cases()


@pytest.mark.parametrize("case", _CASES, ids=[c.id for c in _CASES])
def test_conformance(case, conformance_target, conformance_reference, request):
    result = run_case(case, conformance_target, conformance_reference)
    if result.status == XPASS:
        warnings.warn(f"{case.id}: {result.detail}", pytest.PytestWarning, stacklevel=1)
    report_case(request.config, conformance_target, result)
