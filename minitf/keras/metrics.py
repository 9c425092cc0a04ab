"""Metrics, as ``keras.metrics``: stateful objects that accumulate a quantity over batches.

A ``Metric`` keeps its running state in non-trainable Variables (``add_weight``);
``update_state`` adds a batch, ``result`` reads the value, ``reset_state`` starts
over. Function forms (``binary_accuracy(y_true, y_pred)``) give one value per
sample; ``MeanMetricWrapper`` averages such a function over batches, which is
how ``compile(metrics=["mae"])`` works. ``get_metric`` turns a ``compile`` entry
into a metric object named as Keras names it in ``History``.
"""

import minitf as tf
from minitf.keras import _lookup, backend, initializers, losses
from minitf.keras.utils import naming

__all__ = ["Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "Mean", "MeanAbsoluteError", "MeanMetricWrapper",
           "MeanSquaredError", "Metric", "Precision", "Recall", "RootMeanSquaredError", "SparseCategoricalAccuracy",
           "Sum", "accuracy", "binary_accuracy", "categorical_accuracy", "get", "get_metric",
           "sparse_categorical_accuracy"]


def _divide_no_nan(x, y):
    """``x / y``, and 0 where ``y`` is 0 (a metric that has seen no data reads 0)."""
    return tf.math.divide_no_nan(x, y)


class Metric:
    """Base class of metrics: subclasses create state with ``add_weight`` and write ``update_state`` and ``result``.

    Args:
        name: the metric's name (default: the class name in snake_case); ``History`` keys use it.
        dtype: the dtype of the state and the result (default float32).

    >>> import minitf as tf
    >>> class Count(Metric):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.n = self.add_weight("n")
    ...     def update_state(self, values, sample_weight=None):
    ...         self.n.assign_add(tf.cast(tf.size(values), tf.float32))
    ...     def result(self):
    ...         return self.n + 0
    >>> count = Count()
    >>> count.update_state([1, 2, 3]); float(count([4, 5]))
    5.0
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or _lookup.snake_case(type(self).__name__)
        self.dtype = tf.float32 if dtype is None else tf.as_dtype(dtype)
        self._variables = []
        self._initializers = []

    def add_variable(self, shape, initializer, dtype=None, name=None):
        """Create a non-trainable state variable; ``reset_state`` puts it back to ``initializer``'s value.

        As in Keras 3 it is a ``keras.Variable`` named ``name`` whose path starts with the metric's name
        (``precision/true_positives``).

        Raises:
            RuntimeError: the subclass's ``__init__`` did not call ``super().__init__()`` first.
        """
        if "_variables" not in self.__dict__:
            raise RuntimeError(f"It looks like you are subclassing `Metric` and forgot to call "
                               f"`super().__init__()` in {type(self).__name__}.__init__. Call it before add_weight.")
        init = initializers.get(initializer)
        name = name or backend.unique_name("variable")
        variable = naming.KerasVariable(init, tuple(shape), self.dtype if dtype is None else tf.as_dtype(dtype),
                                        False, name, path=naming.weight_path(self, name, self.name.replace("/", ">")))
        self._variables.append(variable)
        self._initializers.append(init)
        return variable

    def add_weight(self, name=None, shape=(), initializer="zeros", dtype=None):
        """``add_variable`` with a name first and zeros by default (TF 2's order; Keras 3's ``shape`` first works)."""
        if name is not None and not isinstance(name, str):  # Keras 3 order: add_weight(shape, initializer, ...)
            name, shape = None, name
        return self.add_variable(shape, initializer, dtype, name)

    @property
    def variables(self):
        """The state Variables, in creation order."""
        return list(self.__dict__.get("_variables", []))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self):
        """Put every state Variable back to its initial value."""
        for variable, init in zip(self._variables, self._initializers):
            variable.assign(init(tuple(variable.shape), dtype=variable.dtype))

    def reset_states(self):
        """The TF 2 name of ``reset_state``."""
        self.reset_state()

    def __call__(self, *args, **kwargs):
        """Update the state with one batch and return the result so far."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _per_sample(values, sample_weight):
    """Weight ``values`` and average everything but the first axis: one value (and weight) per sample."""
    if sample_weight is not None:
        sample_weight = tf.cast(tf.convert_to_tensor(sample_weight), values.dtype)
        values, sample_weight = losses.match_ranks(values, sample_weight)
        while sample_weight.ndim < values.ndim:
            sample_weight = tf.expand_dims(sample_weight, -1)
        sample_weight = sample_weight * tf.ones_like(values)  # broadcast, with the shape read at run time
        values = values * sample_weight
    if values.ndim > 1:
        axes = list(range(1, values.ndim))
        values = tf.reduce_mean(values, axis=axes)
        if sample_weight is not None:
            sample_weight = tf.reduce_mean(sample_weight, axis=axes)
    return values, sample_weight


