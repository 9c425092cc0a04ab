"""Feeding ``fit``/``evaluate``/``predict``: arrays cut into batches, or an iterable of batches.

Arrays are converted to tensors once per call (floating data to float32, as Keras
does), then each batch is one slice (or, when shuffled, one ``gather``) of those
tensors: no per-step conversion of the whole data set, and on the GPU backend the
data stays on the device.
"""

import math

import numpy as np

import minitf as tf
from minitf import nest
from minitf.keras import backend, pitfalls
from minitf.tensor import Tensor, convert_to_tensor


def unpack_x_y_sample_weight(data):
    """Split a batch ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` into its three parts (missing ones None)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found a tuple of {len(data)} elements.")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The inverse of ``unpack_x_y_sample_weight``."""
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def to_tensor(value):
    """One array (or list of numbers) as a tensor; floating values become ``floatx()`` (float32)."""
    if value is None:
        return None
    if not isinstance(value, Tensor):
        value = np.asarray(value)
        if value.dtype.kind not in "biuf":
            raise ValueError(f"Failed to convert a NumPy array to a Tensor (unsupported object type "
                             f"{value.dtype}).\n  Training data must be numbers: convert it with "
                             f"x.astype('float32').")
        value = convert_to_tensor(value)
    if value.dtype.is_floating and value.dtype.name != backend.floatx():
        value = tf.cast(value, backend.floatx())
    return value


def is_array_like(x):
    """Arrays (or lists/dicts of arrays), as opposed to an iterable of batches (a list of tuples is batches)."""
    if isinstance(x, list) and x and isinstance(x[0], tuple):
        return False
    return isinstance(x, (np.ndarray, Tensor, list, tuple, dict, float, int))


def _tensors(structure):
    if isinstance(structure, (list, tuple)) and structure and all(
            isinstance(v, (int, float, bool, np.generic)) for v in nest.flatten(structure)):
        return to_tensor(structure)  # nested lists of numbers are one array
    return nest.map_structure(to_tensor, structure)


def _length(structure, what):
    lengths = {len(t) for t in nest.flatten(structure) if t is not None}
    if len(lengths) > 1:
        raise ValueError(f"Data cardinality is ambiguous: the arrays of {what} have different lengths "
                         f"{sorted(lengths)}.\n  Make sure all arrays contain the same number of samples.")
    return lengths.pop() if lengths else 0


