"""`theano.scan`: loops with recurrent outputs, and their gradients."""
from .basic import foldl, foldr, map, reduce, scan, until
from .op import Scan
from . import rewriting  # noqa: F401  (registers the scan rewrites)

__all__ = ["Scan", "foldl", "foldr", "map", "reduce", "scan", "until"]
