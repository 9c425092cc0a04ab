"""Chapter 4's data, figure, widget and exercises.

``regression_data`` stands in for a download: eight standardized features and a target
that is a known nonlinear function of them plus noise, split into training, validation
and test sets, the same for every seed. ``RetraceWatcher`` shows one ``minitf.function``'s
code, lets you predict whether a call with the argument you pick will trace, makes the
call, and shows whether it traced, your score, the count of traces so far, and the graph
that serves the call. ``huber_figure`` draws the Huber loss beside the squared and absolute
errors, with their slopes.

The exercises (registered with ``minitf.lessons.exercises``) are four numbers to compute and
two pieces of code from the book's own exercises: a layer normalization layer checked against
``keras.layers.LayerNormalization``, and a training step with one optimizer for the lower
layers and another for the top one. Each wrong version below a solution is a common mistake,
recognised by its results so the learner gets the hint written for it.
"""

import inspect
import types
import warnings
from collections import deque

import ipywidgets as widgets
import numpy as np

import minitf as tf
from minitf import keras
from minitf.lessons.exercises import Case, CodeExercise, NumberExercise, _body_is_empty, difference, register, same
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

    def caption(self, width=110):
        """The static picture's text (for previews without a kernel) starts with the function's code, as the widget."""
        return [*watched_source().split("\n"), "", *super().caption(width)]

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



# Exercises: numbers first, then code (Hands-On ML's own exercises 3, 12 and 13). Each solution runs only
# when solution() checks or shows it.

def _solution_4_1():
    w1, w2 = tf.Variable(1.0), tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            z = w1**3 * w2
        dz_dw1 = inner.gradient(z, w1)  # 3 w1**2 w2, recorded by the outer tape
    return outer.gradient(dz_dw1, w1)  # 6 w1 w2


def _solution_4_2():
    function = tf.function(lambda x: x + 1)
    for argument in (tf.constant(1.0), tf.constant(2.0), tf.constant([1.0, 2.0]), 3, 3, 4):
        function(argument)
    return function.experimental_get_tracing_count()


def _solution_4_3():
    error, threshold = 3.0, 2.0
    return threshold * abs(error) - threshold**2 / 2


def _solution_4_4():
    return tf.range(10).dtype, tf.constant(np.arange(10)).dtype


def _dtype_names(answer):
    """The learner's answer to 4.4 as two dtype names; dtypes, NumPy dtypes and strings all work."""
    if isinstance(answer, (str, bytes)) or len(answer) != 2:
        raise TypeError("expected two dtypes")
    return tuple(tf.as_dtype(a).name for a in answer)


def _dtypes_are(*names):
    return lambda answer: _dtype_names(answer) == names


register(NumberExercise(
    "4.1", 18.0, "Differentiate twice with respect to w1: two nested GradientTapes, or by hand.",
    "d2f/dw1^2 = 6 w1 w2 = 6 * 1 * 3 = 18.", _solution_4_1,
    mistakes={9.0: "9 is the first derivative, 3 w1**2 w2: differentiate once more with respect to w1.",
              3.0: "Differentiate both times with respect to w1 (the mixed derivative d2f/dw1dw2 = 3 w1**2 is 3).",
              1.0: "1 is df/dw2 = w1**3: differentiate with respect to w1, twice."}))
register(NumberExercise(
    "4.2", 4, "A tensor's signature is its dtype and shape; a Python value's is the value itself.",
    "One trace for float32 scalars, one for the vector of shape (2,), one for 3 and one for 4.", _solution_4_2,
    tolerance=0, mistakes={6: "Not every call traces: a call whose signature was seen before reuses its graph.",
                           5: "Count each signature once: the second 3 and the second float32 scalar reuse a graph.",
                           3: "Python numbers are part of the signature by value: 3 and 4 trace separately.",
                           2: "Python numbers are part of the signature by value: 3 and 4 each trace."}))
