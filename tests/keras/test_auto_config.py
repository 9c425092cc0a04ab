"""Keras 3's automatic ``get_config``: a layer or subclassed model made with plain arguments saves without writing one.

The arguments given to ``__init__`` are recorded when the object is made (Keras 3's ``Operation.__new__``);
``get_config`` returns them unless the class overrides it, and raises, naming the arguments, when they are
not all str, int, float, bool or None.
"""

import copy
import os

import numpy as np
import pytest

import minitf as tf
from minitf import keras
from minitf.keras import layers


@keras.saving.register_keras_serializable(package="test_auto_config")
class MyModel(keras.Model):
    def __init__(self, units=30, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(units, activation=activation)
        self.out = layers.Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))


class Scale(layers.Layer):
    """A custom layer with plain arguments and no get_config."""

    def __init__(self, factor, offsets=(0.0, 1.0), *, squash=False, **kwargs):
        super().__init__(**kwargs)
        self.factor, self.offsets, self.squash = factor, offsets, squash

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="random_normal")

    def call(self, inputs):
        out = inputs * self.w * self.factor + self.offsets[1]
        return tf.tanh(out) if self.squash else out


def test_a_subclassed_model_with_plain_arguments_saves_loads_and_predicts_the_same(tmp_path):
    model = MyModel(5)
    model.compile(loss="mse", optimizer="sgd")
    model.fit(np.ones((8, 3)), np.ones((8, 1)), verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded) is MyModel and loaded.hidden.units == 5 and loaded.name == model.name
    assert loaded.get_config() == model.get_config()
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_the_config_holds_the_arguments_with_their_defaults_as_keras_3_does():
    # Keras 3 binds the call to __init__'s signature and fills in the defaults (keras-team/keras#21615; before it,
    # only the arguments passed were kept), spreads **kwargs and leaves `name` to the layer's own.
    config = MyModel(5, name="mine", trainable=False).get_config()
    assert config == {"units": 5, "activation": "relu", "name": "mine", "trainable": False, "dtype": "float32"}
    layer = Scale(2.0)
    assert layer.get_config() == {"factor": 2.0, "offsets": (0.0, 1.0), "squash": False, "name": layer.name,
                                  "trainable": True, "dtype": "float32"}


def test_a_custom_layer_round_trips_through_get_config_and_from_config():
    layer = Scale(3.0, offsets=[1.5, -2.0], squash=True, name="scale_it", dtype="float64")
    config = layer.get_config()
    assert config == {"factor": 3.0, "offsets": [1.5, -2.0], "squash": True, "name": "scale_it",
                      "trainable": True, "dtype": "float64"}
    clone = Scale.from_config(config)
    assert (clone.factor, clone.offsets, clone.squash, clone.name, clone.dtype) == (3.0, [1.5, -2.0], True,
                                                                                   "scale_it", "float64")
    assert clone.get_config() == config


def test_a_custom_layer_inside_a_saved_sequential_model_loads_back(tmp_path):
    model = keras.Sequential([Scale(0.5, squash=True, input_shape=(3,)), layers.Dense(2)])
    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "seq.keras")
    loaded = keras.models.load_model(tmp_path / "seq.keras", custom_objects={"Scale": Scale})
    assert isinstance(loaded.layers[0], Scale) and loaded.layers[0].factor == 0.5 and loaded.layers[0].squash
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)


def test_an_overridden_get_config_wins_and_super_gives_the_base_keys_only():
    class Explicit(Scale):
        def get_config(self):
            return {**super().get_config(), "factor": self.factor * 10}

    config = Explicit(2.0, squash=True, name="explicit").get_config()
    assert config == {"name": "explicit", "trainable": True, "dtype": "float32", "factor": 20.0}
    # built-in layers override it too, so their configs stay as they were (Add has no argument of its own)
    assert layers.Add(name="add").get_config() == {"name": "add", "trainable": True, "dtype": "float32"}
    assert layers.Dropout(0.5, name="drop").get_config() == {"name": "drop", "trainable": True, "dtype": "float32",
                                                              "rate": 0.5, "noise_shape": None, "seed": None}


