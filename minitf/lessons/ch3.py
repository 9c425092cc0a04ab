"""Chapter 3's picture: a linear classifier on two Gaussian clouds, trained one step per click.

The model is the chapter's own: ``prediction = inputs @ W + b``, a mean squared error
against targets 0 and 1, and plain gradient descent with a ``GradientTape``. The
decision line is where the prediction equals 0.5: ``w0 * x + w1 * y + b = 0.5``.
"""

import numpy as np

import minitf as tf
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
        self.update()

    def predict(self):
        return tf.matmul(self.inputs, self.W) + self.b

    def loss(self):
        return float(tf.reduce_mean(tf.square(self.targets - self.predict())))

    def step(self, n=1):
        """``n`` steps of gradient descent on the mean squared error."""
        for _ in range(n):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(self.targets - self.predict()))
            grad_w, grad_b = tape.gradient(loss, [self.W, self.b])
            self.W.assign_sub(self.learning_rate.value * grad_w)
            self.b.assign_sub(self.learning_rate.value * grad_b)
            self.losses.append(self.loss())
        self.update()

    def accuracy(self):
        return float(np.mean((self.predict().numpy() > 0.5) == (self.targets.numpy() > 0.5)))

    def update(self):
        w = self.W.numpy().ravel()
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
        loss_ax.set_ylim(bottom=0)
        loss_ax.set_title("mean squared error")
