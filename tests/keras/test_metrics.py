"""Metrics: Hands-On ML's worked examples exactly, TensorFlow's documented examples, closed forms, errors."""

import numpy as np
import pytest

import minitf as tf
from minitf import keras
from minitf.keras import losses, metrics


def test_precision_book_example():
    precision = metrics.Precision()
    assert float(precision([0, 1, 1, 1, 0, 1, 0, 1], [1, 1, 0, 1, 0, 1, 0, 1])) == pytest.approx(0.8)
    assert float(precision([0, 1, 0, 0, 1, 0, 1, 1], [1, 0, 1, 1, 0, 0, 0, 0])) == pytest.approx(0.5)
    assert float(precision.result()) == pytest.approx(0.5)
    true_positives, false_positives = precision.variables
    assert (true_positives.name, true_positives.path) == ("true_positives", "precision/true_positives")  # Keras 3
    assert true_positives.shape == (1,) and isinstance(true_positives, keras.Variable)
    assert true_positives.numpy().tolist() == [4.0] and false_positives.numpy().tolist() == [4.0]
    precision.reset_states()
    assert [v.numpy().tolist() for v in precision.variables] == [[0.0], [0.0]]
    assert float(precision.result()) == 0.0


def create_huber(threshold=1.0):
    def huber_fn(y_true, y_pred):
        error = y_true - y_pred
        is_small_error = tf.abs(error) < threshold
        squared_loss = tf.square(error) / 2
        linear_loss = threshold * tf.abs(error) - threshold**2 / 2
        return tf.where(is_small_error, squared_loss, linear_loss)

    return huber_fn


