"""The progress bar: in-place updates in a terminal and a notebook, and a final per-epoch line that is plain,
deterministic text (no timings, no ANSI codes)."""

import io
import re
import sys
import types

import numpy as np
import pytest

from minitf import keras
from minitf.keras.utils import Progbar
from minitf.keras.utils.progbar import _duration, format_value

BAR = "[" + "=" * 30 + "]"


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("seconds, text", [(3.4, "3s"), (59.6, "1:00"), (125, "2:05"), (3723, "1:02:03")])
def test_durations(seconds, text):
    assert _duration(seconds) == text


@pytest.mark.parametrize("value, text", [(0.12345, "0.1235"), (12.5, "12.5000"), (0.0, "0.0000"),
                                         (0.00012345, "1.2345e-04"), (-3.0, "-3.0000")])
def test_format_value(value, text):
    assert format_value(value) == text


def test_final_line_verbose_1_and_2():
    out = io.StringIO()
    bar = Progbar(10, file=out, stateful_metrics=["loss", "accuracy"])
    bar.update(5, [("loss", 0.5), ("accuracy", 0.9)])
    bar.update(10, [("loss", 0.1234), ("accuracy", 0.95)])
    assert out.getvalue() == f"10/10 {BAR} - loss: 0.1234 - accuracy: 0.9500\n"
    out = io.StringIO()
    bar = Progbar(10, verbose=2, file=out, stateful_metrics=["loss"])
    bar.update(3, [("loss", 1.0)])
    bar.update(10, [("loss", 0.25)])
    assert out.getvalue() == "10/10 - loss: 0.2500\n"


def test_values_not_stateful_are_averaged_over_steps():
    out = io.StringIO()
    bar = Progbar(4, file=out)
    bar.update(1, [("loss", 4.0)])
    bar.update(4, [("loss", 0.0)])  # covers 3 steps
    assert out.getvalue().endswith("- loss: 1.0000\n")


def test_partial_bar_and_counter_padding():
    bar = Progbar(100, width=10)
    bar.update(45)
    assert bar.line(45) == " 45/100 [===>......]"
    assert bar.line(0) == "  0/100 [..........]"


def test_verbose_0_is_silent():
    out = io.StringIO()
    bar = Progbar(3, verbose=0, file=out)
    for i in range(1, 4):
        bar.update(i, [("loss", 1.0)])
    assert out.getvalue() == ""


def test_in_place_updates_in_a_terminal():
    out = Terminal()
    bar = Progbar(3, file=out, interval=0)
    bar.update(1, [("loss", 10.0)])
    bar.update(2, [("loss", 0.001)])
    bar.update(3, [("loss", 0.001)])
    text = out.getvalue()
    # three lines in place: each after the first blanks the one before ("\r" + spaces + "\r"), no ANSI codes
    assert text.count("\r") == 5 and text.endswith("\n") and text.count("\n") == 1 and "\x1b" not in text
    final = text.rsplit("\r", 1)[1]
    assert final.startswith(f"3/3 {BAR} - loss: 3.3340") and final.rstrip(" \n") == final.strip()
    assert "ETA: 0s" in text.split("\r")[1] and "ETA" not in final  # the time left only while running


def test_interval_throttles_updates():
    out = Terminal()
    bar = Progbar(100, file=out, interval=3600)
    for i in range(1, 101):
        bar.update(i)
    assert out.getvalue().count("\r") == 3  # the first update, then the final line (blank, then write)


def test_no_in_place_updates_when_not_interactive():
    out = io.StringIO()
    bar = Progbar(3, file=out, interval=0)
    for i in range(1, 4):
        bar.update(i, [("loss", 1.0)])
    assert "\r" not in out.getvalue() and out.getvalue().count("\n") == 1


def test_notebook_updates_blank_the_longer_line_first(monkeypatch):
    """JupyterLab moves back on \r without clearing, as a terminal does: a shorter line must not leave a tail."""
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    OutStream = type("OutStream", (io.StringIO,), {"__module__": "ipykernel.iostream"})
    out = OutStream()
    bar = Progbar(2, file=out, interval=0)
    bar.update(1, [("loss", 1234.5)])
    bar.update(2, [("loss", 1.0)])
    text = out.getvalue()
    assert text.startswith("\r1/2 ")
    final = text.rsplit("\r", 1)[1]
    assert final == f"2/2 {BAR} - loss: 617.7500\n"  # what a stored notebook output keeps
    blank = text.split("\r")[2]
    assert blank.strip() == "" and len(blank) >= len(text.split("\r")[1])  # the longer line was blanked


def test_unknown_target():
    out = io.StringIO()
    bar = Progbar(None, file=out, stateful_metrics=["loss"])
    bar.update(7, [("loss", 2.0)], finalize=True)
    assert out.getvalue() == f"7/7 {BAR} - loss: 2.0000\n"
    assert Progbar(None).line(3) == "3/Unknown"


# -- in fit, evaluate and predict ------------------------------------------------------------------------
def trained(verbose, capsys, **kwargs):
    x = np.linspace(-1, 1, 40, dtype="float32").reshape(20, 2)
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    model.set_weights([np.array([[0.5], [-0.25]], "float32"), np.zeros(1, "float32")])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=10, verbose=verbose, shuffle=False, **kwargs)
    return model, x, y, capsys.readouterr().out


def test_fit_verbose_1_output_is_deterministic(capsys):
    _, _, _, first = trained(1, capsys)
    _, _, _, second = trained(1, capsys)
    assert first == second
    lines = first.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    for line in lines[1::2]:
        assert re.fullmatch(r"2/2 \[=+\] - loss: \d\.\d{4} - accuracy: \d\.\d{4}", line), line
    assert "\x1b" not in first and "ms" not in first and "\r" not in first


def test_fit_verbose_1_with_validation(capsys):
    _, x, y, out = trained(1, capsys, validation_split=0.5)
    assert re.fullmatch(r"1/1 \[=+\] - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - "
                        r"val_accuracy: \d\.\d{4}", out.splitlines()[-1])


def test_fit_verbose_2_and_0(capsys):
    _, _, _, out = trained(2, capsys)
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/2" and re.fullmatch(r"2/2 - loss: \d\.\d{4} - accuracy: \d\.\d{4}", lines[1])
    assert trained(0, capsys)[3] == ""


def test_evaluate_and_predict_bars(capsys):
    model, x, y, _ = trained(0, capsys)
    loss, accuracy = model.evaluate(x, y, batch_size=5)
    out = capsys.readouterr().out
    assert out == f"4/4 {BAR} - loss: {format_value(loss)} - accuracy: {format_value(accuracy)}\n"
    model.predict(x, batch_size=8)
    assert capsys.readouterr().out == f"3/3 {BAR}\n"
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""
