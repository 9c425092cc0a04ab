"""The update rules: SGD (with momentum), RMSprop, Adam, Nadam and Adagrad.

Each class writes only ``build`` (its slots) and ``update_step`` (one variable's
update), following Keras 3's formulas. The arithmetic is done on the backend
arrays (``g = gradient._value``): updates are never differentiated, and skipping
``bind`` keeps the per-variable cost of a training step small. ``xp`` is the
backend's array namespace (NumPy or CuPy).
"""

from minitf import backend
from minitf.keras.initializers import Constant
from minitf.keras.optimizers.optimizer import Optimizer

__all__ = ["SGD", "Adagrad", "Adam", "Nadam", "RMSprop"]


class SGD(Optimizer):
    """Gradient descent, optionally with (Nesterov) momentum.

    ``velocity = momentum * velocity - lr * g``; then ``w += velocity``, or with
    ``nesterov=True``, ``w += momentum * velocity - lr * g``. Without momentum, ``w -= lr * g``.

    >>> import minitf as tf
    >>> var = tf.Variable(1.0)
    >>> _ = SGD(learning_rate=0.1).minimize(lambda: var ** 2 / 2.0, [var])
    >>> round(float(var), 6)
    0.9
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum}")
        self.momentum, self.nesterov = momentum, nesterov

    def build(self, var_list):
        super().build(var_list)
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in var_list] if self.momentum else []

    def update_step(self, gradient, variable, learning_rate):
        g = gradient._value
        if not self.momentum:
            self.assign_sub(variable, learning_rate * g)
            return
        velocity = self.momentums[self._get_variable_index(variable)]
        v = self.momentum * velocity._value - learning_rate * g
        self.assign(velocity, v)
        self.assign_add(variable, self.momentum * v - learning_rate * g if self.nesterov else v)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """Divide each step by a running root mean square of the gradients (Hinton, 2012).

    ``s = rho * s + (1 - rho) * g ** 2``; ``w -= lr * g / sqrt(s + epsilon)`` (with ``centered=True``
    the variance ``s - mean(g) ** 2`` replaces ``s``; with ``momentum`` the step is accumulated first).
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, name="RMSprop",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def build(self, var_list):
        super().build(var_list)
        self.velocities = [self.add_variable_from_reference(v, "velocity") for v in var_list]
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in var_list] if self.momentum else []
        self.average_gradients = (
            [self.add_variable_from_reference(v, "average_gradient") for v in var_list] if self.centered else [])

    def update_step(self, gradient, variable, learning_rate):
        xp, g, i, rho = backend.xp, gradient._value, self._get_variable_index(variable), self.rho
        s = rho * self.velocities[i]._value + (1 - rho) * g * g
        self.assign(self.velocities[i], s)
        if self.centered:
            mean_g = rho * self.average_gradients[i]._value + (1 - rho) * g
            self.assign(self.average_gradients[i], mean_g)
            s = s - mean_g * mean_g
        increment = learning_rate * g / xp.sqrt(s + self.epsilon)
        if self.momentum:
            increment = self.momentum * self.momentums[i]._value + increment
            self.assign(self.momentums[i], increment)
        self.assign_sub(variable, increment)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba, 2014): momentum plus RMSprop, with bias correction.

    ``m = b1 * m + (1 - b1) * g``; ``v = b2 * v + (1 - b2) * g ** 2``;
    ``w -= lr * sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (sqrt(v) + epsilon)`` at step ``t``.
    With ``amsgrad=True`` the running maximum of ``v`` is used (Reddi et al., 2018).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, name="Adam",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def build(self, var_list):
        super().build(var_list)
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in var_list]
        self.velocities = [self.add_variable_from_reference(v, "velocity") for v in var_list]
        self.velocity_hats = (
            [self.add_variable_from_reference(v, "velocity_hat") for v in var_list] if self.amsgrad else [])

    def update_step(self, gradient, variable, learning_rate):
        xp, g, i, t = backend.xp, gradient._value, self._get_variable_index(variable), self.local_step
        b1, b2 = self.beta_1, self.beta_2
        alpha = learning_rate * (1 - b2**t) ** 0.5 / (1 - b1**t)
        m = self.momentums[i]._value + (g - self.momentums[i]._value) * (1 - b1)
        v = self.velocities[i]._value + (g * g - self.velocities[i]._value) * (1 - b2)
        self.assign(self.momentums[i], m)
        self.assign(self.velocities[i], v)
        if self.amsgrad:
            v = xp.maximum(self.velocity_hats[i]._value, v)
            self.assign(self.velocity_hats[i], v)
        self.assign_sub(variable, alpha * m / (xp.sqrt(v) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat, 2015), with Keras's momentum schedule ``b1 * (1 - 0.5 * 0.96 ** t)``.

    >>> import minitf as tf
    >>> var = tf.Variable(10.0)
    >>> _ = Nadam(learning_rate=0.2).minimize(lambda: var ** 2 / 2.0, [var])
    >>> round(float(var), 1)
    9.8
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="Nadam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, var_list):
        super().build(var_list)
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in var_list]
        self.velocities = [self.add_variable_from_reference(v, "velocity") for v in var_list]
        self.u_product = self.add_variable((), initializer="ones", name="u_product")

    def _u(self, step):
        return self.beta_1 * (1.0 - 0.5 * 0.96**step)

    def prepare_step(self):
        # the product of the momentum schedule up to this step, shared by all variables
        self.u_product.assign(float(self.u_product) * self._u(self.local_step))
        self._u_product_now = float(self.u_product)

    def update_step(self, gradient, variable, learning_rate):
        xp, g, i, t = backend.xp, gradient._value, self._get_variable_index(variable), self.local_step
        u_t, u_next = self._u(t), self._u(t + 1)
        u_product = self._u_product_now
        m = self.momentums[i]._value + (g - self.momentums[i]._value) * (1 - self.beta_1)
        v = self.velocities[i]._value + (g * g - self.velocities[i]._value) * (1 - self.beta_2)
        self.assign(self.momentums[i], m)
        self.assign(self.velocities[i], v)
        m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - self.beta_2**t)
        self.assign_sub(variable, learning_rate * m_hat / (xp.sqrt(v_hat) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adagrad(Optimizer):
    """Per-parameter steps shrinking with the sum of squared gradients (Duchi et al., 2011).

    ``a += g ** 2``; ``w -= lr * g / sqrt(a + epsilon)``, with ``a`` starting at ``initial_accumulator_value``.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, name="Adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def build(self, var_list):
        super().build(var_list)
        start = Constant(self.initial_accumulator_value)
        self.accumulators = [self.add_variable_from_reference(v, "accumulator", start) for v in var_list]

    def update_step(self, gradient, variable, learning_rate):
        xp, g = backend.xp, gradient._value
        accumulator = self.accumulators[self._get_variable_index(variable)]
        a = accumulator._value + g * g
        self.assign(accumulator, a)
        self.assign_sub(variable, learning_rate * g / xp.sqrt(a + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
