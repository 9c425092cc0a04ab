"""Element-wise math: arithmetic, exp/log, tanh, comparisons, casts, and their compositions.

Each primitive sits beside its gradient rule; ops without a rule of their own
(``sigmoid``, ``softplus``, ``clip_by_value``...) are compositions of primitives and
get their gradients from them. Python numbers and NumPy arrays used with a
tensor take the tensor's dtype, as in TensorFlow; two tensors must already agree.
"""

from minitf import backend, dtypes
from minitf.errors import InvalidArgumentError, shape_text
from minitf.ops import checks
from minitf.primitive import Primitive, bind
from minitf.tensor import Tensor, convert_to_tensor, wrap


def binary_operands(x, y):
    """Make ``x`` and ``y`` tensors; a non-tensor takes the dtype of the tensor beside it."""
    if isinstance(x, Tensor):
        return x, (y if isinstance(y, Tensor) else _operand_like(y, x))
    if isinstance(y, Tensor):
        return _operand_like(x, y), y
    x = convert_to_tensor(x)
    return x, convert_to_tensor(y, dtype_hint=x.dtype)


def _operand_like(value, tensor):
    """``value`` as a tensor of ``tensor``'s dtype (a Python number beside a float tensor, as in ``x * 0.5``)."""
    if type(value) in (float, int) and tensor._value.dtype.kind == "f":  # no conversion rules to apply
        return wrap(backend.xp.asarray(value, dtype=tensor._value.dtype))
    return convert_to_tensor(value, dtype=tensor.dtype)


# add: d(x + y) = dy, dy
def _add(xp, x, y):
    return x + y


def _add_grad(dy, out, x, y):
    return dy


Add = Primitive("Add", _add, vjp=(_add_grad, _add_grad), check=checks.elementwise("Add"))


def add(x, y, name=None):
    """Return ``x + y`` element-wise, broadcasting shapes."""
    x, y = binary_operands(x, y)
    return bind(Add, x, y)


# subtract: d(x - y) = dy, -dy
def _sub(xp, x, y):
    return x - y


def _sub_grad_y(dy, out, x, y):
    return negative(dy)


Sub = Primitive("Sub", _sub, vjp=(_add_grad, _sub_grad_y), check=checks.elementwise("Sub"))


def subtract(x, y, name=None):
    """Return ``x - y`` element-wise, broadcasting shapes."""
    x, y = binary_operands(x, y)
    return bind(Sub, x, y)


# multiply: d(x * y) = dy * y, dy * x
def _mul(xp, x, y):
    return x * y


def _mul_grad_x(dy, out, x, y):
    return dy * y


def _mul_grad_y(dy, out, x, y):
    return dy * x


Mul = Primitive("Mul", _mul, vjp=(_mul_grad_x, _mul_grad_y), check=checks.elementwise("Mul"))


def multiply(x, y, name=None):
    """Return ``x * y`` element-wise, broadcasting shapes."""
    x, y = binary_operands(x, y)
    return bind(Mul, x, y)


# real division: d(x / y) = dy / y, -dy * out / y
def _div(xp, x, y):
    return x / y


def _div_grad_x(dy, out, x, y):
    return dy / y


def _div_grad_y(dy, out, x, y):
    return negative(dy) * out / y


RealDiv = Primitive("RealDiv", _div, vjp=(_div_grad_x, _div_grad_y), check=checks.elementwise("RealDiv"))


def divide(x, y, name=None):
    """Return ``x / y``. Integer tensors are divided as floats (float64), as TensorFlow's truediv."""
    x, y = binary_operands(x, y)
    if x.dtype.is_integer and y.dtype == x.dtype:
        wide = dtypes.float32 if x.dtype.size <= 2 else dtypes.float64
        x, y = cast(x, wide), cast(y, wide)
    return bind(RealDiv, x, y)


truediv = divide


# negative: d(-x) = -dy
def _neg(xp, x):
    return -x


def _neg_grad(dy, out, x):
    return negative(dy)


Neg = Primitive("Neg", _neg, vjp=(_neg_grad,))


def negative(x, name=None):
    """Return ``-x`` element-wise."""
    return bind(Neg, convert_to_tensor(x))


