"""Callbacks: the hooks fit calls and in what order, History, EarlyStopping, LambdaCallback, ModelCheckpoint,
TerminateOnNaN, LearningRateScheduler and the live plot."""

import os
import subprocess
import sys

import numpy as np
import pytest

from minitf import keras
from minitf.keras import callbacks, layers


def model_and_data(learning_rate=0.1):
    x = np.random.rand(32, 3).astype("float32")
    y = x @ np.array([[1.], [2.], [-1.]], dtype="float32")
    model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse", metrics=["mae"])
    return model, x, y


class Log(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def _add(name):
        def hook(self, *args):
            *index, logs = args
            self.events.append((name, *index) + ((sorted(logs),) if logs else ()))
        return hook

    for _name in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                  "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_end"):
        locals()[_name] = _add(_name)


def test_hooks_are_called_in_order_with_logs():
    model, x, y = model_and_data()
    log = Log()
    model.fit(x, y, batch_size=16, epochs=1, validation_data=(x[:8], y[:8]), callbacks=[log], verbose=0)
    names = ["loss", "mae"]
    assert log.events == [
        ("on_train_begin",), ("on_epoch_begin", 0),
        ("on_train_batch_begin", 0), ("on_train_batch_end", 0, names),
        ("on_train_batch_begin", 1), ("on_train_batch_end", 1, names),
        ("on_test_begin",), ("on_test_batch_end", 0, names), ("on_test_end", names),
        ("on_epoch_end", 0, names + ["val_loss", "val_mae"]), ("on_train_end", names + ["val_loss", "val_mae"])]
    assert log.model is model
    assert log.params == {"verbose": 0, "epochs": 1, "steps": 2}


def test_evaluate_calls_test_hooks():
    model, x, y = model_and_data()
    log = Log()
    model.evaluate(x, y, batch_size=32, callbacks=[log], verbose=0)
    assert [e[0] for e in log.events] == ["on_test_begin", "on_test_batch_end", "on_test_end"]


def test_legacy_batch_hooks():
    model, x, y = model_and_data()
    seen = []

    class Old(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(batch)

    model.fit(x, y, batch_size=8, epochs=2, callbacks=[Old()], verbose=0)
    assert seen == [0, 1, 2, 3] * 2


def test_callback_list_rejects_other_objects():
    model, x, y = model_and_data()
    with pytest.raises(TypeError, match="Callback instances"):
        model.fit(x, y, callbacks=[lambda logs: None], verbose=0)


def test_callback_list_skips_hooks_nobody_overrides():
    assert not callbacks.CallbackList([callbacks.History()]).overrides("on_train_batch_end")
    assert callbacks.CallbackList([callbacks.ProgbarLogger()]).overrides("on_train_batch_end")
    assert callbacks.CallbackList([callbacks.LambdaCallback(on_batch_end=print)]).overrides("on_train_batch_end")


def test_history_records_every_epoch():
    model, x, y = model_and_data()
    history = model.fit(x, y, epochs=3, verbose=0)
    assert isinstance(history, callbacks.History)
    assert history.epoch == [0, 1, 2] and len(history.history["mae"]) == 3
    assert history.history["loss"] == sorted(history.history["loss"], reverse=True)


def test_lambda_callback():
    model, x, y = model_and_data()
    epochs, batches, ends = [], [], []
    cb = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: epochs.append((epoch, round(logs["loss"], 6))),
                                  on_batch_begin=lambda batch, logs: batches.append(batch),
                                  on_train_end=lambda logs: ends.append(logs))
    history = model.fit(x, y, batch_size=16, epochs=2, callbacks=[cb], verbose=0)
    assert epochs == [(0, round(history.history["loss"][0], 6)), (1, round(history.history["loss"][1], 6))]
    assert batches == [0, 1, 0, 1] and len(ends) == 1
    with pytest.raises(TypeError, match="unknown hooks"):
        callbacks.LambdaCallback(on_epoch_ending=print)


# -- EarlyStopping ----------------------------------------------------------------------------------------
class FakeModel:
    """Just enough of a model for EarlyStopping: weights and the stop flag."""

    def __init__(self):
        self.stop_training = False
        self.weights = [np.zeros(1)]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = weights


def run_early_stopping(values, monitor="val_loss", **kwargs):
    """Feed ``values`` as the monitored log, one per epoch; return the epoch it stopped at (or None)."""
    model = FakeModel()
    stopper = callbacks.EarlyStopping(monitor=monitor, **kwargs)
    stopper.set_model(model)
    stopper.on_train_begin()
    for epoch, value in enumerate(values):
        model.weights = [np.array([float(epoch)])]
        stopper.on_epoch_end(epoch, {monitor: value})
        if model.stop_training:
            stopper.on_train_end()
            return epoch, model, stopper
    return None, model, stopper


def test_early_stopping_patience():
    assert run_early_stopping([5, 4, 3, 2, 1])[0] is None
    assert run_early_stopping([5, 4, 3, 3.5, 3.2, 3.1])[0] == 3
    assert run_early_stopping([5, 4, 3, 3.5, 3.2, 3.1], patience=2)[0] == 4
    assert run_early_stopping([5, 4, 4, 4])[0] == 2
    assert run_early_stopping([5, 4.999, 4.998, 4.997], min_delta=0.01, patience=1)[0] == 1


def test_early_stopping_mode():
    assert run_early_stopping([0.5, 0.6, 0.7, 0.65], monitor="val_accuracy")[0] == 3  # auto -> max
    assert run_early_stopping([0.5, 0.6, 0.7, 0.65], monitor="val_score", mode="max")[0] == 3
    assert run_early_stopping([0.5, 0.6], monitor="val_score")[0] == 1  # auto -> min
    with pytest.raises(ValueError, match="mode"):
        callbacks.EarlyStopping(mode="lowest")


