"""``minitf.train``: checkpoints saved and restored by object path, as TensorFlow's guide "Training checkpoints"
shows them (and the checkpoint sections of "Introduction to modules, layers, and models" and "Introduction to
Variables"), in minitf's own data-only format.
"""

import json
import os

import numpy as np
import pytest

import minitf as tf
from minitf import keras
from minitf.train.restore import restore_deferred
from tests.test_guide_modules import FlexibleDenseModule  # the modules guide's lazy module


# -- small trackable classes (minitf.Module gives _checkpoint_children too; these stand in for it) ---------------
class Dense:
    """The modules guide's dense module: ``w`` and ``b``, tracked by attribute name."""

    def __init__(self, in_features, out_features, seed):
        rng = np.random.default_rng(seed)
        self.w = tf.Variable(rng.normal(size=(in_features, out_features)).astype("float32"), name="w")
        self.b = tf.Variable(np.zeros(out_features, "float32"), name="b")

    def _checkpoint_children(self):
        return {"w": self.w, "b": self.b}

    def __call__(self, x):
        return tf.nn.relu(tf.matmul(x, self.w) + self.b)


class SequentialModule:
    def __init__(self, seed=0):
        self.dense_1 = Dense(3, 3, seed)
        self.dense_2 = Dense(3, 2, seed + 1)

    def _checkpoint_children(self):
        return {"dense_1": self.dense_1, "dense_2": self.dense_2}

    def __call__(self, x):
        return self.dense_2(self.dense_1(x))


class _Wrapped:
    """A list as some objects show it to a checkpoint: wrapped anew on each call (minitf.Module does this)."""

    def __init__(self, items):
        self.items = items

    def _checkpoint_children(self):
        return {str(i): item for i, item in enumerate(self.items)}


class Stack:
    def __init__(self, seed=0):
        self.layers = [Dense(2, 2, seed), Dense(2, 2, seed + 1)]

    def _checkpoint_children(self):
        return {"layers": _Wrapped(self.layers)}


class FlexibleDense:
    """The modules guide's FlexibleDenseModule: variables made on the first call, reported as they are set
    (minitf.Module's ``__setattr__`` makes the same call, so a checkpoint restored earlier fills them)."""

    def __init__(self, out_features):
        self.out_features = out_features

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        restore_deferred(self, name, value)

    def _checkpoint_children(self):
        return {name: value for name, value in vars(self).items() if isinstance(value, tf.Variable)}

    def __call__(self, x):
        if "w" not in vars(self):
            self.w = tf.Variable(tf.random.normal([x.shape[-1], self.out_features]), name="w")
            self.b = tf.Variable(tf.zeros([self.out_features]), name="b")
        return tf.matmul(x, self.w) + self.b


class Net(keras.Model):
    """The training-checkpoints guide's model."""

    def __init__(self):
        super().__init__()
        self.l1 = keras.layers.Dense(5)

    def call(self, x):
        return self.l1(x)


def _toy_batch():
    x = tf.constant([[1.0], [2.0], [3.0]])
    return x, tf.constant([[1.0, 2.0, 3.0, 4.0, 5.0]]) * x


def _train_step(net, optimizer):
    x, y = _toy_batch()
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.abs(net(x) - y))
    gradients = tape.gradient(loss, net.trainable_variables)
    optimizer.apply_gradients(zip(gradients, net.trainable_variables))
    return float(loss)


# -- writing and reading: the modules guide ------------------------------------------------------------------
def test_the_modules_guide_write_list_and_restore(tmp_path):
    model = SequentialModule(seed=0)
    path = str(tmp_path / "my_checkpoint")
    checkpoint = tf.train.Checkpoint(model=model)
    assert checkpoint.write(path) == path
    assert sorted(os.listdir(tmp_path)) == ["my_checkpoint.data-00000-of-00001", "my_checkpoint.index"]
    assert tf.train.list_variables(path) == [
        ("_CHECKPOINTABLE_OBJECT_GRAPH", []),
        ("model/dense_1/b/.ATTRIBUTES/VARIABLE_VALUE", [3]),
        ("model/dense_1/w/.ATTRIBUTES/VARIABLE_VALUE", [3, 3]),
        ("model/dense_2/b/.ATTRIBUTES/VARIABLE_VALUE", [2]),
        ("model/dense_2/w/.ATTRIBUTES/VARIABLE_VALUE", [3, 2]),
    ]
    new_model = SequentialModule(seed=7)
    x = tf.constant([[2.0, 2.0, 2.0]])
    assert not np.allclose(new_model(x), model(x))
    tf.train.Checkpoint(model=new_model).restore(path)
    np.testing.assert_array_equal(new_model(x), model(x))
    np.testing.assert_array_equal(tf.train.load_variable(path, "model/dense_2/w/.ATTRIBUTES/VARIABLE_VALUE"),
                                  model.dense_2.w.numpy())


