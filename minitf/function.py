"""``minitf.function``: trace a Python function into a graph of primitives once, replay the graph after.

How it works, in three steps:

1. A call computes the function's *signature*: the shape and dtype of each tensor
   argument and the value of each Python argument (so each new Python int is a new
   signature, as in TensorFlow).
2. A new signature is *traced*: the function runs once, eagerly, on fresh placeholder
   tensors holding the call's values, while a ``_Tracer`` sits among ``bind``'s
   recorders (beside any gradient tape) and writes every op into a ``Graph``. Tensors
   from outside become captured constants; variables are captured by reference and
   read (``ReadVariableOp``) when the graph runs. Operations that no output needs are
   pruned, unless they change a variable.
3. Later calls with that signature *replay* the graph. With no tape recording, replay
   runs each primitive's ``impl`` straight on backend arrays: no Tensor objects, no
   checks, no recorders, which is why it is faster than running the same ops eagerly.
   Arrays are dropped after their last use, so ``assign_sub`` can update a weight in
   place (copy-on-write, as eagerly). Under a tape (or while another function is being
   traced) it replays through ``bind``, so the ops are recorded: gradients flow
   through a traced function.

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
- A different ``Variable`` object as argument is a new signature; variables may be
  created on any trace (TensorFlow allows it on the first only).
"""

import contextlib
import functools
import inspect
import sys
import types
import warnings
import weakref
from collections import deque

import numpy as np

from minitf import backend, dtypes, nest
from minitf.errors import shape_text
from minitf.ops import logging_ops, random_ops
from minitf.ops.array_ops import Identity
from minitf.ops.logging_ops import PrintV2
from minitf.primitive import bind, recorders
from minitf.tape import CustomGradient
from minitf.tensor import Tensor, TensorShape, convert_to_tensor, python_value_hooks, wrap
from minitf.variable import (
    ASSIGN_OPS,
    AssignAddVariableOp,
    AssignSubVariableOp,
    ReadVariableOp,
    ResourceUpdate,
    Variable,
    update_variables,
)

__all__ = ["ConcreteFunction", "Function", "Graph", "OperatorNotAllowedInGraphError", "TensorSpec", "function"]

_UNKNOWN_DIM_SIZE = 2  # the size a trace from TensorSpecs gives None dims (not 1: it would hide broadcasting)
_RETRACE_WINDOW, _RETRACE_THRESHOLD, _MAX_WARNINGS = 10, 5, 2


class OperatorNotAllowedInGraphError(TypeError):
    """A symbolic tensor (traced from TensorSpecs, so without values) was used as a Python value."""


class TensorSpec:
    """The shape and dtype a tensor argument must have, as ``tf.TensorSpec``; ``None`` dims match any size.

    >>> import minitf as tf
    >>> spec = tf.TensorSpec([None, 3])
    >>> spec
    TensorSpec(shape=(None, 3), dtype=minitf.float32, name=None)
    >>> spec.is_compatible_with(tf.ones([5, 3])), spec.is_compatible_with(tf.ones([5, 4]))
    (True, False)
    """

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        """The spec of ``tensor``: its shape and dtype."""
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, spec_or_tensor):
        """True when ``spec_or_tensor`` has this dtype and a shape that fits this one."""
        other = spec_or_tensor
        return other.dtype == self.dtype and self.shape.is_compatible_with(other.shape)

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self.shape == other.shape and self.dtype == other.dtype
                and self.name == other.name)

    def __hash__(self):
        return hash((self.shape, self.dtype.name, self.name))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


# -- the graph ---------------------------------------------------------------------------------------------
class GraphTensor:
    """A value in a traced graph: output ``value_index`` of operation ``op`` (TensorFlow's symbolic tensor).

    ``shape`` is the shape seen while tracing, with ``None`` where it follows an unknown dim of the signature.
    """

    __slots__ = ("op", "value_index", "shape", "dtype", "_slot")

    def __init__(self, op, value_index, shape, dtype, slot):
        self.op, self.value_index, self.shape, self.dtype, self._slot = op, value_index, shape, dtype, slot

    @property
    def name(self):
        return f"{self.op.name}:{self.value_index}"

    def __repr__(self):
        dtype = self.dtype if isinstance(self.dtype, str) else self.dtype.name
        return f"<GraphTensor '{self.name}' shape={self.shape} dtype={dtype}>"


class Operation:
    """One node of a traced graph: ``type`` (the primitive's TF name), ``name``, ``inputs``, ``outputs``.

    ``attrs`` holds the primitive's params (``transpose_b``, ``axis``...). ``_variable`` is the
    variable a ``VarHandleOp`` or a read refers to, and for an assignment the tuple of variables
    it updates (one, or a weight and its slots for a ``ResourceUpdate``).
    """

    __slots__ = ("type", "name", "inputs", "outputs", "attrs", "_prim", "_kind", "_variable", "_value")

    def __init__(self, kind, type, name, inputs, attrs, prim=None, variable=None, value=None):
        self._kind, self.type, self.name, self.inputs, self.attrs = kind, type, name, list(inputs), attrs
        self._prim, self._variable, self._value = prim, variable, value
        self.outputs = []

    def __repr__(self):
        return f"<Operation '{self.name}' type={self.type}>"


