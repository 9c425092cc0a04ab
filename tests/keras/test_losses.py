"""Losses against NumPy closed forms, TensorFlow's documented examples, and extreme inputs."""

import numpy as np
import pytest

import minitf as tf
from minitf.errors import InvalidArgumentError
from minitf.keras import losses

RNG = np.random.default_rng(1)
N, C = 6, 4
Y_REG = RNG.normal(size=(N, 3))
P_REG = RNG.normal(size=(N, 3)) * 2
LABELS = RNG.integers(0, C, size=N)
ONE_HOT = np.eye(C)[LABELS]
LOGITS = RNG.normal(size=(N, C)) * 3
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
BIN_TRUE = RNG.integers(0, 2, size=(N, 3)).astype(float)
BIN_LOGITS = RNG.normal(size=(N, 3)) * 3
BIN_PROBS = 1 / (1 + np.exp(-BIN_LOGITS))


def _np_huber(t, p, delta):
    e = np.abs(p - t)
    return np.where(e <= delta, 0.5 * e**2, delta * e - 0.5 * delta**2).mean(-1)


def _np_bce(t, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)


# function -> (args, kwargs, NumPy reference of the per-sample losses)
PER_SAMPLE = {
    "mse": ((Y_REG, P_REG), {}, ((P_REG - Y_REG) ** 2).mean(-1)),
    "mae": ((Y_REG, P_REG), {}, np.abs(P_REG - Y_REG).mean(-1)),
    "huber": ((Y_REG, P_REG), {"delta": 1.5}, _np_huber(Y_REG, P_REG, 1.5)),
    "binary_crossentropy": ((BIN_TRUE, BIN_PROBS), {}, _np_bce(BIN_TRUE, BIN_PROBS)),
    "binary_crossentropy/logits": ((BIN_TRUE, BIN_LOGITS), {"from_logits": True}, _np_bce(BIN_TRUE, BIN_PROBS)),
    "categorical_crossentropy": ((ONE_HOT, PROBS), {}, -np.log(PROBS[np.arange(N), LABELS])),
    "categorical_crossentropy/logits": ((ONE_HOT, LOGITS), {"from_logits": True},
                                        -np.log(PROBS[np.arange(N), LABELS])),
    "sparse_categorical_crossentropy": ((LABELS, PROBS), {}, -np.log(PROBS[np.arange(N), LABELS])),
    "sparse_categorical_crossentropy/logits": ((LABELS, LOGITS), {"from_logits": True},
                                               -np.log(PROBS[np.arange(N), LABELS])),
}


@pytest.mark.parametrize("case", sorted(PER_SAMPLE))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_function_forms_match_numpy(case, dtype):
    (y_true, y_pred), kwargs, expected = PER_SAMPLE[case]
    fn = losses.get(case.split("/")[0])
    labels = y_true if y_true.dtype.kind == "i" else y_true.astype(dtype)
    got = fn(tf.constant(labels), tf.constant(y_pred.astype(dtype)), **kwargs)
    assert got.dtype == tf.as_dtype(dtype) and got.shape == (N,)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5 if dtype == np.float32 else 1e-9, atol=1e-6)


@pytest.mark.parametrize("case", sorted(PER_SAMPLE))
def test_function_forms_gradients_match_finite_differences(case):
    (y_true, y_pred), kwargs, _ = PER_SAMPLE[case]
    fn = losses.get(case.split("/")[0])
    cotangent = tf.constant(RNG.normal(size=N))
    check = tf.test.check_gradients(lambda p: fn(y_true, p, **kwargs) * cotangent, tf.constant(y_pred[:, :]))
    assert check, check


