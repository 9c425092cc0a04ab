"""Initializers, activations, regularizers and constraints against NumPy closed forms."""

import math

import numpy as np
import pytest

import minitf as tf
from minitf.keras import activations, constraints, initializers, regularizers

X = np.array([-1e4, -30.0, -2.5, -0.7, 0.0, 0.3, 1.9, 30.0, 1e4], dtype=np.float32)


def _sigmoid(x):
    return 0.5 * (np.tanh(x / 2) + 1)


def _erf(x):
    return np.array([math.erf(v) for v in np.ravel(x)]).reshape(np.shape(x))


# name -> NumPy reference
ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "linear": lambda x: x,
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0))),
    "softplus": lambda x: np.logaddexp(0, x),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "swish": lambda x: x * _sigmoid(x),
    "silu": lambda x: x * _sigmoid(x),
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "hard_sigmoid": lambda x: np.clip((x + 3) / 6, 0, 1),
    "exponential": np.exp,
    # the rest of Keras 3's activation table
    "celu": lambda x: np.maximum(x, 0) + np.minimum(np.expm1(np.minimum(x, 0)), 0),
    "hard_silu": lambda x: x * np.clip((x + 3) / 6, 0, 1),
    "hard_swish": lambda x: x * np.clip((x + 3) / 6, 0, 1),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "log_sigmoid": lambda x: -np.logaddexp(0, -x),
    "mish": lambda x: x * np.tanh(np.logaddexp(0, x)),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "sparse_sigmoid": lambda x: np.clip((x + 1) / 2, 0, 1),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_numpy(name):
    x = X.astype(np.float64)
    if name == "exponential":
        x = x[np.abs(x) < 50]
    got = activations.get(name)(tf.constant(x)).numpy()
    np.testing.assert_allclose(got, ACTIVATIONS[name](x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(set(ACTIVATIONS) - {"exponential", "linear"}))
def test_activation_gradient_is_finite_at_extremes(name):
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = activations.get(name)(x)
    grad = tape.gradient(y, x).numpy()
    assert np.all(np.isfinite(grad)), (name, grad)


def test_softmax_rows_sum_to_one_even_at_extreme_logits():
    out = activations.softmax(tf.constant([[1e4, 0.0, -1e4], [1.0, 2.0, 3.0]])).numpy()
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(out[0], [1.0, 0.0, 0.0])
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(out[1], e / e.sum(), rtol=1e-6)


def test_softmax_and_log_softmax_against_numpy_along_any_axis():
    """The two activations the NumPy table above leaves out (they normalize along an axis, not element-wise)."""
    z = np.random.default_rng(3).normal(size=(3, 4)) * 3
    for axis in (-1, 0):
        log_p = z - z.max(axis=axis, keepdims=True)
        log_p -= np.log(np.exp(log_p).sum(axis=axis, keepdims=True))
        np.testing.assert_allclose(activations.softmax(tf.constant(z), axis=axis).numpy(), np.exp(log_p), rtol=1e-6)
        np.testing.assert_allclose(activations.log_softmax(tf.constant(z), axis=axis).numpy(), log_p, rtol=1e-6)


def test_relu_options_and_gelu_approximate():
    x = tf.constant([-2.0, -0.5, 0.5, 3.0, 8.0])
    np.testing.assert_allclose(activations.relu(x, negative_slope=0.1, max_value=6.0, threshold=1.0).numpy(),
                               [-0.3, -0.15, -0.05, 3.0, 6.0], rtol=1e-6)
    v = x.numpy()
    tanh_form = 0.5 * v * (1 + np.tanh(np.sqrt(2 / np.pi) * (v + 0.044715 * v**3)))
    np.testing.assert_allclose(activations.gelu(x, approximate=True).numpy(), tanh_form, rtol=1e-6)


def test_activation_get_serialize_and_errors():
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu
    assert activations.get(np.tanh) is np.tanh
    assert activations.serialize(activations.relu) == "relu"
    assert activations.deserialize("selu") is activations.selu
    with pytest.raises(ValueError, match=r"Could not interpret activation function identifier: 'rleu'(.|\n)*'relu'"):
        activations.get("rleu")
    with pytest.raises(ValueError, match="Could not interpret activation function identifier: 3"):
        activations.get(3)


def test_constant_zeros_ones_identity():
    assert initializers.Zeros()((2, 3)).numpy().tolist() == [[0.0] * 3] * 2
    assert initializers.get("ones")(4, dtype="float64").dtype == tf.float64
    np.testing.assert_array_equal(initializers.Constant(2.5)([2]).numpy(), [2.5, 2.5])
    np.testing.assert_array_equal(initializers.Identity(gain=2.0)((2, 3)).numpy(), 2 * np.eye(2, 3))
    with pytest.raises(ValueError, match="Identity initializer requires a 2-D shape"):
        initializers.Identity()((2, 2, 2))


def test_compute_fans():
    assert initializers.compute_fans(()) == (1, 1)
    assert initializers.compute_fans((7,)) == (7, 7)
    assert initializers.compute_fans((20, 30)) == (20, 30)
    assert initializers.compute_fans((3, 3, 16, 32)) == (144, 288)


# name -> (expected stddev of the values for shape (400, 600), bound or None)
FAN_IN, FAN_OUT = 400, 600
VARIANCE_SCALING = {
    "glorot_uniform": (math.sqrt(2 / (FAN_IN + FAN_OUT)), math.sqrt(6 / (FAN_IN + FAN_OUT))),
    "glorot_normal": (math.sqrt(2 / (FAN_IN + FAN_OUT)), None),
    "he_uniform": (math.sqrt(2 / FAN_IN), math.sqrt(6 / FAN_IN)),
    "he_normal": (math.sqrt(2 / FAN_IN), None),
    "lecun_normal": (math.sqrt(1 / FAN_IN), None),
    "lecun_uniform": (math.sqrt(1 / FAN_IN), math.sqrt(3 / FAN_IN)),
}


@pytest.mark.parametrize("name", sorted(VARIANCE_SCALING))
def test_variance_scaling_family_has_the_documented_spread(name):
    stddev, bound = VARIANCE_SCALING[name]
    values = initializers.get(name)((FAN_IN, FAN_OUT)).numpy()
    assert values.dtype == np.float32
    assert abs(values.mean()) < 0.02 * stddev * 10
    assert values.std() == pytest.approx(stddev, rel=0.02)
    if bound is not None:
        assert np.abs(values).max() <= bound
    else:  # truncated at two standard deviations of the untruncated normal
        assert np.abs(values).max() <= 2 * stddev / 0.87962566103423978 + 1e-6


def test_random_initializers_and_seeding():
    normal = initializers.RandomNormal(mean=1.0, stddev=0.5)((200, 200)).numpy()
    assert normal.mean() == pytest.approx(1.0, abs=0.01) and normal.std() == pytest.approx(0.5, rel=0.02)
    uniform = initializers.RandomUniform(-2.0, 3.0)((200, 200)).numpy()
    assert uniform.min() >= -2.0 and uniform.max() < 3.0 and uniform.mean() == pytest.approx(0.5, abs=0.05)
    trunc = initializers.TruncatedNormal(stddev=2.0)((200, 200)).numpy()
    assert np.abs(trunc).max() <= 4.0
    untrunc = initializers.VarianceScaling(scale=4.0, mode="fan_out", distribution="untruncated_normal")
    assert untrunc((300, 100)).numpy().std() == pytest.approx(math.sqrt(4.0 / 100), rel=0.03)

    tf.random.set_seed(7)
    first = initializers.GlorotUniform(seed=3)((5, 5)).numpy()
    tf.random.set_seed(7)
    again = initializers.GlorotUniform(seed=3)((5, 5)).numpy()
    np.testing.assert_array_equal(first, again)
    unseeded = initializers.GlorotUniform()
    assert not np.array_equal(unseeded((5, 5)).numpy(), unseeded((5, 5)).numpy())


def test_initializer_config_round_trip_and_errors():
    init = initializers.VarianceScaling(scale=2.0, mode="fan_avg", distribution="uniform", seed=4)
    again = initializers.deserialize(initializers.serialize(init))
    assert isinstance(again, initializers.VarianceScaling) and again.get_config() == init.get_config()
    assert initializers.get({"class_name": "HeNormal", "config": {"seed": 1}}).seed == 1
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
    assert initializers.get(None) is None
    with pytest.raises(ValueError, match="Invalid `mode` argument"):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="Invalid `distribution` argument"):
        initializers.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="Argument `scale` must be positive"):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match=r"Could not interpret initializer identifier: 'glorot'(.|\n)*Did you mean"):
        initializers.get("glorot")