class Mean(Metric):
    """The (weighted) mean of all the values seen: ``total / count``.

    >>> m = Mean()
    >>> _ = m.update_state([1., 3., 5., 7.])
    >>> float(m.result())
    4.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_weight("total")
        self.count = self.add_weight("count")

    def update_state(self, values, sample_weight=None):
        values = tf.cast(tf.convert_to_tensor(values), self.dtype)
        if values.ndim == 0 and sample_weight is not None and getattr(sample_weight, "ndim", 0) == 0:
            # one value with one weight (fit's loss, weighted by the batch size): no broadcasting needed
            sample_weight = tf.cast(tf.convert_to_tensor(sample_weight), self.dtype)
            self.total.assign_add(values * sample_weight)
            self.count.assign_add(sample_weight)
            return
        values, sample_weight = _per_sample(values, sample_weight)
        self.total.assign_add(tf.reduce_sum(values))
        if sample_weight is not None:
            self.count.assign_add(tf.reduce_sum(sample_weight))
        else:
            self.count.assign_add(tf.cast(tf.size(values), self.dtype))  # one value per sample by now

    def result(self):
        return _divide_no_nan(self.total, self.count)


class Sum(Metric):
    """The (weighted) sum of all the values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_weight("total")

    def update_state(self, values, sample_weight=None):
        values = tf.cast(tf.convert_to_tensor(values), self.dtype)
        if sample_weight is not None:
            values, sample_weight = losses.match_ranks(values, tf.cast(tf.convert_to_tensor(sample_weight),
                                                                       self.dtype))
            values = values * sample_weight
        self.total.assign_add(tf.reduce_sum(values))

    def result(self):
        return tf.identity(self.total)