# floor division and modulo: piecewise constant, so not differentiable (as in TensorFlow). An integer divided by
# zero raises, as TensorFlow's kernels do; checked in the forward rule, so a replayed graph checks it too.
def _check_integer_divisor(y, op):
    if y.dtype.kind in "iu" and not y.all():
        raise InvalidArgumentError("Integer division by zero", op,
                                   "Integers have no inf: make the divisor nonzero, or cast both to a float dtype.")


def _floordiv(xp, x, y):
    _check_integer_divisor(y, "FloorDiv")
    return x // y


def _floormod(xp, x, y):
    _check_integer_divisor(y, "FloorMod")
    return x % y


FloorDiv = Primitive("FloorDiv", _floordiv, check=checks.elementwise("FloorDiv"))
FloorMod = Primitive("FloorMod", _floormod, check=checks.elementwise("FloorMod"))


def floordiv(x, y, name=None):
    """Return ``x // y``: division rounded toward minus infinity."""
    x, y = binary_operands(x, y)
    return bind(FloorDiv, x, y)


def floormod(x, y, name=None):
    """Return ``x % y``, with the sign of ``y`` (as Python's ``%``)."""
    x, y = binary_operands(x, y)
    return bind(FloorMod, x, y)


mod = floormod


# pow: d(x ** y) = dy * y * x ** (y - 1), and dy * out * log(x) for the exponent (where x > 0)
def _pow(xp, x, y):
    try:
        return x ** y
    except ValueError:  # NumPy refuses integers to negative integer powers, as TensorFlow's CPU kernel does
        raise InvalidArgumentError("Integers to negative integer powers are not allowed", "Pow",
                                   "An integer result cannot hold 1/x: cast x and y to a float dtype first.") from None


def _pow_grad_base(dy, out, x, y):
    return dy * y * x ** (y - 1)


def _pow_grad_exponent(dy, out, x, y):
    positive = x > 0
    return where(positive, dy * out * log(where(positive, x, 1)), 0)


Pow = Primitive("Pow", _pow, vjp=(_pow_grad_base, _pow_grad_exponent), check=checks.elementwise("Pow"))


def pow(x, y, name=None):
    """Return ``x ** y`` element-wise."""
    x, y = binary_operands(x, y)
    return bind(Pow, x, y)


# exp: d exp(x) = dy * out
def _exp(xp, x):
    return xp.exp(x)


def _exp_grad(dy, out, x):
    return dy * out


Exp = Primitive("Exp", _exp, vjp=(_exp_grad,), check=checks.floating_input("Exp"))


def exp(x, name=None):
    """Return ``e ** x`` element-wise."""
    return bind(Exp, convert_to_tensor(x))


# log: d log(x) = dy / x
def _log(xp, x):
    return xp.log(x)


def _log_grad(dy, out, x):
    return dy / x


Log = Primitive("Log", _log, vjp=(_log_grad,), check=checks.floating_input("Log"))


def log(x, name=None):
    """Return the natural logarithm of ``x`` element-wise (``-inf`` at 0)."""
    return bind(Log, convert_to_tensor(x))


# log1p: d log(1 + x) = dy / (1 + x); a primitive because log(1 + x) loses small x (1 + 1e-10 == 1 in float32)
def _log1p(xp, x):
    return xp.log1p(x)


def _log1p_grad(dy, out, x):
    return dy / (1 + x)


Log1p = Primitive("Log1p", _log1p, vjp=(_log1p_grad,), check=checks.floating_input("Log1p"))


def log1p(x, name=None):
    """Return ``log(1 + x)``, exact even for tiny ``x`` (``log1p(1e-10)`` is ``1e-10``, not 0)."""
    return bind(Log1p, convert_to_tensor(x))


# sqrt: d sqrt(x) = dy / (2 * out)
def _sqrt(xp, x):
    return xp.sqrt(x)


def _sqrt_grad(dy, out, x):
    return dy / (2 * out)


Sqrt = Primitive("Sqrt", _sqrt, vjp=(_sqrt_grad,), check=checks.floating_input("Sqrt"))


def sqrt(x, name=None):
    """Return the square root of ``x`` element-wise."""
    return bind(Sqrt, convert_to_tensor(x))


# tanh: d tanh(x) = dy * (1 - out ** 2)
def _tanh(xp, x):
    return xp.tanh(x)


