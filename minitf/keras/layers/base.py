"""The ``Layer`` base class: lazy ``build``, ``call``, weight tracking, losses and configs.

A layer creates its weights the first time it is called, when the input shape is
known (``build``), then computes ``call(inputs)``. Weights made with
``add_weight``, variables and sub-layers assigned as attributes (also inside
lists and dicts) are found automatically. This module holds the base class and
the call context (the ``training`` flag passed down to sub-layers); the layers
themselves live beside it.
"""

import functools
import inspect

import numpy as np

import minitf as tf
from minitf import dtypes, nest
from minitf.keras import backend
from minitf.keras.utils import naming
from minitf.tensor import Tensor, TensorShape, convert_to_tensor
from minitf.train.containers import DictWrapper, ListWrapper, wrap
from minitf.train.restore import restore_deferred
from minitf.variable import Variable

_NO_SUPER_INIT = (
    "It looks like you are subclassing `{cls}` and you forgot to call `super().__init__()`.\n"
    "  Always start your __init__ with `super().__init__(**kwargs)`: it sets up the weight tracking "
    "that `{cls}` needs."
)
_LAYER_KWARGS = ("input_shape", "batch_input_shape", "input_dim", "batch_size", "weights", "autocast")


class _CallContext:
    """What the layers being called right now share: nesting depth, ``training``, the outer call's id."""

    depth = 0
    training = None
    call_id = 0


_context = _CallContext()
_scope = naming.scope  # the layers being built or called (Keras 3's name scopes): a new weight's path


# Bumped whenever a layer's tracked structure may have changed (a layer, variable or container
# assigned, a tracked list or dict changed, a weight added); the layers' cached lists then expire.
_tracking = {"version": 0}


def _changed():
    _tracking["version"] += 1


def _mutator(base, name):
    method = getattr(base, name)

    def mutate(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        _changed()
        return result

    mutate.__name__ = name
    return mutate


class _TrackedList(ListWrapper):
    """A list held by a layer: changing it tells the layers to look at their parts again, and, as a checkpoint's
    ``ListWrapper``, an item added after a restore gets its saved value."""

    __repr__ = list.__repr__


for _name in ("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "__setitem__",
              "__delitem__", "__iadd__"):
    setattr(_TrackedList, _name, _mutator(ListWrapper, _name))


class _TrackedDict(DictWrapper):
    """A dict held by a layer: changing it tells the layers to look at their parts again, and, as a checkpoint's
    ``DictWrapper``, an entry set after a restore gets its saved value."""

    __repr__ = dict.__repr__


for _name in ("__setitem__", "__delitem__", "pop", "popitem", "clear", "update", "setdefault"):
    setattr(_TrackedDict, _name, _mutator(DictWrapper, _name))


def _tracked(value):
    """Lists and dicts assigned to a layer become tracked ones (their contents converted too)."""
    return wrap(value, _TrackedList, _TrackedDict)


def _is_metric_object(value):
    return not isinstance(value, type) and hasattr(value, "update_state") and hasattr(value, "result")


def _structural(value):
    """Whether assigning ``value`` may change what a layer tracks (so cached lists must expire)."""
    return isinstance(value, (Layer, Variable, list, tuple, dict)) or _is_metric_object(value)


def _is_trackable(value):
    if isinstance(value, (Layer, Variable)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_is_trackable(v) for v in value)
    if isinstance(value, dict):
        return any(_is_trackable(v) for v in value.values())
    return False


def _walk(value, kind, found, seen):
    """Append the objects of ``kind`` in ``value`` (descending into lists, tuples and dicts) to ``found``."""
    if isinstance(value, kind):
        if id(value) not in seen:
            seen.add(id(value))
            found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _walk(item, kind, found, seen)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, kind, found, seen)


def _accepts(function, argument):
    parameters = inspect.signature(function).parameters
    return argument in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def _shapes_of(inputs):
    return nest.map_structure(lambda t: TensorShape(t.shape), inputs)


