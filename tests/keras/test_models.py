"""Models: Sequential, subclassing, compile's resolution of losses and metrics, summary, evaluate and predict."""

import numpy as np
import pytest

import minitf as tf
from minitf import keras
from minitf.keras import layers


def small_sequential():
    keras.backend.clear_session()
    return keras.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(2)])


# -- Sequential -------------------------------------------------------------------------------------
def test_sequential_with_input_shape_is_built_at_once():
    model = small_sequential()
    assert model.built and model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    assert model.output_shape == (None, 2) and model.input_shape == (None, 3)
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]


def test_sequential_add_input_and_pop():
    model = keras.Sequential()
    model.add(keras.Input(shape=(5,)))
    model.add(layers.Dense(3))
    assert model.built and model.output_shape == (None, 3)
    model.add(layers.Dense(1))
    assert model.output_shape == (None, 1) and len(model.layers) == 2
    model.pop()
    assert len(model.layers) == 1 and len(model.weights) == 2


def test_sequential_builds_on_first_batch():
    model = keras.Sequential([layers.Dense(4), layers.Dense(1)])
    assert not model.built
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()
    model(np.ones((7, 6), "float32"))
    assert model.built and model.input_shape == (None, 6) and model.layers[0].kernel.shape == (6, 4)


def test_sequential_build_method():
    model = keras.Sequential([layers.Dense(4), layers.Dense(1)])
    model.build((None, 10))
    assert model.count_params() == 10 * 4 + 4 + 5
    with pytest.raises(ValueError, match="input_shape"):
        keras.Sequential([layers.Dense(1)]).build()


def test_sequential_errors():
    model = keras.Sequential([layers.Dense(2, name="same")])
    with pytest.raises(ValueError, match="unique names. Name 'same'"):
        model.add(layers.Dense(2, name="same"))
    with pytest.raises(ValueError, match="Only instances of `keras.Layer` can be added(.|\n)*Lambda"):
        model.add(lambda x: x)


def test_sequential_of_a_non_layer_raises_keras_3_value_error():
    """Keras 3: ValueError "Only instances of `keras.Layer` can be added to a Sequential model. Received: 42"."""
    with pytest.raises(ValueError, match=r"^Only instances of `keras.Layer` can be added to a Sequential model\. "
                                         r"Received: 42 \(of type <class 'int'>\)"):
        keras.Sequential([42])


