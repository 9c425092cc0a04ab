"""Items added to a layer's or module's list after ``restore`` get their saved values, as in TensorFlow.

In TensorFlow a deferred restoration waits for any trackable attached later at a saved path: the lists of a
``tf.Module`` or a Keras layer are ``ListWrapper``s that report what is appended, so a ``Dense`` layer or a
variable appended after ``checkpoint.restore(path)`` gets the value saved at ``blocks/0``. An item whose saved
value does not fit raises as it is added, is not added, and keeps its value.
"""

import numpy as np
import pytest

import minitf as tf
from minitf import keras


class Dense(tf.Module):
    """A dense module with seeded weights (``w``, ``b``)."""

    def __init__(self, in_features, out_features, seed):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.w = tf.Variable(rng.normal(size=(in_features, out_features)).astype("float32"), name="w")
        self.b = tf.Variable(rng.normal(size=(out_features,)).astype("float32"), name="b")


class Stack(tf.Module):
    """A module grown block by block: ``self.blocks = []``, then ``grow`` appends."""

    def __init__(self):
        super().__init__()
        self.blocks = []

    def grow(self, sizes, seed):
        for i, (n_in, n_out) in enumerate(sizes):
            self.blocks.append(Dense(n_in, n_out, seed + i))


def _saved_stack(tmp_path):
    saved = Stack()
    saved.grow([(4, 3), (3, 2)], seed=0)
    return saved, tf.train.Checkpoint(model=saved).write(str(tmp_path / "stack"))


def test_a_module_block_appended_after_restore_gets_its_saved_values(tmp_path):
    saved, path = _saved_stack(tmp_path)
    fresh = Stack()
    status = tf.train.Checkpoint(model=fresh).read(path)
    with pytest.raises(AssertionError, match=r"Unresolved object in checkpoint \(root\)\.model\.blocks\.0\."):
        status.assert_consumed()
    fresh.grow([(4, 3)], seed=7)
    np.testing.assert_array_equal(fresh.blocks[0].w, saved.blocks[0].w)
    np.testing.assert_array_equal(fresh.blocks[0].b, saved.blocks[0].b)
    with pytest.raises(AssertionError, match=r"\(root\)\.model\.blocks\.1\."):
        status.assert_consumed()  # the second block is still awaited
    fresh.blocks += [Dense(3, 2, seed=8)]
    np.testing.assert_array_equal(fresh.blocks[1].w, saved.blocks[1].w)
    assert status.assert_consumed() is status


def test_a_variable_appended_or_set_in_a_modules_list_or_dict_gets_its_saved_value(tmp_path):
    saved = tf.Module()
    saved.scales = [tf.Variable(2.0), tf.Variable([1.0, 3.0])]
    saved.heads = {"a": tf.Variable([5.0])}
    path = tf.train.Checkpoint(m=saved).write(str(tmp_path / "m"))
    fresh = tf.Module()
    fresh.scales, fresh.heads = [tf.Variable(0.0)], {}  # one item exists at restore, the rest come later
    tf.train.Checkpoint(m=fresh).read(path)
    assert float(fresh.scales[0]) == 2.0
    fresh.scales.append(tf.Variable([0.0, 0.0]))
    fresh.heads["a"] = tf.Variable([0.0])
    np.testing.assert_array_equal(fresh.scales[1], [1.0, 3.0])
    np.testing.assert_array_equal(fresh.heads["a"], [5.0])
    assert type(fresh.scales).__name__ == "ListWrapper"  # as TensorFlow wraps a module's lists


class Tower(keras.layers.Layer):
    """A Keras layer whose sub-layers are appended in ``build``, after any restore."""

    def __init__(self, widths, **kwargs):
        super().__init__(**kwargs)
        self.widths = widths
        self.blocks = []

    def build(self, input_shape):
        for width in self.widths:
            self.blocks.append(keras.layers.Dense(width))

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return x


def test_keras_sublayers_appended_in_build_after_restore_get_their_saved_weights(tmp_path):
    keras.utils.set_random_seed(0)
    x = tf.constant(np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4))
    saved = Tower([3, 2])
    expected = saved(x)
    path = tf.train.Checkpoint(tower=saved).write(str(tmp_path / "tower"))
    fresh = Tower([3, 2])
    status = tf.train.Checkpoint(tower=fresh).read(path)
    np.testing.assert_allclose(fresh(x), expected)  # build appends unbuilt Dense layers; their call builds them
    status.assert_consumed()


