"""The exceptions minitf raises, named and worded like TensorFlow's.

An op error's first line matches TensorFlow's (``... [Op:MatMul]``) so it can be
searched for; the lines after it say what was expected and how to fix it.
This module holds no logic beyond formatting those messages.
"""


class OpError(Exception):
    """Base class of errors raised while running an op (as ``tf.errors.OpError``)."""

    def __init__(self, message, op=None, hint=None):
        self.message = message
        self.op = op
        self.hint = hint
        text = f"{message} [Op:{op}]" if op else message
        if hint:
            text += "\n  " + hint.replace("\n", "\n  ")
        super().__init__(text)


class InvalidArgumentError(OpError, ValueError):
    """An op received arguments it cannot work with: wrong shapes, dtypes or values."""


class NotFoundError(OpError):
    """A file or object that was asked for does not exist."""


class DataLossError(OpError):
    """A file holds damaged or unreadable data (a truncated or corrupt checkpoint)."""


def shape_text(shape):
    """Format a shape as TensorFlow's error messages do: ``[2,3]``."""
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"
