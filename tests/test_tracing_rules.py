"""Rules TensorFlow enforces on traced functions, as minitf enforces them.

A tensor computed while tracing and kept past the trace (in a list, a global, an attribute) has no
value outside it: its ``.numpy()`` raises ``AttributeError``, ops on it raise ``TypeError`` (TensorFlow's
words: eagerly "An op outside of the function building code...", in another traced function "... is out
of scope and cannot be used here"). ``TensorSpec(None)``, an unknown rank, accepts tensors of any rank.
``py_function`` is one op that calls back into Python on every run of the graph.
"""

import re

import numpy as np
import pytest

import minitf as tf


def _leaky():
    leaked = []

    @tf.function
    def leaky_function(a):
        leaked.append(a + 1)  # kept past the trace
        return a + 2

    return leaky_function, leaked


def test_return_values_are_usable_a_leaked_tensor_is_not():
    leaky_function, leaked = _leaky()
    assert leaky_function(tf.constant(1)).numpy() == 3
    x = leaked[0]
    assert repr(x) == "<minitf.Tensor 'Add:0' shape=() dtype=int32>" and x.shape == () and x.dtype == tf.int32
    with pytest.raises(AttributeError, match="^'SymbolicTensor' object has no attribute 'numpy'\n.*Return it from"):
        x.numpy()
    with pytest.raises(NotImplementedError, match=re.escape("Cannot convert a symbolic minitf.Tensor (Add:0)")):
        np.asarray(x)
    assert leaky_function(tf.constant(5)).numpy() == 7  # the function itself still works


def test_an_eager_op_on_a_leaked_tensor_raises_type_error():
    leaky_function, leaked = _leaky()
    leaky_function(tf.constant(1))
    with pytest.raises(TypeError, match='^An op outside of the function building code is being passed a "Graph" '
                                        "tensor.\n  <minitf.Tensor 'Add:0' .*traced 'leaky_function'"):
        leaked[0] + 1  # noqa: B018
    with pytest.raises(TypeError, match="computed while minitf.function traced 'leaky_function' and kept outside"):
        float(leaked[0])


def test_a_leaked_tensor_captured_or_passed_by_another_traced_function_raises_type_error():
    leaky_function, leaked = _leaky()
    leaky_function(tf.constant(1))

    @tf.function
    def captures_leaked_tensor(b):
        return b + leaked[0]

    with pytest.raises(TypeError, match=re.escape("<minitf.Tensor 'Add:0' shape=() dtype=int32> is out of scope and "
                                                  "cannot be used here. Use return values")):
        captures_leaked_tensor(tf.constant(2))
    with pytest.raises(TypeError, match="computed while minitf.function traced 'leaky_function' and kept outside"):
        tf.function(lambda b: b * 2)(leaked[0])


def test_a_tensor_stored_on_self_while_tracing_leaks_too():
    class Model:
        def __init__(self):
            self.last = None

        @tf.function
        def __call__(self, x):
            self.last = x * 2.0
            return self.last + 1.0

    model = Model()
    assert model(tf.constant(1.0)).numpy() == 3.0
    with pytest.raises(AttributeError, match="^'SymbolicTensor' object has no attribute 'numpy'\n.*traced '__call__'"):
        model.last.numpy()


def test_tensors_returned_or_captured_from_outside_stay_usable():
    outside = tf.constant(10.0)
    keep = []

    @tf.function
    def f(x):
        y = x + outside
        keep.append(y)
        return y, x

    y, x = f(tf.constant(1.0))
    assert y.numpy() == 11.0 and x.numpy() == 1.0 and outside.numpy() == 10.0
    assert keep[0] is y  # minitf's trace is the first call: the tensor returned is the one kept


def test_under_an_outer_tape_the_first_call_s_tensors_stay_usable_for_the_gradient():
    keep = []
    v = tf.Variable(2.0)

    @tf.function
    def f(x):
        keep.append(x * v)
        return keep[-1] * v

    with tf.GradientTape() as tape:
        y = f(tf.constant(3.0))
    assert tape.gradient(y, v).numpy() == 12.0  # d(3 v^2)/dv


