"""MRG_RandomStreams gives Theano 1.0.5's numbers for the same seed and the same calls.

The programs are those of scripts/theano105/random_streams.py (imported from there), run here
on every usable backend (numpy, cpu, opencl, cuda) and compared with what real Theano 1.0.5 gave them
(tests/data/theano105/random_streams.json). Uniforms and integers must be identical; values
computed from uniforms with log/sqrt/cos/sin (normal) may differ by the last bits of the
math library.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.sandbox import mrg31k3p
from theano.sandbox.multinomial import ChoiceFromUniform, MultinomialFromUniform
from theano.sandbox.rng_mrg import MAX_NSTREAMS, MRG_RandomStreams, guess_n_streams
from devices import DEVICES  # tests/devices.py

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "theano105" / "random_streams.py"
_spec = importlib.util.spec_from_file_location("theano105_random_streams", _SCRIPT)
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)
RECORDED = programs.load_recorded()


# Outputs computed with log/sqrt/cos/sin (normals), beyond those of the cases named *normal*.
TRANSCENDENTAL = {("mrg_two_draws_one_object", 1), ("mrg_seed_reseeds", 1), ("mrg_floatX_float32", 2)}
EXACT = {("mrg_truncated_normal", 1)}  # the uniform drawn after a truncated normal


def _exact(name: str, k: int) -> bool:
    return (name, k) in EXACT or ("normal" not in name and (name, k) not in TRANSCENDENTAL)


def assert_same_numbers(name: str, got: list, want: list) -> None:
    """Integers and uniforms identical; normals to a few units in the last place."""
    assert len(got) == len(want), f"{name}: {len(got)} calls, {len(want)} recorded"
    for c, (g_call, w_call) in enumerate(zip(got, want)):
        assert len(g_call) == len(w_call), f"{name} call {c}: {len(g_call)} outputs"
        for k, (g, w) in enumerate(zip(g_call, w_call)):
            g = np.asarray(g)
            where = f"{name} call {c} output {k}"
            assert g.dtype == w.dtype and g.shape == w.shape, f"{where}: {g.dtype}{g.shape} vs {w.dtype}{w.shape}"
            if w.dtype.kind in "iub" or _exact(name, k):
                np.testing.assert_array_equal(g, w, err_msg=where)
            else:
                # Theano's float32 kernels call the C library's cosf/sinf/logf; a float64 math
                # library may differ from another in the last bit.
                tol = 1e-6 if w.dtype == np.float32 else 1e-14
                np.testing.assert_allclose(g, w, rtol=tol, atol=tol, err_msg=where)


MRG_CASES = sorted(n for n in RECORDED if n.startswith("mrg_"))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", MRG_CASES)
def test_mrg_matches_theano_105(name, device):
    with theano.config.change_flags(device=device):
        got = programs.CASES[name]()
    assert_same_numbers(name, got, RECORDED[name])


def test_every_recorded_mrg_program_is_run():
    assert len(MRG_CASES) >= 25
    assert set(MRG_CASES) == {n for n in programs.CASES if n.startswith("mrg_")}


def test_issue_20_example():
    s = MRG_RandomStreams(seed=7)
    np.testing.assert_allclose(theano.function([], s.uniform((8,)))()[:4],
                               [0.013459, 0.013390, 0.512985, 0.052944], atol=1e-6)


# -- the layout, piece by piece ----------------------------------------------------------------

def test_guess_n_streams_is_theanos_heuristic():
    assert guess_n_streams((8,)) == 1
    assert guess_n_streams((6,)) == 6
    assert guess_n_streams((4, 5)) == 3
    assert guess_n_streams([100]) == 16
    assert guess_n_streams((200000,)) == MAX_NSTREAMS == 15360
    assert guess_n_streams((np.int64(8),)) == MAX_NSTREAMS  # NumPy ints are not Python ints
    assert guess_n_streams((T.lscalar(), 3)) == MAX_NSTREAMS
    assert guess_n_streams(T.lvector()) == MAX_NSTREAMS


def test_state_rows_follow_nstreams():
    s = MRG_RandomStreams(4)
    assert s.uniform((10, 3)).rstate.get_value().shape == (5, 6)
    assert s.uniform((10,), nstreams=7).rstate.get_value().shape == (7, 6)
    assert s.uniform((T.lscalar(),)).rstate.get_value().shape == (MAX_NSTREAMS, 6)
    assert s.uniform((10, 3)).rstate.get_value().dtype == np.int32


def test_each_draw_starts_the_next_stream():
    # Draw k's first substream is the seed state jumped k * 2**134 steps.
    s = MRG_RandomStreams(9)
    draws = [s.uniform((4,)) for _ in range(3)]
    st = mrg31k3p.seed_state(9)
    for u in draws:
        np.testing.assert_array_equal(u.rstate.get_value()[0], st)
        st = mrg31k3p.next_stream(st)


def test_float32_uniforms_round_as_theanos_c_code():
    z = np.array([1, 2, 12345, mrg31k3p.M1 - 1, mrg31k3p.M1])
    u = mrg31k3p.to_unit(z, "float32")
    assert u.dtype == np.float32
    np.testing.assert_array_equal(u, z.astype(np.float32) * np.float32(4.6566126e-10))
    assert u[-1] < 1 and u[0] > 0
    np.testing.assert_array_equal(mrg31k3p.to_unit(z, "float64"), z / 2.0 ** 31)
    with pytest.raises(TypeError, match="int32"):
        mrg31k3p.to_unit(z, "int32")


def test_multinomial_from_uniform_takes_the_first_running_sum_above_the_uniform():
    pv = T.dmatrix()
    u = T.dvector()
    n = T.lscalar()
    f = theano.function([pv, u, n], MultinomialFromUniform("int64")(pv, u, n))
    p = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]])
    # draw c of row r reads u[c * 2 + r]; 0.2 is not above 0.2, so the first draw goes to column 1
    np.testing.assert_array_equal(f(p, np.array([0.2, 0.1, 0.9, 0.99]), 2), [[0, 1, 1], [0, 2, 0]])
    with pytest.raises(ValueError, match="uniforms"):
        f(p, np.array([0.5]), 1)


def test_choice_from_uniform_without_replacement_renormalises():
    pv = T.dmatrix()
    u = T.dvector()
    f = theano.function([pv, u], ChoiceFromUniform("int64", replace=False)(pv, u, T.constant(2)))
    # first draw: 0.1 < 0.25 -> 0; the rest renormalised to [0, 1/3, 2/3]: 0.5 -> 2 (1/3 < 0.5)
    np.testing.assert_array_equal(f(np.array([[0.25, 0.25, 0.5]]), np.array([0.1, 0.5])), [[0, 2]])
    with pytest.raises(ValueError, match="without replacement"):
        theano.function([pv, u], ChoiceFromUniform("int64")(pv, u, T.constant(4)))(
            np.ones((1, 3)) / 3, np.zeros(4))


def test_normal_draws_one_even_length_uniform():
    s = MRG_RandomStreams(3)
    z = s.normal((5,))
    u = z.rstate.get_value()
    assert u.shape == (MAX_NSTREAMS, 6)
    st, uni = mrg31k3p.draw_uniform(u, 6)
    r = np.sqrt(-2 * np.log(uni[:3]))
    want = np.concatenate([r * np.cos(2 * np.pi * uni[3:]), r * np.sin(2 * np.pi * uni[3:])])[:5]
    np.testing.assert_allclose(theano.function([], z)(), want, rtol=1e-13)


def test_truncated_normal_stays_within_two_standard_deviations():
    s = MRG_RandomStreams(5)
    z = theano.function([], s.normal((2000,), avg=1.0, std=3.0, truncate=True))()
    assert z.min() >= 1.0 - 6.0 and z.max() <= 1.0 + 6.0
    t = theano.function([], s.truncated_normal((4000,), std=2.0))()
    assert abs(t.std() - 2.0) < 0.1 and np.abs(t).max() <= 2.0 / 0.87962566103423978 * 2 + 1e-9


def test_size_validation():
    s = MRG_RandomStreams(1)
    with pytest.raises(ValueError, match="<= 0"):
        s.uniform((3, 0))
    with pytest.raises(ValueError, match="nstreams"):
        s.uniform((3,), nstreams=0)
    with pytest.raises(ValueError, match="size must be None"):
        s.multinomial(size=(2,), pvals=np.ones((2, 2)) / 2)
    with pytest.raises(TypeError, match="entries"):
        s.uniform((3, "a"))


def test_gradients_flow_through_avg_std_low_high():
    s = MRG_RandomStreams(3)
    a, sd, lo = T.dscalar(), T.dscalar(), T.fscalar()
    z = s.normal((4,), avg=a, std=sd)
    u = s.uniform((5,), low=lo, high=2.0, dtype="float32")
    ga, gs = theano.grad(z.sum(), [a, sd])
    gl = theano.grad(u.sum(), lo)
    zz, ga_, gs_, uu, gl_ = theano.function([a, sd, lo], [z, ga, gs, u, gl], no_default_updates=True)(1.0, 2.0, 0.5)
    assert ga_ == 4.0
    np.testing.assert_allclose(gs_, ((zz - 1.0) / 2.0).sum(), rtol=1e-12)
    np.testing.assert_allclose(gl_, (1 - (uu - 0.5) / 1.5).sum(), rtol=1e-5)
