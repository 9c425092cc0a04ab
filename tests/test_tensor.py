"""Tensors: creation and dtype rules, Python protocols, printing, NumPy interop, indexing."""

import numpy as np
import pytest

import minitf as tf


@pytest.mark.parametrize("value, dtype", [
    (1.5, tf.float32), (2, tf.int32), (True, tf.bool), ([1, 2.5], tf.float32), ([[1, 2]], tf.int32),
    (np.array([1.0]), tf.float64), (np.float32(1), tf.float32), (np.array([1], np.int64), tf.int64),
    (2**40, tf.int64),
])
def test_constant_infers_dtypes_like_tensorflow(value, dtype):
    assert tf.constant(value).dtype == dtype


def test_constant_with_dtype_and_shape():
    assert tf.constant(1, dtype=tf.float64).dtype == tf.float64
    np.testing.assert_array_equal(tf.constant(0.0, shape=[2, 3]).numpy(), np.zeros((2, 3), np.float32))
    assert tf.constant([1, 2, 3, 4], shape=(2, 2)).shape == (2, 2)
    with pytest.raises(TypeError, match="has 3 elements, but got `shape` \\(2, 2\\) with 4 elements"):
        tf.constant([1, 2, 3], shape=(2, 2))


def test_conversion_never_loses_information_silently():
    with pytest.raises(TypeError, match="Cannot convert 1.5 to EagerTensor of dtype int32"):
        tf.constant(1) + 1.5
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.constant([[1.0], [2.0, 3.0]])
    with pytest.raises(TypeError, match="numbers and booleans only"):
        tf.constant("text")
    with pytest.raises(ValueError, match="requested dtype float64 for Tensor with dtype float32"):
        tf.convert_to_tensor(tf.constant(1.0), dtype=tf.float64)


def test_python_and_numpy_operands_take_the_tensor_dtype():
    t = tf.constant([1.0, 2.0])
    assert (t + 1).dtype == tf.float32 and (t * np.array([2.0, 3.0])).dtype == tf.float32
    left = np.array([1.0, 1.0]) + t  # NumPy on the left defers to Tensor.__radd__
    assert isinstance(left, tf.Tensor) and left.numpy().tolist() == [2.0, 3.0]
    assert (2.0 - t).numpy().tolist() == [1.0, 0.0] and (1 / t).numpy().tolist() == [1.0, 0.5]
    assert (np.ones((2, 2)) @ tf.constant(np.eye(2))).shape == (2, 2)


