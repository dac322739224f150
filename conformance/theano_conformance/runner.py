"""Running cases: each on the reference backend and on the backend under test, compared."""
from __future__ import annotations

import contextlib
import fnmatch
import importlib
import time
import warnings
import zlib
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .case import (FAILED, FELL_BACK, MISSING, NOT_CLAIMED, PASSED, SKIPPED, XFAIL, XPASS, FunctionCase,
                   OpCase, Result)
from .compare import compare_outputs, describe_inputs_at, element, short
from .target import Target

__all__ = ["resolve", "run_case", "run_cases", "select", "MissingOp", "ConformanceError", "Context",
           "REFERENCE"]

REFERENCE = "numpy"

# Raised by a builder when what it needs is not in this theano (an op another part of the
# project has not added yet); such cases are reported as `missing`, not as failures.
_MISSING_ERRORS = (ImportError, AttributeError, NotImplementedError)


class MissingOp(Exception):
    """The op a case needs is not in this theano."""


class ConformanceError(AssertionError):
    """A scenario's own check failed (aliasing, shared variables not intact ...)."""


def resolve(dotted: str) -> Any:
    """``tensor.extra_ops.cumsum`` -> the object, importing ``theano.tensor.extra_ops``.

    Names are relative to ``theano``. Lookup is by getattr at run time, so a case written
    for an op that arrives later starts running the day it arrives."""
    import types

    obj: Any = importlib.import_module("theano")
    path = "theano"
    for name in dotted.split("."):
        # An attribute wins over a submodule of the same name: theano.tensor.var is the
        # function, not the module var.py that defines TensorVariable.
        if hasattr(obj, name):
            obj = getattr(obj, name)
        elif isinstance(obj, types.ModuleType):
            try:
                obj = importlib.import_module(f"{path}.{name}")
            except ImportError:
                raise MissingOp(f"theano.{dotted} does not exist ({path} has no {name!r})") from None
        else:
            raise MissingOp(f"theano.{dotted} does not exist ({path} has no {name!r})")
        path = f"{path}.{name}"
    return obj


def _seed(case_id: str) -> int:
    # crc32, not hash(): the same inputs in every process, whatever PYTHONHASHSEED says.
    return zlib.crc32(case_id.encode())


def _reasons(functions: Iterable[Any]) -> dict[str, str]:
    """Why each node that ran through the fallback did, when the backend's link step recorded
    it (`LinkedGraph.reasons`): node -> reason."""
    out = {}
    for f in functions:
        linked = getattr(f, "linked", None)
        reasons = getattr(linked, "reasons", {}) or {}
        for node, runner in (getattr(linked, "runners", {}) or {}).items():
            if "fallback" in str(runner) and reasons.get(node):
                out[str(node.op)] = reasons[node]
    return out


def _fell_back(functions: Iterable[Any]) -> list[str]:
    nodes = []
    for f in functions:
        runners = getattr(getattr(f, "linked", None), "runners", {}) or {}
        for node, runner in runners.items():
            if "fallback" in str(runner):
                nodes.append(str(node.op))
    return sorted(set(nodes))


def _graph_dtypes(inputs: Sequence[Any], outputs: Sequence[Any]) -> set[str]:
    from theano.graph.basic import ancestors  # type: ignore[attr-defined]

    dts = set()
    for v in ancestors(list(outputs)):
        dt = getattr(v.type, "dtype", None)
        if dt is not None:
            dts.add(str(dt))
        if v.owner is not None:
            for o in v.owner.outputs:
                if getattr(o.type, "dtype", None) is not None:
                    dts.add(str(o.type.dtype))
    for v in inputs:
        dts.add(str(v.type.dtype))
    return dts


