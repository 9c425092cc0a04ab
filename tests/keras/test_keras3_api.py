"""Keras 3's API where it differs from tf.keras 2: ``optimizer.apply``, optimizer variables and their names,
weights named ``kernel`` with a ``path``, and ``keras.saving``'s registry of custom objects."""

import re

import numpy as np
import pytest

import minitf as tf
from minitf import keras
from minitf.keras import layers, optimizers
from minitf.keras.utils import serialization


@pytest.fixture(autouse=True)
def clean_registry():
    """Registrations are global, as in Keras: each test starts and ends with the registry it found."""
    objects, names = dict(serialization._GLOBAL_CUSTOM_OBJECTS), dict(serialization._GLOBAL_CUSTOM_NAMES)
    yield
    serialization._GLOBAL_CUSTOM_OBJECTS.clear()
    serialization._GLOBAL_CUSTOM_OBJECTS.update(objects)
    serialization._GLOBAL_CUSTOM_NAMES.clear()
    serialization._GLOBAL_CUSTOM_NAMES.update(names)


def _dense(units=2, inputs=3, name=None):
    layer = layers.Dense(units, name=name)
    layer(tf.ones([1, inputs]))
    return layer


# -- optimizer.apply ----------------------------------------------------------------------------------------------
def test_apply_updates_as_apply_gradients_does_and_returns_none():
    rng = np.random.default_rng(0)
    grads = [[rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=2).astype("float32")] for _ in range(3)]
    a, b = _dense(), _dense()
    b.set_weights(a.get_weights())
    opt_a, opt_b = optimizers.Adam(learning_rate=0.1), optimizers.Adam(learning_rate=0.1)
    for step in grads:
        assert opt_a.apply([tf.constant(g) for g in step], a.trainable_variables) is None
        opt_b.apply_gradients(zip([tf.constant(g) for g in step], b.trainable_variables))
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(x, y, rtol=1e-6)
    assert int(opt_a.iterations) == int(opt_b.iterations) == 3


def test_apply_without_variables_uses_those_the_optimizer_was_built_with():
    w, v = tf.Variable([1.0, 2.0]), tf.Variable(3.0)
    opt = optimizers.SGD(learning_rate=0.5)
    with pytest.raises(ValueError, match=re.escape("When passing `grads` without `variables`, the optimizer must "
                                                   "already be built on a list of variables. Call "
                                                   "`optimizer.build(trainable_variables)` first.")):
        opt.apply([tf.constant([1.0, 1.0]), tf.constant(1.0)])
    opt.build([w, v])
    assert opt.built and int(opt.iterations) == 0
    opt.apply([tf.constant([1.0, 2.0]), tf.constant(4.0)])
    np.testing.assert_allclose(w.numpy(), [0.5, 1.0])
    assert float(v) == 1.0
    with pytest.raises(ValueError, match=r"received 1 gradients for 2 variables"):
        opt.apply([tf.constant([1.0, 1.0])])
    opt.apply([])  # nothing to apply: Keras 3 does nothing
    assert int(opt.iterations) == 1


def test_apply_refuses_a_variable_the_optimizer_was_not_built_with():
    w, other = tf.Variable(1.0, name="w"), tf.Variable(2.0, name="other")
    opt = optimizers.Adam()
    opt.apply([tf.constant(1.0)], [w])
    with pytest.raises(ValueError, match=r"Unknown variable: other:0\. This optimizer can only be called for the "
                                         r"variables it was originally built with"):
        opt.apply([tf.constant(1.0)], [other])
    assert float(other) == 2.0


def test_errors_name_a_keras_weight_by_its_path():
    known, stranger = _dense(name="known"), _dense(name="stranger")
    opt = optimizers.SGD()
    opt.apply([tf.ones([3, 2]), tf.ones([2])], known.trainable_variables)
    with pytest.raises(ValueError, match=r"Unknown variable: stranger/kernel\. This optimizer"):
        opt.apply([tf.ones([3, 2]), tf.ones([2])], stranger.trainable_variables)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"The gradient for 'known/bias' must have"):
        opt.apply([tf.ones([3, 2]), tf.ones([3])], known.trainable_variables)


