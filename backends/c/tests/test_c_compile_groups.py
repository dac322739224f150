"""How the C backend compiles a cold graph: its kernels as a few grouped libraries that the
next process finds again, and the compiler's probed facts kept in the compile cache."""
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from theano.backend.registry import registry
from theano_c.toolchain import _group_files

pytestmark = pytest.mark.skipif("c" not in registry.records or not registry.records["c"].probe_cached().usable,
                                reason="the c backend is not installed or has no usable compiler")

# Outputs that cannot fuse into one kernel (a reduction, a different shape, an int result):
# several kernels, so a cold cache groups them.
_SCRIPT = textwrap.dedent("""
    import json, theano, numpy as np
    from theano import tensor as T
    x, y = T.dmatrix('x'), T.dvector('y')
    outs = [T.exp(x).sum(axis=0), T.tanh(y) * 2.0, T.sqrt(abs(x)).max(axis=1), (y > 0).sum(),
            T.log1p(x ** 2)]
    f = theano.function([x, y], outs, device='c')
    xv, yv = np.arange(6.0).reshape(2, 3) - 2.5, np.array([-1.0, 0.5, 2.0])
    want = [np.exp(xv).sum(axis=0), np.tanh(yv) * 2.0, np.sqrt(abs(xv)).max(axis=1), (yv > 0).sum(),
            np.log1p(xv ** 2)]
    for got, w in zip(f(xv, yv), want):
        np.testing.assert_allclose(got, w, rtol=1e-12)
    from theano.compile.compiledir import CompileDir
    print(json.dumps(sorted([e.key, e.meta.get("name", ""), e.path.split("/")[-3]]
                            for e in CompileDir().entries())))
""")


def _run(compiledir):
    res = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                         env=dict(os.environ, THEANO_FLAGS=f"compiledir={compiledir}"), timeout=600)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_a_cold_graph_compiles_grouped_libraries_that_the_next_process_finds(tmp_path):
    first = _run(tmp_path)
    groups = [e for e in first if e[2] == "c" and e[1].startswith("group of ")]
    assert groups, f"no grouped kernel library among {first}"
    kernels_in_groups = sum(int(e[1].split()[-1]) for e in groups)
    assert kernels_in_groups >= 2
    # a second process computes the same groups, finds them and builds nothing
    assert _run(tmp_path) == first


def _dynamic_section(path):
    """(NEEDED names, SONAME or None, whether it has a run path) of a shared library."""
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    needed = [ln.split("[")[1].rstrip("]") for ln in out.splitlines() if "(NEEDED)" in ln]
    soname = next((ln.split("[")[1].rstrip("]") for ln in out.splitlines() if "(SONAME)" in ln), None)
    return needed, soname, "(RPATH)" in out or "(RUNPATH)" in out


@pytest.mark.skipif(shutil.which("readelf") is None, reason="needs binutils' readelf")
def test_units_name_only_the_cached_dependency_library_and_the_cache_moves(tmp_path):
    """A unit is linked against one library of the cache (see toolchain.py), which names the
    system's: the unit records its SONAME and no run path, so a copied cache still loads."""
    from theano.compile.compiledir import CompileDir

    first = _run(tmp_path / "a")
    entries = [e for e in CompileDir(str(tmp_path / "a")).entries() if e.meta.get("kind") == "c"]
    (deps,) = [e for e in entries if e.meta.get("name") == "link dependencies"]
    needed, soname, run_path = _dynamic_section(deps.path)
    assert soname == deps.meta["soname"] and not run_path
    assert {"libm.so.6", "libc.so.6"} <= set(needed)
    units = [e for e in entries if e is not deps]
    assert units
    for e in units:
        needed, _, run_path = _dynamic_section(e.path)
        assert set(needed) <= {soname, "libgomp.so.1"} and soname in needed and not run_path, (e.meta, needed)
    # the copy computes the same from the same entries: nothing rebuilt, nothing refused
    shutil.copytree(tmp_path / "a", tmp_path / "b", symlinks=True)
    assert _run(tmp_path / "b") == first


