"""Bad input and edge cases (issue 14): TensorFlow's exception family, its first line, a fix, and no NumPy text.

Each group follows one bullet of the issue: conversion, shapes and sizes, axes, integer division
by zero, empty tensors, warnings, the tape, and the new ops' own argument checks.
"""

import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import minitf as tf
from minitf import backend
from minitf.errors import InvalidArgumentError


def _raises(kind, first_line):
    """pytest.raises for ``kind`` whose message starts with ``first_line``."""
    return pytest.raises(kind, match="^" + re.escape(first_line))


# -- Conversion: TensorFlow raises ValueError for values it cannot convert ---------------------------
@pytest.mark.parametrize("value, first_line", [
    (None, "Attempt to convert a value (None) with an unsupported type (<class 'NoneType'>) to a Tensor."),
    ({"a": 1}, "Attempt to convert a value ({'a': 1}) with an unsupported type (<class 'dict'>) to a Tensor."),
    (["a", 1], "Can't convert Python sequence with mixed types to Tensor."),
    ([True, 1], "Can't convert Python sequence with mixed types to Tensor."),
    ([[1.0, False]], "Can't convert Python sequence with mixed types to Tensor."),
    (np.array([1, "a"], dtype=object), "Failed to convert a NumPy array to a Tensor (Unsupported object type int)."),
])
def test_unconvertible_values_raise_value_error(value, first_line):
    with _raises(ValueError, first_line) as info:
        tf.constant(value)
    assert "\n" in str(info.value), "a second line says what minitf accepts"
    with pytest.raises(ValueError):
        tf.convert_to_tensor(value)


def test_an_empty_list_takes_any_dtype():
    for dtype in (tf.int32, tf.bool, tf.float64):
        t = tf.constant([], dtype=dtype)
        assert (t.shape, t.dtype) == ((0,), dtype)
    assert tf.constant([[]], dtype=tf.int64).shape == (1, 0)


def test_a_tensor_shape_converts_to_an_int_tensor():
    shape = tf.TensorShape([5, 8])
    t = tf.convert_to_tensor(shape)
    assert t.dtype == tf.int32
    np.testing.assert_array_equal(t, [5, 8])
    assert int(tf.reduce_prod(shape)) == 40


# -- Shapes and sizes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: tf.zeros([-1, 2]), lambda: tf.ones([2, -3]), lambda: tf.fill([-2], 1.0),
    lambda: tf.zeros([2, -1], dtype=tf.int32),
])
def test_negative_dimensions(make):
    with pytest.raises(InvalidArgumentError, match=r"^Dimension -\d must be >= 0 \[Op:Fill\]\n"):
        make()


@pytest.mark.parametrize("dims", [[1.5, 2], [2.0]])
@pytest.mark.parametrize("make", [tf.zeros, tf.ones, lambda dims: tf.fill(dims, 1.0)])
def test_non_integer_dimensions(make, dims):
    with _raises(TypeError, f"Cannot convert {dims} to EagerTensor of dtype int32"):
        make(dims)


def test_fill_takes_one_value_and_passes_it_its_gradient():
    with pytest.raises(InvalidArgumentError, match=re.escape("value must be a scalar, got shape [2] [Op:Fill]")):
        tf.fill([2, 2], [1.0, 2.0])
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(tf.fill([2, 3], x))  # every element is x: d total / dx = 6, as TensorFlow's Fill
    assert float(tape.gradient(total, x)) == 6.0


def test_a_tensor_shape_takes_whole_numbers_only():
    with _raises(TypeError, "Dimension value must be integer or None or have an __index__ method, got value '1.5' "
                            "with type '<class 'float'>'"):
        tf.TensorShape([1.5, 2])


def test_reshape_with_a_float_shape():
    for shape in ([2.0, 2.0], tf.constant([2.0, 2.0])):
        with _raises(InvalidArgumentError, "Value for attr 'Tshape' of float is not in the list of allowed values: "
                                           "int32, int64 [Op:Reshape]"):
            tf.reshape(tf.ones([4]), shape)


def test_reshape_with_negative_sizes():
    with _raises(InvalidArgumentError, "Size 0 must be non-negative, not -2 [Op:Reshape]"):
        tf.reshape(tf.ones([4]), [-2, -2])
    with _raises(InvalidArgumentError, "Only one input size may be -1, not both 0 and 1 [Op:Reshape]"):
        tf.reshape(tf.ones([4]), [-1, -1])


def test_empty_ranges_that_tensorflow_rejects():
    with _raises(InvalidArgumentError, "Requires start <= limit when delta > 0: 5/0 [Op:Range]"):
        tf.range(5, 0)
    with _raises(InvalidArgumentError, "Requires start >= limit when delta < 0: 0/5 [Op:Range]"):
        tf.range(0, 5, -1)
    assert tf.range(3, 3).shape == (0,)  # an empty range that is allowed


