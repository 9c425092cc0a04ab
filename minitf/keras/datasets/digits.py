"""The 8x8 handwritten digits (UCI, 1,797 images), shipped with minitf so it works offline.

A small stand-in for MNIST with the same kind of content: digits 0-9 written by
hand. Attribution and licence (CC BY 4.0) are in ``data/digits-LICENSE.txt``.
"""

import os

import numpy as np

__all__ = ["load_data"]

_PATH = os.path.join(os.path.dirname(__file__), "data", "digits.npz")


def load_data(test_split=0.2, seed=113):
    """Load the digits, shuffled and split into a training and a test set.

    Pixels are integers 0..16 (not 0..255 as in MNIST): divide by 16 to scale them to [0, 1].

    Args:
        test_split: the fraction of the 1,797 images kept for testing, in ``[0, 1)``.
        seed: the seed of the shuffle, so the split is the same every time.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape ``(n, 8, 8)`` and uint8 labels 0..9.

    >>> (x_train, y_train), (x_test, y_test) = load_data()
    >>> x_train.shape, x_test.shape, int(x_train.max())
    ((1437, 8, 8), (360, 8, 8), 16)
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"`test_split` must be in [0, 1). Received: test_split={test_split}")
    with np.load(_PATH, allow_pickle=False) as data:
        images, labels = data["images"], data["labels"]
    order = np.random.default_rng(seed).permutation(len(images))
    images, labels = images[order], labels[order]
    n_train = int(len(images) * (1 - test_split))
    return (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:])
