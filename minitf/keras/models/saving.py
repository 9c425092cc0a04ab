"""Saving and loading: weights in one ``.weights.h5`` file, whole models as a small zip.

``save_weights`` writes every weight, in ``model.weights`` order, to a file whose
name ends in ``.weights.h5`` as Keras 3 requires; its content is a NumPy ``.npz``
archive of plain arrays, not HDF5 (no pickle: it is read back with
``allow_pickle=False``). The file is written to a temporary name beside the
target, then renamed over it, so a crash never leaves half a file.
``load_weights`` reads the whole file and checks it against the model (count,
shapes, dtypes) before assigning anything: a file that cannot be read raises an
``OSError`` saying what the file is, one that does not match a ``ValueError``,
and either way the model is left as it was.

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
from minitf.keras import layers
from minitf.keras.utils.serialization import (
    class_for,
    custom_object_scope,
    deserialize,
    get_registered_name,
    serialize,
    unknown_class_hint,
)
from minitf.tensor import TensorShape

_FORMAT_KEY = "__minitf_weights__"
_NAMES_KEY = "__names__"
_MODEL_FORMAT = "minitf.keras.model"


# -- weights ---------------------------------------------------------------------------------------
def _weights_arrays(model):
    if not model.built:
        raise ValueError(f"Unable to save the weights of model '{model.name}': it is not built yet, so it has no "
                         "weights. Call it on a batch of data (or model.build(input_shape)) first.")
    weights = model.weights
    arrays = {_FORMAT_KEY: np.array(1), _NAMES_KEY: np.array([_label(w) for w in weights], dtype=str)}
    for i, weight in enumerate(weights):
        arrays[f"weight_{i:04d}"] = weight.numpy()
    return arrays


def _label(weight):
    """A weight as messages name it: its Keras 3 path (``sequential/dense/kernel``), else its name."""
    return getattr(weight, "path", None) or weight.name


_WEIGHTS_SUFFIX = ".weights.h5"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _atomic_write(filepath, write, overwrite=True):
    """Call ``write(file)`` on a temporary file beside ``filepath``, then move it into place."""
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists; pass overwrite=True to replace it.")
    directory = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(directory):
        missing = os.path.dirname(filepath)
        raise FileNotFoundError(f"Unable to save to {filepath}: the directory {missing!r} does not exist.\n  "
                                f"Create it first: os.makedirs({missing!r}, exist_ok=True).")
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
    """Write ``model.weights`` to ``filepath`` (a name ending in ``.weights.h5``, as Keras 3 requires).

    Raises:
        ValueError: the name does not end in ``.weights.h5``, or the model is not built.
        FileNotFoundError: the directory does not exist (as Keras, minitf does not create it).
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith(_WEIGHTS_SUFFIX):
        raise ValueError(f"The filename must end in `{_WEIGHTS_SUFFIX}`. Received: filepath={filepath}\n  Name the "
                         f"file like 'model{_WEIGHTS_SUFFIX}' (minitf stores NumPy arrays in it, not HDF5).")
    arrays = _weights_arrays(model)
    _atomic_write(filepath, lambda file: np.savez(file, **arrays), overwrite)


