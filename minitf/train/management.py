"""Finding checkpoints: the directory's ``checkpoint`` file, ``latest_checkpoint`` and ``CheckpointManager``.

As in TensorFlow, a directory of numbered checkpoints holds a small text file
named ``checkpoint`` that records the newest (``model_checkpoint_path``) and
those kept (``all_model_checkpoint_paths``), with paths relative to the
directory, in the same ``field: "value"`` lines TensorFlow writes.
``CheckpointManager`` numbers the saves, keeps the newest ``max_to_keep`` and
deletes the others, but keeps one for good every ``keep_checkpoint_every_n_hours``
(recording when in ``last_preserved_timestamp``), and with ``step_counter`` and
``checkpoint_interval`` saves only every so many steps. Times are read through
``_now()``, which tests replace to move the clock without sleeping.
"""

import json
import os
import time
import warnings

from minitf.train import files

STATE_FILE = "checkpoint"


def _now():
    """The time in seconds, as ``time.time()``: the one clock the manager reads, so tests can move it by hand."""
    return time.time()


def _read_state(directory):
    """``(newest path or None, [(path, timestamp)...] kept, last preserved timestamp)`` from ``directory/checkpoint``.

    Paths are absolute; the last preserved timestamp is None when there is no state file, 0 when it has none.
    """
    state_path = os.path.join(directory, STATE_FILE)
    if not os.path.isfile(state_path):
        return None, [], None
    latest, paths, stamps, preserved = None, [], [], 0.0
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
                elif field == "last_preserved_timestamp":
                    preserved = float(value)
    except (ValueError, TypeError, UnicodeDecodeError) as error:  # TypeError: float() of a list
        warnings.warn(f"{state_path}: Checkpoint ignored: the file is damaged ({error}).", stacklevel=3)
        return None, [], None

    def absolute(path):
        return path if os.path.isabs(path) else os.path.join(directory, path)

    stamps += [preserved] * (len(paths) - len(stamps))
    kept = [(absolute(p), t) for p, t in zip(paths, stamps)]
    return (None if latest is None else absolute(latest)), kept, preserved


def _write_state(directory, latest, kept, preserved):
    """Write ``directory/checkpoint`` (paths inside ``directory`` are written relative to it, as TensorFlow does).

    ``kept`` lists ``(path, timestamp)`` oldest first; ``preserved`` is the time of the last checkpoint kept
    for good by ``keep_checkpoint_every_n_hours``.
    """

    def relative(path):
        inside = os.path.dirname(os.path.abspath(path)) == os.path.abspath(directory)
        return os.path.basename(path) if inside else path

    lines = [f"model_checkpoint_path: {json.dumps(relative(latest))}"]
    lines += [f"all_model_checkpoint_paths: {json.dumps(relative(path))}" for path, _ in kept]
    lines += [f"all_model_checkpoint_timestamps: {stamp!r}" for _, stamp in kept]
    lines += [f"last_preserved_timestamp: {float(preserved)!r}"]
    text = ("\n".join(lines) + "\n").encode()
    files._atomic_write(os.path.join(directory, STATE_FILE), lambda file: file.write(text))


