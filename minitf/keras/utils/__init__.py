"""``keras.utils``: the progress bar, data helpers, custom-object scopes and the registry of custom objects."""

from minitf.keras.utils.data import pack_x_y_sample_weight, unpack_x_y_sample_weight
from minitf.keras.utils.progbar import Progbar
from minitf.keras.utils.serialization import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)

__all__ = ["Progbar", "pack_x_y_sample_weight", "unpack_x_y_sample_weight", "CustomObjectScope",
           "custom_object_scope", "get_custom_objects", "get_registered_name", "get_registered_object",
           "register_keras_serializable", "set_random_seed", "to_categorical"]


def set_random_seed(seed):
    """Seed minitf's and NumPy's random generators, as ``keras.utils.set_random_seed``."""
    import random

    import numpy as np

    import minitf

    random.seed(seed)
    np.random.seed(seed)
    minitf.random.set_seed(seed)


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encode integer class labels as a NumPy array, as ``keras.utils.to_categorical``.

    >>> to_categorical([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)

    Raises:
        ValueError: labels that are not integers, negative, or not below ``num_classes``.
    """
    import numpy as np

    labels = np.asarray(y.numpy() if hasattr(y, "numpy") else y)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.size and (labels.dtype.kind not in "iub" and not np.all(labels == np.round(labels))):
        raise ValueError(f"to_categorical expects integer class labels, got values like {labels.ravel()[:3]}.")
    labels = labels.astype(np.int64)
    num_classes = int(labels.max()) + 1 if num_classes is None and labels.size else int(num_classes or 0)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"Class labels must be in [0, {num_classes}), got values from {labels.min()} to "
                         f"{labels.max()}.")
    return np.eye(num_classes, dtype=dtype)[labels]
