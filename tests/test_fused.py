"""The fused gradient ops (minitf/ops/fused.py) compute what the rules they replace compute."""

import numpy as np
import pytest

import minitf as tf
from minitf.ops import fused


def _first_and_second(f, x):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        dx = inner.gradient(y, x)
        summed = tf.reduce_sum(dx * dx)
    return dx.numpy(), outer.gradient(summed, x).numpy()


CASES = {
    "tanh": lambda x: tf.reduce_sum(tf.tanh(x) * x),
    "relu": lambda x: tf.reduce_sum(tf.nn.relu(x) * x * x),
    "mean": lambda x: tf.reduce_mean(x * x, axis=1),
    "sparse cross-entropy": lambda x: tf.reduce_sum(
        tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([2, 0, 1]), x * x)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fused_rules_agree_with_the_composed_rules(name):
    x = tf.constant(np.random.default_rng(1).normal(size=(3, 4)).astype("float32"))
    try:
        fused.use_fused_rules(False)
        composed = _first_and_second(CASES[name], x)
    finally:
        fused.use_fused_rules(True)
    fast = _first_and_second(CASES[name], x)
    for got, want in zip(fast, composed):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_the_fused_ops_are_what_runs_by_default():
    x = tf.constant([[0.5, -1.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_mean(tf.tanh(tf.nn.relu(x)))
    walk = tape.backward_steps(y, x)
    rules = {step.op.name: step.rules[0].__name__ for step in walk.steps}
    assert rules == {"Mean": "_fused_mean_rule", "Relu": "_fused_relu_rule", "Tanh": "_fused_tanh_rule"}
