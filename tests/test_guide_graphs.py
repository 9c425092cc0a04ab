"""TensorFlow's guide "Introduction to graphs and tf.function", section by section.

Each test runs what one section of the guide shows, written with minitf, and checks the values
and the tracing behaviour TensorFlow shows there. Left out, and why:

- "Converting Python functions to graphs" shows AutoGraph turning a Python ``if`` on a tensor
  into a graph conditional, and prints its code (``tf.autograph.to_code``) and the graph's
  protocol buffer (``as_graph_def``). minitf has no AutoGraph (README, "Where minitf differs"): a
  Python ``if`` on a tensor is decided while tracing, with a warning, and ``minitf.autograph``
  says so in one error; a graph prints as a small Python-like program instead of a GraphDef.
- "Non-strict execution": minitf traces by running every op on the first call's values, so an op
  whose result is unused still raises during that first call; the graph then drops it, so later
  calls do not run it (the test below shows that half).
- The speed-up sections time the two versions; speed is measured in ``benchmarks/``, never in
  unit tests, so here only the results are compared.
"""

import re
import warnings

import numpy as np
import pytest

import minitf as tf


def a_regular_function(x, y, b):
    x = tf.matmul(x, y)
    return x + b


# -- Taking advantage of graphs ------------------------------------------------------------------
def test_a_function_gives_the_results_of_the_python_function_it_traces():
    traced = tf.function(a_regular_function)
    x1, y1, b1 = tf.constant([[1.0, 2.0]]), tf.constant([[2.0], [3.0]]), tf.constant(4.0)
    eager, graph = a_regular_function(x1, y1, b1), traced(x1, y1, b1)
    np.testing.assert_array_equal(eager.numpy(), [[12.0]])
    np.testing.assert_array_equal(graph.numpy(), eager.numpy())
    assert type(traced).__name__ == "Function"  # a callable object holding the graphs, not a plain function


def test_functions_called_by_a_traced_function_are_traced_into_the_same_graph():
    @tf.function
    def outer_function(x):
        y = tf.constant([[2.0], [3.0]])
        b = tf.constant(4.0)
        return a_regular_function(x, y, b)

    np.testing.assert_array_equal(outer_function(tf.constant([[1.0, 2.0]])).numpy(), [[12.0]])
    graph = outer_function.get_concrete_function(tf.constant([[1.0, 2.0]])).graph
    assert [op.type for op in graph.get_operations() if op.type not in ("Placeholder", "Const")] == ["MatMul", "Add"]


# -- Converting Python functions to graphs (no AutoGraph in minitf) -----------------------------
def test_a_python_if_on_a_tensor_is_decided_while_tracing_and_minitf_warns():
    def simple_relu(x):
        if tf.greater(x, 0):
            return x
        return 0

    tf_simple_relu = tf.function(simple_relu)
    with pytest.warns(UserWarning, match="minitf has no AutoGraph"):
        assert tf_simple_relu(tf.constant(1)).numpy() == 1
    with pytest.raises(NotImplementedError, match=r"minitf.autograph.to_code does not exist: minitf has no AutoGraph"):
        tf.autograph.to_code(simple_relu)


def test_a_graph_lists_its_operations_and_prints_as_a_program():
    graph = tf.function(a_regular_function).get_concrete_function(
        tf.constant([[1.0, 2.0]]), tf.constant([[2.0], [3.0]]), tf.constant(4.0)).graph
    assert [op.name for op in graph.get_operations()] == ["x", "y", "b", "MatMul", "Add"]
    assert "MatMul = MatMul(x, y" in str(graph) and str(graph).endswith("return Add")
    with pytest.raises(NotImplementedError, match="minitf has no GraphDef.*\n  print\\(graph\\) shows"):
        graph.as_graph_def()


