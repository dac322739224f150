"""RandomStreams and MRG_RandomStreams: moments, reproducibility, state updates, symbolic sizes."""
from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.sandbox import mrg31k3p
from theano.sandbox.rng_mrg import MRG_RandomStreams
from theano.tensor.random_type import RandomStateSharedVariable
from theano.tensor.shared_randomstreams import RandomStreams

STREAMS = [RandomStreams, MRG_RandomStreams]
N = 4000  # draws per moment check; tolerances are about 5 standard errors


@pytest.fixture(params=STREAMS, ids=["RandomStreams", "MRG"])
def streams(request):
    return request.param


def test_uniform_moments(streams):
    s = streams(1234)
    u = theano.function([], s.uniform((N,), low=-1.0, high=3.0))()
    assert u.shape == (N,) and u.dtype == theano.config.floatX
    assert u.min() >= -1.0 and u.max() < 3.0
    assert abs(u.mean() - 1.0) < 5 * np.sqrt(16 / 12 / N)
    assert abs(u.var() - 16 / 12) < 0.1


def test_normal_moments(streams):
    s = streams(99)
    z = theano.function([], s.normal((50, 80), avg=2.0, std=3.0))()
    assert z.shape == (50, 80)
    assert abs(z.mean() - 2.0) < 5 * 3.0 / np.sqrt(z.size)
    assert abs(z.std() - 3.0) < 0.15
    # Roughly 68% within one standard deviation.
    assert abs(np.mean(np.abs(z - 2.0) < 3.0) - 0.6827) < 0.03


def test_binomial_moments(streams):
    s = streams(5)
    b = theano.function([], s.binomial((N,), n=1, p=0.3))()
    assert set(np.unique(b)) <= {0, 1}
    assert abs(b.mean() - 0.3) < 5 * np.sqrt(0.21 / N)


def test_random_integers_covers_the_closed_range(streams):
    s = streams(7)
    r = theano.function([], s.random_integers((N,), low=-2, high=2))()
    assert r.dtype == "int64"
    assert set(np.unique(r)) == {-2, -1, 0, 1, 2}
    assert abs(r.mean()) < 5 * np.sqrt(2.0 / N)


def test_permutation(streams):
    s = streams(11)
    p = theano.function([], s.permutation(size=(3,), n=6))()
    assert p.shape == (3, 6)
    for row in p:
        assert sorted(row) == list(range(6))
    assert len({tuple(r) for r in theano.function([], s.permutation(size=(20,), n=6))()}) > 1


def test_same_seed_same_numbers_and_calls_advance(streams):
    def build():
        s = streams(42)
        return theano.function([], [s.uniform((5,)), s.normal((3,))])

    f, g = build(), build()
    a1, b1 = f()
    a2, b2 = g()
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)
    a3, _ = f()
    assert not np.allclose(a1, a3), "a second call must give new numbers"
    a4, _ = g()
    np.testing.assert_array_equal(a3, a4)


def test_different_draws_are_independent(streams):
    s = streams(3)
    u1, u2 = theano.function([], [s.uniform((N,)), s.uniform((N,))])()
    assert not np.allclose(u1, u2)
    assert abs(np.corrcoef(u1, u2)[0, 1]) < 0.1


def test_seed_resets_every_stream(streams):
    s = streams(10)
    f = theano.function([], s.uniform((4,)))
    first = f()
    f()
    s.seed(10)
    np.testing.assert_array_equal(f(), first)
    s.seed(11)
    assert not np.allclose(f(), first)


def test_no_default_updates_repeats_numbers(streams):
    s = streams(8)
    f = theano.function([], s.uniform((4,)), no_default_updates=True)
    np.testing.assert_array_equal(f(), f())


def test_state_lives_in_a_shared_variable(streams):
    s = streams(8)
    u = s.uniform((3,))
    state_var, new_state = u.update
    assert isinstance(state_var, theano.compile.SharedVariable)
    assert state_var.default_update is new_state
    before = state_var.get_value()
    theano.function([], u)()
    after = state_var.get_value()
    if isinstance(state_var, RandomStateSharedVariable):
        assert before.get_state()[1].tolist() != after.get_state()[1].tolist()
    else:
        assert not np.array_equal(before, after)


