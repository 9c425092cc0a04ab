"""``Checkpoint``: save the variables of a group of objects and restore them by path, as ``tf.train.Checkpoint``.

``Checkpoint(model=model, optimizer=optimizer)`` names its children by keyword
(and any trackable attribute set on it later); everything under them is found by
walking the object graph (``graph.py``). ``save`` numbers the checkpoints
(``prefix-1``, ``prefix-2``...) and records the newest in the directory's
``checkpoint`` file, ``write`` writes exactly the prefix given; ``restore`` and
``read`` read one back (``restore.py``). Lists and dicts set on a Checkpoint
become ``ListWrapper``/``DictWrapper`` (``containers.py``), which restore an
item added after the restore, as TensorFlow's do.
"""

import os

from minitf import dtypes
from minitf.train import files, graph, management
from minitf.train.containers import DictWrapper, ListWrapper, wrap
from minitf.train.restore import CheckpointLoadStatus, InitializationOnlyStatus, Restoration, restore_deferred
from minitf.variable import Variable

_OWN = frozenset({"_root", "_save_counter"})


class Checkpoint:
    """Groups objects that hold variables, to save them to disk and restore them, as ``tf.train.Checkpoint``.

    Each keyword argument (a variable, a Keras layer, model or optimizer, a ``minitf.Module``, or a
    list or dict of them) is saved under its keyword; what it holds is found through its attributes.

    >>> import os, tempfile
    >>> import minitf as tf
    >>> v = tf.Variable(3.0)
    >>> ckpt = tf.train.Checkpoint(v=v)
    >>> path = ckpt.save(os.path.join(tempfile.mkdtemp(), "ckpt"))
    >>> os.path.basename(path)
    'ckpt-1'
    >>> _ = v.assign(0.0)
    >>> _ = ckpt.restore(path).assert_consumed()
    >>> float(v)
    3.0

    Args:
        root: an object whose children become the checkpoint's own (``Checkpoint(model)``).
        **kwargs: the objects to save, each under its keyword.

    Raises:
        ValueError: an argument holds no variables (not a trackable object).
    """

    def __init__(self, root=None, **kwargs):
        object.__setattr__(self, "_save_counter", None)
        object.__setattr__(self, "_root", None)
        for name, value in ([("root", root)] if root is not None else []) + list(kwargs.items()):
            if not (graph.is_trackable(value) or isinstance(value, (list, tuple, dict))):
                hint = ("minitf has no tf.data, so an iterator's position cannot be saved: leave it out."
                        if hasattr(value, "__next__") else
                        "Pass a Variable, a Keras layer, model or optimizer, a minitf.Module, or a list or dict "
                        "of them.")
                raise ValueError(f"`Checkpoint` was expecting {name} to be a trackable object (an object derived from "
                                 f"`Trackable`), got {value!r}.\n  {hint}")
        object.__setattr__(self, "_root", root)
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __setattr__(self, name, value):
        value = wrap(value)
        object.__setattr__(self, name, value)
        if name not in _OWN and (graph.is_trackable(value) or isinstance(value, (ListWrapper, DictWrapper))):
            restore_deferred(self, name, value)  # an empty list, too: items added later restore as added

    def _checkpoint_children(self):
        """The root's children, the trackable attributes (keywords first), then ``save_counter`` once it exists."""
        found = dict(graph.children(self._root)) if self._root is not None else {}
        for name, value in vars(self).items():
            if name not in _OWN and graph.is_trackable(value):
                found[name] = value
        if self._save_counter is not None:
            found["save_counter"] = self._save_counter
        return found

    @property
    def save_counter(self):
        """How many times ``save`` was called: an int64 Variable, saved with the checkpoint (created on first use)."""
        if self._save_counter is None:
            object.__setattr__(self, "_save_counter",
                               Variable(0, dtype=dtypes.int64, trainable=False, name="save_counter"))
        return self._save_counter

    def write(self, file_prefix):
        """Write the variables to ``file_prefix.index`` and ``file_prefix.data-00000-of-00001``; return the prefix.

        Unlike ``save``, no number is added and the directory's ``checkpoint`` file is not updated.
        """
        nodes, values = graph.serialize(self)
        return files.write(os.fspath(file_prefix), nodes, values)

    def save(self, file_prefix):
        """Save a numbered checkpoint, ``file_prefix-N`` (N counts the saves), and make it the directory's newest.

        Returns:
            The path to pass to ``restore`` (``"ckpts/ckpt-1"``).
        """
        counter = self.save_counter
        counter.assign_add(1)
        path = self.write(f"{os.fspath(file_prefix)}-{int(counter)}")
        management.update_checkpoint_state(os.path.dirname(path), path)
        return path

    def read(self, save_path):
        """Restore what ``write`` wrote: like ``restore``, but ``save_counter`` is not expected in the file."""
        reader = files.CheckpointReader(management.checkpoint_prefix(save_path))
        restoration = Restoration(reader)
        restoration.bind(0, self)
        return CheckpointLoadStatus(restoration, self)

    def restore(self, save_path):
        """Restore the variables saved at ``save_path`` into the objects at the same paths.

        Values for objects that exist are assigned now; those for objects created later (a layer on
        its first call, an optimizer's slots on its first step) when they are created. Every value
        matched now is checked before any is assigned.

        Args:
            save_path: what ``save``/``write`` returned, or ``latest_checkpoint(directory)``; ``None``
                restores nothing (a first run).

        Returns:
            A ``CheckpointLoadStatus`` (``assert_consumed()``, ``assert_existing_objects_matched()``,
            ``expect_partial()``).

        Raises:
            NotFoundError: no checkpoint at ``save_path``.
            DataLossError: a damaged checkpoint file.
            ValueError, InvalidArgumentError: a saved value whose shape or dtype does not fit its variable.
        """
        if save_path is None:
            return InitializationOnlyStatus()
        self.save_counter  # noqa: B018 - created now, so that a checkpoint saved by save() restores it
        return self.read(save_path)
