"""Chapter 1's pictures: learning a representation, the training loop in three figures, ImageNet's history.

``RepresentationExplorer`` lets a learner change the coordinates of a 2-D point cloud
by hand (rotate, shear) until a one-line rule separates the two classes: what a
layer learns to do automatically. ``ThreeFigures`` steps a tiny network written
with minitf ops and shows its weights, its predictions and its loss after each step.
``representations_figure`` follows digits through a trained network, layer by layer.
The chapter's exercises (numbers and code) are defined at the end, with their solutions.
"""

import math

import numpy as np

import minitf as tf
from minitf.lessons.exercises import Case, CodeExercise, NumberExercise, as_number, calls, register
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
    weights a little against the loss's gradient. It starts from random weights that
    happen to be badly wrong (most points get the wrong class), so the loop has work to
    do; the weights panel shows each weight by name, with an arrow for minus its gradient:
    the direction the next step moves it.

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
        """Start again from the same random weights (a draw that classifies most points wrong)."""
        rng = np.random.default_rng(self.seed + 10)
        self.w1 = tf.Variable(rng.normal(0.0, 1.0, (2, 3)).astype("float32"), name="w1")
        self.b1 = tf.Variable(np.zeros(3, "float32"), name="b1")
        self.w2 = tf.Variable(rng.normal(0.0, 1.5, (3, 1)).astype("float32"), name="w2")
        self.b2 = tf.Variable(np.zeros(1, "float32"), name="b2")
        self.losses = [float(self.loss())]
        self.update()

    def weight_names(self):
        """A name for each single weight, in the order ``draw`` shows them: ``w1[0,2]``, ``b1[1]``..."""
        names = []
        for weight in self.weights:
            for index in np.ndindex(*weight.shape):
                names.append(f"{weight.name.split(':')[0]}[{','.join(map(str, index))}]")
        return names

    def gradients(self):
        """The loss's gradient with respect to every weight, from a GradientTape."""
        with tf.GradientTape() as tape:
            loss = self.loss()
        return tape.gradient(loss, self.weights)

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
            for weight, gradient in zip(self.weights, self.gradients()):
                weight.assign_sub(self.learning_rate.value * gradient)
            self.losses.append(float(self.loss()))
        self.update()

    def count_params(self):
        """How many single numbers the network holds: every weight matrix's entries and every bias."""
        return sum(int(np.prod(w.shape)) for w in self.weights)

    def accuracy(self):
        correct = (self.predict().numpy() > 0.5) == (self.targets.numpy() > 0.5)
        return float(np.mean(correct))

    def steepest(self):
        """``(name, value, gradient)`` of the weight whose gradient is largest: the one the next step moves most."""
        values = np.concatenate([w.numpy().ravel() for w in self.weights])
        gradients = np.concatenate([g.numpy().ravel() for g in self.gradients()])
        k = int(np.argmax(np.abs(gradients)))
        return self.weight_names()[k], float(values[k]), float(gradients[k])

    def update(self):
        name, value, gradient = self.steepest()
        self.say(f"step {len(self.losses) - 1}: loss {self.losses[-1]:.4f}, "
                 f"accuracy {100 * self.accuracy():.1f}%",
                 f"steepest: {name} = {value:+.3f} with gradient {gradient:+.3f}, so the next step moves it "
                 f"{'down' if gradient > 0 else 'up'} by learning rate x {abs(gradient):.3f}")
        self.redraw()

    def draw(self, fig):
        # gridspec_kw, not width_ratios=: matplotlib 3.5 (the oldest supported) lacks the latter
        weights_ax, predictions_ax, loss_ax = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.4, 1, 1]})
        values = np.concatenate([w.numpy().ravel() for w in self.weights])
        downhill = -np.concatenate([g.numpy().ravel() for g in self.gradients()])
        colors = [color for w, color in zip(self.weights, ("tab:blue", "tab:cyan", "tab:green", "tab:olive"))
                  for _ in range(int(np.prod(w.shape)))]
        positions = np.arange(len(values))
        weights_ax.bar(positions, values, color=colors)
        scale = 1.5 / max(1e-6, float(np.abs(downhill).max()))  # the longest arrow is 1.5 long
        for x, value, direction in zip(positions, values, downhill):
            if abs(direction) * scale > 0.05:
                weights_ax.annotate("", xy=(x, value + scale * direction), xytext=(x, value),
                                    arrowprops={"arrowstyle": "->", "color": "tab:red", "linewidth": 1.5})
        weights_ax.set_ylim(-4, 4)
        weights_ax.axhline(0, color="grey", linewidth=0.5)
        weights_ax.set_xticks(positions, self.weight_names(), rotation=90, fontsize=7)
        weights_ax.set_title(f"1. the {len(values)} weights (arrows: -gradient)", fontsize=10)
        x = self.inputs.numpy()
        p = self.predict().numpy()[:, 0]
        truth = self.targets.numpy()[:, 0] > 0.5
        for marker, members in (("o", ~truth), ("^", truth)):
            predictions_ax.scatter(x[members, 0], x[members, 1], c=p[members], cmap="coolwarm", vmin=0, vmax=1,
                                   s=30, marker=marker, edgecolors="black", linewidths=0.4)
        predictions_ax.set_title("2. P(class 1): red high, blue low\n(circles are class 0, triangles class 1)",
                                 fontsize=10)
        loss_ax.plot(np.arange(len(self.losses)), self.losses, marker=".")
        loss_ax.set_xlabel("step")
        loss_ax.set_xlim(-0.5, max(10, len(self.losses) - 0.5))
        loss_ax.set_ylim(0, max(2.5, 1.1 * max(self.losses)))
        loss_ax.set_title("3. the loss score, at each step", fontsize=10)