def _tanh_grad(dy, out, x):
    return dy * (1 - out * out)


Tanh = Primitive("Tanh", _tanh, vjp=(_tanh_grad,), check=checks.floating_input("Tanh"))


def tanh(x, name=None):
    """Return the hyperbolic tangent of ``x`` element-wise."""
    return bind(Tanh, convert_to_tensor(x))


# square: d x ** 2 = dy * 2x (one primitive, as in TensorFlow: one rule instead of two Mul rules and a sum)
def _square(xp, x):
    return x * x


def _square_grad(dy, out, x):
    return dy * (x + x)  # 2x as x + x: exact


Square = Primitive("Square", _square, vjp=(_square_grad,))


def square(x, name=None):
    """Return ``x * x`` element-wise."""
    return bind(Square, convert_to_tensor(x))


# sign: piecewise constant, not differentiable
def _sign(xp, x):
    return xp.sign(x)


Sign = Primitive("Sign", _sign)


def sign(x, name=None):
    """Return -1, 0 or 1 element-wise, the sign of ``x``."""
    return bind(Sign, convert_to_tensor(x))


# abs: d |x| = dy * sign(x)
def _abs(xp, x):
    return xp.abs(x)


def _abs_grad(dy, out, x):
    return dy * sign(x)


Abs = Primitive("Abs", _abs, vjp=(_abs_grad,))


def abs(x, name=None):
    """Return ``|x|`` element-wise."""
    return bind(Abs, convert_to_tensor(x))


# maximum: the gradient goes to the input that was chosen (x on ties); minimum is built on it below
def _maximum(xp, x, y):
    return xp.maximum(x, y)


def _maximum_grad_x(dy, out, x, y):
    return where(x >= y, dy, 0)


def _maximum_grad_y(dy, out, x, y):
    return where(x >= y, 0, dy)


Maximum = Primitive("Maximum", _maximum, vjp=(_maximum_grad_x, _maximum_grad_y), check=checks.elementwise("Maximum"))


def maximum(x, y, name=None):
    """Return the larger of ``x`` and ``y`` element-wise."""
    x, y = binary_operands(x, y)
    return bind(Maximum, x, y)


def reversed_order(x):
    """``x`` mapped onto its own dtype in reverse order, as ``-x`` is for floats (and applying it twice gives ``x``).

    ``minimum``, ``reduce_min`` and ``argmin`` are ``maximum``, ``reduce_max`` and ``argmax`` of it. Integers use
    ``c - x``, which cannot overflow: ``-1 - x`` for signed ones, ``largest - x`` for unsigned ones; bools ``not x``.
    """
    if x.dtype.is_integer:
        return (-1 if not x.dtype.is_unsigned else x.dtype.max) - x
    return logical_not(x) if x.dtype.is_bool else negative(x)


def minimum(x, y, name=None):
    """Return the smaller of ``x`` and ``y`` element-wise: ``maximum`` in reversed order.

    Its gradient comes from ``maximum``'s: it goes to ``x`` where ``x <= y`` (ties too), as TensorFlow's Minimum.
    """
    x, y = _checked_operands("Minimum", x, y)
    return reversed_order(maximum(reversed_order(x), reversed_order(y)))


# cast: the gradient is cast back to the input's dtype
def _cast(xp, x, dtype):
    return x.astype(dtype._np)


def _cast_grad(dy, out, x, dtype):
    return cast(dy, x.dtype)


Cast = Primitive("Cast", _cast, vjp=(_cast_grad,))


def cast(x, dtype, name=None):
    """Return ``x`` converted to ``dtype`` (floats to ints truncate toward zero, as TensorFlow)."""
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype)
    if x.dtype == dtype:
        return x
    return bind(Cast, x, dtype=dtype)


# comparisons: Equal and Less are primitives, the other four are built from them (so NaN compares False in all
# six, as in TensorFlow); boolean outputs, not differentiable
def _equal(xp, x, y):
    return x == y


def _less(xp, x, y):
    return x < y


Equal = Primitive("Equal", _equal, check=checks.elementwise("Equal"))
Less = Primitive("Less", _less, check=checks.elementwise("Less"))


