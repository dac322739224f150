"""Scalar inputs are accepted or refused as Theano 1.0.5 does: NumPy scalars of every kind,
Python numbers and 0-d arrays into 0-d inputs of every dtype, with allow_input_downcast
None, False and True, under floatX float64 and float32. The cases and Theano's answers were
recorded by scripts/theano105/scalar_filter.py; they are replayed on TensorType.filter, on
its prepared fast filter, on the C backend's compiled filter and through a compiled function
on every usable CPU backend."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.backend.registry import get_backend, registry
from theano.compile.io import In
from theano.config import config
from theano.tensor.type import TensorType

DATA = Path(__file__).resolve().parents[1] / "data" / "theano105" / "scalar_filter.json"
CASES = json.loads(DATA.read_text())["cases"]


def build(kind: str, arg):
    """The value a recorded case passed (the rule of scripts/theano105/scalar_filter.py)."""
    if kind == "py_float":
        return float(arg)
    if kind == "py_int":
        return int(arg)
    if kind.startswith("array0d_"):
        return np.array(arg, dtype=kind[len("array0d_"):])
    if kind.startswith("complex"):
        return np.dtype(kind).type(complex(arg))
    return np.dtype(kind).type(arg)


def _platform_defined(case: dict) -> bool:
    """allow_input_downcast=True casts whatever it is given; a float outside an integer
    target's range (or NaN) comes out as the platform's C cast makes it, so only the dtype is
    compared. (Integers wrap around, the same everywhere, and are compared exactly.)"""
    if not case["allow_downcast"] or case["result"][0] != "ok":
        return False
    v = build(case["kind"], case["arg"])
    v = v.item() if hasattr(v, "item") else v
    t = np.dtype(case["target"])
    if t.kind not in "iu" or not isinstance(v, float):
        return False
    return not math.isfinite(v) or not (int(np.iinfo(t).min) <= v <= int(np.iinfo(t).max))


def outcome(fn, case: dict) -> list:
    try:
        r = fn(build(case["kind"], case["arg"]))
    except (TypeError, ValueError, OverflowError):
        return ["refused"]
    r = np.asarray(r)
    if r.ndim != 0:
        return ["wrong ndim", r.ndim]
    if _platform_defined(case):
        return ["ok", str(r.dtype)]
    return ["ok", str(r.dtype), repr(r.item())]


def expected(case: dict) -> list:
    res = case["result"]
    if res[0] == "refused":
        return ["refused"]
    return res[:2] if _platform_defined(case) else res


def _groups():
    keys = sorted({(c["floatX"], c["target"], c["allow_downcast"] is None, bool(c["allow_downcast"]))
                   for c in CASES})
    return [pytest.param(k, id=f"{k[0]}-{k[1]}-downcast={'None' if k[2] else k[3]}") for k in keys]


def _cases(key):
    floatx, target, is_none, downcast = key
    return [c for c in CASES if c["floatX"] == floatx and c["target"] == target
            and (c["allow_downcast"] is None) == is_none and bool(c["allow_downcast"]) == downcast]


@pytest.fixture
def floatx(request):
    old = config.floatX
    yield lambda v: setattr(config, "floatX", v)
    config.floatX = old


def _check(key, fns, floatx):
    floatx(key[0])
    cases = _cases(key)
    assert cases
    bad = []
    for c in cases:
        for label, fn in fns(c).items():
            got = outcome(fn, c)
            if got != expected(c):
                bad.append(f"{label}: {c['kind']}({c['arg']}) -> {got}, Theano 1.0.5: {c['result']}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("key", _groups())
def test_filters_accept_what_theano_accepted(key, floatx):
    def fns(c):
        t = TensorType(c["target"], ())
        ad = c["allow_downcast"]
        out = {"filter": lambda v: t.filter(v, strict=False, allow_downcast=ad),
               "fast_filter": t.fast_filter(False, ad)}
        rec = registry.records.get("c")
        if rec is not None and rec.probe_cached().usable:
            out["c filter"] = get_backend("c").input_filter(t, False, ad, t.fast_filter(False, ad))
        return out

    _check(key, fns, floatx)


def _usable_cpu_side():
    names = []
    for name in ("numpy", "c", "opencl"):
        rec = registry.records.get(name)
        if rec is not None and rec.probe_cached().usable:
            names.append(name)
    return names


@pytest.mark.parametrize("key", [k for k in _groups() if k.values[0][1] in ("float32", "float64", "int64")])
def test_calls_accept_what_theano_accepted(key, floatx):
    fns_by_case = {}

    def fns(c):
        ad = c["allow_downcast"]
        k = (c["target"], ad)
        if k not in fns_by_case:
            x = T.TensorType(c["target"], ())("x")
            fns_by_case[k] = {dev: theano.function([In(x, allow_downcast=ad)], x, device=dev)
                              for dev in _usable_cpu_side()
                              if not (dev == "opencl" and c["target"] == "float64"
                                      and not get_backend("opencl").rt.fp64)}
        return fns_by_case[k]

    _check(key, fns, floatx)