class HuberMetric(metrics.Metric):
    """Hands-On ML's streaming metric (ch. 12), as printed in the book."""

    def __init__(self, threshold=1.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold
        self.huber_fn = create_huber(threshold)
        self.total = self.add_weight("total", initializer="zeros")
        self.count = self.add_weight("count", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        sample_metrics = self.huber_fn(y_true, y_pred)
        self.total.assign_add(tf.reduce_sum(sample_metrics))
        self.count.assign_add(tf.cast(tf.size(y_true), tf.float32))

    def result(self):
        return self.total / self.count

    def get_config(self):
        base_config = super().get_config()
        return {**base_config, "threshold": self.threshold}


def test_streaming_huber_metric_book_example():
    m = HuberMetric(2.0)
    # total = 2 * |10 - 2| - 2 ** 2 / 2 = 14; count = 1
    assert float(m(tf.constant([[2.0]]), tf.constant([[10.0]]))) == 14.0
    # total = 14 + |1 - 0| ** 2 / 2 + (2 * |9.25 - 5| - 2 ** 2 / 2) = 21; count = 3
    assert float(m(tf.constant([[0.0], [5.0]]), tf.constant([[1.0], [9.25]]))) == 7.0
    assert [v.name for v in m.variables] == ["total", "count"]
    assert m.name == "huber_metric" and m.get_config() == {"name": "huber_metric", "dtype": "float32",
                                                           "threshold": 2.0}
    m.reset_state()
    assert float(m.total) == 0.0 and float(m.count) == 0.0
    assert HuberMetric.from_config(m.get_config()).threshold == 2.0


def test_mean_and_sum_with_weights():
    m = metrics.Mean()
    m.update_state([1.0, 3.0, 5.0, 7.0])
    assert float(m.result()) == 4.0
    m.reset_state()
    m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 2.0
    m.update_state(tf.constant(10.0), sample_weight=2.0)
    assert float(m.result()) == pytest.approx((4.0 + 20.0) / 4)
    rows = metrics.Mean()
    rows.update_state([[1.0, 2.0], [3.0, 5.0]], sample_weight=[1.0, 3.0])  # per-sample means 1.5 and 4
    assert float(rows.result()) == pytest.approx((1.5 + 3 * 4.0) / 4)
    assert float(metrics.Mean().result()) == 0.0
    s = metrics.Sum()
    s.update_state([1.0, 3.0, 5.0, 7.0])
    s.update_state([1.0, 2.0], sample_weight=[2.0, 0.5])
    assert float(s.result()) == 19.0


# TensorFlow's documented examples: (metric, y_true, y_pred, sample_weight, result, weighted result)
DOCUMENTED = [
    (metrics.Accuracy, [[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0], 0.75, 0.5),
    (metrics.BinaryAccuracy, [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1], 0.75, 0.5),
    (metrics.CategoricalAccuracy, [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3], 0.5, 0.3),
    (metrics.SparseCategoricalAccuracy, [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], [0.7, 0.3], 0.5, 0.3),
    (metrics.MeanAbsoluteError, [[0, 1], [0, 0]], [[1, 1], [0, 0]], [1, 0], 0.25, 0.5),
    (metrics.MeanSquaredError, [[0, 1], [0, 0]], [[1, 1], [0, 0]], [1, 0], 0.25, 0.5),
    (metrics.RootMeanSquaredError, [[0, 1], [0, 0]], [[1, 1], [0, 0]], [1, 0], 0.5, 0.70710677),
    (metrics.Precision, [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0], 2 / 3, 1.0),
    (metrics.Recall, [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0], 2 / 3, 1.0),
]


@pytest.mark.parametrize("case", DOCUMENTED, ids=lambda c: c[0].__name__ if isinstance(c, tuple) else None)
def test_documented_examples(case):
    cls, y_true, y_pred, weights, plain, weighted = case
    m = cls()
    m.update_state(y_true, y_pred)
    assert float(m.result()) == pytest.approx(plain, rel=1e-6)
    m.reset_state()
    m.update_state(y_true, y_pred, sample_weight=weights)
    assert float(m.result()) == pytest.approx(weighted, rel=1e-6)


def test_precision_recall_thresholds_and_class_id():
    y_true = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype=np.float32)
    y_pred = np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.8], [0.7, 0.1]], dtype=np.float32)
    precision = metrics.Precision(thresholds=[0.25, 0.65])
    precision.update_state(y_true, y_pred)
    for k, t in enumerate([0.25, 0.65]):
        predicted = y_pred > t
        expected = (predicted & (y_true == 1)).sum() / predicted.sum()
        assert float(precision.result()[k]) == pytest.approx(expected)
    recall = metrics.Recall(class_id=1)
    recall.update_state(y_true, y_pred)
    assert float(recall.result()) == pytest.approx(1 / 2)  # class 1: positives in rows 1, 2; only row 2 found
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        metrics.Precision(thresholds=1.5)
    assert metrics.Recall(thresholds=0.3).get_config() == {"name": "recall", "dtype": "float32",
                                                           "thresholds": 0.3, "class_id": None}


def test_function_forms():
    np.testing.assert_array_equal(metrics.binary_accuracy([[1, 0], [0, 0]], [[0.7, 0.6], [0.2, 0.4]]).numpy(),
                                  [0.5, 1.0])
    np.testing.assert_array_equal(metrics.binary_accuracy([1, 0], [0.7, 0.6], threshold=0.55).numpy(), 0.5)
    np.testing.assert_array_equal(metrics.categorical_accuracy([[0, 1], [1, 0]], [[0.3, 0.7], [0.2, 0.8]]).numpy(),
                                  [1.0, 0.0])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(np.array([1, 0], np.uint8),
                                                                      [[0.3, 0.7], [0.2, 0.8]]).numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(tf.constant([[1.0], [0.0]]),
                                                                      [[0.3, 0.7], [0.2, 0.8]]).numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(metrics.accuracy([1, 2, 3], [1, 0, 3]).numpy(), [1.0, 0.0, 1.0])


