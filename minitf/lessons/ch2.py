"""Chapter 2's pictures: a tensor operation as geometry, gradient descent on a 1-D loss.

``TensorGeometry`` applies ``relu?(points @ W^T + t)`` to a small drawing with minitf
ops, so the sliders show what a Dense layer's affine map does to space.
``GradientDescent1D`` runs SGD with momentum on a loss of one weight, computing
each gradient with a ``GradientTape``, and draws the path the weight takes.
``sgd_paths_figure`` draws batch, mini-batch and true SGD on the loss surface of a line fit.
The chapter's exercises (numbers and code) are defined at the end, with their solutions.
"""

import ipywidgets as widgets
import numpy as np

import minitf as tf
from minitf.lessons.exercises import Case, CodeExercise, NumberExercise, as_number, calls, register
from minitf.lessons.widgets import Lesson, button, new_figure, slider

# A house outline (closed polygon) and the unit square's grid: enough to see turns, shears and flips.
HOUSE = np.array([[0, 0], [1, 0], [1, 1], [0.5, 1.5], [0, 1], [0, 0], [1, 1], [0, 1], [1, 0]], dtype="float32")
GRID = np.array([[x, y] for x in np.linspace(-2, 2, 9) for y in np.linspace(-2, 2, 9)], dtype="float32")

PRESETS = {
    "identity": (1.0, 0.0, 0.0, 1.0, 0.0, 0.0),
    "translation": (1.0, 0.0, 0.0, 1.0, 1.0, 0.5),
    "rotation by about 30 degrees": (0.9, -0.5, 0.5, 0.9, 0.0, 0.0),
    "scaling": (1.5, 0.0, 0.0, 0.5, 0.0, 0.0),
    "shear": (1.0, 1.0, 0.0, 1.0, 0.0, 0.0),
    "affine": (1.2, -0.4, 0.6, 0.8, -1.0, 0.5),
}


class TensorGeometry(Lesson):
    """Points times a 2x2 matrix ``W``, plus a vector ``t``, optionally through relu.

    >>> geometry = TensorGeometry()
    >>> geometry.preset.value = "scaling"
    >>> geometry.apply(np.array([[1.0, 1.0]], dtype="float32")).tolist()
    [[1.5, 0.5]]
    """

    figsize = (5.0, 5.0)

    def __init__(self):
        self.w = [slider(name, value, -2.0, 2.0, 0.1, ".1f") for name, value in
                  zip(("W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]"), (1.0, 0.0, 0.0, 1.0))]
        self.t = [slider(name, 0.0, -2.0, 2.0, 0.1, ".1f") for name in ("t[0]", "t[1]")]
        self.relu = widgets.Checkbox(value=False, description="then relu")
        self.preset = widgets.Dropdown(options=list(PRESETS), value="identity", description="preset")
        super().__init__([[self.preset, self.relu], self.w[:2] + [self.t[0]], self.w[2:] + [self.t[1]]])
        self._loading = False
        self.preset.observe(lambda change: self.load(change["new"]), names="value")
        for control in (*self.w, *self.t, self.relu):
            control.observe(lambda _: self.update(), names="value")
        self.update()

    def load(self, name):
        """Set every slider from a preset, redrawing once."""
        self._loading = True
        for control, value in zip((*self.w, *self.t), PRESETS[name]):
            control.value = value
        self._loading = False
        self.update()

    def matrix(self):
        return tf.constant([[self.w[0].value, self.w[1].value], [self.w[2].value, self.w[3].value]])

    def apply(self, points):
        """``relu(points @ W^T + t)`` (relu only when ticked), computed with minitf; returns NumPy."""
        out = tf.matmul(tf.constant(points), self.matrix(), transpose_b=True) + tf.constant([v.value for v in self.t])
        if self.relu.value:
            out = tf.nn.relu(out)
        return out.numpy()

    def update(self):
        if self._loading:
            return
        w = self.matrix().numpy()
        determinant = float(w[0, 0] * w[1, 1] - w[0, 1] * w[1, 0])
        self.say(f"W = [[{w[0, 0]:.1f}, {w[0, 1]:.1f}], [{w[1, 0]:.1f}, {w[1, 1]:.1f}]], "
                 f"t = [{self.t[0].value:.1f}, {self.t[1].value:.1f}]" + (", then relu" if self.relu.value else ""),
                 f"det W = {determinant:.2f}: areas are multiplied by {abs(determinant):.2f}"
                 + (" and the drawing is flipped" if determinant < 0 else ""))
        self.redraw()

    def draw(self, fig):
        ax = fig.subplots()
        ax.scatter(GRID[:, 0], GRID[:, 1], s=6, color="lightgray")
        moved = self.apply(GRID)
        ax.scatter(moved[:, 0], moved[:, 1], s=6, color="tab:blue")
        ax.plot(HOUSE[:, 0], HOUSE[:, 1], color="gray", linestyle="--", label="before")
        house = self.apply(HOUSE)
        ax.plot(house[:, 0], house[:, 1], color="tab:red", linewidth=2, label="after")
        ax.set_xlim(-4, 4)
        ax.set_ylim(-4, 4)
        ax.set_aspect("equal")
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.axvline(0, color="grey", linewidth=0.5)
        ax.legend(loc="upper left")


