"""Chapter 4's data and widget: a synthetic regression data set, and a function you can watch retrace.

``regression_data`` stands in for a download: eight standardized features and a target
that is a known nonlinear function of them plus noise, split into training, validation
and test sets, the same for every seed. ``RetraceWatcher`` shows one ``minitf.function``'s
code, lets you predict whether a call with the argument you pick will trace, makes the
call, and shows whether it traced, your score, the count of traces so far, and the graph
that serves the call. ``huber_figure`` draws the Huber loss beside the squared and absolute
errors, with their slopes.
"""

import inspect
import types
import warnings
from collections import deque

import ipywidgets as widgets
import numpy as np

import minitf as tf
from minitf.lessons.widgets import Lesson, button, new_figure

ARGUMENT_KINDS = ("Python int", "Python float", "float32 scalar", "float32 vector (n values)", "int32 scalar")


def regression_data(n_samples=4000, seed=42, noise=0.3):
    """Eight standardized features and a nonlinear target with Gaussian noise, split 60/20/20.

    The target is ``sin(2 x0) + x1 * x2 + 0.5 x3**2 - x4 + 0.5 tanh(3 x5)`` (``x6`` and ``x7``
    play no part) plus noise of standard deviation ``noise``. Features are standardized with
    the training set's mean and standard deviation.

    Returns:
        ``((X_train, y_train), (X_valid, y_valid), (X_test, y_test))``, float32 arrays; targets
        have shape ``(n, 1)``.

    >>> (X_train, y_train), (X_valid, y_valid), (X_test, y_test) = regression_data(100)
    >>> X_train.shape, y_train.shape, X_valid.shape, X_test.shape
    ((60, 8), (60, 1), (20, 8), (20, 8))
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_samples, 8))
    y = (np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] + 0.5 * x[:, 3] ** 2 - x[:, 4] + 0.5 * np.tanh(3 * x[:, 5])
         + noise * rng.normal(size=n_samples))
    n_train, n_valid = int(0.6 * n_samples), int(0.2 * n_samples)
    mean, std = x[:n_train].mean(axis=0), x[:n_train].std(axis=0)
    x = ((x - mean) / std).astype("float32")
    y = y.astype("float32")[:, None]
    cuts = (slice(0, n_train), slice(n_train, n_train + n_valid), slice(n_train + n_valid, n_samples))
    return tuple((x[cut], y[cut]) for cut in cuts)


def huber_figure(huber_fn, low=-4.0, high=4.0):
    """Huber (``huber_fn``, threshold 1), squared and absolute error against the error, and their slopes.

    The slopes are what a gradient step follows; they come from a ``GradientTape`` on each loss,
    so the right panel shows what minitf computes, not formulas drawn beside it.
    """
    errors = np.linspace(low, high, 161, dtype="float32")
    losses = {"squared error (MSE)": lambda e: tf.square(e), "absolute error (MAE)": lambda e: tf.abs(e),
              "Huber, threshold 1": lambda e: huber_fn(tf.zeros_like(e), -e)}  # y_pred - y_true = e
    fig = new_figure(9.0, 3.4)
    left, right = fig.subplots(1, 2)
    for (label, loss), style in zip(losses.items(), (":", "--", "-")):
        e = tf.Variable(errors)
        with tf.GradientTape() as tape:
            values = loss(e)
        slopes = tape.gradient(values, e)
        left.plot(errors, values.numpy(), style, label=label)
        right.plot(errors, slopes.numpy(), style, label=label)
    left.set(xlabel="error (prediction - target)", ylabel="loss", ylim=(-0.2, 6), title="The loss of one instance")
    right.set(xlabel="error (prediction - target)", ylabel="slope d loss / d prediction", ylim=(-4.5, 4.5),
              title="Its slope: how hard a step pushes")
    for ax in (left, right):
        ax.axvspan(-1, 1, color="0.93", label="|error| < 1: Huber is quadratic")
        ax.grid(alpha=0.3)
    left.legend(fontsize=8)
    return fig


def watched(x):
    """The function the watcher traces: the sum of squares of ``x`` as float32, plus one."""
    return tf.reduce_sum(tf.square(tf.cast(x, tf.float32))) + 1.0


def watched_source():
    """The watched function's code as the learner would write it: decorated, named ``f``, no docstring."""
    lines = inspect.getsource(watched).splitlines()
    body = [line for line in lines[1:] if not line.strip().startswith('"""')]
    return "\n".join(["@tf.function", "def f(x):", *body])


def make_argument(kind, n):
    """The argument of the chosen ``kind`` for slider value ``n`` (a Python value or a tensor)."""
    if kind == "Python int":
        return int(n)
    if kind == "Python float":
        return n + 0.5
    if kind == "float32 scalar":
        return tf.constant(float(n))
    if kind == "float32 vector (n values)":
        return tf.range(1, n + 1, dtype=tf.float32)
    if kind == "int32 scalar":
        return tf.constant(int(n))
    raise ValueError(f"Unknown argument kind {kind!r}; expected one of {ARGUMENT_KINDS}")


def spelled(kind, n):
    """How the argument of the chosen ``kind`` for slider value ``n`` is written in code."""
    return {"Python int": f"{int(n)}", "Python float": f"{n + 0.5}", "float32 scalar": f"tf.constant({float(n)})",
            "float32 vector (n values)": f"tf.range(1, {n + 1}, dtype=tf.float32)",
            "int32 scalar": f"tf.constant({int(n)})"}[kind]


def with_article(word):
    """``word`` after "a" or "an", as it is read aloud: "an int32", "a float32"."""
    return ("an " if word[0] in "aeio" else "a ") + word  # "a uint8": it is read "you-int"