def test_arguments_that_are_not_plain_values_are_named_when_saving(tmp_path):
    class Wrapper(keras.Model):
        def __init__(self, inner, table=None, sizes=(4,), **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

        def call(self, x):
            return self.inner(x)

    model = Wrapper(layers.Dense(2), table=np.ones(3), sizes=[4, np.int64(2)])
    model(np.ones((1, 3), "float32"))
    with pytest.raises(NotImplementedError) as raised:
        model.save(tmp_path / "wrapper.keras")
    message = str(raised.value)
    assert message.startswith("Object Wrapper was created by passing non-serializable argument values in "
                              "`__init__()`: inner (Dense), table (ndarray), sizes (int64).\n")
    assert "must override get_config()" in message and "def get_config(self):" in message
    assert not os.path.exists(tmp_path / "wrapper.keras") and os.listdir(tmp_path) == []
    assert Wrapper(layers.Dense(2), sizes=[4, 2]).layers  # plain ones are fine: only `inner` is at fault
    with pytest.raises(NotImplementedError, match=r"argument values in `__init__\(\)`: inner \(Dense\)\.\n"):
        Wrapper(layers.Dense(2), sizes=[4, 2]).get_config()


_ZEROS = keras.initializers.Zeros()


def test_a_non_plain_default_counts_too_since_defaults_are_recorded():
    class WithInitializer(layers.Layer):
        def __init__(self, init=_ZEROS, **kwargs):
            super().__init__(**kwargs)

    with pytest.raises(NotImplementedError, match=r"init \(Zeros\)"):
        WithInitializer().get_config()
    assert WithInitializer(init="zeros").get_config()["init"] == "zeros"


def test_positional_only_and_star_args_cannot_be_given_back_by_name():
    class PositionalOnly(layers.Layer):
        def __init__(self, units, /, **kwargs):
            super().__init__(**kwargs)

    class StarArgs(layers.Layer):
        def __init__(self, *sizes, scale=1.0, **kwargs):
            super().__init__(**kwargs)

    with pytest.raises(NotImplementedError, match=r"PositionalOnly was created by passing positional-only or "
                                                  r"variadic positional arguments \(\*args\) to `__init__\(\)`: units"):
        PositionalOnly(3).get_config()
    with pytest.raises(NotImplementedError, match=r"variadic positional arguments \(\*args\) to `__init__\(\)`: sizes"):
        StarArgs(3, 4).get_config()
    assert StarArgs(scale=2.0).get_config()["scale"] == 2.0  # no *args given: nothing lost


def test_subclasses_of_subclasses_record_their_own_init():
    class Inherited(Scale):
        pass

    class Fixed(Scale):
        def __init__(self, **kwargs):
            super().__init__(4.0, squash=True, **kwargs)

    assert Inherited(2.0).get_config()["factor"] == 2.0
    fixed = Fixed(name="fixed")
    assert fixed.get_config() == {"name": "fixed", "trainable": True, "dtype": "float32"}
    assert Fixed.from_config(fixed.get_config()).factor == 4.0


def test_name_is_left_out_when_init_cannot_take_it_and_loading_then_says_what_to_do(tmp_path):
    # As Keras 3: `name` is dropped when __init__ has neither `name` nor **kwargs, but `trainable` and `dtype`
    # stay, so such a model saves and cannot be loaded; the error names the keys and the fix.
    @keras.saving.register_keras_serializable(package="test_auto_config")
    class NoKwargs(keras.Model):
        def __init__(self, units):
            super().__init__()
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x)

    model = NoKwargs(2)
    model(np.ones((1, 3), "float32"))
    assert model.get_config() == {"units": 2, "trainable": True, "dtype": "float32"}
    model.save(tmp_path / "no_kwargs.keras")
    with pytest.raises(TypeError) as raised:
        keras.models.load_model(tmp_path / "no_kwargs.keras")
    message = str(raised.value)
    assert message.startswith("Error when deserializing class 'NoKwargs' using config={'units': 2, 'trainable': True")
    assert "unexpected keyword argument 'trainable'" in message
    assert "NoKwargs.__init__ does not accept 'trainable', 'dtype': add **kwargs to it and pass them on with " \
           "super().__init__(**kwargs)." in message


def test_a_subclass_that_skips_super_init_still_gets_minitfs_error():
    class Forgot(layers.Layer):
        def __init__(self, units):
            self.dense = layers.Dense(units)

    with pytest.raises(RuntimeError, match=r"forgot to call `super\(\).__init__\(\)`"):
        Forgot(2)


def test_copies_keep_the_recorded_arguments_and_the_functional_path_is_unchanged():
    layer = Scale(2.5, squash=True, name="to_copy")
    assert copy.deepcopy(layer).get_config() == layer.get_config() == copy.copy(layer).get_config()
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    assert type(model).__name__ == "Functional" and "layers" in model.get_config()
