"""Speed, in one place: fused gradient ops, as TensorFlow has them (TanhGrad, ReluGrad...).

The gradient rule written beside each primitive is its definition: ``Tanh``'s is
``dy * (1 - out * out)``, three ops. Running three ops costs three passes over the
arrays and three trips through ``bind``; TensorFlow runs such rules as one fused
kernel, and so does this module. Importing it replaces four rules with one-op
versions that compute the same values (``tests/test_fused.py`` checks that they
agree with the rules they replace, first and second derivatives).

Each fused op needs gradient rules of its own, so that nested tapes still give second
derivatives; they are written in minitf ops like every other rule.

Measured with ``benchmarks/run.py`` (CPU time, 2-core machine, ratios to the NumPy
floor, composed rules -> fused): linear classifier 8.0x -> 4.6x, MLP step
1.39x -> 1.11x, 50-op chain 3.9x -> 2.9x (see the README's speed section).
"""

from minitf.ops import math_ops, nn_ops, reduction_ops
from minitf.ops.array_ops import broadcast_array, expand_dims, expanded_shape, one_hot
from minitf.ops.math_ops import Tanh
from minitf.ops.nn_ops import Relu, SparseSoftmaxCrossEntropyWithLogits, softmax
from minitf.ops.reduction_ops import Mean, reduce_sum
from minitf.primitive import Primitive, bind


# TanhGrad(out, dy) = dy * (1 - out ** 2); its own gradients: d/d(out) = -2 out dy g, d/d(dy) = TanhGrad(out, g)
def _tanh_grad(xp, out, dy):
    return dy * (1 - out * out)


def _tanh_grad_d_out(g, result, out, dy):
    return g * dy * (-2 * out)


def _tanh_grad_d_dy(g, result, out, dy):
    return bind(TanhGrad, out, g)


TanhGrad = Primitive("TanhGrad", _tanh_grad, vjp=(_tanh_grad_d_out, _tanh_grad_d_dy))


def _fused_tanh_rule(dy, out, x):
    return bind(TanhGrad, out, dy)


# ReluGrad(dy, out) = dy where out > 0, else 0; linear in dy, so its own gradient is ReluGrad again
def _relu_grad(xp, dy, out):
    return dy * (out > 0)


def _relu_grad_d_dy(g, result, dy, out):
    return bind(ReluGrad, g, out)


ReluGrad = Primitive("ReluGrad", _relu_grad, vjp=(_relu_grad_d_dy, None))


def _fused_relu_rule(dy, out, x):
    return bind(ReluGrad, dy, out)


# MeanGrad(dy, x) = dy / count, repeated over the averaged axes of x; linear in dy: its gradient is the mean again
def _mean_grad(xp, dy, like, axis, keepdims):
    spread = dy if keepdims or not dy.ndim else dy.reshape(expanded_shape(dy.shape, axis))  # (a scalar spreads as is)
    count = like.size // max(dy.size, 1) if like.size else 1
    return broadcast_array(xp, spread / dy.dtype.type(count), like.shape)


def _mean_grad_d_dy(g, result, dy, like, axis, keepdims):
    return bind(Mean, g, axis=axis, keepdims=keepdims)


MeanGrad = Primitive("MeanGrad", _mean_grad, vjp=(_mean_grad_d_dy, None))


def _fused_mean_rule(dy, out, x, axis, keepdims):
    return bind(MeanGrad, dy, x, axis=axis, keepdims=keepdims)


# SparseSoftmaxCrossEntropyWithLogitsGrad(dy, logits, labels) = dy * (softmax(logits) - one_hot(labels)).
# Its own rules: linear in dy; in logits, the softmax's rule applied to ddx * dy.
def _sparse_xent_grad(xp, dy, logits, labels):
    index, bad = nn_ops._label_index(xp, labels, logits.shape[-1])  # on a GPU, bad labels give NaN rows
    grad = nn_ops._softmax(xp, logits, -1).reshape(-1, logits.shape[-1])
    grad[xp.arange(grad.shape[0]), index] -= 1  # softmax - one_hot(labels), in place on a fresh array
    grad *= dy.reshape(-1, 1)
    return (grad if bad is None else xp.where(bad.reshape(-1, 1), xp.nan, grad)).reshape(logits.shape)


def _sparse_xent_grad_d_dy(ddx, out, dy, logits, labels):
    return reduce_sum(ddx * (softmax(logits) - one_hot(labels, logits.shape[-1], dtype=logits.dtype)), -1)


def _sparse_xent_grad_d_logits(ddx, out, dy, logits, labels):
    probs, weighted = softmax(logits), ddx * expand_dims(dy, -1)
    return probs * (weighted - reduce_sum(weighted * probs, -1, keepdims=True))


SparseSoftmaxCrossEntropyWithLogitsGrad = Primitive(
    "SparseSoftmaxCrossEntropyWithLogitsGrad", _sparse_xent_grad,
    vjp=(_sparse_xent_grad_d_dy, _sparse_xent_grad_d_logits, None))


def _fused_sparse_xent_rule(dy, out, logits, labels):
    return bind(SparseSoftmaxCrossEntropyWithLogitsGrad, dy, logits, labels)


# The rules written beside the primitives, kept for tests/test_fused.py to compare against.
COMPOSED_RULES = {Tanh: math_ops._tanh_grad, Relu: nn_ops._relu_grad, Mean: reduction_ops._mean_grad,
                  SparseSoftmaxCrossEntropyWithLogits: nn_ops._sparse_xent_grad}
FUSED_RULES = {Tanh: _fused_tanh_rule, Relu: _fused_relu_rule, Mean: _fused_mean_rule,
               SparseSoftmaxCrossEntropyWithLogits: _fused_sparse_xent_rule}


def definition_of(rule):
    """The composed rule that the fused ``rule`` stands for (what it computes), or None for any other rule."""
    for prim, fused_rule in FUSED_RULES.items():
        if rule is fused_rule:
            return COMPOSED_RULES[prim]
    return None


def use_fused_rules(on=True):
    """Run the four gradient rules above as fused ops (the default), or as the composed rules they replace."""
    for prim, rule in (FUSED_RULES if on else COMPOSED_RULES).items():
        prim.vjp = (rule,) + prim.vjp[1:]


use_fused_rules()