def test_integer_division_follows_tensorflow():
    assert tf.constant(7) / tf.constant(2) == 3.5 and (tf.constant(7) / tf.constant(2)).dtype == tf.float64
    assert int(tf.constant(7) // 2) == 3 and int(tf.constant(7) % 3) == 1


def test_repr_and_str_follow_tensorflow_formats():
    t = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert repr(t) == ("<minitf.Tensor: shape=(2, 3), dtype=float32, numpy=\n"
                       "array([[1., 2., 3.],\n       [4., 5., 6.]], dtype=float32)>")
    assert str(t) == "minitf.Tensor(\n[[1. 2. 3.]\n [4. 5. 6.]], shape=(2, 3), dtype=float32)"
    assert repr(tf.constant(3.0)) == "<minitf.Tensor: shape=(), dtype=float32, numpy=3.0>"
    assert str(tf.constant([1, 2])) == "minitf.Tensor([1 2], shape=(2,), dtype=int32)"
    assert repr(tf.constant([True])) == "<minitf.Tensor: shape=(1,), dtype=bool, numpy=array([ True])>"


def test_shape_and_dtype_objects():
    t = tf.zeros([2, 3])
    assert repr(t.shape) == "TensorShape([2, 3])" and str(t.shape) == "(2, 3)"
    assert t.shape == [2, 3] and t.shape[1] == 3 and t.shape.as_list() == [2, 3] and t.ndim == 2
    assert t.shape.rank == 2 and t.shape.num_elements() == 6 and t.shape[1:] == tf.TensorShape([3])
    assert repr(t.dtype) == "tf.float32" and str(t.dtype) == "<dtype: 'float32'>"  # TensorFlow's forms
    assert t.dtype.name == "float32" and t.dtype.is_floating
    assert tf.TensorShape([None, 3]).is_compatible_with([5, 3]) and not tf.TensorShape([None, 3]).is_fully_defined()
    assert tf.as_dtype("float64") is tf.float64 and tf.as_dtype(np.int32) is tf.int32
    with pytest.raises(TypeError, match="Supported dtypes"):
        tf.as_dtype("complex64")


def test_dtypes_are_instances_of_tf_dtype():
    for dtype in (tf.float16, tf.float32, tf.float64, tf.int32, tf.int64, tf.bool, tf.as_dtype("uint8")):
        assert type(dtype) is tf.DType
    assert not isinstance(np.float32, tf.DType) and not isinstance("float32", tf.DType)


def test_is_tensor_as_tensorflow():
    """True for tensors and variables (a TensorFlow variable is a tensor too); False for what could become one."""
    assert tf.is_tensor(tf.constant(1.0)) and tf.is_tensor(tf.Variable([1.0, 2.0]))
    assert tf.is_tensor(tf.zeros([2, 0], dtype=tf.int32))
    for value in (1.0, 3, [1.0], np.ones(2), np.float32(1), None, tf.float32, tf.TensorShape([2])):
        assert not tf.is_tensor(value), value


def test_python_protocols():
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert len(t) == 2 and [row.numpy().tolist() for row in t] == [[1.0, 2.0], [3.0, 4.0]]
    loss = tf.constant(0.123456)
    assert f"{loss:.4f}" == "0.1235" and float(loss) == pytest.approx(0.123456)
    assert int(tf.constant(7)) == 7 and bool(tf.constant(True)) and [10, 20][tf.constant(1)] == 20
    with pytest.raises(TypeError, match="Scalar tensor has no `len\\(\\)`"):
        len(tf.constant(1.0))
    with pytest.raises(TypeError, match="Cannot iterate over a scalar tensor"):
        iter(tf.constant(1.0))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(t)
    with pytest.raises(TypeError, match="Tensor is unhashable"):
        hash(t)
    assert {t.ref(): 1}[t.ref()] == 1


def test_numpy_interop_keeps_tensors_immutable():
    source = np.array([1.0, 2.0], np.float32)
    t = tf.constant(source)
    source[0] = 100.0
    copy = t.numpy()
    copy[1] = 100.0
    assert t.numpy().tolist() == [1.0, 2.0]
    assert np.square(t).tolist() == [1.0, 4.0]  # __array__: NumPy functions accept tensors
    view = np.asarray(t)
    with pytest.raises(ValueError):
        view[0] = 5.0


def test_item_assignment_is_refused_with_a_hint():
    t = tf.constant([1.0, 2.0])
    with pytest.raises(TypeError) as info:
        t[0] = 5.0
    assert str(info.value).startswith("'Tensor' object does not support item assignment")
    assert "minitf.Variable" in str(info.value)
    with pytest.raises(AttributeError, match="only minitf.Variable"):
        t.assign([0.0, 0.0])


def test_indexing_and_slicing_are_differentiable():
    x = tf.Variable(np.arange(12.0).reshape(3, 4))
    assert x[:, 1:].shape == (3, 3) and x[..., 1, tf.newaxis].shape == (3, 1)
    np.testing.assert_array_equal(x[::-1, -1].numpy(), [11.0, 7.0, 3.0])
    assert float(x[tf.constant(1), 2]) == 6.0
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x[::-2, 1:3] * 2.0)
    expected = np.zeros((3, 4))
    expected[[0, 2], 1:3] = 2.0
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), expected)


def test_bad_indices_raise_tensorflow_errors():
    t = tf.zeros([2, 3])
    out_of_bounds = r"slice index 5 of dimension 1 out of bounds. \[Op:StridedSlice\]"
    with pytest.raises(tf.errors.InvalidArgumentError, match=out_of_bounds):
        t[0, 5]
    with pytest.raises(TypeError, match="Only integers, slices"):
        t[[0, 1]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Index out of range using input dim 2"):
        t[0, 0, 0]


def test_equality_is_elementwise_and_safe_with_none():
    t = tf.constant([1, 2, 3])
    assert (t == 2).numpy().tolist() == [False, True, False]
    assert (t == None) is False and (t != None) is True  # noqa: E711 - what TensorFlow does
