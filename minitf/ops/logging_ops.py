"""``minitf.print``: print tensors as an op, so that a traced graph prints on every call.

Python's ``print`` inside a ``minitf.function`` runs only while tracing; ``minitf.print``
is a primitive (``PrintV2``) that the graph keeps and replays, as ``tf.print``. It has
no gradient and its output is an empty placeholder value.
"""

import contextlib
import sys

import numpy as np

from minitf import backend
from minitf.primitive import Primitive, bind
from minitf.tensor import Tensor


def _text(value, summarize):
    array = np.asarray(backend.to_numpy(value))
    if array.ndim == 0:
        return str(array.item())
    with np.printoptions(threshold=summarize if summarize >= 0 else sys.maxsize, edgeitems=3):
        return np.array2string(array, separator=" ")


_silent = []  # non-empty while a graph is traced or probed without being called: nothing prints


@contextlib.contextmanager
def silenced():
    """Inside this block ``minitf.print`` prints nothing (``get_concrete_function`` traces are not calls)."""
    _silent.append(True)
    try:
        yield
    finally:
        _silent.pop()


def _print(xp, *values, template, sep, end, output_stream, summarize):
    if _silent:
        return xp.zeros((0,), dtype=bool)
    tensors = iter(values)
    text = sep.join(_text(next(tensors), summarize) if part is None else part for part in template)
    (sys.stderr if output_stream is None else output_stream).write(text + end)
    return xp.zeros((0,), dtype=bool)


PrintV2 = Primitive("PrintV2", _print)


def print(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    """Print tensors (and Python values) when the op runs: every call of a traced function, as ``tf.print``.

    Args:
        *inputs: tensors and other values, printed separated by ``sep``.
        output_stream: a file-like object (default ``sys.stderr``, as TensorFlow).
        summarize: elements shown at each end of a long dim; ``-1`` shows all.

    >>> import sys, minitf as tf
    >>> _ = tf.print("x:", tf.constant([1, 2, 3]), output_stream=sys.stdout)
    x: [1 2 3]
    """
    template = tuple(None if isinstance(value, Tensor) else str(value) for value in inputs)
    tensors = [value for value in inputs if isinstance(value, Tensor)]
    return bind(PrintV2, *tensors, template=template, sep=sep, end=end, output_stream=output_stream,
                summarize=summarize)
