"""Convolutions on 4-D and 5-D tensors: the forward op and its two gradient ops, for 2 and 3
spatial dimensions (Theano's AbstractConv2d, AbstractConv2d_gradWeights, AbstractConv2d_gradInputs
and their 3-D twins), with `conv2d`, `conv3d` and the gradient/transpose helpers built on them.

The three ops are adjoints of one bilinear form <conv(img, kern), top>, so the gradient of each
is made of the other two and derivatives of any order stay inside this family. Each op keeps all
its parameters in `__props__` (and static ints), so that compiled backends can lower them by class.

The NumPy meaning is im2col: a strided window view of the padded input
(`as_strided`, no copy) contracted with the kernel by `tensordot`, which copies the
windows into one column matrix and calls BLAS. It is written against an array module (`xm`:
NumPy, or CuPy, whose tensordot calls cuBLAS), so a GPU backend runs the same code on the device
(`make_xp_fn`); `geometry` checks the shapes and gives the padding and output size, for
backends with kernels of their own. The gradient with respect to the input is the
same correlation applied to the zero-upsampled, fully padded output gradient.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ...graph.basic import Apply, Variable
from ...graph.op import Op
from ...scalar import basic as scal
from ..basic import as_tensor_variable
from ..type import TensorType
from .. import stack
from ...graph.null_gradients import DisconnectedType

__all__ = ["BaseConv", "Conv2d", "Conv2dGradWeights", "Conv2dGradInputs", "Conv3d",
           "Conv3dGradWeights", "Conv3dGradInputs", "AbstractConv2d", "AbstractConv2d_gradWeights",
           "AbstractConv2d_gradInputs", "AbstractConv3d", "AbstractConv3d_gradWeights",
           "AbstractConv3d_gradInputs", "conv2d", "conv3d", "conv2d_grad_wrt_inputs",
           "conv2d_grad_wrt_weights", "conv3d_grad_wrt_inputs", "conv3d_grad_wrt_weights",
           "conv2d_transpose", "get_conv_output_shape", "get_conv_shape_1axis", "conv_pads"]

BorderMode = Any  # 'valid' | 'full' | 'half' | int | tuple of ints

# Bytes of im2col columns built at once; larger batches are split so the buffer stays in cache-ish
# sizes and memory does not grow with the batch.
_COLUMN_BYTES = 64 * 2 ** 20


# -- parameters ---------------------------------------------------------------------------------

def _int_tuple(value: Any, n: int, what: str, minimum: int) -> tuple[int, ...]:
    """`value` (an int or a sequence of n ints) as a tuple of n ints >= minimum."""
    if isinstance(value, (int, np.integer)):
        value = (value,) * n
    try:
        out = tuple(int(v) for v in value)
        ok = all(int(v) == v for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be an int or a tuple of {n} ints, got {value!r}") from None
    if not ok or len(out) != n:
        raise ValueError(f"{what} must be a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in out):
        raise ValueError(f"{what} entries must be >= {minimum}, got {value!r}")
    return out


def _border_mode(border_mode: BorderMode, n: int) -> str | tuple[int, ...]:
    if isinstance(border_mode, str):
        if border_mode not in ("valid", "full", "half"):
            raise ValueError(f"border_mode must be 'valid', 'full', 'half', an int or a tuple of {n} "
                             f"ints, got {border_mode!r}")
        return border_mode
    return _int_tuple(border_mode, n, "border_mode", 0)


def _opt_shape(shape: Any, n: int, what: str) -> tuple | None:
    """A static shape hint: None, or a tuple of n ints-or-None."""
    if shape is None:
        return None
    out = tuple(None if s is None else s for s in shape)
    if len(out) != n:
        raise ValueError(f"{what} must have {n} entries, got {shape!r}")
    return tuple(None if not isinstance(s, (int, np.integer)) else int(s) for s in out)


def conv_pads(border_mode: BorderMode, kshape: Sequence[Any], dilation: Sequence[int]) -> tuple:
    """Padding on each side of each spatial axis for a border mode and kernel size."""
    dk = [(k - 1) * d + 1 for k, d in zip(kshape, dilation)]
    if border_mode == "valid":
        return tuple(0 for _ in dk)
    if border_mode == "full":
        return tuple(x - 1 for x in dk)
    if border_mode == "half":
        return tuple(x // 2 for x in dk)
    return tuple(border_mode)


def get_conv_shape_1axis(image_shape: Any, kernel_shape: Any, border_mode: BorderMode,
                         subsample: int, dilation: int = 1) -> Any:
    """The output length along one axis (ints or symbolic scalars; None if either is None)."""
    if image_shape is None or kernel_shape is None:
        return None
    dk = (kernel_shape - 1) * dilation + 1
    if border_mode == "valid":
        pad2 = 0
    elif border_mode == "full":
        pad2 = 2 * (dk - 1)
    elif border_mode == "half":
        pad2 = 2 * (dk // 2)
    else:
        pad2 = 2 * int(border_mode)
    return (image_shape + pad2 - dk) // subsample + 1


def get_conv_output_shape(image_shape: Sequence[Any], kernel_shape: Sequence[Any],
                          border_mode: BorderMode, subsample: Sequence[int],
                          filter_dilation: Sequence[int] | None = None) -> tuple:
    """(batch, output channels, *spatial) of a convolution, from the image and kernel shapes."""
    nd = len(subsample)
    dilation = tuple(filter_dilation) if filter_dilation is not None else (1,) * nd
    if isinstance(border_mode, str):
        modes = (border_mode,) * nd
    else:
        modes = _int_tuple(border_mode, nd, "border_mode", 0)
    spatial = tuple(get_conv_shape_1axis(image_shape[2 + i], kernel_shape[2 + i], modes[i],
                                         subsample[i], dilation[i]) for i in range(nd))
    return (image_shape[0], kernel_shape[0]) + spatial


# -- the array kernels (NumPy here; any module with NumPy's API, such as CuPy, on a device) ------

def _host_ints(value: Any) -> tuple[int, ...]:
    """A shape vector as Python ints, whether it lives on the host or on a device."""
    if hasattr(value, "get") and not isinstance(value, np.ndarray):
        value = value.get()
    return tuple(int(s) for s in np.asarray(value).reshape(-1))


def _pad_spatial(xm: Any, x: Any, before: Sequence[int], after: Sequence[int] | None = None) -> Any:
    after = before if after is None else after
    if not any(before) and not any(after):
        return x
    out = xm.zeros(x.shape[:2] + tuple(s + int(b) + int(a) for s, b, a in zip(x.shape[2:], before, after)),
                   dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(int(b), int(b) + s) for b, s in zip(before, x.shape[2:]))] = x
    return out


def _windows(xm: Any, padded: Any, kshape: Sequence[int], stride: Sequence[int], dilation: Sequence[int],
             out_shape: Sequence[int]) -> Any:
    """A view (B, C, *out_shape, *kshape) of the padded input: the window under each output."""
    st = padded.strides
    nd = len(kshape)
    strides = (st[0], st[1]) + tuple(st[2 + i] * stride[i] for i in range(nd)) + tuple(
        st[2 + i] * dilation[i] for i in range(nd))
    shape = padded.shape[:2] + tuple(out_shape) + tuple(kshape)
    return xm.lib.stride_tricks.as_strided(padded, shape=shape, strides=strides)


def _batch_chunk(padded: Any, out_shape: Sequence[int], kshape: Sequence[int]) -> int:
    col_bytes = padded.itemsize * padded.shape[1] * int(np.prod(out_shape)) * int(np.prod(kshape))
    return max(1, _COLUMN_BYTES // max(col_bytes, 1))


def _correlate(xm: Any, padded: Any, kern: Any, stride: Sequence[int], dilation: Sequence[int],
               groups: int, out_shape: Sequence[int], dtype: np.dtype) -> Any:
    """out[b, f, o] = sum over c, u of padded[b, c, o * stride + u * dilation] * kern[f, c, u]."""
    nd = kern.ndim - 2
    B, F = padded.shape[0], kern.shape[0]
    cg, fg = kern.shape[1], F // groups
    out = xm.empty((B, F) + tuple(out_shape), dtype=dtype)
    if out.size == 0:
        return out
    if kern.size == 0:  # no channels: an empty sum
        out[...] = 0
        return out
    win_axes = [1] + list(range(2 + nd, 2 + 2 * nd))
    kern_axes = list(range(1, 2 + nd))
    step = _batch_chunk(padded, out_shape, kern.shape[2:])
    for b0 in range(0, B, step):
        win = _windows(xm, padded[b0:b0 + step], kern.shape[2:], stride, dilation, out_shape)
        for g in range(groups):
            res = xm.tensordot(win[:, g * cg:(g + 1) * cg], kern[g * fg:(g + 1) * fg],
                               axes=(win_axes, kern_axes))  # (b, *out, fg)
            out[b0:b0 + step, g * fg:(g + 1) * fg] = xm.moveaxis(res, -1, 1)
    return out


def _flip(kern: Any) -> Any:
    return kern[(slice(None), slice(None)) + (slice(None, None, -1),) * (kern.ndim - 2)]


def _out_shape(opname: str, ishape: Sequence[int], kshape: Sequence[int], pads: Sequence[int],
               stride: Sequence[int], dilation: Sequence[int]) -> tuple[int, ...]:
    out = []
    for h, k, p, s, d in zip(ishape, kshape, pads, stride, dilation):
        dk = (k - 1) * d + 1
        if h + 2 * p < dk:
            raise ValueError(f"{opname}: the kernel (size {tuple(kshape)}, dilated to {dk} along an axis) "
                             f"is larger than the padded input (spatial shape {tuple(ishape)}, padding "
                             f"{tuple(pads)})")
        out.append((h + 2 * p - dk) // s + 1)
    return tuple(out)


def _check_hint(opname: str, what: str, hint: tuple | None, actual: Sequence[int]) -> None:
    if hint is None:
        return
    for h, a in zip(hint, actual):
        if h is not None and h != a:
            raise ValueError(f"{opname}: the {what} given when the graph was built is {hint}, but the "
                             f"value has shape {tuple(actual)}")


# -- the ops ----------------------------------------------------------------------------------------

class BaseConv(Op):
    """Parameters shared by the forward convolution and its two gradients, for `convdim` spatial axes."""

    convdim = 2
    __props__ = ("imshp", "kshp", "border_mode", "subsample", "filter_flip", "filter_dilation",
                 "num_groups")

    def __init__(self, imshp: Any = None, kshp: Any = None, border_mode: BorderMode = "valid",
                 subsample: Any = None, filter_flip: bool = True, filter_dilation: Any = None,
                 num_groups: int = 1, unshared: bool = False):
        n = self.convdim
        if unshared:
            raise NotImplementedError(f"{type(self).__name__}: unshared (locally connected) "
                                      f"convolutions are not supported")
        self.imshp = _opt_shape(imshp, n + 2, "imshp")
        self.kshp = _opt_shape(kshp, n + 2, "kshp")
        self.border_mode = _border_mode(border_mode, n)
        self.subsample = _int_tuple((1,) * n if subsample is None else subsample, n, "subsample", 1)
        self.filter_flip = bool(filter_flip)
        self.filter_dilation = _int_tuple((1,) * n if filter_dilation is None else filter_dilation, n,
                                          "filter_dilation", 1)
        if int(num_groups) < 1:
            raise ValueError(f"num_groups must be >= 1, got {num_groups}")
        self.num_groups = int(num_groups)

    def _params(self) -> dict:
        return dict(imshp=self.imshp, kshp=self.kshp, border_mode=self.border_mode,
                    subsample=self.subsample, filter_flip=self.filter_flip,
                    filter_dilation=self.filter_dilation, num_groups=self.num_groups)

    def _family(self) -> tuple[type, type, type]:
        return _FAMILIES[self.convdim]

    def _tensor(self, x: Any, what: str) -> Variable:
        x = as_tensor_variable(x)
        if x.type.ndim != self.convdim + 2:
            raise TypeError(f"{type(self).__name__}: {what} must be a {self.convdim + 2}-d tensor "
                            f"(batch, channels, {self.convdim} spatial axes), got {x.type}")
        if x.type.dtype not in scal.float_dtypes:
            raise TypeError(f"{type(self).__name__}: {what} must be a tensor of floats, got {x.type}")
        return x

    def _shape_input(self, shape: Any, what: str) -> Variable:
        shape = as_tensor_variable(shape)
        if shape.type.ndim != 1 or shape.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"{type(self).__name__}: {what} must be a vector of {self.convdim} ints, "
                            f"got {shape.type}")
        return shape

    def _pads(self, kshape: Sequence[Any]) -> tuple:
        return conv_pads(self.border_mode, kshape, self.filter_dilation)

    def _check_channels(self, img_shape: Sequence[int], kern_shape: Sequence[int]) -> None:
        g = self.num_groups
        if kern_shape[0] % g:
            raise ValueError(f"{type(self).__name__}: {kern_shape[0]} output channels do not split "
                             f"into num_groups={g} groups")
        if img_shape[1] != kern_shape[1] * g:
            raise ValueError(f"{type(self).__name__}: the input has {img_shape[1]} channels but the "
                             f"filters (shape {tuple(kern_shape)}) expect {kern_shape[1] * g}")

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        raise NotImplementedError

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        return self.make_xp_fn(node, np)

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        output_storage[0][0] = self.make_py_fn(node)(*[np.asarray(i) for i in inputs])


class Conv2d(BaseConv):
    """The convolution (filter_flip=True) or correlation of a batch of images with a bank of filters:
    inputs (B, C, H, W) and (F, C / num_groups, kh, kw), output (B, F, H', W')."""

    def make_node(self, img: Any, kern: Any) -> Apply:
        img, kern = self._tensor(img, "the input"), self._tensor(kern, "the filters")
        bcast = (img.type.broadcastable[0], kern.type.broadcastable[0]) + (False,) * self.convdim
        out = TensorType(scal.upcast(img.type.dtype, kern.type.dtype), bcast)
        return Apply(self, [img, kern], [out()])

    def geometry(self, img_shape: Sequence[int], kern_shape: Sequence[int]) -> tuple[tuple, tuple]:
        """(pads, output spatial shape) for these shapes; raises the op's error when they do not fit."""
        name = type(self).__name__
        _check_hint(name, "input shape", self.imshp, img_shape)
        _check_hint(name, "filter shape", self.kshp, kern_shape)
        self._check_channels(img_shape, kern_shape)
        kshape = tuple(kern_shape[2:])
        pads = self._pads(kshape)
        return pads, _out_shape(name, img_shape[2:], kshape, pads, self.subsample, self.filter_dilation)

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        """The op over arrays of the module `xm` (NumPy, or CuPy on a GPU)."""
        odt = np.dtype(node.outputs[0].type.dtype)

        def fn(img: Any, kern: Any) -> Any:
            pads, out_shape = self.geometry(img.shape, kern.shape)
            if self.filter_flip:
                kern = _flip(kern)
            padded = _pad_spatial(xm, img.astype(odt, copy=False), pads)
            return _correlate(xm, padded, kern.astype(odt, copy=False), self.subsample,
                              self.filter_dilation, self.num_groups, out_shape, odt)

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Sequence[Any]]) -> list:
        ishp, kshp = shapes
        return [tuple(get_conv_output_shape(ishp, kshp, self.border_mode, self.subsample,
                                            self.filter_dilation))]

    def L_op(self, inputs, outputs, output_grads):
        img, kern = inputs
        (top,) = output_grads
        _, grad_w, grad_i = self._family()
        d_img = grad_i(**self._params())(kern, top, img.shape[2:])
        d_kern = grad_w(**self._params())(img, top, kern.shape[2:])
        return [d_img, d_kern]

    def R_op(self, inputs, eval_points):
        img, kern = inputs
        ev_img, ev_kern = eval_points
        terms = []
        if ev_img is not None:
            terms.append(self(ev_img, kern))
        if ev_kern is not None:
            terms.append(self(img, ev_kern))
        if not terms:
            return [None]
        return [terms[0] if len(terms) == 1 else terms[0] + terms[1]]