# -- Polymorphism: one Function, many graphs -----------------------------------------------------
def test_one_function_holds_one_graph_per_input_signature():
    @tf.function
    def my_relu(x):
        return tf.maximum(0.0, x)

    assert my_relu(tf.constant(5.5)).numpy() == 5.5
    np.testing.assert_array_equal(my_relu([1, -1]).numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(my_relu(tf.constant([3.0, -3.0])).numpy(), [3.0, 0.0])
    assert my_relu.experimental_get_tracing_count() == 3
    assert my_relu(tf.constant(-2.5)).numpy() == 0.0  # these signatures were seen: no new graph
    np.testing.assert_array_equal(my_relu(tf.constant([-1.0, 1.0])).numpy(), [0.0, 1.0])
    assert my_relu.experimental_get_tracing_count() == 3
    def spec(shape):
        return f"TensorSpec(shape={shape}, dtype=tf.float32, name=None)"

    def block(parameter, output):  # the guide's printout: each graph's inputs, its output type and its captures
        return ["Input Parameters:", f"  x (POSITIONAL_OR_KEYWORD): {parameter}", "Output Type:", f"  {output}",
                "Captures:", "  None"]

    assert my_relu.pretty_printed_concrete_signatures().split("\n") == (
        block(spec("()"), spec("()")) + [""] + block("List[Literal[1], Literal[-1]]", spec("(2,)")) + [""]
        + block(spec("(2,)"), spec("(2,)")))
    assert my_relu.pretty_printed_concrete_signatures(verbose=False).splitlines() == [
        "my_relu(x: float32[])", "my_relu(x=[1, -1])", "my_relu(x: float32[2])"]


# -- Using tf.function: graph execution vs. eager execution --------------------------------------
def _get_mse():
    def get_mse(y_true, y_pred):
        print("Calculating MSE!")
        sq_diff = tf.pow(y_true - y_pred, 2)
        return tf.reduce_mean(sq_diff)
    return get_mse


def test_python_print_runs_while_tracing_only(capsys):
    tf.random.set_seed(1)
    y_true = tf.random.uniform([5], maxval=10, dtype=tf.int32)
    y_pred = tf.random.uniform([5], maxval=10, dtype=tf.int32)
    get_mse = _get_mse()
    expected = int(np.mean((y_true.numpy() - y_pred.numpy()) ** 2))  # an integer mean truncates, as TensorFlow's
    traced = tf.function(get_mse)
    results = [traced(y_true, y_pred).numpy() for _ in range(3)]
    assert results == [expected] * 3
    assert capsys.readouterr().out.count("Calculating MSE!") == 1


def test_run_functions_eagerly_runs_the_python_on_every_call(capsys):
    traced = tf.function(_get_mse())
    y = tf.constant([1, 2, 3])
    tf.config.run_functions_eagerly(True)
    try:
        assert tf.config.functions_run_eagerly()
        for _ in range(3):
            assert traced(y, y + 1).numpy() == 1
    finally:
        tf.config.run_functions_eagerly(False)
    assert capsys.readouterr().out.count("Calculating MSE!") == 3
    assert not tf.config.functions_run_eagerly() and traced.experimental_get_tracing_count() == 0


def test_tf_print_runs_on_every_call(capsys):
    @tf.function
    def get_mse(y_true, y_pred):
        tf.print("Calculating MSE!")
        return tf.reduce_mean(tf.pow(y_true - y_pred, 2))

    for _ in range(3):
        get_mse(tf.constant([1, 2]), tf.constant([1, 4]))
    captured = capsys.readouterr()
    assert (captured.out + captured.err).count("Calculating MSE!") == 3


# -- Non-strict execution ------------------------------------------------------------------------
def test_an_unused_op_raises_eagerly_and_is_left_out_of_the_graph():
    def unused_return(x):
        tf.gather(x, [1])  # its result is not used
        return x

    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape("[Op:GatherV2]")):
        unused_return(tf.constant([0.0]))
    traced = tf.function(unused_return, input_signature=[tf.TensorSpec([None])])
    traced(tf.constant([0.0, 1.0]))  # minitf traces on these values: index 1 exists
    assert "GatherV2" not in [op.type for op in traced.get_concrete_function().graph.get_operations()]
    np.testing.assert_array_equal(traced(tf.constant([0.0])).numpy(), [0.0])  # the graph does not gather


# -- Seeing the speed-up (results only: timings live in benchmarks/) -----------------------------
def test_the_graph_of_a_loop_computes_what_the_loop_does():
    def power(x, y):
        result = tf.eye(10, dtype=tf.dtypes.int32)
        for _ in range(y):
            result = tf.matmul(x, result)
        return result

    x = tf.random.uniform(shape=[10, 10], minval=-1, maxval=2, dtype=tf.dtypes.int32)
    np.testing.assert_array_equal(tf.function(power)(x, 10).numpy(), power(x, 10).numpy())
    graph = tf.function(power).get_concrete_function(x, 3).graph
    assert [op.type for op in graph.get_operations()].count("MatMul") == 3  # Python's loop unrolled


# -- When is a Function tracing? -----------------------------------------------------------------
def test_a_new_python_value_traces_again_a_new_tensor_value_does_not(capsys):
    @tf.function
    def a_function_with_python_side_effect(x):
        print("Tracing!")
        return x * x + tf.constant(2)

    assert a_function_with_python_side_effect(tf.constant(2)).numpy() == 6
    assert a_function_with_python_side_effect(tf.constant(3)).numpy() == 11
    assert capsys.readouterr().out.count("Tracing!") == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a retracing warning is not this test's subject
        assert a_function_with_python_side_effect(2).numpy() == 6
        assert a_function_with_python_side_effect(3).numpy() == 11
    assert capsys.readouterr().out.count("Tracing!") == 2
    assert a_function_with_python_side_effect.experimental_get_tracing_count() == 3
