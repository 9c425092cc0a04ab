"""The ``minitf.linalg`` namespace, as ``tf.linalg``."""

from minitf.ops.array_ops import eye, transpose  # noqa: F401
from minitf.ops.linalg_ops import einsum, matmul  # noqa: F401
from minitf.ops.matrix_ops import det, inv, solve  # noqa: F401
from minitf.ops.reduction_ops import norm  # noqa: F401
