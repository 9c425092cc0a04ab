"""Every op in the table: forward against NumPy, gradients against central differences, on every backend."""

import os
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitf as tf
from tests.op_table import CASES, NOT_IN_TABLE

NAMESPACES = {"": tf, "math.": tf.math, "nn.": tf.nn, "linalg.": tf.linalg, "random.": tf.random, "Tensor.": tf.Tensor}
FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _resolve(name):
    prefix, _, attr = name.rpartition(".")
    return getattr(NAMESPACES[prefix + "." if prefix else ""], attr.split(" ")[0])  # "op (variant)" rows


def _public_callables():
    for prefix, module in NAMESPACES.items():
        if prefix == "Tensor.":
            continue
        for attr in dir(module):
            obj = getattr(module, attr)
            if attr.startswith("_") or not callable(obj) or isinstance(obj, type(tf)):
                continue
            if getattr(obj, "__module__", "").startswith("minitf") or isinstance(obj, type):
                yield prefix + attr, obj


def test_every_public_op_is_in_the_table():
    covered = {id(_resolve(case.name)) for case in CASES} | {id(_resolve(name)) for name in NOT_IN_TABLE}
    missing = sorted(name for name, obj in _public_callables() if id(obj) not in covered)
    assert not missing, f"public ops without a row in tests/op_table.py: {missing}"


def test_every_op_outside_the_table_is_tested_where_the_table_says():
    """NOT_IN_TABLE's promise: the test file it names exists and uses the op (tf.NAME or tf.NAME.attribute)."""
    table = {case.name for case in CASES}
    unkept = []
    for name, where in NOT_IN_TABLE.items():
        path = os.path.join(os.path.dirname(__file__), where)
        text = open(path).read() if os.path.isfile(path) else ""
        if name in table or not re.search(rf"\b(tf|minitf)\.{re.escape(name)}\b", text):
            unkept.append(f"{name}: {where}")
    assert not unkept, f"NOT_IN_TABLE names a test that does not exist or does not use the op: {unkept}"


def _inputs(case, shapes, seed, dtype):
    rng = np.random.default_rng(seed)
    domains = case.domains * len(shapes) if len(case.domains) == 1 else case.domains
    arrays = []
    for i, (shape, domain) in enumerate(zip(shapes, domains)):
        value = np.asarray(domain(rng, shape))
        arrays.append(value.astype(np.int32) if i in case.int_inputs else value.astype(dtype))
    return arrays


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_forward_matches_numpy(case, on_backend):
    @FAST
    @given(shapes=case.shapes, seed=st.integers(0, 2**16))
    def check(shapes, seed):
        arrays = _inputs(case, shapes, seed, np.float32)
        out = case.fn(*[tf.constant(a) for a in arrays])
        expected = case.ref(*arrays)
        got = np.asarray(out)
        assert got.shape == np.shape(expected)
        np.testing.assert_allclose(got, expected, rtol=case.rtol, atol=1e-6)
        assert out.dtype == tf.as_dtype(np.asarray(expected).dtype), "dtypes follow NumPy's for float32 inputs"

    check()


def _numeric_gradient(f, arrays, index, eps=1e-6):
    base = arrays[index]
    grad = np.zeros_like(base)
    for j in range(base.size):
        values = []
        for step in (eps, -eps):
            moved = [a.copy() for a in arrays]
            moved[index].reshape(-1)[j] += step
            values.append(f(moved))
        grad.reshape(-1)[j] = (values[0] - values[1]) / (2 * eps)
    return grad


@pytest.mark.parametrize("case", [c for c in CASES if c.grad], ids=[c.name for c in CASES if c.grad])
def test_gradient_matches_central_differences(case, on_backend):
    @FAST
    @given(shapes=case.shapes, seed=st.integers(0, 2**16))
    def check(shapes, seed):
        arrays = _inputs(case, shapes, seed, np.float64)
        out_shape = np.shape(case.ref(*arrays))
        cotangent = np.random.default_rng(seed + 1).normal(size=out_shape)

        def scalar(values):
            return float(tf.reduce_sum(case.fn(*[tf.constant(v) for v in values]) * cotangent))

        tensors = [tf.constant(a) for a in arrays]
        float_inputs = [t for i, t in enumerate(tensors) if i not in case.int_inputs]
        with tf.GradientTape() as tape:
            tape.watch(float_inputs)
            y = tf.reduce_sum(case.fn(*tensors) * cotangent)
        grads = tape.gradient(y, float_inputs, unconnected_gradients="zero")
        for grad, (i, _) in zip(grads, [(i, t) for i, t in enumerate(tensors) if i not in case.int_inputs]):
            assert grad.shape == arrays[i].shape, "the tape must sum gradients back to each input's shape"
            np.testing.assert_allclose(np.asarray(grad), _numeric_gradient(scalar, arrays, i), rtol=1e-5, atol=1e-6)

    check()


