"""Chapter 5's exercises: a gradient rule to write, a gradient to predict, a ``None`` to fix, a second derivative.

``check_rule`` (5.1) runs the learner's gradient rule for a new primitive, ``Softplus``, through
``minitf.test.check_gradients`` (and a second derivative, which only works when the rule is
written in minitf ops) and gives a hint that fits what went wrong; ``check_none_fixed`` (5.3)
says which of two reasons still hides a source from the tape. Exercises 5.2 and 5.4 are
number answers, registered in ``exercises.EXERCISES`` for ``check_answer``. ``solution``
checks a stored solution and prints it only when asked.

>>> import minitf as tf
>>> check_rule(lambda dy, out, x: dy * tf.math.sigmoid(x))  # doctest: +ELLIPSIS
Exercise 5.1: right. Softplus's rule passes the gradient check against finite differences, ...
"""

import dis
import inspect
import textwrap

import numpy as np

import minitf as tf
from minitf.lessons.exercises import EXERCISES
from minitf.primitive import Primitive, bind

POINTS = (-3.0, -0.5, 0.0, 1.5, 4.0)  # where the learner's rule is checked


def softplus_forward(xp, x):
    return xp.logaddexp(xp.zeros_like(x), x)  # log(1 + e^x) without overflow for large x


def softplus_primitive(rule):
    """A ``Softplus`` primitive (forward rule ``softplus_forward``) whose gradient rule for its input is ``rule``."""
    return Primitive("Softplus", softplus_forward, vjp=(rule,))


def _first_problem(rule):
    """What is wrong with ``rule`` as Softplus's gradient rule, as ``(message, hint)``, or None when it is right."""
    prim = softplus_primitive(rule)
    x = tf.constant(np.array(POINTS))  # float64: rounding cannot hide a wrong rule
    try:
        raw = rule(tf.ones_like(x), bind(prim, x), x)  # called as the tape calls it, with dy = 1
        if raw is None:
            return "your rule returned None", "Return the gradient for x (did you forget the return?)."
        if not isinstance(raw, tf.Tensor):
            return (f"your rule returned a {type(raw).__name__}, not a minitf tensor",
                    "Use minitf ops, not NumPy, so that the tape can record the rule (nested tapes need it).")
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = bind(prim, x)
        grad = tape.gradient(y, x)
    except Exception as error:  # the learner's code may raise anything: say which and where
        return (f"your rule raised {type(error).__name__}: {str(error).splitlines()[0]}",
                "It receives minitf tensors dy, out and x; use minitf ops on them (tf.math.sigmoid, tf.exp, *, +).")
    got, sig = np.asarray(grad), 1 / (1 + np.exp(-np.array(POINTS)))
    if got.shape != x.shape:
        return f"your rule returned shape {got.shape} for an input of shape {tuple(x.shape)}", \
            "The rule gets dy shaped like the output; return a gradient shaped like x."
    wrong = [(np.ones(len(POINTS)), "You sent dy on unchanged: multiply it by the slope of softplus at x."),
             (1 - sig, "Close: the slope of log(1 + e^x) is e^x / (1 + e^x) = sigmoid(x), not sigmoid(-x)."),
             (np.log1p(np.exp(POINTS)), "That is softplus itself (out); its slope is sigmoid(x)."),
             (np.exp(POINTS), "e^x is the slope of the inside; divide by 1 + e^x (that is sigmoid(x)).")]
    check = tf.test.check_gradients(lambda t: bind(prim, t), np.array(POINTS))
    if not check:
        for values, hint in wrong:
            if np.allclose(got, values):
                return f"{check!r}", hint
        return f"{check!r}", "d softplus(x)/dx = sigmoid(x); the rule returns dy times that."
    try:
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = bind(prim, x)
            first = inner.gradient(y, x)
        second = outer.gradient(first, x)
    except Exception as error:
        return (f"differentiating your rule again raised {type(error).__name__}: {str(error).splitlines()[0]}",
                "Write the rule with minitf ops only, so that an outer tape can record it.")
    if second is None or not np.allclose(second, sig * (1 - sig)):
        return ("the first derivative is right, but a nested tape cannot differentiate your rule again "
                f"(it gave {None if second is None else np.round(np.asarray(second), 3)})",
                "Compute the slope from x with minitf ops (tf.math.sigmoid(x)), not from NumPy or Python floats.")
    return None


def _not_written(function):
    """Whether ``function``'s body is only a docstring and ``...``: it compiles to "return None" alone."""
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    steps = [(i.opname, i.argval) for i in dis.get_instructions(code) if i.opname not in ("RESUME", "NOP")]
    return steps in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def check_rule(rule):
    """Say whether ``rule(dy, out, x)`` is a right gradient rule for Softplus (exercise 5.1), with a hint if not."""
    if rule is None or _not_written(rule):
        print("Exercise 5.1: no answer yet. Replace the ... in softplus_grad with its rule and run the cell again.")
        return
    problem = _first_problem(rule)
    if problem is None:
        print("Exercise 5.1: right. Softplus's rule passes the gradient check against finite differences, and a "
              "nested tape differentiates it again (second derivative sigmoid(x) * (1 - sigmoid(x))).")
    else:
        message, hint = problem
        print(f"Exercise 5.1: not yet: {message}.\n  Hint: {hint}")


def predict_graph():
    """Exercise 5.2's computation: ``f = (x * y + x) ** 2`` at x = 2, y = 3, with a tape that recorded it."""
    x, y = tf.Variable(2.0, name="x"), tf.Variable(3.0, name="y")
    with tf.GradientTape() as tape:
        f = (x * y + x) ** 2
    return tape, f, [x, y]


