"""Shape and indexing ops: reshape, transpose, broadcast_to, concat, gather, slicing, creation.

Primitives move values around without arithmetic, so each gradient rule moves
the gradient back: reshape it back, transpose it back, scatter it back. Creation
ops are compositions: ``fill``, ``zeros`` and ``ones`` broadcast one value to a
shape, and ``range`` is a constant (its values are fixed by its arguments).

Gradient rules never bake an input's shape into a param: they pass the input
itself and read its shape at run time (``reshape_like``, ``broadcast_like``,
``sum_like``), so a graph traced with an unknown batch size works for any size.
"""

import builtins
import functools

import numpy as np

from minitf import backend, dtypes
from minitf.errors import InvalidArgumentError, shape_text
from minitf.ops import checks
from minitf.ops.math_ops import cast, equal, where, zeros_like
from minitf.primitive import Primitive, bind
from minitf.tensor import Tensor, TensorShape, constant, convert_to_tensor, wrap


def _static_shape(shape):
    """A shape argument (list, TensorShape or int tensor) as a tuple of ints."""
    if isinstance(shape, Tensor):
        shape = shape._value.tolist()
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in TensorShape(shape))


def _output_shape(shape):
    """The shape of a tensor to create: whole numbers, none negative (TensorFlow's Fill checks the same)."""
    if not isinstance(shape, (Tensor, int)) and any(isinstance(d, float) for d in list(shape)):
        raise TypeError(f"Cannot convert {list(shape)} to EagerTensor of dtype int32\n"
                        "  A shape is whole numbers: write [2, 3], not [2.0, 3.0].")
    shape = _static_shape(shape)
    for d in shape:
        if d < 0:
            raise InvalidArgumentError(f"Dimension {d} must be >= 0", "Fill",
                                       f"Got the shape {list(shape)}: every dim must be 0 or more.")
    return shape


# reshape: d reshape(x) = reshape(dy, x.shape)
def _check_reshape(x, shape):
    unknown = [i for i, d in enumerate(shape) if d == -1]
    if len(unknown) > 1:
        raise InvalidArgumentError(f"Only one input size may be -1, not both {unknown[0]} and {unknown[1]}",
                                   "Reshape")
    for i, d in enumerate(shape):
        if d < -1:
            raise InvalidArgumentError(f"Size {i} must be non-negative, not {d}", "Reshape",
                                       "Sizes are 0 or more; one of them may be -1 (inferred).")
    known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
    size = x._value.size
    if unknown and known == 0 and size == 0:
        raise InvalidArgumentError(
            "Reshape cannot infer the missing input size for an empty tensor unless all specified input sizes "
            "are non-zero", "Reshape", f"Give every size of {list(shape)} explicitly (no -1).")
    if (unknown and (known == 0 or size % known)) or (not unknown and known != size):
        raise InvalidArgumentError(
            f"Input to reshape is a tensor with {size} values, but the requested shape "
            f"{'requires a multiple of' if unknown else 'has'} {known}",
            "Reshape",
            f"Cannot reshape a tensor of shape {x.shape} into {list(shape)}: the number of elements must match.",
        )


def _reshape(xp, x, shape):
    return x.reshape(shape)


def _reshape_grad(dy, out, x, shape):
    return reshape_like(dy, x)


Reshape = Primitive("Reshape", _reshape, vjp=(_reshape_grad,), check=_check_reshape)


# reshape_like: the gradient rules' reshape, to the shape the second input has when the op runs (so a graph
# traced with an unknown batch size works for any size). d = reshape dy back like x; ``like`` only lends a shape.
def _reshape_like(xp, x, like):
    return x.reshape(like.shape)


def _reshape_like_grad(dy, out, x, like):
    return reshape_like(dy, x)


ReshapeLike = Primitive("ReshapeLike", _reshape_like, vjp=(_reshape_like_grad, None))


def reshape_like(x, like):
    """Reshape ``x`` to the shape ``like`` has at run time (engine internal: used by gradient rules)."""
    return bind(ReshapeLike, x, like)


