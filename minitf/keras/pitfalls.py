"""The classic Keras mistakes, explained where they happen: the words live here, the call sites are one line.

- labels that do not fit the loss: one-hot labels given to ``sparse_categorical_crossentropy``,
  integer labels given to ``categorical_crossentropy`` (the error says which loss fits);
- a softmax or sigmoid output given to a loss with ``from_logits=True`` (Keras warns; we also say why);
- ``fit`` with a different number of labels than inputs (the error says what usually causes it);
- in explain mode (``minitf.config.set_explain_mode(True)``): a loss that becomes NaN during ``fit``,
  and ``Dropout``/``BatchNormalization`` run in inference mode inside a custom training loop because
  ``training=`` was not passed.

Nothing here runs work per op; the explain-mode checks return at once when the mode is off.
"""

import math

from minitf import explain
from minitf.keras import activations

_CLASSES = {"binary_crossentropy": "Sigmoid", "categorical_crossentropy": "Softmax",
            "sparse_categorical_crossentropy": "Softmax"}


def sparse_labels_error(labels, y_pred):
    """The error for labels that are not class indices, given to ``sparse_categorical_crossentropy``."""
    hint = ("these labels have one value per class: they look one-hot. Use categorical_crossentropy for one-hot "
            "labels, or pass the class indices (labels.argmax(axis=-1)) to sparse_categorical_crossentropy."
            if tuple(labels.shape) == tuple(y_pred.shape) else
            "it expects integer class indices, one per sample: labels of shape (batch,) or (batch, 1).")
    return ValueError(f"Argument `output` must have rank (ndim) `target.ndim - 1`. Received: "
                      f"target.shape={labels.shape}, output.shape={y_pred.shape}\n"
                      f"  sparse_categorical_crossentropy: {hint}")


def categorical_labels_error(y_true, y_pred):
    """The error for labels that are not one-hot, given to ``categorical_crossentropy``."""
    classes = y_pred.shape[-1] if y_pred.ndim else None
    indices = y_true.ndim == y_pred.ndim - 1 or (y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1)
    hint = ("these labels have one value per sample: they look like integer class indices, so "
            "use sparse_categorical_crossentropy for them, or one-hot them first with "
            f"keras.utils.to_categorical(labels, {classes})." if indices else
            "it expects one-hot labels with the output's shape (one column per class).")
    return ValueError("Arguments `target` and `output` must have the same shape. "
                      f"Received: target.shape={y_true.shape}, output.shape={y_pred.shape}\n"
                      f"  categorical_crossentropy: {hint}")


def check_from_logits(loss_name, y_pred, from_logits):
    """Warn, as Keras does, when ``from_logits=True`` is given an output that went through softmax or sigmoid."""
    if from_logits and activations.logits_of(y_pred) is not None:
        activation = _CLASSES.get(loss_name, "Softmax")
        explain.warn(f'"`{loss_name}` received `from_logits=True`, but the `output` argument was produced by a '
                     f'{activation} activation and thus does not represent logits. Was this intended?"\n'
                     f"  The output already holds probabilities; from_logits=True applies {activation.lower()} "
                     "to them a second time, which squashes every prediction towards the same value: the loss "
                     "stays high and the gradients shrink, so the model learns slowly and never gets confident. "
                     f"Either drop from_logits=True, or remove the {activation.lower()} from the last layer and "
                     "keep from_logits=True (the more stable choice).", UserWarning)


def cardinality_error(x_size, y_size, y=None):
    """Keras's error for ``fit`` given a different number of labels than inputs, with the usual causes."""
    shape = tuple(getattr(y, "shape", ()) or ())
    if len(shape) >= 2 and shape[1] == x_size and shape[0] != x_size:
        cause = f"y has shape {shape}: it looks transposed (one column per sample); pass y.T."
    else:
        cause = ("usually x was sliced and y was not (x[:1000] with all of y), or the labels of another set were "
                 "passed (test labels with training images). Give fit one label per input.")
    return ValueError(f"Data cardinality is ambiguous:\n  x sizes: {x_size}\n  y sizes: {y_size}\n"
                      f"Make sure all arrays contain the same number of samples.\n  {x_size} inputs but "
                      f"{y_size} labels: {cause}")


def fit_callbacks(callbacks):
    """``fit``'s callbacks, plus ``ExplainNaN`` in explain mode (the list is returned unchanged otherwise)."""
    if not explain.is_enabled():
        return callbacks
    from minitf.keras.callbacks import Callback  # (callbacks import the data utilities, which import us)

    class ExplainNaN(Callback):
        """In explain mode, ``fit`` warns once, in one line, when the loss first becomes NaN or infinite."""

        def __init__(self):
            super().__init__()
            self.epoch, self.warned = 0, False

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            loss = (logs or {}).get("loss")
            if self.warned or loss is None:
                return
            value = float(loss)
            if not math.isfinite(value):
                self.warned = True
                explain.warn(f"The loss became {value} at epoch {self.epoch + 1}, step {batch + 1} of fit. Usual "
                             "causes: a learning rate too high (try 10x smaller), the log of 0 in a hand-written "
                             "loss (clip the probabilities, or use from_logits=True), NaN or inf in the data (check "
                             "np.isfinite(x).all()), a division by zero. keras.callbacks.TerminateOnNaN stops "
                             "training at the first NaN.")

    return [*(callbacks or []), ExplainNaN()]


def training_not_passed(layer):
    """In explain mode, warn when ``layer`` runs in inference mode (``training`` not given) while a tape records.

    That is the custom training loop that forgot ``model(x, training=True)``: Dropout then
    drops nothing, and BatchNormalization normalizes with its moving averages and never updates them.
    """
    if not explain.is_enabled() or not explain.tape_is_recording():
        return
    effect = ("drops nothing" if type(layer).__name__ == "Dropout" else
              "normalizes with its moving averages and never updates them")
    explain.warn(f"{type(layer).__name__} layer {layer.name!r} ran in inference mode while a GradientTape was "
                 f"recording, because `training` was not passed: it {effect}.\n  In a custom training loop call "
                 "model(x, training=True) under the tape; pass training=False when inference is what you want "
                 "(fit() passes it for you).")
