"""Registration of the tensor rewrites in theano.rewrite.rewrite_db, by phase.

Each phase has a band of positions (canonicalize 10-19, stabilize 20-29, specialize 30-39,
fusion 40-49, in-place 50-59); within a band, rules keep their registration order so
the run order is reproducible."""
from __future__ import annotations

import itertools
from typing import Any, Callable

from ...rewrite.db import rewrite_db

__all__ = ["register"]

_BANDS = {"canonicalize": 11.0, "stabilize": 20.0, "specialize": 30.0, "fusion": 40.0,
          "inplace": 50.0}
_counters = {k: itertools.count(1) for k in _BANDS}


def register(phase: str, *extra_tags: str, fast_run: bool = True) -> Callable[[Any], Any]:
    """Decorator: register a node or graph rewriter in `phase` (a tag and a position band).
    `fast_run=False` keeps it out of FAST_RUN (it must be asked for by tag)."""

    def deco(rw: Any) -> Any:
        pos = _BANDS[phase] + next(_counters[phase]) * 1e-3
        # A rule outside FAST_RUN gets no phase tag either, so asking for a phase never
        # brings in a rule that may change results (those carry e.g. 'unsafe').
        tags = (("fast_run", phase) if fast_run else ()) + extra_tags
        rewrite_db.register(rw.name, rw, *tags, position=pos)
        return rw

    return deco
