"""The graph a ``minitf.function`` trace builds, and its printout.

A ``Graph`` is a straight-line program: ``Operation`` nodes in execution order, each
reading ``GraphTensor`` values made by earlier ones. ``TensorSpec`` describes an input
(shape and dtype, ``None`` dims match any size); operations traced inside a
``name_scope`` (``naming.py``) are named with its prefix (``dense/MatMul``), as TensorFlow's are.

This module only describes graphs. ``tracer.py`` builds them, ``executor.py`` runs
them, ``function.py`` is the public API.
"""

import sys

import numpy as np

from minitf import backend, dtypes
from minitf.errors import shape_text
from minitf.naming import name_scope, scoped
from minitf.tensor import TensorShape

__all__ = ["Graph", "GraphTensor", "Operation", "TensorSpec", "name_scope"]

class TensorSpec:
    """The shape and dtype a tensor argument must have, as ``tf.TensorSpec``; ``None`` dims match any size.

    >>> import minitf as tf
    >>> spec = tf.TensorSpec([None, 3])
    >>> spec
    TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)
    >>> spec.is_compatible_with(tf.ones([5, 3])), spec.is_compatible_with(tf.ones([5, 4]))
    (True, False)
    """

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self.shape, self.dtype, self.name = TensorShape(shape), dtypes.as_dtype(dtype), name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        """The spec of ``tensor``: its shape and dtype."""
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, spec_or_tensor):
        """True when ``spec_or_tensor`` has this dtype and a shape that fits this one."""
        return spec_or_tensor.dtype == self.dtype and self.shape.is_compatible_with(spec_or_tensor.shape)

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == (
            other.shape, other.dtype, other.name)

    def __hash__(self):
        return hash((self.shape, self.dtype.name, self.name))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


class GraphTensor:
    """A value in a graph: output ``value_index`` of operation ``op`` (TensorFlow's symbolic tensor).

    ``shape`` is the shape seen while tracing, with ``None`` where it follows an unknown dim of the signature.
    ``_slot`` is its place in the executor's list of values.
    """

    __slots__ = ("op", "value_index", "shape", "dtype", "_slot")

    def __init__(self, op, value_index, shape, dtype, slot):
        self.op, self.value_index, self.shape, self.dtype, self._slot = op, value_index, shape, dtype, slot

    @property
    def name(self):
        return f"{self.op.name}:{self.value_index}"

    def __repr__(self):
        return f"<GraphTensor '{self.name}' shape={self.shape} dtype={getattr(self.dtype, 'name', self.dtype)}>"


class Operation:
    """One node of a graph: ``type`` (the primitive's TF name), ``name``, ``inputs``, ``outputs``, ``attrs``.

    ``_kind`` says how the executor runs it: ``Placeholder``, ``Const``, ``VarHandleOp``, ``read``,
    ``assign`` (input 0 is the variable's handle) or ``op``. ``_section`` is ``forward``, ``gradient``
    or ``update`` (see ``Graph.format``).
    """

    __slots__ = ("type", "name", "inputs", "outputs", "attrs", "_kind", "_prim", "_variable", "_value", "_section")

    def __init__(self, kind, type, name, inputs, attrs, prim=None, variable=None, value=None, section="forward"):
        self._kind, self.type, self.name, self.inputs, self.attrs = kind, type, name, list(inputs), attrs
        self._prim, self._variable, self._value, self._section = prim, variable, value, section
        self.outputs = []

    def __repr__(self):
        return f"<Operation '{self.name}' type={self.type}>"


