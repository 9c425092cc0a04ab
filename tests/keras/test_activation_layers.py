"""Keras 3's activation layers with settings: ReLU, LeakyReLU, ELU, Softmax (values, gradients, configs, errors)."""

import numpy as np
import pytest

import minitf as tf
from minitf import keras

X = tf.constant([-2.0, -0.5, 0.0, 0.5, 1.5, 3.0])


def test_relu_with_a_ceiling_a_threshold_and_a_slope_below_it():
    np.testing.assert_allclose(keras.layers.ReLU()(X).numpy(), [0, 0, 0, 0.5, 1.5, 3.0])
    np.testing.assert_allclose(keras.layers.ReLU(max_value=1.0)(X).numpy(), [0, 0, 0, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(keras.layers.ReLU(negative_slope=0.1, threshold=1.0)(X).numpy(),
                               [-0.3, -0.15, -0.1, -0.05, 1.5, 3.0], rtol=1e-6)


def test_leaky_relu_defaults_to_keras_3s_slope_and_takes_the_old_alpha_name():
    np.testing.assert_allclose(keras.layers.LeakyReLU()(X).numpy(), [-0.6, -0.15, 0, 0.5, 1.5, 3.0], rtol=1e-6)
    assert keras.layers.LeakyReLU(alpha=0.2).negative_slope == pytest.approx(0.2)
    x = tf.Variable([-1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(keras.layers.LeakyReLU(negative_slope=0.2)(x))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.2, 1.0], rtol=1e-6)


def test_elu_and_softmax():
    np.testing.assert_allclose(keras.layers.ELU(alpha=2.0)(X).numpy(),
                               np.where(X.numpy() > 0, X.numpy(), 2.0 * np.expm1(X.numpy())), rtol=1e-6)
    probs = keras.layers.Softmax(axis=0)(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy()
    np.testing.assert_allclose(probs.sum(axis=0), [1.0, 1.0], rtol=1e-6)


@pytest.mark.parametrize("make", [lambda: keras.layers.LeakyReLU(negative_slope=-0.1),
                                  lambda: keras.layers.LeakyReLU(negative_slope=None),
                                  lambda: keras.layers.ReLU(max_value=-1.0),
                                  lambda: keras.layers.ReLU(threshold=-1.0)])
def test_a_negative_setting_is_refused_by_name(make):
    with pytest.raises(ValueError, match=r"cannot be None or a negative value\. Expected a float\. Received: "):
        make()


def test_a_model_with_activation_layers_saves_and_loads_with_their_settings(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4), keras.layers.LeakyReLU(0.1),
                              keras.layers.Dense(2), keras.layers.ReLU(max_value=0.5), keras.layers.Softmax()])
    x = tf.constant(np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[1].negative_slope == pytest.approx(0.1) and loaded.layers[3].max_value == 0.5
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), rtol=1e-6)