def test_containers_wrapped_anew_on_each_walk_still_match(tmp_path):
    stack = Stack(seed=0)
    path = tf.train.Checkpoint(model=stack).write(str(tmp_path / "stack"))
    assert "model/layers/1/w/.ATTRIBUTES/VARIABLE_VALUE" in dict(tf.train.list_variables(path))
    other = Stack(seed=4)
    tf.train.Checkpoint(model=other).read(path).assert_consumed()
    np.testing.assert_array_equal(other.layers[1].w, stack.layers[1].w)


def test_variables_made_on_the_first_call_are_restored_when_made(tmp_path):
    tf.random.set_seed(0)
    model = {"dense_1": FlexibleDense(3), "dense_2": FlexibleDense(2)}
    x = tf.constant([[2.0, 2.0, 2.0]])
    y = model["dense_2"](model["dense_1"](x))
    path = tf.train.Checkpoint(model=model).write(str(tmp_path / "flexible"))
    assert "model/dense_2/w/.ATTRIBUTES/VARIABLE_VALUE" in dict(tf.train.list_variables(path))
    fresh = tf.train.Checkpoint(model={"dense_1": FlexibleDense(3), "dense_2": FlexibleDense(2)})
    status = fresh.read(path)
    with pytest.raises(AssertionError, match=r"Unresolved object in checkpoint \(root\)\.model\.dense_1\.w"):
        status.assert_consumed()
    np.testing.assert_array_equal(fresh.model["dense_2"](fresh.model["dense_1"](x)), y)
    status.assert_consumed()


def test_variables_restore_by_path_not_by_name_or_order(tmp_path):
    """The variables guide: two variables may share a name; a checkpoint tells them apart by path."""
    a = tf.Variable([[1.0, 2.0]], name="Mark")
    b = tf.Variable([[3.0, 4.0]], name="Mark")
    path = tf.train.Checkpoint(a=a, b=b).write(str(tmp_path / "marks"))
    b2, a2 = tf.Variable(tf.zeros((1, 2)), name="Mark"), tf.Variable(tf.zeros((1, 2)), name="Mark")
    tf.train.Checkpoint(b=b2, a=a2).read(path).assert_consumed()  # keywords in the other order
    np.testing.assert_array_equal(a2, [[1.0, 2.0]])
    np.testing.assert_array_equal(b2, [[3.0, 4.0]])


def test_a_model_restores_by_attribute_path_whatever_the_order_its_layers_were_made(tmp_path):
    class AB(keras.Model):
        def __init__(self, a_first):
            super().__init__()
            if a_first:
                self.a, self.b = keras.layers.Dense(2), keras.layers.Dense(2)
            else:
                self.b, self.a = keras.layers.Dense(2), keras.layers.Dense(2)

        def call(self, x):
            return self.b(self.a(x))

    x = tf.constant([[1.0, -2.0]])
    keras.utils.set_random_seed(1)
    saved = AB(a_first=True)
    saved(x)
    path = tf.train.Checkpoint(model=saved).write(str(tmp_path / "ab"))
    restored = AB(a_first=False)
    restored(x)
    assert [w.shape for w in restored.weights] == [w.shape for w in saved.weights]
    tf.train.Checkpoint(model=restored).read(path).assert_consumed()
    np.testing.assert_array_equal(restored.a.kernel, saved.a.kernel)
    np.testing.assert_array_equal(restored(x), saved(x))


# -- save, restore, latest_checkpoint: the training-checkpoints guide ---------------------------------------
def test_save_numbers_checkpoints_and_latest_checkpoint_finds_the_newest(tmp_path):
    v = tf.Variable(1.0)
    checkpoint = tf.train.Checkpoint(v=v)
    assert int(checkpoint.save_counter) == 0
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    prefix = str(tmp_path / "ckpt")
    first = checkpoint.save(prefix)
    v.assign(2.0)
    second = checkpoint.save(prefix)
    assert (first, second) == (prefix + "-1", prefix + "-2")
    assert int(checkpoint.save_counter) == 2
    assert tf.train.latest_checkpoint(str(tmp_path)) == second
    state = open(tmp_path / "checkpoint").read()
    assert 'model_checkpoint_path: "ckpt-2"' in state  # relative to the directory, as TensorFlow writes it
    checkpoint.restore(first).assert_consumed()
    assert float(v) == 1.0 and int(checkpoint.save_counter) == 1  # the counter is restored too
    checkpoint.restore(tf.train.latest_checkpoint(str(tmp_path))).assert_consumed()
    assert float(v) == 2.0
    os.remove(second + ".index")  # the state file names a checkpoint that is gone
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    open(tmp_path / "checkpoint", "w").write("model_checkpoint_path: ckpt-1 unquoted\n")
    with pytest.warns(UserWarning, match="checkpoint: Checkpoint ignored"):
        assert tf.train.latest_checkpoint(str(tmp_path)) is None