def test_regularizers_closed_forms():
    w = np.array([[1.0, -2.0], [0.5, 3.0]], dtype=np.float32)
    assert float(regularizers.L1(0.1)(tf.constant(w))) == pytest.approx(0.1 * np.abs(w).sum())
    assert float(regularizers.l2(0.01)(tf.constant(w))) == pytest.approx(0.01 * (w**2).sum())
    both = regularizers.L1L2(l1=0.2, l2=0.3)
    assert float(both(tf.constant(w))) == pytest.approx(0.2 * np.abs(w).sum() + 0.3 * (w**2).sum(), rel=1e-6)
    assert float(regularizers.L1L2()(tf.constant(w))) == 0.0
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    assert regularizers.l1_l2().get_config() == {"l1": 0.01, "l2": 0.01}
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    assert regularizers.get(None) is None
    assert regularizers.deserialize(regularizers.serialize(both)).get_config() == both.get_config()
    with pytest.raises(ValueError, match=r"Value for argument `l2` must be a non-negative float. Received: l2=-1"):
        regularizers.L2(-1)
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: 'l3'"):
        regularizers.get("l3")


def test_regularizer_is_differentiable():
    w = tf.Variable([[1.0, -2.0]])
    with tf.GradientTape() as tape:
        penalty = regularizers.L1L2(l1=0.5, l2=0.25)(w)
    np.testing.assert_allclose(tape.gradient(penalty, w).numpy(), [[0.5 + 0.5 * 1.0, -0.5 + 0.5 * -2.0]])


