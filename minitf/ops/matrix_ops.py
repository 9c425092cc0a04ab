"""Square matrices: ``linalg.inv`` and ``linalg.det`` (primitives) and ``linalg.solve`` (composed).

Inverse and determinant need a factorization that no other primitive offers, so
each is a primitive; their gradients are written with matmul, transpose and inv,
so they can be differentiated again. All accept a batch of matrices ``[..., M, M]``.
"""

import builtins

import numpy as np

from minitf.errors import InvalidArgumentError, shape_text
from minitf.ops import checks
from minitf.ops.array_ops import expand_dims, transpose
from minitf.ops.linalg_ops import matmul
from minitf.primitive import Primitive, bind
from minitf.tensor import convert_to_tensor


def _check_square(op):
    def check(x):
        checks.floating(op, x)
        shape = x._value.shape
        if len(shape) < 2:
            raise InvalidArgumentError(f"Input tensor 0 must have rank >= 2, got {len(shape)}", op,
                                       "Pass a matrix [M, M] (or a batch of them [..., M, M]).")
        if shape[-1] != shape[-2]:
            raise InvalidArgumentError("Input matrix must be square.", op,
                                       f"Got matrices of shape {shape_text(shape[-2:])}; rows and columns must match.")

    return check


def _matrix_transpose(x):
    """Swap the last two dims (each matrix of a batch is transposed)."""
    perm = list(builtins.range(x.ndim))
    perm[-2:] = perm[-1], perm[-2]
    return transpose(x, perm)


# MatrixInverse: d inv(A) = -inv(A)^T @ dy @ inv(A)^T
def _inverse(xp, x):
    try:
        return xp.linalg.inv(x)
    except np.linalg.LinAlgError:  # (CuPy raises NumPy's LinAlgError too)
        raise InvalidArgumentError("Input is not invertible.", "MatrixInverse",
                                   "The matrix is singular (its determinant is 0): it has no inverse.") from None


def _inverse_grad(dy, out, x):
    return -matmul(out, matmul(dy, out, transpose_b=True), transpose_a=True)


MatrixInverse = Primitive("MatrixInverse", _inverse, vjp=(_inverse_grad,), check=_check_square("MatrixInverse"))


def inv(input, adjoint=False, name=None):
    """The inverse of each square matrix in ``input`` (of its transpose with ``adjoint=True``).

    >>> import minitf as tf
    >>> tf.linalg.inv([[2., 0.], [0., 4.]]).numpy()
    array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float32)
    """
    x = convert_to_tensor(input)
    out = bind(MatrixInverse, x)
    return _matrix_transpose(out) if adjoint else out


# MatrixDeterminant: d det(A) = dy * det(A) * inv(A)^T
def _determinant(xp, x):
    return xp.linalg.det(x)


def _determinant_grad(dy, out, x):
    scale = expand_dims(expand_dims(dy * out, -1), -1)
    return scale * _matrix_transpose(inv(x))


MatrixDeterminant = Primitive("MatrixDeterminant", _determinant, vjp=(_determinant_grad,),
                              check=_check_square("MatrixDeterminant"))


def det(input, name=None):
    """The determinant of each square matrix in ``input`` (shape ``input.shape[:-2]``).

    >>> import minitf as tf
    >>> float(tf.linalg.det([[1., 2.], [3., 4.]]))
    -2.0
    """
    return bind(MatrixDeterminant, convert_to_tensor(input))


def solve(matrix, rhs, adjoint=False, name=None):
    """Solve ``matrix @ x = rhs`` for ``x`` (``matrix^T @ x = rhs`` with ``adjoint=True``).

    Computed as ``inv(matrix) @ rhs``: simple, and its gradient comes from inv and
    matmul; a factorization would be a little more precise for ill-conditioned matrices.
    """
    matrix, rhs = convert_to_tensor(matrix), convert_to_tensor(rhs)
    _check_square("MatrixSolve")(matrix)
    checks.same_dtypes("MatrixSolve", matrix, rhs)
    if rhs.ndim < 2 or rhs._value.shape[-2] != matrix._value.shape[-1]:
        raise InvalidArgumentError(
            f"Input matrix and right-hand sides must have the same number of rows, got "
            f"{matrix._value.shape[-1]} != {rhs._value.shape[-2] if rhs.ndim >= 2 else shape_text(rhs.shape)}",
            "MatrixSolve", "rhs must have shape [..., M, K]: for one right-hand side vector, use shape [M, 1].")
    try:
        return matmul(inv(matrix, adjoint=adjoint), rhs)
    except InvalidArgumentError:  # a singular matrix: named after the op called, as TensorFlow's
        raise InvalidArgumentError("Input matrix is not invertible.", "MatrixSolve", "Its determinant is 0.") from None