def reshape(tensor, shape, name=None):
    """Return ``tensor`` with the same values in a new shape; one dim may be ``-1`` (inferred)."""
    tensor = convert_to_tensor(tensor)
    checks.whole_numbers(shape.as_list() if isinstance(shape, TensorShape) else shape, "Tshape", "Reshape",
                         "A shape is whole numbers: write [2, 2], not [2.0, 2.0].")
    shape = _static_shape(shape)
    if tensor._value.shape == shape:
        return tensor
    return bind(Reshape, tensor, shape=shape)


# transpose: the gradient is transposed back with the inverse permutation
def _check_transpose(x, perm):
    if sorted(perm) != list(builtins.range(x.ndim)):
        raise InvalidArgumentError(
            f"transpose expects a vector of size {x.ndim}. But input(1) is a vector of size {len(perm)}"
            if len(perm) != x.ndim else f"{list(perm)} is not a valid permutation of {x.ndim} dimensions",
            "Transpose",
        )


def _transpose(xp, x, perm):
    return xp.transpose(x, perm)


def _transpose_grad(dy, out, x, perm):
    return transpose(dy, tuple(np.argsort(perm).tolist()))


Transpose = Primitive("Transpose", _transpose, vjp=(_transpose_grad,), check=_check_transpose)


def transpose(a, perm=None, name=None):
    """Permute the axes of ``a``; by default reverse them (a matrix transpose for 2-D)."""
    a = convert_to_tensor(a)
    perm = tuple(reversed(builtins.range(a.ndim))) if perm is None else tuple(int(p) for p in perm)
    return bind(Transpose, a, perm=perm)


def expanded_shape(shape, axis):
    """``shape`` with a 1 inserted at each position of ``axis`` (positions in the result)."""
    out = list(shape)
    for a in sorted(axis):
        out.insert(a, 1)
    return tuple(out)


# broadcast_to: the gradient is summed back to the input's shape
def _check_broadcast_to(x, shape):
    if checks.broadcast_shapes("BroadcastTo", x._value.shape, shape) != shape:
        raise InvalidArgumentError(f"Unable to broadcast tensor of shape {shape_text(x.shape)} to "
                                   f"tensor of shape {shape_text(shape)}", "BroadcastTo")


def broadcast_array(xp, x, shape):
    """``x`` repeated to ``shape``, as a new array (faster than ``xp.broadcast_to``'s view on small arrays)."""
    out = xp.empty(shape, x.dtype)
    out[...] = x
    return out


def _broadcast_to_grad(dy, out, x, shape):
    return sum_like(dy, x)


BroadcastTo = Primitive("BroadcastTo", broadcast_array, vjp=(_broadcast_to_grad,), check=_check_broadcast_to)


def summed_axes(big, small):
    """The axes of shape ``big`` that broadcasting shape ``small`` to it added or stretched."""
    lead = len(big) - len(small)
    return tuple(builtins.range(lead)) + tuple(lead + i for i, d in enumerate(small) if d == 1 and big[lead + i] != 1)


# sum_like and broadcast_like undo each other: d sum_like = broadcast_like(dy, x), d broadcast_like = sum_like
def _sum_like(xp, x, like):
    return x.sum(axis=summed_axes(x.shape, like.shape)).reshape(like.shape)


def _sum_like_grad(dy, out, x, like):
    return broadcast_like(dy, x)


def _broadcast_like(xp, x, like):
    return broadcast_array(xp, x, like.shape)


def _broadcast_like_grad(dy, out, x, like):
    return sum_like(dy, x)


SumLike = Primitive("SumLike", _sum_like, vjp=(_sum_like_grad, None))
BroadcastLike = Primitive("BroadcastLike", _broadcast_like, vjp=(_broadcast_like_grad, None))


def broadcast_like(x, like):
    """Repeat ``x`` to the shape ``like`` has at run time (engine internal: used by gradient rules)."""
    return bind(BroadcastLike, x, like)


def sum_like(x, like):
    """Sum ``x`` over the dims that broadcasting added, so it gets the shape ``like`` has at run time.

    This is the one place where broadcasting is undone: the tape calls it on every
    gradient whose shape differs from its input's.
    """
    return bind(SumLike, x, like)


def broadcast_to(input, shape, name=None):
    """Repeat ``input`` along size-1 (or missing leading) dims to reach ``shape``."""
    input = convert_to_tensor(input)
    shape = _static_shape(shape)
    if input._value.shape == shape:
        return input
    return bind(BroadcastTo, input, shape=shape)


