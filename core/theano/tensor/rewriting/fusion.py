"""Fusion: every maximal subgraph of elementwise ops becomes one FusedElemwise node, whose
Kernel (theano.kernel.ir) a compiled backend renders as one loop and the reference backend
evaluates with NumPy.

A group grows backwards from a root node through producers that are elementwise too. A
producer whose value is also read outside the group becomes an extra output of the kernel
(computed once, never recomputed), provided it has the root's broadcast pattern (one loop
shape for all outputs) and its outside readers come after the root in the run order (so
the fused node cannot feed itself). Every group member is an ancestor of the root, which
makes the kernel's single broadcast check equivalent to the members' checks."""
from __future__ import annotations

import heapq
from typing import Any, Sequence

import numpy as np

from ...graph.basic import Apply, Constant, Variable
from ...graph.fg import InconsistencyError
from ...rewrite.basic import GraphRewriter, gc_paused
from ...scalar import basic as scal
from ..elemwise import Elemwise
from ..type import TensorType
from .registry import register
from ...graph.op import Op
from ...kernel.ir import Kernel, Reduction, kernel_from_composite

__all__ = ["FusedElemwise", "FusedReduction", "fuse_elemwise", "fuse_reductions", "FusionRewriter",
           "MAX_FUSED_INPUTS", "MAX_DUPLICATED_NODES"]

#: The most distinct array inputs one kernel takes (kernel argument lists are bounded on
#: GPUs, and the C calling convention gets slow with many arguments).
MAX_FUSED_INPUTS = 32

#: A reduction kernel recomputes at most this many elementwise nodes whose values are also
#: read elsewhere (softmax's exp, read by the sum and by the division): a few more flops
#: in the loop instead of writing the array out and reading it back.
MAX_DUPLICATED_NODES = 4


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
        from ..basic import as_tensor_variable

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
    from ...graph.sourceinfo import format_frame

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


def _member_info(members: list[Apply], inputs: list[Variable]) -> list:
    """For each fused node: its label, where it was built, where its inputs come from
    (("in", k), ("m", j) or None for a literal), and their broadcast patterns."""
    where: dict[Variable, tuple] = {v: ("in", k) for k, v in enumerate(inputs)}
    info = []
    for j, n in enumerate(members):
        info.append((str(n.op), getattr(n.tag, "trace", None), [where.get(i) for i in n.inputs],
                     [i.type.broadcastable for i in n.inputs]))
        where[n.outputs[0]] = ("m", j)
    return info


def _fusable(node: Any) -> bool:
    op = getattr(node, "op", None)
    if type(op) is not Elemwise or op.inplace_pattern or len(node.outputs) != 1:
        return False
    sop = op.scalar_op
    if isinstance(sop, scal.Composite) or (sop.nfunc is None and type(sop).impl is scal.ScalarOp.impl):
        return False
    return all(isinstance(i.type, TensorType) for i in node.inputs)


def _inlinable(v: Variable) -> bool:
    """A constant with one element becomes a literal of the kernel instead of an input."""
    return isinstance(v, Constant) and np.asarray(v.data).size == 1 and all(v.type.broadcastable)


def _build(group: list[Apply], outputs: list[Variable]) -> tuple[scal.Composite, list[Variable]] | None:
    """The composite for nodes `group` (in run order) with these outputs, and its inputs."""
    smap: dict[Variable, Variable] = {}
    ext: list[Variable] = []
    s_inputs: list[Variable] = []
    for node in group:
        args = []
        for i in node.inputs:
            if i not in smap:
                if _inlinable(i):
                    smap[i] = scal.constant(np.asarray(i.data).reshape(()), dtype=i.type.dtype)
                else:
                    smap[i] = scal.get_scalar_type(i.type.dtype)()
                    ext.append(i)
                    s_inputs.append(smap[i])
            args.append(smap[i])
        snode = node.op.scalar_op.make_node(*args)
        so = snode.outputs[0]
        if so.type.dtype != node.outputs[0].type.dtype:
            return None  # the scalar rule disagrees with the tensor node: leave it
        smap[node.outputs[0]] = so
    comp = scal.Composite(s_inputs, [smap[o] for o in outputs])
    return comp, ext


