"""theano.scan: loops over sequences with recurrent outputs, as in Theano 1.0."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable

from ..compile.sharedvalue import SharedVariable
from ..graph.basic import Constant, Variable, clone_get_equiv, graph_inputs
from ..tensor.basic import as_tensor_variable, patternbroadcast
from ..tensor.math import minimum
from ..tensor.type import TensorType
from ..updates import OrderedUpdates
from .op import Scan, ScanSpec

__all__ = ["scan", "until", "map", "reduce", "foldl", "foldr"]


class until:
    """Returned by a scan step function to stop the loop once `condition` is true."""

    def __init__(self, condition: Any):
        self.condition = as_tensor_variable(condition)
        if self.condition.type.ndim != 0:
            raise TypeError(f"until: the condition must be a scalar, got {self.condition.type}")


def _step_type(t: TensorType) -> TensorType:
    """The type of one entry of a sequence of type t."""
    if t.ndim == 0:
        raise TypeError(f"scan: a sequence must have at least one dimension, got {t}")
    return TensorType(t.dtype, t.broadcastable[1:])


def _split_return(ret: Any) -> tuple[list, OrderedDict, Any]:
    """fn may return outputs, (outputs, updates), (outputs, until), (outputs, updates, until)..."""
    outputs, updates, cond = [], OrderedDict(), None
    items = list(ret) if isinstance(ret, tuple) else [ret]
    for it in items:
        if isinstance(it, until):
            cond = it.condition
        elif isinstance(it, dict):
            updates.update(it)
        elif isinstance(it, (list, tuple)) and it and all(isinstance(p, tuple) and len(p) == 2 for p in it):
            updates.update(it)
        elif isinstance(it, (list, tuple)):
            outputs.extend(it)
        elif it is None:
            continue
        else:
            outputs.append(it)
    return outputs, updates, cond


def _default_updates(roots: list, updates: dict) -> OrderedDict:
    """{shared variable: its default_update} for the shared variables under `roots` that have
    one and are not in `updates`, following the default updates' own graphs."""
    found: OrderedDict = OrderedDict()
    todo = list(roots)
    while todo:
        new = [v for v in graph_inputs(todo) if isinstance(v, SharedVariable) and v not in updates
               and v not in found and getattr(v, "default_update", None) is not None]
        todo = []
        for v in new:
            found[v] = v.default_update
            todo.append(v.default_update)
    return found


