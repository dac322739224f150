"""The Scan op: a loop whose body is an inner graph, run by compiling the inner graph with the
same device as the outer function and stepping it through a loop plan (loop.py)."""
from __future__ import annotations

import itertools
from typing import Any, Callable, Sequence

from ..compile.function import compiling_device, function
from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..tensor.basic import as_tensor_variable
from ..tensor.type import TensorType
from .forward import run_scan, step_of
from .grad import scan_grad
from .loop import run_steps
from .spec import ScanSpec

__all__ = ["Scan", "ScanSpec"]

_uids = itertools.count()


class Scan(Op):
    """Runs `inner_outputs` of `inner_inputs` for n_steps steps (see ScanSpec)."""

    __props__ = ("uid",)
    # The loop is a driver: each step calls the inner function, compiled for the device.
    host_side = "the scan loop calls its compiled inner function once per step"

    def __init__(self, inner_inputs: Sequence[Variable], inner_outputs: Sequence[Variable],
                 spec: ScanSpec, mode: Any = None, name: str | None = None):
        self.inner_inputs = list(inner_inputs)
        self.inner_outputs = list(inner_outputs)
        self.spec = spec
        self.mode = mode
        self.name = name
        self.uid = next(_uids)
        self._fns: dict = {}

    def __str__(self) -> str:
        return f"Scan{{{self.name or 'scan_fn'}}}"

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_fns"] = {}
        return d

    def make_node(self, n_steps, *outer):
        sp = self.spec
        n_steps = as_tensor_variable(n_steps)
        outer = list(outer)
        seqs = outer[: sp.n_seq]
        inits = outer[sp.n_seq: sp.n_seq + sp.n_state]
        outs = []
        nitsot_inner = self.inner_outputs[: sp.n_nitsot]
        for kind, k in sp.output_order:
            if kind == "nitsot":
                t = nitsot_inner[k].type
            else:
                t = self.inner_outputs[sp.n_nitsot + k].type
            outs.append(TensorType(t.dtype, (False,) + t.broadcastable)())
        shared = outer[sp.n_seq + sp.n_state: sp.n_seq + sp.n_state + sp.n_shared]
        outs.extend(s.type() for s in shared)
        del seqs, inits
        return Apply(self, [n_steps] + outer, outs)

    def inner_function(self, device: str | None = None):
        """The inner graph compiled for `device` (once per device)."""
        key = device
        fn = self._fns.get(key)
        if fn is None:
            fn = function(self.inner_inputs, self.inner_outputs, mode=self.mode, on_unused_input="ignore",
                          trust_input=True, device=device, name=f"{self} inner function")
            self._fns[key] = fn
        return fn

    def make_py_fn(self, node):
        return self.loop_fn(node, run_steps)

    def loop_fn(self, node: Apply, executor: Callable[..., int]) -> Callable[..., Any]:
        """The node's callable running the loop with `executor` (`loop.run_steps` or a
        backend's equivalent) over the inner function compiled for the current device."""
        step = step_of(self.inner_function(compiling_device()))
        single = len(node.outputs) == 1

        def run(n_steps, *outer):
            res = run_scan(self, step, executor, int(n_steps), list(outer))[0]
            return res[0] if single else tuple(res)

        return run

    def perform(self, node, inputs, output_storage):
        res = run_scan(self, step_of(self.inner_function(None)), run_steps, int(inputs[0]), list(inputs[1:]))[0]
        for st, r in zip(output_storage, res):
            st[0] = r

    def connection_pattern(self, node):
        return [[False] * len(node.outputs)] + [[True] * len(node.outputs) for _ in node.inputs[1:]]

    def L_op(self, inputs, outputs, output_grads):
        return scan_grad(self, inputs, outputs, output_grads)