# -- Axes ------------------------------------------------------------------------------------------------
def test_stack_axis_out_of_range():
    with _raises(ValueError, "Argument `axis` = 3 not in range [-2, 2)"):
        tf.stack([tf.ones([2]), tf.ones([2])], axis=3)
    with _raises(ValueError, "Argument `axis` = -3 not in range [-2, 2)"):
        tf.stack([tf.ones([2]), tf.ones([2])], axis=-3)
    assert tf.stack([tf.ones([2]), tf.ones([2])], axis=-2).shape == (2, 2)


def test_one_hot_axis_and_depth():
    with _raises(InvalidArgumentError, "Expected axis to be -1 or between [0, 2).  But received: 5 [Op:OneHot]"):
        tf.one_hot([1], 3, axis=5)
    with _raises(InvalidArgumentError, "depth must be non-negative, got: -1 [Op:OneHot]"):
        tf.one_hot([1], -1)
    assert tf.one_hot([1], 0).shape == (1, 0)


def test_duplicate_and_float_axes_in_reductions():
    x = tf.ones([2, 2])
    with _raises(InvalidArgumentError, "Invalid reduction arguments: Axes contains duplicate dimension: 0 [Op:Sum]"):
        tf.reduce_sum(x, axis=[0, 0])
    with _raises(InvalidArgumentError, "Invalid reduction arguments: Axes contains duplicate dimension: 1 [Op:Max]"):
        tf.reduce_max(x, axis=[1, -1])
    with _raises(InvalidArgumentError, "Value for attr 'Tidx' of float is not in the list of allowed values: int32, "
                                       "int64 [Op:Sum]"):
        tf.reduce_sum(x, axis=0.5)
    with _raises(InvalidArgumentError, "Value for attr 'Tidx' of float is not in the list of allowed values"):
        tf.reduce_mean(x, axis=[1.0])


# -- Integer arithmetic --------------------------------------------------------------------------------
@pytest.mark.parametrize("op, name", [(tf.math.floordiv, "FloorDiv"), (tf.math.floormod, "FloorMod")])
def test_integer_division_by_zero(op, name):
    with _raises(InvalidArgumentError, f"Integer division by zero [Op:{name}]"):
        op(tf.constant([3, 4]), tf.constant([1, 0]))
    with _raises(InvalidArgumentError, "Integer division by zero"):
        tf.constant(3) // 0 if name == "FloorDiv" else tf.constant(3) % 0


