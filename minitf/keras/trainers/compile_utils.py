"""What ``compile`` turns its arguments into: a compiled loss and compiled metrics.

``CompiledLoss`` resolves ``loss`` (a name, a function or a ``Loss``), adds the
model's regularization losses and keeps the running mean reported as ``loss``.
``CompiledMetrics`` resolves ``metrics`` on the first batch, when the shapes of
``y_true`` and ``y_pred`` are known: that is when ``"accuracy"`` can become
binary, categorical or sparse categorical accuracy, as in Keras.
"""

import minitf as tf
from minitf.keras.utils.serialization import deserialize, get_custom_objects


def _losses():
    from minitf.keras import losses

    return losses


def _metrics():
    from minitf.keras import metrics

    return metrics


def _function_loss(function, name):
    """A ``Loss`` whose ``call`` is ``function(y_true, y_pred)`` (per-sample losses)."""
    return _losses().LossFunctionWrapper(function, name=name)


def resolve_loss(identifier):
    """A ``Loss`` object for a name (``"mse"``), a function of ``(y_true, y_pred)`` or a ``Loss``."""
    if identifier is None:
        return None
    losses = _losses()
    if isinstance(identifier, losses.Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, losses.Loss):
        return identifier()
    if isinstance(identifier, dict):
        return resolve_loss(deserialize(identifier, "losses"))
    if isinstance(identifier, str):
        found = get_custom_objects().get(identifier) or losses.get(identifier)
        if isinstance(found, losses.Loss):
            return found
        return _function_loss(found, identifier)
    if callable(identifier):
        return _function_loss(identifier, getattr(identifier, "__name__", "loss"))
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}. Pass a loss name such as 'mse' or "
                     "'sparse_categorical_crossentropy', a function of (y_true, y_pred), or a keras.losses.Loss.")


class CompiledLoss:
    """The loss given to ``compile`` plus the regularization losses, with a ``loss`` tracker.

    Calling it returns the total loss of a batch and adds it to the tracker (a ``Mean``
    weighted by the batch size, so the epoch's ``loss`` is a per-sample mean); None when
    there is no loss at all (no ``loss`` compiled and no ``add_loss``).
    """

    def __init__(self, loss, weight=None):
        self.identifier = loss
        self.loss = resolve_loss(loss)
        self.weight = weight
        self.tracker = _metrics().Mean(name="loss")
        self.tracker_used = False

    @property
    def metrics(self):
        return [self.tracker]

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        parts = []
        if self.loss is not None:
            if y_true is None:
                raise ValueError("The model was compiled with a loss, but the data has no targets `y`. Pass "
                                 "fit(x, y) or yield (x, y) batches.")
            value = self.loss(y_true, y_pred, sample_weight=sample_weight)
            parts.append(value if self.weight is None else value * float(self.weight))
        dtype = parts[0].dtype if parts else None
        for extra in regularization_losses or ():
            parts.append(extra if dtype is None or extra.dtype == dtype else tf.cast(extra, dtype))
        if not parts:
            return None
        total = tf.add_n(parts) if len(parts) > 1 else parts[0]
        # the batch size read when the step runs: a traced step also serves a smaller last batch
        batch = tf.cast(tf.shape(y_pred)[0], total.dtype) if getattr(y_pred, "ndim", 0) else 1
        self.tracker.update_state(tf.stop_gradient(total), sample_weight=batch)
        self.tracker_used = True
        return total

    def reset_state(self):
        self.tracker.reset_state()


_ACCURACY = ("accuracy", "acc")
_CROSSENTROPY = ("crossentropy", "ce")


