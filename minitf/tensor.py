"""Tensor, TensorShape, and the ways values become tensors (``constant``, ``convert_to_tensor``).

A ``Tensor`` is an immutable wrapper around one backend array (``_value``). This
module gives it its Python protocols (printing, ``len``, iteration, ``float()``,
NumPy interop); its arithmetic operators are attached by ``minitf.ops`` so that
every operator goes through ``bind`` like any other op.
"""

import math
import operator

import numpy as np

from minitf import backend, dtypes


def _dimension(value):
    """One dim of a shape as an int; a float (even 2.0) is refused, as TensorFlow's Dimension does."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"Dimension value must be integer or None or have an __index__ method, got value "
                        f"'{value!r}' with type '{type(value)}'\n  Shapes are whole numbers: write 2, not 2.0."
                        ) from None


class TensorShape:
    """A tensor's shape: a tuple of dims, where ``None`` means "unknown" (used by tracing and Keras).

    >>> TensorShape([2, 3])
    TensorShape([2, 3])
    >>> TensorShape([2, 3]) == (2, 3), TensorShape([None, 3])[1]
    (True, 3)
    """

    __slots__ = ("_dims",)

    def __init__(self, dims):
        if isinstance(dims, TensorShape):
            dims = dims._dims
        self._dims = None if dims is None else tuple(None if d is None else _dimension(d) for d in dims)

    @property
    def rank(self):
        return None if self._dims is None else len(self._dims)

    ndims = rank

    @property
    def dims(self):
        return None if self._dims is None else list(self._dims)

    def as_list(self):
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def num_elements(self):
        """The number of elements, or ``None`` when any dim is unknown."""
        return math.prod(self._dims) if self.is_fully_defined() else None

    def is_fully_defined(self):
        return self._dims is not None and None not in self._dims

    def is_compatible_with(self, other):
        """True when the shapes could be equal once unknown dims are filled in."""
        other = TensorShape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self._dims, other._dims))

    def concatenate(self, other):
        other = TensorShape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    def __len__(self):
        if self._dims is None:
            raise ValueError("Cannot take the length of a shape with unknown rank.")
        return len(self._dims)

    def __iter__(self):
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self._dims)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        return self._dims[key]

    def __eq__(self, other):
        try:
            other = TensorShape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self._dims == other._dims

    def __hash__(self):
        return hash(self._dims)

    def __repr__(self):
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({list(self._dims)})"

    def __str__(self):
        return "<unknown>" if self._dims is None else str(self._dims)  # a tuple's text: (2, 3), (None,), ()


# hook(tensor, what, stacklevel) runs before Python reads a tensor's value (bool, float, int): while
# tracing, minitf.function warns that such a value is fixed at trace time (there is no AutoGraph).
python_value_hooks = []


class Tensor:
    """An immutable n-dimensional array with a dtype and a shape, as ``tf.Tensor``.

    Create tensors with ``minitf.constant`` or any op; read them with ``.numpy()``.

    >>> import minitf as tf
    >>> t = tf.constant([[1., 2.], [3., 4.]])
    >>> t.shape, t.dtype
    (TensorShape([2, 2]), tf.float32)
    """

    # _slice_of: (variable, index) for a slice of a Variable, so that v[0].assign(...) works.
    # __weakref__: tensors can be weakly referenced (Keras remembers the logits of a softmax output that way).
    __slots__ = ("_value", "_slice_of", "__weakref__")
    __array_priority__ = 100  # makes `ndarray + tensor` call Tensor.__radd__

    @property
    def shape(self):
        return TensorShape(self._value.shape)

    def get_shape(self):
        return self.shape

    @property
    def dtype(self):
        return dtypes.of_array(self._value)

    @property
    def ndim(self):
        return self._value.ndim

    @property
    def device(self):
        """Where the tensor's array lives: ``/device:CPU:0``, or ``/device:GPU:<n>`` on the CuPy backend."""
        return f"/device:GPU:{getattr(getattr(self._value, 'device', None), 'id', 0)}" if backend.name == "cupy" \
            else "/device:CPU:0"

    def numpy(self):
        """Return the values as a new NumPy array (a copy: changing it does not change the tensor)."""
        value = backend.to_numpy(self._value)
        return value.copy() if value is self._value else value

    def __array__(self, dtype=None, copy=None):
        value = np.asarray(backend.to_numpy(self._value))
        if dtype is not None and value.dtype != dtype:
            return value.astype(dtype)
        if copy:
            return value.copy()
        view = value.view()
        view.flags.writeable = False  # NumPy may read the tensor's array, never change it
        return view

    def ref(self):
        """A hashable reference to this tensor, for use as a dict key or in a set."""
        return _Reference(self)

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        return (self[i] for i in range(self._value.shape[0]))

    def _scalar(self, kind, stacklevel=4):
        for hook in python_value_hooks:
            hook(self, f"as a Python {kind}", stacklevel)
        if self._value.size != 1:
            raise TypeError(
                f"Only tensors with one element can be converted to Python {kind}s; "
                f"this one has shape {self.shape}. Use .numpy() to get all the values."
            )
        return self._value.item()

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __index__(self):
        if not self.dtype.is_integer:
            raise TypeError(f"Only integer tensors can be used as an index, not {self.dtype.name}.")
        return int(self._scalar("int"))

    def __bool__(self):
        if self._value.size != 1:
            raise ValueError(
                "The truth value of a tensor with more than one element is ambiguous. "
                "Use minitf.reduce_any or minitf.reduce_all."
            )
        return bool(self._scalar("bool (an `if`, `while`, `and` or `or` on a tensor)"))

    def __format__(self, format_spec):
        if self._value.ndim == 0:
            return format(self._value.item(), format_spec)
        return format(backend.to_numpy(self._value), format_spec)

    def __setitem__(self, key, value):
        raise TypeError(
            "'Tensor' object does not support item assignment\n"
            "  Tensors are immutable. Hold the values in a minitf.Variable and use "
            "v[...].assign(value), or build a new tensor with minitf.where or minitf.concat."
        )

    @property
    def assign(self):
        """Sliced assignment: only a slice of a Variable (``v[0, 1].assign(9.)``) has it."""
        return self._slice_method("assign")

    @property
    def assign_add(self):
        return self._slice_method("assign_add")

    @property
    def assign_sub(self):
        return self._slice_method("assign_sub")

    def _slice_method(self, method):
        try:
            variable, key = self._slice_of
        except AttributeError:
            raise AttributeError(
                f"'Tensor' object has no attribute '{method}'. Tensors are immutable; "
                "only minitf.Variable (and slices of one) can be assigned to."
            ) from None
        return lambda value, **kwargs: variable._assign_slice(key, value, method)

    def __repr__(self):
        return f"<minitf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={_numpy_text(self, True)}>"

    def __str__(self):
        return f"minitf.Tensor({_numpy_text(self, False)}, shape={self.shape}, dtype={self.dtype.name})"


