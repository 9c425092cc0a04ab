"""TensorFlow's guide "Introduction to Variables", section by section, with the values it prints."""

import numpy as np
import pytest

import minitf as tf


def _my_tensor():
    return tf.constant([[1.0, 2.0], [3.0, 4.0]])


# -- Create a variable ----------------------------------------------------------------------------
def test_create_variables_of_any_dtype():
    my_variable = tf.Variable(_my_tensor())
    bool_variable = tf.Variable([False, False, False, True])
    assert (my_variable.shape, my_variable.dtype) == ((2, 2), tf.float32)
    assert bool_variable.dtype == tf.bool
    np.testing.assert_array_equal(my_variable.numpy(), [[1.0, 2.0], [3.0, 4.0]])
    assert repr(my_variable).startswith("<minitf.Variable 'Variable:0' shape=(2, 2) dtype=float32, numpy=")
    # the guide's complex variable: minitf has no complex dtypes (README, "Where minitf differs")
    with pytest.raises(TypeError, match="numbers and booleans only"):
        tf.Variable([5 + 4j, 6 + 1j])


def test_variables_work_in_tensor_ops():
    my_variable = tf.Variable(_my_tensor())
    np.testing.assert_array_equal(tf.convert_to_tensor(my_variable), [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(tf.math.argmax(my_variable), [1, 1])
    reshaped = tf.reshape(my_variable, [1, 4])  # a new tensor: the variable keeps its shape
    np.testing.assert_array_equal(reshaped, [[1.0, 2.0, 3.0, 4.0]])
    assert my_variable.shape == (2, 2)


def test_assign_keeps_dtype_and_shape():
    a = tf.Variable([2.0, 3.0])
    a.assign([1, 2])  # converted to the variable's dtype
    assert a.dtype == tf.float32
    np.testing.assert_array_equal(a, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"Cannot assign value to variable 'Variable:0': Shape mismatch"):
        a.assign([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(a, [1.0, 2.0])  # untouched by the failed assignment


def test_a_variable_made_from_a_variable_is_a_copy():
    a = tf.Variable([2.0, 3.0])
    b = tf.Variable(a)
    a.assign([5, 6])
    np.testing.assert_array_equal(a, [5.0, 6.0])
    np.testing.assert_array_equal(b, [2.0, 3.0])
    np.testing.assert_array_equal(a.assign_add([2, 3]), [7.0, 9.0])
    np.testing.assert_array_equal(a.assign_sub([7, 9]), [0.0, 0.0])


# -- Lifecycles, naming, and watching -------------------------------------------------------------
def test_variables_may_share_a_name():
    a = tf.Variable(_my_tensor(), name="Mark")
    b = tf.Variable(_my_tensor() + 1, name="Mark")
    assert a.name == b.name == "Mark:0"
    np.testing.assert_array_equal(a == b, [[False, False], [False, False]])  # compared element-wise


def test_a_variable_can_be_left_out_of_differentiation():
    step_counter = tf.Variable(1, trainable=False)
    assert step_counter.trainable is False
    with tf.GradientTape() as tape:
        y = tf.cast(step_counter, tf.float32) * 2.0
    assert tape.watched_variables() == ()
    assert tape.gradient(y, step_counter) is None


# -- Placing variables and tensors --------------------------------------------------------------
@pytest.mark.skipif(tf.config.get_backend() != "numpy", reason="the NumPy backend's one device, the CPU")
def test_variables_and_ops_placed_on_the_cpu():
    with tf.device("CPU:0"):
        a = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        b = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        c = tf.matmul(a, b)
    np.testing.assert_array_equal(c.numpy(), [[22.0, 28.0], [49.0, 64.0]])
    assert a.device == c.device == "/device:CPU:0"
    # A minitf program runs on its backend's device: TensorFlow would quietly compute a GPU block on the CPU
    # when it has no GPU; minitf says how to get one (README, "Where minitf differs").
    with pytest.raises(tf.errors.InvalidArgumentError, match="MINITF_BACKEND=cupy"):
        with tf.device("GPU:0"):
            pass