class Conv2dGradWeights(BaseConv):
    """The gradient of Conv2d with respect to its filters, from the input, the output gradient and
    the filters' spatial shape (needed: with a stride, it is not implied by the other two)."""

    def make_node(self, img: Any, topgrad: Any, shape: Any) -> Apply:
        img, top = self._tensor(img, "the input"), self._tensor(topgrad, "the output gradient")
        shape = self._shape_input(shape, "the filters' spatial shape")
        b1 = img.type.broadcastable[1] if self.num_groups == 1 else False
        bcast = (top.type.broadcastable[1], b1) + (False,) * self.convdim
        out = TensorType(scal.upcast(img.type.dtype, top.type.dtype), bcast)
        return Apply(self, [img, top, shape], [out()])

    def geometry(self, img_shape: Sequence[int], top_shape: Sequence[int],
                 shape: Any) -> tuple[tuple, tuple, tuple]:
        """(filter spatial shape, pads, output spatial shape); raises the op's error on a mismatch."""
        name, nd, g = type(self).__name__, self.convdim, self.num_groups
        kshape = _host_ints(shape)
        if len(kshape) != nd:
            raise ValueError(f"{name}: the filters' spatial shape must have {nd} entries, got {kshape}")
        _check_hint(name, "input shape", self.imshp, img_shape)
        if img_shape[0] != top_shape[0] or top_shape[1] % g or img_shape[1] % g:
            raise ValueError(f"{name}: input of shape {tuple(img_shape)} and output gradient of shape "
                             f"{tuple(top_shape)} do not agree (batch size, or channels vs num_groups={g})")
        pads = self._pads(kshape)
        out_shape = _out_shape(name, img_shape[2:], kshape, pads, self.subsample, self.filter_dilation)
        if tuple(top_shape[2:]) != out_shape:
            raise ValueError(f"{name}: the output gradient has spatial shape {tuple(top_shape[2:])}, but "
                             f"the convolution of {tuple(img_shape)} with filters {kshape} gives {out_shape}")
        return kshape, pads, out_shape

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        """The op over arrays of the module `xm` (NumPy, or CuPy on a GPU)."""
        odt = np.dtype(node.outputs[0].type.dtype)
        nd, g = self.convdim, self.num_groups

        def fn(img: Any, top: Any, shape: Any) -> Any:
            kshape, pads, out_shape = self.geometry(img.shape, top.shape, shape)
            padded = _pad_spatial(xm, img.astype(odt, copy=False), pads)
            top = top.astype(odt, copy=False)
            F, C = top.shape[1], img.shape[1]
            fg, cg = F // g, C // g
            res = xm.zeros((F, cg) + kshape, dtype=odt)
            axes = [0] + list(range(2, 2 + nd))
            step = _batch_chunk(padded, out_shape, kshape)
            for b0 in range(0, img.shape[0], step):
                win = _windows(xm, padded[b0:b0 + step], kshape, self.subsample, self.filter_dilation,
                               out_shape)
                t = top[b0:b0 + step]
                for k in range(g):
                    res[k * fg:(k + 1) * fg] += xm.tensordot(t[:, k * fg:(k + 1) * fg],
                                                             win[:, k * cg:(k + 1) * cg], axes=(axes, axes))
            return _flip(res).copy() if self.filter_flip else res

        return fn

    def infer_shape(self, node, shapes):
        _, tshp, _ = shapes
        ishp = shapes[0]
        c = ishp[1] if self.num_groups == 1 else ishp[1] // self.num_groups
        shape = node.inputs[2]
        return [(tshp[1], c) + tuple(shape[i] for i in range(self.convdim))]

    def L_op(self, inputs, outputs, output_grads):
        img, top, _ = inputs
        (g,) = output_grads
        conv, _, grad_i = self._family()
        d_img = grad_i(**self._params())(g, top, img.shape[2:])
        d_top = conv(**self._params())(img, g)
        return [d_img, d_top, DisconnectedType()()]

    def connection_pattern(self, node):
        return [[True], [True], [False]]


