"""TensorFlow's guide "Introduction to gradients and automatic differentiation", section by section.

Each test runs what one section of the guide shows, written with minitf, and checks the
values TensorFlow prints there. Sections with nothing in minitf's scope say why in a comment.
"""

import math

import numpy as np
import pytest

import minitf as tf
from minitf import keras


# -- Computing gradients / Gradient tapes --------------------------------------------------------
def test_gradient_of_a_square():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x**2
    dy_dx = tape.gradient(y, x)
    assert dy_dx.numpy() == 6.0


def test_gradients_of_a_loss_for_a_list_and_a_dict_of_variables():
    w = tf.Variable(tf.random.normal((3, 2)), name="w")
    b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
    x = [[1.0, 2.0, 3.0]]
    with tf.GradientTape(persistent=True) as tape:
        y = x @ w + b
        loss = tf.reduce_mean(y**2)
    dl_dw, dl_db = tape.gradient(loss, [w, b])
    assert w.shape == dl_dw.shape == (3, 2)
    y_np = np.array(x) @ w.numpy() + b.numpy()
    np.testing.assert_allclose(dl_db, y_np[0], rtol=1e-5)  # d mean(y^2) / db = 2y / 2
    np.testing.assert_allclose(dl_dw, np.array(x).T @ y_np, rtol=1e-5)
    grad = tape.gradient(loss, {"w": w, "b": b})
    np.testing.assert_allclose(grad["b"], dl_db)


# -- Gradients with respect to a model ------------------------------------------------------------
def test_gradients_with_respect_to_a_layers_variables():
    layer = keras.layers.Dense(2, activation="relu")
    x = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        y = layer(x)
        loss = tf.reduce_mean(y**2)
    grad = tape.gradient(loss, layer.trainable_variables)
    assert [(v.shape, g.shape) for v, g in zip(layer.trainable_variables, grad)] == [((3, 2), (3, 2)), ((2,), (2,))]


# -- Controlling what the tape watches ------------------------------------------------------------
def test_only_trainable_variables_are_watched_by_default():
    x0 = tf.Variable(3.0, name="x0")  # trainable
    x1 = tf.Variable(3.0, name="x1", trainable=False)  # not trainable
    x2 = tf.Variable(2.0, name="x2") + 1.0  # a variable plus a number is a tensor
    x3 = tf.constant(3.0, name="x3")  # not a variable
    with tf.GradientTape() as tape:
        y = (x0**2) + (x1**2) + (x2**2)
    grad = tape.gradient(y, [x0, x1, x2, x3])
    assert grad[0].numpy() == 6.0
    assert grad[1:] == [None, None, None]
    assert [var.name for var in tape.watched_variables()] == ["x0:0"]


def test_watching_a_constant():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x**2
    assert tape.gradient(y, x).numpy() == 6.0


def test_watch_accessed_variables_false():
    x0 = tf.Variable(0.0)
    x1 = tf.Variable(10.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x1)
        y0 = tf.math.sin(x0)
        y1 = tf.nn.softplus(x1)
        y = y0 + y1
        ys = tf.reduce_sum(y)
    grad = tape.gradient(ys, {"x0": x0, "x1": x1})
    assert grad["x0"] is None
    assert grad["x1"].numpy() == pytest.approx(0.9999546, abs=1e-6)  # sigmoid(10)


# -- Intermediate results -------------------------------------------------------------------------
def test_gradient_with_respect_to_an_intermediate_value():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert tape.gradient(z, y).numpy() == 18.0  # 2y = 2 x^2


