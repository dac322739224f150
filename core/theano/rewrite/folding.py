"""Constant folding: nodes whose inputs are all constants are computed at compile time,
with the op's own NumPy meaning (make_py_fn / perform)."""
from __future__ import annotations

import numpy as np

from ..graph.basic import Constant
from .basic import node_rewriter
from .db import rewrite_db


@node_rewriter(None)
def constant_folding(fgraph, node):
    if not node.inputs or not all(isinstance(i, Constant) for i in node.inputs):
        return None
    if not node.op.do_constant_folding(node):
        return None
    if node.op.destroy_map:
        return None
    try:
        with np.errstate(all="ignore"):
            res = node.op.make_py_fn(node)(*[i.data for i in node.inputs])
    except Exception:
        # Errors surface when the function runs, with the user's context, not here.
        return None
    if len(node.outputs) == 1:
        res = (res,)
    out = []
    for o, v in zip(node.outputs, res):
        try:
            c = o.type.make_constant(np.asarray(v) if hasattr(o.type, "ndim") else v)
        except (TypeError, ValueError):
            return None
        c.tag.folded_from = str(node.op)
        out.append(c)
    return out


rewrite_db.register("constant_folding", constant_folding, "fast_run", "fast_compile",
                    "canonicalize", position=10)