def test_build_is_public_and_creates_the_state_once():
    layer = _dense(name="once")
    opt = optimizers.Adam()
    opt.build(layer.trainable_variables)
    count = len(opt.variables)
    opt.build(layer.trainable_variables)  # Keras 3: a built optimizer ignores build
    opt.apply([tf.ones([3, 2]), tf.ones([2])], layer.trainable_variables)
    assert len(opt.variables) == count == 2 + 2 * 2


# -- optimizer.variables and iterations ------------------------------------------------------------------------------
def test_optimizer_variables_are_listed_and_named_as_keras_3_names_them():
    layer = _dense(name="dense_a")
    opt = optimizers.Adam(learning_rate=0.01)
    opt.apply([tf.ones([3, 2]), tf.ones([2])], layer.trainable_variables)
    assert [v.path for v in opt.variables] == [
        "adam/iteration", "adam/learning_rate", "adam/dense_a_kernel_momentum", "adam/dense_a_bias_momentum",
        "adam/dense_a_kernel_velocity", "adam/dense_a_bias_velocity"]
    assert [v.name for v in opt.variables][:3] == ["iteration", "learning_rate", "dense_a_kernel_momentum"]
    assert opt.variables[0] is opt.iterations and opt.variables[1] is opt.learning_rate
    assert not any(v.trainable for v in opt.variables)
    assert opt.variables[2].shape == (3, 2) and opt.variables[3].shape == (2,)


def test_iterations_is_an_int64_variable_counting_updates():
    opt = optimizers.SGD()
    assert isinstance(opt.iterations, tf.Variable) and opt.iterations.dtype == tf.int64
    assert opt.iterations.path == "SGD/iteration" and not opt.iterations.trainable
    w = tf.Variable(1.0)
    for _ in range(3):
        opt.apply([tf.constant(1.0)], [w])
    assert int(opt.iterations) == 3


def test_a_schedule_is_not_a_variable_so_it_is_not_listed():
    schedule = optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=schedule, momentum=0.9)
    w = tf.Variable([1.0], name="w")
    opt.apply([tf.constant([1.0])], [w])
    assert [v.path for v in opt.variables] == ["SGD/iteration", "SGD/w_0_momentum"]


@pytest.mark.parametrize("make, name", [(optimizers.Adam, "adam"), (optimizers.SGD, "SGD"),
                                        (optimizers.RMSprop, "rmsprop"), (optimizers.Nadam, "nadam"),
                                        (optimizers.Adagrad, "adagrad")])
def test_default_names_are_keras_3s(make, name):
    assert make().name == name


def test_rmsprop_slots_come_in_keras_3s_order():
    layer = _dense(name="rms")
    opt = optimizers.RMSprop(momentum=0.5, centered=True)
    opt.build(layer.trainable_variables)
    assert [v.name for v in opt.variables[2:]] == [
        "rms_kernel_velocity", "rms_bias_velocity", "rms_kernel_momentum", "rms_bias_momentum",
        "rms_kernel_average_gradient", "rms_bias_average_gradient"]


def test_a_second_optimizer_in_one_traced_function_raises_as_tensorflow_does():
    """TensorFlow's tf.function guide: a new optimizer creates its slots while a later trace runs."""
    w = tf.Variable(2.0)
    x, y = tf.constant([-1.0]), tf.constant([2.0])
    opt1, opt2 = optimizers.Adam(learning_rate=1e-2), optimizers.Adam(learning_rate=1e-3)

    @tf.function
    def train_step(w, x, y, optimizer):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(w * x - y))
        gradients = tape.gradient(loss, [w])
        optimizer.apply(gradients, [w])

    train_step(w, x, y, opt1)
    after_opt1 = float(w)
    with pytest.raises(ValueError, match=re.escape(
            "minitf.function only supports singleton minitf.Variables created on the first call. Make sure the "
            "minitf.Variable is only created once or created outside minitf.function.")):
        train_step(w, x, y, opt2)
    assert float(w) == after_opt1 and int(opt2.iterations) == 0  # the failed trace changed nothing, as in TF
    opt3 = optimizers.Adam(learning_rate=1e-3)
    opt3.build([w])  # its state made outside the function: this trace creates nothing
    before = float(w)
    train_step(w, x, y, opt3)
    assert float(w) < before and int(opt3.iterations) == 1
    assert train_step.experimental_get_tracing_count() == 2  # opt1's trace and opt3's


