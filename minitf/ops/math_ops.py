"""Element-wise math: arithmetic, exp/log, tanh, comparisons, casts, and their compositions.

Each primitive sits beside its gradient rule; ops without a rule of their own
(``square``, ``sigmoid``, ``clip_by_value``...) are compositions of primitives and
get their gradients from them. Python numbers and NumPy arrays used with a
tensor take the tensor's dtype, as in TensorFlow; two tensors must already agree.
"""

import numpy as np

from minitf import dtypes
from minitf.errors import InvalidArgumentError, shape_text
from minitf.ops import checks
from minitf.primitive import Primitive, bind
from minitf.tensor import Tensor, _scalar_constant, convert_to_tensor


def binary_operands(x, y):
    """Make ``x`` and ``y`` tensors; a non-tensor takes the dtype of the tensor beside it."""
    if isinstance(x, Tensor):
        return x, (y if isinstance(y, Tensor) else _operand_like(y, x))
    if isinstance(y, Tensor):
        return _operand_like(x, y), y
    x = convert_to_tensor(x)
    return x, convert_to_tensor(y, dtype_hint=x.dtype)


def _operand_like(value, tensor):
    """``value`` as a tensor of ``tensor``'s dtype; a Python number beside a float tensor is a cached constant."""
    if (value.__class__ is float or value.__class__ is int) and tensor._value.dtype.kind == "f":
        return _scalar_constant(value, tensor._value.dtype)  # `x * 0.5`, `2 * x`: the same tensor every step
    return convert_to_tensor(value, dtype=tensor.dtype)


def _binary(prim):
    def op(x, y, name=None):
        if x.__class__ is not Tensor or y.__class__ is not Tensor:  # numbers, lists, arrays (variables pass)
            x, y = binary_operands(x, y)
        return bind(prim, x, y)

    return op


def _unary(prim):
    def op(x, name=None):
        return bind(prim, x if x.__class__ is Tensor else convert_to_tensor(x))

    return op


# add: d(x + y) = dy, dy
Add = Primitive(
    "Add", lambda xp, x, y: x + y,
    vjp=(lambda dy, out, x, y: dy, lambda dy, out, x, y: dy),
    check=checks.elementwise("Add"),
)
add = _binary(Add)
add.__doc__ = "Return ``x + y`` element-wise, broadcasting shapes."

# subtract: d(x - y) = dy, -dy
Sub = Primitive(
    "Sub", lambda xp, x, y: x - y,
    vjp=(lambda dy, out, x, y: dy, lambda dy, out, x, y: negative(dy)),
    check=checks.elementwise("Sub"),
)
subtract = _binary(Sub)
subtract.__doc__ = "Return ``x - y`` element-wise, broadcasting shapes."

# multiply: d(x * y) = dy * y, dy * x
Mul = Primitive(
    "Mul", lambda xp, x, y: x * y,
    vjp=(lambda dy, out, x, y: dy * y, lambda dy, out, x, y: dy * x),
    check=checks.elementwise("Mul"),
)
multiply = _binary(Mul)
multiply.__doc__ = "Return ``x * y`` element-wise, broadcasting shapes."

# real division: d(x / y) = dy / y, -dy * out / y
RealDiv = Primitive(
    "RealDiv", lambda xp, x, y: x / y,
    vjp=(lambda dy, out, x, y: dy / y, lambda dy, out, x, y: negative(dy) * out / y),
    check=checks.elementwise("RealDiv"),
)


def divide(x, y, name=None):
    """Return ``x / y``. Integer tensors are divided as floats (float64), as TensorFlow's truediv."""
    x, y = binary_operands(x, y)
    if x.dtype.is_integer and y.dtype == x.dtype:
        wide = dtypes.float32 if x.dtype.size <= 2 else dtypes.float64
        x, y = cast(x, wide), cast(y, wide)
    return bind(RealDiv, x, y)


truediv = divide

