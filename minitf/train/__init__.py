"""``minitf.train``: checkpoints, as ``tf.train``: save variables and restore them by object path.

    checkpoint.py   Checkpoint: save, write, restore, read
    graph.py        the object graph: which object holds which variable, under which name
    restore.py      matching a saved graph to live objects, checking, deferred restores, the load status
    containers.py   ListWrapper, DictWrapper: lists and dicts that restore an item added after a restore
    files.py        the two files of a checkpoint (JSON index, NumPy .npz data) and CheckpointReader
    management.py   the directory's ``checkpoint`` file, latest_checkpoint, CheckpointManager

minitf's checkpoints are its own format (data only, no pickle), not TensorFlow's:
TensorFlow cannot read them, nor minitf TensorFlow's. Key names follow TensorFlow's
(``net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE``).
"""

from minitf.train import files as _files
from minitf.train import management as _management
from minitf.train.checkpoint import Checkpoint  # noqa: F401
from minitf.train.management import CheckpointManager, latest_checkpoint  # noqa: F401


def load_checkpoint(ckpt_dir_or_file):
    """A ``CheckpointReader`` for a checkpoint prefix, or for the newest checkpoint in a directory.

    Raises:
        ValueError: a directory with no checkpoint.
        NotFoundError, DataLossError: no checkpoint there, or a damaged one.
    """
    return _files.CheckpointReader(_management.checkpoint_prefix(ckpt_dir_or_file, directory_ok=True))


def list_variables(ckpt_dir_or_file):
    """The ``(key, shape)`` of every value in a checkpoint, sorted by key, as ``tf.train.list_variables``.

    Keys are paths of attribute names ending in ``/.ATTRIBUTES/VARIABLE_VALUE``; an optimizer's slot
    is under its variable (``.../kernel/.OPTIMIZER_SLOT/optimizer/momentum/...``); the first entry,
    ``_CHECKPOINTABLE_OBJECT_GRAPH``, is the saved object graph.
    """
    shapes = load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map()
    return [(key, shapes[key]) for key in sorted(shapes)]


def load_variable(ckpt_dir_or_file, name):
    """The value saved under ``name`` (a key from ``list_variables``) as a NumPy array.

    Raises:
        NotFoundError: no value is saved under ``name``.
    """
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)
