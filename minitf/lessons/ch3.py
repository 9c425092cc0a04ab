"""Chapter 3's picture: a linear classifier on two Gaussian clouds, trained one step per click.

The model is the chapter's own: ``prediction = inputs @ W + b``, a mean squared error
against targets 0 and 1, and plain gradient descent with a ``GradientTape``. The
decision line is where the prediction equals 0.5: ``w0 * x + w1 * y + b = 0.5``.
The chapter's exercises (numbers and code) are defined at the end, with their solutions.
"""

import numpy as np

import minitf as tf
from minitf.lessons.exercises import Case, CodeExercise, NumberExercise, register
from minitf.lessons.widgets import Lesson, button, slider


def gaussian_clouds(n_per_class=500, seed=0):
    """Two correlated Gaussian clouds in 2-D, class 0 around (-1, 2) and class 1 around (2, -1).

    Returns:
        ``(inputs, targets)``: float32 arrays of shapes ``(2 * n_per_class, 2)`` and ``(2 * n_per_class, 1)``.

    >>> inputs, targets = gaussian_clouds(10)
    >>> inputs.shape, targets.shape, float(targets.mean())
    ((20, 2), (20, 1), 0.5)
    """
    rng = np.random.default_rng(seed)
    covariance = [[1.0, 0.4], [0.4, 1.0]]
    negatives = rng.multivariate_normal([-1.0, 2.0], covariance, size=n_per_class)
    positives = rng.multivariate_normal([2.0, -1.0], covariance, size=n_per_class)
    inputs = np.vstack([negatives, positives]).astype("float32")
    targets = np.repeat([0.0, 1.0], n_per_class).astype("float32")[:, None]
    return inputs, targets


def decision_line(w, b, xs):
    """The y values on the line ``w[0] * x + w[1] * y + b = 0.5`` at ``xs`` (None when the line is vertical)."""
    w = np.asarray(w, dtype="float64").ravel()
    b = float(np.asarray(b).ravel()[0])
    if abs(w[1]) < 1e-9:
        return None
    return (0.5 - b - w[0] * np.asarray(xs)) / w[1]


class LinearClassifierTrainer(Lesson):
    """Train ``inputs @ W + b`` with a squared loss, a step per click, redrawing the decision line.

    A learning rate above ``stable_limit()`` makes every step overshoot the minimum by more
    than the last: the loss grows without bound. Once it exceeds ten times its starting value
    (or stops being a number) the trainer says so, explains why, and takes no more steps.

    >>> trainer = LinearClassifierTrainer(*gaussian_clouds(100))
    >>> trainer.step(30)
    >>> trainer.accuracy() > 0.95
    True
    """

    figsize = (10.0, 4.0)

    def __init__(self, inputs=None, targets=None, learning_rate=0.1, seed=0):
        if inputs is None:
            inputs, targets = gaussian_clouds()
        self.inputs = tf.constant(np.asarray(inputs, dtype="float32"))
        self.targets = tf.constant(np.asarray(targets, dtype="float32").reshape(-1, 1))
        self.seed = seed
        self.learning_rate = slider("learning rate", learning_rate, 0.01, 0.5, 0.01)
        self.step_button = button("Step", lambda: self.step(1))
        self.ten_button = button("10 steps", lambda: self.step(10))
        self.reset_button = button("Reset", self.reset)
        super().__init__([[self.step_button, self.ten_button, self.reset_button, self.learning_rate]])
        self.follow(self.learning_rate)
        self.reset()

    def reset(self):
        """Start again from the same random W and a zero b."""
        rng = np.random.default_rng(self.seed)
        self.W = tf.Variable(rng.uniform(0.0, 1.0, (2, 1)).astype("float32"), name="W")
        self.b = tf.Variable(np.zeros(1, "float32"), name="b")
        self.losses = [self.loss()]
        self.diverged = False
        self.update()

    def stable_limit(self):
        """The largest learning rate for which gradient descent on this mean squared error converges.

        The loss is a quadratic bowl whose curvature along its steepest direction is the largest
        eigenvalue of its Hessian, ``2/n [x 1]^T [x 1]``; steps converge only below 2 / that.
        """
        x = np.hstack([self.inputs.numpy(), np.ones((self.inputs.shape[0], 1), "float32")]).astype("float64")
        hessian = 2.0 * x.T @ x / len(x)
        return 2.0 / float(np.linalg.eigvalsh(hessian).max())

    def predict(self):
        return tf.matmul(self.inputs, self.W) + self.b

    def loss(self):
        return float(tf.reduce_mean(tf.square(self.targets - self.predict())))

    def step(self, n=1):
        """``n`` steps of gradient descent on the mean squared error (none once the loss has diverged)."""
        for _ in range(n):
            if self.diverged:
                break
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(self.targets - self.predict()))
            grad_w, grad_b = tape.gradient(loss, [self.W, self.b])
            self.W.assign_sub(self.learning_rate.value * grad_w)
            self.b.assign_sub(self.learning_rate.value * grad_b)
            self.losses.append(self.loss())
            self.diverged = not self.losses[-1] < 10 * self.losses[0]
        self.update()

    @property
    def takes_effect(self):
        return "Reset to start again with it" if self.diverged else "the next step uses it"

    def accuracy(self):
        return float(np.mean((self.predict().numpy() > 0.5) == (self.targets.numpy() > 0.5)))

    def update(self):
        w = self.W.numpy().ravel()
        if self.diverged:
            self.say(f"step {len(self.losses) - 1}: diverged, the loss grew from {self.losses[0]:.4f} to "
                     f"{self.losses[-1]:.3g}; stepping stopped.",
                     f"Why: learning rate {self.learning_rate.value:.2f} is above {self.stable_limit():.3f}, the "
                     "largest step this loss's curvature allows, so each step overshoots the minimum further "
                     "than the last. Lower the learning rate and Reset.")
            self.redraw()
            return
        self.say(f"step {len(self.losses) - 1}: loss {self.losses[-1]:.4f}, accuracy {100 * self.accuracy():.1f}%, "
                 f"line {w[0]:.3f} x {w[1]:+.3f} y {float(self.b.numpy()[0]):+.3f} = 0.5")
        self.redraw()

    def draw(self, fig):
        data_ax, loss_ax = fig.subplots(1, 2)
        x = self.inputs.numpy()
        predicted = self.predict().numpy()[:, 0] > 0.5
        data_ax.scatter(x[:, 0], x[:, 1], c=np.where(predicted, "tab:orange", "tab:blue"), s=6)
        xs = np.array([-5.0, 6.0])
        ys = decision_line(self.W.numpy(), self.b.numpy(), xs)
        if ys is None:
            w = self.W.numpy().ravel()
            data_ax.axvline((0.5 - float(self.b.numpy()[0])) / w[0] if w[0] else 0.0, color="black")
        else:
            data_ax.plot(xs, ys, color="black")
        data_ax.set_xlim(-5, 6)
        data_ax.set_ylim(-5, 6)
        data_ax.set_title("predictions (orange: > 0.5) and the decision line")
        loss_ax.plot(np.arange(len(self.losses)), self.losses, marker=".")
        loss_ax.set_xlabel("step")
        loss_ax.set_xlim(-0.5, max(10, len(self.losses) - 0.5))
        if self.diverged:
            loss_ax.set_yscale("log")
            loss_ax.set_title("mean squared error (log scale): diverged")
        else:
            loss_ax.set_ylim(0, 1.2 * max(self.losses))
            loss_ax.set_title("mean squared error")


