"""TensorFlow's guide "Introduction to Tensors", section by section, with the values it prints.

minitf holds numbers and booleans only (README, "Where minitf differs"): the guide's ragged,
string and sparse sections are checked only for the error a learner gets.
"""

import numpy as np
import pytest

import minitf as tf


def _rank_3():
    return tf.constant([
        [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]],
        [[10, 11, 12, 13, 14], [15, 16, 17, 18, 19]],
        [[20, 21, 22, 23, 24], [25, 26, 27, 28, 29]],
    ])


# -- Basics ---------------------------------------------------------------------------------------
def test_tensors_of_rank_0_to_3():
    rank_0_tensor = tf.constant(4)
    assert (rank_0_tensor.shape, rank_0_tensor.dtype) == ((), tf.int32)
    rank_1_tensor = tf.constant([2.0, 3.0, 4.0])
    assert (rank_1_tensor.shape, rank_1_tensor.dtype) == ((3,), tf.float32)
    rank_2_tensor = tf.constant([[1, 2], [3, 4], [5, 6]], dtype=tf.float16)
    assert (rank_2_tensor.shape, rank_2_tensor.dtype) == ((3, 2), tf.float16)
    assert _rank_3().shape == (3, 2, 5)
    assert repr(rank_0_tensor) == "<minitf.Tensor: shape=(), dtype=int32, numpy=4>"


def test_converting_to_numpy():
    rank_2_tensor = tf.constant([[1, 2], [3, 4], [5, 6]], dtype=tf.float16)
    for array in (np.array(rank_2_tensor), rank_2_tensor.numpy()):
        assert array.dtype == np.float16
        np.testing.assert_array_equal(array, [[1, 2], [3, 4], [5, 6]])


def test_basic_math():
    a = tf.constant([[1, 2], [3, 4]])
    b = tf.constant([[1, 1], [1, 1]])
    for added, multiplied, product in ((tf.add(a, b), tf.multiply(a, b), tf.matmul(a, b)), (a + b, a * b, a @ b)):
        np.testing.assert_array_equal(added, [[2, 3], [4, 5]])
        np.testing.assert_array_equal(multiplied, [[1, 2], [3, 4]])
        np.testing.assert_array_equal(product, [[3, 3], [7, 7]])


def test_reductions_and_softmax():
    c = tf.constant([[4.0, 5.0], [10.0, 1.0]])
    assert tf.reduce_max(c).numpy() == 10.0
    np.testing.assert_array_equal(tf.math.argmax(c), [1, 0])
    np.testing.assert_allclose(tf.nn.softmax(c), [[2.6894143e-01, 7.3105854e-01], [9.9987662e-01, 1.2339458e-04]],
                               rtol=1e-6)


def test_ops_convert_python_and_numpy_values():
    assert tf.convert_to_tensor([1, 2, 3]).dtype == tf.int32
    assert tf.reduce_max([1, 2, 3]).numpy() == 3
    assert tf.reduce_max(np.array([1, 2, 3])).numpy() == 3


# -- About shapes ---------------------------------------------------------------------------------
def test_shape_vocabulary():
    rank_4_tensor = tf.zeros([3, 2, 4, 5])
    assert rank_4_tensor.dtype == tf.float32
    assert rank_4_tensor.ndim == 4
    assert rank_4_tensor.shape == (3, 2, 4, 5)
    assert (rank_4_tensor.shape[0], rank_4_tensor.shape[-1]) == (3, 5)
    assert tf.size(rank_4_tensor).numpy() == 120
    assert tf.rank(rank_4_tensor).numpy() == 4
    np.testing.assert_array_equal(tf.shape(rank_4_tensor), [3, 2, 4, 5])


# -- Indexing -------------------------------------------------------------------------------------
def test_single_axis_indexing():
    rank_1_tensor = tf.constant([0, 1, 1, 2, 3, 5, 8, 13, 21, 34])
    assert (rank_1_tensor[0].numpy(), rank_1_tensor[1].numpy(), rank_1_tensor[-1].numpy()) == (0, 1, 34)
    expected = {
        (None, None, None): [0, 1, 1, 2, 3, 5, 8, 13, 21, 34],
        (None, 4, None): [0, 1, 1, 2],
        (4, None, None): [3, 5, 8, 13, 21, 34],
        (2, 7, None): [1, 2, 3, 5, 8],
        (None, None, 2): [0, 1, 3, 8, 21],
        (None, None, -1): [34, 21, 13, 8, 5, 3, 2, 1, 1, 0],
    }
    for (start, stop, step), values in expected.items():
        np.testing.assert_array_equal(rank_1_tensor[start:stop:step], values)


