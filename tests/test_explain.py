"""Why a gradient is None: each cause built as a learner would write it, and its explanation pinned.

Every mistake is a small program run with explain mode on (as a notebook cell would be): the
warning it gives is compared word for word, and must point at the program's own line.
"""

import linecache
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import minitf as tf
from minitf import explain, primitive
from minitf import tape as tape_module
from minitf.errors import InvalidArgumentError


def run(name, source):
    """Run ``source`` as the learner's code; return its names and the warnings it gave."""
    filename = f"<{name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    names = {"tf": tf, "np": np}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(source, filename, "exec"), names)
    return names, [w for w in caught if issubclass(w.category, explain.ExplainWarning)]


# name: (the learner's code, the line of its gradient call, the cause, the explanation)
MISTAKES = {
    "unwatched": ("""\
x = tf.constant(3.0)
with tf.GradientTape() as tape:
    y = x * x
grad = tape.gradient(y, x)
""", 4, "unwatched",
    ('gradient(y, x) is None: x is a constant tensor that the tape never watched, so it recorded '
     'nothing computed from it.\n'
     '  Fix: call tape.watch(x) inside the `with` block, or make x a minitf.Variable (watched '
     'automatically).')),
    "integer_variable": ("""\
x = tf.Variable(3)
with tf.GradientTape() as tape:
    y = x * x
grad = tape.gradient(y, x)
""", 4, "integer_source",
    ('gradient(y, x) is None: x has dtype int32, and gradients exist only for floating-point values, '
     'so the tape ignores it.\n'
     '  Fix: make it a float, e.g. minitf.Variable(3.0) instead of minitf.Variable(3), or '
     'minitf.cast(x, minitf.float32).')),
    "integer_target": ("""\
x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    y = tf.cast(x, tf.int32) * 2
grad = tape.gradient(y, x)
""", 4, "integer_target",
    ('gradient(y, x) is None: y has dtype int32 (made by Mul (line 3: `y = tf.cast(x, tf.int32) * '
     '2`)), and the tape records only ops with floating-point results, so nothing connects it to x.\n'
     '  Fix: keep the computation in floats up to the target (no cast to an integer type, argmax or '
     'comparison on the way).')),
    "numpy_method": ("""\
x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    z = x * 2.0
    y = tf.constant(z.numpy() ** 2)
grad = tape.gradient(y, x)
""", 5, "left_minitf",
    ('gradient(y, x) is None: the computation left minitf: y was built from a NumPy array or a Python '
     'number; the result of Mul left minitf through .numpy() (line 4: `y = tf.constant(z.numpy() ** '
     '2)`). The tape sees only minitf ops, so it cannot follow the way from x to y.\n'
     '  Fix: stay in minitf ops all the way (minitf.square(x), not np.square(x); no .numpy() or '
     'float() inside the computation).')),
    "numpy_function": ("""\
x = tf.Variable([1.0, 2.0])
with tf.GradientTape() as tape:
    y = tf.reduce_sum(np.square(x))
grad = tape.gradient(y, x)
""", 4, "left_minitf",
    ('gradient(y, x) is None: the computation left minitf: y was built from a NumPy array or a Python '
     'number; x left minitf through a NumPy function (np.asarray, np.square...) (line 3: `y = '
     'tf.reduce_sum(np.square(x))`). The tape sees only minitf ops, so it cannot follow the way from '
     'x to y.\n'
     '  Fix: stay in minitf ops all the way (minitf.square(x), not np.square(x); no .numpy() or '
     'float() inside the computation).')),
    "python_float": ("""\
x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    z = tf.exp(x)
    y = tf.constant(float(z) + 1.0)
grad = tape.gradient(y, x)
""", 5, "left_minitf",
    ('gradient(y, x) is None: the computation left minitf: y was built from a NumPy array or a Python '
     'number; the result of Exp left minitf through float() (line 4: `y = tf.constant(float(z) + '
     '1.0)`). The tape sees only minitf ops, so it cannot follow the way from x to y.\n'
     '  Fix: stay in minitf ops all the way (minitf.square(x), not np.square(x); no .numpy() or '
     'float() inside the computation).')),
    "watched_constant_through_numpy": ("""\
x = tf.constant([1.0, 2.0])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.reduce_sum(tf.constant(np.exp(x)))
grad = tape.gradient(y, x)
""", 5, "left_minitf",
    ('gradient(y, x) is None: the computation left minitf: y was built from a NumPy array or a Python '
     'number; x left minitf through a NumPy function (np.asarray, np.square...) (line 4: `y = '
     'tf.reduce_sum(tf.constant(np.exp(x)))`). The tape sees only minitf ops, so it cannot follow the '
     'way from x to y.\n'
     '  Fix: stay in minitf ops all the way (minitf.square(x), not np.square(x); no .numpy() or '
     'float() inside the computation).')),
    "after_with": ("""\
x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    z = x * x
y = z + 1.0
grad = tape.gradient(y, x)
""", 5, "not_recording",
    ('gradient(y, x) is None: the tape did not record Add (line 4: `y = z + 1.0`): it ran after the '
     '`with` block closed or inside tape.stop_recording(), so the tape never saw the way from x to y.\n'
     '  Fix: compute y inside the `with minitf.GradientTape() as tape:` block.')),
    "stop_recording": ("""\
x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    with tape.stop_recording():
        y = x * x
grad = tape.gradient(y, x)
""", 5, "not_recording",
    ('gradient(y, x) is None: the tape did not record Mul (line 4: `y = x * x`): it ran after the '
     '`with` block closed or inside tape.stop_recording(), so the tape never saw the way from x to y.\n'
     '  Fix: compute y inside the `with minitf.GradientTape() as tape:` block.')),
    "rebound_variable": ("""\
v = tf.Variable(1.0)
v = v + 1.0
with tf.GradientTape() as tape:
    y = v * v
grad = tape.gradient(y, v)
""", 5, "rebound_variable",
    ('gradient(y, v) is None: v is not a Variable but a plain tensor computed from the variable '
     "'Variable:0' by Add (line 2: `v = v + 1.0`), and the tape never saw v being read. This happens "
     'when a name that held a Variable is rebound: `v = v + 1` or `v = v - lr * grad`.\n'
     '  Fix: update the variable in place (v.assign(...), v.assign_add(...), v.assign_sub(...)) and '
     'ask for the gradient of the Variable.')),
    "not_trainable": ("""\
v = tf.Variable(1.0, trainable=False)
with tf.GradientTape() as tape:
    y = v * v
grad = tape.gradient(y, v)
""", 4, "not_trainable",
    ('gradient(y, v) is None: v is a Variable created with trainable=False, and tapes watch only '
     'trainable variables automatically.\n'
     '  Fix: call tape.watch(v) inside the `with` block, or create it with trainable=True.')),
    "no_auto_watch": ("""\
v = tf.Variable(1.0)
with tf.GradientTape(watch_accessed_variables=False) as tape:
    y = v * v
grad = tape.gradient(y, v)
""", 4, "not_watched_accessed",
    ('gradient(y, v) is None: the tape was created with watch_accessed_variables=False and v was '
     'never passed to tape.watch, so the tape ignored it.\n'
     '  Fix: call tape.watch(v) inside the `with` block.')),
    "stop_gradient": ("""\
x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = tf.stop_gradient(x * x) + 1.0
grad = tape.gradient(y, x)
""", 4, "stop_gradient",
    ('gradient(y, x) is None: every path from x to y goes through stop_gradient (line 3: `y = '
     'tf.stop_gradient(x * x) + 1.0`), which passes values forward but no gradient back.\n'
     '  Fix: take minitf.stop_gradient off the path if you want this gradient.')),
    "argmax": ("""\
x = tf.Variable([1.0, 3.0, 2.0])
with tf.GradientTape() as tape:
    y = tf.cast(tf.argmax(x), tf.float32) * 2.0
grad = tape.gradient(y, x)
""", 4, "not_differentiable",
    ('gradient(y, x) is None: every path from x to y goes through an op without a gradient: ArgMax '
     '(line 3: `y = tf.cast(tf.argmax(x), tf.float32) * 2.0`). Argmax, rounding, comparisons, a cast '
     'to an integer type and the condition of where are flat or jump: their gradient is None.\n'
     '  Fix: use a differentiable stand-in (softmax probabilities instead of argmax, the values '
     "instead of a comparison), or differentiate where's branches, not its condition.")),
    "where_condition": ("""\
x = tf.Variable([-1.0, 2.0])
with tf.GradientTape() as tape:
    y = tf.where(x > 0, 1.0, 0.0)
grad = tape.gradient(y, x)
""", 4, "not_differentiable",
    ('gradient(y, x) is None: every path from x to y goes through an op without a gradient: Less '
     'and SelectV2 (the condition of where) (line 3: `y = tf.where(x > 0, 1.0, 0.0)`). Argmax, '
     'rounding, comparisons, a cast to an integer type and the condition of where are flat or jump: '
     'their gradient is None.\n'
     '  Fix: use a differentiable stand-in (softmax probabilities instead of argmax, the values '
     "instead of a comparison), or differentiate where's branches, not its condition.")),
    "cast_to_int": ("""\
x = tf.Variable(2.7)
with tf.GradientTape() as tape:
    y = tf.cast(tf.cast(x, tf.int32), tf.float32) * 3.0
grad = tape.gradient(y, x)
""", 4, "not_differentiable",
    ('gradient(y, x) is None: every path from x to y goes through an op without a gradient: Cast '
     '(line 3: `y = tf.cast(tf.cast(x, tf.int32), tf.float32) * 3.0`). Argmax, rounding, comparisons, '
     'a cast to an integer type and the condition of where are flat or jump: their gradient is None.\n'
     '  Fix: use a differentiable stand-in (softmax probabilities instead of argmax, the values '
     "instead of a comparison), or differentiate where's branches, not its condition.")),
    "not_connected": ("""\
w = tf.Variable(1.0)
b = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = w * 3.0
grad = tape.gradient(y, b)
""", 5, "not_connected",
    ('gradient(y, b) is None: y does not depend on b: no op on the way to y used b; y is computed '
     'from w.\n'
     '  Fix: ask for the gradient with respect to what y is computed from, or use b in the '
     "computation. (unconnected_gradients='zero' gives zeros instead of None.)")),
}


