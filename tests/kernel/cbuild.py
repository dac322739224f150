"""Compile rendered C kernels with the system compiler and call them on NumPy arrays
(test support: the C backend has its own cached build)."""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import tempfile

import numpy as np

from theano_c.dialect import CRenderer
from theano.kernel.ir import Kernel
from theano.kernel.render import launch_arguments, output_shape

CC = shutil.which("gcc") or shutil.which("cc")


def build(kernel: Kernel, tmpdir: str, name: str = "k", path: str | None = None):
    """The rendered kernel (its `path` alone, when given) as a ctypes function (compiled into
    tmpdir)."""
    src = CRenderer().render(kernel, name, path=path)
    c_path = os.path.join(tmpdir, f"{name}.c")
    so_path = os.path.join(tmpdir, f"{name}.so")
    with open(c_path, "w") as f:
        f.write(src)
    r = subprocess.run([CC, "-O2", "-std=c99", "-fwrapv", "-shared", "-fPIC", c_path, "-o", so_path,
                        "-lm"], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"compile failed:\n{r.stderr}\n{src}")
    lib = ctypes.CDLL(so_path)
    return getattr(lib, name), src


def run(fn, kernel: Kernel, inputs, outputs=None):
    """Call the compiled kernel; outputs are allocated C-contiguous unless given."""
    shape = output_shape(kernel, inputs)
    if outputs is None and kernel.reduction is not None:
        kept = tuple(s for d, s in enumerate(shape) if d not in kernel.reduction.axes)
        outputs = [np.empty(kept, dtype=kernel.reduction.out_dtype)]
    if outputs is None:
        outputs = [np.empty(shape, dtype=a.dtype) for a in kernel.outputs]
    la = launch_arguments(kernel, inputs, outputs)
    args = [ctypes.c_int64(la["n"]), la["shape"].ctypes.data_as(ctypes.c_void_p),
            ctypes.c_int(la["contiguous"])]
    for arr, st in zip(inputs, la["in_strides"]):
        args += [ctypes.c_void_p(arr.ctypes.data), st.ctypes.data_as(ctypes.c_void_p)]
    for arr, st in zip(outputs, la["out_strides"]):
        args += [ctypes.c_void_p(arr.ctypes.data), st.ctypes.data_as(ctypes.c_void_p)]
    fn.restype = None
    fn(*args)
    return outputs, la["contiguous"]
