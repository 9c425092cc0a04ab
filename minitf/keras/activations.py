"""Activation functions, as ``keras.activations``: relu, sigmoid, softmax and friends.

Each one is a composition of minitf ops, so its gradient comes from the tape
with no rule of its own. ``get`` turns the names layers accept
(``Dense(10, activation="relu")``) into these functions. Activation *layers*
live in ``keras.layers``, not here.
"""

import weakref

import minitf as tf
from minitf.keras import _lookup

__all__ = ["celu", "deserialize", "elu", "exponential", "gelu", "get", "glu", "hard_shrink", "hard_sigmoid",
           "hard_silu", "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
           "relu", "relu6", "selu", "serialize", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
           "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink", "threshold"]

# id(probabilities) -> the logits they came from, while the probabilities exist (as tf.keras sets _keras_logits)
_LOGITS = {}


def remember_logits(probabilities, logits):
    """Remember that ``probabilities`` came from ``logits``, so a cross-entropy can use the logits instead."""
    key = id(probabilities)
    _LOGITS[key] = logits
    weakref.finalize(probabilities, _LOGITS.pop, key, None)


def logits_of(probabilities):
    """The logits ``probabilities`` came from (a Keras softmax or sigmoid output), or None."""
    return _LOGITS.get(id(probabilities))


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: ``max(x, 0)``, optionally leaky below ``threshold`` and capped at ``max_value``.

    >>> import minitf as tf
    >>> relu(tf.constant([-3., 0.5, 7.]), max_value=6.).numpy()
    array([0. , 0.5, 6. ], dtype=float32)
    """
    x = tf.convert_to_tensor(x)
    if negative_slope == 0 and max_value is None and threshold == 0:
        return tf.nn.relu(x)
    out = tf.where(x > threshold, x, negative_slope * (x - threshold) if negative_slope else tf.zeros_like(x))
    if max_value is not None:
        out = tf.minimum(out, max_value)
    return out


def leaky_relu(x, negative_slope=0.2):
    """``x`` for positive inputs, ``negative_slope * x`` for negative ones (``minitf.nn.leaky_relu``)."""
    return tf.nn.leaky_relu(x, alpha=negative_slope)


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return tf.clip_by_value(x, 0, 6)


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)`` (``minitf.nn.elu`` scaled)."""
    x = tf.convert_to_tensor(x)
    out = tf.nn.elu(x)
    return out if alpha == 1.0 else tf.where(x > 0, x, alpha * out)


def selu(x):
    """Scaled ELU (Klambauer et al., 2017), ``minitf.nn.selu``: keeps activations normalized.

    Use it with ``kernel_initializer="lecun_normal"``.
    """
    return tf.nn.selu(x)


def sigmoid(x):
    """``1 / (1 + exp(-x))``, computed without overflow.

    The result remembers ``x`` (as tf.keras does), so a binary cross-entropy of it is computed from the logits.
    """
    out = tf.sigmoid(x)
    remember_logits(out, x)
    return out


def tanh(x):
    """Hyperbolic tangent."""
    return tf.tanh(x)


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis``: turns scores into probabilities that sum to 1.

    The result remembers ``x`` (as tf.keras does), so a cross-entropy of it is computed from the logits:
    fewer ops, and no ``log`` of a probability that rounded to 0.
    """
    out = tf.nn.softmax(x, axis=axis)
    if axis in (-1, out.ndim - 1):
        remember_logits(out, x)
    return out


def log_softmax(x, axis=-1):
    """``log(softmax(x))`` computed stably."""
    return tf.nn.log_softmax(x, axis=axis)


def softplus(x):
    """``log(1 + exp(x))``, a smooth relu."""
    return tf.math.softplus(x)


def softsign(x):
    """``x / (1 + |x|)``."""
    x = tf.convert_to_tensor(x)
    return x / (1 + tf.abs(x))


def silu(x):
    """Swish / SiLU (Ramachandran et al., 2017): ``x * sigmoid(x)`` (``minitf.nn.silu``)."""
    return tf.nn.silu(x)


swish = silu


def gelu(x, approximate=False):
    """Gaussian error linear unit (Hendrycks & Gimpel, 2016): ``x * P(X <= x)`` for a standard normal X.

    ``approximate=True`` uses the tanh formula (``minitf.nn.gelu``).
    """
    return tf.nn.gelu(x, approximate=approximate)


def hard_sigmoid(x):
    """A piecewise-linear sigmoid: ``relu6(x + 3) / 6``."""
    x = tf.convert_to_tensor(x)
    return tf.clip_by_value(x + 3, 0, 6) / 6


def hard_silu(x):
    """Hard SiLU / hard swish (Howard et al., 2019): ``x * hard_sigmoid(x)``, a piecewise-quadratic silu."""
    x = tf.convert_to_tensor(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``, computed without overflow for large ``|x|`` (``minitf.nn.log_sigmoid``)."""
    return tf.nn.log_sigmoid(x)


