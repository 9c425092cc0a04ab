"""Losses, as ``keras.losses``: functions giving one loss per sample, and classes that reduce them.

``mean_squared_error(y_true, y_pred)`` returns a loss per sample (the mean over
the last axis). A ``Loss`` object calls such a function through its ``call`` and
reduces the result to a scalar, weighting samples by ``sample_weight``. Everything
is composed of minitf ops, so gradients come from the tape. Cross-entropies use
the stable ``minitf.nn`` forms for logits and clip probabilities to
``[1e-7, 1 - 1e-7]``, as Keras does, so extreme inputs give finite losses.
"""

import minitf as tf
from minitf.keras import _lookup, activations, pitfalls

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "Huber", "KLDivergence", "Loss", "LossFunctionWrapper",
           "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError", "MeanSquaredLogarithmicError",
           "SparseCategoricalCrossentropy", "binary_crossentropy", "categorical_crossentropy", "get", "huber",
           "kl_divergence", "kld", "mae", "mape", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_error", "mean_squared_logarithmic_error", "mse", "msle", "serialize", "deserialize",
           "sparse_categorical_crossentropy"]

EPSILON = 1e-7
REDUCTIONS = ("sum_over_batch_size", "sum", "none", None)


def _as_floats(y_true, y_pred):
    """``y_pred`` as a float tensor and ``y_true`` cast to its dtype: labels often arrive as ints."""
    y_pred = tf.convert_to_tensor(y_pred)
    if not y_pred.dtype.is_floating:
        y_pred = tf.cast(y_pred, tf.float32)
    return tf.cast(tf.convert_to_tensor(y_true), y_pred.dtype), y_pred


def match_ranks(a, b):
    """Squeeze a trailing size-1 axis (or add one to a rank-1 tensor) so ranks agree, as Keras does.

    This keeps targets of shape ``(n,)`` from broadcasting against predictions of shape
    ``(n, 1)`` into an ``(n, n)`` matrix, a classic silent bug.
    """
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        return (a, tf.expand_dims(b, -1)) if b.ndim == 1 else (tf.squeeze(a, -1), b)
    if b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        return (tf.expand_dims(a, -1), b) if a.ndim == 1 else (a, tf.squeeze(b, -1))
    return a, b


def _from_logits(y_pred, from_logits, loss_name):
    """Use the logits a softmax/sigmoid output came from, when Keras kept them (as tf.keras does)."""
    pitfalls.check_from_logits(loss_name, y_pred, from_logits)
    logits = None if from_logits else activations.logits_of(y_pred)
    return (y_pred, from_logits) if logits is None else (logits, True)


def _prepare(y_true, y_pred):
    return match_ranks(*_as_floats(y_true, y_pred))