def _as_list(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _finish(result: Result, case_id: str, target: Target) -> Result:
    """Apply the backend's expected-failures file."""
    if target.is_expected_failure(case_id):
        if result.status == FAILED:
            result.status = XFAIL
        elif result.status in (PASSED, FELL_BACK):
            result.status = XPASS
            result.detail = ("listed in the backend's expected-failures file, but passed: remove it "
                             "from the file" + (f" ({result.detail})" if result.detail else ""))
    return result


# -- op cases ----------------------------------------------------------------------------------

def _input_types(case: OpCase, values: Sequence[np.ndarray]) -> list[Any]:
    from theano.tensor.type import TensorType

    syms = []
    for k, v in enumerate(values):
        bc = None
        if case.broadcastable is not None and k < len(case.broadcastable):
            bc = case.broadcastable[k]
        if bc is None:
            bc = tuple(s == 1 for s in v.shape)
        syms.append(TensorType(str(v.dtype), bc)(name=f"x{k}"))
    return syms


def _compile(inputs: list, outputs: list, device: str) -> Any:
    import theano

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fallback warnings: the suite counts them instead
        return theano.function(inputs, outputs, device=device, on_unused_input="ignore")


def _call(f: Any, values: Sequence[np.ndarray]) -> list[np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fallback warnings are counted, not printed per case
        with np.errstate(all="ignore"):
            return _as_list(f(*values))


def _gradient_graph(syms: list, outs: list) -> tuple[list, list] | str:
    """(w, gradients): the gradient graph of sum(out * w) with respect to the float inputs, w
    an input per float output. A string when there is none, or the core cannot build it
    (that is not the backend's fault)."""
    import theano
    from theano.tensor.type import TensorType

    wrt = [s for s in syms if s.type.dtype.startswith("float")]
    fouts = [o for o in outs if o.type.dtype.startswith("float")]
    if not wrt or not fouts:
        return "no float input or output"
    ws, cost = [], None
    for k, o in enumerate(fouts):
        w = TensorType(o.type.dtype, o.type.broadcastable)(name=f"w{k}")
        ws.append(w)
        term = (o * w).sum()
        cost = term if cost is None else cost + term
    try:
        grads = theano.tensor.grad(cost, wrt, disconnected_inputs="ignore", null_gradients="return")
    except Exception as e:  # a missing gradient is the core's business, not the backend's
        return f"the core cannot build the gradient: {type(e).__name__}: {e}"
    grads = [g for g in _as_list(grads) if g is not None and hasattr(g, "type")]
    if not grads:
        return "no gradient"
    return ws, grads


def _gradient(syms: list, outs: list, ref_outs: list[np.ndarray],
              rng: np.random.Generator) -> tuple[list, list, list[np.ndarray]] | str:
    """`_gradient_graph`, with a random value for each w (so a wrong gradient cannot hide
    behind a symmetric cost), shaped as the reference's output."""
    gr = _gradient_graph(syms, outs)
    if isinstance(gr, str):
        return gr
    ws, grads = gr
    shapes = [r.shape for o, r in zip(outs, ref_outs) if o.type.dtype.startswith("float")]
    wvals = [rng.uniform(0.5, 1.5, size=shape).astype(w.type.dtype) for w, shape in zip(ws, shapes)]
    return ws, grads, wvals


def _inputs(case: OpCase) -> tuple[np.random.Generator, list[np.ndarray], list]:
    """(the case's random generator, its input values, their symbolic inputs): the same in
    every process and every call."""
    rng = np.random.default_rng(_seed(case.id))
    values = [g(rng) for g in case.inputs]
    return rng, values, _input_types(case, values)


def _outputs(case: OpCase, fn: Any, syms: list) -> list:
    """The case's graph built on `syms`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _as_list(case.build(fn, *syms))


def run_op_case(case: OpCase, target: Target, reference: str = REFERENCE) -> Result:
    res = Result(case.id, case.op, case.group, PASSED)
    if not target.claims_op(case.op):
        res.status, res.detail = NOT_CLAIMED, "not in the backend's capabilities['claims']"
        return res
    try:
        fn = resolve(case.fn) if case.fn else None
    except MissingOp as e:
        res.status, res.detail = MISSING, str(e)
        return res
    rng, values, syms = _inputs(case)
    try:
        outs = _outputs(case, fn, syms)
    except _MISSING_ERRORS as e:
        # Only a missing module attribute means "not in this theano yet"; an AttributeError
        # on a variable is a broken case and must show as a failure.
        if not isinstance(e, AttributeError) or "module" in str(e):
            res.status, res.detail = MISSING, f"cannot build the graph: {type(e).__name__}: {e}"
            return res
        res.status, res.detail = FAILED, f"the case cannot be built with this theano: {type(e).__name__}: {e}"
        return res
    except Exception as e:
        res.status, res.detail = FAILED, f"the case cannot be built with this theano: {type(e).__name__}: {e}"
        return res
    names = [s.name for s in syms]
    # The reference.
    f_ref, ref_error = None, None
    try:
        f_ref = _compile(syms, outs, reference)
    except Exception as e:
        ref_error = e
    # The dtypes the graph really uses, after the core's rewrites (a Python constant the
    # builder wrote may have been cast or folded away).
    fg = getattr(getattr(f_ref, "maker", None), "fgraph", None)
    used = _graph_dtypes(syms, fg.outputs if fg is not None else outs)
    bad = target.unsupported(used)
    if bad:
        res.status = SKIPPED
        res.detail = f"uses {', '.join(bad)}, not in the backend's capabilities['dtypes']"
        return res
    if f_ref is not None:
        try:
            expected = _call(f_ref, values)
        except Exception as e:
            ref_error = e
    if case.expect_error:
        if ref_error is None:
            res.status, res.detail = FAILED, "the case expects an error but the reference did not raise"
            return res
        try:
            f = _compile(syms, outs, target.device)
        except Exception as e:  # the error must come from running the bad inputs, not compiling
            res.status, res.detail = FAILED, f"compiling raised {type(e).__name__}: {e}"
            return res
        try:
            _call(f, values)
        except Exception:
            res.fell_back = _fell_back([f])
            res.reasons = _reasons([f])
            res.status = FELL_BACK if res.fell_back else PASSED
            return res  # raised, as the reference does (the kind of error may differ)
        res.status = FAILED
        res.detail = (f"the reference raises {type(ref_error).__name__}: {str(ref_error).splitlines()[0]}; "
                      f"the backend returned without error; inputs: "
                      + ", ".join(f"{n}={short(v, 120)}" for n, v in zip(names, values)))
        return res
    if ref_error is not None:
        res.status = FAILED
        res.detail = (f"reference error: the reference backend raised (a broken case or a core bug): "
                      f"{type(ref_error).__name__}: {ref_error}")
        return res
    # The backend under test.
    functions = []
    snapshot = [v.copy() for v in values]
    try:
        f = _compile(syms, outs, target.device)
        functions.append(f)
    except Exception as e:
        res.status, res.detail = FAILED, f"compiling raised {type(e).__name__}: {e}"
        return res
    try:
        got = _call(f, values)
    except Exception as e:
        res.status = FAILED
        res.detail = (f"the call raised {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}; "
                      f"inputs: " + ", ".join(f"{n}={short(v, 120)}" for n, v in zip(names, values)))
        return res
    for n, v, s in zip(names, values, snapshot):
        if not np.array_equal(v, s, equal_nan=v.dtype.kind in "fc"):
            res.status, res.detail = FAILED, f"the backend modified its input {n} in place"
            return res
    mism = compare_outputs(expected, got, target.tol, case.tol, case.atol)
    if mism is not None:
        k, what, idx = mism
        exp_k = np.asarray(expected[k]) if k >= 0 else None
        res.status = FAILED
        if exp_k is None:
            res.detail = what
        else:
            got_k = got[k]
            res.detail = (f"output {k}: {what}; inputs: "
                          f"{describe_inputs_at(values, names, exp_k.shape, idx)}; "
                          f"expected {element(exp_k, idx)}, got "
                          f"{element(np.asarray(got_k), idx) if idx is not None else short(got_k)}")
        res.fell_back = _fell_back(functions)
        res.reasons = _reasons(functions)
        return res
    # The gradient, on the same inputs. Its fallbacks are listed, but the case's status
    # says how the op itself ran: the gradient graph is made of other ops, counted in theirs.
    grad_functions: list[Any] = []
    if case.grad:
        gr = _gradient(syms, outs, expected, rng)
        if isinstance(gr, str):
            res.detail = f"gradient not compared: {gr}"
        else:
            ws, grads, wvals = gr
            try:
                g_ref = _call(_compile(syms + ws, grads, reference), values + wvals)
            except Exception as e:
                # The core cannot run its own gradient graph: a broken case for every backend,
                # shown as a failure so it gets fixed rather than silently not compared.
                res.status = FAILED
                res.detail = (f"reference error: the gradient graph fails on the reference backend "
                              f"(a core bug, not this backend's): {type(e).__name__}: {e}")
                return res
            else:
                try:
                    fg = _compile(syms + ws, grads, target.device)
                    grad_functions.append(fg)
                    g_got = _call(fg, values + wvals)
                except Exception as e:
                    res.status, res.detail = FAILED, f"gradient: {type(e).__name__}: {e}"
                    return res
                mism = compare_outputs(g_ref, g_got, target.tol, case.tol * 10, case.atol * 10)
                if mism is not None:
                    k, what, idx = mism
                    res.status = FAILED
                    res.detail = (f"gradient wrt input {k}: {what}; expected "
                                  f"{element(np.asarray(g_ref[k]), idx)}, got "
                                  f"{element(np.asarray(g_got[k]), idx) if idx is not None else short(g_got[k])}")
                    return res
    res.fell_back = _fell_back(functions)
    res.reasons = _reasons(functions)
    if res.fell_back:
        res.status = FELL_BACK
    grad_fb = _fell_back(grad_functions)
    if grad_fb:
        res.detail = (res.detail + "; " if res.detail else "") + "gradient fell back: " + ", ".join(grad_fb)
    return res


# -- function cases ----------------------------------------------------------------------------

class _Counts:
    def __init__(self) -> None:
        self.to_device = 0
        self.to_host = 0


class Context:
    """What a FunctionCase sees: compile on one device, observe values, check invariants."""

    def __init__(self, device: str) -> None:
        from theano.backend.registry import get_backend

        self.device = device
        self.backend = get_backend(device)
        self.functions: list[Any] = []
        self.observations: list[tuple[str, np.ndarray]] = []

    def function(self, *args: Any, **kwargs: Any) -> Any:
        import theano

        kwargs.setdefault("on_unused_input", "ignore")
        f = theano.function(*args, device=self.device, **kwargs)
        self.functions.append(f)
        return f

    def observe(self, label: str, value: Any) -> None:
        # A copy: a later call must not change what was observed through aliasing.
        self.observations.append((label, np.array(value, copy=True)))

    def check(self, cond: Any, message: str) -> None:
        if not cond:
            raise ConformanceError(message)

    @contextlib.contextmanager
    def count_transfers(self):
        """Count the backend's to_device/to_host calls inside the block."""
        counts = _Counts()
        be = self.backend
        orig_d, orig_h = be.to_device, be.to_host

        def to_device(v: Any) -> Any:
            counts.to_device += 1
            return orig_d(v)

        def to_host(v: Any) -> Any:
            counts.to_host += 1
            return orig_h(v)

        be.to_device, be.to_host = to_device, to_host
        try:
            yield counts
        finally:
            del be.to_device, be.to_host  # back to the class's methods


def _run_scenario(case: FunctionCase, device: str) -> Context:
    ctx = Context(device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            case.run(ctx)
    return ctx


def run_function_case(case: FunctionCase, target: Target, reference: str = REFERENCE) -> Result:
    res = Result(case.id, case.op, case.group, PASSED)
    if not target.claims_op(case.op):
        res.status, res.detail = NOT_CLAIMED, "not in the backend's capabilities['claims']"
        return res
    if case.fn:
        try:
            resolve(case.fn)
        except MissingOp as e:
            res.status, res.detail = MISSING, str(e)
            return res
    bad = target.unsupported(case.dtypes)
    if bad:
        res.status = SKIPPED
        res.detail = f"uses {', '.join(bad)}, not in the backend's capabilities['dtypes']"
        return res
    try:
        ref = _run_scenario(case, reference)
    except Exception as e:
        res.status = FAILED
        res.detail = (f"reference error: the scenario fails on the reference backend (a broken case or "
                      f"a core bug): {type(e).__name__}: {e}")
        return res
    try:
        got = _run_scenario(case, target.device)
    except ConformanceError as e:
        res.status, res.detail = FAILED, str(e)
        return res
    except Exception as e:
        res.status, res.detail = FAILED, f"raised {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        return res
    res.fell_back = _fell_back(got.functions)
    res.reasons = _reasons(got.functions)
    if len(ref.observations) != len(got.observations):
        res.status = FAILED
        res.detail = f"{len(got.observations)} observations, the reference made {len(ref.observations)}"
        return res
    for (label, e), (_, g) in zip(ref.observations, got.observations):
        mism = compare_outputs([e], [g], target.tol, case.tol)
        if mism is not None:
            _, what, idx = mism
            res.status = FAILED
            res.detail = f"{label}: {what}; expected {element(e, idx)}, got {element(g, idx)}"
            return res
    if res.fell_back:
        res.status = FELL_BACK
    return res


# -- many cases --------------------------------------------------------------------------------

def run_case(case: OpCase | FunctionCase, target: Target, reference: str = REFERENCE) -> Result:
    t0 = time.perf_counter()
    runner = run_function_case if isinstance(case, FunctionCase) else run_op_case
    try:
        res = runner(case, target, reference)  # type: ignore[arg-type]
    except Exception as e:  # the suite reports, it never stops at one case
        res = Result(case.id, case.op, case.group, FAILED, f"the suite crashed on this case: "
                                                             f"{type(e).__name__}: {e}")
    res.seconds = time.perf_counter() - t0
    return _finish(res, case.id, target)


def select(cases: Sequence[Any], patterns: Sequence[str] | None) -> list[Any]:
    """The cases whose op or id matches one of the globs (all when none are given)."""
    if not patterns:
        return list(cases)
    return [c for c in cases if any(fnmatch.fnmatchcase(c.op, p) or fnmatch.fnmatchcase(c.id, p)
                                    for p in patterns)]


def _graphs_ahead(case: OpCase | FunctionCase, target: Target) -> list[tuple[list, list]]:
    """The graphs `run_op_case` will compile on the target for `case` (the op's and its
    gradient's), built as it builds them; none for what it stops at before compiling (and for
    function cases, whose scenarios build their functions as they run)."""
    if isinstance(case, FunctionCase) or case.expect_error or not target.claims_op(case.op):
        return []
    try:
        fn = resolve(case.fn) if case.fn else None
        _, _, syms = _inputs(case)
        outs = _outputs(case, fn, syms)
    except Exception:  # noqa: BLE001 - run_op_case reports it
        return []
    if target.unsupported(_graph_dtypes(syms, outs)):
        return []
    graphs = [(syms, outs)]
    gr = _gradient_graph(syms, outs) if case.grad else "not asked"
    if not isinstance(gr, str):
        ws, grads = gr
        graphs.append((syms + ws, grads))
    return graphs


def compile_cases_ahead(cases: Sequence[Any], target: Target) -> None:
    """Start compiling, as one batch, the target's code for `cases` (theano's compile_ahead):
    on the C backend, a few gcc runs for all of them instead of one or two per case, whose
    fixed cost exceeds a small kernel's own (the C backend's suite on an empty cache, 2 CPUs:
    105 -> 97 CPU s; at -O0, the example dialect's, 40 -> 13). A backend that compiles nothing
    ahead costs nothing here."""
    import theano

    def graphs() -> Iterable[tuple[list, list]]:
        for case in cases:
            yield from _graphs_ahead(case, target)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theano.compile.compile_ahead(graphs(), device=target.device)


def run_cases(cases: Sequence[Any], target: Target, reference: str = REFERENCE,
              progress: Callable[[Result], None] | None = None) -> list[Result]:
    """Each case's result, in order; their code compiled ahead (`compile_cases_ahead`)."""
    compile_cases_ahead(cases, target)
    out = []
    for c in cases:
        r = run_case(c, target, reference)
        out.append(r)
        if progress is not None:
            progress(r)
    return out
