"""Keras 3's guide "Writing a training loop from scratch in TensorFlow", section by section.

The guide trains on MNIST, downloaded; tests run offline, so the same model shapes are trained on
the 8x8 digits minitf ships (64 pixels instead of 784, scaled to [0, 1]). ``tf.data`` is outside
minitf's scope, so batches are NumPy slices (shuffled each epoch for training, as the guide's
``shuffle(1024)``), and with 45 batches an epoch the log lines come every 20 batches instead of every
100. The guide's numbers are random; what it shows is checked instead: the loss falls, the metrics
rise and reset, a traced step computes what the eager step computes, a layer's ``add_loss`` reaches
the training loss, and the GAN's two optimizers each update their own model inside one traced step.
"""

import numpy as np

import minitf as tf
from minitf import keras

BATCH_SIZE = 32
LOG_EVERY = 20


def _data():
    (x_train, y_train), _ = keras.datasets.digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16
    y_train = y_train.astype("int32")
    # as in the guide, the last examples of the training data are kept for validation
    return (x_train[:-300], y_train[:-300]), (x_train[-300:], y_train[-300:])


def _batches(x, y, rng=None):
    order = np.arange(len(x)) if rng is None else rng.permutation(len(x))
    for start in range(0, len(x), BATCH_SIZE):
        rows = order[start:start + BATCH_SIZE]
        yield x[rows], y[rows]


def get_model():
    inputs = keras.Input(shape=(64,), name="digits")
    x1 = keras.layers.Dense(64, activation="relu")(inputs)
    x2 = keras.layers.Dense(64, activation="relu")(x1)
    outputs = keras.layers.Dense(10, name="predictions")(x2)
    return keras.Model(inputs=inputs, outputs=outputs)


# -- A first end-to-end example -------------------------------------------------------------------
def test_a_first_end_to_end_example_lowers_the_loss_with_optimizer_apply(capsys):
    keras.utils.set_random_seed(0)
    (x_train, y_train), _ = _data()
    model = get_model()
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    rng = np.random.default_rng(0)
    epoch_losses = []
    for epoch in range(3):
        print(f"\nStart of epoch {epoch}")
        losses = []
        for step, (x_batch_train, y_batch_train) in enumerate(_batches(x_train, y_train, rng)):
            with tf.GradientTape() as tape:
                logits = model(x_batch_train, training=True)
                loss_value = loss_fn(y_batch_train, logits)
            grads = tape.gradient(loss_value, model.trainable_weights)
            optimizer.apply(grads, model.trainable_weights)
            losses.append(float(loss_value))
            if epoch == step == 0:
                first_loss = losses[0]
            if step % LOG_EVERY == 0:
                print(f"Training loss (for 1 batch) at step {step}: {float(loss_value):.4f}")
                print(f"Seen so far: {(step + 1) * BATCH_SIZE} samples")
        epoch_losses.append(np.mean(losses))
    assert epoch_losses[0] > epoch_losses[1] > epoch_losses[2]
    assert epoch_losses[-1] < 1.0  # from about log(10) = 2.3 at the start
    assert int(optimizer.iterations) == 3 * 36  # 1137 examples: 36 batches an epoch, the last one short
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:4] == ["Start of epoch 0", f"Training loss (for 1 batch) at step 0: {first_loss:.4f}",
                          "Seen so far: 32 samples"]
    assert lines[-2:] == [f"Training loss (for 1 batch) at step 20: {losses[20]:.4f}", "Seen so far: 672 samples"]


# -- Low-level handling of metrics ----------------------------------------------------------------
def test_metrics_are_updated_per_batch_read_with_result_and_reset_per_epoch():
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_val, y_val) = _data()
    model = get_model()
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    val_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    history = []
    for _epoch in range(2):
        correct = seen = 0
        for x_batch_train, y_batch_train in _batches(x_train, y_train):
            with tf.GradientTape() as tape:
                logits = model(x_batch_train, training=True)
                loss_value = loss_fn(y_batch_train, logits)
            grads = tape.gradient(loss_value, model.trainable_weights)
            optimizer.apply(grads, model.trainable_weights)
            train_acc_metric.update_state(y_batch_train, logits)
            correct += int(np.sum(np.argmax(logits.numpy(), axis=1) == y_batch_train))
            seen += len(y_batch_train)
        train_acc = float(train_acc_metric.result())
        assert abs(train_acc - correct / seen) < 1e-6  # the metric averages over every batch of the epoch
        train_acc_metric.reset_state()
        assert float(train_acc_metric.result()) == 0.0  # a fresh start for the next epoch
        for x_batch_val, y_batch_val in _batches(x_val, y_val):
            val_logits = model(x_batch_val, training=False)
            val_acc_metric.update_state(y_batch_val, val_logits)
        val_acc = float(val_acc_metric.result())
        val_acc_metric.reset_state()
        history.append((train_acc, val_acc))
    assert history[1][0] > history[0][0] and history[1][1] > history[0][1]
    assert history[-1][1] > 0.75  # after two epochs; chance is 0.1


