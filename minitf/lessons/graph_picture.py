"""Graph pictures: a tape's record or a ``minitf.function`` graph as boxes and arrows, drawn with matplotlib.

Plain functions, testable without a browser: ``record_graph`` and ``function_graph`` turn what a
tape recorded (``tape.recorded_ops``) or a traced graph (``graph.get_operations()``) into ``Node``s
and edges; ``layout`` puts each node in a layer (the forward pass runs down the page), ``place``
gives it a position, ``draw_graph`` draws the boxes, arrows and gradients. ``FunctionGraphView``
shows a traced graph; ``tapeview.TapeView`` steps through a tape's backward pass on the same picture.
No Graphviz or other system package is needed.
"""

import ipywidgets as widgets
import numpy as np

from minitf import nest
from minitf.lessons.widgets import Lesson, new_figure, png_bytes, png_size
from minitf.variable import Variable

SMALL = 6  # tensors with at most this many elements show their values in the text
PICTURE_SMALL = 4  # ... and in the picture
FONT = 8.5
CHAR_WIDTH = FONT * 0.6 / 72  # inches per character of a node's label, near enough for DejaVu Sans
COLORS = {"op": "#dbe9f6", "source": "#c9ecc9", "watched": "#eeeeee", "constant": "#f7f7f7", "input": "#c9ecc9"}
GREY_TEXT, CURRENT, GRADIENT = "#9a9a9a", "#ffe066", "#c0392b"
LAYER = 1.1  # inches from one layer of the picture to the next
MAX_HEIGHT = 720  # pixels of a function's graph shown before it scrolls
DPI = 100  # pictures of graphs have small text: drawn at 100 dpi, not the lessons' usual 80


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