def _numpy_text(tensor, is_repr):
    value = np.asarray(backend.to_numpy(tensor._value))
    if value.ndim == 0:
        return str(value[()])
    text = repr(value) if is_repr else str(value)
    return "\n" + text if "\n" in text else text


class _Reference:
    __slots__ = ("_tensor",)

    def __init__(self, tensor):
        self._tensor = tensor

    def deref(self):
        return self._tensor

    def __hash__(self):
        return id(self._tensor)

    def __eq__(self, other):
        return isinstance(other, _Reference) and other._tensor is self._tensor


_new = object.__new__


def wrap(array):
    """Make a Tensor around a backend array without copying (engine internal)."""
    tensor = _new(Tensor)
    tensor._value = array
    return tensor


def is_tensor(value):
    """True for minitf tensors and variables."""
    return isinstance(value, Tensor)


# Which conversions of non-tensor values are allowed: kind of the value -> kinds of dtype.
_CONVERTIBLE = {"b": "b", "i": "iuf", "u": "iuf", "f": "f"}


def _as_array(value, dtype):
    """Convert a Python or NumPy value to a NumPy array following TensorFlow's rules."""
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind == "O":
            first = type(array.flat[0]).__name__ if array.size else "object"
            raise ValueError(f"Failed to convert a NumPy array to a Tensor (Unsupported object type {first}).\n"
                             "  The array holds Python objects (dtype=object); convert it to numbers first, "
                             "e.g. np.asarray(values, dtype='float32').")
        if array.dtype.kind not in "biuf":
            raise TypeError(f"Cannot convert a NumPy array of dtype {array.dtype} to a minitf tensor.")
        inferred = dtypes.as_dtype(array.dtype) if dtype is None else None
    else:
        if isinstance(value, TensorShape):
            value = _shape_as_list(value)
        inferred = dtypes.of_python_value(value)
        try:
            array = np.array(value, dtype=inferred._np if inferred is not dtypes.int32 else np.int64)
        except ValueError:
            raise ValueError("Can't convert non-rectangular Python sequence to Tensor.") from None
        except OverflowError:  # an int beyond int64: fine for a float dtype, as in TensorFlow
            if dtype is None or not dtype.is_floating:
                raise ValueError(f"Can't convert Python int to Tensor: {dtypes.short_repr(value)} is beyond int64."
                                 "\n  Give a float dtype (dtype=minitf.float32) or a float value.") from None
            array = np.array(value, dtype=np.float64)
        if inferred is dtypes.int32 and array.size and (array.max() > 2**31 - 1 or array.min() < -(2**31)):
            inferred = dtypes.int64
    target = dtype or inferred
    if array.size and target._np.kind not in _CONVERTIBLE[array.dtype.kind]:  # (an empty list has no dtype)
        raise TypeError(
            f"Cannot convert {dtypes.short_repr(value)} to EagerTensor of dtype {target.name}\n"
            f"  A value of dtype {array.dtype} would lose information; convert it explicitly "
            f"(e.g. minitf.cast) if that is what you want."
        )
    if target.is_integer and array.size and array.dtype.kind in "iu" and array.dtype.itemsize > target.size:
        info = np.iinfo(target._np)
        if array.max() > info.max or array.min() < info.min:
            raise ValueError(f"Can't convert Python int to {target.name}: {dtypes.short_repr(value)} is out of range.")
    return array, target


