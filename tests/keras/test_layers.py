"""Layers: a declarative contract table (input shape -> output shape, weights), exact outputs with fixed
weights, weight and sub-layer tracking, losses, configs, and the errors a learner meets."""

import numpy as np
import pytest

import minitf as tf
from minitf import keras
from minitf.keras import layers

# (name, factory, input shape, output shape, trainable weight shapes, non-trainable weight shapes)
CONTRACTS = [
    ("dense", lambda: layers.Dense(4), (2, 3), (2, 4), [(3, 4), (4,)], []),
    ("dense_no_bias", lambda: layers.Dense(4, use_bias=False), (2, 3), (2, 4), [(3, 4)], []),
    ("dense_rank3", lambda: layers.Dense(5, activation="relu"), (2, 7, 3), (2, 7, 5), [(3, 5), (5,)], []),
    ("activation", lambda: layers.Activation("tanh"), (2, 3), (2, 3), [], []),
    ("flatten", lambda: layers.Flatten(), (2, 3, 4), (2, 12), [], []),
    ("flatten_vector", lambda: layers.Flatten(), (2,), (2, 1), [], []),
    ("reshape", lambda: layers.Reshape((6, 2)), (2, 3, 4), (2, 6, 2), [], []),
    ("reshape_infer", lambda: layers.Reshape((-1, 3)), (2, 3, 4), (2, 4, 3), [], []),
    ("dropout", lambda: layers.Dropout(0.5), (2, 3), (2, 3), [], []),
    ("lambda", lambda: layers.Lambda(lambda x: x[:, :2] * 2.0), (4, 3), (4, 2), [], []),
    ("batch_norm", lambda: layers.BatchNormalization(), (5, 3), (5, 3), [(3,), (3,)], [(3,), (3,)]),
    ("batch_norm_axis1", lambda: layers.BatchNormalization(axis=1), (5, 3, 4), (5, 3, 4), [(3,), (3,)],
     [(3,), (3,)]),
    ("layer_norm", lambda: layers.LayerNormalization(), (5, 3), (5, 3), [(3,), (3,)], []),
    ("layer_norm_2axes", lambda: layers.LayerNormalization(axis=[1, 2]), (5, 3, 4), (5, 3, 4), [(3, 4), (3, 4)],
     []),
    ("layer_norm_no_scale", lambda: layers.LayerNormalization(scale=False), (2, 6), (2, 6), [(6,)], []),
]


@pytest.mark.parametrize("name, factory, in_shape, out_shape, trainable, non_trainable", CONTRACTS,
                         ids=[c[0] for c in CONTRACTS])
def test_layer_contract(name, factory, in_shape, out_shape, trainable, non_trainable):
    layer = factory()
    assert not layer.built
    out = layer(np.random.rand(*in_shape).astype("float32"))
    assert layer.built
    assert tuple(out.shape) == out_shape
    assert out.dtype == tf.float32
    assert [tuple(w.shape) for w in layer.trainable_weights] == trainable
    assert [tuple(w.shape) for w in layer.non_trainable_weights] == non_trainable
    assert len(layer.weights) == len(trainable) + len(non_trainable)
    assert layer.count_params() == sum(int(np.prod(s)) for s in trainable + non_trainable)
    assert layer.compute_output_shape((None,) + in_shape[1:]) == (None,) + out_shape[1:]


@pytest.mark.parametrize("name, factory", [(c[0], c[1]) for c in CONTRACTS if c[0] != "lambda"],
                         ids=[c[0] for c in CONTRACTS if c[0] != "lambda"])
def test_config_round_trip(name, factory):
    layer = factory()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def test_dense_exact_output():
    layer = layers.Dense(2, activation="relu")
    layer.build((None, 3))
    kernel = np.array([[1., -1.], [2., 0.], [0., 3.]], dtype="float32")
    layer.set_weights([kernel, np.array([0.5, -10.], dtype="float32")])
    x = np.array([[1., 2., 3.], [-1., 0., 1.]], dtype="float32")
    np.testing.assert_allclose(layer(x).numpy(), np.maximum(x @ kernel + [0.5, -10.], 0))


def test_dense_gradients_match_the_closed_form():
    layer = layers.Dense(2)
    x = tf.constant(np.random.rand(4, 3).astype("float32"))
    c = np.random.rand(4, 2).astype("float32")
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(x) * c)
    d_kernel, d_bias = tape.gradient(y, [layer.kernel, layer.bias])
    np.testing.assert_allclose(d_kernel.numpy(), x.numpy().T @ c, rtol=1e-5)
    np.testing.assert_allclose(d_bias.numpy(), c.sum(0), rtol=1e-5)


