"""Chapter 5's exercises: a gradient rule to write, a gradient to predict, a ``None`` to fix, a second derivative.

All four are registered with ``exercises.register``: ``lessons.check("5.1", softplus_grad)`` runs
the learner's gradient rule for a new primitive, ``Softplus``, on hidden cases (the tape's
gradient, and a second derivative through the rule, which only works when it is written in
minitf ops); ``lessons.check("5.3", gradients_of_y)`` runs the learner's repaired function;
5.2 and 5.4 are numbers for ``lessons.check_answer``. ``lessons.solution`` keeps each
solution hidden until asked.

>>> import minitf as tf
>>> from minitf.lessons.exercises import check
>>> check("5.1", lambda dy, out, x: dy * tf.math.sigmoid(x))  # doctest: +ELLIPSIS
Exercise 5.1: right, on all 3 hidden cases. ...
"""

import numpy as np

import minitf as tf
from minitf.lessons.exercises import Case, CodeExercise, NumberExercise, register
from minitf.primitive import Primitive, bind

POINTS = (-3.0, -0.5, 0.0, 1.5, 4.0)  # where a Softplus rule is tried (float64: rounding cannot hide a wrong rule)


def softplus_forward(xp, x):
    return xp.logaddexp(xp.zeros_like(x), x)  # log(1 + e^x) without overflow for large x


def softplus_primitive(rule):
    """A ``Softplus`` primitive (forward rule ``softplus_forward``) whose gradient rule for its input is ``rule``."""
    return Primitive("Softplus", softplus_forward, vjp=(rule,))


# -- 5.1: Softplus's gradient rule ----------------------------------------------------------------------------
def _solution_5_1(dy, out, x):
    """d softplus(x)/dx = e^x / (1 + e^x) = sigmoid(x); in minitf ops, so nested tapes can differentiate it."""
    return dy * tf.math.sigmoid(x)


def _called_directly(rule):
    x = tf.constant(np.array(POINTS))
    return rule(tf.ones_like(x), bind(softplus_primitive(rule), x), x)


def _is_a_tensor(result):
    if result is None:
        return "softplus_grad returned None: return the gradient for x (did you forget the return?)"
    if not isinstance(result, tf.Tensor):
        return (f"softplus_grad returned a {type(result).__name__}, not a minitf tensor: use minitf ops (not NumPy), "
                "so the tape can record the rule")
    return None


def _first_derivative(rule):
    x = tf.constant(np.array(POINTS))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = bind(softplus_primitive(rule), x)
    return tape.gradient(y, x)


def _second_derivative(rule):
    """The second derivative through ``rule``, or a sentence saying the outer tape got None."""
    x = tf.constant(np.array(POINTS))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = bind(softplus_primitive(rule), x)
        first = inner.gradient(y, x)
    second = outer.gradient(first, x)
    return "None: the outer tape recorded nothing of the rule" if second is None else second


def _is_sigmoid_slope(second):
    s = 1 / (1 + np.exp(-np.array(POINTS)))
    if isinstance(second, str):
        return f"the second derivative through your rule is {second}"
    if not np.allclose(np.asarray(second), s * (1 - s), atol=1e-6):
        return (f"the second derivative through your rule is {np.round(np.asarray(second), 4).tolist()}, "
                f"expected sigmoid(x) (1 - sigmoid(x)) = {np.round(s * (1 - s), 4).tolist()}")
    return None


def _rule_passing_dy_on(dy, out, x):
    return dy


def _rule_with_minus_x(dy, out, x):
    return dy * tf.math.sigmoid(-x)


def _rule_with_out(dy, out, x):
    return dy * out


def _rule_with_exp(dy, out, x):
    return dy * tf.exp(x)


def _rule_in_numpy(dy, out, x):
    return dy * tf.constant(1 / (1 + np.exp(-np.asarray(x))))


register(CodeExercise(
    "5.1", "softplus_grad", "Write softplus_grad(dy, out, x): Softplus's gradient rule for x, in minitf ops.",
    [Case("dy = 1 at x = [-3, -0.5, 0, 1.5, 4], calling the rule as the tape does", _called_directly,
          judge=_is_a_tensor),
     Case("the tape's gradient of softplus at x = [-3, -0.5, 0, 1.5, 4]", _first_derivative,
          result="the tape's gradient"),
     Case("a second derivative through your rule (a nested tape)", _second_derivative, judge=_is_sigmoid_slope)],
    _solution_5_1, tolerance=1e-6,
    mistakes=[(_rule_in_numpy, "The slope is right, but computed in NumPy the tape cannot record it: a nested tape "
                               "gets None. Compute it from x with minitf ops (tf.math.sigmoid(x))."),
              (_rule_passing_dy_on, "You send dy on unchanged: multiply it by the slope of softplus at x."),
              (_rule_with_minus_x, "Close: the slope of log(1 + e^x) is e^x / (1 + e^x) = sigmoid(x), "
                                   "not sigmoid(-x)."),
              (_rule_with_out, "That multiplies by softplus itself (out); its slope is sigmoid(x)."),
              (_rule_with_exp, "e^x is the slope of the inside; divide by 1 + e^x (that is sigmoid(x)).")],
    explanation="Softplus's rule passes the tape's gradient and a second derivative through it "
                "(sigmoid(x) * (1 - sigmoid(x))): it is written in minitf ops, so the backward pass is recorded too."))


