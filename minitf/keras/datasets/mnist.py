"""MNIST (LeCun et al.): 70,000 28x28 handwritten digits, downloaded once from Keras's copy and cached.

The file is the one ``keras.datasets.mnist`` uses, checked against its published
SHA-256. Without a network, use ``keras.datasets.digits``, which ships with minitf.
"""

import numpy as np

from minitf.keras.datasets._download import get_file

__all__ = ["load_data"]

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """Load MNIST, downloading it (about 11 MB) into the cache the first time.

    Args:
        path: the file's name in the cache (``~/.minitf/datasets``, or ``$MINITF_HOME/datasets``).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape ``(60000, 28, 28)`` and
        ``(10000, 28, 28)`` with values 0..255, and uint8 labels 0..9.

    Raises:
        OSError: the file is not cached and cannot be downloaded (offline).
        ValueError: the downloaded file is corrupted (its checksum does not match).
    """
    local = get_file(path, ORIGIN, SHA256)
    with np.load(local, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
