"""GradientTape: TensorFlow's documented examples, Hands-On ML's, and the tape's edge cases."""

import numpy as np
import pytest

import minitf as tf


def test_tf_docs_square():
    x = tf.constant(3.0)
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    assert float(g.gradient(y, x)) == 6.0


def test_tf_docs_nested_tapes_second_derivative():
    x = tf.constant(5.0)
    with tf.GradientTape() as g:
        g.watch(x)
        with tf.GradientTape() as gg:
            gg.watch(x)
            y = x * x
        dy_dx = gg.gradient(y, x)
    assert float(dy_dx) == 10.0
    assert float(g.gradient(dy_dx, x)) == 2.0


def test_tf_docs_persistent():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as g:
        g.watch(x)
        y = x * x
        z = y * y
    assert float(g.gradient(z, x)) == 108.0
    assert float(g.gradient(y, x)) == 6.0


def test_tf_docs_jacobian():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as g:
        g.watch(x)
        y = x * x
    np.testing.assert_array_equal(g.jacobian(y, x).numpy(), [[2.0, 0.0], [0.0, 4.0]])


def test_hands_on_ml_hessian_has_none_where_disconnected():
    w1, w2 = tf.Variable(5.0), tf.Variable(3.0)

    def f(w1, w2):
        return 3 * w1**2 + 2 * w1 * w2

    with tf.GradientTape(persistent=True) as hessian_tape:
        with tf.GradientTape() as jacobian_tape:
            z = f(w1, w2)
        jacobians = jacobian_tape.gradient(z, [w1, w2])
    assert [float(j) for j in jacobians] == [36.0, 10.0]
    hessians = [hessian_tape.gradient(j, [w1, w2]) for j in jacobians]
    assert [float(h) for h in hessians[0]] == [6.0, 2.0]
    assert float(hessians[1][0]) == 2.0 and hessians[1][1] is None


def test_second_call_on_non_persistent_tape_raises_like_tensorflow():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * 2
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="A non-persistent GradientTape can only be used to compute one set"):
        tape.gradient(y, x)


def test_unconnected_sources_give_none_or_zero():
    x, y = tf.Variable(2.0), tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        z = x * 3
    assert tape.gradient(z, y) is None
    np.testing.assert_array_equal(tape.gradient(z, y, unconnected_gradients="zero").numpy(), [0.0, 0.0])
    assert tape.gradient(z, [x, y], unconnected_gradients=tf.UnconnectedGradients.ZERO)[1].shape == (2,)


def test_constants_are_not_watched_unless_asked():
    c = tf.constant(2.0)
    with tf.GradientTape() as tape:
        y = c * c
    assert tape.gradient(y, c) is None


def test_nested_sources_keep_their_structure():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = a * b
    grads = tape.gradient(y, {"a": a, "pair": (a, b)})
    assert set(grads) == {"a", "pair"} and isinstance(grads["pair"], tuple)
    assert float(grads["a"]) == 2.0 and [float(g) for g in grads["pair"]] == [2.0, 1.0]


def test_list_and_non_scalar_targets_are_summed():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y1, y2 = x * 2, x * x
    np.testing.assert_array_equal(tape.gradient([y1, y2], x).numpy(), [4.0, 6.0, 8.0])


def test_output_gradients_weight_the_target():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * x
    np.testing.assert_array_equal(tape.gradient(y, x, output_gradients=tf.constant([1.0, 10.0])).numpy(),
                                  [2.0, 40.0])


def test_output_gradients_must_have_the_targets_shape():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * x
    with pytest.raises(ValueError, match=r"output_gradients\[0\] has shape \(3,\), but its target has shape \(2,\)"):
        tape.gradient(y, x, output_gradients=tf.constant([1.0, 1.0, 1.0]))


def test_an_unknown_unconnected_gradients_value_raises_even_when_all_are_connected():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    with pytest.raises(ValueError, match="Unknown value for unconnected_gradients: 'zeros'"):
        tape.gradient(y, x, unconnected_gradients="zeros")


def test_fan_out_and_broadcasting_sum_back():
    x = tf.Variable([[1.0], [2.0]])  # (2, 1) broadcast against (3,)
    b = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = x * b + x
    gx, gb = tape.gradient(y, [x, b])
    np.testing.assert_array_equal(gx.numpy(), [[9.0], [9.0]])
    np.testing.assert_array_equal(gb.numpy(), [3.0, 3.0, 3.0])


def test_stop_gradient_and_stop_recording():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * tf.stop_gradient(x)
        with tape.stop_recording():
            z = x * x
        w = y + z
    assert float(tape.gradient(w, x)) == 3.0


def test_watch_accessed_variables_false_and_watched_variables():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False, persistent=True) as tape:
        tape.watch(a)
        y = a * b
    assert tape.watched_variables() == (a,)
    assert tape.gradient(y, b) is None and float(tape.gradient(y, a)) == 2.0