# Exercises: numbers first, then code. Each solution runs only when solution() checks or shows it.

def _solution_3_1():
    t = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        position = 4.9 * t**2 + 3 * t
    return tape.gradient(position, t)


def _solution_3_2():
    from minitf import keras

    layer = keras.layers.Dense(32)
    layer(tf.ones((1, 64)))
    return layer.count_params()


def _solution_3_3():
    w0, w1, b = 0.2, -0.1, 0.1
    y = 0.0  # on the x-axis
    return (0.5 - b - w1 * y) / w0


register(NumberExercise(
    "3.1", 22.6, "The speed is the derivative of the position; an inner GradientTape computes it.",
    "speed(t) = 9.8 t + 3, so 22.6 at t = 2.", _solution_3_1, tolerance=1e-2,
    mistakes={9.8: "9.8 is the acceleration (the second derivative); the speed is the first.",
              25.6: "25.6 is the position at t = 2; the speed is its derivative.",
              19.6: "19.6 forgets the 3 t term: its derivative adds 3."}))
register(NumberExercise(
    "3.2", 2080, "build() creates a kernel of shape (features, units) and a bias of shape (units,).",
    "64*32 + 32 = 2,080 weights, created when the layer first sees its input's shape.", _solution_3_2, tolerance=0,
    mistakes={2048: "2,048 is the kernel alone: the bias adds one number per unit.",
              25120: "25,120 is for the chapter's earlier input of 784 features; here each input has 64.",
              32: "32 is the bias alone: add the kernel, features x units."}))
register(NumberExercise(
    "3.3", 2.0, "On the x-axis y = 0, so solve w0 * x + b = 0.5 for x.",
    "(0.5 - 0.1) / 0.2 = 2: the line crosses the x-axis at x = 2.", _solution_3_3,
    mistakes={-0.5: "The decision line is where the prediction equals 0.5, not 0.",
              3.0: "Move b to the other side with its sign: 0.5 - b, not 0.5 + b.",
              -4.0: "On the x-axis y = 0, so w1 drops out: divide by w0, not w1."}))


def _solution_3_4(targets, scores):
    probabilities = tf.sigmoid(scores)
    per_point = targets * tf.math.log(probabilities) + (1 - targets) * tf.math.log(1 - probabilities)
    return -tf.reduce_mean(per_point)


def _loss_without_sigmoid(targets, scores):
    return -tf.reduce_mean(targets * tf.math.log(scores) + (1 - targets) * tf.math.log(1 - scores))


def _loss_without_minus(targets, scores):
    return -_solution_3_4(targets, scores)


def _loss_summed(targets, scores):
    return _solution_3_4(targets, scores) * float(np.prod(scores.shape))


