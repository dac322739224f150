"""Running the suite in several processes (``python -m theano_conformance --jobs N``).

A case spends most of its time compiling (gcc, or an OpenCL driver's compiler) in the one
process that runs it, so a backend's suite run as one process keeps one CPU busy however
many there are. Here the cases are dealt out to N worker processes, started fresh (spawn:
a driver's threads do not survive a fork), in interleaved chunks so that every worker gets
a share of each kind of case; the results come back in the suite's order, the same list a
one-process run returns.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Sequence

from .case import Result

__all__ = ["run_selected_in_processes"]

#: chunks per worker: small enough that a worker that drew slow cases does not leave the
#: others idle at the end, large enough that a chunk amortizes its round trip
CHUNKS_PER_JOB = 8

_target_cache: dict[str, object] = {}


def _run_chunk(backend: str, reference: str, patterns: Sequence[str] | None,
               indices: Sequence[int]) -> list[tuple[int, Result]]:
    """In a worker: the cases at `indices` of the selection (the catalog is rebuilt here:
    cases hold functions, which do not travel between processes)."""
    from .catalog import all_cases
    from .runner import compile_cases_ahead, run_case, select
    from .target import Target

    cases = select(all_cases(), patterns)
    target = _target_cache.get(backend)
    if target is None:
        target = _target_cache[backend] = Target.resolve(backend)
    compile_cases_ahead([cases[i] for i in indices], target)
    return [(i, run_case(cases[i], target, reference)) for i in indices]  # type: ignore[arg-type]


def run_selected_in_processes(n_cases: int, backend: str, reference: str,
                              patterns: Sequence[str] | None, jobs: int) -> list[Result]:
    """The results of the `n_cases` cases that `select(all_cases(), patterns)` gives, run by
    `jobs` worker processes, in the selection's order."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    n_chunks = max(1, min(n_cases, jobs * CHUNKS_PER_JOB))
    chunks = [list(range(k, n_cases, n_chunks)) for k in range(n_chunks)]
    out: list[Result | None] = [None] * n_cases
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_run_chunk, backend, reference, patterns, c) for c in chunks if c]
        for fut in futures:
            for i, res in fut.result():
                out[i] = res
    missing = [i for i, r in enumerate(out) if r is None]
    if missing:
        raise RuntimeError(f"the worker processes returned no result for {len(missing)} cases")
    return out  # type: ignore[return-value]
