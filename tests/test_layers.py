"""The core's packages import one way: from their own package or a lower layer, at module
level and inside functions alike, except the upward imports docs/architecture.md names and
justifies; an import inside a function says which cycle it breaks."""
import ast
import os
import re

import pytest

ROOT = os.path.join(os.path.dirname(__file__), os.pardir)
CORE = os.path.join(ROOT, "core", "theano")
DOC = os.path.join(ROOT, "docs", "architecture.md")


def _block(name: str) -> list[str]:
    text = open(DOC).read()
    m = re.search(rf"```{name}\n(.*?)```", text, re.S)
    assert m, f"docs/architecture.md has no ```{name} block"
    return [ln.strip() for ln in m.group(1).splitlines() if ln.strip()]


def _layers() -> dict[str, int]:
    lines = _block("layers")
    return {pkg: len(lines) - k for k, ln in enumerate(lines) for pkg in ln.split()}


def _exceptions() -> list[tuple[str, str]]:
    return [tuple(x.strip() for x in ln.split("->")) for ln in _block("exceptions")]


def _modules():
    for dirpath, _, files in os.walk(CORE):
        for f in sorted(files):
            if f.endswith(".py"):
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, os.path.dirname(CORE))[:-3].replace(os.sep, ".")
                is_pkg = rel.endswith(".__init__")
                yield path, (rel[: -len(".__init__")] if is_pkg else rel), is_pkg


def _imports(path: str, mod: str, is_pkg: bool):
    """(line, the imported core module, inside a function) for each import of the core."""
    tree = ast.parse(open(path).read())
    inside = {id(s) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for s in ast.walk(f) if isinstance(s, (ast.Import, ast.ImportFrom))}
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            targets = [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            if n.level:
                base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                base = base[: len(base) - (n.level - 1)]
                m = ".".join(base + ([n.module] if n.module else []))
            else:
                m = n.module
            # `from .. import tensor` imports the package theano.tensor
            targets = [f"{m}.{a.name}" if n.module is None else m for a in n.names]
        else:
            continue
        for t in targets:
            if t == "theano" or t.startswith("theano."):
                yield n, t, id(n) in inside


def _package(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else "theano"


def _short(mod: str) -> str:
    return mod[len("theano."):] if mod.startswith("theano.") else mod


def _upward_imports():
    layers, allowed = _layers(), _exceptions()
    bad, used = [], set()
    for path, mod, is_pkg in _modules():
        src = _package(mod)
        for node, target, _ in _imports(path, mod, is_pkg):
            dst = _package(target)
            if dst == src or dst in ("__version__",):
                continue
            assert src in layers, f"package {src} ({path}) is on no layer of docs/architecture.md"
            assert dst in layers, f"package {dst} (imported by {mod}) is on no layer of docs/architecture.md"
            if layers[dst] < layers[src]:
                continue
            hit = next((e for e in allowed if (_short(mod) == e[0] or _short(mod).startswith(e[0] + "."))
                        and (_short(target) == e[1] or _short(target).startswith(e[1] + "."))), None)
            if hit is None:
                bad.append(f"{os.path.relpath(path, ROOT)}:{node.lineno}: {_short(mod)} imports {_short(target)}, "
                           f"a package on the same or a higher layer")
            else:
                used.add(hit)
    return bad, used


def test_core_packages_import_only_downward_except_the_named_cycles():
    bad, _ = _upward_imports()
    assert not bad, "\n".join(bad)


def test_every_named_exception_is_still_needed():
    _, used = _upward_imports()
    stale = [e for e in _exceptions() if e not in used]
    assert not stale, f"docs/architecture.md names exceptions no import needs any more: {stale}"


def test_every_import_inside_a_function_says_why():
    missing = []
    for path, mod, is_pkg in _modules():
        lines = open(path).read().splitlines()
        tree = ast.parse("\n".join(lines))
        for f in ast.walk(tree):
            if not isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for s in ast.walk(f):
                if isinstance(s, (ast.Import, ast.ImportFrom)):
                    here = lines[s.end_lineno - 1] + " " + lines[s.lineno - 2]
                    if not re.search(r"#.*(cycle|optional library)", here):
                        missing.append(f"{os.path.relpath(path, ROOT)}:{s.lineno}: {ast.unparse(s)}")
    assert not missing, ("imports inside functions must break a cycle (say which: '# cycle: a -> b -> a') "
                         "or load an optional library:\n" + "\n".join(missing))


@pytest.mark.parametrize("layer_line", _block("layers"))
def test_packages_on_one_layer_do_not_import_each_other(layer_line):
    pkgs = set(layer_line.split())
    found = [f"{_short(mod)} -> {_short(t)}" for path, mod, is_pkg in _modules() if _package(mod) in pkgs
             for _, t, _ in _imports(path, mod, is_pkg) if _package(t) in pkgs and _package(t) != _package(mod)]
    assert not found, f"packages on one layer import each other: {found}"
