"""The base of every lesson widget: a row of controls, a status line and a picture.

Pictures are drawn on an off-screen matplotlib ``Figure`` (the Agg canvas, no pyplot)
and shown as PNG bytes in an ``ipywidgets.Image`` at the PNG's own pixel size (a browser
would otherwise stretch it to the output's width); text goes to an ``Output`` widget
with ``append_stdout``. Both behave the same in a browser, under nbval and in pytest,
where ``with output:`` and ``clear_output()`` would not. Only the API shared by
ipywidgets 7.7 and 8 is used, so the widgets work in JupyterLab, Binder and Colab.

Every lesson also carries a static picture of itself. Displaying one sends, beside the
widget view, an ``image/png`` of its controls' values, its status line and its picture,
and a short ``text/plain``: JupyterLab draws the live widget, while GitHub's and
nbviewer's previews, ``jupyter nbconvert --to html`` or a PDF export (which have no
widget state) fall back to the PNG, so a stored chapter still shows what each widget did.
"""

import base64
import io
import struct
import textwrap

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def new_figure(width=9.0, height=3.6):
    """A matplotlib figure that belongs to no window and no pyplot state."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig, dpi=80):
    """Render ``fig`` to PNG and return the bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def png_size(data):
    """The ``(width, height)`` in pixels of PNG ``data``, read from its header.

    Raises:
        ValueError: ``data`` is not a PNG.
    """
    data = bytes(data)
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError(f"Not a PNG image: it starts with {data[:16]!r}, not {PNG_SIGNATURE!r} and an IHDR chunk.")
    return struct.unpack(">II", data[16:24])


def natural_size_image():
    """An ``Image`` shown at its PNG's pixel size, never enlarged, scaled down proportionally on a narrow screen.

    ``redraw`` sets its ``width`` and ``height`` from each PNG. In a VBox a picture with no
    width of its own is stretched to the full width (``align-items: stretch``) and looks
    distorted; ``flex-start`` stops that, ``max-width: 100%`` with ``height: auto`` keeps
    the aspect ratio when the output area is narrower than the picture.
    """
    layout = widgets.Layout(max_width="100%", height="auto", align_self="flex-start")
    return widgets.Image(format="png", layout=layout)


def slider(description, value, low, high, step, readout_format=".2f"):
    """A float slider that reports only when released, so a drag redraws once."""
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               continuous_update=False, readout_format=readout_format,
                               style={"description_width": "initial"})


def button(description, on_click):
    """A button that calls ``on_click()`` (without the button argument ipywidgets passes)."""
    b = widgets.Button(description=description)
    b.on_click(lambda _: on_click())
    return b


def control_values(children):
    """``"name = value"`` for every control with a value among ``children`` (searched through rows), in order."""
    found = []
    for child in children:
        if isinstance(child, widgets.Box):
            found += control_values(child.children)
        elif isinstance(child, widgets.ValueWidget) and getattr(child, "description", ""):
            value = child.value
            if isinstance(value, float):
                value = format(value, getattr(child, "readout_format", ".2f") or ".2f")
            found.append(f"{child.description} = {value}")
    return found


