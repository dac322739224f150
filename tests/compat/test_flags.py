"""Every configuration flag of Theano 1.0 (and of the releases before it) is accepted:
mapped to its equivalent here or reported once as having no effect; others stay errors."""
import json
import os
import subprocess
import sys

import pytest

import theano
from theano.compat import flags as compat_flags

FLAGS = compat_flags.theano10_flags()


def run_theano(theano_flags: str, code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, THEANO_FLAGS=theano_flags, THEANORC="/nonexistent/theanorc",
               PYTHONWARNINGS="default")
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=240)


def example_value(spec: dict) -> str:
    if spec["type"] == "enum":
        return str(spec["choices"][-1])
    if spec["type"] == "bool":
        return str(not spec["default"])
    if spec["type"] in ("int", "float"):
        return "3"
    return "xyz"


def test_the_recorded_list_is_theano_105s():
    assert len(FLAGS) > 150
    for name in ("base_compiledir", "compiledir_format", "cxx", "openmp", "blas.ldflags", "gcc.cxxflags",
                 "optimizer_including", "optimizer_excluding", "linker", "allow_gc", "warn_float64",
                 "compute_test_value", "dnn.enabled", "gpuarray.preallocate"):
        assert FLAGS[name]["since"] == "1.0.5", name
    for name in ("lib.cnmem", "nvcc.fastmath"):  # the old CUDA backend's, removed in 1.0
        assert FLAGS[name]["removed"] == "1.0"


def test_every_flag_is_declared_and_readable():
    for dotted in FLAGS:
        section, _, rest = dotted.rpartition(".")
        obj = theano.config
        for part in dotted.split("."):
            obj = getattr(obj, part)


def test_all_theano_flags_at_once_do_not_stop_import():
    """Set every Theano flag that is not a device or path choice; import succeeds, each flag
    without an equivalent is reported once with its reason."""
    skip = {"device", "init_gpu_device", "mode", "floatX", "compiledir", "base_compiledir", "cxx",
            "linker", "contexts", "optimizer", "optimizer_including", "optimizer_excluding",
            "optimizer_requiring", "compute_test_value", "openmp", "gcc.cxxflags", "nvcc.fastmath",
            "warn_float64", "profile", "on_unused_input", "cast_policy", "exception_verbosity",
            "deterministic"}
    items = [f"{k}={example_value(v)}" for k, v in FLAGS.items() if k not in skip]
    r = run_theano(",".join(items), "import theano; print('imported', theano.config.dnn.enabled)")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "imported" in r.stdout
    assert r.stderr.count("Theano flag lib.cnmem has no effect here: the old CUDA backend") == 1
    assert "Theano flag dnn.enabled has no effect here: the GPU runs through the cuda backend" in r.stderr


def test_mapped_flags_reach_their_equivalents(tmp_path):
    code = ("import theano, json; c = theano.config; print(json.dumps([c.compiledir, c.device, "
            "getattr(c, 'c__cflags', None), getattr(c, 'c__compiler', None), getattr(c, 'c__openmp', None)]))")
    r = run_theano(f"base_compiledir={tmp_path},linker=py,gcc.cxxflags=-DTHEANO_X,cxx=gcc,openmp=False", code)
    assert r.returncode == 0, r.stderr[-2000:]
    compiledir, device, cflags, compiler, openmp = json.loads(r.stdout.splitlines()[-1])
    assert compiledir == str(tmp_path)
    assert device == "numpy"
    if cflags is not None:  # the C backend is installed
        assert cflags.endswith(" -DTHEANO_X") and compiler == "gcc" and openmp is False
    assert "has no effect" not in r.stderr


def test_a_flag_no_theano_had_is_an_error():
    r = run_theano("base_compiledir=/tmp/x,no_such_flag=1", "import theano")
    assert r.returncode != 0
    assert "unknown theano config flag(s): no_such_flag" in r.stderr


def test_optimizer_excluding_reaches_modes():
    r = run_theano("optimizer_excluding=fusion:inplace", "import theano; print(theano.compile.Mode().exclude)")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "('fusion', 'inplace')" in r.stdout and "has no effect" not in r.stderr


@pytest.mark.parametrize("name", ["lib__cnmem", "gpuarray__preallocate", "allow_gc", "compiledir_format",
                                  "DebugMode__patience", "warn__round"])
def test_no_effect_reasons_are_specific(name):
    assert compat_flags.no_effect_reason(name) != "this implementation has no counterpart"
