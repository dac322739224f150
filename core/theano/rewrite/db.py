"""The rewrite database: rewrites registered with tags and a position, queried by Mode."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

__all__ = ["RewriteDatabase", "RewriteEntry", "rewrite_db", "register_rewrite"]


@dataclass
class RewriteEntry:
    name: str
    rewrite: Any  # a GraphRewriter, or a NodeRewriter run to a fixed point
    tags: frozenset[str]
    position: float


@dataclass
class RewriteDatabase:
    """All known rewrites. `query(include, exclude)` returns them in position order."""

    entries: dict[str, RewriteEntry] = field(default_factory=dict)

    def register(self, name: str, rewrite: Any, *tags: str, position: float = 50.0) -> Any:
        if name in self.entries:
            raise ValueError(f"a rewrite named {name!r} is already registered")
        self.entries[name] = RewriteEntry(name, rewrite, frozenset(tags) | {name}, position)
        return rewrite

    def remove(self, name: str) -> None:
        del self.entries[name]

    def query(self, include: Iterable[str], exclude: Iterable[str] = ()) -> list[RewriteEntry]:
        inc, exc = set(include), set(exclude)
        chosen = [e for e in self.entries.values() if e.tags & inc and not e.tags & exc]
        return sorted(chosen, key=lambda e: (e.position, e.name))

    def __contains__(self, name: str) -> bool:
        return name in self.entries


rewrite_db = RewriteDatabase()


def register_rewrite(*tags: str, position: float = 50.0, name: str | None = None) -> Callable:
    """Decorator: register a rewrite (node or graph) in the global database under tags."""

    def deco(rw: Any) -> Any:
        rewrite_db.register(name or getattr(rw, "__name__", str(rw)), rw, *tags, position=position)
        return rw

    return deco