def test_float_division_by_zero_is_not_an_error():
    assert float(tf.constant(1.0) // tf.constant(0.0)) == np.inf
    assert np.isnan(float(tf.constant(1.0) % tf.constant(0.0)))


# -- Empty tensors -------------------------------------------------------------------------------------
def test_max_and_min_of_nothing():
    assert float(tf.reduce_max(tf.zeros([0]))) == -np.inf
    assert float(tf.reduce_min(tf.zeros([0]))) == np.inf
    np.testing.assert_array_equal(tf.reduce_max(tf.zeros([2, 0]), axis=1), [-np.inf, -np.inf])
    assert int(tf.reduce_max(tf.zeros([0], tf.int32))) == np.iinfo(np.int32).min
    assert int(tf.reduce_min(tf.zeros([0], tf.int32))) == np.iinfo(np.int32).max
    assert tf.reduce_max(tf.zeros([0, 3]), axis=0).shape == (3,)


def test_softmax_over_an_empty_axis():
    for x in (tf.zeros([2, 0]), tf.zeros([0])):
        assert tf.nn.softmax(x).shape == x.shape
        assert tf.nn.log_softmax(x).shape == x.shape


def test_reshape_of_an_empty_tensor():
    assert tf.reshape(tf.zeros([0, 3]), [-1, 3]).shape == (0, 3)
    assert tf.reshape(tf.zeros([0, 3]), [3, 0]).shape == (3, 0)
    with _raises(InvalidArgumentError, "Reshape cannot infer the missing input size for an empty tensor unless all "
                                       "specified input sizes are non-zero"):
        tf.reshape(tf.zeros([0, 3]), [0, -1])


def test_means_of_nothing_are_nan():
    assert np.isnan(float(tf.reduce_mean(tf.zeros([0]))))
    assert tf.reduce_mean(tf.zeros([0, 2]), axis=0).shape == (2,)


# -- No leaked NumPy warnings ------------------------------------------------------------------------
def _inf_and_nan_results():
    """Each result TensorFlow gives without a word, with the value it gives."""
    return [
        (tf.math.log(tf.constant(0.0)), -np.inf),
        (tf.sqrt(tf.constant(-1.0)), np.nan),
        (tf.exp(tf.constant(1000.0)), np.inf),
        (tf.constant(0.0) / tf.constant(0.0), np.nan),
        (tf.constant(1.0) / 0.0, np.inf),
        (tf.math.divide_no_nan(tf.constant([0.0, 1.0]), tf.constant([0.0, 0.0])), [0.0, 0.0]),
        (tf.math.divide_no_nan(tf.constant(0.0), tf.constant(0.0)), 0.0),
        (tf.nn.softmax(tf.constant([np.inf, 1.0])), [np.nan, np.nan]),
        (tf.reduce_mean(tf.zeros([0])), np.nan),
        (tf.math.reduce_variance(tf.zeros([0])), np.nan),
        (tf.reduce_max(tf.zeros([0])), -np.inf),
        (tf.matmul(tf.constant([[1e30]]), tf.constant([[1e30]])), [[np.inf]]),
    ]


numpy_only = pytest.mark.skipif(backend.name != "numpy", reason="the warnings in question are NumPy's; CuPy has none")


@numpy_only
def test_inf_and_nan_results_warn_nothing():
    with warnings.catch_warnings(record=True) as caught:  # the filters stay as minitf and pytest set them
        results = _inf_and_nan_results()
    assert [str(w.message) for w in caught] == []
    for tensor, expected in results:
        np.testing.assert_array_equal(tensor.numpy(), np.asarray(expected, dtype=np.float32))


@numpy_only
def test_inf_and_nan_results_print_nothing_in_plain_python():
    script = textwrap.dedent("""
        import numpy as np
        import minitf as tf
        from tests.test_bad_input import _inf_and_nan_results
        for tensor, expected in _inf_and_nan_results():
            np.testing.assert_array_equal(tensor.numpy(), np.asarray(expected, dtype=np.float32))
        print("done")
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.stderr == ""
    assert run.stdout == "done\n"


@numpy_only
@pytest.mark.xfail(strict=True, reason="known gap: minitf silences NumPy's inf/nan warnings with a warnings filter set "
                                       "at import; pytest restores the filters after each test, so a test session "
                                       "that first imports minitf inside a test sees the warnings in later tests "
                                       "(np.errstate in the forward rules would fix it, at about 1.7 us per op)")
def test_inf_and_nan_results_warn_nothing_when_minitf_is_imported_inside_a_test(tmp_path):
    (tmp_path / "test_user.py").write_text(textwrap.dedent("""
        def test_first():
            import minitf as tf
            tf.math.log(tf.constant(0.0))

        def test_second():
            import minitf as tf
            tf.math.log(tf.constant(0.0))
    """))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "2 passed" in run.stdout
    assert "RuntimeWarning" not in run.stdout


# -- Tape ----------------------------------------------------------------------------------------------
def test_batch_jacobian_needs_a_batch_of_vectors():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with _raises(ValueError, "Shape (2,) must have rank at least 2"):
        tape.batch_jacobian(y, x)


def test_gradient_of_a_python_number():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * 2.0
    with _raises(AttributeError, "'float' object has no attribute '_id'") as info:
        tape.gradient(3.0, x)
    assert "target" in str(info.value).splitlines()[1]
    assert float(tape.gradient(y, x)) == 2.0  # the failed call did not use up the tape


def test_watched_variables_outlive_a_one_shot_gradient():
    v = tf.Variable(1.0, name="v")
    with tf.GradientTape() as tape:
        y = v * v
    tape.gradient(y, v)
    assert [var.name for var in tape.watched_variables()] == ["v:0"]


# -- The new ops' own checks -----------------------------------------------------------------------------
def test_new_ops_check_their_arguments_first():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with _raises(InvalidArgumentError, "Expected multiples argument to be a vector of length 2 but got length 1 "
                                       "[Op:Tile]"):
        tf.tile(x, [2])
    with _raises(InvalidArgumentError, "Value for attr 'Tmultiples' of float is not in the list of allowed values: "
                                       "int32, int64 [Op:Tile]"):
        tf.tile(x, [2.0, 1.0])
    with _raises(InvalidArgumentError, "Number of ways to split should evenly divide the split dimension, but got "
                                       "split_dim 0 (size = 2) and num_split 3 [Op:Split]"):
        tf.split(x, 3)
    with _raises(InvalidArgumentError, "Determined shape must either match input shape along split_dim exactly"):
        tf.split(x, [1, 2])
    with _raises(InvalidArgumentError, "indices[1] = [2, 0] does not index into param shape [2,2] [Op:GatherNd]"):
        tf.gather_nd(x, [[0, 0], [2, 0]])
    with _raises(InvalidArgumentError, "index innermost dimension length must be <= params rank; saw: 3 vs. 2"):
        tf.gather_nd(x, [[0, 0, 0]])
    with _raises(InvalidArgumentError, "indices[0] = [-1] does not index into shape [2,2] [Op:TensorScatterUpdate]"):
        tf.tensor_scatter_nd_update(x, [[-1]], [[0.0, 0.0]])
    with _raises(ValueError, "Shapes (3,) and (2,) are incompatible"):
        tf.boolean_mask(x, [True, False, True])
    with _raises(InvalidArgumentError, "input must have at least k columns. Had 2, needed 3 [Op:TopKV2]"):
        tf.math.top_k(x, k=3)
    with _raises(InvalidArgumentError, "Need k >= 0, got -1 [Op:TopKV2]"):
        tf.math.top_k(x, k=-1)
    with _raises(ValueError, "UP should be one of ASCENDING, DESCENDING"):
        tf.sort(x, direction="UP")
    with _raises(InvalidArgumentError, "ScanOp: Expected scan axis in the range [-2, 2), but got 2 [Op:Cumsum]"):
        tf.cumsum(x, axis=2)
    with _raises(InvalidArgumentError, "Input matrix must be square. [Op:MatrixInverse]"):
        tf.linalg.inv(tf.ones([2, 3]))
    with _raises(InvalidArgumentError, "Input tensor 0 must have rank >= 2, got 1 [Op:MatrixDeterminant]"):
        tf.linalg.det(tf.ones([2]))
    with _raises(InvalidArgumentError, "Input is not invertible. [Op:MatrixInverse]"):
        tf.linalg.inv([[1.0, 2.0], [2.0, 4.0]])
    with _raises(InvalidArgumentError, "Input matrix and right-hand sides must have the same number of rows, "
                                       "got 2 != 3 [Op:MatrixSolve]"):
        tf.linalg.solve(x, tf.ones([3, 1]))
    with _raises(InvalidArgumentError, "Input matrix is not invertible. [Op:MatrixSolve]"):
        tf.linalg.solve([[1.0, 2.0], [2.0, 4.0]], tf.ones([2, 1]))
    with _raises(InvalidArgumentError, "Value for attr 'T' of int32 is not in the list of allowed values"):
        tf.math.sin(tf.constant(1))


# -- Gradients at exactly 0 (logits start there when weights start at zero) ------------------------------
def test_softplus_and_sigmoid_cross_entropy_gradients_at_zero():
    x = tf.constant([0.0, 0.0])
    labels = tf.constant([0.0, 1.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        softplus = tf.math.softplus(x)
        xent = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=x)
        log_sigmoid = tf.math.log_sigmoid(x)
    np.testing.assert_array_equal(tape.gradient(softplus, x), [0.5, 0.5])  # sigmoid(0)
    np.testing.assert_array_equal(tape.gradient(xent, x), [0.5, -0.5])  # sigmoid(0) - label
    np.testing.assert_array_equal(tape.gradient(log_sigmoid, x), [0.5, 0.5])  # 1 - sigmoid(0)


def test_pad_checks_its_paddings_and_mode_and_mirrors_as_numpy():
    x = tf.constant([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(tf.pad(x, [[0, 0], [2, 2]], mode="REFLECT").numpy(),
                                  np.pad(x.numpy(), [[0, 0], [2, 2]], mode="reflect"))
    with _raises(InvalidArgumentError, "paddings must be a [2, 2] matrix of non-negative numbers, got [[1, 1]] "
                                       "[Op:Pad]"):
        tf.pad(x, [[1, 1]])
    with _raises(InvalidArgumentError, "paddings must be a [2, 2] matrix of non-negative numbers"):
        tf.pad(x, [[0, 0], [-1, 0]])
    with _raises(InvalidArgumentError, "paddings must be no greater than the dimension size: 0, 3 greater than 2 "
                                       "[Op:MirrorPad]"):
        tf.pad(x, [[0, 0], [0, 3]], mode="REFLECT")
    with pytest.raises(ValueError, match="Value for attr 'mode' of 'WRAP' is not in the list of allowed values"):
        tf.pad(x, [[0, 0], [1, 1]], mode="wrap")


def test_a_python_int_beyond_int64_converts_to_a_float_dtype_and_is_refused_otherwise():
    assert float(tf.constant(2**70, dtype=tf.float32)) == pytest.approx(2.0**70)
    np.testing.assert_array_equal(tf.constant([1, 2**70], dtype=tf.float64).numpy(), [1.0, 2.0**70])
    with pytest.raises(ValueError, match=r"Can't convert Python int to Tensor: 1180591620717411303424 is beyond int64"):
        tf.constant(2**70)
