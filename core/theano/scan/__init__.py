"""`theano.scan`: loops with recurrent outputs, and their gradients."""
from .basic import foldl, foldr, map, reduce, scan, until
from .op import Scan

__all__ = ["Scan", "foldl", "foldr", "map", "reduce", "scan", "until"]
