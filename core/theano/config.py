"""`theano.config`: typed flags read from THEANO_FLAGS and ~/.theanorc.

Precedence, lowest first: a flag's default, the file(s) named by THEANORC
(default ``~/.theanorc``), then ``THEANO_FLAGS`` (``name=value,name=value``).
Backends add their own flags through the ``theano_add_config`` hook; their
names carry a section prefix (``c__cxxflags`` or, in a file, ``[c] cxxflags``).
A flag nobody declared is an error that names it.
"""
from __future__ import annotations

import configparser
import os
import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator
import getpass
import tempfile

__all__ = ["Config", "config", "ConfigError", "change_flags", "declare_core_flags"]


class ConfigError(ValueError):
    """A flag is unknown or its value is invalid."""


class FlagValueError(ConfigError):
    """The user gave a flag a value its parser refuses: the user's error, never the declaring
    plugin's, so it reaches the user instead of disabling the plugin."""


class _Flag:
    __slots__ = ("name", "doc", "default", "parse", "value", "source")

    def __init__(self, name: str, doc: str, default: Any, parse: Callable[[Any], Any]):
        self.name, self.doc, self.default, self.parse = name, doc, default, parse
        self.value = parse(default) if default is not None else None
        self.source = "default"


def enum(*choices: str) -> Callable[[Any], str]:
    """A parser that accepts one of `choices` (case kept as given)."""

    def parse(v: Any) -> str:
        s = "None" if v is None else str(v)
        if s not in choices:
            raise ConfigError(f"must be one of {', '.join(choices)}; got {s!r}")
        return s

    parse.choices = choices  # type: ignore[attr-defined]
    return parse


def boolean(v: Any) -> bool:
    """Parse a boolean flag: True/False, 1/0, yes/no, on/off."""
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in ("1", "true", "yes", "on"):
        return True
    if s in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"must be a boolean; got {v!r}")


def string(v: Any) -> str:
    return str(v)


def device_name(v: Any) -> str:
    """A device string's syntax (cpu, numpy, c, cuda, cuda0, opencl0:1 ...); whether such a
    device is installed is checked when a function is compiled for it."""
    s = str(v).strip()
    if not re.fullmatch(r"[A-Za-z_]+(\d+(:\d+)?)?", s):
        raise ConfigError(f"must be a device name such as cpu, numpy, c, cuda0 or opencl0:0; got {v!r}")
    return s