class Grown(keras.Model):
    """A subclassed model whose blocks are added by a method, as a model grown after loading."""

    def __init__(self):
        super().__init__()
        self.blocks = []

    def add_block(self, units):
        self.blocks.append(keras.layers.Dense(units))

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return x


def _saved_grown(tmp_path):
    keras.utils.set_random_seed(1)
    saved = Grown()
    saved.add_block(3)
    saved.add_block(2)
    x = tf.ones((1, 4))
    return saved, x, saved(x), tf.train.Checkpoint(model=saved).write(str(tmp_path / "grown"))


def test_a_subclassed_models_layers_added_to_its_list_after_restore_are_restored(tmp_path):
    _, x, expected, path = _saved_grown(tmp_path)
    fresh = Grown()
    status = tf.train.Checkpoint(model=fresh).read(path)
    fresh.add_block(3)
    fresh.add_block(2)
    np.testing.assert_allclose(fresh(x), expected)
    status.assert_consumed()


@pytest.mark.parametrize("input_shape", [None, (4,)])
def test_layers_added_to_a_sequential_after_restore_are_restored(tmp_path, input_shape):
    """Saved as ``layer-0``, ``layer_with_weights-0``...: ``add`` brings the layer at ``layer-N`` (built at once when
    the input shape is known, else on the first call)."""
    keras.utils.set_random_seed(2)
    saved = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(2)])
    x = tf.ones((1, 4))
    expected = saved(x)
    path = tf.train.Checkpoint(model=saved).write(str(tmp_path / "seq"))
    fresh = keras.Sequential() if input_shape is None else keras.Sequential([keras.Input(shape=input_shape)])
    status = tf.train.Checkpoint(model=fresh).read(path)
    fresh.add(keras.layers.Dense(3))
    fresh.add(keras.layers.Dense(2))
    np.testing.assert_allclose(fresh(x), expected)
    status.assert_consumed()


def test_a_late_item_of_another_shape_raises_is_not_added_and_keeps_its_values(tmp_path):
    saved, x, expected, path = _saved_grown(tmp_path)
    fresh = Grown()
    status = tf.train.Checkpoint(model=fresh).read(path)
    wrong = keras.layers.Dense(3)
    wrong.build((None, 5))  # the saved block was built for 4 inputs
    kernel, bias = wrong.kernel.numpy(), wrong.bias.numpy()
    with pytest.raises(ValueError, match=r"Received incompatible tensor with shape \(4, 3\) when attempting to restore "
                                         r"variable with shape \(5, 3\) and name model/blocks/0/kernel/.*\n.*No "
                                         r"variable was changed"):
        fresh.blocks.append(wrong)
    assert len(fresh.blocks) == 0  # as TensorFlow's ListWrapper: the item is checked before it is added
    np.testing.assert_array_equal(wrong.kernel, kernel)
    np.testing.assert_array_equal(wrong.bias, bias)  # its bias fits, but nothing is assigned when anything fails
    fresh.add_block(3)  # the right item is still awaited
    fresh.add_block(2)
    np.testing.assert_allclose(fresh(x), expected)
    status.assert_consumed()


def test_a_late_variable_of_another_dtype_raises_and_keeps_its_value(tmp_path):
    saved = tf.Module()
    saved.steps = [tf.Variable([1.0, 2.0])]
    path = tf.train.Checkpoint(m=saved).write(str(tmp_path / "m"))
    fresh = tf.Module()
    fresh.steps = []
    tf.train.Checkpoint(m=fresh).read(path)
    wrong = tf.Variable([7, 8])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"expected dtype int32 does not equal original dtype "
                                                             r"float32"):
        fresh.steps.append(wrong)
    np.testing.assert_array_equal(wrong, [7, 8])
    assert fresh.steps == []


def test_a_list_replaced_after_restore_is_restored_as_a_new_attribute_is(tmp_path):
    """minitf restores a list assigned later in place of the empty one (a layer that sets ``self.blocks`` in build)."""
    saved, path = _saved_stack(tmp_path)
    fresh = Stack()
    tf.train.Checkpoint(model=fresh).read(path)
    fresh.blocks = [Dense(4, 3, seed=5)]
    np.testing.assert_array_equal(fresh.blocks[0].w, saved.blocks[0].w)