class CompiledMetrics:
    """The metrics given to ``compile``, created on the first batch (shapes decide what "accuracy" means).

    Args:
        metrics: names, functions or ``Metric`` objects, updated without sample weights.
        weighted_metrics: the same, updated with the batch's sample weights.
    """

    def __init__(self, metrics=None, weighted_metrics=None):
        self._specs = _as_list(metrics, "metrics")
        self._weighted_specs = _as_list(weighted_metrics, "weighted_metrics")
        for spec in self._specs + self._weighted_specs:
            _check_metric(spec)
        self._metrics = None
        self._weighted = None

    @property
    def built(self):
        return self._metrics is not None

    @property
    def metrics(self):
        return [] if self._metrics is None else self._metrics + self._weighted

    def build(self, y_true, y_pred):
        self._metrics = [_resolve_metric(spec, y_true, y_pred) for spec in self._specs]
        self._weighted = [_resolve_metric(spec, y_true, y_pred) for spec in self._weighted_specs]

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._metrics is None:
            self.build(y_true, y_pred)
        for metric in self._metrics:
            metric.update_state(y_true, y_pred)
        for metric in self._weighted:
            metric.update_state(y_true, y_pred, sample_weight=sample_weight)

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()


def _as_list(specs, argument):
    if specs is None:
        return []
    if isinstance(specs, dict):
        raise ValueError(f"`{argument}` as a dict is for models with several named outputs, which minitf's compile "
                         "does not support; pass a list.")
    if isinstance(specs, (str,)) or callable(specs):
        return [specs]
    return list(specs)


def _is_metric(obj):
    return all(hasattr(obj, name) for name in ("update_state", "result", "reset_state"))


def _check_metric(spec):
    """Raise at ``compile`` for a metric that cannot resolve, rather than at the first batch of ``fit``."""
    if isinstance(spec, str):
        if spec not in _ACCURACY and spec not in _CROSSENTROPY and spec not in get_custom_objects():
            _metrics().get(spec)  # raises for an unknown name, with the closest known ones
    elif not (callable(spec) or _is_metric(spec)):
        raise ValueError(f"Could not interpret metric identifier: {spec!r}. Pass a name such as 'accuracy' or 'mae', "
                         "a function of (y_true, y_pred), or a keras.metrics.Metric.")


def _resolve_metric(spec, y_true, y_pred):
    """A Metric object for one entry of ``compile(metrics=[...])``."""
    metrics = _metrics()
    if isinstance(spec, type) and _is_metric(spec):
        return spec()
    if _is_metric(spec):
        return spec
    if isinstance(spec, str):
        if spec in _ACCURACY or spec in _CROSSENTROPY:
            return _by_shape(spec, y_true, y_pred)
        found = get_custom_objects().get(spec) or metrics.get(spec)
        if isinstance(found, type):
            return found(name=spec)
        if _is_metric(found):
            return found
        return metrics.MeanMetricWrapper(found, name=spec)
    if callable(spec):
        return metrics.MeanMetricWrapper(spec, name=getattr(spec, "__name__", "metric"))
    raise ValueError(f"Could not interpret metric identifier: {spec!r}. Pass a name such as 'accuracy' or 'mae', "
                     "a function of (y_true, y_pred), or a keras.metrics.Metric.")


def _by_shape(spec, y_true, y_pred):
    """Keras's rule: one output unit means binary; labels of lower rank (or width 1) mean sparse."""
    metrics = _metrics()
    true_shape = tuple(y_true.shape) if y_true is not None else ()
    pred_shape = tuple(y_pred.shape)
    pred_last = pred_shape[-1] if pred_shape else 1
    true_last = true_shape[-1] if true_shape else 1
    binary = len(pred_shape) < 2 or pred_last == 1
    sparse = len(true_shape) < len(pred_shape) or (true_last == 1 and pred_last > 1)
    if spec in _ACCURACY:
        cls = metrics.BinaryAccuracy if binary else (
            metrics.SparseCategoricalAccuracy if sparse else metrics.CategoricalAccuracy)
        return cls(name=spec)
    losses = _losses()
    function = losses.binary_crossentropy if binary else (
        losses.sparse_categorical_crossentropy if sparse else losses.categorical_crossentropy)
    return metrics.MeanMetricWrapper(function, name=spec)
