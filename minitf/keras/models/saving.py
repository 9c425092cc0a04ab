"""Saving and loading: weights as one ``.npz`` file of plain arrays, whole models as a small zip.

``save_weights`` writes every weight, in ``model.weights`` order, to a NumPy
``.npz`` file (no pickle: it is read back with ``allow_pickle=False``). The file
is written to a temporary name beside the target, then renamed over it, so a
crash never leaves half a file. ``load_weights`` checks the whole file against
the model (count, shapes, dtypes) before assigning anything: a file that does
not match raises a clear error and leaves the model as it was.

``save``/``load_model`` store a zip with ``config.json`` (the architecture and
the ``compile`` arguments, as JSON) and ``model.weights.npz``. Optimizer state
(momentum, Adam's moments) is not saved.
"""

import io
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

from minitf import nest
from minitf.keras.utils.serialization import custom_object_scope, deserialize, get_custom_objects, serialize

_FORMAT_KEY = "__minitf_weights__"
_NAMES_KEY = "__names__"
_MODEL_FORMAT = "minitf.keras.model"


# -- weights ---------------------------------------------------------------------------------------
def _weights_arrays(model):
    if not model.built:
        raise ValueError(f"Unable to save the weights of model '{model.name}': it is not built yet, so it has no "
                         "weights. Call it on a batch of data (or model.build(input_shape)) first.")
    weights = model.weights
    arrays = {_FORMAT_KEY: np.array(1), _NAMES_KEY: np.array([w.name for w in weights], dtype=str)}
    for i, weight in enumerate(weights):
        arrays[f"weight_{i:04d}"] = weight.numpy()
    return arrays


def _atomic_write(filepath, write, overwrite=True):
    """Call ``write(file)`` on a temporary file beside ``filepath``, then move it into place."""
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists; pass overwrite=True to replace it.")
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-" + os.path.basename(filepath) + "-")
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, filepath)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def save_weights(model, filepath, overwrite=True):
    """Write ``model.weights`` to ``filepath`` as an ``.npz`` of arrays (exactly that path, no suffix added)."""
    arrays = _weights_arrays(model)
    _atomic_write(filepath, lambda file: np.savez(file, **arrays), overwrite)


