"""Learning-rate schedules, as ``keras.optimizers.schedules``: the learning rate as a function of the step.

An optimizer given a schedule calls ``schedule(optimizer.iterations)`` once per
update, so the first update uses ``schedule(0)``.
"""

import minitf as tf
from minitf.keras import _lookup

__all__ = ["ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule", "PiecewiseConstantDecay", "deserialize",
           "serialize"]


class LearningRateSchedule:
    """Base class: ``__call__(step)`` returns the learning rate (a scalar tensor) for that step."""

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
                                  "in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _positive(name, value):
    if not value > 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")
    return value


def _progress(step, decay_steps, staircase):
    """``step / decay_steps`` as float32, rounded down when ``staircase``."""
    p = tf.cast(step, tf.float32) / decay_steps
    return p // 1.0 if staircase else p


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; integer division when ``staircase``.

    >>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> round(float(schedule(20)), 6)
    0.025
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        return self.initial_learning_rate * tf.pow(self.decay_rate, _progress(step, self.decay_steps, self.staircase))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``; integer division when ``staircase``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        return self.initial_learning_rate / (1 + self.decay_rate * _progress(step, self.decay_steps, self.staircase))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to ``boundaries[0]`` (inclusive), ``values[1]`` up to ``boundaries[1]``, and so on.

    >>> schedule = PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])
    >>> [round(float(schedule(s)), 6) for s in (0, 100, 101, 500)]
    [1.0, 1.0, 0.5, 0.1]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(values) != len(boundaries) + 1:
            raise ValueError("The length of boundaries should be 1 less than the length of values. "
                             f"Received: boundaries={boundaries} of length {len(boundaries)}, and values={values} "
                             f"of length {len(values)}.")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        passed = tf.cast(step, tf.float32) > tf.constant(self.boundaries, dtype=tf.float32)
        index = tf.reduce_sum(tf.cast(passed, tf.int32))  # how many boundaries the step is past
        return tf.gather(tf.constant(self.values, dtype=tf.float32), index)

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


_TABLE = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay)}


def serialize(schedule):
    return _lookup.serialize(schedule)


def deserialize(config, custom_objects=None):
    return _lookup.deserialize(config, {**_TABLE, **(custom_objects or {})}, "learning rate schedule")
