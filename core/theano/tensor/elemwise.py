"""Elemwise (a scalar op over arrays), DimShuffle (axis permutation and broadcasting),
and CAReduce (a reduction along axes with an associative scalar op)."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..kernel.ir import Kernel, Reduction, kernel_from_composite
from ..scalar import basic as scal
from .type import TensorType
from ..graph.null_gradients import NullType

__all__ = ["Elemwise", "DimShuffle", "CAReduce", "broadcast_check", "expand_reduced"]


def broadcast_check(op: Any, node: Apply, args: Sequence[Any]) -> None:
    """Theano's broadcasting rule: a dimension of length 1 only broadcasts when its type says
    it is broadcastable. Raise ValueError naming the shapes otherwise."""
    out_nd = node.outputs[0].type.ndim
    for axis in range(out_nd):
        lengths = set()
        ones_fixed = False
        for a, v in zip(args, node.inputs):
            n = np.shape(a)[axis]
            if v.type.broadcastable[axis]:
                continue
            lengths.add(n)
            ones_fixed = ones_fixed or n == 1
        if len(lengths) > 1:
            shapes = ", ".join(str(tuple(np.shape(a))) for a in args)
            raise ValueError(f"input dimension mismatch on axis {axis}: shapes {shapes} do not "
                             f"broadcast (a length-1 dimension broadcasts only when its type is "
                             f"broadcastable, e.g. a row or col)")


class Elemwise(Op):
    """Apply `scalar_op` to every element, broadcasting the inputs.

    Inputs of lower rank are padded on the left with broadcastable dimensions, as in NumPy.
    `inplace_pattern` maps an output index to the input whose buffer it reuses.
    """

    __props__ = ("scalar_op", "inplace_pattern")

    def __init__(self, scalar_op: scal.ScalarOp, inplace_pattern: dict[int, int] | None = None,
                 name: str | None = None, nfunc_spec: Any = None):
        self.scalar_op = scalar_op
        self.inplace_pattern = tuple(sorted((inplace_pattern or {}).items()))
        self.destroy_map = {o: [i] for o, i in self.inplace_pattern}
        self.name = name

    def __str__(self) -> str:
        if self.name:
            return self.name
        ip = ",".join(f"{o}:{i}" for o, i in self.inplace_pattern)
        return f"Elemwise{{{self.scalar_op},{('inplace' if ip == '0:0' else 'inplace{' + ip + '}') if ip else 'no_inplace'}}}"

    def make_node(self, *inputs: Any) -> Apply:
        inputs = [_basic.as_tensor_variable(i) for i in inputs]
        if self.scalar_op.nin >= 0 and len(inputs) != self.scalar_op.nin:
            raise TypeError(f"{self.scalar_op} takes {self.scalar_op.nin} inputs, {len(inputs)} given")
        nd = max((i.type.ndim for i in inputs), default=0)
        padded = []
        for i in inputs:
            if i.type.ndim < nd:
                i = DimShuffle(i.type.broadcastable, ["x"] * (nd - i.type.ndim) + list(range(i.type.ndim)))(i)
            padded.append(i)
        out_dtypes = self.scalar_op.output_dtypes(*[i.type.dtype for i in padded])
        bcast = tuple(all(i.type.broadcastable[k] for i in padded) for k in range(nd))
        for o, i in self.inplace_pattern:
            if padded[i].type.dtype != out_dtypes[o] or padded[i].type.broadcastable != bcast:
                raise TypeError(f"{self}: input {i} cannot hold output {o} in place")
        return Apply(self, padded, [TensorType(d, bcast)() for d in out_dtypes])

    def kernel(self, node: Apply) -> Kernel | None:
        """The Kernel (theano.kernel.ir) this node computes, a one-op composite, for backends
        that render loops; None when the node is not over tensors or the scalar op's output
        dtypes differ from the node's."""
        if not _over_tensors(node):
            return None
        ins = [scal.get_scalar_type(i.type.dtype)() for i in node.inputs]
        outs = self.scalar_op.make_node(*ins).outputs
        if [o.type.dtype for o in outs] != [o.type.dtype for o in node.outputs]:
            return None
        return kernel_from_composite(scal.Composite(ins, outs), [i.type for i in node.inputs],
                                     [o.type for o in node.outputs], name=f"elemwise_{self.scalar_op.name}")

    # -- meaning ------------------------------------------------------------------
    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        sop = self.scalar_op
        # The bare ufunc is fastest, but only when it takes exactly this many operands.
        direct = (sop.nfunc is not None and type(sop).impl is scal.ScalarOp.impl
                  and (sop.nin != -1 or len(node.inputs) == 2))
        impl = sop.nfunc if direct else sop.impl
        out_dtypes = [np.dtype(o.type.dtype) for o in node.outputs]
        odt = out_dtypes[0]
        nout = len(out_dtypes)
        float_op = sop.float_op
        may_alias = sop.may_return_input
        checked = node.outputs[0].type.ndim > 0 and len(node.inputs) > 1
        op = self
        asarray = np.asarray

        def fn(*args: Any) -> Any:
            if checked:
                s0 = args[0].shape
                for a in args:
                    if a.shape != s0:
                        broadcast_check(op, node, args)
                        break
            if float_op:
                args = [a if a.dtype == odt else a.astype(odt) for a in args]
            r = impl(*args)
            if nout == 1:
                if type(r) is not np.ndarray or r.dtype != odt:
                    r = asarray(r, dtype=odt)
                if may_alias and (r.base is not None or any(r is a for a in args)):
                    r = r.copy()  # an Elemwise output is fresh memory, never an input's
                return r
            return tuple(asarray(x, dtype=d) for x, d in zip(r, out_dtypes))

        return fn

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        with np.errstate(all="ignore"):
            res = self.make_py_fn(node)(*[np.asarray(i) for i in inputs])
        if len(node.outputs) == 1:
            res = (res,)
        for st, r in zip(output_storage, res):
            st[0] = r

    # -- derivatives and shapes ---------------------------------------------------------
    def L_op(self, inputs, outputs, output_grads):
        # cycle: tensor.elemwise -> tensor.math -> tensor.elemwise
        from .math import sum as tsum

        grads = self.scalar_op.grad(inputs, output_grads)
        res = []
        for x, g in zip(inputs, grads):
            if g is None or getattr(g.type, "is_disconnected", False) or not hasattr(g, "ndim"):
                res.append(g)
                continue
            axes = [k for k in range(x.type.ndim)
                    if x.type.broadcastable[k] and not g.type.broadcastable[k]]
            if axes:
                g = tsum(g, axis=axes, keepdims=True)
            if g.type.ndim > x.type.ndim:
                g = tsum(g, axis=list(range(g.type.ndim - x.type.ndim)))
            if x.type.dtype in scal.continuous_dtypes and g.type.dtype != x.type.dtype:
                g = _basic.cast(g, x.type.dtype)
            if g.type.broadcastable != x.type.broadcastable:
                g = _basic.patternbroadcast(g, x.type.broadcastable)
            res.append(g)
        return res

    def R_op(self, inputs, eval_points):
        """Jacobian-vector product: an elementwise op's Jacobian is diagonal, so the partial
        derivatives (the scalar gradient against a ones cotangent) times the directions."""
        outs = self(*inputs)
        outs = outs if isinstance(outs, list) else [outs]
        res = []
        for k, out in enumerate(outs):
            ograds = [_basic.ones_like(o) if j == k else o.zeros_like() for j, o in enumerate(outs)]
            partials = self.scalar_op.grad(inputs, ograds if len(outs) > 1 else ograds[:1])
            rop = None
            for p, ev in zip(partials, eval_points):
                if ev is None or p is None or getattr(p.type, "is_disconnected", False):
                    continue
                if isinstance(p.type, NullType):
                    raise NotImplementedError(f"R_op of {self}: {p.type.why_null}")
                term = p * ev
                rop = term if rop is None else rop + term
            if rop is not None and rop.type.dtype != out.type.dtype and \
                    out.type.dtype in scal.continuous_dtypes:
                rop = _basic.cast(rop, out.type.dtype)
            res.append(rop)
        return res

    def infer_shape(self, node: Apply, shapes: Sequence[Sequence[Any]]) -> list:
        out = []
        for axis in range(node.outputs[0].type.ndim):
            dim = None
            for v, s in zip(node.inputs, shapes):
                if not v.type.broadcastable[axis]:
                    dim = s[axis]
                    break
            out.append(1 if dim is None else dim)
        return [tuple(out)] * len(node.outputs)


