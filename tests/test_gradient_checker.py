"""minitf.test: the tape's gradients against finite differences, as a learner uses it."""

import numpy as np
import pytest

import minitf as tf


def test_compute_gradient_returns_theoretical_and_numerical_jacobians():
    theoretical, numerical = tf.test.compute_gradient(lambda x, y: x * y, [tf.constant([1.0, 2.0]), tf.constant(3.0)])
    np.testing.assert_allclose(theoretical[0], [[3.0, 0.0], [0.0, 3.0]])
    np.testing.assert_allclose(theoretical[1], [[1.0], [2.0]])
    for t, n in zip(theoretical, numerical):
        np.testing.assert_allclose(t, n, rtol=1e-3)


def test_check_gradients_passes_a_right_rule_and_points_at_a_wrong_one():
    assert tf.test.check_gradients(lambda x: tf.nn.softmax(x) * x, tf.constant([[0.5, -1.0, 2.0]]))

    @tf.custom_gradient
    def wrong_square(x):
        return x * x, lambda dy: dy * x  # should be 2 * x

    report = tf.test.check_gradients(wrong_square, tf.constant([0.5, -1.0, 3.0]))
    assert not report and not report.passed
    assert "FAILED" in repr(report) and "d(output[2])/d(x0[2])" in repr(report)
    assert report.analytic == pytest.approx(3.0) and report.numeric == pytest.approx(6.0)


@pytest.mark.parametrize("logit", [1e4, -1e4])
def test_stable_cross_entropies_stay_finite_at_extreme_logits(logit):
    logits = tf.Variable([[logit, 0.0, -logit]])
    with tf.GradientTape() as tape:
        sparse = tf.nn.sparse_softmax_cross_entropy_with_logits([1], logits)
        binary = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant([[1.0, 0.0, 1.0]]), logits=logits)
        dense = tf.nn.softmax_cross_entropy_with_logits(tf.constant([[0.0, 1.0, 0.0]]), logits)
        total = tf.reduce_sum(sparse) + tf.reduce_sum(binary) + tf.reduce_sum(dense)
    assert np.isfinite(sparse.numpy()).all() and np.isfinite(binary.numpy()).all() and np.isfinite(dense.numpy()).all()
    assert float(sparse) == pytest.approx(1e4) and np.isfinite(tape.gradient(total, logits).numpy()).all()
