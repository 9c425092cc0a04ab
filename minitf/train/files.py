"""minitf's checkpoint files: ``PREFIX.index`` (JSON) and ``PREFIX.data-00000-of-00001`` (a NumPy ``.npz``).

The two names are TensorFlow's, the contents are minitf's own and hold data only:
the index is JSON (the object graph, and each saved tensor's key, dtype, shape
and entry in the data file), the data file a NumPy ``.npz`` archive of plain
arrays read back with ``allow_pickle=False``. Each file is written to a
temporary name and renamed into place, the data first, so an index on disk
always has its data. ``CheckpointReader`` reads both and checks every tensor
against the index before anything uses them: a missing, truncated or corrupt
file raises ``NotFoundError`` or ``DataLossError`` naming the file.
"""

import json
import os
import tempfile
import zipfile
import zlib

import numpy as np

from minitf import dtypes
from minitf.errors import DataLossError, NotFoundError
from minitf.train.graph import OBJECT_GRAPH_KEY

INDEX_SUFFIX = ".index"
DATA_SUFFIX = ".data-00000-of-00001"
_FORMAT = "minitf.checkpoint"
_VERSION = 1


def _atomic_write(path, write):
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``."""
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)),
                                     prefix=".tmp-" + os.path.basename(path) + "-")
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write(prefix, nodes, values):
    """Write a checkpoint of ``values`` (``{key: Variable}``) with the object graph ``nodes`` at ``prefix``."""
    prefix = os.fspath(prefix)
    directory = os.path.dirname(os.path.abspath(prefix))
    os.makedirs(directory, exist_ok=True)
    arrays, tensors = {}, {}
    for i, (key, variable) in enumerate(values.items()):
        entry = f"t{i}"
        arrays[entry] = variable.numpy()
        tensors[key] = {"dtype": variable.dtype.name, "shape": list(arrays[entry].shape), "entry": entry}
    index = {"format": _FORMAT, "version": _VERSION, "nodes": nodes, "tensors": tensors}
    _atomic_write(prefix + DATA_SUFFIX, lambda file: np.savez(file, **arrays))
    text = json.dumps(index, indent=1).encode()
    _atomic_write(prefix + INDEX_SUFFIX, lambda file: file.write(text))
    return prefix


def exists(prefix):
    """Whether a checkpoint (its index) is at ``prefix``."""
    return os.path.isfile(os.fspath(prefix) + INDEX_SUFFIX)


def remove(prefix):
    """Delete the files of the checkpoint at ``prefix`` (those that exist)."""
    for suffix in (INDEX_SUFFIX, DATA_SUFFIX):
        if os.path.exists(prefix + suffix):
            os.remove(prefix + suffix)


def _not_found(prefix):
    hint = "Pass the prefix that save() or write() returned (e.g. 'ckpts/ckpt-1')."
    for suffix in (INDEX_SUFFIX, DATA_SUFFIX):
        if os.path.isfile(prefix) and prefix.endswith(suffix):
            hint = f"Pass the prefix without the file's suffix: {prefix[:-len(suffix)]!r}."
            return NotFoundError(f"Unsuccessful TensorSliceReader constructor: Failed to find any matching files for "
                                 f"{prefix}", hint=hint)
    if os.path.isdir(os.path.dirname(prefix) or "."):
        base = os.path.basename(prefix)
        near = sorted(name[:-len(INDEX_SUFFIX)] for name in os.listdir(os.path.dirname(prefix) or ".")
                      if name.startswith(base) and name.endswith(INDEX_SUFFIX))
        if near:
            hint = (f"You may be missing the checkpoint suffix: checkpoints found there are {near}. "
                    "minitf.train.latest_checkpoint(directory) gives the newest.")
    return NotFoundError(f"Unsuccessful TensorSliceReader constructor: Failed to find any matching files for "
                         f"{prefix}", hint=hint)


class CheckpointReader:
    """The contents of one checkpoint, read and checked in full: keys, dtypes, shapes and values.

    Returned by ``minitf.train.load_checkpoint``, as TensorFlow's ``CheckpointReader``.

    Raises:
        NotFoundError: there is no checkpoint at ``prefix``, or its data file is missing.
        DataLossError: a file is damaged: not JSON, not a ``.npz``, or arrays that do not match the index.
    """

    def __init__(self, prefix):
        prefix = os.fspath(prefix)
        self.prefix = prefix
        index_path, data_path = prefix + INDEX_SUFFIX, prefix + DATA_SUFFIX
        if not os.path.isfile(index_path):
            raise _not_found(prefix)
        index = self._read_index(index_path)
        if not os.path.isfile(data_path):
            raise NotFoundError(f"{data_path}; No such file or directory",
                                hint=f"The checkpoint's index is there but its data file is not: copy both files "
                                     f"of {prefix!r}.")
        try:
            with np.load(data_path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, NotImplementedError, zlib.error) as error:
            # NotImplementedError: zipfile's answer to a damaged header (an unknown "zip file version")
            raise DataLossError(f"Unable to read {data_path}: Data loss: the data file is damaged or not a NumPy "
                                f".npz archive ({error}).",
                                hint="Save the checkpoint again; a data file is never rewritten in place.") from None
        self._dtypes, self._shapes, self._values = {}, {}, {}
        for key, spec in index["tensors"].items():
            array = arrays.get(spec["entry"])
            if array is None or array.dtype != spec["dtype"].as_numpy_dtype or list(array.shape) != spec["shape"]:
                found = "nothing" if array is None else f"{array.dtype} {list(array.shape)}"
                raise DataLossError(f"Unable to read {data_path}: Data loss: '{key}' is saved as "
                                    f"{spec['dtype'].name} {spec['shape']} in the index but the data file holds "
                                    f"{found}.",
                                    hint="The data file does not belong to this index; save the checkpoint again.")
            self._dtypes[key], self._shapes[key], self._values[key] = spec["dtype"], list(array.shape), array
        self.nodes = index["nodes"]

    def _read_index(self, index_path):
        """The index, checked through: its header, each tensor's dtype and shape, each node's edges and key."""
        try:
            with open(index_path, "rb") as file:
                self._index_text = file.read()
            index = json.loads(self._index_text)
            if not isinstance(index, dict) or index.get("format") != _FORMAT:
                raise ValueError("no minitf checkpoint header")
            tensors = {str(key): {"entry": str(spec["entry"]), "dtype": dtypes.as_dtype(spec["dtype"]),
                                  "shape": [int(d) for d in spec["shape"]]} for key, spec in index["tensors"].items()}
            nodes = index["nodes"]
            for node in nodes:
                edges = list(node["children"].values())
                edges += [i for entry in node.get("slot_variables", ()) for i in (entry["original"], entry["node"])]
                if any(type(i) is not int or not 0 <= i < len(nodes) for i in edges) or any(
                        not isinstance(entry["slot"], str) for entry in node.get("slot_variables", ())):
                    raise ValueError("an edge leads to no object")
                if node.get("key") is not None and node["key"] not in tensors:
                    raise ValueError(f"no tensor is saved for {node['key']!r}")
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as error:
            raise DataLossError(f"Unable to open table file {index_path}: Data loss: not a minitf checkpoint index "
                                f"({error}): perhaps your file is in a different file format",
                                hint="A minitf checkpoint is the pair PREFIX.index (JSON) and "
                                     "PREFIX.data-00000-of-00001 that Checkpoint.save or write made; TensorFlow's "
                                     "own checkpoints cannot be read.") from None
        return {"tensors": tensors, "nodes": nodes}

    def get_variable_to_shape_map(self):
        """``{key: shape as a list}`` for every saved tensor (and the object graph, shape ``[]``)."""
        return {OBJECT_GRAPH_KEY: [], **{key: list(shape) for key, shape in self._shapes.items()}}

    def get_variable_to_dtype_map(self):
        """``{key: DType}`` for every saved tensor."""
        return dict(self._dtypes)

    def has_tensor(self, key):
        return key in self._values or key == OBJECT_GRAPH_KEY

    def array(self, key):
        """The saved array of ``key`` itself, not a copy (for restoring, which copies it into the variable)."""
        return self._values[key]

    def get_tensor(self, key):
        """The saved value of ``key`` as a NumPy array (the object graph as minitf's JSON bytes).

        Raises:
            NotFoundError: no tensor is saved under ``key``.
        """
        if key == OBJECT_GRAPH_KEY:
            return self._index_text
        if key not in self._values:
            keys = sorted(self._values)
            near = [k for k in keys if k.startswith(key.rstrip("/") + "/")] or keys[:10]
            raise NotFoundError(f"Key {key} not found in checkpoint",
                                hint=f"Keys saved in {self.prefix} include: {near}.")
        return self._values[key].copy()