class DimShuffle(Op):
    """Permute axes, drop broadcastable axes and insert new broadcastable ones ('x')."""

    __props__ = ("input_broadcastable", "new_order")

    def __init__(self, input_broadcastable: Sequence[bool], new_order: Sequence[Any], inplace: bool = True):
        self.input_broadcastable = tuple(bool(b) for b in input_broadcastable)
        new_order = tuple("x" if o == "x" else int(o) for o in new_order)
        self.new_order = new_order
        nd = len(self.input_broadcastable)
        kept = [o for o in new_order if o != "x"]
        for o in kept:
            if not -nd <= o < nd:
                raise ValueError(f"DimShuffle: axis {o} out of range for a {nd}-dimensional input")
        kept = [o % nd if nd else o for o in kept]
        if len(set(kept)) != len(kept):
            raise ValueError(f"DimShuffle: axis repeated in {new_order}")
        self.new_order = tuple("x" if o == "x" else o % nd for o in new_order)
        self.drop = [k for k in range(nd) if k not in kept]
        for k in self.drop:
            if not self.input_broadcastable[k]:
                raise ValueError(f"DimShuffle {list(new_order)}: cannot drop axis {k}, which is not "
                                 f"broadcastable (input pattern {self.input_broadcastable})")
        self.shuffle = kept
        self.augment = [k for k, o in enumerate(self.new_order) if o == "x"]
        self.view_map = {0: [0]}
        self.is_transpose = not self.augment and not self.drop

    def __str__(self) -> str:
        return f"DimShuffle{{{','.join(str(o) for o in self.new_order)}}}"

    def make_node(self, x: Any) -> Apply:
        x = _basic.as_tensor_variable(x)
        if x.type.broadcastable != self.input_broadcastable:
            if x.type.ndim != len(self.input_broadcastable) or any(
                    ib and not xb for ib, xb in zip(self.input_broadcastable, x.type.broadcastable)):
                raise TypeError(f"DimShuffle{list(self.new_order)} expects an input with broadcast "
                                f"pattern {self.input_broadcastable}, got {x.type}")
            return DimShuffle(x.type.broadcastable, self.new_order).make_node(x)
        bcast = tuple(True if o == "x" else self.input_broadcastable[o] for o in self.new_order)
        return Apply(self, [x], [TensorType(x.type.dtype, bcast)()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        perm = tuple(self.shuffle + self.drop)
        order = self.new_order
        identity_perm = perm == tuple(range(len(perm)))
        if not self.augment and not self.drop:
            return (lambda x: x) if identity_perm else (lambda x: x.transpose(perm))
        if not self.drop:
            # New broadcastable axes only: indexing with None makes the view in one step
            # (x[None] for a scalar bias); building the shape and reshaping costs 4x as much,
            # which is a quarter of a small training step's run time.
            index = tuple(None if o == "x" else slice(None) for o in order)
            return (lambda x: x[index]) if identity_perm else (lambda x: x.transpose(perm)[index])

        def fn(x: Any) -> Any:
            shp = x.shape
            y = x if identity_perm else x.transpose(perm)
            return y.reshape(tuple(1 if o == "x" else shp[o] for o in order))

        return fn

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(np.asarray(inputs[0]))

    def infer_shape(self, node, shapes):
        (s,) = shapes
        return [tuple(1 if o == "x" else s[o] for o in self.new_order)]

    def L_op(self, inputs, outputs, output_grads):
        (x,), (gz,) = inputs, output_grads
        grad_order = ["x"] * x.type.ndim
        for k, o in enumerate(self.new_order):
            if o != "x":
                grad_order[o] = k
        # cycle: tensor.elemwise -> tensor.math -> tensor.elemwise
        from .math import sum as tsum

        # Sum away the augmented axes first, then undo the permutation.
        if self.augment:
            gz = tsum(gz, axis=self.augment, keepdims=True)
        g = DimShuffle(gz.type.broadcastable, grad_order)(gz)
        if g.type.broadcastable != x.type.broadcastable:
            g = _basic.patternbroadcast(g, x.type.broadcastable)
        return [g]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0])]


