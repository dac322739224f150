"""Generated Python source compiled once per text (theano.backend.pysource.define)."""
import traceback

from theano.backend import pysource

_SOURCE = "def call(a):\n    return scale * a + offset(a)\n"


def test_functions_of_one_text_share_its_compile_and_keep_their_own_values():
    before = pysource._compiled_text.cache_info()
    f = pysource.define(_SOURCE, "call", {"scale": 2, "offset": lambda a: 1}, "<test-f>")
    g = pysource.define(_SOURCE, "call", {"scale": 10, "offset": lambda a: -a}, "<test-g>")
    after = pysource._compiled_text.cache_info()
    assert (f(3), g(3)) == (7, 27)
    assert after.hits - before.hits >= 1 and after.misses - before.misses <= 1


def test_each_function_reports_its_own_file_name_in_tracebacks():
    def boom(a):
        raise ValueError("inside")

    f = pysource.define(_SOURCE, "call", {"scale": 1, "offset": boom}, "<theano-linked-test-a>")
    g = pysource.define(_SOURCE, "call", {"scale": 1, "offset": boom}, "<theano-linked-test-b>")
    for fn, name in ((f, "<theano-linked-test-a>"), (g, "<theano-linked-test-b>")):
        try:
            fn(1)
        except ValueError as e:
            files = [fr.filename for fr in traceback.extract_tb(e.__traceback__)]
        assert name in files and ("<theano-linked-test-a>" in files) != ("<theano-linked-test-b>" in files)
        assert fn.__code__.co_filename == name


def test_a_long_text_is_compiled_each_time_and_not_kept():
    body = "".join(f"    v{k} = a + {k}\n" for k in range(400)) + "    return v399\n"
    source = "def call(a):\n" + body
    assert len(source) > pysource.CACHED_CHARS
    before = pysource._compiled_text.cache_info()
    f = pysource.define(source, "call", {}, "<long-a>")
    g = pysource.define(source, "call", {}, "<long-b>")
    assert (f(1), g(2)) == (400, 401)
    assert pysource._compiled_text.cache_info().currsize == before.currsize
