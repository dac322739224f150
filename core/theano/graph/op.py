"""Op: a computation on Variables. Ops are equal when their `__props__` are."""
from __future__ import annotations

from typing import Any, Callable, Sequence

from .basic import Apply, Variable
from .sourceinfo import format_frame, user_frame
from .null_gradients import grad_not_implemented

__all__ = ["Op", "describe_inputs", "op_error"]


def describe_inputs(inputs: Sequence[Any]) -> str:
    """'(TensorType(float64, vector), TensorType(int32, matrix))' for error messages."""
    parts = []
    for i in inputs:
        if isinstance(i, Variable):
            parts.append(str(i.type))
        elif hasattr(i, "shape") and hasattr(i, "dtype"):
            parts.append(f"{i.dtype}{tuple(i.shape)}")
        else:
            parts.append(type(i).__name__)
    if len(parts) > 8:  # keep errors short: the first few say enough
        parts = parts[:6] + [f"... {len(parts) - 6} more"]
    return "(" + ", ".join(parts) + ")"


def op_error(exc: BaseException, op: Any, inputs: Sequence[Any], where: Any = None,
             extra: str = "") -> BaseException:
    """The same kind of exception, its first line naming the user's line, the op and the inputs."""
    where = format_frame(where if where is not None else user_frame())
    msg = f"{where}: {op} on inputs {describe_inputs(inputs)}: {exc}{extra}"
    try:
        new = type(exc)(msg)
    except Exception:  # exception classes with unusual constructors
        new = TypeError(msg)
    new.__dict__.update(getattr(exc, "__dict__", {}))
    new.theano_context_added = True  # type: ignore[attr-defined]
    return new


def _same_attributes(a: dict, b: dict) -> bool:
    """Whether two attribute dicts hold equal values (values without a plain truth value for
    ==, such as arrays, only when they are the same object)."""
    if a.keys() != b.keys():
        return False
    for k, x in a.items():
        y = b[k]
        if x is y:
            continue
        try:
            if type(x) is not type(y) or not bool(x == y):
                return False
        except (TypeError, ValueError):
            return False
    return True


class Op:
    """Base of all ops.

    Subclasses set `__props__` (the attribute names that define equality; without it, two
    ops of one class are equal when all their attributes are), and define
    `make_node` (type checks, returns an Apply), `perform` (the normative NumPy
    meaning), and as far as they apply `L_op`/`grad`, `R_op` and `infer_shape`.
    """

    __props__: tuple[str, ...] = ()
    # Whether the class or a base below Op names its __props__ (set for every subclass).
    _props_declared = False
    default_output: int | None = None
    destroy_map: dict[int, list[int]] = {}
    view_map: dict[int, list[int]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._props_declared = cls._props_declared or "__props__" in cls.__dict__

    # -- identity -------------------------------------------------------------
    def _props(self) -> tuple:
        return tuple(getattr(self, p) for p in self.__props__)

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return False
        if self._props_declared:
            return self._props() == other._props()  # type: ignore[attr-defined]
        # No __props__ (a user's op, written for Theano 1.0, which compares those by identity):
        # equal when the attributes are, so Scale(2) and Scale(3) are never merged into one.
        return self is other or _same_attributes(self.__dict__, other.__dict__)

    def __hash__(self) -> int:
        return hash((type(self), self._props()))

    def __str__(self) -> str:
        if self.__props__:
            return f"{type(self).__name__}{{{', '.join(str(p) for p in self._props())}}}"
        return type(self).__name__

    __repr__ = __str__

    # -- building ---------------------------------------------------------------
    def make_node(self, *inputs: Any) -> Apply:
        raise NotImplementedError(f"{type(self).__name__} must define make_node")

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        try:
            node = self.make_node(*inputs, **kwargs)
        except (TypeError, ValueError) as e:
            if getattr(e, "theano_context_added", False):
                raise
            raise op_error(e, self, inputs) from None
        if self.default_output is not None:
            return node.outputs[self.default_output]
        return node.outputs[0] if len(node.outputs) == 1 else node.outputs

    # -- meaning ----------------------------------------------------------------
    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list[list[Any]]) -> None:
        """Compute the outputs with NumPy into output_storage[i][0]; by default through
        make_py_fn, so an op defines one of the two."""
        if type(self).make_py_fn is Op.make_py_fn:
            raise NotImplementedError(f"{self} has neither perform nor make_py_fn")
        res = self.make_py_fn(node)(*inputs)
        if len(output_storage) == 1:
            output_storage[0][0] = res
        else:
            for store, r in zip(output_storage, res):
                store[0] = r

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        """A pure function of the input values returning the output value (one output) or a
        tuple (several). The reference backend calls it; the default goes through perform."""
        perform, nout = self.perform, len(node.outputs)

        if nout == 1:
            def fn(*args: Any) -> Any:
                st = [[None]]
                perform(node, args, st)
                return st[0][0]
        else:
            def fn(*args: Any) -> Any:
                st = [[None] for _ in range(nout)]
                perform(node, args, st)
                return tuple(s[0] for s in st)
        return fn

    def do_constant_folding(self, node: Apply) -> bool:
        return True

    # -- derivatives and shapes ---------------------------------------------------
    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
             output_grads: Sequence[Variable]) -> list[Variable]:
        return self.grad(inputs, output_grads)

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list[Variable]:
        return [grad_not_implemented(self, k, x) for k, x in enumerate(inputs)]

    def R_op(self, inputs: Sequence[Variable], eval_points: Sequence[Variable]) -> list[Variable]:
        raise NotImplementedError(f"{self} has no R_op")

    def connection_pattern(self, node: Apply) -> list[list[bool]]:
        return [[True] * len(node.outputs) for _ in node.inputs]
