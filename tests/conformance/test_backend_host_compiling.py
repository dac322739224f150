"""examples/backend-host-compiling, the guide's compiling backend: registered in this process
as its entry point would register it, it runs elementwise conformance cases with kernels it
rendered with the core's C-family renderer and compiled with the system compiler, keeps
every library under compiledir (where `python -m theano cache` sees it), and falls back,
visibly and with the reason, for the rest."""
from __future__ import annotations

import importlib
import stat
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.backend.registry import registry
from theano.compile.compiledir import CompileDir
from theano.config import config
from theano_conformance import FAILED, FELL_BACK, PASSED, Target, all_cases, run_cases

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "backend-host-compiling"
OPS = {"add", "mul", "sub", "true_div", "int_div", "exp", "log1p", "tanh", "sqr", "sigmoid", "switch",
       "maximum", "sum"}


@pytest.fixture(scope="module")
def hostc(tmp_path_factory):
    """The plugin module the distribution's entry point names, registered in-process, with a
    fresh compiledir."""
    meta = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())
    (entry,) = meta["project"]["entry-points"]["theano.backends"].items()
    sys.path.insert(0, str(EXAMPLE))
    try:
        plugin = importlib.import_module(entry[1])
        if plugin._probe().usable is False:
            pytest.skip(plugin._probe().reason)
        cache = tmp_path_factory.mktemp("compiledir")
        cache.chmod(stat.S_IRWXU)
        registry.register_plugin(f"{entry[0]}-plugin", plugin, config)
        try:
            with theano.change_flags(compiledir=str(cache)):
                yield entry[0], CompileDir(str(cache))
        finally:
            registry.unregister_plugin(f"{entry[0]}-plugin")
    finally:
        sys.path.remove(str(EXAMPLE))


def test_fused_kernel_is_compiled_and_cached_under_compiledir(hostc):
    device, cdir = hostc
    x, y = T.fmatrix("x"), T.fmatrix("y")
    f = theano.function([x, y], T.exp(x) + y * 2, device=device)
    assert list(f.maker.linked.runners.values()) == ["hostc kernel"]
    a = np.random.RandomState(0).rand(3, 4).astype("float32")
    b = np.linspace(-1, 1, 12, dtype="float32").reshape(3, 4)
    np.testing.assert_allclose(f(a[:, ::-1], b), np.exp(a[:, ::-1]) + b * 2, rtol=1e-6)
    kinds = [e.meta.get("kind") for e in cdir.entries()]
    assert "hostc" in kinds
    assert cdir.verify() == []  # the entries carry their sidecars: `theano cache verify` passes
    with pytest.raises(ValueError):  # Theano's broadcasting rule, checked before the call
        f(a, b[:1])


def test_conformance_cases(hostc):
    device, _ = hostc
    cases = [c for c in all_cases() if c.op in OPS or c.op.startswith("fused")]
    results = run_cases(cases, Target.resolve(device))
    failed = [(r.case_id, r.detail) for r in results if r.status == FAILED
              and not r.detail.startswith("reference error")]
    assert not failed, failed
    by_id = {r.case_id: r for r in results}
    for case_id in ("exp/float64-normal", "exp/float32-strided", "add/float64-normal",
                    "sigmoid/float64-normal", "fused:chain/float64"):
        if case_id in by_id:
            assert by_id[case_id].status == PASSED, (case_id, by_id[case_id].detail)
    # Reductions are not rendered by this example: they fall back, with the reason.
    assert by_id["sum/float64-axis0"].status == FELL_BACK
    assert by_id["sum/float64-axis0"].reasons == {"Sum{0}": "no hostc lowering"}
