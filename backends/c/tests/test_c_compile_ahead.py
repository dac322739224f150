"""theano.compile.compile_ahead on the C backend: the kernels of many graphs compiled as a few
grouped libraries, which the functions built afterwards use, and which the next process given
the same graphs finds again."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from theano.backend.registry import registry

pytestmark = pytest.mark.skipif("c" not in registry.records or not registry.records["c"].probe_cached().usable,
                                reason="the c backend is not installed or has no usable compiler")

# Eight small graphs, two or three kernels each (a reduction does not fuse with what follows
# it): one gcc run per kernel group of each function without compile_ahead. With `ALONE`, one
# of them is first compiled as a function of its own, as a suite's earlier case would have.
_SCRIPT = textwrap.dedent("""
    import json, sys, theano, numpy as np
    from theano import tensor as T
    from theano.compile.compiledir import CompileDir
    AHEAD, ALONE = sys.argv[1] == "ahead", sys.argv[2] == "alone"
    x, y = T.dmatrix('x'), T.dvector('y')
    graphs, want = [], []
    xv, yv = np.arange(6.0).reshape(2, 3) / 7 - 0.3, np.array([-1.0, 0.5, 2.0])
    for k in range(8):
        c = 1.0 + k
        graphs.append(([x, y], [T.exp(x * c).sum(axis=0) * y, T.tanh(y + c).max() - x]))
        want.append([np.exp(xv * c).sum(axis=0) * yv, np.tanh(yv + c).max() - xv])
    if ALONE:  # two kernels (a reduction, then what reads it): each in a library of its own
        theano.function(graphs[3][0], graphs[3][1][1:], device='c')
    def libraries():
        return sorted([e.key, e.meta.get("name", "")] for e in CompileDir().entries()
                      if e.meta.get("kind") == "c")
    before = libraries()
    if AHEAD:
        theano.compile.compile_ahead(graphs, device='c')
    fs = [theano.function(ins, outs, device='c') for ins, outs in graphs]
    for f, w in zip(fs, want):
        for got, expected in zip(f(xv, yv), w):
            np.testing.assert_allclose(got, expected, rtol=1e-12)
    print(json.dumps({"before": before, "after": libraries()}))
""")


def _run(compiledir, ahead=True, alone=False):
    res = subprocess.run([sys.executable, "-c", _SCRIPT, "ahead" if ahead else "each", "alone" if alone else "-"],
                         capture_output=True, text=True, timeout=600,
                         env=dict(os.environ, THEANO_FLAGS=f"compiledir={compiledir},device=c"))
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def _built(run):
    return [e for e in run["after"] if e not in run["before"]]


def _kernel_libraries(entries):
    return [e for e in entries if e[1] != "link dependencies"]


def test_the_functions_use_the_groups_compile_ahead_built(tmp_path):
    each = _kernel_libraries(_built(_run(tmp_path / "each", ahead=False)))
    ahead = _kernel_libraries(_built(_run(tmp_path / "ahead")))
    # one library per function's group without it; with it, the backend's few groups for all
    assert len(each) >= 8
    assert ahead and all(name.startswith("group of ") for _, name in ahead), ahead
    assert len(ahead) <= 4 and sum(int(name.split()[-1]) for _, name in ahead) >= 16


def test_the_next_process_finds_the_same_groups(tmp_path):
    first = _run(tmp_path, alone=True)
    again = _run(tmp_path, alone=True)
    assert _built(first) and not _built(again), _built(again)
    assert again["after"] == first["after"]


def test_a_kernel_compiled_alone_first_does_not_change_the_groups(tmp_path):
    """A first run may compile a kernel on its own before the batch (an earlier function):
    the batch still groups every kernel of its graphs, so a run that starts with that kernel
    cached alone looks for, and finds, the same groups."""
    plain = _built(_run(tmp_path / "plain"))
    alone = _built(_run(tmp_path / "alone", alone=True))
    groups = lambda entries: sorted(e for e in entries if e[1].startswith("group of "))  # noqa: E731
    assert groups(alone) == groups(plain)
