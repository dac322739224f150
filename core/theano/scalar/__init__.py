"""`theano.scalar`: scalar types and the scalar ops that Elemwise applies."""
from .basic import *  # noqa: F401,F403
from .basic import (Cast, Composite, ScalarOp, ScalarType, as_scalar, cast_op, constant,
                    get_scalar_type, upcast)