def _dy_at_first_mul():
    tape, f, sources = predict_graph()
    walk = tape.backward_steps(f, sources)
    return float(next(step.dy for step in walk.steps if step.op.index == 0))


def _exercise_5_2():
    # f = u**2 with u = x*y + x, so df/du = 2u = 2 * 8 = 16, and Add passes dy on unchanged to x*y.
    x, y = 2.0, 3.0
    return 2 * (x * y + x)


def _exercise_5_3():
    w = tf.Variable(2.0, name="w")
    b = tf.Variable(1.0, name="b", trainable=False)
    with tf.GradientTape() as tape:
        tape.watch(b)  # not trainable, so reading it does not watch it
        h = w * 3.0 + b
        y = tf.square(h)  # inside the block, so the tape records it
    return tape.gradient(y, [w, b])


def _exercise_5_4():
    x = tf.Variable(0.5)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.tanh(x)
        dy_dx = inner.gradient(y, x)
    return outer.gradient(dy_dx, x)


def check_none_fixed(grads):
    """Exercise 5.3: say whether ``grads`` (the gradients for ``[w, b]``) are found now, with a hint if not."""
    expected = (42.0, 14.0)  # y = (3w + b)**2 at w = 2, b = 1: dy/dw = 6 (3w + b), dy/db = 2 (3w + b)
    try:
        got = [None if g is None else _number(g) for g in grads]
    except (TypeError, ValueError):
        print("Exercise 5.3: not yet: pass grads, the list tape.gradient(y, [w, b]) returned.")
        return
    if len(got) != 2:
        print(f"Exercise 5.3: not yet: expected the 2 gradients for [w, b], got {len(got)}.")
    elif got[0] is None:
        print("Exercise 5.3: not yet: even w's gradient is None, so the tape never saw y being computed.\n"
              "  Hint: lessons.TapeView(tape, y, [w, b]) shows what the tape recorded. Which line of the cell "
              "runs after the with block has closed?")
    elif got[1] is None:
        print("Exercise 5.3: not yet: w's gradient is found, b's is still None.\n"
              "  Hint: b was made with trainable=False, so reading it does not watch it; ask the tape to watch it.")
    elif all(abs(g - e) <= 1e-3 for g, e in zip(got, expected)):
        print("Exercise 5.3: right. y was computed after the with block closed (not recorded), and b, not "
              "trainable, was not watched: with both fixed, dy/dw = 42 and dy/db = 14.")
    else:
        print(f"Exercise 5.3: not yet: the gradients are {got}, expected dy/dw = 42 and dy/db = 14 at w = 2, b = 1."
              "\n  Hint: keep the computation as it was (y = (3w + b)**2); change only what the tape sees.")


def _number(answer):
    return float(np.asarray(answer.numpy() if hasattr(answer, "numpy") else answer))


EXERCISES["5.2"] = (lambda answer: abs(_number(answer) - _dy_at_first_mul()) <= 1e-3,
                    "Go backwards from f: f = u**2 sends 2u to u = x*y + x, and Add sends its dy unchanged to each "
                    "input. Then step TapeView to Mul #0 to see it.",
                    "f = u**2 with u = x*y + x = 8 sends dy = 2u = 16 to Add, which passes it on to x*y unchanged.")
EXERCISES["5.4"] = (lambda answer: abs(_number(answer) - float(_exercise_5_4())) <= 1e-3,
                    "Two nested tapes around y = tf.tanh(x) at x = 0.5: the inner gives dy/dx, the outer "
                    "differentiates that. lessons.TapeView(outer, dy_dx, x) steps through it.",
                    "d2 tanh(x)/dx2 = -2 tanh(x) (1 - tanh(x)**2) = -0.7268 at x = 0.5: the outer tape walked back "
                    "through TanhGrad, the op the inner tape's backward pass ran.")

SOLUTIONS = {
    "5.1": '''def softplus_grad(dy, out, x):
    """d softplus(x)/dx = e^x / (1 + e^x) = sigmoid(x); in minitf ops, so nested tapes can differentiate it."""
    return dy * tf.math.sigmoid(x)''',
    "5.2": _exercise_5_2,
    "5.3": _exercise_5_3,
    "5.4": _exercise_5_4,
}


def solution(exercise, show=False):
    """Check exercise ``exercise``'s stored solution quietly; print it only with ``show=True``.

    Raises:
        KeyError: for an exercise that is not in chapter 5.
    """
    if exercise not in SOLUTIONS:
        raise KeyError(f"No stored solution for {exercise!r}; chapter 5 has {', '.join(SOLUTIONS)}.")
    stored = SOLUTIONS[exercise]
    if exercise == "5.1":
        namespace = {"tf": tf}
        exec(stored, namespace)
        right, text = _first_problem(namespace["softplus_grad"]) is None, stored
    elif exercise == "5.3":
        right = [round(_number(g), 3) for g in stored()] == [42.0, 14.0]
        text = textwrap.dedent(inspect.getsource(stored)).replace(stored.__name__, stored.__name__[1:], 1)
    else:
        right = EXERCISES[exercise][0](stored())
        text = textwrap.dedent(inspect.getsource(stored)).replace(stored.__name__, stored.__name__[1:], 1)
    if not right:
        raise AssertionError(f"The stored solution of exercise {exercise} fails its own check.")
    if not show:
        print(f'Solution {exercise} is stored and passes its check; lessons.ch5.solution("{exercise}", show=True) '
              "prints it.")
        return
    print(f"Solution {exercise}:\n\n{text.rstrip()}")