# -- weights: name and path -----------------------------------------------------------------------------------------
def test_a_layers_weights_are_named_kernel_and_bias_with_the_layer_in_their_path():
    layer = _dense(name="dense")
    assert (layer.kernel.name, layer.kernel.path) == ("kernel", "dense/kernel")
    assert (layer.bias.name, layer.bias.path) == ("bias", "dense/bias")
    assert isinstance(layer.kernel, tf.Variable)
    assert repr(layer.bias) == "<Variable path=dense/bias, shape=(2,), dtype=float32, value=[0. 0.]>"


def test_paths_follow_the_models_that_build_the_layers():
    seq = keras.Sequential([layers.Dense(2, input_shape=(3,), name="hidden")], name="seq")
    assert [w.path for w in seq.weights] == ["seq/hidden/kernel", "seq/hidden/bias"]
    lazy = keras.Sequential([layers.Dense(2, name="first")], name="lazy")
    lazy(tf.ones([1, 3]))  # built by its first batch
    assert [w.path for w in lazy.weights] == ["lazy/first/kernel", "lazy/first/bias"]
    inputs = keras.Input(shape=(3,))
    functional = keras.Model(inputs, layers.Dense(1, name="out")(inputs), name="functional_model")
    assert [w.path for w in functional.weights] == ["out/kernel", "out/bias"]  # built outside the model, as in Keras 3

    class Outer(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = layers.Dense(1, name="inner")

        def call(self, x):
            return self.inner(x)

    outer = Outer(name="outer")
    outer(tf.ones([1, 3]))
    assert [w.path for w in outer.weights] == ["outer/inner/kernel", "outer/inner/bias"]


def test_a_weight_made_in_init_is_named_after_its_layer():
    class Linear(layers.Layer):
        def __init__(self, units=2, input_dim=3, **kwargs):
            super().__init__(**kwargs)
            self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal", name="w")

        def call(self, inputs):
            return inputs @ self.w

    assert Linear(name="linear").w.path == "linear/w"
    assert Linear(name="unnamed").add_weight(shape=()).name == "variable"


def test_a_plain_variable_keeps_tensorflows_name_and_has_no_path():
    w = tf.Variable(1.0, name="w")
    assert w.name == "w:0"
    with pytest.raises(AttributeError, match="'Variable' object has no attribute 'path'"):
        w.path  # noqa: B018 - the attribute read is the test


def test_slot_names_come_from_the_weights_paths():
    model = keras.Sequential([layers.Dense(1, input_shape=(2,), name="d")], name="m")
    opt = optimizers.SGD(momentum=0.9)
    opt.build(model.trainable_variables)
    assert [v.path for v in opt.variables[2:]] == ["SGD/m_d_kernel_momentum", "SGD/m_d_bias_momentum"]


# -- keras.saving: the registry -------------------------------------------------------------------------------------
def test_register_keras_serializable_registers_under_package_and_name():
    assert keras.utils.register_keras_serializable is keras.saving.register_keras_serializable

    @keras.saving.register_keras_serializable()
    class Doubler(layers.Layer):
        def call(self, x):
            return 2.0 * x

    @keras.saving.register_keras_serializable(package="my_package", name="triple")
    def triple(x):
        return 3.0 * x

    assert keras.saving.get_registered_name(Doubler) == "Custom>Doubler"
    assert keras.saving.get_registered_name(triple) == "my_package>triple"
    assert keras.saving.get_registered_name(layers.Dense) == "Dense"  # not registered: its own name
    assert keras.saving.get_custom_objects()["Custom>Doubler"] is Doubler
    assert keras.saving.get_registered_object("my_package>triple") is triple
    assert keras.saving.get_registered_object("Doubler") is None
    assert keras.saving.get_registered_object("x", custom_objects={"x": triple}) is triple


def test_a_class_without_get_config_cannot_be_registered():
    class Plain:
        pass

    with pytest.raises(ValueError, match="Cannot register a class that does not have a get_config\\(\\) method."):
        keras.saving.register_keras_serializable()(Plain)


def test_get_custom_objects_is_the_live_global_dict():
    def my_activation(x):
        return tf.nn.relu(x) * 2.0

    keras.saving.get_custom_objects()["my_activation"] = my_activation
    layer = layers.Dense.from_config({**layers.Dense(1).get_config(), "activation": "my_activation"})
    assert layer.activation is my_activation


@keras.saving.register_keras_serializable(package="test_keras3")
class ScaledDense(layers.Layer):
    def __init__(self, units, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale = units, scale

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units))

    def call(self, x):
        return self.scale * (x @ self.kernel)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "scale": self.scale}


