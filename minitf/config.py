"""Runtime configuration: the array backend and the devices it can use (``tf.config``)."""

from collections import namedtuple

from minitf.backend import get_backend, gpu_count, set_backend

PhysicalDevice = namedtuple("PhysicalDevice", ["name", "device_type"])

__all__ = ["functions_run_eagerly", "get_backend", "get_explain_mode", "list_physical_devices",
           "run_functions_eagerly", "set_backend", "set_explain_mode",
           "PhysicalDevice"]


def list_physical_devices(device_type=None):
    """List the CPU and any CUDA GPUs CuPy can use, as ``tf.config.list_physical_devices``.

    >>> list_physical_devices("CPU")
    [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
    """
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    if device_type in (None, "GPU"):
        devices += [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in range(gpu_count())]
    return [d for d in devices if device_type is None or d.device_type == device_type]


_explain = {}  # minitf.explain, which sits above the engine, registers its "set" and "get" here on import


def set_explain_mode(enabled):
    """Explain every None gradient and classic pitfall with a warning at your own line (minitf only).

    Off by default, so minitf behaves exactly as TensorFlow (same Nones, no extra output).
    ``MINITF_EXPLAIN=1`` in the environment turns it on for a whole notebook or course.
    See ``minitf.explain``.
    """
    _explain["set"](enabled)


def get_explain_mode():
    """Whether explain mode is on (``set_explain_mode``)."""
    return _explain["get"]()


_functions = {"eagerly": False}


def run_functions_eagerly(run_eagerly):
    """Make every ``minitf.function`` call run its Python function eagerly, untraced (for debugging).

    As ``tf.config.run_functions_eagerly``: Python side effects then happen on every call.
    """
    _functions["eagerly"] = bool(run_eagerly)


def functions_run_eagerly():
    """Whether ``run_functions_eagerly(True)`` is in force."""
    return _functions["eagerly"]
