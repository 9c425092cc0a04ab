"""Chapter 4's data and widget: a synthetic regression data set, and a function you can watch retrace.

``regression_data`` stands in for a download: eight standardized features and a target
that is a known nonlinear function of them plus noise, split into training, validation
and test sets, the same for every seed. ``RetraceWatcher`` calls one ``minitf.function``
with the argument you pick and shows whether that call traced a new graph, the count of
traces so far, and the graph that serves the call.
"""

import types
import warnings

import ipywidgets as widgets
import numpy as np

import minitf as tf
from minitf.lessons.widgets import Lesson, button

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


def watched(x):
    """The function the watcher traces: the sum of squares of ``x`` as float32, plus one."""
    return tf.reduce_sum(tf.square(tf.cast(x, tf.float32))) + 1.0


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


def describe(argument):
    """What of ``argument`` goes into the signature: a Python value, or a tensor's dtype and shape."""
    if isinstance(argument, tf.Tensor):
        return f"a {argument.dtype.name} tensor of shape {tuple(argument.shape)}"
    return f"the Python {type(argument).__name__} {argument!r}"


class RetraceWatcher(Lesson):
    """Call a ``minitf.function`` with the argument picked, and see whether it traced again.

    >>> watcher = RetraceWatcher()
    >>> watcher.call_button.click()
    >>> watcher.traces, watcher.retraced
    (1, True)
    >>> watcher.call_button.click()
    >>> watcher.traces, watcher.retraced
    (1, False)
    """

    def __init__(self, n=2, kind="float32 scalar"):
        self.n = widgets.IntSlider(value=n, min=1, max=5, step=1, description="n", continuous_update=False)
        self.kind = widgets.Dropdown(options=ARGUMENT_KINDS, value=kind, description="argument")
        self.call_button = button("Call f", self.call)
        self.reset_button = button("New function", self.reset)
        super().__init__([[self.n, self.kind], [self.call_button, self.reset_button]])
        self.children = self.children[:-1]  # no picture: the graph printout is text
        self.n.observe(lambda _: self.preview(), names="value")
        self.kind.observe(lambda _: self.preview(), names="value")
        self.reset()

    @property
    def traces(self):
        return self.function.experimental_get_tracing_count()

    def reset(self):
        """A fresh ``minitf.function`` with no traces yet."""
        # A new Python function object each time: minitf keeps its retracing history (for the warning) per
        # Python function, as TensorFlow does, so reusing ``watched`` itself would carry the old history over.
        fresh = types.FunctionType(watched.__code__, watched.__globals__, watched.__name__)
        self.function = tf.function(fresh)
        self.calls, self.retraced, self.warning = 0, False, None
        self.preview()

    def argument(self):
        return make_argument(self.kind.value, self.n.value)

    def call_text(self):
        """The next call as code, and what of its argument makes the signature."""
        return f"f({spelled(self.kind.value, self.n.value)}), with {describe(self.argument())}"

    def preview(self):
        """Say what the next call will pass, before it is made."""
        self.say(f"Next call: {self.call_text()}. {self.calls} calls and {self.traces} traces so far.",
                 "Will it trace? Click 'Call f' to see.")

    def call(self):
        """Call the function once with the picked argument and show what happened."""
        argument, call_text = self.argument(), self.call_text()
        before = self.traces
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = self.function(argument)
        self.calls += 1
        self.retraced = self.traces > before
        self.warning = str(caught[-1].message).split(". ")[0] + "." if caught else None
        graph = self.function.get_concrete_function(argument).pretty_printed_graph()
        what = "traced a new graph" if self.retraced else "reused a graph traced before (no tracing)"
        lines = [f"Call {self.calls}: {call_text}, returned {float(result.numpy()):g}: {what}.",
                 f"Traces so far: {self.traces} for {self.calls} calls."]
        if self.warning:
            lines.append(f"minitf warned: {self.warning}")
        self.say(*lines, "", "The graph that served this call:", graph)