def _register_scaled_dense():
    """The module-level registration again (the fixture restores the registry after each test)."""
    keras.saving.register_keras_serializable(package="test_keras3")(ScaledDense)


def test_a_registered_layer_loads_without_custom_objects(tmp_path):
    _register_scaled_dense()
    model = keras.Sequential([ScaledDense(2, scale=0.5, input_shape=(3,)), layers.Dense(1)])
    assert model.get_config()["layers"][0]["registered_name"] == "test_keras3>ScaledDense"
    model.save(tmp_path / "scaled.keras")
    loaded = keras.models.load_model(tmp_path / "scaled.keras")
    assert isinstance(loaded.layers[0], ScaledDense) and loaded.layers[0].scale == 0.5
    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    serialization._GLOBAL_CUSTOM_OBJECTS.pop("test_keras3>ScaledDense")  # forgotten: the class cannot be found
    with pytest.raises(ValueError, match=r"Unknown layer: 'ScaledDense'"):
        keras.models.load_model(tmp_path / "scaled.keras")


def test_a_registered_subclassed_model_and_loss_load_without_custom_objects(tmp_path):
    @keras.saving.register_keras_serializable(package="test_keras3")
    class TwoLayers(keras.Model):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden, self.out = layers.Dense(units, activation="relu"), layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

        def get_config(self):
            return {"units": self.units, "name": self.name}

    @keras.saving.register_keras_serializable(package="test_keras3")
    def half_squared_error(y_true, y_pred):
        return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1) / 2.0

    x = np.random.default_rng(2).normal(size=(8, 3)).astype("float32")
    y = np.ones((8, 1), "float32")
    model = TwoLayers(4)
    model.compile(optimizer="sgd", loss=half_squared_error)
    model.fit(x, y, verbose=0)
    model.save(tmp_path / "two.keras")
    loaded = keras.models.load_model(tmp_path / "two.keras")
    assert isinstance(loaded, TwoLayers) and loaded.units == 4
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))


def test_custom_objects_still_work_and_win_inside_their_scope():
    _register_scaled_dense()
    config = keras.Sequential([ScaledDense(2, input_shape=(3,))]).get_config()

    class OtherScaledDense(ScaledDense):
        pass

    config["layers"][0].pop("registered_name")
    with keras.saving.custom_object_scope({"ScaledDense": OtherScaledDense}):
        rebuilt = keras.Sequential.from_config(config)
    assert type(rebuilt.layers[0]) is OtherScaledDense


def test_a_registered_function_is_saved_by_its_registered_name(tmp_path):
    @keras.saving.register_keras_serializable(package="test_keras3")
    def doubled_relu(x):
        return 2.0 * tf.nn.relu(x)

    model = keras.Sequential([layers.Dense(2, activation=doubled_relu, input_shape=(3,))])
    assert model.layers[0].get_config()["activation"] == "test_keras3>doubled_relu"
    model.save(tmp_path / "act.keras")
    assert keras.models.load_model(tmp_path / "act.keras").layers[0].activation is doubled_relu


def test_an_input_layer_is_named_input_layer_as_in_keras_3():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    assert model.layers[0].name.startswith("input_layer") and type(model.layers[0]).__name__ == "InputLayer"
