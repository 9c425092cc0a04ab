"""Chapter 4's lesson helpers, driven without a browser: the regression data and the retrace watcher."""

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from minitf import lessons  # noqa: E402
from minitf.lessons import ch4  # noqa: E402


def test_regression_data_is_seeded_standardized_and_split():
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = lessons.regression_data()
    assert x_train.shape == (2400, 8) and y_train.shape == (2400, 1)
    assert x_valid.shape == x_test.shape == (800, 8) and y_valid.shape == y_test.shape == (800, 1)
    assert x_train.dtype == y_train.dtype == np.float32
    np.testing.assert_allclose(x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(x_train.std(axis=0), 1.0, atol=1e-5)
    again = lessons.regression_data()
    np.testing.assert_array_equal(again[2][1], y_test)
    assert not np.array_equal(lessons.regression_data(seed=1)[0][0], x_train)


def test_retrace_watcher_shows_the_code_it_calls():
    watcher = lessons.RetraceWatcher()
    shown = "".join(output["text"] for output in watcher.source.outputs)
    assert shown == ("@tf.function\ndef f(x):\n"
                     "    return tf.reduce_sum(tf.square(tf.cast(x, tf.float32))) + 1.0\n")
    assert watcher.children[0] is watcher.source
    assert len(watcher.children) == 4  # the code, two rows of controls and the status line, no picture


def test_retrace_watcher_scores_each_prediction_and_traces_once_per_signature():
    watcher = lessons.RetraceWatcher()
    assert watcher.text.startswith("Next call: f(tf.constant(2.0)), with a float32 tensor of shape (). 0 calls and 0")
    assert "No predictions yet." in watcher.text
    watcher.yes_button.click()
    assert (watcher.traces, watcher.retraced, watcher.score) == (1, True, (1, 1))
    assert "You said yes: right. Your predictions: 1 right of 1." in watcher.text
    assert "traced a new graph" in watcher.text and "def f(x: float32[]):" in watcher.text
    watcher.n.value = 4
    assert watcher.text.startswith("Next call: f(tf.constant(4.0)), with a float32 tensor of shape (). 1 calls and 1")
    watcher.yes_button.click()
    assert (watcher.traces, watcher.retraced, watcher.score) == (1, False, (1, 2))
    assert "returned 17: reused a graph" in watcher.text and "You said yes: not this time." in watcher.text
    watcher.kind.value = "float32 vector (n values)"
    watcher.no_button.click()
    assert (watcher.traces, watcher.retraced, watcher.score) == (2, True, (1, 3))
    assert "f(tf.range(1, 5, dtype=tf.float32))" in watcher.text and "float32[4]" in watcher.text
    assert "returned 31" in watcher.text
    watcher.reset_button.click()
    assert (watcher.calls, watcher.traces, watcher.score) == (0, 0, (1, 3))  # a new function; the score stays
    assert "Your predictions: 1 right of 3." in watcher.text


def test_retrace_watcher_says_an_int32():
    watcher = lessons.RetraceWatcher(kind="int32 scalar")
    assert "with an int32 tensor of shape ()" in watcher.text
    assert [ch4.with_article(word) for word in ("int32", "float32", "uint8", "bool")] == [
        "an int32", "a float32", "a uint8", "a bool"]


def call_with_ints(watcher, values):
    for n in values:
        watcher.n.value = n
        watcher.yes_button.click()


def test_retrace_watcher_python_ints_retrace_per_value_and_warn_twice_then_explain_the_silence():
    watcher = lessons.RetraceWatcher(kind="Python int")
    call_with_ints(watcher, (1, 2, 3, 4, 5))
    assert (watcher.calls, watcher.traces, watcher.retraced) == (5, 5, True)
    assert "Const = Const(value=5)" in watcher.text and "def f():" in watcher.text
    assert "minitf warned (1 of 2): 5 out of the last 5 calls to <function f> triggered" in watcher.text
    assert "at most twice" not in watcher.text
    watcher.yes_button.click()
    assert (watcher.calls, watcher.traces, watcher.retraced) == (6, 5, False)
    assert "reused a graph" in watcher.text and "warned" not in watcher.text and "at most twice" not in watcher.text
    watcher.kind.value = "Python float"
    call_with_ints(watcher, (1,))
    assert "minitf warned (2 of 2): 6 out of the last 7 calls" in watcher.text
    assert ch4.WARNING_LIMIT in watcher.text
    call_with_ints(watcher, (2,))
    assert watcher.retraced and watcher.warnings == 2 and "warned" not in watcher.text
    assert "No warning this time, though the calls keep retracing: " + ch4.WARNING_LIMIT in watcher.text


def test_retrace_watcher_explains_no_silence_when_there_was_nothing_to_warn_about():
    watcher = lessons.RetraceWatcher(kind="Python int")
    call_with_ints(watcher, (1, 2, 3, 4, 5, 1))  # first warning at the fifth trace
    watcher.kind.value = "Python float"
    call_with_ints(watcher, (1,))  # the second
    watcher.kind.value = "float32 scalar"
    call_with_ints(watcher, (1, 2, 3, 4, 5, 1, 2, 3, 4))  # no traces: the window fills with calls that reused
    watcher.kind.value = "int32 scalar"
    call_with_ints(watcher, (1,))
    assert watcher.retraced and "No warning this time" not in watcher.text


def test_argument_helpers():
    assert ch4.describe(2.5) == "the Python float 2.5"
    assert [ch4.spelled(kind, 3) for kind in ch4.ARGUMENT_KINDS] == [
        "3", "3.5", "tf.constant(3.0)", "tf.range(1, 4, dtype=tf.float32)", "tf.constant(3)"]
    with pytest.raises(ValueError, match="Unknown argument kind"):
        ch4.make_argument("complex", 1)


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_exercise_4_3_accepts_the_right_number_as_a_one_element_tensor(shape):
    import minitf as tf

    assert lessons.is_right("4.3", tf.reshape(tf.constant(4.0), shape))
    assert not lessons.is_right("4.3", tf.constant([4.0, 4.0]))  # two numbers are not one answer


def test_huber_figure_plots_each_loss_and_the_slope_the_tape_computes():
    import minitf as tf

    def huber_fn(y_true, y_pred):
        error = y_true - y_pred
        return tf.where(tf.abs(error) < 1.0, 0.5 * tf.square(error), tf.abs(error) - 0.5)

    left, right = ch4.huber_figure(huber_fn).axes
    assert [line.get_label() for line in left.lines] == [
        "squared error (MSE)", "absolute error (MAE)", "Huber, threshold 1"]
    errors, huber_slope = right.lines[2].get_data()
    np.testing.assert_allclose(huber_slope, np.clip(errors, -1, 1), atol=1e-6)
    np.testing.assert_allclose(right.lines[0].get_data()[1], 2 * errors, atol=1e-5)
    np.testing.assert_allclose(left.lines[2].get_data()[1][[0, 80]], [3.5, 0.0], atol=1e-6)


CH4_EXERCISES = ("4.1", "4.2", "4.3", "4.4", "4.5", "4.6")


@pytest.mark.parametrize("number", CH4_EXERCISES)
def test_each_solution_passes_its_check_and_stays_hidden_until_asked(number, capsys):
    lessons.solution(number)
    assert capsys.readouterr().out.startswith(f"Solution {number} is written and passes its check;")
    lessons.solution(number, show=True)
    assert capsys.readouterr().out.startswith(f"Solution {number}:\n")


@pytest.mark.parametrize("number, answer, hint", [
    ("4.1", 9, "9 is the first derivative"), ("4.1", 36.0, "Differentiate twice"),
    ("4.2", 6, "Not every call traces"), ("4.3", 4.5, "the quadratic part"),
    ("4.4", ("int32", "int32"), "np.arange gives int64"), ("4.4", (np.int64, np.int64), "become int32"),
])
def test_number_exercises_give_the_hint_that_fits_the_wrong_answer(number, answer, hint, capsys):
    lessons.check_answer(number, answer)
    out = capsys.readouterr().out
    assert out.startswith(f"Exercise {number}: not yet") and hint in out


def test_exercise_4_4_accepts_the_dtypes_in_any_form():
    import minitf as tf

    for answer in [("int32", "int64"), (np.int32, np.int64), ["int32", "int64"], (tf.int32, tf.int64)]:
        assert lessons.is_right("4.4", answer), answer
    for answer in ["int32", ("int32",), ("int32", "int64", "int64"), (None, None)]:
        assert not lessons.is_right("4.4", answer), answer


@pytest.mark.parametrize("number", ["4.5", "4.6"])
def test_each_known_mistake_gets_its_own_hint(number, capsys):
    from minitf.lessons.exercises import find

    exercise = find(number)
    for wrong, hint in exercise.mistakes:
        lessons.check(number, wrong)
        out = capsys.readouterr().out
        assert out.startswith(f"Exercise {number}: not yet.") and f"Hint: {hint}" in out, (wrong.__name__, out)


def test_layer_normalization_solution_matches_keras_and_a_stub_is_no_answer_yet(capsys):
    import minitf as tf
    from minitf import keras

    inputs = tf.constant(np.random.default_rng(0).normal(3.0, 2.0, (4, 7)).astype("float32"))
    np.testing.assert_allclose(ch4._LayerNormalizationSolution()(inputs).numpy(),
                               keras.layers.LayerNormalization()(inputs).numpy(), atol=1e-5)

    class MyLayerNormalization(keras.layers.Layer):
        def build(self, batch_input_shape):
            ...

        def call(self, X):
            ...

    lessons.check("4.5", MyLayerNormalization)
    assert capsys.readouterr().out.startswith("Exercise 4.5: no answer yet. Write MyLayerNormalization")

    class Unfinished(MyLayerNormalization):
        def call(self, X):
            return X

    lessons.check("4.5", Unfinished)
    assert capsys.readouterr().out.startswith("Exercise 4.5: not yet. For a batch of shape (4, 5)")


def test_two_optimizer_step_checks_which_optimizer_moved_which_weights(capsys):
    def train_step(model, X_batch, y_batch, loss_fn, lower_optimizer, upper_optimizer):
        ...

    lessons.check("4.6", train_step)
    assert capsys.readouterr().out.startswith("Exercise 4.6: no answer yet.")
    lessons.check("4.6", ch4._solution_4_6)
    assert capsys.readouterr().out.startswith("Exercise 4.6: right, on all 5 hidden cases.")


def test_retrace_watcher_static_picture_shows_the_code_settings_and_status():
    from minitf.lessons.widgets import PNG_SIGNATURE

    watcher = lessons.RetraceWatcher(kind="int32 scalar")
    watcher.yes_button.click()
    caption = watcher.caption()
    assert caption[:2] == ["@tf.function", "def f(x):"]
    assert "settings: n = 2, argument = int32 scalar" in caption
    assert any(line.startswith("Call 1: f(tf.constant(2)), with an int32 tensor") for line in caption)
    assert watcher.snapshot().startswith(PNG_SIGNATURE)
    assert watcher.summary().startswith("RetraceWatcher (an interactive widget: run the notebook to use it)\nCall 1:")