class Graph:
    """The operations of one trace, in execution order, with the graph's inputs and outputs.

    ``print(graph)`` shows it as a small straight-line program.
    """

    def __init__(self, name):
        self.name, self._operations, self._names, self._slots = name, [], {}, 0
        self.inputs, self.outputs = [], []

    def get_operations(self):
        """The operations in execution order, pruned to what outputs, assignments and prints need."""
        return list(self._operations)

    def as_graph_def(self):
        """Not in minitf: TensorFlow's protocol buffer of a graph. ``print(graph)`` shows the operations instead."""
        raise NotImplementedError("Graph.as_graph_def does not exist: minitf has no GraphDef protocol buffers.\n  "
                                  "print(graph) shows the operations as a small program; get_operations() lists them.")

    def get_operation_by_name(self, name):
        for op in self._operations:
            if op.name == name:
                return op
        raise KeyError(f"The name {name!r} refers to an Operation not in the graph.")

    def get_tensor_by_name(self, name):
        """The value called ``name`` (``"MatMul:0"``: output 0 of operation ``MatMul``)."""
        op_name, _, index = name.rpartition(":")
        if not index.isdigit():
            raise ValueError(f"The name {name!r} looks like an (invalid) Operation name, not a Tensor name. "
                             "Tensor names must be of the form \"<op_name>:<output_index>\".")
        return self.get_operation_by_name(op_name).outputs[int(index)]

    def _add(self, kind, type, inputs, attrs=None, out=None, name=None, **extra):
        """Append an operation with a unique name; ``out`` is ``(shape, dtype)`` of its one output, if any."""
        name = name or scoped(type)
        count = self._names[name] = self._names.get(name, -1) + 1
        op = Operation(kind, type, name if count == 0 else f"{name}_{count}", inputs, attrs or {}, **extra)
        if out is not None:
            op.outputs.append(GraphTensor(op, 0, TensorShape(out[0]), out[1], self._slots))
            self._slots += 1
        self._operations.append(op)
        return op

    def _prune(self):
        """Drop operations that neither an output, a variable assignment, a ``minitf.print`` nor a guard depends on."""
        needed, kept = {t._slot for t in self.outputs}, []
        for op in reversed(self._operations):
            if op._kind in ("Placeholder", "assign") or op.type in ("PrintV2", "ValueGuard") or any(
                    t._slot in needed for t in op.outputs):
                kept.append(op)
                needed.update(t._slot for t in op.inputs)
        self._operations = kept[::-1]

    def format(self, sections=False):
        """The graph as a small program, one line per operation: ``name = Type(inputs, attrs)  # dtype[shape]``.

        With ``sections=True`` (a learner's view of a training step): comment lines mark the forward
        pass, the gradient and the variable updates, attributes that are off (``False``, ``None``) are
        hidden, and a legend explains the gradient-only operations that appear.
        """
        lines = [f"def {self.name}(" + ", ".join(f"{t.op.name}: {type_text(t)}" for t in self.inputs) + "):"]
        section = None
        for op in self._operations:
            if sections and op._kind != "Placeholder" and op._section != section:
                section = op._section
                lines.append(f"    # -- {_SECTIONS[section]}")
            if op._kind != "Placeholder":
                lines.append(_op_line(op, sections))
        lines.append("    return " + (", ".join(t.op.name for t in self.outputs) or "None"))
        used = sorted({op.type for op in self._operations if op._section == "gradient"} & _LEGEND.keys())
        if sections and used:
            lines += ["", "Gradient operations:"] + [f"  {name}: {_LEGEND[name]}" for name in used]
        return "\n".join(lines)

    __str__ = format


_SECTIONS = {"forward": "forward pass", "gradient": "gradient (the tape's backward pass)",
             "update": "variable updates"}
_LEGEND = {
    "OnesLike": "the seed of the backward pass: d loss / d loss = 1, shaped like the loss",
    "ReluGrad": "dy where relu's output was > 0, else 0 (the gradient of Relu)",
    "TanhGrad": "dy * (1 - tanh(x)**2), computed from tanh's output (the gradient of Tanh)",
    "MeanGrad": "dy / n spread back over the n averaged elements (the gradient of Mean)",
    "SumLike": "sums a gradient over the dims that broadcasting added, back to its input's shape",
    "BroadcastLike": "spreads a gradient back to the shape of the input that was reduced",
    "ReshapeLike": "gives a gradient back its input's shape",
    "StridedSliceGrad": "puts a slice's gradient back in place in zeros of the input's shape",
    "UnsortedSegmentSum": "adds gathered rows' gradients back into the rows they came from",
    "SparseSoftmaxCrossEntropyWithLogitsGrad": "softmax(logits) - one_hot(labels), times dy",
}


def _op_line(op, sections):
    if op._kind == "VarHandleOp":
        call = f"VarHandleOp(variable={getattr(op._variable, 'path', op._variable.name)!r})"  # a Keras weight's path
    elif op._kind == "Const":
        value = np.asarray(backend.to_numpy(op._value))
        call = f"Const(value={value.reshape(())[()]!s})" if value.size == 1 else "Const(...)"  # 0.1, not 0.100000001
    else:
        attrs = [f"{k}={_attr_text(v)}" for k, v in op.attrs.items()  # in_place: how it runs, not what it computes
                 if k != "in_place" and not (sections and (v is False or v is None))]
        call = f"{op.type}({', '.join([t.op.name for t in op.inputs] + attrs)})"
    return f"{f'    {op.name} = {call}':<64} # {type_text(op.outputs[0])}" if op.outputs else f"    {call}"


def type_text(tensor):
    """``float32[None,784]``: the dtype and shape of a graph value or a TensorSpec (``resource`` for a handle)."""
    if isinstance(tensor.dtype, str):
        return tensor.dtype
    shape = "[...]" if tensor.shape.rank is None else shape_text(tensor.shape).replace("?", "None")  # any rank: [...]
    return tensor.dtype.name + shape


def _attr_text(value):
    if isinstance(value, dtypes.DType):
        return value.name
    if isinstance(value, slice):
        start, stop = ("" if p is None else p for p in (value.start, value.stop))
        return f"{start}:{stop}" + ("" if value.step is None else f":{value.step}")
    if isinstance(value, tuple):
        return "(" + ", ".join(_attr_text(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if callable(value):  # py_function's func: its name, not its address
        return getattr(value, "__qualname__", type(value).__name__)
    streams = {id(sys.stdout): "sys.stdout", id(sys.__stdout__): "sys.stdout", id(sys.stderr): "sys.stderr",
               id(sys.__stderr__): "sys.stderr"}  # no address in printouts
    return streams.get(id(value), repr(value))
