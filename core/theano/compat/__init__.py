"""`theano.compat`: Theano 1.0's Python 2/3 helpers (`OrderedDict`, `izip`, `PY3` ...), which
libraries written for Theano import from here; and this project's compatibility data
(`flags`: Theano's configuration flags; `absent`: the names deliberately left out)."""
from __future__ import annotations

import configparser
import importlib
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, MutableMapping as DictMixin, ValuesView
from io import BytesIO
from operator import truediv as operator_div

__all__ = ["PY3", "b", "BytesIO", "Callable", "next", "configparser", "reload", "cmp", "operator_div",
           "DictMixin", "Iterable", "Mapping", "OrderedDict", "ValuesView", "decode", "decode_iter",
           "get_unbound_function", "imap", "izip", "ifilter", "exc_message", "decode_with",
           "DefaultOrderedDict", "maybe_add_to_os_environ_pathlist"]

PY3 = True
izip, imap, ifilter, next = zip, map, filter, next
reload = importlib.reload


def b(s: str) -> bytes:
    """A str literal as bytes (latin-1), as six.b did."""
    return s.encode("latin-1")


def cmp(x, y) -> int:
    """-1, 0 or 1 as x is less than, equal to or greater than y (Python 2's cmp)."""
    return (x > y) - (x < y)


def exc_message(e: BaseException):
    """The message of an exception, unwrapping an exception given as the message."""
    msg = e.args[0]
    return exc_message(msg) if isinstance(msg, BaseException) else msg


def get_unbound_function(unbound):
    """The plain function behind a method."""
    return getattr(unbound, "__func__", unbound)


def decode(x: bytes) -> str:
    """bytes to str."""
    return x.decode()


def decode_iter(itr):
    """Each bytes item of `itr` as str."""
    for x in itr:
        yield x.decode()


def decode_with(x: bytes, encoding: str) -> str:
    """bytes to str in `encoding`."""
    return x.decode(encoding)


class DefaultOrderedDict(OrderedDict):
    """An OrderedDict that makes missing entries with `default_factory`, like defaultdict."""

    def __init__(self, default_factory=None, *a, **kw):
        if default_factory is not None and not callable(default_factory):
            raise TypeError("DefaultOrderedDict: the first argument must be callable")
        super().__init__(*a, **kw)
        self.default_factory = default_factory

    def __missing__(self, key):
        if self.default_factory is None:
            raise KeyError(key)
        self[key] = value = self.default_factory()
        return value

    def __reduce__(self):
        return type(self), (self.default_factory,), None, None, iter(self.items())

    def copy(self):
        return type(self)(self.default_factory, self)


def maybe_add_to_os_environ_pathlist(var: str, newpath: str) -> None:
    """Prepend directory `newpath` to the os.pathsep-separated list in environment variable
    `var`, if it is an existing absolute directory not already there."""
    if os.path.isabs(newpath) and os.path.isdir(newpath):
        old = os.environ.get(var, "").split(os.pathsep)
        if newpath not in old:
            os.environ[var] = os.pathsep.join([newpath] + [p for p in old if p])
