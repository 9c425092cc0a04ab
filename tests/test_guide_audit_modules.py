"""The audit of "Introduction to modules, layers, and models" (issue 18): what its TensorBoard section asks for.

The guide traces a module's ``__call__`` and writes the graph for TensorBoard with ``tf.summary`` and
``tf.profiler``; minitf has neither, so each answers with one clear error saying what to use instead,
while the module itself still runs as a graph and prints it.
"""

import pytest

import minitf as tf


class _Dense(tf.Module):
    def __init__(self, in_features, out_features, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.ones([in_features, out_features]), name="w")
        self.b = tf.Variable(tf.zeros([out_features]), name="b")

    def __call__(self, x):
        return tf.nn.relu(tf.matmul(x, self.w) + self.b)


class _TracedSequential(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = _Dense(3, 3)
        self.dense_2 = _Dense(3, 2)

    @tf.function
    def __call__(self, x):
        return self.dense_2(self.dense_1(x))


@pytest.mark.parametrize("use, name, what", [
    (lambda: tf.summary.create_file_writer("logs/func"), "minitf.summary.create_file_writer",
     "TensorBoard summaries"),
    (lambda: tf.summary.trace_on(graph=True), "minitf.summary.trace_on", "TensorBoard summaries"),
    (lambda: tf.profiler.experimental.start("logs/func"), "minitf.profiler.experimental", "profiler"),
])
def test_the_tensorboard_cells_raise_one_clear_error_each(use, name, what):
    with pytest.raises(NotImplementedError) as caught:
        use()
    first, fix = str(caught.value).split("\n")
    assert first == f"{name} does not exist: minitf has no {what} (TensorFlow has tf.{name.split('.')[1]})."
    assert fix.startswith("  minitf covers what the book's first chapters and TensorFlow's low-level guides use; ")


def test_what_the_error_suggests_instead_shows_the_traced_module_s_graph():
    model = _TracedSequential(name="the_model")
    x = tf.constant([[2.0, 2.0, 2.0]])
    assert model(x).numpy().tolist() == [[18.0, 18.0]]
    text = str(model.__call__.get_concrete_function(x).graph)
    assert text.count(" = MatMul(") == 2 and text.count(" = Relu(") == 2