register(NumberExercise(
    "4.3", 4.0, "Beyond the threshold the loss is threshold * |error| - threshold**2 / 2.",
    "|error| = 3 > 2, so 2 * 3 - 2**2 / 2 = 4: the loss grows linearly, not quadratically.", _solution_4_3,
    mistakes={4.5: "4.5 is error**2 / 2, the quadratic part: |error| = 3 is beyond the threshold 2.",
              2.5: "2.5 is the loss with threshold 1: this HuberLoss has threshold 2.",
              9.0: "9 is the squared error; the Huber loss is linear beyond the threshold."}))
register(NumberExercise(
    "4.4", _dtypes_are("int32", "int64"), "Make both tensors and look at their .dtype.",
    "tf.range(10) makes int32, TensorFlow's integer for Python ints; tf.constant(np.arange(10)) keeps NumPy's "
    "int64. The same values, but adding the two is an error until you cast one.", _solution_4_4,
    mistakes={_dtypes_are("int32", "int32"): "A tensor made from a NumPy array keeps the array's dtype, and "
                                             "np.arange gives int64.",
              _dtypes_are("int64", "int64"): "tf.range(10) starts from Python ints, which become int32.",
              _dtypes_are("int64", "int32"): "The other way round: Python ints become int32, NumPy's stay int64."}))


# 4.5, the book's exercise 12: a layer normalization layer, checked against keras.layers.LayerNormalization.
class _LayerNormalizationSolution(keras.layers.Layer):
    def build(self, batch_input_shape):
        self.alpha = self.add_weight(name="alpha", shape=batch_input_shape[-1:], initializer="ones")
        self.beta = self.add_weight(name="beta", shape=batch_input_shape[-1:], initializer="zeros")
        super().build(batch_input_shape)

    def call(self, X):
        mean, variance = tf.nn.moments(X, axes=-1, keepdims=True)
        return self.alpha * (X - mean) / tf.sqrt(variance + 0.001) + self.beta


class _NormalizedOverTheBatch(_LayerNormalizationSolution):
    def call(self, X):
        mean, variance = tf.nn.moments(X, axes=0, keepdims=True)
        return self.alpha * (X - mean) / tf.sqrt(variance + 0.001) + self.beta


class _DividedByStdPlusEpsilon(_LayerNormalizationSolution):
    def call(self, X):
        mean, variance = tf.nn.moments(X, axes=-1, keepdims=True)
        return self.alpha * (X - mean) / (tf.sqrt(variance) + 0.001) + self.beta


class _DividedByVariance(_LayerNormalizationSolution):
    def call(self, X):
        mean, variance = tf.nn.moments(X, axes=-1, keepdims=True)
        return self.alpha * (X - mean) / (variance + 0.001) + self.beta


class _WithoutEpsilon(_LayerNormalizationSolution):
    def call(self, X):
        mean, variance = tf.nn.moments(X, axes=-1, keepdims=True)
        return self.alpha * (X - mean) / tf.sqrt(variance) + self.beta


class _InitializersSwapped(_LayerNormalizationSolution):
    def build(self, batch_input_shape):
        self.alpha = self.add_weight(name="alpha", shape=batch_input_shape[-1:], initializer="zeros")
        self.beta = self.add_weight(name="beta", shape=batch_input_shape[-1:], initializer="ones")
        keras.layers.Layer.build(self, batch_input_shape)


class _WeightsPerValue(_LayerNormalizationSolution):
    def build(self, batch_input_shape):
        self.alpha = self.add_weight(name="alpha", shape=batch_input_shape[1:], initializer="ones")
        self.beta = self.add_weight(name="beta", shape=batch_input_shape[1:], initializer="zeros")
        keras.layers.Layer.build(self, batch_input_shape)


class _NormalizedInNumPy(_LayerNormalizationSolution):
    def call(self, X):
        X = np.asarray(X)
        return self.alpha.numpy() * (X - X.mean(-1, keepdims=True)) / np.sqrt(X.var(-1, keepdims=True) + 0.001) \
            + self.beta.numpy()


