"""The table of public ops: op -> NumPy reference -> input domain (off kinks) -> tolerance.

One row per op drives the forward tests, the gradient tests and every backend
(tests/test_ops.py). ``test_every_public_op_is_in_the_table`` fails when a public
op has no row here and is not listed in NOT_IN_TABLE with the test covering it.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

import minitf as tf

# -- shape strategies -------------------------------------------------------------------------
small_shape = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)
matrix_shape = st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple)


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast: the second drops leading dims and/or has 1s."""
    a = draw(small_shape)
    keep = draw(st.integers(0, len(a)))
    b = tuple(1 if draw(st.booleans()) else d for d in a[len(a) - keep:])
    return (a, b) if draw(st.booleans()) else (b, a)


def same(n):
    return small_shape.map(lambda s: (s,) * n)


def one(strategy):
    return strategy.map(lambda s: (s,))


@st.composite
def matmul_shapes(draw):
    m, k, n = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(st.sampled_from([(), (2,), (2, 1)]))
    other = draw(st.sampled_from([(), batch[-1:]])) if batch else ()
    return (batch + (m, k), other + (k, n))


# -- domains ------------------------------------------------------------------------------------
def uniform(low, high):
    return lambda rng, shape: rng.uniform(low, high, shape)


def off_zero(rng, shape):
    """|x| in [0.2, 2] with a random sign: keeps abs, relu and sign-dependent ops off their kink."""
    return rng.uniform(0.2, 2, shape) * rng.choice([-1.0, 1.0], shape)


