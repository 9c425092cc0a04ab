"""The update rules: SGD (with momentum), RMSprop, Adam, Nadam and Adagrad.

Each optimizer class writes only ``build`` (its slots) and ``update_step``: its
formula for one variable in minitf ops, with the new values given to the
variable and its slots by ``assign``/``assign_add``/``assign_sub``, following
Keras 3's formulas. Being ordinary ops, the updates are recorded by a tape and
replayed by a traced ``minitf.function`` like any other computation.
"""

import minitf as tf
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
        if self.built:
            return
        super().build(var_list)
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in var_list] if self.momentum else []

    def update_step(self, gradient, variable, learning_rate):
        if not self.momentum:
            self.assign_sub(variable, learning_rate * gradient)
            return
        velocity = self.momentums[self._get_variable_index(variable)]
        self.assign(velocity, self.momentum * velocity - learning_rate * gradient)
        if self.nesterov:
            self.assign_add(variable, self.momentum * velocity - learning_rate * gradient)
        else:
            self.assign_add(variable, velocity)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """Divide each step by a running root mean square of the gradients (Hinton, 2012).

    ``s = rho * s + (1 - rho) * g ** 2``; ``w -= lr * g / sqrt(s + epsilon)`` (with ``centered=True``
    the variance ``s - mean(g) ** 2`` replaces ``s``; with ``momentum`` the step is accumulated first).

    >>> import minitf as tf
    >>> var = tf.Variable(10.0)
    >>> _ = RMSprop(learning_rate=0.1).minimize(lambda: var ** 2 / 2.0, [var])
    >>> round(float(var), 4)
    9.6838
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, name="rmsprop",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.velocities = [self.add_variable_from_reference(v, "velocity") for v in var_list]
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in var_list] if self.momentum else []
        self.average_gradients = (
            [self.add_variable_from_reference(v, "average_gradient") for v in var_list] if self.centered else [])

    def update_step(self, gradient, variable, learning_rate):
        i, rho = self._get_variable_index(variable), self.rho
        # each slot's new value is used as computed (rather than read back from the slot): fewer ops to replay
        velocity = rho * self.velocities[i] + (1 - rho) * gradient * gradient
        self.assign(self.velocities[i], velocity)
        variance = velocity
        if self.centered:  # subtract the squared running mean of the gradient: a variance, not a second moment
            average_gradient = rho * self.average_gradients[i] + (1 - rho) * gradient
            self.assign(self.average_gradients[i], average_gradient)
            variance = velocity - average_gradient * average_gradient
        increment = learning_rate * gradient / tf.sqrt(variance + self.epsilon)
        if self.momentum:
            increment = self.momentum * self.momentums[i] + increment
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

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, name="adam",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad
        self._step_sizes = {}

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in var_list]
        self.velocities = [self.add_variable_from_reference(v, "velocity") for v in var_list]
        self.velocity_hats = (
            [self.add_variable_from_reference(v, "velocity_hat") for v in var_list] if self.amsgrad else [])

    def prepare_step(self):
        self._step_sizes = {}  # this update's step size per variable dtype: the same for every variable

    def update_step(self, gradient, variable, learning_rate):
        i, beta_1, beta_2 = self._get_variable_index(variable), self.beta_1, self.beta_2
        m, v = self.momentums[i], self.velocities[i]
        alpha = self._step_sizes.get(variable.dtype)
        if alpha is None:  # both bias corrections folded into the step size
            t = self.step_number(variable.dtype)
            alpha = self._step_sizes[variable.dtype] = learning_rate * tf.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        self.assign_add(m, (gradient - m) * (1 - beta_1))
        self.assign_add(v, (gradient * gradient - v) * (1 - beta_2))
        if self.amsgrad:  # never let the denominator shrink
            v_hat = self.velocity_hats[i]
            self.assign(v_hat, tf.maximum(v_hat, v))
            v = v_hat
        self.assign_sub(variable, alpha * m / (tf.sqrt(v) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


def _nadam_u(beta_1, t):
    """Nadam's momentum schedule: ``beta_1 * (1 - 0.5 * 0.96 ** t)``."""
    return beta_1 * (1.0 - 0.5 * 0.96**t)


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat, 2015), with Keras's momentum schedule ``b1 * (1 - 0.5 * 0.96 ** t)``.

    >>> import minitf as tf
    >>> var = tf.Variable(10.0)
    >>> _ = Nadam(learning_rate=0.2).minimize(lambda: var ** 2 / 2.0, [var])
    >>> round(float(var), 1)
    9.8
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="nadam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in var_list]
        self.velocities = [self.add_variable_from_reference(v, "velocity") for v in var_list]
        self.u_product = self.add_variable((), initializer="ones", name="u_product")

    def prepare_step(self):
        # the product of the momentum schedule up to this step: shared by all variables, so updated once
        self.u_product.assign(self.u_product * _nadam_u(self.beta_1, self.step_number(self.u_product.dtype)))

    def update_step(self, gradient, variable, learning_rate):
        i, beta_1, beta_2 = self._get_variable_index(variable), self.beta_1, self.beta_2
        m, v = self.momentums[i], self.velocities[i]
        t = self.step_number(variable.dtype)
        u_product = tf.cast(self.u_product, variable.dtype)  # the schedule's product up to step t
        u_t, u_next = _nadam_u(beta_1, t), _nadam_u(beta_1, t + 1)
        self.assign_add(m, (gradient - m) * (1 - beta_1))
        self.assign_add(v, (gradient * gradient - v) * (1 - beta_2))
        m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * gradient / (1 - u_product)
        v_hat = v / (1 - beta_2**t)
        self.assign_sub(variable, learning_rate * m_hat / (tf.sqrt(v_hat) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adagrad(Optimizer):
    """Per-parameter steps shrinking with the sum of squared gradients (Duchi et al., 2011).

    ``a += g ** 2``; ``w -= lr * g / sqrt(a + epsilon)``, with ``a`` starting at ``initial_accumulator_value``.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        start = Constant(self.initial_accumulator_value)
        self.accumulators = [self.add_variable_from_reference(v, "accumulator", start) for v in var_list]

    def update_step(self, gradient, variable, learning_rate):
        accumulator = self.accumulators[self._get_variable_index(variable)]
        self.assign_add(accumulator, gradient * gradient)
        self.assign_sub(variable, learning_rate * gradient / tf.sqrt(accumulator + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
