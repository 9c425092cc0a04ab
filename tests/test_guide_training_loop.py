"""TensorFlow's guide "Writing a training loop from scratch", section by section.

The guide trains on MNIST, downloaded; tests run offline, so the same model shapes are trained on
the 8x8 digits minitf ships (64 pixels instead of 784). ``tf.data`` is outside minitf's scope, so
batches are NumPy slices. The guide's numbers are random; what it shows is checked instead: the
loss falls, the metrics rise, a traced step computes what the eager step computes.
"""

import numpy as np

import minitf as tf
from minitf import keras

BATCH_SIZE = 32


def _data():
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16
    x_test = x_test.reshape(-1, 64).astype("float32") / 16
    # as in the guide, the last examples of the training data are kept for validation
    return (x_train[:-300], y_train[:-300].astype("int32")), (x_train[-300:], y_train[-300:].astype("int32"))


def _batches(x, y):
    for start in range(0, len(x), BATCH_SIZE):
        yield x[start:start + BATCH_SIZE], y[start:start + BATCH_SIZE]


def _get_model():
    inputs = keras.Input(shape=(64,), name="digits")
    x1 = keras.layers.Dense(64, activation="relu")(inputs)
    x2 = keras.layers.Dense(64, activation="relu")(x1)
    outputs = keras.layers.Dense(10, name="predictions")(x2)
    return keras.Model(inputs=inputs, outputs=outputs)


# -- A first end-to-end example -------------------------------------------------------------------
def test_a_first_training_loop_lowers_the_loss():
    keras.utils.set_random_seed(0)
    (x_train, y_train), _ = _data()
    model = _get_model()
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    epoch_losses = []
    for _epoch in range(3):
        losses = []
        for x_batch_train, y_batch_train in _batches(x_train, y_train):
            with tf.GradientTape() as tape:
                logits = model(x_batch_train, training=True)
                loss_value = loss_fn(y_batch_train, logits)
            grads = tape.gradient(loss_value, model.trainable_weights)
            # Keras 3 also writes this optimizer.apply(grads, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
            losses.append(float(loss_value))
        epoch_losses.append(np.mean(losses))
    assert epoch_losses[0] > epoch_losses[1] > epoch_losses[2]
    assert epoch_losses[-1] < 1.0  # from about log(10) = 2.3 at the start


# -- Low-level handling of metrics ----------------------------------------------------------------
def test_metrics_are_updated_per_batch_and_reset_per_epoch():
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_val, y_val) = _data()
    model = _get_model()
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    val_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    history = []
    for _epoch in range(3):
        for x_batch_train, y_batch_train in _batches(x_train, y_train):
            with tf.GradientTape() as tape:
                logits = model(x_batch_train, training=True)
                loss_value = loss_fn(y_batch_train, logits)
            grads = tape.gradient(loss_value, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
            train_acc_metric.update_state(y_batch_train, logits)
        train_acc = float(train_acc_metric.result())
        train_acc_metric.reset_state()
        assert float(train_acc_metric.result()) == 0.0  # a fresh start for the next epoch
        for x_batch_val, y_batch_val in _batches(x_val, y_val):
            val_acc_metric.update_state(y_batch_val, model(x_batch_val, training=False))
        val_acc = float(val_acc_metric.result())
        val_acc_metric.reset_state()
        history.append((train_acc, val_acc))
    assert history[-1][0] > history[0][0]
    assert history[-1][1] > 0.85


# -- Speeding-up your training step with tf.function ----------------------------------------------
def test_a_traced_training_step_computes_what_the_eager_step_computes():
    (x_train, y_train), (x_val, y_val) = _data()
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def make():
        keras.utils.set_random_seed(1)
        return _get_model(), keras.optimizers.Adam(learning_rate=1e-3), keras.metrics.SparseCategoricalAccuracy()

    def step(model, optimizer, metric, x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        metric.update_state(y, logits)
        return loss_value

    eager = make()
    traced = make()

    @tf.function
    def train_step(x, y):
        return step(*traced, x, y)

    @tf.function
    def test_step(x, y):
        return traced[0](x, training=False)

    for x_batch, y_batch in list(_batches(x_train, y_train))[:20]:
        eager_loss = step(*eager, x_batch, y_batch)
        traced_loss = train_step(x_batch, y_batch)
        np.testing.assert_allclose(float(traced_loss), float(eager_loss), rtol=1e-4)
    for a, b in zip(eager[0].trainable_weights, traced[0].trainable_weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(test_step(x_val, y_val), eager[0](x_val, training=False), atol=1e-4)


# -- Low-level handling of losses tracked by the model --------------------------------------------
class ActivityRegularizationLayer(keras.layers.Layer):
    """Adds a penalty on its inputs' sum to the model's losses and passes the inputs on."""

    def call(self, inputs):
        self.add_loss(1e-2 * tf.reduce_sum(inputs))
        return inputs


def test_losses_added_in_call_join_the_training_loss():
    keras.utils.set_random_seed(0)
    (x_train, y_train), _ = _data()
    inputs = keras.Input(shape=(64,), name="digits")
    x = keras.layers.Dense(64, activation="relu")(inputs)
    x = ActivityRegularizationLayer()(x)  # a layer that adds a loss
    x = keras.layers.Dense(64, activation="relu")(x)
    outputs = keras.layers.Dense(10, name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    x_batch, y_batch = x_train[:BATCH_SIZE], y_train[:BATCH_SIZE]
    with tf.GradientTape() as tape:
        logits = model(x_batch, training=True)
        loss_value = loss_fn(y_batch, logits)
        assert len(model.losses) == 1
        hidden = model.layers[1](x_batch)
        np.testing.assert_allclose(float(model.losses[0]), 1e-2 * float(tf.reduce_sum(hidden)), rtol=1e-5)
        loss_value += sum(model.losses)
    grads = tape.gradient(loss_value, model.trainable_weights)
    assert all(g is not None for g in grads)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))


# -- End-to-end example: a GAN training loop from scratch: its generator and discriminator are
#    convolutional (Conv2D, Conv2DTranspose, GlobalMaxPooling2D), outside minitf's scope.