def test_multi_axis_indexing():
    rank_2_tensor = tf.constant([[1, 2], [3, 4], [5, 6]], dtype=tf.float16)
    assert rank_2_tensor[1, 1].numpy() == 4.0
    np.testing.assert_array_equal(rank_2_tensor[1, :], [3.0, 4.0])
    np.testing.assert_array_equal(rank_2_tensor[:, 1], [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(rank_2_tensor[-1, :], [5.0, 6.0])
    assert rank_2_tensor[0, -1].numpy() == 2.0
    np.testing.assert_array_equal(rank_2_tensor[1:, :], [[3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_array_equal(_rank_3()[:, :, 4], [[4, 9], [14, 19], [24, 29]])


# -- Manipulating shapes --------------------------------------------------------------------------
def test_reshape():
    x = tf.constant([[1], [2], [3]])
    assert x.shape == (3, 1)
    assert x.shape.as_list() == [3, 1]
    reshaped = tf.reshape(x, [1, 3])
    assert reshaped.shape == (1, 3)
    rank_3_tensor = _rank_3()
    np.testing.assert_array_equal(tf.reshape(rank_3_tensor, [-1]), np.arange(30))
    assert tf.reshape(rank_3_tensor, [3 * 2, 5]).shape == (6, 5)
    assert tf.reshape(rank_3_tensor, [3, -1]).shape == (3, 10)
    # reshaping keeps the order of the elements: swapping axes needs a transpose
    np.testing.assert_array_equal(tf.reshape(rank_3_tensor, [2, 3, 5])[0, 1], [5, 6, 7, 8, 9])
    np.testing.assert_array_equal(tf.transpose(rank_3_tensor, [1, 0, 2])[0, 1], [10, 11, 12, 13, 14])


def test_a_reshape_that_cannot_work():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Input to reshape is a tensor with 30 values, but the requested shape requires "
                             r"a multiple of 7 \[Op:Reshape\]"):
        tf.reshape(_rank_3(), [7, -1])


# -- More on DTypes -------------------------------------------------------------------------------
def test_casting_truncates_toward_zero():
    the_f64_tensor = tf.constant([2.2, 3.3, 4.4], dtype=tf.float64)
    the_f16_tensor = tf.cast(the_f64_tensor, dtype=tf.float16)
    the_u8_tensor = tf.cast(the_f16_tensor, dtype=tf.uint8)
    assert the_u8_tensor.dtype == tf.uint8
    np.testing.assert_array_equal(the_u8_tensor, [2, 3, 4])


# -- Broadcasting ---------------------------------------------------------------------------------
def test_broadcasting_a_scalar():
    x = tf.constant([1, 2, 3])
    y = tf.constant(2)
    z = tf.constant([2, 2, 2])
    for product in (tf.multiply(x, 2), x * y, x * z):
        np.testing.assert_array_equal(product, [2, 4, 6])


def test_broadcasting_a_column_with_a_row():
    x = tf.reshape(tf.constant([1, 2, 3]), [3, 1])
    y = tf.range(1, 5)
    table = [[1, 2, 3, 4], [2, 4, 6, 8], [3, 6, 9, 12]]
    np.testing.assert_array_equal(tf.multiply(x, y), table)
    x_stretch = tf.constant([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]])
    y_stretch = tf.constant([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]])
    np.testing.assert_array_equal(x_stretch * y_stretch, table)
    np.testing.assert_array_equal(tf.broadcast_to(tf.constant([1, 2, 3]), [3, 3]), [[1, 2, 3]] * 3)


# -- tf.convert_to_tensor -------------------------------------------------------------------------
def test_convert_to_tensor_passes_tensors_through():
    t = tf.constant([1.0, 2.0])
    assert tf.convert_to_tensor(t) is t
    np.testing.assert_array_equal(tf.convert_to_tensor(np.array([1.0, 2.0])), [1.0, 2.0])


# -- Ragged tensors: tf.ragged is outside minitf's scope; converting a ragged list fails as in TensorFlow.
def test_a_ragged_list_is_not_a_tensor():
    ragged_list = [[0, 1, 2, 3], [4, 5], [6, 7, 8], [9]]
    with pytest.raises(ValueError, match="Can't convert non-rectangular Python sequence to Tensor."):
        tf.constant(ragged_list)


# -- String tensors: outside minitf's scope (numbers and booleans only); the error says so.
def test_strings_are_refused_with_a_clear_message():
    with pytest.raises((TypeError, ValueError), match="numbers and booleans only"):
        tf.constant("Gray wolf")


# -- Sparse tensors: tf.sparse is outside minitf's scope (README, "Where minitf differs").
