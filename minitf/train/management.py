"""Finding checkpoints: the directory's ``checkpoint`` file, ``latest_checkpoint`` and ``CheckpointManager``.

As in TensorFlow, a directory of numbered checkpoints holds a small text file
named ``checkpoint`` that records the newest (``model_checkpoint_path``) and
those kept (``all_model_checkpoint_paths``), with paths relative to the
directory, in the same ``field: "value"`` lines TensorFlow writes.
``CheckpointManager`` numbers the saves, keeps the newest ``max_to_keep`` and
deletes the others.
"""

import json
import os
import time
import warnings

from minitf.train import files

STATE_FILE = "checkpoint"


def _read_state(directory):
    """``(newest path or None, [(path, timestamp)...] kept)`` from ``directory/checkpoint`` (absolute paths)."""
    state_path = os.path.join(directory, STATE_FILE)
    if not os.path.isfile(state_path):
        return None, []
    latest, paths, stamps = None, [], []
    try:
        with open(state_path, encoding="utf-8") as file:
            for line in file:
                if not line.strip():
                    continue
                field, _, value = line.partition(":")
                value = json.loads(value.strip())
                if field in ("model_checkpoint_path", "all_model_checkpoint_paths") and not isinstance(value, str):
                    raise ValueError(f"{field} is {value!r}, not a quoted path")
                if field == "model_checkpoint_path":
                    latest = value
                elif field == "all_model_checkpoint_paths":
                    paths.append(value)
                elif field == "all_model_checkpoint_timestamps":
                    stamps.append(float(value))
    except (ValueError, TypeError, UnicodeDecodeError) as error:  # TypeError: float() of a list
        warnings.warn(f"{state_path}: Checkpoint ignored: the file is damaged ({error}).", stacklevel=3)
        return None, []

    def absolute(path):
        return path if os.path.isabs(path) else os.path.join(directory, path)

    stamps += [0.0] * (len(paths) - len(stamps))
    return (None if latest is None else absolute(latest)), [(absolute(p), t) for p, t in zip(paths, stamps)]


def _write_state(directory, latest, kept):
    """Write ``directory/checkpoint`` (paths inside ``directory`` are written relative to it, as TensorFlow does)."""

    def relative(path):
        inside = os.path.dirname(os.path.abspath(path)) == os.path.abspath(directory)
        return os.path.basename(path) if inside else path

    lines = [f"model_checkpoint_path: {json.dumps(relative(latest))}"]
    lines += [f"all_model_checkpoint_paths: {json.dumps(relative(path))}" for path, _ in kept]
    lines += [f"all_model_checkpoint_timestamps: {stamp!r}" for _, stamp in kept]
    lines += [f"last_preserved_timestamp: {kept[0][1] if kept else time.time()!r}"]
    text = ("\n".join(lines) + "\n").encode()
    files._atomic_write(os.path.join(directory, STATE_FILE), lambda file: file.write(text))