SECOND_ORDER = ["multiply", "divide", "exp", "tanh", "sigmoid", "math.log", "sqrt", "pow", "matmul", "nn.softmax",
                "reduce_prod", "nn.log_softmax", "square", "math.softplus", "reduce_mean",
                "nn.sparse_softmax_cross_entropy_with_logits", "sin", "math.cos", "math.tan", "math.erf", "nn.elu",
                "nn.selu", "nn.gelu", "nn.silu", "nn.log_sigmoid", "linalg.inv", "linalg.det", "math.cumsum", "sort",
                "tile", "while_loop"]
SECOND_ORDER_SHAPES = {"matmul": ((2, 3), (3, 2)), "linalg.inv": ((3, 3),), "linalg.det": ((2, 3, 3),),
                       "nn.sparse_softmax_cross_entropy_with_logits": ((2, 3), (2,))}


def test_sparse_cross_entropy_gradient_is_differentiable_in_its_cotangent():
    """The fused gradient op's rule for dy (the logits' rule is covered by the second-order test)."""
    rng = np.random.default_rng(5)
    logits, labels, c2 = rng.normal(size=(2, 3)), [2, 0], rng.normal(size=(2, 3))

    def gradient_dot(weights):
        w, x = tf.constant(weights), tf.constant(logits)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x) * w)
        return tf.reduce_sum(inner.gradient(y, x) * c2)

    weights = np.array([0.3, -1.2])
    w = tf.constant(weights)
    with tf.GradientTape() as outer:
        outer.watch(w)
        x = tf.constant(logits)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x) * w)
        g = tf.reduce_sum(inner.gradient(y, x) * c2)
    numeric = _numeric_gradient(lambda v: float(gradient_dot(v[0])), [weights], 0)
    np.testing.assert_allclose(np.asarray(outer.gradient(g, w)), numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives_through_nested_tapes(name):
    case = next(c for c in CASES if c.name == name)
    arity = 2 if name in ("multiply", "divide", "pow") else 1
    shapes = SECOND_ORDER_SHAPES.get(name, ((2, 3),) * arity)
    arrays = _inputs(case, shapes, 7, np.float64)
    rng = np.random.default_rng(3)
    c1 = rng.normal(size=np.shape(case.ref(*arrays)))
    c2 = rng.normal(size=arrays[0].shape)

    def first_gradient_dot(values):
        x = [tf.constant(v) for v in values]
        with tf.GradientTape() as inner:
            inner.watch(x[0])
            y = tf.reduce_sum(case.fn(*x) * c1)
        return inner.gradient(y, x[0])

    x = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as outer:
        outer.watch(x[0])
        with tf.GradientTape() as inner:
            inner.watch(x[0])
            y = tf.reduce_sum(case.fn(*x) * c1)
        g = tf.reduce_sum(inner.gradient(y, x[0]) * c2)
    second = outer.gradient(g, x[0], unconnected_gradients="zero")  # zero when x0 enters linearly
    numeric = _numeric_gradient(lambda v: float(tf.reduce_sum(first_gradient_dot(v) * c2)), arrays, 0)
    np.testing.assert_allclose(np.asarray(second), numeric, rtol=1e-4, atol=1e-5)


def test_relu_gradient_is_differentiable_in_its_cotangent():
    """ReluGrad is linear in dy: d/dw of (d relu(x) * w / dx . c) is c where x > 0, else 0."""
    x = tf.constant([-1.0, 0.0, 2.0, 3.0])
    w = tf.constant([0.5, 2.0, -1.0, 4.0])
    c = tf.constant([1.0, 2.0, 3.0, 4.0])
    with tf.GradientTape() as outer:
        outer.watch(w)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.nn.relu(x) * w)
        g = tf.reduce_sum(inner.gradient(y, x) * c)
    second = outer.gradient(g, w)
    np.testing.assert_array_equal(second, [0.0, 0.0, 3.0, 4.0])
    assert second.dtype == tf.float32
