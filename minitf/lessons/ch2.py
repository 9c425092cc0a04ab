"""Chapter 2's pictures: a tensor operation as geometry, gradient descent on a 1-D loss.

``TensorGeometry`` applies ``relu?(points @ W^T + t)`` to a small drawing with minitf
ops, so the sliders show what a Dense layer's affine map does to space.
``GradientDescent1D`` runs SGD with momentum on a loss of one weight, computing
each gradient with a ``GradientTape``, and draws the path the weight takes.
"""

import ipywidgets as widgets
import numpy as np

import minitf as tf
from minitf.lessons.widgets import Lesson, button, slider

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
        loss_ax.set_ylim(0, 1.2 * max(float(losses[0]), 1.0))  # a diverging run leaves the top of the plot
        loss_ax.set_title("loss at each step")
