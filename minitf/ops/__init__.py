"""All ops, and the Tensor operators (``+``, ``@``, ``[]``...) that call them.

Operators are attached here rather than in ``tensor.py`` so that ``a + b`` is
exactly ``minitf.add(a, b)``: one path through ``bind``, recorded like any op.
"""

from minitf.ops import array_ops, fused, linalg_ops, math_ops, reduction_ops  # noqa: F401 - fused: speed
from minitf.tensor import Tensor


def _reflected(op):
    return lambda y, x: op(x, y)


def _equal(x, y):
    """``==`` compares element-wise, as in TensorFlow 2; comparing with None (or any non-number) is False."""
    try:
        return math_ops.equal(x, y)
    except (TypeError, ValueError):
        return False


def _not_equal(x, y):
    try:
        return math_ops.not_equal(x, y)
    except (TypeError, ValueError):
        return True


_OPERATORS = {
    "__add__": math_ops.add, "__radd__": _reflected(math_ops.add),
    "__sub__": math_ops.subtract, "__rsub__": _reflected(math_ops.subtract),
    "__mul__": math_ops.multiply, "__rmul__": _reflected(math_ops.multiply),
    "__truediv__": math_ops.divide, "__rtruediv__": _reflected(math_ops.divide),
    "__floordiv__": math_ops.floordiv, "__rfloordiv__": _reflected(math_ops.floordiv),
    "__mod__": math_ops.floormod, "__rmod__": _reflected(math_ops.floormod),
    "__pow__": math_ops.pow, "__rpow__": _reflected(math_ops.pow),
    "__matmul__": linalg_ops.matmul, "__rmatmul__": _reflected(linalg_ops.matmul),
    "__neg__": math_ops.negative, "__abs__": math_ops.abs,
    "__lt__": math_ops.less, "__le__": math_ops.less_equal,
    "__gt__": math_ops.greater, "__ge__": math_ops.greater_equal,
    "__eq__": _equal, "__ne__": _not_equal,
    "__and__": math_ops.logical_and, "__rand__": _reflected(math_ops.logical_and),
    "__or__": math_ops.logical_or, "__ror__": _reflected(math_ops.logical_or),
    "__invert__": math_ops.logical_not,
    "__getitem__": array_ops.strided_slice,
}
for _name, _op in _OPERATORS.items():
    setattr(Tensor, _name, _op)

__all__ = ["array_ops", "linalg_ops", "math_ops", "reduction_ops"]