def _checked_operands(op, x, y):
    """``x`` and ``y`` as tensors, checked under the name of the op the user called (for its error)."""
    x, y = binary_operands(x, y)
    checks.elementwise(op)(x, y)
    return x, y


def equal(x, y, name=None):
    """Return ``x == y`` element-wise, as a bool tensor."""
    x, y = binary_operands(x, y)
    return bind(Equal, x, y)


def not_equal(x, y, name=None):
    """Return ``x != y`` element-wise, as a bool tensor: ``not (x == y)``."""
    return logical_not(equal(*_checked_operands("NotEqual", x, y)))


def less(x, y, name=None):
    """Return ``x < y`` element-wise, as a bool tensor."""
    x, y = binary_operands(x, y)
    return bind(Less, x, y)


def less_equal(x, y, name=None):
    """Return ``x <= y`` element-wise, as a bool tensor: ``x < y or x == y``."""
    x, y = _checked_operands("LessEqual", x, y)
    return logical_or(bind(Less, x, y), bind(Equal, x, y))


def greater(x, y, name=None):
    """Return ``x > y`` element-wise, as a bool tensor: ``y < x``."""
    x, y = _checked_operands("Greater", x, y)
    return bind(Less, y, x)


def greater_equal(x, y, name=None):
    """Return ``x >= y`` element-wise, as a bool tensor: ``y < x or x == y``."""
    x, y = _checked_operands("GreaterEqual", x, y)
    return logical_or(bind(Less, y, x), bind(Equal, x, y))


# logic on bool tensors, built on where and equal: "x and y" is y where x holds, else False; "x or y" is True
# where x holds, else y; "not x" is x == False
def _check_bool(op, *tensors):
    for tensor in tensors:
        if not tensor.dtype.is_bool:
            raise InvalidArgumentError(f"{op} expects bool tensors, got {tensor.dtype.name}", op,
                                       "Compare first (x > 0) or minitf.cast(x, minitf.bool).")


def _bool_operands(op, x, y):
    x, y = binary_operands(x, y)
    _check_bool(op, x, y)
    checks.elementwise(op)(x, y)  # shapes broadcast
    return x, y


def logical_and(x, y, name=None):
    """Return ``x AND y`` element-wise, for bool tensors: ``where(x, y, False)``."""
    x, y = _bool_operands("LogicalAnd", x, y)
    return where(x, y, False)


def logical_or(x, y, name=None):
    """Return ``x OR y`` element-wise, for bool tensors: ``where(x, True, y)``."""
    x, y = _bool_operands("LogicalOr", x, y)
    return where(x, True, y)


def logical_not(x, name=None):
    """Return ``NOT x`` element-wise, for a bool tensor: ``x == False``."""
    x = convert_to_tensor(x)
    _check_bool("LogicalNot", x)
    return equal(x, False)


# where(cond, x, y) (TensorFlow's SelectV2): the gradient goes to the branch that was chosen
def _check_select(cond, x, y):
    if not cond.dtype.is_bool:
        raise InvalidArgumentError(f"condition must be a bool tensor, got {cond.dtype.name}", "SelectV2",
                                   "Build the condition with a comparison, e.g. minitf.where(x > 0, x, y).")
    checks.same_dtypes("SelectV2", x, y)
    checks.broadcast_shapes("SelectV2", checks.broadcast_shapes("SelectV2", cond._value.shape, x._value.shape),
                            y._value.shape)


def _select(xp, cond, x, y):
    return xp.where(cond, x, y)


def _select_grad_x(dy, out, cond, x, y):
    return where(cond, dy, 0)


def _select_grad_y(dy, out, cond, x, y):
    return where(cond, 0, dy)


Select = Primitive("SelectV2", _select, vjp=(None, _select_grad_x, _select_grad_y), check=_check_select)


# where(cond) alone: the coordinates of the true elements (TensorFlow's op for this is named Where)
def _true_coordinates(xp, cond):
    return xp.argwhere(cond).astype("int64")


TrueCoordinates = Primitive("Where", _true_coordinates)


