"""TensorFlow's guide "TensorFlow basics", section by section.

Each test runs what one section of the guide shows, written with minitf, and checks the values
TensorFlow prints there. Left out, and why:

- "Modules, layers, and models" saves a module with ``tf.saved_model``: SavedModel is outside
  minitf's scope (README), and ``minitf.saved_model`` says so in one clear error (tested below).
- "Training loops" batches the data with ``tf.data``, also outside minitf's scope: the loop below
  slices batches in Python instead, and Keras's ``fit`` batches NumPy arrays itself.
"""

import numpy as np
import pytest

import minitf as tf
from minitf import keras


# -- Tensors -------------------------------------------------------------------------------------
def test_a_tensor_has_a_shape_and_a_dtype_and_ops_on_it_make_new_tensors():
    x = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.dtype == tf.float32
    np.testing.assert_array_equal((x + x).numpy(), [[2, 4, 6], [8, 10, 12]])
    np.testing.assert_array_equal((5 * x).numpy(), [[5, 10, 15], [20, 25, 30]])
    np.testing.assert_array_equal((x @ tf.transpose(x)).numpy(), [[14, 32], [32, 77]])
    assert tf.concat([x, x, x], axis=0).shape == (6, 3)
    np.testing.assert_allclose(tf.nn.softmax(x, axis=-1).numpy()[0], [0.09003057, 0.24472848, 0.66524094],
                               rtol=1e-6)
    assert tf.reduce_sum(x).numpy() == 21.0


def test_python_values_become_tensors():
    assert tf.convert_to_tensor([1, 2, 3]).dtype == tf.int32
    assert tf.reduce_sum([1, 2, 3]).numpy() == 6


def test_the_gpu_question_and_placing_ops_on_a_device():
    gpus = tf.config.list_physical_devices("GPU")
    if tf.config.get_backend() == "numpy":
        assert gpus == []  # the NumPy backend runs on the CPU only: "TensorFlow IS NOT using the GPU"
        with tf.device("CPU:0"):
            assert tf.constant([1.0]).device.endswith("CPU:0")
        with pytest.raises(tf.errors.InvalidArgumentError, match="MINITF_BACKEND=cupy"):
            with tf.device("GPU:0"):
                pass
    else:
        assert gpus and tf.constant([1.0]).device.endswith("GPU:0")


# -- Variables -----------------------------------------------------------------------------------
def test_a_variable_holds_state_that_assign_and_assign_add_change():
    var = tf.Variable([0.0, 0.0, 0.0])
    var.assign([1, 2, 3])
    np.testing.assert_array_equal(var.numpy(), [1.0, 2.0, 3.0])
    var.assign_add([1, 1, 1])
    np.testing.assert_array_equal(var.numpy(), [2.0, 3.0, 4.0])
    assert var.dtype == tf.float32


# -- Automatic differentiation -------------------------------------------------------------------
def f(x):
    return x**2 + 2 * x - 5


def test_the_derivative_of_a_quadratic():
    x = tf.Variable(1.0)
    assert f(x).numpy() == -2.0
    with tf.GradientTape() as tape:
        y = f(x)
    assert tape.gradient(y, x).numpy() == 4.0  # 2x + 2 at x = 1


# -- Graphs and tf.function ----------------------------------------------------------------------
def test_a_function_traces_once_per_signature(capsys):
    @tf.function
    def my_func(x):
        print("Tracing.")
        return tf.reduce_sum(x)

    assert my_func(tf.constant([1, 2, 3])).numpy() == 6
    assert capsys.readouterr().out == "Tracing.\n"
    assert my_func(tf.constant([4, 5, 6])).numpy() == 15  # same signature: the graph runs, Python does not
    assert capsys.readouterr().out == ""
    assert my_func(tf.constant([[[4.0, 5.0]], [[6.0, 7.0]]])).numpy() == 22.0  # a new signature: traced again
    assert capsys.readouterr().out == "Tracing.\n"