def test_non_trainable_variables_are_not_watched_automatically():
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v) is None and tape.watched_variables() == ()


def test_reset_forgets_what_was_recorded():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        tape.reset()
        z = x * 5 + y  # y was recorded before the reset: now it acts as a constant
    assert float(tape.gradient(z, x)) == 5.0


def test_assign_after_recording_does_not_change_the_gradient():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * v
    v.assign(100.0)
    assert float(tape.gradient(y, v)) == 4.0


def test_watching_integers_warns_and_gives_none():
    i = tf.constant(3)
    with tf.GradientTape() as tape, pytest.warns(UserWarning, match="must be floating"):
        tape.watch(i)
    assert tape.gradient(tf.cast(i, tf.float32) * 2.0, i) is None


def test_reused_persistent_tape_and_gradient_of_intermediate():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        h = x * 3
        y = tf.reduce_sum(h * h)
    for _ in range(2):
        np.testing.assert_array_equal(tape.gradient(y, h).numpy(), [6.0, 12.0])
        np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [18.0, 36.0])


def test_falling_object_second_order():
    time = tf.Variable(0.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            position = 4.9 * time**2
        speed = inner.gradient(position, time)
    assert float(speed) == 0.0 and float(outer.gradient(speed, time)) == pytest.approx(9.8)


def test_batch_jacobian():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x * tf.constant([1.0, 10.0])
    jac = tape.batch_jacobian(y, x)
    assert jac.shape == (2, 2, 2)
    np.testing.assert_allclose(jac.numpy(), [np.diag([2.0, 40.0]), np.diag([6.0, 80.0])])


def test_jacobian_of_a_matrix_product():
    w = tf.Variable(np.arange(6.0).reshape(3, 2))
    x = tf.constant(np.ones((1, 3)))
    with tf.GradientTape() as tape:
        y = x @ w
    jac = tape.jacobian(y, w)
    assert jac.shape == (1, 2, 3, 2)
    assert jac.numpy()[0, 1, :, 1].tolist() == [1.0, 1.0, 1.0] and jac.numpy()[0, 1, :, 0].tolist() == [0, 0, 0]


def test_custom_gradient_hands_on_ml_softplus():
    @tf.custom_gradient
    def my_softplus(z):
        def my_softplus_gradients(grads):
            return grads * (1 - 1 / (1 + tf.exp(z)))

        result = tf.math.log(tf.exp(z) + 1.0)
        return result, my_softplus_gradients

    x = tf.Variable([1000.0])
    with tf.GradientTape() as tape:
        y = my_softplus(x)
    assert np.isinf(y.numpy()).all()  # the forward overflows, exactly as in the book
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1.0])  # the custom rule stays finite


def test_custom_gradient_is_the_only_rule_used():
    @tf.custom_gradient
    def clip_gradient(x):
        return tf.identity(x), lambda dy: tf.clip_by_value(dy, -0.5, 0.5)

    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(clip_gradient(x) * tf.constant([3.0, -0.1]))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.5, -0.1])


def test_custom_gradient_functions_run_with_checks():
    seen = []

    @tf.custom_gradient
    def spy(x):
        def grad(dy):
            seen.append(dy)
            return dy * tf.constant(2.0, dtype=tf.float64)  # mixes dtypes: the check must catch it

        return tf.identity(x), grad

    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.square(spy(x)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"cannot compute Mul .*\[Op:Mul\]"):
        tape.gradient(y, x)
    assert len(seen) == 1  # grad_fn ran once, and its op was checked


@pytest.mark.parametrize("grad, message", [
    (lambda dy: [dy, dy], "returned 2 gradients for 1 inputs"),
    (lambda dy: tf.ones([3]), r"a gradient of shape \(3,\) for input 0 of shape \(2,\)"),
    (lambda dy: tf.constant([1, 2]), "requested dtype float32 for Tensor with dtype int32"),
])
def test_custom_gradients_of_the_wrong_count_shape_or_dtype_raise(grad, message):
    @tf.custom_gradient
    def f(x):
        return tf.identity(x), grad

    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = f(x)
    with pytest.raises(ValueError, match=message):
        tape.gradient(y, x)


def test_a_custom_gradient_may_be_one_the_tape_sums_back_to_the_input():
    @tf.custom_gradient
    def f(x):
        return tf.identity(x), lambda dy: tf.ones([2, 3])  # x has shape (3,): summed over the new axis

    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = f(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 2.0, 2.0])


def test_reentering_an_active_tape_raises():
    tape = tf.GradientTape()
    with tape, pytest.raises(ValueError, match="re-enter an already-active tape"):
        tape.__enter__()


def test_gradient_sources_must_be_tensors():
    with tf.GradientTape() as tape:
        pass
    with pytest.raises(ValueError, match="not minitf.Tensor or minitf.Variable"):
        tape.gradient(tf.constant(1.0), [1.0])