# TensorFlow's documented examples for the loss classes: (class, kwargs, y_true, y_pred, results)
Y2_TRUE, Y2_PRED = [[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]]
DOCUMENTED = [
    (losses.MeanSquaredError, {}, [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]], [0.7, 0.3],
     0.5, 0.25, 1.0, [0.5, 0.5]),
    (losses.MeanAbsoluteError, {}, [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]], [0.7, 0.3],
     0.5, 0.25, 1.0, [0.5, 0.5]),
    (losses.BinaryCrossentropy, {}, Y2_TRUE, Y2_PRED, [1, 0], 0.815, 0.458, 1.630, [0.916, 0.714]),
    (losses.Huber, {}, Y2_TRUE, Y2_PRED, [1, 0], 0.155, 0.09, 0.31, [0.18, 0.13]),
    (losses.CategoricalCrossentropy, {}, [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], [0.3, 0.7],
     1.177, 0.814, 2.354, [0.0513, 2.303]),
    (losses.SparseCategoricalCrossentropy, {}, [1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], [0.3, 0.7],
     1.177, 0.814, 2.354, [0.0513, 2.303]),
]


@pytest.mark.parametrize("case", DOCUMENTED, ids=lambda c: c[0].__name__ if isinstance(c, tuple) else None)
def test_documented_examples_and_reductions(case):
    cls, kwargs, y_true, y_pred, weights, mean, weighted, total, per_sample = case
    assert float(cls(**kwargs)(y_true, y_pred)) == pytest.approx(mean, abs=1e-3)
    assert float(cls(**kwargs)(y_true, y_pred, sample_weight=weights)) == pytest.approx(weighted, abs=1e-3)
    assert float(cls(reduction="sum", **kwargs)(y_true, y_pred)) == pytest.approx(total, abs=1e-3)
    none = cls(reduction="none", **kwargs)(y_true, y_pred).numpy()
    np.testing.assert_allclose(none, per_sample, atol=2e-3)


def test_sample_weight_shapes_and_sum_over_batch_size():
    y_true, y_pred = np.array([[1.0], [2.0], [3.0]]), np.array([[2.0], [2.0], [5.0]])
    per_sample = ((y_pred - y_true) ** 2).ravel()  # [1, 0, 4]
    mse = losses.MeanSquaredError()
    w = np.array([2.0, 1.0, 0.5])
    expected = (per_sample * w).sum() / 3  # divided by the number of samples, not the sum of weights
    for weights in (w, w[:, None], list(w)):
        assert float(mse(y_true, y_pred, sample_weight=weights)) == pytest.approx(expected)
    assert float(mse(y_true, y_pred, sample_weight=2.0)) == pytest.approx(2 * per_sample.mean())
    none = losses.MeanSquaredError(reduction="none")(y_true, y_pred, sample_weight=w)
    np.testing.assert_allclose(none.numpy(), per_sample * w)


def test_targets_of_rank_one_do_not_broadcast_against_column_predictions():
    y_true = np.array([1.0, 2.0, 3.0])
    y_pred = np.array([[1.5], [2.0], [2.0]], dtype=np.float32)
    per_sample = losses.mse(y_true, y_pred)
    np.testing.assert_allclose(per_sample.numpy(), [0.25, 0.0, 1.0])
    assert float(losses.MeanSquaredError()(y_true, y_pred)) == pytest.approx(1.25 / 3)
    assert float(losses.MeanSquaredError()(y_pred, y_true)) == pytest.approx(1.25 / 3)
    assert losses.BinaryCrossentropy()([1, 0, 1], [[0.9], [0.2], [0.6]]).shape == ()
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy([[1], [0]], [[0.2, 0.8], [0.6, 0.4]]).numpy(),
                               -np.log([0.8, 0.6]), rtol=1e-6)


