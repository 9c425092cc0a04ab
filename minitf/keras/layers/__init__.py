"""``keras.layers``: the ``Layer`` base class and the layers built on it.

    base.py           Layer: build/call, weight and sub-layer tracking, losses, configs
    input_layer.py    Input, InputLayer, and the KerasTensor of the functional API
    core.py           Dense, Activation, Flatten, Reshape, Dropout, Lambda, Concatenate, Add
    normalization.py  BatchNormalization, LayerNormalization
"""

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

__all__ = ["Layer", "Dense", "Activation", "Flatten", "Reshape", "Dropout", "Lambda", "Concatenate", "Add",
           "concatenate", "add", "Input", "InputLayer", "KerasTensor", "BatchNormalization", "LayerNormalization"]
