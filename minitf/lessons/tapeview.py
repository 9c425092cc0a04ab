"""TapeView: watch a gradient tape's backward pass one op at a time, on a picture of what it recorded.

The widget asks the tape for its record (``tape.recorded_ops``) and runs the tape's own
backward walk once (``tape.backward_steps``: the code ``gradient()`` runs, with a hook), then
lets you step through that walk: **Step back** moves one op towards the sources, showing
the op's gradient rule (its source line), the gradient ``dy`` arriving at its output, what
the rule sends to each input, broadcasting being summed away, and the running total where
a tensor feeds several ops. Nothing here computes a gradient of its own.

The picture logic is plain functions, testable without a browser: ``record_graph`` and
``function_graph`` turn a tape's record or a ``minitf.function`` graph into ``Node``s and
edges, ``layout`` places them in layers, ``draw_graph`` draws them with matplotlib.
This module does not hold the chapter's exercises (see ``ch5.py``).
"""

import inspect
import os

import ipywidgets as widgets
import numpy as np

from minitf import nest
from minitf.lessons.widgets import Lesson, button, new_figure, png_bytes, png_size
from minitf.tensor import Tensor
from minitf.variable import Variable

MAX_LAYERS = 9  # layers drawn at once; a deeper record is shown as a window around the current op
SMALL = 6  # tensors with at most this many elements show their values in the text
PICTURE_SMALL = 4  # ... and in the picture
FONT = 8.5
CHAR_WIDTH = FONT * 0.6 / 72  # inches per character of a node's label, near enough for DejaVu Sans
COLORS = {"op": "#dbe9f6", "source": "#c9ecc9", "watched": "#eeeeee", "constant": "#f7f7f7", "input": "#c9ecc9"}
GREY_TEXT, CURRENT, GRADIENT = "#9a9a9a", "#ffe066", "#c0392b"
LAYER = 1.1  # inches from one layer of the picture to the next
MAX_HEIGHT = 720  # pixels of a function's graph shown before it scrolls
DPI = 100  # pictures of graphs have small text: drawn at 100 dpi, not the lessons' usual 80
LEGEND = "green: sources · orange: target · yellow: this step · red: gradients so far · ✓ walked · dashed: no part"
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# -- text ----------------------------------------------------------------------------------------------------
def value_text(tensor, limit=SMALL):
    """A tensor's values on one line when it has at most ``limit`` elements, else its shape alone."""
    array = np.asarray(tensor)
    if array.size > limit:
        return f"shape {tuple(array.shape)}"
    if array.ndim == 0:
        return f"{float(array):.4g}" if array.dtype.kind == "f" else str(array.item())
    return np.array2string(array, precision=3, separator=", ", suppress_small=True).replace("\n", "")


def small_value(tensor):
    """The values of a tensor small enough to show in its box, else None."""
    return value_text(tensor, PICTURE_SMALL) if np.size(tensor) <= PICTURE_SMALL else None


def shape_of(tensor):
    return tuple(int(d) for d in np.shape(tensor))


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


# -- the graph as nodes and edges -----------------------------------------------------------------------------
class Node:
    """One box of the picture: an op's output, a source, a constant or a graph's input.

    Attributes:
        key: what edges refer to (``id`` of the tensor, or a graph operation's name).
        title: the first line (an op's name, a source's name, ``"constant"``).
        shape: the output's shape, or None when unknown.
        value: the values on one line for a small tensor, else None.
        kind: ``"op"``, ``"source"``, ``"watched"``, ``"constant"`` or ``"input"``.
        target: True for the tensor being differentiated (or a graph's output), called ``target_word``.
        grey: None, or the one-line reason this part cannot take part in the backward pass.
        op_index: the op's position in the record (None for leaves).
        gradient_line: whether the box keeps a last line for its gradient (a TapeView's boxes do).
    """

    def __init__(self, key, title, shape, value=None, kind="op", target=False, grey=None, op_index=None,
                 target_word="target", gradient_line=False):
        self.key, self.title, self.shape, self.value, self.kind = key, title, shape, value, kind
        self.target_word, self.gradient_line = target_word, gradient_line
        self.target, self.grey, self.op_index = target, grey, op_index

    @property
    def lines(self):
        shape = "" if self.shape is None else "scalar" if self.shape == () else str(self.shape).replace(" ", "")
        lines = [self.title + (f" ({self.target_word})" if self.target else ""), shape]
        if self.value is not None and self.value != shape:
            lines.append(self.value)
        return [line for line in lines if line]

    @property
    def gradient_room(self):
        """The longest gradient line the box may show (a gradient has its tensor's shape), or "" without one."""
        if not self.gradient_line:
            return ""
        return "grad " + (self.value if self.value is not None else f"shape {self.shape}")

    def __repr__(self):
        return f"Node({self.title!r}, {self.kind}, shape={self.shape})"