def _source_name(source):
    return source.split("tape.gradient(y, ")[1].split(")")[0]


@pytest.mark.parametrize("name", list(MISTAKES))
def test_explain_mode_warns_once_at_the_learners_line_naming_the_cause(name, explain_mode):
    source, line, cause, text = MISTAKES[name]
    names, caught = run(name, source)
    assert names["grad"] is None  # TensorFlow's result is kept
    assert [str(w.message) for w in caught] == [text]
    assert (caught[0].filename, caught[0].lineno) == (f"<{name}>", line)
    # the one-shot tape forgot its record, but explain mode kept what explain_gradient needs
    explanation = tf.explain_gradient(names["tape"], names["y"], names[_source_name(source)])
    assert explanation.cause == cause and explanation.cause in explain.CAUSES


@pytest.mark.parametrize("name", list(MISTAKES))
def test_explain_mode_off_is_tensorflow_silent_none(name):
    source, *_ = MISTAKES[name]
    filename = f"<{name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    names = {"tf": tf, "np": np}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(source, filename, "exec"), names)
    assert names["grad"] is None and caught == []


def test_explain_mode_off_leaves_the_engine_untouched():
    assert not tf.config.get_explain_mode()
    plain = (list(primitive.recorders), list(tape_module.gradient_hooks), tf.Tensor.numpy, tf.Tensor.__array__,
             warnings.formatwarning)
    tf.config.set_explain_mode(True)
    assert explain._provenance in primitive.recorders and explain._on_gradient in tape_module.gradient_hooks
    tf.config.set_explain_mode(False)
    now = (list(primitive.recorders), list(tape_module.gradient_hooks), tf.Tensor.numpy, tf.Tensor.__array__,
           warnings.formatwarning)
    assert now == plain and not explain._provenance.ops


