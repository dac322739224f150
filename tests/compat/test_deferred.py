"""theano.compat.deferred: SciPy's sparse, linalg and special packages are imported when a
program first uses them, not at start-up (0.3 s of every process), and everything that names
them still works once they are."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from devices import DEVICES
from theano.compat.deferred import DeferredModule, loaded

DEFERRED = ("scipy.sparse", "scipy.linalg", "scipy.special")

#: a program that builds, compiles and runs elementwise, reduction, product and shared-value
#: graphs and imports the sparse and linear-algebra modules without using them; then uses each
PROGRAM = """
import sys
import numpy as np
import theano, theano.tensor as T
import theano.sparse, theano.tensor.slinalg
DEFERRED = {deferred!r}
x, m = T.dvector("x"), T.dmatrix("m")
s = theano.shared(np.zeros(3))
f = theano.function([x, m], [T.exp(x) + s, T.dot(m, m).sum()], updates=[(s, s + 1)])
f(np.ones(3), np.eye(3))
print("before:", [name for name in DEFERRED if name in sys.modules])
import scipy.sparse
a = scipy.sparse.csr_matrix(np.eye(3))
xs = theano.sparse.csr_matrix("xs")
g = theano.function([xs, m], [theano.sparse.dot(xs, m), theano.tensor.slinalg.cholesky(m), T.erf(m)])
d, c, e = g(a, np.eye(3) * 4)
assert np.allclose(d, np.eye(3) * 4) and np.allclose(c, np.eye(3) * 2), (d, c)
assert np.allclose(e, __import__("scipy.special").special.erf(np.eye(3) * 4))
print("after:", [name for name in DEFERRED if name in sys.modules])
"""


@pytest.mark.parametrize("device", DEVICES)
def test_a_program_imports_scipys_packages_only_when_it_uses_them(device):
    env = dict(os.environ, THEANO_FLAGS=f"device={device}")
    res = subprocess.run([sys.executable, "-c", PROGRAM.format(deferred=DEFERRED)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    lines = dict(ln.split(":", 1) for ln in res.stdout.splitlines() if ln.startswith(("before:", "after:")))
    assert lines["before"].strip() == "[]"
    assert lines["after"].strip() == str(list(DEFERRED))


def test_a_deferred_module_reads_through_to_the_module_once_imported():
    mod = DeferredModule("json")
    assert "not imported yet" in repr(mod)
    assert mod.dumps([1]) == "[1]"
    assert "imported" in repr(mod) and "not" not in repr(mod)
    assert mod.loads is __import__("json").loads
    with pytest.raises(AttributeError, match="set dumps on the module"):
        mod.dumps = None
    with pytest.raises(AttributeError):
        mod.no_such_name
    with pytest.raises(ModuleNotFoundError):
        DeferredModule("theano_no_such_module").anything


def test_loaded_names_only_what_is_imported():
    assert loaded("sys") is sys
    assert loaded("theano_no_such_module") is None


def test_sparse_checks_and_format_classes_with_scipy_imported():
    import scipy.sparse

    from theano.sparse.type import SparseType, issparse

    assert issparse(scipy.sparse.csc_matrix(np.eye(2))) and not issparse(np.eye(2))
    assert "csr" in SparseType.format_cls and "coo" not in SparseType.format_cls
    assert SparseType.format_cls["csr"] is scipy.sparse.csr_matrix
    assert dict(SparseType.format_cls) == {"csr": scipy.sparse.csr_matrix, "csc": scipy.sparse.csc_matrix,
                                          "bsr": scipy.sparse.bsr_matrix}
    with pytest.raises(ValueError, match="format must be one of csr, csc, bsr"):
        SparseType("coo", "float64")
