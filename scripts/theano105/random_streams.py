"""Record the numbers real Theano 1.0.5 draws from its two random-stream factories, into
tests/data/theano105/random_streams.json.

Run in a Python 3.8 environment with `theano==1.0.5 "numpy<1.22" "scipy<1.8"`:

    THEANO_FLAGS=blas.ldflags=-lopenblas python scripts/theano105/random_streams.py

Each case below is a small program over the Theano 1.0 API: it makes a stream object with a
seed, draws from it, compiles and calls the function several times (with `seed()` between
some calls). tests/sandbox/test_rng_mrg.py and tests/tensor/test_shared_randomstreams.py import
this file and run the very same programs on every backend of this project, then compare with
what was recorded here. So the programs use only the API both share.
"""
from __future__ import annotations

import json
import os
import warnings

import numpy as np
import theano
import theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams
from theano.tensor.shared_randomstreams import RandomStreams

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data",
                   "theano105", "random_streams.json")

PV = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [0.05, 0.05, 0.9]])
P5 = np.array([[0.1, 0.2, 0.3, 0.25, 0.15], [0.5, 0.1, 0.1, 0.2, 0.1]])


def _calls(f, *args, n=3):
    """Call f n times; each result as a list of arrays."""
    out = []
    for _ in range(n):
        r = f(*args)
        out.append(list(r) if isinstance(r, list) else [r])
    return out


# -- MRG_RandomStreams --------------------------------------------------------------------

def mrg_uniform_seed7():
    s = MRG_RandomStreams(seed=7)
    return _calls(theano.function([], s.uniform((8,))))


def mrg_uniform_default_seed_2d():
    s = MRG_RandomStreams()
    return _calls(theano.function([], s.uniform((4, 5))))


def mrg_uniform_float32_low_high():
    s = MRG_RandomStreams(123)
    return _calls(theano.function([], s.uniform((3, 7), low=-2.0, high=3.0, dtype="float32")))


def mrg_uniform_float64_bounds():
    # Theano's kernel rounds u * (high - low) + low once (a fused multiply-add).
    s = MRG_RandomStreams(124)
    return _calls(theano.function([], s.uniform((40,), low=-0.3, high=1.9)), n=2)


def mrg_uniform_float16():
    s = MRG_RandomStreams(125)
    return _calls(theano.function([], s.uniform((9,), dtype="float16")), n=2)


def mrg_floatX_float32():
    with theano.change_flags(floatX="float32"):
        s = MRG_RandomStreams(126)
        f = theano.function([], [s.uniform((6,), low=0.1, high=0.7), s.binomial((6,), p=0.3),
                                 s.normal((4,), avg=0.2, std=1.3)])
    return _calls(f, n=2)


def mrg_uniform_100_elements():
    s = MRG_RandomStreams(1234)
    return _calls(theano.function([], s.uniform((100,), low=0.5, high=1.5)), n=2)


def mrg_uniform_many_streams():
    # 200000 // 6 is over the cap of 60 * 256 streams: keep every 997th element.
    s = MRG_RandomStreams(99)
    f = theano.function([], s.uniform((200000,)))
    return [[r[0][::997]] for r in _calls(f, n=2)]


def mrg_uniform_nstreams():
    s = MRG_RandomStreams(5)
    return _calls(theano.function([], s.uniform((10,), nstreams=3)))


def mrg_uniform_symbolic_size():
    s = MRG_RandomStreams(21)
    x = T.dmatrix("x")
    n = T.lscalar("n")
    f = theano.function([x, n], [s.uniform(x.shape), s.uniform((n, 3), dtype="float32")],
                        allow_input_downcast=True)
    return _calls(f, np.zeros((3, 4)), 5)


def mrg_uniform_size_vector_constant():
    s = MRG_RandomStreams(22)
    return _calls(theano.function([], s.uniform(T.as_tensor_variable(np.array([2, 3])))), n=2)


def mrg_two_draws_one_object():
    s = MRG_RandomStreams(42)
    u = s.uniform((5,))
    z = s.normal((3,))
    v = s.uniform((2, 2), dtype="float32")
    return _calls(theano.function([], [u, z, v]))


def mrg_two_functions():
    s = MRG_RandomStreams(43)
    u = s.uniform((6,))
    f = theano.function([], u)
    g = theano.function([], [u, u * 2])
    return [[f()], g(), [f()]]