def _normalization_inputs(shape, seed, offset, scale):
    rng = np.random.default_rng(seed)
    return tf.constant((offset + scale * rng.normal(size=shape)).astype("float32"))


def _normalization_weights(features, seed):
    rng = np.random.default_rng(seed + 100)
    return [rng.normal(1.0, 0.5, features).astype("float32"), rng.normal(0.0, 0.5, features).astype("float32")]


def _normalize(layer_class, inputs, weights):
    """The output of a fresh ``layer_class()`` on ``inputs``, with ``weights`` (alpha, beta) set if given."""
    layer = layer_class()
    outputs = layer(inputs)
    if weights is not None:
        layer.set_weights(weights)
        outputs = layer(inputs)
    return outputs


def _normalization_case(shape, seed, offset=0.0, scale=1.0, set_weights=False):
    inputs = _normalization_inputs(shape, seed, offset, scale)
    weights = _normalization_weights(shape[-1], seed) if set_weights else None
    description = (f"a batch of shape {shape} with values around {offset:g} (spread {scale:g})"
                   + (", alpha and beta set to random values with set_weights" if set_weights else ""))

    def judge(outputs):
        expected = _normalize(keras.layers.LayerNormalization, inputs, weights)
        if same(expected, outputs, 1e-4):
            return None
        return f"the output differs from keras.layers.LayerNormalization's: {difference(expected, outputs, 1e-4)}."
    return Case(description, lambda candidate: _normalize(candidate, inputs, weights), judge=judge)


def _gradient_case(shape, seed):
    inputs = _normalization_inputs(shape, seed, 0.0, 1.0)
    cotangent = tf.constant(np.random.default_rng(seed + 1).normal(size=shape).astype("float32"))

    def run(candidate):
        layer = candidate()
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = layer(inputs)
            total = tf.reduce_sum(outputs * cotangent)
        gradient = tape.gradient(total, inputs)
        return NO_GRADIENT if gradient is None else gradient

    def judge(gradient):
        expected = run(keras.layers.LayerNormalization)
        if same(expected, gradient, 1e-3):
            return None
        if gradient is NO_GRADIENT:
            return "the gradient with respect to the inputs is None: the tape could not follow the computation."
        return f"the gradient with respect to the inputs is wrong: {difference(expected, gradient, 1e-3)}."
    return Case(f"the gradient of the output on a batch of shape {shape}", run, judge=judge)


NO_GRADIENT = "no gradient"  # what a gradient case returns for None (a None result reads as a missing return)


def _weight_shapes(candidate):
    layer = candidate()
    layer(_normalization_inputs((3, 4, 5), 0, 0.0, 1.0))
    return ", ".join(str(tuple(w.shape)) for w in layer.trainable_weights) or "no trainable weights"


class LayerExercise(CodeExercise):
    """A code exercise whose answer is a layer class: a class whose methods are all still ``...`` is no answer yet."""

    def verdict(self, candidate):
        methods = [getattr(candidate, name, None) for name in ("build", "call")]
        # Layer wraps a subclass's build (to mark the layer built); the learner's own function is inside.
        if isinstance(candidate, type) and all(m is not None and _body_is_empty(inspect.unwrap(m)) for m in methods):
            return False, f"no answer yet. {self.task} Replace the ... in {self.name}'s methods and run the cell again."
        return super().verdict(candidate)


