"""Weight regularizers, as ``keras.regularizers``: a penalty on a weight, added to the loss.

A layer calls ``regularizer(weight)`` and adds the scalar to its ``losses``; the
fit loop adds those to the training loss. Nothing here knows about layers.
"""

import minitf as tf
from minitf.keras import _lookup

__all__ = ["L1", "L1L2", "L2", "Regularizer", "get", "l1", "l1_l2", "l2", "serialize", "deserialize"]


def _non_negative(name, value):
    value = float(value)
    if not value >= 0:
        raise ValueError(f"Value for argument `{name}` must be a non-negative float. Received: {name}={value}")
    return value


class Regularizer:
    """Base class: ``__call__(x)`` returns a scalar penalty; ``get_config`` its arguments."""

    def __call__(self, x):
        return tf.constant(0.0)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x ** 2)``.

    >>> import minitf as tf
    >>> round(float(L1L2(l1=0.1, l2=0.01)(tf.constant([1., -2.]))), 6)
    0.35
    """

    def __init__(self, l1=0.0, l2=0.0):  # noqa: E741 - Keras's argument names
        self.l1 = _non_negative("l1", l1)
        self.l2 = _non_negative("l2", l2)

    def __call__(self, x):
        x = tf.convert_to_tensor(x)
        penalty = tf.zeros((), dtype=x.dtype)
        if self.l1:
            penalty += self.l1 * tf.reduce_sum(tf.abs(x))
        if self.l2:
            penalty += self.l2 * tf.reduce_sum(tf.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|x|)``: pushes weights to exactly zero (sparse models)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(x ** 2)``: weight decay, keeps weights small."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def l1_l2(l1=0.01, l2=0.01):
    """An ``L1L2`` regularizer with both penalties (default 0.01 each)."""
    return L1L2(l1=l1, l2=l2)


l1, l2 = L1, L2

# names give instances with the default arguments (so "l1_l2", as in Keras 3, is L1L2() with zero penalties)
_TABLE = {"L1": L1, "L2": L2, "L1L2": L1L2, "l1": L1, "l2": L2, "l1_l2": L1L2}


def get(identifier):
    """Return a regularizer for ``None``, a name (``"l2"``), a config dict, an instance or a callable.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if identifier is None:
        return None
    return _lookup.resolve(identifier, _TABLE, "regularizer")


def serialize(regularizer):
    return _lookup.serialize(regularizer)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize(config, {**_TABLE, **(custom_objects or {})}, "regularizer")