def _read_weights(source, label):
    """The arrays of a weights file, in order, with their saved names; OSError if it is not one."""
    try:
        with np.load(source, allow_pickle=False) as data:
            contents = {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise OSError(f"Unable to load weights from {label}: {_what_it_is(source)}, not a minitf weights file (a "
                      f"NumPy .npz archive of arrays written by save_weights).\n  Reading it failed with: "
                      f"{error}") from None
    if _FORMAT_KEY not in contents:
        raise OSError(f"Unable to load weights from {label}: it is a NumPy .npz archive, but not one written by "
                      f"save_weights (keys found: {sorted(contents)[:8]}).")
    count = sum(1 for key in contents if key.startswith("weight_"))
    keys = [f"weight_{i:04d}" for i in range(count)]
    if any(key not in contents for key in keys):
        raise OSError(f"Unable to load weights from {label}: the file was written by save_weights but is damaged "
                      "(weights are missing).")
    names = [str(n) for n in contents.get(_NAMES_KEY, np.array([], dtype=str)).tolist()]
    names += ["?"] * (count - len(names))
    return [contents[key] for key in keys], names


def _what_it_is(source):
    """A few words on what a file that is not a weights file holds (for the error message)."""
    if isinstance(source, io.BytesIO):
        head = source.getvalue()[:8]
    else:
        with open(source, "rb") as file:
            head = file.read(8)
    if not head:
        return "the file is empty"
    if head.startswith(_HDF5_SIGNATURE):
        return "it is an HDF5 file (as Keras writes), which minitf does not read"
    if head.startswith(b"PK"):
        return "it is a zip archive that is damaged or truncated"
    return "it holds data of another kind"


def assign_checked(model, arrays, names, label):
    """Check every array against ``model.weights``, then assign them all (or none)."""
    if not model.built:
        raise ValueError(f"Unable to load weights into model '{model.name}': it is not built yet, so its weights do "
                         "not exist. Call it on a batch of data (or model.build(input_shape)) first.")
    weights = model.weights
    if len(arrays) != len(weights):
        raise ValueError(f"Weight file {label} holds {len(arrays)} weights, but model '{model.name}' has "
                         f"{len(weights)}.\n  The file was saved from a different architecture. File: {names}; "
                         f"model: {[_label(w) for w in weights]}.")
    for weight, array, name in zip(weights, arrays, names):
        if tuple(array.shape) != tuple(weight.shape):
            raise ValueError(f"Weight '{_label(weight)}' of model '{model.name}' has shape {tuple(weight.shape)}, but "
                             f"the matching array in {label} (saved as '{name}') has shape {tuple(array.shape)}. "
                             "No weight was changed.")
        if array.dtype != weight.dtype.as_numpy_dtype:
            raise ValueError(f"Weight '{_label(weight)}' of model '{model.name}' has dtype {weight.dtype.name}, "
                             f"but the matching array in {label} (saved as '{name}') has dtype {array.dtype}. "
                             "No weight was changed.")
    for weight, array in zip(weights, arrays):
        weight.assign(array)


def load_weights(model, filepath):
    """Load a file written by ``save_weights`` (or a ``.keras`` model file) into ``model``, all or nothing.

    Raises:
        ValueError: a name Keras 3 does not load weights from, or weights that do not match the model.
        FileNotFoundError, IsADirectoryError, OSError: no file there, a directory, or a file that is
            not a weights file (empty, truncated, corrupt, another format).
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith((_WEIGHTS_SUFFIX, ".keras")):
        raise ValueError(f"File format not supported: filepath={filepath}. Keras 3 only supports V3 `.keras` and "
                         f"`{_WEIGHTS_SUFFIX}` files.\n  Load the file save_weights wrote (a name ending in "
                         f"{_WEIGHTS_SUFFIX}) or one model.save wrote (.keras).")
    if os.path.isdir(filepath):
        raise IsADirectoryError(f"Unable to load weights from {filepath}: it is a directory, not a weights file.")
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"Unable to load weights: no file found at {filepath}.")
    if filepath.endswith(".keras"):
        arrays, names = _read_weights(io.BytesIO(_read_model_archive(filepath)[1]), filepath)
    else:
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
    name = config["class_name"]
    cls = class_for(config) or getattr(layers, name, None) or _model_classes().get(name)
    if cls is None or not isinstance(cls, type):
        raise ValueError(f"Unknown layer: '{name}'.{unknown_class_hint(name)}")
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
    if not str(filepath).endswith((".keras", ".h5", ".hdf5")):  # as Keras 3: the name says the format
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` extension for the native "
                         f"Keras format (recommended) or a `.h5` extension. Received: filepath={filepath}.\n  minitf "
                         "writes the same file for both; use a name ending in .keras.")
    arrays = _weights_arrays(model)
    shape = model._build_input_shape
    config = {
        "format": _MODEL_FORMAT, "version": 1, "class_name": type(model).__name__, "config": model.get_config(),
        "registered_name": get_registered_name(type(model)),
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


def _read_model_archive(filepath):
    """The config and the weights file held in a ``.keras`` zip written by ``save_model``."""
    try:
        with zipfile.ZipFile(filepath) as archive:
            config = json.loads(archive.read("config.json"))
            weights = archive.read("model.weights.npz")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ValueError(f"{filepath} is not a model saved by minitf's model.save(): {error}") from None
    if config.get("format") != _MODEL_FORMAT:
        raise ValueError(f"{filepath} is not a model saved by minitf's model.save().")
    return config, weights


def _shape_lists(shape):
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
    config, weights = _read_model_archive(filepath)
    with custom_object_scope(custom_objects):
        name = config["class_name"]
        cls = class_for(config) or _model_classes().get(name)
        if cls is None:
            raise ValueError(f"Unknown model class: '{name}'. Pass it to load_model in "
                             f"custom_objects={{'{name}': {name}}}, or register it with "
                             "@keras.saving.register_keras_serializable().")
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