register(LayerExercise(
    "4.5", "MyLayerNormalization",
    "Write MyLayerNormalization, a layer that gives what keras.layers.LayerNormalization() gives.",
    [_normalization_case((4, 5), 1), _normalization_case((2, 3, 6), 2, offset=100.0, scale=10.0),
     Case("the trainable weights (alpha, then beta) after a batch of shape (3, 4, 5)", _weight_shapes,
          result="their shapes were"),
     _normalization_case((6, 4), 3, set_weights=True), _gradient_case((5, 3), 4)],
    _LayerNormalizationSolution, tolerance=1e-4,
    mistakes=[(_NormalizedInNumPy, "Use minitf ops (tf.nn.moments, tf.sqrt) in call, not NumPy: the tape follows "
                                   "only minitf ops, so training would get no gradient."),
              (_NormalizedOverTheBatch, "That normalizes each feature over the batch (batch normalization): take "
                                        "each instance's moments over its last axis, axes=-1, with keepdims=True."),
              (_DividedByStdPlusEpsilon, "Close: you divided by sigma + epsilon, as the book writes it. Keras divides "
                                         "by sqrt(variance + epsilon), with epsilon = 0.001."),
              (_DividedByVariance, "Divide by the standard deviation, tf.sqrt(variance + 0.001), not the variance."),
              (_WithoutEpsilon, "Add epsilon = 0.001 to the variance inside the square root, as Keras does (it "
                                "keeps a constant row from dividing by zero)."),
              (_InitializersSwapped, "alpha scales and starts at ones; beta shifts and starts at zeros."),
              (_WeightsPerValue, "One alpha and one beta per feature: give them the shape batch_input_shape[-1:], "
                                 "so the layer works for any batch size and rank.")],
    explanation="The same outputs and gradients as keras.layers.LayerNormalization: each instance is standardized "
                "over its own features, then scaled by alpha and shifted by beta."))


# 4.6, the book's exercise 13: a training step with one optimizer for the lower layers, another for the top one.
def _solution_4_6(model, X_batch, y_batch, loss_fn, lower_optimizer, upper_optimizer):
    with tf.GradientTape() as tape:
        y_pred = model(X_batch, training=True)
        loss = tf.add_n([tf.reduce_mean(loss_fn(y_batch, y_pred))] + model.losses)
    lower = [v for layer in model.layers[:-1] for v in layer.trainable_variables]
    upper = model.layers[-1].trainable_variables
    gradients = tape.gradient(loss, lower + upper)  # one tape, one gradient call: then split the list
    lower_optimizer.apply_gradients(zip(gradients[:len(lower)], lower))
    upper_optimizer.apply_gradients(zip(gradients[len(lower):], upper))
    return loss


def _step_with(model, X_batch, y_batch, loss_fn, pick, sum_losses=False, regularize=True):
    """A step for the wrong versions: ``pick(lower, upper)`` gives ``[(optimizer, variables), ...]``."""
    with tf.GradientTape(persistent=True) as tape:
        y_pred = model(X_batch, training=True)
        per_instance = loss_fn(y_batch, y_pred)
        main = tf.reduce_sum(per_instance) if sum_losses else tf.reduce_mean(per_instance)
        loss = tf.add_n([main] + (model.losses if regularize else []))
    for optimizer, variables in pick:
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss


def _layers_split(model):
    return ([v for layer in model.layers[:-1] for v in layer.trainable_variables],
            model.layers[-1].trainable_variables)


def _one_optimizer_for_all(model, X_batch, y_batch, loss_fn, lower_optimizer, upper_optimizer):
    return _step_with(model, X_batch, y_batch, loss_fn, [(lower_optimizer, model.trainable_variables)])


def _optimizers_swapped(model, X_batch, y_batch, loss_fn, lower_optimizer, upper_optimizer):
    lower, upper = _layers_split(model)
    return _step_with(model, X_batch, y_batch, loss_fn, [(upper_optimizer, lower), (lower_optimizer, upper)])


def _first_layer_only_is_lower(model, X_batch, y_batch, loss_fn, lower_optimizer, upper_optimizer):
    lower = model.layers[0].trainable_variables
    upper = [v for layer in model.layers[1:] for v in layer.trainable_variables]
    return _step_with(model, X_batch, y_batch, loss_fn, [(lower_optimizer, lower), (upper_optimizer, upper)])


def _without_regularization(model, X_batch, y_batch, loss_fn, lower_optimizer, upper_optimizer):
    lower, upper = _layers_split(model)
    return _step_with(model, X_batch, y_batch, loss_fn, [(lower_optimizer, lower), (upper_optimizer, upper)],
                      regularize=False)