# -- 5.2: predict the dy arriving at a node --------------------------------------------------------------------
def predict_graph():
    """Exercise 5.2's computation: ``f = (x * y + x) ** 2`` at x = 2, y = 3, with a tape that recorded it."""
    x, y = tf.Variable(2.0, name="x"), tf.Variable(3.0, name="y")
    with tf.GradientTape() as tape:
        f = (x * y + x) ** 2
    return tape, f, [x, y]


def _solution_5_2():
    # f = u**2 with u = x*y + x = 8: df/du = 2u = 16, and Add sends its dy unchanged to each input, x*y among them.
    x, y = 2.0, 3.0
    return 2 * (x * y + x)


def _dy_at_the_first_mul():
    tape, f, sources = predict_graph()
    return float(next(step.dy for step in tape.backward_steps(f, sources).steps if step.op.index == 0))


register(NumberExercise(
    "5.2", lambda answer: abs(float(np.asarray(answer)) - _dy_at_the_first_mul()) <= 1e-3,
    "Go backwards from f: f = u**2 sends 2u to u = x*y + x, and Add sends its dy unchanged to each input. "
    "Then step TapeView to Mul #0 to see it.",
    "f = u**2 with u = x*y + x = 8 sends dy = 2u = 16 to Add, which passes it on to x*y unchanged.",
    _solution_5_2,
    mistakes={64.0: "64 is f itself; the question is the gradient arriving at x*y.",
              8.0: "8 is u = x*y + x; f = u**2 sends back 2u.",
              48.0: "48 is df/dx (16 * (y + 1)): the question stops earlier, at the output of x*y.",
              32.0: "32 is df/dy (16 * x): the question stops earlier, at the output of x*y."}))


# -- 5.3: two reasons for None ------------------------------------------------------------------------------------
def _solution_5_3(w, b):
    with tf.GradientTape() as tape:
        tape.watch(b)  # b is not trainable, so reading it does not watch it
        h = w * 3.0 + b
        y = tf.square(h)  # inside the block, so the tape records it
    return tape.gradient(y, [w, b])


def _gradients_as_given(w, b):
    with tf.GradientTape() as tape:
        h = w * 3.0 + b
    y = tf.square(h)
    return tape.gradient(y, [w, b])


def _gradients_y_inside(w, b):
    with tf.GradientTape() as tape:
        h = w * 3.0 + b
        y = tf.square(h)
    return tape.gradient(y, [w, b])


def _none_case(w, b):
    def run(candidate):
        return candidate(tf.Variable(w, name="w"), tf.Variable(b, name="b", trainable=False))
    return Case(f"w = {w}, b = {b} (not trainable)", run, result="the gradients for [w, b]")


register(CodeExercise(
    "5.3", "gradients_of_y", "Fix gradients_of_y(w, b) so that both gradients are found.",
    [_none_case(2.0, 1.0), _none_case(-1.0, 0.5)], _solution_5_3, tolerance=1e-5,
    mistakes=[(_gradients_as_given, "Even w's gradient is None, so the tape never saw y being computed: which line "
                                    "runs after the with block has closed? lessons.TapeView(tape, y, [w, b]) shows "
                                    "what the tape recorded."),
              (_gradients_y_inside, "w's gradient is found; b was made with trainable=False, so reading it does not "
                                    "watch it: ask the tape to watch it.")],
    explanation="y was computed after the with block had closed (not recorded), and b, not trainable, was not "
                "watched: with both fixed, dy/dw = 6 (3w + b) and dy/db = 2 (3w + b)."))


# -- 5.4: a second derivative ---------------------------------------------------------------------------------------
def _solution_5_4():
    x = tf.Variable(0.5)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.tanh(x)
        dy_dx = inner.gradient(y, x)
    return outer.gradient(dy_dx, x)


register(NumberExercise(
    "5.4", -2 * np.tanh(0.5) * (1 - np.tanh(0.5) ** 2),
    "Two nested tapes around y = tf.tanh(x) at x = 0.5: the inner gives dy/dx, the outer differentiates that. "
    "lessons.TapeView(outer, dy_dx, x) steps through it.",
    "d2 tanh(x)/dx2 = -2 tanh(x) (1 - tanh(x)**2) = -0.7268 at x = 0.5: the outer tape walked back through "
    "TanhGrad, the op the inner tape's backward pass ran.",
    _solution_5_4,
    mistakes={1 - np.tanh(0.5) ** 2: "That is the first derivative, 1 - tanh(x)**2; differentiate it once more.",
              float(np.tanh(0.5)): "That is tanh(0.5) itself; the second derivative needs two nested tapes."}))
