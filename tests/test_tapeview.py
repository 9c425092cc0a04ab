"""TapeView and its picture logic, driven without a browser: click buttons, read the text, the state and the PNG."""

import base64
import sys

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

import minitf as tf  # noqa: E402
from minitf import keras  # noqa: E402
from minitf.lessons import graph_picture, tapeview  # noqa: E402
from minitf.lessons.graph_picture import FunctionGraphView  # noqa: E402
from minitf.lessons.tapeview import TapeView  # noqa: E402
from minitf.lessons.widgets import png_size  # noqa: E402


def fan_out(tape_kwargs=None):
    """y = x*x + 3x with x a watched constant (x feeds three uses)."""
    x = tf.constant([1.0, -2.0])
    with tf.GradientTape(**(tape_kwargs or {})) as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * x + 3.0 * x)
    return tape, y, [x]


def broadcasting():
    """A (3, 2) matrix plus a (2,) bias and times a scalar variable: two inputs broadcast."""
    m = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], name="m")
    b = tf.Variable([0.5, -0.5], name="b")
    s = tf.Variable(2.0, name="s")
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.square((m + b) * s))
    return tape, y, [m, b, s]


def dense_with_loss():
    """A Dense layer with relu and a sparse cross-entropy loss, as in chapter 3."""
    tf.random.set_seed(0)
    layer = keras.layers.Dense(3, activation="relu")
    inputs = tf.constant(np.random.default_rng(0).normal(size=(4, 2)).astype("float32"))
    labels = tf.constant([0, 1, 2, 1])
    layer.build((None, 2))
    with tf.GradientTape() as tape:
        logits = layer(inputs)
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
    return tape, loss, list(layer.trainable_variables)


def disconnected():
    """``z`` is watched but plays no part in ``y``; ``w`` is used twice, once through an op that leads nowhere."""
    w, z = tf.Variable(2.0, name="w"), tf.Variable(5.0, name="z")
    with tf.GradientTape() as tape:
        unused = tf.exp(w)  # noqa: F841  (recorded, does not reach the target)
        y = tf.tanh(w) * w
    return tape, y, [w, z]


def variable_read_twice():
    """A variable assigned between two reads: two snapshots, whose gradients add up."""
    v = tf.Variable(3.0, name="v")
    with tf.GradientTape() as tape:
        a = v * v
        v.assign_add(1.0)
        y = a + 2.0 * v
    return tape, y, [v]


GRAPHS = [fan_out, broadcasting, dense_with_loss, disconnected, variable_read_twice]


def as_arrays(gradients):
    return [None if g is None else np.asarray(g) for g in gradients]


@pytest.mark.parametrize("make", GRAPHS, ids=lambda f: f.__name__)
def test_the_gradients_shown_at_the_end_equal_tape_gradient(make):
    tape, y, sources = make()
    expected = as_arrays(tape.gradient(y, sources))
    tape, y, sources = make()  # the same computation, recorded again
    view = TapeView(tape, y, sources)
    view.run_to_end()
    shown = view.shown_gradients()
    assert len(shown) == len(expected)
    for got, want in zip(shown, expected):
        if want is None:
            assert got is None
        else:
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert view.text.count("d target/d") == len(sources)
    for got, want in zip(as_arrays(view.gradients), expected):  # the walk returned what gradient() returns
        assert (got is None) == (want is None)


def test_before_the_walk_only_the_seed_is_known_and_each_step_adds_its_inputs():
    tape, y, sources = fan_out()
    view = TapeView(tape, y, sources)
    assert view.shown_gradients() == [None]
    assert list(view.known_gradients()) == [id(y)]
    view.step_back()  # Sum: its input now has a gradient
    assert id(view.steps[0].op.inputs[0]) in view.known_gradients()


