"""Signed integer arithmetic that wraps as NumPy's does, for C-family dialects whose language
leaves signed overflow undefined (CUDA C++ without -fwrapv, OpenCL C): int32/int64 `+`, `-`,
`*`, negation and abs are computed in the unsigned type of the same width, which wraps by
definition, and converted back (two's complement: the value NumPy gives). Narrower types are
computed in int by C's promotions and cannot overflow there.

`wrapping_expressions(unsigned)` gives the expression-table entries; a dialect passes its own
unsigned type names (`{"int32": "unsigned int", ...}`) and merges the entries into its table.
"""
from __future__ import annotations

from typing import Callable

from ..scalar import basic as scal
from .render import CFamilyRenderer, Operands

__all__ = ["wrapping_expressions"]

Entry = Callable[[CFamilyRenderer, Operands], "str | None"]


def _entry(unsigned: dict[str, str], base: Entry, text: Callable[[Operands, str], str]) -> Entry:
    """An entry giving text(operands, unsigned type) on the dtypes of `unsigned`, `base`'s
    expression on the others."""
    def entry(r: CFamilyRenderer, e: Operands) -> str | None:
        ut = unsigned.get(e.odt)
        return base(r, e) if ut is None else text(e, ut)

    return entry


def _fold(sym: str) -> Callable[[Operands, str], str]:
    return lambda e, ut: f"({e.t})(" + f" {sym} ".join(f"({ut}){c}" for c in e.c) + ")"


def _neg(e: Operands, ut: str) -> str:
    return f"({e.t})(({ut})0 - ({ut}){e.c[0]})"


def _abs(e: Operands, ut: str) -> str:
    x = e.c[0]
    return f"({e.t})({x} < 0 ? ({ut})0 - ({ut}){x} : ({ut}){x})"


def wrapping_expressions(unsigned: dict[str, str]) -> dict[type, Entry]:
    """Expression-table entries for add, sub, mul, neg and abs that wrap on int32/int64
    (`unsigned` maps those dtypes to the dialect's unsigned type names); other dtypes keep the
    C-family entries."""
    texts = {scal.Add: _fold("+"), scal.Sub: _fold("-"), scal.Mul: _fold("*"), scal.Neg: _neg, scal.Abs: _abs}
    return {op: _entry(unsigned, CFamilyRenderer.expressions[op], text) for op, text in texts.items()}