def test_constraints_closed_forms():
    w = np.array([[3.0, 0.1, -1.0], [4.0, 0.2, 0.0]], dtype=np.float32)
    norms = np.sqrt((w**2).sum(axis=0, keepdims=True))
    got = constraints.MaxNorm(max_value=2.0)(tf.constant(w)).numpy()
    np.testing.assert_allclose(got, w * np.clip(norms, 0, 2.0) / (1e-7 + norms), rtol=1e-6)
    np.testing.assert_allclose(constraints.get("non_neg")(tf.constant(w)).numpy(), np.maximum(w, 0))
    np.testing.assert_allclose(constraints.UnitNorm(axis=1)(tf.constant(w)).numpy(),
                               w / (1e-7 + np.sqrt((w**2).sum(axis=1, keepdims=True))), rtol=1e-6)
    mm = constraints.MinMaxNorm(min_value=1.0, max_value=2.0, rate=0.5)(tf.constant(w)).numpy()
    desired = 0.5 * np.clip(norms, 1.0, 2.0) + 0.5 * norms
    np.testing.assert_allclose(mm, w * desired / (1e-7 + norms), rtol=1e-6)
    assert constraints.get(None) is None
    assert constraints.deserialize(constraints.serialize(constraints.MaxNorm(3, axis=1))).get_config() == {
        "max_value": 3, "axis": 1}
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: 'max'"):
        constraints.get("max")


# Keras 3's string identifiers (keras/src/*/__init__.py: class names, their snake_case, and the aliases)
INITIALIZER_ALIASES = {"uniform": "RandomUniform", "normal": "RandomNormal", "one": "Ones", "zero": "Zeros",
                       "ones": "Ones", "zeros": "Zeros", "truncated_normal": "TruncatedNormal",
                       "orthogonal": "OrthogonalInitializer", "Orthogonal": "OrthogonalInitializer",
                       "orthogonal_initializer": "OrthogonalInitializer", "random_normal": "RandomNormal",
                       "glorot_uniform": "GlorotUniform", "he_normal": "HeNormal",
                       "variance_scaling": "VarianceScaling"}


