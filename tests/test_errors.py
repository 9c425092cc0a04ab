"""Every error message the issue names, pinned: TensorFlow's first line, then what to do."""

import pytest

import minitf as tf
from minitf import backend
from minitf.errors import InvalidArgumentError

# As TensorFlow's: the CPU kernel raises on a label outside [0, classes); on a GPU, where checking would copy the
# labels back every step, their loss rows are NaN (tests/test_host_transfers.py).
labels_raise = pytest.mark.skipif(backend.get_backend() != "numpy", reason="on a GPU bad labels give NaN rows")


def message(fn):
    """The exception type and text of ``fn()``: every error here is TensorFlow's InvalidArgumentError itself."""
    with pytest.raises(InvalidArgumentError) as info:
        fn()
    assert info.type is InvalidArgumentError, f"{info.type.__name__}, not InvalidArgumentError itself"
    return info.type, str(info.value)


def test_matmul_size_incompatible():
    kind, text = message(lambda: tf.matmul(tf.ones([2, 3]), tf.ones([4, 5])))
    assert kind is InvalidArgumentError and issubclass(kind, ValueError)
    assert text.splitlines()[0] == "Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5] [Op:MatMul]"
    assert "must be equal" in text.splitlines()[1]


def test_matmul_suggests_the_transpose():
    _, text = message(lambda: tf.matmul(tf.ones([8, 3]), tf.ones([5, 3])))
    assert "Did you mean to transpose the second argument? Pass transpose_b=True to minitf.matmul." in text
    _, text = message(lambda: tf.matmul(tf.ones([3, 8]), tf.ones([3, 5])))
    assert "Did you mean to transpose the first argument? Pass transpose_a=True to minitf.matmul." in text


def test_matmul_needs_matrices():
    _, text = message(lambda: tf.matmul(tf.ones([3]), tf.ones([3, 2])))
    assert text.startswith("In[0] is not a matrix. Instead it has shape [3] [Op:MatMul]")


def test_incompatible_shapes():
    kind, text = message(lambda: tf.ones([2, 3]) + tf.ones([4]))
    assert kind is InvalidArgumentError
    assert text.splitlines()[0] == "Incompatible shapes: [2,3] vs. [4] [Op:Add]"
    assert "Broadcasting compares shapes from the right" in text


def test_mixed_dtypes_are_refused_with_a_cast_hint():
    kind, text = message(lambda: tf.constant(2.0) + tf.constant(40))
    assert kind is InvalidArgumentError
    assert text.splitlines()[0] == ("cannot compute Add as input #1(zero-based) was expected to be a float tensor "
                                    "but is a int32 tensor [Op:Add]")
    assert "minitf.cast" in text
    _, text = message(lambda: tf.constant(2.0) + tf.constant(40.0, dtype=tf.float64))
    assert "expected to be a float tensor but is a double tensor" in text


def test_reshape_and_reduction_errors():
    _, text = message(lambda: tf.reshape(tf.ones([2, 3]), [4]))
    assert text.startswith("Input to reshape is a tensor with 6 values, but the requested shape has 4 [Op:Reshape]")
    _, text = message(lambda: tf.reduce_sum(tf.ones([2, 3]), axis=2))
    assert text.startswith("Invalid reduction dimension 2 for input with 2 dimensions. [Op:Sum]")


def test_concat_and_gather_errors():
    _, text = message(lambda: tf.concat([tf.ones([2, 3]), tf.ones([3, 4])], axis=0))
    assert text.startswith("ConcatOp : Dimension 1 in both shapes must be equal: shape[0] = [2,3] vs. shape[1] = [3,4]")
    _, text = message(lambda: tf.gather(tf.ones([3]), [5]))
    assert text.startswith("indices = 5 is not in [0, 3) [Op:GatherV2]")


@labels_raise
def test_labels_error():
    _, text = message(lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([10], tf.ones([1, 10])))
    assert text.startswith("Received a label value of 10 which is outside the valid range of [0, 10).")


def test_float_only_ops_refuse_integers():
    kind, text = message(lambda: tf.exp(tf.constant(1)))
    assert kind is InvalidArgumentError and "Value for attr 'T' of int32 is not in the list" in text


def test_errors_are_raised_before_the_array_library_runs(monkeypatch):
    from minitf import backend

    class Exploding:
        def __getattr__(self, name):
            raise AssertionError("the backend was called before the check")

    a, b, ints = tf.constant([[1.0, 2.0]]), tf.constant([[1.0, 2.0]]), tf.constant([1, 2])
    monkeypatch.setattr(backend, "xp", Exploding())
    with pytest.raises(InvalidArgumentError):
        tf.matmul(a, b)
    with pytest.raises(InvalidArgumentError):
        a + ints


@labels_raise
def test_labels_are_validated_inside_the_op_so_traced_graphs_check_them_too():
    step = tf.function(lambda logits, labels: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
    logits = tf.zeros([2, 3])
    step(logits, tf.constant([0, 2]))  # traced with valid labels
    with pytest.raises(InvalidArgumentError, match="Received a label value of 3 which is outside the valid range"):
        step(logits, tf.constant([0, 3]))  # replayed: same shapes, no retrace
