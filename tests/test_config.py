"""theano.config: THEANO_FLAGS, .theanorc, precedence, validation, change_flags, floatX."""
import sys

import numpy as np
import pytest

import theano
from theano import tensor as T

config_module = sys.modules["theano.config"]
Config, ConfigError = config_module.Config, config_module.ConfigError


def fresh(environ):
    """A Config with the core's flags, loaded from a fake environment (no ~/.theanorc)."""
    c = Config()
    config_module.declare_core_flags(c)
    environ = dict(environ)
    environ.setdefault("THEANORC", "/nonexistent/theanorc")
    c.load_user_settings(environ)
    c.check_unknown()
    return c


def test_defaults():
    c = fresh({})
    assert c.floatX == "float64"
    assert c.device == "cpu"
    assert c.mode == "FAST_RUN"
    assert c.exception_verbosity == "low"
    assert c.flags()["floatX"].source == "default"


def test_theano_flags_parsing():
    c = fresh({"THEANO_FLAGS": "floatX=float32, device=numpy,mode=FAST_COMPILE,,"
                               "exception_verbosity=high,profile=True,blas.ldflags=-lfoo"})
    assert c.floatX == "float32"
    assert c.device == "numpy"
    assert c.mode == "FAST_COMPILE"
    assert c.exception_verbosity == "high"
    assert c.profile is True
    assert c.blas.ldflags == "-lfoo" and c.blas__ldflags == "-lfoo"
    assert c.flags()["floatX"].source == "THEANO_FLAGS"


def test_theano_flags_item_without_value():
    with pytest.raises(ConfigError, match="floatX"):
        fresh({"THEANO_FLAGS": "floatX"})


def test_unknown_flag_is_an_error_naming_it():
    with pytest.raises(ConfigError, match="no_such_flag"):
        fresh({"THEANO_FLAGS": "no_such_flag=1"})
    with pytest.raises(ConfigError, match="nope"):
        setattr(theano.config, "nope", 1)


@pytest.mark.parametrize("item", ["floatX=float31", "mode=FASTEST", "profile=maybe",
                                  "device=cuda 0", "exception_verbosity=loud",
                                  "optimizer=fastest", "on_unused_input=never"])
def test_invalid_values_rejected(item):
    name = item.split("=")[0]
    with pytest.raises(ConfigError, match=name):
        fresh({"THEANO_FLAGS": item})


def test_theanorc_file(tmp_path):
    rc = tmp_path / "theanorc"
    rc.write_text("[global]\nfloatX = float32\ndevice = numpy\ncompiledir = %(TMPDIR)s/th\n"
                  "\n[blas]\nldflags = -lblas\n")
    c = fresh({"THEANORC": str(rc), "TMPDIR": "/scratch"})
    assert c.floatX == "float32"  # the flag name keeps its case
    assert c.device == "numpy"
    assert c.compiledir == "/scratch/th"
    assert c.blas.ldflags == "-lblas"
    assert c.flags()["floatX"].source == str(rc)


def test_theanorc_unknown_flag_and_bad_value(tmp_path):
    rc = tmp_path / "rc"
    rc.write_text("[global]\nflaotX = float32\n")
    with pytest.raises(ConfigError, match="flaotX"):
        fresh({"THEANORC": str(rc)})
    rc.write_text("[global]\nfloatX = float8\n")
    with pytest.raises(ConfigError, match=f"floatX.*{rc}"):
        fresh({"THEANORC": str(rc)})
    rc.write_text("this is not an ini file\n")
    with pytest.raises(ConfigError, match="cannot parse"):
        fresh({"THEANORC": str(rc)})