def update_checkpoint_state(directory, path):
    """Record ``path`` as the newest checkpoint of ``directory`` (what ``Checkpoint.save`` does after writing)."""
    _write_state(directory or ".", path, [(path, time.time())])


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint ``save`` wrote in ``checkpoint_dir``, or ``None`` if there is none.

    Read from the directory's ``checkpoint`` file, as ``tf.train.latest_checkpoint``.

    >>> latest_checkpoint("/no/such/directory") is None
    True
    """
    directory = os.fspath(checkpoint_dir)
    if latest_filename not in (None, STATE_FILE):
        raise NotImplementedError("minitf reads only the state file named 'checkpoint' (latest_filename=None).")
    latest, _ = _read_state(directory)
    if latest is not None and files.exists(latest):
        return latest
    return None


def checkpoint_prefix(path, directory_ok=False):
    """The checkpoint prefix ``path`` names; with ``directory_ok``, a directory names its newest checkpoint.

    Raises:
        ValueError: a directory (not allowed, or with no checkpoint in it).
    """
    path = os.fspath(path)
    if os.path.isdir(path) and not (files.exists(path) and not directory_ok):  # write("d") beside a directory d
        latest = latest_checkpoint(path)
        if not directory_ok:
            raise ValueError(f"{path} is a directory, not a checkpoint prefix.\n  Pass "
                             f"minitf.train.latest_checkpoint({path!r}) (here {latest!r}) or the path save() returned.")
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory {path}")
        return latest
    return path


class CheckpointManager:
    """Numbers the saves of a ``Checkpoint`` in ``directory``, keeps the newest ``max_to_keep``, deletes the rest.

    >>> import tempfile
    >>> import minitf as tf
    >>> ckpt = tf.train.Checkpoint(step=tf.Variable(1))
    >>> manager = tf.train.CheckpointManager(ckpt, tempfile.mkdtemp(), max_to_keep=2)
    >>> paths = [manager.save() for _ in range(3)]
    >>> [os.path.basename(p) for p in manager.checkpoints]
    ['ckpt-2', 'ckpt-3']

    Args:
        checkpoint: the ``Checkpoint`` to save and restore.
        directory: where the checkpoints go (created if missing).
        max_to_keep: how many to keep; ``None`` keeps all.
        checkpoint_name: the start of each file name (``ckpt`` gives ``ckpt-1``...).
        init_fn: called by ``restore_or_initialize`` when there is no checkpoint yet.

    Raises:
        ValueError: ``max_to_keep`` is not positive.
        NotImplementedError: options minitf does not have (``keep_checkpoint_every_n_hours``, ``step_counter``,
            ``checkpoint_interval``).
    """

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None, checkpoint_name="ckpt",
                 step_counter=None, checkpoint_interval=None, init_fn=None):
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"Expected a positive integer or `None` for `max_to_keep`, got {max_to_keep}.")
        unsupported = {"keep_checkpoint_every_n_hours": keep_checkpoint_every_n_hours, "step_counter": step_counter,
                       "checkpoint_interval": checkpoint_interval}
        given = [name for name, value in unsupported.items() if value is not None]
        if given:
            raise NotImplementedError(f"minitf's CheckpointManager has no {given[0]}: it keeps the newest "
                                      "max_to_keep checkpoints. Leave the argument out.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._max_to_keep = max_to_keep
        self._init_fn = init_fn
        latest, kept = _read_state(self._directory)
        self._kept = [(path, stamp) for path, stamp in kept if files.exists(path)]
        self._latest = latest if latest is not None and files.exists(latest) else None

    @property
    def directory(self):
        return self._directory

    @property
    def checkpoints(self):
        """The paths of the checkpoints kept, oldest first."""
        return [path for path, _ in self._kept]

    @property
    def latest_checkpoint(self):
        """The newest checkpoint's path, or ``None`` before the first save (then ``restore`` restores nothing)."""
        return self._latest

    def save(self, checkpoint_number=None):
        """Save ``directory/ckpt-N`` (N: ``checkpoint_number``, else the checkpoint's save count); return its path."""
        counter = self._checkpoint.save_counter
        counter.assign_add(1)
        number = int(counter) if checkpoint_number is None else int(checkpoint_number)
        path = self._checkpoint.write(f"{self._prefix}-{number}")
        self._kept = [(p, t) for p, t in self._kept if p != path] + [(path, time.time())]
        while self._max_to_keep is not None and len(self._kept) > self._max_to_keep:
            oldest, _ = self._kept.pop(0)
            files.remove(oldest)
        self._latest = path
        _write_state(self._directory, path, self._kept)
        return path

    def restore_or_initialize(self):
        """Restore the newest checkpoint and return its path, or call ``init_fn`` (if any) and return ``None``."""
        if self._latest is not None:
            self._checkpoint.restore(self._latest)
            return self._latest
        if self._init_fn is not None:
            self._init_fn()
        return None