def test_write_and_read_skip_the_save_counter_so_restore_of_a_write_is_not_consumed(tmp_path):
    """The API docs: read() a write(); with restore() assert_consumed() would fail (on save_counter)."""
    path = tf.train.Checkpoint(v=tf.Variable(1.0)).write(str(tmp_path / "my_checkpoint"))
    assert [key for key, _ in tf.train.list_variables(path)] == ["_CHECKPOINTABLE_OBJECT_GRAPH",
                                                                 "v/.ATTRIBUTES/VARIABLE_VALUE"]
    v = tf.Variable(0.0)
    tf.train.Checkpoint(v=v).read(path).assert_consumed()
    assert float(v) == 1.0
    status = tf.train.Checkpoint(v=tf.Variable(0.0)).restore(path)
    with pytest.raises(AssertionError, match=r"Some Python objects were not bound.*\(root\)\.save_counter"):
        status.assert_consumed()


def test_restore_none_restores_nothing_and_says_so():
    status = tf.train.Checkpoint(v=tf.Variable(1.0)).restore(None)
    with pytest.raises(AssertionError, match=r"No checkpoint specified \(save_path=None\)"):
        status.assert_consumed()
    assert status.expect_partial() is status


def test_a_keras_model_and_optimizer_restore_into_fresh_ones_and_train_on_identically(tmp_path):
    keras.utils.set_random_seed(0)
    net, optimizer = Net(), keras.optimizers.Adam(0.1)
    _train_step(net, optimizer)
    checkpoint = tf.train.Checkpoint(step=tf.Variable(1), optimizer=optimizer, net=net)
    path = checkpoint.save(str(tmp_path / "ckpt"))
    assert [key for key, _ in tf.train.list_variables(path)] == [
        "_CHECKPOINTABLE_OBJECT_GRAPH",
        "net/l1/bias/.ATTRIBUTES/VARIABLE_VALUE",
        "net/l1/bias/.OPTIMIZER_SLOT/optimizer/momentum/.ATTRIBUTES/VARIABLE_VALUE",
        "net/l1/bias/.OPTIMIZER_SLOT/optimizer/velocity/.ATTRIBUTES/VARIABLE_VALUE",
        "net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE",
        "net/l1/kernel/.OPTIMIZER_SLOT/optimizer/momentum/.ATTRIBUTES/VARIABLE_VALUE",
        "net/l1/kernel/.OPTIMIZER_SLOT/optimizer/velocity/.ATTRIBUTES/VARIABLE_VALUE",
        "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE",
        "optimizer/learning_rate/.ATTRIBUTES/VARIABLE_VALUE",
        "save_counter/.ATTRIBUTES/VARIABLE_VALUE",
        "step/.ATTRIBUTES/VARIABLE_VALUE",
    ]
    keras.utils.set_random_seed(5)
    new_net, new_optimizer = Net(), keras.optimizers.Adam(0.1)
    status = tf.train.Checkpoint(step=tf.Variable(1), optimizer=new_optimizer, net=new_net).restore(path)
    # the layer is not built and the optimizer has no slots yet: their values wait (deferred restoration)
    with pytest.raises(AssertionError, match=r"Unresolved object in checkpoint \(root\)\.net\.l1\.kernel"):
        status.assert_consumed()
    status.assert_existing_objects_matched()
    assert int(new_optimizer.iterations) == 1
    x = tf.constant([[4.0], [-1.0]])
    np.testing.assert_array_equal(new_net(x), net(x))  # built now, and restored as it was built
    assert _train_step(new_net, new_optimizer) == _train_step(net, optimizer)  # the slots restored on creation
    status.assert_consumed()
    for mine, theirs in zip(new_net.weights, net.weights):
        np.testing.assert_array_equal(mine, theirs)
    assert int(new_optimizer.iterations) == 2


def test_a_built_model_restores_at_once_and_slots_wait_for_the_first_step(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(3, activation="relu", input_shape=(2,)), keras.layers.Dense(1)])
    optimizer = keras.optimizers.SGD(0.05, momentum=0.9)
    x, y = tf.constant([[1.0, 2.0], [0.5, -1.0]]), tf.constant([[1.0], [0.0]])

    def step(model, optimizer):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))

    step(model, optimizer)
    path = tf.train.Checkpoint(model=model, optimizer=optimizer).write(str(tmp_path / "seq"))
    keys = [key for key, _ in tf.train.list_variables(path)]
    assert "model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE" in keys
    assert "model/layer_with_weights-1/bias/.OPTIMIZER_SLOT/optimizer/momentum/.ATTRIBUTES/VARIABLE_VALUE" in keys
    fresh = keras.Sequential([keras.layers.Dense(3, activation="relu", input_shape=(2,)), keras.layers.Dense(1)])
    fresh_optimizer = keras.optimizers.SGD(0.05, momentum=0.9)
    tf.train.Checkpoint(model=fresh, optimizer=fresh_optimizer).read(path)
    np.testing.assert_array_equal(fresh(x), model(x))
    step(model, optimizer)
    step(fresh, fresh_optimizer)
    np.testing.assert_allclose(fresh(x), model(x), rtol=1e-6)


