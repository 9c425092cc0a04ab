"""Primitives and ``bind``: the one door every op goes through.

A ``Primitive`` is an op that minitf knows how to run (``impl``, on backend arrays)
and, if it is differentiable, how to differentiate (``vjp``, written in minitf ops
so the backward pass can itself be recorded). Every other op is a composition of
primitives.

``bind`` runs a primitive eagerly and then shows the call to every active
*recorder*: gradient tapes record it for ``gradient()``, and a ``function``
tracer records it into a graph. Neither the ops nor the recorders know of each
other, which is why a traced function inside a tape is differentiable.
"""

from minitf import backend
from minitf.tensor import Tensor

_new = object.__new__

# Active recorders (tapes, tracers), outermost first. Each has record(prim, args, params, out).
recorders = []

# False while a tape runs the built-in gradient rules (``GradientTape._backward`` sets it). Their
# inputs already passed the checks (the forward op's inputs, and a gradient shaped like its output),
# so checking them again would only cost time. A ``custom_gradient`` function is user code: the tape
# turns the checks back on while it runs.
checking = True


class Primitive:
    """An op with a forward rule and, optionally, a gradient rule.

    Args:
        name: TensorFlow's op name (``"MatMul"``), shown in errors and graph printouts.
        impl: ``impl(xp, *arrays, **params) -> array``: the forward rule on backend arrays.
        vjp: the gradient rules: a tuple with one function per input,
            ``rule(dy, out, *inputs, **params) -> dx``, so the tape computes only the
            gradients it needs. ``None`` in the tuple (or an input past its end) gets no
            gradient; ``vjp=None`` marks the op as not differentiable.
        check: ``check(*inputs, **params)`` raises a clear error before ``impl`` runs.
    """

    __slots__ = ("name", "impl", "vjp", "check")

    def __init__(self, name, impl, vjp=None, check=None):
        self.name = name
        self.impl = impl
        self.vjp = vjp
        self.check = check

    def __repr__(self):
        return f"Primitive({self.name})"


def bind(prim, *args, **params):
    """Apply ``prim`` to the tensors ``args``: check, run, wrap, and let recorders see it."""
    check = prim.check if checking else None
    out = _new(Tensor)
    n = len(args)
    if n == 2 and not params:  # fast paths for the common calls (even an empty ** costs): eager overhead is a goal
        x, y = args
        if check is not None:
            check(x, y)
        out._value = prim.impl(backend.xp, x._value, y._value)
    elif n == 2:
        x, y = args
        if check is not None:
            check(x, y, **params)
        out._value = prim.impl(backend.xp, x._value, y._value, **params)
    elif n == 1:
        (x,) = args
        if check is not None:
            check(x, **params)
        out._value = prim.impl(backend.xp, x._value, **params)
    else:
        if check is not None:
            check(*args, **params)
        out._value = prim.impl(backend.xp, *[arg._value for arg in args], **params)
    if recorders:
        for recorder in recorders:
            recorder.record(prim, args, params, out)
    return out