def test_mean_metric_wrapper_casts_integer_labels_and_names_itself():
    m = metrics.MeanMetricWrapper(create_huber(2.0))
    assert m.name == "huber_fn"
    m.update_state(np.array([[2], [0]]), tf.constant([[10.0], [1.0]]))
    assert float(m.result()) == pytest.approx((14.0 + 0.5) / 2)
    wrapped = metrics.MeanMetricWrapper(losses.huber, name="h", delta=0.5)
    assert wrapped.get_config() == {"name": "h", "dtype": "float32", "delta": 0.5}


def test_get_and_get_metric():
    assert metrics.get("mae") is losses.mean_absolute_error
    assert metrics.get("mse") is losses.mean_squared_error
    assert metrics.get("binary_accuracy") is metrics.binary_accuracy
    assert metrics.get("sparse_categorical_accuracy") is metrics.sparse_categorical_accuracy
    assert isinstance(metrics.get("precision"), metrics.Precision)
    assert isinstance(metrics.get("Recall"), metrics.Recall)
    assert metrics.get(None) is None
    with pytest.raises(ValueError, match=r"Could not interpret metric identifier: 'acuracy'(.|\n)*'accuracy'"):
        metrics.get("acuracy")

    def resolved(identifier, y_true=None, y_pred=None):
        m = metrics.get_metric(identifier, y_true, y_pred)
        return type(m).__name__, m.name

    assert resolved("accuracy", (8, 1), (8, 1)) == ("BinaryAccuracy", "accuracy")
    assert resolved("accuracy", (8,), (8,)) == ("BinaryAccuracy", "accuracy")
    assert resolved("acc", (8,), (8, 10)) == ("SparseCategoricalAccuracy", "acc")
    assert resolved("accuracy", (8, 1), (8, 10)) == ("SparseCategoricalAccuracy", "accuracy")
    assert resolved("accuracy", tf.zeros((8, 10)), tf.zeros((8, 10))) == ("CategoricalAccuracy", "accuracy")
    assert resolved("mae") == ("MeanMetricWrapper", "mae")
    assert resolved("binary_accuracy") == ("MeanMetricWrapper", "binary_accuracy")
    assert resolved("precision") == ("Precision", "precision")
    assert resolved(create_huber(2.0)) == ("MeanMetricWrapper", "huber_fn")
    mine = metrics.Recall(name="my_recall")
    assert metrics.get_metric(mine) is mine and mine.name == "my_recall"
    with pytest.raises(ValueError, match="needs the shapes of the targets and predictions"):
        metrics.get_metric("accuracy")


def test_forgetting_super_init_is_a_clear_error():
    class Broken(metrics.Metric):
        def __init__(self):
            self.total = self.add_weight("total")

    with pytest.raises(RuntimeError, match=r"forgot to call `super\(\).__init__\(\)` in Broken.__init__"):
        Broken()


def test_add_weight_accepts_keras3_argument_order_and_initializers():
    class Holder(metrics.Metric):
        def __init__(self):
            super().__init__(name="holder", dtype="float64")
            self.vector = self.add_weight((3,), initializer="ones")
            self.counter = self.add_weight(name="counter", dtype="int32")

    h = Holder()
    assert h.vector.shape == (3,) and h.vector.dtype == tf.float64 and not h.vector.trainable
    assert h.counter.dtype == tf.int32
    h.vector.assign([5.0, 5.0, 5.0])
    h.reset_state()
    assert h.vector.numpy().tolist() == [1.0, 1.0, 1.0]