def describe(argument):
    """What of ``argument`` goes into the signature: a Python value, or a tensor's dtype and shape.

    >>> describe(tf.constant(3)), describe(2.5)
    ('an int32 tensor of shape ()', 'the Python float 2.5')
    """
    if isinstance(argument, tf.Tensor):
        return f"{with_article(argument.dtype.name)} tensor of shape {tuple(argument.shape)}"
    return f"the Python {type(argument).__name__} {argument!r}"


WARNING_LIMIT = (
    "minitf, like TensorFlow, warns at most twice per function: two warnings are enough to point at the code that "
    "retraces, and a loop that retraces on every call would otherwise bury its output under copies. The "
    "retracing itself goes on, silently.")
# When TensorFlow (and minitf) warn: 5 traces among a function's last 10 calls.
RETRACE_WINDOW, RETRACE_THRESHOLD = 10, 5


class RetraceWatcher(Lesson):
    """Predict whether a call of a ``minitf.function`` traces, make the call, and see whether you were right.

    The function's code is shown on top. Pick an argument, then click the button that says
    what you expect: the call is made, and the status says whether it traced, the count of
    traces, your score, and the graph that served the call.

    >>> watcher = RetraceWatcher()
    >>> watcher.yes_button.click()
    >>> watcher.traces, watcher.retraced, watcher.score
    (1, True, (1, 1))
    >>> watcher.yes_button.click()
    >>> watcher.traces, watcher.retraced, watcher.score
    (1, False, (1, 2))
    """

    def __init__(self, n=2, kind="float32 scalar"):
        self.source = widgets.Output()
        self.source.append_stdout(watched_source() + "\n")
        self.n = widgets.IntSlider(value=n, min=1, max=5, step=1, description="n", continuous_update=False)
        self.kind = widgets.Dropdown(options=ARGUMENT_KINDS, value=kind, description="argument")
        self.yes_button = button("Yes: it traces", lambda: self.call(predicted=True))
        self.no_button = button("No: it reuses a graph", lambda: self.call(predicted=False))
        self.reset_button = button("New function", self.reset)
        for b in (self.yes_button, self.no_button):
            b.layout.width = "auto"  # the whole answer shows, not "No: it reuses a gr..."
        self.right = self.predictions = 0
        super().__init__([self.source, [self.n, self.kind], [self.yes_button, self.no_button, self.reset_button]])
        self.children = self.children[:-1]  # no picture: the graph printout is text
        self.n.observe(lambda _: self.preview(), names="value")
        self.kind.observe(lambda _: self.preview(), names="value")
        self.reset()

    @property
    def traces(self):
        return self.function.experimental_get_tracing_count()

    @property
    def score(self):
        """``(right, made)``: how many of the learner's predictions were right, of how many."""
        return self.right, self.predictions

    def reset(self):
        """A fresh ``minitf.function`` with no traces yet (the score stays)."""
        # A new Python function object each time: minitf keeps its retracing history (for the warning) per
        # Python function, as TensorFlow does, so reusing ``watched`` itself would carry the old history over.
        fresh = types.FunctionType(watched.__code__, watched.__globals__, "f")
        fresh.__qualname__ = "f"
        self.function = tf.function(fresh)
        self.calls, self.retraced, self.warning, self.warnings = 0, False, None, 0
        self.recent = deque(maxlen=RETRACE_WINDOW)  # whether each of the last calls traced
        self.preview()

    def argument(self):
        return make_argument(self.kind.value, self.n.value)

    def call_text(self):
        """The next call as code, and what of its argument makes the signature."""
        return f"f({spelled(self.kind.value, self.n.value)}), with {describe(self.argument())}"

    def score_text(self):
        if not self.predictions:
            return "No predictions yet."
        return f"Your predictions: {self.right} right of {self.predictions}."

    def preview(self):
        """Say what the next call will pass, before it is made."""
        self.say(f"Next call: {self.call_text()}. {self.calls} calls and {self.traces} traces so far.",
                 "Will this call trace a new graph? Click your answer.", self.score_text())

    def call(self, predicted=None):
        """Call the function once with the picked argument, score the prediction, and show what happened."""
        argument, call_text = self.argument(), self.call_text()
        before = self.traces
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = self.function(argument)
        self.calls += 1
        self.retraced = self.traces > before
        self.recent.append(self.retraced)
        self.warning = str(caught[-1].message).split(". ")[0] + "." if caught else None
        self.warnings += bool(caught)
        what = "traced a new graph" if self.retraced else "reused a graph traced before (no tracing)"
        lines = [f"Call {self.calls}: {call_text}, returned {float(result.numpy()):g}: {what}."]
        if predicted is not None:
            self.predictions += 1
            self.right += predicted == self.retraced
            verdict = "right" if predicted == self.retraced else "not this time"
            lines.append(f"You said {'yes' if predicted else 'no'}: {verdict}. {self.score_text()}")
        lines.append(f"Traces so far: {self.traces} for {self.calls} calls.")
        if self.warning:
            lines.append(f"minitf warned ({self.warnings} of 2): {self.warning}")
            if self.warnings == 2:
                lines.append(WARNING_LIMIT)
        elif self.retraced and self.warnings >= 2 and sum(self.recent) >= RETRACE_THRESHOLD:
            lines.append("No warning this time, though the calls keep retracing: " + WARNING_LIMIT)
        graph = self.function.get_concrete_function(argument).pretty_printed_graph()
        self.say(*lines, "", "The graph that served this call:", graph)
