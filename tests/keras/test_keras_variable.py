"""``keras.Variable``, Keras 3's public variable class: made from a value or an initializer and a shape, named
``name`` with a ``path``, and (in minitf) a ``minitf.Variable``; its initializer runs outside traces and tapes."""

import numpy as np
import pytest

import minitf as tf
from minitf import keras
from minitf.keras import backend, initializers, layers, metrics, optimizers


@pytest.fixture(autouse=True)
def fresh_names():
    """Default names count up within a session (``variable``, ``variable_1``): each test starts from zero."""
    saved = dict(backend._NAME_COUNTS)
    backend._NAME_COUNTS.clear()
    yield
    backend._NAME_COUNTS.clear()
    backend._NAME_COUNTS.update(saved)


# -- the Keras 3 guide's examples -----------------------------------------------------------------------------------
def test_a_variable_from_a_numpy_array_keeps_its_dtype_and_is_named_variable():
    v = keras.Variable(initializer=np.ones((3, 3)))
    assert (v.name, v.path, v.dtype, v.shape, v.trainable) == ("variable", "variable", tf.float64, (3, 3), True)
    np.testing.assert_array_equal(v.numpy(), np.ones((3, 3)))
    assert keras.Variable([1.0, 2.0]).name == "variable_1"  # auto names count up, as Keras 3's


def test_a_variable_from_an_initializer_needs_a_shape_and_takes_a_dtype():
    v = keras.Variable(initializer=initializers.Ones(), shape=(3, 3), dtype="float32", name="w")
    assert (v.name, v.dtype, v.shape) == ("w", tf.float32, (3, 3))
    np.testing.assert_array_equal(v.value, np.ones((3, 3)))
    assert keras.Variable("zeros", shape=(2,), dtype="int32").numpy().tolist() == [0, 0]  # a name, the int dtype
    assert keras.Variable(lambda shape, dtype: tf.fill(shape, 7.0), shape=(2,)).numpy().tolist() == [7.0, 7.0]


def test_assign_updates_the_value_and_value_is_a_property():
    v = keras.Variable(initializer=np.ones((3, 3), dtype="float32"), trainable=False)
    v.assign(np.zeros((3, 3), dtype="float32"))
    assert isinstance(v.value, tf.Tensor) and not isinstance(v.value, tf.Variable)
    np.testing.assert_array_equal(v.value, np.zeros((3, 3)))
    assert v.trainable is False
    v.trainable = True  # settable, as in Keras 3
    assert v.trainable is True
    with pytest.raises(ValueError, match="Shape mismatch"):
        v.assign(np.zeros((2, 3), dtype="float32"))


def test_it_is_a_minitf_variable_printed_as_keras_3_prints_it():
    v = keras.Variable([1.0, 2.0], name="bias")
    assert isinstance(v, tf.Variable)  # minitf's choice; Keras 3's keras.Variable is not a tf.Variable
    assert repr(v) == "<Variable path=bias, shape=(2,), dtype=float32, value=[1. 2.]>"
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v * 3.0)
    np.testing.assert_array_equal(tape.gradient(y, v), [3.0, 3.0])  # watched like any trainable variable


def test_bad_arguments_raise_keras_3s_errors_with_the_fix():
    with pytest.raises(ValueError, match=r"(?s)the `shape` argument should be specified.*Received: initializer=.*"
                                         r"and shape=None.*keras.Variable\(initializer=\"zeros\", shape="):
        keras.Variable(initializers.Zeros())
    with pytest.raises(ValueError, match=r"(?s)Argument `name` must be a string and cannot contain character `/`\. "
                                         r"Received: name=dense/kernel\n.*name=\"kernel\""):
        keras.Variable(1.0, name="dense/kernel")


# -- paths ----------------------------------------------------------------------------------------------------------
def test_a_variable_made_in_build_has_the_layers_path_and_is_tracked():
    class Scale(layers.Layer):
        def build(self, input_shape):
            self.scale = keras.Variable("ones", shape=(input_shape[-1],), name="scale")

        def call(self, x):
            return x * self.scale

    layer = Scale(name="scale_layer")
    model = keras.Sequential([layer], name="outer")
    model(tf.ones([1, 2]))
    assert layer.scale.path == "outer/scale_layer/scale" and layer.weights == [layer.scale]


