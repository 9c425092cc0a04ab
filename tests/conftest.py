"""Shared test fixtures: every test starts from a fixed random seed and the NumPy backend."""

import numpy as np
import pytest

import minitf as tf


@pytest.fixture(autouse=True)
def _seeded():
    tf.random.set_seed(0)
    np.random.seed(0)
    yield
