"""Backends use ops through their public names only: a backend that reads `op._something`
breaks silently when the core renames a private helper (issue 17 part 3). This walks every
module of every backend package with ast and names each private attribute read on an op."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKEND_MODULES = sorted(ROOT.glob("backends/*/theano_*/**/*.py"))


def _is_op(node: ast.expr) -> bool:
    """`op` itself or `<anything>.op` (node.op, self.node.op)."""
    return (isinstance(node, ast.Name) and node.id == "op") or (
        isinstance(node, ast.Attribute) and node.attr == "op")


def private_op_attributes(source: str) -> list[tuple[int, str]]:
    """(line, text) of every `op._name` or `<x>.op._name` in `source`; dunder names such as
    `op.__class__` are Python's own, not the op's, and pass."""
    hits = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__") and _is_op(node.value)):
            hits.append((node.lineno, ast.unparse(node)))
    return sorted(hits)


def test_the_walk_finds_the_backend_modules():
    packages = {p.relative_to(ROOT).parts[1] for p in BACKEND_MODULES}
    assert {"c", "opencl", "cuda"} <= packages, packages


@pytest.mark.parametrize("source, expected", [
    ("axes = op._axes(2)", [(1, "op._axes")]),
    ("f(node.op._kernels)", [(1, "node.op._kernels")]),
    ("x = self.node.op._cache", [(1, "self.node.op._cache")]),
    ("x = op.reduced_axes(2)\ny = type(op).__name__\nz = op.__class__\nw = backend._extension", []),
])
def test_the_check_sees_private_attributes_on_ops(source, expected):
    assert private_op_attributes(source) == expected


def test_backends_read_no_private_attribute_of_an_op():
    found = [f"{p.relative_to(ROOT)}:{line}: {text}"
             for p in BACKEND_MODULES
             for line, text in private_op_attributes(p.read_text(encoding="utf-8"))]
    assert not found, ("backends reach into ops' private attributes (give the op a public "
                       "name instead):\n" + "\n".join(found))