def expand_reduced(v: Any, ndim: int, axes: Sequence[int]) -> Any:
    """`v`, the result of reducing an ndim-dimensional tensor over `axes`, with those axes put
    back as broadcastable length-1 axes (keepdims; the shape gradients of reductions need)."""
    order, k = [], 0
    for d in range(ndim):
        if d in axes:
            order.append("x")
        else:
            order.append(k)
            k += 1
    return DimShuffle(v.type.broadcastable, order)(v)


class CAReduce(Op):
    """Reduce along `axis` (all axes when None) with a commutative, associative scalar op."""

    __props__ = ("scalar_op", "axis")

    def __init__(self, scalar_op: scal.ScalarOp, axis: Sequence[int] | int | None = None):
        self.scalar_op = scalar_op
        if isinstance(axis, (int, np.integer)):
            axis = (int(axis),)
        self.axis = None if axis is None else tuple(sorted(set(int(a) for a in axis)))

    def __str__(self) -> str:
        name = type(self).__name__ if type(self) is not CAReduce else f"Reduce{{{self.scalar_op}}}"
        ax = "" if self.axis is None else "{" + ", ".join(map(str, self.axis)) + "}"
        return f"{name}{ax}" if type(self) is not CAReduce else name + (f"{{{ax}}}" if ax else "")

    #: Whether `kernel` describes the node: an identity composite folded with `scalar_op` into
    #: `acc_dtype` (Sum, Prod, Max and Min say so).
    folds_as_kernel = False

    def kernel(self, node: Apply) -> Kernel | None:
        """The Kernel (theano.kernel.ir) with a trailing Reduction that this node computes,
        for backends that render loops; None unless `folds_as_kernel` and over tensors."""
        if not self.folds_as_kernel or not _over_tensors(node):
            return None
        x = node.inputs[0]
        i = scal.get_scalar_type(x.type.dtype)()
        red = Reduction(self.reduced_axes(x.type.ndim), self.scalar_op, getattr(self, "acc_dtype", None) or x.type.dtype,
                        node.outputs[0].type.dtype)
        return kernel_from_composite(scal.Composite([i], [scal.identity(i)]), [x.type], [x.type], red,
                                     name=f"reduce_{self.scalar_op.name}")

    def reduced_axes(self, ndim: int) -> tuple[int, ...]:
        """The axes this reduction removes from an ndim-dimensional input, in range and sorted
        (`axis` as given may be None or negative); backends read it to lay out their loops."""
        if self.axis is None:
            return tuple(range(ndim))
        for a in self.axis:
            if not -ndim <= a < ndim:
                raise ValueError(f"{type(self).__name__}: axis {a} is out of range for a "
                                 f"{ndim}-dimensional input")
        return tuple(sorted(a % ndim for a in self.axis))

    def output_dtype(self, idtype: str) -> str:
        return self.scalar_op.output_dtypes(idtype, idtype)[0]

    def make_node(self, x: Any) -> Apply:
        x = _basic.as_tensor_variable(x)
        axes = self.reduced_axes(x.type.ndim)
        if self.axis is not None and axes != self.axis:
            return type(self)(**{**self._init_kwargs(), "axis": axes}).make_node(x)
        bcast = tuple(b for k, b in enumerate(x.type.broadcastable) if k not in axes)
        return Apply(self, [x], [TensorType(self.output_dtype(x.type.dtype), bcast)()])

    def _init_kwargs(self) -> dict:
        return {"scalar_op": self.scalar_op}

    def _reducer(self) -> Callable:
        return self.scalar_op.nfunc.reduce  # type: ignore[union-attr]

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        red = self._reducer()
        axes = self.reduced_axes(node.inputs[0].type.ndim)
        odt = np.dtype(node.outputs[0].type.dtype)
        identity = self.scalar_op.identity
        name = type(self).__name__

        def fn(x: Any) -> Any:
            if x.size == 0 and identity is None:
                out_shape = tuple(n for k, n in enumerate(x.shape) if k not in axes)
                if any(x.shape[a] == 0 for a in axes) and 0 not in out_shape:
                    raise ValueError(f"{name}: cannot reduce an empty array of shape {x.shape} along "
                                     f"axes {axes}: the operation has no identity")
                # Nothing to reduce into: the result is empty too (NumPy agrees when the
                # reduced axes are non-empty; we extend that to all-empty inputs).
                return np.empty(out_shape, dtype=odt)
            r = red(x, axis=axes)
            if type(r) is not np.ndarray or r.dtype != odt:
                r = np.asarray(r, dtype=odt)
            return r

        return fn

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(np.asarray(inputs[0]))

    def infer_shape(self, node, shapes):
        axes = self.reduced_axes(node.inputs[0].type.ndim)
        return [tuple(s for k, s in enumerate(shapes[0]) if k not in axes)]


def _over_tensors(node: Apply) -> bool:
    """Whether every input and output of `node` is a TensorType (what a Kernel describes)."""
    return all(isinstance(v.type, TensorType) for v in list(node.inputs) + list(node.outputs))


# Elemwise, DimShuffle and CAReduce call tensor.basic when they build nodes and gradients,
# and tensor.basic builds on DimShuffle and Elemwise (it imports them at its top), so only
# the module object is bound, once the classes above exist: its names are read when a
# method runs, by which time tensor.basic is complete. (tensor.math cannot be bound here:
# when tensor.basic's top imports this module, math would need basic's names at once.)
# cycle: tensor.elemwise -> tensor.basic -> tensor.elemwise
from . import basic as _basic  # noqa: E402