def source_names(sources):
    """``{id: name}`` for each source: a dict's keys, a variable's name, else ``x0``, ``x1``..."""
    if isinstance(sources, dict):
        return {id(s): str(k) for k, s in sources.items()}
    names = {}
    for i, s in enumerate(nest.flatten(sources)):
        names[id(s)] = s.name.split(":")[0] if isinstance(s, Variable) else f"x{i}"
    return names


def record_graph(ops, target, sources, watched=()):
    """The nodes (in drawing order) and edges ``(from_key, to_key, input_position)`` of a tape's record.

    ``ops`` is ``tape.recorded_ops(target, sources)`` and ``watched`` is ``tape.watched()``.
    Leaves (tensors no recorded op produced) become source, watched or constant nodes; each
    recorded op becomes a node keyed by ``id`` of its output.
    """
    watched_ids = {id(w) for w in watched}
    flat_sources = nest.flatten(sources)
    names = source_names(sources)
    source_ids = {id(s) for s in flat_sources}
    produced = {id(op.output) for op in ops}
    nodes, edges, seen = {}, [], set()
    for op in ops:
        for position, (x, variable) in enumerate(zip(op.inputs, op.variables)):
            key = id(x)
            edges.append((key, id(op.output), position))
            if key in produced or key in seen:
                continue
            seen.add(key)
            owner = variable if variable is not None else x
            if id(owner) in source_ids:
                node = Node(key, names[id(owner)], shape_of(x), small_value(x), "source")
            elif variable is not None:
                node = Node(key, variable.name.split(":")[0], shape_of(x), small_value(x), "watched",
                            grey="a variable that is not a source: no gradient is asked for it")
            elif key in watched_ids:
                node = Node(key, "watched", shape_of(x), small_value(x), "watched",
                            grey="watched, but not a source: no gradient is asked for it")
            else:
                node = Node(key, "constant", shape_of(x), small_value(x), "constant",
                            grey="a constant: nothing watches it, so no gradient flows into it")
            nodes[key] = node
        key = id(op.output)
        grey = None
        if op.to_target is False:
            grey = "its result does not reach the target"
        elif not op.from_sources:
            grey = "does not depend on the sources"
        title = f"{op.name} #{op.index}" if key not in source_ids else f"{names[key]} = {op.name} #{op.index}"
        nodes[key] = Node(key, title, shape_of(op.output), small_value(op.output), "source" if key in source_ids
                          else "op", grey=grey, op_index=op.index)
    target_id = id(target)
    if target_id in nodes:
        nodes[target_id].target = True
    for s in flat_sources:  # a source the record never read has no path to anything
        if id(s) not in nodes and not any(v is s for op in ops for v in op.variables):
            nodes[id(s)] = Node(id(s), names[id(s)], shape_of(s), small_value(s), "source",
                                grey="never used by a recorded op: its gradient is None")
    for node in nodes.values():
        node.gradient_line = node.kind != "constant"  # a constant never gets a gradient: no line kept for one
        if node.kind == "source" and node.grey is None and not _reaches(node.key, edges, target_id):
            node.grey = "no path from here to the target: its gradient is None"
    return list(nodes.values()), edges


