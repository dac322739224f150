"""graph.sourceinfo: the user's line where a variable or node was built, skipping the frames
of theano, its backends and the standard library."""
import inspect
import os

import pytest

import theano.tensor as T
from theano.graph.basic import Apply
from theano.graph.fg import FunctionGraph, MissingInputError
from theano.graph.sourceinfo import format_frame, user_frame

from .toy import FLOAT, add, neg, var

HERE = os.path.abspath(__file__)


def line_here():
    return inspect.currentframe().f_back.f_lineno


def test_user_frame_called_from_user_code_is_that_line():
    frame, line = user_frame(), line_here()
    assert frame == (HERE, line, "test_user_frame_called_from_user_code_is_that_line")


def test_variables_and_nodes_remember_the_users_line_not_theanos():
    x, line = FLOAT("x"), line_here()  # Type.__call__ runs inside theano
    assert x.tag.trace[:2] == (HERE, line)
    v, line = T.dvector("v"), line_here()
    assert v.tag.trace[:2] == (HERE, line)
    y, line = T.exp(v) + 1, line_here()  # Op.__call__ -> make_node -> Apply, all inside theano
    assert y.owner.tag.trace[:2] == (HERE, line)
    assert y.owner.inputs[0].owner.tag.trace[:2] == (HERE, line)


def test_an_op_defined_by_the_user_is_user_code():
    # The toy op's make_node (in toy.py) builds the Apply: that is the user's line.
    y = neg(FLOAT("x"))
    assert y.owner.tag.trace[0].endswith(os.path.join("graph", "toy.py"))
    assert y.owner.tag.trace[2] == "make_node"


def run_as(path, package, source):
    """Run `source` as if it were the module `path` of `package` (None: a script); return its `result`."""
    scope = {"__name__": "__main__" if package is None else f"{package}.mod", "__package__": package,
             "user_frame": user_frame}
    exec(compile(source, path, "exec"), scope)
    return scope["result"]


def test_a_users_script_in_a_folder_named_theano_something_is_the_users(tmp_path):
    path = str(tmp_path / "theano_work" / "run.py")
    assert run_as(path, None, "\n\nresult = user_frame()") == (path, 3, "<module>")


def test_frames_of_a_theano_backend_package_are_skipped(tmp_path):
    path = str(tmp_path / "theano_fake" / "mod.py")
    frame = run_as(path, "theano_fake", "result = user_frame()")
    assert (frame[0], frame[2]) == (HERE, "run_as")  # the caller of the backend's code


def test_format_frame():
    assert format_frame(("a/b.py", 12, "f")) == "a/b.py:12"
    assert format_frame(None) == "<unknown location>"


def test_a_missing_input_error_says_where_the_input_was_built():
    x = var("x")
    y, line = FLOAT("y"), line_here()
    with pytest.raises(MissingInputError, match=f"built at {HERE}:{line}"):
        FunctionGraph([x], [add(x, y)])


def test_apply_made_directly_records_the_line():
    x = var("x")
    node, line = Apply(add, [x, x], [FLOAT()]), line_here()
    assert node.tag.trace == (HERE, line, "test_apply_made_directly_records_the_line")
