"""``minitf.function``: trace a Python function into a graph of primitives once, replay the graph after.

How it works, in three steps, each in its own module:

1. A call computes the function's *signature*: the shape and dtype of each tensor argument
   and the value of each Python argument (so each new Python int is a new signature, as in
   TensorFlow). ``Function`` keeps one ``ConcreteFunction`` per signature.
2. A new signature is *traced* (``tracer.py``): the function runs once, eagerly, on fresh
   placeholder tensors holding the call's values, while a tracer records every op into a
   ``Graph`` (``graph.py``). Operations that no output needs are pruned, unless they change
   a variable or print.
3. Later calls with that signature *replay* the graph (``executor.py``): on arrays when no
   tape records, through ``bind`` under a tape, so gradients flow through a traced function.

The signature's ``None`` dims work because no op bakes an input's shape into the graph:
shape-reading ops take their shapes from tensors at run time (``ExpandDims``,
``BroadcastLike``, ``Mean``...). After such a trace, one probe replay at other sizes
marks which shapes are unknown, and warns if Python code baked a size in.

Where minitf differs from TensorFlow:

- There is no AutoGraph. Python ``for`` and ``while`` loops run while tracing, so they
  unroll into the graph; an ``if`` on a tensor is decided at trace time, with the
  tracing call's values, and only the branch taken is in the graph. Use
  ``minitf.where`` for per-element choices, or pass a Python value (one trace each).
- Tracing runs the ops, on the first call's values. A trace from TensorSpecs
  (``get_concrete_function``) runs them on made-up values (ones, unknown dims of size
  2); its tensors are *symbolic*: turning one into a Python bool, number or NumPy array
  raises ``OperatorNotAllowedInGraphError``, and its variable assignments are undone.
- Python code sees trace-time shapes (``x.shape`` holds ``None`` only for the inputs of
  a trace from TensorSpecs), and shape arguments are read while tracing, even
  ``minitf.shape(x)``: ``minitf.zeros([x.shape[0], 3])`` bakes that size into the graph
  (``minitf.zeros_like`` does not).
- A different ``Variable`` object as argument is a new signature.
- A ``TensorSpec(None)`` (unknown rank) serves every rank with one graph when the graph
  names no axes (``reduce_sum(x)`` names none); one that does (``axis=-1``) is traced per rank.

As in TensorFlow, NumPy on a traced tensor (``np.exp(x)``, ``x.numpy()``) raises instead of
baking a constant into the graph, and a first trace that creates variables is traced again
(Python side effects run twice, assignments and random draws are undone) to check that it does
not create them on every call. Minitf only: ``pretty_printed_graph(sections=True)``.
"""

import functools
import inspect
import types
import warnings
import weakref
from collections import deque

import numpy as np

from minitf import backend, config, nest, tracer
from minitf.executor import Program, execute, run_graph
from minitf.graph import Graph, GraphTensor, TensorSpec, name_scope, type_text
from minitf.ops import logging_ops
from minitf.tensor import TensorShape, convert_to_tensor
from minitf.tracer import OperatorNotAllowedInGraphError, fits, signature, spec_of

__all__ = ["ConcreteFunction", "Function", "Graph", "OperatorNotAllowedInGraphError", "TensorSpec", "function",
           "name_scope"]

_RETRACE_WINDOW, _RETRACE_THRESHOLD, _MAX_WARNINGS = 10, 5, 2
# attributes that hold at any rank (so does axis=None: every axis)
_RANK_FREE_ATTRS = {"dtype", "transpose_a", "transpose_b", "func", "Tout", "in_place", "keepdims"}
_histories = weakref.WeakKeyDictionary()  # python function -> its _History


class _History(deque):
    """Which of a Python function's recent calls traced (for TensorFlow's retracing warning), and warnings given."""

    warnings = 0