def layer_outputs(model, inputs):
    """What each layer of a ``Sequential`` ``model`` outputs for ``inputs``, in order, as NumPy arrays."""
    outputs, x = [], tf.constant(inputs)
    for layer in model.layers:
        x = layer(x)
        outputs.append(x.numpy())
    return outputs


def representations_figure(model, images, labels):
    """One row per digit: the image, what each hidden layer of ``model`` makes of it, and the output probabilities.

    ``images`` are 8x8 digits scaled to 0..1; each hidden layer's activations are drawn as a
    small grid of cells (dark = active), so the rows can be compared layer by layer.
    """
    outputs = layer_outputs(model, images.reshape(len(images), -1))
    columns = 2 + len(outputs) - 1
    fig = new_figure(2.1 * columns, 2.0 * len(images))
    axes = fig.subplots(len(images), columns, squeeze=False)
    for row, (image, label) in enumerate(zip(images, labels)):
        axes[row, 0].imshow(image.reshape(8, 8), cmap="gray_r")
        axes[row, 0].set_title(f"input: a {label}", fontsize=9)
        for column, activations in enumerate(outputs[:-1], start=1):
            units = activations.shape[1]
            width = 8 if units % 8 == 0 else units
            axes[row, column].imshow(activations[row].reshape(-1, width), cmap="Blues")
            axes[row, column].set_title(f"layer {column}: {units} units", fontsize=9)
        probabilities = outputs[-1][row]
        axes[row, -1].bar(range(10), probabilities, color="tab:blue")
        axes[row, -1].set_ylim(0, 1)
        axes[row, -1].set_xticks(range(10))
        axes[row, -1].set_title(f"output: says {int(np.argmax(probabilities))}", fontsize=9)
        for ax in axes[row, :-1]:
            ax.set_xticks([])
            ax.set_yticks([])
    return fig


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


# Exercises: numbers first, then code. Each solution runs only when solution() checks or shows it.

def _solution_1_1():
    explorer = RepresentationExplorer()
    return next(a for a in range(-180, 181, 5) if explorer.accuracy(angle=a, skew=0.0, threshold=0.0) == 1.0)


def separates_every_point(angle):
    """Whether rotating the chapter's cloud by ``angle`` degrees puts every orange point, and only those, at x > 0."""
    points, labels = tilted_clouds()
    new_x = (points @ rotation(as_number(angle)).T)[:, 0]
    return bool(np.all((new_x > 0) == (labels == 1)))


def _looks_like_radians(angle):
    return abs(as_number(angle)) <= 2 * math.pi and separates_every_point(math.degrees(as_number(angle)))


def _solution_1_2():
    return IMAGENET_TOP5_ERROR[2011][0] - IMAGENET_TOP5_ERROR[2012][0]


def _solution_1_3():
    return ThreeFigures().count_params()


