"""Data sets: the shipped digits, and MNIST's download, cache and checksum against a local HTTP server."""

import functools
import hashlib
import http.server
import io
import os
import socket
import threading

import numpy as np
import pytest

from minitf.keras.datasets import digits, mnist


def test_digits_are_the_real_8x8_digits_split_reproducibly():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 16
    labels = np.concatenate([y_train, y_test])
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    (again, _), _ = digits.load_data()
    np.testing.assert_array_equal(x_train, again)
    (other, _), _ = digits.load_data(seed=1)
    assert not np.array_equal(x_train, other)
    (small, _), (big, _) = digits.load_data(test_split=0.5)
    assert len(small) == 898 and len(big) == 899
    # images are digits: the mean image of the zeros is a ring with an empty middle
    zeros = np.concatenate([x_train, x_test])[labels == 0].mean(axis=0)
    assert zeros[3:5, 3:5].mean() < 3 and zeros[2:6, 2].mean() > 10
    with pytest.raises(ValueError, match=r"`test_split` must be in \[0, 1\). Received: test_split=1.5"):
        digits.load_data(test_split=1.5)


def test_licence_and_attribution_ship_beside_the_data():
    folder = os.path.join(os.path.dirname(digits.__file__), "data")
    text = open(os.path.join(folder, "digits-LICENSE.txt"), encoding="utf-8").read()
    assert "CC BY 4.0" in text and "10.24432/C50P49" in text and "Alpaydin" in text


def _fake_mnist():
    buffer = io.BytesIO()
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), "y_train": np.arange(6, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8), "y_test": np.array([7, 3], np.uint8)}
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue(), arrays


class _Server:
    """A local HTTP server in a thread serving one folder and counting requests."""

    def __init__(self, folder):
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests += 1
                super().do_GET()

        self.requests = 0
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     functools.partial(Handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A fake mnist.npz served over HTTP, the cache in a temporary MINITF_HOME, ORIGIN and SHA256 pointed at it."""
    content, arrays = _fake_mnist()
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "mnist.npz").write_bytes(content)
    server = _Server(tmp_path / "www")
    monkeypatch.setenv("MINITF_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mnist, "ORIGIN", server.url + "/mnist.npz")
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(content).hexdigest())
    yield server, arrays, tmp_path / "home" / "datasets"
    server.close()


def test_mnist_downloads_verifies_and_caches(served):
    server, arrays, cache = served
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert x_train.shape == (6, 28, 28) and x_train.dtype == np.uint8
    assert sorted(os.listdir(cache)) == ["mnist.npz"] and server.requests == 1
    server.close()  # the cache answers from now on
    (again, _), _ = mnist.load_data()
    np.testing.assert_array_equal(again, arrays["x_train"])


def test_mnist_checksum_mismatch_deletes_the_file(served, monkeypatch):
    _, _, cache = served
    monkeypatch.setattr(mnist, "SHA256", "0" * 64)
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected. The sha256 file hash"):
        mnist.load_data()
    assert os.listdir(cache) == []


def test_corrupted_cache_is_downloaded_again(served):
    server, arrays, cache = served
    cache.mkdir(parents=True)
    (cache / "mnist.npz").write_bytes(b"truncated")
    with pytest.warns(UserWarning, match="sha256 file hash does not match the expected one"):
        (x_train, _), _ = mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    assert server.requests == 1


def test_mnist_offline_is_a_clear_error(tmp_path, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MINITF_HOME", str(tmp_path))
    monkeypatch.setattr(mnist, "ORIGIN", f"http://127.0.0.1:{port}/mnist.npz")
    with pytest.raises(OSError, match=r"URL fetch failure on http://127.0.0.1:\d+/mnist.npz(.|\n)*are you offline"):
        mnist.load_data()
    assert os.listdir(tmp_path / "datasets") == []


def test_mnist_http_error(served, monkeypatch):
    server, _, cache = served
    monkeypatch.setattr(mnist, "ORIGIN", server.url + "/missing.npz")
    with pytest.raises(OSError, match=r"URL fetch failure on .*/missing.npz: 404"):
        mnist.load_data()
    assert os.listdir(cache) == []


def test_mnist_points_at_keras_file_and_checksum():
    assert mnist.ORIGIN == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    assert mnist.SHA256 == "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
