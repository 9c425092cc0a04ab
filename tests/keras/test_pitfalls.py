"""The classic Keras pitfalls, each built as a learner would, and the words that explain it pinned."""

import warnings

import numpy as np
import pytest

import minitf as tf
from minitf import keras
from minitf.explain import ExplainWarning

X = np.random.RandomState(0).rand(8, 4).astype("float32")
LABELS = np.array([0, 1, 2, 0, 1, 2, 0, 1])
ONE_HOT = keras.utils.to_categorical(LABELS, 3)


def classifier(activation="softmax"):
    return keras.Sequential([keras.layers.Dense(3, activation=activation)])


def fit_error(model, x, y):
    with pytest.raises(ValueError) as info:
        model.fit(x, y, verbose=0)
    return str(info.value)


def test_one_hot_labels_given_to_the_sparse_loss_name_the_loss_that_fits():
    model = classifier()
    model.compile(loss="sparse_categorical_crossentropy")
    assert fit_error(model, X, ONE_HOT) == (
        "Argument `output` must have rank (ndim) `target.ndim - 1`. Received: target.shape=(8, 3), "
        "output.shape=(8, 3)\n  sparse_categorical_crossentropy: these labels have one value per class: they look "
        "one-hot. Use categorical_crossentropy for one-hot labels, or pass the class indices "
        "(labels.argmax(axis=-1)) to sparse_categorical_crossentropy.")


def test_integer_labels_given_to_the_categorical_loss_name_the_loss_that_fits():
    model = classifier()
    model.compile(loss="categorical_crossentropy")
    assert fit_error(model, X, LABELS) == (
        "Arguments `target` and `output` must have the same shape. Received: target.shape=(8,), "
        "output.shape=(8, 3)\n  categorical_crossentropy: these labels have one value per sample: they look like "
        "integer class indices, so use sparse_categorical_crossentropy for them, or one-hot them first with "
        "keras.utils.to_categorical(labels, 3).")


@pytest.mark.parametrize("loss, activation, labels", [
    (keras.losses.SparseCategoricalCrossentropy, "softmax", LABELS),
    (keras.losses.CategoricalCrossentropy, "softmax", ONE_HOT),
    (keras.losses.BinaryCrossentropy, "sigmoid", ONE_HOT),
])
def test_a_probability_output_with_from_logits_warns_and_says_why(loss, activation, labels):
    model = classifier(activation)
    model.compile(loss=loss(from_logits=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, labels, verbose=0)
    warning = caught[0]  # once per trace of the step (Python shows it once per line by default)
    name, kind = loss().name, activation.capitalize()
    assert {(w.category, w.filename, str(w.message)) for w in caught} == {(UserWarning, __file__, str(warning.message))}
    assert str(warning.message) == (
        f'"`{name}` received `from_logits=True`, but the `output` argument was produced by a {kind} activation '
        'and thus does not represent logits. Was this intended?"\n'
        f"  The output already holds probabilities; from_logits=True applies {activation} to them a second time, "
        "which squashes every prediction towards the same value: the loss stays high and the gradients shrink, so "
        "the model learns slowly and never gets confident. Either drop from_logits=True, or remove the "
        f"{activation} from the last layer and keep from_logits=True (the more stable choice).")


def test_logits_with_from_logits_do_not_warn():
    model = classifier(None)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, LABELS, verbose=0)
    assert caught == []


def test_fit_with_fewer_labels_than_inputs_says_what_usually_causes_it():
    model = classifier()
    model.compile(loss="sparse_categorical_crossentropy")
    assert fit_error(model, X, LABELS[:5]) == (
        "Data cardinality is ambiguous:\n  x sizes: 8\n  y sizes: 5\nMake sure all arrays contain the same number "
        "of samples.\n  8 inputs but 5 labels: usually x was sliced and y was not (x[:1000] with all of y), or the "
        "labels of another set were passed (test labels with training images). Give fit one label per input.")
    assert fit_error(model, X, ONE_HOT.T).endswith(
        "8 inputs but 3 labels: y has shape (3, 8): it looks transposed (one column per sample); pass y.T.")


def nan_fit(callbacks=None):
    x = X.copy()
    x[5, 0] = np.nan  # the third batch of two
    model = classifier()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, LABELS, batch_size=2, epochs=2, shuffle=False, verbose=0, callbacks=callbacks)
    return history, caught


def test_a_nan_loss_during_fit_is_named_once_in_explain_mode(explain_mode):
    history, caught = nan_fit()
    [warning] = caught
    assert warning.category is ExplainWarning and warning.filename == __file__
    assert str(warning.message) == (
        "The loss became nan at epoch 1, step 3 of fit. Usual causes: a learning rate too high (try 10x smaller), "
        "the log of 0 in a hand-written loss (clip the probabilities, or use from_logits=True), NaN or inf in the "
        "data (check np.isfinite(x).all()), a division by zero. keras.callbacks.TerminateOnNaN stops training at "
        "the first NaN.")
    assert len(history.history["loss"]) == 2  # fit goes on, as in Keras


def test_a_nan_loss_is_silent_without_explain_mode_and_terminate_on_nan_stays(capsys):
    history, caught = nan_fit()
    assert caught == [] and np.isnan(history.history["loss"][-1])
    history, _ = nan_fit([keras.callbacks.TerminateOnNaN()])
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out
    assert len(history.history["loss"]) == 1


@pytest.mark.parametrize("layer", [keras.layers.Dropout(0.5), keras.layers.BatchNormalization()],
                         ids=["Dropout", "BatchNormalization"])
def test_a_custom_loop_that_forgets_training_true_is_told_in_explain_mode(layer, explain_mode):
    model = keras.Sequential([keras.layers.Dense(3), layer])
    model(X)  # built outside a tape: inference mode is what the learner wants here
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.GradientTape() as tape:
            model(X, training=True)
            model(X, training=False)  # inference on purpose, e.g. a saliency map
        model(X)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(X))
        tape.gradient(loss, model.trainable_variables)
    [warning] = caught
    effect = {"Dropout": "drops nothing",
              "BatchNormalization": "normalizes with its moving averages and never updates them"}[type(layer).__name__]
    assert warning.category is ExplainWarning and warning.filename == __file__
    assert str(warning.message) == (
        f"{type(layer).__name__} layer {layer.name!r} ran in inference mode while a GradientTape was recording, "
        f"because `training` was not passed: it {effect}.\n  In a custom training loop call model(x, "
        "training=True) under the tape; pass training=False when inference is what you want (fit() passes it for "
        "you).")


def test_a_custom_loop_without_training_is_silent_when_explain_mode_is_off():
    model = keras.Sequential([keras.layers.Dense(3), keras.layers.Dropout(0.5)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.GradientTape():
            model(X)
    assert caught == []


def test_explain_mode_changes_no_training_result():
    def train():
        tf.random.set_seed(0)
        model = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dropout(0.2),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(X, LABELS, batch_size=4, epochs=3, shuffle=False, verbose=0)
        return history.history["loss"], [w.numpy() for w in model.weights]

    plain_loss, plain_weights = train()
    tf.config.set_explain_mode(True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss, weights = train()
    finally:
        tf.config.set_explain_mode(False)
    assert caught == [] and loss == plain_loss
    assert all(np.array_equal(a, b) for a, b in zip(weights, plain_weights))
