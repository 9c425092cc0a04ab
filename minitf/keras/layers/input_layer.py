"""``Input``, ``InputLayer`` and the symbolic ``KerasTensor`` of the functional API.

``keras.Input(shape=(8,))`` returns a ``KerasTensor``: a stand-in for a batch of
data whose batch size is unknown. Calling a layer on it records a ``Node`` (which
layer, on which inputs) and returns new KerasTensors, so that
``keras.Model(inputs, outputs)`` can replay the recorded graph on real data.
To know its shape, each KerasTensor carries an example: a batch of one, zeros
(unknown dims are taken as 1), that the layers really run on once.
"""

import minitf as tf
from minitf import dtypes, nest
from minitf.keras import backend
from minitf.keras.layers.base import Layer
from minitf.tensor import TensorShape


class Node:
    """One call of ``layer`` in a functional graph: its arguments (with KerasTensors) and outputs."""

    def __init__(self, layer, args, kwargs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = None

    @property
    def parents(self):
        """The KerasTensors this call consumed."""
        return [t for t in nest.flatten([list(self.args), self.kwargs]) if isinstance(t, KerasTensor)]


class KerasTensor:
    """A symbolic batch in the functional API: a shape (batch size None), a dtype, and where it came from.

    >>> from minitf import keras
    >>> keras.Input(shape=(8,)).shape
    TensorShape([None, 8])
    """

    def __init__(self, example, node, shape=None, name=None):
        self._example = example
        self._node = node
        self.shape = TensorShape(shape if shape is not None else (None,) + tuple(example.shape)[1:])
        self.name = name or node.layer.name

    @property
    def dtype(self):
        return self._example.dtype

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return (f"<KerasTensor: shape={self.shape} dtype={self.dtype.name} "
                f"(created by layer '{self._node.layer.name}')>")

    def __hash__(self):
        return id(self)

    def _no_ops(self, *args, **kwargs):
        raise TypeError("A KerasTensor stands for data that does not exist yet, so minitf ops cannot run on it.\n"
                        "  Wrap the computation in a layer: keras.layers.Lambda(lambda x: ...)(keras_tensor).")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __matmul__ = _no_ops
    __getitem__ = __neg__ = __pow__ = _no_ops

    def numpy(self):
        self._no_ops()


def example_for(shape, dtype=dtypes.float32):
    """A batch of zeros of ``shape`` with unknown dims (the batch size too) taken as 1."""
    return tf.zeros([1 if d is None else d for d in shape], dtype=dtype)


def symbolic_call(layer, args, kwargs):
    """Call ``layer`` on KerasTensors: build it, run it on the examples, and record a ``Node``."""
    if not layer.built:
        shapes = nest.map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else TensorShape(t.shape),
                                    args[0])
        layer._build_from_shape(shapes)

    def example(value):
        return value._example if isinstance(value, KerasTensor) else value

    outputs = layer(*nest.map_structure(example, list(args)), **nest.map_structure(example, kwargs))
    node = Node(layer, args, kwargs)
    node.outputs = nest.map_structure(lambda t: KerasTensor(t, node), outputs)
    return node.outputs


class InputLayer(Layer):
    """The layer that stands for a model's inputs; ``keras.Input`` makes one and returns its output.

    Args:
        input_shape: the shape of one example (no batch dim).
        batch_size: a fixed batch size, usually None.
        dtype: the input's dtype, ``"float32"`` by default.
        shape: another name for ``input_shape``.
    """

    def __init__(self, input_shape=None, batch_size=None, dtype=None, name=None, shape=None,
                 batch_input_shape=None, **kwargs):
        if shape is not None:
            input_shape = shape
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError("InputLayer needs `shape` (the shape of one example, without the batch "
                                 "dimension), e.g. keras.Input(shape=(28, 28)).")
            input_shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
            batch_input_shape = (batch_size,) + input_shape
        super().__init__(name=name or backend.unique_name("input_layer"), dtype=dtype, **kwargs)
        self._batch_input_shape = tuple(batch_input_shape)
        self.built = True
        node = Node(self, (), {})
        example = example_for(self._batch_input_shape, self._dtype)
        node.outputs = KerasTensor(example, node, shape=self._batch_input_shape, name=self.name)
        self.output = node.outputs
        self._output_shape = self._batch_input_shape

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_input_shape": self._batch_input_shape, "dtype": self.dtype, "name": self.name}


def Input(shape=None, batch_size=None, name=None, dtype=None, batch_shape=None, **kwargs):  # noqa: N802 - Keras name
    """A symbolic input for the functional API (or the first entry of a ``Sequential``).

    Args:
        shape: the shape of one example, without the batch dimension.
        batch_size: a fixed batch size (rarely needed).
        name: a name for the input.
        dtype: its dtype, ``"float32"`` by default.
        batch_shape: the full shape including the batch dimension, instead of ``shape``.

    Returns:
        A ``KerasTensor``.
    """
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       batch_input_shape=batch_shape, **kwargs)
    return layer.output
