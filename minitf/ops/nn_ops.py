"""Neural-network ops: activations and the numerically stable cross-entropies.

All of them are compositions of primitives, written so they stay finite at
extreme inputs (logits of +-1e4): softmax subtracts the maximum before ``exp``,
the cross-entropies never take ``log`` of a probability that could round to 0.
"""

import numpy as np

from minitf.errors import InvalidArgumentError, shape_text
from minitf.ops import checks
from minitf.ops.array_ops import expand_dims, one_hot, squeeze, stop_gradient
from minitf.ops.math_ops import exp, log, negative, sigmoid, softplus, square, where
from minitf.ops.reduction_ops import reduce_max, reduce_mean, reduce_sum
from minitf.primitive import Primitive, bind
from minitf.tensor import convert_to_tensor

__all__ = ["relu", "sigmoid", "softmax", "log_softmax", "sigmoid_cross_entropy_with_logits",
           "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits", "l2_loss", "moments"]


# relu: d relu(x) = dy where out > 0, else 0 (also at x = 0)
def _relu(xp, x):
    return xp.maximum(x, x.dtype.type(0))


def _relu_grad(dy, out, x):
    return where(out > 0, dy, 0)


Relu = Primitive("Relu", _relu, vjp=(_relu_grad,), check=checks.floating_input("Relu"))


def relu(features, name=None):
    """Rectified linear unit: ``max(x, 0)``; its gradient is 1 where ``x > 0`` and 0 elsewhere."""
    return bind(Relu, convert_to_tensor(features))


def log_softmax(logits, axis=-1, name=None):
    """``log(softmax(x))`` computed as ``x - max - log(sum(exp(x - max)))``: no overflow, no log(0)."""
    x = convert_to_tensor(logits)
    shifted = x - stop_gradient(reduce_max(x, axis, keepdims=True))
    return shifted - log(reduce_sum(exp(shifted), axis, keepdims=True))


# softmax: one op, as TensorFlow's; d softmax(x) = out * (dy - sum(dy * out, axis))
def _softmax(xp, x, axis):
    if x.size == 0:  # nothing to normalize: an empty axis, or an empty batch
        return x.copy()
    e = xp.exp(x - x.max(axis=axis, keepdims=True))  # the maximum is subtracted first: exp never overflows
    e /= e.sum(axis=axis, keepdims=True)  # in place: e is a fresh array
    return e


def _softmax_grad(dy, out, x, axis):
    return out * (dy - reduce_sum(dy * out, axis, keepdims=True))


def _check_softmax(x, axis):
    checks.floating("Softmax", x)


Softmax = Primitive("Softmax", _softmax, vjp=(_softmax_grad,), check=_check_softmax)


def softmax(logits, axis=-1, name=None):
    """Exponentials normalized to sum to 1 along ``axis``.

    >>> import minitf as tf
    >>> tf.nn.softmax(tf.constant([0.0, 0.0])).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    x = convert_to_tensor(logits)
    return bind(Softmax, x, axis=checks.normalize_axis("Softmax", axis, x.ndim)[0])


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Binary cross-entropy from logits: ``softplus(x) - x * z``, i.e. ``max(x, 0) - x * z + log(1 + exp(-|x|))``.

    Equal to ``-z log(sigmoid(x)) - (1 - z) log(1 - sigmoid(x))`` but finite for any ``x``; the gradient at
    ``x = 0`` is ``0.5 - z``, as TensorFlow's.
    """
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype=logits.dtype)
    if labels._value.shape != logits._value.shape:
        raise ValueError(f"logits and labels must have the same shape, received ({logits.shape} vs {labels.shape}).")
    return softplus(logits) - logits * labels


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """Cross-entropy between probability ``labels`` and ``softmax(logits)``, per example."""
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype=logits.dtype)
    if labels._value.shape != logits._value.shape:
        raise InvalidArgumentError(
            f"logits and labels must be broadcastable: logits_size={shape_text(logits.shape)} "
            f"labels_size={shape_text(labels.shape)}", "SoftmaxCrossEntropyWithLogits")
    return negative(reduce_sum(labels * log_softmax(logits, axis), axis))