class Graph:
    """The operations of one trace, in execution order, with the graph's inputs and outputs.

    ``print(graph)`` shows it as a small straight-line program.
    """

    def __init__(self, name):
        self.name = name
        self._operations = []
        self._names = {}
        self._slots = 0
        self.inputs = []
        self.outputs = []

    def get_operations(self):
        """The operations in execution order, pruned to what outputs, assignments and prints need."""
        return list(self._operations)

    def get_operation_by_name(self, name):
        for op in self._operations:
            if op.name == name:
                return op
        raise KeyError(f"The name {name!r} refers to an Operation not in the graph.")

    def get_tensor_by_name(self, name):
        """The value called ``name`` (``"MatMul:0"``: output 0 of operation ``MatMul``)."""
        op_name, _, index = name.rpartition(":")
        if not op_name or not index.isdigit():
            raise ValueError(f"The name {name!r} looks like an (invalid) Operation name, not a Tensor name. "
                             "Tensor names must be of the form \"<op_name>:<output_index>\".")
        outputs = self.get_operation_by_name(op_name).outputs
        if int(index) >= len(outputs):
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist: the operation {op_name!r} "
                           f"has {len(outputs)} output(s).")
        return outputs[int(index)]

    def _unique(self, name):
        count = self._names.get(name, 0)
        self._names[name] = count + 1
        return name if count == 0 else f"{name}_{count}"

    def _add(self, kind, type, inputs, attrs=None, out=None, name=None, **extra):
        """Append an operation; ``out`` is ``(shape, dtype)`` of its one output, if it has one."""
        op = Operation(kind, type, self._unique(name or type), inputs, attrs or {}, **extra)
        if out is not None:
            op.outputs.append(GraphTensor(op, 0, TensorShape(out[0]), out[1], self._slots))
            self._slots += 1
        self._operations.append(op)
        return op

    def _prune(self):
        """Drop operations that neither an output, a variable assignment nor a ``minitf.print`` depends on."""
        needed = {t._slot for t in self.outputs}
        kept = []
        for op in reversed(self._operations):
            if op._kind in ("Placeholder", "assign", "effect") or any(t._slot in needed for t in op.outputs):
                kept.append(op)
                needed.update(t._slot for t in op.inputs)
        self._operations = kept[::-1]

    def __str__(self):
        return _format_graph(self)


def _type_text(tensor):
    """``float32[None,784]``: the dtype and shape of a graph value or a TensorSpec."""
    if isinstance(tensor.dtype, str):
        return tensor.dtype  # a variable handle: "resource"
    return f"{tensor.dtype.name}{shape_text(tensor.shape).replace('?', 'None')}"


