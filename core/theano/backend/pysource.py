"""Generated Python source (the driver `link_straight_line` makes, a function's per-call path):
compiled once per distinct text, however many functions share it."""
from __future__ import annotations

import functools
import types
from typing import Any, Callable

__all__ = ["define"]


#: texts longer than this (graphs of more than about a hundred nodes) are compiled each time: they
#: seldom repeat, and the cache (at most 2048 texts) stays under about 10 MB
CACHED_CHARS = 4000


@functools.lru_cache(maxsize=2048)
def _compiled_text(source: str) -> types.CodeType:
    return compile(source, "<theano-generated>", "exec")


def _compiled(source: str) -> types.CodeType:
    if len(source) > CACHED_CHARS:
        return compile(source, "<theano-generated>", "exec")
    return _compiled_text(source)


def _named(code: types.CodeType, filename: str) -> types.CodeType:
    """`code` and the code objects it holds (the functions it defines), reporting `filename`."""
    consts = tuple(_named(c, filename) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def define(source: str, name: str, env: dict[str, Any], filename: str) -> Callable[..., Any]:
    """Run `source`, which defines the function `name` at its top level, in `env` (its globals)
    and return that function, whose frames report `filename` in tracebacks.

    Small graphs give the same text again and again (a driver calling one node, the call path
    of a function with two inputs): Python's compiler, 0.2 ms a text, ran twice for every
    theano.function, a tenth of a small function's compile time on the reference backend. The
    compiled module is kept per text and only renamed for each function (its names resolve in
    `env`, so the same code serves every function's values)."""
    exec(_named(_compiled(source), filename), env)
    return env[name]