def bowl(w):
    """A loss with one minimum, at w = 2; plain gradient descent diverges when learning rate > 2."""
    return 0.5 * (w - 2.0) ** 2


def two_valleys(w):
    """A loss with a shallow valley near w = 1.6 and a deeper one near w = -1.8."""
    return 0.1 * w**4 - 0.6 * w**2 + 0.3 * w + 1.5


LOSSES = {"bowl: (w - 2)^2 / 2": bowl, "two valleys: w^4/10 - 3w^2/5 + 3w/10 + 3/2": two_valleys}


class GradientDescent1D(Lesson):
    """SGD with momentum on a loss of one weight ``w``, one step per click.

    Each step: ``velocity = momentum * velocity - learning_rate * dloss/dw``, then
    ``w = w + velocity`` (Keras's SGD). With momentum 0 this is plain gradient descent.

    >>> descent = GradientDescent1D()
    >>> descent.step(30)
    >>> round(descent.w, 3)
    2.0
    """

    figsize = (10.0, 3.6)

    def __init__(self, loss="bowl: (w - 2)^2 / 2", learning_rate=0.3, momentum=0.0, start=-2.0):
        self.loss_choice = widgets.Dropdown(options=list(LOSSES), value=loss, description="loss",
                                            layout=widgets.Layout(width="420px"))
        self.learning_rate = slider("learning rate", learning_rate, 0.01, 2.5, 0.01)
        self.momentum = slider("momentum", momentum, 0.0, 0.95, 0.05)
        self.start = slider("start at w =", start, -3.0, 3.0, 0.1, ".1f")
        self.step_button = button("Step", lambda: self.step(1))
        self.ten_button = button("10 steps", lambda: self.step(10))
        self.reset_button = button("Reset", self.reset)
        super().__init__([[self.step_button, self.ten_button, self.reset_button, self.loss_choice],
                          [self.learning_rate, self.momentum, self.start]])
        self.loss_choice.observe(lambda _: self.reset(), names="value")
        self.start.observe(lambda _: self.reset(), names="value")
        self.follow(self.learning_rate, self.momentum)
        self.reset()

    @property
    def function(self):
        return LOSSES[self.loss_choice.value]

    def reset(self):
        """Put the weight back at the start, with no velocity."""
        self.w = float(self.start.value)
        self.velocity = 0.0
        self.path = [self.w]
        self.diverged = False
        self.update()

    def gradient(self, w):
        """``dloss/dw`` at ``w``, from a GradientTape."""
        variable = tf.Variable(w)
        with tf.GradientTape() as tape:
            loss = self.function(variable)
        return float(tape.gradient(loss, variable))

    def step(self, n=1):
        """Take ``n`` steps of SGD with momentum (none once the weight has flown off)."""
        for _ in range(n):
            if self.diverged:
                break
            self.velocity = self.momentum.value * self.velocity - self.learning_rate.value * self.gradient(self.w)
            self.w += self.velocity
            self.path.append(self.w)
            self.diverged = not abs(self.w) < 1e3
        self.update()

    @property
    def takes_effect(self):
        # no step moves a weight that has flown off
        return "Reset to start again with it" if self.diverged else "the next step uses it"

    def update(self):
        if self.diverged:
            self.say(f"step {len(self.path) - 1}: w = {self.w:.3g}: diverged; lower the learning rate and Reset")
        else:
            self.say(f"step {len(self.path) - 1}: w = {self.w:.4f}, loss = {self.function(self.w):.4f}, "
                     f"slope = {self.gradient(self.w):.4f}")
        self.redraw()

    def draw(self, fig):
        curve_ax, loss_ax = fig.subplots(1, 2)
        grid = np.linspace(-3.5, 3.5, 200)
        curve_ax.plot(grid, self.function(grid), color="tab:gray")
        path = np.array(self.path)
        shown = np.clip(path, -3.5, 3.5)
        curve_ax.plot(shown, self.function(shown), color="tab:red", marker="o", markersize=4, linewidth=1)
        curve_ax.plot(shown[-1:], self.function(shown[-1:]), color="black", marker="o", markersize=7)
        curve_ax.set_xlabel("w")
        curve_ax.set_title("the loss and the weight's path")
        curve_ax.set_ylim(-0.5, 8)
        losses = self.function(np.clip(path, -1e3, 1e3))
        loss_ax.plot(np.arange(len(path)), losses, marker=".")
        loss_ax.set_xlabel("step")
        loss_ax.set_xlim(-0.5, max(10, len(path) - 0.5))
        loss_ax.set_ylim(0, 1.2 * max(float(losses[0]), 1.0))  # a diverging run leaves the top of the plot
        loss_ax.set_title("loss at each step")