def test_metric_variables_are_keras_variables_under_the_metrics_name():
    """Keras 3's names: ``precision/true_positives``; a '/' in a metric's name becomes '>' in the path."""
    expected = {metrics.Precision(): ["precision/true_positives", "precision/false_positives"],
                metrics.Recall(): ["recall/true_positives", "recall/false_negatives"],
                metrics.Mean(): ["mean/total", "mean/count"], metrics.Sum(): ["sum/total"],
                metrics.Accuracy(): ["accuracy/total", "accuracy/count"],
                metrics.RootMeanSquaredError(): ["root_mean_squared_error/total", "root_mean_squared_error/count"],
                metrics.Mean(name="val/loss"): ["val>loss/total", "val>loss/count"]}
    for metric, paths in expected.items():
        assert [v.path for v in metric.variables] == paths
        assert [v.name for v in metric.variables] == [p.split("/")[-1] for p in paths]
        assert all(isinstance(v, keras.Variable) and not v.trainable for v in metric.variables)


def test_a_custom_metrics_add_variable_takes_keras_3s_arguments():
    class Count(metrics.Metric):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seen = self.add_variable(shape=(), initializer="zeros", name="seen")
            self.unnamed = self.add_weight(shape=(2,))

        def update_state(self, values):
            self.seen.assign_add(tf.cast(tf.size(values), tf.float32))

        def result(self):
            return self.seen + 0.0

    count = Count(name="count")
    assert [v.path for v in count.variables] == ["count/seen", "count/variable"]
    assert float(count([1, 2, 3])) == 3.0


# -- initializers run outside traces and tapes (Keras 3 creates weights in an init scope) --------------------------
def test_an_initializer_runs_once_eagerly_even_inside_a_traced_function():
    def numpy_initializer(shape, dtype=None):
        return tf.random.normal(shape).numpy()  # NumPy: refused on a traced tensor, fine on an eager one

    made = []

    @tf.function
    def make(x):
        if not made:
            made.append(keras.Variable(numpy_initializer, shape=(2,), name="w"))
        return x * made[0]

    first = make(tf.ones([2]))
    np.testing.assert_array_equal(make(tf.ones([2])), first)  # the graph reads the variable; no new draw
    assert len(made) == 1 and make.experimental_get_tracing_count() == 1


def test_building_a_layer_inside_a_tape_records_only_the_layers_call():
    layer = layers.Dense(2, kernel_initializer="glorot_uniform")
    x = tf.ones([1, 3])
    with tf.GradientTape() as tape:
        y = layer(x)
    assert [op.name for op in tape.recorded_ops(target=y)] == ["MatMul", "Add"]


def test_a_subclassed_model_and_its_optimizer_are_built_inside_a_traced_step():
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.hidden = layers.Dense(3, kernel_initializer="ones")

        def call(self, x):
            return self.hidden(x)

    net, opt = Net(), optimizers.Adam(learning_rate=0.1)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(net(x))
        opt.apply_gradients(zip(tape.gradient(loss, net.trainable_variables), net.trainable_variables))
        return loss

    losses = [float(step(tf.ones([2, 4]))) for _ in range(2)]
    assert losses == [24.0, pytest.approx(6 * (4 * 0.9 - 0.1), rel=1e-5)]  # Adam's first step moves each weight by 0.1
    assert [v.path for v in net.variables] == ["net/dense/kernel", "net/dense/bias"]
    assert "adam/net_dense_kernel_momentum" in [v.path for v in opt.variables]
    types = {op.type for op in step.get_concrete_function(tf.ones([2, 4])).graph.get_operations()}
    assert not types & {"RandomUniform", "Fill", "ZerosLike"}  # initializers ran once, outside the graph


def test_fit_builds_an_unbuilt_model_inside_its_traced_step():
    model = keras.Sequential([layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and model.layers[0].kernel.path == "sequential/dense/kernel"
