"""The plugin contract: the hooks a backend distribution implements.

A backend is a distribution with an entry point in the group ``theano.backends``
pointing at a module (or object) that holds hook implementations. That module must
import nothing heavy: no CuPy, no PyOpenCL, no compiler probing at import time.

Plugins load one at a time. One whose module raises on import, whose hook raises, or whose
records declare an ``api_version`` other than `API_VERSION` is skipped with a
``BackendPluginWarning`` and listed as FAILED, with the reason and a fix, by
``python -m theano backends``; ``THEANO_FLAGS=strict_backends=True`` makes that an error
instead. ``THEANO_DISABLE_BACKENDS=name,...`` (entry-point or backend names) skips some.
`theano_backends` is called before `theano_add_config`, so a plugin built for another API
version never touches the config.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from ..config import Config
    from .records import BackendRecord

PROJECT = "theano"
API_VERSION = 1

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def theano_backends() -> "list[BackendRecord]":
    """Return the backends this plugin provides, as declarative records.

    Example plugin module (entry point ``theano.backends: mybackend = my_pkg.plugin``)::

        from theano.backend import BackendRecord, Probe, hookimpl

        def _probe():
            try:
                import my_runtime  # heavy imports happen here, lazily
            except ImportError as e:
                return Probe(False, f"my_runtime is not installed ({e})", "pip install my-runtime")
            return Probe(True, devices=["mine0"])

        def _factory(device):
            from my_pkg.backend import MyBackend  # imported only when used
            return MyBackend(device)

        @hookimpl
        def theano_backends():
            return [BackendRecord(name="mine", api_version=1, priority=10, version="0.1",
                                  device_prefixes=("mine",), probe=_probe, factory=_factory,
                                  capabilities={"dtypes": ("float32", "int32", "int64", "bool")})]
    """


@hookspec
def theano_register_rewrites(db: Any) -> None:
    """Register backend-specific rewrites in the rewrite database, tagged with the backend's name.

    Example::

        from theano.rewrite import node_rewriter

        @hookimpl
        def theano_register_rewrites(db):
            @node_rewriter([MyOp])
            def local_my_rewrite(fgraph, node):
                ...
            db.register("local_my_rewrite", local_my_rewrite, "mine", position=50)
    """


@hookspec
def theano_add_config(config: "Config") -> None:
    """Declare the backend's own configuration flags, named with its section prefix.

    Example::

        from theano.config import boolean

        @hookimpl
        def theano_add_config(config):
            config.add("mine__fast_math", "Let the mine backend use fast math", False, boolean)

    Users then set ``THEANO_FLAGS=mine__fast_math=True`` (or ``[mine] fast_math = True``
    in ~/.theanorc) and read ``theano.config.mine__fast_math``.
    """
