"""Chapter 1's pictures: learning a representation, the training loop in three figures, ImageNet's history.

``RepresentationExplorer`` lets a learner change the coordinates of a 2-D point cloud
by hand (rotate, shear) until a one-line rule separates the two classes: what a
layer learns to do automatically. ``ThreeFigures`` steps a tiny network written
with minitf ops and shows its weights, its predictions and its loss after each step.
"""

import math

import numpy as np

import minitf as tf
from minitf.lessons.widgets import Lesson, button, new_figure, slider

# ILSVRC winners' top-5 error in percent, with the winning team (published challenge results).
IMAGENET_TOP5_ERROR = {
    2010: (28.2, "NEC-UIUC"),
    2011: (25.8, "XRCE"),
    2012: (16.4, "SuperVision (AlexNet)"),
    2013: (11.7, "Clarifai"),
    2014: (6.7, "GoogLeNet"),
    2015: (3.6, "ResNet"),
}

HIDDEN_TILT = 110.0  # degrees: how far the data's useful axis is turned away from x
HIDDEN_SKEW = 0.8  # how much it is sheared


def rotation(degrees):
    """The 2x2 matrix turning points counter-clockwise by ``degrees``."""
    a = math.radians(degrees)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


def shear(amount):
    """The 2x2 matrix moving each point along x by ``amount`` times its y."""
    return np.array([[1.0, amount], [0.0, 1.0]])


def tilted_clouds(n_per_class=60, seed=0):
    """Two classes that differ only along one direction, measured in coordinates that hide it.

    In the hidden coordinates (u, v) the classes are split by ``u > 0``; the points
    returned were sheared by ``HIDDEN_SKEW`` and rotated by ``HIDDEN_TILT`` degrees.

    Returns:
        ``(points, labels)``: float64 array ``(2 * n_per_class, 2)`` and int array of 0s and 1s.
    """
    rng = np.random.default_rng(seed)
    u = np.concatenate([rng.normal(-1.2, 0.4, n_per_class), rng.normal(1.2, 0.4, n_per_class)])
    v = rng.normal(0.0, 1.3, 2 * n_per_class)
    labels = np.repeat([0, 1], n_per_class)
    hide = rotation(HIDDEN_TILT) @ shear(HIDDEN_SKEW)
    return np.stack([u, v], axis=1) @ hide.T, labels


class RepresentationExplorer(Lesson):
    """Rotate and shear a point cloud until the rule "new x > threshold means class 1" works.

    >>> explorer = RepresentationExplorer()
    >>> explorer.angle.value, explorer.skew.value = -110, -0.8
    >>> round(explorer.accuracy(), 2)
    1.0
    """

    figsize = (9.0, 4.0)

    def __init__(self, n_per_class=60, seed=0):
        self.points, self.labels = tilted_clouds(n_per_class, seed)
        self.angle = slider("rotate (degrees)", 0.0, -180.0, 180.0, 5.0, ".0f")
        self.skew = slider("shear", 0.0, -1.0, 1.0, 0.1, ".1f")
        self.threshold = slider("threshold", 0.0, -3.0, 3.0, 0.25)
        super().__init__([[self.angle, self.skew, self.threshold]])
        for control in (self.angle, self.skew, self.threshold):
            control.observe(lambda _: self.update(), names="value")
        self.update()

    def transformed(self, angle=None, skew=None):
        """The points in the new coordinates: rotated by ``angle``, then sheared by ``skew`` (default: the sliders')."""
        angle = self.angle.value if angle is None else angle
        skew = self.skew.value if skew is None else skew
        return self.points @ (shear(skew) @ rotation(angle)).T

    def accuracy(self, angle=None, skew=None, threshold=None):
        """The fraction of points the threshold rule classifies right in the new coordinates.

        Arguments left out are read from the sliders, so ``accuracy(angle=30)`` tries an
        angle without moving (and redrawing) the widget.
        """
        threshold = self.threshold.value if threshold is None else threshold
        predicted = self.transformed(angle, skew)[:, 0] > threshold
        return float(np.mean(predicted == (self.labels == 1)))

    def update(self):
        self.say(f"rotate {self.angle.value:+.0f} degrees, shear {self.skew.value:+.1f}: the rule "
                 f"'new x > {self.threshold.value:.2f} means orange' is right for {100 * self.accuracy():.1f}% "
                 "of the points")
        self.redraw()

    def draw(self, fig):
        before, after = fig.subplots(1, 2)
        colors = np.where(self.labels == 1, "tab:orange", "tab:blue")
        before.scatter(self.points[:, 0], self.points[:, 1], c=colors, s=14)
        before.set_title("as measured (x, y)")
        new = self.transformed()
        after.scatter(new[:, 0], new[:, 1], c=colors, s=14)
        after.axvline(self.threshold.value, color="black", linestyle="--")
        after.axvspan(self.threshold.value, 6, color="tab:orange", alpha=0.08)
        after.set_title("new coordinates: right of the line means orange")
        for ax in (before, after):
            ax.set_xlim(-6, 6)
            ax.set_ylim(-6, 6)
            ax.set_aspect("equal")
            ax.axhline(0, color="grey", linewidth=0.5)
            ax.axvline(0, color="grey", linewidth=0.5)