def test_activation_flatten_reshape_exact():
    x = np.arange(-6, 6, dtype="float32").reshape(2, 3, 2)
    np.testing.assert_array_equal(layers.Activation("relu")(x).numpy(), np.maximum(x, 0))
    np.testing.assert_array_equal(layers.Flatten()(x).numpy(), x.reshape(2, 6))
    np.testing.assert_array_equal(layers.Reshape((2, 3))(x).numpy(), x.reshape(2, 2, 3))
    np.testing.assert_array_equal(layers.Activation(None)(x).numpy(), x)


def test_dropout_scales_kept_values_and_is_identity_at_inference():
    layer = layers.Dropout(0.25, seed=3)
    x = np.ones((200, 50), dtype="float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    out = layer(x, training=True).numpy()
    assert set(np.unique(out).tolist()) <= {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.02


def test_dropout_noise_shape_drops_whole_columns():
    out = layers.Dropout(0.5, noise_shape=(None, 1, 4))(np.ones((3, 5, 4), "float32"), training=True).numpy()
    assert (out == out[:, :1, :]).all()


def test_lambda_with_arguments():
    layer = layers.Lambda(lambda x, k: x * k, arguments={"k": 3.0})
    np.testing.assert_array_equal(layer(np.ones((1, 2), "float32")).numpy(), [[3., 3.]])


def test_batch_normalization_training_and_inference():
    layer = layers.BatchNormalization(momentum=0.9, epsilon=1e-3)
    x = np.array([[1., 10.], [3., 20.], [5., 60.]], dtype="float32")
    out = layer(x, training=True).numpy()
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * mean, rtol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-6)
    layer.set_weights([np.array([2., 1.]), np.array([0., 1.]), np.array([1., 2.]), np.array([4., 9.])])
    expected = (x - [1., 2.]) / np.sqrt(np.array([4., 9.]) + 1e-3) * [2., 1.] + [0., 1.]
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5)  # inference: moving statistics
    before = layer.moving_mean.numpy()
    layer.trainable = False
    np.testing.assert_allclose(layer(x, training=True).numpy(), expected, rtol=1e-5)  # frozen: inference mode
    np.testing.assert_array_equal(layer.moving_mean.numpy(), before)


def test_batch_normalization_channels_first():
    layer = layers.BatchNormalization(axis=1, center=False, scale=False)
    x = np.random.rand(4, 3, 5).astype("float32")
    out = layer(x, training=True).numpy()
    mean, var = x.mean((0, 2), keepdims=True), x.var((0, 2), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)


def test_batch_normalization_moving_statistics_get_no_gradient():
    layer = layers.BatchNormalization()
    x = tf.constant(np.random.rand(6, 3).astype("float32"))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(x, training=True) * np.arange(3, dtype="float32"))
    grads = tape.gradient(y, layer.trainable_weights)
    assert all(g is not None for g in grads)
    np.testing.assert_allclose(grads[1].numpy(), 6 * np.arange(3), rtol=1e-6)  # d/d beta


def test_layer_normalization_exact():
    layer = layers.LayerNormalization(epsilon=1e-3)
    x = np.array([[1., 2., 6.], [0., -3., 3.]], dtype="float32")
    layer.build((None, 3))
    layer.set_weights([np.array([1., 2., 3.]), np.array([0., 0., 1.])])
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-3) * [1., 2., 3.] + [0., 0., 1.]
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(layer(x, training=True).numpy(), expected, rtol=1e-5)


def test_concatenate_and_add():
    a, b = np.ones((2, 3), "float32"), np.full((2, 3), 2., "float32")
    assert layers.Concatenate()([a, b]).shape == (2, 6)
    np.testing.assert_array_equal(layers.add([a, b]).numpy(), a + b)
    with pytest.raises(ValueError, match="list of at least 2 inputs"):
        layers.Add()(a)