def test_a_sequential_may_repeat_one_layer_object_which_shares_its_weights():
    """Keras accepts the same layer object twice (Hands-On ML reuses one residual block): one set of weights."""
    block = layers.Dense(3, kernel_initializer="identity", bias_initializer="ones", name="block")
    model = keras.Sequential([layers.Dense(3, input_shape=(3,), kernel_initializer="identity"), block, block])
    assert [layer.name for layer in model.layers][1:] == ["block", "block"]
    assert len(model.weights) == 4 and model.count_params() == 24  # the block's kernel and bias counted once
    np.testing.assert_allclose(model(np.zeros((1, 3), "float32")).numpy(), [[2.0, 2.0, 2.0]])  # bias added twice
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 3), "float32")
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    # out = x + b + b = 3 everywhere; d loss / d out = 2 * 3 / 12; the shared bias gets both uses' gradients,
    # each summed over the 4 examples: 2 * 4 * 0.5
    np.testing.assert_allclose(grads[3].numpy(), np.full(3, 4.0), rtol=1e-6)
    history = model.fit(x, y, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    with pytest.raises(ValueError, match="unique names. Name 'block'"):
        model.add(layers.Dense(3, name="block"))  # another object with the same name is still refused


def test_a_saved_sequential_that_repeats_a_layer_loads_with_the_layer_shared(tmp_path):
    block = layers.Dense(3, name="block")
    model = keras.Sequential([layers.Dense(3, input_shape=(3,)), block, block])
    model.save(tmp_path / "shared.keras")
    loaded = keras.models.load_model(tmp_path / "shared.keras")
    assert loaded.layers[1] is loaded.layers[2] and len(loaded.weights) == 4
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_get_layer():
    model = small_sequential()
    assert model.get_layer("dense_1") is model.layers[1]
    assert model.get_layer(index=0) is model.layers[0]
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")


def test_summary_text():
    model = small_sequential()
    lines = []
    model.summary(print_fn=lines.append)
    assert "\n".join(lines) == "\n".join([
        'Model: "sequential"',
        "_" * 65,
        " Layer (type)                Output Shape              Param #",
        "=" * 65,
        " dense (Dense)               (None, 4)                 16",
        "",
        " dense_1 (Dense)             (None, 2)                 10",
        "",
        "=" * 65,
        "Total params: 26",
        "Trainable params: 26",
        "Non-trainable params: 0",
        "_" * 65,
    ])


def test_summary_counts_non_trainable_params(capsys):
    model = keras.Sequential([layers.Dense(100, input_shape=(20,)), layers.BatchNormalization()])
    model.summary()
    out = capsys.readouterr().out
    assert "Total params: 2,500" in out and "Trainable params: 2,300" in out and "Non-trainable params: 200" in out


# -- subclassing ---------------------------------------------------------------------------------------
class ResidualBlock(keras.layers.Layer):
    """Hands-On ML, chapter 12."""

    def __init__(self, n_layers, n_neurons, **kwargs):
        super().__init__(**kwargs)
        self.hidden = [keras.layers.Dense(n_neurons, activation="elu", kernel_initializer="he_normal")
                       for _ in range(n_layers)]

    def call(self, inputs):
        Z = inputs
        for layer in self.hidden:
            Z = layer(Z)
        return inputs + Z


class ResidualRegressor(keras.Model):
    """Hands-On ML, chapter 12."""

    def __init__(self, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.hidden1 = keras.layers.Dense(30, activation="elu", kernel_initializer="he_normal")
        self.block1 = ResidualBlock(2, 30)
        self.block2 = ResidualBlock(2, 30)
        self.out = keras.layers.Dense(output_dim)

    def call(self, inputs):
        Z = self.hidden1(inputs)
        for _ in range(1 + 3):
            Z = self.block1(Z)
        Z = self.block2(Z)
        return self.out(Z)


def test_hands_on_ml_residual_regressor_trains():
    x = np.random.rand(64, 8).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = ResidualRegressor(1)
    model.compile(loss="mse", optimizer="nadam")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert len(model.trainable_weights) == 2 + 2 * 2 * 2 + 2
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(x, verbose=0).shape == (64, 1)


def test_subclassed_model_build_and_summary():
    keras.backend.clear_session()
    model = ResidualRegressor(2)
    model.build((None, 8))
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "residual_block (ResidualBlock)" in text and "(None, 30)" in text
    assert f"Total params: {model.count_params():,}" in text


def test_model_without_call_and_without_super_init():
    with pytest.raises(NotImplementedError, match="must implement `call"):
        keras.Model()(np.ones((1, 2), "float32"))

    class Forgetful(keras.Model):
        def __init__(self):
            self.dense = keras.layers.Dense(1)

    with pytest.raises(RuntimeError, match=r"subclassing `Model` and you forgot to call `super\(\).__init__\(\)`"):
        Forgetful()

    class ForgetfulPlain(keras.Model):
        def __init__(self):
            self.units = 3

    with pytest.raises(RuntimeError, match="forgot to call"):
        ForgetfulPlain().compile(optimizer="sgd", loss="mse")


# -- compile --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
def test_training_or_evaluating_before_compile_raises_keras_3_value_error(method):
    """Keras 3: ValueError "You must call `compile()` before using the model."."""
    model = small_sequential()
    with pytest.raises(ValueError, match=r"^You must call `compile\(\)` before using the model\.\n"
                                         rf".*model\.compile\(optimizer, loss\) before `{method}\(\)`"):
        getattr(model, method)(np.ones((2, 3)), np.ones((2, 2)))


def _compile_state(model):
    return {key: model.__dict__.get(key) for key in ("optimizer", "loss", "compiled_loss", "compiled_metrics",
                                                       "_is_compiled", "_compile_config", "_run_eagerly")}


@pytest.mark.parametrize("arguments, message", [
    ({"loss": "msee"}, "Could not interpret loss identifier: 'msee'"),
    ({"loss": "mse", "optimizer": "adamw2"}, "optimizer"),
    ({"loss": "mse", "metrics": ["acurracy"]}, "Could not interpret metric identifier: 'acurracy'"),
    ({"loss": "mse", "metrics": ["mae", 42]}, "Could not interpret metric identifier: 42"),
    ({"loss": "mse", "weighted_metrics": ["maee"]}, "metric identifier: 'maee'"),
])
@pytest.mark.parametrize("compiled_before", [False, True])
def test_compile_with_an_unknown_name_raises_and_leaves_the_model_as_it_was(arguments, message, compiled_before):
    model = small_sequential()
    if compiled_before:
        model.compile(optimizer="adam", loss="mae", metrics=["mse"], run_eagerly=True)
    before = _compile_state(model)
    with pytest.raises(ValueError, match=message):
        model.compile(**{"optimizer": "sgd", "run_eagerly": False, **arguments})
    after = _compile_state(model)
    assert after.keys() == before.keys() and all(after[k] is before[k] for k in before)
    if compiled_before:
        model.fit(np.ones((2, 3)), np.ones((2, 2)), verbose=0)  # still compiled as before
        assert type(model.optimizer).__name__ == "Adam" and model.run_eagerly


def test_invalid_compile_keyword():
    model = small_sequential()
    with pytest.raises(TypeError, match="Invalid keyword argument"):
        model.compile(optimizer="sgd", loss="mse", metric=["mae"])


@pytest.mark.parametrize("units, y, loss, expected", [
    (1, np.array([[0.], [1.]]), "binary_crossentropy", "BinaryAccuracy"),
    (3, np.array([0, 2]), "sparse_categorical_crossentropy", "SparseCategoricalAccuracy"),
    (3, np.array([[0], [2]]), "sparse_categorical_crossentropy", "SparseCategoricalAccuracy"),
    (3, np.eye(3)[[0, 2]], "categorical_crossentropy", "CategoricalAccuracy"),
])
def test_accuracy_is_resolved_from_the_shapes(units, y, loss, expected):
    model = keras.Sequential([layers.Dense(units, activation="softmax" if units > 1 else "sigmoid")])
    model.compile(optimizer="sgd", loss=loss, metrics=["accuracy", "acc"])
    history = model.fit(np.ones((2, 4), "float32"), y, verbose=0)
    assert [type(m).__name__ for m in model.metrics[1:]] == [expected, expected]
    assert list(history.history) == ["loss", "accuracy", "acc"]


def test_metric_names_follow_what_was_passed():
    model = small_sequential()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", "mean_squared_error", keras.metrics.MeanAbsoluteError(),
                                                        keras.metrics.RootMeanSquaredError(name="rmse")])
    x, y = np.random.rand(8, 3), np.random.rand(8, 2)
    history = model.fit(x, y, validation_data=(x, y), verbose=0)
    assert list(history.history) == ["loss", "mae", "mean_squared_error", "mean_absolute_error", "rmse",
                                     "val_loss", "val_mae", "val_mean_squared_error", "val_mean_absolute_error",
                                     "val_rmse"]
    h = history.history
    assert h["mae"] == pytest.approx(h["mean_absolute_error"])
    assert h["val_loss"] == pytest.approx(h["val_mean_squared_error"])
    assert model.metrics_names == ["loss", "mae", "mean_squared_error", "mean_absolute_error", "rmse"]


