"""Theano 1.0's module path `theano.tensor.nnet.nnet`: the same objects as `nnet.basic`."""
from .basic import *  # noqa: F401,F403
from .basic import SELU_ALPHA, SELU_SCALE, __all__  # noqa: F401