def test_integer_labels_work_with_float_predictions():
    assert float(losses.MeanAbsoluteError()(np.array([1, 2]), tf.constant([1.5, 3.0]))) == pytest.approx(0.75)
    assert losses.mse(tf.constant([[1, 2]]), tf.constant([[1.0, 2.0]], dtype=tf.float64)).dtype == tf.float64
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(np.array([0, 1], np.uint8),
                                                                      [[0.5, 0.5], [0.25, 0.75]]).numpy(),
                               -np.log([0.5, 0.75]), rtol=1e-6)


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_extreme_logits_give_finite_exact_losses_and_gradients(dtype):
    big = 1e4
    logits = tf.constant([[big, -big, 0.0], [-big, big, 0.0]], dtype=dtype)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        sparse = losses.sparse_categorical_crossentropy([1, 1], logits, from_logits=True)
        dense = losses.categorical_crossentropy([[0, 1, 0], [0, 1, 0]], logits, from_logits=True)
        binary = losses.binary_crossentropy([[1, 0, 1], [1, 0, 1]], logits, from_logits=True)
    np.testing.assert_allclose(sparse.numpy(), [2 * big, 0.0])
    np.testing.assert_allclose(dense.numpy(), [2 * big, 0.0])
    np.testing.assert_allclose(binary.numpy(), [(0 + 0 + np.log(2)) / 3, (big + big + np.log(2)) / 3], rtol=1e-6)
    for value in (sparse, dense, binary):
        grad = tape.gradient(value, logits).numpy()
        assert np.all(np.isfinite(grad))


def test_probabilities_of_exactly_zero_and_one_are_clipped():
    cap = -np.log(1e-7)
    high = np.float64(np.float32(1 - 1e-7))  # the upper clip as float32 rounds it
    bce = losses.binary_crossentropy([[1.0, 0.0, 1.0]], [[0.0, 1.0, 1.0]]).numpy()
    np.testing.assert_allclose(bce, [(cap - np.log(1 - high) - np.log(high)) / 3], rtol=1e-5)
    cce = losses.categorical_crossentropy([[1.0, 0.0]], [[0.0, 1.0]]).numpy()
    np.testing.assert_allclose(cce, [cap], rtol=1e-3)
    scce = losses.sparse_categorical_crossentropy([0], [[0.0, 1.0]]).numpy()
    np.testing.assert_allclose(scce, [cap], rtol=1e-3)
    p = tf.constant([[0.0, 1.0]])
    with tf.GradientTape() as tape:
        tape.watch(p)
        loss = losses.binary_crossentropy([[1.0, 0.0]], p)
    assert np.all(np.isfinite(tape.gradient(loss, p).numpy()))


def test_label_smoothing():
    y_true, y_pred = np.array([[1.0, 0.0]]), np.array([[0.9, 0.2]])
    smoothed = y_true * 0.8 + 0.1
    np.testing.assert_allclose(losses.binary_crossentropy(y_true, y_pred, label_smoothing=0.2).numpy(),
                               _np_bce(smoothed, y_pred), rtol=1e-6)
    probs = np.array([[0.7, 0.2, 0.1]])
    target = np.array([[1.0, 0.0, 0.0]]) * 0.7 + 0.3 / 3
    np.testing.assert_allclose(losses.CategoricalCrossentropy(label_smoothing=0.3)([[1, 0, 0]], probs).numpy(),
                               -(target * np.log(probs)).sum(), rtol=1e-6)


class HuberLoss(losses.Loss):
    """Hands-On ML's custom loss (ch. 12): a threshold set in __init__ and saved in get_config."""

    def __init__(self, threshold=1.0, **kwargs):
        self.threshold = threshold
        super().__init__(**kwargs)

    def call(self, y_true, y_pred):
        error = y_true - y_pred
        is_small_error = tf.abs(error) < self.threshold
        squared_loss = tf.square(error) / 2
        linear_loss = self.threshold * tf.abs(error) - self.threshold**2 / 2
        return tf.where(is_small_error, squared_loss, linear_loss)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


