"""Callbacks: objects ``fit`` calls at the start and end of training, of each epoch and of each batch.

``Callback`` is the base class (every hook does nothing); ``CallbackList`` calls
a list of them; ``History`` records each epoch's logs (``fit`` returns it);
``ProgbarLogger`` prints the progress bar; the others stop training early, save
checkpoints, change the learning rate, or plot the metrics live in a notebook
(matplotlib is imported only when that plot is used).
"""

import math
import os
import warnings

import numpy as np

from minitf.keras.utils.progbar import Progbar
from minitf.variable import Variable


class Callback:
    """The base class of callbacks, as ``keras.callbacks.Callback``: override the hooks you need.

    ``self.model`` is the model being trained; ``self.params`` holds ``epochs``,
    ``steps`` and ``verbose``. ``logs`` is a dict of metric values (``loss``,
    ``accuracy``, ``val_loss``...).
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        """Called by ``fit`` to give the callback the model it trains."""
        self.model = model

    def set_params(self, params):
        """Called by ``fit`` with ``epochs``, ``steps`` and ``verbose``."""
        self.params = params

    def on_train_begin(self, logs=None):
        """Called once when ``fit`` starts."""

    def on_train_end(self, logs=None):
        """Called once when ``fit`` ends, with the last epoch's logs."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch (counted from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch with its logs (``val_`` ones included)."""

    def on_batch_begin(self, batch, logs=None):
        """Kept for old code: the default ``on_train_batch_begin`` calls it."""

    def on_batch_end(self, batch, logs=None):
        """Kept for old code: the default ``on_train_batch_end`` calls it."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training batch (calls ``on_batch_begin``)."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training batch with the running metrics (calls ``on_batch_end``)."""
        self.on_batch_end(batch, logs)

    def on_test_begin(self, logs=None):
        """Called when ``evaluate`` (or validation in ``fit``) starts."""

    def on_test_end(self, logs=None):
        """Called when ``evaluate`` (or validation in ``fit``) ends, with its logs."""

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each evaluation batch."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each evaluation batch with the running metrics."""

    def on_predict_begin(self, logs=None):
        """Called when ``predict`` starts."""

    def on_predict_end(self, logs=None):
        """Called when ``predict`` ends."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each prediction batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each prediction batch (``logs['outputs']``)."""


_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
          "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")


