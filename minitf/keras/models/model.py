"""``Model``: a layer that trains, as ``keras.Model``. Building, layers, summary and saving.

A model is built one of three ways: by subclassing (write ``call``), with the
functional API (``Model(inputs, outputs)`` on ``keras.Input`` tensors, which
makes a ``Functional``, see ``functional.py``), or as a ``Sequential`` stack
(``sequential.py``). What trains it (compile, fit, evaluate, predict and their
steps) is inherited from ``Trainer`` (``keras/trainers/trainer.py``), as in
Keras 3, where ``Model`` is ``Trainer`` plus ``Layer``.
"""

from minitf import nest
from minitf.keras.layers.base import Layer
from minitf.keras.layers.input_layer import example_for
from minitf.keras.models import saving
from minitf.keras.models.summary import print_summary
from minitf.keras.trainers.trainer import Trainer
from minitf.tensor import TensorShape


class Model(Trainer, Layer):
    """A trainable stack of layers, as ``keras.Model``.

    Subclass it and write ``call``, or give it the inputs and outputs of a functional graph
    (then it is a ``Functional``, as in Keras 3):

    >>> from minitf import keras
    >>> inputs = keras.Input(shape=(3,))
    >>> outputs = keras.layers.Dense(2, activation="softmax")(inputs)
    >>> model = keras.Model(inputs, outputs)
    >>> model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    >>> model.output_shape, type(model).__name__
    ((None, 2), 'Functional')
    """

    _base_class_name = "Model"  # named in the error for a subclass that forgot super().__init__()
    _checkpoint_layer_list = None  # the attribute listing the layers of a Sequential or functional model

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_arguments(args, kwargs):
            from minitf.keras.models.functional import Functional  # functional.py subclasses Model

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)  # Layer.__new__ records the arguments (the auto config)

    def __init__(self, *args, **kwargs):
        if _functional_arguments(args, kwargs):  # a subclass calling super().__init__(inputs, outputs)
            from minitf.keras.models.functional import Functional

            _become_functional(type(self), Functional)
            Functional.__init__(self, *args, **kwargs)
            return
        Layer.__init__(self, **kwargs)
        Trainer.__init__(self)

    @property
    def _is_graph_network(self):
        """True for a functional model (a graph of layers from ``keras.Input``)."""
        return False

    @property
    def inputs(self):
        """The functional model's ``keras.Input`` tensors; None for other models."""
        return None

    @property
    def outputs(self):
        return None

    # -- calling and building -------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        """The forward pass. Subclasses write their own; functional models replay their graph."""
        raise NotImplementedError(f"Model '{self.name}' (a subclass of keras.Model) must implement "
                                  "`call(self, inputs, training=None)`: the forward pass.")

    def _build_from_shape(self, shapes):
        if any("build" in cls.__dict__ for cls in type(self).__mro__ if cls is not Model and issubclass(cls, Model)):
            super()._build_from_shape(shapes)
            return
        object.__setattr__(self, "built", True)  # sub-layers build themselves during the first call
        object.__setattr__(self, "_build_input_shape", shapes)

    def build(self, input_shape):
        """Build a subclassed model by calling it on a batch of zeros of ``input_shape`` (None dims as 1)."""
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument, e.g. model.build((None, 784)).")
        object.__setattr__(self, "built", True)  # before calling, so __call__ does not build again
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple, TensorShape)):
            example = [example_for(s, self._dtype) for s in input_shape]
        else:
            example = example_for(input_shape, self._dtype)
        self(example, training=False)
        object.__setattr__(self, "_build_input_shape", nest.map_structure(lambda t: TensorShape(
            (None,) + tuple(t.shape)[1:]), example))

    @property
    def layers(self):
        """The model's layers, in order."""
        return self._sublayers()

    def get_layer(self, name=None, index=None):
        """The layer called ``name``, or at position ``index`` of ``layers``."""
        if index is not None:
            layers = self.layers
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(layers)} layers.")
            return layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}.")

    def _checkpoint_children(self):
        """As a layer's; a Sequential or functional model's layers are numbered as TensorFlow numbers them.

        ``layer_with_weights-0``, ``-1``... for the layers that hold weights (the names their weights are
        saved under), and ``layer-0``, ``-1``... for every layer (so an unbuilt model still matches).
        """
        found = Layer._checkpoint_children(self)
        if self._checkpoint_layer_list is None:
            return found
        layers = list(found.pop(self._checkpoint_layer_list, None) or ())
        holding = [layer for layer in layers if layer.weights]
        numbered = {f"layer_with_weights-{i}": layer for i, layer in enumerate(holding)}
        numbered.update((f"layer-{i}", layer) for i, layer in enumerate(layers))
        return {**numbered, **found}

    # -- inspecting and saving ------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False):
        """Print a table of the layers with their output shapes and parameter counts.

        Raises:
            ValueError: the model is not built yet (call it on data or ``build`` it first).
        """
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)

    def save_weights(self, filepath, overwrite=True, save_format=None):
        """Write every weight to ``filepath``, a name ending in ``.weights.h5`` (atomically: a temp file, a rename).

        The file holds a NumPy ``.npz`` archive of the arrays (minitf does not write HDF5).
        """
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False):
        """Load weights saved by ``save_weights`` (or ``save``); a file that does not match raises, changing nothing."""
        saving.load_weights(self, filepath)

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None):
        """Save the architecture, the weights and the compile arguments to one file (see ``load_model``)."""
        saving.save_model(self, filepath, overwrite=overwrite)

    # get_config is Layer's, as in Keras 3: a subclassed model's config is the arguments its __init__ was called
    # with (the auto config) unless it overrides get_config; Sequential and Functional write their own.

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Create the model from the output of ``get_config`` (``cls(**config)``; see ``Layer.from_config``)."""
        return super().from_config(config)


def _functional_arguments(args, kwargs):
    """Whether a Model is being made from ``inputs`` and ``outputs`` (the functional API)."""
    return bool(args) or "inputs" in kwargs or "outputs" in kwargs


def _become_functional(cls, functional):
    """Make a subclass of Model that passes ``inputs, outputs`` to ``super().__init__`` a Functional (as Keras 3)."""
    if not issubclass(cls, functional):
        cls.__bases__ = tuple(functional if base is Model else base for base in cls.__bases__)
        for base in cls.__bases__:
            if base is not functional and issubclass(base, Model):
                _become_functional(base, functional)
