"""theano.compile.compile_ahead: what it hands a backend, and what it never does (compute,
change the graphs, raise for a graph that theano.function would reject)."""
import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.backend import Backend
from theano.backend.registry import get_backend
from theano.graph.basic import io_toposort


class _Recorder:
    """Stands in for a backend's start_compiling: records the rewritten graphs it is given."""

    def __init__(self, consume):
        self.consume = consume
        self.graphs = None

    def __call__(self, fgraphs):
        self.graphs = list(fgraphs) if self.consume else fgraphs


@pytest.fixture
def numpy_backend(monkeypatch):
    backend = get_backend("numpy")
    return backend, monkeypatch


def test_the_backend_gets_each_graph_rewritten_for_it(numpy_backend):
    backend, monkeypatch = numpy_backend
    rec = _Recorder(consume=True)
    monkeypatch.setattr(backend, "start_compiling", rec)
    x = T.dvector("x")
    y = T.exp(x) * 2 + T.log(x)
    users_graph = [(n, list(n.inputs)) for n in io_toposort([x], [y])]
    theano.compile.compile_ahead([([x], [y]), ([x], [y.sum(), x + 1])], device="numpy")
    assert [len(fg.outputs) for fg in rec.graphs] == [1, 2]
    # rewritten, as theano.function would rewrite them for this backend
    f = theano.function([x], y, device="numpy")
    assert [type(n.op) for n in rec.graphs[0].toposort()] == [type(n.op) for n in f.maker.fgraph.toposort()]
    # the user's graph is left as it was
    assert [(n, list(n.inputs)) for n in io_toposort([x], [y])] == users_graph


def test_a_graph_that_cannot_be_compiled_is_left_to_theano_function(numpy_backend):
    backend, monkeypatch = numpy_backend
    rec = _Recorder(consume=True)
    monkeypatch.setattr(backend, "start_compiling", rec)
    x, z = T.dvector("x"), T.dvector("z")
    theano.compile.compile_ahead([([x], [x + z]), ([x], [x * 3])], device="numpy")  # z is not an input
    assert len(rec.graphs) == 1 and len(rec.graphs[0].outputs) == 1
    with pytest.raises(Exception, match="z"):
        theano.function([x], x + z, device="numpy")


def test_a_backend_that_compiles_nothing_ahead_costs_no_rewrite():
    """The default start_compiling never asks for the graphs: none is even built."""
    asked = []

    def graphs():
        x = T.dvector("x")
        asked.append(x)
        yield [x], [T.exp(x)]

    assert type(get_backend("numpy")).start_compiling is Backend.start_compiling
    theano.compile.compile_ahead(graphs(), device="numpy")
    assert asked == []


def test_functions_built_afterwards_compute_as_without_it():
    x = T.dvector("x")
    outs = [T.tanh(x) ** 2, T.exp(-x).sum()]
    theano.compile.compile_ahead([([x], outs)])
    f = theano.function([x], outs)
    v = np.linspace(-2, 2, 9)
    got = f(v)
    np.testing.assert_allclose(got[0], np.tanh(v) ** 2, rtol=1e-12)
    np.testing.assert_allclose(got[1], np.exp(-v).sum(), rtol=1e-12)


def test_a_backend_that_fails_to_start_the_batch_raises_nothing_here(numpy_backend):
    backend, monkeypatch = numpy_backend

    def broken(fgraphs):
        list(fgraphs)
        raise RuntimeError("the compiler crashed")

    monkeypatch.setattr(backend, "start_compiling", broken)
    x = T.dvector("x")
    theano.compile.compile_ahead([([x], [T.exp(x)])], device="numpy")  # no error: a head start only
    np.testing.assert_allclose(theano.function([x], T.exp(x), device="numpy")(np.zeros(2)), [1.0, 1.0])