class ConcreteFunction:
    """One trace of a ``Function``: a graph for one input signature, callable with tensors.

    Attributes:
        graph: the ``Graph`` (``graph.get_operations()``; ``print(graph)``).
        structured_input_signature: the TensorSpecs (and Python values) it was traced for.
        variables: the variables the graph reads or assigns, captured by reference.
    """

    def __init__(self, traced, specs, structured_input_signature, kinds):
        self.graph, self.structured_input_signature, self._kinds = traced.graph, structured_input_signature, kinds
        self._input_specs, self._outputs, self._output_structure = specs, traced.outputs, traced.structure
        self.variables = tuple(op._variable for op in self.graph._operations if op._kind == "VarHandleOp")
        self._program = Program(self.graph)
        self._any_rank = any(s.shape.rank is None for s in specs) and all(  # one graph for every rank: no axes in it
            all(k in _RANK_FREE_ATTRS or (k == "axis" and v is None) for k, v in op.attrs.items())
            for op in self.graph._operations)
        if not all(t.shape.is_fully_defined() for t in self.graph.inputs):
            self._find_unknown_dims(traced.shapes)

    inputs = property(lambda self: list(self.graph.inputs))
    outputs = property(lambda self: list(self.graph.outputs))
    name = property(lambda self: self.graph.name)

    def _find_unknown_dims(self, traced_shapes):
        """Put ``None`` in the shapes that follow the signature's ``None`` dims, and check the graph allows them.

        Replays the graph once on made-up inputs whose unknown dims have another size
        (undoing its assignments and random draws): dims that changed are unknown.
        """
        env = self._program.arrays[:]
        for t in self.graph.inputs:
            traced = traced_shapes[t._slot]
            shape = tuple(d + 1 if s is None else d for d, s in zip(traced, t.shape.dims or [None] * len(traced)))
            env[t._slot] = backend.xp.full(shape, 1 if t.dtype.is_floating else 0, dtype=t.dtype._np)
        try:
            with tracer.state_undone(self.variables), logging_ops.silenced():
                execute([step[:-1] + ((),) for step in self._program.steps], env)  # keeping every value
        except Exception as error:  # any failure means the graph bakes in a size
            return warnings.warn(
                f"minitf.function traced {self.graph.name!r} for shapes with None dims, but its graph fails at other "
                f"sizes ({type(error).__name__}: {error}).\n  A size was read in Python while tracing (x.shape[0], "
                "minitf.shape(x)) and baked into the graph. Build such shapes from tensors instead (minitf.zeros_like, "
                "-1 in minitf.reshape), or leave the dims out of input_signature.", stacklevel=5)
        for t in [t for op in self.graph._operations[len(self.graph.inputs):] for t in op.outputs]:
            if t.dtype != "resource" and t.shape.rank == np.ndim(env[t._slot]):
                dims = [a if a == b else None for a, b in zip(t.shape, np.shape(env[t._slot]))]
                t.shape = TensorShape(None if self._any_rank and None in dims else dims)

    def __call__(self, *args, **kwargs):
        """Run the graph on tensors with this concrete function's signature (Python arguments are baked in).

        A Python number or list where the signature has a ``TensorSpec`` becomes a tensor of its dtype, as
        TensorFlow's ``TensorSpec.cast`` does: a function traced for ``constant(1)`` also takes ``2``. A Python
        value other than the one the graph was traced for raises ``TypeError``.
        """
        specs, keyword_specs = self.structured_input_signature
        by_name = {**dict(zip(self._kinds, specs)), **keyword_specs}
        args = [_bind(a, s, self.name) for a, s in zip(args, specs)] + list(args[len(specs):])
        kwargs = {k: _bind(v, by_name[k], self.name) if k in by_name else v for k, v in kwargs.items()}
        leaves = []
        signature((args, kwargs), leaves)
        if not fits(self._input_specs, leaves):
            raise _binding_error(self._input_specs, leaves, self.graph.name)
        return self._call_flat(leaves)

    def _call_flat(self, tensors):
        results = iter(run_graph(self._program, tensors))
        leaves = [next(results) if isinstance(t, GraphTensor) else t for t in self._outputs]
        return leaves[0] if self._output_structure is None else nest.pack_sequence_as(self._output_structure, leaves)

    def pretty_printed_graph(self, sections=False):
        """The graph as text: one line per operation, ``name = Type(inputs, attrs)  # dtype[shape]``.

        ``sections=True`` marks the forward pass, the gradient and the variable updates, hides
        attributes that are off and adds a legend of the gradient operations (``Graph.format``).
        """
        return self.graph.format(sections)

    def pretty_printed_signature(self, verbose=True):
        """The signature this graph was traced for, as TensorFlow prints it (``verbose=False``: minitf's one line).

        ``verbose=True`` gives TensorFlow's three sections: each input's ``TensorSpec`` (or
        ``Literal`` Python value), the output's type, and the variables the graph captures;
        ``verbose=False`` gives one line, e.g. ``step(x: float32[None,784], n=3)``.
        """
        args, kwargs = self.structured_input_signature
        names = list(self._kinds) + [f"arg{i}" for i in range(len(self._kinds), len(args))]
        named = list(zip(names, args)) + list(kwargs.items())
        if not verbose:
            return f"{self.graph.name}({', '.join(_parameter_text(name, value) for name, value in named)})"
        out = self._outputs[0] if self._output_structure is None else nest.pack_sequence_as(self._output_structure,
                                                                                            self._outputs)
        inputs = [f"  {name} ({self._kinds.get(name, 'POSITIONAL_ONLY')}): {_trace_type(v)}" for name, v in named]
        captures = [f"  {id(v)}: TensorSpec(shape=(), dtype=tf.resource, name=None)" for v in self.variables]
        return "\n".join(["Input Parameters:", *(inputs or ["  None"]), "Output Type:", f"  {_trace_type(out)}",
                          "Captures:", *(captures or ["  None"])])

    def __repr__(self):
        return f"<ConcreteFunction {self.pretty_printed_signature(verbose=False)}>"


