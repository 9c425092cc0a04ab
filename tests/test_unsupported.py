"""What minitf leaves out of TensorFlow and Keras: one clear error each, saying what to do instead."""

import pytest

import minitf as tf
from minitf import keras
from minitf.unsupported import LATER_LAYERS


@pytest.mark.parametrize("use, name, what", [
    (lambda: tf.strings.lower("ABC"), "minitf.strings.lower", "string tensors"),
    (lambda: tf.sparse.to_dense(None), "minitf.sparse.to_dense", "sparse tensors"),
    (lambda: tf.ragged.constant([[1], [2, 3]]), "minitf.ragged.constant", "ragged tensors"),
    (lambda: tf.sets.union([1], [2]), "minitf.sets.union", "set operations"),
    (lambda: tf.queue.FIFOQueue(3, tf.float32), "minitf.queue.FIFOQueue", "queues"),
    (lambda: tf.TensorArray(tf.float32, size=3), "minitf.TensorArray", "TensorArray"),
    (lambda: tf.SparseTensor(indices=[[0, 1]], values=[1.0], dense_shape=[2, 2]), "minitf.SparseTensor",
     "sparse tensors"),
    (lambda: tf.RaggedTensor(), "minitf.RaggedTensor", "ragged tensors"),
])
def test_each_missing_feature_raises_one_clear_error_with_what_to_do(use, name, what):
    with pytest.raises(NotImplementedError) as caught:
        use()
    first, fix = str(caught.value).split("\n")
    assert first.startswith(f"{name} does not exist: minitf has no {what} (TensorFlow has tf.")
    assert fix.startswith("  minitf keeps to dense tensors of numbers and booleans; ")


def test_the_error_is_not_an_attribute_error_so_hasattr_does_not_hide_it():
    with pytest.raises(NotImplementedError):
        hasattr(tf.strings, "lower")


def test_the_stand_ins_stay_harmless_to_tools_and_isinstance():
    assert not hasattr(tf.strings, "__wrapped__")  # doctest, inspect.unwrap and IPython probe such names
    assert "string tensors" in repr(tf.strings)
    assert not isinstance(tf.constant([1.0]), (tf.SparseTensor, tf.RaggedTensor, tf.TensorArray))


def test_other_missing_names_are_still_attribute_errors():
    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        tf.no_such_thing  # noqa: B018


@pytest.mark.parametrize("use, name, what", [
    (lambda: tf.image.resize, "minitf.image.resize", "image operations"),
    (lambda: tf.data.Dataset.from_tensor_slices, "minitf.data.Dataset", "input pipelines"),
    (lambda: tf.saved_model.save, "minitf.saved_model.save", "SavedModel export"),
    (lambda: tf.types.experimental.TraceType, "minitf.types.experimental", "tracing protocol"),
    (lambda: tf.autograph.to_code, "minitf.autograph.to_code", "AutoGraph"),
])
def test_namespaces_beyond_minitf_s_scope_raise_one_clear_error(use, name, what):
    with pytest.raises(NotImplementedError) as caught:
        use()
    first, fix = str(caught.value).split("\n")
    assert first.startswith(f"{name} does not exist: minitf has no {what}")
    assert fix.startswith("  minitf")


@pytest.mark.parametrize("name", ["Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D",
                                  "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
                                  "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
                                  "UpSampling2D", "ZeroPadding2D"])
def test_keras_convnet_layers_come_in_later_chapters(name):
    assert name in LATER_LAYERS
    with pytest.raises(NotImplementedError, match=f"^keras.layers.{name} does not exist in minitf: .* later chapter"
                                                  r".*\n  For now flatten each image .*keras.layers.Dense"):
        getattr(keras.layers, name)(32, 3)


def test_other_keras_layer_names_are_still_attribute_errors():
    with pytest.raises(AttributeError, match="has no attribute 'Conv4D'"):
        keras.layers.Conv4D  # noqa: B018
