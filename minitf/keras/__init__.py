"""minitf.keras: layers, models, losses, optimizers, metrics and training, as ``tf.keras``.

Layers, models, callbacks and the progress bar are imported with the package;
the other namespaces (losses, optimizers, metrics, initializers, activations,
regularizers, constraints, datasets) are imported the first time they are used.

>>> from minitf import keras
>>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
>>> model.count_params()
4
"""

import importlib

from minitf.keras import backend, callbacks, layers, models, utils  # noqa: F401
from minitf.keras.layers import Input  # noqa: F401
from minitf.keras.models import Model, Sequential  # noqa: F401
from minitf.keras.utils.naming import KerasVariable as Variable  # noqa: F401

_LAZY = ("losses", "optimizers", "metrics", "initializers", "activations", "regularizers", "constraints", "datasets",
         "saving")


def __getattr__(name):
    """Import ``keras.losses`` and the other lazy namespaces on first use."""
    if name in _LAZY:
        return importlib.import_module(f"minitf.keras.{name}")
    raise AttributeError(f"module 'minitf.keras' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
