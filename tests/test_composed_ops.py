"""Ops built from other primitives (issue 16) give TensorFlow's values, gradients and errors at the edges."""

import re

import numpy as np
import pytest

import minitf as tf
from minitf.errors import InvalidArgumentError

NAN = float("nan")


def test_comparisons_built_from_less_and_equal_match_numpy_with_nan_and_infinities():
    a = np.array([1.0, 2.0, NAN, 3.0, -np.inf, NAN], np.float32)
    b = np.array([2.0, 2.0, 1.0, NAN, -np.inf, NAN], np.float32)
    ta, tb = tf.constant(a), tf.constant(b)
    for op, reference in [(tf.greater, np.greater), (tf.greater_equal, np.greater_equal),
                          (tf.less_equal, np.less_equal), (tf.not_equal, np.not_equal)]:
        np.testing.assert_array_equal(op(ta, tb).numpy(), reference(a, b), err_msg=op.__name__)
    assert (ta >= tb).dtype == tf.bool and (ta != tb).numpy()[-1]  # nan != nan


def test_comparisons_broadcast_and_keep_their_own_names_in_errors():
    x = tf.constant([[1, 5], [7, 2]])
    np.testing.assert_array_equal((x > 2).numpy(), [[False, True], [True, False]])
    np.testing.assert_array_equal(tf.greater_equal(x, [2, 5]).numpy(), [[False, True], [True, False]])
    for op, name in [(tf.greater, "Greater"), (tf.greater_equal, "GreaterEqual"), (tf.less_equal, "LessEqual"),
                     (tf.not_equal, "NotEqual")]:
        with pytest.raises(InvalidArgumentError, match=re.escape(f"cannot compute {name} as input #1(zero-based) "
                                                                 "was expected to be a float tensor but is a int32")):
            op(tf.constant([1.0]), tf.constant([1]))
        with pytest.raises(InvalidArgumentError, match=re.escape("Incompatible shapes: [2] vs. [3]")):
            op(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("dtype", [tf.float32, tf.int8, tf.int32, tf.uint8, tf.int64], ids=lambda d: d.name)
def test_minimum_reduce_min_and_argmin_cover_each_dtypes_whole_range(dtype):
    low, high = (-1000.0, 1000.0) if dtype.is_floating else (int(dtype.min), int(dtype.max))
    a = np.array([low, high, 0, 1, high, low], dtype.as_numpy_dtype)
    b = np.array([high, low, 1, 0, high, 0], dtype.as_numpy_dtype)
    ta, tb = tf.constant(a), tf.constant(b)
    np.testing.assert_array_equal(tf.minimum(ta, tb).numpy(), np.minimum(a, b))
    assert tf.minimum(ta, tb).dtype == dtype and tf.reduce_min(ta).dtype == dtype
    assert tf.reduce_min(ta).numpy() == a.min() and tf.argmin(ta).numpy() == a.argmin() == 0
    np.testing.assert_array_equal(tf.argmin(tf.reshape(ta, [2, 3]), axis=1).numpy(), a.reshape(2, 3).argmin(1))


def test_argmin_of_bools_and_nan():
    assert int(tf.argmin(tf.constant([True, False, False]))) == 1  # the first of the smallest
    assert int(tf.argmin(tf.constant([2.0, NAN, 1.0]))) == int(np.argmin([2.0, NAN, 1.0])) == 1
    assert np.isnan(tf.minimum(tf.constant([NAN, 1.0]), tf.constant([0.0, NAN])).numpy()).all()


def test_minimum_sends_the_gradient_to_x_on_ties_as_tensorflow():
    x, y = tf.Variable([1.0, 2.0, 3.0]), tf.Variable([2.0, 2.0, 1.0])
    with tf.GradientTape() as tape:
        out = tf.minimum(x, y)
    dx, dy = tape.gradient(out, [x, y])
    np.testing.assert_array_equal(dx.numpy(), [1.0, 1.0, 0.0])  # x where x <= y
    np.testing.assert_array_equal(dy.numpy(), [0.0, 0.0, 1.0])


def test_minimum_and_reduce_min_have_second_derivatives():
    x = tf.Variable(0.5)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.minimum(x * x * x, tf.constant(2.0)) + tf.reduce_min(tf.stack([x * x, x + 1.0]))
        dy = inner.gradient(y, x)
    assert np.isclose(float(dy), 3 * 0.25 + 2 * 0.5) and np.isclose(float(outer.gradient(dy, x)), 6 * 0.5 + 2)


def test_errors_keep_the_name_of_the_op_called():
    with pytest.raises(InvalidArgumentError, match=r"cannot compute Minimum as input #1"):
        tf.minimum(tf.constant([1.0]), tf.constant([1]))
    with pytest.raises(InvalidArgumentError, match=r"Reductions need numbers, not bool"):
        tf.reduce_min(tf.constant([True, False]))
    with pytest.raises(InvalidArgumentError, match=r"\[Op:ArgMin\]"):
        tf.argmin(tf.constant([1.0, 2.0]), axis=3)


def test_logical_ops_built_on_where_and_equal_give_the_truth_tables():
    a, b = tf.constant([True, True, False, False]), tf.constant([True, False, True, False])
    assert tf.logical_and(a, b).numpy().tolist() == [True, False, False, False]
    assert tf.logical_or(a, b).numpy().tolist() == [True, True, True, False]
    assert tf.logical_not(a).numpy().tolist() == [False, False, True, True] and (~a).dtype == tf.bool
    assert (tf.constant([[True], [False]]) & b).numpy().tolist() == [[True, False, True, False], [False] * 4]
    assert (a | True).numpy().all() and tf.logical_not(True).numpy() == np.False_


def test_logical_ops_keep_their_names_in_errors():
    for op, name in [(tf.logical_and, "LogicalAnd"), (tf.logical_or, "LogicalOr")]:
        with pytest.raises(InvalidArgumentError, match=rf"{name} expects bool tensors, got float32"):
            op(tf.constant([True]), tf.constant([1.0]))
        with pytest.raises(InvalidArgumentError, match=re.escape("Incompatible shapes: [2] vs. [3] [Op:" + name)):
            op(tf.constant([True, False]), tf.constant([True, False, True]))
    with pytest.raises(InvalidArgumentError, match=r"LogicalNot expects bool tensors, got int32"):
        tf.logical_not(tf.constant([1]))