def test_the_compiler_is_probed_once_per_cache(tmp_path):
    import theano
    from theano_c import toolchain

    with theano.config.change_flags(compiledir=str(tmp_path)):
        comp = toolchain.find_compiler()
        path = comp.path
        remembered = toolchain._remembered_facts(path)
        from theano.compile.compiledir import CompileDir

        kinds = [e.path.split(os.sep)[-3] for e in CompileDir().entries()]
    assert remembered == toolchain._probe(path)
    assert kinds.count("compiler") == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_compiles_although_the_parents_build_threads_are_gone(tmp_path):
    # The parent's background builds ran on threads a forked child does not have: the child
    # must get pools of its own, or what it submits would never run.
    code = textwrap.dedent("""
        import os, sys, numpy as np, theano
        from theano import tensor as T
        x = T.dmatrix('x')
        f = theano.function([x], [T.exp(x).sum(axis=1), T.tanh(x) * 3.0, T.sqrt(abs(x)).max(axis=0)], device='c')
        pid = os.fork()
        if pid == 0:
            y = T.dvector('y')
            g = theano.function([y], [T.cosh(y).sum(), T.arctan(y) - 1.5, T.expm1(y) * y], device='c')
            v = np.array([0.5, -2.0])
            ok = np.allclose(g(v)[1], np.arctan(v) - 1.5) and np.allclose(f(np.ones((2, 2)))[1], np.tanh(1.0) * 3)
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240,
                         env=dict(os.environ, THEANO_FLAGS=f"compiledir={tmp_path}"))
    assert res.returncode == 0, res.stderr


def test_kernels_without_definitions_of_their_own_share_one_translation_unit():
    header = "#include <math.h>\n"
    plain = [header + f"void k(void) {{ }}\nvoid e(void) {{ k(); }} /* {i} */\n" for i in range(3)]
    helper = header + "static inline double h(double a) { return a; }\nvoid k(void) { }\nvoid e(void) { }\n"
    files = _group_files([plain[0], helper, plain[1], helper, plain[2]], ("k", "e"), header)
    # the plain kernels in one unit after one header, each renamed and undone; the two with the
    # same static helper in units of their own
    assert len(files) == 3 and files[0].count(header) == 1
    assert all(f"#define k k_{i}\n" in files[0] and f"k_{i}" not in files[1] + files[2] for i in (0, 2, 4))
    assert files[0].count("#undef k\n") == 3
    assert files[1].startswith("#define k k_1\n#define e e_1\n" + header) and "#define k k_3\n" in files[2]
    assert _group_files(plain, ("k", "e"), "") == ["#define k k_0\n#define e e_0\n" + plain[0],
                                                   "#define k k_1\n#define e e_1\n" + plain[1],
                                                   "#define k k_2\n#define e e_2\n" + plain[2]]


def test_a_group_mixing_shared_and_separate_units_computes_every_kernel(tmp_path):
    # floor division of floats has a static helper (in two kernels): such kernels keep units of
    # their own beside the shared one of the plain kernels
    code = textwrap.dedent("""
        import numpy as np, theano
        from theano import tensor as T
        x, y = T.dmatrix('x'), T.dvector('y')
        outs = [(x // 0.7).sum(axis=1), (y + 1.5) // y, T.exp(x) * 2, T.tanh(y) - 1, (x > 0).sum()]
        f = theano.function([x, y], outs, device='c')
        xv, yv = np.arange(6.0).reshape(2, 3) - 2.5, np.array([-1.0, 0.5, 2.0])
        want = [(xv // 0.7).sum(axis=1), (yv + 1.5) // yv, np.exp(xv) * 2, np.tanh(yv) - 1, (xv > 0).sum()]
        for got, w in zip(f(xv, yv), want):
            np.testing.assert_allclose(got, w, rtol=1e-12)
        from theano.compile.compiledir import CompileDir
        print(sum(e.meta.get("name", "").startswith("group of") for e in CompileDir().entries()))
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240,
                         env=dict(os.environ, THEANO_FLAGS=f"compiledir={tmp_path}"))
    assert res.returncode == 0, res.stderr
    assert int(res.stdout.split()[-1]) >= 1
    units = [n for _, _, names in os.walk(tmp_path / "c-src") for n in names]
    assert len(units) > int(res.stdout.split()[-1])  # some group compiled from several units
