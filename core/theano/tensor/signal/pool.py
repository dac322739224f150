"""Pooling over the last 2 (or 3) axes: max, sum and the two averages, with their gradients.

Pool computes the pooled tensor; MaxPoolGrad and AveragePoolGrad are its gradients;
DownsampleFactorMaxGradGrad is the gradient of MaxPoolGrad with respect to the output gradient.
The four are linear or piecewise linear and each one's gradient is made of the others, so
derivatives of any order stay inside this family.

Unlike Theano 1.0, where window size, stride and padding were symbolic inputs, they are static
ints in `__props__` here (compiled backends lower the ops by class and want them known); the
1.0 calling form `Pool(ignore_border, mode=...)(x, ws, stride, pad)` still works when they are
constants.

Window k along an axis covers [k * stride, k * stride + ws) of the padded input, cut at its end;
max, sum and average_exc_pad only see the real (unpadded) cells, average_inc_pad divides by the
window size counting padding (as Theano does, a window cut short by the border counts less).
The NumPy meaning loops over the offsets inside a window (ws[0] * ws[1] strided slices of the
whole tensor), never over output cells. It is written against an array module (`make_xp_fn`:
NumPy, or CuPy on a GPU), so a GPU backend runs the same code on the device.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

from ...graph.basic import Apply, Variable
from ...graph.op import Op
from ..basic import NotScalarConstantError, as_tensor_variable, get_scalar_constant_value, zeros_like
from ..type import TensorType
from ...graph.null_gradients import DisconnectedType  # noqa: F401  (Theano 1.0's pool re-exported it)
from ...graph.null_gradients import DisconnectedType as _Disconnected
from ...graph.null_gradients import grad_not_implemented
from ..join import stack
from ..math import ge
from ..math import maximum as _tmaximum
from ..math import switch

__all__ = ["DynamicPool", "Pool", "PoolGrad", "MaxPoolGrad", "AveragePoolGrad", "DownsampleFactorMaxGradGrad",
           "pool_2d", "pool_3d", "max_pool_2d_same_size", "pool_output_length"]

MODES = ("max", "sum", "average_inc_pad", "average_exc_pad")


# -- geometry ---------------------------------------------------------------------------------------

def pool_output_length(size: Any, ws: int, stride: int, pad: int, ignore_border: bool) -> Any:
    """Number of windows along one axis of length `size` (an int or a symbolic scalar)."""
    v = size + 2 * pad
    symbolic = isinstance(v, Variable)
    maximum = _tmaximum if symbolic else max  # the same name for ints and variables
    if ignore_border:
        return maximum((v - ws) // stride + 1, 0)
    if isinstance(ws, Variable) or isinstance(stride, Variable):  # a symbolic window (DynamicPool)
        return switch(ge(stride, ws), (v - 1) // stride + 1, maximum((v - 1 - ws + stride) // stride, 0) + 1)
    if stride >= ws:
        return (v - 1) // stride + 1
    return maximum((v - 1 - ws + stride) // stride, 0) + 1


def _static_ints(value: Any, n: int, what: str) -> tuple[int, ...]:
    """A tuple of n ints from ints, a tuple, an array or a constant symbolic vector."""
    if isinstance(value, Variable):
        try:
            value = get_scalar_constant_value(value) if value.type.ndim == 0 else _const_vector(value)
        except NotScalarConstantError:
            raise TypeError(f"pooling: {what} must be a constant here (a tuple of {n} ints), got the "
                            f"symbolic {value}") from None
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = np.repeat(arr, n)
    if arr.shape != (n,) or arr.dtype.kind not in "iub":
        raise TypeError(f"pooling: {what} must be a tuple of {n} ints, got {value!r}")
    return tuple(int(v) for v in arr)


def _const_vector(v: Variable) -> np.ndarray:
    data = getattr(v, "data", None)
    if data is None:
        raise NotScalarConstantError(str(v))
    return np.asarray(data)


class _Geometry:
    """Output size, working extent and per-axis window counts of one pooling on one input shape."""

    def __init__(self, op: "PoolBase", spatial: Sequence[int]):
        self.spatial = tuple(spatial)
        self.out = tuple(int(pool_output_length(v, w, s, p, op.ignore_border))
                         for v, w, s, p in zip(spatial, op.ws, op.stride, op.pad))
        # Windows may run past the padded input when ignore_border is False: work in an array
        # big enough for all of them, and never smaller than one window.
        self.extent = tuple(max((o - 1) * s + w, v + 2 * p, w) for o, v, w, s, p in
                            zip(self.out, spatial, op.ws, op.stride, op.pad))
        self.op = op

    def padded(self, x: Any, fill: Any, xm: Any = np) -> Any:
        nd = len(self.spatial)
        if self.extent == self.spatial:
            return x
        y = xm.full(x.shape[:-nd] + self.extent, fill, dtype=x.dtype)
        y[self.crop()] = x
        return y

    def crop(self) -> tuple:
        return (Ellipsis,) + tuple(slice(p, p + v) for p, v in zip(self.op.pad, self.spatial))

    def offsets(self) -> Any:
        """For each offset inside a window, the strided slice of the working array it reads."""
        for off in np.ndindex(*self.op.ws):
            yield (Ellipsis,) + tuple(slice(o, o + (n - 1) * s + 1 if n else o, s)
                                      for o, n, s in zip(off, self.out, self.op.stride))

    def counts(self) -> np.ndarray:
        """How many cells each window averages over, shaped like the pooled axes."""
        inc = self.op.mode == "average_inc_pad"
        total = np.ones((), dtype="float64")
        for k, (v, w, s, p, n) in enumerate(zip(self.spatial, self.op.ws, self.op.stride,
                                                self.op.pad, self.out)):
            start = np.arange(n) * s
            end = np.minimum(start + w, v + 2 * p)
            if not inc:
                start, end = np.maximum(start, p), np.minimum(end, v + p)
            total = np.multiply.outer(total, (end - start).astype("float64"))
        return total


def _lowest(dtype: np.dtype) -> Any:
    return -np.inf if dtype.kind in "fc" else np.iinfo(dtype).min if dtype.kind in "iu" else False


def _never_equal(dtype: np.dtype) -> Any:
    # Fill for padding where values are compared with the maximum: NaN equals nothing. Integer
    # padding may compare equal, but its gradient lands in the padding and is cropped away.
    return np.nan if dtype.kind in "fc" else 0


# -- the ops ------------------------------------------------------------------------------------------

class PoolBase(Op):
    """Pooling parameters shared by Pool and its gradient ops."""

    __props__ = ("ignore_border", "mode", "ndim", "ws", "stride", "pad")

    def __init__(self, ignore_border: bool = False, mode: str = "max", ndim: int = 2, ws: Any = None,
                 stride: Any = None, pad: Any = None, openmp: Any = None):
        if mode == "max_deterministic":
            mode = "max"
        if mode not in MODES:
            raise ValueError(f"pooling mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.ignore_border, self.mode, self.ndim = bool(ignore_border), mode, int(ndim)
        if ws is None:
            self.ws = self.stride = self.pad = None
            return
        self.ws = _static_ints(ws, self.ndim, "ws")
        self.stride = self.ws if stride is None else _static_ints(stride, self.ndim, "stride")
        self.pad = (0,) * self.ndim if pad is None else _static_ints(pad, self.ndim, "pad")
        if min(self.ws) < 1 or min(self.stride) < 1 or min(self.pad) < 0:
            raise ValueError(f"pooling: ws and stride must be >= 1 and pad >= 0, got ws={self.ws}, "
                             f"stride={self.stride}, pad={self.pad}")
        if any(self.pad) and not self.ignore_border:
            raise NotImplementedError("pooling: padding works only with ignore_border=True")
        if any(p >= w for p, w in zip(self.pad, self.ws)):
            raise NotImplementedError(f"pooling: padding {self.pad} must be smaller than the window {self.ws}")

    def _with(self, ws: Any, stride: Any, pad: Any) -> "PoolBase | None":
        """This op with window parameters given at call time (Theano 1.0's form), or None."""
        if ws is None and stride is None and pad is None:
            if self.ws is None:
                raise TypeError(f"{type(self).__name__}: no window size given (ws)")
            return None
        if ws is None:
            ws = self.ws
        return type(self)(self.ignore_border, self.mode, self.ndim, ws, stride, pad)

    def _params(self) -> dict:
        return dict(ignore_border=self.ignore_border, mode=self.mode, ndim=self.ndim, ws=self.ws,
                    stride=self.stride, pad=self.pad)

    def _input(self, x: Any, what: str = "x") -> Variable:
        x = as_tensor_variable(x)
        if x.type.ndim < self.ndim:
            raise TypeError(f"{type(self).__name__}: {what} must have at least {self.ndim} dimensions "
                            f"(it pools the last {self.ndim}), got {x.type}")
        return x

    def _pooled_type(self, x: Variable) -> TensorType:
        return TensorType(x.type.dtype, x.type.broadcastable[:-self.ndim] + (False,) * self.ndim)

    def check_pooled(self, x: np.ndarray, pooled: np.ndarray, geo: _Geometry, what: str) -> None:
        """Raise ValueError naming `what` unless `pooled` has the shape pooling `x` gives;
        backends that run the op natively call it on their inputs as perform does."""
        want = x.shape[:-self.ndim] + geo.out
        if pooled.shape != want:
            raise ValueError(f"{type(self).__name__}: {what} has shape {pooled.shape}, but pooling an "
                             f"input of shape {x.shape} gives {want}")

    def geometry(self, x_shape: Sequence[int]) -> _Geometry:
        """Output size and window extents of this pooling on an input of shape `x_shape`."""
        return _Geometry(self, x_shape[-self.ndim:])

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        raise NotImplementedError

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        return self.make_xp_fn(node, np)

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        output_storage[0][0] = self.make_py_fn(node)(*[np.asarray(i) for i in inputs])


class Pool(PoolBase):
    """Max, sum or average over windows of the last `ndim` axes."""

    def make_node(self, x: Any, ws: Any = None, stride: Any = None, pad: Any = None) -> Apply:
        other = self._with(ws, stride, pad)
        if other is not None:
            return other.make_node(x)
        x = self._input(x)
        return Apply(self, [x], [self._pooled_type(x)()])

    @staticmethod
    def out_shape(imgshape: Sequence[Any], ws: Sequence[int] | None = None, ignore_border: bool = False,
                  stride: Sequence[int] | None = None, pad: Sequence[int] | None = None, ndim: int = 2,
                  ds: Any = None, st: Any = None, padding: Any = None) -> list:
        """The shape of the pooled tensor for an input of shape `imgshape` (ints or symbolic)."""
        ws = ds if ws is None else ws
        stride = st if stride is None else stride
        pad = padding if pad is None else pad
        stride = ws if stride is None else stride
        pad = (0,) * ndim if pad is None else pad
        spatial = list(imgshape[-ndim:])
        return list(imgshape[:-ndim]) + [pool_output_length(v, w, s, p, ignore_border)
                                         for v, w, s, p in zip(spatial, ws, stride, pad)]

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        """The op over arrays of the module `xm` (NumPy, or CuPy on a GPU)."""
        nd, mode = self.ndim, self.mode

        def fn(x: Any) -> Any:
            geo = _Geometry(self, x.shape[-nd:])
            y = geo.padded(x, _lowest(x.dtype) if mode == "max" else 0, xm)
            out = xm.zeros(x.shape[:-nd] + geo.out, dtype=x.dtype if mode == "max" else
                           np.result_type(x.dtype, np.float32) if x.dtype.kind in "iub" else x.dtype)
            first = True
            for sl in geo.offsets():
                if mode == "max":
                    if first:
                        out[...] = y[sl]
                    else:
                        xm.maximum(out, y[sl], out=out)
                else:
                    out += y[sl]
                first = False
            if mode.startswith("average"):
                out /= xm.asarray(geo.counts().astype(out.dtype))
            return out.astype(x.dtype, copy=False)

        return fn

    def infer_shape(self, node, shapes):
        return [tuple(self.out_shape(shapes[0], self.ws, self.ignore_border, self.stride, self.pad,
                                     self.ndim))]

    def L_op(self, inputs, outputs, output_grads):
        (x,), (gz,) = inputs, output_grads
        if self.mode == "max":
            return [MaxPoolGrad(**self._params())(x, outputs[0], gz)]
        return [AveragePoolGrad(**self._params())(x, gz)]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        if self.mode != "max":
            return [self(eval_points[0])]
        return [DownsampleFactorMaxGradGrad(**self._params())(inputs[0], self(inputs[0]), eval_points[0])]


class PoolGrad(PoolBase):
    """Base of the pooling gradient ops."""


class MaxPoolGrad(PoolGrad):
    """The gradient of max pooling: each window's output gradient goes to the cells that hold its
    maximum (to every one of them when several tie)."""

    def __init__(self, ignore_border: bool = False, mode: str = "max", ndim: int = 2, ws: Any = None,
                 stride: Any = None, pad: Any = None, openmp: Any = None):
        super().__init__(ignore_border, mode, ndim, ws, stride, pad)
        if self.mode != "max":
            raise ValueError(f"MaxPoolGrad: mode must be 'max', got {mode!r}")

    def make_node(self, x: Any, maxout: Any, gz: Any, ws: Any = None, stride: Any = None,
                  pad: Any = None) -> Apply:
        other = self._with(ws, stride, pad)
        if other is not None:
            return other.make_node(x, maxout, gz)
        x, maxout, gz = self._input(x), self._input(maxout, "maxout"), self._input(gz, "gz")
        if not x.type.ndim == maxout.type.ndim == gz.type.ndim:
            raise TypeError(f"MaxPoolGrad: x, maxout and gz must have the same number of dimensions, "
                            f"got {x.type}, {maxout.type}, {gz.type}")
        return Apply(self, [x, maxout, gz], [x.type()])

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        """The op over arrays of the module `xm` (NumPy, or CuPy on a GPU)."""
        nd, odt = self.ndim, np.dtype(node.outputs[0].type.dtype)

        def fn(x: Any, maxout: Any, gz: Any) -> Any:
            geo = _Geometry(self, x.shape[-nd:])
            self.check_pooled(x, maxout, geo, "maxout")
            self.check_pooled(x, gz, geo, "gz")
            y = geo.padded(x, _never_equal(x.dtype), xm)
            gy = xm.zeros(x.shape[:-nd] + geo.extent, dtype=odt)
            for sl in geo.offsets():
                gy[sl] += xm.where(y[sl] == maxout, gz, 0)
            return xm.ascontiguousarray(gy[geo.crop()])

        return fn

    def infer_shape(self, node, shapes):
        return [tuple(shapes[0])]

    def L_op(self, inputs, outputs, output_grads):
        x, maxout, _ = inputs
        (g,) = output_grads
        return [zeros_like(x), zeros_like(maxout),
                DownsampleFactorMaxGradGrad(**self._params())(x, maxout, g)]


class AveragePoolGrad(PoolGrad):
    """The gradient of sum and average pooling: each window's output gradient, divided by its
    count for the averages, spread over the cells of the window."""

    def __init__(self, ignore_border: bool = False, mode: str = "average_inc_pad", ndim: int = 2,
                 ws: Any = None, stride: Any = None, pad: Any = None, openmp: Any = None):
        super().__init__(ignore_border, mode, ndim, ws, stride, pad)
        if self.mode == "max":
            raise ValueError("AveragePoolGrad: mode must be 'sum' or an average, got 'max'")

    def make_node(self, x: Any, gz: Any, ws: Any = None, stride: Any = None, pad: Any = None) -> Apply:
        other = self._with(ws, stride, pad)
        if other is not None:
            return other.make_node(x, gz)
        x, gz = self._input(x), self._input(gz, "gz")
        if x.type.ndim != gz.type.ndim:
            raise TypeError(f"AveragePoolGrad: x and gz must have the same number of dimensions, got "
                            f"{x.type} and {gz.type}")
        return Apply(self, [x, gz], [x.type()])

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        """The op over arrays of the module `xm` (NumPy, or CuPy on a GPU)."""
        nd, odt = self.ndim, np.dtype(node.outputs[0].type.dtype)

        def fn(x: Any, gz: Any) -> Any:
            geo = _Geometry(self, x.shape[-nd:])
            self.check_pooled(x, gz, geo, "gz")
            work = odt if odt.kind in "fc" else np.dtype("float64")
            g = gz.astype(work, copy=False)
            if self.mode != "sum":
                g = g / xm.asarray(geo.counts().astype(work))
            gy = xm.zeros(x.shape[:-nd] + geo.extent, dtype=work)
            for sl in geo.offsets():
                gy[sl] += g
            return xm.ascontiguousarray(gy[geo.crop()]).astype(odt, copy=False)

        return fn

    def infer_shape(self, node, shapes):
        return [tuple(shapes[0])]

    def L_op(self, inputs, outputs, output_grads):
        x, _ = inputs
        (g,) = output_grads
        return [zeros_like(x), Pool(**self._params())(g)]


class DownsampleFactorMaxGradGrad(PoolGrad):
    """The gradient of MaxPoolGrad with respect to its output gradient: for each window, the sum of
    `ggx` over the cells that hold the window's maximum (the adjoint of MaxPoolGrad)."""

    def __init__(self, ignore_border: bool = False, mode: str = "max", ndim: int = 2, ws: Any = None,
                 stride: Any = None, pad: Any = None, openmp: Any = None):
        super().__init__(ignore_border, mode, ndim, ws, stride, pad)
        if self.mode != "max":
            raise ValueError(f"DownsampleFactorMaxGradGrad: mode must be 'max', got {mode!r}")

    def make_node(self, x: Any, maxout: Any, ggx: Any, ws: Any = None, stride: Any = None,
                  pad: Any = None) -> Apply:
        other = self._with(ws, stride, pad)
        if other is not None:
            return other.make_node(x, maxout, ggx)
        x, maxout, ggx = self._input(x), self._input(maxout, "maxout"), self._input(ggx, "ggx")
        if not x.type.ndim == maxout.type.ndim == ggx.type.ndim:
            raise TypeError(f"DownsampleFactorMaxGradGrad: x, maxout and ggx must have the same number of "
                            f"dimensions, got {x.type}, {maxout.type}, {ggx.type}")
        return Apply(self, [x, maxout, ggx], [maxout.type()])

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        """The op over arrays of the module `xm` (NumPy, or CuPy on a GPU)."""
        nd, odt = self.ndim, np.dtype(node.outputs[0].type.dtype)

        def fn(x: Any, maxout: Any, ggx: Any) -> Any:
            geo = _Geometry(self, x.shape[-nd:])
            self.check_pooled(x, maxout, geo, "maxout")
            self.check_ggx(x.shape, ggx.shape)
            y = geo.padded(x, _never_equal(x.dtype), xm)
            gg = geo.padded(ggx, 0, xm)
            out = xm.zeros(maxout.shape, dtype=odt)
            for sl in geo.offsets():
                out += xm.where(y[sl] == maxout, gg[sl], 0)
            return out

        return fn

    @staticmethod
    def check_ggx(x_shape: Sequence[int], ggx_shape: Sequence[int]) -> None:
        if tuple(ggx_shape) != tuple(x_shape):
            raise ValueError(f"DownsampleFactorMaxGradGrad: ggx has shape {tuple(ggx_shape)}, x has "
                             f"{tuple(x_shape)}")

    def infer_shape(self, node, shapes):
        return [tuple(shapes[1])]

    def L_op(self, inputs, outputs, output_grads):
        x, maxout, _ = inputs
        (g,) = output_grads
        return [zeros_like(x), zeros_like(maxout), MaxPoolGrad(**self._params())(x, maxout, g)]


# -- the user-facing functions -------------------------------------------------------------------------

class DynamicPool(Op):
    """Pool, or one of its gradient ops (`base`), with the window size, stride and padding as
    symbolic inputs (int64 vectors after the data inputs), for Theano 1.0 programs that pass
    them as variables. Each call builds the static op for the values it is given (cached), so
    the numbers are the static op's; backends run it through its NumPy meaning. Its gradient
    is the dynamic form of the static op's (first order)."""

    __props__ = ("base", "ignore_border", "mode", "ndim")

    def __init__(self, base: type, ignore_border: bool, mode: str, ndim: int):
        if mode == "max_deterministic":
            mode = "max"
        self.base, self.ignore_border, self.mode, self.ndim = base, bool(ignore_border), mode, int(ndim)

    def __str__(self) -> str:
        return f"Dynamic{self.base.__name__}{{{self.mode}, ignore_border={self.ignore_border}}}"

    def static(self, ws: Sequence[int], stride: Sequence[int], pad: Sequence[int]) -> PoolBase:
        """The static op for these window values."""
        return self.base(self.ignore_border, self.mode, self.ndim, ws=tuple(int(w) for w in ws),
                         stride=tuple(int(v) for v in stride), pad=tuple(int(v) for v in pad))

    def make_node(self, *inputs: Any) -> Apply:
        *data, ws, stride, pad = inputs
        data = [as_tensor_variable(d) for d in data]
        params = []
        for what, v in (("ws", ws), ("stride", stride), ("pad", pad)):
            v = as_tensor_variable(v)
            if v.type.ndim != 1 or v.type.dtype not in ("int8", "int16", "int32", "int64", "uint8", "uint16",
                                                        "uint32"):
                raise TypeError(f"pooling: {what} must be a vector of {self.ndim} integers, got {v.type}")
            params.append(v if v.type.dtype == "int64" else v.astype("int64"))
        x = data[0]
        if x.type.ndim < self.ndim:
            raise TypeError(f"pooling: the input must have at least {self.ndim} dimensions, got {x.type}")
        if self.base is Pool:
            out = TensorType(x.type.dtype, x.type.broadcastable[:-self.ndim] + (False,) * self.ndim)()
        else:
            out = x.type()
        return Apply(self, data + params, [out])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        cache: dict = {}

        def fn(*args: Any) -> Any:
            *data, ws, stride, pad = args
            key = (tuple(np.asarray(ws).tolist()), tuple(np.asarray(stride).tolist()),
                   tuple(np.asarray(pad).tolist()))
            f = cache.get(key)
            if f is None:
                f = cache[key] = self.static(*key).make_py_fn(node)
            return f(*data)

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list:
        if self.base is not Pool:
            return [shapes[0]]
        ws, stride, pad = node.inputs[-3:]
        return [tuple(Pool.out_shape(shapes[0], [ws[k] for k in range(self.ndim)], self.ignore_border,
                                     [stride[k] for k in range(self.ndim)], [pad[k] for k in range(self.ndim)],
                                     self.ndim))]

    def connection_pattern(self, node: Apply) -> list:
        return [[True]] * (len(node.inputs) - 3) + [[False]] * 3

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list:
        *data, ws, stride, pad = inputs
        (gz,) = output_grads
        none = [_Disconnected()() for _ in range(3)]
        if self.base is not Pool:
            return [grad_not_implemented(self, k, d, "the second derivative of pooling needs a constant "
                                                     "window (ws, stride, pad)") for k, d in enumerate(data)] + none
        x = data[0]
        if self.mode == "max":
            grad = DynamicPool(MaxPoolGrad, self.ignore_border, self.mode, self.ndim)(x, outputs[0], gz, ws, stride,
                                                                                       pad)
        else:
            grad = DynamicPool(AveragePoolGrad, self.ignore_border, self.mode, self.ndim)(x, gz, ws, stride, pad)
        return [grad] + none


def _constant_or_none(value: Any, n: int, what: str) -> tuple[int, ...] | None:
    """value as a tuple of n ints when it is known now (ints, arrays, constant graphs), None
    when it is symbolic."""
    try:
        return _static_ints(value, n, what)
    except TypeError:
        if isinstance(value, Variable) or (isinstance(value, (tuple, list))
                                           and any(isinstance(v, Variable) for v in value)):
            return None
        raise


def _as_param_vector(value: Any, n: int) -> Variable:
    """A window parameter (ints and scalars, or a vector) as a symbolic int64 vector of length n."""
    if isinstance(value, (tuple, list)):
        return stack([as_tensor_variable(v).astype("int64") for v in value])
    v = as_tensor_variable(value)
    if v.type.ndim == 0:
        return stack([v] * n).astype("int64")
    return v


def _old_names(fname: str, ws: Any, stride: Any, pad: Any, ds: Any, st: Any, padding: Any,
               nd: int) -> tuple[Any, Any, Any]:
    """Accept the pre-1.0 spellings ds/st/padding, with the deprecation warnings Theano gave."""
    if ds is not None:
        if ws is not None:
            raise ValueError(f"{fname}: give the window size as ws or as its old name ds, not both")
        warnings.warn(f"{fname}: the 'ds' parameter is deprecated, use 'ws'", DeprecationWarning,
                      stacklevel=3)
        ws = ds
    if ws is None:
        raise ValueError(f"{fname}: the window size ws is required")
    if st is not None:
        if stride is not None:
            raise ValueError(f"{fname}: give the stride as stride or as its old name st, not both")
        warnings.warn(f"{fname}: the 'st' parameter is deprecated, use 'stride'", DeprecationWarning,
                      stacklevel=3)
        stride = st
    if padding is not None:
        if pad is not None and tuple(pad) != (0,) * nd:
            raise ValueError(f"{fname}: give the padding as pad or as its old name padding, not both")
        warnings.warn(f"{fname}: the 'padding' parameter is deprecated, use 'pad'", DeprecationWarning,
                      stacklevel=3)
        pad = padding
    return ws, stride, pad


def _pool_nd(fname: str, nd: int, input: Any, ws: Any, ignore_border: bool | None, stride: Any,
             pad: Any, mode: str, ds: Any, st: Any, padding: Any) -> Variable:
    ws, stride, pad = _old_names(fname, ws, stride, pad, ds, st, padding, nd)
    input = as_tensor_variable(input)
    if input.type.ndim < nd:
        raise NotImplementedError(f"{fname} requires an input of at least {nd} dimensions, got {input.type}")
    if ignore_border is None:
        # Theano 1.0's default and its warning: programs that relied on it get the same shapes.
        warnings.warn(f"{fname}(): ignore_border defaults to False (as in Theano 1.0), which keeps partial "
                      f"windows at the border; pass ignore_border=True or False explicitly", stacklevel=3)
        ignore_border = False
    static = [_constant_or_none(v, nd, what) if v is not None else None
              for v, what in ((ws, "ws"), (stride, "stride"), (pad, "pad"))]
    symbolic = [v is not None and c is None for v, c in zip((ws, stride, pad), static)]
    if not any(symbolic):
        return Pool(ignore_border, mode=mode, ndim=nd, ws=ws, stride=stride, pad=pad)(input)
    # Theano 1.0 took ws, stride and pad as symbolic inputs; a program that passes variables
    # gets the dynamic form (the static ops need them known when the graph is built).
    ws_v = _as_param_vector(ws, nd)
    stride_v = ws_v if stride is None else _as_param_vector(stride, nd)
    pad_v = _as_param_vector((0,) * nd if pad is None else pad, nd)
    return DynamicPool(Pool, ignore_border, mode, nd)(input, ws_v, stride_v, pad_v)


def pool_2d(input: Any, ws: Any = None, ignore_border: bool | None = None, stride: Any = None,
            pad: Any = (0, 0), mode: str = "max", ds: Any = None, st: Any = None,
            padding: Any = None) -> Variable:
    """Pool windows of size ws over the last two axes of `input` (max, sum or an average)."""
    return _pool_nd("pool_2d", 2, input, ws, ignore_border, stride, pad, mode, ds, st, padding)


def pool_3d(input: Any, ws: Any = None, ignore_border: bool | None = None, stride: Any = None,
            pad: Any = (0, 0, 0), mode: str = "max", ds: Any = None, st: Any = None,
            padding: Any = None) -> Variable:
    """Pool windows of size ws over the last three axes of `input` (max, sum or an average)."""
    return _pool_nd("pool_3d", 3, input, ws, ignore_border, stride, pad, mode, ds, st, padding)


def max_pool_2d_same_size(input: Any, patch_size: Any) -> Variable:
    """Keep the maximum of each non-overlapping patch and set every other cell to zero."""
    op = Pool(True, ws=patch_size)
    out = op(input)
    return MaxPoolGrad(True, ws=patch_size)(input, out, out)


from ...compat.absent import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