def _summed_loss(model, X_batch, y_batch, loss_fn, lower_optimizer, upper_optimizer):
    lower, upper = _layers_split(model)
    return _step_with(model, X_batch, y_batch, loss_fn, [(lower_optimizer, lower), (upper_optimizer, upper)],
                      sum_losses=True)


def _two_gradient_calls(model, X_batch, y_batch, loss_fn, lower_optimizer, upper_optimizer):
    lower, upper = _layers_split(model)
    with tf.GradientTape() as tape:
        loss = tf.add_n([tf.reduce_mean(loss_fn(y_batch, model(X_batch, training=True)))] + model.losses)
    lower_optimizer.apply_gradients(zip(tape.gradient(loss, lower), lower))
    upper_optimizer.apply_gradients(zip(tape.gradient(loss, upper), upper))
    return loss


def _two_optimizer_case(units, batch_size, steps, seed, regularized=False, upper="adam"):
    def run(candidate):
        rng = np.random.default_rng(seed)
        regularizer = keras.regularizers.l2(0.01) if regularized else None
        model = keras.Sequential([keras.layers.Dense(n, activation="relu", kernel_regularizer=regularizer)
                                  for n in units[1:-1]] + [keras.layers.Dense(units[-1])])
        model.build((None, units[0]))
        for weight in model.weights:
            weight.assign(rng.normal(0.0, 0.5, weight.shape).astype("float32"))
        lower_optimizer = keras.optimizers.SGD(learning_rate=0.05)
        upper_optimizer = (keras.optimizers.Adam(learning_rate=0.02) if upper == "adam"
                           else keras.optimizers.SGD(learning_rate=0.2))
        losses = []
        for _ in range(steps):
            X_batch = tf.constant(rng.normal(size=(batch_size, units[0])).astype("float32"))
            y_batch = tf.constant(rng.normal(size=(batch_size, units[-1])).astype("float32"))
            losses.append(candidate(model, X_batch, y_batch, keras.losses.mean_squared_error, lower_optimizer,
                                    upper_optimizer))
        return [*losses, *model.weights]
    layers = " -> ".join(str(n) for n in units)
    top = "Adam(0.02)" if upper == "adam" else "SGD(0.2)"
    return Case(f"a model {layers}{' with an l2 regularizer' if regularized else ''}, batches of {batch_size}, "
                f"{steps} step(s), SGD(0.05) below and {top} on top", run,
                result="the losses returned and then the weights after the steps (kernel, bias, layer by layer)")


register(CodeExercise(
    "4.6", "train_step",
    "Write train_step(model, X_batch, y_batch, loss_fn, lower_optimizer, upper_optimizer): one training step, "
    "with upper_optimizer for the model's last layer and lower_optimizer for all the layers below it.",
    [_two_optimizer_case((3, 4, 1), 8, 1, 0), _two_optimizer_case((3, 4, 1), 8, 3, 1),
     _two_optimizer_case((5, 6, 4, 2), 16, 3, 2), _two_optimizer_case((4, 5, 1), 8, 2, 3, regularized=True),
     _two_optimizer_case((4, 3, 3, 1), 4, 3, 4, upper="sgd")],
    _solution_4_6, tolerance=1e-4,
    mistakes=[(_two_gradient_calls, "A tape gives one set of gradients: compute the gradients of all the variables "
                                    "in one tape.gradient call and split the list (or make the tape persistent)."),
              (_one_optimizer_for_all, "upper_optimizer must update the last layer's weights; lower_optimizer only "
                                       "the layers below it."),
              (_optimizers_swapped, "The optimizers are swapped: lower_optimizer goes with the lower layers."),
              (_first_layer_only_is_lower, "The lower layers are all but the last one (model.layers[:-1]), not only "
                                           "the first."),
              (_without_regularization, "Add the regularization losses (model.losses) to the loss, as fit does."),
              (_summed_loss, "Average the per-instance losses over the batch (tf.reduce_mean), do not sum them.")],
    explanation="Each optimizer keeps its own state (Adam's moments) for its own variables; the gradients come "
                "from one tape, so the forward pass runs once."))
