"""The ops fusion makes (tensor.rewriting.fusion): FusedElemwise, a maximal elementwise
subgraph as one node, and FusedReduction, a Sum/Prod/Max/Min of one. Each carries the
Kernel (theano.kernel.ir) that compiled backends render as one loop; its NumPy meaning is
the kernel's evaluate."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..graph.basic import Apply
from ..graph.op import Op
from ..graph.sourceinfo import format_frame
from ..kernel.ir import Kernel, Reduction, kernel_from_composite
from ..scalar import basic as scal
from .basic import as_tensor_variable
from .elemwise import Elemwise
from .type import TensorType

__all__ = ["FusedElemwise", "FusedReduction"]


class FusedElemwise(Elemwise):
    """An Elemwise whose scalar op is a Composite made by fusion; it carries the Kernel
    that backends render. Its NumPy meaning is the kernel's evaluate."""

    def __init__(self, composite: scal.Composite, inplace_pattern: dict[int, int] | None = None):
        super().__init__(composite, inplace_pattern)
        self._kernels: dict[tuple, Kernel] = {}

    def __str__(self) -> str:
        ip = ",".join(f"{o}:{i}" for o, i in self.inplace_pattern)
        return f"FusedElemwise{{{self.scalar_op.pretty()}}}" + (f"[inplace {ip}]" if ip else "")

    def kernel(self, node: Apply) -> Kernel:
        """The Kernel this op computes for the types of `node`."""
        key = tuple(i.type for i in node.inputs)
        k = self._kernels.get(key)
        if k is None:
            k = kernel_from_composite(self.scalar_op, [i.type for i in node.inputs],
                                      [o.type for o in node.outputs],
                                      name=f"fused{len(self._kernels)}")
            self._kernels[key] = k
        return k

    def make_py_fn(self, node: Apply):
        evaluate = self.kernel(node).evaluate
        op = self
        checked = node.outputs[0].type.ndim > 0 and len(node.inputs) > 1
        nout = len(node.outputs)
        inplace = self.inplace_pattern

        def fn(*args: Any) -> Any:
            if checked:
                s0 = args[0].shape
                for a in args:
                    if a.shape != s0:
                        _check_members(op, node, args)
                        break
            res = evaluate(*args)
            if inplace:
                res = list(res)
                for o, i in inplace:
                    a, r = args[i], res[o]
                    # A buffer we cannot write (read-only view, other dtype or shape) is left
                    # alone: the fresh result is as correct, only not in place.
                    if (type(a) is np.ndarray and a.flags.writeable and a.dtype == r.dtype
                            and a.shape == r.shape):
                        np.copyto(a, r, casting="no")
                        res[o] = a
            return res[0] if nout == 1 else tuple(res)

        return fn

    def L_op(self, inputs, outputs, output_grads):
        raise NotImplementedError("FusedElemwise is made after gradients are taken; "
                                  "differentiate the graph before compiling it")


