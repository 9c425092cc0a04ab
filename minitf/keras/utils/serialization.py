"""Turning layer arguments (initializers, activations...) into JSON-able configs and back, and the custom objects.

A string stays a string, a function becomes its name, an object with
``get_config`` becomes ``{"class_name": ..., "config": ...}`` (plus its
``"registered_name"`` when its class is registered). Going back, names are
looked up in the custom objects first: those in scope (``custom_objects`` of
``load_model``, or ``custom_object_scope``) and those registered for good
(``register_keras_serializable``, or added to ``get_custom_objects()``), then
in the namespace's ``get``.
"""

import contextlib
import importlib
import inspect

_GLOBAL_CUSTOM_OBJECTS = {}  # registered name -> class or function: what get_custom_objects() returns
_GLOBAL_CUSTOM_NAMES = {}  # class or function -> its registered name, "package>name"
_custom_objects = [_GLOBAL_CUSTOM_OBJECTS]  # the scopes: each a dict of everything known inside it


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
    """The dict of custom objects, name -> class or function, as ``keras.saving.get_custom_objects``.

    Outside any ``custom_object_scope`` it is the live global dict: what ``register_keras_serializable``
    registered, and what you add to it (``get_custom_objects()["MyLayer"] = MyLayer``). Inside a scope it
    also holds the scope's objects (Keras 3 leaves those out).
    """
    return _custom_objects[-1]


def register_keras_serializable(package="Custom", name=None):
    """A decorator that registers a class or function under ``"package>name"``, so saved models find it.

    A model that holds a registered layer (or is a registered class itself) loads with
    ``load_model`` without ``custom_objects``, as in Keras 3. ``name`` defaults to the class's (or
    function's) own name. A class must have ``get_config``.

    >>> from minitf import keras
    >>> @register_keras_serializable(package="my_package")
    ... class Scale(keras.layers.Layer):
    ...     pass
    >>> get_registered_name(Scale), get_registered_object("my_package>Scale") is Scale
    ('my_package>Scale', True)

    Raises:
        ValueError: a class without a ``get_config`` method.
    """

    def decorator(arg):
        registered_name = f"{package}>{name if name is not None else arg.__name__}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.\n"
                             f"  Give {arg.__name__} a get_config() that returns its constructor arguments.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj):
    """The name ``obj`` was registered under (``"Custom>MyLayer"``), else its own ``__name__``."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, obj.__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function known as ``name``: in scope, registered, in ``custom_objects``, in ``module_objects``.

    Returns None when none of them has it.
    """
    for table in (get_custom_objects(), _GLOBAL_CUSTOM_OBJECTS, custom_objects, module_objects):
        if table and name in table:
            return table[name]
    return None


def class_for(config, module_objects=None):
    """The class a ``{"class_name", "config"}`` dict names: its registered name first, then its class name."""
    registered = config.get("registered_name")
    found = get_registered_object(registered) if registered else None
    return found or get_registered_object(config["class_name"], module_objects=module_objects)


def unknown_class_hint(name):
    """The end of an "Unknown ...: 'MyLayer'" error: how to make the class known (or register it for good)."""
    return f" If it is your own class, pass it to load_model in custom_objects={{'{name}': {name}}}."


def serialize(obj):
    """A JSON-able description of ``obj`` (a name, or a class name with its config)."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if hasattr(obj, "get_config") and not isinstance(obj, type):
        config = {"class_name": type(obj).__name__, "config": obj.get_config()}
        if type(obj) in _GLOBAL_CUSTOM_NAMES:
            config["registered_name"] = _GLOBAL_CUSTOM_NAMES[type(obj)]
        return config
    name = getattr(obj, "__name__", None)
    if name is None:
        raise TypeError(f"Cannot serialize {obj!r}: give it a get_config() method or use a named function.")
    return _GLOBAL_CUSTOM_NAMES.get(obj, name)  # a registered function by its registered name


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
        cls = class_for(identifier) or getattr(module, name, None)
        if cls is None:
            raise ValueError(f"Unknown {_KINDS.get(namespace, namespace)}: '{name}'.{unknown_class_hint(name)}")
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
