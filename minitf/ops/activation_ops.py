"""More activations, as ``tf.nn``: elu, selu, gelu, silu (swish), leaky_relu, log_sigmoid.

None of them is a primitive: each is a few element-wise ops, so its gradient (and
second derivative) comes from theirs. Where a branch could overflow (``exp`` of a
large ``x`` in elu), it is clamped first, so the unused branch never makes a nan.
"""

import math

from minitf.ops.math_ops import exp, negative, sigmoid, softplus, tanh, where
from minitf.ops.trig_ops import erf
from minitf.tensor import convert_to_tensor


def _expm1_negative_part(x):
    """``exp(min(x, 0)) - 1``: elu's negative branch, finite (and with a finite gradient) for any ``x``."""
    return exp(where(x < 0, x, 0)) - 1


def elu(features, name=None):
    """Exponential linear unit: ``x`` where ``x >= 0``, else ``exp(x) - 1``.

    >>> import minitf as tf
    >>> tf.nn.elu([-1.0, 2.0]).numpy().round(4)
    array([-0.6321,  2.    ], dtype=float32)
    """
    x = convert_to_tensor(features)
    return where(x < 0, _expm1_negative_part(x), x)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(features, name=None):
    """Scaled elu: ``scale * x`` where ``x >= 0``, else ``scale * alpha * (exp(x) - 1)`` (Klambauer et al., 2017)."""
    x = convert_to_tensor(features)
    return _SELU_SCALE * where(x < 0, _SELU_ALPHA * _expm1_negative_part(x), x)


def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit: ``x * P(X <= x)`` for a standard normal ``X``.

    Exactly ``0.5 * x * (1 + erf(x / sqrt(2)))``; with ``approximate=True`` the tanh
    formula ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x ** 3)))``.
    """
    x = convert_to_tensor(features)
    if approximate:
        return 0.5 * x * (1 + tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)))
    return 0.5 * x * (1 + erf(x * (1 / math.sqrt(2))))


def silu(features, beta=1.0, name=None):
    """Sigmoid linear unit, also called swish: ``x * sigmoid(beta * x)``."""
    x = convert_to_tensor(features)
    return x * sigmoid(x * beta)


def swish(features, beta=1.0, name=None):
    """Another name for :func:`silu`: ``x * sigmoid(beta * x)``."""
    return silu(features, beta)


def leaky_relu(features, alpha=0.2, name=None):
    """Leaky rectifier: ``x`` where ``x > 0``, else ``alpha * x`` (so the gradient is never exactly 0)."""
    x = convert_to_tensor(features)
    return where(x > 0, x, x * alpha)


def log_sigmoid(x, name=None):
    """``log(sigmoid(x))`` without overflow: ``-softplus(-x)``.

    Exact for any ``x``; its gradient is ``1 - sigmoid(x)`` (0.5 at 0).
    """
    return negative(softplus(negative(x)))


__all__ = ["elu", "selu", "gelu", "silu", "swish", "leaky_relu", "log_sigmoid"]
