"""Record how real Theano 1.0.5 behaves where user code depends on it (issue 14 item 3, issue 20
part 3), into tests/data/theano105/behaviours.json; tests/compat/test_behaviours.py checks this
implementation against each record.

Run in a Python 3.8 environment with `theano==1.0.5 "numpy<1.22" "scipy<1.8"` (no pygpu):

    THEANO_FLAGS=blas.ldflags=-lopenblas python scripts/theano105/behaviours.py

Each entry is a plain JSON value: names, dtypes, values as nested lists, and for errors the
exception's class name. The same code runs here and under this implementation
(tests/compat/test_behaviours.py imports `CASES` from this file), so both sides compute
exactly the same thing.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import warnings

with warnings.catch_warnings():  # distutils is deprecated on new Pythons; its LooseVersion is what libraries used
    warnings.simplefilter("ignore")
    try:
        from distutils.version import LooseVersion
    except ImportError:
        from setuptools._distutils.version import LooseVersion

import numpy as np
import theano
import theano.tensor as T
from theano.gof import graph

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "theano105",
                   "behaviours.json")


def _names(vs):
    return [getattr(v, "name", None) for v in vs]


def _val(a):
    """A value as JSON: its dtype and its contents."""
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "value": a.tolist()}


def _err(fn):
    """fn() as a value, or the class name of what it raised."""
    try:
        return {"ok": fn()}
    except Exception as e:  # the class is what is compared
        return {"error": type(e).__name__}


def graph_orders():
    """gof.graph walks on a graph with named variables; nodes named by their first output."""
    a, b, c = T.dscalars("a", "b", "c")
    d = a + b
    d.name = "d"
    e = d * c
    e.name = "e"
    f = T.exp(a)
    f.name = "f"
    g = f - e
    g.name = "g"
    h = e / b
    h.name = "h"
    k = T.constant(2.0, name="k")
    m = h * k
    m.name = "m"
    outs = [g, m]
    node = lambda n: n.outputs[0].name  # noqa: E731
    return {
        "inputs": _names(graph.inputs(outs)),
        "inputs_reversed": _names(graph.inputs(outs[::-1])),
        "ancestors": _names(graph.ancestors(outs)),
        "ancestors_blocked": _names(graph.ancestors(outs, blockers=[e])),
        "io_toposort": [node(n) for n in graph.io_toposort([a, b, c], outs)],
        "io_toposort_cut": [node(n) for n in graph.io_toposort([d], outs)],
        "variables": _names(graph.variables([a, b, c], outs)),
        "orphans": _names(graph.orphans([a, b], outs)),
        "list_of_nodes": [node(n) for n in graph.list_of_nodes([a, b, c], outs)],
        "general_toposort_names": [getattr(x, "name", None) or node(x) for x in
                                   graph.general_toposort(outs, lambda x: (([x.owner] if x.owner else [])
                                                                          if isinstance(x, theano.gof.Variable)
                                                                          else list(x.inputs)))],
        "is_same_graph": [graph.is_same_graph(a + b, a + b), graph.is_same_graph(a + b, b + a),
                          graph.is_same_graph(a * 2, b * 2, givens={a: b})],
        "apply_get_parents": _names(e.owner.get_parents()),
        "variable_get_parents": [node(n) for n in e.get_parents()],
        "input_get_parents": a.get_parents(),
        "is_in_ancestors": [graph.is_in_ancestors(m.owner, d.owner), graph.is_in_ancestors(d.owner, m.owner)],
    }


def truthiness():
    x = T.dvector("x")
    s = theano.shared(np.zeros(3), "s")
    return {
        "vector": _err(lambda: bool(x)),
        "scalar": _err(lambda: bool(T.dscalar())),
        "shared": _err(lambda: bool(s)),
        "constant": _err(lambda: bool(T.constant(0.0))),
        "sum": _err(lambda: bool(x.sum())),
        "not_input": _err(lambda: not x),
        "gt": _err(lambda: bool(x > 0)),
        "lt": _err(lambda: bool(x < 0)),
        "ge": _err(lambda: bool(x >= 0)),
        "le": _err(lambda: bool(x <= 0)),
        "eq_method": _err(lambda: bool(T.eq(x, 0))),
    }


def plurals():
    out = {}
    for label, args in [("one_string", ("ab",)), ("one_letter", ("a",)), ("names", ("a", "b")),
                        ("comma", ("u, v",)), ("list", (["a", "b"],)), ("int3", (3,)), ("int1", (1,)),
                        ("none", ())]:
        r = T.dmatrices(*args)
        out[label] = _names(r) if isinstance(r, list) else {"single": r.name}
    return out


def list_of_slices():
    x = T.dmatrix("x")
    v = np.arange(20.0).reshape(4, 5)
    return {"list": _val(x[[slice(1, 3), slice(0, 2)]].eval({x: v})),
            "tuple": _val(x[(slice(1, 3), slice(0, 2))].eval({x: v})),
            "list_one": _val(x[[slice(1, 3)]].eval({x: v}))}


def numpy_prod():
    b, s = T.lscalars("b", "s")
    p = np.prod((b, s, 6))
    return {"is_variable": isinstance(p, theano.gof.Variable),
            "value": _val(p.eval({b: 2, s: 3})) if isinstance(p, theano.gof.Variable) else None,
            "np_array_object": str(np.array([b, s], dtype=object).dtype)}


def nnet_numpy():
    v = np.array([-1.5, 0.0, 2.0])
    out = {}
    for label, fn in [("relu", lambda: T.nnet.relu(v)), ("relu_alpha", lambda: T.nnet.relu(v, 0.1)),
                      ("elu", lambda: T.nnet.elu(v)), ("selu", lambda: T.nnet.selu(v)),
                      ("softsign", lambda: T.nnet.softsign(v)), ("sigmoid", lambda: T.nnet.sigmoid(v)),
                      ("softplus", lambda: T.nnet.softplus(v))]:
        try:
            r = fn()
        except Exception as e:
            out[label] = {"error": type(e).__name__}
            continue
        numeric = isinstance(r, (np.ndarray, np.generic, float))
        out[label] = {"numpy": numeric, **(_val(r) if numeric else {"value": np.asarray(r.eval()).tolist()})}
    return out


def shape_slices():
    x = T.tensor4("x")
    out = {}
    for label, fn in [("2:", lambda s: s[2:]), (":-1", lambda s: s[:-1]), ("1:3", lambda s: s[1:3]),
                      ("::2", lambda s: s[::2]), ("-2:", lambda s: s[-2:])]:
        out[label] = _err(lambda: len(tuple(fn(x.shape))))
    return out


def pool_symbolic():
    from theano.tensor.signal.pool import pool_2d

    x = T.tensor4("x")
    ws, st, pad = T.lvector("ws"), T.lvector("st"), T.lvector("pad")
    v = np.arange(2 * 1 * 5 * 6, dtype=theano.config.floatX).reshape(2, 1, 5, 6)
    out = {}
    for mode in ("max", "average_inc_pad", "average_exc_pad", "sum"):
        y = pool_2d(x, ws=ws, stride=st, pad=pad, ignore_border=True, mode=mode)
        f = theano.function([x, ws, st, pad], y)
        out[mode] = _val(f(v, [2, 3], [1, 2], [1, 1]))
    y = pool_2d(x, ws=ws, ignore_border=True)
    out["ws_only"] = _val(theano.function([x, ws], y)(v, [2, 2]))
    g = theano.grad(pool_2d(x, ws=ws, stride=st, ignore_border=True).sum(), x)
    out["grad"] = _val(theano.function([x, ws, st], g)(v, [2, 2], [1, 1]))
    return out


def set_subtensor_dtypes():
    out = {}
    cases = [("int8", "int64", [100, 300]), ("int8", "int32", [5, -7]), ("float32", "float64", [0.1, 1e40]),
             ("int32", "float64", [1.7, -2.2]), ("int64", "int8", [3, 4]), ("float64", "int64", [3, 4]),
             ("uint8", "int64", [-1, 256]), ("bool", "int64", [0, 2])]
    for xd, vd, vals in cases:
        for kind, fn in (("set", T.set_subtensor), ("inc", T.inc_subtensor)):
            key = f"{kind}:{xd}<-{vd}"
            x = T.vector("x", dtype=xd)
            v = T.vector("v", dtype=vd)
            try:
                y = fn(x[1:3], v)
            except Exception as e:
                out[key] = {"build_error": type(e).__name__}
                continue
            try:
                r = theano.function([x, v], y)(np.ones(4, dtype=xd), np.array(vals, dtype=vd))
                out[key] = {"out_dtype": y.dtype, **_val(r)}
            except Exception as e:
                out[key] = {"out_dtype": y.dtype, "run_error": type(e).__name__}
    # A constant (Python) value and a scalar value.
    x = T.bvector("x")
    out["set:int8<-python_int"] = _val(T.set_subtensor(x[0], 300).eval({x: np.zeros(2, "int8")}))
    q = T.lscalar("q")
    y = T.set_subtensor(x[0], q)
    f = theano.function([x, q], y)
    out["set:int8<-lscalar"] = {"out_dtype": y.dtype, "values": [_val(f(np.zeros(2, "int8"), 7)).get("value"),
                                                                 _err(lambda: f(np.zeros(2, "int8"), 300).tolist())]}
    return out


def intermediate_inputs():
    x = T.dscalar("x")
    y = x * 2
    z = y + 1
    w = y + x
    return {"function": _val(theano.function([y], z)(10.0)),
            "eval": _val(z.eval({y: 3.0})),
            "both": _val(theano.function([y, x], w)(10.0, 1.0)),
            "missing": _err(lambda: theano.function([y], w)),
            "unused_x": _err(lambda: theano.function([x * 2], x))}


def version():
    v = theano.__version__
    return {"version": v, "ge_1_0": LooseVersion(v) >= LooseVersion("1.0"),
            "ge_0_9": LooseVersion(v) >= LooseVersion("0.9"), "lt_1_1": LooseVersion(v) < LooseVersion("1.1"),
            "major_minor": [int(p) for p in v.split(".")[:2]]}


def printing_print():
    x = T.dvector("x")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        f = theano.function([x], theano.printing.Print("hello")(x) * 2)
        r1 = f(np.array([1.0, 2.0]))
        g = theano.function([x], theano.printing.Print("shp", attrs=("shape", "sum"))(x) + 1)
        r2 = g(np.array([1.0, 2.0]))
        gr = theano.function([x], theano.grad(theano.printing.Print("g")(x).sum(), x))
        r3 = gr(np.array([1.0, 2.0]))
    return {"stdout": buf.getvalue(), "values": [_val(r1), _val(r2), _val(r3)],
            "props": list(theano.printing.Print.__props__)}


def tile_symbolic():
    x = T.dmatrix("x")
    reps = T.lvector("reps")
    v = np.arange(6.0).reshape(2, 3)
    out = {}
    for k, rv in ((2, [2, 3]), (3, [2, 1, 2]), (4, [1, 2, 1, 2])):
        y = T.tile(x, reps, ndim=k)
        out[f"ndim{k}"] = {"ndim": y.ndim, **_val(theano.function([x, reps], y)(v, rv))}
    out["no_ndim"] = _err(lambda: T.tile(x, reps).ndim)
    return out


def batched_tensordot():
    x, y = T.tensor3("x"), T.tensor3("y")
    a = np.arange(24.0).reshape(2, 3, 4) / 10
    b = np.arange(40.0).reshape(2, 4, 5) / 10
    c = np.arange(30.0).reshape(2, 3, 5) / 10
    z = T.tensor4("z")
    d = np.arange(2 * 3 * 4 * 5.0).reshape(2, 3, 4, 5) / 100
    return {"axes_int1": _val(T.batched_tensordot(x, y, 1).eval({x: a, y: b})),
            "axes_lists": _val(T.batched_tensordot(x, y, [[2], [1]]).eval({x: a, y: b})),
            "axes_two": _val(T.batched_tensordot(z, x, [[1, 3], [1, 2]]).eval({z: d, x: c})),
            "batch_axis_error": _err(lambda: T.batched_tensordot(x, y, [[0], [0]]))}


def sparse_ops():
    import scipy.sparse as sp
    import theano.sparse.basic as sb

    a, b = sb.csr_matrix("a"), sb.csc_matrix("b")
    A = sp.csr_matrix(np.array([[0, 1.5, 0], [2.0, 0, 0]]))
    B = sp.csc_matrix(np.array([[0, 0, 3.0], [4.0, 0, 0]]))
    h = sb.hstack([a, b])
    v = sb.vstack([a, b], format="csr", dtype="float32")
    fh = theano.function([a, b], h)(A, B)
    fv = theano.function([a, b], v)(A, B)
    m = T.dmatrix("m")
    sd = sb.structured_dot(a, m)
    M = np.arange(6.0).reshape(3, 2)
    gsd = theano.grad(sd.sum(), m)
    return {"hstack": {"format": h.type.format, "dtype": h.dtype, "value": fh.toarray().tolist(),
                       "runtime_format": fh.format},
            "vstack": {"format": v.type.format, "dtype": v.dtype, "value": fv.toarray().tolist()},
            "structured_dot": _val(theano.function([a, m], sd)(A, M)),
            "structured_dot_grad_m": _val(theano.function([a, m], gsd)(A, M))}


def gpuarray():
    import theano.gpuarray
    from theano.gpuarray import dnn

    return {"pygpu": theano.gpuarray.pygpu is None, "pygpu_activated": theano.gpuarray.pygpu_activated,
            "dnn_present": dnn.dnn_present(), "dnn_present_msg": dnn.dnn_present.msg,
            "dnn_available": dnn.dnn_available(None), "dnn_available_msg": dnn.dnn_available.msg}


def verify_grad_draws():
    """verify_grad draws one random direction per test from the rng it is given (its cost and
    gradient compile once, the direction a shared value set per test): what the rng gives
    next, for array and scalar outputs."""
    out = {}
    for n_tests in (1, 2, 4):
        rng = np.random.RandomState(0)
        T.verify_grad(T.tanh, [np.linspace(-1, 1, 6).reshape(2, 3)], n_tests=n_tests, rng=rng)
        out["array%d" % n_tests] = float(rng.rand())
    rng = np.random.RandomState(0)
    T.verify_grad(lambda x: T.tanh(x).sum(), [np.linspace(-1, 1, 6)], n_tests=3, rng=rng)
    out["scalar3"] = float(rng.rand())
    return out


CASES = {
    "graph_orders": graph_orders, "truthiness": truthiness, "plurals": plurals,
    "list_of_slices": list_of_slices, "numpy_prod": numpy_prod, "nnet_numpy": nnet_numpy,
    "shape_slices": shape_slices, "pool_symbolic": pool_symbolic, "set_subtensor_dtypes": set_subtensor_dtypes,
    "intermediate_inputs": intermediate_inputs, "version": version, "printing_print": printing_print,
    "tile_symbolic": tile_symbolic, "batched_tensordot": batched_tensordot, "sparse_ops": sparse_ops,
    "gpuarray": gpuarray, "verify_grad_draws": verify_grad_draws,
}


def main() -> None:
    data = {"theano": theano.__version__}
    for name, fn in CASES.items():
        try:
            data[name] = fn()
        except Exception as e:  # recorded: a case Theano itself cannot run is a finding too
            data[name] = {"case_error": f"{type(e).__name__}: {e}"}
        print(name, json.dumps(data[name])[:300], file=sys.stderr)
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
