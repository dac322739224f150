"""Programs on PoCL carry only the builtin declarations they name (lean_header): the cut is
the header as written less unnamed functions, results are bit for bit those of the whole
header, and a program the cut header cannot build is built with the whole one."""
from __future__ import annotations

import numpy as np
import pytest

from theano_opencl import lean_header
from theano_opencl.runtime import BuildError, runtime_for

HEADER = r"""// a comment
#ifndef _OPENCL_H_
#define _OPENCL_H_

#include "opencl-c-base.h"

#define __ovld __attribute__((overloadable))
/* a block
   comment */
#if defined(cl_khr_fp64) &&                     \
    defined(__opencl_c_fp64)
double __ovld exp(double);
#endif // defined(cl_khr_fp64) &&               \
    defined(__opencl_c_fp64)
float __ovld exp(float);
float __ovld sin(float);
__attribute__((deprecated("use (it) instead", "x")))
ushort2 __ovld
two_lines(uchar a,
          char b);
typedef int not_a_function;
#endif //_OPENCL_H_
"""


def test_the_cut_keeps_every_directive_and_the_named_functions_overloads():
    h = lean_header.parse(HEADER)
    cut = h.for_source("__kernel void k(__global float* a) { a[0] = exp(a[0]); }")
    assert "double __ovld exp(double);" in cut and "float __ovld exp(float);" in cut
    assert "sin" not in cut and "two_lines" not in cut
    assert "typedef int not_a_function;" in cut and "#define __ovld" in cut
    # the guard and the base header's include go; a continued directive stays one directive
    assert "_OPENCL_H_" not in cut and "opencl-c-base.h" not in cut
    assert "#if defined(cl_khr_fp64) && defined(__opencl_c_fp64)" in " ".join(cut.split())
    assert cut.count("#endif") == 1 and "comment" not in cut
    assert cut.index("double __ovld exp") < cut.index("#endif") < cut.index("float __ovld exp")
    assert "two_lines" in h.for_source("two_lines(1, 2)")  # after an attribute with parentheses


def test_a_header_without_its_guard_is_refused():
    with pytest.raises(ValueError, match="include guard"):
        lean_header.parse("float __ovld exp(float);\n")


@pytest.fixture(scope="module")
def rt():
    r = runtime_for("opencl")
    if r.lean is None:
        pytest.skip(f"the OpenCL driver is not PoCL with its headers ({r.platform.name.strip()})")
    return r


BUILTINS = r"""__kernel void k(__global double* a, __global float* b) {
    size_t i = get_global_id(0);
    a[i] = exp(a[i]) * log1p(a[i]) + tanh(a[i]) + pow(a[i], 1.5) + fmax(a[i], 0.5)
           + (isnan(a[i]) ? 1.0 : 0.0) + convert_double(convert_int_rtz(a[i] * 3));
    b[i] = expm1(b[i]) + sqrt(b[i]) + rsqrt(b[i]) + erf(b[i]) + lgamma(b[i])
           + as_float(as_int(b[i]) ^ 1) + copysign(1.0f, b[i]) + (float)SALT;
}
"""


def _run(prog, rt) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(-1, 3, 777)
    a, b = rt.to_device(x), rt.to_device(x.astype("float32"))
    prog.k(rt.queue, (x.size,), None, a.base_data, b.base_data)
    return a.get(), b.get()


def test_results_are_those_of_the_whole_header(rt):
    src = "#pragma OPENCL FP_CONTRACT OFF\n" + BUILTINS.replace("SALT", str(id(rt)))
    full = rt.cl.Program(rt.context, src).build(options=["-w"], cache_dir=False)
    built = rt.lean_built
    lean = rt._compile(src)
    assert rt.lean_built == built + 1
    for got, want in zip(_run(lean, rt), _run(full, rt)):
        np.testing.assert_array_equal(got, want)


def test_a_program_the_cut_header_cannot_build_is_built_whole(rt):
    # the builtin's name is made by the preprocessor: the program's text never spells it
    src = ("#define CALL(a, b) a##b\n"
           "__kernel void k(__global float* a, __global float* b) { b[0] = CALL(ex, p)(a[0]); }\n")
    missed = rt.lean_missed
    prog = rt._compile(src)
    assert rt.lean_missed == missed + 1 and rt.lean is not None
    rt.lean_missed = missed  # what the fixture of every test here checks
    a = rt.to_device(np.array([0.5], dtype="float32"))
    b = rt.to_device(np.zeros(1, dtype="float32"))
    prog.k(rt.queue, (1,), None, a.base_data, b.base_data)
    np.testing.assert_allclose(b.get()[0], np.exp(np.float32(0.5)), rtol=1e-6)


def test_a_program_neither_builds_raises_the_whole_headers_error(rt):
    with pytest.raises(BuildError, match="rejected a generated program") as e:
        rt._compile("__kernel void k(__global float* a) { a[0] = no_such_builtin(a[0]); }\n")
    assert "no_such_builtin" in str(e.value)
