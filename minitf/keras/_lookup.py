"""How Keras turns an identifier (a string, a config dict, a callable) into an object.

Every ``get`` in minitf.keras (activations, initializers, losses, metrics,
optimizers, regularizers, constraints) calls ``resolve`` with its own table of
names, so they all accept the same kinds of identifier and fail the same way.
"""

import difflib
import inspect


def resolve(identifier, table, kind):
    """Return the object ``identifier`` names in ``table``; classes found by name are instantiated.

    Args:
        identifier: a name in ``table`` (``"relu"``), a config dict
            ``{"class_name": ..., "config": {...}}``, or an object that is already usable (a callable).
        table: name -> function or class.
        kind: what is being looked up (``"activation"``), for the error message.

    Raises:
        ValueError: an unknown name, with the closest known names; or a value that is not callable.
    """
    if isinstance(identifier, str):
        if identifier not in table:
            close = difflib.get_close_matches(identifier, table, n=3)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise ValueError(
                f"Could not interpret {kind} identifier: {identifier!r}\n"
                f"  Known names: {', '.join(sorted(table))}.{hint}"
            )
        found = table[identifier]
        return found() if inspect.isclass(found) else found
    if isinstance(identifier, dict):
        return deserialize(identifier, table, kind)
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}\n"
        f"  Pass a name such as {next(iter(table))!r}, an instance, or a callable."
    )


def deserialize(config, table, kind):
    """Build an object from ``{"class_name": name, "config": {...}}`` (what ``serialize`` returns)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret serialized {kind}: {config!r}\n"
                         "  Expected a dict with keys 'class_name' and 'config'.")
    name = config["class_name"]
    if name not in table:
        raise ValueError(f"Unknown {kind}: {name!r}. Please ensure it is one of: {', '.join(sorted(table))}.")
    found = table[name]
    if not inspect.isclass(found):
        return found
    return found.from_config(config.get("config", {})) if hasattr(found, "from_config") else found(
        **config.get("config", {}))


def snake_case(name):
    """``"MeanSquaredError"`` -> ``"mean_squared_error"``: the default name of a loss or metric."""
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


def serialize(obj):
    """``{"class_name": ..., "config": obj.get_config()}`` for objects, the name for plain functions."""
    if obj is None:
        return None
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return obj.__name__
    return {"class_name": type(obj).__name__, "config": obj.get_config()}
