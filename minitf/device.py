"""``minitf.device``: choose where the ops in a block run, as ``tf.device``.

minitf has one device per backend: the NumPy backend runs on the CPU (``"CPU:0"``), the CuPy
backend on NVIDIA GPUs (``"GPU:0"``, ``"GPU:1"``..., selected with ``cupy.cuda.Device``).
A device string is read as TensorFlow reads one (``"CPU"``, ``"/CPU:0"``, ``"cpu:0"``,
``"/device:GPU:1"``, ``"/job:localhost/replica:0/task:0/device:CPU:0"``). Where TensorFlow
would quietly place the ops elsewhere (soft placement), minitf raises and says how to get
the device asked for. Tensors say where they live in ``tensor.device``.
"""

import contextlib
import re

from minitf import backend
from minitf.config import list_physical_devices
from minitf.errors import InvalidArgumentError

__all__ = ["device"]

_SPEC = re.compile(r"(?:/job:\w+)?(?:/replica:\d+)?(?:/task:\d+)?/?(?:device:)?(?:([a-zA-Z]+)(?::(\d+|\*))?)?")


def _parse(name):
    """``(type, index)`` of a device string: ``"/device:GPU:1"`` -> ``("GPU", 1)``; no type gives ``(None, 0)``."""
    match = _SPEC.fullmatch(name.strip())
    if match is None:
        raise ValueError(f"Unknown device specification {name!r}.\n  Write a device as TensorFlow does: 'CPU:0', "
                         "'/GPU:0' or '/device:GPU:1'.")
    kind, index = match.groups()
    return (kind or "").upper() or None, 0 if index in (None, "*") else int(index)


@contextlib.contextmanager
def device(device_name):
    """Run the ops of the block on ``device_name`` (``"CPU:0"``, ``"/GPU:1"``...), as ``tf.device``.

    Args:
        device_name: a device string; ``None`` or ``""`` leaves the placement as it is.

    Raises:
        InvalidArgumentError: the backend has no such device (a GPU on the NumPy backend,
            the CPU on the CuPy backend, a GPU index beyond the GPUs present).
        ValueError: a string that is no device specification.

    >>> import minitf as tf
    >>> name = "CPU:0" if tf.config.get_backend() == "numpy" else "GPU:0"  # the backend's device
    >>> with tf.device("/device:" + name):
    ...     x = tf.constant([1.0, 2.0])
    >>> x.device.endswith(name)
    True
    """
    kind, index = _parse(device_name or "")
    if kind is None:
        yield
    elif kind == "CPU" and index == 0 and backend.name == "numpy":
        yield
    elif kind == "GPU" and backend.name == "cupy" and index < backend.xp.cuda.runtime.getDeviceCount():
        with backend.xp.cuda.Device(index):
            yield
    else:
        raise _unsatisfiable(device_name, kind, index)


def _unsatisfiable(device_name, kind, index):
    spec = f"Could not satisfy device specification {device_name!r}"
    if kind == "GPU" and backend.name == "numpy":
        return InvalidArgumentError(f"{spec}: minitf is running on NumPy, which has no GPU", hint=(
            "Run on a GPU with the CuPy backend: set MINITF_BACKEND=cupy before importing minitf (or call "
            "minitf.config.set_backend('cupy')); it needs CuPy and an NVIDIA GPU. Without one, use 'CPU:0'."))
    if kind == "CPU" and backend.name == "cupy":
        return InvalidArgumentError(f"{spec}: minitf is running on CuPy, which runs every op on the GPU", hint=(
            "Use 'GPU:0', or minitf.config.set_backend('numpy') to run on the CPU."))
    count = len(list_physical_devices(kind)) if kind in ("CPU", "GPU") else 0
    return InvalidArgumentError(f"{spec}: there is no {kind}:{index}", hint=(
        f"minitf sees {count} {kind} device(s), numbered from 0 (minitf.config.list_physical_devices()). "
        "minitf's devices are CPU (NumPy backend) and GPU (CuPy backend)."))