def mrg_seed_reseeds():
    s = MRG_RandomStreams(3)
    a = s.uniform((6,))
    b = s.normal((4,))
    f = theano.function([], [a, b])
    out = [f(), f()]
    s.seed(99)
    out += [f(), f()]
    s.seed()
    out.append(f())
    c = s.uniform((3,))  # made after seed(): continues from the reseeded state
    out.append(theano.function([], [a, c])())
    return out


def mrg_normal_odd():
    s = MRG_RandomStreams(11)
    return _calls(theano.function([], s.normal((7,))))


def mrg_normal_inexact_avg_std():
    s = MRG_RandomStreams(16)
    return _calls(theano.function([], s.normal((9,), avg=0.1, std=1.7)), n=2)


def mrg_normal_avg_std():
    s = MRG_RandomStreams(12)
    return _calls(theano.function([], s.normal((3, 4), avg=1.5, std=2.0)))


def mrg_normal_float32():
    s = MRG_RandomStreams(13)
    return _calls(theano.function([], s.normal((2, 5), avg=-1.0, std=0.5, dtype="float32")))


def mrg_normal_nstreams():
    s = MRG_RandomStreams(14)
    return _calls(theano.function([], s.normal((6,), nstreams=2)))


def mrg_normal_symbolic_size():
    s = MRG_RandomStreams(15)
    x = T.dmatrix("x")
    return _calls(theano.function([x], s.normal(x.shape, std=3.0)), np.zeros((3, 3)), n=2)


def mrg_normal_truncate():
    s = MRG_RandomStreams(17)
    return _calls(theano.function([], s.normal((40,), truncate=True)))


def mrg_normal_truncate_float32_std():
    s = MRG_RandomStreams(18)
    return _calls(theano.function([], s.normal((5, 6), avg=1.0, std=3.0, truncate=True,
                                               dtype="float32")), n=2)


def mrg_truncated_normal():
    s = MRG_RandomStreams(19)
    z = s.truncated_normal((25,), avg=0.5, std=2.0)
    u = s.uniform((4,))  # the draw after: it starts after both streams of the truncated normal
    return _calls(theano.function([], [z, u]), n=2)


def mrg_binomial():
    s = MRG_RandomStreams(31)
    return _calls(theano.function([], s.binomial((12,), p=0.3)))


def mrg_binomial_dtypes():
    s = MRG_RandomStreams(32)
    outs = [s.binomial((4, 3), p=0.6, dtype=d) for d in ("int8", "int32", "float32", "float64")]
    return _calls(theano.function([], outs), n=2)


def mrg_binomial_p_vector_symbolic_size():
    s = MRG_RandomStreams(33)
    p = T.dvector("p")
    return _calls(theano.function([p], s.binomial(p.shape, p=p)), np.array([0.1, 0.5, 0.9, 0.99]))


def mrg_multinomial():
    s = MRG_RandomStreams(41)
    return _calls(theano.function([], s.multinomial(pvals=PV)))


def mrg_multinomial_n3_float32():
    s = MRG_RandomStreams(44)
    pv = T.fmatrix("pv")
    f = theano.function([pv], [s.multinomial(pvals=pv, n=3), s.multinomial(pvals=pv, n=2, dtype="float32")])
    return _calls(f, PV.astype("float32"))


def mrg_choice_without_replacement():
    s = MRG_RandomStreams(51)
    return _calls(theano.function([], s.choice(size=3, p=P5, replace=False)))


def mrg_choice_float32_symbolic():
    s = MRG_RandomStreams(52)
    p = T.fmatrix("p")
    k = T.lscalar("k")
    return _calls(theano.function([p, k], s.choice(size=k, p=p, replace=False, dtype="int32")),
                  P5.astype("float32"), 4)


def _rows(seed, rows, cols, dtype):
    p = np.random.RandomState(seed).uniform(0.01, 1.0, (rows, cols))
    return (p / p.sum(axis=1, keepdims=True)).astype(dtype)


def mrg_choice_many_rows_float32():
    # Without replacement, each draw renormalises the row in float32 before the next.
    s = MRG_RandomStreams(54)
    return _calls(theano.function([], s.choice(size=6, p=_rows(1, 40, 12, "float32"), replace=False)), n=2)


def mrg_multinomial_many_rows():
    s = MRG_RandomStreams(55)
    return _calls(theano.function([], s.multinomial(pvals=_rows(2, 40, 7, "float64"), n=4)), n=2)


def mrg_multinomial_wo_replacement():
    s = MRG_RandomStreams(53)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = s.multinomial_wo_replacement(n=2, pvals=P5)
    return _calls(theano.function([], c))