def test_early_stopping_restores_best_weights(capsys):
    epoch, model, stopper = run_early_stopping([3, 1, 2, 2.5, 4], patience=2, restore_best_weights=True, verbose=1)
    assert epoch == 3 and model.weights[0].tolist() == [1.0] and stopper.best == 1
    assert capsys.readouterr().out == ("Restoring model weights from the end of the best epoch: 2.\n"
                                       "Epoch 4: early stopping\n")


def test_early_stopping_baseline_and_start_epoch():
    assert run_early_stopping([5, 4, 4, 4], patience=2)[0] == 3
    assert run_early_stopping([5, 4, 4, 4], baseline=1.0, patience=2)[0] == 2
    assert run_early_stopping([1, 2, 3, 4, 5], start_from_epoch=3)[0] == 4


def test_early_stopping_warns_when_the_metric_is_missing():
    model, x, y = model_and_data()
    with pytest.warns(UserWarning, match="which is not available. Available metrics are: loss,mae"):
        model.fit(x, y, epochs=1, callbacks=[callbacks.EarlyStopping()], verbose=0)


def test_early_stopping_in_fit():
    model, x, y = model_and_data(learning_rate=0.0)  # nothing improves
    history = model.fit(x, y, epochs=10, validation_data=(x, y), verbose=0,
                        callbacks=[callbacks.EarlyStopping(patience=2)])
    assert history.epoch == [0, 1, 2]


# -- the other callbacks ------------------------------------------------------------------------------------
def test_model_checkpoint_saves_the_best(tmp_path):
    model, x, y = model_and_data()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "best.weights.h5"), monitor="loss", save_best_only=True,
                                           save_weights_only=True)
    first = model.fit(x, y, epochs=3, callbacks=[checkpoint], verbose=0).history["loss"]
    best = model.get_weights()
    worse = model.fit(x, y * 100, epochs=1, callbacks=[checkpoint], verbose=0).history["loss"]  # not saved
    assert worse[0] > min(first) and not np.allclose(model.get_weights()[0], best[0])
    model.load_weights(tmp_path / "best.weights.h5")
    for a, b in zip(best, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_of_weights_needs_a_weights_h5_name_and_creates_its_directory(tmp_path):
    """Keras 3: ValueError for save_weights_only=True without .weights.h5; the directory is made when missing."""
    with pytest.raises(ValueError, match=r"the filepath provided must end in `\.weights\.h5`"):
        callbacks.ModelCheckpoint(str(tmp_path / "best.npz"), save_weights_only=True)
    model, x, y = model_and_data()
    path = tmp_path / "runs" / "one" / "epoch-{epoch}.weights.h5"
    model.fit(x, y, epochs=1, callbacks=[callbacks.ModelCheckpoint(str(path), save_weights_only=True)], verbose=0)
    assert os.listdir(tmp_path / "runs" / "one") == ["epoch-1.weights.h5"]


def test_model_checkpoint_file_names_and_whole_models(tmp_path):
    model, x, y = model_and_data()
    pattern = str(tmp_path / "model-{epoch:02d}-{loss:.1f}.keras")
    history = model.fit(x, y, epochs=2, callbacks=[callbacks.ModelCheckpoint(pattern)], verbose=0)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"model-{i + 1:02d}-{history.history['loss'][i]:.1f}.keras" for i in range(2)]
    keras.models.load_model(tmp_path / names[-1])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan(capsys):
    model, x, y = model_and_data(learning_rate=1e6)
    history = model.fit(x, y * 1e6, batch_size=4, epochs=3, callbacks=[callbacks.TerminateOnNaN()], verbose=0)
    assert len(history.epoch) == 1
    assert "Invalid loss, terminating training" in capsys.readouterr().out


def test_learning_rate_scheduler():
    model, x, y = model_and_data()
    rates = []
    cb = callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: rates.append(
        round(float(model.optimizer.learning_rate), 6)))
    scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    history = model.fit(x, y, epochs=3, callbacks=[scheduler, cb], verbose=0)
    assert rates == [0.1, 0.05, 0.025]
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    model.fit(x, y, epochs=2, callbacks=[callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))],
              verbose=0)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.02)


def test_live_plot_draws_each_metric_with_its_validation_twin():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    model, x, y = model_and_data()
    plot = callbacks.LivePlot()
    model.fit(x, y, epochs=3, validation_data=(x, y), callbacks=[plot], verbose=0)
    loss_axes, mae_axes = plot.figure.axes
    assert [line.get_label() for line in loss_axes.lines] == ["loss", "val_loss"]
    assert list(loss_axes.lines[0].get_ydata()) == pytest.approx(plot.logs["loss"])
    assert len(mae_axes.lines[1].get_xdata()) == 3 and mae_axes.get_title() == "mae"


def test_importing_keras_imports_no_plotting_or_widgets():
    code = ("import sys; from minitf import keras; keras.callbacks.LivePlot(); "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=".").stdout
    assert out.strip() == "[]"


def test_the_progress_bar_shows_what_callbacks_add_to_the_logs(capsys):
    model, x, y = model_and_data()
    model.fit(x, y, epochs=1, verbose=2, callbacks=[callbacks.LearningRateScheduler(lambda epoch, lr: lr, verbose=1)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "Epoch 1: LearningRateScheduler setting learning rate to 0.10000000149011612."
    assert lines[2] == "Epoch 1/1" and lines[3].endswith(" - learning_rate: 0.1000")
