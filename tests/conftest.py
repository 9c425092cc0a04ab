"""Shared test fixtures: a fixed random seed for every test, the backend parameter (NumPy, CuPy), explain mode."""

import numpy as np
import pytest

import minitf as tf
from minitf import backend


@pytest.fixture(autouse=True)
def _seeded():
    tf.random.set_seed(0)
    np.random.seed(0)
    yield


@pytest.fixture(params=["numpy", "cupy"])
def on_backend(request):
    """Run a test on each backend; the CuPy run skips where CuPy or a GPU is missing.

    Afterwards the backend the suite runs on is restored (NumPy, or CuPy under ``MINITF_BACKEND=cupy``).
    """
    previous = backend.get_backend()
    if request.param == "cupy":
        pytest.importorskip("cupy", reason="CuPy is not installed: GPU tests skip")
        try:
            backend.set_backend("cupy")
        except RuntimeError as error:
            pytest.skip(f"no usable GPU: {error}")
    else:
        backend.set_backend("numpy")
    yield request.param
    backend.set_backend(previous)


@pytest.fixture
def explain_mode():
    """Turn minitf's explain mode on for one test (as ``tf.config.set_explain_mode(True)`` in a notebook)."""
    tf.config.set_explain_mode(True)
    try:
        yield
    finally:
        tf.config.set_explain_mode(False)
