"""``while_loop``: repeat ``body`` while ``cond`` holds, as ``tf.while_loop``.

Eagerly it is a Python loop, so every op of every iteration goes through ``bind``
and a gradient tape records them: gradients flow through the loop for free.

Inside ``minitf.function`` it raises: the tracer records the ops a call runs, so a
loop would be unrolled for the tracing call's values and every later call would
replay that many iterations, whatever its inputs. minitf prefers an error to a
silently wrong graph (TensorFlow builds a ``While`` op there instead).
"""

from minitf import nest
from minitf.primitive import recorders


def _tracing():
    """True while ``minitf.function`` traces (its recorder writes a graph; a tape does not)."""
    return any(getattr(recorder, "graph", None) is not None for recorder in recorders)


def _same_structure(loop_vars, new_vars):
    if nest.flatten(new_vars) and len(nest.flatten(loop_vars)) == len(nest.flatten(new_vars)):
        try:
            nest.pack_sequence_as(loop_vars, nest.flatten(new_vars))
            return True
        except (StopIteration, TypeError):
            return False
    return not nest.flatten(loop_vars) and not nest.flatten(new_vars)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, maximum_iterations=None, name=None):
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` is true; return the final ``loop_vars``.

    Args:
        cond: a function of the loop variables returning a (scalar) boolean.
        body: a function of the loop variables returning new values in the same structure.
        loop_vars: a list or tuple of tensors (or Python numbers), possibly nested.
        maximum_iterations: stop after this many iterations even if ``cond`` still holds.

    Raises:
        NotImplementedError: inside ``minitf.function`` (see the module docstring).

    >>> import minitf as tf
    >>> tf.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i), [0, 0])
    (4, 6)
    """
    if not callable(cond) or not callable(body):
        raise TypeError("cond and body must be callable: while_loop(cond, body, loop_vars), e.g. "
                        "while_loop(lambda i: i < 10, lambda i: (i + 1,), [0]).")
    if _tracing():
        raise NotImplementedError(
            "minitf.while_loop inside minitf.function is not supported: minitf's tracer has no While op.\n"
            "  Tracing would unroll the loop for the first call's values, and later calls would replay the same "
            "number of iterations.\n  Run the loop outside minitf.function (eagerly; gradients work), or, when "
            "the number of iterations is a fixed Python number, write a Python for loop: it unrolls correctly.")
    single = not isinstance(loop_vars, (list, tuple))
    if single:
        loop_vars = (loop_vars,)
    iterations = 0
    while (maximum_iterations is None or iterations < int(maximum_iterations)) and cond(*loop_vars):
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
    return loop_vars[0] if single else loop_vars