def test_the_walk_is_the_tapes_own_order_and_uses_up_a_one_shot_tape():
    tape, y, sources = fan_out()
    view = TapeView(tape, y, sources)
    indices = [step.op.index for step in view.steps]
    assert indices == sorted(indices, reverse=True)
    assert [step.op.name for step in view.steps] == ["Sum", "Add", "Mul", "Mul"]
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(y, sources)
    persistent_tape, y2, sources2 = fan_out({"persistent": True})
    TapeView(persistent_tape, y2, sources2)
    np.testing.assert_allclose(persistent_tape.gradient(y2, sources2)[0], [5.0, -1.0])


def test_buttons_change_the_state_the_text_and_the_picture():
    tape, y, sources = dense_with_loss()
    view = TapeView(tape, y, sources)
    steps = len(view.steps)
    assert view.position == 0 and "Click 'Step back'" in view.text
    first_picture, first_text = view.image.value, view.text
    view.step_button.click()
    assert view.position == 1 and view.current is view.steps[0]
    assert view.text.startswith(f"Step 1 of {steps}: back through Mean")
    assert view.image.value != first_picture
    view.step_button.click()
    assert view.position == 2 and view.text.startswith(f"Step 2 of {steps}")
    view.end_button.click()
    assert view.position == steps and "Walk finished." in view.text
    view.step_button.click()  # nothing further back: it stays at the end
    assert view.position == steps
    view.reset_button.click()
    assert view.position == 0 and view.text == first_text and view.image.value == first_picture
    assert view.redraws == 6
    width, height = png_size(view.image.value)
    assert (view.image.width, view.image.height) == (str(width), str(height))


def test_a_step_shows_the_rule_source_dy_and_what_each_input_gets():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * tf.constant(4.0)
    view = TapeView(tape, y, x)
    view.step_back()
    text = view.text
    assert "back through Mul #0" in text
    assert "dy, the gradient arriving at its output: 1" in text
    assert "minitf/ops/math_ops.py:" in text and "return dy * y" in text  # the rule for input 0: its own source
    assert "sends 4" in text
    assert "to input 1, a constant (scalar): no rule runs" in text


def test_broadcasting_undone_and_fan_out_are_spelled_out():
    tape, y, sources = broadcasting()
    view = TapeView(tape, y, sources)
    texts = []
    while view.position < len(view.steps):
        view.step_back()
        texts.append(view.text)
    add_step = next(t for t in texts if "back through Add" in t)
    assert "to input 1, b (shape (2,))" in add_step and "summed over axes (0,) to undo broadcasting" in add_step
    mul_step = next(t for t in texts if "back through Mul" in t)
    assert "to input 1, s (scalar)" in mul_step and "summed over axes (0, 1)" in mul_step
    tape, y, sources = fan_out()
    view = TapeView(tape, y, sources)
    view.run_to_end()
    assert "running total [ 5., -1.] (it is used more than once" in view.text
    assert "d target/d x0 = [ 5., -1.]" in view.text


def test_parts_that_take_no_part_are_greyed_with_a_reason():
    tape, y, sources = disconnected()
    view = TapeView(tape, y, sources)
    reasons = {node.title: node.grey for node in view.nodes}
    assert reasons["Exp #0"] == "its result does not reach the target"
    assert reasons["z"] == "never used by a recorded op: its gradient is None"
    assert reasons["w"] is None and reasons["Tanh #1"] is None
    assert "Greyed (Exp #0): its result does not reach the target." in view.text
    view.run_to_end()
    assert "d target/d z = None" in view.text
    assert [step.op.name for step in view.steps] == ["Mul", "Tanh"]


def test_a_source_with_no_path_and_a_watched_tensor_that_is_not_a_source():
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = a * 3.0
        c = b + 1.0  # noqa: F841
    view = TapeView(tape, y, {"a": a, "b": b})
    titles = {node.title: node for node in view.nodes}
    assert titles["a"].kind == "source" and titles["a"].grey is None
    assert titles["b"].grey == "no path from here to the target: its gradient is None"
    assert titles["Add #1"].grey == "its result does not reach the target"
    view.run_to_end()
    assert view.shown_gradients() == {"a": 3.0, "b": None}
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = a * b
    view = TapeView(tape, y, [a])
    node_b = next(node for node in view.nodes if node.key == id(b))
    assert node_b.kind == "watched" and "not a source" in node_b.grey


