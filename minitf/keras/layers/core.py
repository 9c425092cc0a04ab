"""The core layers: Dense, Activation, Flatten, Reshape, Dropout, Lambda, and the merging layers.

Each layer is ``build`` (create weights once the input shape is known) plus
``call`` (the computation, in minitf ops so it is differentiable) plus
``get_config`` (the arguments that re-create it). Normalization layers live in
``normalization.py``.
"""

import math

import minitf as tf
from minitf import nest
from minitf.keras import pitfalls
from minitf.keras.layers.base import Layer
from minitf.keras.utils.serialization import checked, deserialize, get_custom_objects, serialize


def _is_positive_int(value):
    try:
        return not isinstance(value, bool) and int(value) == value and int(value) > 0
    except (TypeError, ValueError):
        return False


def _activation(identifier):
    """The activation function for ``identifier`` (None means linear, kept as None: nothing to run)."""
    if identifier is None or identifier == "linear":
        return None
    return deserialize(identifier, "activations")


def _activation_name(function):
    return "linear" if function is None else serialize(function)


class Dense(Layer):
    """A fully connected layer: ``activation(inputs @ kernel + bias)``.

    The kernel has shape ``(input_dim, units)``; ``input_dim`` is read from the first input.

    >>> import minitf as tf
    >>> layer = Dense(4, activation="relu")
    >>> layer(tf.ones((2, 3))).shape, [tuple(w.shape) for w in layer.weights]
    (TensorShape([2, 4]), [(3, 4), (4,)])

    Args:
        units: the number of outputs per example.
        activation: a function or its name (``"relu"``); None means linear.
        use_bias: whether to add a bias.
        kernel_initializer, bias_initializer: how the weights start.
        kernel_regularizer, bias_regularizer: penalties on the weights added to ``losses``.
        kernel_constraint, bias_constraint: functions applied to the weights after each update.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not _is_positive_int(units):
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. Received: "
                             f"units={units!r}")
        self.units = int(units)
        self.activation = _activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = checked(kernel_initializer, "initializers")
        self.bias_initializer = checked(bias_initializer, "initializers")
        self.kernel_regularizer = checked(kernel_regularizer, "regularizers")
        self.bias_regularizer = checked(bias_regularizer, "regularizers")
        self.kernel_constraint = checked(kernel_constraint, "constraints")
        self.bias_constraint = checked(bias_constraint, "constraints")

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected min_ndim=2, '
                             f"found ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}\n"
                             "  Dense works on batches: give it shape (batch, features), e.g. x[None] for one example.")
        last = input_shape[-1]
        if last is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be defined. Found None. "
                             f"Full input shape received: {tuple(input_shape)}")
        self.kernel = self.add_weight(
            "kernel", (last, self.units), initializer=deserialize(self.kernel_initializer, "initializers"),
            regularizer=deserialize(self.kernel_regularizer, "regularizers"),
            constraint=deserialize(self.kernel_constraint, "constraints"))
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", (self.units,), initializer=deserialize(self.bias_initializer, "initializers"),
                regularizer=deserialize(self.bias_regularizer, "regularizers"),
                constraint=deserialize(self.bias_constraint, "constraints"))

    def call(self, inputs):
        kernel = self.kernel
        if inputs.dtype != kernel.dtype:
            inputs = tf.cast(inputs, kernel.dtype)
        shape = inputs.shape
        if shape.rank < 2 or shape[-1] != kernel.shape[0]:
            detail = (f"expected min_ndim=2, found ndim={shape.rank}" if shape.rank < 2 else
                      f"expected axis -1 of input shape to have value {kernel.shape[0]}")
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: {detail}, but received '
                             f"input with shape {tuple(shape)}\n  The layer was built for inputs of shape "
                             f"{tuple(self._build_input_shape or ())}; a built layer keeps its input size.")
        outputs = tf.matmul(inputs, kernel)
        if self.bias is not None:
            outputs = outputs + self.bias
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units, activation=_activation_name(self.activation), use_bias=self.use_bias,
            kernel_initializer=serialize(self.kernel_initializer), bias_initializer=serialize(self.bias_initializer),
            kernel_regularizer=serialize(self.kernel_regularizer), bias_regularizer=serialize(self.bias_regularizer),
            activity_regularizer=serialize(self.activity_regularizer),
            kernel_constraint=serialize(self.kernel_constraint), bias_constraint=serialize(self.bias_constraint))
        return config


class Activation(Layer):
    """Apply an activation function to the inputs: ``Activation("relu")``."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = _activation(activation)

    def call(self, inputs):
        return inputs if self.activation is None else self.activation(inputs)

    def get_config(self):
        config = super().get_config()
        config["activation"] = _activation_name(self.activation)
        return config


