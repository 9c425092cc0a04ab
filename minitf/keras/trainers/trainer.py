"""``Trainer``: what makes a model train. compile, fit, evaluate, predict and their steps.

``Model`` inherits it (as Keras 3's ``Model(Trainer, Layer)``). ``fit`` runs
``train_step`` on each batch: the forward pass under a ``GradientTape``, the
loss, the gradients, one optimizer update, the metrics. Override
``train_step`` to change what a step does and keep the rest (callbacks,
progress bar, validation).

As in Keras, the loops trace each step into a graph (``minitf.function``) and
replay it: Python code in ``call`` or ``train_step`` runs while tracing only.
``compile(run_eagerly=True)`` runs every step op by op instead, for debugging.
This module holds no layer logic: a Trainer is also a ``Layer`` that can be
called, and has ``trainable_variables``.
"""

import numpy as np

from minitf import nest
from minitf.function import function
from minitf.keras import pitfalls
from minitf.keras.callbacks import CallbackList
from minitf.keras.layers.base import _NO_SUPER_INIT, _tracking, _unique
from minitf.keras.trainers.compile_utils import CompiledLoss, CompiledMetrics, _is_metric
from minitf.keras.utils.data import (
    is_array_like,
    make_data,
    pack_x_y_sample_weight,
    split_validation,
    unpack_x_y_sample_weight,
)
from minitf.keras.utils.serialization import deserialize
from minitf.tape import GradientTape
from minitf.tensor import Tensor