def test_a_persistent_tape_answers_twice():
    x = tf.constant([1, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    np.testing.assert_array_equal(tape.gradient(z, x), [4.0, 108.0])  # 4 x^3
    np.testing.assert_array_equal(tape.gradient(y, x), [2.0, 6.0])  # 2 x
    del tape


def test_a_second_gradient_call_on_a_one_shot_tape_raises():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="A non-persistent GradientTape can only be used to compute one set"):
        tape.gradient(y, x)


# -- Notes on performance: prose only (resources of a persistent tape), nothing to run.


# -- Gradients of non-scalar targets --------------------------------------------------------------
def test_gradient_of_several_targets_is_the_gradient_of_their_sum():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y0 = x**2
        y1 = 1 / x
    assert tape.gradient(y0, x).numpy() == 4.0
    assert tape.gradient(y1, x).numpy() == -0.25
    assert tape.gradient({"y0": y0, "y1": y1}, x).numpy() == 3.75


def test_gradient_of_a_vector_target_sums_its_elements():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * [3.0, 4.0]
    assert tape.gradient(y, x).numpy() == 7.0


def test_element_wise_derivative_of_the_sigmoid():
    x = tf.linspace(-10.0, 10.0, 200 + 1)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.sigmoid(x)
    dy_dx = tape.gradient(y, x)
    s = 1 / (1 + np.exp(-x.numpy().astype(np.float64)))
    np.testing.assert_allclose(dy_dx, s * (1 - s), atol=1e-6)
    assert dy_dx.numpy()[100] == 0.25  # the slope at 0


# -- Control flow ---------------------------------------------------------------------------------
def test_only_the_branch_taken_is_recorded():
    x = tf.constant(1.0)
    v0 = tf.Variable(2.0)
    v1 = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        if x > 0.0:
            result = v0
        else:
            result = v1**2
    dv0, dv1 = tape.gradient(result, [v0, v1])
    assert dv0.numpy() == 1.0
    assert dv1 is None
    assert tape.gradient(result, x) is None  # the condition is not differentiable


# -- Cases where gradient returns None ------------------------------------------------------------
def test_unconnected_target_gives_none():
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        z = y * y
    assert tape.gradient(z, x) is None


def test_replacing_a_variable_with_a_tensor_loses_the_gradient():
    x = tf.Variable(2.0)
    seen = []
    for _epoch in range(2):
        with tf.GradientTape() as tape:
            y = x + 1
        grad = tape.gradient(y, x)
        seen.append((isinstance(x, tf.Variable), None if grad is None else grad.numpy()))
        x = x + 1  # this should be x.assign_add(1): now x is a plain tensor, not watched
    assert seen == [(True, 1.0), (False, None)]


def test_calculations_outside_minitf_give_none():
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]], dtype=tf.float32)
    with tf.GradientTape() as tape:
        x2 = x**2
        y = np.mean(x2, axis=0)  # NumPy computes this: the tape cannot see it
        y = tf.reduce_mean(y, axis=0)
    assert tape.gradient(y, x) is None


def test_integers_are_not_differentiable():
    x = tf.constant(10)
    with tf.GradientTape() as g:
        with pytest.warns(UserWarning, match="The dtype of the watched tensor must be floating"):
            g.watch(x)
        y = x * x
    assert g.gradient(y, x) is None


def test_state_stops_gradients():
    x0 = tf.Variable(3.0)
    x1 = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        x1.assign_add(x0)  # an assignment is not differentiable: it copies a value into x1
        y = x1**2
    assert tape.gradient(y, x0) is None


# -- No gradient registered: the guide's example (tf.image.adjust_contrast) is an image op outside
#    minitf's scope; every minitf op with a float output either has a gradient rule or is a composition.


# -- Zeros instead of None ------------------------------------------------------------------------
def test_unconnected_gradients_zero():
    x = tf.Variable([2.0, 2.0])
    y = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        z = y**2
    grad = tape.gradient(z, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    np.testing.assert_array_equal(grad, [0.0, 0.0])


def test_sin_and_cos_are_each_others_gradients():
    """The guide's sin example (a learner's first op beyond arithmetic) with TensorFlow's value."""
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.math.sin(x)
    assert tape.gradient(y, x).numpy() == pytest.approx(math.cos(3.0), abs=1e-7)  # -0.9899925