# -- Speeding-up your training step with tf.function ----------------------------------------------
def test_a_traced_train_step_and_test_step_compute_what_the_eager_loop_computes():
    (x_train, y_train), (x_val, y_val) = _data()
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def make():
        keras.utils.set_random_seed(1)
        return (get_model(), keras.optimizers.Adam(learning_rate=1e-3), keras.metrics.SparseCategoricalAccuracy(),
                keras.metrics.SparseCategoricalAccuracy())

    eager_model, eager_optimizer, eager_train_acc, eager_val_acc = make()
    model, optimizer, train_acc_metric, val_acc_metric = make()

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply(grads, model.trainable_weights)
        train_acc_metric.update_state(y, logits)
        return loss_value

    @tf.function
    def test_step(x, y):
        val_logits = model(x, training=False)
        val_acc_metric.update_state(y, val_logits)

    batches = list(_batches(x_train, y_train))[:20]
    for x_batch, y_batch in batches:
        with tf.GradientTape() as tape:
            logits = eager_model(x_batch, training=True)
            eager_loss = loss_fn(y_batch, logits)
        eager_optimizer.apply(tape.gradient(eager_loss, eager_model.trainable_weights), eager_model.trainable_weights)
        eager_train_acc.update_state(y_batch, logits)
        traced_loss = train_step(x_batch, y_batch)
        np.testing.assert_allclose(float(traced_loss), float(eager_loss), rtol=1e-4)
    for a, b in zip(eager_model.trainable_weights, model.trainable_weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)
    # the metric updated inside the traced step counted every batch, as the eager one did
    np.testing.assert_allclose(float(train_acc_metric.result()), float(eager_train_acc.result()), atol=1e-6)
    assert int(optimizer.iterations) == 20
    for x_batch_val, y_batch_val in _batches(x_val, y_val):
        test_step(x_batch_val, y_batch_val)
        eager_val_acc.update_state(y_batch_val, eager_model(x_batch_val, training=False))
    np.testing.assert_allclose(float(val_acc_metric.result()), float(eager_val_acc.result()), atol=1e-6)
    # one trace for the full batches and one for the last, shorter one
    assert test_step.experimental_get_tracing_count() == 2
    assert train_step.experimental_get_tracing_count() == 1


# -- Low-level handling of losses tracked by the model --------------------------------------------
class ActivityRegularizationLayer(keras.layers.Layer):
    """Adds a penalty on its inputs' sum to the model's losses and passes the inputs on."""

    def call(self, inputs):
        self.add_loss(1e-2 * tf.reduce_sum(inputs))
        return inputs