def test_symbolic_size_from_scalars_and_shape(streams):
    s = streams(1)
    n, m = T.iscalars("n", "m")
    f = theano.function([n, m], s.uniform((n, m)))
    assert f(2, 5).shape == (2, 5)
    assert f(4, 1).shape == (4, 1)
    x = T.dmatrix("x")
    g = theano.function([x], s.normal(x.shape))
    assert g(np.zeros((3, 7))).shape == (3, 7)
    h = theano.function([n], s.binomial((n, 2), p=0.5))
    assert h(6).shape == (6, 2)


def test_symbolic_size_vector_needs_ndim(streams):
    s = streams(1)
    shp = T.lvector("shp")
    with pytest.raises(ValueError, match="ndim"):
        s.uniform(shp)
    f = theano.function([shp], s.uniform(shp, ndim=3))
    assert f(np.array([2, 3, 4])).shape == (2, 3, 4)


def test_random_draws_are_not_constant_folded(streams):
    s = streams(2)
    f = theano.function([], s.uniform((3,)))
    assert not np.allclose(f(), f())


def test_dropout_mask_gradient_flows_through_the_data(streams):
    s = streams(2)
    x = T.dvector("x")
    mask = s.binomial(x.shape, p=0.5, dtype="float64")
    cost = T.sum(x * mask)
    f = theano.function([x], [theano.grad(cost, x), mask], no_default_updates=True)
    g, m = f(np.ones(50))
    np.testing.assert_array_equal(g, m)


# -- RandomStreams only ------------------------------------------------------------------------

def test_randomstreams_multinomial_and_choice():
    s = RandomStreams(3)
    m = theano.function([], s.multinomial(size=(500,), n=10, pvals=[0.2, 0.3, 0.5]))()
    assert m.shape == (500, 3)
    assert np.all(m.sum(axis=1) == 10)
    np.testing.assert_allclose(m.mean(axis=0), [2.0, 3.0, 5.0], atol=0.3)
    c = theano.function([], s.choice(size=(5,), a=10, replace=False))()
    assert len(set(c.tolist())) == 5 and c.min() >= 0 and c.max() < 10
    cp = theano.function([], s.choice(size=(N,), a=3, p=[0.0, 0.0, 1.0]))()
    assert np.all(cp == 2)


def test_randomstreams_size_from_parameters():
    s = RandomStreams(3)
    lo = T.dvector("lo")
    u = s.uniform(low=lo, high=lo + 1)
    v = theano.function([lo], u)(np.array([0.0, 10.0, 20.0]))
    assert v.shape == (3,)
    assert np.all((v >= [0, 10, 20]) & (v < [1, 11, 21]))


def test_shared_random_state_value_is_copied():
    rng = np.random.RandomState(0)
    v = theano.shared(rng)
    assert isinstance(v, RandomStateSharedVariable)
    got = v.get_value()
    got.uniform()  # advancing a copy leaves the shared generator alone
    np.testing.assert_array_equal(v.get_value().uniform(size=3), np.random.RandomState(0).uniform(size=3))
    with pytest.raises(TypeError):
        v.set_value(np.zeros(3))


# -- MRG only ----------------------------------------------------------------------------

def test_mrg_stepping_matches_jump_ahead():
    # One step of the recurrence equals applying the transition matrices once.
    st = mrg31k3p.seed_state(12345).reshape(1, 6)
    stepped, _ = mrg31k3p.draw_uniform(st, 1)
    jump = (mrg31k3p._matpow_mod(mrg31k3p._A1, 1, mrg31k3p.M1),
            mrg31k3p._matpow_mod(mrg31k3p._A2, 1, mrg31k3p.M2))
    np.testing.assert_array_equal(stepped, mrg31k3p._apply(jump, st))
    # Doubling in jump_streams agrees with applying the 2**72 jump one at a time.
    four = mrg31k3p.jump_streams(mrg31k3p.seed_state(7), 4)
    one_by_one = [mrg31k3p.seed_state(7).reshape(1, 6)]
    for _ in range(3):
        one_by_one.append(mrg31k3p._apply(mrg31k3p._J72, one_by_one[-1]))
    np.testing.assert_array_equal(four, np.concatenate(one_by_one))