def test_loss_objects_functions_and_custom_functions():
    def huber_fn(y_true, y_pred):
        error = y_true - y_pred
        small = tf.abs(error) < 1
        return tf.where(small, tf.square(error) / 2, tf.abs(error) - 0.5)

    x = np.random.rand(16, 3).astype("float32")
    y = np.random.rand(16, 2).astype("float32") * 4
    results = []
    weights = small_sequential().get_weights()
    for loss in [huber_fn, keras.losses.Huber(), "huber", keras.losses.huber]:
        model = small_sequential()
        model.set_weights(weights)
        model.compile(optimizer="sgd", loss=loss)
        results.append(model.evaluate(x, y, verbose=0))
    assert results == pytest.approx([results[0]] * 4, rel=1e-6)


def test_regularization_losses_are_added_to_the_loss():
    keras.backend.clear_session()
    model = keras.Sequential([layers.Dense(2, input_shape=(3,), kernel_regularizer=keras.regularizers.l2(0.5))])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.random.rand(8, 3).astype("float32"), np.random.rand(8, 2).astype("float32")
    kernel, bias = model.get_weights()
    mse = ((x @ kernel + bias - y) ** 2).mean()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse + 0.5 * (kernel ** 2).sum(), rel=1e-5)
    assert len(model.losses) == 1


