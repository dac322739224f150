"""Fixtures for the plugin tests: tiny backend distributions built and pip-installed for real.

Each plugin is a wheel built here (a zip with the package and its dist-info, entry points
included) and installed with ``pip install --target DIR`` into its own directory. Building
the wheel by hand keeps this offline and independent of the build tools on the machine
(setuptools < 70.1 cannot build a wheel without the separate `wheel` package, and build
isolation would need the network). A test then
puts the directories it wants on PYTHONPATH of a ``python -c`` subprocess. That is a real
installed distribution (dist-info, entry_points.txt, discovered by importlib.metadata), yet
it never touches the running interpreter's site-packages: other test sessions running at
the same time never see the deliberately broken plugins, and a crashed test leaves nothing
behind to uninstall.
"""
from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import textwrap
import types
import zipfile
from pathlib import Path

import pytest

# The source of a working third-party backend. `{name}` is its backend and entry-point name.
# It runs each node through the op's own Python function, labels its nodes with its name and
# the value of its own config flag (so a test can see both that it ran and that the flag
# reached it), and can be made unusable through an environment variable.
TOY_PLUGIN = '''
"""Entry point of the {name} test backend: hook implementations only."""
import os

from theano.backend import Backend, BackendRecord, Probe, hookimpl, link_straight_line

NAME = {name!r}
API_VERSION = {api_version}
PRIORITY = {priority}


class ToyBackend(Backend):
    name = NAME

    def link(self, fgraph):
        from theano.config import config

        # In-process tests declare the flag on their own Config, not on theano.config.
        label = NAME + ":" + getattr(config, NAME + "__label", "plain")
        order = fgraph.toposort()
        fns = {{node: node.op.make_py_fn(node) for node in order}}
        return link_straight_line(fgraph, fns, {{node: label for node in order}})


def _probe():
    if os.environ.get("TOY_UNUSABLE"):
        return Probe(False, "the toy accelerator is unplugged", "plug it in (unset TOY_UNUSABLE)")
    return Probe(True, devices=[NAME + "0", NAME + "1"])


@hookimpl
def theano_backends():
    return [BackendRecord(name=NAME, api_version=API_VERSION, priority=PRIORITY, version="{version}",
                          device_prefixes=(NAME,), probe=_probe, factory=ToyBackend,
                          capabilities={{"cpu": True}}, description="test backend")]


@hookimpl
def theano_add_config(config):
    from theano.config import string

    config.add(NAME + "__label", "A label the test backend puts on its nodes", "plain", string)
'''

BROKEN_PLUGIN = '''
raise RuntimeError("the broken plugin exploded on import")
'''

def toy_source(name: str = "toy", api_version: int = 1, priority: int = 1000,
               version: str = "1.2.3") -> str:
    return TOY_PLUGIN.format(name=name, api_version=api_version, priority=priority, version=version)


def toy_module(name: str = "toy", **kw) -> types.ModuleType:
    """The toy plugin as an in-process module, for Registry.register_plugin."""
    mod = types.ModuleType(f"theano_{name}_inproc")
    exec(compile(toy_source(name, **kw), f"<{name} plugin>", "exec"), mod.__dict__)
    return mod


def build_wheel(root: Path, dist: str, name: str, plugin_source: str, version: str) -> Path:
    """A pure-Python wheel for `dist` whose `theano.backends` entry point `name` is its plugin."""
    package = dist.replace("-", "_")
    info = f"{package}-{version}.dist-info"
    files = {
        f"{package}/__init__.py": "",
        f"{package}/plugin.py": textwrap.dedent(plugin_source),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n",
        f"{info}/WHEEL": ("Wheel-Version: 1.0\nGenerator: theano-tests\nRoot-Is-Purelib: true\n"
                          "Tag: py3-none-any\n"),
        f"{info}/entry_points.txt": f"[theano.backends]\n{name} = {package}.plugin\n",
    }
    record = []
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = "\n".join(record) + "\n"
    wheel = root / f"{package}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for path, text in files.items():
            z.writestr(path, text)
    return wheel


@pytest.fixture(scope="session")
def installed_plugins(tmp_path_factory) -> dict[str, Path]:
    """Build and pip-install the test plugins; maps a short name to its install directory."""
    root = tmp_path_factory.mktemp("plugins")
    specs = {
        "toy": ("theano-toy", "toy", toy_source("toy"), "1.2.3"),
        "broken": ("theano-broken", "broken", BROKEN_PLUGIN, "0.0.1"),
        "future": ("theano-future", "future", toy_source("future", api_version=2), "2.0.0"),
    }
    procs, targets = [], {}
    # Installs run in parallel: each is a separate pip process on its own directory.
    for key, (dist, name, source, version) in specs.items():
        src = build_wheel(root, dist, name, source, version)
        target = root / f"site-{key}"
        targets[key] = target
        cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
               "--no-index", "--disable-pip-version-check", "--quiet", "--target", str(target),
               str(src)]
        procs.append((key, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                            text=True, cwd=root)))
    for key, p in procs:
        out, _ = p.communicate(timeout=300)
        if p.returncode != 0:
            pytest.fail(f"pip could not install the {key} test plugin:\n{out}")
        assert list(targets[key].glob("*.dist-info/entry_points.txt")), f"{key}: no entry points"
    return targets


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a child python: no user flags, no theanorc, no disabled list."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("THEANO_FLAGS", "THEANO_DISABLE_BACKENDS", "THEANORC", "PYTHONPATH",
                        "TOY_UNUSABLE")}
    env["THEANORC"] = os.devnull
    env.update(extra)
    # The plugin system is tested against the reference backend and the test plugins alone:
    # whatever other backends this machine has installed (c, opencl, cuda, a template) are
    # hidden, so "device=cpu" and the tables do not depend on them.
    others = sorted(set(_installed_backend_plugins()) - {"numpy"})
    wanted = [s for s in env.get("THEANO_DISABLE_BACKENDS", "").split(",") if s.strip()]
    if others or wanted:
        env["THEANO_DISABLE_BACKENDS"] = ",".join(wanted + others)
    return env


def _installed_backend_plugins() -> list[str]:
    from importlib import metadata

    return [ep.name for ep in metadata.entry_points(group="theano.backends")]


@pytest.fixture
def run_python(installed_plugins, tmp_path):
    """Run ``python -c code`` with the chosen test plugins installed; returns CompletedProcess."""

    def run(code: str, plugins: tuple[str, ...] = (), args: tuple[str, ...] | None = None,
            **env: str) -> subprocess.CompletedProcess:
        e = clean_env(**env)
        if plugins:
            e["PYTHONPATH"] = os.pathsep.join(str(installed_plugins[p]) for p in plugins)
        argv = [sys.executable] + (list(args) if args is not None else ["-c", textwrap.dedent(code)])
        return subprocess.run(argv, capture_output=True, text=True, env=e, cwd=tmp_path, timeout=120)

    return run