def as_shape(shape):
    """A shape as a TensorShape, or a list/dict of shapes as a list/dict of TensorShapes."""
    if shape is None or isinstance(shape, TensorShape):
        return shape
    if isinstance(shape, dict):
        return {k: as_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and all(d is None or isinstance(d, (int, np.integer)) for d in shape):
        return TensorShape(shape)
    return [as_shape(s) for s in shape]


_PLAIN = (str, int, float, bool, type(None))


def _leaves(value):
    """The values inside lists, tuples and dicts (their values), or ``value`` itself."""
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _leaves(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    return [value]


def _auto_config(cls, args, kwargs):
    """Keras 3's automatic config: the arguments of ``cls(*args, **kwargs)`` by name, when all are plain values.

    Returns ``(config, problem)``: the arguments (defaults included, ``**kwargs`` spread) when every value in
    them is a str, int, float, bool or None, else None and a line saying which are not.
    Recorded once, when the layer is made, so ``get_config`` need not be written (Keras 3's
    ``Operation.__new__`` in keras/src/ops/operation.py).
    """
    try:
        signature = inspect.signature(cls.__init__)
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):  # __init__ will say what is wrong; copy and pickle make it without arguments
        return None, None
    bound.apply_defaults()
    parameters = list(signature.parameters.values())[1:]
    arguments = dict(list(bound.arguments.items())[1:])
    unnamed = [p.name for p in parameters if p.kind is p.POSITIONAL_ONLY
               or (p.kind is p.VAR_POSITIONAL and arguments.get(p.name))]
    if unnamed:
        return None, ("positional-only or variadic positional arguments (*args) to `__init__()`: "
                      f"{', '.join(unnamed)}. A config gives them back by name, which these cannot take")
    for p in parameters:
        if p.kind is p.VAR_KEYWORD:
            arguments.update(arguments.pop(p.name, {}))
        elif p.kind is p.VAR_POSITIONAL:
            arguments.pop(p.name, None)
    bad = [f"{key} ({type(odd[0]).__name__})" for key, value in arguments.items()
           if (odd := [leaf for leaf in _leaves(value) if not isinstance(leaf, _PLAIN)])]
    if bad:
        return None, f"non-serializable argument values in `__init__()`: {', '.join(bad)}"
    return arguments, None


class Layer:
    """The base class of all layers, as ``keras.layers.Layer``.

    Subclasses create weights in ``build(input_shape)`` with ``add_weight`` and compute
    outputs in ``call(inputs, training=None)``; calling the layer runs ``build`` once,
    then ``call``. An attribute named ``activation`` set to a name (``"relu"``) holds
    that activation function, so ``self.activation(x)`` works either way.

    >>> import minitf as tf
    >>> class Scale(Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, inputs):
    ...         return inputs * self.w
    >>> layer = Scale()
    >>> layer(tf.ones((2, 3))).shape, len(layer.weights)
    (TensorShape([2, 3]), 1)

    Args:
        trainable: whether the layer's weights are updated by training.
        name: a name; by default the class name in snake case, made unique (``dense_1``).
        dtype: the dtype of the weights and of floating inputs (``"float32"``).
        activity_regularizer: a function of the outputs added to the losses.
        input_shape: the shape of one example, for the first layer of a ``Sequential``.
        dynamic: accepted for Keras compatibility (every minitf layer runs eagerly when called).
    """

    _base_class_name = "Layer"  # named in the error for a subclass that forgot super().__init__()
    _call_takes_training = True  # set per subclass from the signature of its ``call``
    _build_takes_shape = True  # False for a subclass whose ``build(self)`` takes no input shape

    def __new__(cls, *args, **kwargs):
        layer = super().__new__(cls)
        config, problem = _auto_config(cls, args, kwargs)
        object.__setattr__(layer, "_auto_config", config)
        object.__setattr__(layer, "_auto_config_problem", problem)
        return layer

    def __init__(self, trainable=True, name=None, dtype=None, dynamic=False, activity_regularizer=None, **kwargs):
        unknown = [k for k in kwargs if k not in _LAYER_KWARGS]
        if unknown:
            raise TypeError(f"Keyword argument not understood: {unknown[0]!r}\n  {type(self).__name__} accepts "
                            f"the arguments of its __init__ and: {', '.join(_LAYER_KWARGS)}.")
        setattr_ = object.__setattr__
        setattr_(self, "_layer_initialized", True)
        setattr_(self, "_name", name or backend.unique_name(backend.to_snake_case(type(self).__name__)))
        setattr_(self, "_trainable", bool(trainable))
        setattr_(self, "_dtype", dtypes.as_dtype(dtype or backend.floatx()))
        setattr_(self, "built", False)
        setattr_(self, "_own_weights", [])
        setattr_(self, "_regularized", [])
        setattr_(self, "_callable_losses", [])
        setattr_(self, "_call_losses", [])
        setattr_(self, "_last_call_id", None)
        setattr_(self, "_build_input_shape", None)
        setattr_(self, "_output_shape", None)
        setattr_(self, "_autocast", kwargs.get("autocast", True))
        setattr_(self, "_initial_weights", kwargs.get("weights"))
        if activity_regularizer is not None:
            from minitf.keras import regularizers

            activity_regularizer = regularizers.get(activity_regularizer)
        setattr_(self, "activity_regularizer", activity_regularizer)
        batch_input_shape = kwargs.get("batch_input_shape")
        if batch_input_shape is None and kwargs.get("input_shape") is not None:
            batch_input_shape = (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
        if batch_input_shape is None and kwargs.get("input_dim") is not None:
            batch_input_shape = (kwargs.get("batch_size"), kwargs["input_dim"])
        setattr_(self, "_batch_input_shape", None if batch_input_shape is None else tuple(batch_input_shape))

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])
            cls._build_takes_shape = len(inspect.signature(cls.__dict__["build"]).parameters) > 1
        cls._call_takes_training = _accepts(cls.call, "training")

    def __setattr__(self, name, value):
        if "_layer_initialized" not in self.__dict__ and _is_trackable(value):
            raise RuntimeError(_NO_SUPER_INIT.format(cls=_base_name(self)))
        if name == "activation" and isinstance(value, str):
            # so a custom layer that stores activation="relu" and calls self.activation(x) works
            from minitf.keras import activations

            value = activations.get(value)
        if _structural(value) or _structural(self.__dict__.get(name)):
            value = _tracked(value)
            _changed()
            object.__setattr__(self, name, value)
            restore_deferred(self, name, value)  # a checkpoint restored before this weight or layer existed
            return
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        object.__delattr__(self, name)
        _changed()

    def __getattr__(self, name):
        if not name.startswith("__") and "_layer_initialized" not in self.__dict__:
            raise RuntimeError(_NO_SUPER_INIT.format(cls=_base_name(self)))
        attribute = getattr(type(self), name, None)
        if isinstance(attribute, property):  # a property raised AttributeError: show its message, not ours
            return attribute.fget(self)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    # -- identity -------------------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        """The name of the dtype of the layer's weights, e.g. ``"float32"``."""
        return self._dtype.name

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezing a layer freezes its sub-layers too."""
        for layer in self._flatten_layers():
            object.__setattr__(layer, "_trainable", bool(value))
        _changed()

    @property
    def input_shape(self):
        """The shape the layer was built for, with the batch dim (once it is built)."""
        if self._build_input_shape is None:
            raise AttributeError(f"The layer '{self.name}' has never been called and thus has no defined input "
                                 "shape.")
        return nest.map_structure(tuple, as_shape(self._build_input_shape))

    @property
    def output_shape(self):
        """The shape of the layer's output, with the batch dim as None (once it has been called)."""
        if self._output_shape is None:
            raise AttributeError(f"The layer '{self.name}' has never been called and thus has no defined output "
                                 "shape.")
        return self._output_shape

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    # -- building and calling ---------------------------------------------------------------------
    def build(self, input_shape):
        """Create the layer's weights, now that ``input_shape`` is known (override this)."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The layer's computation (override this); the base class returns ``inputs`` unchanged."""
        return inputs

    def __call__(self, *args, **kwargs):
        if "_layer_initialized" not in self.__dict__:
            raise RuntimeError(_NO_SUPER_INIT.format(cls=_base_name(self)))
        if not args:
            if "inputs" not in kwargs:
                raise ValueError(f"Layer '{self.name}' was called without inputs.")
            args = (kwargs.pop("inputs"),)
        inputs = args[0]
        if inputs is None:
            raise ValueError(f"Layer '{self.name}' (type {type(self).__name__}) was called on None: it needs a "
                             "tensor or an array of inputs.\n  Did the code that made the inputs return nothing "
                             "(a function without `return`)?")
        if not isinstance(inputs, Tensor):
            from minitf.keras.layers.input_layer import KerasTensor, symbolic_call

            if any(isinstance(t, KerasTensor) for t in nest.flatten(inputs)):
                return symbolic_call(self, args, kwargs)
        if not isinstance(inputs, Tensor) or (self._autocast and inputs.dtype.is_floating
                                              and inputs.dtype != self._dtype):
            inputs = self._convert_inputs(inputs)
        args = (inputs,) + args[1:]
        context = _context
        training = kwargs.pop("training", None)
        if training is None:
            training = context.training
        if not self.built:
            _scope.append(self)  # its weights' paths: the layers around it, then its name
            try:
                self._build_for(inputs)
            finally:
                _scope.pop()
        outermost = context.depth == 0
        if outermost:
            context.call_id += 1
        object.__setattr__(self, "_last_call_id", context.call_id)
        previous = context.training
        context.training = training
        context.depth += 1
        _scope.append(self)
        try:
            if training is not None and self._call_takes_training:
                kwargs["training"] = training
            outputs = self.call(*args, **kwargs)
            if self.activity_regularizer is not None:
                for output in nest.flatten(outputs):
                    penalty = self.activity_regularizer(output)
                    if output.ndim:  # per example; the batch size is read when the step runs
                        penalty = penalty / tf.cast(tf.shape(output)[0], penalty.dtype)
                    self.add_loss(penalty)
        except Exception as error:
            _annotate(error, self, inputs)
            raise
        finally:
            context.depth -= 1
            _scope.pop()
            context.training = previous
        if self._output_shape is None:
            object.__setattr__(self, "_output_shape", _batchless(outputs))
        return outputs

    def _convert_inputs(self, inputs):
        """Turn arrays into tensors; floating inputs take the layer's dtype (Keras's autocast)."""
        if isinstance(inputs, (list, tuple)) and inputs and all(
                isinstance(t, (int, float, bool, np.generic)) for t in nest.flatten(inputs)):
            inputs = np.asarray(inputs)  # nested lists of numbers are one input, not several
        dtype = self._dtype

        def convert(value):
            if value is None:
                return None
            if not isinstance(value, Tensor):
                value = convert_to_tensor(np.asarray(value) if isinstance(value, (list, tuple)) else value)
            if self._autocast and value.dtype.is_floating and value.dtype != dtype:
                value = tf.cast(value, dtype)
            return value

        if isinstance(inputs, (list, tuple, dict)):
            return nest.map_structure(convert, inputs)
        return convert(inputs)

    def _build_for(self, inputs):
        """Build for a first batch of ``inputs`` (its shapes)."""
        self._build_from_shape(_shapes_of(inputs))

    def _build_from_shape(self, shapes):
        if type(self)._build_takes_shape:
            self.build(shapes)
        else:
            self.build()  # Keras 3 allows build(self) for layers whose weights do not depend on the input
        object.__setattr__(self, "built", True)
        object.__setattr__(self, "_build_input_shape", shapes)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            object.__setattr__(self, "_initial_weights", None)

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape``, found by calling the layer on zeros (None dims as 1)."""
        from minitf.keras.layers.input_layer import example_for

        outputs = self(example_for(input_shape, self._dtype))
        return _batchless(outputs)

    # -- weights -------------------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None,
                   constraint=None, **kwargs):
        """Create a weight variable, track it, and return it.

        Args:
            name: the weight's name (``"kernel"``), its ``name`` as in Keras 3; its ``path`` adds the layer's
                name and those of the layers it is built in (``"dense/kernel"``, ``"sequential/dense/kernel"``).
            shape: its shape; every dim must be known.
            dtype: its dtype, the layer's by default.
            initializer: an initializer or its name; ``"glorot_uniform"`` for floats, zeros otherwise.
            regularizer: a function of the weight added to ``losses``.
            trainable: whether training updates it (default True).
            constraint: a function applied to the weight after each optimizer update.
        """
        from minitf.keras import constraints, initializers, regularizers

        if "_layer_initialized" not in self.__dict__:
            raise RuntimeError(_NO_SUPER_INIT.format(cls=_base_name(self)))
        shape = () if shape is None else tuple(shape)
        if any(d is None for d in shape):
            raise ValueError(f"Cannot create weight '{name}' of layer '{self.name}' with shape {shape}: every "
                             "dimension must be known.\n  Create weights in build(input_shape), where the input "
                             "shape is known.")
        dtype = dtypes.as_dtype(dtype or self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        name = name or "variable"
        variable = naming.KerasVariable(initializers.get(initializer), shape, dtype,
                                        True if trainable is None else trainable, name,
                                        path=naming.weight_path(self, name),
                                        constraint=constraints.get(constraint) if constraint is not None else None)
        self._own_weights.append(variable)
        _changed()
        if regularizer is not None:
            self._regularized.append((regularizers.get(regularizer), variable))
        return variable

    def _cached(self, key, compute):
        """``compute()``, remembered until the tracked structure of any layer changes (see ``_changed``)."""
        cache = self.__dict__.get("_tracking_cache")
        if cache is None or cache[0] != _tracking["version"]:
            cache = (_tracking["version"], {})
            object.__setattr__(self, "_tracking_cache", cache)
        found = cache[1].get(key)
        if found is None:
            found = cache[1][key] = compute()
        return found

    def _flatten_layers(self, include_self=True):
        """This layer and every layer under it, depth first, each once."""
        return list(self._cached(("flatten", include_self), lambda: self._compute_flatten(include_self)))

    def _compute_flatten(self, include_self):
        found, seen = [], set()
        stack = [self]
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            if layer is not self or include_self:
                found.append(layer)
            stack.extend(reversed(layer._sublayers()))
        return found

    def _sublayers(self):
        return list(self._cached("sublayers", lambda: self._scan(Layer)))

    def _scan(self, kind):
        """The objects of ``kind`` held in this layer's attributes (also inside lists, tuples and dicts)."""
        found, seen = [], {id(self)}
        for key, value in self.__dict__.items():
            if key not in _UNTRACKED:
                _walk(value, kind, found, seen)
        return found

    @property
    def layers(self):
        """The layers directly under this one."""
        return self._sublayers()

    def _own_variables(self):
        return self._cached("own", lambda: _unique(self._own_weights + self._scan(Variable)))

    @property
    def trainable_weights(self):
        """The weights that training updates: empty when the layer is frozen."""
        return list(self._cached("trainable", self._compute_trainable))

    def _compute_trainable(self):
        if not self._trainable:
            return []
        weights = [v for v in self._own_variables() if v.trainable]
        for layer in self._sublayers():
            weights += layer.trainable_weights
        return _unique(weights)

    @property
    def non_trainable_weights(self):
        """The weights training leaves alone: those made with ``trainable=False``, or all of a frozen layer's."""
        return list(self._cached("non_trainable", self._compute_non_trainable))

    def _compute_non_trainable(self):
        if not self._trainable:
            return self._all_weights()
        weights = [v for v in self._own_variables() if not v.trainable]
        for layer in self._sublayers():
            weights += layer.non_trainable_weights
        return _unique(weights)

    def _all_weights(self):
        weights = list(self._own_variables())
        for layer in self._sublayers():
            weights += layer._all_weights()
        return _unique(weights)

    @property
    def weights(self):
        """All weights: the trainable ones first, then the others (Keras's order)."""
        return list(self._cached("weights", lambda: _unique(self.trainable_weights + self.non_trainable_weights)))

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        """The weights' values as a list of NumPy arrays, in the order of ``weights``."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Set the weights from a list of arrays; all are checked before any is assigned.

        Raises:
            ValueError: a different number of arrays, or an array of the wrong shape.
        """
        targets = self.weights
        weights = list(weights)
        if len(weights) != len(targets):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of length "
                f"{len(weights)}, but the layer was expecting {len(targets)} weights.\n  Expected shapes: "
                f"{[tuple(v.shape) for v in targets]}.")
        arrays = []
        for variable, value in zip(targets, weights):
            array = np.asarray(value)
            if array.shape != tuple(variable.shape):
                raise ValueError(
                    f"Layer {self.name} weight shape {tuple(variable.shape)} is not compatible with provided "
                    f"weight shape {array.shape} (weight '{variable.name}').")
            arrays.append(array.astype(variable.dtype.as_numpy_dtype, copy=False))
        for variable, array in zip(targets, arrays):
            variable.assign(array)

    def count_params(self):
        """The number of scalars in the layer's weights.

        Raises:
            ValueError: the layer is not built yet, so it has no weights.
        """
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the layer isn't built. "
                             "You can build it manually via: `layer.build(batch_input_shape)`.")
        return int(sum(np.prod(v.shape, dtype=np.int64) for v in self.weights))

    def _checkpoint_children(self):
        """What ``minitf.train.Checkpoint`` saves of this layer: its weights and sub-layers by attribute name.

        Lists and dicts of them are kept whole (``blocks/0/kernel``); a weight made by ``add_weight`` but
        kept in no attribute is named by its ``add_weight`` name.
        """
        found = {key: value for key, value in self.__dict__.items() if key not in _UNTRACKED and _is_trackable(value)}
        reached = {id(v) for v in self._scan(Variable)}
        for weight in self._own_weights:
            if id(weight) not in reached:
                found.setdefault(weight.name.split(":")[0].rpartition("/")[2], weight)
        return found

    # -- losses --------------------------------------------------------------------------------
    def add_loss(self, losses):
        """Add a loss (a scalar tensor computed in ``call``, or a function of no arguments) to ``losses``."""
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if callable(loss) and not isinstance(loss, Tensor):
                self._callable_losses.append(loss)
            elif _context.depth == 0:
                raise ValueError(f"Layer '{self.name}': add_loss() got a tensor outside of call(). Pass a function "
                                 "of no arguments instead (add_loss(lambda: ...)), which is evaluated each time "
                                 "`losses` is read.")
            else:
                call_id = _context.call_id
                kept = [item for item in self._call_losses if item[0] == call_id]
                kept.append((call_id, convert_to_tensor(loss)))
                object.__setattr__(self, "_call_losses", kept)

    @property
    def losses(self):
        """Losses added during the last call (``add_loss``) plus the weight-regularization losses.

        Regularization losses are recomputed each time this is read, so reading it inside a
        GradientTape makes them differentiable.
        """
        out = []
        call_id = self._last_call_id
        for layer in self._flatten_layers():
            out += [loss for tag, loss in layer._call_losses if tag == call_id]
            out += [regularizer(variable) for regularizer, variable in layer._regularized]
            out += [convert_to_tensor(fn()) for fn in layer._callable_losses]
        return out

    def add_metric(self, value, name=None, aggregation=None):
        """Report the mean of ``value`` over each epoch as the metric ``name`` (Keras 2's ``add_metric``).

        A value computed by a ``Metric`` held as an attribute of the layer (``self.m = Mean(name=...)``)
        is already reported under that metric's name, so without ``name`` there is nothing more to do.

        Raises:
            ValueError: no ``name``, and no Metric attribute that could have made the value.
        """
        if name is None:
            if any(_is_metric_object(v) for v in self.__dict__.values()):
                return
            raise ValueError(f"Layer '{self.name}': add_metric() needs a `name` for the metric, e.g. "
                             "self.add_metric(value, name='my_metric').")
        added = self.__dict__.setdefault("_added_metrics", {})
        if name not in added:
            from minitf.keras import metrics

            added[name] = metrics.Mean(name=name)
            _changed()
        added[name].update_state(value)

    # -- configuration ---------------------------------------------------------------------------
    def get_config(self):
        """The arguments that re-create this layer (without its weights).

        A subclass that does not override ``get_config`` gets, as in Keras 3, the arguments its
        ``__init__`` was called with (see ``_auto_config``) besides ``name``, ``trainable`` and ``dtype``;
        ``name`` is left out when ``__init__`` takes neither ``name`` nor ``**kwargs``. A subclass that
        overrides it gets only those base keys from ``super().get_config()``.

        Raises:
            NotImplementedError: the layer uses the automatic config but was made with arguments it cannot
                hold (a layer, an array, a function...): override ``get_config``.
        """
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        if type(self).get_config is not Layer.get_config:
            return config
        if self._auto_config is None:
            problem = self._auto_config_problem or "arguments it could not record"
            raise NotImplementedError(_NO_AUTO_CONFIG.format(cls=type(self).__name__, problem=problem))
        parameters = inspect.signature(type(self).__init__).parameters.values()
        if not any(p.name == "name" or p.kind is p.VAR_KEYWORD for p in parameters):
            del config["name"]  # __init__ could not take it back
        return {**self._auto_config, **config}  # the layer's own name, trainable and dtype win

    @classmethod
    def from_config(cls, config):
        """Create a layer from the output of ``get_config``.

        Raises:
            TypeError: ``__init__`` does not accept the config (saying which keys it refuses).
        """
        return _revive(cls, config)


