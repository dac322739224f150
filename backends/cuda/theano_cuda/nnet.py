"""Convolutions, pooling, softmax and the fused cross-entropy on the GPU: the ops' own array
code (im2col by strided window views and `tensordot`, pooling by strided slices, softmax as a
row max, an elementwise pass and a row sum; see `make_xp_fn` in abstract_conv.py, pool.py,
softmax.py and crossentropy.py) run with CuPy as the array module, so products go to cuBLAS
and the GPU computes what the reference computes, by the same steps, with no transfer to the
host. Shape arguments stay on the host.

cuDNN (through `cupy.cudnn`) would be faster for large layers; it is not used yet.
"""
from __future__ import annotations

from typing import Any, Callable

from theano.graph.basic import Apply
from theano.tensor.nnet.abstract_conv import (Conv2d, Conv2dGradInputs, Conv2dGradWeights, Conv3d,
                                              Conv3dGradInputs, Conv3dGradWeights)
from theano.tensor.nnet.crossentropy import CrossentropySoftmax1HotWithBiasDx, CrossentropySoftmaxArgmax1HotWithBias
from theano.tensor.nnet.softmax import LogSoftmax, Softmax, SoftmaxGrad, SoftmaxWithBias
from theano.tensor.signal.pool import AveragePoolGrad, DownsampleFactorMaxGradGrad, MaxPoolGrad, Pool

from theano.backend import Plan

from .lowering import Work, _device, lower

__all__ = ["CONV_RUNNER", "POOL_RUNNER", "SOFTMAX_RUNNER"]

CONV_RUNNER = "cuda (im2col + cuBLAS)"
POOL_RUNNER = "cuda (pool, CuPy)"
SOFTMAX_RUNNER = "cuda (softmax rows, CuPy)"


def _on_device(op: Any, node: Apply, host_inputs: tuple[int, ...]) -> Callable[[Any], Callable[..., Any]]:
    """A maker of the op's array code over CuPy, with its array inputs moved to the device."""

    def make(be: Any) -> Callable[..., Any]:
        fn, dev = op.make_xp_fn(node, be.cp), _device(be.cp)

        def run(*args: Any) -> Any:
            return fn(*[a if k in host_inputs else dev(a) for k, a in enumerate(args)])

        return run

    return make


def _plan(label: str, host_inputs: tuple[int, ...] = ()) -> Callable[[Any, Apply, Any], Plan]:
    def lower_it(op: Any, node: Apply, backend: Any) -> Plan:
        return Plan(label, host_inputs=host_inputs, payload=Work(make=_on_device(op, node, host_inputs)))

    return lower_it


lower.register(Conv2d, Conv3d)(_plan(CONV_RUNNER))
# The third input of the gradients is a spatial shape: read on the host.
lower.register(Conv2dGradWeights, Conv2dGradInputs, Conv3dGradWeights, Conv3dGradInputs)(
    _plan(CONV_RUNNER, host_inputs=(2,)))
lower.register(Pool, MaxPoolGrad, AveragePoolGrad, DownsampleFactorMaxGradGrad)(_plan(POOL_RUNNER))
lower.register(Softmax, SoftmaxGrad, LogSoftmax, SoftmaxWithBias, CrossentropySoftmaxArgmax1HotWithBias,
               CrossentropySoftmax1HotWithBiasDx)(_plan(SOFTMAX_RUNNER))
