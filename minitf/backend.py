"""Which array library does the arithmetic: NumPy (default) or CuPy (a GPU).

Op code never imports NumPy or CuPy itself; it receives the namespace ``xp`` of
the active backend and calls ``xp.exp``, ``xp.matmul`` and so on. CuPy is
imported here, lazily, and nowhere else. Arrays only travel to the host through
``to_numpy``.

Choose the backend with ``minitf.config.set_backend("cupy")`` or by setting the
environment variable ``MINITF_BACKEND=cupy`` before importing minitf.
"""

import os
import warnings

import numpy

xp = numpy
name = "numpy"


def _import_cupy():
    try:
        import cupy
    except ImportError as error:
        raise RuntimeError(
            "The 'cupy' backend needs CuPy, which is not installed (or failed to import: "
            f"{error}).\n  Install the GPU extra (pip install 'minitf[gpu]') on a machine with "
            "a CUDA GPU, or keep the default backend with set_backend('numpy')."
        ) from error
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CuPy raises its own CUDA error types
        raise RuntimeError(
            f"CuPy is installed but no CUDA GPU is usable: {error}\n"
            "  Run `python -m minitf doctor` to see why, or use set_backend('numpy')."
        ) from error
    return cupy


def gpu_count():
    """How many CUDA GPUs CuPy can use: 0 without CuPy, or without a usable driver or device."""
    try:
        return _import_cupy().cuda.runtime.getDeviceCount()
    except RuntimeError:
        return 0


def set_backend(backend_name):
    """Make ``"numpy"`` or ``"cupy"`` the array library for tensors created from now on.

    Tensors that already exist keep their arrays, and CuPy refuses to mix its arrays
    with NumPy's in one op (a TypeError), so switch at the start of a program.
    """
    global xp, name
    if backend_name == "numpy":
        xp, name = numpy, "numpy"
    elif backend_name == "cupy":
        xp, name = _import_cupy(), "cupy"
    else:
        raise ValueError(f"Unknown backend {backend_name!r}: expected 'numpy' or 'cupy'.")


def get_backend():
    """Return the name of the active backend, ``"numpy"`` or ``"cupy"``."""
    return name


def to_numpy(array):
    """Copy a backend array to a NumPy array on the host (a no-op for NumPy arrays)."""
    if isinstance(array, (numpy.ndarray, numpy.generic)):  # NumPy ops may return scalars
        return array
    return array.get()


def asarray(value, dtype=None):
    """Put ``value`` on the active backend as an array of ``dtype``, always copying it.

    Copying guarantees tensors are immutable: changing the NumPy array a tensor was
    made from does not change the tensor.
    """
    return xp.array(value, dtype=dtype)


if os.environ.get("MINITF_BACKEND", "numpy") != "numpy":
    try:
        set_backend(os.environ["MINITF_BACKEND"])
    except (RuntimeError, ValueError) as error:  # import still works, so `python -m minitf doctor` can explain
        warnings.warn(f"MINITF_BACKEND={os.environ['MINITF_BACKEND']!r} cannot be used, so minitf runs on NumPy: "
                      f"{error}", RuntimeWarning, stacklevel=2)