def test_losses_added_by_a_layer_join_the_loss_of_a_traced_train_step():
    keras.utils.set_random_seed(0)
    (x_train, y_train), _ = _data()
    inputs = keras.Input(shape=(64,), name="digits")
    x = keras.layers.Dense(64, activation="relu")(inputs)
    x = ActivityRegularizationLayer()(x)  # the activity regularization, as a layer
    x = keras.layers.Dense(64, activation="relu")(x)
    outputs = keras.layers.Dense(10, name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
            loss_value += sum(model.losses)  # the losses the forward pass created
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply(grads, model.trainable_weights)
        train_acc_metric.update_state(y, logits)
        return loss_value

    x_batch, y_batch = x_train[:BATCH_SIZE], y_train[:BATCH_SIZE]
    hidden = model.layers[1](x_batch)  # what the regularization layer sees, before the update
    expected = float(loss_fn(y_batch, model(x_batch))) + 1e-2 * float(tf.reduce_sum(hidden))
    assert len(model.losses) == 1  # the eager call just made left its penalty
    np.testing.assert_allclose(float(train_step(x_batch, y_batch)), expected, rtol=1e-5)
    first_layer_before = model.layers[1].kernel.numpy()
    for x_batch, y_batch in list(_batches(x_train, y_train))[1:30]:
        train_step(x_batch, y_batch)
    assert not np.allclose(model.layers[1].kernel.numpy(), first_layer_before)  # the penalty's gradient arrives
    # the penalty pulls the regularized activations down
    assert float(tf.reduce_sum(model.layers[1](x_train[:BATCH_SIZE]))) < float(tf.reduce_sum(hidden))


# -- End-to-end example: a GAN training loop from scratch -----------------------------------------
# The guide's generator and discriminator are convolutional (Conv2D, Conv2DTranspose,
# GlobalMaxPooling2D), outside minitf's scope; the same training step runs here with dense layers
# on the 8x8 digits, flattened: the discriminator 64 -> 64 -> 1, the generator latent -> 64 -> 64.
LATENT_DIM = 16


def test_a_gan_trains_its_two_models_with_two_optimizers_in_one_traced_step():
    keras.utils.set_random_seed(0)
    (x_train, _), _ = _data()
    discriminator = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(64, activation=tf.nn.leaky_relu),  # LeakyReLU(negative_slope=0.2) in the guide
        keras.layers.Dense(1),
    ], name="discriminator")
    generator = keras.Sequential([
        keras.Input(shape=(LATENT_DIM,)),
        keras.layers.Dense(64, activation=tf.nn.leaky_relu),
        keras.layers.Dense(64, activation="sigmoid"),
    ], name="generator")
    d_optimizer = keras.optimizers.Adam(learning_rate=0.0003)
    g_optimizer = keras.optimizers.Adam(learning_rate=0.0004)
    loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function
    def train_step(real_images):
        random_latent_vectors = tf.random.normal(shape=(BATCH_SIZE, LATENT_DIM))
        generated_images = generator(random_latent_vectors)
        combined_images = tf.concat([generated_images, real_images], axis=0)
        labels = tf.concat([tf.ones((BATCH_SIZE, 1)), tf.zeros((real_images.shape[0], 1))], axis=0)
        labels += 0.05 * tf.random.uniform(labels.shape)  # noise on the labels: the guide's trick
        with tf.GradientTape() as tape:
            predictions = discriminator(combined_images)
            d_loss = loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, discriminator.trainable_weights)
        d_optimizer.apply(grads, discriminator.trainable_weights)

        random_latent_vectors = tf.random.normal(shape=(BATCH_SIZE, LATENT_DIM))
        misleading_labels = tf.zeros((BATCH_SIZE, 1))  # "all real"
        with tf.GradientTape() as tape:  # only the generator's weights are updated here
            predictions = discriminator(generator(random_latent_vectors))
            g_loss = loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, generator.trainable_weights)
        g_optimizer.apply(grads, generator.trainable_weights)
        return d_loss, g_loss, generated_images

    before = {id(w): w.numpy() for w in discriminator.weights + generator.weights}
    real = x_train[: 20 * BATCH_SIZE].reshape(20, BATCH_SIZE, 64)
    d_losses, g_losses = [], []
    for real_images in real:
        d_loss, g_loss, generated_images = train_step(real_images)
        d_losses.append(float(d_loss))
        g_losses.append(float(g_loss))
    assert train_step.experimental_get_tracing_count() == 1  # both optimizers made their state on the first trace
    assert int(d_optimizer.iterations) == int(g_optimizer.iterations) == 20
    assert len(d_optimizer.variables) == 2 + 2 * len(discriminator.trainable_weights)  # each has its own model's
    assert len(g_optimizer.variables) == 2 + 2 * len(generator.trainable_weights)
    slot = d_optimizer.variables[2].path  # adam/discriminator_dense_<n>_kernel_momentum
    assert slot.startswith("adam/discriminator_dense") and slot.endswith("_kernel_momentum")
    assert all(not np.allclose(w.numpy(), before[id(w)]) for w in discriminator.weights + generator.weights)
    assert np.all(np.isfinite(d_losses)) and np.all(np.isfinite(g_losses))
    assert d_losses[-1] < d_losses[0]  # telling real digits from the untrained generator's output gets easier
    assert generated_images.shape == (BATCH_SIZE, 64)
    assert 0.0 <= float(tf.reduce_min(generated_images)) and float(tf.reduce_max(generated_images)) <= 1.0
