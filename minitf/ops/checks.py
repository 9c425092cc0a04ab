"""Argument checks shared by the ops: dtypes, broadcasting, axes.

Every check runs before the array library is called and raises the error
TensorFlow would, plus a line saying how to fix it.
"""

import numpy as np

from minitf.errors import InvalidArgumentError, shape_text

# TensorFlow's names for dtypes inside kernel error messages.
_KERNEL_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def kernel_name(dtype):
    return _KERNEL_NAMES.get(dtype.name, dtype.name)


def dtype_mismatch(op, index, expected, got):
    """The error for mixing dtypes in one op (minitf never promotes silently)."""
    return InvalidArgumentError(
        f"cannot compute {op} as input #{index}(zero-based) was expected to be a "
        f"{kernel_name(expected)} tensor but is a {kernel_name(got)} tensor",
        op,
        f"minitf never converts dtypes silently: cast one input first, "
        f"e.g. minitf.cast(x, minitf.{expected.name}).",
    )


def same_dtypes(op, *tensors):
    first = tensors[0]._value.dtype
    for index, tensor in enumerate(tensors[1:], 1):
        if tensor._value.dtype != first:
            raise dtype_mismatch(op, index, tensors[0].dtype, tensor.dtype)


def broadcast_shapes(op, a, b):
    """The shape ``a`` and ``b`` broadcast to, or TensorFlow's "Incompatible shapes" error."""
    rank = max(len(a), len(b))
    out = []
    for da, db in zip((1,) * (rank - len(a)) + tuple(a), (1,) * (rank - len(b)) + tuple(b)):
        if da != db and da != 1 and db != 1:
            raise InvalidArgumentError(
                f"Incompatible shapes: {shape_text(a)} vs. {shape_text(b)}",
                op,
                "Broadcasting compares shapes from the right: each pair of dims must be "
                "equal, or one of them 1. Reshape or expand_dims one input to line them up.",
            )
        out.append(db if da == 1 else da)
    return tuple(out)


def elementwise(op):
    """Return the check for a binary element-wise op: same dtype, broadcastable shapes."""

    def check(x, y):
        a, b = x._value, y._value
        if a.dtype is not b.dtype and a.dtype != b.dtype:  # (usually the very same dtype object)
            raise dtype_mismatch(op, 1, x.dtype, y.dtype)
        if a.shape != b.shape and a.ndim and b.ndim:  # (a scalar broadcasts to any shape)
            broadcast_shapes(op, a.shape, b.shape)

    return check


def floating(op, x):
    """Ops such as exp and log are defined for floating tensors only, as in TensorFlow."""
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError(
            f"Value for attr 'T' of {x.dtype.name} is not in the list of allowed values: "
            "half, float, double",
            op,
            f"{op} needs a floating tensor: minitf.cast(x, minitf.float32) first.",
        )


def floating_input(op):
    """Return the check for a unary op defined for floating tensors only (exp, log, tanh...)."""

    def check(x):
        floating(op, x)

    return check


def normalize_axis(op, axis, ndim):
    """Turn ``axis`` (None, an int, a list or a tensor) into a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if hasattr(axis, "_value"):
        axis = axis._value.tolist()
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = set()
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise InvalidArgumentError(
                f"Invalid reduction dimension {a} for input with {ndim} dimensions.",
                op,
                f"axis must be in [-{ndim}, {ndim}).",
            )
        out.add(a % ndim)
    return tuple(sorted(out))


def whole_numbers(value, attr, op, hint):
    """``value`` (a number, a list or a tensor: a shape, axes, counts) as a flat list; floats and bools get
    TensorFlow's error for an integer attribute ``attr``, with ``hint`` (``{value!r}`` in it shows the value)."""
    array = np.asarray(value._value.tolist() if hasattr(value, "_value") else value)
    if array.size and array.dtype.kind in "fb":
        kind = "float" if array.dtype.kind == "f" else "bool"
        raise InvalidArgumentError(f"Value for attr '{attr}' of {kind} is not in the list of allowed values: int32, "
                                   "int64", op, hint.format(value=value))
    return array.reshape(-1).tolist()


def first_out_of_range(values, size):
    """The first of the integer array ``values`` outside ``[0, size)``, or None (labels, gather indices)."""
    if values.size and (values.min() < 0 or values.max() >= size):
        return values[(values < 0) | (values >= size)].ravel()[0].item()
    return None
