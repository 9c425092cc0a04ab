"""Gradient checking for learners: compare the tape's gradients with finite differences.

``compute_gradient`` mirrors ``tf.test.compute_gradient``: it returns the
theoretical Jacobians (from the tape) and the numerical ones (from central
differences). ``check_gradients`` does the comparison for you and points at the
worst element, which is what you want when a hand-written gradient rule is off.
"""

import numpy as np

from minitf.tape import GradientTape
from minitf.tensor import constant, convert_to_tensor


def _jacobians(f, xs, delta):
    xs = [convert_to_tensor(x) for x in xs]
    with GradientTape(persistent=True) as tape:
        tape.watch(xs)
        y = convert_to_tensor(f(*xs))
    y_size = y._value.size
    theoretical, numerical = [], []
    for i, x in enumerate(xs):
        jac = tape.jacobian(y, x, unconnected_gradients="zero")
        theoretical.append(np.asarray(jac).reshape(y_size, x._value.size))
        base = np.asarray(x).astype(x.dtype.as_numpy_dtype)
        numeric = np.zeros((y_size, base.size))
        for j in range(base.size):
            column = []
            for step in (delta, -delta):
                moved = base.copy().reshape(-1)
                moved[j] += step
                args = list(xs)
                args[i] = constant(moved.reshape(base.shape), dtype=x.dtype)
                column.append(np.asarray(f(*args), dtype=np.float64).reshape(-1))
            numeric[:, j] = (column[0] - column[1]) / (2 * delta)
        numerical.append(numeric)
    return tuple(theoretical), tuple(numerical)


def compute_gradient(f, x, delta=None):
    """Return ``(theoretical, numerical)`` Jacobians of ``f`` at the tensors in ``x``.

    Each Jacobian has shape ``[y_size, x_size]``, one per element of ``x`` (a list).
    ``delta`` is the finite-difference step (default ``1/1024``, exact in binary).

    >>> import minitf as tf
    >>> theory, numeric = tf.test.compute_gradient(lambda x: x * x, [tf.constant([1., 2.])])
    >>> theory[0]
    array([[2., 0.],
           [0., 4.]], dtype=float32)
    """
    return _jacobians(f, list(x), 1 / 1024 if delta is None else delta)


class GradientCheck:
    """The outcome of ``check_gradients``: ``passed``, the worst element, and a readable report."""

    def __init__(self, passed, max_error, where, analytic, numeric):
        self.passed = passed
        self.max_error = max_error
        self.where = where
        self.analytic = analytic
        self.numeric = numeric

    def __bool__(self):
        return self.passed

    def __repr__(self):
        verdict = "passed" if self.passed else "FAILED"
        if self.where is None:
            return f"gradient check {verdict}: nothing to compare"
        return (f"gradient check {verdict}: worst element d{self.where}, "
                f"tape {self.analytic:.6g} vs finite differences {self.numeric:.6g} "
                f"(difference {self.max_error:.3g})")


def check_gradients(f, *xs, atol=1e-5, rtol=1e-4):
    """Check the tape's gradient of ``f`` against central differences, in float64.

    The inputs are converted to float64 so rounding cannot hide a wrong rule.
    Returns a ``GradientCheck`` that is truthy when every element agrees within
    ``atol + rtol * |numeric|`` and prints which element disagrees most.

    >>> import minitf as tf
    >>> tf.test.check_gradients(lambda x: tf.tanh(x) * x, tf.constant([0.5, -1.0]))
    gradient check passed: worst element d(output[...])/d(x0[...]), tape ...
    """
    xs = [constant(np.asarray(x, dtype=np.float64)) if convert_to_tensor(x).dtype.is_floating
          else convert_to_tensor(x) for x in xs]
    theoretical, numerical = _jacobians(f, xs, 1e-6)
    worst = (0.0, None, 0.0, 0.0)
    passed = True
    for i, (theory, numeric) in enumerate(zip(theoretical, numerical)):
        if theory.size == 0:
            continue
        error = np.abs(theory - numeric)
        excess = error - (atol + rtol * np.abs(numeric))
        failing = bool((excess > 0).any())
        k = int(np.argmax(excess if failing else error))  # the worst offender, else the largest error
        out_index, in_index = np.unravel_index(k, theory.shape)
        passed = passed and not failing
        if worst[1] is None or error.flat[k] > worst[0]:
            y_pos = [int(p) for p in np.unravel_index(out_index, _output_shape(f, xs))]
            x_pos = [int(p) for p in np.unravel_index(in_index, xs[i]._value.shape)]
            where = f"(output{y_pos})/d(x{i}{x_pos})"
            worst = (float(error.flat[k]), where, float(theory.flat[k]), float(numeric.flat[k]))
    return GradientCheck(passed, *worst)


def _output_shape(f, xs):
    return np.shape(np.asarray(f(*xs))) or (1,)

