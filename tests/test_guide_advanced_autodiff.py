"""TensorFlow's guide "Advanced automatic differentiation", section by section, with its values.

Sections outside minitf's scope say so in a comment (SavedModel, vectorized map).
"""

import math

import numpy as np
import pytest

import minitf as tf
from minitf import keras


# -- Controlling gradient recording: stop_recording and reset -------------------------------------
def test_stop_recording_hides_ops_from_the_tape():
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as t:
        x_sq = x * x
        with t.stop_recording():
            y_sq = y * y
        z = x_sq + y_sq
    grad = t.gradient(z, {"x": x, "y": y})
    assert grad["x"].numpy() == 4.0
    assert grad["y"] is None


def test_reset_forgets_what_was_recorded():
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    reset = True
    with tf.GradientTape() as t:
        y_sq = y * y
        if reset:
            t.reset()  # throw away everything recorded so far
        z = x * x + y_sq
    grad = t.gradient(z, {"x": x, "y": y})
    assert grad["x"].numpy() == 4.0
    assert grad["y"] is None


# -- Stop gradient --------------------------------------------------------------------------------
def test_stop_gradient_blocks_one_path():
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y_sq = y**2
        z = x**2 + tf.stop_gradient(y_sq)
    grad = t.gradient(z, {"x": x, "y": y})
    assert grad["x"].numpy() == 4.0
    assert grad["y"] is None


# -- Custom gradients -----------------------------------------------------------------------------
def test_custom_gradient_clips_the_incoming_gradient():
    @tf.custom_gradient
    def clip_gradients(y):
        def backward(dy):
            return tf.clip_by_norm(dy, 0.5)

        return y, backward

    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        output = clip_gradients(v * v)
    assert t.gradient(output, v).numpy() == 2.0  # backward clips dy = 1 to 0.5, times dv^2/dv = 4


# -- Custom gradients in SavedModel: tf.saved_model and experimental_custom_gradients are outside
#    minitf's scope (it saves Keras weights only).


# -- Multiple tapes -------------------------------------------------------------------------------
def test_two_tapes_watch_different_tensors():
    x0 = tf.constant(0.0)
    x1 = tf.constant(0.0)
    with tf.GradientTape() as tape0, tf.GradientTape() as tape1:
        tape0.watch(x0)
        tape1.watch(x1)
        y0 = tf.math.sin(x0)
        y1 = tf.nn.sigmoid(x1)
        y = y0 + y1
        ys = tf.reduce_sum(y)
    assert tape0.gradient(ys, x0).numpy() == 1.0  # cos(0)
    assert tape1.gradient(ys, x1).numpy() == 0.25  # sigmoid(0) * (1 - sigmoid(0))