# concat: the gradient is cut back into the pieces
def _check_concat(*values, axis):
    checks.same_dtypes("ConcatV2", *values)
    first = values[0]._value.shape
    for i, v in enumerate(values[1:], 1):
        other = v._value.shape
        if len(other) != len(first):
            raise InvalidArgumentError(
                f"ConcatOp : Ranks of all input tensors should match: shape[0] = {shape_text(first)} vs. "
                f"shape[{i}] = {shape_text(other)}", "ConcatV2")
        for d, (a, b) in enumerate(zip(first, other)):
            if d != axis and a != b:
                raise InvalidArgumentError(
                    f"ConcatOp : Dimension {d} in both shapes must be equal: shape[0] = {shape_text(first)} "
                    f"vs. shape[{i}] = {shape_text(other)}", "ConcatV2",
                    f"Only dimension {axis} (the concat axis) may differ.")


def _concat(xp, *values, axis):
    return xp.concatenate(values, axis=axis)


def _concat_piece(xp, dy, *values, index, axis):
    start = builtins.sum(v.shape[axis] for v in values[:index])
    return dy[(slice(None),) * axis + (slice(start, start + values[index].shape[axis]),)]


def _concat_piece_grad(ddy, out, dy, *values, index, axis):
    return concat([ddy if i == index else zeros_like(v) for i, v in enumerate(values)], axis)


# values[index]'s piece of dy, at an offset read from the pieces' run-time shapes (so a traced graph works for
# any batch size; TensorFlow computes it with ConcatOffset and Slice). Only dy gets a gradient: values give shapes.
ConcatPiece = Primitive("ConcatPiece", _concat_piece, vjp=(_concat_piece_grad,))


def _concat_grad(dy, out, *values, axis, index):
    """d concat / d values[index]: that input's piece of ``dy``."""
    return bind(ConcatPiece, dy, *values, index=index, axis=axis)


@functools.cache
def _concat_primitive(count):
    """ConcatV2 for ``count`` inputs: one gradient rule per input, each cutting out its own piece of dy."""
    rules = tuple(functools.partial(_concat_grad, index=i) for i in builtins.range(count))
    return Primitive("ConcatV2", _concat, vjp=rules, check=_check_concat)


def concat(values, axis, name=None):
    """Join tensors along an existing ``axis``; all other dims must match."""
    values = [convert_to_tensor(v) for v in values]
    if not values:
        raise ValueError("concat needs at least one tensor.")
    ndim = values[0].ndim
    if not -ndim <= axis < max(ndim, 1):
        raise InvalidArgumentError(f"ConcatOp : Expected concatenating dimensions in the range "
                                   f"[{-ndim}, {ndim}), but got {axis}", "ConcatV2")
    if len(values) == 1:
        return values[0]
    return bind(_concat_primitive(len(values)), *values, axis=axis % ndim)


# expand_dims/squeeze name axes, not a whole shape, so they suit any batch size; each undoes the other
def _expand_dims(xp, x, axis):
    return x.reshape(expanded_shape(x.shape, axis))


def _expand_dims_grad(dy, out, x, axis):
    return bind(Squeeze, dy, axis=axis)


def _squeeze(xp, x, axis):
    return x.reshape(tuple(d for i, d in enumerate(x.shape) if i not in axis))


def _squeeze_grad(dy, out, x, axis):
    return bind(ExpandDims, dy, axis=axis)


ExpandDims = Primitive("ExpandDims", _expand_dims, vjp=(_expand_dims_grad,))
Squeeze = Primitive("Squeeze", _squeeze, vjp=(_squeeze_grad,))


def expand_dims(input, axis, name=None):
    """Insert a dim of size 1 at ``axis`` (negative counts from the end of the new shape)."""
    input = convert_to_tensor(input)
    ndim = input.ndim
    if not -ndim - 1 <= axis <= ndim:
        raise InvalidArgumentError(f"Tried to expand dim index {axis} for tensor with {ndim} dimensions.",
                                   "ExpandDims")
    return bind(ExpandDims, input, axis=(axis % (ndim + 1),))


