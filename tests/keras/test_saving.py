"""Saving: weights as one .weights.h5 file of plain arrays (atomic, validated before anything is assigned) and whole
models with load_model and custom_objects."""

import os
import zipfile

import numpy as np
import pytest

import minitf as tf
from minitf import keras
from minitf.keras import layers


def make_model(units=4):
    model = keras.Sequential([layers.Dense(units, activation="relu", input_shape=(3,)),
                              layers.BatchNormalization(), layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def data():
    return np.random.rand(16, 3).astype("float32"), np.random.rand(16, 2).astype("float32")


def assert_same_weights(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


# -- weights ---------------------------------------------------------------------------------------------
def test_save_and_load_weights_round_trip(tmp_path):
    x, y = data()
    model = make_model()
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "model.weights.h5"
    model.save_weights(path)
    other = make_model()
    other.load_weights(path)
    assert_same_weights(model.get_weights(), other.get_weights())  # moving statistics included
    np.testing.assert_array_equal(model.predict(x, verbose=0), other.predict(x, verbose=0))


def test_the_file_is_plain_arrays_without_pickle(tmp_path):
    model = make_model()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    assert os.listdir(tmp_path) == ["w.weights.h5"]  # exactly the path given, no temporary file left behind
    with np.load(path, allow_pickle=False) as contents:
        arrays = {key: contents[key] for key in contents.files}
    assert all(a.dtype != object for a in arrays.values())
    assert arrays["__names__"].tolist() == [w.path for w in model.weights]  # Keras 3 keys weights by path
    assert_same_weights([arrays[f"weight_{i:04d}"] for i in range(len(model.weights))], model.get_weights())


def test_subclassed_model_weights(tmp_path):
    class TwoLayers(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(5, activation="tanh")
            self.out = layers.Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    model, other = TwoLayers(), TwoLayers()
    x = np.ones((2, 3), "float32")
    model(x)
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="not built yet"):
        other.load_weights(tmp_path / "w.weights.h5")
    other(x)
    other.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(model(x).numpy(), other(x).numpy())


def test_save_weights_is_atomic(tmp_path, monkeypatch):
    model = make_model()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    original = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        make_model().save_weights(path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["w.weights.h5"]


def test_overwrite_false(tmp_path):
    model = make_model()
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save_weights(tmp_path / "w.weights.h5", overwrite=False)


@pytest.mark.parametrize("case", ["architecture", "shape", "dtype", "truncated", "garbage", "foreign_npz",
                                  "pickled", "missing_weight"])
def test_a_file_that_does_not_match_raises_and_leaves_the_model_untouched(tmp_path, case):
    model = make_model()
    before = model.get_weights()
    path = tmp_path / "bad.weights.h5"
    if case == "architecture":
        keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)]).save_weights(path)
        message = "holds 4 weights, but model '.*' has 8"
    elif case == "shape":
        make_model(units=5).save_weights(path)
        message = r"has shape \(3, 4\), but the matching array .* has shape \(3, 5\)"
    elif case == "dtype":
        arrays = {k: v for k, v in np.load(_saved(model, tmp_path)).items()}
        arrays["weight_0000"] = arrays["weight_0000"].astype("float64")
        _savez(path, **arrays)
        message = "has dtype float32, but the matching array .* has dtype float64"
    elif case == "truncated":
        path.write_bytes(_saved(model, tmp_path).read_bytes()[:200])
        message = "a zip archive that is damaged or truncated, not a minitf weights file"
    elif case == "garbage":
        path.write_bytes(b"\x00garbage" * 50)
        message = "holds data of another kind, not a minitf weights file"
    elif case == "foreign_npz":
        _savez(path, a=np.zeros(3))
        message = "not one written by save_weights"
    elif case == "pickled":
        _savez(path, __minitf_weights__=np.array(1), weight_0000=np.array([{"a": 1}], dtype=object))
        message = "not a minitf weights file"
    else:
        arrays = {k: v for k, v in np.load(_saved(model, tmp_path)).items()}
        del arrays["weight_0001"]
        _savez(path, **arrays)
        message = "damaged"
    model.set_weights([w + 1 for w in before])  # so that a partial load would show
    expected = model.get_weights()
    unreadable = case in ("truncated", "garbage", "foreign_npz", "pickled", "missing_weight")
    with pytest.raises(OSError if unreadable else ValueError, match=message):  # OSError: as h5py raises in Keras
        model.load_weights(path)
    assert_same_weights(model.get_weights(), expected)


@pytest.mark.parametrize("case", ["empty", "hdf5", "directory"])
def test_an_empty_file_an_hdf5_file_or_a_directory_raise_os_errors_and_change_nothing(tmp_path, case):
    model = make_model()
    expected = model.get_weights()
    path = tmp_path / "x.weights.h5"
    if case == "empty":
        path.write_bytes(b"")
        error, message = OSError, "the file is empty, not a minitf weights file"
    elif case == "hdf5":
        path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 100)
        error, message = OSError, "an HDF5 file \\(as Keras writes\\), which minitf does not read"
    else:
        path.mkdir()
        error, message = IsADirectoryError, "it is a directory, not a weights file"
    with pytest.raises(error, match=message):
        model.load_weights(path)
    assert_same_weights(model.get_weights(), expected)