def _rc_defaults(environ: Any) -> dict[str, str]:
    """What a .theanorc value may interpolate, as in Theano: %(USER)s, %(TMPDIR)s ..."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = "unknown"
    tmp = tempfile.gettempdir()
    d = {"USER": user, "LSCRATCH": environ.get("LSCRATCH", tmp), "TMPDIR": environ.get("TMPDIR", tmp),
         "TEMP": environ.get("TEMP", tmp), "TMP": environ.get("TMP", tmp), "PID": str(os.getpid())}
    # Theano's parser folded case, so %(user)s worked as well as %(USER)s.
    d.update({k.lower(): v for k, v in d.items()})
    return {k: v.replace("%", "%%") for k, v in d.items()}


def _default_compiledir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "theano")


class Config:
    """The flags, readable as attributes: ``config.floatX``."""

    def __init__(self) -> None:
        object.__setattr__(self, "_flags", {})
        object.__setattr__(self, "_pending", {})

    # -- declaring ---------------------------------------------------------
    def add(self, name: str, doc: str, default: Any, parse: Callable[[Any], Any] = string) -> None:
        """Declare a flag; a value already given by the user for it is applied now."""
        name = name.replace(".", "__")
        if name in self._flags:
            raise ConfigError(f"config flag {name!r} is declared twice")
        flag = _Flag(name, doc, default, parse)
        self._flags[name] = flag
        if name in self._pending:
            value, source = self._pending.pop(name)
            self._assign(flag, value, source)

    # -- reading and writing -------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        flags = object.__getattribute__(self, "_flags")
        try:
            return flags[name].value
        except KeyError:
            section = _Section(self, name + "__")
            if any(k.startswith(name + "__") for k in flags):
                return section
            raise AttributeError(f"theano.config has no flag {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            flag = self._flags[name]
        except KeyError:
            raise ConfigError(f"theano.config has no flag {name!r}") from None
        self._assign(flag, value, "assignment")

    def _assign(self, flag: _Flag, value: Any, source: str) -> None:
        try:
            flag.value = flag.parse(value)
        except ConfigError as e:
            raise FlagValueError(f"config flag {flag.name} (from {source}): {e}") from None
        flag.source = source

    @contextmanager
    def change_flags(self, **kw: Any) -> Iterator[None]:
        """Temporarily set flags: ``with config.change_flags(floatX='float32'): ...``
        (also usable as a decorator). Every name is checked before any flag changes."""
        flags = []
        for k in kw:
            name = k.replace(".", "__")
            if name not in self._flags:
                raise ConfigError(f"theano.config has no flag {k!r}")
            flags.append(self._flags[name])
        # Restore the parsed values themselves: re-parsing them could fail or change them.
        old = [(f, f.value, f.source) for f in flags]
        try:
            for f, v in zip(flags, kw.values()):
                self._assign(f, v, "change_flags")
            yield
        finally:
            for f, value, source in old:
                f.value, f.source = value, source

    def flags(self) -> dict[str, _Flag]:
        return dict(self._flags)

    def __str__(self) -> str:
        lines = []
        for f in sorted(self._flags.values(), key=lambda f: f.name):
            lines.append(f"{f.name} ({f.source}) = {f.value!r}\n    {f.doc}")
        return "\n".join(lines)

    # -- user input ----------------------------------------------------------
    def load_user_settings(self, environ: dict[str, str] | None = None) -> None:
        """Read THEANORC files then THEANO_FLAGS; unknown names wait for `check_unknown`."""
        environ = os.environ if environ is None else environ
        rc = environ.get("THEANORC", os.path.join(os.path.expanduser("~"), ".theanorc"))
        for path in filter(None, rc.split(os.pathsep)):
            if os.path.exists(path):
                self._read_rc(path, environ)
        for item in filter(None, environ.get("THEANO_FLAGS", "").split(",")):
            if "=" not in item:
                raise ConfigError(f"THEANO_FLAGS item {item!r} is not of the form name=value")
            key, value = item.split("=", 1)
            self._set_user(key.strip().replace(".", "__"), value.strip(), "THEANO_FLAGS")

    def _read_rc(self, path: str, environ: Any) -> None:
        # As in Theano, values may say %(USER)s, %(TMPDIR)s ...; those defaults are not flags,
        # so only the options written in a section are read.
        parser = configparser.ConfigParser()
        parser.optionxform = str  # type: ignore[assignment]  # flag names are case-sensitive: floatX
        parser.read_dict({"DEFAULT": _rc_defaults(environ)})
        try:
            parser.read(path)
        except configparser.Error as e:
            raise ConfigError(f"cannot parse {path}: {e}") from None
        for section in parser.sections():
            for key in parser._sections[section]:  # type: ignore[attr-defined]
                try:
                    value = parser.get(section, key)
                except configparser.Error as e:
                    raise ConfigError(f"{path}, [{section}] {key}: {e}") from None
                name = key if section == "global" else f"{section}__{key}"
                self._set_user(name.replace(".", "__"), value, path)

    def _set_user(self, name: str, value: str, source: str) -> None:
        if name in self._flags:
            self._assign(self._flags[name], value, source)
        else:
            self._pending[name] = (value, source)

    def check_unknown(self, tolerated_sections: set[str] = frozenset()) -> list[str]:
        """Raise on flags that no one declared; return (to warn about) those of sections
        that belong to a backend that failed to load."""
        unknown, tolerated = [], []
        for name, (_, source) in self._pending.items():
            section = name.split("__", 1)[0] if "__" in name else None
            (tolerated if section in tolerated_sections else unknown).append(f"{name} (from {source})")
        if unknown:
            known = ", ".join(sorted(self._flags))
            raise ConfigError(f"unknown theano config flag(s): {', '.join(unknown)}. Known flags: {known}")
        return tolerated


class _Section:
    """``config.c.cxxflags`` reads flag ``c__cxxflags``."""

    def __init__(self, config: Config, prefix: str):
        object.__setattr__(self, "_config", config)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._config, self._prefix + name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._config, self._prefix + name, value)


def declare_core_flags(cfg: Config) -> None:
    """Declare the core's flags on `cfg` (a fresh Config gets the same flags as theano.config)."""
    cfg.add("floatX", "Default float dtype of `scalar`, `matrix`, ... and of Python floats' casts",
            "float64", enum("float64", "float32", "float16"))
    cfg.add("device", "Where functions run: cpu, numpy, c, cuda, cuda0, opencl, opencl0:0 ...",
            "cpu", device_name)
    cfg.add("mode", "Default compilation mode", "FAST_RUN",
            enum("FAST_RUN", "FAST_COMPILE", "DebugMode", "DEBUG_MODE", "Mode", "ProfileMode", "NanGuardMode"))
    cfg.add("optimizer", "Rewrites to run: fast_run, fast_compile, merge, None",
            "fast_run", enum("fast_run", "fast_compile", "merge", "None", "o4", "o3", "o2", "o1"))
    cfg.add("compiledir", "Where compiled code is cached", _default_compiledir(), string)
    cfg.add("compiledir_unsafe_ok", "Load compiled code from a compiledir (and entries) that other "
            "users can write: only for a cache shared with people you trust, who can then run code "
            "as you (docs/cache.md)", False, boolean)
    cfg.add("fallback", "What to do when a backend cannot run a node: warn, raise or silent",
            "warn", enum("warn", "raise", "silent"))
    cfg.add("exception_verbosity", "low: short errors; high: with the full graph context",
            "low", enum("low", "high"))
    cfg.add("cast_policy", "How Python numbers become constants (Theano's 'custom' policy)",
            "custom", enum("custom", "numpy+floatX"))
    cfg.add("on_unused_input", "What function() does with an input the outputs do not need",
            "raise", enum("raise", "warn", "ignore"))
    cfg.add("print_rewrites", "Print each rewrite that fires while compiling", False, boolean)
    cfg.add("profile", "Profile every compiled function", False, boolean)
    cfg.add("strict_backends", "Raise instead of skipping a backend plugin that fails to load",
            False, boolean)
    cfg.add("compute_test_value", "Test values (accepted for compatibility; only 'off' is supported)",
            "off", enum("off", "ignore", "warn", "raise", "pdb"))
    cfg.add("warn_float64", "What to do when a float64 variable is made: ignore, warn, raise",
            "ignore", enum("ignore", "warn", "raise", "pdb"))
    cfg.add("deterministic", "Accepted for compatibility", "default", enum("default", "more"))
    cfg.add("blas__ldflags", "Accepted for compatibility; BLAS comes from SciPy", "", string)


config = Config()
declare_core_flags(config)
config.load_user_settings()
change_flags = config.change_flags