class FusedReduction(Op):
    """A reduction over `axes` of a fused elementwise composite, as one kernel: the loop
    computes the composite per element and accumulates it in `acc_dtype` with `reduce_op`
    (add, mul, maximum, minimum), storing `dtype`. Its NumPy meaning is the Kernel's
    evaluate; on empty input it behaves as the CAReduce it replaces (max/min of nothing
    raise as in NumPy)."""

    __props__ = ("scalar_op", "axes", "reduce_op", "acc_dtype", "dtype")

    def __init__(self, composite: scal.Composite, axes: Sequence[int], reduce_op: scal.ScalarOp,
                 acc_dtype: str, dtype: str):
        self.scalar_op = composite
        self.axes = tuple(sorted(axes))
        self.reduce_op = reduce_op
        self.acc_dtype = acc_dtype
        self.dtype = dtype
        self._kernels: dict[tuple, Kernel] = {}

    def __str__(self) -> str:
        return (f"FusedReduction{{{self.reduce_op.name} over {self.axes} of "
                f"{self.scalar_op.pretty()}}}")

    def make_node(self, *inputs: Any) -> Apply:
        inputs = [as_tensor_variable(i) for i in inputs]
        nd = {i.type.ndim for i in inputs}
        if len(nd) != 1 or self.scalar_op.nout != 1 or len(inputs) != self.scalar_op.nin:
            raise TypeError(f"{self}: inputs must be {self.scalar_op.nin} tensors of one rank")
        nd = nd.pop()
        if any(a >= nd for a in self.axes):
            raise TypeError(f"{self}: axes {self.axes} out of range for rank {nd}")
        bcast = tuple(all(i.type.broadcastable[d] for i in inputs) for d in range(nd))
        out_b = tuple(b for d, b in enumerate(bcast) if d not in self.axes)
        return Apply(self, inputs, [TensorType(self.dtype, out_b)()])

    def loop_type(self, node: Apply) -> TensorType:
        """The type of the elementwise value that the kernel reduces."""
        nd = node.inputs[0].type.ndim
        bcast = tuple(all(i.type.broadcastable[d] for i in node.inputs) for d in range(nd))
        return TensorType(self.scalar_op.outputs[0].type.dtype, bcast)

    def kernel(self, node: Apply) -> Kernel:
        """The Kernel (with its trailing Reduction) this op computes for node's types."""
        key = tuple(i.type for i in node.inputs)
        k = self._kernels.get(key)
        if k is None:
            red = Reduction(self.axes, self.reduce_op, self.acc_dtype, self.dtype)
            k = kernel_from_composite(self.scalar_op, [i.type for i in node.inputs],
                                      [self.loop_type(node)], red,
                                      name=f"fused_reduce{len(self._kernels)}")
            self._kernels[key] = k
        return k

    def make_py_fn(self, node: Apply):
        evaluate = self.kernel(node).evaluate
        op = self
        nd = node.inputs[0].type.ndim
        axes = self.axes
        bcasts = [i.type.broadcastable for i in node.inputs]
        no_identity = self.reduce_op.identity is None
        odt = np.dtype(self.dtype)
        name = f"{type(self).__name__} ({self.reduce_op.name})"

        def fn(*args: Any) -> Any:
            if len(args) > 1:
                s0 = args[0].shape
                for a in args:
                    if a.shape != s0:
                        _check_members(op, node, args, nd)
                        break
            if no_identity:
                shape = [1] * nd
                for d in range(nd):
                    for a, b in zip(args, bcasts):
                        if not b[d]:
                            shape[d] = a.shape[d]
                            break
                if 0 in shape:
                    out_shape = tuple(n for d, n in enumerate(shape) if d not in axes)
                    if any(shape[a] == 0 for a in axes) and 0 not in out_shape:
                        raise ValueError(f"{name}: cannot reduce an empty array of shape "
                                         f"{tuple(shape)} along axes {axes}: the operation has "
                                         f"no identity")
                    return np.empty(out_shape, dtype=odt)
            return evaluate(*args)[0]

        return fn

    def infer_shape(self, node, shapes):
        nd = node.inputs[0].type.ndim
        out = []
        for d in range(nd):
            if d in self.axes:
                continue
            for i, s in zip(node.inputs, shapes):
                if not i.type.broadcastable[d]:
                    out.append(s[d])
                    break
            else:
                out.append(1)
        return [tuple(out)]

    def L_op(self, inputs, outputs, output_grads):
        raise NotImplementedError("FusedReduction is made after gradients are taken; "
                                  "differentiate the graph before compiling it")


def _check_members(op: Any, node: Apply, args: Sequence[Any], nd: int | None = None) -> None:
    """Theano's broadcast check, member by member, so an error names the elementwise op and
    the user's line that it comes from rather than the whole kernel. `nd` is the loop's rank
    (the output's, unless a reduction follows the loop)."""
    members = getattr(node.tag, "fused_members", None)
    if nd is None:
        nd = node.outputs[0].type.ndim
    if not members:
        _loop_check(node, args, nd)
        return
    shapes: dict[Any, tuple] = {}
    for k, a in enumerate(args):
        shapes[("in", k)] = np.shape(a)
    for m, (label, trace, refs, bcasts) in enumerate(members):
        ins = [shapes.get(r, (1,) * nd) for r in refs]
        out = []
        for axis in range(nd):
            lengths = {s[axis] for s, b in zip(ins, bcasts) if not b[axis]}
            if len(lengths) > 1:
                raise ValueError(
                    f"{format_frame(trace)}: {label} (fused into this kernel): input dimension "
                    f"mismatch on axis {axis}: shapes {', '.join(str(tuple(s)) for s in ins)} do not "
                    f"broadcast (a length-1 dimension broadcasts only when its type is broadcastable, "
                    f"e.g. a row or col)")
            out.append(lengths.pop() if lengths else 1)
        shapes[("m", m)] = tuple(out)
    _loop_check(node, args, nd)


def _loop_check(node: Apply, args: Sequence[Any], nd: int) -> None:
    """broadcast_check over the loop's rank `nd`, whatever the output's rank."""
    for axis in range(nd):
        lengths = {np.shape(a)[axis] for a, v in zip(args, node.inputs)
                   if not v.type.broadcastable[axis]}
        if len(lengths) > 1:
            shapes = ", ".join(str(tuple(np.shape(a))) for a in args)
            raise ValueError(f"input dimension mismatch on axis {axis}: shapes {shapes} do not "
                             f"broadcast (a length-1 dimension broadcasts only when its type is "
                             f"broadcastable, e.g. a row or col)")
