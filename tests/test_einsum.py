"""``minitf.einsum``: NumPy's results, gradients (checked numerically, ellipsis broadcasting included), clear errors."""

import numpy as np
import pytest

import minitf as tf
from minitf.test import compute_gradient

CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),  # matmul
    ("ij,jk", [(2, 3), (3, 4)]),  # the same, output implicit
    ("ij->ji", [(2, 3)]),  # transpose
    ("ij->", [(2, 3)]),  # sum
    ("i,i", [(3,), (3,)]),  # dot product
    ("i,j->ij", [(2,), (3,)]),  # outer product
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),  # batched matmul
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),  # batch dims broadcast
    ("...i,...i->...i", [(2, 1, 3), (4, 3)]),
    ("ij,k->ik", [(2, 3), (4,)]),  # j summed away in one input only
    ("bij,bjk,bkl->bil", [(2, 2, 3), (2, 3, 4), (2, 4, 2)]),  # three inputs
    ("i...->...", [(2, 3, 4)]),
    ("ii->i", [(3, 3)]),  # a repeated letter takes the diagonal
    ("ii", [(3, 3)]),  # the trace
    ("bxby->bxy", [(3, 2, 3, 4)]),  # the advanced autodiff guide's diagonal blocks of a jacobian
    ("iij,jk->ik", [(2, 2, 3), (3, 4)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("ii...->i...", [(3, 3, 2)]),
]


@pytest.mark.parametrize("equation, shapes", CASES)
def test_einsum_matches_numpy_and_its_gradient_matches_central_differences(equation, shapes):
    rng = np.random.default_rng(len(equation))
    inputs = [tf.constant(rng.normal(size=shape)) for shape in shapes]  # float64
    out = tf.einsum(equation, *inputs)
    np.testing.assert_allclose(out.numpy(), np.einsum(equation, *[x.numpy() for x in inputs]), rtol=1e-12)
    cotangent = tf.constant(rng.normal(size=out.shape))
    theoretical, numerical = compute_gradient(lambda *xs: tf.reduce_sum(tf.einsum(equation, *xs) * cotangent), inputs)
    for t, n in zip(theoretical, numerical):
        np.testing.assert_allclose(t, n, atol=1e-7)


def test_second_derivatives_and_tracing():
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.einsum("ij,ij->", x, x * x)  # sum of x^3
        g = inner.gradient(y, x)
    np.testing.assert_allclose(g.numpy(), 3 * x.numpy() ** 2)
    np.testing.assert_allclose(outer.gradient(g, x).numpy(), 6 * x.numpy())
    f = tf.function(lambda a, b: tf.einsum("ij,jk->ik", a, b))
    np.testing.assert_array_equal(f(tf.ones([2, 3]), tf.ones([3, 2])).numpy(), np.full((2, 2), 3.0))
    assert "Einsum(a, b, equation='ij,jk->ik')" in str(f.get_concrete_function(tf.ones([2, 3]), tf.ones([3, 2])).graph)
    assert tf.linalg.einsum is tf.einsum


@pytest.mark.parametrize("equation, shapes, error, message", [
    ("ij,jk->ik", [(2, 3), (4, 2)], tf.errors.InvalidArgumentError,
     r"Expected dimension 3 for label 'j' \(input 0\) but input 1 of shape \[4,2\] has 4 \[Op:Einsum\]"),
    ("ij", [(2,)], tf.errors.InvalidArgumentError, "Input 0 to einsum has rank 1 but its subscripts 'ij' name 2"),
    ("ij,jk", [(2, 3)], ValueError, r"Invalid einsum equation 'ij,jk' for 1 input\(s\).\n  Write one term"),
    ("ij->ik", [(2, 3)], ValueError, "the output names 'k', which no input has"),
    ("i-j", [(2,)], ValueError, "Invalid einsum equation 'i-j'"),
    ("...ij->ij", [(2, 3)], ValueError, "'...' must be in the output exactly when it is in an input"),
    ("ij->...ij", [(2, 3)], ValueError, "'...' must be in the output exactly when it is in an input"),
    ("i->ii", [(2,)], ValueError, "the output 'ii' names a letter twice"),
    ("ii->i", [(2, 3)], tf.errors.InvalidArgumentError, "label 'i'"),
])
def test_einsum_errors_name_what_is_wrong(equation, shapes, error, message):
    with pytest.raises(error, match=message):
        tf.einsum(equation, *[tf.ones(shape) for shape in shapes])


def test_einsum_needs_one_dtype():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[Op:Einsum\]"):
        tf.einsum("i,i->", tf.ones([2]), tf.ones([2], dtype=tf.float64))