def squeeze(input, axis=None, name=None):
    """Remove dims of size 1 (all of them, or those in ``axis``)."""
    input = convert_to_tensor(input)
    shape = input._value.shape
    if axis is None:
        axes = [i for i, d in enumerate(shape) if d == 1]
    else:
        axes = list(checks.normalize_axis("Squeeze", axis, input.ndim))
        for a in axes:
            if shape[a] != 1:
                raise InvalidArgumentError(
                    f"Can not squeeze dim[{a}], expected a dimension of 1, got {shape[a]}", "Squeeze")
    return bind(Squeeze, input, axis=tuple(axes)) if axes else input


def stack(values, axis=0, name=None):
    """Join same-shaped tensors along a new ``axis``."""
    values = [convert_to_tensor(v) for v in values]
    shapes = {v._value.shape for v in values}
    if len(shapes) > 1:
        first, other = values[0].shape, next(v.shape for v in values if v.shape != values[0].shape)
        raise InvalidArgumentError(
            f"Shapes of all inputs must match: values[0].shape = {shape_text(first)} != "
            f"values[i].shape = {shape_text(other)}", "Pack")
    ndim = values[0].ndim
    if not -ndim - 1 <= axis < ndim + 1:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-ndim - 1}, {ndim + 1})\n"
                         f"  stack adds a new axis to tensors of rank {ndim}: it can go at positions "
                         f"{-ndim - 1} to {ndim}.")
    axis = axis % (ndim + 1)
    return concat([expand_dims(v, axis) for v in values], axis)


def unstack(value, num=None, axis=0, name=None):
    """Split ``value`` into a list of tensors along ``axis`` (that dim disappears)."""
    value = convert_to_tensor(value)
    axis = axis % value.ndim
    return [value[(slice(None),) * axis + (i,)] for i in builtins.range(value._value.shape[axis])]


# indexing with ints, slices, None and ...: the gradient is scattered back into zeros
_INDEX_HELP = ("Only integers, slices (`:`), ellipsis (`...`), minitf.newaxis (`None`) and scalar "
               "minitf.int32/minitf.int64 tensors are valid indices, got {!r}")


def normalize_index(key, shape):
    """Check an index against ``shape`` and return it as a tuple of ints, slices, None and Ellipsis."""
    key = key if isinstance(key, tuple) else (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor) and k.dtype.is_integer and k.ndim == 0:
            k = int(k)
        elif isinstance(k, slice):
            k = slice(*(int(p) if isinstance(p, Tensor) else p for p in (k.start, k.stop, k.step)))
        elif not (k is None or k is Ellipsis or (isinstance(k, (int, np.integer)) and not isinstance(k, bool))):
            raise TypeError(_INDEX_HELP.format(k) + "\n  To pick several elements use minitf.gather.")
        out.append(int(k) if isinstance(k, np.integer) else k)
    consumed = sum(1 for k in out if k is not None and k is not Ellipsis)
    if consumed > len(shape):
        raise InvalidArgumentError(
            f"Index out of range using input dim {len(shape)}; input has only {len(shape)} dims",
            "StridedSlice")
    dim = 0
    for k in out:
        if k is Ellipsis:
            dim += len(shape) - consumed
        elif k is not None:
            if isinstance(k, int) and not -shape[dim] <= k < shape[dim]:
                raise InvalidArgumentError(f"slice index {k} of dimension {dim} out of bounds.", "StridedSlice",
                                           f"Dimension {dim} has size {shape[dim]}.")
            dim += 1
    return tuple(out)


def _strided_slice(xp, x, key):
    return x[key]


def _strided_slice_grad(dy, out, x, key):
    return bind(StridedSliceGrad, dy, x, key=key)


StridedSlice = Primitive("StridedSlice", _strided_slice, vjp=(_strided_slice_grad,))


# StridedSliceGrad: dy scattered into zeros shaped like x; its own gradient slices again
def _strided_slice_grad_forward(xp, dy, like, key):
    dx = xp.zeros(like.shape, dy.dtype)
    dx[key] = dy
    return dx


def _strided_slice_grad_grad(ddy, out, dy, like, key):
    return bind(StridedSlice, ddy, key=key)


StridedSliceGrad = Primitive("StridedSliceGrad", _strided_slice_grad_forward, vjp=(_strided_slice_grad_grad, None))


