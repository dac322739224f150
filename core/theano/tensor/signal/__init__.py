"""`theano.tensor.signal`: pooling (`theano.tensor.signal.pool`)."""
from . import pool  # noqa: F401
