"""Showing graphs: pprint (infix text), debugprint (an indented tree), pydotprint (an image)."""
from __future__ import annotations

import io
import os
import sys
from typing import Any, Sequence

from .graph.basic import Apply, Constant, Variable, io_toposort

__all__ = ["pprint", "pp", "debugprint", "pydotprint", "min_informative_str"]

_INFIX = {"add": ("+", 1), "sub": ("-", 1), "mul": ("*", 2), "true_div": ("/", 2), "int_div": ("//", 2),
          "mod": ("%", 2), "pow": ("**", 3), "lt": ("<", 0), "gt": (">", 0), "le": ("<=", 0),
          "ge": (">=", 0), "eq": ("==", 0), "neq": ("!=", 0), "and": ("&", 0), "or": ("|", 0),
          "xor": ("^", 0)}


def _outputs_of(obj: Any) -> list[Variable]:
    from .compile.function import Function

    if isinstance(obj, Function):
        return list(obj.maker.fgraph.outputs)
    if isinstance(obj, Apply):
        return list(obj.outputs)
    if isinstance(obj, (list, tuple)):
        res = []
        for o in obj:
            res.extend(_outputs_of(o))
        return res
    if hasattr(obj, "outputs") and hasattr(obj, "toposort"):  # a FunctionGraph
        return list(obj.outputs)
    return [obj]


def _pp(v: Variable, prec: int = -1) -> str:
    from .scalar.basic import Cast
    from .tensor.elemwise import CAReduce, DimShuffle, Elemwise

    if isinstance(v, Constant):
        return v.name or str(getattr(v, "data", v))
    if v.owner is None:
        return v.name or "<?>"
    node = v.owner
    op = node.op
    if isinstance(op, Elemwise):
        sname = op.scalar_op.name
        if sname in _INFIX and len(node.inputs) >= 2:
            sym, p = _INFIX[sname]
            s = f" {sym} ".join(_pp(i, p) for i in node.inputs)
            return f"({s})" if p <= prec or prec == -1 else s
        if sname == "neg":
            return f"-{_pp(node.inputs[0], 4)}"
        if isinstance(op.scalar_op, Cast):
            return f"{op.scalar_op.o_dtype}({_pp(node.inputs[0])})"
        return f"{sname}({', '.join(_pp(i) for i in node.inputs)})"
    if isinstance(op, DimShuffle):
        x = node.inputs[0]
        if op.is_transpose and op.new_order == tuple(range(x.type.ndim))[::-1]:
            return f"{_pp(x, 5)}.T"
        return f"{_pp(x, 5)}.dimshuffle({', '.join(repr(o) for o in op.new_order)})"
    if isinstance(op, CAReduce):
        ax = "" if op.axis is None else f", axis={list(op.axis)}"
        return f"{type(op).__name__.lower()}({_pp(node.inputs[0])}{ax})"
    name = type(op).__name__
    if name == "Dot":
        return f"dot({_pp(node.inputs[0])}, {_pp(node.inputs[1])})"
    args = ", ".join(_pp(i) for i in node.inputs)
    out = f"{op}({args})"
    if len(node.outputs) > 1:
        out += f"[{v.index}]"
    return out


def pprint(obj: Any) -> str:
    """An infix expression for a variable, a list of them, or a compiled function's outputs."""
    outs = _outputs_of(obj)
    texts = []
    for o in outs:
        name = f"{o.name} = " if o.name and o.owner is not None else ""
        texts.append(name + _pp(o))
    return "\n".join(texts)


pp = pprint


def _ids() -> Any:
    import string

    letters = string.ascii_uppercase

    def make(n: int) -> str:
        s = ""
        n += 1
        while n:
            n, r = divmod(n - 1, 26)
            s = letters[r] + s
        return s

    return make


def debugprint(obj: Any, depth: int = -1, print_type: bool = True, file: Any = None, ids: str = "CHAR",
               stop_on_name: bool = False, done: dict | None = None, print_storage: bool = False,
               used_ids: dict | None = None, trace: Any = None) -> Any:
    """Print a graph as an indented tree, each variable once with an id ([id A]).

    For a compiled function it shows the rewritten graph that runs: each node's position in
    the run order and what runs it (backend, kernel, or fallback). `file='str'` returns the
    text; `trace` (from f.trace) adds each variable's value shape.
    """
    from .compile.function import Function

    buf = io.StringIO()
    make_id = _ids()
    ids_of: dict = {} if used_ids is None else used_ids
    order: dict[Apply, int] = {}
    runners: dict = {}
    trace_vals = {v: val for v, val in trace} if trace is not None else {}
    outs = _outputs_of(obj)
    if isinstance(obj, Function):
        order = {n: k for k, n in enumerate(obj.maker.fgraph.toposort())}
        runners = obj.linked.runners
        buf.write(f"# function {obj.name or ''} on device {obj.backend.device} "
                  f"(backend {obj.backend.name})\n")
    printed: set = set()

    def vid(v: Any) -> str:
        if v not in ids_of:
            ids_of[v] = make_id(len(ids_of))
        return ids_of[v]

    def line(v: Variable, prefix: str, d: int) -> None:
        node = v.owner
        t = f" {v.type}" if print_type else ""
        extra = ""
        if v in trace_vals:
            val = trace_vals[v]
            extra = f" value{getattr(val, 'dtype', '')}{tuple(getattr(val, 'shape', ()))}"
        if node is None:
            label = str(v) if not isinstance(v, Constant) else str(v)
            buf.write(f"{prefix}{label} [id {vid(v)}]{t}{extra}\n")
            return
        outname = f".{v.index}" if len(node.outputs) > 1 else ""
        key = node
        seen_before = key in printed
        nm = f" '{v.name}'" if v.name else " ''"
        pos = f" {order[node]}" if node in order else ""
        run = f" ({runners[node]})" if node in runners else ""
        buf.write(f"{prefix}{node.op}{outname} [id {vid(node)}]{nm}{t}{pos}{run}{extra}"
                  f"{'' if not seen_before or not node.inputs else ' ...'}\n")
        if seen_before or d == depth or (stop_on_name and v.name and prefix):
            return
        printed.add(key)
        for i in node.inputs:
            line(i, prefix + " |", d + 1)

    for o in outs:
        line(o, "", 0)
    text = buf.getvalue()
    if file == "str":
        return text
    (file or sys.stdout).write(text)
    return file