def strided_slice(tensor, key):
    """``tensor[key]``: basic NumPy-style indexing, differentiable."""
    return bind(StridedSlice, tensor, key=normalize_index(key, tensor._value.shape))


# gather: the gradient is scatter-added back (repeated indices add up)
def _check_gather(params, indices, axis):
    if not indices.dtype.is_integer:
        raise InvalidArgumentError(f"indices must be int32 or int64, got {indices.dtype.name}", "GatherV2")
    size = params._value.shape[axis]
    bad = checks.first_out_of_range(indices._value, size)
    if bad is not None:
        raise InvalidArgumentError(f"indices = {bad} is not in [0, {size})", "GatherV2",
                                   f"Axis {axis} of params has size {size}.")


def _gather(xp, params, indices, axis):
    return xp.take(params, indices, axis=axis)


def _gather_grad(dy, out, params, indices, axis):
    return bind(UnsortedSegmentSum, dy, indices, params, axis=axis)


GatherV2 = Primitive("GatherV2", _gather, vjp=(_gather_grad, None), check=_check_gather)


# gather's gradient: dy scatter-added back into zeros shaped like params (repeated indices add up);
# its own gradient gathers again
def _unsorted_segment_sum(xp, dy, indices, like, axis):
    dx = xp.zeros(like.shape, dy.dtype)
    moved = xp.moveaxis(dx, axis, 0)
    dy_moved = xp.moveaxis(dy, list(builtins.range(axis, axis + indices.ndim)), list(builtins.range(indices.ndim)))
    xp.add.at(moved, indices, dy_moved)
    return dx


def _unsorted_segment_sum_grad(ddy, out, dy, indices, like, axis):
    return gather(ddy, indices, axis=axis)


UnsortedSegmentSum = Primitive("UnsortedSegmentSum", _unsorted_segment_sum,
                               vjp=(_unsorted_segment_sum_grad, None, None))


def gather(params, indices, axis=0, name=None):
    """Pick slices of ``params`` along ``axis`` at ``indices``: ``gather(x, [2, 0])`` is rows 2 and 0."""
    params = convert_to_tensor(params)
    indices = convert_to_tensor(indices)
    axis = checks.normalize_axis("GatherV2", axis, params.ndim)[0]
    return bind(GatherV2, params, indices, axis=axis)


def one_hot(indices, depth, on_value=None, off_value=None, axis=-1, dtype=None, name=None):
    """Encode integer ``indices`` as vectors of length ``depth``; out-of-range indices give all zeros."""
    indices = convert_to_tensor(indices)
    if not indices.dtype.is_integer:
        raise InvalidArgumentError(f"one_hot indices must be integers, got {indices.dtype.name}", "OneHot",
                                   "Cast the labels first: minitf.cast(labels, minitf.int32).")
    dtype = dtypes.as_dtype(dtype) if dtype else dtypes.float32
    if axis != -1 and not 0 <= axis <= indices.ndim:
        raise InvalidArgumentError(f"Expected axis to be -1 or between [0, {indices.ndim + 1}).  But received: "
                                   f"{axis}", "OneHot", "axis is where the new one-hot dim goes in the output.")
    if int(depth) < 0:
        raise InvalidArgumentError(f"depth must be non-negative, got: {int(depth)}", "OneHot",
                                   "depth is the number of classes.")
    hot = equal(expand_dims(indices, -1), range(int(depth), dtype=indices.dtype))  # out of range: all False
    if on_value is None and off_value is None:
        out = cast(hot, dtype)
    else:
        on = convert_to_tensor(1 if on_value is None else on_value, dtype=dtype)
        out = where(hot, on, convert_to_tensor(0 if off_value is None else off_value, dtype=dtype))
    axis = axis % (indices.ndim + 1)
    if axis == indices.ndim:
        return out
    return transpose(out, tuple(builtins.range(axis)) + (indices.ndim,) + tuple(builtins.range(axis, indices.ndim)))


# identity: d = dy; stop_gradient: the same value, but no gradient rule
def _identity(xp, x):
    return x


def _identity_grad(dy, out, x):
    return dy


Identity = Primitive("Identity", _identity, vjp=(_identity_grad,))
StopGradient = Primitive("StopGradient", _identity)


def identity(input, name=None):
    """Return a tensor with the same values (reading a Variable this way gives a snapshot)."""
    return bind(Identity, convert_to_tensor(input))


