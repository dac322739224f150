"""Modes: which rewrites run (by tags) and, optionally, on which device."""
from __future__ import annotations

import time
from typing import Any, Iterable

from ..config import config
from ..graph.fg import FunctionGraph
from ..rewrite.basic import EquilibriumRewriter, NodeRewriter, RewriteStats
from ..rewrite.db import rewrite_db

__all__ = ["Mode", "get_mode", "FAST_RUN", "FAST_COMPILE", "predefined_modes", "get_default_mode"]

_OPTIMIZER_TAGS = {
    "fast_run": ("fast_run",), "o4": ("fast_run",), "o3": ("fast_run",), "o2": ("fast_run",),
    "fast_compile": ("fast_compile",), "o1": ("fast_compile",),
    "merge": ("merge",), "None": (), None: (),
}


def _flag_tags(name: str) -> tuple[str, ...]:
    return tuple(t for t in str(getattr(config, name, "")).split(":") if t)


class Mode:
    """How to compile: `optimizer` ('fast_run', 'fast_compile', 'merge' or None) plus tags to
    include or exclude; `linker` is accepted for Theano compatibility; `device` overrides the
    configured device."""

    def __init__(self, linker: Any = None, optimizer: Any = "default", include: Iterable[str] = (),
                 exclude: Iterable[str] = (), device: str | None = None, name: str | None = None):
        if optimizer == "default":
            optimizer = config.optimizer
        if optimizer not in _OPTIMIZER_TAGS:
            raise ValueError(f"unknown optimizer {optimizer!r}; use one of fast_run, fast_compile, "
                             f"merge, None")
        self.optimizer = optimizer if optimizer != "None" else None
        self.linker = linker
        # Theano's optimizer_including/_excluding flags: colon-separated tags added to every mode.
        self.include = tuple(include) + _flag_tags("optimizer_including")
        self.exclude = tuple(exclude) + _flag_tags("optimizer_excluding")
        self.device = device
        self.name = name

    def including(self, *tags: str) -> "Mode":
        return Mode(self.linker, self.optimizer, self.include + tags, self.exclude, self.device)

    def excluding(self, *tags: str) -> "Mode":
        return Mode(self.linker, self.optimizer, self.include, self.exclude + tags, self.device)

    def requiring(self, *tags: str) -> "Mode":
        return self.including(*tags)

    def __repr__(self) -> str:
        return (f"Mode(optimizer={self.optimizer!r}, include={list(self.include)}, "
                f"exclude={list(self.exclude)}, device={self.device!r})")

    def tags(self, backend_tags: Iterable[str] = (),
             backend_exclude: Iterable[str] = ()) -> tuple[set[str], set[str]]:
        """(tags to include, tags to exclude) for a backend that adds `backend_tags` to
        FAST_RUN and declines the core rewrites tagged `backend_exclude` (the reference
        declines fusion, in-place and BLAS). A tag the mode names in `include` overrides the
        backend's exclusion: asking for a rewrite by name gets it."""
        inc = set(_OPTIMIZER_TAGS[self.optimizer]) | set(self.include)
        if self.optimizer in ("fast_run", "o4", "o3", "o2"):
            inc |= set(backend_tags)
        return inc, set(self.exclude) | (set(backend_exclude) - set(self.include))

    def rewrite(self, fgraph: FunctionGraph, backend_tags: Iterable[str] = (),
                backend_exclude: Iterable[str] = ()) -> RewriteStats:
        """Run the selected rewrites on fgraph in place (see `tags`); consecutive node
        rewriters form one equilibrium pass."""
        stats = RewriteStats()
        inc, exc = self.tags(backend_tags, backend_exclude)
        if not inc:
            return stats
        entries = rewrite_db.query(inc, exc)
        group: list[NodeRewriter] = []
        group_name: list[str] = []

        def flush() -> None:
            if group:
                t0 = time.perf_counter()
                EquilibriumRewriter(list(group), _group_label(group_name)).apply(fgraph, stats)
                stats.time["pass:" + _group_label(group_name)] += time.perf_counter() - t0
                group.clear()
                group_name.clear()

        for e in entries:
            if isinstance(e.rewrite, NodeRewriter):
                group.append(e.rewrite)
                group_name.append(e.name)
            else:
                flush()
                t0 = time.perf_counter()
                e.rewrite.apply(fgraph, stats)
                stats.time["pass:" + e.name] += time.perf_counter() - t0
        flush()
        return stats


def _group_label(names: list[str]) -> str:
    """A name for one equilibrium pass over several node rewriters."""
    return names[0] if len(names) == 1 else f"{len(names)} node rewriters ({names[0]} .. {names[-1]})"


FAST_RUN = "FAST_RUN"
FAST_COMPILE = "FAST_COMPILE"


def _predefined(name: str) -> Mode:
    if name in ("FAST_RUN", "Mode", "ProfileMode", "NanGuardMode"):
        return Mode(optimizer="fast_run", name=name)
    if name == "FAST_COMPILE":
        return Mode(optimizer="fast_compile", name=name)
    if name in ("DebugMode", "DEBUG_MODE"):
        return Mode(optimizer="fast_run", name="DebugMode")
    raise ValueError(f"unknown mode {name!r}; use FAST_RUN, FAST_COMPILE, DebugMode or a Mode")


predefined_modes = {n: _predefined(n) for n in ("FAST_RUN", "FAST_COMPILE", "DebugMode")}


def get_mode(mode: Any) -> Mode:
    """A Mode from a Mode, a mode name, or None (config.mode)."""
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    if isinstance(mode, str):
        if mode == "FAST_RUN" and config.optimizer != "fast_run":
            return Mode(optimizer=config.optimizer, name="FAST_RUN")
        return _predefined(mode)
    raise TypeError(f"mode must be a Mode or a mode name, got {type(mode).__name__}")


def get_default_mode() -> Mode:
    return get_mode(None)