# divide_no_nan: x / y, and 0 where y == 0 (metrics divide by counts that may still be 0)
#   d/dx = dy (/) y, d/dy = dy * (-x (/) y) (/) y, where (/) is divide_no_nan itself
def _div_no_nan(xp, x, y):
    q = x / y
    if not y.ndim and xp is np:  # one divisor on the CPU (a metric's count): test it in Python
        return q if y != 0 else xp.zeros_like(q)  # (on a GPU that test would copy y back: use where)
    return xp.where(y == 0, q.dtype.type(0), q)


DivNoNan = Primitive(
    "DivNoNan", _div_no_nan,
    vjp=(lambda dy, out, x, y: bind(DivNoNan, dy, y),
         lambda dy, out, x, y: dy * bind(DivNoNan, bind(DivNoNan, negative(x), y), y)),
    check=checks.elementwise("DivNoNan"),
)


def divide_no_nan(x, y, name=None):
    """Return ``x / y``, with 0 wherever ``y`` is 0 (instead of inf or nan).

    >>> import minitf as tf
    >>> tf.math.divide_no_nan(tf.constant([3., 1.]), tf.constant([2., 0.])).numpy()
    array([1.5, 0. ], dtype=float32)
    """
    x, y = binary_operands(x, y)
    checks.floating("DivNoNan", x)
    return bind(DivNoNan, x, y)


# negative: d(-x) = -dy
Neg = Primitive("Neg", lambda xp, x: -x, vjp=(lambda dy, out, x: negative(dy),))
negative = _unary(Neg)
negative.__doc__ = "Return ``-x`` element-wise."

# floor division and modulo: piecewise constant, so not differentiable (as in TensorFlow)
FloorDiv = Primitive("FloorDiv", lambda xp, x, y: x // y, check=checks.elementwise("FloorDiv"))
floordiv = _binary(FloorDiv)
FloorMod = Primitive("FloorMod", lambda xp, x, y: x % y, check=checks.elementwise("FloorMod"))
floormod = mod = _binary(FloorMod)


# pow: d(x ** y) = dy * y * x ** (y - 1), and dy * out * log(x) where x > 0
def _pow_dy(dy, out, x, y):
    return where(x > 0, dy * out * log(where(x > 0, x, ones_like(x))), zeros_like(out))


Pow = Primitive(
    "Pow", lambda xp, x, y: x ** y,
    vjp=(lambda dy, out, x, y: dy * y * x ** (y - 1), _pow_dy),
    check=checks.elementwise("Pow"),
)
pow = _binary(Pow)
pow.__doc__ = "Return ``x ** y`` element-wise."


def _floating_unary(name, impl, rule):
    prim = Primitive(name, impl, vjp=(rule,), check=lambda x: checks.floating(name, x))
    return prim, _unary(prim)


# exp: d exp(x) = dy * out
Exp, exp = _floating_unary("Exp", lambda xp, x: xp.exp(x), lambda dy, out, x: dy * out)
exp.__doc__ = "Return ``e ** x`` element-wise."
# log: d log(x) = dy / x
Log, log = _floating_unary("Log", lambda xp, x: xp.log(x), lambda dy, out, x: dy / x)
log.__doc__ = "Return the natural logarithm of ``x`` element-wise (``-inf`` at 0)."
# sqrt: d sqrt(x) = dy / (2 * out)
Sqrt, sqrt = _floating_unary("Sqrt", lambda xp, x: xp.sqrt(x), lambda dy, out, x: dy / (2 * out))
sqrt.__doc__ = "Return the square root of ``x`` element-wise."
# tanh: d tanh(x) = dy * (1 - out ** 2), fused into one op as TensorFlow's TanhGrad
#   TanhGrad(y, dy) = dy * (1 - y ** 2); its own gradients: d/dy = -2 y dy g, d/d(dy) = TanhGrad(y, g)
TanhGrad = Primitive(
    "TanhGrad", lambda xp, y, dy: dy * (1 - y * y),
    vjp=(lambda g, out, y, dy: g * dy * (-2 * y), lambda g, out, y, dy: bind(TanhGrad, y, g)),
)
Tanh, tanh = _floating_unary("Tanh", lambda xp, x: xp.tanh(x), lambda dy, out, x: bind(TanhGrad, out, dy))
tanh.__doc__ = "Return the hyperbolic tangent of ``x`` element-wise."

# sign: piecewise constant, not differentiable
Sign = Primitive("Sign", lambda xp, x: xp.sign(x))
sign = _unary(Sign)

# abs: d |x| = dy * sign(x)
Abs = Primitive("Abs", lambda xp, x: xp.abs(x), vjp=(lambda dy, out, x: dy * sign(x),))
abs = _unary(Abs)
abs.__doc__ = "Return ``|x|`` element-wise."

# maximum/minimum: the gradient goes to the input that was chosen (x on ties)
Maximum = Primitive(
    "Maximum", lambda xp, x, y: xp.maximum(x, y),
    vjp=(lambda dy, out, x, y: where(x >= y, dy, zeros_like(dy)),
         lambda dy, out, x, y: where(x >= y, zeros_like(dy), dy)),
    check=checks.elementwise("Maximum"),
)
maximum = _binary(Maximum)
maximum.__doc__ = "Return the larger of ``x`` and ``y`` element-wise."
Minimum = Primitive(
    "Minimum", lambda xp, x, y: xp.minimum(x, y),
    vjp=(lambda dy, out, x, y: where(x <= y, dy, zeros_like(dy)),
         lambda dy, out, x, y: where(x <= y, zeros_like(dy), dy)),
    check=checks.elementwise("Minimum"),
)
minimum = _binary(Minimum)
minimum.__doc__ = "Return the smaller of ``x`` and ``y`` element-wise."


# cast: the gradient is cast back to the input's dtype
Cast = Primitive(
    "Cast", lambda xp, x, dtype: x.astype(dtype._np),
    vjp=(lambda dy, out, x, dtype: cast(dy, x.dtype),),
)


def cast(x, dtype, name=None):
    """Return ``x`` converted to ``dtype`` (floats to ints truncate toward zero, as TensorFlow)."""
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype)
    if x._value.dtype == dtype._np:
        return x
    return bind(Cast, x, dtype=dtype)


