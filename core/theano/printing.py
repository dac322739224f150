"""Showing graphs: pprint (infix text), debugprint (an indented tree), pydotprint (an image)."""
from __future__ import annotations

import io
import os
import sys
from typing import Any, Sequence

from .graph.basic import Apply, Constant, Variable, io_toposort
from .graph.op import Op
from .compile.function import Function
from .graph.basic import graph_inputs
from .scalar.basic import Cast
from .tensor.basic import as_tensor_variable
from .tensor.elemwise import CAReduce
from .tensor.elemwise import DimShuffle
from .tensor.elemwise import Elemwise
import string

__all__ = ["pprint", "pp", "debugprint", "pydotprint", "min_informative_str", "GraphvizNotFoundError", "Print"]

_INFIX = {"add": ("+", 1), "sub": ("-", 1), "mul": ("*", 2), "true_div": ("/", 2), "int_div": ("//", 2),
          "mod": ("%", 2), "pow": ("**", 3), "lt": ("<", 0), "gt": (">", 0), "le": ("<=", 0),
          "ge": (">=", 0), "eq": ("==", 0), "neq": ("!=", 0), "and": ("&", 0), "or": ("|", 0),
          "xor": ("^", 0)}


def _outputs_of(obj: Any) -> list[Variable]:
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
        nd = x.type.ndim
        lead = 0
        while lead < len(op.new_order) and op.new_order[lead] == "x":
            lead += 1
        kept = [o for o in op.new_order if o != "x"]
        if list(op.new_order[lead:]) == list(range(nd)):
            # Only broadcastable axes added: the implicit broadcast of `x + 2`, as Theano
            # prints it (the operand, not the DimShuffle).
            return _pp(x, prec)
        if kept == list(range(nd))[::-1] and len(kept) == len(op.new_order):
            return f"{_pp(x, 5)}.T"
        return f"{_pp(x, 5)}.dimshuffle({', '.join(repr(o) for o in op.new_order)})"
    if isinstance(op, CAReduce):
        ax = "" if op.axis is None else f", axis={list(op.axis)}"
        return f"{type(op).__name__.lower()}({_pp(node.inputs[0])}{ax})"
    if type(op).__name__ == "Shape":
        return f"{_pp(node.inputs[0], 5)}.shape"
    if type(op).__name__ == "Subtensor" and hasattr(op, "idx_list"):
        return f"{_pp(node.inputs[0], 5)}[{_index_str(op.idx_list, node.inputs[1:])}]"
    name = type(op).__name__
    if name == "Dot":
        return f"dot({_pp(node.inputs[0])}, {_pp(node.inputs[1])})"
    args = ", ".join(_pp(i) for i in node.inputs)
    out = f"{op}({args})"
    if len(node.outputs) > 1:
        out += f"[{v.index}]"
    return out


def _index_str(idx_list: Sequence[Any], symbolic: Sequence[Variable]) -> str:
    """`1:3, ::2, i` from a Subtensor's index list, symbolic entries printed by pprint."""
    it = iter(symbolic)

    def one(e: Any) -> str:
        if e is None:
            return ""
        if isinstance(e, (int, str)) and not (isinstance(e, str) and e == "?"):
            return str(e)
        return _pp(next(it))

    parts = []
    for e in idx_list:
        if isinstance(e, slice):
            p = f"{one(e.start)}:{one(e.stop)}"
            if e.step is not None:
                p += f":{one(e.step)}"
            parts.append(p)
        else:
            parts.append(one(e))
    return ", ".join(parts)


def pprint(obj: Any) -> str:
    """An infix expression for a variable, a list of them, or a compiled function's outputs."""
    outs = _outputs_of(obj)
    texts = []
    for o in outs:
        name = f"{o.name} = " if o.name and o.owner is not None else ""
        texts.append(name + _pp(o))
    return "\n".join(texts)


pp = pprint


