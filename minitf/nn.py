"""The ``minitf.nn`` namespace, as ``tf.nn``: activations and stable cross-entropies."""

from minitf.ops.activation_ops import (  # noqa: F401
    elu,
    gelu,
    leaky_relu,
    log_sigmoid,
    selu,
    silu,
    swish,
)
from minitf.ops.math_ops import sigmoid, softplus, tanh  # noqa: F401
from minitf.ops.nn_ops import (  # noqa: F401
    l2_loss,
    log_softmax,
    moments,
    relu,
    sigmoid_cross_entropy_with_logits,
    softmax,
    softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
)
from minitf.ops.sort_ops import top_k  # noqa: F401