def test_the_target_and_sources_are_marked_in_the_graph():
    tape, y, sources = dense_with_loss()
    ops = tape.recorded_ops(y, sources)
    nodes, edges = graph_picture.record_graph(ops, y, {"kernel": sources[0], "bias": sources[1]}, tape.watched())
    by_title = {node.title: node for node in nodes}
    assert by_title["kernel"].kind == by_title["bias"].kind == "source"
    assert [node.title for node in nodes if node.target] == ["Mean #4"]
    assert "Mean #4 (target)" in by_title["Mean #4"].lines
    assert by_title["MatMul #0"].shape == (4, 3) and by_title["MatMul #0"].value is None  # too big to show values
    assert by_title["bias"].value == "[0., 0., 0.]"
    op_keys = {id(op.output) for op in ops}
    assert all(b in op_keys for _, b, _ in edges)  # every edge ends at an op
    positions = graph_picture.layout(nodes, edges)
    assert all(positions[a][0] < positions[b][0] for a, b, _ in edges)  # inputs sit above their users
    points = graph_picture.place(nodes, edges, positions)
    for layer in {p[0] for p in positions.values()}:  # boxes in a layer do not overlap
        row = sorted((points[n.key][0], n) for n in nodes if positions[n.key][0] == layer)
        for (x0, n0), (x1, n1) in zip(row, row[1:]):
            assert x1 - x0 >= (graph_picture.box_width(n0) + graph_picture.box_width(n1)) / 2


def test_a_deep_record_is_drawn_as_a_window_that_follows_the_walk():
    x = tf.Variable(0.5, name="x")
    with tf.GradientTape() as tape:
        y = x
        for _ in range(40):
            y = tf.tanh(y)
    view = TapeView(tape, y, x)
    assert len(view.ops) == 40
    first, last = view.window()
    assert last - first + 1 == tapeview.MAX_LAYERS and last == 40  # the walk starts at the bottom
    assert "layers 32-40 of 0-40 shown" in view.picture_title()
    assert view.figsize[1] < tapeview.MAX_LAYERS + 2
    view.run_to_end()
    assert view.window()[0] == 0  # and ends at the top, where the source is
    assert view.shown_gradients() == pytest.approx(float(view.gradients))


def test_nothing_to_step_through_is_said_plainly():
    x, c = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = c * 3.0
    view = TapeView(tape, y, x)
    assert view.steps == [] and view.text.startswith("Nothing to step through")
    assert "d target/d x0 = None" in view.text
    view.step_button.click()
    assert view.position == 0


def test_rule_source_gives_a_lambdas_own_text_and_a_defs_body():
    from minitf.ops.math_ops import Mul

    lines, where = tapeview.rule_source(Mul.vjp[1])
    assert where.startswith("minitf/ops/math_ops.py:")
    assert any("dy * x" in line for line in lines) and len(lines) <= 6

    def _rule(dy, out, x):
        """Doc."""
        return dy * x

    lines, where = tapeview.rule_source(_rule)
    assert lines == ["def _rule(dy, out, x):", "    return dy * x"] and where.startswith("tests/test_tapeview.py:")
    rule = lambda dy, out, x: dy * 2.0  # noqa: E731  (a lambda shows only itself)
    own = tapeview.rule_source(rule)[0]
    assert own == ["lambda dy, out, x: dy * 2.0"] or sys.version_info < (3, 11)


def test_value_text_is_one_line_and_short():
    assert graph_picture.value_text(tf.constant(2.5)) == "2.5"
    assert graph_picture.value_text(tf.constant([[1.0, 2.0], [3.0, 4.0]])) == "[[1., 2.], [3., 4.]]"
    assert graph_picture.value_text(tf.ones((3, 4))) == "shape (3, 4)"


