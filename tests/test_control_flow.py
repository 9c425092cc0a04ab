"""while_loop: eager (a Python loop the tape records) and inside minitf.function (unrolled, guarded)."""

import numpy as np
import pytest

import minitf as tf
from minitf.errors import InvalidArgumentError


def test_eager_loop_returns_the_structure_of_loop_vars():
    assert tf.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i), [0, 0]) == (4, 6)
    assert tf.while_loop(lambda i: i < 10, lambda i: i + 1, [0], maximum_iterations=4) == [4]
    assert tf.while_loop(lambda i: i < 10, lambda i: i + 1, 0) == 10
    i, (a, b) = tf.while_loop(lambda i, ab: i < 5, lambda i, ab: (i + 1, (ab[1], ab[0] + ab[1])),
                              (tf.constant(0), (tf.constant(0), tf.constant(1))))
    assert (int(i), int(a), int(b)) == (5, 5, 8)  # Fibonacci


def test_eager_loop_is_differentiable():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), [tf.constant(0), tf.constant(1.0)])
    assert float(y) == 8.0
    assert float(tape.gradient(y, x)) == 12.0  # d x^3 / dx = 3 x^2


def test_body_and_cond_are_checked():
    with pytest.raises(ValueError, match="^The two structures don't have the same nested structure."):
        tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1,), [0, 0])
    with pytest.raises(TypeError, match="^cond and body must be callable"):
        tf.while_loop(True, lambda i: i, [0])
    with pytest.raises(ValueError, match="cond must return a scalar boolean"):
        tf.while_loop(lambda x: x < 3, lambda x: x + 1, [tf.constant([0, 1])])


def _power():
    @tf.function
    def power(x, n):
        _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * x), [0, 1.0])
        return y

    return power


def test_traced_loop_gives_each_calls_result_and_gradient():
    power = _power()
    assert float(power(tf.constant(2.0), tf.constant(3))) == 8.0
    assert float(power(tf.constant(3.0), tf.constant(3))) == 27.0  # the same graph, new values
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = power(x, tf.constant(3))
    assert float(tape.gradient(y, x)) == 12.0


def test_traced_loop_never_replays_a_wrong_iteration_count():
    power = _power()
    power(tf.constant(2.0), tf.constant(3))
    with pytest.raises(InvalidArgumentError, match=r"^minitf.while_loop ran 3 iterations when this function was "
                                                   r"traced, but its condition now asks for a different number"):
        power(tf.constant(2.0), tf.constant(4))
    with pytest.raises(InvalidArgumentError, match="Pass the loop bound as a Python number"):
        power(tf.constant(2.0), tf.constant(1))


def test_a_python_bound_traces_once_per_value():
    power = _power()
    assert [float(power(tf.constant(2.0), n)) for n in (1, 2, 5)] == [2.0, 4.0, 32.0]


def test_loop_vars_given_as_numbers_are_not_baked_into_the_graph():
    @tf.function
    def count_from(start):
        return tf.while_loop(lambda i: i < 10, lambda i: (i + 1,), [start])[0]

    assert int(count_from(tf.constant(7))) == 10
    with pytest.raises(InvalidArgumentError, match="iterations when this function was traced"):
        count_from(tf.constant(2))
    np.testing.assert_array_equal(count_from(tf.constant(7)), 10)
