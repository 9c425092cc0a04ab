"""Why is my gradient None? ``explain_gradient`` says why, and explain mode says it as it happens.

TensorFlow returns ``None`` for a source the target is not connected to, and says nothing.
minitf returns the same ``None`` and, on request, the reason in words:

>>> import minitf as tf
>>> x = tf.constant(3.0)
>>> with tf.GradientTape(persistent=True) as tape:
...     y = x * x
>>> print(tape.gradient(y, x))
None
>>> print(tf.explain_gradient(tape, y, x))
gradient(y, x) is None: x is a constant tensor that the tape never watched, so it recorded nothing computed from it.
  Fix: call tape.watch(x) inside the `with` block, or make x a minitf.Variable (watched automatically).

``explain_gradient`` reads the tape's public record (``recorded_ops``, ``watched``). A few causes
(the computation left minitf, ran after the ``with`` block, or went through ``stop_gradient``)
leave no trace on the tape: to tell them apart it needs the *provenance* that explain mode keeps.
Explain mode (``minitf.config.set_explain_mode(True)`` or ``MINITF_EXPLAIN=1``) is off by default:
then nothing here runs and minitf behaves exactly as TensorFlow. When on, it

- keeps a bounded record (about 64 MB) of the ops ``bind`` runs (a recorder in ``primitive.recorders``)
  and of the tensors whose values leave minitf (``.numpy()`` and ``__array__`` are wrapped while it is on,
  ``float()`` is seen through ``tensor.python_value_hooks``);
- warns, at the learner's own line, for every ``None`` or disconnected gradient (a hook in
  ``tape.gradient_hooks``: one warning per cause and call site, as Python shows warnings), and for
  the Keras pitfalls of ``minitf.keras.pitfalls``.

``check_why_none`` grades the chapters' exercise "find why this gradient is None".
"""

import linecache
import os
import sys
import warnings
from collections import OrderedDict

import numpy as np

from minitf import config, nest, primitive
from minitf import tape as tape_module
from minitf import tensor as tensor_module
from minitf.tensor import Tensor
from minitf.variable import Variable

