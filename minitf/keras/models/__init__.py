"""``keras.models``: Model (subclassing and functional), Sequential, and saving.

    model.py          Model: Trainer (keras/trainers) plus Layer; building, layers, summary, saving methods
    functional.py     Functional: keras.Model(inputs, outputs), a graph of layer calls
    sequential.py     Sequential: a stack of layers
    summary.py        the table model.summary() prints
    saving.py         save_weights/load_weights (.weights.h5 files of NumPy arrays) and save/load_model
"""

from minitf.keras.models.functional import Functional
from minitf.keras.models.model import Model
from minitf.keras.models.saving import load_model
from minitf.keras.models.sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture as a Sequential or functional ``model`` and fresh weights.

    Copy the weights with ``clone.set_weights(model.get_weights())`` if you want them too.

    Raises:
        ValueError: a subclassed model, whose architecture lives in Python code, not in a config.
    """
    if not isinstance(model, Sequential) and not model._is_graph_network:
        raise ValueError(f"Expected `model` to be a functional `Model` or a `Sequential` model, but got a subclassed "
                         f"model ({type(model).__name__}): create a new instance of its class instead.")
    if input_tensors is not None or clone_function is not None:
        raise ValueError("minitf's clone_model copies the architecture as it is: input_tensors and clone_function "
                         "are not supported.")
    return type(model).from_config(model.get_config())


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Same as ``model.save(filepath)``."""
    model.save(filepath, overwrite=overwrite)


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "save_model"]