def scan(fn: Callable[..., Any], sequences: Any = None, outputs_info: Any = None,
         non_sequences: Any = None, n_steps: Any = None, truncate_gradient: int = -1,
         go_backwards: bool = False, mode: Any = None, name: str | None = None, profile: bool = False,
         allow_gc: Any = None, strict: bool = False, return_list: bool = False) -> tuple[Any, OrderedUpdates]:
    """Apply `fn` step by step. Returns (outputs, updates): each output stacked along a new first
    axis of length n_steps; an OrderedUpdates for the shared variables fn updates (pass it to
    theano.function).

    fn receives, in order: each sequence's taps, each recurrent output's taps, then the
    non_sequences. sequences: variables or dict(input=x, taps=[...]); outputs_info: None (an
    output not fed back), an initial value (tap -1), or dict(initial=x0, taps=[-2, -1]).
    """
    seqs = sequences if isinstance(sequences, (list, tuple)) else ([] if sequences is None else [sequences])
    infos = outputs_info if isinstance(outputs_info, (list, tuple)) else (
        [] if outputs_info is None else [outputs_info])
    nons = non_sequences if isinstance(non_sequences, (list, tuple)) else (
        [] if non_sequences is None else [non_sequences])
    # Sequences and their taps.
    seq_vars, seq_taps = [], []
    for s in seqs:
        if isinstance(s, dict):
            x, taps = s["input"], list(s.get("taps", [0]) or [0])
        else:
            x, taps = s, [0]
        x = as_tensor_variable(x)
        taps = [int(t) for t in taps]  # in the user's order: fn receives the taps in it, as in Theano
        if go_backwards:
            # Theano keeps a tap's meaning in the sequence's own order (tap -1 is the entry
            # before, even while the loop runs backwards): on the reversed sequence that is
            # the opposite tap.
            x = x[::-1]
            taps = [-t for t in taps]
        seq_vars.append(x)
        seq_taps.append(taps)
    # Recurrent outputs.
    state_inits, state_taps, state_single, info_kind = [], [], [], []
    for info in infos:
        if info is None or (isinstance(info, dict) and info.get("initial") is None):
            info_kind.append(None)
            continue
        if isinstance(info, dict):
            init, taps = info["initial"], [int(t) for t in info.get("taps", [-1])]  # the user's order
        else:
            init, taps = info, [-1]
        if any(t >= 0 for t in taps):
            raise ValueError(f"scan: output taps must be negative, got {taps}")
        init = as_tensor_variable(init)
        info_kind.append(len(state_inits))
        state_inits.append(init)
        state_taps.append(taps)
        state_single.append(taps == [-1])
    # Placeholders for fn's arguments.
    args, seq_ph, state_ph = [], [], []
    for x, taps in zip(seq_vars, seq_taps):
        t = _step_type(x.type)
        for tap in (taps if not go_backwards else [-tap for tap in taps]):
            v = t(f"{x.name or 'seq'}[t{tap:+d}]" if tap else f"{x.name or 'seq'}[t]")
            seq_ph.append(v)
            args.append(v)
    for init, taps, single in zip(state_inits, state_taps, state_single):
        t = init.type if single else _step_type(init.type)
        for tap in taps:
            v = t(f"{init.name or 'state'}[t{tap:+d}]")
            state_ph.append(v)
            args.append(v)
    nons = [as_tensor_variable(v) if not isinstance(v, Variable) else v for v in nons]
    args.extend(nons)
    outputs, updates, cond = _split_return(fn(*args))
    outputs = [as_tensor_variable(o) for o in outputs]
    if len(infos) == 0:
        info_kind = [None] * len(outputs)
    if len(outputs) != len(info_kind):
        raise ValueError(f"scan: fn returned {len(outputs)} outputs but outputs_info describes "
                         f"{len(info_kind)}")
    nitsot_out, state_out, order = [], [None] * len(state_inits), []
    for k, (o, kind) in enumerate(zip(outputs, info_kind)):
        if kind is None:
            order.append(("nitsot", len(nitsot_out)))
            nitsot_out.append(o)
        else:
            init_t = state_inits[kind].type if state_single[kind] else _step_type(state_inits[kind].type)
            if o.type.dtype != init_t.dtype:
                raise TypeError(
                    f"scan: the initial value of output {k} (outputs_info) has dtype {init_t.dtype}, while "
                    f"fn returns {o.type.dtype} for it; cast one of them (an upcast inside fn, e.g. "
                    f"float32 * a float64 constant, often causes this)")
            if o.type.ndim != init_t.ndim:
                raise TypeError(f"scan: output {k} has {o.type.ndim} dimensions but its initial value "
                                f"{init_t.ndim}")
            if o.type.broadcastable != init_t.broadcastable:
                o = patternbroadcast(o, init_t.broadcastable)
            order.append(("state", kind))
            state_out[kind] = o
    # Shared variables that fn updates become states threaded through the steps; so do those
    # the step reads that carry a default_update (random streams' states), as in Theano, where
    # each step draws new numbers and the scan's updates advance the stream.
    updates.update(_default_updates(outputs + list(updates.values()) + ([cond] if cond is not None else []),
                                    updates))
    shared_vars = list(updates.keys())
    for sv in shared_vars:
        if not isinstance(sv, SharedVariable):
            raise TypeError(f"scan: updates returned by fn must be for shared variables, got {sv}")
    shared_ph = [sv.type(f"{sv.name or 'shared'}[t]") for sv in shared_vars]
    upd_exprs = []
    for sv in shared_vars:
        u = updates[sv]
        u = as_tensor_variable(u) if not isinstance(u, Variable) else u
        if u.type != sv.type:
            conv = sv.type.convert_variable(u)
            if conv is None:
                raise TypeError(f"scan: the update of {sv} has type {u.type}, not {sv.type}")
            u = conv
        upd_exprs.append(u)
    inner_outs = nitsot_out + state_out + upd_exprs + ([cond] if cond is not None else [])
    # Everything else the body reads (non_sequences, closures, shared variables) becomes a
    # free input, replaced inside by a placeholder so the inner graph is self-contained.
    known = set(seq_ph) | set(state_ph)
    memo: dict = {sv: ph for sv, ph in zip(shared_vars, shared_ph)}
    free_outer = [v for v in graph_inputs(inner_outs) if v not in known and v not in memo
                  and not isinstance(v, Constant)]
    free_ph = []
    for v in free_outer:
        ph = v.type(v.name)
        memo[v] = ph
        free_ph.append(ph)
    for ph in seq_ph + state_ph:
        memo[ph] = ph
    memo = clone_get_equiv([], inner_outs, copy_inputs=False, memo=memo)
    inner_outs = [memo.get(o, o) for o in inner_outs]
    inner_ins = seq_ph + state_ph + shared_ph + free_ph
    spec = ScanSpec(seq_taps=seq_taps, state_taps=state_taps, state_is_single=state_single,
                    n_nitsot=len(nitsot_out), n_shared=len(shared_vars), n_free=len(free_ph),
                    has_until=cond is not None, truncate_gradient=truncate_gradient, output_order=order)
    # Number of steps.
    if n_steps is not None:
        steps = as_tensor_variable(n_steps)
    elif seq_vars:
        lens = [x.shape[0] - (max(t) - min(t)) for x, t in zip(seq_vars, seq_taps)]
        steps = lens[0]
        for ln in lens[1:]:
            steps = minimum(steps, ln)
    else:
        raise ValueError("scan: give sequences or n_steps, so the number of steps is known")
    if steps.type.dtype not in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32"):
        raise TypeError(f"scan: n_steps must be an integer, got {steps.type}")
    op = Scan(inner_ins, inner_outs, spec, mode=mode, name=name)
    res = op(steps, *seq_vars, *state_inits, *shared_vars, *free_outer)
    res = res if isinstance(res, list) else [res]
    n_main = len(order)
    main, finals = res[:n_main], res[n_main:]
    new_updates = OrderedUpdates(zip(shared_vars, finals))
    for k, (kind, idx) in enumerate(order):
        if name:
            main[k].name = f"{name}[{k}]"
    if return_list or len(main) != 1:
        return main, new_updates
    return main[0], new_updates