class Lesson(widgets.VBox):
    """Controls on top, then a status line, then the picture; subclasses write ``draw(fig)``.

    Attributes:
        status: the ``Output`` widget holding the text (``self.text`` reads it back).
        image: the ``Image`` widget holding the last picture as PNG bytes, shown at its pixel size.
        redraws: how many times the picture was drawn (tests use it).
        said: the lines the status shows now, without a note added by ``note``.

    Displayed, a lesson is a mime bundle: the widget view, a static PNG (``snapshot``) and
    a short ``text/plain`` (``summary``), so a preview without a kernel still shows it.
    """

    figsize = (9.0, 3.6)
    takes_effect = "the next step uses it"  # when a setting passed to ``follow`` acts

    def __init__(self, controls):
        self.status = widgets.Output()
        self.image = natural_size_image()
        self.redraws = 0
        self.said = ()
        rows = [widgets.HBox(row) if isinstance(row, (list, tuple)) else row for row in controls]
        super().__init__(children=(*rows, self.status, self.image))

    @property
    def text(self):
        """Everything the status line shows now, as one string."""
        return "".join(output.get("text", "") for output in self.status.outputs)

    def say(self, *lines):
        """Replace the status line with ``lines``."""
        self.said = lines
        self._show(lines)

    def note(self, line):
        """Add ``line`` under the status until the next ``say`` (a second note replaces the first)."""
        self._show((*self.said, line))

    def _show(self, lines):
        self.status.outputs = ()
        self.status.append_stdout("".join(line + "\n" for line in lines))

    def follow(self, *controls):
        """Echo each of ``controls`` as soon as it moves, with ``setting_note``.

        For a training setting (a learning rate) that acts only from the next step:
        without the echo, moving it would show nothing until then. Nothing is
        redrawn, since nothing it changes has happened yet.
        """
        for control in controls:
            control.observe(lambda change: self.note(self.setting_note(change["owner"])), names="value")

    def setting_note(self, control):
        """What the status adds when a followed ``control`` moves: its new value and ``takes_effect``."""
        return f"{control.description} is now {control.value:{control.readout_format}}: {self.takes_effect}."

    def redraw(self):
        """Draw a fresh figure with ``draw`` and show it."""
        fig = new_figure(*self.figsize)
        self.draw(fig)
        data = png_bytes(fig)
        width, height = png_size(data)
        with self.image.hold_sync():  # one message: the browser never shows the picture at a stale size
            self.image.width, self.image.height = str(width), str(height)
            self.image.value = data
        self.redraws += 1

    def draw(self, fig):
        """Draw the current state on ``fig``: each lesson widget supplies its own picture."""
        raise NotImplementedError(f"{type(self).__name__} must implement draw(fig).")

    @property
    def has_picture(self):
        """Whether the picture is shown (a lesson whose output is text only drops it from its children)."""
        return self.image in self.children

    def caption(self, width=110):
        """The text of the static picture: the controls' values, then the status line, wrapped at ``width``."""
        lines = []
        controls = control_values(self.children)
        if controls:
            lines += textwrap.wrap("settings: " + ", ".join(controls), width)
        for line in self.text.rstrip("\n").split("\n"):
            lines += textwrap.wrap(line, width, subsequent_indent="    ") or [""]
        return lines

    def snapshot(self, dpi=80):
        """The widget as one PNG: its caption (settings and status) above its picture, for where widgets cannot run."""
        width, height = self.figsize if self.has_picture else (9.0, 0.0)
        lines = self.caption(width=max(40, int(12.5 * width)))  # 9-point monospace: about 12.5 characters an inch
        text_height = 0.21 * len(lines) + 0.15
        fig = new_figure(width, height + text_height)
        if self.has_picture:
            top, bottom = fig.subfigures(2, 1, height_ratios=[text_height, height])
            self.draw(bottom)
        else:
            top = fig
        top.text(0.01, 0.98, "\n".join(lines), va="top", ha="left", family="monospace", fontsize=9,
                 transform=top.transSubfigure)
        return png_bytes(fig, dpi=dpi)

    def summary(self):
        """The short text a text-only preview shows: what the widget is and its first status line."""
        first = self.text.split("\n", 1)[0]
        return f"{type(self).__name__} (an interactive widget: run the notebook to use it)\n{first}"

    def mime_bundle(self):
        """The widget view with its static fallbacks: a PNG snapshot and a short text."""
        return {
            "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                         "model_id": self.model_id},
            "image/png": base64.b64encode(self.snapshot()).decode("ascii"),
            "text/plain": self.summary(),
        }

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        bundle = self.mime_bundle()
        return {kind: data for kind, data in bundle.items()
                if (include is None or kind in include) and (exclude is None or kind not in exclude)}

    if not hasattr(widgets.Widget, "_repr_mimebundle_"):  # ipywidgets 7 displays widgets this way instead
        def _ipython_display_(self, **kwargs):
            from IPython.display import display

            display(self.mime_bundle(), raw=True)
            self._handle_displayed(**kwargs)
