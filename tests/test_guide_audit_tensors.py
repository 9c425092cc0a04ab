"""The audit of "Introduction to Tensors" (issue 18): its string cells reach for ``tf.io`` as well as ``tf.strings``.

minitf has no string tensors; each way the guide's string section makes or reads one answers with a clear error
(``tf.io.decode_raw`` included, which was an ``AttributeError`` that read like a typo).
"""

import pytest

import minitf as tf


def test_decoding_a_string_s_bytes_raises_one_clear_error():
    with pytest.raises(NotImplementedError) as caught:
        tf.io.decode_raw(tf.constant([68, 117]), tf.uint8)
    first, fix = str(caught.value).split("\n")
    assert first == ("minitf.io.decode_raw does not exist: minitf has no file and byte-string operations "
                     "(TensorFlow has tf.io).")
    assert "numpy.load" in fix and "minitf.train.Checkpoint" in fix


@pytest.mark.parametrize("make", [lambda: tf.constant("Gray wolf"),
                                  lambda: tf.constant(["Gray wolf", "Quick brown fox", "Lazy dog"])])
def test_a_string_tensor_is_refused_saying_what_tensors_hold(make):
    with pytest.raises(TypeError, match="minitf tensors hold numbers and booleans only"):
        make()


@pytest.mark.parametrize("use, name, what", [
    (lambda: tf.RaggedTensor.from_row_splits([3, 1, 4, 1], row_splits=[0, 2, 4]), "minitf.RaggedTensor.from_row_splits",
     "ragged tensors"),
    (lambda: tf.SparseTensor.from_value, "minitf.SparseTensor.from_value", "sparse tensors"),
    (lambda: tf.TensorArray.unstack, "minitf.TensorArray.unstack", "TensorArray"),
])
def test_the_stand_in_classes_methods_raise_the_same_clear_error_as_making_one(use, name, what):
    with pytest.raises(NotImplementedError, match=rf"^{name} does not exist: minitf has no {what} \(TensorFlow has "):
        use()
    assert not hasattr(tf.RaggedTensor, "__wrapped__")  # Python's and tools' probes stay AttributeError
