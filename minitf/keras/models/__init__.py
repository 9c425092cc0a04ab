"""``keras.models``: Model (subclassing and functional), Sequential, and saving.

    model.py          Model: compile, fit/evaluate/predict, train_step, summary, saving methods
    sequential.py     Sequential: a stack of layers
    compile_utils.py  what compile() makes of its loss and metrics arguments
    summary.py        the table model.summary() prints
    saving.py         save_weights/load_weights (.npz) and save/load_model
"""

from minitf.keras.models.model import Model
from minitf.keras.models.saving import load_model
from minitf.keras.models.sequential import Sequential


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Same as ``model.save(filepath)``."""
    model.save(filepath, overwrite=overwrite)


__all__ = ["Model", "Sequential", "load_model", "save_model"]
