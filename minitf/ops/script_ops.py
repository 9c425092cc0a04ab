"""``py_function``: run a Python function on tensors, as an op, as ``tf.py_function``.

Eagerly, ``py_function(func, inp, Tout)`` simply calls ``func(*inp)``: its ops run and are
recorded like any others, so an outer tape differentiates through them. In a traced
function it is ONE op, ``EagerPyFunc``, whose forward calls ``func`` back in Python every
time the graph runs (the ops inside are not part of the graph); its gradient runs ``func``
again under a tape. This module sits above ``tape.py`` for that gradient.
"""

import functools

from minitf import dtypes
from minitf.primitive import Primitive, bind, recorders
from minitf.tape import GradientTape, UnconnectedGradients
from minitf.tensor import Tensor, convert_to_tensor, wrap

__all__ = ["py_function"]


def _output(value, dtype):
    """``func``'s result as a tensor of ``dtype``: Python and NumPy values convert, a tensor must already match."""
    if isinstance(value, Tensor) and value.dtype != dtype:
        raise TypeError(f"py_function's func returned a {value.dtype.name} tensor but Tout is {dtype.name}.\n  "
                        f"Give Tout=minitf.{value.dtype.name}, or cast the result in func.")
    if value is None:
        raise ValueError("py_function's func returned None but Tout asks for a tensor.\n  Return a value from func, "
                         "or call it directly if it returns nothing.")
    return convert_to_tensor(value, dtype=dtype)


def _eager_py_func(xp, *arrays, func, Tout):
    """Call ``func`` on tensors, unseen by tapes and tracers: the graph holds this one op, not func's ops."""
    outer = recorders[:]
    recorders.clear()
    try:
        return _output(func(*[wrap(a) for a in arrays]), Tout)._value
    finally:
        recorders[:] = outer


def _eager_py_func_grad(dy, out, *inputs, func, Tout, index):
    """d func / d inputs[index], weighted by ``dy``: ``func`` runs again, under a tape."""
    with GradientTape() as tape:
        tape.watch(inputs[index])
        result = _output(func(*inputs), Tout)
    return tape.gradient(result, inputs[index], output_gradients=dy, unconnected_gradients=UnconnectedGradients.ZERO)


@functools.cache
def _eager_py_func_primitive(count):
    """EagerPyFunc for ``count`` inputs: one gradient rule per input."""
    rules = tuple(functools.partial(_eager_py_func_grad, index=i) for i in range(count))
    return Primitive("EagerPyFunc", _eager_py_func, vjp=rules)


def py_function(func, inp, Tout, name=None):
    """Run ``func(*inp)``, a Python function on tensors, and return its result as a tensor of dtype ``Tout``.

    Eagerly it is a plain call (an outer tape differentiates through func's ops). In a
    ``minitf.function`` it is one ``EagerPyFunc`` op that calls func on every run of the
    graph, so its Python side effects happen on every call, not only while tracing.

    Args:
        func: a Python function of ``len(inp)`` tensors returning one value.
        inp: the tensors (or values) to pass to ``func``.
        Tout: the dtype of the result (or a list of one dtype, to get a list back).

    Raises:
        NotImplementedError: ``Tout`` lists more than one dtype (a minitf op has one output).
        TypeError: func returned a tensor of another dtype than ``Tout``.

    >>> import minitf as tf
    >>> tf.py_function(lambda x: x * 2, [tf.constant(3.0)], Tout=tf.float32)
    <minitf.Tensor: shape=(), dtype=float32, numpy=6.0>
    """
    listed = isinstance(Tout, (list, tuple))
    if listed and len(Tout) != 1:
        raise NotImplementedError(
            f"minitf.py_function returns one tensor, but Tout lists {len(Tout)} dtypes: a minitf op has one output."
            "\n  Stack results of one dtype into one tensor (minitf.stack) and unstack them after, or call "
            "py_function once per result.")
    dtype = dtypes.as_dtype(Tout[0] if listed else Tout)
    inputs = [convert_to_tensor(x) for x in inp]
    if any(getattr(r, "builds_graph", False) for r in recorders):
        result = bind(_eager_py_func_primitive(len(inputs)), *inputs, func=func, Tout=dtype)
    else:
        result = _output(func(*inputs), dtype)
    return [result] if listed else result
