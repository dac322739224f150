"""theano.printing: pprint, debugprint and pydotprint."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import theano
from theano import printing, tensor as T

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def xy():
    return T.dmatrix("x"), T.dmatrix("y")


# -- pprint ------------------------------------------------------------------------


def test_pprint_arithmetic_infix(xy):
    x, y = xy
    a = T.dscalar("a")
    assert printing.pprint(x + y) == "(x + y)"
    assert printing.pprint((x + y) * a) == "((x + y) * a)"
    # the implicit broadcast of a scalar is not shown as a DimShuffle
    assert printing.pprint(x * 2) == "(x * 2)"
    assert printing.pprint(x - (y - a)) == "(x - (y - a))"
    assert printing.pprint(-x) == "-x"
    assert printing.pprint(-(x + y)) == "-(x + y)"
    assert printing.pprint(x ** 2) == "(x ** 2)"
    assert printing.pprint(x / y) == "(x / y)"
    assert printing.pprint(x < y) == "(x < y)"


def test_pprint_calls_dot_transpose_reductions(xy):
    x, y = xy
    assert printing.pprint(T.exp(x)) == "exp(x)"
    assert printing.pprint(T.maximum(x, y)) == "maximum(x, y)"
    assert printing.pprint(T.dot(x, y)) == "dot(x, y)"
    assert printing.pprint(T.dot(x, y.T)) == "dot(x, y.T)"
    assert printing.pprint((x + y).T) == "(x + y).T"
    assert printing.pprint(T.sum(x, axis=0)) == "sum(x, axis=[0])"
    assert printing.pprint(T.cast(x, "int32")) == "int32(x)"
    assert printing.pprint(x.dimshuffle(0, "x", 1)) == "x.dimshuffle(0, 'x', 1)"


def test_pprint_indexing(xy):
    x, _ = xy
    v = T.dvector("v")
    assert printing.pprint(x[0]) == "x[0]"
    assert printing.pprint(x[1:3, ::2]) == "x[1:3, ::2]"
    assert printing.pprint(x[v.shape[0]]) == "x[v.shape[0]]"


def test_pprint_named_output_list_and_function(xy):
    x, y = xy
    z = x + y
    z.name = "z"
    assert printing.pprint(z) == "z = (x + y)"
    assert printing.pprint([x + y, T.dot(x, y)]) == "(x + y)\ndot(x, y)"
    f = theano.function([x, y], T.dot(x, y))
    assert printing.pprint(f) == "dot(x, y)"
    assert theano.pp is printing.pprint and printing.pp is printing.pprint


# -- debugprint ---------------------------------------------------------------------


def test_debugprint_variable_tree(xy):
    x, y = xy
    s = x + y
    z = s * s
    text = printing.debugprint(z, file="str")
    assert text == textwrap.dedent("""\
        Elemwise{mul,no_inplace} [id A] <TensorType(float64, matrix)> ''
         |Elemwise{add,no_inplace} [id B] <TensorType(float64, matrix)> ''
         | |x [id C] <TensorType(float64, matrix)>
         | |y [id D] <TensorType(float64, matrix)>
         |Elemwise{add,no_inplace} [id B] <TensorType(float64, matrix)> '' ...
        """)


def test_debugprint_options(xy):
    x, y = xy
    z = T.exp(x + y)
    text = printing.debugprint(z, file="str", print_type=False, ids="int")
    assert text.splitlines()[0] == "Elemwise{exp,no_inplace} [id 0] ''"
    assert "<TensorType" not in text
    assert printing.debugprint(z, file="str", ids="").splitlines()[2].strip() == \
        "| |x <TensorType(float64, matrix)>"
    assert len(printing.debugprint(z, file="str", depth=1).splitlines()) == 2
    with pytest.raises(ValueError, match="ids must be"):
        printing.debugprint(z, file="str", ids="bogus")


def test_debugprint_to_file_and_stdout(xy, capsys):
    x, y = xy
    buf = io.StringIO()
    assert printing.debugprint(x + y, file=buf) is buf
    assert "Elemwise{add,no_inplace} [id A]" in buf.getvalue()
    printing.debugprint(x + y)
    assert capsys.readouterr().out == buf.getvalue()


def test_debugprint_shares_ids_across_calls(xy):
    x, y = xy
    used, done = {}, {}
    a = printing.debugprint(x + y, file="str", used_ids=used, done=done)
    b = printing.debugprint(T.exp(x), file="str", used_ids=used, done=done)
    assert "x [id B]" in a and "x [id B]" in b


def test_debugprint_compiled_function(xy):
    x, y = xy
    w = theano.shared(np.ones((2, 2)), name="w")
    out = T.dot(x, y) + T.exp(x)
    f = theano.function([x, y], out, updates=[(w, w * 2)], name="myfn", device="numpy")
    text = printing.debugprint(f, file="str")
    lines = text.splitlines()
    assert lines[0].startswith("# function myfn: device numpy, backend numpy")
    order = f.maker.fgraph.toposort()
    # every node exactly once with its inputs, with its position in the run order and runner
    for k, node in enumerate(order):
        full = [ln for ln in lines if f"{node.op} [id" in ln and f"' {k} (numpy)" in ln
                and not ln.endswith("...")]
        assert len(full) == 1, (k, node, text)
    ids = re.findall(r"\[id ([A-Z]+)\]", text)
    assert ids[0] == "A"
    assert any(ln.endswith("-> update of w") for ln in lines)
    assert "<TensorType(float64, matrix)>" in text


def test_debugprint_with_trace(xy):
    x, y = xy
    f = theano.function([x, y], T.sum(T.dot(x, y.T)))  # dot's (2, 2) result is an intermediate
    tr = f.trace(np.ones((2, 3)), np.ones((2, 3)))
    text = printing.debugprint(f, file="str", trace=tr)
    assert "value float64(2, 2)" in text and "value float64()" in text


# -- pydotprint --------------------------------------------------------------------


def _fn():
    a, b = T.dmatrix("a"), T.dmatrix("b")
    return theano.function([a, b], T.dot(a, b) + a)


def test_pydotprint_png(tmp_path, capsys):
    out = tmp_path / "g.png"
    printing.pydotprint(_fn(), outfile=str(out), var_with_name_simple=True)
    assert out.read_bytes()[:8] == PNG_MAGIC
    assert str(out) in capsys.readouterr().out


def test_pydotprint_svg_and_extension(tmp_path):
    out = tmp_path / "g.svg"
    printing.pydotprint(_fn(), outfile=str(out), format="svg", print_output_file=False)
    text = out.read_text()
    assert "<svg" in text and "a TensorType(float64, matrix)" in text
    # format left at its default: the extension decides
    out2 = tmp_path / "h.svg"
    printing.pydotprint(_fn(), outfile=str(out2), print_output_file=False)
    assert out2.read_text().lstrip().startswith("<?xml")


def test_pydotprint_dot_text(tmp_path):
    out = tmp_path / "g.dot"
    printing.pydotprint(_fn(), outfile=str(out), format="dot", print_output_file=False)
    text = out.read_text()
    assert text.startswith("digraph")
    assert text.count("shape=ellipse") == len(_fn().maker.fgraph.toposort())
    assert "a TensorType(float64, matrix)" in text


def test_pydotprint_var_with_name_simple_and_return_image():
    dot = printing.pydotprint(_fn(), format="dot", return_image=True, var_with_name_simple=True)
    assert 'label="a"' in dot and 'label="b"' in dot
    dot_full = printing.pydotprint(_fn(), format="dot", return_image=True)
    assert 'label="a TensorType(float64, matrix)"' in dot_full
    png = printing.pydotprint(_fn(), return_image=True)
    assert png[:8] == PNG_MAGIC


def test_pydotprint_compact_keeps_named_intermediates_connected():
    a, b = T.dmatrix("a"), T.dmatrix("b")
    h = a + b
    h.name = "h"
    z = T.exp(h) * 2
    for compact in (True, False):
        dot = printing.pydotprint(z, format="dot", return_image=True, compact=compact)
        nodes = dict(re.findall(r'^(n\d+) \[label="([^"]*)", shape=\w+', dot, re.M))
        shapes = dict(re.findall(r'^(n\d+) \[label="[^"]*", shape=(\w+)', dot, re.M))
        edges = re.findall(r"^(n\d+) -> (n\d+)", dot, re.M)
        h_node = next(n for n, label in nodes.items() if label == "h TensorType(float64, matrix)")
        # h has a producer and a consumer: never a box floating on its own
        assert any(d == h_node for _, d in edges) and any(s == h_node for s, _ in edges), dot
        boxes = [n for n, shape in shapes.items() if shape == "box"]
        # compact drops unnamed intermediates: a, b, h, the constant 2, the output
        assert (len(boxes) == 5) == compact, dot


def test_pydotprint_variables_and_unknown_format(tmp_path):
    x = T.dvector("x")
    out = tmp_path / "v.png"
    printing.pydotprint([x * 2, T.exp(x)], outfile=str(out), print_output_file=False)
    assert out.read_bytes()[:8] == PNG_MAGIC
    with pytest.raises(ValueError, match="unknown format 'bmpx'"):
        printing.pydotprint(x * 2, format="bmpx")


def test_pydotprint_without_graphviz_says_what_to_install(tmp_path):
    code = textwrap.dedent("""
        import theano
        from theano import tensor as T
        x = T.dscalar("x")
        try:
            theano.printing.pydotprint(x * 2, outfile="g.png")
        except Exception as e:
            print(type(e).__name__, "|", e)
        theano.printing.pydotprint(x * 2, outfile="g.dot", format="dot")
        print("DOT OK")
    """)
    env = dict(os.environ, PATH="")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("GraphvizNotFoundError |")
    assert "apt-get install graphviz" in r.stdout and "format='dot'" in r.stdout
    assert "DOT OK" in r.stdout  # the text format needs no Graphviz
    assert not (tmp_path / "g.png").exists()


def test_pydotprint_without_pydot_says_what_to_install(tmp_path):
    code = "import sys; sys.modules['pydot'] = None\nimport theano\nfrom theano import tensor as T\n" \
           "theano.printing.pydotprint(T.dscalar('x') * 2)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode != 0
    assert "pip install pydot" in r.stderr