@pytest.mark.skipif(not hasattr(tf, "function"), reason="needs minitf.function")
def test_metrics_traced_for_any_batch_size_count_samples_when_they_run():
    mean, accuracy = metrics.Mean(), metrics.SparseCategoricalAccuracy()
    update_mean = tf.function(mean.update_state, input_signature=[tf.TensorSpec([None]), tf.TensorSpec([None])])
    update_accuracy = tf.function(accuracy.update_state,
                                  input_signature=[tf.TensorSpec([None], tf.int32), tf.TensorSpec([None, 3])])
    update_mean(tf.constant([1.0, 3.0]), tf.constant([1.0, 1.0]))
    update_mean(tf.constant([5.0, 7.0, 9.0]), tf.constant([1.0, 1.0, 2.0]))
    assert float(mean.result()) == pytest.approx((1 + 3 + 5 + 7 + 18) / 6)
    update_accuracy(tf.constant([0, 1]), tf.constant([[1.0, 0, 0], [1.0, 0, 0]]))
    update_accuracy(tf.constant([0, 1, 2, 2]), tf.constant([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [1.0, 0, 0]]))
    assert float(accuracy.result()) == pytest.approx(4 / 6) and float(accuracy.count) == 6


@pytest.mark.parametrize("metric", [metrics.BinaryAccuracy(threshold=0.3, name="ba"), metrics.Accuracy(),
                                    metrics.Precision(thresholds=[0.2, 0.7], class_id=1), metrics.Mean(dtype="float64"),
                                    metrics.RootMeanSquaredError()], ids=lambda m: type(m).__name__)
def test_metric_config_round_trip(metric):
    again = type(metric).from_config(metric.get_config())
    assert again.get_config() == metric.get_config()
    assert metrics.deserialize(metrics.serialize(metric)).get_config() == metric.get_config()


def test_wrappers_around_arbitrary_functions_refuse_from_config():
    with pytest.raises(TypeError, match="cannot be rebuilt from its config"):
        metrics.MeanMetricWrapper.from_config(metrics.MeanMetricWrapper(create_huber(1.0)).get_config())
    with pytest.raises(TypeError, match="cannot be rebuilt from its config"):
        losses.LossFunctionWrapper.from_config(losses.LossFunctionWrapper(create_huber(1.0)).get_config())


class RootMeanSquaredErrorFromTheBook(metrics.Metric):
    """Deep Learning with Python's custom metric (ch. 7): an int32 weight and its own reset_state."""

    def __init__(self, name="rmse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.mse_sum = self.add_weight(name="mse_sum", initializer="zeros")
        self.total_samples = self.add_weight(name="total_samples", initializer="zeros", dtype="int32")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = tf.one_hot(y_true, depth=tf.shape(y_pred)[1])
        mse = tf.reduce_sum(tf.square(y_true - y_pred))
        self.mse_sum.assign_add(mse)
        num_samples = tf.shape(y_pred)[0]
        self.total_samples.assign_add(num_samples)

    def result(self):
        return tf.sqrt(self.mse_sum / tf.cast(self.total_samples, tf.float32))

    def reset_state(self):
        self.mse_sum.assign(0.0)
        self.total_samples.assign(0)


def test_custom_metric_from_deep_learning_with_python():
    rmse = RootMeanSquaredErrorFromTheBook()
    y_pred = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], dtype=np.float32)
    rmse.update_state(np.array([0, 1, 1]), y_pred)
    squared = ((np.eye(2)[[0, 1, 1]] - y_pred) ** 2).sum()
    assert float(rmse.result()) == pytest.approx(np.sqrt(squared / 3))
    assert int(rmse.total_samples) == 3 and rmse.total_samples.dtype == tf.int32
    rmse.reset_state()
    assert float(rmse.mse_sum) == 0.0 and int(rmse.total_samples) == 0


@pytest.mark.parametrize("alias", ["bce", "BCE", "mae", "MAE", "mse", "MSE", "mape", "MAPE", "msle", "MSLE",
                                   "acc", "accuracy", "binary_accuracy", "root_mean_squared_error", "precision"])
def test_keras_3_metric_aliases_work_in_compile(alias):
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="mse", metrics=[alias])
    history = model.fit(np.ones((4, 3), "float32"), np.array([[0.0], [1.0], [1.0], [0.0]], "float32"), verbose=0)
    assert list(history.history) == ["loss", alias] and np.isfinite(history.history[alias][0])
