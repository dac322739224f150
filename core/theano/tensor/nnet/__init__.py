"""`theano.tensor.nnet`: activations, softmax and losses."""
from ..math import sigmoid, softplus  # noqa: F401