def test_mrg_recurrence_by_hand():
    # x1[n] = (2**22 x1[n-2] + 129 x1[n-3]) mod M1, x2[n] = (2**15 x2[n-1] + 32769 x2[n-3]) mod M2.
    s = np.array([[1, 2, 3, 4, 5, 6]], dtype="int64")
    _, u = mrg31k3p.draw_uniform(s, 1)
    x1 = (2 ** 22 * 2 + 129 * 3) % mrg31k3p.M1
    x2 = (2 ** 15 * 4 + 32769 * 6) % mrg31k3p.M2
    z = x1 - x2 if x1 > x2 else x1 - x2 + mrg31k3p.M1
    assert u[0] == z / 2 ** 31


def test_mrg_results_do_not_depend_on_how_the_draw_is_split():
    # Element j comes from stream j % k: drawing 10 then 10 more from 4 streams equals
    # the streams' own sequences interleaved.
    st = mrg31k3p.jump_streams(mrg31k3p.seed_state(5), 4)
    _, all20 = mrg31k3p.draw_uniform(st, 20)
    mid, first = mrg31k3p.draw_uniform(st, 8)
    _, rest = mrg31k3p.draw_uniform(mid, 12)
    np.testing.assert_array_equal(np.concatenate([first, rest]), all20)


def test_mrg_float32_stays_below_one():
    st = np.array([[mrg31k3p.M1 - 1, 0, 0, 0, 0, 1]], dtype="int64")
    _, u = mrg31k3p.draw_uniform(np.repeat(st, 3, axis=0), 3, "float32")
    assert u.dtype == np.float32 and np.all(u < 1) and np.all(u > 0)
    s = MRG_RandomStreams(1)
    v = theano.function([], s.uniform((1000,), dtype="float32"))()
    assert v.dtype == np.float32 and v.max() < 1 and v.min() > 0


def test_mrg_multinomial_and_choice():
    s = MRG_RandomStreams(9)
    pv = np.array([[0.1, 0.9, 0.0], [0.5, 0.25, 0.25]])
    m = theano.function([], s.multinomial(n=N, pvals=pv))()
    assert m.shape == (2, 3) and np.all(m.sum(axis=1) == N)
    np.testing.assert_allclose(m / N, pv, atol=0.05)
    assert m[0, 2] == 0
    c = theano.function([], s.choice(size=3, p=np.array([[0.2, 0.3, 0.5, 0.0]] * 50), replace=False))()
    assert c.shape == (50, 3)
    for row in c:
        assert len(set(row.tolist())) == 3 and 3 not in row
    c2 = theano.function([], s.choice(size=N, a=4))()
    assert c2.shape == (N,) and set(np.unique(c2)) == {0, 1, 2, 3}


def test_mrg_seed_validation():
    with pytest.raises(ValueError):
        MRG_RandomStreams(0)
    with pytest.raises(ValueError):
        MRG_RandomStreams([0, 0, 0, 1, 1, 1])
    s = MRG_RandomStreams([1, 2, 3, 4, 5, 6])
    assert theano.function([], s.uniform((2,)))().shape == (2,)


def test_mrg_state_is_an_int32_matrix_one_row_per_stream():
    s = MRG_RandomStreams(4)
    u = s.uniform((10, 3))
    st = u.rstate.get_value()
    assert st.dtype == np.int32 and st.shape == (5, 6)  # Theano's streams: 30 elements // 6
    n = T.iscalar()
    v = s.uniform((n,))
    assert v.rstate.get_value().shape[1] == 6
    assert theano.function([n], v)(5000).shape == (5000,)