class Conv2dGradInputs(BaseConv):
    """The gradient of Conv2d with respect to its input, from the filters, the output gradient and
    the input's spatial shape (needed: with a stride, it is not implied by the other two)."""

    def make_node(self, kern: Any, topgrad: Any, shape: Any) -> Apply:
        kern, top = self._tensor(kern, "the filters"), self._tensor(topgrad, "the output gradient")
        shape = self._shape_input(shape, "the input's spatial shape")
        b1 = kern.type.broadcastable[1] if self.num_groups == 1 else False
        bcast = (top.type.broadcastable[0], b1) + (False,) * self.convdim
        out = TensorType(scal.upcast(kern.type.dtype, top.type.dtype), bcast)
        return Apply(self, [kern, top, shape], [out()])

    def geometry(self, kern_shape: Sequence[int], top_shape: Sequence[int],
                 shape: Any) -> tuple[tuple, tuple, tuple]:
        """(input spatial shape, pads, output spatial shape); raises the op's error on a mismatch."""
        name, nd, g = type(self).__name__, self.convdim, self.num_groups
        ishape = _host_ints(shape)
        if len(ishape) != nd:
            raise ValueError(f"{name}: the input's spatial shape must have {nd} entries, got {ishape}")
        _check_hint(name, "filter shape", self.kshp, kern_shape)
        F = kern_shape[0]
        if top_shape[1] != F or F % g:
            raise ValueError(f"{name}: filters of shape {tuple(kern_shape)} and output gradient of shape "
                             f"{tuple(top_shape)} do not agree (output channels, or num_groups={g})")
        kshape = tuple(kern_shape[2:])
        pads = self._pads(kshape)
        out_shape = _out_shape(name, ishape, kshape, pads, self.subsample, self.filter_dilation)
        if tuple(top_shape[2:]) != out_shape:
            raise ValueError(f"{name}: the output gradient has spatial shape {tuple(top_shape[2:])}, but "
                             f"the convolution of an input of spatial shape {ishape} with filters "
                             f"{tuple(kern_shape)} gives {out_shape}")
        return ishape, pads, out_shape

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        """The op over arrays of the module `xm` (NumPy, or CuPy on a GPU)."""
        odt = np.dtype(node.outputs[0].type.dtype)
        nd, g = self.convdim, self.num_groups

        def fn(kern: Any, top: Any, shape: Any) -> Any:
            ishape, pads, out_shape = self.geometry(kern.shape, top.shape, shape)
            F, cg = kern.shape[:2]
            kshape = tuple(kern.shape[2:])
            dk = [(k - 1) * d + 1 for k, d in zip(kshape, self.filter_dilation)]
            padded = [h + 2 * p for h, p in zip(ishape, pads)]
            top = top.astype(odt, copy=False)
            # Scatter the output gradient back to its stride positions, then correlate it, fully
            # padded, with the filters turned around: that is the adjoint of the forward correlation.
            if any(s > 1 for s in self.subsample):
                up = xm.zeros(top.shape[:2] + tuple((o - 1) * s + 1 for o, s in
                                                   zip(out_shape, self.subsample)), dtype=odt)
                up[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in self.subsample)] = top
            else:
                up = top
            extra = [p - ((o - 1) * s + d) for p, o, s, d in zip(padded, out_shape, self.subsample, dk)]
            tp = _pad_spatial(xm, up, [d - 1 for d in dk], [d - 1 + e for d, e in zip(dk, extra)])
            fg = F // g
            kk = kern.astype(odt, copy=False).reshape((g, fg, cg) + kshape)
            kk = xm.swapaxes(kk, 1, 2).reshape((g * cg, fg) + kshape)
            if not self.filter_flip:
                kk = _flip(kk)
            full = _correlate(xm, tp, kk, (1,) * nd, self.filter_dilation, g, padded, odt)
            crop = (slice(None), slice(None)) + tuple(slice(p, p + h) for p, h in zip(pads, ishape))
            return xm.ascontiguousarray(full[crop])

        return fn

    def infer_shape(self, node, shapes):
        kshp, tshp, _ = shapes
        c = kshp[1] if self.num_groups == 1 else kshp[1] * self.num_groups
        shape = node.inputs[2]
        return [(tshp[0], c) + tuple(shape[i] for i in range(self.convdim))]

    def L_op(self, inputs, outputs, output_grads):
        kern, top, _ = inputs
        (g,) = output_grads
        conv, grad_w, _ = self._family()
        d_kern = grad_w(**self._params())(g, top, kern.shape[2:])
        d_top = conv(**self._params())(g, kern)
        return [d_kern, d_top, DisconnectedType()()]

    def connection_pattern(self, node):
        return [[True], [True], [False]]


