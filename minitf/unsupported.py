"""TensorFlow's data structures that minitf leaves out, each answering with one clear error.

minitf keeps to dense tensors of numbers and booleans. Code written for TensorFlow that
reaches for string, sparse or ragged tensors, tensor arrays, sets or queues gets a
``NotImplementedError`` that names what it asked for and what to do instead, not an
``AttributeError`` that reads like a typo. This module holds only those stand-ins.

>>> import minitf as tf
>>> tf.strings.lower("ABC")
Traceback (most recent call last):
  ...
NotImplementedError: minitf.strings.lower does not exist: minitf has no string tensors (TensorFlow has tf.strings).
  minitf keeps to dense tensors of numbers and booleans; work on Python str values ...
"""

_DENSE = "store the values densely, zeros elsewhere (Variable.scatter_nd_update writes values at given indices)"
# What each left-out feature is, and what to do instead; the key is its name in TensorFlow.
MISSING = {
    "strings": ("string tensors", "work on Python str values (str.lower(), str.split()...) before making tensors"),
    "sparse": ("sparse tensors", _DENSE),
    "SparseTensor": ("sparse tensors", _DENSE),
    "ragged": ("ragged tensors", "pad the rows to one length and keep a mask, or keep a Python list of tensors"),
    "RaggedTensor": ("ragged tensors", "pad the rows to one length and keep a mask, or keep a Python list of tensors"),
    "TensorArray": ("TensorArray", "append tensors to a Python list and minitf.stack them (inside minitf.function "
                                   "loops unroll, so a list works there too)"),
    "sets": ("set operations", "use Python sets, or minitf.equal with reduce_any for membership tests"),
    "queue": ("queues", "use a Python collections.deque, or keras's data utilities to feed batches"),
}


def unsupported_error(name, attribute=None):
    """The ``NotImplementedError`` for using ``minitf.<name>`` (or ``minitf.<name>.<attribute>``)."""
    what, instead = MISSING[name]
    used = f"minitf.{name}" + (f".{attribute}" if attribute else "")
    return NotImplementedError(
        f"{used} does not exist: minitf has no {what} (TensorFlow has tf.{name}).\n"
        f"  minitf keeps to dense tensors of numbers and booleans; {instead}.")


class UnsupportedNamespace:
    """Stands for a TensorFlow namespace minitf lacks (``minitf.strings``): any public name raises."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attribute):
        if attribute.startswith("_"):  # Python's and tools' own probes (__wrapped__, _ipython_...) stay AttributeError
            raise AttributeError(attribute)
        raise unsupported_error(self._name, attribute)

    def __repr__(self):
        return f"<minitf.{self._name}: not in minitf ({MISSING[self._name][0]})>"


class _Unsupported:
    """Base of the stand-in classes: making one raises (``isinstance`` checks still work and say False)."""

    def __new__(cls, *args, **kwargs):
        raise unsupported_error(cls.__name__)


class TensorArray(_Unsupported):
    """TensorFlow's growable list of tensors; not in minitf (use a Python list and ``minitf.stack``)."""


class SparseTensor(_Unsupported):
    """TensorFlow's sparse tensor; not in minitf (store the values densely)."""


class RaggedTensor(_Unsupported):
    """TensorFlow's tensor with rows of different lengths; not in minitf (pad the rows)."""


strings = UnsupportedNamespace("strings")
sparse = UnsupportedNamespace("sparse")
ragged = UnsupportedNamespace("ragged")
sets = UnsupportedNamespace("sets")
queue = UnsupportedNamespace("queue")