def stop_gradient(input, name=None):
    """Return ``input`` unchanged, but tapes treat it as a constant: no gradient flows through."""
    return bind(StopGradient, convert_to_tensor(input))


# shape queries: not differentiable
def _shape(xp, x, dtype):
    return xp.asarray(x.shape, dtype=dtype._np)


def _size(xp, x, dtype):
    return xp.asarray(x.size, dtype=dtype._np)


Shape = Primitive("Shape", _shape)
Size = Primitive("Size", _size)


def shape(input, out_type=dtypes.int32, name=None):
    """Return the shape of ``input`` as an int32 tensor (``x.shape`` gives a TensorShape)."""
    return bind(Shape, convert_to_tensor(input), dtype=dtypes.as_dtype(out_type))


def size(input, out_type=dtypes.int32, name=None):
    """Return the number of elements of ``input`` as a scalar int32 tensor."""
    return bind(Size, convert_to_tensor(input), dtype=dtypes.as_dtype(out_type))


def rank(input, name=None):
    """Return the number of dims of ``input`` as a scalar int32 tensor."""
    return convert_to_tensor(convert_to_tensor(input).ndim)


# creation: one value broadcast to a shape, as TensorFlow's Fill
def fill(dims, value, name=None):
    """Return a tensor of shape ``dims`` filled with ``value`` (its dtype comes from ``value``)."""
    value = convert_to_tensor(value)
    if value.ndim:
        raise InvalidArgumentError(f"value must be a scalar, got shape {shape_text(value.shape)}", "Fill")
    return broadcast_to(value, _output_shape(dims))


def zeros(shape, dtype=dtypes.float32, name=None):
    """Return a tensor of zeros (float32 unless ``dtype`` says otherwise)."""
    return fill(shape, wrap(backend.xp.zeros((), dtypes.as_dtype(dtype)._np)))


def ones(shape, dtype=dtypes.float32, name=None):
    """Return a tensor of ones (float32 unless ``dtype`` says otherwise)."""
    return fill(shape, wrap(backend.xp.ones((), dtypes.as_dtype(dtype)._np)))


def eye(num_rows, num_columns=None, dtype=dtypes.float32, name=None):
    """Return an identity matrix (ones on the diagonal): one-hot rows."""
    return one_hot(range(int(num_rows)), int(num_columns or num_rows), dtype=dtype)


def range(start, limit=None, delta=1, dtype=None, name=None):
    """Return ``[start, start + delta, ...]`` up to but excluding ``limit``, like Python's range.

    The dtype is int32 when all arguments are ints and float32 otherwise.
    """
    if limit is None:
        start, limit = 0, start
    args = [float(a) if isinstance(a, Tensor) and a.dtype.is_floating else a for a in (start, limit, delta)]
    args = [int(a) if isinstance(a, Tensor) else a for a in args]
    if dtype is None:
        dtype = dtypes.float32 if any(isinstance(a, float) for a in args) else dtypes.int32
    start, limit, delta = args
    if delta == 0:
        raise InvalidArgumentError("Requires delta != 0: 0", "Range")
    if delta > 0 and start > limit:
        raise InvalidArgumentError(f"Requires start <= limit when delta > 0: {start}/{limit}", "Range",
                                   "Counting up needs limit >= start; for a countdown pass a negative delta.")
    if delta < 0 and start < limit:
        raise InvalidArgumentError(f"Requires start >= limit when delta < 0: {start}/{limit}", "Range",
                                   "Counting down needs limit <= start; to count up pass a positive delta.")
    return constant(np.arange(start, limit, delta, dtype=dtypes.as_dtype(dtype)._np))  # fixed values: a constant


def linspace(start, stop, num, name=None):
    """Return ``num`` evenly spaced values from ``start`` to ``stop`` inclusive, in ``start``'s float dtype.

    Integer bounds give float64, as TensorFlow's (its step is a true division of integers):
    ``linspace(-2, 2, 5)`` is float64, ``linspace(-2., 2., 5)`` float32.
    """
    start = convert_to_tensor(start)
    dtype = start.dtype if start.dtype.is_floating else dtypes.float64
    return constant(np.linspace(float(start), float(stop), int(num)), dtype=dtype)