class MeanMetricWrapper(Mean):
    """The mean over all samples of ``fn(y_true, y_pred, **kwargs)``, a function giving one value per sample.

    ``y_true`` is cast to the dtype of a floating ``y_pred`` first, so integer labels work.

    >>> m = MeanMetricWrapper(losses.mean_absolute_error, name="mae")
    >>> _ = m.update_state([[1.], [2.]], [[1.5], [3.]])
    >>> float(m.result())
    0.75
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.convert_to_tensor(y_pred)
        y_true = tf.convert_to_tensor(y_true)
        if y_pred.dtype.is_floating and y_true.dtype != y_pred.dtype:
            y_true = tf.cast(y_true, y_pred.dtype)
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        if cls is MeanMetricWrapper:
            raise TypeError("A MeanMetricWrapper around an arbitrary function cannot be rebuilt from its config; "
                            "subclass it with a fixed function instead.")
        return cls(**config)


_floats = losses._as_floats  # labels cast to the predictions' (float) dtype, as for the losses


def accuracy(y_true, y_pred):
    """1.0 where ``y_pred`` equals ``y_true`` exactly, else 0.0 (element-wise)."""
    y_true, y_pred = losses.match_ranks(*_floats(y_true, y_pred))
    return tf.cast(tf.equal(y_true, y_pred), tf.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """The fraction of each sample's outputs on the right side of ``threshold``: ``mean(y == (p > t), axis=-1)``.

    >>> binary_accuracy([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]).numpy()
    array([1., 1., 1., 0.], dtype=float32)
    """
    y_true, y_pred = losses.match_ranks(*_floats(y_true, y_pred))
    predicted = tf.cast(y_pred > threshold, y_true.dtype)
    return tf.reduce_mean(tf.cast(tf.equal(y_true, predicted), tf.float32), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1.0 where the largest prediction is at the one-hot target's class, else 0.0 (one value per sample)."""
    y_true, y_pred = _floats(y_true, y_pred)
    return tf.cast(tf.equal(tf.argmax(y_true, axis=-1), tf.argmax(y_pred, axis=-1)), tf.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the largest prediction is at the integer label, else 0.0 (one value per sample).

    >>> sparse_categorical_accuracy([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]).numpy()
    array([0., 1.], dtype=float32)
    """
    y_pred = tf.convert_to_tensor(y_pred)
    labels = tf.convert_to_tensor(y_true)
    if labels.ndim == y_pred.ndim and labels.ndim > 1 and labels.shape[-1] == 1:
        labels = tf.squeeze(labels, -1)
    predicted = tf.argmax(y_pred, axis=-1)
    return tf.cast(tf.equal(tf.cast(labels, predicted.dtype), predicted), tf.float32)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal the targets exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches 0/1 targets."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of the prediction matches the arg-max of one-hot targets."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of the prediction matches integer labels.

    >>> m = SparseCategoricalAccuracy()
    >>> float(m([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]))
    0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean absolute error over all samples seen."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)


class MeanSquaredError(MeanMetricWrapper):
    """The mean squared error over all samples seen."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """``sqrt`` of the mean squared error over all samples seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = losses.match_ranks(*_floats(y_true, y_pred))
        super().update_state(tf.square(y_pred - y_true), sample_weight)

    def result(self):
        return tf.sqrt(super().result())


class _ConfusionCounts(Metric):
    """Counts, for each threshold, the (weighted) predictions ``y_pred > threshold`` of each kind."""

    _counts = ()

    def __init__(self, thresholds=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._single = thresholds is None or isinstance(thresholds, (int, float))
        self.thresholds = [0.5 if thresholds is None else thresholds] if self._single else list(thresholds)
        if not all(0 <= t <= 1 for t in self.thresholds):
            raise ValueError(f"Threshold values must be in [0, 1]. Received: thresholds={thresholds}")
        self.class_id = class_id
        for count in self._counts:
            setattr(self, count, self.add_weight(count, shape=(len(self.thresholds),)))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.cast(tf.convert_to_tensor(y_pred), self.dtype)
        y_true = tf.cast(tf.convert_to_tensor(y_true), self.dtype)
        y_true, y_pred = losses.match_ranks(y_true, y_pred)
        weights = tf.ones_like(y_pred)
        if sample_weight is not None:
            sample_weight = tf.cast(tf.convert_to_tensor(sample_weight), self.dtype)
            weights, sample_weight = losses.match_ranks(weights, sample_weight)
            while sample_weight.ndim < weights.ndim:
                sample_weight = tf.expand_dims(sample_weight, -1)
            weights = weights * sample_weight
        if self.class_id is not None:
            y_true, y_pred, weights = (t[..., self.class_id] for t in (y_true, y_pred, weights))
        # one row per prediction, one column per threshold
        predicted = tf.reshape(y_pred, (-1, 1)) > tf.constant(self.thresholds, dtype=self.dtype)
        actual = tf.reshape(y_true, (-1, 1)) != 0
        weights = tf.reshape(weights, (-1, 1))
        kinds = {"true_positives": predicted & actual, "false_positives": predicted & ~actual,
                 "false_negatives": ~predicted & actual}
        for count in self._counts:
            getattr(self, count).assign_add(tf.reduce_sum(tf.cast(kinds[count], self.dtype) * weights, axis=0))

    def _ratio(self, part, other):
        value = _divide_no_nan(part, part + other)
        return value[0] if self._single else value

    def get_config(self):
        thresholds = self.thresholds[0] if self._single else self.thresholds
        return {**super().get_config(), "thresholds": thresholds, "class_id": self.class_id}


class Precision(_ConfusionCounts):
    """Of the samples predicted positive (``y_pred > threshold``), the fraction that are: ``tp / (tp + fp)``.

    Args:
        thresholds: a float in ``[0, 1]`` (default 0.5) or a list of them (then ``result`` is a vector).
        class_id: compute it for this column of multi-label outputs only.
    """

    _counts = ("true_positives", "false_positives")

    def result(self):
        return self._ratio(self.true_positives, self.false_positives)


class Recall(_ConfusionCounts):
    """Of the positive samples, the fraction predicted positive: ``tp / (tp + fn)``."""

    _counts = ("true_positives", "false_negatives")

    def result(self):
        return self._ratio(self.true_positives, self.false_negatives)


_CLASSES = (Accuracy, BinaryAccuracy, CategoricalAccuracy, Mean, MeanAbsoluteError, MeanSquaredError, Precision,
            Recall, RootMeanSquaredError, SparseCategoricalAccuracy, Sum)
_FUNCTIONS = (accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
              losses.mean_absolute_error, losses.mean_squared_error, losses.mean_absolute_percentage_error,
              losses.mean_squared_logarithmic_error, losses.binary_crossentropy,
              losses.categorical_crossentropy, losses.sparse_categorical_crossentropy)
_TABLE = {cls.__name__: cls for cls in _CLASSES}
_TABLE.update({"mean": Mean, "sum": Sum, "precision": Precision, "recall": Recall,
               "root_mean_squared_error": RootMeanSquaredError})
_TABLE.update({fn.__name__: fn for fn in _FUNCTIONS})
# Keras 3's aliases
_TABLE.update(mae=losses.mean_absolute_error, MAE=losses.mean_absolute_error, mse=losses.mean_squared_error,
              MSE=losses.mean_squared_error, acc=accuracy, bce=losses.binary_crossentropy,
              BCE=losses.binary_crossentropy, mape=losses.mean_absolute_percentage_error,
              MAPE=losses.mean_absolute_percentage_error, msle=losses.mean_squared_logarithmic_error,
              MSLE=losses.mean_squared_logarithmic_error)


def get(identifier):
    """Return the metric for a name, a config dict, an instance or a callable.

    Names of functions (``"mae"``, ``"binary_accuracy"``) give the per-sample function; names of
    classes (``"Precision"``, ``"precision"``) a new instance. ``compile`` resolves plain
    ``"accuracy"`` from the targets' shape: see ``get_metric``.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if identifier is None:
        return None
    return _lookup.resolve(identifier, _TABLE, "metric")


def get_metric(identifier, y_true=None, y_pred=None):
    """A ``Metric`` for one entry of ``compile(metrics=[...])``, named as Keras names it in ``History``.

    A string keeps its spelling as the name (``"mae"`` reports as ``mae``); plain ``"accuracy"``
    (or ``"acc"``) becomes binary, sparse categorical or categorical accuracy depending on the
    shapes of the targets and predictions, as in Keras. Functions are wrapped in a
    ``MeanMetricWrapper`` named after them.

    Args:
        identifier: what the user passed: a string, a function, a ``Metric``.
        y_true, y_pred: a batch of targets and predictions (or their shapes), for ``"accuracy"``.

    >>> get_metric("accuracy", y_true=(32,), y_pred=(32, 10)).__class__.__name__
    'SparseCategoricalAccuracy'
    >>> get_metric("mae").name
    'mae'
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier in ("accuracy", "acc"):
        if y_true is None or y_pred is None:
            raise ValueError(f"Resolving metric {identifier!r} needs the shapes of the targets and predictions.")
        true_shape, pred_shape = (tuple(getattr(s, "shape", s)) for s in (y_true, y_pred))
        if len(pred_shape) <= 1 or pred_shape[-1] == 1:
            metric = BinaryAccuracy(name=identifier)
        elif len(true_shape) < len(pred_shape) or (true_shape[-1] == 1 and pred_shape[-1] > 1):
            metric = SparseCategoricalAccuracy(name=identifier)
        else:
            metric = CategoricalAccuracy(name=identifier)
        return metric
    found = get(identifier)
    if isinstance(found, Metric):
        if isinstance(identifier, str):
            found.name = identifier
        return found
    name = identifier if isinstance(identifier, str) else getattr(found, "__name__", None)
    return MeanMetricWrapper(found, name=name)


def serialize(metric):
    return _lookup.serialize(metric)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize(config, {**_TABLE, **(custom_objects or {})}, "metric")
