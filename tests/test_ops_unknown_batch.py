"""The composed ops in a graph traced with an unknown batch size: right for every size, never baked in."""

import math

import numpy as np
import pytest

import minitf as tf

CASES = {
    "sort": (lambda x: tf.sort(x), lambda x: np.sort(x, -1)),
    "sort along the batch": (lambda x: tf.sort(x, axis=0, direction="DESCENDING"), lambda x: -np.sort(-x, 0)),
    "argsort along the batch": (lambda x: tf.argsort(x, axis=0), lambda x: np.argsort(x, 0, kind="stable")),
    "top_k": (lambda x: tf.math.top_k(x, 2).values, lambda x: -np.sort(-x, -1)[:, :2]),
    "cumsum": (lambda x: tf.cumsum(x, axis=0, reverse=True), lambda x: np.flip(np.cumsum(np.flip(x, 0), 0), 0)),
    "tile": (lambda x: tf.tile(x, [2, 2]), lambda x: np.tile(x, [2, 2])),
    "boolean_mask": (lambda x: tf.boolean_mask(x, x > 0), lambda x: x[x > 0]),
    "boolean_mask of rows": (lambda x: tf.boolean_mask(x, x[:, 0] > 0), lambda x: x[x[:, 0] > 0]),
    "repeat": (lambda x: tf.repeat(x, 2, axis=1), lambda x: np.repeat(x, 2, axis=1)),
    "gelu": (tf.nn.gelu, lambda x: 0.5 * x * (1 + np.vectorize(math.erf, otypes=[float])(x / np.sqrt(2)))),
}


@pytest.mark.parametrize("name", CASES)
def test_traced_with_an_unknown_batch_size(name):
    op, reference = CASES[name]
    traced = tf.function(op, input_signature=[tf.TensorSpec([None, 3])])
    for batch in (2, 5, 0, 4):
        x = np.random.default_rng(batch).normal(size=(batch, 3)).astype("float32")
        np.testing.assert_allclose(traced(tf.constant(x)).numpy(), reference(x), rtol=1e-6, atol=1e-7)
