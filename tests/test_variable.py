"""Variables: creation, assignment (whole and sliced), checks, and use as tensors."""

import numpy as np
import pytest

import minitf as tf


def test_repr_follows_tensorflow():
    v = tf.Variable([[1.0], [2.0], [3.0]])
    assert repr(v) == ("<minitf.Variable 'Variable:0' shape=(3, 1) dtype=float32, numpy=\n"
                       "array([[1.],\n       [2.],\n       [3.]], dtype=float32)>")
    assert tf.Variable(1.0, name="w").name == "w:0"
    assert str(tf.Variable(1.0)) == "<minitf.Variable 'Variable:0' shape=() dtype=float32, numpy=1.0>"


def test_assign_family_returns_the_variable_and_updates():
    v = tf.Variable([1.0, 2.0])
    assert v.assign([3.0, 4.0]) is v and v.numpy().tolist() == [3.0, 4.0]
    v.assign_add([1.0, 1.0])
    v.assign_sub(tf.constant([0.5, 0.5]))
    assert v.numpy().tolist() == [3.5, 4.5]


def test_sliced_assignment_from_the_book():
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    v[0, 1].assign(42.0)
    v[:, 2].assign([0.0, 1.0])
    v[1, :2].assign_add([10.0, 10.0])
    assert v.numpy().tolist() == [[1.0, 42.0, 0.0], [14.0, 15.0, 1.0]]


def test_bad_assignments_raise_and_leave_the_variable_untouched():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    mismatch = r"Shape mismatch. The variable shape \(2, 2\), and the assigned value shape \(3,\)"
    with pytest.raises(ValueError, match=mismatch):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype float64"):
        v.assign(tf.constant(np.zeros((2, 2))))
    sliced = r"sliced l-value shape \[2\] does not match r-value shape \[3\]"
    with pytest.raises(tf.errors.InvalidArgumentError, match=sliced):
        v[:, 0].assign([1.0, 2.0, 3.0])
    assert v.numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_variables_work_wherever_tensors_do():
    v = tf.Variable([[2.0]])
    assert float(v * 3.0) == 6.0 and float(tf.matmul(v, v)) == 4.0 and float(np.sum(v)) == 2.0
    assert isinstance(v + 1.0, tf.Tensor) and not isinstance(v + 1.0, tf.Variable)


def test_variable_from_initializer_callable_and_dtype():
    v = tf.Variable(lambda: tf.ones([2]), dtype=tf.float64)
    assert v.dtype == tf.float64 and v.trainable
    assert not tf.Variable(0, trainable=False).trainable


def test_read_value_is_a_recorded_snapshot():
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        r = v.read_value()
        v.assign(10.0)
        y = r * r
    assert float(r) == 3.0 and float(tape.gradient(y, v)) == 6.0


def test_updates_never_change_a_value_someone_else_can_see():
    """assign_add/assign_sub may update in place only when nothing shares the array (copy-on-write)."""
    v = tf.Variable([1.0, 2.0])
    alias = tf.identity(v)  # the identity op shares the variable's array
    view = np.asarray(v)
    reshaped = tf.reshape(v, (2, 1))
    v.assign_add([10.0, 10.0])
    assert alias.numpy().tolist() == [1.0, 2.0] and view.tolist() == [1.0, 2.0]
    assert reshaped.numpy().tolist() == [[1.0], [2.0]] and v.numpy().tolist() == [11.0, 12.0]
    del alias, view, reshaped
    before = id(v._value)  # (holding the array itself would count as sharing it)
    v.assign_sub([1.0, 1.0])  # now nothing else holds it: updated in place
    assert v.numpy().tolist() == [10.0, 11.0] and id(v._value) == before


def test_a_held_snapshot_keeps_its_values_and_a_stale_one_does_not_stop_in_place_updates():
    v = tf.Variable([1.0, 2.0])
    snap = v.snapshot()  # held here, as a tape holds the value an op read
    v.assign_add([1.0, 1.0])
    assert snap.numpy().tolist() == [1.0, 2.0] and v.numpy().tolist() == [2.0, 3.0]
    before = id(v._value)
    v.assign_sub([1.0, 1.0])  # the held snapshot wraps the old array: the new one is the variable's alone
    assert id(v._value) == before and v.numpy().tolist() == [1.0, 2.0] and snap.numpy().tolist() == [1.0, 2.0]
    current = v.snapshot()
    v.assign_sub([1.0, 1.0])  # the current snapshot is held: a new array, and the snapshot keeps [1, 2]
    assert current.numpy().tolist() == [1.0, 2.0] and v.numpy().tolist() == [0.0, 1.0]
    del snap, current
    before = id(v._value)
    for _ in range(2):  # only the variable holds its snapshot: updated in place, and the snapshot follows
        v.assign_add([1.0, 1.0])
        assert v.snapshot().numpy().tolist() == v.numpy().tolist()
    assert id(v._value) == before and v.numpy().tolist() == [2.0, 3.0]


def test_updates_never_write_into_another_tensors_memory():
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    row = tf.Variable(t[0])  # may hold a view of t's array
    row.assign_add([10.0, 10.0])
    flat = tf.Variable([0.0, 0.0, 0.0, 0.0])
    flat.assign(tf.reshape(t, [4]))  # holds a reshaped view of t
    flat.assign_sub([1.0, 1.0, 1.0, 1.0])
    scalar = tf.Variable(tf.reduce_sum(t))  # NumPy reductions return read-only scalars
    scalar.assign_add(1.0)
    assert t.numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert row.numpy().tolist() == [11.0, 12.0] and flat.numpy().tolist() == [0.0, 1.0, 2.0, 3.0]
    assert float(scalar) == 11.0


def test_scatter_nd_update_from_hands_on_ml():
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert v.scatter_nd_update(indices=[[0, 0], [1, 2]], updates=[100.0, 200.0]) is v
    assert v.numpy().tolist() == [[100.0, 2.0, 3.0], [4.0, 5.0, 200.0]]
    v.scatter_nd_update([[1]], [[7.0, 8.0, 9.0]])  # a whole row
    assert v.numpy().tolist() == [[100.0, 2.0, 3.0], [7.0, 8.0, 9.0]]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[2, 0\] does not index into shape \[2,3\]"):
        v.scatter_nd_update([[2, 0]], [1.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="updates must have shape"):
        v.scatter_nd_update([[0, 0], [1, 1]], [1.0])
    assert v.numpy().tolist() == [[100.0, 2.0, 3.0], [7.0, 8.0, 9.0]]