class CallbackList:
    """Calls each hook on every callback in order. ``fit`` adds a ``History`` (and a ``ProgbarLogger``).

    Batch hooks are skipped entirely when no callback overrides them, which keeps
    the training loop lean.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, mode=None, **params):
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be keras.callbacks.Callback instances, got {callback!r} "
                                f"(of type {type(callback).__name__}).")
        self.history = None
        if add_history:  # last, as in Keras, so it records what the other callbacks added to the logs
            self.history = next((c for c in self.callbacks if isinstance(c, History)), None)
            if self.history is None:
                self.history = History()
                self.callbacks.append(self.history)
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        for callback in self.callbacks:
            if isinstance(callback, ProgbarLogger):
                callback.mode = mode  # "fit", "test" or "predict": which loop the bar is for
        if model is not None:
            self.set_model(model)
        self.set_params(params)

    def set_model(self, model):
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def __iter__(self):
        return iter(self.callbacks)

    def overrides(self, hook):
        """Whether any callback does something in ``hook`` (so the loop may skip calling it)."""
        legacy = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}.get(hook)
        for callback in self.callbacks:
            cls = type(callback)
            if getattr(cls, hook) is not getattr(Callback, hook):
                return True
            if legacy and getattr(cls, legacy) is not getattr(Callback, legacy):
                return True
            if isinstance(callback, LambdaCallback) and (hook in callback.hooks or legacy in callback.hooks):
                return True
        return False


def _call_all(hook):
    """Call ``hook`` on every callback, always with a logs dict (so ``lambda epoch, logs: ...`` works)."""
    if hook.endswith(("_begin", "_end")) and ("epoch" in hook or "batch" in hook):
        def method(self, index, logs=None):
            logs = {} if logs is None else logs
            for callback in self.callbacks:
                getattr(callback, hook)(index, logs)
    else:
        def method(self, logs=None):
            logs = {} if logs is None else logs
            for callback in self.callbacks:
                getattr(callback, hook)(logs)

    method.__name__ = hook
    return method


for _hook in _HOOKS:
    setattr(CallbackList, _hook, _call_all(_hook))


class History(Callback):
    """Records the logs of every epoch: ``history.history["loss"]`` is the list of epoch losses."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and a progress bar per epoch (``fit(verbose=1)``), or one line per epoch (2)."""

    def __init__(self, count_mode="steps", stateful_metrics=None):
        super().__init__()
        self.progbar = None
        self.mode = "fit"
        self._seen = 0

    def _make_bar(self, target):
        self._seen = 0
        self.progbar = Progbar(target, verbose=self.params.get("verbose", 1))

    def on_epoch_begin(self, epoch, logs=None):
        if self.params.get("verbose", 1):
            print(f"Epoch {epoch + 1}/{self.params.get('epochs', 1)}")
        self._make_bar(self.params.get("steps"))

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)
        if self.params.get("steps") is None:
            self.params["steps"] = self._seen  # an unknown length is known after one epoch

    def _update(self, batch, logs):
        self._seen = batch + 1
        if self.progbar is not None:
            logs = logs or {}
            self.progbar.stateful_metrics.update(logs)
            self.progbar.update(self._seen, list(logs.items()), finalize=False)

    def _finish(self, logs):
        if self.progbar is not None:
            logs = logs or {}
            self.progbar.stateful_metrics.update(logs)
            self.progbar.update(self._seen, list(logs.items()), finalize=True)
            self.progbar = None

    def on_test_begin(self, logs=None):
        if self.mode == "test":
            self._make_bar(self.params.get("steps"))

    def on_test_batch_end(self, batch, logs=None):
        if self.mode == "test":
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if self.mode == "test":
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._make_bar(self.params.get("steps"))

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        self._finish(None)


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has stopped improving for ``patience`` epochs.

    Args:
        monitor: the log to watch, ``"val_loss"`` by default.
        min_delta: a change smaller than this does not count as an improvement.
        patience: how many epochs without improvement to wait before stopping.
        verbose: 1 prints a line when training stops.
        mode: ``"min"``, ``"max"``, or ``"auto"`` (max for accuracies, min otherwise).
        baseline: training stops if the monitored value does not beat this within ``patience`` epochs.
        restore_best_weights: when stopping, put back the weights of the best epoch.
        start_from_epoch: epochs to wait before watching at all (a warm-up).
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping mode {mode!r} is unknown: use 'auto', 'min' or 'max'.")
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        if mode == "auto":
            mode = "max" if ("acc" in monitor or monitor.endswith(("auc", "precision", "recall"))) else "min"
        self.mode = mode

    def _improved(self, current, reference):
        if self.mode == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs or {})}", stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        current = float(current)
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0  # waiting starts over only once the baseline is beaten too
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose:
                    print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


