"""Theano 1.0's module path for scan: `theano.scan_module.scan`, `theano.scan_module.until`."""
from ..scan import Scan, foldl, foldr, map, reduce, scan, until  # noqa: F401