def test_weights_file_names_follow_keras_3(tmp_path):
    """Keras 3: save_weights needs a name ending in .weights.h5; load_weights reads .weights.h5 and .keras files."""
    model = make_model()
    for name in ("w", "w.npz", "w.h5", "w.weights"):
        refused = rf"^The filename must end in `\.weights\.h5`\. Received: filepath=.*{name}"
        with pytest.raises(ValueError, match=refused):
            model.save_weights(tmp_path / name)
        with pytest.raises(ValueError, match="^File format not supported"):
            model.load_weights(tmp_path / name)
    assert os.listdir(tmp_path) == []
    model.save(tmp_path / "m.keras")
    other = make_model()
    other.load_weights(tmp_path / "m.keras")
    assert_same_weights(other.get_weights(), model.get_weights())


def test_save_weights_into_a_missing_directory_raises_file_not_found(tmp_path):
    """As Keras (h5py), save_weights does not create directories; ModelCheckpoint does."""
    model = make_model()
    with pytest.raises(FileNotFoundError, match=r"directory '.*missing' does not exist(.|\n)*os\.makedirs"):
        model.save_weights(tmp_path / "missing" / "w.weights.h5")
    assert not (tmp_path / "missing").exists()


def _savez(path, **arrays):
    with open(path, "wb") as file:  # np.savez adds ".npz" to a name without it
        np.savez(file, **arrays)


def _saved(model, tmp_path):
    path = tmp_path / "good.weights.h5"
    model.save_weights(path)
    return path


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no file found at nowhere.weights.h5"):
        make_model().load_weights("nowhere.weights.h5")


def test_unbuilt_model_cannot_save_weights(tmp_path):
    with pytest.raises(ValueError, match="not built yet"):
        keras.Sequential([layers.Dense(1)]).save_weights(tmp_path / "w.weights.h5")


