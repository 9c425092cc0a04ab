"""Progbar: the Keras progress bar that ``fit``, ``evaluate`` and ``predict`` print with.

While a loop runs, one line is rewritten in place with ``\\r`` (in a terminal and in
a Jupyter notebook alike), with the estimated time left. The line it leaves at the
end of an epoch is plain, deterministic text (no timings, no ANSI codes), e.g.
``10/10 [==============================] - loss: 0.1234 - accuracy: 0.9500``,
so notebook tests can compare it. When the output is neither a terminal nor a
notebook (a file, a captured stream) only that final line is written.
"""

import sys
import time


def format_value(value):
    """Format a metric the way Keras does: 4 decimals, or scientific notation when tiny."""
    value = float(value)
    if value == 0 or abs(value) > 1e-3:
        return f"{value:.4f}"
    return f"{value:.4e}"


def _overwrite(width, line):
    """Text that replaces an in-place line ``width`` characters long with ``line``.

    Terminals and JupyterLab both move back on ``\r`` without clearing, so the old line is first
    blanked with spaces (no ANSI codes); a stored notebook output keeps only the text after the
    last ``\r``, which is exactly ``line``.
    """
    return "\r" + (" " * width + "\r" if width else "") + line


def _in_notebook(stream):
    return "ipykernel" in sys.modules and type(stream).__module__.startswith("ipykernel")


class Progbar:
    """A progress bar with running metric values, as ``keras.utils.Progbar``.

    Values of names in ``stateful_metrics`` are shown as given; other values are
    averaged over the steps seen so far (weighted by the steps each covers).

    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progbar(4, file=out)
    >>> bar.update(2, [("loss", 1.0)])
    >>> bar.update(4, [("loss", 0.5)])
    >>> print(out.getvalue(), end="")
    4/4 [==============================] - loss: 0.7500

    Args:
        target: the total number of steps, or None when unknown.
        width: the bar's width in characters.
        verbose: 0 silent, 1 the bar updated in place, 2 only the final line.
        interval: the least time in seconds between two in-place updates.
        stateful_metrics: names whose values are already averages (shown as they are).
        unit_name: what a step is called (kept for Keras compatibility).
        file: where to write; ``sys.stdout`` (looked up at each write) by default.
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step",
                 file=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.unit_name = unit_name
        self._file = file
        self._values = {}
        self._seen = 0
        self._last_update = float("-inf")
        self._last_width = 0
        self._finished = False
        self._start = time.monotonic()

    @property
    def file(self):
        return self._file if self._file is not None else sys.stdout

    def update(self, current, values=None, finalize=None):
        """Record that ``current`` steps are done, with ``values`` a list of ``(name, value)`` pairs.

        Args:
            current: the number of steps done so far.
            values: metric values to show; tensors are converted with ``float``.
            finalize: whether this is the last update; by default when ``current >= target``.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        steps = max(current - self._seen, 1)
        for name, value in values or ():
            value = float(value)
            if name in self.stateful_metrics:
                self._values[name] = value
            else:
                total, count = self._values.get(name, (0.0, 0))
                self._values[name] = (total + value * steps, count + steps)
        self._seen = current
        if self.verbose == 0 or self._finished:
            return
        if finalize:
            self._finish(current)
            return
        if self.verbose != 1:
            return
        now = time.monotonic()
        if now - self._last_update < self.interval:
            return
        self._last_update = now
        stream = self.file
        notebook = _in_notebook(stream)
        if not (notebook or _isatty(stream)):
            return
        eta = None
        if self.target is not None and current > 0:
            eta = (now - self._start) / current * max(self.target - current, 0)
        line = self.line(current, eta=eta)  # in-place lines show an ETA; the final line shows no time
        stream.write(_overwrite(self._last_width, line))
        self._last_width = len(line)
        stream.flush()

    def add(self, n, values=None):
        """Advance by ``n`` steps."""
        self.update(self._seen + n, values)

    def _finish(self, current):
        self._finished = True
        stream = self.file
        line = self.line(current, bar=self.verbose == 1, target=self.target or current)
        if self._last_width:  # an in-place line is showing: overwrite it
            stream.write(_overwrite(self._last_width, line) + "\n")
        else:
            stream.write(line + "\n")
        stream.flush()

    def line(self, current, bar=True, target=None, eta=None):
        """The text for ``current`` steps done: counter, bar, the time left (when given) and metric values."""
        target = self.target if target is None else target
        if target is None:
            text = f"{current}/Unknown"
        else:
            digits = len(str(target))
            text = f"{current:>{digits}}/{target}"
            if bar:
                done = int(self.width * min(current / target, 1.0)) if target else self.width
                arrow = ">" if 0 < done < self.width else ("=" if done else "")
                body = "=" * max(done - 1, 0) + arrow if done < self.width else "=" * self.width
                text += " [" + body + "." * (self.width - len(body)) + "]"
        if eta is not None:
            text += " - ETA: " + _duration(eta)
        for name, value in self._values.items():
            if isinstance(value, tuple):
                value = value[0] / max(value[1], 1)
            text += f" - {name}: {format_value(value)}"
        return text


def _duration(seconds):
    """``1:02:03``, ``2:03`` or ``3s``, as Keras shows the time left."""
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if seconds >= 60:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds}s"


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