def mean_squared_error(y_true, y_pred):
    """``mean((y_true - y_pred) ** 2, axis=-1)``: one loss per sample.

    >>> mean_squared_error([[0., 1.], [0., 0.]], [[1., 1.], [1., 0.]]).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return tf.reduce_mean(tf.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(|y_true - y_pred|, axis=-1)``: one loss per sample."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return tf.reduce_mean(tf.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / |y_true|, axis=-1)``, with ``|y_true|`` kept above 1e-7.

    >>> mean_absolute_percentage_error([[2., 4.]], [[1., 5.]]).numpy()
    array([37.5], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return 100.0 * tf.reduce_mean(tf.abs(y_true - y_pred) / tf.maximum(tf.abs(y_true), EPSILON), axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(1 + y_pred) - log(1 + y_true)) ** 2, axis=-1)``, both clipped below at 1e-7."""
    y_true, y_pred = _prepare(y_true, y_pred)
    difference = tf.math.log(tf.maximum(y_pred, EPSILON) + 1.0) - tf.math.log(tf.maximum(y_true, EPSILON) + 1.0)
    return tf.reduce_mean(tf.square(difference), axis=-1)


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to [1e-7, 1]."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = tf.clip_by_value(y_true, EPSILON, 1.0)
    y_pred = tf.clip_by_value(y_pred, EPSILON, 1.0)
    return tf.reduce_sum(y_true * tf.math.log(y_true / y_pred), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Squared error for errors up to ``delta``, linear beyond: ``mean(h(y_pred - y_true), axis=-1)``.

    ``h(e) = e ** 2 / 2`` if ``|e| <= delta`` else ``delta * |e| - delta ** 2 / 2``; robust to outliers.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    error = y_pred - y_true
    abs_error = tf.abs(error)
    per_element = tf.where(abs_error <= delta, 0.5 * tf.square(error), delta * abs_error - 0.5 * delta * delta)
    return tf.reduce_mean(per_element, axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``mean(-(y log p + (1 - y) log(1 - p)), axis)``: one loss per sample for 0/1 targets.

    Args:
        y_true: targets in ``[0, 1]``.
        y_pred: probabilities, or logits when ``from_logits=True`` (then computed without ``log``
            of a rounded probability, so any logit gives a finite loss).
        label_smoothing: squeeze targets toward 0.5: ``y * (1 - s) + s / 2``.

    >>> float(binary_crossentropy([1.], [0.5]))  # log(2)
    0.6931471824645996
    """
    y_pred, from_logits = _from_logits(y_pred, from_logits, "binary_crossentropy")
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        per_element = tf.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    else:
        p = tf.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        per_element = -(y_true * tf.math.log(p) + (1 - y_true) * tf.math.log(1 - p))
    return tf.reduce_mean(per_element, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``-sum(y * log p, axis)`` for one-hot (or probability) targets: one loss per sample.

    Probabilities are renormalized to sum to 1 and clipped to ``[1e-7, 1 - 1e-7]``.

    Raises:
        ValueError: targets and predictions of different shapes (integer labels need the sparse form).
    """
    y_pred, from_logits = _from_logits(y_pred, from_logits, "categorical_crossentropy")
    y_true, y_pred = _as_floats(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise pitfalls.categorical_labels_error(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    if from_logits:
        return tf.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    p = y_pred / tf.reduce_sum(y_pred, axis=axis, keepdims=True)
    p = tf.clip_by_value(p, EPSILON, 1.0 - EPSILON)
    return -tf.reduce_sum(y_true * tf.math.log(p), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """``-log p[label]`` for integer class labels: one loss per sample.

    ``y_true`` holds class indices of shape ``(n,)`` or ``(n, 1)``; ``y_pred`` holds
    ``(n, classes)`` probabilities, or logits when ``from_logits=True``.

    >>> float(sparse_categorical_crossentropy([1], [[0.5, 0.5]]))  # log(2)
    0.6931471824645996

    Raises:
        InvalidArgumentError: a label outside ``[0, classes)``.
    """
    y_pred, from_logits = _from_logits(y_pred, from_logits, "sparse_categorical_crossentropy")
    y_pred = tf.convert_to_tensor(y_pred)
    if not y_pred.dtype.is_floating:
        y_pred = tf.cast(y_pred, tf.float32)
    labels = tf.convert_to_tensor(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = tf.squeeze(labels, -1)
    if labels.ndim != y_pred.ndim - 1:
        raise pitfalls.sparse_labels_error(labels, y_pred)
    labels = tf.cast(labels, tf.int64)
    if axis not in (-1, y_pred.ndim - 1):
        raise ValueError(f"Only axis=-1 is supported for sparse_categorical_crossentropy. Received: axis={axis}")
    if not from_logits:  # as Keras: log-probabilities are logits whose softmax gives the probabilities back
        y_pred = tf.math.log(tf.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON))
    # one op, which checks the labels against [0, classes) whenever it runs (a replayed graph too)
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=y_pred)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
bce = BCE = binary_crossentropy
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {REDUCTIONS}. Received: reduction={reduction!r}"
        )
    return reduction


def reduce_weighted(losses, sample_weight=None, reduction="sum_over_batch_size"):
    """Weight per-sample ``losses`` by ``sample_weight`` and reduce them as ``reduction`` says.

    ``"sum_over_batch_size"`` divides the weighted sum by the number of losses (not by the sum of
    the weights), as Keras does; ``"sum"`` returns the sum; ``"none"`` the weighted losses. The
    losses of an empty batch (shape ``(0,)``) come back unreduced, as Keras 3 returns them.
    """
    if sample_weight is not None:
        sample_weight = tf.cast(tf.convert_to_tensor(sample_weight), losses.dtype)
        losses, sample_weight = match_ranks(losses, sample_weight)
        while sample_weight.ndim > 0 and sample_weight.ndim < losses.ndim:
            sample_weight = tf.expand_dims(sample_weight, -1)
        losses = losses * sample_weight
    if reduction in ("none", None) or tuple(losses.shape) == (0,):
        return losses  # as Keras 3: the losses of an empty batch are returned as they are, shape (0,)
    if reduction == "sum":
        return tf.reduce_sum(losses)
    return tf.reduce_mean(losses)  # the sum over the number of losses, counted when the op runs


class Loss:
    """Base class of losses: subclasses write ``call(y_true, y_pred)`` returning per-sample losses.

    Calling the loss runs ``call`` and reduces its result: ``loss(y_true, y_pred, sample_weight)``
    returns a scalar (or per-sample losses with ``reduction="none"``). ``y_true`` is cast to
    ``y_pred``'s dtype first, so integer labels work with float predictions.

    Args:
        reduction: ``"sum_over_batch_size"`` (the mean), ``"sum"`` or ``"none"``.
        name: defaults to the class name in snake_case.

    >>> import minitf as tf
    >>> class AbsError(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return tf.abs(y_true - y_pred)
    >>> float(AbsError()([1, 2], [1.5, 3.]))
    0.75
    """

    def __init__(self, reduction="sum_over_batch_size", name=None):
        self.reduction = _check_reduction(reduction)
        self.name = name or _lookup.snake_case(type(self).__name__)

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self._labels_are_indices():  # class indices stay integers: cast to float32 they would lose precision
            y_true, y_pred = tf.convert_to_tensor(y_true), tf.convert_to_tensor(y_pred)
        else:
            y_true, y_pred = _as_floats(y_true, y_pred)
        return reduce_weighted(self.call(y_true, y_pred), sample_weight, self.reduction)

    def _labels_are_indices(self):
        return getattr(self, "fn", None) is sparse_categorical_crossentropy

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A ``Loss`` around a per-sample function ``fn(y_true, y_pred, **kwargs)``, e.g. a custom loss function.

    >>> float(LossFunctionWrapper(mean_absolute_error)([[1.], [2.]], [[1.5], [3.]]))
    0.75
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, **kwargs):
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", None))
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        if cls is LossFunctionWrapper:
            raise TypeError("A LossFunctionWrapper around an arbitrary function cannot be rebuilt from its config; "
                            "subclass Loss and give it a get_config instead.")
        return cls(**config)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors: ``mean((y_true - y_pred) ** 2)``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error"):
        super().__init__(mean_squared_error, reduction=reduction, name=name)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors: ``mean(|y_true - y_pred|)``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error"):
        super().__init__(mean_absolute_error, reduction=reduction, name=name)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute error as a percentage of the target: ``100 * mean(|y_true - y_pred| / |y_true|)``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error"):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared error of ``log(1 + y)``: relative errors, for targets spanning orders of magnitude."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error"):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence of ``y_pred`` from ``y_true`` (both probability distributions)."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence"):
        super().__init__(kl_divergence, reduction=reduction, name=name)


class Huber(LossFunctionWrapper):
    """Huber loss: squared for errors up to ``delta``, linear beyond (see ``huber``)."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss"):
        super().__init__(huber, reduction=reduction, name=name, delta=delta)


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy for 0/1 targets; pass ``from_logits=True`` when the model has no sigmoid."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy"):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot targets; pass ``from_logits=True`` when the model has no softmax."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy"):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer class labels; pass ``from_logits=True`` when the model has no softmax.

    >>> loss = SparseCategoricalCrossentropy(from_logits=True)
    >>> round(float(loss([0, 1], [[2., 0.], [0., 2.]])), 4)  # log(1 + e ** -2)
    0.1269
    """

    def __init__(self, from_logits=False, reduction="sum_over_batch_size", name="sparse_categorical_crossentropy"):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name, from_logits=from_logits)


_CLASSES = (BinaryCrossentropy, CategoricalCrossentropy, Huber, KLDivergence, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, SparseCategoricalCrossentropy)
_FUNCTIONS = (binary_crossentropy, categorical_crossentropy, huber, kl_divergence, mean_absolute_error,
              mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error,
              sparse_categorical_crossentropy)
_TABLE = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
# Keras 3's aliases (and tf.keras's huber_loss)
_TABLE.update(mse=mean_squared_error, MSE=mean_squared_error, mae=mean_absolute_error, MAE=mean_absolute_error,
              bce=binary_crossentropy, BCE=binary_crossentropy, kld=kl_divergence, KLD=kl_divergence,
              mape=mean_absolute_percentage_error, MAPE=mean_absolute_percentage_error,
              msle=mean_squared_logarithmic_error, MSLE=mean_squared_logarithmic_error, huber_loss=huber)


def get(identifier):
    """Return the loss for a name (``"mse"``, ``"sparse_categorical_crossentropy"``), a config, or a callable.

    Function names give the function (per-sample losses); class names give an instance.

    >>> get("mse") is mean_squared_error
    True

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if identifier is None:
        return None
    return _lookup.resolve(identifier, _TABLE, "loss")


def serialize(loss):
    return _lookup.serialize(loss)


def deserialize(config, custom_objects=None):
    if isinstance(config, str):
        table = {**_TABLE, **(custom_objects or {})}
        return _lookup.resolve(config, table, "loss")
    return _lookup.deserialize(config, {**_TABLE, **(custom_objects or {})}, "loss")
