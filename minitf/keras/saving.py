"""``keras.saving``: saving and loading models, and the registry of your own classes, as Keras 3's namespace.

``register_keras_serializable`` (also ``keras.utils.register_keras_serializable``) registers a class or
function under ``"package>name"``, so ``load_model`` finds it without ``custom_objects``. The files
themselves are written by ``keras/models/saving.py``.
"""

from minitf.keras.models.saving import load_model, load_weights, save_model, save_weights
from minitf.keras.utils.serialization import (
           CustomObjectScope,
           custom_object_scope,
           get_custom_objects,
           get_registered_name,
           get_registered_object,
           register_keras_serializable,
)

__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
           "get_registered_object", "load_model", "load_weights", "register_keras_serializable", "save_model",
           "save_weights"]