def _id_maker(ids: str) -> Any:
    """Theano's id styles: "CHAR" (A, B, ... Z, AA), "int" (0, 1, ...), "id" (Python id), "" (none)."""
    letters = string.ascii_uppercase

    def char(n: int, obj: Any) -> str:
        s = ""
        n += 1
        while n:
            n, r = divmod(n - 1, 26)
            s = letters[r] + s
        return s

    if ids == "CHAR":
        return char
    if ids == "int":
        return lambda n, obj: str(n)
    if ids == "id":
        return lambda n, obj: str(id(obj))
    if ids == "":
        return None
    raise ValueError(f"debugprint: ids must be 'CHAR', 'int', 'id' or ''; got {ids!r}")


def debugprint(obj: Any, depth: int = -1, print_type: bool = True, file: Any = None, ids: str = "CHAR",
               stop_on_name: bool = False, done: dict | None = None, print_storage: bool = False,
               used_ids: dict | None = None, trace: Any = None) -> Any:
    """Print a graph as an indented tree, each node once with an id ([id A]).

    A line reads ``op [id A] <type> 'name'``; a node met again is printed as ``op [id A] ...``
    without its inputs. For a compiled function it shows the rewritten graph that runs, each
    node with its position in the run order and what runs it (backend, kernel, or fallback),
    and which outputs are updates of shared variables. `file='str'` returns the text;
    `trace` (from ``f.trace(...)``) adds each variable's value dtype and shape; `done` and
    `used_ids` may be shared between calls so that ids stay the same across them.
    """
    buf = io.StringIO()
    make_id = _id_maker(ids)
    ids_of: dict = {} if used_ids is None else used_ids
    printed: dict = {} if done is None else done
    order: dict[Apply, int] = {}
    runners: dict = {}
    notes: dict = {}
    trace_vals = {v: val for v, val in trace} if trace is not None else {}
    outs = _outputs_of(obj)
    if isinstance(obj, Function):
        order = {n: k for k, n in enumerate(obj.maker.fgraph.toposort())}
        runners = getattr(obj.linked, "runners", {})
        backend = obj.backend
        title = f"# function {obj.name}" if obj.name else "# function"
        buf.write(f"{title}: device {backend.device}, backend {backend.name}; "
                  f"nodes in run order, each with what runs it\n")
        n_out = len(obj.maker.outputs)
        for k, cont in enumerate(getattr(obj.maker, "updated_containers", [])):
            if n_out + k < len(outs):
                notes[n_out + k] = f"  -> update of {getattr(cont, 'name', None) or 'a shared variable'}"
    elif isinstance(obj, (list, tuple)) and not obj:
        raise TypeError("debugprint: nothing to print (an empty list)")

    def vid(v: Any) -> str:
        if make_id is None:
            return ""
        if v not in ids_of:
            ids_of[v] = make_id(len(ids_of), v)
        return f" [id {ids_of[v]}]"

    def line(v: Variable, prefix: str, d: int, note: str = "") -> None:
        node = v.owner
        t = f" <{v.type}>" if print_type else ""
        extra = ""
        if v in trace_vals:
            val = trace_vals[v]
            extra = f" value {getattr(val, 'dtype', type(val).__name__)}{tuple(getattr(val, 'shape', ()))}"
        if node is None:
            buf.write(f"{prefix}{v}{vid(v)}{t}{extra}{note}\n")
            return
        outname = f".{v.index}" if len(node.outputs) > 1 else ""
        seen_before = node in printed
        pos = f" {order[node]}" if node in order else ""
        run = f" ({runners[node]})" if node in runners else ""
        more = " ..." if seen_before and node.inputs else ""
        buf.write(f"{prefix}{node.op}{outname}{vid(node)}{t} '{v.name or ''}'{pos}{run}{extra}{more}"
                  f"{note}\n")
        if seen_before or d == depth or (stop_on_name and v.name and prefix):
            return
        printed[node] = True
        for i in node.inputs:
            line(i, prefix + " |", d + 1)

    for k, o in enumerate(outs):
        line(o, "", 0, notes.get(k, ""))
    text = buf.getvalue()
    if file == "str":
        return text
    (sys.stdout if file is None else file).write(text)
    return file