def test_an_optimizer_that_has_its_slots_restores_them_at_once(tmp_path):
    keras.utils.set_random_seed(0)
    layer, optimizer = keras.layers.Dense(2), keras.optimizers.Adam(0.1)
    layer.build((None, 3))
    grads = [tf.ones((3, 2)), tf.ones(2)]
    optimizer.apply_gradients(zip(grads, layer.trainable_variables))
    path = tf.train.Checkpoint(layer=layer, optimizer=optimizer).write(str(tmp_path / "adam"))
    other_layer, other = keras.layers.Dense(2), keras.optimizers.Adam(0.1)
    other_layer.build((None, 3))
    other.apply_gradients(zip([g * 5.0 for g in grads], other_layer.trainable_variables))
    other.apply_gradients(zip(grads, other_layer.trainable_variables))
    tf.train.Checkpoint(layer=other_layer, optimizer=other).read(path).assert_consumed()
    assert int(other.iterations) == 1
    for (_, name, mine), (_, _, theirs) in zip(other._checkpoint_slots(), optimizer._checkpoint_slots()):
        np.testing.assert_array_equal(mine, theirs, err_msg=name)


def test_an_unbuilt_sequential_model_restores_when_it_is_built(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    x = tf.constant([[1.0, 2.0, 3.0]])
    model(x)
    path = tf.train.Checkpoint(model=model).write(str(tmp_path / "seq"))
    fresh = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    status = tf.train.Checkpoint(model=fresh).read(path)  # its layers match through layer-0, layer-1
    np.testing.assert_array_equal(fresh(x), model(x))
    status.assert_consumed()


def test_a_model_built_inside_fit_is_restored_once_not_at_every_step(tmp_path):
    """The restore of a layer built during fit's (traced) first step is not an op of the step."""

    def make():
        return keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])

    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = make()
    model(x[:1])
    path = tf.train.Checkpoint(model=model).write(str(tmp_path / "seq"))
    built_by_fit, built_first = make(), make()
    tf.train.Checkpoint(model=built_by_fit).read(path)
    tf.train.Checkpoint(model=built_first).read(path)
    built_first(x[:1])
    losses = []
    for m in (built_by_fit, built_first):
        m.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
        losses.append(m.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history["loss"])
    assert losses[0] == losses[1] and losses[0][2] < losses[0][0]
    np.testing.assert_allclose(built_by_fit.predict(x, verbose=0), built_first.predict(x, verbose=0), rtol=1e-6)


def test_a_functional_model_round_trips(tmp_path):
    keras.utils.set_random_seed(0)

    def make():
        inputs = keras.Input(shape=(3,))
        return keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Dense(4, activation="tanh")(inputs)))

    model, fresh = make(), make()
    x = tf.constant([[1.0, 0.0, -1.0]])
    path = tf.train.Checkpoint(model=model).write(str(tmp_path / "functional"))
    tf.train.Checkpoint(model=fresh).read(path).assert_consumed()
    np.testing.assert_array_equal(fresh(x), model(x))


def test_a_root_object_lends_its_children_to_the_checkpoint(tmp_path):
    model = SequentialModule(seed=0)
    path = tf.train.Checkpoint(model).write(str(tmp_path / "rooted"))
    assert "dense_1/w/.ATTRIBUTES/VARIABLE_VALUE" in dict(tf.train.list_variables(path))
    other = SequentialModule(seed=3)
    tf.train.Checkpoint(other).read(path).assert_consumed()
    np.testing.assert_array_equal(other.dense_1.w, model.dense_1.w)


def test_a_variable_reached_twice_is_saved_once_and_restored_everywhere(tmp_path):
    shared = tf.Variable([1.0, 2.0])
    path = tf.train.Checkpoint(first=shared, pair=[shared], table={"a/b": shared}).write(str(tmp_path / "shared"))
    assert [key for key, _ in tf.train.list_variables(path)] == ["_CHECKPOINTABLE_OBJECT_GRAPH",
                                                                 "first/.ATTRIBUTES/VARIABLE_VALUE"]
    target = tf.Variable([0.0, 0.0])
    tf.train.Checkpoint(table={"a/b": target}).read(path).expect_partial()
    np.testing.assert_array_equal(target, [1.0, 2.0])
    path = tf.train.Checkpoint(table={"a/b": tf.Variable(3.0)}).write(str(tmp_path / "escaped"))
    assert "table/a.Sb/.ATTRIBUTES/VARIABLE_VALUE" in dict(tf.train.list_variables(path))  # TensorFlow's escape


# -- partial and delayed restores: "Loading mechanics", "Delayed restorations" ------------------------------
def _guide_checkpoint(tmp_path):
    keras.utils.set_random_seed(0)
    net, optimizer = Net(), keras.optimizers.Adam(0.1)
    _train_step(net, optimizer)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=tf.Variable(1), optimizer=optimizer, net=net),
                                         str(tmp_path / "tf_ckpts"), max_to_keep=3)
    manager.save()
    return net


