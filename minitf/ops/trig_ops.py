"""Trigonometry and the error function: sin and cos (primitives), tan (composed), erf (a primitive).

Sine and cosine cannot be built from the other primitives (minitf has no complex
numbers), so each is a primitive whose gradient is the other one. ``erf`` is a
primitive too: its forward needs a series, but its gradient is a plain composition.
"""

import math

import numpy as np

from minitf.ops import checks
from minitf.ops.math_ops import exp, negative, square
from minitf.primitive import Primitive, bind
from minitf.tensor import convert_to_tensor


# Sin: d sin(x) = dy * cos(x)
def _sin(xp, x):
    return xp.sin(x)


def _sin_grad(dy, out, x):
    return dy * cos(x)


Sin = Primitive("Sin", _sin, vjp=(_sin_grad,), check=checks.floating_input("Sin"))


def sin(x, name=None):
    """Return the sine of ``x`` element-wise (radians).

    >>> import minitf as tf
    >>> float(tf.math.sin(0.0))
    0.0
    """
    return bind(Sin, convert_to_tensor(x))


# Cos: d cos(x) = -dy * sin(x)
def _cos(xp, x):
    return xp.cos(x)


def _cos_grad(dy, out, x):
    return negative(dy * sin(x))


Cos = Primitive("Cos", _cos, vjp=(_cos_grad,), check=checks.floating_input("Cos"))


def cos(x, name=None):
    """Return the cosine of ``x`` element-wise (radians)."""
    return bind(Cos, convert_to_tensor(x))


def tan(x, name=None):
    """Return the tangent of ``x`` element-wise: ``sin(x) / cos(x)`` (its gradient comes from both)."""
    x = convert_to_tensor(x)
    return sin(x) / cos(x)


# Erf: d erf(x) = dy * 2 / sqrt(pi) * exp(-x ** 2)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _erf(xp, x):
    # erf(z) = 2/sqrt(pi) exp(-z^2) sum_n 2^n z^(2n+1) / (1*3*...*(2n+1)): every term has z's sign, so the sum
    # has no cancellation and stays accurate to float64. Beyond |z| = 6, erf is +-1 to float64 precision.
    z = xp.clip(x.astype("float64"), -6.0, 6.0)
    z2 = z * z
    # the terms peak near n = z^2; 2.5 z^2 + 25 of them reach float64 precision (measured up to |z| = 6).
    # On the host the bound comes from the largest z; a device array is not read back: it takes the most.
    terms = int(2.5 * float(np.fmax.reduce(z2, axis=None, initial=0.0))) + 25 if isinstance(z2, np.ndarray) else 115
    term = z.copy()
    total = z.copy()
    for n in range(1, terms):
        term *= 2 * z2 / (2 * n + 1)
        total += term
    return (_TWO_OVER_SQRT_PI * xp.exp(-z2) * total).astype(x.dtype)


def _erf_grad(dy, out, x):
    return dy * (_TWO_OVER_SQRT_PI * exp(negative(square(x))))


Erf = Primitive("Erf", _erf, vjp=(_erf_grad,), check=checks.floating_input("Erf"))


def erf(x, name=None):
    """Return the Gauss error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt`` element-wise.

    >>> import minitf as tf
    >>> round(float(tf.math.erf(1.0)), 6)
    0.842701
    """
    return bind(Erf, convert_to_tensor(x))
