"""`theano.tests.unittest_tools`: seeds, `verify_grad` and value comparison for test suites
written against Theano 1.0 (`utt.seed_rng()`, `utt.fetch_seed()`, `utt.verify_grad(...)`,
`utt.assert_allclose(...)`)."""
from __future__ import annotations

import functools
import sys
from typing import Any, Callable

import numpy as np

from ..compat.absent import module_getattr
from ..config import config
from ..gradient import GradientError, verify_grad as _verify_grad

__all__ = ["fetch_seed", "seed_rng", "verify_grad", "MockRandomState", "str_diagnostic", "WrongValue",
           "assert_allclose", "AttemptManyTimes", "assertFailure_fast", "assert_raises", "custom_name_func",
           "config"]


def fetch_seed(pseed: Any = None) -> int | None:
    """The seed tests use: `pseed`, else the unittests.rseed flag (666); None for 'random'."""
    seed = pseed or getattr(config, "unittests__rseed", 666)
    if seed == "random":
        return None
    try:
        return int(seed) if seed else None
    except ValueError:
        print("Error: config.unittests.rseed contains an invalid seed, using None instead", file=sys.stderr)
        return None


def seed_rng(pseed: Any = None) -> int | None:
    """Seed NumPy's global generator with `fetch_seed(pseed)`; returns the seed."""
    seed = fetch_seed(pseed)
    if pseed and pseed != seed:
        print(f"Warning: using seed given by config.unittests.rseed={seed} instead of seed {pseed} "
              f"given as parameter", file=sys.stderr)
    np.random.seed(seed)
    return seed


def verify_grad(op: Callable, pt: Any, n_tests: int = 2, rng: Any = None, *args: Any, **kwargs: Any) -> None:
    """theano.gradient.verify_grad with the tests' seeded generator when no rng is given."""
    if rng is None:
        seed_rng()
        rng = np.random
    _verify_grad(op, pt, n_tests, rng, *args, **kwargs)


verify_grad.E_grad = GradientError  # `except utt.verify_grad.E_grad as e:`, as Theano's suites write


class MockRandomState:
    """A stand-in for RandomState whose draws are all `val` (to test values at a boundary)."""

    def __init__(self, val: float):
        self.val = val

    def rand(self, *shape: int) -> np.ndarray:
        return np.zeros(shape, dtype="float64") + self.val

    def randint(self, minval: int, maxval: int | None = None, size: Any = 1) -> np.ndarray:
        if maxval is None:
            minval, maxval = 0, minval
        out = np.zeros(size, dtype="int64")
        return out + (maxval - 1 if self.val == 1 else minval)


def str_diagnostic(expected: Any, value: Any, rtol: float, atol: float) -> str:
    """A report of where `value` differs from `expected`."""
    expected, value = np.asarray(expected), np.asarray(value)
    lines = [f"  expected: {expected!r}", f"  value: {value!r}"]
    try:
        diff = np.abs(expected - value)
        rel = diff / np.maximum(np.abs(expected) + np.abs(value), 1e-8)
        lines += [f"  max absolute difference: {diff.max()} at {np.unravel_index(diff.argmax(), diff.shape)}",
                  f"  max relative difference: {rel.max()}", f"  rtol, atol: {rtol}, {atol}"]
    except Exception as e:  # shapes that do not broadcast: the values above say it
        lines.append(f"  (cannot compare: {e})")
    return "\n".join(lines)


class WrongValue(Exception):
    """assert_allclose found values that differ."""

    def __init__(self, expected_val: Any, val: Any, rtol: float, atol: float):
        super().__init__(expected_val, val, rtol, atol)
        self.val1, self.val2, self.rtol, self.atol = expected_val, val, rtol, atol

    def __str__(self) -> str:
        return "WrongValue\n" + str_diagnostic(self.val1, self.val2, self.rtol, self.atol)


def assert_allclose(expected: Any, value: Any, rtol: float | None = None, atol: float | None = None) -> None:
    """Raise WrongValue unless `value` is close to `expected` (tolerances by dtype, as Theano's)."""
    expected, value = np.asarray(expected), np.asarray(value)
    dtype = np.result_type(expected, value)
    default = {np.dtype("float16"): (5e-2, 5e-3), np.dtype("float32"): (1e-3, 1e-5)}.get(dtype, (1e-5, 1e-8))
    rtol = default[0] if rtol is None else rtol
    atol = default[1] if atol is None else atol
    if expected.shape != value.shape or not np.allclose(expected, value, rtol=rtol, atol=atol, equal_nan=True):
        raise WrongValue(expected, value, rtol, atol)


class AttemptManyTimes:
    """Decorator: run a randomized test up to `n_attempts` times with successive seeds and pass
    when `n_req_successes` runs pass."""

    def __init__(self, n_attempts: int, n_req_successes: int = 1):
        if n_attempts < n_req_successes:
            raise ValueError("n_attempts must be at least n_req_successes")
        self.n_attempts, self.n_req_successes = n_attempts, n_req_successes

    def __call__(self, fct: Callable) -> Callable:
        @functools.wraps(fct)
        def attempt_multiple_times(*args: Any, **kwargs: Any) -> None:
            seed = fetch_seed() or 0
            successes = 0
            for k in range(self.n_attempts):
                try:
                    seed_rng(seed + k)
                    fct(*args, **kwargs)
                    successes += 1
                    if successes == self.n_req_successes:
                        return
                except Exception:
                    if self.n_attempts - k - 1 < self.n_req_successes - successes:
                        raise
        return attempt_multiple_times


def assertFailure_fast(f: Callable) -> Callable:  # noqa: N802  (Theano's name)
    """Mark a test that is expected to fail (it is run, and must raise)."""
    @functools.wraps(f)
    def test_with_assert(*args: Any, **kwargs: Any) -> None:
        try:
            f(*args, **kwargs)
        except Exception:
            return
        raise AssertionError(f"{f.__name__} was expected to fail")
    return test_with_assert


def assert_raises(exception: type, fn: Callable, *args: Any, **kwargs: Any) -> None:
    """Raise AssertionError unless fn(*args, **kwargs) raises `exception`."""
    try:
        fn(*args, **kwargs)
    except exception:
        return
    raise AssertionError(f"{getattr(fn, '__name__', fn)} did not raise {exception.__name__}")


def custom_name_func(testcase_func: Callable, param_num: int, param: Any) -> str:
    """A test name for parameterized tests: the function's name with the parameters."""
    return f"{testcase_func.__name__}_{param_num}_{'_'.join(str(a) for a in param.args)}"


__getattr__ = module_getattr(__name__)