class Flatten(Layer):
    """Flatten each example to a vector: ``(batch, 28, 28)`` becomes ``(batch, 784)``."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format

    def call(self, inputs):
        # -1 for the batch: the same op then serves every batch size in a traced step
        features = math.prod(inputs.shape[1:]) if inputs.ndim > 1 else 1
        return tf.reshape(inputs, (-1, features))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshape each example to ``target_shape`` (the batch dim is kept); one dim may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def call(self, inputs):
        target = self.target_shape
        if -1 in target:  # work out the unknown dim from one example, so the batch dim can stay -1
            known = math.prod(d for d in target if d != -1)
            target = tuple(math.prod(inputs.shape[1:]) // known if d == -1 else d for d in target)
        return tf.reshape(inputs, (-1,) + target)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


class Dropout(Layer):
    """During training, zero a fraction ``rate`` of the inputs and scale the rest by ``1 / (1 - rate)``.

    At inference (``training`` False or None) the inputs pass unchanged, so the expected
    value of each unit is the same in both modes.

    Args:
        rate: the fraction of inputs to drop, in ``[0, 1)``.
        noise_shape: the shape of the keep/drop mask, broadcast against the inputs
            (``(batch, 1, features)`` drops the same features at every time step).
        seed: an op seed for the mask, for repeatable runs.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= float(rate) < 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value between 0 and 1 "
                             f"(1 excluded). Received: rate={rate}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed

    def call(self, inputs, training=None):
        if training is None:
            pitfalls.training_not_passed(self)  # explain mode: a custom loop that forgot training=True
        if not training or self.rate == 0:
            return inputs
        shape = tf.shape(inputs)  # read when the op runs, so a traced step works for any batch size
        if self.noise_shape is not None:
            shape = tf.stack([d if d is not None else shape[i] for i, d in enumerate(self.noise_shape)])
        draws = tf.random.uniform(shape, dtype=inputs.dtype, seed=self.seed)
        keep = tf.cast(tf.greater_equal(draws, self.rate), inputs.dtype)
        return inputs * keep * (1.0 / (1.0 - self.rate))

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return config


class Lambda(Layer):
    """Wrap a function of the inputs as a layer: ``Lambda(lambda x: x ** 2)``.

    The function must be made of minitf ops to be differentiable; it has no weights.
    Saving a model keeps only the function's name: pass the function to ``load_model``
    in ``custom_objects`` under that name.

    Args:
        function: called as ``function(inputs, **arguments)``.
        output_shape: accepted for Keras compatibility; shapes are inferred by running the function.
        arguments: extra keyword arguments for ``function``.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(function, str):
            found = get_custom_objects().get(function)
            if found is None and function == "<lambda>":
                raise ValueError(f"Lambda layer '{self.name}' was saved with an anonymous `lambda` function, which "
                                 "cannot be found again by name. Define the function with `def` (and pass it to "
                                 "load_model in custom_objects), then save the model again.")
            if found is None:
                raise ValueError(f"Lambda layer '{self.name}': the function '{function}' is unknown. Pass it to "
                                 f"load_model in custom_objects={{'{function}': {function}}}.")
            function = found
        self.function = function
        self.arguments = dict(arguments or {})

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def get_config(self):
        config = super().get_config()
        config.update(function=getattr(self.function, "__name__", "<lambda>"), arguments=self.arguments)
        return config


class Concatenate(Layer):
    """Join a list of inputs along ``axis`` (the last by default)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        _check_list(self, inputs)
        return tf.concat(list(inputs), axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Add(Layer):
    """Add a list of inputs of the same shape element-wise."""

    def call(self, inputs):
        _check_list(self, inputs)
        return tf.add_n(list(inputs))

    def get_config(self):
        """The base config only: without this, the automatic config would list every ``Layer`` argument."""
        return super().get_config()


def _check_list(layer, inputs):
    if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
        raise ValueError(f"A `{type(layer).__name__}` layer should be called on a list of at least 2 inputs. "
                         f"Received: input_shape={nest.map_structure(lambda t: tuple(t.shape), inputs)}")


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of ``Concatenate``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def add(inputs, **kwargs):
    """Functional form of ``Add``."""
    return Add(**kwargs)(inputs)


__all__ = ["Dense", "Activation", "Flatten", "Reshape", "Dropout", "Lambda", "Concatenate", "Add", "concatenate", "add"]