def test_a_partial_restore_matches_by_path_and_status_checks_say_what_is_left(tmp_path):
    net = _guide_checkpoint(tmp_path)
    to_restore = tf.Variable(tf.zeros([5]))
    fake_layer = tf.train.Checkpoint(bias=to_restore)
    fake_net = tf.train.Checkpoint(l1=fake_layer)
    new_root = tf.train.Checkpoint(net=fake_net)
    status = new_root.restore(tf.train.latest_checkpoint(str(tmp_path / "tf_ckpts")))
    np.testing.assert_array_equal(to_restore, net.l1.bias)
    assert status.assert_existing_objects_matched() is status
    status.assert_nontrivial_match()
    with pytest.raises(AssertionError, match=r"Unresolved object in checkpoint \(root\)\.step: its value "
                                             r"\('step/\.ATTRIBUTES/VARIABLE_VALUE'\) was not restored\.\n  Also "
                                             r"unresolved: .*\(root\)\.net\.l1\.kernel, "):
        status.assert_consumed()
    # delayed restoration: the kernel arrives later, and is restored when it is attached
    fake_layer.kernel = None  # not a variable: the saved kernel keeps waiting
    deferred_restore = tf.Variable(tf.zeros([1, 5]))
    np.testing.assert_array_equal(deferred_restore, np.zeros((1, 5)))
    fake_layer.kernel = deferred_restore
    np.testing.assert_array_equal(deferred_restore, net.l1.kernel)


def test_assert_existing_objects_matched_names_objects_the_checkpoint_lacks(tmp_path):
    path = tf.train.Checkpoint(v=tf.Variable(1.0)).write(str(tmp_path / "one"))
    status = tf.train.Checkpoint(v=tf.Variable(0.0), extra=tf.Variable(5.0)).read(path)
    with pytest.raises(AssertionError, match=r"not bound to checkpointed values.*\(root\)\.extra"):
        status.assert_existing_objects_matched()
    nothing = tf.train.Checkpoint(other=tf.Variable(0.0)).read(path)
    with pytest.raises(AssertionError, match=r"Nothing except the root object matched.*v/\.ATTRIBUTES"):
        nothing.assert_nontrivial_match()


def test_lists_and_dicts_are_tracked_and_restore_what_is_added_later(tmp_path):
    """The guide's "List and dictionary tracking"."""
    save = tf.train.Checkpoint()
    save.listed = [tf.Variable(1.0)]
    save.listed.append(tf.Variable(2.0))
    save.mapped = {"one": save.listed[0]}
    save.mapped["two"] = save.listed[1]
    save_path = save.save(str(tmp_path / "tf_list_example"))

    restore = tf.train.Checkpoint()
    v2 = tf.Variable(0.0)
    assert float(v2) == 0.0
    restore.mapped = {"two": v2}
    restore.restore(save_path)
    assert float(v2) == 2.0
    restore.listed = []
    assert repr(restore.listed) == "ListWrapper([])"
    v1 = tf.Variable(0.0)
    restore.listed.append(v1)  # restored from the restore() above
    assert float(v1) == 1.0


# -- CheckpointManager ----------------------------------------------------------------------------------------
def test_the_guides_train_and_checkpoint_loop_with_a_manager(tmp_path):
    directory = str(tmp_path / "tf_ckpts")

    def train_and_checkpoint(net, manager, checkpoint, optimizer):
        checkpoint.restore(manager.latest_checkpoint)
        messages = [f"Restored from {manager.latest_checkpoint}" if manager.latest_checkpoint
                    else "Initializing from scratch."]
        for _ in range(50):
            _train_step(net, optimizer)
            checkpoint.step.assign_add(1)
            if int(checkpoint.step) % 10 == 0:
                messages.append(f"Saved checkpoint for step {int(checkpoint.step)}: {manager.save()}")
        return messages

    def fresh():
        net, optimizer = Net(), keras.optimizers.Adam(0.1)
        checkpoint = tf.train.Checkpoint(step=tf.Variable(1), optimizer=optimizer, net=net)
        return net, tf.train.CheckpointManager(checkpoint, directory, max_to_keep=3), checkpoint, optimizer

    keras.utils.set_random_seed(0)
    first = train_and_checkpoint(*fresh())
    assert first[0] == "Initializing from scratch."
    assert first[1:] == [f"Saved checkpoint for step {10 * i}: {directory}/ckpt-{i}" for i in range(1, 6)]
    net, manager, checkpoint, optimizer = fresh()
    second = train_and_checkpoint(net, manager, checkpoint, optimizer)
    assert second[0] == f"Restored from {directory}/ckpt-5"
    assert second[1] == f"Saved checkpoint for step 60: {directory}/ckpt-6"
    assert manager.checkpoints == [f"{directory}/ckpt-{i}" for i in (8, 9, 10)]
    assert sorted(os.listdir(directory)) == ["checkpoint"] + [
        f"ckpt-{i}.{suffix}" for i in (10, 8, 9) for suffix in ("data-00000-of-00001", "index")]
    assert int(optimizer.iterations) == 99  # ckpt-5 was saved after 49 steps (step counts from 1)


