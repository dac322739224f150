"""Where in the user's code a variable was built, for error messages."""
from __future__ import annotations

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Frames in these places are ours or the standard library's, never the user's.
_SKIP = (_PACKAGE_DIR + os.sep, os.path.dirname(os.__file__) + os.sep)


#: file name -> whether its frames are ours (`_is_ours`); every variable built asks for each
#: frame above it, so the answer is kept per file
_verdicts: dict[str, bool] = {}


def _is_ours(frame) -> bool:
    """Whether the frame runs the core, the standard library, or a module of a package named
    theano_<name> (a backend, the conformance suite). The package, not the folder: a user's
    script in a folder named theano_work is still the user's."""
    name = frame.f_code.co_filename
    verdict = _verdicts.get(name)
    if verdict is None:
        package = frame.f_globals.get("__package__") or ""
        verdict = name.startswith(_SKIP) or package.startswith("theano_")
        if not name.startswith("<"):  # a real file is one module; "<string>" is anybody's
            _verdicts[name] = verdict
    return verdict


def user_frame() -> tuple[str, int, str] | None:
    """(file, line, function) of the innermost frame outside theano, or None."""
    f = sys._getframe(1)
    known = _verdicts.get  # inline for the frames seen before: every variable built walks ~10
    while f is not None:
        ours = known(f.f_code.co_filename)
        if ours is None:
            ours = _is_ours(f)
        if not ours:
            return (f.f_code.co_filename, f.f_lineno, f.f_code.co_name)
        f = f.f_back
    return None


def format_frame(frame: tuple[str, int, str] | None) -> str:
    """'file.py:12' or '<unknown>'."""
    if frame is None:
        return "<unknown location>"
    return f"{frame[0]}:{frame[1]}"