# The Layer's own bookkeeping: attributes that may hold weights or layers but are not the layer's parts.
_UNTRACKED = frozenset({"_tracking_cache", "_own_weights", "_regularized", "_callable_losses", "_call_losses",
                        "_initial_weights", "_added_metrics", "_auto_config", "_auto_config_problem"})

_NO_AUTO_CONFIG = """Object {cls} was created by passing {problem}.
  So {cls} must override get_config() to be saved: return what its __init__ needs, e.g.
      def get_config(self):
          return {{**super().get_config(), "units": self.units}}
  and, if that config holds objects (layers, arrays...), a from_config(cls, config) classmethod that rebuilds them."""


def _revive(cls, config):
    """``cls(**config)``, or a TypeError that names the keys ``cls.__init__`` does not accept."""
    try:
        return cls(**config)
    except TypeError as error:
        parameters = inspect.signature(cls.__init__).parameters.values()
        refused = [] if any(p.kind is p.VAR_KEYWORD for p in parameters) else [
            key for key in config if key not in {p.name for p in parameters}]
        hint = (f"\n  {cls.__name__}.__init__ does not accept {', '.join(map(repr, refused))}: add **kwargs to it and "
                "pass them on with super().__init__(**kwargs)." if refused else "")
        raise TypeError(f"Error when deserializing class '{cls.__name__}' using config={config}.\n  Exception "
                        f"encountered: {error}{hint}") from error