def test_a_manager_reads_what_an_earlier_one_kept_and_checks_max_to_keep(tmp_path):
    checkpoint = tf.train.Checkpoint(v=tf.Variable(1.0))
    manager = tf.train.CheckpointManager(checkpoint, str(tmp_path), max_to_keep=None)
    paths = [manager.save() for _ in range(3)]
    assert manager.save(checkpoint_number=100).endswith("ckpt-100")
    again = tf.train.CheckpointManager(checkpoint, str(tmp_path), max_to_keep=None)
    assert again.checkpoints == paths + [str(tmp_path / "ckpt-100")]
    assert again.latest_checkpoint == str(tmp_path / "ckpt-100")
    with pytest.raises(ValueError, match="Expected a positive integer or `None` for `max_to_keep`, got 0"):
        tf.train.CheckpointManager(checkpoint, str(tmp_path), max_to_keep=0)
    started = []
    empty = tf.train.CheckpointManager(checkpoint, str(tmp_path / "new"), max_to_keep=1,
                                       init_fn=lambda: started.append(True))
    assert empty.restore_or_initialize() is None and started == [True]


# -- inspecting a checkpoint: "Manually inspecting checkpoints" --------------------------------------------
def test_load_checkpoint_gives_shapes_dtypes_and_values(tmp_path):
    net = _guide_checkpoint(tmp_path)
    reader = tf.train.load_checkpoint(str(tmp_path / "tf_ckpts"))
    shape_from_key = reader.get_variable_to_shape_map()
    dtype_from_key = reader.get_variable_to_dtype_map()
    key = "net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE"
    assert shape_from_key[key] == [1, 5]
    assert dtype_from_key[key].name == "float32"
    np.testing.assert_array_equal(reader.get_tensor(key), net.l1.kernel)
    assert tf.train.load_variable(str(tmp_path / "tf_ckpts"), "step/.ATTRIBUTES/VARIABLE_VALUE") == 1
    with pytest.raises(tf.errors.NotFoundError, match=r"Key net/l1 not found in checkpoint\n.*net/l1/bias"):
        reader.get_tensor("net/l1")
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file or checkpoints in given directory"):
        tf.train.list_variables(str(tmp_path))


def test_the_files_hold_json_and_plain_arrays_no_pickle(tmp_path):
    path = tf.train.Checkpoint(v=tf.Variable([1, 2], dtype=tf.int32), flag=tf.Variable(True)).write(
        str(tmp_path / "plain"))
    index = json.loads(open(path + ".index").read())
    assert index["format"] == "minitf.checkpoint"
    assert index["tensors"]["v/.ATTRIBUTES/VARIABLE_VALUE"]["dtype"] == "int32"
    with np.load(path + ".data-00000-of-00001", allow_pickle=False) as data:
        arrays = [data[name] for name in data.files]
    assert sorted(a.dtype.name for a in arrays) == ["bool", "int32"]
    # a data file holding a pickled object array is refused, not unpickled
    with open(path + ".data-00000-of-00001", "wb") as file:
        np.savez(file, t0=np.array([{"x": 1}], dtype=object), t1=np.array(True))
    with pytest.raises(tf.errors.DataLossError, match="Object arrays cannot be loaded"):
        tf.train.load_checkpoint(path)


# -- errors: checked before any assignment ---------------------------------------------------------------------
def _two_variable_checkpoint(tmp_path):
    return tf.train.Checkpoint(a=tf.Variable([1.0, 2.0]), b=tf.Variable([3.0, 4.0, 5.0])).write(
        str(tmp_path / "two"))


def test_a_shape_mismatch_raises_naming_the_key_and_changes_nothing(tmp_path):
    path = _two_variable_checkpoint(tmp_path)
    a, b = tf.Variable([0.0, 0.0]), tf.Variable([0.0, 0.0])
    with pytest.raises(ValueError, match=r"Received incompatible tensor with shape \(3,\) when attempting to restore "
                                         r"variable with shape \(2,\) and name b/\.ATTRIBUTES/VARIABLE_VALUE\.\n"
                                         r".*\(root\)\.b.*No variable was changed"):
        tf.train.Checkpoint(a=a, b=b).restore(path)
    np.testing.assert_array_equal(a, [0.0, 0.0])  # a matched, but nothing is assigned when anything fails
    np.testing.assert_array_equal(b, [0.0, 0.0])


def test_a_dtype_mismatch_raises_and_changes_nothing(tmp_path):
    path = _two_variable_checkpoint(tmp_path)
    a, b = tf.Variable([0.0, 0.0]), tf.Variable([0, 0, 0])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"tensor_name = b/\.ATTRIBUTES/VARIABLE_VALUE; "
                                                             r"expected dtype int32 does not equal original dtype "
                                                             r"float32 \[Op:RestoreV2\]\n.*dtype=float32"):
        tf.train.Checkpoint(a=a, b=b).read(path)
    np.testing.assert_array_equal(a, [0.0, 0.0])


