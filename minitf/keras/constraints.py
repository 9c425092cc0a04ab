"""Weight constraints, as ``keras.constraints``: a projection applied to a weight after each update.

A layer stores the constraint on its variable (``variable.constraint``); the
optimizer calls it after every update step. Nothing here knows about layers.
"""

import minitf as tf
from minitf.keras import _lookup

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "get", "serialize", "deserialize"]

_EPSILON = 1e-7


def _norms(w, axis):
    return tf.sqrt(tf.reduce_sum(tf.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: ``__call__(w)`` returns the projected weight; ``get_config`` its arguments."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescale each slice along ``axis`` whose L2 norm exceeds ``max_value`` back to that norm.

    For a Dense kernel ``(inputs, units)``, ``axis=0`` constrains each unit's incoming weights.

    >>> import minitf as tf
    >>> MaxNorm(1.0)(tf.constant([[3.], [4.]])).numpy().round(4)
    array([[0.6],
           [0.8]], dtype=float32)
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = tf.clip_by_value(norms, 0, self.max_value)
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each slice's norm toward ``[min_value, max_value]`` (``rate=1`` moves it all the way)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = self.rate * tf.clip_by_value(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero."""

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        return w * tf.cast(w >= 0, w.dtype)


class UnitNorm(Constraint):
    """Divide each slice along ``axis`` by its L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = tf.convert_to_tensor(w)
        return w / (_EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

_TABLE = {cls.__name__: cls for cls in (MaxNorm, MinMaxNorm, NonNeg, UnitNorm)}
_TABLE.update(max_norm=MaxNorm, min_max_norm=MinMaxNorm, non_neg=NonNeg, unit_norm=UnitNorm)


def get(identifier):
    """Return a constraint for ``None``, a name (``"non_neg"``), a config dict, an instance or a callable.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if identifier is None:
        return None
    return _lookup.resolve(identifier, _TABLE, "constraint")


def serialize(constraint):
    return _lookup.serialize(constraint)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize(config, {**_TABLE, **(custom_objects or {})}, "constraint")
