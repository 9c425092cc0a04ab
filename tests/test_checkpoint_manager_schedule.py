"""``CheckpointManager``'s time and step options, as ``tf.train.CheckpointManager`` documents them.

``keep_checkpoint_every_n_hours`` keeps, for good, a checkpoint leaving the ``max_to_keep`` newest if that many
hours passed since the last one kept so; ``step_counter`` with ``checkpoint_interval`` makes ``save()`` skip
(returning ``None``) until that many steps passed since the last save. The manager reads the time through
``management._now``, which these tests replace with a clock they move by hand: no test sleeps.
"""

import os

import pytest

import minitf as tf
from minitf.train import management

HOUR = 3600.0


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock(1000.0)
    monkeypatch.setattr(management, "_now", fake)
    return fake


def _names(paths):
    return [os.path.basename(path) for path in paths]


def _on_disk(directory):
    return sorted(name[:-len(".index")] for name in os.listdir(directory) if name.endswith(".index"))


def _state(directory):
    with open(os.path.join(directory, "checkpoint")) as file:
        return file.read()


def test_keep_checkpoint_every_n_hours_keeps_one_leaving_checkpoint_per_hour(tmp_path, clock):
    directory = str(tmp_path)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), directory, max_to_keep=2,
                                         keep_checkpoint_every_n_hours=1)
    for _ in range(7):  # one save each half hour: ckpt-1 at 1000 s ... ckpt-7 at 1000 + 3 hours
        manager.save()
        clock.now += HOUR / 2
    # ckpt-3, saved an hour after the manager started, is kept as it leaves the newest two; so is ckpt-5, saved an
    # hour after ckpt-3; the others were saved less than an hour after the last one kept, and are deleted
    assert _on_disk(directory) == ["ckpt-3", "ckpt-5", "ckpt-6", "ckpt-7"]
    assert _names(manager.checkpoints) == ["ckpt-6", "ckpt-7"]  # as in TensorFlow, the kept ones are not listed
    assert "last_preserved_timestamp: 8200.0\n" in _state(directory)  # ckpt-5's time
    reopened = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), directory, max_to_keep=1)
    assert _names(reopened.checkpoints) == ["ckpt-6", "ckpt-7"]
    reopened.save(checkpoint_number=8)
    assert _on_disk(directory) == ["ckpt-3", "ckpt-5", "ckpt-8"]  # a later manager never deletes the kept ones


def test_the_hour_counts_from_the_last_kept_checkpoint_recorded_in_the_directory(tmp_path, clock):
    directory = str(tmp_path)
    first = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), directory, max_to_keep=1,
                                       keep_checkpoint_every_n_hours=1)
    clock.now += HOUR
    first.save()  # ckpt-1, an hour after the manager started
    clock.now += HOUR
    first.save()  # ckpt-1 leaves the newest one: kept
    clock.now += HOUR / 2
    second = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), directory, max_to_keep=1,
                                        keep_checkpoint_every_n_hours=1)
    second.save(checkpoint_number=3)  # ckpt-2, saved an hour after ckpt-1, leaves: kept too
    clock.now += HOUR / 2
    second.save(checkpoint_number=4)  # ckpt-3, saved half an hour after ckpt-2, leaves: deleted
    assert _on_disk(directory) == ["ckpt-1", "ckpt-2", "ckpt-4"]


def test_without_max_to_keep_nothing_leaves_so_nothing_is_kept_apart(tmp_path, clock):
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), str(tmp_path), max_to_keep=None,
                                         keep_checkpoint_every_n_hours=1)
    for _ in range(3):
        manager.save()
        clock.now += 2 * HOUR
    assert _names(manager.checkpoints) == ["ckpt-1", "ckpt-2", "ckpt-3"]


def test_a_clock_that_went_back_warns_and_deletes_none_of_the_recorded_checkpoints(tmp_path, clock):
    directory = str(tmp_path)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), directory, max_to_keep=1,
                                         keep_checkpoint_every_n_hours=1)
    clock.now += HOUR
    manager.save()
    clock.now += HOUR
    manager.save()  # ckpt-1 kept, at 4600 s
    clock.now = 10.0
    with pytest.warns(UserWarning, match=r"^time\.time\(\) returned a value 4590\.0+ seconds behind the last "
                                         r"preserved checkpoint timestamp\.\n  .*clock"):
        reopened = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), directory, max_to_keep=1)
    assert reopened.checkpoints == []  # as TensorFlow: none of them may be deleted by mistake
    reopened.save(checkpoint_number=9)
    assert _on_disk(directory) == ["ckpt-1", "ckpt-2", "ckpt-9"]


def test_checkpoint_interval_saves_only_when_enough_steps_passed(tmp_path, clock):
    step = tf.Variable(0, dtype=tf.int64)
    checkpoint = tf.train.Checkpoint(step=step)
    manager = tf.train.CheckpointManager(checkpoint, str(tmp_path), max_to_keep=None, step_counter=step,
                                         checkpoint_interval=3)
    assert manager.checkpoint_interval == 3
    saved = {}
    for _ in range(8):
        saved[int(step)] = manager.save()
        step.assign_add(1)
    assert {s: None if p is None else os.path.basename(p) for s, p in saved.items()} == {
        0: "ckpt-1", 1: None, 2: None, 3: "ckpt-2", 4: None, 5: None, 6: "ckpt-3", 7: None}
    assert int(checkpoint.save_counter) == 3  # a skipped save does not count (numbers follow save_counter)
    assert manager.save(check_interval=False).endswith("ckpt-4")  # step 8: saved though only 2 steps passed
    assert manager.save(check_interval=False) is None  # step 8 is saved already
    step.assign(11)
    assert manager.save(checkpoint_number=step).endswith("ckpt-11")


def test_checkpoint_interval_needs_a_step_counter():
    checkpoint = tf.train.Checkpoint(v=tf.Variable(1.0))
    with pytest.raises(ValueError, match=r"^`step_counter` should be passed if `checkpoint_interval` is not None\.\n"
                                         r"  Pass the Variable that counts your steps"):
        tf.train.CheckpointManager(checkpoint, "unused", max_to_keep=1, checkpoint_interval=5)
    assert not os.path.exists("unused")


def test_a_step_counter_without_an_interval_saves_every_time(tmp_path):
    step = tf.Variable(0)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=step), str(tmp_path), max_to_keep=None,
                                         step_counter=step)
    assert manager.save() is not None and manager.save() is not None
    assert manager.checkpoint_interval is None
