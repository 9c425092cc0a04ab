"""The update rules: SGD (with momentum), RMSprop, Adam, Nadam and Adagrad.

Each rule is a pure function of backend arrays, ``rule(xp, w, g, lr, t, *slots)``
returning the new variable and slot values, made into one op by
``fused_update`` (TensorFlow's fused training ops have the same names). Each
optimizer class writes only ``build`` (its slots) and ``update_step`` (which
runs its rule for one variable), following Keras 3's formulas.
"""

from minitf.keras.initializers import Constant
from minitf.keras.optimizers.optimizer import Optimizer, fused_update

__all__ = ["SGD", "Adagrad", "Adam", "Nadam", "RMSprop"]


@fused_update("ResourceApplyGradientDescent")
def gradient_descent_rule(xp, w, g, lr, t):
    return w - lr * g


@fused_update("ResourceApplyKerasMomentum")
def momentum_rule(xp, w, g, lr, t, velocity, *, momentum, nesterov):
    velocity = momentum * velocity - lr * g
    step = momentum * velocity - lr * g if nesterov else velocity
    return w + step, velocity


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
        if not self.momentum:
            self.apply_rule(gradient_descent_rule, variable, gradient, learning_rate)
            return
        velocity = self.momentums[self._get_variable_index(variable)]
        self.apply_rule(momentum_rule, variable, gradient, learning_rate, [velocity], momentum=self.momentum,
                        nesterov=self.nesterov)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


@fused_update("ResourceApplyRMSProp")
def rmsprop_rule(xp, w, g, lr, t, velocity, *slots, rho, momentum, epsilon, centered):
    slots = list(slots)
    velocity = rho * velocity + (1 - rho) * g * g
    new_slots, variance = [velocity], velocity
    if centered:  # subtract the squared running mean of the gradient: a variance, not a second moment
        mean_g = rho * slots.pop(0) + (1 - rho) * g
        new_slots.append(mean_g)
        variance = velocity - mean_g * mean_g
    increment = lr * g / xp.sqrt(variance + epsilon)
    if momentum:
        increment = momentum * slots.pop(0) + increment
        new_slots.append(increment)
    return (w - increment, *new_slots)


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

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, name="RMSprop",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def build(self, var_list):
        super().build(var_list)
        self.velocities = [self.add_variable_from_reference(v, "velocity") for v in var_list]
        self.average_gradients = (
            [self.add_variable_from_reference(v, "average_gradient") for v in var_list] if self.centered else [])
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in var_list] if self.momentum else []

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        slots = [self.velocities[i]] + [s[i] for s in (self.average_gradients, self.momentums) if s]
        self.apply_rule(rmsprop_rule, variable, gradient, learning_rate, slots, rho=self.rho,
                        momentum=self.momentum, epsilon=self.epsilon, centered=self.centered)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


@fused_update("ResourceApplyAdam")
def adam_rule(xp, w, g, lr, t, m, v, *v_max, beta_1, beta_2, epsilon):
    m = m + (g - m) * (1 - beta_1)
    v = v + (g * g - v) * (1 - beta_2)
    alpha = lr * (1 - beta_2**t) ** 0.5 / (1 - beta_1**t)  # both bias corrections folded into the step size
    if v_max:  # AMSGrad: never let the denominator shrink
        v_max = xp.maximum(v_max[0], v)
        return w - alpha * m / (xp.sqrt(v_max) + epsilon), m, v, v_max
    return w - alpha * m / (xp.sqrt(v) + epsilon), m, v


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
        i = self._get_variable_index(variable)
        slots = [self.momentums[i], self.velocities[i]] + ([self.velocity_hats[i]] if self.amsgrad else [])
        self.apply_rule(adam_rule, variable, gradient, learning_rate, slots, beta_1=self.beta_1,
                        beta_2=self.beta_2, epsilon=self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


def _nadam_u(beta_1, t):
    """Nadam's momentum schedule: ``beta_1 * (1 - 0.5 * 0.96 ** t)``."""
    return beta_1 * (1.0 - 0.5 * 0.96**t)


@fused_update("ResourceApplyNadam")
def nadam_rule(xp, w, g, lr, t, m, v, u_product, *, beta_1, beta_2, epsilon):
    u_product = u_product.astype(w.dtype)  # the product of the schedule up to step t, kept by the optimizer
    u_t, u_next = _nadam_u(beta_1, t), _nadam_u(beta_1, t + 1)
    m = m + (g - m) * (1 - beta_1)
    v = v + (g * g - v) * (1 - beta_2)
    m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product)
    v_hat = v / (1 - beta_2**t)
    return w - lr * m_hat / (xp.sqrt(v_hat) + epsilon), m, v


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

    def prepare_step(self):
        # the product of the momentum schedule up to this step: shared by all variables, so updated once
        self.u_product.assign(self.u_product * _nadam_u(self.beta_1, self.step_number(self.u_product.dtype)))

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        self.apply_rule(nadam_rule, variable, gradient, learning_rate, [self.momentums[i], self.velocities[i]],
                        extra=[self.u_product], beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


@fused_update("ResourceApplyAdagradV2")
def adagrad_rule(xp, w, g, lr, t, accumulator, *, epsilon):
    accumulator = accumulator + g * g
    return w - lr * g / xp.sqrt(accumulator + epsilon), accumulator


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
        accumulator = self.accumulators[self._get_variable_index(variable)]
        self.apply_rule(adagrad_rule, variable, gradient, learning_rate, [accumulator], epsilon=self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
