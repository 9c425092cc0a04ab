"""A stand-in for CuPy on the CPU: arrays "on a device" that count every copy to the host.

On a GPU, each device-to-host copy (``.get()``, ``float(x)``, ``x.item()``, ``np.asarray(x)``,
printing an array) waits for the GPU to finish and moves the data over PCIe; one per op would
ruin training speed. CuPy is not installed on the CPU test machines, so this module imitates
the part of CuPy that matters here: ``DeviceArray`` wraps a NumPy array, computes on it as CuPy
computes on device memory (operators, methods, ``np.*`` functions dispatched through
``__array_ufunc__``/``__array_function__``, reductions that return 0-d arrays rather than
scalars), refuses to mix with NumPy arrays as CuPy does (``TypeError: Unsupported type``), and
counts each conversion to a host value in ``transfers``. ``use_fake_gpu()`` makes it minitf's
backend for the length of a ``with`` block. On a machine with CuPy and a GPU,
``use_fake_gpu(cupy)`` wraps real CuPy arrays the same way: the arithmetic runs on the GPU and every
conversion minitf asks for (``.get()``, ``cupy.asnumpy``, ``float()``...) is counted.
"""

import contextlib
import traceback

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from minitf import backend


class Transfers:
    """Counts device-to-host copies (and, for information, host-to-device uploads)."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.events = []  # (what, where): where is the innermost minitf frame that asked for the copy
        self.uploads = 0

    @property
    def count(self):
        return len(self.events)

    def record(self, what):
        self.events.append((what, _caller()))

    def summary(self):
        """Each distinct (conversion, caller) with its count: what a failing test prints."""
        counts = {}
        for event in self.events:
            counts[event] = counts.get(event, 0) + 1
        return "\n".join(f"  {n} x {what} from {where}" for (what, where), n in sorted(counts.items()))


transfers = Transfers()
_device = {"array": np.ndarray, "module": np}  # what the wrapped arrays are: NumPy's (the fake) or CuPy's


def _caller():
    """The innermost minitf frames (at most three) that led to the copy, innermost first."""
    frames = [f"{frame.filename.rsplit('/minitf/', 1)[1]}:{frame.lineno} ({frame.name})"
              for frame in reversed(traceback.extract_stack()[:-3]) if "/minitf/" in frame.filename]
    return " <- ".join(frames[:3]) or "the test itself"


def _unwrap(value):
    """The NumPy arrays inside ``value`` (lists and tuples walked); a host ndarray is refused as CuPy does."""
    if isinstance(value, DeviceArray):
        return value._array
    if isinstance(value, np.ndarray):
        raise TypeError(f"Unsupported type {np.ndarray}: a NumPy (host) array was mixed with device arrays; "
                        "CuPy refuses this. Convert it with xp.asarray first.")
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    return value


def _wrap(value):
    """Results back on the "device": arrays and NumPy scalars become DeviceArrays (CuPy returns 0-d arrays)."""
    if isinstance(value, _device["array"]):
        return DeviceArray(value)
    if isinstance(value, np.generic) and _device["module"] is np:
        return DeviceArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _host_copy(name):
    def method(self, *args, **kwargs):
        transfers.record(name)
        if name == "get" and _device["module"] is np:
            return self._array.copy()
        return getattr(self._array, name)(*args, **kwargs)

    method.__name__ = name
    return method


class DeviceArray(NDArrayOperatorsMixin):
    """An array "on the device": a NumPy array that counts every conversion to a host value."""

    __slots__ = ("_array",)

    def __init__(self, array):
        self._array = array

    # -- computing stays on the device ----------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs, out = _unwrap(inputs), kwargs.get("out")
        if out is not None:
            kwargs["out"] = _unwrap(out)
        with np.errstate(all="ignore"):  # CuPy never warns about inf or nan
            result = getattr(ufunc, method)(*inputs, **kwargs)
        if out is not None:  # in place (a -= b): the same array object back, as CuPy (and NumPy) give
            return out[0] if len(out) == 1 else out
        return _wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        return _wrap(func(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))

    def __getattr__(self, name):  # shape, dtype, ndim, size, T, reshape, astype, sum, dot, copy...
        value = getattr(self._array, name)
        if not callable(value):
            return _wrap(value)

        def method(*args, **kwargs):
            return _wrap(value(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))

        return method

    def __getitem__(self, key):
        return _wrap(self._array[_unwrap(key)])

    def __setitem__(self, key, value):
        if isinstance(value, np.ndarray):  # CuPy uploads a host array assigned into a device one
            transfers.uploads += 1
            self._array[_unwrap(key)] = value
        else:
            self._array[_unwrap(key)] = _unwrap(value)

    def __len__(self):
        return len(self._array)

    def __iter__(self):
        return (_wrap(row) for row in self._array)

    def __copy__(self):
        return DeviceArray(self._array.copy())

    def __deepcopy__(self, memo):
        return DeviceArray(self._array.copy())

    # -- copies to the host: each one is counted --------------------------------------------------
    get = _host_copy("get")  # cupy.ndarray.get(): a NumPy copy of the array
    item = _host_copy("item")
    tolist = _host_copy("tolist")
    tobytes = _host_copy("tobytes")
    __float__ = _host_copy("__float__")
    __int__ = _host_copy("__int__")
    __index__ = _host_copy("__index__")
    __bool__ = _host_copy("__bool__")
    __complex__ = _host_copy("__complex__")
    __format__ = _host_copy("__format__")
    __repr__ = _host_copy("__repr__")
    __str__ = _host_copy("__str__")

    def __array__(self, dtype=None, copy=None):
        transfers.record("__array__ (np.asarray)")
        array = self._array if _device["module"] is np else self._array.get()
        return array if dtype is None else array.astype(dtype)

    def __reduce__(self):
        transfers.record("__reduce__ (pickle)")
        return (DeviceArray, (self._array.copy(),))  # pickling copies through the host, on CuPy too


_CREATORS = {"array", "asarray", "ascontiguousarray", "asanyarray", "copy"}


class _Namespace:
    """The module ``cupy`` as op code sees it (``xp``): NumPy's functions, on DeviceArrays.

    Creation functions (``xp.asarray(host_array)``) upload host data, as CuPy does; every other
    function refuses NumPy arrays, as CuPy does.
    """

    def __init__(self, module):
        self._module = module
        self.__name__ = f"fake_gpu({module.__name__})"

    def __getattr__(self, name):
        value = getattr(self._module, name)
        if name == "ndarray":
            return DeviceArray
        if isinstance(value, type) or not callable(value):
            if type(value).__name__ == "module":
                return _Namespace(value)
            return value  # dtypes (xp.float32), constants (xp.pi, xp.newaxis)
        if hasattr(value, "nin"):  # a ufunc (NumPy's or CuPy's), with its methods (xp.add.at)
            return _Ufunc(value)
        if name in _CREATORS:
            return _creator(value)
        if name == "asnumpy":
            def asnumpy(array, *args, **kwargs):
                transfers.record("asnumpy")
                return value(_unwrap_host(array), *args, **kwargs)

            return asnumpy

        def function(*args, **kwargs):
            return _wrap(value(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))

        function.__name__ = name
        return function


def _creator(make):
    def create(value, *args, **kwargs):
        if isinstance(value, DeviceArray):
            return DeviceArray(make(value._array, *args, **kwargs))
        transfers.uploads += 1
        return _wrap(make(_unwrap_host(value), *args, **kwargs))

    return create


def _unwrap_host(value):
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap_host(v) for v in value)
    return value._array if isinstance(value, DeviceArray) else value


class _Ufunc:
    """``xp.exp``, ``xp.add.at``...: a NumPy ufunc on DeviceArrays."""

    def __init__(self, ufunc):
        self._ufunc = ufunc

    def __call__(self, *args, **kwargs):
        with np.errstate(all="ignore"):  # CuPy never warns about inf or nan
            return _wrap(self._ufunc(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))

    def __getattr__(self, name):
        value = getattr(self._ufunc, name)
        if not callable(value):
            return value
        return lambda *args, **kwargs: _wrap(value(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))


@contextlib.contextmanager
def use_fake_gpu(module=np):
    """Make counted device arrays minitf's backend inside the block; yields ``transfers``, reset.

    ``module`` is NumPy (the fake device, on any machine) or ``cupy`` (real GPU arrays, counted).
    Tensors made before the block keep their arrays: make the tensors a test uses inside it.
    """
    saved = backend.xp, backend.name, dict(_device)
    _device.update(array=module.ndarray, module=module)
    backend.xp, backend.name = _Namespace(module), f"counted-{module.__name__}"
    transfers.reset()
    try:
        yield transfers
    finally:
        backend.xp, backend.name = saved[:2]
        _device.update(saved[2])
