"""Theano 1.0's module path for scan: `theano.scan_module.scan`, `theano.scan_module.until`,
`theano.scan_module.scan_utils`."""
from ..scan import Scan, foldl, foldr, map, reduce, scan, until  # noqa: F401
from . import scan_utils  # noqa: F401
from .scan_utils import clone  # noqa: F401


from ..compat.absent import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