def test_a_connected_source_is_explained_with_its_ops_and_gives_no_warning(explain_mode):
    w = tf.Variable([[1.0], [2.0]])
    x = tf.constant([[3.0, 4.0]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.GradientTape(persistent=True) as tape:
            y = tf.reduce_sum(tf.nn.relu(tf.matmul(x, w)))
        assert tape.gradient(y, w) is not None
    assert caught == []
    explanation = tf.explain_gradient(tape, y, w)
    assert explanation.cause == "connected"
    assert str(explanation) == (
        "gradient(y, w) is connected: y depends on w through 3 recorded op(s): MatMul -> Relu -> Sum. A zero "
        "gradient here would come from the values (a ReLU with negative inputs, a clipped value), not from a "
        "broken connection.")


def test_without_explain_mode_the_tape_alone_tells_what_it_can():
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        z = x * x
    y = z + 1.0
    explanation = tf.explain_gradient(tape, y, x)
    assert explanation.cause == "disconnected"
    assert explanation.text == (
        "gradient(y, x) is None: y is not connected to x on this tape: it was computed after the `with` block, "
        "through NumPy, through ops without a gradient (stop_gradient, argmax, round, comparisons), or not from x "
        "at all.\n  To tell which, turn on explain mode (minitf.config.set_explain_mode(True)) before running the "
        "computation, and ask again.")
    assert tf.explain_gradient(tape, y, tf.constant(1.0)).cause == "unwatched"  # these need no provenance
    squared = np.square(z)
    assert str(tf.explain_gradient(tape, squared, x)) == (
        "gradient(squared, x) is None: the computation left minitf: squared is a NumPy float32, not a minitf tensor; "
        "the last minitf op that depended on x was Mul. The tape sees only minitf ops, so it cannot follow the way "
        "from x to squared.\n  Fix: stay in minitf ops all the way (minitf.square(x), not np.square(x); no .numpy() or "
        "float() inside the computation).")
    with tf.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is not None
    explanation = tf.explain_gradient(tape, y, x)
    assert explanation.cause == "tape_used"
    assert explanation.text.startswith("gradient(y, x) is None: this non-persistent tape already computed a "
                                       "gradient and forgot its record")


def test_unconnected_zero_gradients_are_explained_too(explain_mode):
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.GradientTape() as tape:
            y = a * 2.0
        grads = tape.gradient(y, [a, b], unconnected_gradients="zero")
    assert float(grads[1]) == 0.0
    assert [str(w.message).split(":")[0] for w in caught] == ["gradient(y, b) is None"]
    assert "y does not depend on b" in str(caught[0].message)


def test_explain_mode_changes_no_result():
    def second_derivative():
        x = tf.Variable(1.5)
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                y = x ** 3 + tf.exp(x)
            dy = inner.gradient(y, x)
        return float(dy), float(outer.gradient(dy, x))

    plain = second_derivative()
    tf.config.set_explain_mode(True)
    try:
        explained = second_derivative()
    finally:
        tf.config.set_explain_mode(False)
    assert explained == plain


def test_the_existing_pitfalls_raise_the_same_errors_in_both_modes():
    def pitfalls():
        x = tf.Variable(2.0)
        with tf.GradientTape() as tape:
            y = x * x
        tape.gradient(y, x)
        with pytest.raises(RuntimeError, match="A non-persistent GradientTape can only be used to compute one set"):
            tape.gradient(y, x)
        with pytest.raises(InvalidArgumentError, match="expected to be a float tensor but is a double tensor"):
            tf.constant([1.0, 2.0]) + tf.constant(np.array([1.0, 2.0]))

    pitfalls()
    tf.config.set_explain_mode(True)
    try:
        pitfalls()
    finally:
        tf.config.set_explain_mode(False)


def test_the_environment_variable_turns_explain_mode_on():
    code = "import minitf; print(minitf.config.get_explain_mode())"
    env = {**os.environ, "MINITF_EXPLAIN": "1", "PYTHONPATH": os.getcwd()}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True" and out.stderr == ""
    env["MINITF_EXPLAIN"] = ""
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_check_why_none_grades_the_exercise_whatever_the_mode(capsys):
    def mistake():
        x = tf.Variable(2.0)
        with tf.GradientTape() as tape:
            y = x * 3.0
            z = tf.constant(y.numpy()) ** 2
        return tape, z, x

    explain.check_why_none("left_minitf", mistake)
    out = capsys.readouterr().out
    assert " (line 360: `z = tf.constant(y.numpy()) ** 2`)" in out.replace(str(mistake.__code__.co_firstlineno + 4),
                                                                          "360")
    assert re.sub(r" \(line \d+: `[^`]*`\)", "", out) == (
        "Right: the computation left minitf (.numpy(), a NumPy function, float()).\n"
        "gradient(z, x) is None: the computation left minitf: z was built from a NumPy array or a Python number; "
        "the result of Mul left minitf through .numpy(). The tape sees only minitf ops, so it cannot follow the way "
        "from x to z.\n"
        "  Fix: stay in minitf ops all the way (minitf.square(x), not np.square(x); no .numpy() or float() inside "
        "the computation).\n")
    assert not tf.config.get_explain_mode()  # put back as it was
    explain.check_why_none("unwatched", mistake)
    assert capsys.readouterr().out.startswith("Not yet: 'unwatched' (a constant tensor the tape never watched) "
                                              "is not it. Hint:")
    explain.check_why_none(None, mistake)
    assert capsys.readouterr().out.startswith("No answer yet: replace None with one of 'unwatched', ")
    explain.check_why_none("gremlins", mistake)
    assert "is not one of the causes" in capsys.readouterr().out


def test_provenance_memory_is_bounded(explain_mode, monkeypatch):
    monkeypatch.setattr(explain._Provenance, "budget", 4000)
    x = tf.ones([100])  # 400 bytes per result
    for _ in range(50):
        x = x + 1.0
    assert explain._provenance.bytes <= 4000 and len(explain._provenance.ops) == 10


def test_sources_with_the_same_cause_share_one_warning(explain_mode):
    w, b = tf.Variable([[1.0], [2.0]], name="kernel"), tf.Variable([0.5], name="bias")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.GradientTape() as tape:
            prediction = tf.matmul(tf.ones([1, 2]), w) + b
        loss = tf.reduce_sum(prediction)
        assert tape.gradient(loss, [w, b]) == [None, None]
    [warning] = caught
    assert str(warning.message).startswith("gradient(loss, w) is None: the tape did not record Sum (line ")
    assert str(warning.message).endswith("\n  The same holds for 1 more source(s): b.")


def test_explain_warnings_show_the_line_without_a_temporary_path(explain_mode):
    text = warnings.formatwarning(explain.ExplainWarning("why"), explain.ExplainWarning,
                                  "/tmp/ipykernel_4321/2718281828.py", 3)
    assert text == "ExplainWarning (cell line 3): why\n"
    assert warnings.formatwarning(explain.ExplainWarning("why"), explain.ExplainWarning, "/home/me/train.py",
                                  12) == "ExplainWarning (train.py, line 12): why\n"
    assert warnings.formatwarning(UserWarning("other"), UserWarning, "/home/me/train.py", 12).startswith(
        "/home/me/train.py:12: UserWarning: other")
