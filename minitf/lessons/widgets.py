"""The base of every lesson widget: a row of controls, a status line and a picture.

Pictures are drawn on an off-screen matplotlib ``Figure`` (the Agg canvas, no pyplot)
and shown as PNG bytes in an ``ipywidgets.Image``; text goes to an ``Output`` widget
with ``append_stdout``. Both behave the same in a browser, under nbval and in pytest,
where ``with output:`` and ``clear_output()`` would not. Only the API shared by
ipywidgets 7.7 and 8 is used, so the widgets work in JupyterLab, Binder and Colab.
"""

import io

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
        image: the ``Image`` widget holding the last picture as PNG bytes.
        redraws: how many times the picture was drawn (tests use it).
    """

    figsize = (9.0, 3.6)

    def __init__(self, controls):
        self.status = widgets.Output()
        self.image = widgets.Image(format="png")
        self.redraws = 0
        rows = [widgets.HBox(row) if isinstance(row, (list, tuple)) else row for row in controls]
        super().__init__(children=(*rows, self.status, self.image))

    @property
    def text(self):
        """Everything the status line shows now, as one string."""
        return "".join(output.get("text", "") for output in self.status.outputs)

    def say(self, *lines):
        """Replace the status line with ``lines``."""
        self.status.outputs = ()
        self.status.append_stdout("".join(line + "\n" for line in lines))

    def redraw(self):
        """Draw a fresh figure with ``draw`` and show it."""
        fig = new_figure(*self.figsize)
        self.draw(fig)
        self.image.value = png_bytes(fig)
        self.redraws += 1

    def draw(self, fig):
        """Draw the current state on ``fig``: each lesson widget supplies its own picture."""
        raise NotImplementedError(f"{type(self).__name__} must implement draw(fig).")