# -- whole models -------------------------------------------------------------------------------------------
def test_save_and_load_sequential_model(tmp_path):
    x, y = data()
    model = make_model()
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert type(loaded) is keras.Sequential and [type(layer) for layer in loaded.layers] == [
        type(layer) for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    assert type(loaded.optimizer).__name__ == "Adam" and float(loaded.optimizer.learning_rate) == pytest.approx(0.01)
    loaded.fit(x, y, verbose=0)  # compiled again, so it can keep training
    uncompiled = keras.models.load_model(tmp_path / "model.keras", compile=False)
    with pytest.raises(ValueError, match="must call `compile\\(\\)`"):
        uncompiled.evaluate(x, y, verbose=0)


def test_save_and_load_functional_model(tmp_path):
    inputs = keras.Input(shape=(3,))
    hidden = layers.Dense(5, activation="relu")(inputs)
    shared = layers.Dense(5)
    merged = layers.concatenate([inputs, shared(hidden), shared(hidden)])
    model = keras.Model(inputs, layers.Dense(1)(merged))
    x = np.random.rand(4, 3).astype("float32")
    model.save(tmp_path / "f.keras")
    loaded = keras.models.load_model(tmp_path / "f.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert len(loaded.weights) == len(model.weights) == 6


class MyDense(keras.layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, batch_input_shape):
        self.kernel = self.add_weight(name="kernel", shape=[batch_input_shape[-1], self.units])
        self.bias = self.add_weight(name="bias", shape=[self.units], initializer="zeros")

    def call(self, X):
        return self.activation(X @ self.kernel + self.bias)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": keras.activations.serialize(self.activation)}


def huber_fn(y_true, y_pred):
    error = y_true - y_pred
    return tf.where(tf.abs(error) < 1, tf.square(error) / 2, tf.abs(error) - 0.5)


def test_custom_layers_and_losses_need_custom_objects(tmp_path):
    model = keras.Sequential([MyDense(3, activation="relu", input_shape=(2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=huber_fn)
    model.save(tmp_path / "custom.keras")
    with pytest.raises(ValueError, match=r"Unknown layer: 'MyDense'.*custom_objects=\{'MyDense': MyDense\}"):
        keras.models.load_model(tmp_path / "custom.keras")
    loaded = keras.models.load_model(tmp_path / "custom.keras",
                                     custom_objects={"MyDense": MyDense, "huber_fn": huber_fn})
    x = np.random.rand(5, 2).astype("float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.evaluate(x, np.ones((5, 1)), verbose=0) == pytest.approx(model.evaluate(x, np.ones((5, 1)),
                                                                                          verbose=0))


class Regressor(keras.Model):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = layers.Dense(units, activation="relu")
        self.out = layers.Dense(1)

    def call(self, inputs):
        return self.out(self.hidden(inputs))

    def get_config(self):
        return {"units": self.units, "name": self.name}


def test_subclassed_model_with_get_config(tmp_path):
    model = Regressor(6)
    x = np.random.rand(4, 3).astype("float32")
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, np.ones((4, 1)), verbose=0)
    model.save(tmp_path / "sub.keras")
    loaded = keras.models.load_model(tmp_path / "sub.keras", custom_objects={"Regressor": Regressor})
    assert isinstance(loaded, Regressor) and loaded.units == 6
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_subclassed_model_without_get_config_says_so(tmp_path):
    class NoConfig(keras.Model):  # made with a layer: the automatic config (Keras 3) cannot hold it
        def __init__(self, layer):
            super().__init__()
            self.dense = layer

        def call(self, inputs):
            return self.dense(inputs)

    model = NoConfig(layers.Dense(2))
    model(np.ones((1, 3), "float32"))
    with pytest.raises(NotImplementedError, match=r"NoConfig was created by passing non-serializable argument values "
                                                  r"in `__init__\(\)`: layer \(Dense\)"):
        model.save(tmp_path / "x.keras")
    assert not os.path.exists(tmp_path / "x.keras")


def test_lambda_layers_need_their_function(tmp_path):
    def double(x):
        return x * 2.0

    model = keras.Sequential([layers.Lambda(double, input_shape=(2,)), layers.Dense(1)])
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="the function 'double' is unknown"):
        keras.models.load_model(tmp_path / "lambda.keras")
    loaded = keras.models.load_model(tmp_path / "lambda.keras", custom_objects={"double": double})
    np.testing.assert_array_equal(loaded.predict(np.ones((1, 2)), verbose=0), model.predict(np.ones((1, 2)),
                                                                                           verbose=0))


def test_load_model_rejects_other_files(tmp_path):
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a model saved by minitf"):
        keras.models.load_model(tmp_path / "junk.keras")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("config.json", '{"format": "something else"}')
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(ValueError, match="not a model saved by minitf"):
        keras.models.load_model(tmp_path / "other.zip")
    with pytest.raises(FileNotFoundError):
        keras.models.load_model(tmp_path / "absent.keras")


def test_get_config_of_a_sequential_model_round_trips():
    model = make_model()
    clone = keras.Sequential.from_config(model.get_config())
    assert clone.get_config()["layers"] == model.get_config()["layers"]
    assert clone.count_params() == model.count_params()


# Hands-On ML, chapter 12: custom functions and classes for every part of a model.
def my_softplus(z):
    return tf.math.log(tf.exp(z) + 1.0)


def my_glorot_initializer(shape, dtype=tf.float32):
    stddev = tf.sqrt(2. / (shape[0] + shape[1]))
    return tf.random.normal(shape, stddev=stddev, dtype=dtype)


def my_l1_regularizer(weights):
    return tf.reduce_sum(tf.abs(0.01 * weights))


def my_positive_weights(weights):
    return tf.where(weights < 0., tf.zeros_like(weights), weights)


class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        self.threshold = threshold
        super().__init__(**kwargs)

    def call(self, y_true, y_pred):
        error = y_true - y_pred
        is_small_error = tf.abs(error) < self.threshold
        squared_loss = tf.square(error) / 2
        linear_loss = self.threshold * tf.abs(error) - self.threshold ** 2 / 2
        return tf.where(is_small_error, squared_loss, linear_loss)

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "threshold": self.threshold}


class HuberMetric(keras.metrics.Metric):
    def __init__(self, threshold=1.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold
        self.total = self.add_weight("total", initializer="zeros")
        self.count = self.add_weight("count", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        error = y_true - y_pred
        metric = tf.where(tf.abs(error) < self.threshold, tf.square(error) / 2,
                          self.threshold * tf.abs(error) - self.threshold ** 2 / 2)
        self.total.assign_add(tf.reduce_sum(metric))
        self.count.assign_add(tf.cast(tf.size(y_true), tf.float32))

    def result(self):
        return self.total / self.count

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "threshold": self.threshold}


def test_hands_on_ml_custom_components_train_save_and_load(tmp_path):
    x = np.random.rand(32, 4).astype("float32")
    y = x.sum(axis=1, keepdims=True) * 3
    model = keras.Sequential([
        layers.Dense(8, activation="selu", input_shape=(4,)),
        layers.Dense(1, activation=my_softplus, kernel_initializer=my_glorot_initializer,
                     kernel_regularizer=my_l1_regularizer, kernel_constraint=my_positive_weights)])
    model.compile(loss=HuberLoss(2.), optimizer="nadam", metrics=[HuberMetric(2.0)])
    history = model.fit(x, y, epochs=2, verbose=0)
    assert list(history.history) == ["loss", "huber_metric"]
    assert (model.layers[1].kernel.numpy() >= 0).all()  # the constraint ran after each update
    assert len(model.losses) == 1
    model.save(tmp_path / "custom.keras")
    custom = {"my_softplus": my_softplus, "my_glorot_initializer": my_glorot_initializer,
              "my_l1_regularizer": my_l1_regularizer, "my_positive_weights": my_positive_weights,
              "HuberLoss": HuberLoss, "HuberMetric": HuberMetric}
    loaded = keras.models.load_model(tmp_path / "custom.keras", custom_objects=custom)
    assert loaded.layers[1].activation is my_softplus and loaded.loss.threshold == 2.0
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-6)


def test_anonymous_lambda_functions_cannot_be_found_again(tmp_path):
    model = keras.Sequential([layers.Lambda(lambda x: x + 1.0, input_shape=(2,))])
    model.save(tmp_path / "anonymous.keras")
    with pytest.raises(ValueError, match="anonymous `lambda` function"):
        keras.models.load_model(tmp_path / "anonymous.keras")


def test_an_unknown_class_in_a_saved_config_is_named_with_the_fix():
    from minitf.keras.utils.serialization import deserialize

    expected = r"Unknown loss function: 'HuberLoss'.*custom_objects=\{'HuberLoss': HuberLoss\}"
    with pytest.raises(ValueError, match=expected):
        deserialize({"class_name": "HuberLoss", "config": {}}, "losses")


def test_a_model_file_name_must_say_its_format_as_in_keras_3(tmp_path):
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"Invalid filepath extension for saving\. Please add either a `\.keras` "
                                         r"extension .* Received: filepath=.*exname_of_file\."):
        model.save(str(tmp_path / "exname_of_file"))
    assert not (tmp_path / "exname_of_file").exists()
    model.save(str(tmp_path / "exname_of_file.keras"))
    assert (tmp_path / "exname_of_file.keras").exists()
