"""Turning layer arguments (initializers, activations...) into JSON-able configs and back.

A string stays a string, a function becomes its name, an object with
``get_config`` becomes ``{"class_name": ..., "config": ...}``. Going back,
names are looked up in the custom objects in scope first (``custom_objects``
of ``load_model``, or ``CustomObjectScope``), then in the namespace's ``get``.
"""

import contextlib
import importlib

_custom_objects = [{}]


@contextlib.contextmanager
def custom_object_scope(*scopes):
    """Make the names in the given dicts known while loading, as ``keras.utils.custom_object_scope``."""
    merged = dict(_custom_objects[-1])
    for scope in scopes:
        merged.update(scope or {})
    _custom_objects.append(merged)
    try:
        yield merged
    finally:
        _custom_objects.pop()


CustomObjectScope = custom_object_scope


def get_custom_objects():
    """The custom objects in scope now (a dict from name to class or function)."""
    return _custom_objects[-1]


def serialize(obj):
    """A JSON-able description of ``obj`` (a name, or a class name with its config)."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if hasattr(obj, "get_config") and not isinstance(obj, type):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    name = getattr(obj, "__name__", None)
    if name is None:
        raise TypeError(f"Cannot serialize {obj!r}: give it a get_config() method or use a named function.")
    return name


_KINDS = {"losses": "loss function", "metrics": "metric", "optimizers": "optimizer", "activations": "activation",
          "initializers": "initializer", "regularizers": "regularizer", "constraints": "constraint", "layers": "layer"}


def deserialize(identifier, namespace):
    """The object ``identifier`` describes, looked up in the custom objects, then in ``keras.<namespace>``.

    Args:
        identifier: a name, a ``{"class_name", "config"}`` dict, an object (returned as is) or None.
        namespace: ``"initializers"``, ``"activations"``, ``"regularizers"``, ``"constraints"``...
    """
    if identifier is None:
        return None
    custom = get_custom_objects()
    module = importlib.import_module(f"minitf.keras.{namespace}")
    if isinstance(identifier, dict) and "class_name" in identifier:
        name, config = identifier["class_name"], identifier.get("config", {})
        cls = custom.get(name) or getattr(module, name, None)
        if cls is None:
            kind = _KINDS.get(namespace, namespace)
            raise ValueError(f"Unknown {kind}: '{name}'. If it is your own class, pass it to load_model in "
                             f"custom_objects={{'{name}': {name}}}.")
        return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
    if isinstance(identifier, str) and identifier in custom:
        return custom[identifier]
    return module.get(identifier)


def checked(identifier, namespace):
    """``identifier`` unchanged, once it is known to resolve in ``namespace``: layers check theirs when made.

    Keras resolves a layer's initializers, regularizers and constraints in ``__init__``, so a
    misspelled name fails where it was written, not at the first call.
    """
    deserialize(identifier, namespace)
    return identifier
