"""Where in the user's code a variable was built, for error messages."""
from __future__ import annotations

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Frames in these places are ours or the standard library's, never the user's.
_SKIP = (_PACKAGE_DIR + os.sep, os.path.dirname(os.__file__) + os.sep)


def user_frame() -> tuple[str, int, str] | None:
    """(file, line, function) of the innermost frame outside theano, or None."""
    f = sys._getframe(1)
    while f is not None:
        fname = f.f_code.co_filename
        if not fname.startswith(_SKIP) and "theano_" not in os.path.basename(os.path.dirname(fname)):
            return (fname, f.f_lineno, f.f_code.co_name)
        f = f.f_back
    return None


def format_frame(frame: tuple[str, int, str] | None) -> str:
    """'file.py:12' or '<unknown>'."""
    if frame is None:
        return "<unknown location>"
    return f"{frame[0]}:{frame[1]}"
