"""A fused reduction whose inputs do not broadcast raises a ValueError naming the op and the
shapes, on every backend that runs it (the reference runs the kernel's NumPy meaning when
the mode asks for fusion), as the unfused elementwise ops would; it never reduces a
silently broadcast or truncated loop."""
import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.mode import Mode
from theano.scalar import basic as scal
from theano.tensor.fused import FusedReduction
from theano.tensor.type import TensorType
from devices import DEVICES  # tests/devices.py

FUSING = Mode().including("fusion")


X, Y = T.dmatrices("X", "Y")
EXPRESSIONS = {
    "sum-of-product-axis1": (X * Y).sum(axis=1),
    "sum-of-exp-axis0": T.exp(X - Y).sum(axis=0),
    "squared-distance-all": ((X - Y) ** 2).sum(),
    "max-axis1": (X + Y).max(axis=1),
    "prod-axis0": (X * Y + 1).prod(axis=0),
}
# (shape of X, shape of Y): each differs on one axis, none broadcasts (both types are
# matrices, so a length 1 does not broadcast either).
MISMATCHES = [((3, 4), (3, 5)), ((3, 4), (2, 4)), ((1, 4), (3, 4)), ((3, 1), (3, 4)), ((0, 4), (3, 4)),
              ((300, 200), (300, 201))]


def _fused(f):
    return [n for n in f.maker.fgraph.toposort() if isinstance(n.op, FusedReduction)]


@pytest.mark.parametrize("name", list(EXPRESSIONS))
@pytest.mark.parametrize("device", DEVICES)
def test_mismatched_shapes_raise_naming_the_op_and_shapes(device, name):
    f = theano.function([X, Y], EXPRESSIONS[name], device=device, mode=FUSING)
    assert _fused(f), [str(n.op) for n in f.maker.fgraph.toposort()]
    for sx, sy in MISMATCHES:
        with pytest.raises(ValueError) as e:
            f(np.ones(sx), np.ones(sy))
        msg = str(e.value)
        assert "FusedReduction" in msg and str(sx) in msg and str(sy) in msg, msg
        assert "mismatch" in msg, msg
    ok = f(np.full((3, 4), 0.5), np.full((3, 4), 2.0))  # and matching shapes still run
    g = theano.function([X, Y], EXPRESSIONS[name], device="numpy", mode=Mode(optimizer=None))
    np.testing.assert_allclose(ok, g(np.full((3, 4), 0.5), np.full((3, 4), 2.0)), rtol=1e-13)


@pytest.mark.parametrize("device", DEVICES)
def test_broadcastable_types_still_broadcast(device):
    row, col = TensorType("float64", (True, False))("r"), TensorType("float64", (False, True))("c")
    out = (row * col + X).sum(axis=1)
    f = theano.function([row, col, X], out, device=device, mode=FUSING)
    assert _fused(f)
    r, c, x = np.arange(4.0)[None], np.arange(3.0)[:, None], np.ones((3, 4))
    np.testing.assert_allclose(f(r, c, x), (r * c + x).sum(axis=1), rtol=1e-14)
    with pytest.raises(ValueError, match="FusedReduction"):
        f(r, c, np.ones((3, 5)))  # the row is 4 long, X 5 wide


@pytest.mark.parametrize("device", DEVICES)
def test_a_hand_built_fused_reduction_checks_too(device):
    """No fusion pass, so no record of the fused members: the loop's own check names it."""
    a, b = scal.float64(), scal.float64()
    op = FusedReduction(scal.Composite([a, b], [scal.mul(a, b)]), (1,), scal.add, "float64", "float64")
    f = theano.function([X, Y], op(X, Y), device=device, mode=Mode(optimizer=None))
    np.testing.assert_allclose(f(np.ones((2, 3)), np.full((2, 3), 2.0)), [6.0, 6.0])
    for sx, sy in MISMATCHES:
        with pytest.raises(ValueError) as e:
            f(np.ones(sx), np.ones(sy))
        msg = str(e.value)
        assert "FusedReduction" in msg and str(sx) in msg and str(sy) in msg, msg
