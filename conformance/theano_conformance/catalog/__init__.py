"""The catalog: every case of the suite, as data. Add a module here to add a family."""
from __future__ import annotations

import functools
from typing import Union

from ..case import FunctionCase, OpCase
from . import elemwise, extras, extremes, functions, indexing, products, reductions, shapes

FAMILIES = (elemwise, reductions, products, shapes, indexing, extras, extremes, functions)

Case = Union[OpCase, FunctionCase]


@functools.lru_cache(maxsize=None)
def _all() -> tuple:
    cases = []
    seen: dict[str, object] = {}
    for fam in FAMILIES:
        for c in fam.cases():
            if c.id in seen:  # ids name lines of expected-failures files: they must be unique
                raise ValueError(f"duplicate conformance case id {c.id!r} in {fam.__name__}")
            seen[c.id] = c
            cases.append(c)
    return tuple(cases)


def all_cases() -> list[Case]:
    """Every case, in a stable order (families, then as written)."""
    return list(_all())