class LambdaCallback(Callback):
    """A callback made of functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch))``.

    The epoch and batch hooks take ``(epoch_or_batch, logs)``; the others ``(logs)``.
    ``on_batch_begin``/``on_batch_end`` run on training batches.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_batch_begin=on_batch_begin,
                     on_batch_end=on_batch_end, on_train_begin=on_train_begin, on_train_end=on_train_end, **kwargs)
        unknown = [name for name in hooks if name not in _HOOKS + ("on_batch_begin", "on_batch_end")]
        if unknown:
            raise TypeError(f"LambdaCallback got unknown hooks {unknown}; valid hooks: {', '.join(_HOOKS)}, "
                            "on_batch_begin, on_batch_end.")
        self.hooks = {name: fn for name, fn in hooks.items() if fn is not None}
        for name, fn in self.hooks.items():
            setattr(self, name, fn)


class ModelCheckpoint(Callback):
    """Save the model (or only its weights) after each epoch, or only when ``monitor`` improves.

    ``filepath`` may hold ``{epoch}`` and log names: ``"ckpt-{epoch:02d}-{val_loss:.2f}.weights.h5"``; its
    directory is created when missing, as Keras does.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch"):
        super().__init__()
        if save_freq != "epoch":
            raise ValueError("minitf's ModelCheckpoint saves once per epoch: use save_freq='epoch'.")
        self.filepath = os.fspath(filepath)
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must "
                             f"end in `.weights.h5` (Keras weights format). Received: filepath={self.filepath}")
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.mode = mode
        self.best = math.inf if mode == "min" else -math.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.", stacklevel=2)
                return
            better = current < self.best if self.mode == "min" else current > self.best
            if not better:
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
        elif self.verbose:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at each epoch's start to ``schedule(epoch, lr)``.

    The epoch's learning rate is added to the logs as ``learning_rate``.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        current = float(_learning_rate(optimizer))
        try:
            value = self.schedule(epoch, current)
        except TypeError:  # schedules written as schedule(epoch)
            value = self.schedule(epoch)
        value = float(value)
        _set_learning_rate(optimizer, value)
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {value}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(_learning_rate(self.model.optimizer))


def _learning_rate(optimizer):
    return optimizer.learning_rate


def _set_learning_rate(optimizer, value):
    rate = optimizer.learning_rate
    if isinstance(rate, Variable):
        rate.assign(value)
    else:
        optimizer.learning_rate = value  # raises a clear error when the rate is a schedule


class LivePlot(Callback):
    """Plot the loss and metrics after every epoch, redrawn in place in a Jupyter notebook.

    One panel per metric, with its ``val_`` twin on the same axes. Needs matplotlib
    (``pip install 'minitf[notebooks]'``), imported only when training starts.
    Outside a notebook the figure is still drawn and kept in ``self.figure``.

    Args:
        metrics: the names to plot (without ``val_``); all of them by default.
        every: redraw every this many epochs.
        figsize: the figure size in inches for each panel (width, height).
    """

    def __init__(self, metrics=None, every=1, figsize=(4, 3)):
        super().__init__()
        self.metrics = metrics
        self.every = every
        self.figsize = figsize
        self.logs = {}
        self.figure = None
        self._handle = None

    def on_train_begin(self, logs=None):
        try:
            import matplotlib.pyplot as plt
        except ImportError as error:
            raise ImportError("LivePlot needs matplotlib: pip install 'minitf[notebooks]' (or matplotlib).") from error
        self._plt = plt
        self.logs = {}
        self._handle = None

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.logs.setdefault(key, []).append(float(value))
        if (epoch + 1) % self.every == 0:
            self.draw()

    def on_train_end(self, logs=None):
        if self.figure is not None:
            self._plt.close(self.figure)  # shown already; closing stops the inline backend showing it twice

    def draw(self):
        """Redraw the figure from the logs recorded so far and show it (in place in a notebook)."""
        names = self.metrics or [k for k in self.logs if not k.startswith("val_")]
        plt = self._plt
        if self.figure is None:
            self.figure, axes = plt.subplots(1, len(names), squeeze=False,
                                             figsize=(self.figsize[0] * len(names), self.figsize[1]))
        axes = self.figure.axes
        for ax, name in zip(axes, names):
            ax.clear()
            for key in (name, "val_" + name):
                if key in self.logs:
                    ax.plot(range(1, len(self.logs[key]) + 1), self.logs[key], label=key)
            ax.set_xlabel("epoch")
            ax.set_title(name)
            ax.legend()
        self.figure.tight_layout()
        self._show()

    def _show(self):
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is None:
            return
        if self._handle is None:
            self._handle = display(self.figure, display_id=True)
        else:
            self._handle.update(self.figure)