class Conv3d(Conv2d):
    """Conv2d for 5-D tensors (batch, channels, depth, rows, cols)."""

    convdim = 3


class Conv3dGradWeights(Conv2dGradWeights):
    """Conv2dGradWeights for 5-D tensors."""

    convdim = 3


class Conv3dGradInputs(Conv2dGradInputs):
    """Conv2dGradInputs for 5-D tensors."""

    convdim = 3


_FAMILIES = {2: (Conv2d, Conv2dGradWeights, Conv2dGradInputs),
             3: (Conv3d, Conv3dGradWeights, Conv3dGradInputs)}

# Theano 1.0's class names.
AbstractConv2d, AbstractConv2d_gradWeights, AbstractConv2d_gradInputs = _FAMILIES[2]
AbstractConv3d, AbstractConv3d_gradWeights, AbstractConv3d_gradInputs = _FAMILIES[3]


# -- the user-facing functions ------------------------------------------------------------------------

def _shape_hint(shape: Any) -> tuple | None:
    """A static shape hint from a tuple that may hold ints, None or symbolic scalars."""
    if shape is None:
        return None
    return tuple(int(s) if isinstance(s, (int, np.integer)) else None for s in shape)


def _spatial(shape: Any, nd: int) -> Any:
    """The last nd entries of a full shape given as a tuple of ints/scalars, or a symbolic vector."""
    if isinstance(shape, (tuple, list)):
        if len(shape) != nd + 2:
            raise ValueError(f"the shape must have {nd + 2} entries (batch, channels, spatial), got {shape!r}")
        parts = shape[2:]
        if all(isinstance(s, (int, np.integer)) for s in parts):
            return tuple(int(s) for s in parts)
        return stack([as_tensor_variable(s) for s in parts])
    return as_tensor_variable(shape)[2:]


