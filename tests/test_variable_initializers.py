"""What a variable created while ``minitf.function`` traces may start from, as TensorFlow 2.21 decides.

On a function's first trace TensorFlow lifts a variable's initializer out of the graph and runs it once
(``UnliftedInitializerVariable``), so ``tf.Variable(tf.zeros([2]))`` there works, as a Module's lazy
``if not self.is_built:`` pattern needs. Inside ``tf.init_scope`` the variable is a plain one, and a tensor of the
trace as its initial value raises "Tensor-typed variable initializers must either be wrapped in an init_scope or
callable". minitf adds one case: a trace from TensorSpecs has made-up values, so a variable cannot start from them.
"""

import numpy as np
import pytest

import minitf as tf
from tests.test_guide_modules import FlexibleDenseModule  # the modules guide's lazy module

TF_FIRST_LINE = (r"Tensor-typed variable initializers must either be wrapped in an init_scope or callable \(e\.g\., "
                 r"`minitf\.Variable\(lambda : minitf\.random\.truncated_normal\(\[10, 40\]\)\)`\) when building "
                 r"functions\. Please file a feature request if this restriction inconveniences you\.")


def test_the_guides_lazy_module_works_inside_a_traced_function_as_in_tensorflow():
    tf.random.set_seed(1)
    eager = FlexibleDenseModule(2)
    expected = eager(tf.ones([1, 3]))
    tf.random.set_seed(1)
    module = FlexibleDenseModule(2)
    traced = tf.function(module)
    np.testing.assert_allclose(traced(tf.ones([1, 3])), expected)  # the initializer ran once, as TF lifts it
    module.b.assign([1.0, 1.0])
    np.testing.assert_allclose(traced(tf.ones([1, 3])), tf.nn.relu(tf.matmul(tf.ones([1, 3]), module.w) + 1.0))
    assert traced.experimental_get_tracing_count() == 1


def test_inside_init_scope_a_tensor_of_the_trace_raises_tensorflows_error():
    @tf.function
    def scale(x):
        doubled = x * 2.0
        with tf.init_scope():
            v = tf.Variable(doubled)
        return x * v

    with pytest.raises(ValueError, match=TF_FIRST_LINE + r"\n  The initial value 'Mul:0' was computed by the traced "
                                         r"function; init_scope runs its block outside the trace, once: compute the "
                                         r"initial value inside that block, or pass a function"):
        scale(tf.constant(1.0))


@pytest.mark.parametrize("initial_value", [[1.0, 2.0], np.array([1.0, 2.0], "float32"),
                                           lambda: tf.constant([1.0, 2.0]), lambda: tf.ones([2]) + [0.0, 1.0]])
def test_values_arrays_and_functions_are_fine_inside_init_scope(initial_value):
    made = []

    @tf.function
    def f(x):
        if not made:
            with tf.init_scope():
                made.append(tf.Variable(initial_value))
        return x * made[0]

    np.testing.assert_allclose(f(tf.constant(2.0)), [2.0, 4.0])
    assert made[0].numpy().tolist() == [1.0, 2.0]


def test_a_tensor_made_inside_init_scope_is_fine_and_runs_once():
    made = []

    @tf.function
    def f(x):
        if not made:
            with tf.init_scope():
                made.append(tf.Variable(tf.random.uniform([2])))
        return x * made[0]

    first = f(tf.constant(1.0))
    np.testing.assert_array_equal(f(tf.constant(1.0)), first)
    assert "RandomUniform" not in {op.type for op in f.get_concrete_function(tf.constant(1.0)).graph.get_operations()}


def test_a_callable_initial_value_is_called_once():
    calls = []

    def initial():
        calls.append(1)
        return tf.fill([2], 3.0)

    v = tf.Variable(initial, name="v")
    assert (v.numpy().tolist(), v.name, len(calls)) == ([3.0, 3.0], "v:0", 1)
    assert tf.Variable(lambda: [1, 2], dtype=tf.float32).dtype == tf.float32


def test_a_variable_made_from_a_trace_from_tensorspecs_raises_instead_of_keeping_made_up_values():
    class Lazy(tf.Module):
        def __init__(self):
            super().__init__()
            self.v = None

        @tf.function(input_signature=[tf.TensorSpec([3])])
        def __call__(self, x):
            if self.v is None:
                self.v = tf.Variable(x + 1.0)
            return x * self.v

    with pytest.raises(ValueError, match=TF_FIRST_LINE + r"\n  The initial value 'Add:0' was computed by the traced "
                                         r"function; '__call__' is traced from TensorSpecs, so it is made up"):
        Lazy().__call__.get_concrete_function()
    lazy = Lazy()
    np.testing.assert_allclose(lazy(tf.constant([1.0, 2.0, 3.0])), [2.0, 6.0, 12.0])  # a real call's values: fine
