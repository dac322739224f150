"""Every file the README and the docs point at is in the repository: a user's clone has
everything they name (links, and paths written in code spans)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# docs/DESIGN.md is the design as it was handed to us, kept verbatim: it names files it wants.
DOCS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "DESIGN.md")]
TOP = ("backends/", "bench/", "conformance/", "core/", "docs/", "examples/", "scripts/", "tests/", ".ci/")


def named_paths(doc: Path) -> list[str]:
    """Relative links and code-span paths under the repository's top folders."""
    text = doc.read_text(encoding="utf-8")
    out = []
    for target in re.findall(r"\]\(([^)#\s]+)", text):
        if "://" not in target:
            out.append(str((doc.parent / target).resolve().relative_to(ROOT)))
    for span in re.findall(r"`([^`\s]+)`", text):
        if span.startswith(TOP) and not any(c in span for c in "*<>{}$"):
            out.append(span.rstrip("/").split(":")[0])
    return out


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_named_file_exists(doc: Path) -> None:
    missing = [p for p in named_paths(doc) if not (ROOT / p).exists()]
    assert not missing, f"{doc.name} names files that are not in the repository: {missing}"
