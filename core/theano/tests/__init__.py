"""`theano.tests`: the helpers of Theano 1.0's test package that libraries' test suites import
(`theano.tests.unittest_tools`). Theano's own test suite is not part of this package."""
from . import unittest_tools  # noqa: F401
