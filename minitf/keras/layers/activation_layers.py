"""Activation layers with their own arguments, as Keras 3's: ReLU, LeakyReLU, ELU, Softmax.

``Activation("relu")`` applies a named function; these layers carry a setting (a slope, a
ceiling, an axis) in their config, so a saved model keeps it. Each ``call`` is minitf ops,
so gradients come for free.
"""

import minitf as tf
from minitf.keras.layers.base import Layer


def _non_negative(layer, argument, value, allow_none=False):
    """Keras 3's check of a ReLU-family setting: a number >= 0 (or None where that means "no limit")."""
    if value is None and allow_none:
        return None
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{argument} of a {layer} layer cannot be None or a negative value. Expected a float. "
                         f"Received: {argument}={value}\n  Pass a number >= 0.")
    return float(value)


class ReLU(Layer):
    """``max_value`` above, ``x`` from ``threshold`` up, ``negative_slope * (x - threshold)`` below it.

    >>> import minitf as tf
    >>> from minitf import keras
    >>> keras.layers.ReLU(max_value=2.0)(tf.constant([-1.0, 1.0, 3.0])).numpy()
    array([0., 1., 2.], dtype=float32)
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = _non_negative("ReLU", "negative_slope", negative_slope)
        self.threshold = _non_negative("ReLU", "threshold", threshold)

    def call(self, inputs):
        if self.negative_slope == 0.0 and self.threshold == 0.0:
            outputs = tf.nn.relu(inputs)
        else:
            outputs = tf.where(inputs >= self.threshold, inputs, self.negative_slope * (inputs - self.threshold))
        return outputs if self.max_value is None else tf.minimum(outputs, self.max_value)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(Layer):
    """``x`` for ``x >= 0``, ``negative_slope * x`` below (Keras 3's default slope is 0.3; ``alpha`` is its old name).

    >>> import minitf as tf
    >>> from minitf import keras
    >>> keras.layers.LeakyReLU(negative_slope=0.2)(tf.constant([-1.0, 2.0])).numpy()
    array([-0.2,  2. ], dtype=float32)
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:  # Keras 2's name, still accepted by Keras 3 (with a deprecation warning)
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _non_negative("Leaky ReLU", "negative_slope", negative_slope)

    def call(self, inputs):
        return tf.nn.leaky_relu(inputs, alpha=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(Layer):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` below."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        outputs = tf.nn.elu(inputs)
        return outputs if self.alpha == 1.0 else tf.where(inputs > 0, outputs, self.alpha * outputs)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(Layer):
    """The softmax over ``axis`` (the last by default): each slice sums to 1."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        return tf.nn.softmax(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
