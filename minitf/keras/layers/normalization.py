"""BatchNormalization and LayerNormalization.

Both compute ``gamma * (x - mean) / sqrt(variance + epsilon) + beta``; they differ
in which values the mean and variance are taken over. Batch normalization uses
the batch's statistics while training and keeps moving averages of them (two
non-trainable weights) for inference; layer normalization uses each example's own
statistics, the same in training and inference.
"""

import minitf as tf
from minitf.keras import pitfalls
from minitf.keras.layers.base import Layer
from minitf.keras.utils.serialization import checked, deserialize, serialize


def _axes(axis, rank, layer):
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"Invalid axis {a} for layer '{layer.name}': the input has rank {rank}, so axis must "
                             f"be in [-{rank}, {rank}).")
        out.append(a % rank)
    return sorted(set(out))


class _Normalization(Layer):
    """What both normalizations share: the axes, gamma and beta, and the final scale-and-shift."""

    def __init__(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                 gamma_regularizer, beta_constraint, gamma_constraint, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = checked(beta_initializer, "initializers")
        self.gamma_initializer = checked(gamma_initializer, "initializers")
        self.beta_regularizer = checked(beta_regularizer, "regularizers")
        self.gamma_regularizer = checked(gamma_regularizer, "regularizers")
        self.beta_constraint = checked(beta_constraint, "constraints")
        self.gamma_constraint = checked(gamma_constraint, "constraints")

    def _build_params(self, input_shape):
        rank = len(input_shape)
        self._param_axes = _axes(self.axis, rank, self)
        for a in self._param_axes:
            if input_shape[a] is None:
                raise ValueError(f"Axis {a} of the input to layer '{self.name}' should have a defined dimension, "
                                 f"but it is None. Full input shape received: {tuple(input_shape)}")
        self._param_shape = tuple(input_shape[a] for a in self._param_axes)
        # the shape the parameters take to broadcast against the inputs, e.g. (1, C, 1, 1)
        self._broadcast_shape = tuple(input_shape[a] if a in self._param_axes else 1 for a in range(rank))
        self.gamma = self.add_weight(
            "gamma", self._param_shape, initializer=deserialize(self.gamma_initializer, "initializers"),
            regularizer=deserialize(self.gamma_regularizer, "regularizers"),
            constraint=deserialize(self.gamma_constraint, "constraints")) if self.scale else None
        self.beta = self.add_weight(
            "beta", self._param_shape, initializer=deserialize(self.beta_initializer, "initializers"),
            regularizer=deserialize(self.beta_regularizer, "regularizers"),
            constraint=deserialize(self.beta_constraint, "constraints")) if self.center else None

    def _check_rank(self, inputs):
        if inputs.ndim != len(self._broadcast_shape):
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: expected ndim="
                             f"{len(self._broadcast_shape)}, found ndim={inputs.ndim}. Full shape received: "
                             f"{tuple(inputs.shape)}")

    def _param(self, weight):
        return tf.reshape(weight, self._broadcast_shape)

    def _normalize(self, inputs, mean, variance):
        scale = tf.math.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            scale = scale * self._param(self.gamma)
        outputs = (inputs - mean) * scale
        if self.beta is not None:
            outputs = outputs + self._param(self.beta)
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale,
                      beta_initializer=serialize(self.beta_initializer),
                      gamma_initializer=serialize(self.gamma_initializer),
                      beta_regularizer=serialize(self.beta_regularizer),
                      gamma_regularizer=serialize(self.gamma_regularizer),
                      beta_constraint=serialize(self.beta_constraint),
                      gamma_constraint=serialize(self.gamma_constraint))
        return config


class BatchNormalization(_Normalization):
    """Normalize each feature with the batch's mean and variance while training, moving averages otherwise.

    While training, after each batch:
    ``moving_mean = momentum * moving_mean + (1 - momentum) * batch_mean`` (the same for the variance).
    A frozen layer (``trainable=False``) always runs in inference mode, as in Keras.

    Args:
        axis: the features axis (or axes) that get their own statistics; -1 by default.
        momentum: how slowly the moving averages follow the batches.
        epsilon: added to the variance before the square root.
        center, scale: whether to learn ``beta`` and ``gamma``.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        self.momentum = float(momentum)
        self.moving_mean_initializer = checked(moving_mean_initializer, "initializers")
        self.moving_variance_initializer = checked(moving_variance_initializer, "initializers")

    def build(self, input_shape):
        self._build_params(input_shape)
        self.moving_mean = self.add_weight(
            "moving_mean", self._param_shape, trainable=False,
            initializer=deserialize(self.moving_mean_initializer, "initializers"))
        self.moving_variance = self.add_weight(
            "moving_variance", self._param_shape, trainable=False,
            initializer=deserialize(self.moving_variance_initializer, "initializers"))
        rank = len(input_shape)
        self._reduction_axes = [a for a in range(rank) if a not in self._param_axes]

    def call(self, inputs, training=None):
        self._check_rank(inputs)
        if training is None:
            pitfalls.training_not_passed(self)  # explain mode: a custom loop that forgot training=True
        if training and self.trainable:
            mean, variance = tf.nn.moments(inputs, self._reduction_axes, keepdims=True)
            self._update_moving(self.moving_mean, mean)
            self._update_moving(self.moving_variance, variance)
        else:
            mean, variance = self._param(self.moving_mean), self._param(self.moving_variance)
        return self._normalize(inputs, mean, variance)

    def _update_moving(self, variable, batch_value):
        batch_value = tf.reshape(tf.stop_gradient(batch_value), self._param_shape)
        variable.assign(variable * self.momentum + batch_value * (1.0 - self.momentum))

    def get_config(self):
        config = super().get_config()
        config.update(momentum=self.momentum, moving_mean_initializer=serialize(self.moving_mean_initializer),
                      moving_variance_initializer=serialize(self.moving_variance_initializer))
        return config


class LayerNormalization(_Normalization):
    """Normalize each example over ``axis`` (its features) with its own mean and variance.

    Args:
        axis: the axis or axes to normalize over; -1 by default.
        epsilon: added to the variance before the square root.
        center, scale: whether to learn ``beta`` and ``gamma`` (one per normalized value).
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)

    def build(self, input_shape):
        self._build_params(input_shape)

    def call(self, inputs):
        self._check_rank(inputs)
        mean, variance = tf.nn.moments(inputs, self._param_axes, keepdims=True)
        return self._normalize(inputs, mean, variance)