# -- Higher-order gradients -----------------------------------------------------------------------
def test_second_derivative_of_a_cube():
    x = tf.Variable(1.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x * x * x
        dy_dx = t1.gradient(y, x)
    d2y_dx2 = t2.gradient(dy_dx, x)
    assert dy_dx.numpy() == 3.0
    assert d2y_dx2.numpy() == 6.0


def test_input_gradient_regularization():
    x = tf.random.normal([7, 5])
    layer = keras.layers.Dense(10, activation=tf.nn.relu)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = layer(x)
            out = tf.reduce_sum(layer(x) ** 2)
        g1 = t1.gradient(out, x)  # the gradient with respect to the input
        g1_mag = tf.norm(g1)  # its magnitude, to be kept small
    dg1_mag = t2.gradient(g1_mag, layer.trainable_variables)
    assert y.shape == (7, 10)
    assert [var.shape for var in dg1_mag] == [(5, 10), (10,)]
    assert all(np.isfinite(g.numpy()).all() for g in dg1_mag)


# -- Jacobians ------------------------------------------------------------------------------------
def test_jacobian_with_respect_to_a_scalar_is_the_gradient_per_element():
    x = tf.linspace(-10.0, 10.0, 200 + 1)
    delta = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        y = tf.nn.sigmoid(x + delta)
    dy_dx = tape.jacobian(y, delta)
    assert y.shape == dy_dx.shape == (201,)
    s = 1 / (1 + np.exp(-x.numpy().astype(np.float64)))
    np.testing.assert_allclose(dy_dx, s * (1 - s), atol=1e-6)


def test_jacobian_with_respect_to_a_kernel():
    x = tf.random.normal([7, 5])
    layer = keras.layers.Dense(10, activation=tf.nn.relu)
    with tf.GradientTape(persistent=True) as tape:
        y = layer(x)
    j = tape.jacobian(y, layer.kernel)
    assert y.shape == (7, 10)
    assert layer.kernel.shape == (5, 10)
    assert j.shape == (7, 10, 5, 10)
    g = tape.gradient(y, layer.kernel)  # the gradient of the sum = the Jacobian summed over the target
    j_sum = tf.reduce_sum(j, axis=[0, 1])
    assert float(tf.reduce_max(abs(g - j_sum))) < 1e-5


def test_hessian_and_a_newton_step():
    x = tf.random.normal([7, 5])
    layer1 = keras.layers.Dense(8, activation=tf.nn.elu)
    layer2 = keras.layers.Dense(6, activation=tf.nn.elu)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            x = layer1(x)
            x = layer2(x)
            loss = tf.reduce_mean(x**2)
        g = t1.gradient(loss, layer1.kernel)
    h = t2.jacobian(g, layer1.kernel)
    assert layer1.kernel.shape == (5, 8)
    assert h.shape == (5, 8, 5, 8)
    n_params = tf.reduce_prod(layer1.kernel.shape)
    g_vec = tf.reshape(g, [n_params, 1])
    h_mat = tf.reshape(h, [n_params, n_params])
    np.testing.assert_allclose(h_mat, tf.transpose(h_mat), atol=1e-5)  # a Hessian is symmetric
    eps = 1e-3
    eye_eps = tf.eye(h_mat.shape[0]) * eps
    update = tf.linalg.solve(h_mat + eye_eps, g_vec)  # the Newton step (damped by eps)
    np.testing.assert_allclose((h_mat + eye_eps) @ update, g_vec, atol=1e-4)
    before = layer1.kernel.numpy()
    layer1.kernel.assign_sub(tf.reshape(update, layer1.kernel.shape))
    np.testing.assert_allclose(layer1.kernel.numpy(), before - update.numpy().reshape(5, 8), rtol=1e-6)


def test_batch_jacobian_is_the_diagonal_of_the_full_jacobian():
    x = tf.random.normal([7, 5])
    layer1 = keras.layers.Dense(8, activation=tf.nn.elu)
    layer2 = keras.layers.Dense(6, activation=tf.nn.elu)
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = layer1(x)
        y = layer2(y)
    assert y.shape == (7, 6)
    j = tape.jacobian(y, x)
    assert j.shape == (7, 6, 7, 5)
    # examples do not interact, so summing over the source's batch axis keeps only each example's own block
    j_sum = tf.reduce_sum(j, axis=2)
    jb = tape.batch_jacobian(y, x)
    assert jb.shape == (7, 6, 5)
    assert float(tf.reduce_max(abs(jb - j_sum))) < 1e-6
    # the guide selects the diagonal blocks with an einsum whose repeated letter takes a diagonal
    diagonal = tf.einsum("bxby->bxy", j)
    assert float(tf.reduce_max(abs(jb - diagonal))) < 1e-6
    np.testing.assert_array_equal(diagonal.numpy(), np.stack([j.numpy()[b, :, b, :] for b in range(7)]))


def test_a_jacobian_laid_out_as_patches_for_a_picture():
    """The guide draws a jacobian as one image: axes reordered, each patch framed by padding, then flattened."""
    j = tf.random.normal([7, 6, 7, 5])
    patches = tf.transpose(j, [1, 0, 3, 2])
    lim = tf.reduce_max(abs(patches))
    framed = tf.pad(patches, [[0, 0], [1, 1], [0, 0], [1, 1]], constant_values=-lim)
    assert framed.shape == (6, 9, 5, 9)
    np.testing.assert_array_equal(framed[:, 1:-1, :, 1:-1].numpy(), patches.numpy())
    assert np.all(framed[:, 0].numpy() == -lim.numpy()) and np.all(framed[..., -1].numpy() == -lim.numpy())
    image = tf.reshape(framed, [6 * 9, 5 * 9])
    assert image.shape == (54, 45)


def test_batch_normalization_makes_examples_interact():
    x = tf.random.normal([7, 5])
    layer1 = keras.layers.Dense(8, activation=tf.nn.elu)
    bn = keras.layers.BatchNormalization()
    layer2 = keras.layers.Dense(6, activation=tf.nn.elu)
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = layer1(x)
        y = bn(y, training=True)  # the batch's statistics mix the examples
        y = layer2(y)
    j = tape.jacobian(y, x)
    assert j.shape == (7, 6, 7, 5)
    off_diagonal = j.numpy().copy()
    for b in range(7):
        off_diagonal[b, :, b, :] = 0
    assert np.abs(off_diagonal).max() > 1e-4  # unlike without batch normalization


def test_batch_jacobian_of_an_element_wise_op():
    """The guide's sigmoid example: each example's Jacobian is diagonal, sigmoid'(x)."""
    x = tf.random.normal([2, 3])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.sigmoid(x)
    jb = tape.batch_jacobian(y, x)
    s = tf.nn.sigmoid(x).numpy()
    for b in range(2):
        np.testing.assert_allclose(jb[b], np.diag(s[b] * (1 - s[b])), atol=1e-7)


def test_the_elu_and_erf_a_learner_meets_next():
    """Ops the guide's examples reach for (elu activations, tf.math functions), with TensorFlow's values."""
    assert tf.nn.elu(-1.0).numpy() == pytest.approx(math.exp(-1) - 1)
    assert tf.math.erf(0.5).numpy() == pytest.approx(math.erf(0.5), abs=1e-7)


# -- The guide's vectorized-map discussion (experimental_use_pfor) is about speed: minitf computes
#    Jacobians one row at a time (see README, "Where minitf differs"); the results are the same.
