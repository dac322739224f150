"""Whether the C backend can really work here: a compiler, Python's headers, and a tiny
extension that builds and loads (built once, then found in the compile cache)."""
from __future__ import annotations

import os
import sys
import sysconfig

from theano.backend import Probe

from .toolchain import CompileError, build_extension, find_compiler

_HERE = os.path.dirname(__file__)


def _headers_fix() -> str:
    """How to get Python.h for the running interpreter."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    if sys.base_prefix == "/usr":
        return f"apt-get install python{version}-dev (or python3-dev)"
    return f"install the development headers of the Python at {sys.base_prefix}"


def probe() -> Probe:
    """The C backend's probe: usable only if an extension module can be built and loaded."""
    comp = find_compiler()
    if comp is None:
        return Probe(False, "no C compiler found (tried $CC, Python's CC, cc, gcc, clang)",
                     "apt-get install gcc, or set CC / THEANO_FLAGS=c__compiler=/path/to/cc")
    include = sysconfig.get_paths()["include"]
    if not os.path.exists(os.path.join(include, "Python.h")):
        return Probe(False, f"Python's development headers are missing ({include}/Python.h)",
                     _headers_fix())
    try:
        build_extension(os.path.join(_HERE, "probe_ext.c"), "theano_c_probe")
    except (CompileError, ImportError, OSError) as e:
        first = str(e).strip().splitlines()
        return Probe(False, f"a test extension did not build or load with {comp.path}: "
                            f"{first[-1] if first else type(e).__name__}",
                     "check the compiler and Python's headers (python3-dev); "
                     "THEANO_FLAGS=c__compiler=... picks another compiler")
    return Probe(True, devices=["c"], device_info={"c": comp.version + (" +OpenMP" if comp.openmp else "")})