def _parameter_text(name, value):
    return f"{name}: {type_text(value)}" if isinstance(value, TensorSpec) else f"{name}={_structure_text(value)}"


def _trace_type(value):
    """How TensorFlow's function types print a value: ``TensorSpec(...)``, ``Literal[2]``, ``List[...]``..."""
    if isinstance(value, (TensorSpec, GraphTensor)):
        return repr(TensorSpec(value.shape, value.dtype))
    if isinstance(value, (list, tuple, dict)):
        items = [f"[{k!r}, {_trace_type(v)}]" for k, v in value.items()] if isinstance(value, dict) else map(
            _trace_type, value)
        return f"{type(value).__name__.title()}[{', '.join(items)}]"
    return f"Literal[{value!r}]"


class _Text(str):
    """A string that prints without quotes, so that a TensorSpec in a structure shows as ``int32[]``."""

    __repr__ = str.__str__


def _structure_text(value):
    return repr(nest.map_structure(lambda v: _Text(type_text(v)) if isinstance(v, TensorSpec) else v, value))


def _binding_error(specs, leaves, name):
    mismatch = [(spec, spec_of(leaf)) for spec, leaf in zip(specs, leaves) if not spec.is_compatible_with(leaf)]
    if not mismatch:
        return TypeError(f"Binding inputs to minitf.function {name!r} failed: it takes {len(specs)} tensor(s), got "
                         f"{len(leaves)}.\n  Call it with the same structure of arguments as its signature.")
    spec, got = mismatch[0]
    return TypeError(
        f"Binding inputs to minitf.function {name!r} failed due to `Can not cast "
        f"{TensorSpec(got.shape, got.dtype, spec.name)!r} to {spec!r}`.\n  The input_signature fixes each argument's "
        f"dtype and shape (None dims match any size): pass a {spec.dtype.name} tensor of shape {spec.shape}, or drop "
        "input_signature to trace one graph per shape.")


