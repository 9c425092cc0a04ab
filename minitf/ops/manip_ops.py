"""Rearranging values: tile, split, repeat, pad, gather_nd, boolean_mask, tensor_scatter_nd_update.

No primitive here: each op is built from reshape, expand_dims, slicing, gather,
concat, broadcast_to, where and one_hot, so gradients flow through all of them for free. Index
arguments are checked against the shapes first, so a bad index gets TensorFlow's
message instead of a wrong value or NumPy's text.
"""

import math

import numpy as np

from minitf import backend, dtypes
from minitf.errors import InvalidArgumentError, shape_text
from minitf.ops import checks
from minitf.ops.array_ops import broadcast_to, concat, expand_dims, gather, one_hot, reshape
from minitf.ops.math_ops import where
from minitf.ops.reduction_ops import argmax, reduce_max, reduce_sum
from minitf.tensor import Tensor, constant, convert_to_tensor


def _int_values(value, attr, op):
    """A Python int, list of ints or int tensor as a list of ints (floats get TensorFlow's attr error)."""
    return checks.whole_numbers(value, attr, op, "Give whole numbers, e.g. [2, 1] rather than [2.0, 1.0].")


def tile(input, multiples, name=None):
    """Repeat the whole of ``input`` ``multiples[i]`` times along each dim ``i``.

    >>> import minitf as tf
    >>> tf.tile([[1, 2]], [2, 2]).numpy()
    array([[1, 2, 1, 2],
           [1, 2, 1, 2]], dtype=int32)
    """
    x = convert_to_tensor(input)
    multiples = _int_values(multiples, "Tmultiples", "Tile")
    shape = x._value.shape
    if len(multiples) != len(shape):
        raise InvalidArgumentError(f"Expected multiples argument to be a vector of length {len(shape)} but got "
                                   f"length {len(multiples)}", "Tile", "Give one multiple per dim of the input.")
    for i, m in enumerate(multiples):
        if m < 0:
            raise InvalidArgumentError(f"Expected multiples[{i}] >= 0, but got {m}", "Tile")
    # each dim d becomes (m, d): a new axis in front of it, stretched to m by a where on an all-True mask
    # (it broadcasts whatever d is when the op runs, for any dtype), then the two are merged
    spread = x
    for axis in range(len(shape)):
        spread = expand_dims(spread, 2 * axis)
    repeat_mask = constant(np.ones([s for m in multiples for s in (m, 1)], dtype=bool))
    return _reshape_keeping_batch(where(repeat_mask, spread, spread), [m * d for m, d in zip(multiples, shape)])


