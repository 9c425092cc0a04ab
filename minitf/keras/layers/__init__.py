"""``keras.layers``: the ``Layer`` base class and the layers built on it.

    base.py           Layer: build/call, weight and sub-layer tracking, losses, configs
    input_layer.py    Input, InputLayer, and the KerasTensor of the functional API
    core.py           Dense, Activation, Flatten, Reshape, Dropout, Lambda, Concatenate, Add
    activation_layers.py  ReLU, LeakyReLU, ELU, Softmax (activations with settings)
    normalization.py  BatchNormalization, LayerNormalization
"""

from minitf.keras.layers.activation_layers import ELU, LeakyReLU, ReLU, Softmax
from minitf.keras.layers.base import Layer
from minitf.keras.layers.core import (
    Activation,
    Add,
    Concatenate,
    Dense,
    Dropout,
    Flatten,
    Lambda,
    Reshape,
    add,
    concatenate,
)
from minitf.keras.layers.input_layer import Input, InputLayer, KerasTensor
from minitf.keras.layers.normalization import BatchNormalization, LayerNormalization
from minitf.unsupported import LATER_LAYERS, later_layer_error

__all__ = ["Layer", "Dense", "Activation", "Flatten", "Reshape", "Dropout", "Lambda", "Concatenate", "Add",
           "concatenate", "add", "Input", "InputLayer", "KerasTensor", "BatchNormalization", "LayerNormalization",
           "ReLU", "LeakyReLU", "ELU", "Softmax"]


def __getattr__(name):
    """Keras's convolution and pooling layers come in the book's later chapters: one clear error each."""
    if name in LATER_LAYERS:
        raise later_layer_error(name)
    raise AttributeError(f"module 'minitf.keras.layers' has no attribute {name!r}")
