"""The C backend: compiled kernels against NumPy, the compile cache, compile errors, fallbacks,
and what happens without a compiler."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.backend.registry import registry

pytestmark = pytest.mark.skipif("c" not in registry.records or not registry.records["c"].probe_cached().usable,
                                reason="the c backend is not installed or has no usable compiler")


def _fused(x, y):
    return T.exp(-x ** 2) * T.sin(y) + 0.5 * T.tanh(x * y)


def _np_fused(x, y):
    return np.exp(-x ** 2) * np.sin(y) + 0.5 * np.tanh(x * y)


def test_fused_kernel_runs_compiled_and_matches_numpy():
    x, y = T.dmatrix("x"), T.dmatrix("y")
    f = theano.function([x, y], _fused(x, y), device="c")
    runners = set(f.linked.runners.values())
    assert runners == {"c kernel"}, runners
    rng = np.random.RandomState(0)
    a, b = rng.randn(30, 40), rng.randn(30, 40)
    np.testing.assert_allclose(f(a, b), _np_fused(a, b), rtol=1e-13, atol=1e-15)
    # non-contiguous, negative strides and transposes take the strided path
    np.testing.assert_allclose(f(a[::-1, ::2], b[:, :20]), _np_fused(a[::-1, ::2], b[:, :20]),
                               rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(f(a.T, b.T), _np_fused(a.T, b.T), rtol=1e-13, atol=1e-15)
    assert f(np.zeros((0, 3)), np.zeros((0, 3))).shape == (0, 3)


def test_broadcast_patterns_and_nan_inf():
    r, c = T.drow("r"), T.dcol("c")
    f = theano.function([r, c], T.maximum(r, c) / c, device="c")
    rv = np.array([[np.nan, 1.0, -np.inf, 2.0]])
    cv = np.array([[0.0], [1.0], [-2.0]])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(f(rv, cv), np.maximum(rv, cv) / cv)


def test_large_arrays_use_the_parallel_loop_and_stay_correct():
    x = T.fvector("x")
    f = theano.function([x], T.tanh(x) * 2 + 1, device="c")
    v = np.linspace(-3, 3, 1_000_003).astype("float32")
    np.testing.assert_allclose(f(v), np.tanh(v) * 2 + 1, rtol=1e-6, atol=1e-6)


def test_shape_mismatch_names_the_op_and_the_user_line():
    x, y = T.dvector("x"), T.dvector("y")
    z = x * y  # the line the error must name
    f = theano.function([x, y], T.exp(z), device="c")
    with pytest.raises(ValueError) as e:
        f(np.ones(3), np.ones(4))
    first = str(e.value).splitlines()[0]
    assert "test_c_backend.py" in first and "mismatch" in str(e.value)
    np.testing.assert_allclose(f(np.ones(2), np.ones(2)), np.exp(np.ones(2)))  # still usable


def test_called_from_many_threads():
    x = T.dvector("x")
    f = theano.function([x], T.sqrt(x) + 1, device="c")
    errors = []

    def work(k):
        v = np.full(50_000, float(k))
        for _ in range(20):
            if not np.allclose(f(v), np.sqrt(v) + 1):
                errors.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_ops_without_c_code_fall_back_visibly_and_raise_when_asked():
    x = T.dmatrix("x")
    # A mask beside a partial slice: the C gathers serve masks and integer arrays with full
    # slices around them only (sort, then masks alone, once the example, now run natively).
    f = theano.function([x], x[x[:, 0] > 0, 1:] * 2, device="c")
    text = theano.printing.debugprint(f, file="str")
    assert "(numpy (fallback))" in text and "(c kernel)" in text
    np.testing.assert_allclose(f(np.array([[3.0, 1.0, 2.0], [-1.0, 5.0, 6.0]])), [[2, 4]])
    with theano.config.change_flags(fallback="raise"):
        with pytest.raises(NotImplementedError, match="no implementation of AdvancedSubtensor"):
            theano.function([x], x[x[:, 0] > 0, 1:] * 2, device="c")


def test_compile_error_shows_the_compiler_message_and_the_source(tmp_path):
    from theano_c.toolchain import CompileError, build_shared_library

    with theano.config.change_flags(compiledir=str(tmp_path)):
        with pytest.raises(CompileError) as e:
            build_shared_library("int broken(void) { return undeclared_name; }\n", "broken")
    msg = str(e.value)
    assert "undeclared_name" in msg
    src = msg.split("source kept at ", 1)[1].split(")", 1)[0]
    assert os.path.exists(src) and "undeclared_name" in open(src).read()


_CACHE_SCRIPT = textwrap.dedent("""
    import json, os, theano, numpy as np
    from theano import tensor as T
    x, y = T.dvector('x'), T.dvector('y')
    f = theano.function([x, y], T.exp(-x ** 2) * T.sin(y) + 0.5 * T.tanh(x * y), device='c')
    assert np.allclose(f(np.ones(3), np.ones(3)), np.exp(-1) * np.sin(1) + 0.5 * np.tanh(1))
    from theano.compile.compiledir import CompileDir
    print(json.dumps(sorted(e.key for e in CompileDir().entries())))