# -- shared_randomstreams.RandomStreams -----------------------------------------------------

def rs_uniform():
    s = RandomStreams(234)
    return _calls(theano.function([], s.uniform((2, 3))))


def rs_floatX_float32():
    with theano.change_flags(floatX="float32"):
        s = RandomStreams(233)
        f = theano.function([], [s.uniform((3,), low=0.1, high=0.7), s.normal((2,), std=1.3)])
    return _calls(f, n=2)


def rs_uniform_float32_low_high():
    s = RandomStreams(235)
    return _calls(theano.function([], s.uniform((5,), low=-1.5, high=0.1, dtype="float32")))


def rs_uniform_size_from_params():
    s = RandomStreams(236)
    lo = T.dvector("lo")
    return _calls(theano.function([lo], s.uniform(low=lo, high=lo + 1)), np.array([0.0, 10.0, 20.0]))


def rs_uniform_symbolic_size():
    s = RandomStreams(237)
    x = T.dmatrix("x")
    return _calls(theano.function([x], s.uniform(x.shape)), np.zeros((2, 4)), n=2)


def rs_normal():
    s = RandomStreams(238)
    return _calls(theano.function([], [s.normal((5,), avg=2.0, std=3.0),
                                       s.normal((2, 2), dtype="float32")]))


def rs_binomial():
    s = RandomStreams(239)
    return _calls(theano.function([], [s.binomial((6,), n=5, p=0.3), s.binomial((4,), p=0.5, dtype="int8")]))


def rs_random_integers():
    s = RandomStreams(240)
    low = T.lvector("low")
    return _calls(theano.function([low], [s.random_integers((7,), low=-3, high=4),
                                          s.random_integers((2, 3), low=low, high=10)]),
                  np.array([0, 5, 9]))


def rs_choice():
    s = RandomStreams(241)
    return _calls(theano.function([], [s.choice((4,), a=5),
                                       s.choice((3,), a=[10, 20, 30, 40], replace=False,
                                                p=[0.1, 0.2, 0.3, 0.4]),
                                       s.choice((2, 2), a=6, replace=False)]))


def rs_permutation():
    s = RandomStreams(242)
    return _calls(theano.function([], [s.permutation(n=6), s.permutation(size=(2,), n=4)]))


def rs_multinomial():
    s = RandomStreams(243)
    return _calls(theano.function([], [s.multinomial((3,), n=5, pvals=[0.2, 0.3, 0.5]),
                                       s.multinomial(n=4, pvals=[[0.1, 0.9], [0.5, 0.5]]),
                                       s.multinomial((2,), n=6, pvals=[0.5, 0.49999, 0.00001])]))


def rs_poisson():
    s = RandomStreams(244)
    return _calls(theano.function([], s.poisson((5,), lam=3.0)))


def rs_two_draws_and_seed():
    s = RandomStreams(245)
    a = s.uniform((3,))
    b = s.normal((2,))
    f = theano.function([], [a, b])
    out = [f(), f()]
    s.seed(8)
    out += [f(), f()]
    c = s.uniform((2,))  # made after seed(): its seed comes from the generator of the constructor
    out.append(theano.function([], [a, c])())
    s.seed()
    out.append(theano.function([], [a, b, c])())
    return out


def rs_default_seed_none_is_reproducible_after_seed():
    s = RandomStreams()
    a = s.uniform((3,))
    s.seed(5)
    return _calls(theano.function([], a), n=2)


CASES = {name: fn for name, fn in list(globals().items())
         if name.startswith(("mrg_", "rs_")) and callable(fn)}


def encode(a) -> dict:
    """An array as JSON: dtype, shape and the values (floats exact)."""
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "values": a.reshape(-1).tolist()}


def decode(d: dict) -> np.ndarray:
    """The array that `encode` wrote."""
    return np.asarray(d["values"], dtype=d["dtype"]).reshape(d["shape"])


def load_recorded() -> dict:
    """The recorded cases: name -> calls -> arrays."""
    with open(OUT) as fh:
        data = json.load(fh)
    return {name: [[decode(a) for a in call] for call in calls] for name, calls in data["cases"].items()}


def main() -> None:
    res = {"theano_version": theano.__version__, "numpy_version": np.__version__,
           "floatX": theano.config.floatX, "cases": {}}
    for name, fn in CASES.items():
        res["cases"][name] = [[encode(a) for a in call] for call in fn()]
        print(name, "ok")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(res, fh, indent=0, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()