def test_custom_loss_subclass_from_the_book():
    loss = HuberLoss(2.0)
    assert loss.name == "huber_loss" and loss.reduction == "sum_over_batch_size"
    # |10 - 2| = 8 > 2: 2 * 8 - 2; |1 - 0| = 1 < 2: 1 / 2
    assert float(loss([[2.0], [0.0]], [[10.0], [1.0]])) == pytest.approx((14.0 + 0.5) / 2)
    again = HuberLoss.from_config(loss.get_config())
    assert again.threshold == 2.0 and again.get_config() == {"name": "huber_loss", "reduction":
                                                             "sum_over_batch_size", "threshold": 2.0}
    assert float(HuberLoss(reduction="sum")([[2.0], [0.0]], [[10.0], [1.0]])) == pytest.approx(7.5 + 0.5)


def test_loss_function_wrapper_and_config_round_trip():
    def huber_fn(y_true, y_pred):
        return losses.huber(y_true, y_pred, delta=0.5)

    wrapped = losses.LossFunctionWrapper(huber_fn)
    assert wrapped.name == "huber_fn"
    assert float(wrapped([[0.0]], [[2.0]])) == pytest.approx(0.5 * 2 - 0.125)
    bce = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum", name="bce")
    config = bce.get_config()
    assert config == {"name": "bce", "reduction": "sum", "from_logits": True, "label_smoothing": 0.1, "axis": -1}
    again = losses.deserialize(losses.serialize(bce))
    assert isinstance(again, losses.BinaryCrossentropy) and again.get_config() == config
    assert losses.Huber(delta=3.0).get_config()["delta"] == 3.0


def test_get_resolves_names_instances_and_callables():
    assert losses.get("mse") is losses.mean_squared_error is losses.mse
    assert losses.get("mean_absolute_error") is losses.mae
    assert losses.get("binary_crossentropy") is losses.binary_crossentropy
    assert losses.get("sparse_categorical_crossentropy") is losses.sparse_categorical_crossentropy
    assert losses.get("huber") is losses.huber
    assert isinstance(losses.get("MeanSquaredError"), losses.MeanSquaredError)
    instance = losses.Huber()
    assert losses.get(instance) is instance
    assert losses.get(HuberLoss).threshold == 1.0
    assert losses.get(None) is None
    with pytest.raises(ValueError, match=r"Could not interpret loss identifier: 'sparse_categorical_crossentopy'"
                                         r"(.|\n)*Did you mean 'sparse_categorical_crossentropy'"):
        losses.get("sparse_categorical_crossentopy")
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 42"):
        losses.get(42)