def conv2d(input: Any, filters: Any, input_shape: Any = None, filter_shape: Any = None,
           border_mode: BorderMode = "valid", subsample: Any = (1, 1), filter_flip: bool = True,
           image_shape: Any = None, filter_dilation: Any = (1, 1), num_groups: int = 1,
           unshared: bool = False, **kwargs: Any) -> Variable:
    """2-D convolution of a 4-D input (batch, channels, rows, cols) with 4-D filters."""
    if kwargs:
        raise TypeError(f"conv2d: unexpected arguments {sorted(kwargs)}")
    if image_shape is not None:
        if input_shape is not None:
            raise ValueError("conv2d: give input_shape or its old name image_shape, not both")
        input_shape = image_shape
    op = Conv2d(imshp=_shape_hint(input_shape), kshp=_shape_hint(filter_shape), border_mode=border_mode,
                subsample=subsample, filter_flip=filter_flip, filter_dilation=filter_dilation,
                num_groups=num_groups, unshared=unshared)
    return op(input, filters)


def conv3d(input: Any, filters: Any, input_shape: Any = None, filter_shape: Any = None,
           border_mode: BorderMode = "valid", subsample: Any = (1, 1, 1), filter_flip: bool = True,
           filter_dilation: Any = (1, 1, 1), num_groups: int = 1) -> Variable:
    """3-D convolution of a 5-D input (batch, channels, depth, rows, cols) with 5-D filters."""
    op = Conv3d(imshp=_shape_hint(input_shape), kshp=_shape_hint(filter_shape), border_mode=border_mode,
                subsample=subsample, filter_flip=filter_flip, filter_dilation=filter_dilation,
                num_groups=num_groups)
    return op(input, filters)


