"""Matrix multiplication (batched, with optional transposes) and its gradient.

For ``out = a @ b`` the gradients are ``dy @ b^T`` and ``a^T @ dy``; the
``transpose_a``/``transpose_b`` flags move the transposes around without copying.
Batch dims broadcast, and the tape sums the gradient back over them.
"""

from minitf.errors import InvalidArgumentError, shape_text
from minitf.ops import checks
from minitf.ops.math_ops import binary_operands
from minitf.primitive import Primitive, bind


def _check_matmul(a, b, transpose_a, transpose_b):
    sa, sb = a._value.shape, b._value.shape
    if (len(sa) == 2 and len(sb) == 2 and a._value.dtype == b._value.dtype
            and sa[0 if transpose_a else 1] == sb[1 if transpose_b else 0]):
        return  # the common case, two matrices that fit: nothing more to check
    checks.same_dtypes("MatMul", a, b)
    for i, s in enumerate((sa, sb)):
        if len(s) < 2:
            raise InvalidArgumentError(
                f"In[{i}] is not a matrix. Instead it has shape {shape_text(s)}", "MatMul",
                "matmul needs tensors of rank >= 2; use minitf.expand_dims (or reshape) to make a "
                "vector a row [1, n] or a column [n, 1].",
            )
    k_a = sa[-2] if transpose_a else sa[-1]
    k_b = sb[-1] if transpose_b else sb[-2]
    if k_a != k_b:
        hint = f"matmul contracts a dim of size {k_a} of its first argument with one of size {k_b} of its second; " \
               "they must be equal."
        if not transpose_b and sa[-1] == sb[-1]:
            hint += "\nDid you mean to transpose the second argument? Pass transpose_b=True to minitf.matmul."
        elif not transpose_a and sa[-2] == sb[-2]:
            hint += "\nDid you mean to transpose the first argument? Pass transpose_a=True to minitf.matmul."
        raise InvalidArgumentError(
            f"Matrix size-incompatible: In[0]: {shape_text(sa)}, In[1]: {shape_text(sb)}", "MatMul", hint)
    try:
        checks.broadcast_shapes("MatMul", sa[:-2], sb[:-2])
    except InvalidArgumentError:
        raise InvalidArgumentError(
            f"In[0] and In[1] must have compatible batch dimensions: {shape_text(sa)} vs. {shape_text(sb)}",
            "MatMul") from None


def _matmul_da(dy, out, a, b, transpose_a, transpose_b):
    if transpose_a:
        return bind(MatMul, b, dy, transpose_a=transpose_b, transpose_b=True)
    return bind(MatMul, dy, b, transpose_a=False, transpose_b=not transpose_b)


def _matmul_db(dy, out, a, b, transpose_a, transpose_b):
    if transpose_b:
        return bind(MatMul, dy, a, transpose_a=True, transpose_b=transpose_a)
    return bind(MatMul, a, dy, transpose_a=not transpose_a, transpose_b=False)


def _matmul(xp, a, b, transpose_a, transpose_b):
    a = a.swapaxes(-1, -2) if transpose_a else a
    b = b.swapaxes(-1, -2) if transpose_b else b
    if a.ndim == 2 and b.ndim == 2:  # plain matrices: dot is the same product without matmul's batch machinery
        return a.dot(b)  # (0.7-2 us less per call on small or skinny matrices, such as a batch times a column)
    return xp.matmul(a, b)


MatMul = Primitive(
    "MatMul", _matmul,
    vjp=(_matmul_da, _matmul_db),
    check=_check_matmul,
)


def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    """Matrix product ``a @ b`` over the last two dims; leading (batch) dims broadcast.

    >>> import minitf as tf
    >>> tf.matmul(tf.ones([2, 3]), tf.ones([3, 4])).shape
    TensorShape([2, 4])
    """
    a, b = binary_operands(a, b)
    return bind(MatMul, a, b, transpose_a=bool(transpose_a), transpose_b=bool(transpose_b))
