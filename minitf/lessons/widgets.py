"""The base of every lesson widget: a row of controls, a status line and a picture.

Pictures are drawn on an off-screen matplotlib ``Figure`` (the Agg canvas, no pyplot)
and shown as PNG bytes in an ``ipywidgets.Image`` at the PNG's own pixel size (a browser
would otherwise stretch it to the output's width); text goes to an ``Output`` widget
with ``append_stdout``. Both behave the same in a browser, under nbval and in pytest,
where ``with output:`` and ``clear_output()`` would not. Only the API shared by
ipywidgets 7.7 and 8 is used, so the widgets work in JupyterLab, Binder and Colab.
"""

import io
import struct

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


class Lesson(widgets.VBox):
    """Controls on top, then a status line, then the picture; subclasses write ``draw(fig)``.

    Attributes:
        status: the ``Output`` widget holding the text (``self.text`` reads it back).
        image: the ``Image`` widget holding the last picture as PNG bytes, shown at its pixel size.
        redraws: how many times the picture was drawn (tests use it).
        said: the lines the status shows now, without a note added by ``note``.
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