def _grad_inputs(nd: int, output_grad: Any, filters: Any, input_shape: Any, filter_shape: Any,
                 border_mode: BorderMode, subsample: Any, filter_flip: bool, filter_dilation: Any,
                 num_groups: int) -> Variable:
    op = _FAMILIES[nd][2](imshp=_shape_hint(input_shape) if isinstance(input_shape, (tuple, list)) else None,
                          kshp=_shape_hint(filter_shape), border_mode=border_mode, subsample=subsample,
                          filter_flip=filter_flip, filter_dilation=filter_dilation, num_groups=num_groups)
    return op(filters, output_grad, _spatial(input_shape, nd))


def _grad_weights(nd: int, input: Any, output_grad: Any, filter_shape: Any, input_shape: Any,
                  border_mode: BorderMode, subsample: Any, filter_flip: bool, filter_dilation: Any,
                  num_groups: int) -> Variable:
    op = _FAMILIES[nd][1](imshp=_shape_hint(input_shape),
                          kshp=_shape_hint(filter_shape) if isinstance(filter_shape, (tuple, list)) else None,
                          border_mode=border_mode, subsample=subsample, filter_flip=filter_flip,
                          filter_dilation=filter_dilation, num_groups=num_groups)
    return op(input, output_grad, _spatial(filter_shape, nd))