# -- TensorSpec(None): an unknown rank -----------------------------------------------------------
def test_an_unknown_rank_spec_traces_once_for_every_rank(capsys):
    @tf.function(input_signature=[tf.TensorSpec(None, tf.float32)])
    def affine(x):
        print("Tracing")
        return x * 2.0 + 1.0

    assert affine(tf.constant(1.0)).numpy() == 3.0
    np.testing.assert_array_equal(affine(tf.constant([1.0, 2.0])).numpy(), [3.0, 5.0])
    np.testing.assert_array_equal(affine(tf.constant([[1.0], [2.0]])).numpy(), [[3.0], [5.0]])
    assert affine.experimental_get_tracing_count() == 1 and capsys.readouterr().out == "Tracing\n"
    assert repr(affine.input_signature[0]) == "TensorSpec(shape=<unknown>, dtype=tf.float32, name=None)"
    assert affine.pretty_printed_concrete_signatures(verbose=False) == "affine(x: float32[...])"
    with pytest.raises(TypeError, match="Binding inputs to minitf.function 'affine' failed"):
        affine(tf.constant(1))


def test_an_unknown_rank_spec_traces_a_reduction_over_every_axis_once_for_any_rank():
    @tf.function(input_signature=[tf.TensorSpec(None, tf.float32)])
    def total(x):
        return tf.reduce_sum(x) + tf.reduce_mean(x, keepdims=True) * 0.0  # every axis, whatever the rank

    assert total(tf.constant([1.0, 2.0])).numpy() == 3.0
    assert total(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy() == [[10.0]]
    assert total(tf.constant(5.0)).numpy() == 5.0
    assert total.experimental_get_tracing_count() == 1


def test_an_unknown_rank_graph_that_fixes_axes_is_traced_once_per_rank_and_stays_right():
    @tf.function(input_signature=[tf.TensorSpec(None, tf.float32)])
    def last_axis_total(x):
        return tf.reduce_sum(x, axis=-1)  # its graph names the axis summed, which depends on the rank

    assert last_axis_total(tf.constant([1.0, 2.0])).numpy() == 3.0
    assert last_axis_total(tf.constant([3.0, 4.0, 5.0])).numpy() == 12.0  # same rank: the same graph
    np.testing.assert_array_equal(last_axis_total(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy(), [3.0, 7.0])
    assert last_axis_total.experimental_get_tracing_count() == 2


def test_an_unknown_rank_spec_can_be_traced_without_values():
    f = tf.function(lambda x, y: tf.abs(x) * y, input_signature=[tf.TensorSpec(None), tf.TensorSpec([])])
    concrete = f.get_concrete_function()
    assert concrete.pretty_printed_signature(verbose=False) == "<lambda>(x: float32[...], y: float32[])"
    assert concrete.outputs[0].shape.rank is None
    np.testing.assert_array_equal(concrete(tf.constant([[-1.0, 2.0]]), tf.constant(3.0)).numpy(), [[3.0, 6.0]])
    assert f(tf.constant(-2.0), 2.0).numpy() == 4.0 and f.experimental_get_tracing_count() == 1


# -- shapes as tensors --------------------------------------------------------------------------
def test_a_known_shape_converts_to_an_int32_tensor_an_unknown_one_raises():
    x = tf.ones([2, 3, 4])
    assert tf.reduce_prod(x.shape).numpy() == 24 and tf.convert_to_tensor(x.shape).dtype == tf.int32
    np.testing.assert_array_equal(tf.convert_to_tensor(x.shape[1:]).numpy(), [3, 4])
    assert tf.reduce_sum(tf.TensorShape([5, 6])).numpy() == 11

    @tf.function(input_signature=[tf.TensorSpec([None, 3])])
    def count(x):
        return tf.reduce_prod(x.shape)

    with pytest.raises(ValueError, match=re.escape("Cannot convert a partially known TensorShape (None, 3) to a "
                                                   "Tensor.\n  Its unknown dims have no value yet: use minitf.shape")):
        count.get_concrete_function()  # traced from the TensorSpec: x.shape is (None, 3)
    with pytest.raises(ValueError, match="Cannot convert a partially known TensorShape <unknown> to a Tensor"):
        tf.convert_to_tensor(tf.TensorShape(None))
    count = tf.function(lambda x: tf.reduce_prod(tf.shape(x)), input_signature=[tf.TensorSpec([None, 3])])
    assert count(tf.ones([5, 3])).numpy() == 15


# -- py_function ---------------------------------------------------------------------------------
def test_py_function_in_a_traced_function_is_one_op_that_calls_python_on_every_call():
    calls = []

    def log_and_square(x):
        calls.append(float(x))  # a Python side effect, and a value read in Python
        return x * x

    @tf.function
    def f(x):
        return tf.py_function(log_and_square, [x], Tout=tf.float32) + 1.0

    assert [f(tf.constant(v)).numpy() for v in (1.0, 2.0, 3.0)] == [2.0, 5.0, 10.0]
    assert calls == [1.0, 2.0, 3.0] and f.experimental_get_tracing_count() == 1
    graph = f.get_concrete_function(tf.constant(1.0)).graph
    assert [op.type for op in graph.get_operations()] == ["Placeholder", "EagerPyFunc", "Const", "Add"]
    assert "EagerPyFunc(x, func=test_py_function_in_a_traced_function_is_one_op_that_calls_python_on_every_call." \
           "<locals>.log_and_square, Tout=float32)" in str(graph)


def test_py_function_gradients_eagerly_and_traced():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.py_function(lambda a: a * a * a, [x], Tout=tf.float32)
    assert tape.gradient(y, x).numpy() == 27.0
    f = tf.function(lambda a, b: tf.py_function(lambda p, q: p * q, [a, b], Tout=tf.float32))
    a, b = tf.constant(2.0), tf.constant(5.0)
    f(a, b)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = f(a, b)  # the graph's replay: one EagerPyFunc op, differentiated by running func under a tape
    assert [g.numpy() for g in tape.gradient(y, [a, b])] == [5.0, 2.0]


def test_py_function_traced_under_a_tape_gives_first_and_second_derivatives():
    f = tf.function(lambda a: tf.py_function(lambda p: p * p * p, [a], Tout=tf.float32) * 2.0)
    a = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(a)
        with tf.GradientTape() as inner:
            inner.watch(a)
            y = f(a)  # the first call traces, under both tapes
        dy = inner.gradient(y, a)
    assert (y.numpy(), dy.numpy(), outer.gradient(dy, a).numpy()) == (16.0, 24.0, 24.0)  # 2a^3, 6a^2, 12a


def test_py_function_may_use_numpy_and_converts_the_result_to_tout():
    f = tf.function(lambda x: tf.py_function(lambda t: np.sort(t.numpy()), [x], Tout=tf.float32))
    np.testing.assert_array_equal(f(tf.constant([3.0, 1.0, 2.0])).numpy(), [1.0, 2.0, 3.0])
    result = tf.py_function(lambda: 7, [], Tout=[tf.int64])
    assert isinstance(result, list) and result[0].dtype == tf.int64 and result[0].numpy() == 7


def test_py_function_errors_say_what_to_do():
    with pytest.raises(TypeError, match="returned a int32 tensor but Tout is float32.\n  Give Tout=minitf.int32"):
        tf.py_function(lambda x: x, [tf.constant(1)], Tout=tf.float32)
    with pytest.raises(NotImplementedError, match="returns one tensor, but Tout lists 2 dtypes"):
        tf.py_function(lambda x: (x, x), [tf.constant(1)], Tout=[tf.int32, tf.int32])


def test_a_trace_that_fails_leaves_every_variable_as_it_was():
    """TensorFlow runs nothing while tracing, so an error in a trace changes no state; minitf's trace runs the ops."""
    v = tf.Variable(1.0)

    @tf.function
    def step(x):
        v.assign_add(tf.reduce_sum(x))
        if x.shape[0] == 2:
            raise RuntimeError("stop")
        return v.read_value()

    step(tf.constant([1.0]))
    assert float(v) == 2.0
    with pytest.raises(RuntimeError, match="stop"):
        step(tf.constant([1.0, 1.0]))
    assert float(v) == 2.0


def test_a_later_trace_that_creates_a_variable_raises_before_it_changes_anything():
    v = tf.Variable(0.0)
    made = []

    @tf.function
    def step(x):
        v.assign_add(1.0)
        if x.shape[0] == 2:
            made.append(tf.Variable(3.0))
        return v.read_value()

    step(tf.constant([1.0]))
    with pytest.raises(ValueError, match="singleton minitf.Variables created on the first call"):
        step(tf.constant([1.0, 1.0]))
    assert float(v) == 1.0 and made == []
