"""The system C compiler: finding it, its flags, and building cached shared libraries."""
from __future__ import annotations

import ctypes
import dataclasses
import functools
import hashlib
import importlib.machinery
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sysconfig
import tempfile
from dataclasses import dataclass
from typing import Callable

from theano.compile.compiledir import CompileDir, cache_key


class CompileError(RuntimeError):
    """The C compiler rejected generated code; the message has its output and the source path."""


@dataclass(frozen=True)
class Compiler:
    path: str
    version: str
    openmp: bool
    vector_math: bool  # glibc's libmvec links: SIMD exp, sin, tanh ...


def _cc_candidates() -> list[str]:
    from theano.config import config

    out = []
    for c in (getattr(config, "c__compiler", "") or "", os.environ.get("CC", ""),
              (sysconfig.get_config_var("CC") or "").split(" ")[0], "cc", "gcc", "clang"):
        if c and c not in out:
            out.append(c)
    return out


@functools.lru_cache(maxsize=None)
def find_compiler() -> Compiler | None:
    """The first C compiler that runs, with its version and whether it supports OpenMP."""
    for cand in _cc_candidates():
        path = shutil.which(cand)
        if path:
            comp = _remembered_facts(path)
            if comp is not None:
                return comp
    return None


class _NotACompiler(Exception):
    """The program found under a compiler's name does not run as one."""


