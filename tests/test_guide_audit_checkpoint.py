"""The audit of "Training checkpoints" (issue 18): damaged files, layouts that differ, and the manager's files.

Each test saves with minitf, damages or changes something as a user's disk or program might, and checks that
minitf answers as TensorFlow does (its error type and first line, or ``None``) and that no variable changed.
"""

import os

import numpy as np
import pytest

import minitf as tf
from minitf import keras

DATA = ".data-00000-of-00001"


def _saved_pair(tmp_path):
    """A checkpoint of two variables, and two fresh variables (zeros) of the same shapes to restore into."""
    path = tf.train.Checkpoint(a=tf.Variable([1.0, 2.0]), b=tf.Variable([3.0, 4.0, 5.0])).write(str(tmp_path / "ab"))
    return path, tf.Variable([0.0, 0.0]), tf.Variable([0.0, 0.0, 0.0])


def test_a_data_file_whose_zip_header_is_damaged_raises_data_loss_not_zipfiles_error(tmp_path):
    path, a, b = _saved_pair(tmp_path)
    blob = bytearray(open(path + DATA, "rb").read())
    entry = blob.index(b"PK\x01\x02")  # the first entry of the zip's central directory
    blob[entry + 6:entry + 8] = (210).to_bytes(2, "little")  # its "version needed to extract": 21.0
    open(path + DATA, "wb").write(bytes(blob))
    with pytest.raises(tf.errors.DataLossError, match=r"Unable to read .*ab\.data-00000-of-00001: Data loss: the "
                                                      r"data file is damaged"):
        tf.train.Checkpoint(a=a, b=b).restore(path)
    np.testing.assert_array_equal(a, [0.0, 0.0])
    np.testing.assert_array_equal(b, [0.0, 0.0, 0.0])


def test_any_flipped_bit_in_the_data_file_raises_data_loss_or_restores_the_saved_values(tmp_path):
    path, _, _ = _saved_pair(tmp_path)
    blob = open(path + DATA, "rb").read()
    outcomes = set()
    for position in range(0, len(blob), 3):
        damaged = bytearray(blob)
        damaged[position] ^= 1 << (position % 8)
        open(path + DATA, "wb").write(bytes(damaged))
        a, b = tf.Variable([0.0, 0.0]), tf.Variable([0.0, 0.0, 0.0])
        try:
            tf.train.Checkpoint(a=a, b=b).restore(path)
        except tf.errors.DataLossError:
            outcomes.add("data loss")
            np.testing.assert_array_equal(a, [0.0, 0.0])
            np.testing.assert_array_equal(b, [0.0, 0.0, 0.0])
        else:  # a flip in a field the reader does not need (a timestamp): the values are the saved ones
            outcomes.add("restored")
            np.testing.assert_array_equal(a, [1.0, 2.0])
            np.testing.assert_array_equal(b, [3.0, 4.0, 5.0])
    assert "data loss" in outcomes


def _two_dense(units, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.layers.Dense(units), keras.layers.Dense(2)])


def test_a_layer_built_with_another_shape_after_restore_raises_at_every_build_and_is_never_restored(tmp_path):
    saved = _two_dense(4)
    saved(tf.ones([1, 3]))
    path = tf.train.Checkpoint(model=saved).write(str(tmp_path / "m"))
    other = _two_dense(5, seed=1)
    tf.train.Checkpoint(model=other).read(path)
    for _ in range(2):  # the restore still waits after the first failure, so the second build is checked too
        with pytest.raises(ValueError, match=r"incompatible tensor with shape \(3, 4\) when attempting to restore "
                                             r"variable with shape \(3, 5\) and name model/layer_with_weights-0/"
                                             r"kernel"):
            other(tf.ones([1, 3]))
    assert all(v.shape != (3, 4) for v in other.variables)


def test_a_model_with_an_extra_layer_restores_the_common_part_and_status_names_the_rest(tmp_path):
    saved = _two_dense(4)
    saved(tf.ones([1, 3]))
    path = tf.train.Checkpoint(model=saved).write(str(tmp_path / "m"))
    keras.utils.set_random_seed(1)
    bigger = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2), keras.layers.Dense(1)])
    bigger(tf.ones([1, 3]))
    extra = bigger.layers[2].kernel.numpy()
    status = tf.train.Checkpoint(model=bigger).read(path)
    np.testing.assert_array_equal(bigger.layers[0].kernel, saved.layers[0].kernel)
    np.testing.assert_array_equal(bigger.layers[2].kernel, extra)
    with pytest.raises(AssertionError, match=r"not bound to checkpointed values.*\(root\)\.model\."
                                             r"layer_with_weights-2"):
        status.assert_existing_objects_matched()