def _read_weights(source, label):
    """The arrays of a weights file, in order, with their saved names; raises ValueError if it is not one."""
    try:
        with np.load(source, allow_pickle=False) as data:
            contents = {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise ValueError(f"Unable to load weights from {label}: it is not a minitf weights file (an .npz of "
                         f"plain arrays written by save_weights). Reading it failed with: {error}") from None
    if _FORMAT_KEY not in contents:
        raise ValueError(f"Unable to load weights from {label}: it is an .npz file but not one written by "
                         f"save_weights (keys found: {sorted(contents)[:8]}).")
    count = sum(1 for key in contents if key.startswith("weight_"))
    keys = [f"weight_{i:04d}" for i in range(count)]
    if any(key not in contents for key in keys):
        raise ValueError(f"Unable to load weights from {label}: the file is damaged (weights are missing).")
    names = [str(n) for n in contents.get(_NAMES_KEY, np.array([], dtype=str)).tolist()]
    names += ["?"] * (count - len(names))
    return [contents[key] for key in keys], names


def assign_checked(model, arrays, names, label):
    """Check every array against ``model.weights``, then assign them all (or none)."""
    if not model.built:
        raise ValueError(f"Unable to load weights into model '{model.name}': it is not built yet, so its weights do "
                         "not exist. Call it on a batch of data (or model.build(input_shape)) first.")
    weights = model.weights
    if len(arrays) != len(weights):
        raise ValueError(f"Weight file {label} holds {len(arrays)} weights, but model '{model.name}' has "
                         f"{len(weights)}.\n  The file was saved from a different architecture. File: {names}; "
                         f"model: {[w.name for w in weights]}.")
    for weight, array, name in zip(weights, arrays, names):
        if tuple(array.shape) != tuple(weight.shape):
            raise ValueError(f"Weight '{weight.name}' of model '{model.name}' has shape {tuple(weight.shape)}, but "
                             f"the matching array in {label} (saved as '{name}') has shape {tuple(array.shape)}. "
                             "No weight was changed.")
        if array.dtype != weight.dtype.as_numpy_dtype:
            raise ValueError(f"Weight '{weight.name}' of model '{model.name}' has dtype {weight.dtype.name}, but the "
                             f"matching array in {label} (saved as '{name}') has dtype {array.dtype}. "
                             "No weight was changed.")
    for weight, array in zip(weights, arrays):
        weight.assign(array)


def load_weights(model, filepath):
    """Load a file written by ``save_weights`` into ``model``; on any mismatch raise and change nothing."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"Unable to load weights: no file found at {filepath}.")
    arrays, names = _read_weights(filepath, filepath)
    assign_checked(model, arrays, names, filepath)


# -- layers from configs ----------------------------------------------------------------------------
def _model_classes():
    """The built-in model classes by the name a saved config gives them (imported here: they import this module)."""
    from minitf.keras.models.functional import Functional
    from minitf.keras.models.sequential import Sequential

    return {"Sequential": Sequential, "Functional": Functional, "Model": Functional}  # "Model": older saves


def deserialize_layer(config):
    """A layer (or model) from ``{"class_name": ..., "config": ...}``; custom classes via ``custom_objects``."""
    from minitf.keras import layers

    name = config["class_name"]
    cls = get_custom_objects().get(name) or getattr(layers, name, None) or _model_classes().get(name)
    if cls is None or not isinstance(cls, type):
        raise ValueError(f"Unknown layer: '{name}'. If it is your own class, pass it to load_model in "
                         f"custom_objects={{'{name}': {name}}}.")
    return cls.from_config(config.get("config", {}))


# -- whole models -------------------------------------------------------------------------------------
def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return serialize(value)


def _compile_config(model):
    if not model._is_compiled:
        return None
    config = dict(model._compile_config)
    config["optimizer"] = serialize(model.optimizer)
    return config


def save_model(model, filepath, overwrite=True):
    """Save architecture, weights and compile arguments of ``model`` to one zip file at ``filepath``."""
    arrays = _weights_arrays(model)
    shape = model._build_input_shape
    config = {
        "format": _MODEL_FORMAT, "version": 1, "class_name": type(model).__name__, "config": model.get_config(),
        "build_input_shape": None if shape is None else _shape_lists(shape),
        "compile_config": _compile_config(model),
    }
    text = json.dumps(config, default=_json_default, indent=1)
    weights = io.BytesIO()
    np.savez(weights, **arrays)

    def write(file):
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("config.json", text)
            archive.writestr("model.weights.npz", weights.getvalue())

    _atomic_write(filepath, write, overwrite)


def _shape_lists(shape):
    from minitf.tensor import TensorShape

    if isinstance(shape, TensorShape):
        return [shape.as_list()]
    return [s.as_list() for s in nest.flatten(shape)]


def load_model(filepath, custom_objects=None, compile=True):  # noqa: A002 - Keras's argument name
    """Re-create a model saved with ``model.save``: architecture, weights, and (``compile=True``) compile arguments.

    Args:
        filepath: the file written by ``model.save``.
        custom_objects: ``{name: class or function}`` for your own layers, models, losses, metrics
            and the functions of ``Lambda`` layers.
        compile: compile the model again with the saved optimizer, loss and metrics.

    Raises:
        ValueError: the file is not a saved minitf model, or names an unknown class.
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file or directory found at {filepath}")
    try:
        with zipfile.ZipFile(filepath) as archive:
            config = json.loads(archive.read("config.json"))
            weights = archive.read("model.weights.npz")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ValueError(f"{filepath} is not a model saved by minitf's model.save(): {error}") from None
    if config.get("format") != _MODEL_FORMAT:
        raise ValueError(f"{filepath} is not a model saved by minitf's model.save().")
    with custom_object_scope(custom_objects):
        name = config["class_name"]
        cls = get_custom_objects().get(name) or _model_classes().get(name)
        if cls is None:
            raise ValueError(f"Unknown model class: '{name}'. Pass it to load_model in "
                             f"custom_objects={{'{name}': {name}}}.")
        model = cls.from_config(config["config"])
        shapes = config.get("build_input_shape")
        if not model.built and shapes is not None:
            model.build(tuple(shapes[0]) if len(shapes) == 1 else [tuple(s) for s in shapes])
        arrays, names = _read_weights(io.BytesIO(weights), filepath)
        assign_checked(model, arrays, names, filepath)
        compile_config = config.get("compile_config")
        if compile and compile_config is not None:
            _restore_compile(model, compile_config)
    return model


def _restore_compile(model, config):
    def load(identifier, namespace):
        return deserialize(identifier, namespace) if isinstance(identifier, dict) else identifier

    try:
        metrics = config.get("metrics")
        weighted = config.get("weighted_metrics")
        model.compile(optimizer=load(config.get("optimizer"), "optimizers"), loss=load(config.get("loss"), "losses"),
                      metrics=None if metrics is None else [load(m, "metrics") for m in
                                                            (metrics if isinstance(metrics, list) else [metrics])],
                      weighted_metrics=None if weighted is None else [load(m, "metrics") for m in weighted])
    except (ValueError, TypeError, AttributeError) as error:
        warnings.warn(f"The model was loaded but could not be compiled again ({error}). Call model.compile() "
                      "yourself, or pass the missing objects in custom_objects.", stacklevel=3)
