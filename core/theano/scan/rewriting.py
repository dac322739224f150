"""Rewrites of scan graphs: a scan gradient computes no gradient that nobody reads."""
from __future__ import annotations

from ..rewrite.basic import node_rewriter
from ..tensor.rewriting.registry import register
from .grad import ScanGrad

__all__ = ["scan_grad_unused_inputs"]


@register("canonicalize")
@node_rewriter([ScanGrad], name="scan_grad_unused_inputs")
def scan_grad_unused_inputs(fgraph, node):
    """A ScanGrad whose sequences' or free variables' gradients have no reader becomes one
    that leaves them out of its step (their outputs stay, as zeros): `theano.grad(cost, W)`
    through an RNN no longer computes the gradient of the input sequence every step. The
    states' and shared variables' gradients are carried from step to step, so they stay."""
    op = node.op
    sp = op.scan.spec
    n_outer = sp.n_seq + sp.n_state + sp.n_shared + sp.n_free
    leaves = [k for k in range(n_outer) if k < sp.n_seq or k >= n_outer - sp.n_free]
    unused = frozenset(k for k in leaves if not fgraph.clients.get(node.outputs[k]))
    if unused <= op.unneeded:
        return None
    return ScanGrad(op.scan, op.unneeded | unused).make_node(*node.inputs).outputs