def line_data(n=64, seed=0):
    """Points near the line y = 2x - 1: ``(x, y)`` float32 arrays of shape ``(n,)``, for a loss of two weights."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n).astype("float32")
    return x, (2.0 * x - 1.0 + rng.normal(0.0, 0.3, n)).astype("float32")


PATH_START = (-1.5, 2.0)  # (w, b) where every path of sgd_paths_figure starts


def descent_path(x, y, batch_size, learning_rate=0.1, epochs=2, start=PATH_START, seed=0):
    """The weights ``(w, b)`` after every step of gradient descent on ``mean((w x + b - y)^2)``, in batches.

    Each epoch visits the points once, shuffled, in batches of ``batch_size``: all of them
    (batch gradient descent), a few (mini-batch SGD) or one at a time (true SGD). Every
    gradient comes from a GradientTape.
    """
    rng = np.random.default_rng(seed)
    w, b = tf.Variable(start[0]), tf.Variable(start[1])
    path = [start]
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for first in range(0, len(x), batch_size):
            batch = order[first:first + batch_size]
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(w * tf.constant(x[batch]) + b - tf.constant(y[batch])))
            grad_w, grad_b = tape.gradient(loss, [w, b])
            w.assign_sub(learning_rate * grad_w)
            b.assign_sub(learning_rate * grad_b)
            path.append((float(w.numpy()), float(b.numpy())))
    return np.array(path)


def sgd_paths_figure(batch_sizes=(64, 8, 1), learning_rate=0.1, epochs=2):
    """The loss surface of a line fit as contours, with the path of each batch size over the same epochs."""
    x, y = line_data()
    fig = new_figure(6.0, 4.6)
    ax = fig.subplots()
    ws, bs = np.meshgrid(np.linspace(-2.0, 4.0, 121), np.linspace(-2.5, 2.5, 101))
    losses = np.mean((ws[..., None] * x + bs[..., None] - y) ** 2, axis=-1)
    ax.contour(ws, bs, losses, levels=np.geomspace(losses.min() * 1.05, losses.max(), 14), colors="lightgray")
    names = {len(x): "batch", 1: "true SGD"}
    for batch_size, color in zip(batch_sizes, ("tab:blue", "tab:orange", "tab:red")):
        path = descent_path(x, y, batch_size, learning_rate, epochs)
        label = f"{names.get(batch_size, 'mini-batch')}, {batch_size} point{'s' if batch_size > 1 else ''} " \
                f"per step: {len(path) - 1} steps"
        ax.plot(path[:, 0], path[:, 1], marker=".", markersize=4, linewidth=1, color=color, label=label)
    ax.plot(*PATH_START, marker="o", color="black")
    best = np.unravel_index(np.argmin(losses), losses.shape)
    ax.plot(ws[best], bs[best], marker="*", markersize=12, color="black")
    ax.set_xlabel("w (slope)")
    ax.set_ylabel("b (intercept)")
    ax.set_title(f"{epochs} epochs over {len(x)} points, learning rate {learning_rate}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    return fig


# Exercises: numbers first, then code. Each solution runs only when solution() checks or shows it.

def _solution_2_1():
    from minitf import keras

    (images, _), _ = keras.datasets.digits.load_data()
    inputs = images.reshape((len(images), 8 * 8))
    return inputs[100 * (len(inputs) // 100):].shape


def _solution_2_2():
    x = tf.Variable(1.5)
    with tf.GradientTape() as tape:
        y = 3 * x**2 + 2 * x + 1
    return tape.gradient(y, x)


def _solution_2_3():
    from minitf import keras

    model = keras.Sequential([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
    model.build((None, 8 * 8))
    return model.count_params()


register(NumberExercise(
    "2.1", (37, 64), "1,437 flattened images of 64 pixels in batches of 100: how many are left for the last batch?",
    "14 full batches hold 1,400 images, so the 15th and last holds the remaining 37.", _solution_2_1, shape=True,
    mistakes={lambda a: as_number(a) == 37: "37 is the right count: give the whole shape, as a tuple (37, 64).",
              (37, 8, 8): "The batches are cut from train_inputs, whose images were flattened to 64 numbers.",
              (100, 64): "That is a full batch; the last one holds what is left over.",
              (29, 64): "29 is what is left with batches of 128; here the batches hold 100."}))
register(NumberExercise(
    "2.2", 11.0, "Differentiate term by term, or let a GradientTape do it at x = 1.5.",
    "f'(x) = 6x + 2, so f'(1.5) = 11.", _solution_2_2,
    mistakes={8.0: "8 is the slope at x = 1.0 (the chapter's example); the question asks at x = 1.5.",
              10.75: "10.75 is f(1.5), the function's value; the question asks for its derivative."}))
register(NumberExercise(
    "2.3", 38410, "A Dense layer has inputs x units weights plus units biases; add both layers.",
    "64*512 + 512 + 512*10 + 10 = 38,410 parameters, as model.count_params() says.", _solution_2_3, tolerance=0,
    mistakes={37888: "37,888 counts the kernels only: each Dense layer also has one bias per unit.",
              407050: "407,050 is the book's MNIST model, with 784 inputs; the digits here have 8x8 = 64 pixels.",
              522: "522 counts the biases only: add the kernels (inputs x units)."}))


def _solution_2_4(x):
    out = np.empty_like(x)
    depth, rows, columns = x.shape
    for i in range(depth):
        for j in range(rows):
            for k in range(columns):
                out[i, j, k] = max(x[i, j, k], 0)
    return out


def _relu_in_place(x):
    depth, rows, columns = x.shape
    for i in range(depth):
        for j in range(rows):
            for k in range(columns):
                x[i, j, k] = max(x[i, j, k], 0)
    return x


def _rank_2_relu(x):
    rows, columns = x.shape
    return np.maximum(x, 0)


def _relu_input_after_the_call(x):
    def run(candidate):
        given = x.copy()
        candidate(given)
        return given
    return run


_RELU_INPUTS = [np.random.default_rng(seed).normal(size=shape).astype("float32")
                for seed, shape in ((1, (2, 3, 4)), (2, (1, 1, 5)), (3, (4, 2, 1)))]

register(CodeExercise(
    "2.4", "naive_relu_rank3", "Write naive_relu_rank3(x): relu of a rank-3 NumPy array, with three nested loops.",
    [Case(f"a float32 array of shape {x.shape}", calls(x)) for x in _RELU_INPUTS]
    + [Case("a (2, 3, 4) array", _relu_input_after_the_call(_RELU_INPUTS[0]),
            result="the input array after the call (it must be left as it was)")],
    _solution_2_4,
    mistakes=[(_rank_2_relu, "A rank-3 array has three axes: x.shape holds three sizes, and you need a third loop."),
              (_relu_in_place, "You changed the input array: write the results into a new one "
                               "(out = np.empty_like(x)) and leave x as it was."),
              (lambda x: x, "The negative entries must become 0."),
              (np.abs, "relu keeps positive entries and turns negative ones into 0, not into their opposite.")],
    explanation="One loop per axis: tf.nn.relu does the same on any rank, in compiled code."))


def _solution_2_5(gradients, weights, learning_rate):
    for gradient, weight in zip(gradients, weights):
        weight.assign_sub(learning_rate * gradient)


def _update_uphill(gradients, weights, learning_rate):
    for gradient, weight in zip(gradients, weights):
        weight.assign_add(learning_rate * gradient)


def _update_by_rebinding(gradients, weights, learning_rate):
    for gradient, weight in zip(gradients, weights):
        weight = weight - learning_rate * gradient  # noqa: F841 - the mistake: a new tensor, the variable unchanged


def _update_without_learning_rate(gradients, weights, learning_rate):
    for gradient, weight in zip(gradients, weights):
        weight.assign_sub(gradient)


def _update_with_a_fixed_learning_rate(gradients, weights, learning_rate):
    _solution_2_5(gradients, weights, 0.1)


def _update_case(shapes, learning_rate, steps=1, seed=0):
    def run(candidate):
        rng = np.random.default_rng(seed)
        weights = [tf.Variable(rng.normal(size=shape).astype("float32")) for shape in shapes]
        for _ in range(steps):
            gradients = [tf.constant(rng.normal(size=shape).astype("float32")) for shape in shapes]
            candidate(gradients, weights, learning_rate)
        return [w.numpy() for w in weights]
    return Case(f"weights of shapes {shapes}, learning rate {learning_rate}, {steps} step(s)", run,
                result="the weights after the update (as a list)")


register(CodeExercise(
    "2.5", "sgd_update",
    "Write sgd_update(gradients, weights, learning_rate): one step of gradient descent on each variable.",
    [_update_case([(3, 2), (2,)], 0.1), _update_case([(4,)], 0.5, seed=1), _update_case([(2, 2), (2,)], 0.05, 3, 2)],
    _solution_2_5,
    mistakes=[(_update_by_rebinding, "w = w - ... makes a new tensor and leaves the variable as it was: change the "
                                     "variable itself with w.assign_sub(...)."),
              (_update_uphill, "That step goes uphill: subtract the gradient (times the learning rate)."),
              (_update_without_learning_rate, "Scale each gradient by the learning rate before subtracting it."),
              (_update_with_a_fixed_learning_rate, "Use the learning_rate argument, not a fixed 0.1.")],
    explanation="w.assign_sub(learning_rate * g) for each pair: what keras.optimizers.SGD does without momentum."))
