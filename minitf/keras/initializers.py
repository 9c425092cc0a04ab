"""Weight initializers, as ``keras.initializers``: ``init(shape, dtype=None)`` returns a tensor.

Random initializers draw through ``minitf.random``, so ``tf.random.set_seed`` makes
them repeatable; a ``seed`` argument is an op-level seed, as in TensorFlow (two
calls of one seeded initializer differ, but the whole sequence is repeatable).
The Glorot, He and LeCun families are ``VarianceScaling`` with fixed arguments.
"""

import math

import numpy as np

import minitf as tf
from minitf.keras import _lookup

__all__ = ["Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity", "Initializer",
           "LecunNormal", "LecunUniform", "Ones", "OrthogonalInitializer", "RandomNormal", "RandomUniform",
           "TruncatedNormal", "VarianceScaling", "Zeros", "get", "serialize", "deserialize"]


def _shape(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in tf.TensorShape(shape))


def _dtype(dtype):
    return tf.float32 if dtype is None else tf.as_dtype(dtype)


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)`` and, if they have arguments, ``get_config``."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype=None).")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros (the default for biases)."""

    def __call__(self, shape, dtype=None):
        return tf.zeros(_shape(shape), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return tf.ones(_shape(shape), dtype=_dtype(dtype))


class Constant(Initializer):
    """Every element equal to ``value``.

    >>> Constant(3.)((2,)).numpy()
    array([3., 3.], dtype=float32)
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return tf.constant(self.value, dtype=_dtype(dtype), shape=_shape(shape))

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity initializer requires a 2-D shape. Received: shape={shape}")
        return tf.eye(shape[0], shape[1], dtype=_dtype(dtype)) * self.gain

    def get_config(self):
        return {"gain": self.gain}


class RandomNormal(Initializer):
    """Normal values with ``mean`` and ``stddev``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return tf.random.normal(_shape(shape), self.mean, self.stddev, dtype=_dtype(dtype), seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform values in ``[minval, maxval)``."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        return tf.random.uniform(_shape(shape), self.minval, self.maxval, dtype=_dtype(dtype), seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Normal values redrawn until they lie within two ``stddev`` of ``mean``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return tf.random.truncated_normal(_shape(shape), self.mean, self.stddev, dtype=_dtype(dtype), seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class OrthogonalInitializer(Initializer):
    """A random orthogonal matrix (Saxe et al., 2014) times ``gain``: rows or columns orthonormal.

    A shape ``(..., n)`` is treated as a matrix of ``prod(shape[:-1])`` rows and ``n`` columns.
    The matrix is the Q of the QR decomposition of a standard normal one, with signs fixed so
    that it is uniformly distributed (computed with NumPy: an initializer runs once).
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. Received: shape={shape} "
                             f"of rank {len(shape)}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        normal = tf.random.normal((max(rows, cols), min(rows, cols)), seed=self.seed, dtype=tf.float64).numpy()
        q, r = np.linalg.qr(normal)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return tf.constant(self.gain * q.reshape(shape), dtype=_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape: a kernel ``(..., in, out)`` counts its receptive field too.

    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = _shape(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


# The standard deviation of a standard normal truncated to [-2, 2]; dividing by it restores stddev 1.
_TRUNCATED_STDDEV = 0.87962566103423978


class VarianceScaling(Initializer):
    """Random values with variance ``scale / n``, where ``n`` is the fan-in, fan-out or their average.

    Keeping the variance of each layer's outputs near that of its inputs is what lets deep
    networks train (Glorot & Bengio, 2010; He et al., 2015).

    Args:
        scale: the variance multiplier (positive).
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"`` (or ``"normal"``), ``"untruncated_normal"`` or ``"uniform"``
            (in ``[-limit, limit]`` with ``limit = sqrt(3 * scale / n)``).
        seed: an op-level seed.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError("Invalid `mode` argument: expected one of {'fan_in', 'fan_out', 'fan_avg'}. "
                             f"Received: mode={mode}")
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError("Invalid `distribution` argument: expected one of "
                             "{'uniform', 'truncated_normal', 'untruncated_normal'}. "
                             f"Received: distribution={distribution}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape), _dtype(dtype)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return tf.random.uniform(shape, -limit, limit, dtype=dtype, seed=self.seed)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / _TRUNCATED_STDDEV
            return tf.random.truncated_normal(shape, 0.0, stddev, dtype=dtype, seed=self.seed)
        return tf.random.normal(shape, 0.0, math.sqrt(variance), dtype=dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling whose scale, mode and distribution are fixed by the subclass."""

    _args = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None):
        super().__init__(*self._args, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_FixedVarianceScaling):
    """Xavier uniform: limit ``sqrt(6 / (fan_in + fan_out))``. Keras's default kernel initializer."""

    _args = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Xavier normal: truncated, stddev ``sqrt(2 / (fan_in + fan_out))``."""

    _args = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated, stddev ``sqrt(2 / fan_in)``; suits relu layers."""

    _args = (2.0, "fan_in", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """He uniform: limit ``sqrt(6 / fan_in)``."""

    _args = (2.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated, stddev ``sqrt(1 / fan_in)``; the partner of ``selu``."""

    _args = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: limit ``sqrt(3 / fan_in)``."""

    _args = (1.0, "fan_in", "uniform")


# snake_case aliases, as in Keras (keras.initializers.glorot_uniform is the class)
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, random_uniform, truncated_normal, variance_scaling = (
    RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling)
glorot_uniform, glorot_normal, he_normal, he_uniform, lecun_normal, lecun_uniform = (
    GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform)
orthogonal = Orthogonal = OrthogonalInitializer

_CLASSES = (Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform, Identity, LecunNormal, LecunUniform, Ones,
            OrthogonalInitializer, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Zeros)
_TABLE = {cls.__name__: cls for cls in _CLASSES}
_TABLE.update(zeros=Zeros, ones=Ones, constant=Constant, identity=Identity, random_normal=RandomNormal,
              random_uniform=RandomUniform, truncated_normal=TruncatedNormal, variance_scaling=VarianceScaling,
              glorot_uniform=GlorotUniform, glorot_normal=GlorotNormal, he_normal=HeNormal, he_uniform=HeUniform,
              lecun_normal=LecunNormal, lecun_uniform=LecunUniform, orthogonal_initializer=OrthogonalInitializer)
# Keras 3's aliases
_TABLE.update(uniform=RandomUniform, normal=RandomNormal, one=Ones, zero=Zeros, orthogonal=OrthogonalInitializer,
              Orthogonal=OrthogonalInitializer)


def get(identifier):
    """Return an initializer for a name (``"glorot_uniform"``), a config dict, an instance or a callable.

    >>> get("he_normal")
    HeNormal(seed=None)

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if identifier is None:
        return None
    return _lookup.resolve(identifier, _TABLE, "initializer")


def serialize(initializer):
    """``{"class_name": ..., "config": ...}``, the form ``get`` and ``deserialize`` accept."""
    return _lookup.serialize(initializer)


def deserialize(config, custom_objects=None):
    """Rebuild an initializer from ``serialize``'s output."""
    return _lookup.deserialize(config, {**_TABLE, **(custom_objects or {})}, "initializer")