def update_checkpoint_state(directory, path):
    """Record ``path`` as the newest checkpoint of ``directory`` (what ``Checkpoint.save`` does after writing)."""
    _write_state(directory or ".", path, [(path, _now())], 0.0)


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint ``save`` wrote in ``checkpoint_dir``, or ``None`` if there is none.

    Read from the directory's ``checkpoint`` file, as ``tf.train.latest_checkpoint``.

    >>> latest_checkpoint("/no/such/directory") is None
    True
    """
    directory = os.fspath(checkpoint_dir)
    if latest_filename not in (None, STATE_FILE):
        raise NotImplementedError("minitf reads only the state file named 'checkpoint' (latest_filename=None).")
    latest, _, _ = _read_state(directory)
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
        keep_checkpoint_every_n_hours: a checkpoint leaving the newest ``max_to_keep`` is kept for good (no
            longer listed in ``checkpoints``, never deleted, by this or a later manager) if it was saved at least
            this many hours after the last one kept so; ``None`` keeps none apart.
        checkpoint_name: the start of each file name (``ckpt`` gives ``ckpt-1``...).
        step_counter: a Variable counting the training steps, read by ``save`` for ``checkpoint_interval``.
        checkpoint_interval: ``save`` saves only when at least this many steps passed since its last save.
        init_fn: called by ``restore_or_initialize`` when there is no checkpoint yet.

    Raises:
        ValueError: ``max_to_keep`` is not positive, or ``checkpoint_interval`` comes without ``step_counter``.
    """

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None, checkpoint_name="ckpt",
                 step_counter=None, checkpoint_interval=None, init_fn=None):
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"Expected a positive integer or `None` for `max_to_keep`, got {max_to_keep}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is not None.\n  Pass the "
                             "Variable that counts your steps (step_counter=checkpoint.step), or leave out "
                             "checkpoint_interval to save at every call of save().")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._step_counter = step_counter
        self._checkpoint_interval = checkpoint_interval
        self._last_step = None  # the step of this manager's last save (TensorFlow does not record it on disk)
        self._init_fn = init_fn
        self._recover()

    def _recover(self):
        """Take over what an earlier manager recorded in the directory: the newest checkpoint, those it may still
        delete (``checkpoints``), and when it last kept one for good (``keep_checkpoint_every_n_hours``)."""
        latest, active, preserved = _read_state(self._directory)
        now = _now()
        if preserved is None:
            preserved = now - 1.0  # a new directory: the first checkpoint kept for good is one saved from now on
        elif now < preserved:
            warnings.warn(f"time.time() returned a value {preserved - now:f} seconds behind the last preserved "
                          f"checkpoint timestamp.\n  The system clock went back: the checkpoints recorded in "
                          f"{self._directory} are left alone (none will be deleted); check the clock.", stacklevel=3)
            preserved = now
        self._last_preserved = preserved
        # as TensorFlow: a recorded time in the future counts as now, and one not after the last kept is a kept one
        self._active = [(path, min(stamp, now)) for path, stamp in active
                        if files.exists(path) and min(stamp, now) > preserved]
        self._latest = latest if latest is not None and files.exists(latest) else None

    @property
    def directory(self):
        return self._directory

    @property
    def checkpoint_interval(self):
        """The least number of steps between two saves (``None``: every ``save`` saves)."""
        return self._checkpoint_interval

    @property
    def checkpoints(self):
        """The paths of the newest checkpoints, oldest first: those ``max_to_keep`` may still delete.

        As in TensorFlow, the ones kept for good by ``keep_checkpoint_every_n_hours`` are not listed.
        """
        return [path for path, _ in self._active]

    @property
    def latest_checkpoint(self):
        """The newest checkpoint's path, or ``None`` before the first save (then ``restore`` restores nothing)."""
        return self._latest

    def save(self, checkpoint_number=None, check_interval=True):
        """Save ``directory/ckpt-N`` (N: ``checkpoint_number``, else the checkpoint's save count); return its path.

        Args:
            checkpoint_number: the number in the file name (an int or an integer Variable).
            check_interval: with ``checkpoint_interval``, ``False`` saves even if fewer steps passed (but not
                twice at one step).

        Returns:
            The new checkpoint's path, or ``None`` when ``checkpoint_interval`` steps have not passed since the
            last save (nothing is saved, ``save_counter`` does not move).
        """
        if not self._step_due(check_interval):
            return None
        counter = self._checkpoint.save_counter
        counter.assign_add(1)
        number = int(counter) if checkpoint_number is None else int(checkpoint_number)
        path = self._checkpoint.write(f"{self._prefix}-{number}")
        self._active = [(p, t) for p, t in self._active if p != path] + [(path, _now())]
        self._latest = path
        self._sweep()
        _write_state(self._directory, path, self._active, self._last_preserved)
        return path

    def _step_due(self, check_interval):
        """Whether ``save`` saves now: always without ``checkpoint_interval``; else never twice at one step of
        ``step_counter``, and (with ``check_interval``) once ``checkpoint_interval`` steps passed since the last."""
        if self._checkpoint_interval is None:
            return True
        step = int(self._step_counter)
        if self._last_step is not None and (
                step == self._last_step or (check_interval and step < self._last_step + self._checkpoint_interval)):
            return False
        self._last_step = step
        return True

    def _sweep(self):
        """Delete the oldest checkpoints beyond ``max_to_keep``, but keep one for good (unlisted) if it was saved
        ``keep_checkpoint_every_n_hours`` after the last one kept so."""
        while self._max_to_keep is not None and len(self._active) > self._max_to_keep:
            oldest, stamp = self._active.pop(0)
            if self._keep_hours and stamp - self._keep_hours * 3600.0 >= self._last_preserved:
                self._last_preserved = stamp
            else:
                files.remove(oldest)

    def restore_or_initialize(self):
        """Restore the newest checkpoint and return its path, or call ``init_fn`` (if any) and return ``None``."""
        if self._latest is not None:
            self._checkpoint.restore(self._latest)
            return self._latest
        if self._init_fn is not None:
            self._init_fn()
        return None