def test_a_function_graph_is_drawn_with_the_same_picture():
    layer = keras.layers.Dense(2)

    @tf.function
    def f(x):
        return tf.reduce_sum(layer(x) ** 2)

    concrete = f.get_concrete_function(tf.ones((3, 4)))
    view = FunctionGraphView(concrete)
    titles = [node.title for node in view.nodes]
    assert titles[0] == "Placeholder x" and view.nodes[0].kind == "input"
    assert "MatMul" in titles and view.nodes[-1].title == "Sum" and view.nodes[-1].target
    assert "Sum (output)" in view.nodes[-1].lines
    assert len(view.nodes) == len(concrete.graph.get_operations())
    assert ("MatMul", "Add", 0) in view.edges
    width, height = png_size(view.image.value)
    assert (view.image.width, view.image.height) == (str(width), str(height))
    assert "MatMul = MatMul(x, ReadVariableOp" in view.printout.outputs[0]["text"]
    bundle = view._repr_mimebundle_()  # a preview without a kernel: the picture, and the printout as text
    assert png_size(base64.b64decode(bundle["image/png"]))[1] > height
    assert bundle["text/plain"] == concrete.pretty_printed_graph()


# -- chapter 5's exercise checks ------------------------------------------------------------------------------
def said(capsys, call, *args, **kwargs):
    call(*args, **kwargs)
    return capsys.readouterr().out


@pytest.mark.parametrize("rule, expected", [
    (lambda dy, out, x: dy * tf.math.sigmoid(x), "Exercise 5.1: right, on all 3 hidden cases."),
    (lambda dy, out, x: dy, "Hint: You send dy on unchanged"),
    (lambda dy, out, x: dy * tf.math.sigmoid(-x), "not sigmoid(-x)"),
    (lambda dy, out, x: dy * out, "That multiplies by softplus itself"),
    (lambda dy, out, x: dy * tf.exp(x), "divide by 1 + e^x"),
    (lambda dy, out, x: x.numpy(), "returned a ndarray, not a minitf tensor"),
    (lambda dy, out, x: dy * tf.constant(1 / (1 + np.exp(-x.numpy()))), "computed in NumPy the tape cannot record"),
    (lambda dy, out, x: undefined_name, "raised NameError"),  # noqa: F821
    (lambda dy, out, x: [dy * tf.math.sigmoid(x)][1:] or None, "returned None"),
    (None, "no answer yet"),
])
def test_exercise_5_1_judges_a_softplus_rule_with_a_fitting_hint(capsys, rule, expected):
    from minitf import lessons

    assert expected in said(capsys, lessons.check, "5.1", rule)


def test_exercise_5_1_an_unwritten_rule_is_no_answer_yet(capsys):
    from minitf import lessons

    def softplus_grad(dy, out, x):
        """Not written yet."""
        ...

    assert said(capsys, lessons.check, "5.1", softplus_grad).startswith("Exercise 5.1: no answer yet.")


def test_exercise_5_3_says_which_cause_of_none_is_left(capsys):
    from minitf import lessons
    from minitf.lessons import ch5

    assert "Even w's gradient is None" in said(capsys, lessons.check, "5.3", ch5._gradients_as_given)
    assert "b was made with trainable=False" in said(capsys, lessons.check, "5.3", ch5._gradients_y_inside)

    def gradients_of_y(w, b):
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch([w, b])
            y = tf.square(w * 3.0 + b)
        return tape.gradient(y, [w, b])

    assert said(capsys, lessons.check, "5.3", gradients_of_y).startswith("Exercise 5.3: right")


def test_number_exercises_5_2_and_5_4_and_every_stored_solution(capsys):
    from minitf import lessons

    assert lessons.is_right("5.2", 16.0) and not lessons.is_right("5.2", 8.0)
    assert "48 is df/dx" in said(capsys, lessons.check_answer, "5.2", 48)
    second = -2 * np.tanh(0.5) * (1 - np.tanh(0.5) ** 2)  # d2 tanh/dx2 by hand
    assert lessons.is_right("5.4", second) and not lessons.is_right("5.4", 1 - np.tanh(0.5) ** 2)
    for exercise in ("5.1", "5.2", "5.3", "5.4"):
        assert "passes its check" in said(capsys, lessons.solution, exercise)
    shown = said(capsys, lessons.solution, "5.1", show=True)
    assert "return dy * tf.math.sigmoid(x)" in shown and "def softplus_grad(dy, out, x):" in shown
    assert "def gradients_of_y(w, b):" in said(capsys, lessons.solution, "5.3", show=True)


