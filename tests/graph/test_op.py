"""Op's two meanings: perform and make_py_fn, each defined through the other by default."""
import numpy as np
import pytest

import theano.tensor as T
from theano.graph.basic import Apply
from theano.graph.op import Op


class _Halves(Op):
    """Defines make_py_fn only: (x / 2, x % 2) or just x / 2."""

    def __init__(self, nout):
        self.nout = nout

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type() for _ in range(self.nout)])

    def make_py_fn(self, node):
        if self.nout == 1:
            return lambda x: x / 2
        return lambda x: (x / 2, x % 2)


class _Nothing(Op):
    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])


@pytest.mark.parametrize("nout", [1, 2])
def test_default_perform_goes_through_make_py_fn(nout):
    node = _Halves(nout).make_node(T.dvector())
    store = [[None] for _ in range(nout)]
    node.op.perform(node, [np.array([3.0, 4.0])], store)
    np.testing.assert_array_equal(store[0][0], [1.5, 2.0])
    if nout == 2:
        np.testing.assert_array_equal(store[1][0], [1.0, 0.0])


def test_an_op_with_neither_meaning_says_so():
    node = _Nothing().make_node(T.dvector())
    with pytest.raises(NotImplementedError, match="neither perform nor make_py_fn"):
        node.op.perform(node, [np.zeros(2)], [[None]])
    with pytest.raises(NotImplementedError):
        node.op.make_py_fn(node)(np.zeros(2))
