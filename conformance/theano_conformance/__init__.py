"""theano-conformance: the shared conformance suite of theano backends.

``python -m theano_conformance --backend NAME`` runs every case on an installed backend and
compares it with the NumPy reference backend; ``pytest --pyargs theano_conformance
--theano-backend NAME`` runs the same cases as tests. From Python::

    from theano_conformance import Target, all_cases, run_cases
    results = run_cases(all_cases(), Target.resolve("numpy"))
"""
from .case import (FAILED, FELL_BACK, MISSING, NOT_CLAIMED, PASSED, SKIPPED, STATUSES, XFAIL, XPASS,
                   FunctionCase, OpCase, Result)
from .catalog import all_cases
from .report import op_summary, render_table, to_json
from .runner import REFERENCE, resolve, run_case, run_cases, select
from .target import DEFAULT_TOLERANCE, Target

__version__ = "0.1.0"

__all__ = ["FAILED", "FELL_BACK", "MISSING", "NOT_CLAIMED", "PASSED", "SKIPPED", "STATUSES", "XFAIL", "XPASS",
           "FunctionCase", "OpCase", "Result", "all_cases", "op_summary", "render_table", "to_json",
           "REFERENCE", "resolve", "run_case", "run_cases", "select", "DEFAULT_TOLERANCE", "Target"]