def _reshape_keeping_batch(x, shape):
    """``reshape(x, shape)`` with dim 0 left to be inferred (-1), so a graph traced with an unknown batch size
    works for any size; an empty shape has nothing to infer from and stays as given."""
    if shape and 0 not in shape:
        shape = [-1] + list(shape[1:])
    return reshape(x, shape)


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """Cut ``value`` along ``axis`` into equal parts (an int) or parts of the given sizes (a list; one may be -1)."""
    value = convert_to_tensor(value)
    axis = checks.normalize_axis("Split", int(axis), value.ndim)[0]
    size = value._value.shape[axis]
    if isinstance(num_or_size_splits, int) or (isinstance(num_or_size_splits, Tensor)
                                                 and num_or_size_splits.ndim == 0):
        parts = int(num_or_size_splits)
        if parts <= 0 or size % parts:
            raise InvalidArgumentError(
                f"Number of ways to split should evenly divide the split dimension, but got split_dim {axis} "
                f"(size = {size}) and num_split {parts}", "Split",
                "Pass a list of sizes instead to cut unequal parts.")
        sizes = [size // parts] * parts
    else:
        sizes = _int_values(num_or_size_splits, "Tlen", "SplitV")
        known = sum(s for s in sizes if s != -1)
        free = sizes.count(-1)
        if free > 1 or any(s < -1 for s in sizes) or known > size or (not free and known != size):
            raise InvalidArgumentError(
                "Determined shape must either match input shape along split_dim exactly if fully specified, or "
                f"be less than the size of the input along split_dim if not fully specified.  Got: {known}",
                "SplitV", f"The sizes {sizes} must add up to {size}, the size of dim {axis} (one may be -1).")
        if free:
            sizes[sizes.index(-1)] = size - known
    out, start = [], 0
    for s in sizes:
        out.append(value[(slice(None),) * axis + (slice(start, start + s),)])
        start += s
    return out


def repeat(input, repeats, axis=None, name=None):
    """Repeat each element (each slice along ``axis``) ``repeats`` times; ``axis=None`` flattens first.

    >>> import minitf as tf
    >>> tf.repeat([1, 2], [3, 1]).numpy()
    array([1, 1, 1, 2], dtype=int32)
    """
    x = convert_to_tensor(input)
    if axis is None:
        x, axis = reshape(x, [-1]), 0
    axis = checks.normalize_axis("Repeat", int(axis), x.ndim)[0]
    size = x._value.shape[axis]
    counts = _int_values(repeats, "T", "Repeat")
    if len(counts) not in (1, size):
        raise InvalidArgumentError(f"Dimensions must be equal, but are {len(counts)} and {size}", "Repeat",
                                   f"Give one count, or one per element along axis {axis} ({size}).")
    if any(c < 0 for c in counts):
        raise InvalidArgumentError(f"repeats must be non-negative, got {counts}", "Repeat")
    indices = np.repeat(np.arange(size, dtype=np.int32), counts if len(counts) == size else counts[0])
    return gather(x, constant(indices), axis=axis)


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Add ``paddings[i] = [before, after]`` values around dim ``i``: ``constant_values``, or the edge mirrored.

    ``mode="REFLECT"`` mirrors without repeating the edge (``[1, 2, 3]`` -> ``3 2 | 1 2 3 | 2 1``),
    ``"SYMMETRIC"`` with it (``2 1 | 1 2 3 | 3 2``). Built from concat (constant blocks) and gather
    (mirrored indices), so the gradient of the padded values flows back to the ones they copy.

    >>> import minitf as tf
    >>> tf.pad([[1, 2]], [[1, 0], [0, 2]]).numpy()
    array([[0, 0, 0, 0],
           [1, 2, 0, 0]], dtype=int32)
    """
    x, mode = convert_to_tensor(tensor), str(mode).upper()
    amounts, shape = _int_values(paddings, "Tpaddings", "Pad"), x._value.shape
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError(f"Value for attr 'mode' of {mode!r} is not in the list of allowed values: \"REFLECT\", "
                         "\"SYMMETRIC\", \"CONSTANT\"\n  Use one of those (any case).")
    pairs = [amounts[i:i + 2] for i in range(0, len(amounts), 2)]
    if len(pairs) != len(shape) or any(len(pair) != 2 or min(pair) < 0 for pair in pairs):
        raise InvalidArgumentError(f"paddings must be a [{len(shape)}, 2] matrix of non-negative numbers, got {pairs}",
                                   "Pad", "Give one [before, after] pair per dim of the input.")
    for axis, (before, after) in enumerate(pairs):
        size, limit = shape[axis], shape[axis] - (mode == "REFLECT")
        if mode != "CONSTANT" and max(before, after) > limit:
            raise InvalidArgumentError(f"paddings must be no greater than the dimension size: {before}, {after} "
                                       f"greater than {limit}", "MirrorPad", f"Dim {axis} has {size} values to mirror.")
        if mode == "CONSTANT" and (before or after):
            value = constant(constant_values, dtype=x.dtype)
            blocks = [broadcast_to(value, shape[:axis] + (n,) + shape[axis + 1:]) for n in (before, after)]
            x = concat([blocks[0], x, blocks[1]], axis)
        elif before or after:
            edge = int(mode == "REFLECT")  # REFLECT skips the edge value itself
            indices = list(range(before - 1 + edge, edge - 1, -1)) + list(range(size)) + \
                list(range(size - 1 - edge, size - 1 - edge - after, -1))
            x = gather(x, indices, axis=axis)
        shape = x._value.shape
    return x


def _flat_indices(params_shape, indices, op, what="param shape"):
    """The positions ``indices[..., :]`` point at, counted in ``params_shape[:depth]`` flattened (checked first)."""
    if not indices.dtype.is_integer:
        raise InvalidArgumentError(f"indices must be int32 or int64, got {indices.dtype.name}", op)
    if indices.ndim == 0:
        raise InvalidArgumentError("indices must be at least a vector, got a scalar", op,
                                   "Wrap a single index in a list: [[1, 2]] picks element [1, 2].")
    depth = indices._value.shape[-1]
    if depth > len(params_shape):
        raise InvalidArgumentError(f"index innermost dimension length must be <= params rank; saw: {depth} vs. "
                                   f"{len(params_shape)}", op)
    values = backend.to_numpy(indices._value).reshape(-1, depth) if depth else np.zeros((0, 0), np.int64)
    bad = ((values < 0) | (values >= np.asarray(params_shape[:depth], dtype=np.int64))).any(axis=-1)
    if bad.any():
        row = int(bad.nonzero()[0][0])
        position = ",".join(str(i) for i in np.unravel_index(row, indices._value.shape[:-1]))
        raise InvalidArgumentError(
            f"indices[{position}] = [{', '.join(str(v) for v in values[row].tolist())}] does not index into {what} "
            f"{shape_text(params_shape)}", op, f"Each index must be in [0, dim) for the first {depth} dims.")
    strides = [math.prod(params_shape[k + 1:depth]) for k in range(depth)]
    flat = reduce_sum(indices * constant(strides, dtype=indices.dtype), axis=-1)
    return flat, depth


def gather_nd(params, indices, batch_dims=0, name=None):
    """Pick elements (or slices) of ``params`` by full index tuples: ``gather_nd(x, [[0, 1], [2, 0]])``.

    The last dim of ``indices`` holds an index into the first dims of ``params``; the
    result has shape ``indices.shape[:-1] + params.shape[indices.shape[-1]:]``.
    """
    params, indices = convert_to_tensor(params), convert_to_tensor(indices)
    if batch_dims:
        raise NotImplementedError("gather_nd with batch_dims is not supported in minitf.\n  "
                                  "Add the batch index to each index tuple instead.")
    shape = params._value.shape
    flat, depth = _flat_indices(shape, indices, "GatherNd")
    rows = reshape(params, [math.prod(shape[:depth])] + list(shape[depth:]))
    return gather(rows, flat)


def boolean_mask(tensor, mask, axis=None, name=None):
    """Keep the slices of ``tensor`` where ``mask`` is True (mask covers dims ``axis`` to ``axis + mask.ndim``).

    >>> import minitf as tf
    >>> tf.boolean_mask([1, 2, 3], [True, False, True]).numpy()
    array([1, 3], dtype=int32)
    """
    tensor, mask = convert_to_tensor(tensor), convert_to_tensor(mask)
    if not mask.dtype.is_bool:
        raise TypeError(f"boolean_mask needs a bool mask, got {mask.dtype.name}\n  "
                        "Build it with a comparison, e.g. minitf.boolean_mask(x, x > 0).")
    axis = 0 if axis is None else int(axis)
    shape, k = tensor._value.shape, mask.ndim
    if k == 0:
        raise ValueError("mask cannot be scalar.")
    if tuple(shape[axis:axis + k]) != mask._value.shape:
        raise ValueError(f"Shapes {tuple(mask.shape)} and {tuple(shape[axis:axis + k])} are incompatible\n  "
                         f"The mask must have the shape of the tensor's dims {axis} to {axis + k - 1}.")
    merged = _reshape_keeping_batch(
        tensor, list(shape[:axis]) + [math.prod(shape[axis:axis + k])] + list(shape[axis + k:]))
    kept = reshape(where(reshape(mask, [-1])), [-1])
    return gather(merged, kept, axis=axis)


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """Return a copy of ``tensor`` with the elements (or slices) at ``indices`` replaced by ``updates``.

    Where an index repeats, the last update wins. Built from one_hot, gather and where:
    the gradient goes to ``updates`` for the replaced places and to ``tensor`` elsewhere.

    >>> import minitf as tf
    >>> tf.tensor_scatter_nd_update([0, 0, 0, 0], [[1], [3]], [5, 7]).numpy()
    array([0, 5, 0, 7], dtype=int32)
    """
    tensor, indices = convert_to_tensor(tensor), convert_to_tensor(indices)
    updates = convert_to_tensor(updates, dtype=tensor.dtype)
    shape = tensor._value.shape
    flat, depth = _flat_indices(shape, indices, "TensorScatterUpdate", "shape")
    expected = indices._value.shape[:-1] + shape[depth:]
    if updates._value.shape != expected:
        raise InvalidArgumentError(
            f"updates must have shape {shape_text(expected)} (indices.shape[:-1] + tensor.shape[{depth}:]), "
            f"got {shape_text(updates.shape)}", "TensorScatterUpdate")
    count, inner = flat._value.size, math.prod(shape[depth:])
    if count == 0:
        return tensor
    hits = one_hot(reshape(flat, [-1]), math.prod(shape[:depth]), dtype=dtypes.int32)  # [update, place]
    last = (count - 1) - argmax(hits[::-1], axis=0, output_type=dtypes.int32)  # the last update of each place
    placed = gather(reshape(updates, [count, inner]), last)  # [place, inner]; gathered, so inf/nan stay put
    replaced = expand_dims(reduce_max(hits, axis=0) > 0, -1)
    return reshape(where(replaced, placed, reshape(tensor, [-1, inner])), shape)


__all__ = ["tile", "split", "repeat", "gather_nd", "boolean_mask", "tensor_scatter_nd_update"]
