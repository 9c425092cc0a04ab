"""``Functional``: a model made of a graph of layers, ``keras.Model(inputs, outputs)``.

``keras.Input`` gives symbolic tensors; calling layers on them records each
call as a node (``layers/input_layer.py``). ``Functional`` orders those nodes
(each after its parents), checks that every input is given and nothing is
disconnected, and replays the calls on real tensors in ``call``.
``keras.Model(inputs, outputs)`` returns one, as in Keras 3.
"""

from minitf import nest
from minitf.keras.layers.input_layer import InputLayer, KerasTensor
from minitf.keras.models.model import Model
from minitf.keras.models.saving import deserialize_layer
from minitf.keras.utils.serialization import serialize


class Functional(Model):
    """A model whose ``call`` replays a graph of layer calls from ``keras.Input`` tensors to ``outputs``.

    >>> from minitf import keras
    >>> inputs = keras.Input(shape=(3,))
    >>> model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    >>> isinstance(model, Functional), [type(layer).__name__ for layer in model.layers]
    (True, ['InputLayer', 'Dense'])
    """

    _checkpoint_layer_list = "_graph_layers"

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        Model.__init__(self, name=name, **kwargs)
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        if inputs is None or outputs is None:
            raise ValueError("A functional Model needs both `inputs` and `outputs`: keras.Model(inputs, outputs).")
        for t in nest.flatten([inputs, outputs]):
            if not isinstance(t, KerasTensor):
                raise TypeError(f"Model(inputs, outputs) expects KerasTensors (from keras.Input and calling layers "
                                f"on them), got {t!r}.")
        for t in nest.flatten(inputs):
            if not isinstance(t._node.layer, InputLayer):
                raise ValueError(f"Model inputs must come from `keras.Input`; {t!r} was made by layer "
                                 f"'{t._node.layer.name}'.")
        nodes, visiting, done = [], set(), set()

        def visit(node):
            if id(node) in done:
                return
            if id(node) in visiting:
                raise ValueError("The functional graph has a cycle.")
            visiting.add(id(node))
            for parent in node.parents:
                visit(parent._node)
            visiting.discard(id(node))
            done.add(id(node))
            nodes.append(node)

        for t in nest.flatten(outputs):
            visit(t._node)
        given = {id(t._node) for t in nest.flatten(inputs)}
        for node in nodes:
            if isinstance(node.layer, InputLayer) and id(node) not in given:
                raise ValueError(f"Graph disconnected: cannot obtain value for tensor {node.outputs!r} at layer "
                                 f"'{node.layer.name}'. Add it to the model's inputs.")
        layers = []
        for node in nodes:
            if all(node.layer is not layer for layer in layers):
                layers.append(node.layer)
        object.__setattr__(self, "_input_tensors", inputs)
        object.__setattr__(self, "_output_tensors", outputs)
        object.__setattr__(self, "_graph_nodes", nodes)
        self._graph_layers = layers
        object.__setattr__(self, "built", True)
        object.__setattr__(self, "_build_input_shape", nest.map_structure(lambda t: t.shape, inputs))
        object.__setattr__(self, "_output_shape", nest.map_structure(lambda t: tuple(t.shape), outputs))

    @property
    def _is_graph_network(self):
        return True

    def _run_graph(self, inputs):
        expected = nest.flatten(self._input_tensors)
        if isinstance(inputs, dict):  # inputs by the names of their keras.Input
            missing = [t.name for t in expected if t.name not in inputs]
            if missing:
                raise ValueError(f"Missing data for input(s) {missing} of model \"{self.name}\": the dict has keys "
                                 f"{sorted(inputs)}, the model's inputs are named {[t.name for t in expected]}.")
            inputs = [inputs[t.name] for t in expected]
        given = nest.flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(given) != len(expected):
            raise ValueError(f"Layer \"{self.name}\" expects {len(expected)} input(s), but it received "
                             f"{len(given)} input tensors.")
        values = {id(t): value for t, value in zip(expected, given)}

        def lookup(value):
            return values[id(value)] if isinstance(value, KerasTensor) else value

        for node in self._graph_nodes:
            if isinstance(node.layer, InputLayer):
                continue
            outputs = node.layer(*nest.map_structure(lookup, list(node.args)), **nest.map_structure(lookup,
                                                                                                    node.kwargs))
            for t, value in zip(nest.flatten(node.outputs), nest.flatten(outputs)):
                values[id(t)] = value
        return nest.map_structure(lookup, self._output_tensors)

    @property
    def inputs(self):
        """The model's ``keras.Input`` tensors, as a flat list."""
        return nest.flatten(self._input_tensors)

    @property
    def outputs(self):
        return nest.flatten(self._output_tensors)

    @property
    def layers(self):
        """The layers of the graph, in the order they are called (the inputs first)."""
        return list(self._graph_layers)

    def call(self, inputs, training=None, mask=None):
        """Replay the graph on ``inputs`` (a tensor, a list in the order of ``inputs``, or a dict by name)."""
        return self._run_graph(inputs)

    def build(self, input_shape=None):
        """A functional model is built when it is made."""

    def get_config(self):
        """The graph: the layers' configs, the calls between them, and the inputs and outputs."""
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return functional_from_config(config, cls)


def functional_config(model):
    """The graph of a functional model as JSON-able data: layers, the calls between them, inputs, outputs."""
    layers, nodes = model._graph_layers, model._graph_nodes
    layer_index = {id(layer): i for i, layer in enumerate(layers)}
    node_index = {id(node): i for i, node in enumerate(nodes)}

    def encode(value):
        if isinstance(value, KerasTensor):
            flat = nest.flatten(value._node.outputs)
            position = next(i for i, t in enumerate(flat) if t is value)
            return {"__keras_tensor__": [node_index[id(value._node)], position]}
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        if isinstance(value, dict):
            return {k: encode(v) for k, v in value.items()}
        return value

    return {"name": model.name, "layers": [serialize(layer) for layer in layers],
            "nodes": [{"layer": layer_index[id(n.layer)], "args": encode(list(n.args)), "kwargs": encode(n.kwargs)}
                      for n in nodes],
            "inputs": encode(model._input_tensors), "outputs": encode(model._output_tensors)}


def functional_from_config(config, cls):
    """Rebuild a functional model by calling the re-created layers as the saved graph says."""
    layers = [deserialize_layer(c) for c in config["layers"]]
    produced = []

    def decode(value):
        if isinstance(value, dict) and "__keras_tensor__" in value:
            node, position = value["__keras_tensor__"]
            return nest.flatten(produced[node])[position]
        if isinstance(value, list):
            return [decode(v) for v in value]
        if isinstance(value, dict):
            return {k: decode(v) for k, v in value.items()}
        return value

    for node in config["nodes"]:
        layer = layers[node["layer"]]
        if isinstance(layer, InputLayer):
            produced.append(layer.output)
        else:
            produced.append(layer(*decode(node["args"]), **decode(node["kwargs"])))
    return cls(decode(config["inputs"]), decode(config["outputs"]), name=config.get("name"))
