"""Result dtypes and printouts as TensorFlow 2.21's (where NumPy alone would differ)."""

import numpy as np
import pytest

import minitf as tf

INTEGERS = [tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8]


def test_a_dtype_prints_as_tensorflow_prints_it():
    assert str(tf.float32) == "<dtype: 'float32'>" and repr(tf.float32) == "tf.float32"
    assert str(tf.constant([1, 2]).dtype) == "<dtype: 'int32'>" and repr(tf.bool) == "tf.bool"
    assert f"{tf.constant(1.0).dtype}" == "<dtype: 'float32'>"


@pytest.mark.parametrize("dtype", INTEGERS, ids=lambda d: d.name)
@pytest.mark.parametrize("reduce", [tf.reduce_sum, tf.reduce_prod, tf.reduce_max, tf.reduce_min, tf.reduce_mean],
                         ids=lambda f: f.__name__)
def test_integer_reductions_keep_the_input_dtype(reduce, dtype):
    # NumPy's sum and prod widen small integers (int32 -> int64, uint8 -> uint64); TensorFlow keeps the dtype
    x = tf.constant([[1, 2], [3, 4]], dtype=dtype)
    assert reduce(x).dtype == dtype
    assert reduce(x, axis=0).dtype == dtype and reduce(x, axis=1, keepdims=True).dtype == dtype


def test_integer_sums_and_products_give_tensorflows_values():
    x = tf.constant([[1, 2], [3, 4]])
    assert tf.reduce_sum(x).numpy() == 10 and tf.reduce_sum(x).numpy().dtype == np.int32
    assert tf.reduce_prod(tf.constant([2, 3, 4], dtype=tf.uint8)).numpy() == 24
    # int32 sums wrap around as TensorFlow's kernel does (no silent widening)
    assert int(tf.reduce_sum(tf.constant([2**31 - 1, 1]))) == -(2**31)


def test_integer_mean_divides_with_truncation_toward_zero():
    # TensorFlow's documented example: the mean of [1, 0, 1, 0] as int32 is 0, not 0.5
    assert int(tf.reduce_mean(tf.constant([1, 0, 1, 0]))) == 0
    assert int(tf.reduce_mean(tf.constant([-1, -2]))) == -1  # -1.5 truncates toward zero
    mean = tf.reduce_mean(tf.constant([[1, 2], [3, 5]]), axis=1)
    assert mean.dtype == tf.int32 and mean.numpy().tolist() == [1, 4]
    # the sum is accumulated wider, so the mean of large int32 values does not wrap (TensorFlow's eager kernel)
    assert int(tf.reduce_mean(tf.constant([2**31 - 1, 2**31 - 1]))) == 2**31 - 1


def test_float_reductions_keep_float16_and_float64():
    for dtype in (tf.float16, tf.float64):
        x = tf.constant([[1.0, 2.0], [3.0, 4.0]], dtype=dtype)
        for reduce in (tf.reduce_sum, tf.reduce_mean, tf.reduce_prod, tf.reduce_max, tf.reduce_min,
                       tf.math.reduce_std, tf.math.reduce_variance, tf.reduce_logsumexp):
            assert reduce(x).dtype == dtype, reduce.__name__


def test_cumsum_and_argmax_dtypes():
    assert tf.math.cumsum(tf.constant([1, 2, 3], dtype=tf.int8)).dtype == tf.int8
    assert tf.math.cumsum(tf.constant([1, 2, 3])).dtype == tf.int32
    assert tf.argmax(tf.constant([1.0, 3.0])).dtype == tf.int64  # output_type defaults to int64
    assert tf.argmin(tf.constant([1.0, 3.0])).dtype == tf.int64
    assert tf.argmax(tf.constant([1, 3]), output_type=tf.int32).dtype == tf.int32
    assert tf.reduce_any(tf.constant([True, False])).dtype == tf.bool
    assert tf.reduce_all(tf.constant([True, False])).dtype == tf.bool


def test_variance_and_std_of_integers_raise_as_tensorflow():
    for reduce in (tf.math.reduce_variance, tf.math.reduce_std):
        with pytest.raises(TypeError, match=r"Input must be either real or complex\. Received integer type "
                                            r"<dtype: 'int32'>\."):
            reduce(tf.constant([1, 2, 3]))


def test_integer_arguments_refuse_bools_and_floats_as_tensorflow():
    from minitf.errors import InvalidArgumentError

    x = tf.ones([2, 2])
    for call, attr, op in [(lambda: tf.reduce_sum(x, axis=True), "Tidx", "Sum"),
                           (lambda: tf.reshape(tf.ones([1]), [True]), "Tshape", "Reshape"),
                           (lambda: tf.tile(x, [True, False]), "Tmultiples", "Tile")]:
        with pytest.raises(InvalidArgumentError, match=rf"Value for attr '{attr}' of bool is not in the list of "
                                                       rf"allowed values: int32, int64 \[Op:{op}\]"):
            call()
    with pytest.raises(InvalidArgumentError, match=r"of float is not in .*\n.*axis takes whole numbers, got 0\.5"):
        tf.reduce_sum(x, axis=0.5)


def test_an_integer_to_a_negative_integer_power_raises_as_tensorflow():
    from minitf.errors import InvalidArgumentError

    assert tf.pow(tf.constant([2, 3]), tf.constant([3, 0])).numpy().tolist() == [8, 1]  # int32 stays int32
    with pytest.raises(InvalidArgumentError, match=r"Integers to negative integer powers are not allowed \[Op:Pow\]"):
        tf.pow(tf.constant([2, 3]), tf.constant([1, -1]))
    assert float(tf.pow(2.0, -1.0)) == 0.5
