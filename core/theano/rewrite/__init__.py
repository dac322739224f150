"""The rewrite engine and database; rules themselves are registered next to the ops they
concern (theano.tensor.rewriting) or by backends."""
from .basic import (EquilibriumRewriter, GraphRewriter, MergeRewriter, NodeRewriter, RewriteStats,
                    graph_rewriter, node_rewriter)
from .db import RewriteDatabase, register_rewrite, rewrite_db
from . import folding  # noqa: F401  (registers constant folding)

rewrite_db.register("merge1", MergeRewriter(), "fast_run", "fast_compile", "merge", position=0)
# merge2 runs before fusion and in-place: merging after in-place would need the destroy
# handler to re-prove every destroyer after each merge.
rewrite_db.register("merge2", MergeRewriter(), "fast_run", "merge", position=39.9)

__all__ = ["EquilibriumRewriter", "GraphRewriter", "MergeRewriter", "NodeRewriter", "RewriteDatabase",
           "RewriteStats", "graph_rewriter", "node_rewriter", "register_rewrite", "rewrite_db"]