def _loss_of_positives_only(targets, scores):
    return -tf.reduce_mean(targets * tf.math.log(tf.sigmoid(scores)))


def _squared_error_of_sigmoid(targets, scores):
    return tf.reduce_mean(tf.square(targets - tf.sigmoid(scores)))


def _loss_in_numpy(targets, scores):
    p = 1 / (1 + np.exp(-np.asarray(scores)))
    y = np.asarray(targets)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def _loss_case(n, seed):
    rng = np.random.default_rng(seed)
    targets = tf.constant(rng.integers(0, 2, (n, 1)).astype("float32"))
    scores = tf.constant(rng.normal(0.0, 2.0, (n, 1)).astype("float32"))

    def run(candidate):
        with tf.GradientTape() as tape:
            tape.watch(scores)
            loss = candidate(targets, scores)
        gradient = tape.gradient(loss, scores) if isinstance(loss, tf.Tensor) else None
        return loss, gradient
    return Case(f"{n} points with random scores (seed {seed})", run,
                result="the loss and its gradient with respect to the scores")


register(CodeExercise(
    "3.4", "logistic_loss",
    "Write logistic_loss(targets, scores): the mean binary cross-entropy of sigmoid(scores) against 0/1 targets.",
    [_loss_case(4, 1), _loss_case(50, 2), _loss_case(1, 3)], _solution_3_4, tolerance=1e-4,
    mistakes=[(_loss_in_numpy, "The tape cannot differentiate NumPy code: use minitf ops (tf.sigmoid, "
                               "tf.math.log, tf.reduce_mean) so training can use the gradient."),
              (_loss_without_sigmoid, "Turn the scores into probabilities with tf.sigmoid before taking logs."),
              (_loss_without_minus, "The logs of probabilities are negative: the loss is minus their mean."),
              (_loss_summed, "Average over the points (tf.reduce_mean), do not sum."),
              (_loss_of_positives_only, "Points of class 0 count too: add (1 - y) * log(1 - p)."),
              (_squared_error_of_sigmoid, "That is the squared error of the probabilities; the cross-entropy "
                                          "uses logs: -(y log p + (1 - y) log(1 - p)).")],
    explanation="With sigmoid and cross-entropy the model's outputs are probabilities, and a confident wrong "
                "answer costs much more than under the squared error."))


def _solution_3_5(variables, gradients, velocities, learning_rate, momentum):
    for variable, gradient, velocity in zip(variables, gradients, velocities):
        velocity.assign(momentum * velocity - learning_rate * gradient)
        variable.assign_add(velocity)


def _momentum_uphill(variables, gradients, velocities, learning_rate, momentum):
    for variable, gradient, velocity in zip(variables, gradients, velocities):
        velocity.assign(momentum * velocity + learning_rate * gradient)
        variable.assign_add(velocity)


def _momentum_old_velocity(variables, gradients, velocities, learning_rate, momentum):
    for variable, gradient, velocity in zip(variables, gradients, velocities):
        variable.assign_add(velocity)
        velocity.assign(momentum * velocity - learning_rate * gradient)


def _momentum_velocity_rebound(variables, gradients, velocities, learning_rate, momentum):
    for variable, gradient, velocity in zip(variables, gradients, velocities):
        velocity = momentum * velocity - learning_rate * gradient
        variable.assign_add(velocity)


def _momentum_case(shapes, learning_rate, momentum, steps, seed):
    def run(candidate):
        rng = np.random.default_rng(seed)
        variables = [tf.Variable(rng.normal(size=shape).astype("float32")) for shape in shapes]
        velocities = [tf.Variable(np.zeros(shape, "float32")) for shape in shapes]
        for _ in range(steps):
            gradients = [tf.constant(rng.normal(size=shape).astype("float32")) for shape in shapes]
            candidate(variables, gradients, velocities, learning_rate, momentum)
        return [v.numpy() for v in variables] + [v.numpy() for v in velocities]
    return Case(f"shapes {shapes}, learning rate {learning_rate}, momentum {momentum}, {steps} step(s)", run,
                result="the variables, then the velocities, after the steps")


register(CodeExercise(
    "3.5", "momentum_update",
    "Write momentum_update(variables, gradients, velocities, learning_rate, momentum): one SGD step with momentum.",
    [_momentum_case([(2, 1), (1,)], 0.1, 0.9, 1, 0), _momentum_case([(2, 1), (1,)], 0.1, 0.9, 3, 1),
     _momentum_case([(3,)], 0.05, 0.5, 4, 2)],
    _solution_3_5, tolerance=1e-4,
    mistakes=[(_momentum_velocity_rebound, "The stored velocities stay 0, so this is plain SGD: keep each new "
                                           "velocity with velocity.assign(momentum * velocity - learning_rate * "
                                           "gradient) (velocity = ... only makes a new tensor), then move the "
                                           "variable by it."),
              (_momentum_uphill, "Subtract learning_rate * gradient in the velocity, so the steps go downhill."),
              (_momentum_old_velocity, "Update the velocity first, then move the variable by the new velocity.")],
    explanation="The same rule as keras.optimizers.SGD(momentum=...): each step keeps a fraction of the last one."))