def test_a_mismatch_found_when_a_layer_is_built_later_raises_then(tmp_path):
    keras.utils.set_random_seed(0)
    net = Net()
    net(tf.constant([[1.0]]))
    path = tf.train.Checkpoint(net=net).write(str(tmp_path / "net"))
    other = Net()
    tf.train.Checkpoint(net=other).read(path)
    with pytest.raises(ValueError, match=r"incompatible tensor with shape \(1, 5\).*shape \(2, 5\) and name "
                                         r"net/l1/kernel"):
        other(tf.constant([[1.0, 2.0]]))


def test_a_missing_checkpoint_raises_not_found_with_a_hint(tmp_path):
    v = tf.Variable(1.0)
    checkpoint = tf.train.Checkpoint(v=v)
    prefix = str(tmp_path / "ckpt")
    checkpoint.save(prefix)
    with pytest.raises(tf.errors.NotFoundError, match=r"Failed to find any matching files for .*ckpt\n.*missing "
                                                      r"the checkpoint suffix.*ckpt-1"):
        checkpoint.restore(prefix)
    with pytest.raises(tf.errors.NotFoundError, match="Pass the prefix without the file's suffix"):
        checkpoint.restore(prefix + "-1.index")
    with pytest.raises(ValueError, match=r"(?s)is a directory, not a checkpoint prefix.*latest_checkpoint"):
        checkpoint.restore(str(tmp_path))
    os.remove(prefix + "-1.data-00000-of-00001")
    with pytest.raises(tf.errors.NotFoundError, match=r"data-00000-of-00001; No such file or directory"):
        checkpoint.restore(prefix + "-1")


@pytest.mark.parametrize("damage", ["index garbage", "index truncated", "index edges", "index dtype",
                                    "data truncated", "data of another"])
