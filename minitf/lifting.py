"""``minitf.init_scope``: run a block outside every ``minitf.function`` trace and gradient tape.

Code inside runs eagerly, once, at trace time (TensorFlow uses it to create a module's variables
and their initial values while tracing). It works by setting ``bind``'s recorders aside for the
block; nothing in the tracer or the ops knows about it.
"""

import contextlib

from minitf.primitive import recorders
from minitf.tracer import _graph_name, _TracedTensor

__all__ = ["init_scope"]


class _Lifted:
    """The only recorder inside ``init_scope``: eager ops run, and an op given a traced tensor raises."""

    def record(self, prim, args, params, out):
        traced = next((a for a in args if isinstance(a, _TracedTensor)), None)
        if traced is not None:
            value = _graph_name(traced)[1]
            raise TypeError(
                'An op outside of the function building code is being passed a "Graph" tensor. It is possible to '
                "have Graph tensors leak out of the function building context by including a minitf.init_scope in "
                f"your function building code. The graph tensor has name: "
                f"{value.name if value is not None else 'unknown'}\n  {prim.name} was given it inside init_scope, "
                "whose code runs once, eagerly, at trace time: it cannot use the traced function's tensors. "
                "Compute from variables and constants there, or move the op out of the init_scope block.")


@contextlib.contextmanager
def init_scope():
    """Lift the block out of any ``minitf.function`` trace and gradient tape, as ``tf.init_scope``.

    Ops inside run eagerly and are not recorded into the graph being traced (so they run once,
    while tracing, not on every call), and tapes do not record them. Name scopes stay as they
    are. Variables created inside still count as created by the traced function (for minitf's
    check that a traced function does not create variables on every call).

    >>> import minitf as tf
    >>> v = tf.Variable(1.0)
    >>> @tf.function
    ... def f(x):
    ...     with tf.init_scope():
    ...         v.assign_add(1.0)    # runs once, while tracing
    ...     return x * v
    >>> [float(f(tf.constant(2.0))) for _ in range(3)], float(v)
    ([4.0, 4.0, 4.0], 2.0)

    Raises:
        TypeError: (inside the block) an op is given a tensor of the function being traced.
    """
    outer = recorders[:]
    recorders[:] = [_Lifted()]
    try:
        yield
    finally:
        recorders[:] = outer
