"""A Kernel: what one fused loop computes.

Inputs (dtype and broadcast pattern), a DAG of scalar ops (a `theano.scalar.Composite`)
applied to every element, outputs (dtype and broadcast pattern), and an optional trailing
reduction over chosen axes of the first output. It says nothing about memory layout:
strides are a run-time matter of the renderer and the backend.

`Kernel.evaluate` is the NumPy meaning (the reference backend runs kernels with it); it
performs each scalar op exactly as the Elemwise it came from would, dtype casts included,
so a fused graph computes the same bits as the unfused one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ..graph.basic import Constant, Variable, io_toposort
from ..scalar import basic as scal

__all__ = ["Kernel", "KernelArg", "Reduction", "Step", "elemwise_kernel", "kernel_from_composite",
           "reduction_kernel"]


@dataclass(frozen=True)
class KernelArg:
    """An input or output array of a kernel."""

    dtype: str
    broadcastable: tuple[bool, ...]

    @property
    def ndim(self) -> int:
        return len(self.broadcastable)


@dataclass(frozen=True)
class Reduction:
    """Reduce the first output over `axes` with an associative scalar op, accumulating in
    `acc_dtype` and storing `out_dtype`."""

    axes: tuple[int, ...]
    scalar_op: scal.ScalarOp
    acc_dtype: str
    out_dtype: str


@dataclass(frozen=True)
class Step:
    """One scalar op of the kernel's program: `outputs = op(*args)`.

    args are ("in", k) for kernel input k, ("tmp", j) for the result of an earlier step, or
    ("const", value, dtype); outputs are temporaries numbered in program order."""

    op: scal.ScalarOp
    args: tuple[tuple, ...]
    outputs: tuple[int, ...]
    out_dtypes: tuple[str, ...]


class Kernel:
    """One fused loop; see the module docstring."""

    def __init__(self, inputs: Sequence[KernelArg], composite: scal.Composite,
                 outputs: Sequence[KernelArg], reduction: Reduction | None = None,
                 name: str = "kernel"):
        self.inputs = tuple(inputs)
        self.composite = composite
        self.outputs = tuple(outputs)
        self.reduction = reduction
        self.name = name
        if len(self.inputs) != composite.nin or len(self.outputs) != composite.nout:
            raise ValueError(f"kernel {name}: {len(self.inputs)} inputs and {len(self.outputs)} "
                             f"outputs for a composite with {composite.nin} and {composite.nout}")
        nds = {a.ndim for a in self.inputs + self.outputs}
        if len(nds) > 1:
            raise ValueError(f"kernel {name}: inputs and outputs must have one rank, got {nds}")
        self.ndim = nds.pop() if nds else 0
        self.steps, self.result_refs = self._program()
        self._evaluator: Callable | None = None

    # -- the scalar program ----------------------------------------------------------
    def _program(self) -> tuple[list[Step], list[tuple]]:
        comp = self.composite
        ref: dict[Variable, tuple] = {v: ("in", k) for k, v in enumerate(comp.inputs)}
        steps: list[Step] = []
        n_tmp = 0
        for node in io_toposort(comp.inputs, comp.outputs):
            args = []
            for i in node.inputs:
                if i in ref:
                    args.append(ref[i])
                elif isinstance(i, Constant):
                    args.append(("const", np.asarray(i.data, dtype=i.type.dtype)[()], i.type.dtype))
                else:
                    raise ValueError(f"kernel {self.name}: free scalar variable {i}")
            outs = []
            for o in node.outputs:
                ref[o] = ("tmp", n_tmp)
                outs.append(n_tmp)
                n_tmp += 1
            steps.append(Step(node.op, tuple(args), tuple(outs),
                              tuple(o.type.dtype for o in node.outputs)))
        results = []
        for o in comp.outputs:
            if o in ref:
                results.append(ref[o])
            elif isinstance(o, Constant):
                results.append(("const", np.asarray(o.data, dtype=o.type.dtype)[()], o.type.dtype))
            else:
                raise ValueError(f"kernel {self.name}: output {o} is not computed")
        return steps, results

    def arg_dtype(self, ref: tuple) -> str:
        if ref[0] == "in":
            return self.inputs[ref[1]].dtype
        if ref[0] == "const":
            return ref[2]
        for s in self.steps:
            if ref[1] in s.outputs:
                return s.out_dtypes[s.outputs.index(ref[1])]
        raise KeyError(ref)

    def __str__(self) -> str:
        red = "" if self.reduction is None else f", reduce {self.reduction.scalar_op.name} over {self.reduction.axes}"
        return f"Kernel{{{self.composite.pretty()}{red}}}"

    __repr__ = __str__

    # -- the NumPy meaning ---------------------------------------------------------------
    def evaluate(self, *arrays: Any) -> tuple:
        """The outputs for these input arrays, computed with NumPy (see the module doc)."""
        if self._evaluator is None:
            self._evaluator = self._make_evaluator()
        with np.errstate(all="ignore"):
            return self._evaluator(*arrays)

    def _make_evaluator(self) -> Callable:
        """Python source with one NumPy call per scalar op: no per-element or per-node
        interpretation at run time."""
        env: dict[str, Any] = {"asarray": np.asarray, "ndarray": np.ndarray}
        names: dict[tuple, str] = {}
        lines = []
        dtypes: dict[tuple, str] = {}
        for k, a in enumerate(self.inputs):
            names[("in", k)] = f"i{k}"
            dtypes[("in", k)] = a.dtype
        n_const = 0

        def name_of(r: tuple) -> str:
            nonlocal n_const
            if r[0] == "const":
                cname = f"c{n_const}"
                n_const += 1
                env[cname] = np.asarray(r[1], dtype=r[2])
                return cname
            return names[r]

        def dtype_of(r: tuple) -> str:
            return r[2] if r[0] == "const" else dtypes[r]

        for j, st in enumerate(self.steps):
            sop = st.op
            odt = st.out_dtypes[0]
            args = []
            for r in st.args:
                nm = name_of(r)
                if sop.float_op and dtype_of(r) != odt:
                    dn = f"d_{odt}"
                    env[dn] = np.dtype(odt)
                    nm = f"{nm}.astype({dn})"
                args.append(nm)
            direct = (sop.nfunc is not None and type(sop).impl is scal.ScalarOp.impl
                      and (sop.nin != -1 or len(st.args) == 2))
            fname = f"f{j}"
            env[fname] = sop.nfunc if direct else sop.impl
            outs = [f"t{o}" for o in st.outputs]
            if len(outs) == 1:
                lines.append(f"    {outs[0]} = {fname}({', '.join(args)})")
            else:
                lines.append(f"    {', '.join(outs)} = {fname}({', '.join(args)})")
            for o, d in zip(st.outputs, st.out_dtypes):
                dn = f"d_{d}"
                env[dn] = np.dtype(d)
                lines.append(f"    if type(t{o}) is not ndarray or t{o}.dtype != {dn}: "
                             f"t{o} = asarray(t{o}, dtype={dn})")
                names[("tmp", o)] = f"t{o}"
                dtypes[("tmp", o)] = d
        rets = []
        # A step like real() or identity may hand back its argument's memory; outputs must not.
        aliasing = {o for st in self.steps if st.op.may_return_input for o in st.outputs}
        for k, (r, a) in enumerate(zip(self.result_refs, self.outputs)):
            nm = name_of(r)
            if k == 0 and self.reduction is not None:
                pass  # the reduction makes a fresh array anyway
            elif r[0] == "tmp" and r[1] in aliasing:
                nm = f"{nm}.copy()"
            elif r[0] != "tmp":  # an input or constant as output: a fresh array of its own
                dn = f"d_{a.dtype}"
                env[dn] = np.dtype(a.dtype)
                nm = f"asarray({nm}, dtype={dn}).copy()"
            rets.append(nm)
        if self.reduction is not None:
            red = self.reduction
            env["red"] = red.scalar_op.nfunc.reduce
            env["acc"] = np.dtype(red.acc_dtype)
            env["rdt"] = np.dtype(red.out_dtype)
            lines.append(f"    r0 = asarray(red({rets[0]}, axis={tuple(red.axes)!r}, dtype=acc), dtype=rdt)")
            rets[0] = "r0"
        src = (f"def evaluate({', '.join(f'i{k}' for k in range(len(self.inputs)))}):\n"
               + "\n".join(lines) + f"\n    return ({', '.join(rets)},)\n")
        code = compile(src, f"<kernel {self.name}>", "exec")
        exec(code, env)
        self.python_source = src
        return env["evaluate"]


def kernel_from_composite(composite: scal.Composite, input_types: Sequence[Any],
                          output_types: Sequence[Any], reduction: Reduction | None = None,
                          name: str = "kernel") -> Kernel:
    """A Kernel for a composite applied to tensors of these types (TensorTypes)."""
    return Kernel([KernelArg(t.dtype, tuple(t.broadcastable)) for t in input_types], composite,
                  [KernelArg(t.dtype, tuple(t.broadcastable)) for t in output_types], reduction, name)


def elemwise_kernel(node: Any) -> Kernel | None:
    """The Kernel an elementwise node computes, as its op offers it (`op.kernel(node)`: a fused
    node carries one; a lone Elemwise is a one-op composite). None when the op offers none or
    its kernel reduces (every backend asks this)."""
    k = _op_kernel(node)
    return k if k is not None and k.reduction is None else None


def reduction_kernel(node: Any) -> Kernel | None:
    """The Kernel a reduction node computes, as its op offers it (`op.kernel(node)`: a fused
    reduction carries one; a lone Sum, Prod, Max or Min is a kernel whose composite is the
    identity). None for other nodes."""
    k = _op_kernel(node)
    return k if k is not None and k.reduction is not None else None


def _op_kernel(node: Any) -> Kernel | None:
    """The op's own description of the node as a Kernel: ops that compute one loop define
    `kernel(node)` (the interface between ops and this IR; the IR knows no op)."""
    make = getattr(node.op, "kernel", None)
    return make(node) if make is not None else None


def reduction_values_kernel(node: Any, name: str = "reduce_values") -> Kernel:
    """The elementwise part of a fused reduction node as a kernel of its own, writing the
    values the reduction folds (of type `node.op.loop_type(node)`) into a temporary: for
    backends that fold them with a separate work-group reduction (the GPU dialects)."""
    op = node.op
    return kernel_from_composite(op.scalar_op, [i.type for i in node.inputs], [op.loop_type(node)],
                                 name=name)
