"""Ordering: top_k, sort and argsort (one primitive, TopKV2), and cumsum (a primitive).

As in TensorFlow, sorting is built on ``TopKV2``: the positions of the ``k``
largest values along the last axis. Here it returns only those positions (a
minitf primitive has one output); the values are gathered from them, so their
gradient is gather's. ``cumsum`` is a primitive because composing it (a product
with a triangle of ones) would cost memory quadratic in the axis length.
"""

import builtins
import collections

from minitf.errors import InvalidArgumentError, shape_text
from minitf.ops import checks
from minitf.ops.array_ops import gather, reshape, reshape_like, shape, transpose
from minitf.ops.math_ops import maximum, negative, ones_like, zeros_like
from minitf.primitive import Primitive, bind
from minitf.tensor import convert_to_tensor


# TopKV2 (indices only): not differentiable, it returns positions
def _check_top_k(x, k):
    shape = x._value.shape
    if x.dtype.is_bool:
        raise InvalidArgumentError("Value for attr 'T' of bool is not in the list of allowed values", "TopKV2",
                                   "Sort numbers: minitf.cast(x, minitf.int32) first.")
    if not shape:
        raise InvalidArgumentError(f"input must be >= 1-D, got shape {shape_text(shape)}", "TopKV2")
    if k is None:  # sort and argsort: the whole axis, whatever its length when the op runs
        return
    if k < 0:
        raise InvalidArgumentError(f"Need k >= 0, got {k}", "TopKV2")
    if shape[-1] < k:
        raise InvalidArgumentError(f"input must have at least k columns. Had {shape[-1]}, needed {k}", "TopKV2")


def _top_k_indices(xp, x, k):
    # a stable descending order: sort the reversed row ascending (stable), then reverse back, so that
    # equal values keep their original order, as TensorFlow's top_k (lower index first)
    n = x.shape[-1]
    ascending_of_reversed = xp.argsort(x[..., ::-1], axis=-1, kind="stable")
    return ((n - 1) - ascending_of_reversed[..., ::-1][..., :n if k is None else k]).astype("int32")


TopKV2 = Primitive("TopKV2", _top_k_indices, check=_check_top_k)

TopKResult = collections.namedtuple("TopKV2", ["values", "indices"])


def _take_along_last_axis(x, indices):
    """``x[..., indices[..., j]]`` row by row: gather from the flattened ``x`` at row number * row length + index.

    Positions come from a cumsum of ones and lengths from ``shape()``, both read when the op runs, so a graph
    traced with an unknown batch size (or sorted-axis length) works for any size.
    """
    if indices._value.size == 0:
        return zeros_like(indices, dtype=x.dtype)
    flat = reshape(indices, [-1])
    position = cumsum(ones_like(flat), exclusive=True)  # 0, 1, 2... over all the picked elements
    row = position // maximum(shape(indices, out_type=flat.dtype)[-1], 1)  # (an empty row has no positions)
    return reshape_like(gather(reshape(x, [-1]), flat + row * shape(x, out_type=flat.dtype)[-1]), indices)


def top_k(input, k=1, sorted=True, name=None):
    """The ``k`` largest values along the last axis and their positions (ties: the lower position first).

    >>> import minitf as tf
    >>> tf.math.top_k([1., 4., 3.], k=2).indices.numpy()
    array([1, 2], dtype=int32)
    """
    x = convert_to_tensor(input)
    indices = bind(TopKV2, x, k=int(k))
    return TopKResult(_take_along_last_axis(x, indices), indices)


def _last_axis_first(op, x, axis, direction):
    """Move ``axis`` last, so TopKV2 can sort it; return the moved tensor and the permutation."""
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"{direction} should be one of ASCENDING, DESCENDING")
    axis = checks.normalize_axis(op, int(axis), x.ndim)[0]
    perm = [d for d in builtins.range(x.ndim) if d != axis] + [axis]
    moved = transpose(x, perm) if axis != x.ndim - 1 else x
    return moved, perm


def _order(x, direction):
    """The positions that sort the last axis in ``direction`` (stable); ascending is descending of ``-x``."""
    keys = x if direction == "DESCENDING" else negative(x)
    return bind(TopKV2, keys, k=None)


def _move_back(x, perm):
    return x if perm == sorted(perm) else transpose(x, [perm.index(d) for d in builtins.range(len(perm))])


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The int32 positions that would sort ``values`` along ``axis`` (always stable here).

    >>> import minitf as tf
    >>> tf.argsort([3., 1., 2.]).numpy()
    array([1, 2, 0], dtype=int32)
    """
    x = convert_to_tensor(values)
    moved, perm = _last_axis_first("ArgSort", x, axis, direction)
    return _move_back(_order(moved, direction), perm)


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """``values`` sorted along ``axis``; the gradient goes back to where each value came from.

    >>> import minitf as tf
    >>> tf.sort([3., 1., 2.], direction="DESCENDING").numpy()
    array([3., 2., 1.], dtype=float32)
    """
    x = convert_to_tensor(values)
    moved, perm = _last_axis_first("Sort", x, axis, direction)
    return _move_back(_take_along_last_axis(moved, _order(moved, direction)), perm)


# Cumsum: d cumsum(x) = cumsum(dy) in the other direction (the reverse flag flipped)
def _check_cumsum(x, axis, exclusive, reverse):
    if x.dtype.is_bool:
        raise InvalidArgumentError("Value for attr 'T' of bool is not in the list of allowed values", "Cumsum",
                                   "Count with minitf.cast(x, minitf.int32) first.")
    ndim = x._value.ndim
    if not -ndim <= axis < ndim:
        raise InvalidArgumentError(f"ScanOp: Expected scan axis in the range [{-ndim}, {ndim}), but got {axis}",
                                   "Cumsum")


def _cumsum(xp, x, axis, exclusive, reverse):
    if reverse:
        x = xp.flip(x, axis)
    out = xp.cumsum(x, axis=axis, dtype=x.dtype)
    if exclusive:  # shift by one: element i gets the sum of those before it (0 for the first)
        shifted = xp.zeros_like(out)
        lead = (slice(None),) * (axis % x.ndim)
        shifted[lead + (slice(1, None),)] = out[lead + (slice(None, -1),)]
        out = shifted
    return xp.flip(out, axis) if reverse else out


def _cumsum_grad(dy, out, x, axis, exclusive, reverse):
    return cumsum(dy, axis, exclusive, not reverse)


Cumsum = Primitive("Cumsum", _cumsum, vjp=(_cumsum_grad,), check=_check_cumsum)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running sums along ``axis``: ``[a, a + b, a + b + c]`` (``exclusive`` starts at 0, ``reverse`` from the end).

    >>> import minitf as tf
    >>> tf.math.cumsum([1, 2, 3], exclusive=True).numpy()
    array([0, 1, 3], dtype=int32)
    """
    return bind(Cumsum, convert_to_tensor(x), axis=int(axis), exclusive=bool(exclusive), reverse=bool(reverse))


__all__ = ["top_k", "sort", "argsort", "cumsum"]