def mish(x):
    """Mish (Misra, 2019): ``x * tanh(softplus(x))``."""
    x = tf.convert_to_tensor(x)
    return x * tf.tanh(tf.math.softplus(x))


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0)``."""
    x = tf.convert_to_tensor(x)
    return tf.maximum(x, 0.0) + alpha * (tf.exp(tf.minimum(x, 0.0) / alpha) - 1)  # no exp of a large x


def hard_tanh(x):
    """``x`` clipped to ``[-1, 1]``."""
    return tf.clip_by_value(tf.convert_to_tensor(x), -1.0, 1.0)


def tanh_shrink(x):
    """``x - tanh(x)``."""
    x = tf.convert_to_tensor(x)
    return x - tf.tanh(x)


def soft_shrink(x, threshold=0.5):
    """Move ``x`` toward 0 by ``threshold``; values within ``threshold`` of 0 become 0."""
    x = tf.convert_to_tensor(x)
    return tf.where(x > threshold, x - threshold, tf.where(x < -threshold, x + threshold, tf.zeros_like(x)))


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    x = tf.convert_to_tensor(x)
    return tf.where(tf.abs(x) > threshold, x, tf.zeros_like(x))


def squareplus(x, b=4):
    """Squareplus (Barron, 2021): ``(x + sqrt(x ** 2 + b)) / 2``, a softplus made of a square root."""
    x = tf.convert_to_tensor(x)
    return (x + tf.sqrt(x * x + b)) / 2


def sparse_plus(x):
    """0 below -1, ``x`` above 1, and ``(x + 1) ** 2 / 4`` in between: a smooth relu with compact support."""
    x = tf.convert_to_tensor(x)
    middle = tf.square(x + 1) / 4
    return tf.where(x <= -1, tf.zeros_like(x), tf.where(x >= 1, x, middle))


def sparse_sigmoid(x):
    """0 below -1, 1 above 1, and ``(x + 1) / 2`` in between."""
    return tf.clip_by_value((tf.convert_to_tensor(x) + 1) / 2, 0.0, 1.0)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    x = tf.convert_to_tensor(x)
    return tf.where(x > threshold, x, tf.fill(tf.shape(x), tf.cast(default_value, x.dtype)))


def glu(x, axis=-1):
    """Gated linear unit (Dauphin et al., 2017): split ``x`` in two halves ``a, b`` along ``axis``; ``a * sigmoid(b)``.

    Raises:
        ValueError: the size of ``axis`` is odd.
    """
    x = tf.convert_to_tensor(x)
    size = x.shape[axis]
    if size is None or size % 2:
        raise ValueError(f"axis size must be divisible by 2. Received: inputs.shape={tuple(x.shape)}, axis={axis}")
    a, b = tf.split(x, 2, axis=axis)
    return a * tf.sigmoid(b)


def sparsemax(x, axis=-1):
    """Sparsemax (Martins & Astudillo, 2016): the closest probability vector to ``x``; many entries are exactly 0.

    With ``z`` sorted in decreasing order and ``k`` the number of ``j`` (1-based) where
    ``1 + j * z_j > z_1 + ... + z_j``, the threshold is ``tau = (z_1 + ... + z_k - 1) / k`` and the
    result ``max(x - tau, 0)``, which sums to 1 along ``axis``.
    """
    x = tf.convert_to_tensor(x)
    ranks = tf.cast(tf.range(1, x.shape[axis] + 1), x.dtype)
    shape = [1] * x.shape.rank
    shape[axis] = -1
    ranks = tf.reshape(ranks, shape)
    z = tf.sort(x, axis=axis, direction="DESCENDING")
    cumulative = tf.cumsum(z, axis=axis)
    support = tf.cast(1 + ranks * z > cumulative, x.dtype)
    k = tf.reduce_sum(support, axis=axis, keepdims=True)
    tau = (tf.reduce_sum(support * z, axis=axis, keepdims=True) - 1) / k  # z_1 + ... + z_k: the support's sum
    return tf.maximum(x - tau, 0.0)


def exponential(x):
    """``exp(x)``."""
    return tf.exp(x)


def linear(x):
    """The identity: returns ``x`` unchanged (what ``activation=None`` means)."""
    return x


_TABLE = {fn.__name__: fn for fn in (
    celu, elu, exponential, gelu, glu, hard_shrink, hard_sigmoid, hard_silu, hard_tanh, leaky_relu, linear,
    log_sigmoid, log_softmax, mish, relu, relu6, selu, sigmoid, silu, soft_shrink, softmax, softplus, softsign,
    sparse_plus, sparse_sigmoid, sparsemax, squareplus, tanh, tanh_shrink, threshold)}
_TABLE["swish"] = silu  # Keras 3's aliases
_TABLE["hard_swish"] = hard_silu


def get(identifier):
    """Return the activation function named by ``identifier``; ``None`` means ``linear``.

    >>> get("relu") is relu, get(None) is linear
    (True, True)

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if identifier is None:
        return linear
    return _lookup.resolve(identifier, _TABLE, "activation function")


def serialize(activation):
    """The name of an activation function, as layers store it in their config.

    >>> serialize(relu)
    'relu'
    """
    for name, fn in _TABLE.items():
        if fn is activation:
            return "silu" if fn is silu else name
    name = getattr(activation, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize activation {activation!r}: it has no name. Use a named function.")
    return name


def deserialize(name, custom_objects=None):
    """The activation function for ``name``, looking in ``custom_objects`` first."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return get(name)