def test_a_checkpoint_of_a_model_read_into_a_module_of_other_names_restores_nothing(tmp_path):
    saved = _two_dense(4)
    saved(tf.ones([1, 3]))
    path = tf.train.Checkpoint(model=saved).write(str(tmp_path / "m"))

    class Other(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(tf.zeros([3, 4]))

    other = Other()
    status = tf.train.Checkpoint(model=other).read(path)
    np.testing.assert_array_equal(other.w, np.zeros([3, 4]))
    with pytest.raises(AssertionError, match=r"Unresolved object in checkpoint \(root\)\.model\.layer_with_weights-0"
                                             r"\.kernel"):
        status.assert_consumed()


def _state_paths(directory):
    """The checkpoint names a manager's state file lists (its model_checkpoint_path and all_model_checkpoint_paths)."""
    lines = open(os.path.join(directory, "checkpoint")).read().splitlines()
    latest = [line.split('"')[1] for line in lines if line.startswith("model_checkpoint_path:")]
    every = [line.split('"')[1] for line in lines if line.startswith("all_model_checkpoint_paths:")]
    return latest, every


def test_max_to_keep_deletes_the_oldest_files_and_rewrites_the_state_file(tmp_path):
    directory = str(tmp_path / "kept")
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), directory, max_to_keep=2)
    for _ in range(4):
        manager.save()
    assert sorted(os.listdir(directory)) == ["checkpoint", "ckpt-3" + DATA, "ckpt-3.index", "ckpt-4" + DATA,
                                             "ckpt-4.index"]
    assert _state_paths(directory) == (["ckpt-4"], ["ckpt-3", "ckpt-4"])
    reopened = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), directory, max_to_keep=2)
    assert reopened.checkpoints == [f"{directory}/ckpt-3", f"{directory}/ckpt-4"]


def test_latest_checkpoint_is_none_for_an_empty_missing_or_stale_directory(tmp_path):
    (tmp_path / "empty").mkdir()
    assert tf.train.latest_checkpoint(str(tmp_path / "empty")) is None
    assert tf.train.latest_checkpoint(str(tmp_path / "missing")) is None
    directory = str(tmp_path / "stale")
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), directory, max_to_keep=1)
    os.remove(manager.save() + ".index")  # the state file still names ckpt-1
    assert tf.train.latest_checkpoint(directory) is None


def test_a_prefix_that_is_also_a_directory_s_name_restores_as_written(tmp_path):
    (tmp_path / "run").mkdir()  # write("run") makes run.index and run.data-... beside the directory, as TensorFlow
    path = tf.train.Checkpoint(v=tf.Variable(5.0)).write(str(tmp_path / "run"))
    v = tf.Variable(0.0)
    tf.train.Checkpoint(v=v).read(path).assert_consumed()
    assert v.numpy() == 5.0
    with pytest.raises(ValueError, match="is a directory, not a checkpoint prefix"):
        tf.train.Checkpoint(v=v).restore(str(tmp_path))


@pytest.mark.parametrize("state", ["model_checkpoint_path: 5\n", 'model_checkpoint_path: "ckpt-1"\n'
                                   "all_model_checkpoint_paths: [1]\n", "all_model_checkpoint_timestamps: [1]\n"])
def test_a_state_file_with_values_of_the_wrong_kind_is_ignored_with_a_warning(tmp_path, state):
    tf.train.Checkpoint(v=tf.Variable(1.0)).write(str(tmp_path / "ckpt-1"))
    (tmp_path / "checkpoint").write_text(state)
    with pytest.warns(UserWarning, match=r"checkpoint: Checkpoint ignored: the file is damaged"):
        assert tf.train.latest_checkpoint(str(tmp_path)) is None
    with pytest.warns(UserWarning, match="Checkpoint ignored"):
        manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(1.0)), str(tmp_path), max_to_keep=1)
    assert manager.checkpoints == [] and manager.latest_checkpoint is None


def test_the_estimator_section_s_tensorflow_1_api_raises_one_clear_error():
    with pytest.raises(NotImplementedError) as caught:
        tf.compat.v1.train.get_global_step()
    first, fix = str(caught.value).split("\n")
    assert first == ("minitf.compat.v1 does not exist: minitf has no TensorFlow 1 compatibility API (sessions, "
                     "Estimators, global steps) (TensorFlow has tf.compat).")
    assert "a Variable for a step counter" in fix
