"""``keras.utils``: the progress bar, data helpers and custom-object scopes."""

from minitf.keras.utils.data import pack_x_y_sample_weight, unpack_x_y_sample_weight
from minitf.keras.utils.progbar import Progbar
from minitf.keras.utils.serialization import CustomObjectScope, custom_object_scope, get_custom_objects

__all__ = ["Progbar", "pack_x_y_sample_weight", "unpack_x_y_sample_weight", "CustomObjectScope",
           "custom_object_scope", "get_custom_objects", "set_random_seed"]


def set_random_seed(seed):
    """Seed minitf's and NumPy's random generators, as ``keras.utils.set_random_seed``."""
    import random

    import numpy as np

    import minitf

    random.seed(seed)
    np.random.seed(seed)
    minitf.random.set_seed(seed)
