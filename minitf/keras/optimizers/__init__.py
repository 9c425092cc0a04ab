"""Optimizers, as ``keras.optimizers``: the base class, five update rules, schedules, and ``get``.

``optimizer.py`` holds what every optimizer shares (clipping, slots, learning
rate, iterations); ``algorithms.py`` the update rules; ``schedules.py`` the
learning-rate schedules.
"""

from minitf.keras import _lookup
from minitf.keras.optimizers import schedules  # noqa: F401
from minitf.keras.optimizers.algorithms import SGD, Adagrad, Adam, Nadam, RMSprop
from minitf.keras.optimizers.optimizer import Optimizer

__all__ = ["SGD", "Adagrad", "Adam", "Nadam", "Optimizer", "RMSprop", "deserialize", "get", "schedules",
           "serialize"]

_CLASSES = (SGD, Adagrad, Adam, Nadam, RMSprop)
_TABLE = {cls.__name__: cls for cls in _CLASSES}
_TABLE.update({cls.__name__.lower(): cls for cls in _CLASSES})


def get(identifier):
    """Return an optimizer for a name (``"adam"``, ``"sgd"``, ``"rmsprop"``...), a config dict or an instance.

    A name gives a new optimizer with Keras's default arguments.

    >>> get("rmsprop")
    <RMSprop name='rmsprop' iterations=0>

    Raises:
        ValueError: an unknown name (the message lists the known ones) or a value that is not an optimizer.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _TABLE:
        identifier = identifier.lower()  # Keras 3 looks built-in names up case-insensitively: "Adam", "ADAM"
    if isinstance(identifier, (str, dict)) or (isinstance(identifier, type) and issubclass(identifier, Optimizer)):
        return _lookup.resolve(identifier, _TABLE, "optimizer")
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}\n"
                     "  Pass a name such as 'adam' or an optimizer instance such as keras.optimizers.Adam(1e-3).")


def serialize(optimizer):
    return _lookup.serialize(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from ``{"class_name": ..., "config": ...}``; built-in class names in any case, as Keras 3."""
    if isinstance(config, dict) and str(config.get("class_name", "")).lower() in _TABLE:
        config = {**config, "class_name": config["class_name"].lower()}
    return _lookup.deserialize(config, {**_TABLE, **(custom_objects or {})}, "optimizer")
