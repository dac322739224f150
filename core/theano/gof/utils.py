"""`theano.gof.utils`: the small helpers of Theano 1.0's graph package that libraries use."""
from __future__ import annotations

import hashlib
from typing import Any
import functools
import traceback
import warnings

__all__ = ["MethodNotDefined", "object2", "hashtype", "hash_from_code", "flatten", "uniq", "difference",
           "toposort", "give_variables_names", "remove", "memoize", "deprecated", "simple_extract_stack",
           "add_tag_trace", "get_variable_trace_string", "TestValueError", "undef", "AssocList"]


class MethodNotDefined(Exception):
    """An op or type does not implement an optional method (Theano's signal to fall back)."""


class object2:  # noqa: N801  (Theano's name)
    """Theano 1.0's base class with value-style `__ne__` (kept for subclasses written for it)."""

    def __ne__(self, other: Any) -> bool:
        return not self == other


class TestValueError(Exception):
    """A test value is missing or wrong (test values are not supported here: compute_test_value=off)."""


undef = object()  # Theano's marker for "no value given"


def hashtype(self: Any) -> int:
    """A hash of an object's class, for types whose instances are all equal."""
    t = type(self)
    return hash(t.__name__) ^ hash(t.__module__)


def hash_from_code(msg: str | bytes) -> str:
    """The md5 hex digest of `msg` (Theano keyed compiled code by it)."""
    return hashlib.md5(msg.encode() if isinstance(msg, str) else msg).hexdigest()


def flatten(a: Any) -> list:
    """The leaves of nested lists and tuples, in order."""
    if isinstance(a, (tuple, list, set)):
        return [leaf for item in a for leaf in flatten(item)]
    return [a]


def uniq(seq: list) -> list:
    """`seq` without repeats, first occurrences kept in order."""
    return list(dict.fromkeys(seq))


def difference(seq1: list, seq2: list) -> list:
    """The items of seq1 not in seq2, in order."""
    return [x for x in seq1 if x not in seq2]


def remove(predicate: Any, coll: list) -> list:
    """The items of `coll` for which `predicate` is false."""
    return [x for x in coll if not predicate(x)]


def toposort(prereqs_d: dict) -> list:
    """Order the keys of {node: [nodes it needs]} so each follows its prerequisites."""
    order, seen, active = [], set(), set()

    def visit(n: Any) -> None:
        if n in seen:
            return
        if n in active:
            raise ValueError("toposort: cycle among the prerequisites")
        active.add(n)
        for p in prereqs_d.get(n, ()):
            visit(p)
        active.discard(n)
        seen.add(n)
        order.append(n)

    for n in prereqs_d:
        visit(n)
    return order


def give_variables_names(variables: list) -> list:
    """Name the unnamed variables of the list (_1, _2 ...) so that all names differ."""
    names = {v.name for v in variables if v.name is not None}
    k = 0
    for v in variables:
        if v.name is None or v.name in names and [w.name for w in variables].count(v.name) > 1:
            k += 1
            while f"_{k}" in names:
                k += 1
            v.name = f"_{k}"
            names.add(v.name)
    return variables


def memoize(f):
    """Cache `f`'s results by its (hashable) positional arguments."""
    cache: dict = {}

    def wrapped(*args: Any) -> Any:
        if args not in cache:
            cache[args] = f(*args)
        return cache[args]

    wrapped.__doc__, wrapped.__name__ = f.__doc__, f.__name__
    return wrapped


def deprecated(filename: str, msg: str = ""):
    """A decorator that warns once that the function is deprecated."""
    def decorator(f):
        @functools.wraps(f)
        def g(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(f"{filename}.{f.__name__} is deprecated. {msg}", DeprecationWarning, stacklevel=2)
            return f(*args, **kwargs)
        return g
    return decorator


def simple_extract_stack(f: Any = None, limit: int | None = None, skips: Any = ()) -> list:
    """The user's frames, as (filename, line, function, text) tuples."""
    return [tuple(fr) for fr in traceback.extract_stack(f, limit)]


def add_tag_trace(thing: Any, user_line: int | None = None) -> Any:
    """Record where `thing` was made in thing.tag.trace."""
    thing.tag.trace = [simple_extract_stack()[:-1]]
    return thing


def get_variable_trace_string(v: Any) -> str:
    """Where variable `v` was made, as text ('' when unknown)."""
    trace = getattr(v.tag, "trace", None)
    return f"\nBacktrace when that variable is created:\n{trace}" if trace else ""


class AssocList:
    """A mapping that also holds unhashable keys (compared by equality)."""

    def __init__(self) -> None:
        self._dict: dict = {}
        self._list: list = []

    def __getitem__(self, item: Any) -> Any:
        return self.get(item, None)

    def __setitem__(self, item: Any, value: Any) -> None:
        try:
            self._dict[item] = value
        except TypeError:
            for i, (k, _) in enumerate(self._list):
                if k == item:
                    self._list[i] = (item, value)
                    return
            self._list.append((item, value))

    def get(self, item: Any, default: Any) -> Any:
        try:
            return self._dict[item]
        except (KeyError, TypeError):
            for k, v in self._list:
                if k == item:
                    return v
            return default
