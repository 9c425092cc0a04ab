"""The ``minitf.math`` namespace, as ``tf.math``: element-wise math and reductions."""

from minitf.ops.math_ops import (  # noqa: F401
    abs, add, add_n, cast, divide, equal, exp, floordiv, floormod, greater, greater_equal, less, less_equal,
    log, log1p, logical_and, logical_not, logical_or, maximum, minimum, mod, multiply, negative, not_equal, pow,
    reciprocal, rsqrt, sigmoid, sign, softplus, sqrt, square, squared_difference, subtract, tanh, truediv,
)
from minitf.ops.reduction_ops import (  # noqa: F401
    argmax, argmin, reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean, reduce_min, reduce_prod,
    reduce_std, reduce_sum, reduce_variance,
)