def test_scalar_loss_weights():
    model = small_sequential()
    x, y = np.random.rand(8, 3), np.random.rand(8, 2)
    model.compile(optimizer="sgd", loss="mse")
    plain = model.evaluate(x, y, verbose=0)
    model.compile(optimizer="sgd", loss="mse", loss_weights=[2.0])
    assert model.evaluate(x, y, verbose=0) == pytest.approx(2 * plain, rel=1e-6)
    with pytest.raises(ValueError, match="several outputs"):
        model.compile(optimizer="sgd", loss="mse", loss_weights={"a": 1.0, "b": 2.0})


# -- evaluate and predict ---------------------------------------------------------------------------------
def test_evaluate_return_forms():
    model = small_sequential()
    x, y = np.random.rand(10, 3), np.random.rand(10, 2)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    loss, mae = model.evaluate(x, y, verbose=0)
    assert model.evaluate(x, y, verbose=0, return_dict=True) == {"loss": loss, "mae": mae}
    predictions = model.predict(x, verbose=0)
    assert loss == pytest.approx(((predictions - y) ** 2).mean(), rel=1e-5)
    assert mae == pytest.approx(np.abs(predictions - y).mean(), rel=1e-5)
    model.compile(optimizer="sgd", loss="mse")
    assert isinstance(model.evaluate(x, y, verbose=0), float)


def test_evaluate_is_a_per_sample_mean_across_uneven_batches():
    model = small_sequential()
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.random.rand(10, 3), np.random.rand(10, 2)
    assert model.evaluate(x, y, batch_size=3, verbose=0) == pytest.approx(
        model.evaluate(x, y, batch_size=10, verbose=0), rel=1e-5)


def test_predict_is_batched_and_matches_calling_the_model():
    model = small_sequential()
    x = np.random.rand(70, 3).astype("float32")
    out = model.predict(x, batch_size=32, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (70, 2)
    np.testing.assert_allclose(out, model(x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x[:5]), out[:5], rtol=1e-6)


def test_predict_multi_output_functional_model():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, [layers.Dense(1)(inputs), layers.Dense(2)(inputs)])
    first, second = model.predict(np.ones((40, 3)), batch_size=16, verbose=0)
    assert first.shape == (40, 1) and second.shape == (40, 2)


def test_train_and_test_on_batch():
    model = small_sequential()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    x, y = np.random.rand(8, 3), np.random.rand(8, 2)
    before = model.test_on_batch(x, y)
    loss, mae = model.train_on_batch(x, y)
    assert loss == pytest.approx(before[0], rel=1e-5)
    assert model.test_on_batch(x, y, return_dict=True)["loss"] < loss


def test_trainable_variables_and_freezing_in_a_model():
    model = small_sequential()
    assert len(model.trainable_variables) == 4
    model.layers[0].trainable = False
    assert len(model.trainable_variables) == 2 and len(model.non_trainable_variables) == 2
    model.compile(optimizer="sgd", loss="mse")
    frozen = model.layers[0].get_weights()
    model.fit(np.random.rand(8, 3), np.random.rand(8, 2), verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)


