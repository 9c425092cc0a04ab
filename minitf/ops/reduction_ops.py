"""Reductions: reduce_sum/max/prod/mean (primitives) and min/std/argmax/all/any (built on them).

A reduction's gradient spreads ``dy`` back over the axes it removed: ``_expand``
puts those axes back (as size 1) and ``broadcast_like`` repeats it to the input's
shape when the op runs, so a traced function works for any batch size.
"""

from minitf import dtypes
from minitf.errors import InvalidArgumentError
from minitf.ops import checks
from minitf.ops.array_ops import ExpandDims, broadcast_like, size, squeeze, stop_gradient
from minitf.ops.math_ops import (
    abs,
    cast,
    equal,
    exp,
    greater,
    log,
    logical_not,
    maximum,
    reversed_order,
    sqrt,
    square,
    where,
)
from minitf.primitive import Primitive, bind
from minitf.tensor import convert_to_tensor


def _expand(dy, axis, keepdims=False):
    """``dy`` with the reduced ``axis`` put back as size-1 dims, so it broadcasts against the input."""
    return dy if keepdims or not axis else bind(ExpandDims, dy, axis=axis)


def _reduction(name, prim, x, axis, keepdims):
    x = convert_to_tensor(x)
    axis = None if axis is None else _reduction_axes(name, axis, x.ndim)  # None: every axis, at any rank
    return bind(prim, x, axis=axis, keepdims=bool(keepdims))


def _reduction_axes(name, axis, ndim):
    """``axis`` checked as TensorFlow checks ``reduction_indices``: integers, in range, none repeated."""
    values = checks.whole_numbers(axis, "Tidx", name, "axis takes whole numbers, got {value!r}.")
    axes = checks.normalize_axis(name, values, ndim)
    if len(axes) != len(values):  # an axis was named twice
        named = [a % ndim for a in values]
        repeated = next(a for i, a in enumerate(named) if a in named[:i])
        raise InvalidArgumentError(f"Invalid reduction arguments: Axes contains duplicate dimension: {repeated}",
                                   name, f"Name each axis once: got axis={values} for a tensor of rank {ndim}.")
    return axes


def _check_numeric(x, axis, keepdims):
    if x._value.dtype.kind == "b":
        raise InvalidArgumentError("Reductions need numbers, not bool", "Sum",
                                   "Use reduce_any/reduce_all, or minitf.cast(x, minitf.int32) to count.")


# reduce_sum: d sum(x) = dy broadcast back over the summed axes. The sum keeps the input's dtype, as in
# TensorFlow: NumPy widens small integers (int32 to int64), so the result is cast back, which wraps around as
# TensorFlow's int32 sum does. (Checked with `is`, as dtypes are shared objects: the cheapest test, measured.)
def _sum(xp, x, axis, keepdims):
    total = x.sum(axis=axis, keepdims=keepdims)
    return total if total.dtype is x.dtype else total.astype(x.dtype, copy=False)


def _sum_grad(dy, out, x, axis, keepdims):
    return broadcast_like(_expand(dy, axis, keepdims), x)


Sum = Primitive("Sum", _sum, vjp=(_sum_grad,), check=_check_numeric)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum over ``axis`` (all axes by default).

    >>> import minitf as tf
    >>> tf.reduce_sum(tf.constant([[1., 2.], [3., 4.]]), axis=0).numpy()
    array([4., 6.], dtype=float32)
    """
    return _reduction("Sum", Sum, input_tensor, axis, keepdims)


# reduce_mean: d mean(x) = dy / count, spread over the averaged axes (count read from the shapes at run time).
# Integers are summed in a wider type, then divided with truncation toward zero (as TensorFlow's eager kernel).
def _mean(xp, x, axis, keepdims):
    total = x.sum(axis=axis, keepdims=keepdims)
    count = x.size // max(total.size, 1) if x.size else 0  # how many elements each mean averages
    if x.dtype.kind in "iu":  # integer means truncate, as in TensorFlow
        return (total / max(count, 1)).astype(x.dtype)
    return total / x.dtype.type(count)


def _mean_grad(dy, out, x, axis, keepdims):
    count = cast(size(x), dy.dtype) / cast(size(out), dy.dtype)  # how many elements each mean averaged
    return broadcast_like(_expand(dy / count, axis, keepdims), x)


Mean = Primitive("Mean", _mean, vjp=(_mean_grad,), check=_check_numeric)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over ``axis`` (all axes by default). For integer tensors the result is truncated, as in TensorFlow."""
    return _reduction("Mean", Mean, input_tensor, axis, keepdims)


# reduce_max: the gradient goes to the maxima, shared equally between ties
def _max(xp, x, axis, keepdims):
    if x.size == 0:  # the maximum of nothing is the lowest value (-inf), as in TensorFlow; NumPy raises
        lowest = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        return xp.full(x.sum(axis=axis, keepdims=keepdims).shape, lowest, dtype=x.dtype)
    return x.max(axis=axis, keepdims=keepdims)


def _max_grad(dy, out, x, axis, keepdims):
    mask = cast(equal(x, _expand(out, axis, keepdims)), dy.dtype)
    return _expand(dy, axis, keepdims) * mask / reduce_sum(mask, axis=axis, keepdims=True)


