"""Whole programs on device=opencl: the tutorial's programs (float64 ones included: PoCL has
cl_khr_fp64) with the tutorial's output, and a float32 MLP that trains to the reference's loss."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import theano
from theano import tensor as T

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests"))
from test_tutorial import EXAMPLES, EXPECTED  # noqa: E402


@pytest.mark.parametrize("prog", sorted(EXPECTED))
def test_tutorial_program_on_opencl(prog: str, tmp_path: Path) -> None:
    env = dict(os.environ, THEANO_FLAGS="device=opencl")
    res = subprocess.run([sys.executable, str(EXAMPLES / prog)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout == EXPECTED[prog]


def _train_mlp(device: str, steps: int = 60) -> list[float]:
    rng = np.random.RandomState(0)
    n, d, h, k = 256, 20, 32, 3
    X = rng.randn(n, d).astype("float32")
    true_w = rng.randn(d, k)
    y = (X @ true_w).argmax(1).astype("int64")
    W1 = theano.shared((rng.randn(d, h) * 0.1).astype("float32"), "W1")
    b1 = theano.shared(np.zeros(h, "float32"), "b1")
    W2 = theano.shared((rng.randn(h, k) * 0.1).astype("float32"), "W2")
    b2 = theano.shared(np.zeros(k, "float32"), "b2")
    x, t = T.fmatrix("x"), T.lvector("t")
    hid = T.tanh(T.dot(x, W1) + b1)
    p = T.nnet.softmax(T.dot(hid, W2) + b2)
    loss = T.nnet.categorical_crossentropy(p, t).mean()
    params = [W1, b1, W2, b2]
    grads = theano.grad(loss, params)
    lr = np.float32(0.5)
    f = theano.function([x, t], loss, updates=[(q, q - lr * g) for q, g in zip(params, grads)],
                        device=device)
    return [float(f(X, y)) for _ in range(steps)]


def test_float32_mlp_converges_to_the_reference_loss():
    ref = _train_mlp("numpy")
    ocl = _train_mlp("opencl")
    assert ocl[-1] < 0.5 * ocl[0]  # it learns
    np.testing.assert_allclose(ocl, ref, rtol=2e-3, atol=2e-4)


_CACHE_PROG = """
import numpy as np, theano, theano.tensor as T
x = T.fvector("x")
f = theano.function([x], T.exp(x) * 3 + T.nnet.softmax(x.dimshuffle("x", 0))[0], device="opencl")
print(f(np.arange(3, dtype="float32")).tolist())
"""


def _built(root: Path) -> dict[str, int]:
    """The compiled programs and work-group functions under the cache (not PoCL's temp files),
    with their modification times: a rebuild would rewrite them."""
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")
            if p.suffix in (".bc", ".so", ".bin")}


def test_program_builds_are_cached_on_disk(tmp_path: Path) -> None:
    """A second process compiling the same graph builds nothing: every program and kernel
    binary it needs is already under <compiledir>/opencl."""
    root = tmp_path / "cd"
    env = {k: v for k, v in os.environ.items() if k != "POCL_CACHE_DIR"}
    env["THEANO_FLAGS"] = f"compiledir={root}"

    def run() -> str:
        r = subprocess.run([sys.executable, "-c", _CACHE_PROG], env=env, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        return r.stdout

    first = run()
    built = _built(root / "opencl")
    assert built, sorted(p.name for p in root.rglob("*"))
    assert run() == first
    assert _built(root / "opencl") == built