def test_a_long_function_graph_scrolls_in_its_own_box():
    @tf.function
    def chain(x):
        for _ in range(12):
            x = tf.tanh(x)
        return x

    view = FunctionGraphView(chain.get_concrete_function(tf.constant(1.0)))
    assert int(view.image.height) > graph_picture.MAX_HEIGHT
    box = view.children[0]
    assert box.children == (view.image,) and box.layout.overflow == "auto"
    assert box.layout.max_height == f"{graph_picture.MAX_HEIGHT}px"


def test_several_targets_are_refused_with_what_to_do():
    tape, y, sources = fan_out()
    with pytest.raises(TypeError, match=r"(?s)one target tensor, got list.*tf.add_n"):
        TapeView(tape, [y, y], sources)


def test_a_record_of_about_forty_ops_fits_on_a_screen():
    """Three Dense layers, a hand-written cross-entropy and weight decay: 34 ops, drawn at most 1,400 x 1,200 px."""
    tf.random.set_seed(0)
    model = keras.Sequential([keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3)])
    x = tf.constant(np.random.default_rng(0).normal(size=(5, 4)).astype("float32"))
    model(x)
    with tf.GradientTape() as tape:
        p = tf.nn.softmax(model(x))
        loss = -tf.reduce_mean(tf.reduce_sum(tf.one_hot([0, 1, 2, 1, 0], 3) * tf.math.log(p + 1e-7), axis=1))
        loss += 0.01 * tf.add_n([tf.reduce_sum(w * w) for w in model.trainable_variables])
    view = TapeView(tape, loss, model.trainable_variables)
    assert 30 <= len(view.ops) <= 45
    for _ in range(len(view.steps) + 1):
        width, height = png_size(view.image.value)
        assert width <= 1400 and height <= 1200, (view.position, width, height)
        view.step_back()
    for got, want in zip(view.shown_gradients(), view.gradients):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_the_view_replays_the_tapes_own_walk_and_computes_no_gradient_itself():
    """A rule that counts its calls runs once, inside backward_steps; stepping and drawing never call it again."""
    from minitf.primitive import Primitive, bind

    calls = []

    def double_grad(dy, out, x):
        calls.append(1)
        return dy * 2.0

    double = Primitive("Double", lambda xp, x: x * 2, vjp=(double_grad,))
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = bind(double, bind(double, x))
    view = TapeView(tape, y, x)
    assert len(calls) == 2 and [step.rules[0] for step in view.steps] == [double_grad, double_grad]
    view.run_to_end()
    view.reset()
    view.step_back()
    assert len(calls) == 2 and view.shown_gradients() is None  # one step back: x has no gradient yet
    view.run_to_end()
    assert view.shown_gradients() == 4.0 and "def double_grad(dy, out, x):" in view.text


def test_an_input_the_op_has_no_rule_for_is_said_so():
    from minitf.primitive import Primitive, bind

    def half_grad_x(dy, out, x, y):
        return dy * y

    scaled = Primitive("Scaled", lambda xp, x, y: x * y, vjp=(half_grad_x, None))  # no gradient for y
    x, y = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = bind(scaled, x, y)
    view = TapeView(tape, z, {"x": x, "y": y})
    view.run_to_end()
    assert "to input 1, y (scalar): no rule runs, Scaled has no gradient for this input" in view.text
    assert view.shown_gradients() == {"x": 3.0, "y": None} and "d target/d y = None" in view.text


def test_a_fused_rule_is_shown_as_the_rule_it_stands_for():
    x = tf.constant(0.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.tanh(x)
    walk = tape.backward_steps(y, x)
    text = "\n".join(tapeview.describe_step(walk.steps[0], 1, 1, {id(x): "x"}))
    assert "return dy * (1 - out * out)" in text and "ops/math_ops.py" in text
    assert "run as one fused op for speed, at minitf/ops/fused.py" in text