def map(fn: Callable[..., Any], sequences: Any, non_sequences: Any = None, truncate_gradient: int = -1,
        go_backwards: bool = False, mode: Any = None, name: str | None = None) -> tuple[Any, OrderedUpdates]:
    """fn applied to each entry of the sequences."""
    return scan(fn, sequences=sequences, outputs_info=None, non_sequences=non_sequences,
                truncate_gradient=truncate_gradient, go_backwards=go_backwards, mode=mode, name=name)


def reduce(fn: Callable[..., Any], sequences: Any, outputs_info: Any, non_sequences: Any = None,
           go_backwards: bool = False, mode: Any = None, name: str | None = None) -> tuple[Any, OrderedUpdates]:
    """Like scan, but returns only the last value of each output."""
    outs, upd = scan(fn, sequences=sequences, outputs_info=outputs_info, non_sequences=non_sequences,
                     go_backwards=go_backwards, mode=mode, name=name)
    if isinstance(outs, list):
        return [o[-1] for o in outs], upd
    return outs[-1], upd


def foldl(fn, sequences, outputs_info, non_sequences=None, mode=None, name=None):
    """reduce from the first entry to the last."""
    return reduce(fn, sequences, outputs_info, non_sequences, False, mode, name)


def foldr(fn, sequences, outputs_info, non_sequences=None, mode=None, name=None):
    """reduce from the last entry to the first."""
    return reduce(fn, sequences, outputs_info, non_sequences, True, mode, name)
