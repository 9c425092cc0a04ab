"""Data sets, as ``keras.datasets``: ``digits`` (shipped, offline) and ``mnist`` (downloaded and cached).

Each module has a ``load_data()`` returning ``(x_train, y_train), (x_test, y_test)``
as NumPy arrays, the shape Keras's loaders have.
"""

from minitf.keras.datasets import digits, mnist  # noqa: F401

__all__ = ["digits", "mnist"]
