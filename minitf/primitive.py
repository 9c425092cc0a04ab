"""Primitives and ``bind``: the one door every op goes through.

A ``Primitive`` is an op that minitf knows how to run (``forward``, on backend
arrays) and, if it is differentiable, how to differentiate (``vjp``, written in
minitf ops so the backward pass can itself be recorded). Every other op is a
composition of primitives.

``bind`` runs a primitive eagerly and then shows the call to every active
*recorder*: gradient tapes record it for ``gradient()``, and a ``function``
tracer records it into a graph. Neither the ops nor the recorders know of each
other, which is why a traced function inside a tape is differentiable. A traced
graph is replayed by ``minitf.executor.run_graph``, which calls each primitive's
``forward`` the same way, or goes through ``bind`` when a recorder is active.
"""

from minitf import backend
from minitf.tensor import Tensor

_new = object.__new__

# Active recorders (tapes, tracers), outermost first. Each has record(prim, inputs, params, out).
recorders = []


class Primitive:
    """An op with a check, a forward rule and, optionally, gradient rules.

    Args:
        name: TensorFlow's op name (``"MatMul"``), shown in errors and graph printouts.
        forward: ``forward(xp, *arrays, **params) -> array``: the op on backend arrays
            (``xp`` is NumPy or CuPy).
        vjp: the gradient rules: a tuple with one function per input,
            ``rule(dy, out, *inputs, **params) -> dx``, so the tape computes only the
            gradients it needs. ``None`` in the tuple (or an input past its end) gets no
            gradient; ``vjp=None`` marks the op as not differentiable.
        check: ``check(*inputs, **params)`` raises a clear error before ``forward`` runs.
    """

    __slots__ = ("name", "forward", "vjp", "check")

    def __init__(self, name, forward, vjp=None, check=None):
        self.name, self.forward, self.vjp, self.check = name, forward, vjp, check

    def __repr__(self):
        return f"Primitive({self.name})"


def bind(prim, *inputs, **params):
    """Apply ``prim`` to the tensors ``inputs``: check them, run the forward rule, and show the call to recorders.

    >>> import minitf as tf
    >>> from minitf.ops.math_ops import Mul
    >>> bind(Mul, tf.constant(3.0), tf.constant(4.0))
    <minitf.Tensor: shape=(), dtype=float32, numpy=12.0>
    """
    if prim.check is not None:
        prim.check(*inputs, **params)
    out = _new(Tensor)
    if len(inputs) == 2:  # speed: most ops take two tensors; naming both arrays skips building a list
        out._value = prim.forward(backend.xp, inputs[0]._value, inputs[1]._value, **params)  # (5% of a small step)
    else:
        out._value = prim.forward(backend.xp, *[x._value for x in inputs], **params)
    if recorders:
        for recorder in recorders:
            recorder.record(prim, inputs, params, out)
    return out
