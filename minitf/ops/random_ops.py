"""Random tensors: normal, uniform, truncated_normal, shuffle, and seeding.

Numbers are drawn by NumPy's generator on the host, then moved to the backend,
so a seeded program gives the same values on CPU and GPU. Seeds work as in
TensorFlow: ``set_seed(s)`` makes the whole sequence of random ops repeatable;
an op-level ``seed`` additionally fixes that op's own sequence.
"""

import numpy as np

from minitf import backend, dtypes
from minitf.errors import InvalidArgumentError
from minitf.ops.array_ops import _static_shape
from minitf.primitive import Primitive, bind
from minitf.tensor import Tensor, convert_to_tensor

_DEFAULT_GLOBAL_SEED = 87654321
_state = {"seed": None, "rng": np.random.default_rng(), "calls": {}}


def set_seed(seed):
    """Make every random op after this call repeatable (as ``tf.random.set_seed``)."""
    _state["seed"] = None if seed is None else int(seed)
    _state["rng"] = np.random.default_rng(seed)
    _state["calls"] = {}


def get_global_generator_seed():
    return _state["seed"]


def _generator(seed):
    """The generator for one draw: the global one, or one derived from (global seed, op seed, call count)."""
    if seed is None:
        return _state["rng"]
    global_seed = _DEFAULT_GLOBAL_SEED if _state["seed"] is None else _state["seed"]
    count = _state["calls"].get(seed, 0)
    _state["calls"][seed] = count + 1
    return np.random.default_rng([global_seed, int(seed), count])


def _run_time_shape(dims, shape):
    """The shape to draw: a shape tensor's values when one was given (read when the op runs), else ``shape``."""
    return tuple(int(d) for d in backend.to_numpy(dims[0]).tolist()) if dims else shape


def _draw_normal(xp, *dims, shape, mean, stddev, dtype, seed):
    shape = _run_time_shape(dims, shape)
    values = _generator(seed).standard_normal(shape) * stddev + mean
    return xp.asarray(values.astype(dtype._np))


def _draw_truncated_normal(xp, *dims, shape, mean, stddev, dtype, seed):
    shape = _run_time_shape(dims, shape)
    rng = _generator(seed)
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return xp.asarray((values * stddev + mean).astype(dtype._np))


def _draw_uniform(xp, *dims, shape, minval, maxval, dtype, seed):
    shape = _run_time_shape(dims, shape)
    rng = _generator(seed)
    if dtype.is_integer:
        values = rng.integers(minval, maxval, size=shape)
    else:
        values = rng.uniform(minval, maxval, size=shape)
    return xp.asarray(values.astype(dtype._np))


RandomStandardNormal = Primitive("RandomStandardNormal", _draw_normal)
TruncatedNormal = Primitive("TruncatedNormal", _draw_truncated_normal)
RandomUniform = Primitive("RandomUniform", _draw_uniform)


def _float_dtype(dtype, op):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise InvalidArgumentError(f"{op} needs a floating dtype, got {dtype.name}", op)
    return dtype


def _shape_args(shape):
    """A shape tensor (e.g. ``minitf.shape(x)``) becomes an input read at run time, as in a traced graph
    whose batch size varies; a list or tuple is a fixed parameter."""
    if isinstance(shape, Tensor):
        if not shape.dtype.is_integer or shape.ndim != 1:
            raise InvalidArgumentError(f"shape must be a 1-D integer tensor, got {shape.dtype.name} "
                                       f"of shape {shape.shape}", "RandomUniform")
        return (shape,), None
    return (), _static_shape(shape)


def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Values drawn from a normal distribution with ``mean`` and ``stddev``."""
    dims, shape = _shape_args(shape)
    return bind(RandomStandardNormal, *dims, shape=shape, mean=float(mean), stddev=float(stddev),
                dtype=_float_dtype(dtype, "RandomStandardNormal"), seed=seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values, redrawn until they lie within two standard deviations of the mean."""
    dims, shape = _shape_args(shape)
    return bind(TruncatedNormal, *dims, shape=shape, mean=float(mean), stddev=float(stddev),
                dtype=_float_dtype(dtype, "TruncatedNormal"), seed=seed)


def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Values drawn uniformly from ``[minval, maxval)`` (``maxval`` defaults to 1 for floats).

    Raises:
        ValueError: an integer dtype without ``maxval``, as in TensorFlow.
    """
    dtype = dtypes.as_dtype(dtype)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    if minval >= maxval:
        raise InvalidArgumentError(f"Need minval < maxval: {minval} >= {maxval}", "RandomUniform")
    dims, shape = _shape_args(shape)
    return bind(RandomUniform, *dims, shape=shape, minval=minval, maxval=maxval, dtype=dtype, seed=seed)


def _shuffle(xp, x, seed):
    """``x`` in a random order along its first axis; the order is drawn on the host, the data stays where it is."""
    return x[xp.asarray(_generator(seed).permutation(x.shape[0]))]


RandomShuffle = Primitive("RandomShuffle", _shuffle)


def shuffle(value, seed=None, name=None):
    """Return ``value`` with its first dimension randomly permuted."""
    return bind(RandomShuffle, convert_to_tensor(value), seed=seed)