def _reaches(key, edges, target_key):
    """Whether ``target_key`` can be reached from ``key`` along ``edges``."""
    following = {}
    for a, b, _ in edges:
        following.setdefault(a, []).append(b)
    todo, seen = [key], {key}
    while todo:
        k = todo.pop()
        if k == target_key:
            return True
        for nxt in following.get(k, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def function_graph(concrete):
    """The nodes and edges of a ``minitf.function`` concrete function's graph (its public graph API only).

    One node per operation (its type, its name when different, its output shape); graph
    inputs are marked as inputs, the operations producing the graph's outputs as targets.
    """
    graph = concrete.graph
    outputs = {t.op.name for t in graph.outputs}
    nodes, edges = [], []
    for op in graph.get_operations():
        shape = tuple(op.outputs[0].shape) if op.outputs and not isinstance(op.outputs[0].dtype, str) else None
        base = op.name.rsplit("/", 1)[-1]  # without a name scope ("dense/")
        plain = base == op.type or base.startswith(op.type + "_")  # MatMul, MatMul_1: the type says it
        title = (op.name if "/" in op.name else op.type) if plain else f"{op.type} {op.name}"
        kind = "input" if op.type == "Placeholder" else "constant" if op.type == "Const" else "op"
        nodes.append(Node(op.name, title, shape, kind=kind, target=op.name in outputs, target_word="output"))
        edges.extend((t.op.name, op.name, i) for i, t in enumerate(op.inputs))
    return nodes, edges


# -- layout and drawing ---------------------------------------------------------------------------------------
def layout(nodes, edges):
    """``{key: (layer, column)}``: ops one layer below their deepest input; leaves just above their first user.

    Columns in a layer are ordered by where their inputs sit (a barycenter pass), so edges cross less.
    """
    inputs = {}
    for a, b, _ in edges:
        inputs.setdefault(b, []).append(a)
    keys = [n.key for n in nodes]
    layer = {}
    for key in keys:  # nodes come in execution order, so inputs have their layer already
        ins = [layer[k] for k in inputs.get(key, ()) if k in layer]
        layer[key] = 1 + max(ins) if ins else 0
    for key in keys:  # a leaf sits just above the first op that reads it
        if key not in inputs:
            users = [layer[b] for a, b, _ in edges if a == key]
            layer[key] = max(min(users) - 1, 0) if users else 0
    rows = {}
    for key in keys:
        rows.setdefault(layer[key], []).append(key)
    column = {}
    for depth in sorted(rows):
        row = rows[depth]
        for i, key in enumerate(row):
            column[key] = i - (len(row) - 1) / 2
        placed = [k for k in row if inputs.get(k)]
        if placed:
            order = sorted(row, key=lambda k: (np.mean([column[a] for a in inputs[k] if a in column])
                                               if inputs.get(k) else column[k]))
            for i, key in enumerate(order):
                column[key] = i - (len(row) - 1) / 2
    return {key: (layer[key], column[key]) for key in keys}


def box_width(node):
    """The width in inches of ``node``'s box."""
    return max(len(line) for line in [*node.lines, node.gradient_room]) * CHAR_WIDTH + 0.25


def box_height(node):
    """The height in inches of ``node``'s box: its lines, and the gradient's line when it has one."""
    return 0.2 + 0.15 * (len(node.lines) + node.gradient_line)


def layer_of(point):
    """The layer a placed point sits in."""
    return round(-point[1] / LAYER)


def place(nodes, edges, positions):
    """``{key: (x, y)}`` in inches: layers ``LAYER`` apart, each node near its inputs, boxes never overlapping.

    Two passes: ops go under the mean of their inputs, then leaves above the mean of their users.
    """
    by_key = {n.key: n for n in nodes}
    inputs, users = {}, {}
    for a, b, _ in edges:
        if a in positions and b in positions:
            inputs.setdefault(b, []).append(a)
            users.setdefault(a, []).append(b)
    rows = {}
    for key, (layer, _) in positions.items():
        rows.setdefault(layer, []).append(key)
    x = {key: col * 1.6 for key, (_, col) in positions.items()}
    for _ in range(2):
        for layer in sorted(rows):
            want = {}
            for key in rows[layer]:
                near = inputs.get(key) or users.get(key)
                want[key] = float(np.mean([x[k] for k in near])) if near else x[key]
            order = sorted(rows[layer], key=lambda k: (want[k], positions[k][1]))
            packed = []
            for i, key in enumerate(order):
                if i == 0:
                    packed.append(want[key])
                    continue
                left = by_key[order[i - 1]]
                room = box_width(left) / 2 + box_width(by_key[key]) / 2 + 0.2
                packed.append(max(want[key], packed[-1] + room))
            shift = float(np.mean([want[k] - p for k, p in zip(order, packed)]))
            for key, p in zip(order, packed):
                x[key] = p + shift
    return {key: (x[key], -LAYER * layer) for key, (layer, _) in positions.items()}


def draw_graph(fig, nodes, edges, points, current=None, walked=(), gradients=None, active_edges=(),
               window=None, title=None, legend=None):
    """Draw ``nodes`` and ``edges`` on ``fig`` (sized by ``extent``); the forward pass runs down the page.

    Args:
        points: ``place``'s result.
        current: the key of the op being stepped through (highlighted).
        walked: keys of ops the backward walk has passed.
        gradients: ``{key: text}`` shown in red on a node's last line (its gradient so far).
        active_edges: ``(from_key, to_key)`` pairs carrying gradient in the current step (red, pointing up).
        window: ``(first_layer, last_layer)`` to draw when the graph is deeper than ``MAX_LAYERS``.
        title: a line above the picture.
        legend: a line under it.
    """
    from matplotlib.patches import FancyBboxPatch

    gradients = gradients or {}
    by_key = {n.key: n for n in nodes}
    left, right, first, last = extent(nodes, points, window, text_width(title, legend))
    if hasattr(fig, "set_layout_engine"):  # a Figure (a SubFigure has no layout engine of its own)
        fig.set_layout_engine("none")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(left, right)
    top, below = margins(title, legend)
    bottom = -LAYER * last - below
    ax.set_ylim(bottom, top - LAYER * first)
    ax.axis("off")
    if title:
        ax.text(left + 0.1, top - LAYER * first - 0.08, title, fontsize=FONT + 0.5, va="top", ha="left")
    if legend:
        ax.text(left + 0.1, bottom + 0.06, legend, fontsize=FONT - 1, va="bottom", ha="left", color="#555555")

    def shown(key):
        return key in points and first <= layer_of(points[key]) <= last

    height = box_height

    for a, b, _ in edges:
        if not shown(b):
            continue
        active = (a, b) in active_edges
        color = GRADIENT if active else GREY_TEXT if (by_key[b].grey or by_key[a].grey) else "#555555"
        xb, yb = points[b]
        xa, ya = points[a] if shown(a) else (xb - 0.2, yb + 0.7 * LAYER)  # from a layer above the window
        start = ya - (height(by_key[a]) / 2 if shown(a) else 0)
        ax.annotate("", xy=(xb, yb + height(by_key[b]) / 2), xytext=(xa, start),
                    arrowprops=dict(arrowstyle="<-" if active else "->", color=color, lw=2.2 if active else 0.9,
                                    shrinkA=1, shrinkB=1, linestyle="-" if shown(a) else ":"))
    for node in nodes:
        if not shown(node.key):
            continue
        x, y = points[node.key]
        w, h = box_width(node), height(node)
        face = CURRENT if node.key == current else COLORS[node.kind]
        edge = "#e67e22" if node.target else "#2e7d32" if node.kind in ("source", "input") else "#7a8ca0"
        lw = 2.2 if node.target or node.kind in ("source", "input") or node.key == current else 0.8
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                    facecolor=face, edgecolor=GREY_TEXT if node.grey else edge, lw=lw,
                                    linestyle="--" if node.grey else "-", alpha=0.55 if node.grey else 1.0))
        shift = 0.075 if node.gradient_line else 0.0  # the lines sit above the gradient's line
        ax.text(x, y + shift, "\n".join(node.lines), ha="center", va="center", fontsize=FONT, linespacing=1.05,
                color=GREY_TEXT if node.grey else "black", fontweight="bold" if node.key == current else "normal")
        if node.key in walked and node.key != current:
            ax.text(x - w / 2 - 0.04, y + h / 2 - 0.02, "✓", color="#2e7d32", fontsize=FONT, ha="right", va="top")
        if node.key in gradients:
            ax.text(x, y - h / 2 + 0.1, "grad " + gradients[node.key], color=GRADIENT, fontsize=FONT,
                    ha="center", va="bottom", fontweight="bold" if node.key == current else "normal")
    return ax