def conv2d_grad_wrt_inputs(output_grad: Any, filters: Any, input_shape: Any, filter_shape: Any = None,
                           border_mode: BorderMode = "valid", subsample: Any = (1, 1),
                           filter_flip: bool = True, filter_dilation: Any = (1, 1),
                           num_groups: int = 1) -> Variable:
    """The gradient of conv2d with respect to its input; input_shape is the input's full 4-D shape."""
    return _grad_inputs(2, output_grad, filters, input_shape, filter_shape, border_mode, subsample,
                        filter_flip, filter_dilation, num_groups)


def conv2d_grad_wrt_weights(input: Any, output_grad: Any, filter_shape: Any, input_shape: Any = None,
                            border_mode: BorderMode = "valid", subsample: Any = (1, 1),
                            filter_flip: bool = True, filter_dilation: Any = (1, 1),
                            num_groups: int = 1) -> Variable:
    """The gradient of conv2d with respect to its filters; filter_shape is their full 4-D shape."""
    return _grad_weights(2, input, output_grad, filter_shape, input_shape, border_mode, subsample,
                         filter_flip, filter_dilation, num_groups)


def conv3d_grad_wrt_inputs(output_grad: Any, filters: Any, input_shape: Any, filter_shape: Any = None,
                           border_mode: BorderMode = "valid", subsample: Any = (1, 1, 1),
                           filter_flip: bool = True, filter_dilation: Any = (1, 1, 1),
                           num_groups: int = 1) -> Variable:
    """The gradient of conv3d with respect to its input; input_shape is the input's full 5-D shape."""
    return _grad_inputs(3, output_grad, filters, input_shape, filter_shape, border_mode, subsample,
                        filter_flip, filter_dilation, num_groups)


def conv3d_grad_wrt_weights(input: Any, output_grad: Any, filter_shape: Any, input_shape: Any = None,
                            border_mode: BorderMode = "valid", subsample: Any = (1, 1, 1),
                            filter_flip: bool = True, filter_dilation: Any = (1, 1, 1),
                            num_groups: int = 1) -> Variable:
    """The gradient of conv3d with respect to its filters; filter_shape is their full 5-D shape."""
    return _grad_weights(3, input, output_grad, filter_shape, input_shape, border_mode, subsample,
                         filter_flip, filter_dilation, num_groups)


def conv2d_transpose(input: Any, filters: Any, output_shape: Any, filter_shape: Any = None,
                     border_mode: BorderMode = "valid", input_dilation: Any = (1, 1),
                     filter_flip: bool = True, filter_dilation: Any = (1, 1),
                     num_groups: int = 1) -> Variable:
    """The transpose of conv2d ("deconvolution"): conv2d's input gradient applied to `input`."""
    return conv2d_grad_wrt_inputs(input, filters, output_shape, filter_shape, border_mode,
                                  input_dilation, filter_flip, filter_dilation, num_groups)