def _remembered_facts(path: str) -> Compiler | None:
    """`_probe(path)`, kept in the compile cache under the identity of the compiler's binary
    (real path, size, modification time): probing runs the compiler three times, which cost
    every process 0.2 s (0.5 s on a loaded machine) before its first function."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = cache_key("compiler facts", os.path.realpath(path), str(st.st_size), str(st.st_mtime_ns))

    def build(tmp_out: str) -> None:
        comp = _probe(path)
        if comp is None:
            raise _NotACompiler(path)
        with open(tmp_out, "w") as f:
            json.dump(dataclasses.asdict(comp), f)

    def load(p: str) -> Compiler:
        with open(p) as f:
            return Compiler(**json.load(f))

    try:
        return CompileDir().load("compiler", key, ".facts", build, load, {"name": path})
    except _NotACompiler:
        return None
    except Exception:  # noqa: BLE001 - an unusable cache only costs the probe
        return _probe(path)


def _probe(path: str) -> Compiler | None:
    try:
        res = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    if res.returncode != 0:
        return None
    version = (res.stdout or res.stderr).splitlines()[0].strip()
    return Compiler(path, version, _supports_openmp(path), _links(path, "-lmvec"))


def _supports_openmp(path: str) -> bool:
    return _links(path, "-fopenmp", "#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n")


def _links(path: str, flag: str, source: str = "int main(void){return 0;}\n") -> bool:
    """Whether a tiny program compiles and links with `flag`."""
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "t.c")
        with open(src, "w") as f:
            f.write(source)
        try:
            r = subprocess.run([path, src, flag, "-o", os.path.join(d, "t")], capture_output=True,
                               timeout=60)
        except (OSError, subprocess.SubprocessError):
            return False
        return r.returncode == 0


@functools.lru_cache(maxsize=1)
def _cpu_id() -> str:
    """-march=native code only runs on the same kind of CPU: make it part of the cache key
    (read once: every kernel's cache key asks, 60 us a read of /proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
    except OSError:
        return "unknown-cpu"
    model = next((ln for ln in text.splitlines() if ln.startswith("model name")), "")
    flags = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return model + hashlib.sha256(flags.encode()).hexdigest()[:16]


def cflags() -> list[str]:
    """Flags from config.c__cflags, plus what every unit needs (position-independent, shared)."""
    from theano.config import config

    comp = find_compiler()
    return list(_cflags(config.c__cflags, bool(config.c__openmp), comp))


@functools.lru_cache(maxsize=16)
def _cflags(configured: str, openmp: bool, comp: Compiler | None) -> tuple[str, ...]:
    """cflags() for these settings (every kernel's cache key asks: 30 us a parse)."""
    flags = shlex.split(configured)
    if comp is not None and comp.openmp and openmp:
        flags.append("-fopenmp")
    elif comp is not None:
        flags.append("-fopenmp-simd")  # `omp simd` loops vectorize without the OpenMP runtime
    # -fwrapv: integers wrap as in NumPy; -ffp-contract=off: no fused multiply-add, so results
    # round exactly as NumPy's separate operations do. -pipe: the compiler's stages pass the
    # assembly through pipes, not temporary files (most units are small: ~2% of their time).
    return (*flags, "-fwrapv", "-ffp-contract=off", "-fPIC", "-shared", "-pipe")


# -- the units' one dependency -----------------------------------------------------------
# Linked against the C library, libm, libmvec and libgomp themselves, every unit made the
# linker read their symbol tables and the compiler's start files: 10 ms of a small unit's
# fixed 50 (a third of the linker's CPU time in the test command's first run). A unit is
# linked instead against one small library of the cache that names them all (built once),
# without start files (-nostdlib; libgcc's static helpers are still linked). The unit records
# only that library's SONAME and carries no run path: this process loads the library, checked
# like every entry, before any unit (`_dependencies`), so the dynamic loader finds it loaded
# under that name and never searches for a file; and the cache stays relocatable.

def _system_libraries(comp: Compiler) -> list[str]:
    """What generated code calls into besides the C library (libgomp comes with -fopenmp)."""
    return ["-lmvec", "-lm"] if comp.vector_math else ["-lm"]


def _dependencies_unit(comp: Compiler) -> tuple[str, str, Callable[[str], None]]:
    """(key, SONAME, build) of the library that names the units' dependencies."""
    flags = cflags()
    libs = _system_libraries(comp)
    key, soname = _dependencies_name(comp.path, comp.version, tuple(flags), tuple(libs))

    def build(tmp_out: str) -> None:
        cmd = [comp.path, *flags, "-x", "c", "-", "-o", tmp_out, f"-Wl,-soname,{soname}",
               "-Wl,--no-as-needed", *libs]
        res = subprocess.run(cmd, input="/* the C units' dependencies (theano_c/toolchain.py) */\n",
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise CompileError(f"linking the C units' dependency library failed:\n"
                               f"$ {' '.join(shlex.quote(c) for c in cmd)}\n{(res.stderr or res.stdout)[-4000:]}")

    return key, soname, build


@functools.lru_cache(maxsize=16)
def _dependencies_name(path: str, version: str, flags: tuple[str, ...], libs: tuple[str, ...]) -> tuple[str, str]:
    """(cache key, SONAME) of the dependency library (every kernel's cache key names it)."""
    key = cache_key("link dependencies", path, version, " ".join(flags), *libs)
    return key, f"libtheano-c-deps-{key[:24]}.so"


#: (compiledir, key) -> the dependency library this process loaded from there
_dependency_paths: dict[tuple[str, str], str] = {}


def _dependencies(comp: Compiler) -> str:
    """The path of the units' dependency library under the compiledir: checked, built if need
    be, and loaded into this process (once per compiledir), so a unit naming it finds it."""
    key, soname, build = _dependencies_unit(comp)
    cdir = CompileDir()
    path = _dependency_paths.get((cdir.root, key))
    if path is None or not os.path.exists(path):
        path = cdir.load("c", key, ".so", build, _load_dependencies,
                         {"name": "link dependencies", "soname": soname, "compiler": comp.version})
        _dependency_paths[(cdir.root, key)] = path
    return path


def _load_dependencies(path: str) -> str:
    ctypes.CDLL(os.path.abspath(path))  # never unloaded: units resolve their symbols through it
    return os.path.abspath(path)


def _link_arguments(comp: Compiler) -> list[str]:
    """What follows a unit's sources on the compiler's command line (see above)."""
    return ["-nostdlib", "-Wl,--no-as-needed", _dependencies(comp), "-lgcc"]


def _library_unit(source: str, name: str, extra_flags: tuple[str, ...]) -> tuple:
    """(cache, key, build, meta) of a shared library compiled from `source`."""
    comp = find_compiler()
    if comp is None:
        raise CompileError("no C compiler found: install gcc (apt-get install gcc) or set CC")
    flags = cflags() + list(extra_flags)
    march = "-march=native" in " ".join(flags)
    key = cache_key(source, comp.path, comp.version, " ".join(flags), _cpu_id() if march else "",
                    _dependencies_unit(comp)[1])
    cdir = CompileDir()

    def build(tmp_out: str) -> None:
        src_path = cdir.path_for("c-src", key, ".c")  # kept beside, not an entry of the cache
        cdir.make_dir(os.path.dirname(src_path))
        with open(os.open(src_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600), "w") as f:
            f.write(source)
        cmd = [comp.path, *flags, src_path, "-o", tmp_out, *_link_arguments(comp)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            msg = (res.stderr or res.stdout).strip()
            raise CompileError(f"compiling {name} failed (source kept at {src_path}):\n"
                               f"$ {' '.join(shlex.quote(c) for c in cmd)}\n{msg[-4000:]}")

    return cdir, key, build, {"name": name, "compiler": comp.version, "flags": " ".join(flags)}


def build_shared_library(source: str, name: str, extra_flags: tuple[str, ...] = ()) -> str:
    """Compile `source` into a shared library (cached by content) and return its path, checked
    (safe and intact) but not loaded; `load_shared_library` also loads it."""
    cdir, key, build, meta = _library_unit(source, name, extra_flags)
    return cdir.get_or_build("c", key, ".so", build, meta=meta)


def library_cached(source: str, extra_flags: tuple[str, ...] = ()) -> bool:
    """Whether the disk cache has a library built from `source` (not checked or loaded: a
    cheap test of whether loading it would have to compile first)."""
    cdir, key, _, _ = _library_unit(source, "", extra_flags)
    return os.path.exists(cdir.path_for("c", key, ".so"))


#: what a source may not hold after the shared header to join the group's common translation
#: unit: a static function, a macro, a type or an include could clash with another member's
_OWN_DEFINITIONS = re.compile(r"\b(static|typedef|struct|union|enum)\b|#\s*(define|include)")


def _group_files(sources: list[str], renamed: tuple[str, ...], header: str) -> list[str]:
    """The translation units of a group. Sources that start with `header` and define nothing
    of their own after it (`_OWN_DEFINITIONS`) share one unit, the header once: compiling a
    unit costs gcc about 0.02 s before its first function (starting cc1 and the assembler,
    reading the header), more than a small kernel's own code. The others keep a unit each
    (their static helpers may share names). Source i's global symbols `renamed` become
    name_i, by macros undone after it in the shared unit."""
    shared, alone = [], []
    for i, src in enumerate(sources):
        rename = "".join(f"#define {n} {n}_{i}\n" for n in renamed)
        rest = src[len(header):]
        if header and src.startswith(header) and not _OWN_DEFINITIONS.search(rest):
            shared.append(rename + rest + "".join(f"#undef {n}\n" for n in renamed))
        else:
            alone.append(rename + src)
    return ([header + "".join(shared)] if shared else []) + alone


def _group_unit(sources: list[str], renamed: tuple[str, ...], header: str = "") -> tuple:
    """(cache, key, build, meta) of one library built from several sources in one compiler run,
    which links once: the link is most of a small unit's cost (`_group_files` says which
    sources share a translation unit)."""
    comp = find_compiler()
    if comp is None:
        raise CompileError("no C compiler found: install gcc (apt-get install gcc) or set CC")
    flags = cflags()
    march = "-march=native" in " ".join(flags)
    files = _group_files(sources, renamed, header)
    key = cache_key("group", *files, comp.path, comp.version, " ".join(flags), _cpu_id() if march else "",
                    _dependencies_unit(comp)[1])
    cdir = CompileDir()

    def build(tmp_out: str) -> None:
        paths = []
        for i, text in enumerate(files):
            path = cdir.path_for("c-src", key, f"-{i}.c")  # kept beside, not entries of the cache
            cdir.make_dir(os.path.dirname(path))
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600), "w") as f:
                f.write(text)
            paths.append(path)
        cmd = [comp.path, *flags, *paths, "-o", tmp_out, *_link_arguments(comp)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            msg = (res.stderr or res.stdout).strip()
            raise CompileError(f"compiling a group of {len(sources)} units failed:\n"
                               f"$ {' '.join(shlex.quote(c) for c in cmd)}\n{msg[-4000:]}")

    return cdir, key, build, {"name": f"group of {len(sources)}", "compiler": comp.version,
                              "flags": " ".join(flags)}


def group_cached(sources: list[str], renamed: tuple[str, ...], header: str = "") -> bool:
    """Whether the disk cache has the library `load_library_group(sources, renamed, ...,
    header)` loads."""
    cdir, key, _, _ = _group_unit(sources, renamed, header)
    return os.path.exists(cdir.path_for("c", key, ".so"))


def load_library_group(sources: list[str], renamed: tuple[str, ...], symbol: str, header: str = "") -> ctypes.CDLL:
    """One library compiled from `sources` (cached by their contents, see `_group_unit`) and
    loaded, with symbol_i present for every source i. Sources that begin with `header` may
    share a translation unit (`_group_files`)."""
    cdir, key, build, meta = _group_unit(sources, renamed, header)
    symbols = tuple(f"{symbol}_{i}" for i in range(len(sources)))
    return cdir.load("c", key, ".so", build, functools.partial(_open_library, symbols=symbols), meta)


def load_shared_library(source: str, name: str, symbols: tuple[str, ...] = (),
                        extra_flags: tuple[str, ...] = ()) -> ctypes.CDLL:
    """`source` compiled into a shared library (cached by content) and loaded, with `symbols`
    present: a cached library that fails to load or lacks one is rebuilt, not fatal."""
    cdir, key, build, meta = _library_unit(source, name, extra_flags)
    return cdir.load("c", key, ".so", build, functools.partial(_open_library, symbols=symbols), meta)


def _open_library(path: str, symbols: tuple[str, ...]) -> ctypes.CDLL:
    _dependencies(find_compiler())  # loaded first: the unit names it (see above)
    lib = ctypes.CDLL(os.path.abspath(path))
    for sym in symbols:
        if not hasattr(lib, sym):
            raise AttributeError(f"{path} has no symbol {sym}")
    return lib


def build_extension(source_path: str, module: str, openmp: bool = False, defines: tuple[str, ...] = ()) -> object:
    """Compile a CPython extension module from a C file of this package (cached) and import it.

    The key includes Python's and NumPy's versions: the module is built against their headers.
    With `openmp`, its `omp parallel` loops get threads when the backend's OpenMP is on.
    `defines` (-DNAME flags) select what the source compiles, and are part of the key.
    """
    import numpy

    comp = find_compiler()
    if comp is None:
        raise CompileError("no C compiler found: install gcc (apt-get install gcc) or set CC")
    with open(source_path) as f:
        source = f.read()
    # Headers of this package that the file includes are part of what is compiled (and keyed).
    here = os.path.dirname(source_path)
    for name in sorted(set(re.findall(r'#include "([^"]+)"', source))):
        with open(os.path.join(here, name)) as f:
            source += f"\n/* {name} */\n" + f.read()
    include = [sysconfig.get_paths()["include"], numpy.get_include()]
    # `omp simd` loops vectorize without the OpenMP runtime; libmvec gives them SIMD exp/log
    flags = [f if openmp or f != "-fopenmp" else "-fopenmp-simd" for f in cflags()] + [f"-I{p}" for p in include] + [
        f'-DMODULE_NAME_STR="{module}"', f"-DMODULE_INIT=PyInit_{module}", *defines] + (
        ["-DTHEANO_MVEC=1"] if comp.vector_math else [])
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    key = cache_key(source, comp.path, comp.version, " ".join(flags), numpy.__version__, module,
                    _cpu_id() if "-march=native" in flags else "")
    cdir = CompileDir()

    def build(tmp_out: str) -> None:
        cmd = [comp.path, *flags, source_path, "-o", tmp_out, *_system_libraries(comp)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise CompileError(f"compiling {source_path} failed:\n$ {' '.join(map(shlex.quote, cmd))}\n"
                               f"{(res.stderr or res.stdout)[-4000:]}")

    return cdir.load("ext", key, suffix, build, functools.partial(_import_extension, module),
                     {"name": module})


def _import_extension(module: str, path: str) -> object:
    spec = importlib.util.spec_from_file_location(module, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
