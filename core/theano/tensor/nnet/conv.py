"""`theano.tensor.nnet.conv`: the old module path of conv2d, kept for programs written before
the abstract convolution; it always convolves (flips the filters), as it always did."""
from __future__ import annotations

from typing import Any

from ...graph.basic import Variable
from .abstract_conv import conv2d as _conv2d

__all__ = ["conv2d"]


def conv2d(input: Any, filters: Any, image_shape: Any = None, filter_shape: Any = None,
           border_mode: str = "valid", subsample: Any = (1, 1), **kwargs: Any) -> Variable:
    """Old-style 2-D convolution: border_mode 'valid' or 'full', filters always flipped."""
    if border_mode not in ("valid", "full"):
        raise ValueError(f"theano.tensor.nnet.conv.conv2d: border_mode must be 'valid' or 'full', got "
                         f"{border_mode!r}; use theano.tensor.nnet.conv2d for other modes")
    # Tuning arguments of the old op (unroll_batch, unroll_kern, ...) change nothing here.
    kwargs.pop("unroll_batch", None), kwargs.pop("unroll_kern", None), kwargs.pop("unroll_patch", None)
    kwargs.pop("openmp", None), kwargs.pop("verbose", None), kwargs.pop("imshp_logical", None)
    kwargs.pop("kshp_logical", None), kwargs.pop("kshp_logical_top_aligned", None)
    if kwargs:
        raise TypeError(f"theano.tensor.nnet.conv.conv2d: unexpected arguments {sorted(kwargs)}")
    return _conv2d(input, filters, input_shape=image_shape, filter_shape=filter_shape,
                   border_mode=border_mode, subsample=subsample, filter_flip=True)
