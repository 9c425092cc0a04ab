"""Data types: ``minitf.float32`` and friends, and how Python values get one.

A ``DType`` is a thin, printable wrapper around a NumPy dtype. The rules for
Python values follow TensorFlow: a Python float becomes float32, an int int32, a
bool bool; NumPy arrays keep their dtype. There is no silent promotion anywhere.
"""

import builtins

import numpy as np


class DType:
    """A tensor's element type: ``print`` shows ``<dtype: 'float32'>``, ``repr`` ``tf.float32`` (TensorFlow's forms).

    >>> float32.name, float32.is_floating, int32.is_integer
    ('float32', True, True)
    """

    __slots__ = ("name", "as_numpy_dtype", "_np")

    def __init__(self, name, np_dtype):
        self.name = name
        self._np = np.dtype(np_dtype)
        self.as_numpy_dtype = self._np.type

    @property
    def is_floating(self):
        return self._np.kind == "f"

    @property
    def is_integer(self):
        return self._np.kind in "iu"

    @property
    def is_bool(self):
        return self._np.kind == "b"

    @property
    def is_unsigned(self):
        return self._np.kind == "u"

    @property
    def size(self):
        return self._np.itemsize

    @property
    def base_dtype(self):
        return self

    @property
    def min(self):
        return self._limits().min

    @property
    def max(self):
        return self._limits().max

    def _limits(self):
        return np.finfo(self._np) if self.is_floating else np.iinfo(self._np)

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"

    def __eq__(self, other):
        if isinstance(other, DType):
            return self is other
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.name)


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
bool = DType("bool", np.bool_)
half, double = float16, float64

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool)
_BY_NUMPY = {d._np: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, double=float64)


def as_dtype(value):
    """Return the ``DType`` for a DType, a NumPy dtype or type, or a name like ``"float32"``.

    Raises:
        TypeError: for types minitf does not support (strings, complex numbers).
    """
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    if value is float:
        return float32
    if value is int:
        return int32
    try:
        found = _BY_NUMPY.get(np.dtype(value))
    except TypeError:
        found = None
    if found is None:
        supported = ", ".join(d.name for d in _ALL)
        raise TypeError(f"Cannot convert {value!r} to a minitf DType. Supported dtypes: {supported}.")
    return found


def of_array(array):
    """Return the ``DType`` of a backend array (fast path used by every tensor)."""
    return _BY_NUMPY[array.dtype]


def of_python_value(value):
    """Infer a dtype for a Python scalar or nested list, as ``tf.constant`` does.

    Raises:
        ValueError: a value TensorFlow cannot convert either (None, a dict), or a list mixing
            booleans or strings with numbers.
        TypeError: strings and complex numbers, which minitf does not hold (TensorFlow does).
    """
    kinds = set()
    _collect_kinds(value, kinds)
    if len(kinds & {"b", "U"}) + builtins.bool(kinds & {"i", "f"}) > 1:
        raise ValueError("Can't convert Python sequence with mixed types to Tensor.\n"
                         f"  {short_repr(value)} mixes booleans, numbers or strings; a tensor holds one kind of value.")
    if kinds & {"U", "c"}:  # TensorFlow holds strings and complex numbers; minitf does not
        raise TypeError(f"Cannot convert {short_repr(value)} to a tensor: minitf tensors hold numbers and booleans "
                        "only (no strings, no complex numbers).")
    if not kinds or "f" in kinds:
        return float32
    if "i" in kinds:
        return int32
    return bool


def short_repr(value):
    """``repr(value)``, cut to fit in one line of an error message."""
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


# NumPy's kind letter for each Python type (bool before int: a bool is an int too)
_PYTHON_KINDS = ((builtins.bool, "b"), (int, "i"), (float, "f"), (str, "U"), (complex, "c"))


def _collect_kinds(value, kinds):
    if isinstance(value, (list, tuple)):
        for item in value:
            _collect_kinds(item, kinds)
        return
    if isinstance(value, (np.generic, np.ndarray)):
        kinds.add(value.dtype.kind if value.dtype.kind != "u" else "i")
        return
    for python_type, kind in _PYTHON_KINDS:
        if isinstance(value, python_type):
            kinds.add(kind)
            return
    raise ValueError(
        f"Attempt to convert a value ({short_repr(value)}) with an unsupported type ({type(value)}) to a Tensor.\n"
        "  minitf tensors hold numbers and booleans: pass a number, a bool, a (nested) list of them, "
        "a NumPy array or a tensor."
    )