def min_informative_str(v: Variable) -> str:
    return pprint(v)


def _node_label(node: Apply) -> str:
    return str(node.op)


def pydotprint(fct: Any, outfile: str | None = None, compact: bool = True, format: str = "png",
               with_ids: bool = False, high_contrast: bool = True, cond_highlight: Any = None,
               colorCodes: dict | None = None, max_label_size: int = 70, scan_graphs: bool = False,
               var_with_name_simple: bool = False, print_output_file: bool = True,
               return_image: bool = False) -> Any:
    """Write the graph of a function (or of variables) as an image through pydot and Graphviz.

    Apply nodes are ellipses, variables boxes: inputs green, outputs blue, constants grey.
    `format` is png, svg, pdf or dot; `var_with_name_simple` labels named variables by name only.
    """
    try:
        import pydot
    except ImportError:
        raise ImportError("pydotprint needs the pydot package: pip install pydot "
                          "(and Graphviz's dot program: apt-get install graphviz)") from None
    from .compile.function import Function

    if outfile is None:
        outfile = os.path.join(os.getcwd(), f"theano.pydotprint.{format}")
    if isinstance(fct, Function):
        fg = fct.maker.fgraph
        inputs, outputs = list(fg.inputs), list(fg.outputs)
        nodes = fg.toposort()
    else:
        outputs = _outputs_of(fct)
        nodes = io_toposort([], outputs)
        from .graph.basic import graph_inputs

        inputs = [v for v in graph_inputs(outputs) if not isinstance(v, Constant)]
    graph = pydot.Dot("theano", graph_type="digraph")
    names: dict = {}
    counter = [0]

    def ident(obj: Any) -> str:
        if obj not in names:
            counter[0] += 1
            names[obj] = f"n{counter[0]}"
        return names[obj]

    def var_label(v: Variable) -> str:
        if v.name:
            label = v.name if var_with_name_simple else f"{v.name} {v.type}"
        elif isinstance(v, Constant):
            label = f"constant {v}"
        else:
            label = str(v.type)
        return label[:max_label_size]

    def add_var(v: Variable) -> str:
        nid = ident(v)
        if graph.get_node(nid):
            return nid
        if v in inputs:
            color = "limegreen"
        elif v in outputs:
            color = "dodgerblue"
        elif isinstance(v, Constant):
            color = "grey"
        else:
            color = "white"
        graph.add_node(pydot.Node(nid, label=_quote(var_label(v)), shape="box", style="filled",
                                  fillcolor=color))
        return nid

    for node in nodes:
        nid = ident(node)
        label = _node_label(node)
        graph.add_node(pydot.Node(nid, label=_quote(label[:max_label_size]), shape="ellipse",
                                  style="filled", fillcolor="orange" if high_contrast else "white"))
        for k, i in enumerate(node.inputs):
            src = add_var(i) if (i.owner is None or not compact or i.name) else ident(i.owner)
            if i.owner is not None and (i.name and not compact):
                graph.add_edge(pydot.Edge(ident(i.owner), src))
            edge_label = str(k) if len(node.inputs) > 1 else ""
            graph.add_edge(pydot.Edge(src, nid, label=edge_label))
        for o in node.outputs:
            if o in outputs or (not compact):
                graph.add_edge(pydot.Edge(nid, add_var(o)))
    for o in outputs:
        if o.owner is None:
            add_var(o)
    if format == "dot":
        with open(outfile, "w") as f:
            f.write(graph.to_string())
    else:
        try:
            data = graph.create(format=format)
        except (FileNotFoundError, OSError) as e:
            raise RuntimeError(f"pydotprint needs Graphviz's `dot` program to write {format}: install "
                               f"Graphviz (apt-get install graphviz, brew install graphviz or conda "
                               f"install graphviz), or pass format='dot'. ({e})") from None
        if return_image:
            return data
        with open(outfile, "wb") as f:
            f.write(data)
    if print_output_file:
        print("The output file is available at", outfile)
    return None


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