def test_precedence_flags_over_files_later_file_over_earlier(tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.write_text("[global]\nfloatX = float32\nmode = FAST_COMPILE\ndevice = numpy\n")
    b.write_text("[global]\nfloatX = float16\n")
    import os

    rcs = os.pathsep.join([str(a), str(b)])
    c = fresh({"THEANORC": rcs})
    assert c.floatX == "float16" and c.mode == "FAST_COMPILE"
    c = fresh({"THEANORC": rcs, "THEANO_FLAGS": "floatX=float64,device=cpu"})
    assert c.floatX == "float64" and c.mode == "FAST_COMPILE" and c.device == "cpu"
    assert c.flags()["floatX"].source == "THEANO_FLAGS"


def test_flag_declared_after_loading_gets_the_user_value():
    c = Config()
    c.load_user_settings({"THEANORC": "", "THEANO_FLAGS": "mine__level=3"})
    c.add("mine.level", "a backend's flag", "1", int)
    assert c.mine.level == 3
    c.check_unknown()


def test_tolerated_sections():
    c = Config()
    c.load_user_settings({"THEANORC": "", "THEANO_FLAGS": "gone__x=1"})
    assert c.check_unknown({"gone"}) == ["gone__x (from THEANO_FLAGS)"]


def test_assignment_is_validated():
    c = fresh({})
    with pytest.raises(ConfigError, match="floatX"):
        c.floatX = "int3"
    assert c.floatX == "float64"
    c.floatX = "float32"
    assert c.floatX == "float32"


def test_change_flags_context_manager_restores_even_on_error():
    c = fresh({})
    with c.change_flags(floatX="float32", exception_verbosity="high"):
        assert c.floatX == "float32" and c.exception_verbosity == "high"
    assert c.floatX == "float64" and c.exception_verbosity == "low"
    with pytest.raises(RuntimeError):
        with c.change_flags(floatX="float16"):
            raise RuntimeError
    assert c.floatX == "float64"
    # A bad value or name changes nothing.
    with pytest.raises(ConfigError, match="floatX"):
        with c.change_flags(exception_verbosity="high", floatX="float8"):
            pass
    assert c.exception_verbosity == "low"
    with pytest.raises(ConfigError, match="nosuch"):
        with c.change_flags(exception_verbosity="high", nosuch=1):
            pass
    assert c.exception_verbosity == "low"


def test_change_flags_as_decorator():
    @theano.config.change_flags(floatX="float32")
    def inner():
        return theano.config.floatX

    assert inner() == "float32"
    assert theano.config.floatX == "float64"


def test_floatX_float32_affects_constructors_and_python_floats():
    with theano.config.change_flags(floatX="float32"):
        assert T.vector().dtype == "float32"
        assert T.matrix().dtype == "float32"
        assert T.scalar().dtype == "float32"
        v = T.vector("v")
        assert (v * 1.5).dtype == "float32"
        assert (v * 0.1).dtype == "float32"  # a Python float literal does not upcast
        assert T.constant(0.1).dtype == "float32"
        s = T.scalar("s")
        f = theano.function([s], s * 2)
        out = f(0.1)  # a Python float may be given for a floatX input
        assert out.dtype == np.float32
        assert T.dvector().dtype == "float64"
    assert T.vector().dtype == "float64"
    assert (T.vector() * 0.1).dtype == "float64"


def test_exception_verbosity_flag_is_read_at_call_time():
    x, y = T.dvectors("x", "y")
    f = theano.function([x, y], x + y)
    with pytest.raises(ValueError) as low:
        f(np.zeros(2), np.zeros(3))
    with theano.config.change_flags(exception_verbosity="high"):
        with pytest.raises(ValueError) as high:
            f(np.zeros(2), np.zeros(3))
    assert len(str(high.value).splitlines()) > len(str(low.value).splitlines())


def test_on_unused_input_flag_is_the_default():
    x, y = T.dvectors("x", "y")
    with theano.config.change_flags(on_unused_input="ignore"):
        f = theano.function([x, y], x * 2)
    np.testing.assert_array_equal(f([1.0], [2.0]), [2.0])


def test_mode_flag_is_the_default_mode():
    x = T.dscalar("x")
    e = x * 1 + 0
    with theano.config.change_flags(mode="FAST_RUN", optimizer="None"):
        f = theano.function([x], e)
    assert len(f.maker.fgraph.toposort()) == 2