@pytest.mark.parametrize("name", sorted(INITIALIZER_ALIASES))
def test_keras_3_initializer_aliases(name):
    assert type(initializers.get(name)).__name__ == INITIALIZER_ALIASES[name]
    layer = tf.keras.layers.Dense(3, kernel_initializer=name)
    assert layer(tf.ones((1, 4))).shape == (1, 3)


def test_orthogonal_initializer_gives_orthonormal_rows_or_columns():
    for shape in [(3, 5), (6, 2), (2, 3, 4)]:
        w = initializers.get("orthogonal")(shape).numpy().reshape(-1, shape[-1]).astype(np.float64)
        gram = w @ w.T if w.shape[0] < w.shape[1] else w.T @ w
        np.testing.assert_allclose(gram, np.eye(len(gram)), atol=1e-5)
    doubled = initializers.OrthogonalInitializer(gain=2.0)((4, 4)).numpy()
    np.testing.assert_allclose(doubled.T @ doubled, 4 * np.eye(4), atol=1e-4)
    with pytest.raises(ValueError, match="at least two-dimensional"):
        initializers.get("orthogonal")((4,))


ACTIVATION_STRINGS = ["celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
                      "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu",
                      "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
                      "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink"]


@pytest.mark.parametrize("name", ACTIVATION_STRINGS)
def test_every_keras_3_activation_name_works_as_a_dense_activation_string(name):
    layer = tf.keras.layers.Dense(4, activation=name, kernel_initializer="identity")
    x = np.array([[-1.5, -0.2, 0.3, 2.0]], np.float32)
    expected = activations.get(name)(tf.constant(x)).numpy()
    np.testing.assert_allclose(layer(x).numpy()[:, :expected.shape[1]], expected, rtol=1e-6)
    assert tf.keras.layers.Dense.from_config(layer.get_config()).get_config()["activation"] == (
        "silu" if name == "swish" else "hard_silu" if name == "hard_swish" else name)


def test_glu_and_threshold():
    x = tf.constant([[1.0, -2.0, 0.0, 3.0]])
    np.testing.assert_allclose(activations.glu(x).numpy(), [[1.0 * _sigmoid(0.0), -2.0 * _sigmoid(3.0)]], rtol=1e-6)
    with pytest.raises(ValueError, match="divisible by 2"):
        activations.glu(tf.ones((1, 3)))
    np.testing.assert_allclose(activations.threshold(x, 0.5, -1.0).numpy(), [[1.0, -1.0, -1.0, 3.0]])


def _sparsemax(z):
    """NumPy reference: the Euclidean projection of each row onto the probability simplex."""
    out = np.empty_like(z)
    for i, row in enumerate(z):
        ordered = np.sort(row)[::-1]
        cumulative = np.cumsum(ordered)
        k = np.max(np.nonzero(1 + np.arange(1, len(row) + 1) * ordered > cumulative)[0]) + 1
        out[i] = np.maximum(row - (cumulative[k - 1] - 1) / k, 0)
    return out


def test_sparsemax_projects_onto_the_simplex_with_exact_zeros():
    z = np.random.default_rng(0).normal(size=(6, 5)) * 2
    got = activations.sparsemax(tf.constant(z)).numpy()
    np.testing.assert_allclose(got, _sparsemax(z), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got.sum(axis=-1), 1.0)
    assert (got == 0).any()
    np.testing.assert_allclose(activations.sparsemax(tf.constant(z.T), axis=0).numpy(), got.T, rtol=1e-10)
    x = tf.constant([[0.1, 1.2, 1.0, -2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = tf.reduce_sum(activations.sparsemax(x) * tf.constant([[1.0, 2.0, 3.0, 4.0]]))
    # on the support {1.2, 1.0} the Jacobian is I - 1/k: the cotangent minus its mean there, 0 elsewhere
    np.testing.assert_allclose(tape.gradient(value, x).numpy(), [[0.0, -0.5, 0.5, 0.0]], atol=1e-6)