def test_clear_errors():
    with pytest.raises(ValueError, match=r"Invalid value for argument `reduction`. Expected one of .* "
                                         r"Received: reduction='mean_of_batch'"):
        losses.MeanSquaredError(reduction="mean_of_batch")
    with pytest.raises(ValueError, match=r"Arguments `target` and `output` must have the same shape(.|\n)*"
                                         r"use sparse_categorical_crossentropy"):
        losses.CategoricalCrossentropy()([1, 2], [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    with pytest.raises(InvalidArgumentError, match=r"Received a label value of 3 which is outside the valid range "
                                                   r"of \[0, 3\)"):
        losses.SparseCategoricalCrossentropy()([0, 3], [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    with pytest.raises(ValueError, match=r"must have rank \(ndim\) `target.ndim - 1`(.|\n)*categorical_crossentropy"):
        losses.sparse_categorical_crossentropy([[0, 1, 0]], [[0.2, 0.3, 0.5]])
    with pytest.raises(NotImplementedError, match="must implement call"):
        losses.Loss()([1.0], [1.0])


@pytest.mark.skipif(not hasattr(tf, "function"), reason="needs minitf.function")
@pytest.mark.parametrize("loss", [losses.MeanSquaredError(), losses.Huber(), losses.BinaryCrossentropy()])
def test_a_loss_traced_for_any_batch_size_counts_the_batch_when_it_runs(loss):
    spec = tf.TensorSpec([None, 1])
    traced = tf.function(lambda y, p, w: loss(y, p, sample_weight=w),
                         input_signature=[spec, spec, tf.TensorSpec([None])])
    for n in (2, 5):
        y = tf.constant(np.full((n, 1), 0.25, np.float32))
        p = tf.constant(np.linspace(0.1, 0.9, n, dtype=np.float32)[:, None])
        w = tf.constant(np.arange(1, n + 1, dtype=np.float32))
        assert float(traced(y, p, w)) == pytest.approx(float(loss(y, p, sample_weight=w)), rel=1e-6)


@pytest.mark.skipif(not hasattr(tf, "function"), reason="needs minitf.function")
def test_labels_of_probabilities_are_checked_by_the_one_engine_op_each_time_a_traced_loss_runs():
    """Keras 3 sends probabilities through sparse_softmax_cross_entropy_with_logits as clipped log-probabilities."""
    loss = losses.SparseCategoricalCrossentropy()
    probabilities = tf.constant([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    traced = tf.function(lambda y, p: loss(y, p))
    expected = -np.mean(np.log([0.2, 0.8]))
    assert float(traced(tf.constant([0, 2]), probabilities)) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(InvalidArgumentError, match=r"label value of 3 .*\[0, 3\)(.|\n)*SparseSoftmaxCrossEntropy"):
        traced(tf.constant([0, 3]), probabilities)  # the same trace, replayed with a bad label


# Keras 3's loss table: class names, function names, and bce/BCE, kld/KLD, mae/MAE, mse/MSE, mape/MAPE, msle/MSLE
LOSS_ALIASES = {"bce": "binary_crossentropy", "BCE": "binary_crossentropy", "kld": "kl_divergence",
                "KLD": "kl_divergence", "mae": "mean_absolute_error", "MAE": "mean_absolute_error",
                "mse": "mean_squared_error", "MSE": "mean_squared_error", "mape": "mean_absolute_percentage_error",
                "MAPE": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
                "MSLE": "mean_squared_logarithmic_error"}


@pytest.mark.parametrize("alias", sorted(LOSS_ALIASES))
def test_keras_3_loss_aliases(alias):
    assert losses.get(alias) is getattr(losses, LOSS_ALIASES[alias])
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss=alias)
    assert np.isfinite(model.evaluate(np.ones((4, 3), "float32"), np.full((4, 2), 0.5, "float32"), verbose=0))


def test_percentage_logarithmic_and_kl_losses_match_their_formulas():
    y_true = np.array([[0.2, 0.8], [0.5, 0.5]], np.float32)
    y_pred = np.array([[0.4, 0.6], [0.9, 0.1]], np.float32)
    np.testing.assert_allclose(losses.MeanAbsolutePercentageError()(y_true, y_pred).numpy(),
                               np.mean(100 * np.abs(y_true - y_pred) / y_true), rtol=1e-6)
    np.testing.assert_allclose(losses.MeanSquaredLogarithmicError()(y_true, y_pred).numpy(),
                               np.mean((np.log1p(y_pred) - np.log1p(y_true)) ** 2), rtol=1e-5)
    np.testing.assert_allclose(losses.KLDivergence()(y_true, y_pred).numpy(),
                               np.mean(np.sum(y_true * np.log(y_true / y_pred), axis=-1)), rtol=1e-5)
    # targets of 0: the percentage is taken of 1e-7 rather than dividing by zero, as Keras does
    assert np.isfinite(losses.mape([[0.0]], [[1.0]]).numpy()).all()


@pytest.mark.parametrize("loss", [losses.MeanSquaredError(), losses.BinaryCrossentropy(), losses.Huber(),
                                  losses.MeanSquaredError(reduction="sum")])
def test_a_loss_of_an_empty_batch_returns_the_empty_losses_as_keras_3(loss):
    """Keras 3's reduce_values returns values of shape (0,) unreduced: no NaN from a mean of nothing."""
    result = loss(np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32))
    assert result.shape == (0,) and result.dtype == tf.float32
    sparse = losses.SparseCategoricalCrossentropy()(np.zeros((0,), np.int64), np.zeros((0, 3), np.float32))
    assert sparse.shape == (0,)
