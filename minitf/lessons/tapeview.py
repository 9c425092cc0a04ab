"""TapeView: watch a gradient tape's backward pass one op at a time, on a picture of what it recorded.

The widget asks the tape for its record (``tape.recorded_ops``) and runs the tape's own
backward walk once (``tape.backward_steps``: the code ``gradient()`` runs, with a hook), then
lets you step through that walk: **Step back** moves one op towards the sources, showing
the op's gradient rule (its own source), the gradient ``dy`` arriving at its output, what
the rule sends to each input, broadcasting being summed away, and the running total where
a tensor is used more than once. Nothing here computes a gradient of its own.

The picture is ``graph_picture``'s; the text of a step is ``describe_step``'s, a plain function.
This module does not hold the chapter's exercises (see ``ch5.py``).
"""

import inspect
import os

import numpy as np

from minitf import nest
from minitf.lessons.graph_picture import (
    PICTURE_SMALL,
    draw_graph,
    figure_size,
    layout,
    place,
    record_graph,
    shape_of,
    show_picture,
    source_names,
    value_text,
)
from minitf.lessons.widgets import Lesson, button
from minitf.ops import fused
from minitf.tensor import Tensor

MAX_LAYERS = 9  # layers drawn at once; a deeper record is shown as a window around the current op
LEGEND = "green: sources · orange: target · yellow: this step · red: gradients so far · ✓ walked · dashed: no part"
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# -- a gradient rule's own source ------------------------------------------------------------------------------
def rule_source(rule, max_lines=5):
    """A gradient rule's own source, and where it is (``file:line``): a ``def`` without its docstring, or the lambda.

    A lambda shows only itself, even when its line holds several (Python 3.11 knows the columns).
    """
    try:
        lines, start = inspect.getsourcelines(rule)
        where = os.path.relpath(inspect.getsourcefile(rule), PACKAGE_ROOT)
    except (OSError, TypeError):
        return [f"<source of {getattr(rule, '__name__', rule)!r} not available>"], "?"
    lines = [line.rstrip() for line in lines]
    if rule.__name__ == "<lambda>":
        own = _lambda_text(rule, lines, start)
        if own:
            return own, f"{where}:{start}"
    while lines and lines[0].lstrip().startswith("@"):  # decorators are not the rule
        lines, start = lines[1:], start + 1
    if lines and lines[0].lstrip().startswith("def ") and lines[0].rstrip().endswith(":"):
        head, body = lines[:1], lines[1:]
        first = body[0].strip() if body else ""
        if first[:3] in ('"""', "'''"):
            quote = first[:3]
            end = 0 if first.count(quote) >= 2 and len(first) > 3 else next(
                (i for i, line in enumerate(body[1:], 1) if quote in line), 0)
            body = body[end + 1:]
        lines = head + body
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    shown = [line[indent:] for line in lines[:max_lines]]
    if len(lines) > max_lines:
        shown.append(f"... ({len(lines) - max_lines} more lines)")
    return shown, f"{where}:{start}"


def _lambda_text(rule, lines, start):
    """Just this lambda, when its line holds several (``vjp=(lambda ...: dy * y, lambda ...: dy * x)``).

    Python 3.11's code positions give the columns of the lambda's body; None where they are unknown.
    """
    spans = [p for p in getattr(rule.__code__, "co_positions", lambda: ())() if p[0] and p[2] is not None and p[3]]
    if not spans:
        return None
    (line0, col0), (line1, col1) = min((p[0], p[2]) for p in spans), max((p[1], p[3]) for p in spans)
    first, last = line0 - start, line1 - start
    if not 0 <= first <= last < len(lines):
        return None
    begin = lines[first].rfind("lambda", 0, col0)
    if begin < 0:
        return None
    if first == last:
        return [lines[first][begin:col1]]
    return [lines[first][begin:], *(line.strip() for line in lines[first + 1:last]), lines[last][:col1].strip()]