# -- the books' custom layers -------------------------------------------------------------------
class SimpleDense(keras.layers.Layer):
    """Deep Learning with Python, chapter 3."""

    def __init__(self, units, activation=None):
        super().__init__()
        self.units = units
        self.activation = activation

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.W = self.add_weight(shape=(input_dim, self.units), initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        y = tf.matmul(inputs, self.W) + self.b
        if self.activation is not None:
            y = self.activation(y)
        return y


def test_book_simple_dense():
    my_dense = SimpleDense(units=32, activation=tf.nn.relu)
    output_tensor = my_dense(tf.ones(shape=(2, 784)))
    assert output_tensor.shape == (2, 32)
    assert [tuple(w.shape) for w in my_dense.weights] == [(784, 32), (32,)]


def test_book_simple_dense_with_string_activations_trains_in_a_sequential():
    model = keras.Sequential([SimpleDense(32, activation="relu"), SimpleDense(64, activation="relu"),
                              SimpleDense(32, activation="relu"), SimpleDense(10, activation="softmax")])
    out = model(np.random.rand(3, 5).astype("float32"))
    np.testing.assert_allclose(out.numpy().sum(-1), 1, rtol=1e-5)
    assert len(model.weights) == 8


class MyDense(keras.layers.Layer):
    """Hands-On ML, chapter 12: a custom layer with a config."""

    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, batch_input_shape):
        self.kernel = self.add_weight(name="kernel", shape=[batch_input_shape[-1], self.units],
                                      initializer="glorot_normal")
        self.bias = self.add_weight(name="bias", shape=[self.units], initializer="zeros")
        super().build(batch_input_shape)

    def call(self, X):
        return self.activation(X @ self.kernel + self.bias)

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "units": self.units, "activation": keras.activations.serialize(self.activation)}


def test_hands_on_ml_custom_layer():
    layer = MyDense(3, activation="relu", name="mine")
    assert layer(np.ones((2, 4), "float32")).shape == (2, 3)
    assert (layer.kernel.name, layer.kernel.path) == ("kernel", "mine/kernel")  # Keras 3's names
    clone = MyDense.from_config(layer.get_config())
    assert (clone.units, clone.name, clone.activation) == (3, "mine", keras.activations.relu)


def test_building_directly_marks_built_and_does_not_rebuild():
    layer = MyDense(2)
    layer.build((None, 4))
    assert layer.built
    kernel = layer.kernel
    layer(np.ones((1, 4), "float32"))
    assert layer.kernel is kernel and len(layer.weights) == 2


