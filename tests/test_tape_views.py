"""The tape's read-only views (minitf only): what it recorded, and its backward walk step by step."""

import numpy as np
import pytest

import minitf as tf
from minitf import tape as tape_module


def test_recorded_ops_in_execution_order_with_inputs_and_outputs():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        z = tf.exp(y)
    ops = tape.recorded_ops(target=z)
    assert [op.name for op in ops] == ["Mul", "Exp"]
    assert [op.index for op in ops] == [0, 1]
    assert ops[0].inputs == (x, x) and ops[0].output is y and ops[1].inputs == (y,) and ops[1].output is z
    assert all(op.from_sources for op in ops) and all(op.to_target for op in ops)
    assert ops[0].variables == (None, None) and ops[0].params == {}


def test_recorded_ops_say_what_reaches_the_target_and_what_depends_on_the_sources():
    a, b = tf.Variable(1.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        u = a * 2.0
        v = b + 1.0
        w = u * u
    ops = tape.recorded_ops(target=w, sources=[a])
    assert [op.name for op in ops] == ["Mul", "Add", "Mul"]
    assert [op.to_target for op in ops] == [True, False, True]
    assert [op.from_sources for op in ops] == [True, False, True]
    assert ops[0].variables[0] is a and ops[1].variables[0] is b
    assert tape.recorded_ops()[0].to_target is None
    assert v.numpy() == 4.0


def test_watched_lists_tensors_and_variables_and_survives_a_one_shot_gradient():
    x, v = tf.constant(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * v
    assert set(map(id, tape.watched())) == {id(x), id(v)}
    tape.gradient(y, [x, v])
    assert tape.watched_variables() == (v,)  # as TensorFlow: still listed after the gradient


def _walk_matches_gradient(build):
    """The gradients at the end of backward_steps equal those of tape.gradient on the same computation."""
    tape, target, sources = build()
    expected = tape.gradient(target, sources)
    tape, target, sources = build()
    walk = tape.backward_steps(target, sources)
    for got, want in zip(walk.gradients, expected):
        assert (got is None) == (want is None)
        if want is not None:
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    return walk


def test_backward_steps_visit_ops_in_reverse_and_match_gradient_with_fan_out():
    def build():
        x = tf.constant(3.0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x  # x used twice by one op
            z = y + x  # and once more
        return tape, z, [x]

    walk = _walk_matches_gradient(build)
    assert [step.op.name for step in walk.steps] == ["Add", "Mul"]
    assert [step.op.index for step in walk.steps] == [1, 0]
    mul = walk.steps[1]
    assert mul.accumulated == [True, True]  # x already had dz/dx = 1 from the Add
    assert float(mul.totals[1]) == 7.0  # 1 + 3 + 3
    assert mul.rules[0] is mul.op.primitive.vjp[0]


def test_backward_steps_show_the_sum_over_broadcast_dimensions():
    def build():
        w = tf.Variable([[1.0, 2.0]])  # (1, 2), broadcast over 3 rows
        x = tf.constant(np.arange(6.0, dtype="float32").reshape(3, 2))
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(x * w)
        return tape, y, [w]

    walk = _walk_matches_gradient(build)
    mul = [s for s in walk.steps if s.op.name == "Mul"][0]
    assert mul.raw[1].shape == (3, 2) and mul.grads[1].shape == (1, 2) and mul.summed_axes[1] == (0,)
    assert mul.summed_axes[0] == () and mul.rules[0] is None  # x is not watched: its rule did not run


def test_backward_steps_of_a_dense_layer_with_a_loss_and_a_disconnected_source():
    def build():
        tf.random.set_seed(0)
        layer = tf.keras.layers.Dense(2, activation="relu")
        x = tf.random.normal([4, 3])
        other = tf.Variable(1.0)
        layer(x)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(layer(x) - 1.0))
        return tape, loss, [layer.kernel, layer.bias, other]

    walk = _walk_matches_gradient(build)
    assert walk.gradients[2] is None
    assert {"MatMul", "Relu"} <= {step.op.name for step in walk.steps}


def test_backward_steps_consume_a_one_shot_tape_like_gradient():
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * 2.0
    tape.backward_steps(y, x)
    with pytest.raises(RuntimeError, match="only be used to compute one set of gradients"):
        tape.gradient(y, x)


def test_gradient_hooks_see_every_gradient_call():
    seen = []
    hook = lambda tape, targets, sources, results: seen.append((len(targets), len(sources), results[0]))
    tape_module.gradient_hooks.append(hook)
    try:
        x = tf.constant(1.0)
        with tf.GradientTape() as tape:
            y = x * 2.0
        assert tape.gradient(y, x) is None
    finally:
        tape_module.gradient_hooks.remove(hook)
    assert seen == [(1, 1, None)]