class ThreeFigures(Lesson):
    """A tiny network (2 inputs, 3 tanh units, 1 sigmoid output) trained one step per click.

    Each step runs the three figures of the training loop: the weights give predictions,
    the loss function scores them against the targets, and the optimizer moves the
    weights a little against the loss's gradient.

    >>> stepper = ThreeFigures()
    >>> stepper.step(20)
    >>> stepper.losses[-1] < stepper.losses[0]
    True
    """

    figsize = (11.0, 3.4)

    def __init__(self, n_per_class=30, seed=0):
        rng = np.random.default_rng(seed)
        centers = np.repeat([[-1.0, -0.5], [1.0, 0.5]], n_per_class, axis=0)
        self.inputs = tf.constant((centers + rng.normal(0.0, 0.6, centers.shape)).astype("float32"))
        self.targets = tf.constant(np.repeat([0.0, 1.0], n_per_class).astype("float32")[:, None])
        self.seed = seed
        self.learning_rate = slider("learning rate", 0.5, 0.05, 2.0, 0.05)
        self.step_button = button("Step", lambda: self.step(1))
        self.ten_button = button("10 steps", lambda: self.step(10))
        self.reset_button = button("Reset", self.reset)
        super().__init__([[self.step_button, self.ten_button, self.reset_button, self.learning_rate]])
        self.follow(self.learning_rate)
        self.reset()

    @property
    def weights(self):
        return [self.w1, self.b1, self.w2, self.b2]

    def reset(self):
        """Start again from the same small random weights."""
        rng = np.random.default_rng(self.seed + 1)
        self.w1 = tf.Variable(rng.normal(0.0, 0.5, (2, 3)).astype("float32"), name="w1")
        self.b1 = tf.Variable(np.zeros(3, "float32"), name="b1")
        self.w2 = tf.Variable(rng.normal(0.0, 0.5, (3, 1)).astype("float32"), name="w2")
        self.b2 = tf.Variable(np.zeros(1, "float32"), name="b2")
        self.losses = [float(self.loss())]
        self.update()

    def predict(self):
        """Figure 1: the weights turn inputs into predictions (probabilities of class 1)."""
        hidden = tf.tanh(tf.matmul(self.inputs, self.w1) + self.b1)
        return tf.sigmoid(tf.matmul(hidden, self.w2) + self.b2)

    def loss(self):
        """Figure 2: the loss scores the predictions against the targets (binary cross-entropy)."""
        p = tf.clip_by_value(self.predict(), 1e-7, 1 - 1e-7)
        y = self.targets
        return tf.reduce_mean(-(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p)))

    def step(self, n=1):
        """Figure 3: the optimizer moves every weight against its gradient, ``n`` times."""
        for _ in range(n):
            with tf.GradientTape() as tape:
                loss = self.loss()
            gradients = tape.gradient(loss, self.weights)
            for weight, gradient in zip(self.weights, gradients):
                weight.assign_sub(self.learning_rate.value * gradient)
            self.losses.append(float(self.loss()))
        self.update()

    def accuracy(self):
        correct = (self.predict().numpy() > 0.5) == (self.targets.numpy() > 0.5)
        return float(np.mean(correct))

    def update(self):
        self.say(f"step {len(self.losses) - 1}: loss {self.losses[-1]:.4f}, "
                 f"accuracy {100 * self.accuracy():.1f}%")
        self.redraw()

    def draw(self, fig):
        weights_ax, predictions_ax, loss_ax = fig.subplots(1, 3)
        values = np.concatenate([w.numpy().ravel() for w in self.weights])
        weights_ax.bar(np.arange(len(values)), values, color="tab:gray")
        weights_ax.set_ylim(-4, 4)
        weights_ax.set_xticks(np.arange(len(values)))
        weights_ax.set_xlabel("weight number")
        weights_ax.set_title(f"1. the {len(values)} weights")
        x = self.inputs.numpy()
        p = self.predict().numpy()[:, 0]
        predictions_ax.scatter(x[:, 0], x[:, 1], c=p, cmap="coolwarm", vmin=0, vmax=1, s=22,
                               edgecolors=np.where(self.targets.numpy()[:, 0] > 0.5, "darkred", "navy"))
        predictions_ax.set_title("2. predictions (red = class 1)")
        loss_ax.plot(np.arange(len(self.losses)), self.losses, marker=".")
        loss_ax.set_xlabel("step")
        loss_ax.set_ylim(bottom=0)
        loss_ax.set_title("3. loss score, lowered by the optimizer")


def imagenet_chart():
    """A bar chart of the ImageNet challenge's winning top-5 error, 2010 to 2015."""
    fig = new_figure(7.0, 3.4)
    ax = fig.subplots()
    years = list(IMAGENET_TOP5_ERROR)
    errors = [IMAGENET_TOP5_ERROR[y][0] for y in years]
    colors = ["tab:gray" if y < 2012 else "tab:blue" for y in years]
    ax.bar([str(y) for y in years], errors, color=colors)
    for i, (error, team) in enumerate(IMAGENET_TOP5_ERROR.values()):
        ax.text(i, error + 0.6, f"{error}%\n{team.split(' ')[0]}", ha="center", fontsize=8)
    ax.set_ylim(0, 34)
    ax.set_ylabel("top-5 error (%)")
    ax.set_title("ImageNet winners: grey = hand-designed features, blue = deep convnets")
    return fig
