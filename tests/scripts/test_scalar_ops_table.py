"""docs/scalar-ops.md is what scripts/scalar_ops_table.py generates from the core's scalar
ops, so the list a backend author reads cannot drift from the code."""
from __future__ import annotations

import gc
import importlib.util
import sys
from pathlib import Path

from theano.kernel.expansions import EXPANSIONS
from theano.scalar import basic as scal

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("scalar_ops_table", ROOT / "scripts" / "scalar_ops_table.py")
table = importlib.util.module_from_spec(_spec)
sys.modules["scalar_ops_table"] = table
_spec.loader.exec_module(table)


def test_doc_is_up_to_date():
    assert table.DOC.read_text() == table.document(), (
        "docs/scalar-ops.md is stale: run python3 scripts/scalar_ops_table.py --write")
    assert table.main(["--check"]) == 0


def test_every_scalar_op_and_expansion_is_listed():
    doc = table.document()
    for cls in (scal.Add, scal.Cast, scal.GammaLn, *EXPANSIONS):
        assert f"| `{cls.__qualname__}` |" in doc
    assert "`numpy.floor_divide`" in doc  # IntDiv's meaning, read from its NumPy function
    assert "gammaln(-inf) is +inf" in doc  # a documented special value


def test_a_new_scalar_op_makes_the_doc_stale():
    cls = type("Hypot", (scal.ScalarOp,), {"name": "hypot", "nin": 2, "__module__": "theano.scalar.extra",
                                           "__doc__": "sqrt(x*x + y*y) without overflow."})
    try:
        doc = table.document()
        assert "| `Hypot` | `hypot` | 2 | `upcast_out` | sqrt(x*x + y*y) without overflow. |" in doc
        assert doc != table.DOC.read_text()
    finally:
        del cls
        gc.collect()  # __subclasses__ holds weak references: the class is gone again
    assert "Hypot" not in table.document()