class Trainer:
    """The training half of ``keras.Model``: compile, the loops, and the steps they run."""

    def __init__(self):
        setattr_ = object.__setattr__  # plain attributes: none of them is a part of the model
        setattr_(self, "optimizer", None)
        setattr_(self, "compiled_loss", None)
        setattr_(self, "compiled_metrics", None)
        setattr_(self, "loss", None)
        setattr_(self, "_is_compiled", False)
        setattr_(self, "_compile_config", None)
        setattr_(self, "stop_training", False)
        setattr_(self, "history", None)

    # -- compiling -----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, weighted_metrics=None,
                run_eagerly=None, steps_per_execution=None, jit_compile=None, **kwargs):
        """Choose the optimizer, loss and metrics that ``fit`` and ``evaluate`` use.

        Args:
            optimizer: an optimizer or its name (``"rmsprop"``, ``"adam"``, ``"sgd"``...).
            loss: a loss name (``"mse"``, ``"sparse_categorical_crossentropy"``...), a function of
                ``(y_true, y_pred)`` returning per-sample losses, or a ``keras.losses.Loss``.
            metrics: a list of metric names (``"accuracy"``, ``"mae"``), functions or ``Metric`` objects.
            weighted_metrics: metrics that use the sample weights.
            run_eagerly: True runs each training step op by op (print and debug inside ``call``); by
                default ``fit``/``evaluate``/``predict`` trace each step into a graph with ``minitf.function``
                once per batch shape and replay it, as Keras does with ``tf.function``.
            steps_per_execution, jit_compile: accepted for compatibility and ignored.

        Raises:
            ValueError: an unknown name, or ``loss_weights`` (for multi-output models, not supported).
        """
        if "_layer_initialized" not in self.__dict__:
            raise RuntimeError(_NO_SUPER_INIT.format(cls="Model"))
        if kwargs:
            raise TypeError(f"Invalid keyword argument(s) in `compile()`: {sorted(kwargs)}. Valid keyword arguments "
                            "include optimizer, loss, metrics, weighted_metrics.")
        if isinstance(loss_weights, (list, tuple)) and len(loss_weights) == 1:
            loss_weights = loss_weights[0]
        if loss_weights is not None and not isinstance(loss_weights, (int, float)):
            raise ValueError("loss_weights is for models with several outputs, which minitf's compile does not "
                             "support: give one number (or a list of one).")
        # everything is resolved before anything is set: a bad name leaves the model as it was
        resolved_optimizer = deserialize(optimizer, "optimizers") if optimizer is not None else None
        compiled_loss = CompiledLoss(loss, loss_weights)
        compiled_metrics = CompiledMetrics(metrics, weighted_metrics)
        self.optimizer = resolved_optimizer
        self.loss = loss
        self.compiled_loss = compiled_loss
        self.compiled_metrics = compiled_metrics
        if run_eagerly is not None:
            self.run_eagerly = run_eagerly
        self._compile_config = {"optimizer": optimizer, "loss": self.loss, "metrics": metrics,
                                "weighted_metrics": weighted_metrics}
        self._is_compiled = True

    @property
    def run_eagerly(self):
        """False (the default): the loops trace each step into a graph; True: they run it op by op."""
        return bool(self.__dict__.get("_run_eagerly", False))

    @run_eagerly.setter
    def run_eagerly(self, value):
        object.__setattr__(self, "_run_eagerly", bool(value))

    def _step_function(self, kind):
        """The ``train``/``test``/``predict`` step, eager or as a ``minitf.function`` (one trace per batch shape).

        The traced function is kept for the next loop, until ``compile`` is called again or the
        model's structure changes (layers or weights added, layers frozen): then it is traced afresh.
        A smaller last batch runs eagerly rather than tracing a graph for a one-off shape (in
        ``evaluate``, ``predict`` and the last epoch of ``fit``).
        """
        step = getattr(self, f"{kind}_step")
        if self.run_eagerly:
            return step
        key = (_tracking["version"], id(self), id(self.compiled_loss), id(self.optimizer))  # a copy traces anew
        cache = self.__dict__.setdefault("_step_functions", {})
        cached = cache.get(kind)
        if cached is not None and cached[0] == key:
            return cached[1]

        def traced_step(data):
            return step(data)

        traced = function(traced_step, reduce_retracing=True)  # a smaller last batch reuses a None-batch trace
        first = [True]

        def run(data):
            logs = traced(data)
            if first[0]:  # the first trace may build the model: remember the structure as it is now
                first[0] = False
                cache[kind] = ((_tracking["version"],) + key[1:], run)
            return logs

        cache[kind] = (key, run)
        return run

    def _assert_compiled(self, method):
        if "_layer_initialized" not in self.__dict__:
            raise RuntimeError(_NO_SUPER_INIT.format(cls="Model"))
        if not self._is_compiled:
            raise ValueError(f"You must call `compile()` before using the model.\n  Call "
                             f"model.compile(optimizer, loss) before `{method}()`.")

    @property
    def metrics(self):
        """The metrics ``fit`` reports: the loss tracker, the compiled metrics, and Metric attributes."""
        found = []
        if self._is_compiled:
            if self.compiled_loss.tracker_used:
                found += self.compiled_loss.metrics
            found += self.compiled_metrics.metrics
        found += self._cached("metrics", self._attribute_metrics)
        return _unique(found)

    def _attribute_metrics(self):
        """Metric objects held as attributes (or in attribute lists) of this model and its layers."""
        found = []
        for layer in self._flatten_layers():
            for key, value in layer.__dict__.items():
                if key in ("compiled_loss", "compiled_metrics", "optimizer", "history"):
                    continue
                if _is_metric(value) and not isinstance(value, type):
                    found.append(value)
                elif isinstance(value, (list, tuple)) and value and _is_metric(value[0]):
                    found += [v for v in value if _is_metric(v)]
            found += list(layer.__dict__.get("_added_metrics", {}).values())
        return found

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        """Reset every metric (``fit`` does this at the start of each epoch)."""
        for metric in self.metrics:
            metric.reset_state()
        if self._is_compiled:
            self.compiled_loss.reset_state()
            self.compiled_metrics.reset_state()

    # -- one step ------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        """The batch's loss: the compiled loss plus ``self.losses`` (regularization)."""
        return self.compiled_loss(y, y_pred, sample_weight, regularization_losses=self.losses)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with the batch and return every metric's current result."""
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """``{name: result}`` for every metric in ``self.metrics``."""
        return {metric.name: metric.result() for metric in self.metrics}

    def train_step(self, data):
        """One training step on a batch ``(x, y)`` or ``(x, y, sample_weight)``; returns the metric results.

        Override it to customize training: compute the loss under a ``GradientTape``, apply
        the gradients with ``self.optimizer``, update metrics, and return a dict of them.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        if loss is None:
            raise ValueError("No loss to compute: compile(loss=...) was not given and the model has no losses from "
                             "add_loss(). Pass a loss to compile, or override train_step.")
        variables = self.trainable_variables
        if variables:
            gradients = tape.gradient(loss, variables)
            self.optimizer.apply_gradients(zip(gradients, variables))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """One evaluation step: forward pass in inference mode, loss and metrics."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self.compute_loss(x, y, y_pred, sample_weight)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """One prediction step: the model's outputs for the batch, in inference mode."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # -- loops ---------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` passes over the data; return a ``History`` of the per-epoch logs.

        Args:
            x, y: arrays (NumPy, tensors, lists), or ``x`` an iterable of ``(x, y)`` batches.
            batch_size: examples per step (32 by default).
            epochs: the index of the last epoch (training starts at ``initial_epoch``).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch; "auto" is 1.
            callbacks: ``keras.callbacks.Callback`` objects.
            validation_split: the fraction of the data (taken from the end, before shuffling) kept to validate.
            validation_data: ``(x_val, y_val)`` or ``(x_val, y_val, sample_weight)``, evaluated each epoch.
            shuffle: shuffle the training arrays before each epoch.
            class_weight: ``{class index: weight}`` multiplying the loss of each example of that class.
            sample_weight: a weight per training example.
            steps_per_epoch: batches per epoch (needed for endless generators).
            validation_freq: validate every this many epochs (an int), or at the listed epochs (1-based).

        Returns:
            A ``keras.callbacks.History``: ``history.history["loss"]``, ``["val_accuracy"]``...
        """
        self._assert_compiled("fit")
        verbose = _verbosity(verbose)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = split_validation(x, y, sample_weight, validation_split)
        if class_weight is not None:
            sample_weight = _class_sample_weights(y, class_weight, sample_weight)
        data = make_data(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        validation = None
        if validation_data is not None:
            if isinstance(validation_data, tuple) or (isinstance(validation_data, list) and len(validation_data) in (
                    2, 3) and all(v is None or isinstance(v, (np.ndarray, Tensor)) for v in validation_data)):
                vx, vy, vw = unpack_x_y_sample_weight(tuple(validation_data))
                validation = make_data(vx, vy, vw, validation_batch_size or batch_size, False, validation_steps)
            else:
                validation = make_data(validation_data, steps=validation_steps)
        callbacks = pitfalls.fit_callbacks(callbacks)  # explain mode: say when the loss becomes NaN
        callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose,
                                 epochs=epochs, steps=data.steps, mode="fit")
        batch_begin = callbacks.overrides("on_train_batch_begin")
        batch_end = callbacks.overrides("on_train_batch_end")
        train_function = self._step_function("train")
        test_function = self._step_function("test") if validation is not None else None
        self.stop_training = False
        callbacks.on_train_begin()
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            step_logs = None
            for step, batch in enumerate(data):
                if batch_begin:
                    callbacks.on_train_batch_begin(step)
                # a smaller last batch is traced too when it will come back in later epochs
                step_logs = train_function(pack_x_y_sample_weight(*batch))
                if batch_end:
                    callbacks.on_train_batch_end(step, step_logs)
                if self.stop_training:
                    break
            if step_logs is None:
                raise ValueError("Unexpected result of `train_function` (Empty logs): the training data produced no "
                                 "batches. Check that x is not empty (and steps_per_epoch, if given).")
            logs = _python_logs(step_logs)
            if validation is not None and _validate_now(epoch, validation_freq):
                val_logs = self._evaluate_data(validation, callbacks, test_function)
                logs.update({"val_" + name: value for name, value in val_logs.items()})
            callbacks.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        callbacks.on_train_end(logs)
        return callbacks.history

    def _evaluate_data(self, data, callbacks, test_function):
        self.reset_metrics()
        callbacks.on_test_begin()
        batch_end = callbacks.overrides("on_test_batch_end")
        step_logs = None
        for step, batch in enumerate(data):
            step_logs = test_function(pack_x_y_sample_weight(*batch))
            if batch_end:
                callbacks.on_test_batch_end(step, step_logs)
        if step_logs is None:
            raise ValueError("Unexpected result of `test_function` (Empty logs): the evaluation data produced no "
                             "batches.")
        logs = _python_logs(step_logs)
        callbacks.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """The loss and metrics on the data, in inference mode.

        Returns:
            The loss alone if there are no metrics, else ``[loss, metric, ...]`` in ``metrics_names``
            order; a dict ``{name: value}`` with ``return_dict=True``.
        """
        self._assert_compiled("evaluate")
        verbose = _verbosity(verbose)
        data = make_data(x, y, sample_weight, batch_size, False, steps)
        callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                 steps=data.steps, mode="test")
        logs = self._evaluate_data(data, callbacks, self._step_function("test"))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for ``x`` as NumPy arrays, computed batch by batch in inference mode."""
        if "_layer_initialized" not in self.__dict__:
            raise RuntimeError(_NO_SUPER_INIT.format(cls="Model"))
        verbose = _verbosity(verbose)
        data = make_data(x, None, None, batch_size, False, steps)
        callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                                 steps=data.steps, mode="predict")
        batch_end = callbacks.overrides("on_predict_batch_end")
        predict_function = self._step_function("predict")
        callbacks.on_predict_begin()
        parts = []
        for step, batch in enumerate(data):
            outputs = predict_function(pack_x_y_sample_weight(*batch))
            parts.append(nest.map_structure(lambda t: t.numpy() if isinstance(t, Tensor) else np.asarray(t), outputs))
            if batch_end:
                callbacks.on_predict_batch_end(step, {"outputs": outputs})
        callbacks.on_predict_end()
        if not parts:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs): the data produced no "
                             "batches.")
        return nest.map_structure(lambda *pieces: np.concatenate(pieces, axis=0), *parts)

    def train_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """One ``train_step`` on exactly this batch; returns the loss (and metrics)."""
        return self._on_batch("train_on_batch", self.train_step, x, y, sample_weight, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) on exactly this batch, without training."""
        return self._on_batch("test_on_batch", self.test_step, x, y, sample_weight, return_dict)

    def _on_batch(self, method, step, x, y, sample_weight, return_dict):
        """Run ``step`` once on the whole batch, with fresh metrics; the logs as a dict, a list or one number."""
        self._assert_compiled(method)
        self.reset_metrics()
        batch = make_data(x, y, sample_weight, batch_size=len(nest.flatten(x)[0]))
        logs = _python_logs(step(pack_x_y_sample_weight(*next(iter(batch)))))
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else next(iter(logs.values())))

    def predict_on_batch(self, x):
        """The model's outputs for exactly this batch, as NumPy arrays."""
        return nest.map_structure(lambda t: t.numpy(), self(x, training=False))


def _verbosity(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', got {verbose!r}.")
    return int(verbose)


def _python_logs(logs):
    """Metric results as Python floats (or NumPy arrays when not scalars)."""
    out = {}
    for name, value in (logs or {}).items():
        array = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
        out[name] = float(array) if array.size == 1 else array
    return out


def _validate_now(epoch, validation_freq):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def _class_sample_weights(y, class_weight, sample_weight):
    """Per-example weights from ``{class: weight}`` (labels as indices or one-hot), times ``sample_weight``."""
    if not is_array_like(y):
        raise ValueError("`class_weight` is only supported for array targets y.")
    labels = np.asarray(y.numpy() if isinstance(y, Tensor) else y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(len(labels), -1)[:, 0].astype(np.int64)
    missing = sorted(set(np.unique(labels).tolist()) - set(class_weight))
    if missing:
        raise ValueError(f"`class_weight` must contain all classes in the data. The classes {missing} exist in the "
                         f"data but not in `class_weight`.")
    weights = np.array([class_weight[c] for c in labels.tolist()], dtype=np.float32)
    if sample_weight is not None:
        other = sample_weight.numpy() if isinstance(sample_weight, Tensor) else np.asarray(sample_weight)
        weights = weights * other.astype(np.float32)
    return weights