# sparse softmax cross-entropy: one op, as TensorFlow's, so the labels are validated whenever it runs
# (a replayed graph too); d loss / d logits = dy * (softmax(logits) - one_hot(labels))
def _check_sparse_xent(logits, labels):
    if not labels.dtype.is_integer:
        raise InvalidArgumentError(
            f"labels must be int32 or int64, got {labels.dtype.name}", "SparseSoftmaxCrossEntropyWithLogits",
            "Sparse labels are class indices; use softmax_cross_entropy_with_logits for probabilities.")
    checks.floating("SparseSoftmaxCrossEntropyWithLogits", logits)
    if labels._value.shape != logits._value.shape[:-1]:
        raise InvalidArgumentError(
            f"logits and labels must have the same first dimension, got logits shape "
            f"{shape_text(logits.shape)} and labels shape {shape_text(labels.shape)}",
            "SparseSoftmaxCrossEntropyWithLogits")


def _check_labels(labels, classes):
    bad = checks.first_out_of_range(labels, classes)
    if bad is not None:
        raise InvalidArgumentError(
            f"Received a label value of {bad} which is outside the valid range of [0, {classes}).",
            "SparseSoftmaxCrossEntropyWithLogits",
            f"Label values: {labels.ravel()[:10].tolist()}{'...' if labels.size > 10 else ''}")


def _label_index(xp, labels, classes):
    """The labels as class indices, and which are outside ``[0, classes)`` (None on the CPU, where they raise).

    On the CPU a bad label raises, as TensorFlow's CPU kernel. On a GPU, checking would copy the labels
    to the host and stall every step: there, as with TensorFlow's GPU kernel, their rows are NaN.
    """
    if xp is np:
        return labels.ravel(), None
    return labels.ravel() % classes, ((labels < 0) | (labels >= classes)).ravel()


def _sparse_xent(xp, logits, labels):
    classes = logits.shape[-1]
    if xp is np:
        _check_labels(labels, classes)  # here, not in a check: a replayed graph validates its labels too
    index, bad = _label_index(xp, labels, classes)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = (shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))).reshape(-1, classes)
    loss = -log_probs[xp.arange(log_probs.shape[0]), index]
    return (loss if bad is None else xp.where(bad, xp.nan, loss)).reshape(labels.shape)


def _sparse_xent_grad(dy, out, logits, labels):
    return expand_dims(dy, -1) * (softmax(logits) - one_hot(labels, logits.shape[-1], dtype=logits.dtype))


SparseSoftmaxCrossEntropyWithLogits = Primitive(
    "SparseSoftmaxCrossEntropyWithLogits", _sparse_xent, vjp=(_sparse_xent_grad, None), check=_check_sparse_xent)


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Cross-entropy between integer class ``labels`` and ``softmax(logits)``, per example.

    Raises:
        InvalidArgumentError: a label outside ``[0, num_classes)``, as TensorFlow does on CPU.
    """
    return bind(SparseSoftmaxCrossEntropyWithLogits, convert_to_tensor(logits), convert_to_tensor(labels))


def l2_loss(t, name=None):
    """Half the sum of squares: ``sum(t ** 2) / 2``."""
    t = convert_to_tensor(t)
    return reduce_sum(t * t) / 2


def moments(x, axes, keepdims=False, name=None):
    """Return the mean and (population) variance of ``x`` over ``axes``."""
    x = convert_to_tensor(x)
    mean = reduce_mean(x, axes, keepdims=True)
    variance = reduce_mean(square(x - stop_gradient(mean)), axes, keepdims=True)
    if not keepdims:
        mean, variance = squeeze(mean, axes), squeeze(variance, axes)
    return mean, variance