__all__ = ["CAUSES", "ExplainWarning", "GradientExplanation", "check_why_none", "explain_gradient",
           "is_enabled", "set_enabled", "tape_is_recording", "warn"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep

# The causes explain_gradient tells apart, with a short description (what check_why_none accepts).
CAUSES = {
    "connected": "the target depends on the source: the gradient is not None",
    "unwatched": "a constant tensor the tape never watched",
    "integer_source": "the source has an integer or boolean dtype",
    "integer_target": "the target has an integer or boolean dtype",
    "left_minitf": "the computation left minitf (.numpy(), a NumPy function, float())",
    "not_recording": "part of the path ran after the `with` block or inside stop_recording()",
    "rebound_variable": "a variable rebound to a tensor (v = v + 1)",
    "not_trainable": "a variable created with trainable=False",
    "not_watched_accessed": "a tape with watch_accessed_variables=False and no watch()",
    "stop_gradient": "stop_gradient on every path",
    "not_differentiable": "only ops without a gradient on the path (argmax, round, comparisons, casts to int)",
    "not_connected": "the target does not depend on the source",
    "disconnected": "not connected on the tape (explain mode was off, so the exact cause is unknown)",
    "tape_used": "the tape already forgot its record",
}

_enabled = False


class ExplainWarning(UserWarning):
    """The warning explain mode gives for a None gradient or a classic pitfall."""


class GradientExplanation:
    """Why ``gradient(target, source)`` is None (or that it is not): ``cause`` (a key of ``CAUSES``) and ``text``.

    Printing it, or showing it in a notebook, shows the text.
    """

    __slots__ = ("cause", "text", "ops")

    def __init__(self, cause, text, ops=()):
        self.cause, self.text, self.ops = cause, text, tuple(ops)

    def __str__(self):
        return self.text

    def __repr__(self):
        return self.text


# -- explain mode ----------------------------------------------------------------------------------
def is_enabled():
    """Whether explain mode is on."""
    return _enabled


def set_enabled(enabled):
    """Turn explain mode on or off: use ``minitf.config.set_explain_mode``, which calls this."""
    global _enabled
    enabled = bool(enabled)
    if enabled == _enabled:
        return
    _enabled = enabled
    if enabled:
        _provenance.clear()
        primitive.recorders.insert(0, _provenance)
        tape_module.gradient_hooks.append(_on_gradient)
        tensor_module.python_value_hooks.append(_on_python_value)
        Tensor.numpy, Tensor.__array__ = _numpy_exit, _array_exit
        _plain_format[0], warnings.formatwarning = warnings.formatwarning, _format_warning
    else:
        if warnings.formatwarning is _format_warning:
            warnings.formatwarning = _plain_format[0]
        if _provenance in primitive.recorders:
            primitive.recorders.remove(_provenance)
        tape_module.gradient_hooks.remove(_on_gradient)
        tensor_module.python_value_hooks.remove(_on_python_value)
        Tensor.numpy, Tensor.__array__ = _plain_numpy, _plain_array
        _provenance.clear()


def tape_is_recording():
    """Whether a ``GradientTape`` is recording right now (the Keras pitfalls ask, without engine internals)."""
    return any(isinstance(r, tape_module.GradientTape) for r in primitive.recorders)


def warn(message, category=ExplainWarning):
    """Warn with ``message``, pointing at the first line outside minitf (the learner's own)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


_plain_format = [warnings.formatwarning]  # what formatwarning was before explain mode replaced it


def _format_warning(message, category, filename, lineno, line=None):
    """Explain mode's warnings name the line without a temporary path, so a notebook shows the same text each run."""
    if not issubclass(category, ExplainWarning):
        return _plain_format[0](message, category, filename, lineno, line)
    notebook = "ipykernel_" in filename or filename.startswith("<ipython-input")
    where = f"cell line {lineno}" if notebook else f"{os.path.basename(filename)}, line {lineno}"
    return f"{category.__name__} ({where}): {message}\n"


def _user_frame():
    """The innermost frame outside minitf (the learner's code), or None."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    return frame


def _where(frame):
    """``(filename, line number)`` of a frame, or None."""
    return None if frame is None else (frame.f_code.co_filename, frame.f_lineno)


def _line_text(where):
    """`` (line 4: `y = x * x`)`` for a recorded place, or an empty string."""
    if where is None:
        return ""
    code = linecache.getline(where[0], where[1]).strip()
    return f" (line {where[1]}: `{code}`)" if code else f" (line {where[1]})"


# -- provenance: what explain mode remembers -------------------------------------------------------
class _Op:
    __slots__ = ("seq", "prim", "args", "out", "where")

    def __init__(self, seq, prim, args, out, where):
        self.seq, self.prim, self.args, self.out, self.where = seq, prim, args, out, where


class _Provenance:
    """A recorder that remembers the most recent ops (about 64 MB of outputs) and the values that left minitf.

    It keeps the tensors alive, so that their ids stay unique while they are remembered.
    """

    budget = 64 * 2 ** 20
    max_ops = 20000
    max_exits = 64

    def __init__(self):
        self.clear()

    def clear(self):
        self.ops = OrderedDict()  # id(output) -> _Op, oldest first
        self.exits = OrderedDict()  # id(tensor) -> (tensor, how, where, seq of the latest op then)
        self.seq = 0
        self.bytes = 0

    def record(self, prim, args, params, out):
        self.seq += 1
        ops = self.ops
        key = id(out)
        if key in ops:  # an output kept alive elsewhere, recorded again (not expected): keep the newest
            self.bytes -= _nbytes(ops.pop(key).out)
        ops[key] = _Op(self.seq, prim, args, out, _where(_user_frame()))
        self.bytes += _nbytes(out)
        while ops and (self.bytes > self.budget or len(ops) > self.max_ops):
            _, old = ops.popitem(last=False)
            self.bytes -= _nbytes(old.out)

    def exit(self, tensor, how):
        """Remember that ``tensor``'s value left minitf (the last ``max_exits`` of them)."""
        self.exits[id(tensor)] = (tensor, how, _where(_user_frame()), self.seq)
        self.exits.move_to_end(id(tensor))
        while len(self.exits) > self.max_exits:
            self.exits.popitem(last=False)

    def ancestors(self, tensors):
        """The ids of ``tensors`` and of everything they were computed from (as far as remembered)."""
        seen, todo = set(), [id(t) for t in tensors]
        while todo:
            key = todo.pop()
            if key in seen:
                continue
            seen.add(key)
            op = self.ops.get(key)
            if op is not None:
                todo.extend(id(a) for a in op.args)
        return seen


def _nbytes(t):
    return getattr(getattr(t, "_value", None), "nbytes", 0)


_provenance = _Provenance()
_plain_numpy, _plain_array = Tensor.numpy, Tensor.__array__


def _numpy_exit(self):
    _provenance.exit(self, ".numpy()")
    return _plain_numpy(self)


def _array_exit(self, dtype=None, copy=None):
    _provenance.exit(self, "a NumPy function (np.asarray, np.square...)")
    return _plain_array(self, dtype, copy)


_numpy_exit.__doc__, _array_exit.__doc__ = _plain_numpy.__doc__, _plain_array.__doc__


def _on_python_value(tensor, what, stacklevel):
    _provenance.exit(tensor, what.replace("as a Python ", "").split(" ")[0] + "()")


# -- naming things as the learner does --------------------------------------------------------------
def _namer(frame):
    """A function giving the learner's name for an object (from ``frame``'s locals and globals)."""
    names = {}
    if frame is not None:
        for scope in (frame.f_globals, frame.f_locals):
            for name, value in scope.items():
                if name.isidentifier() and not name.startswith("_") and name not in ("In", "Out") \
                        and isinstance(value, (Tensor, np.ndarray, np.generic, float)):
                    names[id(value)] = name

    def name(obj, fallback):
        found = names.get(id(obj))
        if found is not None:
            return found
        if isinstance(obj, Variable):
            return f"the variable {obj.name!r}"
        return fallback

    return name


# -- the explanation -------------------------------------------------------------------------------
def explain_gradient(tape, target, source):
    """Explain why ``tape.gradient(target, source)`` is None, or through which ops it is connected.

    A minitf-only helper: ``tape.gradient`` itself returns exactly what TensorFlow returns.
    Call it before ``gradient`` on a non-persistent tape (or with ``persistent=True``), or
    turn on explain mode, which keeps what is needed. Some causes (the computation left
    minitf, ran after the ``with`` block, went through ``stop_gradient``) can only be told
    apart when explain mode was on while the computation ran.

    Args:
        tape: the ``GradientTape``.
        target: what you differentiate (a tensor, or a list of them).
        source: one tensor or variable.

    Returns:
        A ``GradientExplanation``: its ``cause`` is a key of ``minitf.explain.CAUSES``; print it
        for the explanation and the fix.
    """
    if not isinstance(source, Tensor):
        raise TypeError(f"explain_gradient explains one source at a time: a minitf tensor or variable, got "
                        f"{type(source).__name__}.")
    record = getattr(tape, "_explain_record", None)
    if record is None and not getattr(tape, "_used", False):
        record = tape.recorded_ops()
    return _explain(tape, target, source, record, _namer(_user_frame()))


def _explain(tape, target, source, record, name):
    s = name(source, "the source")
    targets = nest.flatten(target)
    t = name(targets[0], "the target") if len(targets) == 1 else "the targets"

    def result(cause, text, ops=()):
        head = "is connected" if cause == "connected" else "is None"
        return GradientExplanation(cause, f"gradient({t}, {s}) {head}: {text}", ops)

    if not source.dtype.is_floating:
        return result("integer_source", f"{s} has dtype {source.dtype.name}, and gradients exist only for "
                                        "floating-point values, so the tape ignores it.\n"
                                        f"  Fix: make it a float, e.g. minitf.Variable(3.0) instead of "
                                        "minitf.Variable(3), or minitf.cast(x, minitf.float32).")
    foreign = [x for x in targets if not isinstance(x, Tensor)]
    if foreign:
        return result("left_minitf", _left_minitf(t, s, source, record, f"{t} is {_kind(foreign[0])}, not a "
                                                                         "minitf tensor"))
    if not any(x.dtype.is_floating for x in targets):
        made_by = _made_by(targets[0])
        return result("integer_target", f"{t} has dtype {targets[0].dtype.name}{made_by}, and the tape records "
                                        "only ops with floating-point results, so nothing connects it to "
                                        f"{s}.\n  Fix: keep the computation in floats up to the target (no cast "
                                        "to an integer type, argmax or comparison on the way).")
    if record is None:
        return result("tape_used", "this non-persistent tape already computed a gradient and forgot its record, "
                                   "so there is nothing left to explain.\n  Fix: call minitf.explain_gradient "
                                   "before tape.gradient, create the tape with persistent=True, or turn on explain "
                                   "mode (minitf.config.set_explain_mode(True)), which explains every None "
                                   "gradient as it happens.")
    chain = _connected_chain(record, targets, source)
    if chain:
        names = " -> ".join(op.name for op in chain[:12]) + (" -> ..." if len(chain) > 12 else "")
        return result("connected", f"{t} depends on {s} through {len(chain)} recorded op(s): {names}. A zero "
                                   "gradient here would come from the values (a ReLU with negative inputs, a "
                                   "clipped value), not from a broken connection.", chain)
    watched = {id(w) for w in tape.watched()}
    produced = {id(op.output) for op in record}
    if isinstance(source, Variable) and id(source) not in watched:
        if not source.trainable:
            return result("not_trainable", f"{s} is a Variable created with trainable=False, and tapes watch "
                                           "only trainable variables automatically.\n"
                                           f"  Fix: call tape.watch({s}) inside the `with` block, or create "
                                           "it with trainable=True.")
        if not getattr(tape, "_watch_accessed_variables", True):
            return result("not_watched_accessed", "the tape was created with watch_accessed_variables=False and "
                                                  f"{s} was never passed to tape.watch, so the tape ignored it.\n"
                                                  f"  Fix: call tape.watch({s}) inside the `with` block.")
    elif not isinstance(source, Variable) and id(source) not in watched and id(source) not in produced:
        rebound = _rebound_from(source)
        if rebound is not None:
            op, variable = rebound
            v = name(variable, "")
            v = v if v.startswith("the variable") else f"the variable {v}"
            return result("rebound_variable", f"{s} is not a Variable but a plain tensor computed from "
                                              f"{v} by {op.prim.name}{_line_text(op.where)}, and the tape "
                                              f"never saw {s} being read. This happens when a name that held a "
                                              "Variable is rebound: `v = v + 1` or `v = v - lr * grad`.\n"
                                              "  Fix: update the variable in place (v.assign(...), v.assign_add(...), "
                                              "v.assign_sub(...)) and ask for the gradient of the Variable.")
        return result("unwatched", f"{s} is a constant tensor that the tape never watched, so it recorded "
                                   f"nothing computed from it.\n  Fix: call tape.watch({s}) inside the `with` "
                                   f"block, or make {s} a minitf.Variable (watched automatically).")
    if not _enabled:
        return result("disconnected", f"{t} is not connected to {s} on this tape: it was computed after the "
                                      "`with` block, through NumPy, through ops without a gradient (stop_gradient, "
                                      f"argmax, round, comparisons), or not from {s} at all.\n  To tell which, turn "
                                      "on explain mode (minitf.config.set_explain_mode(True)) before running the "
                                      "computation, and ask again.")
    return _explain_path(result, t, s, targets, source, record, produced, name)


def _explain_path(result, t, s, targets, source, record, produced, name):
    """The causes only explain mode's provenance can tell apart: where the path from source to target breaks."""
    ancestry = _provenance.ancestors(targets)
    if id(source) in ancestry:
        ops = [op for op in _provenance.ops.values() if id(op.out) in ancestry]  # in execution order
        reached, clean = {id(source)}, {id(source)}
        blockers, unrecorded = [], []
        for op in ops:
            for i, arg in enumerate(op.args):
                if id(arg) not in reached:
                    continue
                reached.add(id(op.out))
                if not _differentiable(op, i):
                    blockers.append((op, i))
                elif id(arg) in clean:
                    clean.add(id(op.out))
                    if id(op.out) not in produced:
                        unrecorded.append(op)
        if any(id(x) in clean for x in targets) and unrecorded:
            op = unrecorded[0]
            return result("not_recording", f"the tape did not record {op.prim.name}{_line_text(op.where)}: it "
                                           "ran after the `with` block closed or inside tape.stop_recording(), so "
                                           f"the tape never saw the way from {s} to {t}.\n  Fix: compute {t} "
                                           "inside the `with minitf.GradientTape() as tape:` block.")
        if blockers:
            seen, places = [], {}
            for op, i in blockers:
                where_condition = op.prim.name.startswith("Select") and i == 0
                label = f"{op.prim.name} (the condition of where)" if where_condition else op.prim.name
                if label not in seen:
                    seen.append(label)
                    places.setdefault(_line_text(op.where), []).append(label)
            where = [" and ".join(labels) + place for place, labels in places.items()]
            if seen == ["StopGradient"]:
                return result("stop_gradient", f"every path from {s} to {t} goes through stop_gradient"
                                               f"{_line_text(blockers[0][0].where)}, which passes values forward "
                                               "but no gradient back.\n  Fix: take minitf.stop_gradient off the "
                                               "path if you want this gradient.")
            return result("not_differentiable", f"every path from {s} to {t} goes through an op without a "
                                                f"gradient: {', '.join(where)}. Argmax, rounding, comparisons, a "
                                                "cast to an integer type and the condition of where are flat or "
                                                "jump: their gradient is None.\n  Fix: use a differentiable "
                                                "stand-in (softmax probabilities instead of argmax, the values "
                                                "instead of a comparison), or differentiate where's branches, "
                                                "not its condition.")
    exit_ = _exit_from(source, record)
    leaves = [x for x in targets if id(x) not in _provenance.ops and id(x) not in produced]
    if exit_ is not None or (leaves and _from(record, source)):
        return result("left_minitf", _left_minitf(t, s, source, record, f"{t} was built from a NumPy array or "
                                                                        "a Python number"))
    used = sorted({name(v, repr(v.name)) for v in _leaf_inputs(ancestry)})
    made_of = f"; {t} is computed from {', '.join(used)}" if used else ""
    return result("not_connected", f"{t} does not depend on {s}: no op on the way to {t} used {s}{made_of}.\n"
                                   f"  Fix: ask for the gradient with respect to what {t} is computed from, or use "
                                   f"{s} in the computation. (unconnected_gradients='zero' gives zeros instead of "
                                   "None.)")


def _leaf_inputs(ancestry):
    found = []
    for op in _provenance.ops.values():
        if id(op.out) in ancestry:
            found.extend(a for a in op.args if isinstance(a, Variable))
    return found


def _kind(value):
    """``a NumPy array``, ``a NumPy float32``, ``a Python float``: what a value that left minitf is."""
    if isinstance(value, np.ndarray):
        return "a NumPy array"
    if isinstance(value, np.generic):
        return f"a NumPy {type(value).__name__}"
    return f"a Python {type(value).__name__}"


def _differentiable(op, index):
    vjp = op.prim.vjp
    if vjp is None or getattr(getattr(op.out, "_value", None), "dtype", None) is None:
        return False
    if op.out._value.dtype.kind != "f":
        return False
    return not (isinstance(vjp, tuple) and (index >= len(vjp) or vjp[index] is None))


def _from(record, source):
    """The recorded ops that depend on ``source`` (the tape's own ``from_sources`` counts every watched tensor)."""
    reached = {id(source)}
    out = []
    for op in record:
        hit = any(id(x) in reached or (v is not None and v is source) for x, v in zip(op.inputs, op.variables))
        if hit:
            reached.add(id(op.output))
            out.append(op)
    return out


def _connected_chain(record, targets, source):
    """The recorded ops on a path from ``source`` to ``targets``, in execution order (empty if none)."""
    from_source = _from(record, source)
    needed = {id(x) for x in targets}
    chain = []
    for op in reversed(from_source):
        if id(op.output) in needed:
            chain.append(op)
            needed.update(id(x) for x in op.inputs)
    return chain[::-1]


def _left_minitf(t, s, source, record, what):
    """The text for a computation that left minitf, naming the last minitf op that depended on the source."""
    exit_ = _exit_from(source, record) if _enabled else None
    if exit_ is not None:
        tensor, how, where = exit_
        op = _provenance.ops.get(id(tensor))
        named = f"the result of {op.prim.name}" if op is not None else s
        detail = f"; {named} left minitf through {how}{_line_text(where)}"
    else:
        ops = _from(record, source) if record else []
        detail = f"; the last minitf op that depended on {s} was {ops[-1].name}" if ops else ""
    return (f"the computation left minitf: {what}{detail}. The tape sees only minitf ops, so it cannot follow "
            f"the way from {s} to {t}.\n  Fix: stay in minitf ops all the way (minitf.square(x), not np.square(x); "
            "no .numpy() or float() inside the computation).")


def _exit_from(source, record):
    """The latest value computed from ``source`` that left minitf while ``record`` was made: (tensor, how, where).

    Only the source itself, a tensor the tape recorded, or a value that left after the tape's
    first recorded op count: an older exit has nothing to do with this tape.
    """
    record = record or ()
    outputs = {id(op.output) for op in record}
    first = _provenance.ops.get(id(record[0].output)) if record else None
    for tensor, how, where, seq in reversed(_provenance.exits.values()):
        recent = tensor is source or id(tensor) in outputs or (first is not None and seq > first.seq)
        if recent and id(source) in _provenance.ancestors([tensor]):
            return tensor, how, where
    return None


def _rebound_from(source):
    """``(op, variable)`` when explain mode saw ``source`` computed from a Variable by a chain of ops, else None."""
    todo, seen = [id(source)], set()
    while todo and len(seen) < 200:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        op = _provenance.ops.get(key)
        if op is None:
            continue
        for arg in op.args:
            if isinstance(arg, Variable):
                return op, arg
            todo.append(id(arg))
    return None


def _made_by(tensor):
    op = _provenance.ops.get(id(tensor)) if _enabled else None
    return f" (made by {op.prim.name}{_line_text(op.where)})" if op is not None else ""


# -- explain mode's hook on tape.gradient ----------------------------------------------------------
def _on_gradient(tape, targets, sources, results):
    """Warn for the sources whose gradient is None (or all zeros) because they are not connected.

    One warning per cause: sources with the same cause (a model's variables, say) are listed in it.
    """
    record = name = None
    by_cause = {}
    for source, grad in zip(sources, results):
        if grad is not None and (not isinstance(grad, Tensor) or _any_nonzero(grad)):
            continue
        if record is None:
            record = tape.recorded_ops()
            name = _namer(_user_frame())
        explanation = _explain(tape, targets, source, record, name)
        if explanation.cause != "connected":
            by_cause.setdefault(explanation.cause, []).append((explanation, source))
    if by_cause and not getattr(tape, "_persistent", False):
        tape._explain_record = record  # so that explain_gradient still works after a one-shot gradient
    for found in by_cause.values():
        text = found[0][0].text
        if len(found) > 1:
            others = ", ".join(name(source, "a tensor") for _, source in found[1:])
            text += f"\n  The same holds for {len(found) - 1} more source(s): {others}."
        warn(text)


def _any_nonzero(grad):
    value = grad._value
    return bool(value.any()) if hasattr(value, "any") else True


# -- the exercise "find why this gradient is None" -------------------------------------------------
def check_why_none(answer, mistake):
    """Print whether ``answer`` (a key of ``CAUSES``) names why the gradient ``mistake`` builds is None.

    For the chapters' exercise "find why this gradient is None". ``mistake()`` runs the
    learner-facing snippet and returns ``(tape, target, source)``; it is run again here with
    explain mode on (and its warnings kept quiet), so the answer is checked whatever the mode.
    Prints the verdict (and, when right, the explanation), as ``lessons.check_answer`` does.
    """
    was_on = _enabled
    config.set_explain_mode(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExplainWarning)
            frames = []

            def keep_frame(frame, event, arg):  # the snippet's own frame, to name things as it does
                if event == "return" and frame.f_code is getattr(mistake, "__code__", None):
                    frames.append(frame)

            previous = sys.getprofile()
            sys.setprofile(keep_frame)
            try:
                tape, target, source = mistake()
            finally:
                sys.setprofile(previous)
            record = tape.recorded_ops() if not getattr(tape, "_used", False) else getattr(tape, "_explain_record",
                                                                                          None)
            explanation = _explain(tape, target, source, record, _namer(frames[-1] if frames else None))
    finally:
        config.set_explain_mode(was_on)
    causes = ", ".join(repr(c) for c in CAUSES if c not in ("connected", "disconnected", "tape_used"))
    if answer is None:
        print(f"No answer yet: replace None with one of {causes} and run the cell again.")
        return
    if answer not in CAUSES:
        print(f"{answer!r} is not one of the causes: {causes}.")
        return
    if answer == explanation.cause:
        print(f"Right: {CAUSES[answer]}.\n{explanation.text}")
        return
    print(f"Not yet: {answer!r} ({CAUSES[answer]}) is not it. Hint: follow the source from where it is made to "
          "the target: is it watched, a float, used inside the `with` block, by minitf ops all the way?")


config._explain.update(set=set_enabled, get=is_enabled)
if os.environ.get("MINITF_EXPLAIN", "").strip().lower() in ("1", "true", "yes", "on"):
    set_enabled(True)  # explain mode for a whole notebook or course