# -- tracking -------------------------------------------------------------------------------------
class Block(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = [layers.Dense(3, activation="relu") for _ in range(2)]
        self.heads = {"a": layers.Dense(1), "b": layers.Dense(2)}
        self.scale = tf.Variable(2.0, name="scale")
        self.norm = layers.BatchNormalization()

    def call(self, inputs, training=None):
        x = inputs
        for layer in self.hidden:
            x = layer(x)
        x = self.norm(x) * self.scale
        return tf.concat([self.heads["a"](x), self.heads["b"](x)], axis=-1)


def test_tracks_weights_in_attributes_lists_dicts_and_variables():
    block = Block()
    assert block(np.ones((2, 4), "float32")).shape == (2, 3)
    assert len(block.layers) == 5
    assert len(block.trainable_weights) == 1 + 2 * 2 + 2 + 2 * 2  # scale, hidden, norm gamma/beta, heads
    assert len(block.non_trainable_weights) == 2
    assert block.trainable_weights[0] is block.scale
    assert len({id(w) for w in block.weights}) == len(block.weights)


def test_appending_to_a_tracked_list_later_is_seen():
    block = Block()
    block(np.ones((2, 4), "float32"))
    count = len(block.weights)
    block.hidden.append(layers.Dense(3))
    block(np.ones((2, 4), "float32"))
    assert len(block.weights) == count + 2


def test_freezing_moves_weights_to_non_trainable():
    block = Block()
    block(np.ones((2, 4), "float32"))
    total = len(block.weights)
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == total
    assert not block.hidden[0].trainable
    block.trainable = True
    block.hidden[0].trainable = False
    assert len(block.trainable_weights) == total - 2 - 2


class Recorder(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.seen = []

    def call(self, inputs, training=None):
        self.seen.append(training)
        return inputs


def test_training_flag_reaches_nested_layers():
    recorder = Recorder()
    model = keras.Sequential([layers.Dense(2), recorder])
    x = np.ones((1, 2), "float32")
    model(x, training=True)
    model(x, training=False)
    model(x)
    assert recorder.seen == [True, False, None]


def test_floating_inputs_are_cast_to_the_layer_dtype():
    out = layers.Dense(2)(np.ones((1, 3)))  # float64 NumPy input
    assert out.dtype == tf.float32
    assert layers.Dense(2)(np.ones((1, 3), "int32")).dtype == tf.float32
    assert layers.Dense(2)([[1.0, 2.0]]).shape == (1, 2)


def test_names_are_unique_and_reset_by_clear_session():
    keras.backend.clear_session()
    assert [layers.Dense(1).name, layers.Dense(1).name, layers.BatchNormalization().name] == [
        "dense", "dense_1", "batch_normalization"]
    keras.backend.clear_session()
    assert layers.Dense(1).name == "dense"


# -- losses -----------------------------------------------------------------------------------------
class ActivityLoss(keras.layers.Layer):
    def call(self, inputs):
        self.add_loss(tf.reduce_sum(inputs))
        return inputs


def test_add_loss_keeps_only_the_last_calls_losses():
    layer = ActivityLoss()
    layer(np.ones((2, 2), "float32"))
    layer(np.full((2, 2), 2., "float32"))
    assert [float(v) for v in layer.losses] == [8.0]
    model = keras.Sequential([layer, ActivityLoss()])
    model(np.ones((1, 3), "float32"))
    assert [float(v) for v in model.losses] == [3.0, 3.0]


def test_regularization_losses_are_recomputed_and_differentiable():
    layer = layers.Dense(2, kernel_regularizer=keras.regularizers.l2(0.1), bias_regularizer="l1")
    layer(np.ones((1, 3), "float32"))
    kernel = layer.kernel.numpy()
    assert len(layer.losses) == 2
    np.testing.assert_allclose(float(layer.losses[0]), 0.1 * (kernel ** 2).sum(), rtol=1e-5)
    with tf.GradientTape() as tape:
        total = tf.add_n(layer.losses)
    np.testing.assert_allclose(tape.gradient(total, layer.kernel).numpy(), 0.2 * kernel, rtol=1e-5)


def test_activity_regularizer_is_divided_by_batch_size():
    layer = layers.Activation("linear", activity_regularizer=keras.regularizers.l1(1.0))
    layer(np.ones((4, 3), "float32"))
    assert float(layer.losses[0]) == pytest.approx(3.0)


def test_add_loss_callable_and_outside_call():
    layer = layers.Dense(1)
    layer(np.ones((1, 1), "float32"))
    layer.add_loss(lambda: tf.reduce_sum(layer.kernel) * 0.0 + 5.0)
    assert [float(v) for v in layer.losses] == [5.0]
    with pytest.raises(ValueError, match="outside of call"):
        layer.add_loss(tf.constant(1.0))


# -- errors a learner meets --------------------------------------------------------------------------
def test_forgetting_super_init_in_a_layer():
    class Forgetful(keras.layers.Layer):
        def __init__(self, units):
            self.units = units

        def call(self, inputs):
            return inputs

    with pytest.raises(RuntimeError, match=r"forgot to call `super\(\).__init__\(\)`"):
        Forgetful(3)(np.ones((1, 2), "float32"))

    class ForgetfulWithLayer(keras.layers.Layer):
        def __init__(self):
            self.dense = layers.Dense(3)

    with pytest.raises(RuntimeError, match=r"subclassing `Layer` and you forgot to call `super\(\).__init__\(\)`"):
        ForgetfulWithLayer()


def test_wrong_input_size_after_build_names_the_shapes():
    layer = layers.Dense(4, name="d")
    layer(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r'layer "d" is incompatible with the layer: expected axis -1 of input shape '
                                         r'to have value 3, but received input with shape \(2, 5\)'):
        layer(np.ones((2, 5), "float32"))


def test_dense_needs_a_batch_and_a_known_last_dim():
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        layers.Dense(2)(np.ones(3, "float32"))
    with pytest.raises(ValueError, match="should be defined. Found None"):
        layers.Dense(2).build((None, None))


@pytest.mark.parametrize("units", [0, -1, 2.5, "3", None])
def test_dense_units_must_be_a_positive_int(units):
    with pytest.raises(ValueError, match=f"expected a positive integer. Received: units={units!r}"):
        layers.Dense(units)


def test_unknown_keyword_argument():
    with pytest.raises(TypeError, match="Keyword argument not understood: 'unit'"):
        layers.Dense(3, unit=4)


def test_set_weights_checks_everything_before_assigning():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), "float32"))
    before = layer.get_weights()
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"weight shape \(2,\) is not compatible with provided weight shape \(3,\)"):
        layer.set_weights([np.zeros((3, 2)), np.zeros(3)])
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_count_params_before_build():
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(3).count_params()