class ArrayData:
    """``x``, ``y`` and ``sample_weight`` arrays served as batches of ``batch_size``, optionally shuffled.

    Args:
        x, y, sample_weight: arrays (NumPy, tensors or lists), or nested lists/dicts of them.
        batch_size: examples per batch (the last batch may be smaller).
        shuffle: draw a new order each epoch (with minitf's seeded random generator).
        steps: stop each epoch after this many batches.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        self.x, self.y, self.sample_weight = _tensors(x), _tensors(y), _tensors(sample_weight)
        n = _length(self.x, "x")
        if y is not None and _length(self.y, "y") != n:
            raise pitfalls.cardinality_error(n, _length(self.y, "y"), y)
        if sample_weight is not None and _length(self.sample_weight, "sample_weight") != n:
            raise ValueError(f"sample_weight has {_length(self.sample_weight, 'sample_weight')} values but x has "
                             f"{n} samples; give one weight per sample.")
        self.size = n
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.steps = min(steps, self._full_steps()) if steps else self._full_steps()

    def full(self, step):
        """Whether batch ``step`` has ``batch_size`` examples (the last one may have fewer)."""
        return (step + 1) * self.batch_size <= self.size

    def _full_steps(self):
        return max(math.ceil(self.size / self.batch_size), 1 if self.size else 0)

    def __iter__(self):
        """Yield ``(x, y, sample_weight)`` batches for one epoch.

        When shuffling, the arrays are put in a new random order once per epoch (one ``gather``
        each), so that every batch is then a cheap slice.
        """
        x, y, sample_weight = self.x, self.y, self.sample_weight
        if self.shuffle and self.size > 1:
            order = tf.random.shuffle(tf.range(self.size))

            def permute(t):
                return tf.gather(t, order)

            x, y, sample_weight = _apply(permute, x), _apply(permute, y), _apply(permute, sample_weight)
        size, batch_size = self.size, self.batch_size
        for step in range(self.steps):
            start, stop = step * batch_size, min((step + 1) * batch_size, size)

            def take(t, start=start, stop=stop):
                return t[start:stop]  # a view of the (immutable) data: no copy

            yield _apply(take, x), _apply(take, y), _apply(take, sample_weight)


class IterableData:
    """Batches drawn from an iterable (a generator, or any object with ``__iter__``, or ``__getitem__``/``__len__``).

    Each item is ``x``, ``(x, y)`` or ``(x, y, sample_weight)``. With ``steps``, each epoch
    takes that many batches, continuing the same iterator across epochs (restarting it when
    it runs out); without, each epoch runs through the iterable once.
    """

    def __init__(self, data, steps=None):
        self.data = data
        self.steps = steps if steps else (len(data) if hasattr(data, "__len__") else None)
        self._iterator = None
        self.size = None

    def _items(self):
        if hasattr(self.data, "__getitem__") and hasattr(self.data, "__len__") and not hasattr(self.data, "__iter__"):
            return (self.data[i] for i in range(len(self.data)))
        return iter(self.data)

    def __iter__(self):
        if self.steps is None:
            for item in self._items():
                yield self._convert(item)
            return
        for _ in range(self.steps):
            if self._iterator is None:
                self._iterator = self._items()
            try:
                item = next(self._iterator)
            except StopIteration:
                self._iterator = self._items()
                try:
                    item = next(self._iterator)
                except StopIteration:
                    return
            yield self._convert(item)

    @staticmethod
    def full(step):
        """Batches from an iterable are all treated alike (traced once per shape)."""
        return True

    @staticmethod
    def _convert(item):
        x, y, sample_weight = unpack_x_y_sample_weight(item)
        return _tensors(x), None if y is None else _tensors(y), None if sample_weight is None else _tensors(
            sample_weight)


def _apply(function, structure):
    if structure is None:
        return None
    if isinstance(structure, Tensor):  # the common case, without walking a structure
        return function(structure)
    return nest.map_structure(function, structure)


def _numbers_in_a_list(value):
    """Whether ``value`` is a Python list or tuple of plain numbers (nested or not), not of arrays."""
    return isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(v, (int, float, bool)) for v in nest.flatten(value))


def make_data(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None):
    """``ArrayData`` for arrays, ``IterableData`` for anything else that yields batches.

    Raises:
        ValueError: Python lists of numbers, which Keras 3 does not take as data (arrays or tensors only).
    """
    for name, value in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        if _numbers_in_a_list(value) or isinstance(value, (int, float)):
            raise ValueError(f"Unrecognized data type: {name}={value!r} (of type {type(value)})\n  Keras 3 takes "
                             f"NumPy arrays or tensors as data, not Python numbers or lists of them: pass "
                             f"np.array({name}) (one row per example).")
    if is_array_like(x):
        return ArrayData(x, y, sample_weight, 32 if batch_size is None else batch_size, shuffle, steps)
    if y is not None:
        raise ValueError("`y` argument is not supported when using an iterable or generator as input: it must "
                         "yield (x, y) batches itself.")
    if sample_weight is not None:
        raise ValueError("`sample_weight` is not supported with an iterable input: yield (x, y, sample_weight).")
    if not (hasattr(x, "__iter__") or hasattr(x, "__getitem__")):
        raise ValueError(f"Unrecognized data type: x={x!r} (of type {type(x).__name__}). Pass NumPy arrays, "
                         "tensors, or an iterable of (x, y) batches.")
    return IterableData(x, steps)


def split_validation(x, y, sample_weight, validation_split):
    """Keep the last ``validation_split`` fraction of the arrays for validation (before any shuffling)."""
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {validation_split}.")
    if not is_array_like(x):
        raise ValueError("`validation_split` is only supported for arrays (NumPy or tensors), not for "
                         f"{type(x).__name__}. Pass validation_data instead.")
    x, y, sample_weight = _tensors(x), _tensors(y), _tensors(sample_weight)
    n = _length(x, "x")
    cut = int(math.floor(n * (1.0 - validation_split)))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={validation_split} leaves no data for training or for validation "
                         f"with {n} samples.")

    def head(t):
        return None if t is None else t[:cut]

    def tail(t):
        return None if t is None else t[cut:]

    def split(s, part):
        return None if s is None else nest.map_structure(part, s)

    return ((split(x, head), split(y, head), split(sample_weight, head)),
            (split(x, tail), split(y, tail), split(sample_weight, tail)))