def _shape_as_list(shape):
    """A fully known TensorShape as a list of ints (TensorFlow converts shapes to int32 tensors)."""
    if shape.rank is None or None in shape.as_list():
        raise ValueError(f"Cannot convert a partially known TensorShape {shape} to a Tensor.\n  Its unknown dims "
                         "have no value yet: use minitf.shape(x), the shape x has when the op runs.")
    return shape.as_list()


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Return ``value`` as a Tensor: tensors pass through, other values are converted.

    Args:
        value: a Tensor, Variable, NumPy array, Python number, bool or nested list.
        dtype: the dtype required; a tensor of another dtype raises ``ValueError``.
        dtype_hint: the dtype to use for Python values when ``dtype`` is not given.

    Raises:
        ValueError: a tensor of the wrong dtype, or a non-rectangular list.
        TypeError: a value that cannot be converted without losing information.
    """
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if type(value) in (float, int) and dtype.is_floating:  # a number needs no checks (even one past int64)
            return wrap(backend.xp.asarray(value, dtype=dtype._np))
    if isinstance(value, Tensor):
        if dtype is not None and value._value.dtype != dtype._np:
            raise ValueError(
                f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
                f"{value.dtype.name}: {value!r}\n  Use minitf.cast(x, minitf.{dtype.name}) to convert it."
            )
        return value
    if dtype is None and dtype_hint is not None and not isinstance(value, (np.ndarray, np.generic)):
        hint = dtypes.as_dtype(dtype_hint)
        inferred = dtypes.of_python_value(value)
        if hint._np.kind in _CONVERTIBLE[inferred._np.kind]:
            dtype = hint
    array, target = _as_array(value, dtype)
    return wrap(backend.asarray(array, dtype=target._np))


def constant(value, dtype=None, shape=None, name=None):
    """Create a constant tensor from a Python value, NumPy array or tensor.

    A Python float gives float32, an int int32, a bool bool; NumPy arrays keep
    their dtype (so ``np.float64`` stays float64). With ``shape``, a single value
    is repeated to fill it, or the values are reshaped to it.

    >>> constant([[1., 2.], [3., 4.]]).dtype
    tf.float32
    """
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    if isinstance(value, Tensor):
        array, target = backend.to_numpy(value._value), dtype or value.dtype
        if target is not value.dtype:
            array, target = _as_array(array, target)
    else:
        array, target = _as_array(value, dtype)
    if shape is not None:
        shape = tuple(TensorShape(shape))
        size = math.prod(shape)
        if array.size == 1:
            array = np.broadcast_to(array.reshape(()), shape)
        elif array.size == size:
            array = array.reshape(shape)
        else:
            raise TypeError(
                f"Eager execution of minitf.constant with unsupported shape. Tensor {dtypes.short_repr(value)} "
                f"has {array.size} elements, but got `shape` {shape} with {size} elements."
            )
    return wrap(backend.asarray(array, dtype=target._np))