Max = Primitive("Max", _max, vjp=(_max_grad,), check=_check_numeric)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """Maximum over ``axis`` (all axes by default)."""
    return _reduction("Max", Max, input_tensor, axis, keepdims)


# reduce_prod: d prod(x) / dx_i = product of the other elements, computed without dividing by zero
def _prod(xp, x, axis, keepdims):
    return x.prod(axis=axis, keepdims=keepdims, dtype=x.dtype)  # the input's dtype, as reduce_sum


def _prod_grad(dy, out, x, axis, keepdims):
    is_zero = equal(x, 0)
    safe = where(is_zero, 1, x)
    prod_safe = _expand(reduce_prod(safe, axis=axis), axis)
    zero_count = _expand(reduce_sum(cast(is_zero, x.dtype), axis=axis), axis)
    others = where(zero_count == 0, prod_safe / safe, where(is_zero & (zero_count == 1), prod_safe, 0))
    return _expand(dy, axis, keepdims) * others


Prod = Primitive("Prod", _prod, vjp=(_prod_grad,), check=_check_numeric)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    """Product over ``axis`` (all axes by default); its gradient is exact even with zeros."""
    return _reduction("Prod", Prod, input_tensor, axis, keepdims)


# Compositions.

def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    """Minimum over ``axis``: ``reduce_max`` in reversed order (``-reduce_max(-x)`` for floats)."""
    x = convert_to_tensor(input_tensor)
    return reversed_order(reduce_max(reversed_order(x), axis, keepdims))


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance over ``axis``: ``mean((x - mean(x)) ** 2)``, for floating tensors (as in TensorFlow).

    Raises:
        TypeError: an integer tensor (its mean would be truncated).
    """
    x = convert_to_tensor(input_tensor)
    if x.dtype.is_integer:
        raise TypeError(f"Input must be either real or complex. Received integer type {x.dtype}.\n"
                        "  Cast it first: minitf.math.reduce_variance(minitf.cast(x, minitf.float32)).")
    return reduce_mean(square(x - reduce_mean(x, axis, keepdims=True)), axis, keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Population standard deviation over ``axis``."""
    return sqrt(reduce_variance(input_tensor, axis, keepdims))


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """``log(sum(exp(x)))`` over ``axis``, shifted by the maximum so it cannot overflow."""
    x = convert_to_tensor(input_tensor)
    axes = checks.normalize_axis("Sum", axis, x.ndim)
    shift = stop_gradient(reduce_max(x, axes, keepdims=True))
    result = log(reduce_sum(exp(x - shift), axes, keepdims=True)) + shift
    return result if keepdims else squeeze(result, axes) if axes else result


def _check_bool(x):
    if not x.dtype.is_bool:
        raise InvalidArgumentError(f"reduce_all/reduce_any need a bool tensor, got {x.dtype.name}", "All")


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    """Logical OR over ``axis``: is any element true?"""
    x = convert_to_tensor(input_tensor)
    _check_bool(x)
    return greater(reduce_max(cast(x, dtypes.int32), axis, keepdims), 0)


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    """Logical AND over ``axis``: are all elements true (none false)?"""
    x = convert_to_tensor(input_tensor)
    _check_bool(x)
    return logical_not(reduce_any(logical_not(x), axis, keepdims))


# argmax: which index holds the largest value; not differentiable. argmin is argmax in reversed order.
def _argmax(xp, x, axis, dtype):
    return xp.argmax(x, axis=axis).astype(dtype._np)


ArgMax = Primitive("ArgMax", _argmax)


def argmax(input, axis=None, output_type=dtypes.int64, name=None):
    """Index of the largest value along ``axis`` (axis 0 when not given, as in TensorFlow); the first one on ties."""
    x = convert_to_tensor(input)
    axis = checks.normalize_axis("ArgMax", 0 if axis is None else axis, x.ndim)[0]
    return bind(ArgMax, x, axis=axis, dtype=dtypes.as_dtype(output_type))


def argmin(input, axis=None, output_type=dtypes.int64, name=None):
    """Index of the smallest value along ``axis`` (axis 0 when not given): ``argmax`` in reversed order."""
    x = convert_to_tensor(input)
    axis = checks.normalize_axis("ArgMin", 0 if axis is None else axis, x.ndim)[0]
    return argmax(reversed_order(x), axis, output_type)


def norm(tensor, ord="euclidean", axis=None, keepdims=False, name=None):
    """The Euclidean (``ord=2``) or ``ord=1`` norm over ``axis`` (all axes by default)."""
    x = convert_to_tensor(tensor)
    if ord in ("euclidean", "fro", 2):
        return sqrt(reduce_sum(square(x), axis, keepdims))
    if ord == 1:
        return reduce_sum(abs(x), axis, keepdims)
    raise ValueError(f"norm supports ord='euclidean' (or 2, 'fro') and ord=1, got {ord!r}.")


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescale ``t`` so its L2 norm over ``axes`` is at most ``clip_norm`` (unchanged if already smaller)."""
    t = convert_to_tensor(t)
    l2 = sqrt(reduce_sum(square(t), axes, keepdims=True))
    clip = convert_to_tensor(clip_norm, dtype=t.dtype)
    return t * clip / maximum(l2, clip)
