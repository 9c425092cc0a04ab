"""Creation ops and seeded random tensors."""

import numpy as np
import pytest

import minitf as tf


def test_creation():
    assert tf.ones([2, 3]).numpy().tolist() == [[1.0] * 3] * 2 and tf.zeros(2, dtype=tf.int32).dtype == tf.int32
    assert tf.fill([2], 7).dtype == tf.int32 and tf.fill((1, 2), 0.5).numpy().tolist() == [[0.5, 0.5]]
    assert tf.eye(2, 3).numpy().tolist() == [[1, 0, 0], [0, 1, 0]]
    assert tf.linalg.eye(2).dtype == tf.float32
    assert tf.range(5).numpy().tolist() == [0, 1, 2, 3, 4] and tf.range(5).dtype == tf.int32
    assert tf.range(1.0, 2.0, 0.5).numpy().tolist() == [1.0, 1.5] and tf.range(1.0, 2.0, 0.5).dtype == tf.float32
    np.testing.assert_allclose(tf.linspace(0.0, 1.0, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="delta != 0"):
        tf.range(0, 5, 0)


def test_random_shapes_dtypes_and_ranges():
    n = tf.random.normal([1000], mean=2.0, stddev=0.5)
    assert n.dtype == tf.float32 and abs(float(tf.reduce_mean(n)) - 2.0) < 0.1
    u = tf.random.uniform([1000], minval=-1.0, maxval=1.0)
    assert -1.0 <= float(tf.reduce_min(u)) and float(tf.reduce_max(u)) < 1.0
    i = tf.random.uniform([100], maxval=5, dtype=tf.int32)
    assert i.dtype == tf.int32 and set(i.numpy().tolist()) <= set(range(5))
    t = tf.random.truncated_normal([1000])
    assert float(tf.reduce_max(tf.abs(t))) <= 2.0
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype"):
        tf.random.uniform([2], dtype=tf.int32)


def test_set_seed_makes_runs_repeatable():
    tf.random.set_seed(42)
    a = [tf.random.normal([3]).numpy(), tf.random.uniform([2], seed=1).numpy(), tf.random.uniform([2], seed=1).numpy()]
    tf.random.set_seed(42)
    b = [tf.random.normal([3]).numpy(), tf.random.uniform([2], seed=1).numpy(), tf.random.uniform([2], seed=1).numpy()]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[1], a[2])  # the same op seed still gives a new sequence each call, as in TF


def test_shuffle_permutes_the_first_dimension():
    x = tf.reshape(tf.range(10), (5, 2))
    s = tf.random.shuffle(x)
    assert sorted(s.numpy()[:, 0].tolist()) == [0, 2, 4, 6, 8] and (s.numpy()[:, 1] - s.numpy()[:, 0] == 1).all()


def test_a_shape_tensor_is_read_when_the_op_runs():
    noise = tf.function(lambda x: x + tf.random.uniform(tf.shape(x)),
                        input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    for batch in (3, 5):
        assert noise(tf.zeros([batch, 2])).shape == (batch, 2)
    assert noise.experimental_get_tracing_count() == 1
    with pytest.raises(tf.errors.InvalidArgumentError, match="1-D integer tensor"):
        tf.random.normal(tf.constant([2.0, 3.0]))