def _reduction_spec(node: Apply) -> tuple | None:
    """(axes, scalar op, acc dtype, out dtype) of a Sum/Prod/Max/Min node, else None."""
    from ..math import Max, Min, Prod, Sum

    op = node.op
    if type(op) not in (Sum, Prod, Max, Min):
        return None
    x = node.inputs[0]
    axes = op._axes(x.type.ndim)
    if type(op) in (Sum, Prod):
        return axes, op.scalar_op, op.acc_dtype, op.dtype
    return axes, op.scalar_op, x.type.dtype, node.outputs[0].type.dtype


def fuse_reductions(fgraph, max_inputs: int = MAX_FUSED_INPUTS, stats: Any = None) -> int:
    """Turn every Sum/Prod/Max/Min of an elementwise subgraph into one FusedReduction.

    The subgraph is absorbed when nothing else reads it; an elementwise value also read
    elsewhere only by elementwise nodes is recomputed inside the reduction (at most
    MAX_DUPLICATED_NODES of them per kernel) and stays in the graph for its other readers;
    one that something else needs in memory anyway is read, not recomputed. Runs before elementwise fusion,
    so those readers can then fuse what is left. Returns the number of kernels made."""
    order = fgraph.toposort()
    pos: dict[Any, int] = {n: k for k, n in enumerate(order)}
    made = 0
    for red in order:
        if red not in fgraph.apply_nodes:
            continue
        spec = _reduction_spec(red)
        if spec is None:
            continue
        x = red.inputs[0]
        root = x.owner
        if root is None or root not in fgraph.apply_nodes or not _fusable(root):
            continue
        axes, rop, acc, odt = spec
        inside = {red}
        group: set[Apply] = set()
        duplicated = 0
        ext: set[Variable] = set()
        heap = [(-pos[root], id(root), root)]
        seen = set()
        while heap:
            _, _, p = heapq.heappop(heap)
            if p in seen:
                continue
            seen.add(p)
            if p not in fgraph.apply_nodes or not _fusable(p):
                continue
            pv = p.outputs[0]
            others = [c for c, _ in fgraph.clients.get(pv, ()) if c not in inside and c not in group]
            shared = bool(others)
            # Recomputing pays only when the value may then never be written out: a reader
            # that is not elementwise (a product, a graph output) needs it in memory anyway,
            # and reading it back is cheaper than recomputing it (tanh, exp ...).
            if shared and (duplicated >= MAX_DUPLICATED_NODES
                           or any(c == "output" or not _fusable(c) for c in others)):
                continue
            new_ext = {i for i in p.inputs if not _inlinable(i) and i not in ext}
            if len(ext) - (pv in ext) + len(new_ext) > max_inputs:
                continue
            group.add(p)
            duplicated += shared
            ext.discard(pv)
            ext |= new_ext
            for i in p.inputs:
                if i.owner is not None and i.owner in pos and i.owner not in seen:
                    heapq.heappush(heap, (-pos[i.owner], id(i.owner), i.owner))
        if not group or root not in group:
            continue
        members = sorted(group, key=pos.__getitem__)
        built = _build(members, [x])
        if built is None:
            continue
        comp, inputs = built
        try:
            new_out = FusedReduction(comp, axes, rop, acc, odt).make_node(*inputs).outputs[0]
        except (TypeError, ValueError):
            continue
        if new_out.type != red.outputs[0].type:
            continue
        info = _member_info(members, inputs)
        try:
            fgraph.replace_all_validate([(red.outputs[0], new_out)], reason="reduction_fusion")
        except InconsistencyError:
            continue
        new_node = new_out.owner
        new_node.tag.fused_members = info
        new_node.tag.trace = getattr(red.tag, "trace", None)
        pos[new_node] = pos[red]
        made += 1
        if stats is not None:
            stats.record("reduction_fusion", red, [new_out])
    return made