# comparisons and logic: boolean outputs, not differentiable
def _comparison(name, impl):
    prim = Primitive(name, impl, check=checks.elementwise(name))
    return prim, _binary(prim)


Equal, equal = _comparison("Equal", lambda xp, x, y: x == y)
NotEqual, not_equal = _comparison("NotEqual", lambda xp, x, y: x != y)
Less, less = _comparison("Less", lambda xp, x, y: x < y)
LessEqual, less_equal = _comparison("LessEqual", lambda xp, x, y: x <= y)
Greater, greater = _comparison("Greater", lambda xp, x, y: x > y)
GreaterEqual, greater_equal = _comparison("GreaterEqual", lambda xp, x, y: x >= y)


def _check_bool(name):
    def check(*tensors):
        for tensor in tensors:
            if not tensor.dtype.is_bool:
                raise InvalidArgumentError(
                    f"{name} expects bool tensors, got {tensor.dtype.name}", name,
                    "Compare first (x > 0) or minitf.cast(x, minitf.bool).",
                )

    return check


LogicalAnd = Primitive("LogicalAnd", lambda xp, x, y: x & y, check=_check_bool("LogicalAnd"))
logical_and = _binary(LogicalAnd)
LogicalOr = Primitive("LogicalOr", lambda xp, x, y: x | y, check=_check_bool("LogicalOr"))
logical_or = _binary(LogicalOr)
LogicalNot = Primitive("LogicalNot", lambda xp, x: ~x, check=_check_bool("LogicalNot"))
logical_not = _unary(LogicalNot)


# where(cond, x, y): the gradient goes to the branch that was chosen
def _check_select(cond, x, y):
    if not cond.dtype.is_bool:
        raise InvalidArgumentError(
            f"condition must be a bool tensor, got {cond.dtype.name}", "SelectV2",
            "Build the condition with a comparison, e.g. minitf.where(x > 0, x, y).",
        )
    checks.same_dtypes("SelectV2", x, y)
    checks.broadcast_shapes("SelectV2", checks.broadcast_shapes("SelectV2", cond._value.shape, x._value.shape),
                            y._value.shape)


