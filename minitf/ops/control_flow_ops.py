"""``while_loop``: repeat ``body`` while ``cond`` holds, as ``tf.while_loop``.

Eagerly it is a Python loop, so every op of every iteration goes through ``bind``
and a gradient tape records them: gradients flow through the loop for free.

Inside ``minitf.function`` the tracer records the ops a call runs, so the loop is
unrolled for the tracing call's values (minitf has no ``While`` op). To keep that
from going silently wrong, the loop's results pass through a ``LoopGuard``: when the
graph runs again, it checks that the condition takes the values it took while
tracing, i.e. that the loop runs the same number of iterations; if not, it raises
and says what to do. Gradients flow through the unrolled loop as through any graph.
"""

from minitf import nest
from minitf.errors import InvalidArgumentError
from minitf.ops.array_ops import stack
from minitf.primitive import Primitive, bind, recorders
from minitf.tensor import Tensor, convert_to_tensor


# LoopGuard(x, conditions): x unchanged, after checking the loop's recorded conditions; d = dy for x
def _loop_guard(xp, x, conditions, expected):
    if conditions.tolist() != list(expected):
        raise InvalidArgumentError(
            f"minitf.while_loop ran {len(expected) - 1} iterations when this function was traced, but its "
            "condition now asks for a different number", "LoopGuard",
            "minitf.function unrolls while_loop for the tracing call's values (it has no While op), so later calls "
            "must loop as often.\nPass the loop bound as a Python number (one trace per value), or run the loop "
            "outside minitf.function.")
    return x

def _loop_guard_grad(dy, out, x, conditions, expected):
    return dy

LoopGuard = Primitive("LoopGuard", _loop_guard, vjp=(_loop_guard_grad, None))

def _tracing():
    """True while ``minitf.function`` traces (its recorder writes a graph; a tape does not)."""
    return any(getattr(recorder, "graph", None) is not None for recorder in recorders)

def _same_structure(loop_vars, new_vars):
    flat, new_flat = nest.flatten(loop_vars), nest.flatten(new_vars)
    if len(flat) != len(new_flat):
        return False
    try:
        nest.pack_sequence_as(loop_vars, new_flat)
    except (StopIteration, TypeError):
        return False
    return True

def _truth(value):
    """A condition's truth value, read from its array (a traced one is checked again by LoopGuard)."""
    if isinstance(value, Tensor):
        if value._value.size != 1:
            raise ValueError("while_loop's cond must return a scalar boolean, got a tensor of shape "
                             f"{value.shape}.\n  Reduce it first, e.g. minitf.reduce_all(...).")
        return bool(value._value)
    return bool(value)

def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, maximum_iterations=None, name=None):
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` is true; return the final ``loop_vars``.

    Args:
        cond: a function of the loop variables returning a (scalar) boolean.
        body: a function of the loop variables returning new values in the same structure.
        loop_vars: a list or tuple of tensors (or Python numbers), possibly nested.
        maximum_iterations: stop after this many iterations even if ``cond`` still holds.

    Raises:
        InvalidArgumentError: in a ``minitf.function`` graph, when a call needs a different number
            of iterations than the tracing call did (see the module docstring).

    >>> import minitf as tf
    >>> tf.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i), [0, 0])
    (4, 6)
    """
    if not callable(cond) or not callable(body):
        raise TypeError("cond and body must be callable: while_loop(cond, body, loop_vars), e.g. "
                        "while_loop(lambda i: i < 10, lambda i: (i + 1,), [0]).")
    single = not isinstance(loop_vars, (list, tuple))
    if single:
        loop_vars = (loop_vars,)
    tracing = _tracing()
    if tracing:  # Python numbers would be baked into the graph: make them tensors, as TensorFlow does
        loop_vars = nest.pack_sequence_as(loop_vars, [convert_to_tensor(v) for v in nest.flatten(loop_vars)])
    conditions = []  # the traced condition tensors, with the values they had
    iterations = 0
    while maximum_iterations is None or iterations < int(maximum_iterations):
        condition = cond(*loop_vars)
        if isinstance(condition, Tensor):
            conditions.append(condition)
        if not _truth(condition):
            break
        new_vars = body(*loop_vars)
        if len(loop_vars) == 1 and not isinstance(new_vars, (list, tuple)):
            new_vars = type(loop_vars)([new_vars])  # a body of one variable may return it bare
        if not _same_structure(loop_vars, new_vars):
            raise ValueError(
                "The two structures don't have the same nested structure.\n"
                f"  body must return its loop variables in the structure of loop_vars: {len(nest.flatten(loop_vars))}"
                f" value(s) as in {type(loop_vars).__name__} loop_vars, got {new_vars!r}.")
        loop_vars = new_vars
        iterations += 1
    if tracing and conditions:
        loop_vars = _guarded(loop_vars, conditions)
    return loop_vars[0] if single else loop_vars

def _guarded(loop_vars, conditions):
    """``loop_vars``, each passed through a LoopGuard of the conditions the trace saw."""
    expected = tuple(bool(c._value) for c in conditions)
    stacked = stack([c if c.dtype.is_bool else c != 0 for c in conditions])
    flat = [bind(LoopGuard, convert_to_tensor(v), stacked, expected=expected) for v in nest.flatten(loop_vars)]
    return nest.pack_sequence_as(loop_vars, flat)

__all__ = ["while_loop"]