def test_dropout_rate_is_checked():
    with pytest.raises(ValueError, match="rate=1.5"):
        layers.Dropout(1.5)


def test_unknown_activation_lists_the_names():
    with pytest.raises(ValueError, match="relu"):
        layers.Dense(2, activation="rleu")


def test_weights_argument_sets_initial_values():
    layer = layers.Dense(1, weights=[np.full((2, 1), 3.0, "float32"), np.zeros(1, "float32")])
    assert layer(np.ones((1, 2), "float32")).numpy().item() == 6.0


# -- the functional API ----------------------------------------------------------------------------
def test_functional_model_matches_the_same_layers_called_directly():
    inputs = keras.Input(shape=(4,))
    hidden = layers.Dense(8, activation="relu")
    out_layer = layers.Dense(2)
    model = keras.Model(inputs, out_layer(hidden(inputs)))
    x = np.random.rand(5, 4).astype("float32")
    np.testing.assert_allclose(model(x).numpy(), out_layer(hidden(x)).numpy(), rtol=1e-6)
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "Dense"]
    assert model.output_shape == (None, 2) and model.input_shape == (None, 4)


def test_functional_wide_and_deep_with_two_inputs():
    wide, deep = keras.Input(shape=(2,), name="wide"), keras.Input(shape=(3,), name="deep")
    hidden = layers.Dense(4, activation="relu")(deep)
    concat = layers.concatenate([wide, hidden])
    model = keras.Model(inputs=[wide, deep], outputs=layers.Dense(1)(concat))
    out = model([np.ones((6, 2), "float32"), np.ones((6, 3), "float32")])
    assert out.shape == (6, 1)
    by_name = model({"deep": np.ones((6, 3), "float32"), "wide": np.ones((6, 2), "float32")})
    np.testing.assert_array_equal(by_name.numpy(), out.numpy())
    with pytest.raises(ValueError, match=r"Missing data for input\(s\) \['deep'\]"):
        model({"wide": np.ones((6, 2), "float32")})
    with pytest.raises(ValueError, match="expects 2 input"):
        model(np.ones((6, 2), "float32"))


def test_keras_tensor_errors():
    x = keras.Input(shape=(3,))
    assert repr(x).startswith("<KerasTensor: shape=(None, 3) dtype=float32")
    with pytest.raises(TypeError, match="Lambda"):
        x + 1
    other = keras.Input(shape=(3,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(x, layers.Add()([x, other]))
    with pytest.raises(TypeError, match="KerasTensors"):
        keras.Model(x, np.ones(3))


def test_input_and_output_shape_properties():
    layer = layers.Dense(3)
    with pytest.raises(AttributeError, match="never been called"):
        _ = layer.output_shape
    layer(np.ones((5, 2), "float32"))
    assert layer.input_shape == (5, 2) and layer.output_shape == (None, 3)


def test_build_without_an_input_shape():
    class Bias(keras.layers.Layer):
        def build(self):
            self.b = self.add_weight(name="b", shape=(), initializer="ones")

        def call(self, inputs):
            return inputs + self.b

    layer = Bias()
    np.testing.assert_array_equal(layer(np.zeros((2, 2), "float32")).numpy(), np.ones((2, 2)))
    assert layer.built and len(layer.weights) == 1


@pytest.mark.parametrize("argument", ["kernel_initializer", "bias_initializer", "kernel_regularizer",
                                      "kernel_constraint"])
def test_dense_with_an_unknown_name_fails_when_made_not_when_called(argument):
    """Keras resolves initializers (and regularizers, constraints) in the layer's __init__."""
    with pytest.raises(ValueError, match="Could not interpret .* identifier: 'glorot_unifrom'"):
        layers.Dense(2, **{argument: "glorot_unifrom"})
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 'onez'"):
        layers.BatchNormalization(gamma_initializer="onez")


def test_a_layer_called_on_none_says_so():
    for layer in (layers.Dense(2), layers.Flatten(), keras.Sequential([layers.Dense(1)])):
        with pytest.raises(ValueError, match=r"was called on None: it needs a tensor or an array of inputs"):
            layer(None)
        assert not layer.built

