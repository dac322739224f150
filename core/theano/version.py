"""`theano.version`: the Theano release whose API this implementation follows (1.0.5), and the
implementation's own version (the `theano-core` distribution's)."""
from __future__ import annotations

__all__ = ["version", "full_version", "short_version", "release", "git_revision", "core_version"]

short_version = "1.0.5"  # the Theano API implemented; libraries compare theano.__version__ with it
full_version = version = short_version
release = True
git_revision = "unknown"
core_version = "0.1.0"  # this implementation's own release (the distributions' version)
