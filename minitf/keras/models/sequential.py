"""``Sequential``: a model that is a plain stack of layers, each feeding the next.

When the input shape is known (``input_shape=`` on the first layer, or a
``keras.Input`` first), each added layer is built at once by running it on a
batch of one example of zeros, so ``summary()`` works before any training.
Otherwise the model builds itself on its first batch of data.
"""

from minitf.keras.layers.base import _NO_SUPER_INIT, Layer, as_shape
from minitf.keras.layers.input_layer import InputLayer, KerasTensor, example_for
from minitf.keras.models.model import Model
from minitf.keras.models.saving import deserialize_layer
from minitf.keras.utils.naming import inside
from minitf.keras.utils.serialization import serialize
from minitf.tensor import Tensor, TensorShape
from minitf.train.restore import restore_deferred


class Sequential(Model):
    """A linear stack of layers, as ``keras.Sequential``.

    >>> from minitf import keras
    >>> model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(3,)),
    ...                           keras.layers.Dense(1)])
    >>> model.output_shape, model.count_params()
    ((None, 1), 21)

    Args:
        layers: the layers, first to last (a ``keras.Input`` may come first).
        name: the model's name.
    """

    _checkpoint_layer_list = "_stack"

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._stack = []
        object.__setattr__(self, "_example_output", None)
        object.__setattr__(self, "_input_dtype", self._dtype)
        for layer in layers or ():
            self.add(layer)

    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer):
        """Append a layer to the stack (building it now if the input shape is known).

        The same layer object may be added more than once: its weights are then shared by every
        place it runs (as in Keras), so its output shape must fit its own input.

        Raises:
            ValueError: ``layer`` is not a Layer, or another layer with the same name is already in the model.
        """
        if isinstance(layer, KerasTensor):
            layer = layer._node.layer
        if isinstance(layer, InputLayer):
            if self._stack:
                raise ValueError("An Input can only be the first entry of a Sequential model.")
            object.__setattr__(self, "_batch_input_shape", tuple(layer._batch_input_shape))
            object.__setattr__(self, "_input_dtype", layer._dtype)
            return
        if not isinstance(layer, Layer):
            raise ValueError(f"Only instances of `keras.Layer` can be added to a Sequential model. Received: "
                             f"{layer!r} (of type {type(layer)})\n  Pass layer objects, e.g. "
                             "keras.layers.Dense(10); wrap a function of the inputs in keras.layers.Lambda(function).")
        if "_layer_initialized" not in layer.__dict__:
            raise RuntimeError(_NO_SUPER_INIT.format(cls="Layer"))
        if any(existing.name == layer.name and existing is not layer for existing in self._stack):
            raise ValueError(f"All layers added to a Sequential model should have unique names. Name "
                             f"'{layer.name}' is already the name of a layer in this model. Update the `name` "
                             "argument to pass a unique name.")
        restore_deferred(self, f"layer-{len(self._stack)}", layer)  # a checkpoint restored before it was added
        self._stack.append(layer)
        if len(self._stack) == 1 and self._batch_input_shape is None and layer._batch_input_shape is not None:
            object.__setattr__(self, "_batch_input_shape", tuple(layer._batch_input_shape))
        if self._batch_input_shape is not None:
            self._run_example(self._stack[-1:] if self._example_output is not None else self._stack)

    def pop(self):
        """Remove the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        self._stack.pop()
        object.__setattr__(self, "_example_output", None)
        if self._batch_input_shape is not None and self._stack:
            self._run_example(self._stack)

    def _run_example(self, layers):
        """Build ``layers`` by running them on a batch of one example (continuing from the last output)."""
        x = self._example_output
        if x is None:
            x = example_for(self._batch_input_shape, self._input_dtype)
        with inside(self):  # the layers' weights are named sequential/dense/kernel..., as in Keras 3
            for layer in layers:
                if not layer.built:  # built for a batch of any size, as Keras shows it: (None, ...)
                    layer._build_from_shape(TensorShape((None,) + tuple(x.shape)[1:]))
                x = layer(x)
        object.__setattr__(self, "_example_output", x)
        object.__setattr__(self, "built", True)
        object.__setattr__(self, "_build_input_shape", TensorShape(self._batch_input_shape))
        object.__setattr__(self, "_output_shape", (None,) + tuple(x.shape)[1:])

    def _build_for(self, inputs):
        """Built by the first batch: the layers build themselves as it flows through them."""
        if not isinstance(inputs, Tensor):
            super()._build_for(inputs)
            return
        object.__setattr__(self, "_batch_input_shape", (None,) + tuple(inputs.shape)[1:])
        object.__setattr__(self, "_build_input_shape", TensorShape(self._batch_input_shape))
        object.__setattr__(self, "built", True)

    def build(self, input_shape=None):
        """Build every layer for inputs of ``input_shape`` (the batch dim may be None)."""
        shape = as_shape(input_shape)
        if shape is None:
            if self._batch_input_shape is None:
                raise ValueError("You must provide an `input_shape` argument, e.g. model.build((None, 784)).")
            shape = TensorShape(self._batch_input_shape)
        object.__setattr__(self, "_batch_input_shape", (None,) + tuple(shape)[1:])
        object.__setattr__(self, "_example_output", None)
        if self._stack:
            self._run_example(self._stack)
        object.__setattr__(self, "built", True)

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._stack:
            x = layer(x)
        return x

    def get_config(self):
        return {"name": self.name, "layers": [serialize(layer) for layer in self._stack],
                "batch_input_shape": self._batch_input_shape}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        model = cls(name=config.get("name"))
        shape = config.get("batch_input_shape")
        made = {}  # names are unique in a Sequential, so a name seen again is the same (shared) layer
        for layer_config in config.get("layers", []):
            name = layer_config.get("config", {}).get("name")
            if name not in made:
                made[name] = deserialize_layer(layer_config)
            model.add(made[name])
        if shape is not None and not model.built:
            model.build(tuple(shape))
        return model