def _cast(value, spec, name):
    """``value`` as a tensor that fits ``spec``, a Python value converted to its dtype (TensorFlow's ``cast``)."""
    if isinstance(value, TensorSpec):
        return value
    try:
        value = convert_to_tensor(value, dtype_hint=spec.dtype)
    except (TypeError, ValueError):
        raise TypeError(f"Binding inputs to minitf.function {name!r} failed: {value!r} cannot be converted to a "
                        f"tensor for {spec!r}.") from None
    if not spec.is_compatible_with(value):
        raise _binding_error([spec], [value], name)
    return value


def _bind(value, spec, name):
    """A concrete function's argument: cast where it traced a tensor, checked where it baked a Python value in."""
    if isinstance(spec, TensorSpec):
        return _cast(value, spec, name)
    if not any(isinstance(s, TensorSpec) for s in nest.flatten(spec)) and signature(value, []) != signature(spec, []):
        raise TypeError(f"Binding inputs to minitf.function {name!r} failed: this concrete function was traced for "
                        f"the Python value {spec!r}, got {value!r}.\n  Python values are fixed in its graph: call the "
                        "minitf.function itself, which traces a graph for each new value.")
    return value


class Function:
    """A Python function that traces itself once per input signature and replays the graph, as ``tf.function``.

    Create one with ``minitf.function``. Calling it looks up (or traces) the concrete
    function for the arguments' signature and runs its graph.
    """

    def __init__(self, python_function, input_signature=None, reduce_retracing=False, history=None):
        if input_signature is not None and not all(isinstance(s, TensorSpec) for s in nest.flatten(input_signature)):
            raise TypeError(f"Invalid input_signature {input_signature!r}; input_signature must be a possibly nested "
                            "sequence of minitf.TensorSpec objects.")
        self._python_function, self._reduce_retracing = python_function, bool(reduce_retracing)
        self._input_signature = None if input_signature is None else list(input_signature)
        self._cache, self._concrete = {}, []  # signature -> ConcreteFunction; every trace, oldest first
        try:  # shared by every Function of one Python function: creating them in a loop also retraces
            self._history = history or _histories.setdefault(python_function, _History(maxlen=_RETRACE_WINDOW))
        except TypeError:  # not weak-referenceable
            self._history = _History(maxlen=_RETRACE_WINDOW)
        self._attribute = getattr(python_function, "__name__", "function")
        functools.update_wrapper(self, python_function, updated=())  # not the module's __dict__

    python_function = property(lambda self: self._python_function)
    input_signature = property(lambda self: self._input_signature)

    def experimental_get_tracing_count(self):
        """How many times this function has been traced (one per concrete function)."""
        return len(self._concrete)

    def __set_name__(self, owner, name):
        self._attribute = name

    def __get__(self, instance, owner=None):
        """Decorated methods: one ``Function`` per instance (each has its own variables), kept on the instance."""
        key = f"_minitf_function_{self._attribute}"
        if instance is None or key in getattr(instance, "__dict__", {}):
            return self if instance is None else instance.__dict__[key]
        bound = Function(types.MethodType(self._python_function, instance), self._input_signature,
                         self._reduce_retracing, self._history)
        bound._attribute = self._attribute
        if hasattr(instance, "__dict__"):
            instance.__dict__[key] = bound
        return bound

    def __call__(self, *args, **kwargs):
        if config.functions_run_eagerly():  # debugging: run the Python function itself
            return self._python_function(*args, **kwargs)
        if self._input_signature is not None:
            args, kwargs = self._conform(args, kwargs)
        leaves = []
        key = signature(args, leaves), signature(kwargs, leaves) if kwargs else None
        concrete = self._cache.get(key) or self._find_compatible(key, leaves)
        self._history.append(concrete is None)
        if concrete is not None:
            return concrete._call_flat(leaves)
        self._warn_if_retracing_often()
        return self._trace(args, kwargs, leaves, key, run=True)[1]

    def get_concrete_function(self, *args, **kwargs):
        """The concrete function for these arguments (tensors, TensorSpecs, Python values), tracing if needed.

        Tracing here does not run the function for real: variable assignments are undone.
        """
        if self._input_signature is not None:
            args, kwargs = self._conform(args or tuple(self._input_signature), kwargs)
        leaves = []
        key = signature(args, leaves), signature(kwargs, leaves) if kwargs else None
        return self._cache.get(key) or self._find_compatible(key, leaves) or self._trace(
            args, kwargs, leaves, key, run=False)[0]

    def _conform(self, args, kwargs):
        """Check the arguments against ``input_signature`` and convert Python values to tensors."""
        if kwargs:
            bound = inspect.signature(self._python_function).bind(*args, **kwargs)
            args, kwargs = bound.args, bound.kwargs
        if len(args) != len(self._input_signature) or kwargs:
            raise TypeError(f"{self._attribute}() takes {len(self._input_signature)} argument(s) matching its "
                            f"input_signature {self._input_signature!r}, got {len(args)}.")
        conformed = []
        for arg, spec in zip(args, self._input_signature):
            flat_specs, flat_args = nest.flatten(spec), nest.flatten(arg) if nest.is_nested(spec) else [arg]
            if len(flat_args) != len(flat_specs):
                raise TypeError(f"Binding inputs to minitf.function failed: {arg!r} does not have the structure of "
                                f"{spec!r}.")
            tensors = [_cast(a, s, self._attribute) for a, s in zip(flat_args, flat_specs)]
            conformed.append(nest.pack_sequence_as(spec, tensors) if nest.is_nested(spec) else tensors[0])
        return tuple(conformed), {}

    def _find_compatible(self, key, leaves):
        """A trace whose ``None`` dims accept these shapes (then remembered under this exact key)."""
        for concrete in reversed(self._concrete):
            if (concrete._any_rank or concrete._relaxed_key == tracer.relaxed(key)) and fits(concrete._input_specs,
                                                                                             leaves):
                self._cache[key] = concrete
                return concrete
        return None

    def _input_specs_for(self, key, leaves):
        if self._input_signature is not None:
            return nest.flatten(self._input_signature)
        specs = [spec_of(x) for x in leaves]
        for concrete in reversed(self._concrete if self._reduce_retracing else []):
            if concrete._relaxed_key == tracer.relaxed(key):  # None where the two traces' dims differ
                return [TensorSpec([a if a == b else None for a, b in zip(s.shape, o.shape)], s.dtype, s.name)
                        if s.shape.rank == o.shape.rank else s for s, o in zip(specs, concrete._input_specs)]
        return specs

    def _trace(self, args, kwargs, leaves, key, run):
        """Trace the Python function; keep and return the new concrete function and the call's result.

        A first trace that creates variables is traced once more (not run), as TensorFlow does,
        to check that the variables are created once, not on every call.
        """
        specs, names = self._input_specs_for(key, leaves), self._input_names(args, kwargs, len(leaves))
        traced = tracer.trace(self._python_function, args, kwargs, leaves, specs, names, run,
                              may_create=not self._concrete)
        if traced.created:  # the first trace made variables: trace once more (not run) to check it makes none then
            with tracer.state_undone([]):
                again = tracer.trace(self._python_function, args, kwargs, leaves, specs, names, run=False).created
            if again:
                raise tracer.singleton_error(traced.graph.name, again[0])
        remaining = iter(specs)
        signature_ = (tuple(tracer.replace_leaves(args, remaining)), tracer.replace_leaves(kwargs, remaining))
        concrete = ConcreteFunction(traced, specs, signature_, self._parameter_kinds())
        concrete._relaxed_key, self._cache[key] = tracer.relaxed(key), concrete
        self._concrete.append(concrete)
        return concrete, traced.result

    def _parameter_kinds(self):
        """``{name: kind}`` of the Python function's parameters, e.g. ``POSITIONAL_OR_KEYWORD`` (for printouts)."""
        try:
            return {name: p.kind.name for name, p in inspect.signature(self._python_function).parameters.items()}
        except (TypeError, ValueError):
            return {}

    def _input_names(self, args, kwargs, count):
        """Placeholder names from the Python parameter names: ``x``, or ``x_0``, ``x_1`` for nested ones."""
        params, names = list(self._parameter_kinds()), []
        for i, arg in enumerate(args):
            names += tracer.leaf_names(arg, params[i] if i < len(params) else f"arg{i}")
        names += [n for k in sorted(kwargs) for n in tracer.leaf_names(kwargs[k], k)]
        return names + [f"input_{i}" for i in range(len(names), count)]

    def _warn_if_retracing_often(self):
        traced = sum(self._history)
        if traced >= _RETRACE_THRESHOLD and self._history.warnings < _MAX_WARNINGS:
            self._history.warnings += 1
            warnings.warn(
                f"{traced} out of the last {len(self._history)} calls to <function {self._qualname()}> triggered "
                "minitf.function retracing. Tracing is expensive and the excessive number of tracings could be due "
                "to (1) creating @minitf.function repeatedly in a loop, (2) passing tensors with different shapes, "
                "(3) passing Python objects (such as Python ints or floats) instead of tensors. For (1), please define "
                "your @minitf.function outside of the loop. For (2), @minitf.function has the reduce_retracing=True "
                "option, or give an input_signature with None dims, to trace once for many shapes. For (3), pass "
                "tensors (minitf.constant(3)) instead: every new Python value is a new signature, so a new trace.",
                stacklevel=3)

    def pretty_printed_concrete_signatures(self, verbose=True):
        """The signatures this function has graphs for, oldest first, as TensorFlow prints them.

        Each trace's inputs, output type and captures (``verbose=False``: one line per trace, minitf's form).
        """
        return ("\n\n" if verbose else "\n").join(concrete.pretty_printed_signature(verbose)
                                                   for concrete in self._concrete)

    def _qualname(self):
        function = getattr(self._python_function, "__func__", self._python_function)
        return getattr(function, "__qualname__", repr(function))

    def __repr__(self):
        return f"<minitf.function {self._qualname()}>"