def where(condition, x=None, y=None, name=None):
    """Pick ``x`` where ``condition`` is true and ``y`` elsewhere (shapes broadcast).

    With only ``condition``, return the int64 coordinates of its true elements.
    """
    condition = convert_to_tensor(condition)
    if x is None and y is None:
        return bind(TrueCoordinates, condition)
    if x is None or y is None:
        raise ValueError("minitf.where needs both x and y, or neither.")
    return bind(Select, condition, *binary_operands(x, y))


# zeros_like/ones_like take their shape from a tensor at run time, so traced graphs stay general.
def _zeros_like(xp, x, dtype):
    return xp.zeros(x.shape, dtype._np)


def _ones_like(xp, x, dtype):
    return xp.ones(x.shape, dtype._np)


ZerosLike = Primitive("ZerosLike", _zeros_like)
OnesLike = Primitive("OnesLike", _ones_like)


def zeros_like(input, dtype=None, name=None):
    """Return zeros with the shape of ``input`` (and its dtype unless ``dtype`` is given)."""
    input = convert_to_tensor(input)
    return bind(ZerosLike, input, dtype=dtypes.as_dtype(dtype) if dtype else input.dtype)


def ones_like(input, dtype=None, name=None):
    """Return ones with the shape of ``input`` (and its dtype unless ``dtype`` is given)."""
    input = convert_to_tensor(input)
    return bind(OnesLike, input, dtype=dtypes.as_dtype(dtype) if dtype else input.dtype)


# Compositions: no gradient rule of their own.

def reciprocal(x, name=None):
    """Return ``1 / x``."""
    return divide(1, x)


def divide_no_nan(x, y, name=None):
    """Return ``x / y``, with 0 wherever ``y`` is 0 (instead of inf or nan): metrics divide by counts that may be 0.

    Computed as ``where(y == 0, 0, x / where(y == 0, 1, y))``, so no inf or nan is made even in the unused branch,
    and the gradient (``dy / y``, and ``-dy * x / y**2``; 0 where ``y`` is 0) comes from where and divide.

    >>> import minitf as tf
    >>> tf.math.divide_no_nan(tf.constant([3., 1.]), tf.constant([2., 0.])).numpy()
    array([1.5, 0. ], dtype=float32)
    """
    x, y = binary_operands(x, y)
    checks.floating("DivNoNan", x)
    checks.elementwise("DivNoNan")(x, y)
    y_is_zero = equal(y, 0)
    return where(y_is_zero, 0, x / where(y_is_zero, 1, y))


def rsqrt(x, name=None):
    """Return ``1 / sqrt(x)``."""
    return reciprocal(sqrt(x))


def sigmoid(x, name=None):
    """Return ``1 / (1 + exp(-x))``, computed as ``(tanh(x / 2) + 1) / 2`` so it never overflows."""
    x = convert_to_tensor(x)
    return (tanh(x * 0.5) + 1) * 0.5


def softplus(features, name=None):
    """Return ``log(1 + exp(x))`` without overflow or lost digits: ``max(x, 0) + log1p(exp(-|x|))``.

    ``max(x, 0)`` and ``-|x|`` come from one ``where`` on ``x < 0`` (as in TensorFlow's cross-entropy), so at
    ``x = 0`` their gradients (1 and -1) meet the log term's and give sigmoid(0) = 0.5, not 1.
    """
    x = convert_to_tensor(features)
    below_zero = x < 0
    return where(below_zero, 0, x) + log1p(exp(where(below_zero, x, negative(x))))


def squared_difference(x, y, name=None):
    """Return ``(x - y) ** 2`` element-wise."""
    return square(subtract(x, y))


def add_n(inputs, name=None):
    """Return the element-wise sum of a list of tensors of the same shape and dtype."""
    inputs = [convert_to_tensor(t) for t in inputs]
    if not inputs:
        raise ValueError("add_n needs at least one tensor.")
    total = inputs[0]
    for t in inputs[1:]:
        if t.shape != inputs[0].shape:
            raise InvalidArgumentError(
                f"Inputs to operation AddN must have the same size and shape. Input 0: "
                f"{shape_text(inputs[0].shape)} != input: {shape_text(t.shape)}", "AddN",
            )
        total = add(total, t)
    return total


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clamp ``t`` to ``[clip_value_min, clip_value_max]``; the gradient is zero outside it."""
    t = convert_to_tensor(t)
    return minimum(maximum(t, clip_value_min), clip_value_max)