def test_a_corrupt_checkpoint_raises_data_loss_and_changes_nothing(tmp_path, damage):
    path = _two_variable_checkpoint(tmp_path)
    other = tf.train.Checkpoint(a=tf.Variable([1, 2]), b=tf.Variable([3.0, 4.0, 5.0])).write(str(tmp_path / "o"))
    index, data = path + ".index", path + ".data-00000-of-00001"
    if damage == "index garbage":
        open(index, "wb").write(b"\x89HDF\r\n\x1a\n not an index")
    elif damage == "index truncated":
        text = open(index, "rb").read()
        open(index, "wb").write(text[: len(text) // 2])
    elif damage in ("index edges", "index dtype"):
        text = json.loads(open(index).read())
        if damage == "index edges":
            text["nodes"][0]["children"]["a"] = 99
        else:
            text["tensors"]["a/.ATTRIBUTES/VARIABLE_VALUE"]["dtype"] = "complex64"
        open(index, "w").write(json.dumps(text))
    elif damage == "data truncated":
        blob = open(data, "rb").read()
        open(data, "wb").write(blob[: len(blob) // 2])
    else:
        os.replace(other + ".data-00000-of-00001", data)
    a, b = tf.Variable([0.0, 0.0]), tf.Variable([0.0, 0.0, 0.0])
    with pytest.raises(tf.errors.DataLossError, match=r"(Unable to open table file|Unable to read) .*two"):
        tf.train.Checkpoint(a=a, b=b).restore(path)
    np.testing.assert_array_equal(a, [0.0, 0.0])
    np.testing.assert_array_equal(b, [0.0, 0.0, 0.0])


def test_a_variable_saved_where_the_program_has_another_object_raises(tmp_path):
    path = tf.train.Checkpoint(model=tf.Variable(1.0)).write(str(tmp_path / "v"))
    with pytest.raises(ValueError, match=r"saved a variable at \(root\)\.model, but the object there now is "
                                         r"SequentialModule"):
        tf.train.Checkpoint(model=SequentialModule()).read(path)


def test_checkpoint_refuses_what_holds_no_variables():
    with pytest.raises(ValueError, match=r"`Checkpoint` was expecting model to be a trackable object .*got 3"):
        tf.train.Checkpoint(model=3)
    assert tf.train.Checkpoint(listed=[]).listed == []  # a container may be filled later
    with pytest.raises(ValueError, match="minitf has no tf.data, so an iterator's position cannot be saved"):
        tf.train.Checkpoint(iterator=iter([1, 2]))  # the guide saves a tf.data iterator: out of minitf's scope


def test_the_optimizer_and_layers_name_their_checkpoint_children():
    layer = keras.layers.Dense(2)
    assert layer._checkpoint_children() == {}  # not built: no weights yet
    layer.build((None, 3))
    assert list(layer._checkpoint_children()) == ["kernel", "bias"]
    optimizer = keras.optimizers.SGD(0.1, momentum=0.5)
    assert list(optimizer._checkpoint_children()) == ["iter", "learning_rate"]
    optimizer.apply_gradients(zip([tf.ones((3, 2)), tf.ones(2)], layer.trainable_variables))
    assert [(v is layer.kernel, name) for v, name, _ in optimizer._checkpoint_slots()] == [
        (True, "momentum"), (False, "momentum")]


# -- minitf.Module: the modules guide's "Saving weights" ---------------------------------------------------
class GuideDense(tf.Module):
    def __init__(self, in_features, out_features, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.random.normal([in_features, out_features]), name="w")
        self.b = tf.Variable(tf.zeros([out_features]), name="b")

    def __call__(self, x):
        return tf.nn.relu(tf.matmul(x, self.w) + self.b)


class GuideSequentialModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = GuideDense(in_features=3, out_features=3)
        self.dense_2 = GuideDense(in_features=3, out_features=2)

    def __call__(self, x):
        return self.dense_2(self.dense_1(x))


def test_the_modules_guide_saves_a_module_and_restores_it_into_a_new_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tf.random.set_seed(0)
    my_model = GuideSequentialModule(name="the_model")
    x = tf.constant([[2.0, 2.0, 2.0]])
    expected = my_model(x)
    chkp_path = "my_checkpoint"
    checkpoint = tf.train.Checkpoint(model=my_model)
    checkpoint.write(chkp_path)
    assert sorted(os.listdir(".")) == ["my_checkpoint.data-00000-of-00001", "my_checkpoint.index"]
    assert tf.train.list_variables(chkp_path) == [
        ("_CHECKPOINTABLE_OBJECT_GRAPH", []),
        ("model/dense_1/b/.ATTRIBUTES/VARIABLE_VALUE", [3]),
        ("model/dense_1/w/.ATTRIBUTES/VARIABLE_VALUE", [3, 3]),
        ("model/dense_2/b/.ATTRIBUTES/VARIABLE_VALUE", [2]),
        ("model/dense_2/w/.ATTRIBUTES/VARIABLE_VALUE", [3, 2]),
    ]
    new_model = GuideSequentialModule()
    new_checkpoint = tf.train.Checkpoint(model=new_model)
    new_checkpoint.restore("my_checkpoint")
    np.testing.assert_array_equal(new_model(x), expected)  # the same result as the saved model


def test_a_module_with_a_list_of_modules_and_a_keras_layer_round_trips(tmp_path):
    class Blocks(tf.Module):
        def __init__(self):
            super().__init__()
            self.blocks = [GuideDense(3, 3), GuideDense(3, 3)]
            self.head = keras.layers.Dense(2)

        def __call__(self, x):
            for block in self.blocks:
                x = block(x)
            return self.head(x)

    x = tf.constant([[1.0, -1.0, 0.5]])
    model = Blocks()
    expected = model(x)
    path = tf.train.Checkpoint(model=model).write(str(tmp_path / "blocks"))
    keys = [key for key, _ in tf.train.list_variables(path)]
    assert "model/blocks/1/w/.ATTRIBUTES/VARIABLE_VALUE" in keys
    assert "model/head/kernel/.ATTRIBUTES/VARIABLE_VALUE" in keys
    fresh = Blocks()
    status = tf.train.Checkpoint(model=fresh).read(path)  # the Keras head is built on the first call
    np.testing.assert_array_equal(fresh(x), expected)
    status.assert_consumed()


def test_a_traced_module_computes_with_the_restored_values_without_tracing_again(tmp_path):
    class Traced(GuideSequentialModule):
        @tf.function
        def __call__(self, x):
            return self.dense_2(self.dense_1(x))

    x = tf.constant([[2.0, 2.0, 2.0]])
    saved, fresh = Traced(), Traced()
    path = tf.train.Checkpoint(model=saved).write(str(tmp_path / "traced"))
    fresh(x)
    tf.train.Checkpoint(model=fresh).read(path).assert_consumed()
    np.testing.assert_array_equal(fresh(x), saved(x))
    assert fresh.__call__.experimental_get_tracing_count() == 1


def test_a_module_restores_variables_it_creates_on_its_first_call(tmp_path):
    x = tf.constant([[2.0, 2.0, 2.0]])
    model = FlexibleDenseModule(3)
    expected = model(x)
    path = tf.train.Checkpoint(model=model).write(str(tmp_path / "flexible"))
    fresh = FlexibleDenseModule(3)
    status = tf.train.Checkpoint(model=fresh).read(path)
    np.testing.assert_array_equal(fresh(x), expected)
    status.assert_consumed()


def test_restore_assigns_through_bind_unseen_by_tapes(tmp_path, monkeypatch):
    """Issue 16's one door: a restore is an AssignVariableOp through bind, with no tape or tracer recording it."""
    from minitf import primitive, variable

    v = tf.Variable([1.0, 2.0])
    path = tf.train.Checkpoint(v=v).write(str(tmp_path / "ckpt"))
    v.assign([5.0, 6.0])
    bound, seen = [], []
    real_bind = variable.bind

    def counting_bind(prim, *inputs, **params):
        bound.append(prim.name)
        seen.append(list(primitive.recorders))
        return real_bind(prim, *inputs, **params)

    monkeypatch.setattr(variable, "bind", counting_bind)
    with tf.GradientTape() as tape:
        tf.train.Checkpoint(v=v).read(path)
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    assert bound == ["AssignVariableOp"] and seen == [[]]
    assert tape.recorded_ops() == ()