# -- the widget -----------------------------------------------------------------------------------------------
class TapeView(Lesson):
    """Step through a tape's real backward pass, one op at a time, on a picture of its record.

    Give it the tape after the forward computation, the target and the sources, as for
    ``tape.gradient``. A non-persistent tape is used up, as ``gradient`` would use it;
    ``view.gradients`` holds what ``tape.gradient`` returns.

    >>> import minitf as tf
    >>> x = tf.Variable(3.0)
    >>> with tf.GradientTape() as tape:
    ...     y = x * x + 2.0 * x
    >>> view = TapeView(tape, y, x)
    >>> [step.op.name for step in view.steps]
    ['Add', 'Mul', 'Mul']
    >>> view.run_to_end(); view.shown_gradients()
    8.0
    """

    figsize = (8.0, 4.0)

    def __init__(self, tape, target, sources, output_gradients=None):
        if not isinstance(target, Tensor):
            raise TypeError(f"TapeView shows the backward pass from one target tensor, got {type(target).__name__}."
                            "\n  For several targets, add them up first (tf.add_n([...])), as gradient() would.")
        self.target, self.sources = target, sources
        self.flat_sources = nest.flatten(sources)
        self.ops = tape.recorded_ops(target, sources)  # read before the walk: a one-shot tape forgets it
        watched = tape.watched()
        walk = tape.backward_steps(target, sources, output_gradients)
        self.steps, self.gradients = list(walk.steps), walk.gradients
        self.nodes, self.edges = record_graph(self.ops, target, sources, watched)
        self.positions = layout(self.nodes, self.edges)
        self.points = place(self.nodes, self.edges, self.positions)
        self.names = {n.key: f"the output of {n.title}" if n.kind == "op"
                      else "a constant" if n.kind == "constant" else n.title for n in self.nodes}
        self.seed = np.ones(shape_of(target), dtype=np.asarray(target).dtype) if output_gradients is None \
            else np.asarray(output_gradients)
        self.position = 0
        self.step_button = button("Step back", self.step_back)
        self.end_button = button("Run to end", self.run_to_end)
        self.reset_button = button("Reset", self.reset)
        super().__init__([[self.step_button, self.end_button, self.reset_button]])
        self.children = (self.children[0], self.image, self.status)  # the picture stays put; text below it
        self.show()

    # state ------------------------------------------------------------------
    def step_back(self):
        """One op further back (towards the sources)."""
        if self.position < len(self.steps):
            self.position += 1
        self.show()

    def run_to_end(self):
        """Every remaining step at once: the gradients ``tape.gradient`` returns."""
        self.position = len(self.steps)
        self.show()

    def reset(self):
        """Back to the start: only the target's seed gradient is known."""
        self.position = 0
        self.show()

    @property
    def current(self):
        """The ``BackwardStep`` just shown, or None before the first step."""
        return self.steps[self.position - 1] if self.position else None

    def known_gradients(self):
        """``{id(tensor): gradient}`` after the steps taken so far: the seed, then each step's running totals."""
        known = {id(self.target): self.seed}
        for step in self.steps[:self.position]:
            for x, total in zip(step.op.inputs, step.totals):
                if total is not None:
                    known[id(x)] = total
        return known

    def shown_gradients(self):
        """The gradient of each source as the view shows it, in the nesting of the sources (as ``gradient``).

        Read off the walk's running totals, as NumPy arrays (floats for scalars), None where the walk
        has not reached a source; a variable's gradient is the sum over the snapshots the ops read.
        After ``run_to_end`` it equals ``tape.gradient``'s result.
        """
        known = self.known_gradients()
        result = []
        for s in self.flat_sources:
            parts = [known[id(s)]] if id(s) in known else []
            snapshots = {id(x) for op in self.ops for x, v in zip(op.inputs, op.variables) if v is s}
            parts += [known[k] for k in snapshots if k in known]
            result.append(None if not parts else np.asarray(sum(np.asarray(p) for p in parts)))
        result = [None if g is None else (float(g) if g.ndim == 0 else g) for g in result]
        return nest.pack_sequence_as(self.sources, result)

    # view -------------------------------------------------------------------
    def describe(self):
        """The lines the status shows for the current position."""
        n = len(self.steps)
        if not n:
            return ["Nothing to step through: no recorded op lies between the sources and the target.",
                    *self.grey_lines(), *self.result_lines()]
        if self.position == 0:
            return [f"The tape recorded {len(self.ops)} ops; the backward pass will visit {n} of them, last "
                    "recorded first.",
                    f"It starts at the target ({self.names.get(id(self.target), 'target')}) with the seed "
                    f"d target/d target = {value_text(self.seed)}. Click 'Step back' to walk it.", *self.grey_lines()]
        lines = describe_step(self.current, self.position, n, self.names, self.steps[:self.position - 1])
        if self.position == n:
            lines += ["", "Walk finished.", *self.result_lines(), *self.grey_lines()]
        return lines

    def grey_lines(self):
        reasons = {}
        for node in self.nodes:
            if node.grey:
                reasons.setdefault(node.grey, []).append(node.title)
        return [f"Greyed ({', '.join(titles[:4])}{', ...' if len(titles) > 4 else ''}): {reason}."
                for reason, titles in reasons.items()]

    def result_lines(self):
        names = source_names(self.sources)
        return [f"  d target/d {names[id(s)]} = {'None' if g is None else value_text(g, 12)}"
                for s, g in zip(self.flat_sources, nest.flatten(self.shown_gradients()))]

    def window(self):
        """The layers to draw: all of them, or ``MAX_LAYERS`` around the current op for a deep record."""
        depth = max((p[0] for p in self.positions.values()), default=0)
        if depth + 1 <= MAX_LAYERS:
            return None
        key = id(self.current.op.output) if self.current else id(self.target)
        if self.position == len(self.steps) and self.steps:
            key = id(self.steps[-1].op.output)
        center = self.positions.get(key, (depth, 0))[0]
        first = min(max(center - MAX_LAYERS // 2, 0), depth - MAX_LAYERS + 1)
        return first, first + MAX_LAYERS - 1

    def show(self):
        self.say(*self.describe())
        self.redraw()

    def redraw(self):
        self.figsize = figure_size(self.nodes, self.points, self.window(), self.picture_title(), LEGEND)
        show_picture(self)

    def draw(self, fig):
        step = self.current
        walked = {id(s.op.output) for s in self.steps[:self.position]}
        known = self.known_gradients()
        gradients = {key: value_text(g, PICTURE_SMALL) for key, g in known.items() if key in self.positions}
        active = set()
        if step is not None:
            out = id(step.op.output)
            active = {(id(x), out) for x, g in zip(step.op.inputs, step.grads) if g is not None}
        draw_graph(fig, self.nodes, self.edges, self.points, current=id(step.op.output) if step else None,
                   walked=walked, gradients=gradients, active_edges=active, window=self.window(),
                   title=self.picture_title(), legend=LEGEND)

    def picture_title(self):
        """The line above the picture: where the walk is, and which layers a deep record shows."""
        title = f"{len(self.ops)} recorded ops; step {self.position} of {len(self.steps)}"
        window = self.window()
        if window:
            depth = max(p[0] for p in self.positions.values())
            title += (f"; layers {window[0]}-{window[1]} of 0-{depth} shown\n(to see fewer ops, record less: "
                      "watch fewer tensors, or compute the rest under tape.stop_recording())")
        return title


def shape_words(shape):
    return "scalar" if shape == () else f"shape {shape}"


def describe_step(step, number, total, names, earlier=()):
    """What one ``BackwardStep`` does, as lines: the op, dy, its rule, and each input's gradient and total.

    ``names`` maps ``id`` of a tensor to how the text calls it; ``earlier`` are the steps before this one.
    """
    op = step.op
    uses = sum(1 for s in earlier for x, g in zip(s.op.inputs, s.grads) if g is not None and x is op.output)
    lines = [f"Step {number} of {total}: back through {op.name} #{op.index} (its output: "
             f"{shape_words(shape_of(op.output))})",
             f"  dy, the gradient arriving at its output: {value_text(step.dy)}"
             + (f"  (the sum of what its {uses} users sent back)" if uses > 1 else "")]
    for i, x in enumerate(op.inputs):
        name = names.get(id(x), "a constant")
        label = f"  to input {i}, {name} ({shape_words(shape_of(x))})"
        if step.rules[i] is None and name == "a constant":
            lines.append(f"{label}: no rule runs, nothing watched flows into it")
            continue
        if step.rules[i] is None:
            lines.append(f"{label}: no rule runs, {op.name} has no gradient for this input")
            continue
        definition = fused.definition_of(step.rules[i])
        source, where = rule_source(step.rules[i] if definition is None else definition)
        lines.append(f"{label}, rule at {where}:")
        lines += ["      " + line for line in source]
        if definition is not None:
            _, fused_where = rule_source(step.rules[i])
            lines.append(f"      (run as one fused op for speed, at {fused_where}: same values, fewer passes)")
        raw, grad = step.raw[i], step.grads[i]
        if step.summed_axes[i]:
            lines.append(f"      gives {shape_words(shape_of(raw))}: summed over axes {tuple(step.summed_axes[i])} "
                         f"to undo broadcasting, sends {value_text(grad)}")
        else:
            lines.append(f"      sends {value_text(grad)}")
        if step.accumulated[i]:
            lines.append(f"      running total {value_text(step.totals[i])} (it is used more than once: the tape "
                         "adds up what each use sends)")
    return lines