def _marks_built(build):
    """Wrap a subclass's ``build`` so that calling it directly also marks the layer built."""

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        result = build(self, *args, **kwargs)
        object.__setattr__(self, "built", True)
        if args and self._build_input_shape is None:
            object.__setattr__(self, "_build_input_shape", as_shape(args[0]))
        return result

    wrapper._builds = True
    return wrapper


def _base_name(layer):
    return type(layer)._base_class_name


def _unique(variables):
    seen, out = set(), []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def _batchless(outputs):
    """The output shape(s) with the batch dimension shown as None (for ``summary``)."""

    def shape(t):
        dims = list(t.shape)
        return tuple([None] + dims[1:]) if dims else ()

    try:
        return nest.map_structure(shape, outputs)
    except (AttributeError, TypeError):
        return None


def _annotate(error, layer, inputs):
    """Say which layer failed, once, on the innermost layer (Python 3.11+ exception notes)."""
    if getattr(error, "_minitf_layer_noted", False) or not hasattr(error, "add_note"):
        return
    try:
        shapes = nest.map_structure(lambda t: tuple(t.shape), inputs)
    except (AttributeError, TypeError):
        shapes = "?"
    error.add_note(f"Exception encountered when calling layer '{layer.name}' (type {type(layer).__name__}) "
                   f"on inputs of shape {shapes}.")
    error._minitf_layer_noted = True