def min_informative_str(v: Variable) -> str:
    return pprint(v)


def _node_label(node: Apply) -> str:
    return str(node.op)


class GraphvizNotFoundError(RuntimeError):
    """pydotprint was asked for an image but Graphviz's `dot` program is not installed."""


_IMAGE_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg", "gif", "ps", "dot")


def pydotprint(fct: Any, outfile: str | None = None, compact: bool = True, format: str = "png",
               with_ids: bool = False, high_contrast: bool = True, cond_highlight: Any = None,
               colorCodes: dict | None = None, max_label_size: int = 70, scan_graphs: bool = False,
               var_with_name_simple: bool = False, print_output_file: bool = True,
               return_image: bool = False) -> Any:
    """Write the graph of a function (or of variables) as an image through pydot and Graphviz.

    Apply nodes are ellipses, variables boxes: inputs green, outputs blue, constants grey.
    `format` is png, svg, pdf or dot (dot needs no Graphviz); when `format` is left at png and
    `outfile` ends in another known extension (``graph.svg``), that extension's format is used.
    `compact` leaves out intermediate variables that have no name; `var_with_name_simple`
    labels named variables by name only; `with_ids` prefixes labels with debugprint's ids;
    `return_image` returns the bytes (the text for dot) instead of writing a file.
    """
    try:
        # optional library, loaded when first used
        import pydot
    except ImportError:
        raise ImportError("pydotprint needs the pydot package: pip install pydot "
                          "(and Graphviz's dot program: apt-get install graphviz)") from None
    if outfile is not None and format == "png":
        ext = os.path.splitext(str(outfile))[1].lower().lstrip(".")
        if ext in _IMAGE_FORMATS:
            format = ext
    if format not in _IMAGE_FORMATS:
        raise ValueError(f"pydotprint: unknown format {format!r}; use one of {', '.join(_IMAGE_FORMATS)}")
    if outfile is None:
        outfile = os.path.join(os.getcwd(), f"theano.pydotprint.{format}")
    runners: dict = {}
    if isinstance(fct, Function):
        fg = fct.maker.fgraph
        inputs, outputs = list(fg.inputs), list(fg.outputs)
        nodes = fg.toposort()
        runners = getattr(fct.linked, "runners", {})
    else:
        outputs = _outputs_of(fct)
        nodes = io_toposort([], outputs)
        inputs = [v for v in graph_inputs(outputs) if not isinstance(v, Constant)]
    colors = {"input": "limegreen", "output": "dodgerblue", "constant": "grey", "apply": "white",
              "var": "white"}
    if high_contrast:
        colors["apply"] = "orange"
    colors.update(colorCodes or {})
    graph = pydot.Dot("theano", graph_type="digraph")
    names: dict = {}
    id_names: dict = {}

    def ident(obj: Any) -> str:
        if obj not in names:
            names[obj] = f"n{len(names) + 1}"
        return names[obj]

    def with_id(obj: Any, label: str) -> str:
        if not with_ids:
            return label
        if obj not in id_names:
            id_names[obj] = _id_maker("CHAR")(len(id_names), obj)
        return f"{id_names[obj]} {label}"

    def var_label(v: Variable) -> str:
        if v.name:
            label = v.name if var_with_name_simple else f"{v.name} {v.type}"
        elif isinstance(v, Constant):
            label = f"constant {v}"
        else:
            label = str(v.type)
        return _clip(with_id(v, label), max_label_size)

    def add_var(v: Variable) -> str:
        nid = ident(v)
        if graph.get_node(nid):
            return nid
        if v in inputs:
            color = colors["input"]
        elif v in outputs:
            color = colors["output"]
        elif isinstance(v, Constant):
            color = colors["constant"]
        else:
            color = colors["var"]
        graph.add_node(pydot.Node(nid, label=_quote(var_label(v)), shape="box", style="filled",
                                  fillcolor=color))
        return nid

    def shown_as_box(v: Variable) -> bool:
        # Compact mode draws an unnamed intermediate result as a plain edge between its
        # producer and its consumer; everything else gets a box of its own.
        return v.owner is None or v in outputs or not compact or bool(v.name)

    for node in nodes:
        nid = ident(node)
        label = str(node.op)
        if node in runners and runners[node] not in ("numpy",):
            label += f" ({runners[node]})"
        graph.add_node(pydot.Node(nid, label=_quote(_clip(with_id(node, label), max_label_size)),
                                  shape="ellipse", style="filled", fillcolor=colors["apply"]))
        for k, i in enumerate(node.inputs):
            src = add_var(i) if shown_as_box(i) else ident(i.owner)
            parts = [str(k)] if len(node.inputs) > 1 else []
            if not shown_as_box(i):
                parts.append(str(i.type))
            graph.add_edge(pydot.Edge(src, nid, label=_quote(" ".join(parts))))
        for o in node.outputs:
            if shown_as_box(o):
                graph.add_edge(pydot.Edge(nid, add_var(o)))
    for o in outputs:
        if o.owner is None:
            add_var(o)
    if format == "dot":
        text = graph.to_string()
        if return_image:
            return text
        with open(outfile, "w") as f:
            f.write(text)
    else:
        try:
            data = graph.create(format=format)
        except (FileNotFoundError, OSError) as e:
            raise GraphvizNotFoundError(
                f"pydotprint needs Graphviz's `dot` program to write {format}, and it was not found "
                f"on PATH. Install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew "
                f"install graphviz; conda: conda install graphviz), or pass format='dot' to write "
                f"the graph as text. ({e})") from None
        if return_image:
            return data
        with open(outfile, "wb") as f:
            f.write(data)
    if print_output_file:
        print("The output file is available at", outfile)
    return None


