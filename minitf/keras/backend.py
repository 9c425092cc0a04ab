"""A small ``keras.backend``: the default float type and ``clear_session``.

Layer names (``dense``, ``dense_1``...) come from per-session counters kept here;
``clear_session()`` resets them so a notebook re-run prints the same names.
"""

import re

_FLOATX = "float32"
_NAME_COUNTS = {}


def floatx():
    """The dtype name new layers use for their weights and inputs: ``"float32"``."""
    return _FLOATX


def set_floatx(value):
    """Make ``value`` (``"float16"``, ``"float32"`` or ``"float64"``) the default float type."""
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown floatx type: {value!r}. Expected 'float16', 'float32' or 'float64'.")
    _FLOATX = value


def epsilon():
    """The small constant Keras adds to avoid dividing by zero: ``1e-7``."""
    return 1e-7


def clear_session():
    """Forget the layer-name counters, so the next ``Dense`` is called ``dense`` again."""
    _NAME_COUNTS.clear()


def to_snake_case(name):
    """``"BatchNormalization"`` -> ``"batch_normalization"``, as Keras names layers."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    return name.lstrip("_") or "layer"


def unique_name(base):
    """``base`` the first time, then ``base_1``, ``base_2``... within a session."""
    count = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"
