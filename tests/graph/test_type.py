"""graph.type: what the base Type gives every type (validity, variables, constants, conversion)."""
import pytest

from theano.graph.basic import Constant, Variable
from theano.graph.type import Type

from .toy import FLOAT, INT, ToyType


def test_filter_checks_and_converts():
    assert FLOAT.filter(2) == 2.0 and isinstance(FLOAT.filter(2), float)
    with pytest.raises(TypeError, match=r"Toy\(float\) cannot hold the int 2 \(strict\)"):
        FLOAT.filter(2, strict=True)
    with pytest.raises(TypeError, match="cannot hold a str"):
        INT.filter("2")


def test_is_valid_value_is_a_strict_filter():
    assert FLOAT.is_valid_value(2.0)
    assert not FLOAT.is_valid_value(2)  # strict: an int is not a float value
    assert not INT.is_valid_value(2.5)
    assert INT.is_valid_value(3)


def test_calling_a_type_makes_a_fresh_variable_of_it():
    a, b = FLOAT("a"), FLOAT()
    assert isinstance(a, Variable) and a.type is FLOAT and a.name == "a"
    assert b.name is None and a is not b and a.owner is None


def test_make_constant_filters_the_data():
    c = INT.make_constant(4.0, name="four")
    assert isinstance(c, Constant) and c.data == 4 and isinstance(c.data, int) and c.name == "four"
    with pytest.raises(TypeError):
        INT.make_constant(4.5)


def test_convert_variable_accepts_an_equal_type_only():
    v = ToyType("float")("v")  # another instance, equal type
    assert FLOAT.convert_variable(v) is v
    assert INT.convert_variable(v) is None


def test_value_comparisons_and_signature():
    assert FLOAT.values_eq(1.0, 1.0) and not FLOAT.values_eq(1.0, 2.0)
    assert FLOAT.values_eq_approx(1.0, 1.0)
    assert FLOAT.data_signature(1.5) == 1.5


def test_a_type_without_filter_says_so():
    class Bare(Type):
        pass

    with pytest.raises(NotImplementedError):
        Bare().filter(1)
    assert not hasattr(Bare(), "kind")