def distinct(rng, shape):
    """Values at least 0.05 apart, so max/min reductions have no ties."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - n * 0.05 + rng.uniform(0, 0.05, n)).reshape(shape)


def ties(rng, shape):
    """Small integers as floats, so comparisons see equal values too."""
    return rng.integers(-1, 2, shape).astype(float)


@dataclass
class Case:
    name: str  # public name, e.g. "math.log" or "nn.relu"
    fn: object  # minitf function of tensors
    ref: object  # NumPy reference of arrays
    shapes: object  # hypothesis strategy for a tuple of input shapes
    domains: tuple = (uniform(-2, 2),)
    grad: bool = True  # differentiable (gradient-checked)
    rtol: float = 1e-5
    int_inputs: tuple = ()  # indices of inputs drawn as integer arrays
    extra: dict = field(default_factory=dict)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _erf(x):
    return np.vectorize(math.erf, otypes=[x.dtype])(x)


def _elu(x):
    return np.where(x < 0, np.expm1(np.minimum(x, 0)), x)


def _well_conditioned(rng, shape):
    """Square matrices near 2 * identity: far from singular, so inverse and determinant are smooth."""
    return rng.uniform(-0.5, 0.5, shape) + 2 * np.eye(shape[-1])


def _repeat_body(x):
    return lambda i, y: (i + 1, tf.sin(y) * x)


def _scatter_ref(x, u):
    out = x.copy()
    out[0], out[-1] = u[0], u[1]
    return out


def _loop_ref(x):
    y = x
    for _ in range(3):
        y = np.sin(y) * x
    return y


def _corners(x):
    """Index tuples of the first and the last element of ``x``."""
    return [[0] * len(x.shape), [d - 1 for d in x.shape]]


square_shape = st.sampled_from([(1, 1), (2, 2), (3, 3), (2, 3, 3)])
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


unary_any = one(small_shape)
unary_rank1 = one(matrix_shape)
U = uniform

CASES = [
    Case("add", tf.add, np.add, broadcast_pair()),
    Case("subtract", tf.subtract, np.subtract, broadcast_pair()),
    Case("multiply", tf.multiply, np.multiply, broadcast_pair()),
    Case("divide", tf.divide, np.divide, broadcast_pair(), (U(-2, 2), off_zero)),
    Case("math.divide_no_nan", tf.math.divide_no_nan, lambda x, y: np.where(y == 0, 0, x / np.where(y == 0, 1, y)),
         broadcast_pair(), (U(-2, 2), off_zero)),
    Case("math.divide_no_nan (zeros)", lambda x, y: tf.math.divide_no_nan(x, y * 0),
         lambda x, y: np.zeros(np.broadcast_shapes(x.shape, y.shape), x.dtype), broadcast_pair(), grad=False),
    Case("math.truediv", tf.math.truediv, np.divide, broadcast_pair(), (U(-2, 2), off_zero)),
    Case("pow", tf.pow, np.power, broadcast_pair(), (U(0.5, 2), U(-2, 2))),
    Case("math.floordiv", tf.math.floordiv, np.floor_divide, broadcast_pair(), (U(-3, 3), off_zero), grad=False),
    Case("math.floormod", tf.math.floormod, np.mod, broadcast_pair(), (U(-3, 3), off_zero), grad=False),
    Case("negative", tf.negative, np.negative, unary_any),
    Case("square", tf.square, np.square, unary_any),
    Case("sqrt", tf.sqrt, np.sqrt, unary_any, (U(0.5, 3),)),
    Case("exp", tf.exp, np.exp, unary_any),
    Case("math.log", tf.math.log, np.log, unary_any, (U(0.5, 3),)),
    Case("math.log1p", tf.math.log1p, np.log1p, unary_any, (U(-0.5, 2),)),
    Case("math.reciprocal", tf.math.reciprocal, np.reciprocal, unary_any, (off_zero,)),
    Case("math.rsqrt", tf.math.rsqrt, lambda x: 1 / np.sqrt(x), unary_any, (U(0.5, 3),)),
    Case("abs", tf.abs, np.abs, unary_any, (off_zero,)),
    Case("sign", tf.sign, np.sign, unary_any, (off_zero,), grad=False),
    Case("maximum", tf.maximum, np.maximum, broadcast_pair(), (U(-2, 2), U(-2, 2))),
    Case("minimum", tf.minimum, np.minimum, broadcast_pair(), (U(-2, 2), U(-2, 2))),
    Case("tanh", tf.tanh, np.tanh, unary_any),
    Case("sigmoid", tf.sigmoid, _sigmoid, unary_any),
    Case("math.softplus", tf.math.softplus, lambda x: np.log1p(np.exp(x)), unary_any),
    Case("math.squared_difference", tf.math.squared_difference, lambda x, y: (x - y) ** 2, broadcast_pair()),
    Case("add_n", lambda *xs: tf.add_n(xs), lambda *xs: sum(xs), same(3)),
    Case("clip_by_value", lambda x: tf.clip_by_value(x, -1.0, 1.0), lambda x: np.clip(x, -1, 1), unary_any,
         (lambda rng, s: rng.choice([-1.6, -0.5, 0.3, 1.4], s) + rng.uniform(-0.05, 0.05, s),)),
    Case("clip_by_norm", lambda x: tf.clip_by_norm(x, 1.0),
         lambda x: x * 1.0 / max(np.sqrt((x * x).sum()), 1.0), unary_any),
    Case("nn.relu", tf.nn.relu, lambda x: np.maximum(x, 0), unary_any, (off_zero,)),
    Case("nn.softmax", tf.nn.softmax, _softmax, unary_rank1),
    Case("softmax", tf.softmax, _softmax, unary_rank1),
    Case("nn.log_softmax", tf.nn.log_softmax, _log_softmax, unary_rank1),
    Case("nn.l2_loss", tf.nn.l2_loss, lambda x: (x * x).sum() / 2, unary_any),
    Case("nn.sigmoid_cross_entropy_with_logits",
         lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
         lambda z, x: -z * np.log(_sigmoid(x)) - (1 - z) * np.log(1 - _sigmoid(x)),
         same(2), (U(0, 1), off_zero)),
    Case("nn.softmax_cross_entropy_with_logits",
         lambda p, x: tf.nn.softmax_cross_entropy_with_logits(p, x),
         lambda p, x: -(p * _log_softmax(x)).sum(-1), matrix_shape.map(lambda s: (s, s)), (U(0, 1), U(-2, 2))),
    Case("nn.sparse_softmax_cross_entropy_with_logits",
         lambda x, labels: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x),
         lambda x, labels: -np.take_along_axis(_log_softmax(x), labels[..., None], -1)[..., 0],
         st.tuples(st.integers(1, 3), st.integers(2, 4)).map(lambda s: (s, s[:1])),
         (U(-2, 2), lambda rng, s: rng.integers(0, 2, s)), int_inputs=(1,)),
    Case("nn.moments", lambda x: tf.nn.moments(x, axes=[0])[1], lambda x: x.var(axis=0), unary_rank1),
    Case("matmul", tf.matmul, np.matmul, matmul_shapes(), rtol=1e-4),
    Case("linalg.matmul", lambda a, b: tf.linalg.matmul(a, b, transpose_a=True, transpose_b=True),
         lambda a, b: np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2),
         matmul_shapes().map(lambda s: (s[0][:-2] + s[0][:-3:-1], s[1][:-2] + s[1][:-3:-1])), rtol=1e-4),
    Case("reduce_sum", lambda x: tf.reduce_sum(x, axis=0, keepdims=True), lambda x: x.sum(0, keepdims=True),
         unary_rank1),
    Case("math.reduce_sum", tf.math.reduce_sum, np.sum, unary_any),
    Case("reduce_mean", lambda x: tf.reduce_mean(x, axis=-1), lambda x: x.mean(-1), unary_rank1),
    Case("reduce_max", lambda x: tf.reduce_max(x, axis=0), lambda x: x.max(0), unary_rank1, (distinct,)),
    Case("reduce_min", tf.reduce_min, np.min, unary_any, (distinct,)),
    Case("reduce_prod", lambda x: tf.reduce_prod(x, axis=-1), lambda x: x.prod(-1), unary_rank1),
    Case("reduce_logsumexp", lambda x: tf.reduce_logsumexp(x, axis=-1),
         lambda x: np.log(np.exp(x).sum(-1)), unary_rank1),
    Case("reduce_variance", lambda x: tf.reduce_variance(x, axis=0), lambda x: x.var(0), unary_rank1),
    Case("reduce_std", tf.reduce_std, np.std, one(matrix_shape.filter(lambda s: np.prod(s) > 1)), (distinct,)),
    Case("norm", tf.norm, lambda x: np.sqrt((x * x).sum()), unary_any, (off_zero,)),
    Case("linalg.norm", lambda x: tf.linalg.norm(x, ord=1, axis=-1), lambda x: np.abs(x).sum(-1), unary_rank1,
         (off_zero,)),
    Case("reshape", lambda x: tf.reshape(x, [-1]), lambda x: x.reshape(-1), unary_any),
    Case("transpose", tf.transpose, np.transpose, unary_any),
    Case("linalg.transpose", lambda x: tf.linalg.transpose(x), np.transpose, unary_any),
    Case("expand_dims", lambda x: tf.expand_dims(x, -1), lambda x: x[..., None], unary_any),
    Case("squeeze", lambda x: tf.squeeze(tf.expand_dims(x, 0)), lambda x: np.squeeze(x[None]), unary_any),
    Case("broadcast_to", lambda x: tf.broadcast_to(x, (2,) + tuple(x.shape)),
         lambda x: np.broadcast_to(x, (2,) + x.shape), unary_any),
    Case("concat", lambda a, b: tf.concat([a, b], axis=0), lambda a, b: np.concatenate([a, b], 0), same(2).filter(
        lambda s: len(s[0]) > 0)),
    Case("stack", lambda a, b: tf.stack([a, b], axis=-1), lambda a, b: np.stack([a, b], -1), same(2)),
    Case("unstack", lambda x: tf.unstack(x)[-1], lambda x: x[-1], unary_rank1),
    Case("gather", lambda x: tf.gather(x, [0, 0, x.shape[0] - 1]), lambda x: x[[0, 0, x.shape[0] - 1]],
         unary_rank1),
    Case("Tensor.__getitem__", lambda x: x[::-1, ..., None], lambda x: x[::-1, ..., None], unary_rank1),
    Case("where", lambda c, x, y: tf.where(c > 0, x, y), lambda c, x, y: np.where(c > 0, x, y), same(3)),
    Case("identity", tf.identity, lambda x: x, unary_any),
    Case("cast", lambda x: tf.cast(x, tf.float64), lambda x: x.astype(np.float64), unary_any),
    Case("stop_gradient", tf.stop_gradient, lambda x: x, unary_any, grad=False),
    Case("zeros_like", tf.zeros_like, np.zeros_like, unary_any, grad=False),
    Case("ones_like", tf.ones_like, np.ones_like, unary_any, grad=False),
    Case("argmax", lambda x: tf.argmax(x, axis=-1), lambda x: x.argmax(-1), unary_rank1, (distinct,), grad=False),
    Case("argmin", tf.argmin, lambda x: x.argmin(0), unary_rank1, (distinct,), grad=False),
    Case("equal", tf.equal, np.equal, broadcast_pair(), (ties, ties), grad=False),
    Case("not_equal", tf.not_equal, np.not_equal, broadcast_pair(), (ties, ties), grad=False),
    Case("less", tf.less, np.less, broadcast_pair(), (ties, ties), grad=False),
    Case("less_equal", tf.less_equal, np.less_equal, broadcast_pair(), (ties, ties), grad=False),
    Case("greater", tf.greater, np.greater, broadcast_pair(), (ties, ties), grad=False),
    Case("greater_equal", tf.greater_equal, np.greater_equal, broadcast_pair(), (ties, ties), grad=False),
    Case("logical_and", lambda x, y: tf.logical_and(x > 0, y > 0), lambda x, y: (x > 0) & (y > 0), broadcast_pair(),
         grad=False),
    Case("logical_or", lambda x, y: tf.logical_or(x > 0, y > 0), lambda x, y: (x > 0) | (y > 0), broadcast_pair(),
         grad=False),
    Case("logical_not", lambda x: tf.logical_not(x > 0), lambda x: ~(x > 0), unary_any, grad=False),
    Case("reduce_all", lambda x: tf.reduce_all(x > 0, axis=0), lambda x: (x > 0).all(0), unary_rank1, grad=False),
    Case("reduce_any", lambda x: tf.reduce_any(x > 0), lambda x: (x > 0).any(), unary_any, grad=False),
    Case("one_hot", lambda i: tf.one_hot(i, 4), lambda i: np.eye(4, dtype=np.float32)[i], unary_any,
         (lambda rng, s: rng.integers(0, 4, s),), grad=False, int_inputs=(0,)),
    Case("shape", tf.shape, lambda x: np.array(x.shape, np.int32), unary_any, grad=False),
    Case("size", tf.size, lambda x: np.array(x.size, np.int32), unary_any, grad=False),
    Case("rank", tf.rank, lambda x: np.array(x.ndim, np.int32), unary_any, grad=False),
    Case("sin", tf.sin, np.sin, unary_any),
    Case("math.cos", tf.math.cos, np.cos, unary_any),
    Case("math.tan", tf.math.tan, np.tan, unary_any, (U(-1.2, 1.2),)),
    Case("math.erf", tf.math.erf, _erf, unary_any, (U(-3, 3),)),
    Case("nn.elu", tf.nn.elu, _elu, unary_any, (off_zero,)),
    Case("nn.selu", tf.nn.selu, lambda x: SELU_SCALE * np.where(x < 0, SELU_ALPHA * np.expm1(np.minimum(x, 0)), x),
         unary_any, (off_zero,)),
    Case("nn.gelu", tf.nn.gelu, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2).astype(x.dtype))), unary_any),
    Case("nn.gelu (approximate)", lambda x: tf.nn.gelu(x, approximate=True),
         lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))), unary_any),
    Case("nn.silu", tf.nn.silu, lambda x: x * _sigmoid(x), unary_any),
    Case("nn.swish", lambda x: tf.nn.swish(x, beta=2.0), lambda x: x * _sigmoid(2 * x), unary_any),
    Case("nn.leaky_relu", tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), unary_any, (off_zero,)),
    Case("math.log_sigmoid", tf.math.log_sigmoid, lambda x: -np.logaddexp(0, -x), unary_any, (U(-30, 30),)),
    Case("nn.log_sigmoid", tf.nn.log_sigmoid, lambda x: np.log(_sigmoid(x)), unary_any),
    Case("tile", lambda x: tf.tile(x, [2] * len(x.shape)), lambda x: np.tile(x, [2] * x.ndim), unary_any),
    Case("pad", lambda x: tf.pad(x, [[1, 2]] * len(x.shape), constant_values=3),
         lambda x: np.pad(x, [[1, 2]] * x.ndim, constant_values=3) if x.ndim else x, unary_any),
    Case("pad (symmetric)", lambda x: tf.pad(x, [[1, 1]] * len(x.shape), mode="symmetric"),
         lambda x: np.pad(x, [[1, 1]] * x.ndim, mode="symmetric") if x.ndim else x, unary_any),
    Case("split", lambda x: tf.split(x, [1, -1], axis=0)[1], lambda x: x[1:],
         one(matrix_shape.filter(lambda s: s[0] > 1))),
    Case("split (equal parts)", lambda x: tf.split(x, 2, axis=-1)[0], lambda x: np.split(x, 2, axis=-1)[0],
         one(matrix_shape.map(lambda s: s[:-1] + (2 * s[-1],)))),
    Case("repeat", lambda x: tf.repeat(x, 2, axis=0), lambda x: np.repeat(x, 2, axis=0), unary_rank1),
    Case("repeat (counts)", lambda x: tf.repeat(x, [0, 2, 1][:x.shape[0]], axis=0),
         lambda x: np.repeat(x, [0, 2, 1][:x.shape[0]], axis=0), unary_rank1),
    Case("gather_nd", lambda x: tf.gather_nd(x, _corners(x)), lambda x: np.stack([x[tuple(i)] for i in _corners(x)]),
         unary_rank1),
    Case("gather_nd (slices)", lambda x: tf.gather_nd(x, [[0], [x.shape[0] - 1]]), lambda x: x[[0, -1]],
         unary_rank1),
    Case("boolean_mask", lambda x, m: tf.boolean_mask(x, m > 0), lambda x, m: x[m > 0],
         matrix_shape.map(lambda s: (s, s)), (U(-2, 2), off_zero)),
    Case("boolean_mask (axis)", lambda x, m: tf.boolean_mask(x, m[0] > 0, axis=1), lambda x, m: x[:, m[0] > 0],
         st.tuples(st.integers(1, 3), st.integers(1, 3)).map(lambda s: (s, s)), (U(-2, 2), off_zero)),
    Case("tensor_scatter_nd_update", lambda x, u: tf.tensor_scatter_nd_update(x, [[0], [x.shape[0] - 1]], u),
         _scatter_ref, matrix_shape.map(lambda s: (s, (2,) + s[1:]))),
    Case("sort", lambda x: tf.sort(x, axis=0, direction="DESCENDING"), lambda x: -np.sort(-x, axis=0), unary_rank1,
         (distinct,)),
    Case("sort (ascending)", tf.sort, lambda x: np.sort(x, axis=-1), unary_rank1, (distinct,)),
    Case("argsort", tf.argsort, lambda x: np.argsort(x, axis=-1, kind="stable").astype(np.int32), unary_rank1,
         (ties,), grad=False),
    Case("math.top_k", lambda x: tf.math.top_k(x, k=1).values, lambda x: x.max(-1, keepdims=True), unary_rank1,
         (distinct,)),
    Case("nn.top_k", lambda x: tf.nn.top_k(x, k=x.shape[-1]).indices,
         lambda x: np.argsort(-x, axis=-1, kind="stable").astype(np.int32), unary_rank1, (ties,), grad=False),
    Case("cumsum", tf.cumsum, lambda x: np.cumsum(x, axis=0), unary_rank1),
    Case("math.cumsum", lambda x: tf.math.cumsum(x, axis=-1, exclusive=True, reverse=True),
         lambda x: np.flip(np.cumsum(np.flip(x, -1), -1), -1) - x, unary_rank1, rtol=1e-4),
    Case("einsum", lambda a, b: tf.einsum("...ij,...jk->...ik", a, b),
         lambda a, b: np.einsum("...ij,...jk->...ik", a, b), matmul_shapes(), rtol=1e-4),
    Case("linalg.inv", tf.linalg.inv, np.linalg.inv, one(square_shape), (_well_conditioned,), rtol=1e-4),
    Case("linalg.det", tf.linalg.det, np.linalg.det, one(square_shape), (_well_conditioned,), rtol=1e-4),
    Case("linalg.solve", tf.linalg.solve, np.linalg.solve,
         st.tuples(st.integers(1, 3), st.integers(1, 2)).map(lambda s: ((s[0], s[0]), s)),
         (_well_conditioned, U(-2, 2)), rtol=1e-4),
    Case("while_loop", lambda x: tf.while_loop(lambda i, y: i < 3, _repeat_body(x), [0, x])[1],
         _loop_ref, unary_any),
]

# Public callables that are not element-wise ops of tensors, with the test file (in tests/) that covers each.
CREATION = "test_creation_random.py"
NOT_IN_TABLE = {
    "constant": "test_tensor.py", "convert_to_tensor": "test_tensor.py", "is_tensor": "test_tensor.py",
    "Variable": "test_variable.py", "GradientTape": "test_tape.py", "custom_gradient": "test_tape.py",
    "ones": CREATION, "zeros": CREATION, "fill": CREATION, "eye": CREATION, "linalg.eye": CREATION,
    "range": CREATION, "linspace": CREATION, "random.normal": CREATION, "random.uniform": CREATION,
    "random.truncated_normal": CREATION, "random.shuffle": CREATION, "random.set_seed": CREATION,
    "as_dtype": "test_tensor.py", "DType": "test_tensor.py", "Tensor": "test_tensor.py",
    "TensorShape": "test_tensor.py", "UnconnectedGradients": "test_tape.py",
    "function": "test_function.py", "TensorSpec": "test_function.py", "print": "test_function.py",
    "explain_gradient": "test_explain.py",
    "name_scope": "test_function.py",
    "Module": "test_module.py", "init_scope": "test_module.py",
    "RaggedTensor": "test_unsupported.py", "SparseTensor": "test_unsupported.py",
    "TensorArray": "test_unsupported.py",
    "device": "test_device.py", "py_function": "test_tracing_rules.py",
}