def function(func=None, input_signature=None, reduce_retracing=False, autograph=True, jit_compile=None,
             experimental_relax_shapes=None):
    """Compile ``func`` into a callable that traces a graph once per input signature, as ``tf.function``.

    Use it as ``@minitf.function``, ``@minitf.function(input_signature=[...])`` or
    ``minitf.function(f)``. ``autograph`` and ``jit_compile`` are accepted for
    compatibility and ignored: minitf has no AutoGraph and no XLA.

    Args:
        func: the Python function (or method) to trace.
        input_signature: a list of ``TensorSpec`` (one per argument, possibly nested); ``None``
            dims make one graph serve every size, and other inputs raise ``TypeError``.
        reduce_retracing: on a new shape, trace a graph with ``None`` where shapes differed,
            so further shapes reuse it.

    Returns:
        A ``Function``.

    Raises:
        ValueError: (when called) the function creates a variable on every call.

    >>> import minitf as tf
    >>> @tf.function
    ... def double(x):
    ...     print("tracing")
    ...     return x * 2
    >>> double(tf.constant([1., 2.])).numpy()
    tracing
    array([2., 4.], dtype=float32)
    >>> double(tf.constant([3., 4.])).numpy()
    array([6., 8.], dtype=float32)
    >>> double.experimental_get_tracing_count()
    1
    """
    reduce_retracing = reduce_retracing if experimental_relax_shapes is None else experimental_relax_shapes
    if func is None:
        return lambda f: Function(f, input_signature, reduce_retracing)
    return Function(func, input_signature, reduce_retracing)