def _attr_text(value):
    if isinstance(value, dtypes.DType):
        return value.name
    if isinstance(value, slice):
        start, stop = ("" if p is None else p for p in (value.start, value.stop))
        return f"{start}:{stop}" + ("" if value.step is None else f":{value.step}")
    if isinstance(value, tuple):
        return "(" + ", ".join(_attr_text(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if value is sys.stdout or value is sys.stderr or value is sys.__stdout__ or value is sys.__stderr__:
        return "sys.stdout" if value in (sys.stdout, sys.__stdout__) else "sys.stderr"  # no address in printouts
    return repr(value)


def _format_graph(graph):
    lines = [f"def {graph.name}(" + ", ".join(f"{t.op.name}: {_type_text(t)}" for t in graph.inputs) + "):"]
    for op in graph._operations:
        if op._kind == "Placeholder":
            continue
        if op._kind == "VarHandleOp":
            call = f"VarHandleOp(variable={op._variable.name!r})"
        elif op._kind == "Const":
            value = np.asarray(backend.to_numpy(op._value))
            call = f"Const(value={value.item()!r})" if value.size == 1 else "Const(...)"
        else:
            args = [t.op.name for t in op.inputs] + [f"{k}={_attr_text(v)}" for k, v in op.attrs.items()]
            call = f"{op.type}({', '.join(args)})"
        if op.outputs:
            text = f"    {op.name} = {call}"
            lines.append(f"{text:<64} # {_type_text(op.outputs[0])}")
        else:
            lines.append(f"    {call}")
    lines.append("    return " + (", ".join(t.op.name for t in graph.outputs) or "None"))
    return "\n".join(lines)


# -- tracing -----------------------------------------------------------------------------------------------
class _SymbolicTensor(Tensor):
    """A tensor of a trace from TensorSpecs: its values are made up, so Python must not read them."""

    __slots__ = ()

    def _refuse(self, what):
        raise OperatorNotAllowedInGraphError(
            f"{what} is not allowed: AutoGraph is not available in minitf.\n"
            "  This function is being traced from TensorSpecs, so the tensor has no value yet, and minitf "
            "has no AutoGraph to turn Python `if`/`for`/`while` on tensors into graph ops.\n"
            "  Use minitf.where(cond, x, y) to choose per element, pass the value as a Python argument "
            "(one trace per value), or call the function with real tensors: Python control flow then "
            "runs once, at trace time, on that call's values."
        )

    def __bool__(self):
        self._refuse("Using a symbolic minitf.Tensor as a Python bool")

    def __iter__(self):
        self._refuse("Iterating over a symbolic minitf.Tensor")

    def __len__(self):
        self._refuse("Taking len() of a symbolic minitf.Tensor")

    def _scalar(self, kind):
        self._refuse(f"Using a symbolic minitf.Tensor as a Python {kind}")

    def numpy(self):
        self._refuse("Calling .numpy() on a symbolic minitf.Tensor")

    def __array__(self, dtype=None, copy=None):
        self._refuse("Converting a symbolic minitf.Tensor to a NumPy array")

    def __format__(self, format_spec):
        return repr(self)

    def _graph_tensor(self):
        for tracer in _tracing:
            value = tracer.values.get(id(self))
            if value is not None:
                return value
        return None

    @property
    def shape(self):
        """The signature's shape for an input (``None`` where unknown), else the shape while tracing."""
        value = self._graph_tensor()
        return value.shape if value is not None else TensorShape(self._value.shape)

    def __repr__(self):
        """As TensorFlow prints a graph tensor: its name, shape and dtype."""
        value = self._graph_tensor()
        name = f'"{value.name}", ' if value is not None else ""
        return f"Tensor({name}shape={self.shape}, dtype={self.dtype.name})"

    __str__ = __repr__


_tracing = []  # the tracers now recording, so that a symbolic tensor can print its graph name


class _Tracer:
    """A recorder (beside any tape in ``recorders``) that writes every op ``bind`` runs into a ``Graph``."""

    def __init__(self, graph, symbolic):
        self.graph = graph
        self.symbolic = symbolic
        self.values = {}  # id(tensor) -> GraphTensor
        self.keep = []  # every tensor seen, so that ids stay unique while tracing
        self.handles = {}  # id(variable) -> its VarHandleOp output
        self.initial_values = []  # (variable, its array when first seen): undone after a trace that is no call
        self.warned = False  # whether Python already read a traced value (see on_python_value)

    def input(self, tensor, spec, name):
        """Make ``tensor`` the graph input (a Placeholder) called ``name``."""
        op = self.graph._add("Placeholder", "Placeholder", [], out=(spec.shape, spec.dtype), name=name)
        self._map(tensor, op.outputs[0])
        self.graph.inputs.append(op.outputs[0])

    def _map(self, tensor, graph_tensor):
        self.values[id(tensor)] = graph_tensor
        self.keep.append(tensor)
        return graph_tensor

    def handle(self, variable):
        """The graph's reference to ``variable`` (captured by reference, read when the graph runs)."""
        handle = self.handles.get(id(variable))
        if handle is None:
            self.initial_values.append((variable, variable._value))
            name = variable.name.rsplit(":", 1)[0]
            op = self.graph._add("VarHandleOp", "VarHandleOp", [], out=((), "resource"), name=name, variable=variable)
            handle = self.handles[id(variable)] = op.outputs[0]
        return handle

    def read(self, variable, out=None):
        """The variable's current value in the graph: one ReadVariableOp per value it takes."""
        snap = variable.snapshot()  # the same object until the next assignment, so reads are shared
        value = self.values.get(id(snap))
        if value is None:
            handle = self.handle(variable)
            op = self.graph._add("read", "ReadVariableOp", [handle], out=(variable.shape, variable.dtype),
                                 variable=variable)
            value = self._map(snap, op.outputs[0])
        if out is not None:
            self._map(out, value)
        return value

    def capture(self, tensor):
        """A tensor from outside the graph: a constant (a Variable is read instead)."""
        if isinstance(tensor, Variable):
            return self.read(tensor)
        op = self.graph._add("Const", "Const", [], out=(tensor.shape, tensor.dtype), value=tensor._value)
        return self._map(tensor, op.outputs[0])

    def on_python_value(self, tensor, what, stacklevel):
        """Warn (once per trace) when Python reads a traced tensor's value: it is fixed at trace time."""
        if self.warned or id(tensor) not in self.values:
            return
        self.warned = True
        warnings.warn(
            f"minitf.function is tracing '{self.graph.name}' and a traced tensor is used {what}. minitf has no "
            "AutoGraph: the value is read now, from this call's inputs, and every later call with the same "
            "signature replays the result (such as the branch taken).\n  Use minitf.where(cond, x, y) to choose "
            "per element, or pass the value as a Python argument (one trace per value).",
            UserWarning, stacklevel=stacklevel)

    def record(self, prim, args, params, out):
        """Called by ``bind`` for every op while tracing."""
        if prim is ReadVariableOp and isinstance(args[0], Variable):  # a replayed graph reading a variable
            self.read(args[0], out)
            return
        values = self.values
        if prim in ASSIGN_OPS or isinstance(prim, ResourceUpdate):  # inputs: the variables updated, then tensors
            count = prim.count if isinstance(prim, ResourceUpdate) else 1
            inputs = [self.handle(v) for v in args[:count]] + [values.get(id(a)) or self.capture(a)
                                                                for a in args[count:]]
            self.graph._add("assign", prim.name, inputs, params, prim=prim, variable=args[:count])
            return
        inputs = [values.get(id(a)) or self.capture(a) for a in args]
        kind = "custom" if isinstance(prim, CustomGradient) else "effect" if prim is PrintV2 else "op"
        op = self.graph._add(kind, prim.name, inputs, params, out=(out._value.shape, out.dtype), prim=prim)
        self._map(out, op.outputs[0])
        if self.symbolic and any(a.__class__ is _SymbolicTensor for a in args):
            out.__class__ = _SymbolicTensor


def _dummy(spec):
    """Made-up values for a trace from a TensorSpec: ones (zeros for ints and bools, valid as indices)."""
    shape = tuple(_UNKNOWN_DIM_SIZE if d is None else d for d in spec.shape)
    fill = 1 if spec.dtype.is_floating else 0
    tensor = wrap(backend.xp.full(shape, fill, dtype=spec.dtype._np))
    tensor.__class__ = _SymbolicTensor
    return tensor


# -- signatures ----------------------------------------------------------------------------------------------
def _signature(value, leaves):
    """The cache key of one argument: shapes and dtypes of tensors, values of Python objects.

    Appends the argument's tensors (its graph inputs) to ``leaves``.
    """
    cls = value.__class__
    if cls is Tensor:
        leaves.append(value)
        return value._value.shape, value._value.dtype
    if cls is tuple or cls is list:
        return cls, tuple([_signature(v, leaves) for v in value])
    if cls is dict:
        return dict, tuple([(k, _signature(value[k], leaves)) for k in sorted(value)])
    if isinstance(value, Variable):
        return Variable, id(value)  # captured by reference: the concrete function keeps it alive
    if isinstance(value, (Tensor, np.ndarray)):
        value = convert_to_tensor(value)
        leaves.append(value)
        return value._value.shape, value._value.dtype
    if isinstance(value, TensorSpec):
        leaves.append(value)
        return tuple(value.shape), value.dtype._np
    if isinstance(value, tuple):  # namedtuples
        return cls, tuple([_signature(v, leaves) for v in value])
    try:
        hash(value)
    except TypeError:
        return "id", id(value)
    return cls, value


def _spec_of(leaf):
    return leaf if isinstance(leaf, TensorSpec) else TensorSpec(leaf._value.shape, leaf.dtype)


def _relax(specs, other_specs):
    """Specs with the dims where two traces differ made ``None`` (what ``reduce_retracing`` does)."""
    relaxed = []
    for spec, other in zip(specs, other_specs):
        if spec.shape.rank != other.shape.rank:
            relaxed.append(spec)
            continue
        dims = [a if a == b else None for a, b in zip(spec.shape, other.shape)]
        relaxed.append(TensorSpec(dims, spec.dtype, spec.name))
    return relaxed


def _fits(specs, leaves):
    """True when a graph traced for ``specs`` can run these tensors (or serve these TensorSpecs)."""
    if len(specs) != len(leaves):
        return False
    for spec, leaf in zip(specs, leaves):
        if not spec.is_compatible_with(leaf):
            return False
        if isinstance(leaf, TensorSpec) and any(a is not None and b is None for a, b in zip(spec.shape, leaf.shape)):
            return False  # asked for a None dim the graph fixes
    return True


def _replace_leaves(value, new_leaves):
    """``value`` with its tensor (and TensorSpec) leaves replaced, in ``_signature``'s order."""
    cls = value.__class__
    if isinstance(value, Variable):
        return value
    if isinstance(value, (Tensor, np.ndarray, TensorSpec)):
        return next(new_leaves)
    if cls is dict:
        return {k: _replace_leaves(value[k], new_leaves) for k in sorted(value)}
    if isinstance(value, (list, tuple)):
        items = [_replace_leaves(v, new_leaves) for v in value]
        return cls(*items) if hasattr(value, "_fields") else cls(items)
    return value


class _RetraceHistory:
    """Which of a Python function's recent calls traced, for TensorFlow's retracing warning."""

    def __init__(self):
        self.calls = deque(maxlen=_RETRACE_WINDOW)
        self.warnings = 0


_histories = weakref.WeakKeyDictionary()


def _history_for(python_function):
    try:
        return _histories.setdefault(python_function, _RetraceHistory())
    except TypeError:  # not weak-referenceable
        return _RetraceHistory()


# -- concrete functions --------------------------------------------------------------------------------------
class ConcreteFunction:
    """One trace of a ``Function``: a graph for one input signature, callable with tensors.

    Attributes:
        graph: the ``Graph`` (``graph.get_operations()``; ``print(graph)``).
        structured_input_signature: the TensorSpecs (and Python values) it was traced for.
        variables: the variables the graph reads or assigns, captured by reference.
    """

    def __init__(self, graph, input_specs, structured_input_signature, outputs, output_structure,
                 traced_input_shapes=None):
        self.graph = graph
        self._traced_input_shapes = traced_input_shapes
        self.structured_input_signature = structured_input_signature
        self._input_specs = input_specs
        self._outputs = outputs  # per output leaf: a GraphTensor, or a Python value returned as is
        self._output_structure = output_structure
        self.variables = tuple(op._variable for op in graph._operations if op._kind == "VarHandleOp")
        self._compile()
        self._find_unknown_dims()

    @property
    def inputs(self):
        return list(self.graph.inputs)

    @property
    def outputs(self):
        return list(self.graph.outputs)

    @property
    def name(self):
        return self.graph.name

    def _compile(self):
        """Turn the pruned graph into two step lists: one for plain arrays, one through ``bind``."""
        ops = self.graph._operations
        size = self.graph._slots + 1  # the last slot receives what assignments return
        self._env = [None] * size
        self._tensor_env = [None] * size
        self._input_slots = [t._slot for t in self.graph.inputs]
        self._steps, self._bind_steps = [], []
        last_use = {t._slot: i for i, op in enumerate(ops) for t in op.inputs}
        for t in self.graph.outputs:
            last_use.pop(t._slot, None)
        for i, op in enumerate(ops):
            free = tuple(slot for slot in {t._slot for t in op.inputs} if last_use.get(slot) == i)
            ins = tuple(t._slot for t in op.inputs)
            out = op.outputs[0]._slot if op.outputs else size - 1
            if op._kind == "Const":
                self._env[out], self._tensor_env[out] = op._value, wrap(op._value)
            elif op._kind == "read":
                self._steps.append((_reader(op._variable), (), {}, out, free))
                self._bind_steps.append(("read", ReadVariableOp, (), {}, out, op._variable))
            elif op._kind == "assign":  # op._variable: the variables it updates, its first inputs
                count = len(op._variable)
                self._steps.append((_assigner(op._prim, op._variable), ins[count:], op.attrs, out, free))
                self._bind_steps.append(("assign", op._prim, ins[count:], op.attrs, out, op._variable))
            elif op._kind in ("op", "effect", "custom"):
                self._steps.append((op._prim.forward, ins, op.attrs, out, free))
                kind = "custom" if op._kind == "custom" else "op"
                self._bind_steps.append((kind, op._prim, ins, op.attrs, out, None))

    def _find_unknown_dims(self):
        """Put ``None`` in the shapes that follow the signature's ``None`` dims, and check the graph allows them.

        Replays the graph once on made-up inputs whose unknown dims have another size
        (undoing its assignments and random draws): dims that changed are unknown.
        """
        inputs = self.graph.inputs
        if all(t.shape.is_fully_defined() for t in inputs):
            return
        traced = {t._slot: t for op in self.graph._operations for t in op.outputs if t.dtype != "resource"}
        env, xp = self._env[:], backend.xp
        for t in inputs:
            traced_shape = self._traced_input_shapes[t._slot]
            shape = tuple(d + 1 if s is None else d for d, s in zip(traced_shape, t.shape))
            env[t._slot] = xp.full(shape, 1 if t.dtype.is_floating else 0, dtype=t.dtype._np)
        saved = [(v, v._value) for v in self.variables]  # held here, so no update happens in place
        rng = random_ops._state["rng"]
        rng_state, calls = rng.bit_generator.state, dict(random_ops._state["calls"])
        try:
            with logging_ops.silenced():
                for impl, ins, params, out, _ in self._steps:
                    env[out] = impl(xp, *[env[i] for i in ins], **params)
        except Exception as error:  # any failure means the graph bakes in a size
            warnings.warn(
                f"minitf.function traced {self.graph.name!r} for shapes with None dims, but its graph fails at "
                f"other sizes ({type(error).__name__}: {error}).\n  A size was read in Python while tracing "
                "(x.shape[0], minitf.shape(x)) and baked into the graph. Build such shapes from tensors instead "
                "(minitf.zeros_like, -1 in minitf.reshape), or leave the dims out of input_signature.",
                stacklevel=5)
            return
        finally:
            for variable, value in saved:
                variable._value = value
            rng.bit_generator.state, random_ops._state["calls"] = rng_state, calls
        for slot, t in traced.items():
            probed = env[slot]
            if probed is not None and t.shape.rank == np.ndim(probed) and t.op._kind != "Placeholder":
                t.shape = TensorShape([a if a == b else None for a, b in zip(t.shape, np.shape(probed))])

    def __call__(self, *args, **kwargs):
        """Run the graph on tensors with this concrete function's signature (Python arguments are baked in)."""
        leaves = []
        _signature((args, kwargs), leaves)
        if not _fits(self._input_specs, leaves):
            raise _binding_error(self._input_specs, leaves, self.graph.name)
        return self._call_flat(leaves)

    def _call_flat(self, tensors):
        if recorders:
            return self._call_through_bind(tensors)
        env = self._env[:]
        for slot, tensor in zip(self._input_slots, tensors):
            env[slot] = tensor._value
        xp = backend.xp
        for impl, ins, params, out, free in self._steps:
            env[out] = impl(xp, *[env[i] for i in ins], **params)
            for i in free:  # drop arrays the graph no longer needs: less memory, and updates can be in place
                env[i] = None
        return self._pack([wrap(env[t._slot]) if isinstance(t, GraphTensor) else t for t in self._outputs])

    def _call_through_bind(self, tensors):
        """Replay op by op through ``bind``, so that tapes (and an outer tracer) record it."""
        env = self._tensor_env[:]
        for slot, tensor in zip(self._input_slots, tensors):
            env[slot] = tensor
        for kind, prim, ins, params, out, variable in self._bind_steps:
            if kind == "op":
                env[out] = bind(prim, *[env[i] for i in ins], **params)
            elif kind == "read":
                env[out] = bind(ReadVariableOp, variable)
            elif kind == "assign":
                _reassign(prim, variable, [env[i] for i in ins], params)
            else:  # a custom_gradient call: run it again, so that its grad_fn sees this call's tensors
                env[out] = prim.function(*[env[i] for i in ins[:-1]])
        return self._pack([env[t._slot] if isinstance(t, GraphTensor) else t for t in self._outputs])

    def _pack(self, leaves):
        structure = self._output_structure
        if structure is None:
            return leaves[0]
        return nest.pack_sequence_as(structure, leaves)

    def pretty_printed_graph(self):
        """The graph as text: one line per operation, ``name = Type(inputs, attrs)  # dtype[shape]``."""
        return str(self.graph)

    def pretty_printed_signature(self):
        """The signature this graph was traced for, e.g. ``step(x: float32[None,784], n=3)``."""
        args, kwargs = self.structured_input_signature
        names = list(self._arg_names) + [f"arg{i}" for i in range(len(self._arg_names), len(args))]
        parts = [_argument_text(name, value) for name, value in zip(names, args)]
        parts += [_argument_text(name, value) for name, value in kwargs.items()]
        return f"{self.graph.name}({', '.join(parts)})"

    def __repr__(self):
        return f"<ConcreteFunction {self.pretty_printed_signature()}>"


def _structure_text(value):
    if isinstance(value, TensorSpec):
        return _type_text(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_structure_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        text = ", ".join(_structure_text(v) for v in value)
        return f"[{text}]" if isinstance(value, list) else f"({text}{',' if len(value) == 1 else ''})"
    return repr(value)


def _argument_text(name, value):
    return f"{name}: {_type_text(value)}" if isinstance(value, TensorSpec) else f"{name}={_structure_text(value)}"


def _as_output(value):
    """Outputs are tensors, as in TensorFlow: a variable is read, a Python or NumPy number becomes a constant."""
    if isinstance(value, Variable):
        return bind(ReadVariableOp, value)
    if isinstance(value, (bool, int, float, np.generic, np.ndarray)):
        return convert_to_tensor(value)
    return value  # None, strings and other objects come back as they are


def _reader(variable):
    return lambda xp: variable._value


def _reassign(prim, variables, tensors, params):
    """Replay an assignment or a ResourceUpdate through ``bind``."""
    if isinstance(prim, ResourceUpdate):
        update_variables(prim, variables, *tensors, **params)
    else:
        (variable,) = variables
        variable._value = bind(prim, variable, *tensors, **params)._value


def _assigner(prim, variables):
    impl = prim.forward
    if isinstance(prim, ResourceUpdate):
        def update(xp, *arrays, **params):
            for variable, value in zip(variables, impl(xp, *[v._value for v in variables], *arrays, **params)):
                variable._value = value

        return update
    (variable,) = variables
    ufunc = {AssignAddVariableOp: "add", AssignSubVariableOp: "subtract"}.get(prim)

    def assign(xp, *arrays, **params):
        if ufunc is not None and variable._owns_its_array():  # copy-on-write, as Variable.assign_sub does
            getattr(xp, ufunc)(variable._value, arrays[0], out=variable._value)
        else:
            variable._value = impl(xp, variable._value, *arrays, **params)

    return assign


def _binding_error(specs, leaves, name):
    for spec, leaf in zip(specs, leaves):
        got = _spec_of(leaf)
        if not spec.is_compatible_with(got):
            break
    else:
        return TypeError(f"Binding inputs to minitf.function {name!r} failed: it takes {len(specs)} tensor(s), "
                         f"got {len(leaves)}.\n  Call it with the same structure of arguments as its signature.")
    return TypeError(
        f"Binding inputs to minitf.function {name!r} failed due to `Can not cast "
        f"{TensorSpec(got.shape, got.dtype, spec.name)!r} to {spec!r}`.\n"
        f"  The input_signature fixes each argument's dtype and shape (None dims match any size): pass a "
        f"{spec.dtype.name} tensor of shape {spec.shape}, or drop input_signature to trace one graph per shape."
    )


# -- polymorphic functions -------------------------------------------------------------------------------------
class Function:
    """A Python function that traces itself once per input signature and replays the graph, as ``tf.function``.

    Create one with ``minitf.function``. Calling it looks up (or traces) the concrete
    function for the arguments' signature and runs its graph.
    """

    def __init__(self, python_function, input_signature=None, reduce_retracing=False, history=None):
        self._python_function = python_function
        self._input_signature = None if input_signature is None else list(input_signature)
        self._reduce_retracing = bool(reduce_retracing)
        self._cache = {}  # signature -> ConcreteFunction
        self._concrete = []  # every trace, oldest first
        self._tracing_count = 0
        self._history = history or _history_for(python_function)
        self._bound = weakref.WeakKeyDictionary()  # instance -> its bound Function (decorated methods)
        self._bound_by_id = {}
        self._attribute = getattr(python_function, "__name__", "function")
        functools.update_wrapper(self, python_function)
        if self._input_signature is not None:
            for spec in nest.flatten(self._input_signature):
                if not isinstance(spec, TensorSpec):
                    raise TypeError(f"Invalid input_signature {self._input_signature!r}; input_signature must be "
                                    "a possibly nested sequence of minitf.TensorSpec objects.")

    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    def experimental_get_tracing_count(self):
        """How many times this function has been traced (one per concrete function)."""
        return self._tracing_count

    def __set_name__(self, owner, name):
        self._attribute = name

    def __get__(self, instance, owner=None):
        """Decorated methods: one ``Function`` per instance, since each has its own variables."""
        if instance is None:
            return self
        cache, key, bind_weakly = self._bound, instance, True
        try:
            bound = cache.get(key)
        except TypeError:  # unhashable or not weak-referenceable: keyed by id, and kept alive so the id stays its own
            cache, key, bind_weakly = self._bound_by_id, id(instance), False
            bound = cache.get(key)
        if bound is None:
            method = (_weak_method if bind_weakly else types.MethodType)(self._python_function, instance)
            bound = cache[key] = Function(method, self._input_signature, self._reduce_retracing, self._history)
            bound._attribute = self._attribute
        return bound

    def __call__(self, *args, **kwargs):
        leaves = []
        if self._input_signature is not None:
            args, kwargs = self._conform(args, kwargs)
        key = _signature(args, leaves), _signature(kwargs, leaves) if kwargs else None
        concrete = self._cache.get(key)
        if concrete is not None:
            self._history.calls.append(False)
            return concrete._call_flat(leaves)
        concrete = self._find_compatible(key, leaves)
        if concrete is not None:
            self._history.calls.append(False)
            return concrete._call_flat(leaves)
        self._history.calls.append(True)
        self._warn_if_retracing_often()
        concrete, result = self._trace(args, kwargs, leaves, key, run=True)
        return result

    def get_concrete_function(self, *args, **kwargs):
        """The concrete function for these arguments (tensors, TensorSpecs, Python values), tracing if needed.

        Tracing here does not run the function for real: variable assignments are undone.
        """
        if self._input_signature is not None and not args and not kwargs:
            args = tuple(self._input_signature)
        elif self._input_signature is not None:
            args, kwargs = self._conform(args, kwargs)
        leaves = []
        key = _signature(args, leaves), _signature(kwargs, leaves) if kwargs else None
        concrete = self._cache.get(key) or self._find_compatible(key, leaves)
        if concrete is None:
            concrete, _ = self._trace(args, kwargs, leaves, key, run=False)
        return concrete

    def _conform(self, args, kwargs):
        """Check the arguments against ``input_signature`` and convert Python values to tensors."""
        if kwargs:
            bound = inspect.signature(self._python_function).bind(*args, **kwargs)
            args, kwargs = bound.args, bound.kwargs
        signature = self._input_signature
        if len(args) != len(signature) or kwargs:
            raise TypeError(f"{self._attribute}() takes {len(signature)} argument(s) matching its input_signature "
                            f"{signature!r}, got {len(args)}.")
        conformed = []
        for arg, spec in zip(args, signature):
            flat_specs = nest.flatten(spec)
            flat_args = nest.flatten(arg) if nest.is_nested(spec) else [arg]
            if len(flat_args) != len(flat_specs):
                raise TypeError(f"Binding inputs to minitf.function failed: {arg!r} does not have the structure of "
                                f"{spec!r}.")
            tensors = []
            for a, s in zip(flat_args, flat_specs):
                if not isinstance(a, TensorSpec):
                    try:
                        a = convert_to_tensor(a, dtype_hint=s.dtype)
                    except (TypeError, ValueError):
                        pass
                    if not isinstance(a, Tensor):
                        raise TypeError(f"Binding inputs to minitf.function {self._attribute!r} failed: {a!r} "
                                        f"cannot be converted to a tensor for {s!r}.")
                    if not s.is_compatible_with(a):
                        raise _binding_error([s], [a], self._attribute)
                tensors.append(a)
            conformed.append(nest.pack_sequence_as(spec, tensors) if nest.is_nested(spec) else tensors[0])
        return tuple(conformed), {}

    def _find_compatible(self, key, leaves):
        """A trace whose ``None`` dims accept these shapes (then remembered under this exact key)."""
        relaxed = self._relaxed_key(key)
        for concrete in reversed(self._concrete):
            if concrete._relaxed_key == relaxed and _fits(concrete._input_specs, leaves):
                self._cache[key] = concrete
                return concrete
        return None

    def _relaxed_key(self, key):
        """The signature with tensor shapes reduced to ranks: traces that may share a graph."""
        def strip(k):
            if isinstance(k, tuple) and len(k) == 2 and isinstance(k[0], tuple) and isinstance(k[1], np.dtype):
                return len(k[0]), k[1]
            if isinstance(k, tuple):
                return tuple(strip(x) for x in k)
            return k
        return strip(key)

    def _input_specs_for(self, key, leaves):
        if self._input_signature is not None:
            return nest.flatten(self._input_signature)
        specs = [_spec_of(x) for x in leaves]
        if self._reduce_retracing:
            relaxed = self._relaxed_key(key)
            for concrete in reversed(self._concrete):
                if concrete._relaxed_key == relaxed:
                    return _relax(specs, concrete._input_specs)
        return specs

    def _trace(self, args, kwargs, leaves, key, run):
        """Run the Python function under a tracer; return the new concrete function and the call's result."""
        specs = self._input_specs_for(key, leaves)
        symbolic = any(isinstance(x, TensorSpec) for x in leaves)
        graph = Graph(getattr(self._python_function, "__name__", "function"))
        tracer = _Tracer(graph, symbolic)
        names = self._input_names(args, kwargs, len(leaves))
        placeholders = []
        for leaf, spec, name in zip(leaves, specs, names):
            if isinstance(leaf, TensorSpec):
                placeholder = _dummy(spec)
            elif recorders:
                placeholder = bind(Identity, leaf)  # so that an outer tape or tracer connects the input
            else:
                placeholder = wrap(leaf._value)
            tracer.input(placeholder, spec, name)
            placeholders.append(placeholder)
        remaining = iter(placeholders)
        traced_args, traced_kwargs = _replace_leaves(args, remaining), _replace_leaves(kwargs, remaining)
        recorders.append(tracer)
        _tracing.append(tracer)
        python_value_hooks.append(tracer.on_python_value)
        try:
            with contextlib.nullcontext() if run else logging_ops.silenced():
                result = self._python_function(*traced_args, **traced_kwargs)
            flat = [_as_output(x) for x in nest.flatten(result)]
        finally:
            recorders.remove(tracer)
            _tracing.remove(tracer)
            python_value_hooks.remove(tracer.on_python_value)
            if not run:
                for variable, value in tracer.initial_values:
                    variable._value = value
        outputs = []
        for leaf in flat:
            if isinstance(leaf, Tensor):
                graph_tensor = tracer.values.get(id(leaf)) or tracer.capture(leaf)
                graph.outputs.append(graph_tensor)
                outputs.append(graph_tensor)
            else:
                outputs.append(leaf)
        graph._prune()
        structure = None if not nest.is_nested(result) else result
        remaining = iter(specs)
        signature = (tuple(_replace_leaves(args, remaining)), _replace_leaves(kwargs, remaining))
        shapes = {t._slot: p._value.shape for t, p in zip(graph.inputs, placeholders)}
        concrete = ConcreteFunction(graph, specs, signature, outputs, structure, shapes)
        concrete._arg_names = self._parameter_names()[:len(args)]
        concrete._relaxed_key = self._relaxed_key(key)
        self._cache[key] = concrete
        self._concrete.append(concrete)
        self._tracing_count += 1
        return concrete, (nest.pack_sequence_as(result, flat) if structure is not None else flat[0])

    def _parameter_names(self):
        try:
            return [p for p in inspect.signature(self._python_function).parameters if not p.startswith("*")]
        except (TypeError, ValueError):
            return []

    def _input_names(self, args, kwargs, count):
        """Placeholder names from the Python parameter names: ``x``, or ``x_0``, ``x_1`` for nested ones."""
        params = self._parameter_names()
        names = []
        for i, arg in enumerate(args):
            base = params[i] if i < len(params) else f"arg{i}"
            names += _leaf_names(arg, base)
        for k in sorted(kwargs):
            names += _leaf_names(kwargs[k], k)
        return names + [f"input_{i}" for i in range(len(names), count)]

    def _warn_if_retracing_often(self):
        history = self._history
        traced = sum(history.calls)
        if traced >= _RETRACE_THRESHOLD and history.warnings < _MAX_WARNINGS:
            history.warnings += 1
            warnings.warn(
                f"{traced} out of the last {len(history.calls)} calls to <function {self._qualname()}> triggered "
                "minitf.function retracing. Tracing is expensive and the excessive number of tracings could be "
                "due to (1) creating @minitf.function repeatedly in a loop, (2) passing tensors with different "
                "shapes, (3) passing Python objects (such as Python ints or floats) instead of tensors. For (1), "
                "please define your @minitf.function outside of the loop. For (2), @minitf.function has the "
                "reduce_retracing=True option, or give an input_signature with None dims, to trace once for "
                "many shapes. For (3), pass tensors (minitf.constant(3)) instead: every new Python value is a "
                "new signature, so a new trace.", stacklevel=3)

    def pretty_printed_concrete_signatures(self):
        """One line per trace: the signatures this function has graphs for."""
        return "\n".join(concrete.pretty_printed_signature() for concrete in self._concrete)

    def _qualname(self):
        function = getattr(self._python_function, "__func__", self._python_function)
        return getattr(function, "__qualname__", repr(function))

    def __repr__(self):
        return f"<minitf.function {self._qualname()}>"


def _leaf_names(value, base):
    leaves = []
    _signature(value, leaves)
    if len(leaves) == 1 and not nest.is_nested(value):
        return [base]
    return [f"{base}_{i}" for i in range(len(leaves))]


def _weak_method(function, instance):
    """``function`` bound to ``instance`` without keeping the instance alive."""
    ref = weakref.ref(instance)

    @functools.wraps(function)
    def method(*args, **kwargs):
        return function(ref(), *args, **kwargs)

    method.__func__ = function
    method.__signature__ = inspect.Signature(list(inspect.signature(function).parameters.values())[1:])
    return method


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
    if experimental_relax_shapes is not None:
        reduce_retracing = experimental_relax_shapes
    if func is None:
        return lambda f: Function(f, input_signature, reduce_retracing)
    return Function(func, input_signature, reduce_retracing)
