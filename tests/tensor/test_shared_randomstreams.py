"""shared_randomstreams.RandomStreams gives Theano 1.0.5's numbers for the same seed and calls.

The programs are those of scripts/theano105/random_streams.py (imported from there), run on
every usable backend (numpy, cpu, opencl, cuda) and compared, exactly, with what real Theano 1.0.5 gave them
(tests/data/theano105/random_streams.json): each draw's RandomState is seeded as Theano seeds
it and makes the same NumPy calls.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.tensor.shared_randomstreams import RandomStreams
from devices import DEVICES  # tests/devices.py

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "theano105" / "random_streams.py"
_spec = importlib.util.spec_from_file_location("theano105_random_streams", _SCRIPT)
programs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(programs)
RECORDED = programs.load_recorded()
RS_CASES = sorted(n for n in RECORDED if n.startswith("rs_"))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", RS_CASES)
def test_randomstreams_matches_theano_105(name, device):
    with theano.config.change_flags(device=device):
        got = programs.CASES[name]()
    want = RECORDED[name]
    assert len(got) == len(want)
    for c, (g_call, w_call) in enumerate(zip(got, want)):
        assert len(g_call) == len(w_call)
        for k, (g, w) in enumerate(zip(g_call, w_call)):
            g = np.asarray(g)
            where = f"{name} call {c} output {k}"
            assert (g.dtype, g.shape) == (w.dtype, w.shape), f"{where}: {g.dtype}{g.shape} vs {w.dtype}{w.shape}"
            np.testing.assert_array_equal(g, w, err_msg=where)


def test_every_recorded_randomstreams_program_is_run():
    assert len(RS_CASES) >= 12
    assert set(RS_CASES) == {n for n in programs.CASES if n.startswith("rs_")}


def test_each_stream_is_seeded_from_the_constructors_generator():
    s = RandomStreams(17)
    a, b = s.uniform((3,)), s.normal((2,))
    seeds = np.random.RandomState(17)
    for draw, method, args in ((a, "uniform", (0.0, 1.0, (3,))), (b, "normal", (0.0, 1.0, (2,)))):
        want = getattr(np.random.RandomState(int(seeds.randint(2 ** 30))), method)(*args)
        np.testing.assert_array_equal(theano.function([], draw)(), want)


def test_seed_leaves_the_seeds_of_later_streams_alone():
    s = RandomStreams(3)
    s.uniform((2,))
    s.seed(100)
    later = s.uniform((2,))
    gen = np.random.RandomState(3)
    gen.randint(2 ** 30)  # the first stream's seed
    want = np.random.RandomState(int(gen.randint(2 ** 30))).uniform(size=(2,))
    np.testing.assert_array_equal(theano.function([], later)(), want)


def test_getitem_takes_the_generator_variable_or_the_draw():
    s = RandomStreams(5)
    u = s.uniform((2,))
    assert s[u.rng] is s[u]
    s[u.rng] = np.random.RandomState(1)
    np.testing.assert_array_equal(theano.function([], u)(), np.random.RandomState(1).uniform(size=2))
    with pytest.raises(TypeError, match="neither"):
        s[T.dvector()]


def test_random_integers_draws_one_randint_per_element():
    s = RandomStreams(8)
    r = s.random_integers((4,), low=-1, high=6)
    g = np.random.RandomState(int(np.random.RandomState(8).randint(2 ** 30)))
    np.testing.assert_array_equal(theano.function([], r)(), [g.randint(-1, 7) for _ in range(4)])


def test_multinomial_scales_probabilities_as_theano_did():
    # A tiny last probability makes Theano scale the row by 1 - 5e-5 before NumPy draws.
    s = RandomStreams(9)
    pv = [0.5, 0.49999, 0.00001]
    m = s.multinomial((3,), n=50, pvals=pv)
    g = np.random.RandomState(int(np.random.RandomState(9).randint(2 ** 30)))
    want = [g.multinomial(50, np.array(pv) * (1 - 5e-5)) for _ in range(3)]
    np.testing.assert_array_equal(theano.function([], m)(), want)
    with pytest.raises(ValueError, match="add up"):
        theano.function([], s.multinomial((1,), n=1, pvals=[0.7, 0.7]))()