# -- Modules, layers, and models -----------------------------------------------------------------
def test_a_module_holds_variables_and_traced_methods():
    class MyModule(tf.Module):
        def __init__(self, value):
            super().__init__()
            self.weight = tf.Variable(value)

        @tf.function
        def multiply(self, x):
            return x * self.weight

    mod = MyModule(3)
    np.testing.assert_array_equal(mod.multiply(tf.constant([1, 2, 3])).numpy(), [3, 6, 9])
    assert [v.numpy() for v in mod.variables] == [3]


def test_a_method_traced_with_function_reads_the_object_s_variable_on_every_call():
    class Multiplier:
        def __init__(self, value):
            self.weight = tf.Variable(value)

        @tf.function
        def multiply(self, x):
            return x * self.weight

    mod = Multiplier(3)
    np.testing.assert_array_equal(mod.multiply(tf.constant([1, 2, 3])).numpy(), [3, 6, 9])
    mod.weight.assign(4)
    np.testing.assert_array_equal(mod.multiply(tf.constant([1, 2, 3])).numpy(), [4, 8, 12])
    assert mod.multiply.experimental_get_tracing_count() == 1


def test_saved_model_is_out_of_scope_and_says_what_to_use():
    with pytest.raises(NotImplementedError, match=r"minitf.saved_model.save does not exist: minitf has no SavedModel"):
        tf.saved_model.save(object(), "saved")


# -- Training loops ------------------------------------------------------------------------------
def _data():
    tf.random.set_seed(42)
    x = tf.cast(tf.linspace(-2, 2, 201), tf.float32)
    return x, f(x) + tf.random.normal(shape=[201])


class QuadraticModel(tf.Module):
    """The guide's model, y = w_q x^2 + w_l x + b, with its call traced."""

    def __init__(self):
        super().__init__()
        rand_init = tf.random.uniform(shape=[3], minval=0.0, maxval=5.0, seed=22)
        self.w_q, self.w_l, self.b = (tf.Variable(rand_init[i]) for i in range(3))

    @tf.function
    def __call__(self, x):
        return self.w_q * (x**2) + self.w_l * x + self.b


def mse_loss(y_pred, y):
    return tf.reduce_mean(tf.square(y_pred - y))


def test_a_training_loop_fits_the_quadratic():
    x, y = _data()
    assert x.dtype == tf.float32 and x.shape == (201,)
    quad_model = QuadraticModel()
    variables = quad_model.variables  # tracked through its attributes
    assert len(variables) == 3
    losses, learning_rate, batch_size = [], 0.01, 32
    order = np.random.default_rng(0).permutation(201)
    for _ in range(100):
        for start in range(0, 201, batch_size):  # the guide's tf.data batches, sliced in Python
            index = order[start:start + batch_size]
            x_batch, y_batch = tf.gather(x, index), tf.gather(y, index)
            with tf.GradientTape() as tape:
                batch_loss = mse_loss(quad_model(x_batch), y_batch)
            for g, v in zip(tape.gradient(batch_loss, variables), variables):
                v.assign_sub(learning_rate * g)
        losses.append(mse_loss(quad_model(x), y).numpy())
    assert losses[-1] < losses[0] / 2 and losses[-1] < 1.5  # the noise has variance 1
    np.testing.assert_allclose([quad_model.w_q.numpy(), quad_model.w_l.numpy(), quad_model.b.numpy()],
                               [1.0, 2.0, -5.0], atol=0.4)


def test_keras_fits_the_same_model():
    x, y = _data()
    keras.utils.set_random_seed(1)
    new_model = keras.Sequential([
        keras.layers.Lambda(lambda x: tf.stack([x, x**2], axis=1)),
        keras.layers.Dense(units=1, kernel_initializer=tf.random.normal)])
    new_model.compile(loss=keras.losses.MSE, optimizer=keras.optimizers.SGD(learning_rate=0.01))
    history = new_model.fit(x, y, epochs=100, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 2 and history.history["loss"][-1] < 1.5
    kernel, bias = new_model.layers[-1].get_weights()
    np.testing.assert_allclose([kernel[1, 0], kernel[0, 0], bias[0]], [1.0, 2.0, -5.0], atol=0.4)