register(NumberExercise(
    "1.1", separates_every_point,
    "Rotate only (shear 0, threshold 0) and watch the status line; the orange points must all end up "
    "right of the line.",
    "Every point is classified right: a turn of the axes alone made the rule work.", _solution_1_1,
    mistakes={_looks_like_radians: "That angle works in radians; the slider and the check take degrees."}))
register(NumberExercise(
    "1.2", 9.4, "Look up 2011 and 2012 in IMAGENET_TOP5_ERROR and subtract.",
    "25.8% - 16.4% = 9.4 points, the largest one-year drop in the challenge's history.", _solution_1_2,
    tolerance=0.05,
    also_right={9.3: "The book's rounded top-5 accuracies (74.3% and 83.6%) give 9.3; the table's errors give 9.4."},
    mistakes={-9.4: "The error fell: give the drop as a positive number of points.",
              0.094: "Give percentage points, as the table does: 9.4, not the fraction 0.094.",
              lambda a: abs(as_number(a) - 25.8 / 16.4) < 0.01: "That is a ratio; the question asks for the "
                                                                 "difference in percentage points."}))
register(NumberExercise(
    "1.3", 13, "Count a weight matrix's entries (inputs x units) and one bias per unit, for both layers.",
    "2*3 + 3 weights in the hidden layer, 3*1 + 1 in the output layer.", _solution_1_3, tolerance=0,
    mistakes={9: "9 is the count of the weight matrices' entries alone: add one bias per unit.",
              4: "4 counts the biases only: add the weight matrices' entries (inputs x units).",
              6: "6 is the count of units (2 + 3 + 1); count the weights between them, and a bias per unit.",
              lambda a: isinstance(a, (list, tuple)): "Give one number, the total of all the layers."}))


def _solution_1_4(points):
    # undo the hidden turn, then read the first coordinate: orange points are on its positive side
    return (points @ rotation(-75.0).T)[:, 0] > 0


def _orange_everywhere(points):
    return np.ones(len(points), dtype=bool)


def _orange_flipped(points):
    return ~_solution_1_4(points)


def _new_cloud_case(seed):
    points, labels = tilted_clouds(n_per_class=150, seed=seed)

    def judge(predicted):
        predicted = np.asarray(predicted)
        if predicted.shape != labels.shape:
            return f"it returned an array of shape {predicted.shape}; return one True/False per point, " \
                   f"shape {labels.shape}."
        accuracy = float(np.mean(predicted.astype(bool) == (labels == 1)))
        if accuracy < 0.95:
            return f"the rule is right for {accuracy:.1%} of these new points; it must reach 95%."
        return None
    return Case(f"300 new points (seed {seed})", calls(points), judge)


register(CodeExercise(
    "1.4", "is_orange", "Write is_orange(points): True for each point of an (n, 2) array your rule calls orange.",
    [_new_cloud_case(seed) for seed in (11, 12, 13)], _solution_1_4,
    mistakes=[(_orange_flipped, "Your rule has the classes the wrong way round: flip the comparison."),
              (_orange_everywhere, "Calling every point orange is right for half of them: the rule must depend "
                                   "on each point's coordinates.")],
    explanation="A fixed change of coordinates, found on 120 points, works on points it never saw: the "
                "representation generalizes."))


def _solution_1_5(layer_sizes):
    return sum(inputs * units + units for inputs, units in zip(layer_sizes[:-1], layer_sizes[1:]))


def _weights_without_biases(layer_sizes):
    return sum(inputs * units for inputs, units in zip(layer_sizes[:-1], layer_sizes[1:]))


def _biases_for_the_inputs_too(layer_sizes):
    return _solution_1_5(layer_sizes) + layer_sizes[0]


register(CodeExercise(
    "1.5", "count_weights",
    "Write count_weights(layer_sizes): how many single numbers a stack of Dense layers holds.",
    [Case(f"layer_sizes = {sizes}", calls(sizes)) for sizes in ([2, 3, 1], [5, 1], [64, 512, 10], [10, 8, 8, 3],
                                                                 [7])],
    _solution_1_5,
    mistakes=[(_weights_without_biases, "Each unit of a layer also has a bias: add one per unit, layer by layer."),
              (_biases_for_the_inputs_too, "The inputs are not a layer: they have no biases."),
              (lambda sizes: len(sizes) - 1, "Count the numbers inside the layers, not the layers.")],
    explanation="Between two layers of m and n units sit m*n weights and n biases; the book's first network, "
                "[784, 512, 10], holds 407,050."))