Select = Primitive(
    "SelectV2", lambda xp, cond, x, y: xp.where(cond, x, y),
    vjp=(None,
         lambda dy, out, cond, x, y: where(cond, dy, zeros_like(dy)),
         lambda dy, out, cond, x, y: where(cond, zeros_like(dy), dy)),
    check=_check_select,
)

Where = Primitive("Where", lambda xp, cond: xp.argwhere(cond).astype("int64"))


def where(condition, x=None, y=None, name=None):
    """Pick ``x`` where ``condition`` is true and ``y`` elsewhere (shapes broadcast).

    With only ``condition``, return the int64 coordinates of its true elements.
    """
    condition = convert_to_tensor(condition)
    if x is None and y is None:
        return bind(Where, condition)
    if x is None or y is None:
        raise ValueError("minitf.where needs both x and y, or neither.")
    x, y = binary_operands(x, y)
    return bind(Select, condition, x, y)


# zeros_like/ones_like take their shape from a tensor at run time, so traced graphs stay general.
ZerosLike = Primitive("ZerosLike", lambda xp, x, dtype: xp.zeros(x.shape, dtype._np))
OnesLike = Primitive("OnesLike", lambda xp, x, dtype: xp.ones(x.shape, dtype._np))


def zeros_like(input, dtype=None, name=None):
    """Return zeros with the shape of ``input`` (and its dtype unless ``dtype`` is given)."""
    input = convert_to_tensor(input)
    return bind(ZerosLike, input, dtype=dtypes.as_dtype(dtype) if dtype else input.dtype)


def ones_like(input, dtype=None, name=None):
    """Return ones with the shape of ``input`` (and its dtype unless ``dtype`` is given)."""
    input = convert_to_tensor(input)
    return bind(OnesLike, input, dtype=dtypes.as_dtype(dtype) if dtype else input.dtype)


# square: d x**2 = dy * 2x (a primitive, as in TensorFlow: one rule instead of two Mul rules and a sum)
Square = Primitive("Square", lambda xp, x: x * x, vjp=(lambda dy, out, x: dy * (x + x),))  # 2x as x + x: exact
square = _unary(Square)
square.__doc__ = "Return ``x * x`` element-wise."


# Compositions: no gradient rule of their own.

def reciprocal(x, name=None):
    """Return ``1 / x``."""
    x = convert_to_tensor(x)
    return divide(ones_like(x), x)


def rsqrt(x, name=None):
    """Return ``1 / sqrt(x)``."""
    return reciprocal(sqrt(x))


def sigmoid(x, name=None):
    """Return ``1 / (1 + exp(-x))``, computed as ``(tanh(x / 2) + 1) / 2`` so it never overflows."""
    x = convert_to_tensor(x)
    return (tanh(x * 0.5) + 1) * 0.5


def softplus(features, name=None):
    """Return ``log(1 + exp(x))`` without overflow: ``max(x, 0) + log(1 + exp(-|x|))``."""
    x = convert_to_tensor(features)
    return maximum(x, zeros_like(x)) + log(1 + exp(negative(abs(x))))


def log1p(x, name=None):
    """Return ``log(1 + x)``."""
    return log(1 + convert_to_tensor(x))


def squared_difference(x, y, name=None):
    """Return ``(x - y) ** 2`` element-wise."""
    return square(subtract(x, y))


def add_n(inputs, name=None):
    """Return the element-wise sum of a list of tensors of the same shape and dtype."""
    inputs = [convert_to_tensor(t) for t in inputs]
    if not inputs:
        raise ValueError("add_n needs at least one tensor.")
    for t in inputs[1:]:
        if t._value.shape != inputs[0]._value.shape:
            raise InvalidArgumentError(
                f"Inputs to operation AddN must have the same size and shape. Input 0: "
                f"{shape_text(inputs[0].shape)} != input: {shape_text(t.shape)}", "AddN",
            )
    total = inputs[0]
    for t in inputs[1:]:
        total = add(total, t)
    return total


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clamp ``t`` to ``[clip_value_min, clip_value_max]``; the gradient is zero outside it."""
    t = convert_to_tensor(t)
    return minimum(maximum(t, clip_value_min), clip_value_max)