def fuse_elemwise(fgraph, max_inputs: int = MAX_FUSED_INPUTS, stats: Any = None) -> int:
    """Fuse every maximal elementwise subgraph of fgraph; returns the number of kernels made."""
    order = fgraph.toposort()
    pos: dict[Any, int] = {n: k for k, n in enumerate(order)}
    assigned: set[Apply] = set()
    made = 0
    for root in reversed(order):
        if root in assigned or root not in fgraph.apply_nodes or not _fusable(root):
            continue
        rout = root.outputs[0]
        rpos = pos[root]
        group = {root}
        ext = {i for i in root.inputs if not _inlinable(i)}
        extra_outputs: list[Variable] = []
        heap = [(-pos[i.owner], id(i.owner), i.owner) for i in root.inputs
                if i.owner is not None and i.owner in pos]
        heapq.heapify(heap)
        seen = set()
        while heap:
            _, _, p = heapq.heappop(heap)
            if p in seen:
                continue
            seen.add(p)
            if p in assigned or not _fusable(p) or p not in fgraph.apply_nodes:
                continue
            pv = p.outputs[0]
            outside = [c for c, _ in fgraph.clients.get(pv, ()) if c not in group]
            if outside:
                if pv.type.broadcastable != rout.type.broadcastable:
                    continue
                if any(c != "output" and pos.get(c, -1) <= rpos for c in outside):
                    continue
            new_ext = {i for i in p.inputs if not _inlinable(i) and i not in ext}
            if len(ext) - (pv in ext) + len(new_ext) > max_inputs:
                continue
            group.add(p)
            ext.discard(pv)
            ext |= new_ext
            if outside:
                extra_outputs.append(pv)
            for i in p.inputs:
                if i.owner is not None and i.owner in pos and i.owner not in seen:
                    heapq.heappush(heap, (-pos[i.owner], id(i.owner), i.owner))
        if len(group) < 2:
            continue
        members = sorted(group, key=pos.__getitem__)
        outputs = [rout] + sorted(extra_outputs, key=lambda v: pos[v.owner])
        built = _build(members, outputs)
        if built is None:
            continue
        comp, inputs = built
        try:
            new_outs = FusedElemwise(comp).make_node(*inputs).outputs
        except (TypeError, ValueError):
            continue
        if any(n.type != o.type for n, o in zip(new_outs, outputs)):
            continue
        info = _member_info(members, inputs)  # before the replacement rewires members' inputs
        try:
            fgraph.replace_all_validate(list(zip(outputs, new_outs)), reason="fusion")
        except InconsistencyError:
            continue
        assigned |= group
        new_node = new_outs[0].owner
        new_node.tag.fused_members = info
        # The run-time error of a kernel points at the first member that combines arrays.
        for n in members:
            if sum(not _inlinable(i) for i in n.inputs) > 1:
                new_node.tag.trace = getattr(n.tag, "trace", None)
                break
        else:
            new_node.tag.trace = getattr(root.tag, "trace", None)
        pos[new_node] = rpos
        made += 1
        if stats is not None:
            stats.record("fusion", root, new_outs)
    return made


class FusionRewriter(GraphRewriter):
    """The fusion pass as a database entry."""

    def __init__(self, max_inputs: int = MAX_FUSED_INPUTS):
        self.max_inputs = max_inputs
        self.name = "elemwise_fusion"
        self.fn = lambda fg: fuse_elemwise(fg, self.max_inputs)

    def apply(self, fgraph, stats=None) -> None:
        with gc_paused():
            fuse_reductions(fgraph, self.max_inputs, stats)
            fuse_elemwise(fgraph, self.max_inputs, stats)


register("fusion")(FusionRewriter())