def text_width(*texts):
    """The inches the longest line of ``texts`` needs (at least 6: a picture is never narrower)."""
    lines = [line for text in texts if text for line in text.split("\n")]
    return max([6.0] + [len(line) * CHAR_WIDTH * 0.92 + 0.3 for line in lines])


def extent(nodes, points, window=None, min_width=6.0):
    """``(left, right, first_layer, last_layer)`` of the part of the picture to draw, in inches and layers."""
    depth = max((layer_of(p) for p in points.values()), default=0)
    first, last = window or (0, depth)
    visible = [n for n in nodes if n.key in points and first <= layer_of(points[n.key]) <= last] or nodes[:1]
    if not visible:
        return -3.0, 3.0, first, last
    left = min(points[n.key][0] - box_width(n) / 2 for n in visible) - 0.3
    right = max(points[n.key][0] + box_width(n) / 2 for n in visible) + 0.3
    if right - left < min_width:  # room for the title and legend lines
        left, right = left - (min_width - (right - left)) / 2, right + (min_width - (right - left)) / 2
    return left, right, int(first), int(last)


def figure_size(nodes, points, window=None, title=None, legend=None):
    """``(width, height)`` in inches of the picture ``draw_graph`` makes."""
    left, right, first, last = extent(nodes, points, window, text_width(title, legend))
    top, below = margins(title, legend)
    return right - left, LAYER * (last - first) + top + below


