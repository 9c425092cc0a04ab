"""No silent device-to-host copies in a training step: on a GPU each one would stall the step.

The steps run on counted device arrays (``tests/fake_gpu.py``): the fake device on every machine,
and real CuPy arrays, counted the same way, where CuPy finds a GPU. What is allowed:

- an eager step (GradientTape, then a Keras optimizer or ``assign_sub``): none (on the CPU the
  optimizer hands its learning rate and step number to the update rules as Python numbers; on a
  device it runs the rules as ops that read them where they are);
- a traced step (``minitf.function``): none;
- ``fit``: none per step; a few per epoch, the same however many steps the epoch has (the index
  checks of the shuffling ``gather``, and the epoch's logs read as Python floats).
"""

import numpy as np
import pytest

import minitf as tf
from minitf import keras
from tests import fake_gpu

FIT_READS_PER_EPOCH = 6  # 2 gathers (x and y shuffled) x 2 index checks, and 2 logs (loss, accuracy)


def _cupy_with_a_gpu():
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed: the real-GPU half skips")
    if getattr(cupy, "__fake__", False):
        pytest.skip("CuPy is the stand-in of benchmarks/fake_cupy: the fake-gpu half already runs on it")
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CuPy raises its own CUDA error types
        pytest.skip(f"no usable GPU: {error}")
    return cupy


@pytest.fixture(params=["fake-gpu", "cupy"])
def transfers(request):
    """Run the test's body on counted device arrays; yields the counter."""
    module = _cupy_with_a_gpu() if request.param == "cupy" else np
    with fake_gpu.use_fake_gpu(module) as counter:
        yield counter


def _data(n=64, features=20, classes=3):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, features)).astype(np.float32), (np.arange(n) % classes).astype(np.int32)


def _mlp_variables():
    rng = np.random.default_rng(1)
    return [tf.Variable(rng.normal(0, 0.3, (20, 16)).astype(np.float32)), tf.Variable(np.zeros(16, np.float32)),
            tf.Variable(rng.normal(0, 0.3, (16, 3)).astype(np.float32)), tf.Variable(np.zeros(3, np.float32))]


def _loss(x, y, variables):
    w1, b1, w2, b2 = variables
    logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))


def _copies_per_step(transfers, step, steps=3):
    step()  # the first call builds slots, traces graphs, fills caches: not part of a step
    transfers.reset()
    for _ in range(steps):
        step()
    return transfers.count / steps


def test_the_fake_device_counts_copies_and_refuses_host_arrays():
    with fake_gpu.use_fake_gpu() as transfers:
        t = tf.constant([1.0, 2.0]) * 3.0
        assert isinstance(t._value, fake_gpu.DeviceArray) and transfers.count == 0
        assert float(tf.reduce_sum(t)) == 9.0 and t.numpy().tolist() == [3.0, 6.0]
        assert transfers.count == 2, transfers.summary()  # float() and .numpy()
        with pytest.raises(TypeError, match="Unsupported type"):
            t._value + np.ones(2, np.float32)  # CuPy refuses to mix host and device arrays, so does the fake


def test_eager_step_with_assign_sub_copies_nothing(transfers):
    x, y = (tf.constant(a) for a in _data())
    variables = _mlp_variables()

    def step():
        with tf.GradientTape() as tape:
            loss = _loss(x, y, variables)
        for v, g in zip(variables, tape.gradient(loss, variables)):
            v.assign_sub(0.1 * g)

    assert _copies_per_step(transfers, step) == 0, transfers.summary()


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "nadam"])
def test_eager_step_with_an_optimizer_copies_nothing(transfers, optimizer):
    x, y = (tf.constant(a) for a in _data())
    variables = _mlp_variables()
    opt = keras.optimizers.get(optimizer)

    def step():
        with tf.GradientTape() as tape:
            loss = _loss(x, y, variables)
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))

    assert _copies_per_step(transfers, step) == 0, transfers.summary()


def test_traced_step_copies_nothing(transfers):
    x, y = (tf.constant(a) for a in _data())
    variables = _mlp_variables()
    opt = keras.optimizers.Adam(1e-3)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = _loss(x, y, variables)
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    assert _copies_per_step(transfers, lambda: step(x, y)) == 0, transfers.summary()


def _fit_copies(transfers, n):
    x, y = _data(n)
    model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)  # builds and traces
    transfers.reset()
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    return transfers.count


def test_fit_copies_a_few_values_per_epoch_however_many_steps(transfers):
    short, long = _fit_copies(transfers, 64), _fit_copies(transfers, 256)  # 4 and 16 steps
    assert short == long, f"{long - short} more copies for 12 more steps:\n{transfers.summary()}"
    assert long <= FIT_READS_PER_EPOCH, transfers.summary()


def test_on_a_gpu_labels_out_of_range_give_nan_rows_as_in_tensorflow(transfers):
    logits, labels = tf.zeros([3, 4]), tf.constant([0, 4, -1])
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    grad = tape.gradient(loss, logits).numpy()
    loss = loss.numpy()
    assert loss[0] == pytest.approx(np.log(4)) and np.isnan(loss[1:]).all()
    np.testing.assert_allclose(grad[0], [-0.75, 0.25, 0.25, 0.25])
    assert np.isnan(grad[1:]).all()


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adam", "nadam", "adagrad"])
def test_eager_optimizers_on_a_device_compute_what_they_compute_on_the_cpu(optimizer):
    def train():
        x, y = (tf.constant(a) for a in _data())
        variables, opt = _mlp_variables(), keras.optimizers.get(optimizer)
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = _loss(x, y, variables)
            opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return [v.numpy() for v in variables]

    on_cpu = train()
    with fake_gpu.use_fake_gpu():
        on_device = train()
    for a, b in zip(on_cpu, on_device):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)
