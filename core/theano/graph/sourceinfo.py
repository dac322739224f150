"""Where in the user's code a variable was built, for error messages."""
from __future__ import annotations

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Frames in these places are ours or the standard library's, never the user's.
_SKIP = (_PACKAGE_DIR + os.sep, os.path.dirname(os.__file__) + os.sep)


def _is_ours(frame) -> bool:
    """Whether the frame runs the core, the standard library, or a module of a package named
    theano_<name> (a backend, the conformance suite). The package, not the folder: a user's
    script in a folder named theano_work is still the user's."""
    if frame.f_code.co_filename.startswith(_SKIP):
        return True
    package = frame.f_globals.get("__package__") or ""
    return package.startswith("theano_")


def user_frame() -> tuple[str, int, str] | None:
    """(file, line, function) of the innermost frame outside theano, or None."""
    f = sys._getframe(1)
    while f is not None:
        if not _is_ours(f):
            return (f.f_code.co_filename, f.f_lineno, f.f_code.co_name)
        f = f.f_back
    return None


def format_frame(frame: tuple[str, int, str] | None) -> str:
    """'file.py:12' or '<unknown>'."""
    if frame is None:
        return "<unknown location>"
    return f"{frame[0]}:{frame[1]}"