def _clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[: max(n - 3, 1)] + "..."


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _print_fn(op: "Print", value: Any) -> None:
    """Print `op.message`, then each attribute of `value` named in `op.attrs` (called if callable)."""
    for attr in op.attrs:
        got = getattr(value, attr)
        print(op.message, attr, "=", got() if callable(got) else got)


class Print(Op):
    """An identity op that prints its value when the function runs: `Print('x')(x)` prints
    "x __str__ = [...]" and passes x on (`attrs` names the attributes printed, e.g. ('shape',);
    `global_fn(op, value)` does the printing). Gradients pass through it unchanged."""

    __props__ = ("message", "attrs", "global_fn")
    view_map = {0: [0]}

    def __init__(self, message: str = "", attrs: Sequence[str] = ("__str__",), global_fn: Any = _print_fn):
        self.message = message
        self.attrs = tuple(attrs)
        self.global_fn = global_fn

    def make_node(self, xin: Any) -> Apply:
        if not isinstance(xin, Variable):
            xin = as_tensor_variable(xin)
        return Apply(self, [xin], [xin.type()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        (xin,) = inputs
        output_storage[0][0] = xin
        self.global_fn(self, xin)

    def make_py_fn(self, node: Apply):
        def print_and_pass(x: Any) -> Any:
            self.global_fn(self, x)
            return x
        return print_and_pass

    def do_constant_folding(self, node: Apply) -> bool:
        return False  # printing is the point: it must happen when the function runs

    def grad(self, inputs: Sequence[Variable], output_gradients: Sequence[Variable]) -> list:
        return list(output_gradients)

    def R_op(self, inputs: Sequence[Variable], eval_points: Sequence[Variable]) -> list:
        return list(eval_points)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list:
        return list(input_shapes)


from .compat.absent import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
