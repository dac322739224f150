"""`theano.tensor.nnet`: activations, softmax and losses (Theano 1.0's names and paths)."""
from . import sigm  # noqa: F401
from .basic import *  # noqa: F401,F403
from .basic import __all__ as _basic_all
from .sigm import *  # noqa: F401,F403
from .sigm import __all__ as _sigm_all
from . import basic, crossentropy, nnet, softmax  # noqa: F401,E402
from . import abstract_conv, bn, conv  # noqa: F401,E402
from .abstract_conv import conv2d, conv3d  # noqa: F401,E402
from .abstract_conv import conv2d_grad_wrt_inputs, conv2d_transpose  # noqa: F401,E402
from .bn import batch_normalization  # noqa: F401,E402

__all__ = _basic_all + [n for n in _sigm_all if n not in _basic_all] + ["conv2d", "conv3d"]