class ReconstructingRegressor(keras.Model):
    """Hands-On ML, chapter 12: a loss and a metric computed inside the model."""

    def __init__(self, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.hidden = [keras.layers.Dense(30, activation="selu", kernel_initializer="lecun_normal")
                       for _ in range(5)]
        self.out = keras.layers.Dense(output_dim)
        self.reconstruction_mean = keras.metrics.Mean(name="reconstruction_error")

    def build(self, batch_input_shape):
        n_inputs = batch_input_shape[-1]
        self.reconstruct = keras.layers.Dense(n_inputs)
        super().build(batch_input_shape)

    def call(self, inputs, training=None):
        Z = inputs
        for layer in self.hidden:
            Z = layer(Z)
        reconstruction = self.reconstruct(Z)
        recon_loss = tf.reduce_mean(tf.square(reconstruction - inputs))
        self.add_loss(0.05 * recon_loss)
        if training:
            result = self.reconstruction_mean(recon_loss)
            self.add_metric(result)
        return self.out(Z)


@pytest.mark.parametrize("eager", [True, False])
def test_hands_on_ml_reconstructing_regressor(eager):
    x = np.random.rand(64, 8).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = ReconstructingRegressor(1)
    model.compile(loss="mse", optimizer="nadam", run_eagerly=eager)
    history = model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    assert list(history.history) == ["loss", "reconstruction_error"]
    assert len(model.losses) == 1 and model.reconstruct.kernel.shape == (30, 8)
    assert history.history["reconstruction_error"][1] < history.history["reconstruction_error"][0]


def test_add_metric_with_a_name():
    class Probe(keras.layers.Layer):
        def call(self, inputs):
            self.add_metric(tf.reduce_mean(inputs), name="mean_activation")
            return inputs

    model = keras.Sequential([layers.Dense(2, kernel_initializer="ones"), Probe()])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x = np.ones((4, 3), "float32")
    history = model.fit(x, np.zeros((4, 2)), batch_size=2, epochs=2, verbose=0)
    assert history.history["mean_activation"] == [3.0, 3.0]
    with pytest.raises(ValueError, match="needs a `name`"):
        Probe().add_metric(tf.constant(1.0))


def test_to_categorical_with_categorical_crossentropy():
    y = np.array([0, 2, 1, 2])
    one_hot = keras.utils.to_categorical(y)
    np.testing.assert_array_equal(one_hot, np.eye(3)[y])
    assert keras.utils.to_categorical(y.reshape(-1, 1), num_classes=4).shape == (4, 4)
    with pytest.raises(ValueError, match=r"must be in \[0, 2\)"):
        keras.utils.to_categorical(y, num_classes=2)
    model = keras.Sequential([layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(np.random.rand(4, 2), one_hot, verbose=0)
    assert type(model.metrics[1]).__name__ == "CategoricalAccuracy" and "accuracy" in history.history


def test_clone_model_copies_the_architecture_not_the_weights():
    model = small_sequential()
    clone = keras.models.clone_model(model)
    assert clone.count_params() == model.count_params() and clone.built
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])
    clone.set_weights(model.get_weights())
    x = np.random.rand(3, 3).astype("float32")
    np.testing.assert_array_equal(clone(x).numpy(), model(x).numpy())
    inputs = keras.Input(shape=(3,))
    functional = keras.Model(inputs, layers.Dense(2)(inputs))
    assert keras.models.clone_model(functional).output_shape == (None, 2)
    with pytest.raises(ValueError, match="subclassed"):
        keras.models.clone_model(ResidualRegressor(1))


def test_a_deep_copy_predicts_with_its_own_weights():
    import copy

    model = small_sequential()
    x = np.ones((64, 3), "float32")
    original = model.predict(x, verbose=0)
    clone = copy.deepcopy(model)
    clone.set_weights([w * 0 for w in clone.get_weights()])
    np.testing.assert_array_equal(clone.predict(x, verbose=0), np.zeros((64, 2)))
    np.testing.assert_array_equal(model.predict(x, verbose=0), original)