""")


def _entries_after_run(compiledir, cflags=None):
    flags = f"compiledir={compiledir}" + (f",c__cflags={cflags}" if cflags else "")
    res = subprocess.run([sys.executable, "-c", _CACHE_SCRIPT], capture_output=True, text=True,
                         env=dict(os.environ, THEANO_FLAGS=flags), timeout=300)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_cache_hit_in_another_process_and_miss_on_flag_change(tmp_path):
    first = _entries_after_run(tmp_path)
    assert first, "the first run compiled nothing"
    assert _entries_after_run(tmp_path) == first  # a second process builds nothing new
    changed = _entries_after_run(tmp_path, cflags="-O1")
    assert set(first) < set(changed)  # the flags are part of the key


def test_32_processes_compile_the_same_graph_on_an_empty_cache(tmp_path):
    # Started together on one empty cache: every process gets a working function, and each
    # compiled unit exists once (the first builder of an entry holds that entry's lock alone;
    # the others wait for it rather than compile the same thing again).
    env = dict(os.environ, THEANO_FLAGS=f"compiledir={tmp_path}")
    procs = [subprocess.Popen([sys.executable, "-c", _CACHE_SCRIPT], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(32)]
    results = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
    keys = {tuple(json.loads(out.strip().splitlines()[-1])) for out, _ in results}
    assert len(keys) == 1  # every process saw the same complete set of entries
    assert _entries_after_run(tmp_path) == list(keys.pop())  # and a later process builds nothing


def test_corrupt_cache_entry_is_rebuilt(tmp_path):
    first = _entries_after_run(tmp_path)
    from theano.compile.compiledir import CompileDir

    for e in CompileDir(str(tmp_path)).entries():
        if e.path.endswith(".so"):
            with open(e.path, "r+b") as fh:
                fh.truncate(100)  # a torn write
    assert _entries_after_run(tmp_path) == first  # rebuilt in place, same keys, and it ran


def test_without_a_compiler_cpu_falls_back_to_numpy_with_a_reason():
    code = ("import theano\nfrom theano.backend.registry import registry, backends_table\n"
            "print(backends_table(registry))\nprint('CPU', registry.resolve('cpu')[0].name)\n"
            "import numpy as np\nfrom theano import tensor as T\nx = T.dscalar()\n"
            "print(theano.function([x], x + 1)(1.0))")
    env = dict(os.environ, PATH="/nonexistent", CC="/nonexistent/cc",
               THEANO_FLAGS="c__compiler=/nonexistent/cc")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "CPU numpy" in res.stdout
    line = next(ln for ln in res.stdout.splitlines() if ln.strip().startswith("c "))
    assert "UNUSABLE" in line and "no C compiler" in line
    assert res.stdout.strip().endswith("2.0")