def margins(title=None, legend=None):
    """Inches above the first layer's centre (room for the title) and below the last one's (for the legend)."""
    top = (0.75 + 0.2 * title.count("\n")) if title else 0.45
    return top, 0.5 + (0.3 if legend else 0.0)


def graph_png(nodes, edges, title=None, dpi=DPI):
    """A whole graph as PNG bytes (for a ``minitf.function`` graph, or any nodes and edges)."""
    points = place(nodes, edges, layout(nodes, edges))
    fig = new_figure(*figure_size(nodes, points, title=title))
    draw_graph(fig, nodes, edges, points, title=title)
    return png_bytes(fig, dpi=dpi)


class FunctionGraphView(Lesson):
    """A ``minitf.function`` concrete function's graph: the picture, then the text printout.

    Displayed without a kernel (a preview of a stored notebook), it shows the picture with the
    printout as its caption, and the printout as its text.

    >>> import minitf as tf
    >>> f = tf.function(lambda x: tf.reduce_sum(x * x))
    >>> view = FunctionGraphView(f.get_concrete_function(tf.constant([1.0, 2.0])))
    >>> [n.title for n in view.nodes]
    ['Placeholder x', 'Mul', 'Sum']
    """

    has_picture = True  # also when a long picture sits in its scrolling box

    def __init__(self, concrete):
        self.nodes, self.edges = function_graph(concrete)
        self.points = place(self.nodes, self.edges, layout(self.nodes, self.edges))
        self.title = f"graph {concrete.name}: {len(self.nodes)} operations"
        super().__init__([])
        self.printout = self.status
        self.say(concrete.pretty_printed_graph())
        self.figsize = figure_size(self.nodes, self.points, title=self.title)
        show_picture(self)
        picture = self.image
        if int(self.image.height) > MAX_HEIGHT:  # a long graph scrolls in its own box, not pushing the text away
            picture = widgets.Box([self.image], layout=widgets.Layout(max_height=f"{MAX_HEIGHT}px", overflow="auto"))
        self.children = (picture, self.status)

    def draw(self, fig):
        draw_graph(fig, self.nodes, self.edges, self.points, title=self.title)

    def summary(self):
        """A text-only preview shows the printout itself."""
        return self.text.rstrip("\n")


def show_picture(lesson):
    """Draw ``lesson``'s picture (``lesson.draw``, at ``lesson.figsize``) at ``DPI`` and show it at its pixel size."""
    fig = new_figure(*lesson.figsize)
    lesson.draw(fig)
    data = png_bytes(fig, dpi=DPI)
    width, height = png_size(data)
    with lesson.image.hold_sync():  # one message: the browser never shows the picture at a stale size
        lesson.image.width, lesson.image.height = str(width), str(height)
        lesson.image.value = data
    lesson.redraws += 1


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
        source, where = rule_source(step.rules[i])
        lines.append(f"{label}, rule at {where}:")
        lines += ["      " + line for line in source]
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
