"""A stand-in for CuPy, for ``benchmarks/gpu_check.sh --dry`` only: never on the path otherwise.

It is ``tests/fake_gpu.py``'s counted device arrays (NumPy arrays that refuse to mix with host
arrays and return 0-d arrays from reductions, as CuPy's do) under the name ``cupy``, with just
enough of ``cupy.cuda`` for minitf's backend, its doctor and the benchmarks. With it on
``PYTHONPATH`` and ``MINITF_BACKEND=cupy``, the tests and chapters run by CuPy's rules on a
machine without a GPU. It says nothing about speed, and nothing about CuPy's own behaviour.
"""

import numpy as _np

from tests import fake_gpu as _fake

__fake__ = True
__version__ = "0 (the stand-in in benchmarks/fake_cupy)"
ndarray = _fake.DeviceArray
_namespace = _fake._Namespace(_np)


def asnumpy(array):
    """A host copy, counted as cupy.asnumpy."""
    _fake.transfers.record("asnumpy")
    return array._array.copy() if isinstance(array, _fake.DeviceArray) else _np.asarray(array)


class _Runtime:
    @staticmethod
    def getDeviceCount():
        return 1

    @staticmethod
    def getDeviceProperties(index):
        return {"name": b"CuPy stand-in (NumPy on the CPU)"}


class _Device:
    def __init__(self, index=0):
        self.id = index

    def synchronize(self):
        """Nothing to wait for: the arithmetic already ran."""

    def __enter__(self):  # ``with cupy.cuda.Device(0):`` (minitf.device): the one stand-in device
        return self

    def __exit__(self, *exc_info):
        return False


class cuda:  # CuPy's name
    runtime = _Runtime
    Device = _Device


def __getattr__(name):
    return getattr(_namespace, name)
