"""The tracer: run a Python function once while recording every op ``bind`` runs into a ``Graph``.

``trace`` puts a ``Tracer`` among ``bind``'s recorders (beside any gradient tape) and calls
the function on placeholder tensors. Tensors from outside become captured constants;
variables are captured by reference and read (``ReadVariableOp``) when the graph runs.
Traced tensors refuse NumPy (``np.exp(x)``, ``x.numpy()``), as TensorFlow's do: their
value would be baked into the graph. A trace from TensorSpecs runs on made-up values
(*symbolic* tensors), which also refuse Python ``if``/``for`` and ``float()``. When the trace
is over, the tensors it made that the function did not return are *leaked*: kept in a list or
an attribute, they raise when used, as TensorFlow's do (``_LeakedTensor``).

The signature helpers at the end say which graph a call can reuse. This module does not
run graphs (``executor.py``) nor hold the cache of traces (``function.py``).
"""

import contextlib
import functools
import warnings

import numpy as np

from minitf import backend, nest
from minitf.errors import InvalidArgumentError
from minitf.graph import Graph, GraphTensor, TensorSpec
from minitf.ops import logging_ops, random_ops
from minitf.ops.array_ops import Identity
from minitf.primitive import Primitive, bind, recorders
from minitf.tape import GradientTape, gradient_hooks
from minitf.tensor import Tensor, TensorShape, convert_to_tensor, python_value_hooks, wrap
from minitf.variable import ASSIGN_OPS, ReadVariableOp, Variable, creation_hooks

_UNKNOWN_DIM_SIZE = 2  # the size a trace from TensorSpecs gives None dims (not 1: it would hide broadcasting)
_tracing = []  # the tracers now recording, innermost last

__all__ = ["OperatorNotAllowedInGraphError", "Tracer", "trace"]


class OperatorNotAllowedInGraphError(TypeError):
    """A symbolic tensor (traced from TensorSpecs, so without values) was used as a Python value."""


def _graph_name(tensor):
    for tracer in reversed(_tracing):
        value = tracer.values.get(id(tensor))
        if value is not None:
            return tracer.graph.name, value
    return "function", None


class _TracedTensor(Tensor):
    """A tensor being traced: its value is the tracing call's, so NumPy must not read it (TensorFlow raises too)."""

    __slots__ = ()

    def _no_numpy(self, error, first_line):
        graph, value = _graph_name(self)
        raise error(first_line.format(value.name if value is not None else "a traced tensor") + f"\n  minitf.function "
                    f"is tracing '{graph}': NumPy would run once, on this call's values, and every later call would "
                    "replay its result as a constant.\n  Use the minitf op instead (minitf.exp(x) for np.exp(x), "
                    "minitf.reduce_sum(x) for np.sum(x)), or call the Python function without minitf.function.")

    def numpy(self):
        self._no_numpy(AttributeError, "'SymbolicTensor' object has no attribute 'numpy' ({}).")

    def __array__(self, dtype=None, copy=None):
        self._no_numpy(NotImplementedError, "Cannot convert a symbolic minitf.Tensor ({}) to a numpy array. This error "
                       "may indicate that you're trying to pass a Tensor to a NumPy call, which is not supported.")


class _SymbolicTensor(_TracedTensor):
    """A tensor of a trace from TensorSpecs: its values are made up, so Python must not read them at all."""

    __slots__ = ()

    def _refuse(self, what, *args):
        raise OperatorNotAllowedInGraphError(
            f"Using a symbolic minitf.Tensor {what} is not allowed: AutoGraph is not available in minitf.\n  This "
            "function is being traced from TensorSpecs, so the tensor has no value yet, and minitf has no AutoGraph "
            "to turn Python `if`/`for`/`while` on tensors into graph ops.\n  Use minitf.where(cond, x, y) to choose "
            "per element, pass the value as a Python argument (one trace per value), or call the function with real "
            "tensors: Python control flow then runs once, at trace time, on that call's values.")

    __bool__ = functools.partialmethod(_refuse, "as a Python bool")
    __iter__ = functools.partialmethod(_refuse, "in a Python loop (iterating over it)")
    __len__ = functools.partialmethod(_refuse, "in len()")
    _scalar = functools.partialmethod(_refuse, "as a Python number")

    def __format__(self, format_spec):
        return repr(self)

    @property
    def shape(self):
        """The signature's shape for an input (``None`` where unknown), else the shape while tracing."""
        value = _graph_name(self)[1]
        return value.shape if value is not None else TensorShape(self._value.shape)

    def __repr__(self):
        """As TensorFlow prints a graph tensor: its name, shape and dtype."""
        value = _graph_name(self)[1]
        name = "" if value is None else f'"{value.name}", '
        return f"Tensor({name}shape={self.shape}, dtype={self.dtype.name})"

    __str__ = __repr__


class _LeakedTensor(Tensor):
    """A tensor computed while tracing and kept past the trace (in a list, a global, an attribute), as TensorFlow's.

    It stood for a value inside the graph, so it has none outside: using it raises. Its array
    slot holds ``(GraphTensor, graph name)`` instead, for its name, shape and dtype.
    """

    __slots__ = ()

    def _leak(self, first_line, error=TypeError):
        graph_tensor, graph = Tensor._value.__get__(self)
        raise error(f"{first_line}\n  {self!r} was computed while minitf.function traced '{graph}' and kept outside "
                    "the function (in a list, a global or an attribute): it has no value outside that trace. Return "
                    "it from the function instead, and use the returned value.")

    @property
    def _value(self):
        """Every op reads ``_value``: for a leaked tensor that raises TensorFlow's TypeError."""
        self._leak(f"{self!r} is out of scope and cannot be used here. Use return values, explicit Python locals or "
                   "TensorFlow collections to access it." if _tracing else
                   'An op outside of the function building code is being passed a "Graph" tensor.')

    def numpy(self):
        self._leak("'SymbolicTensor' object has no attribute 'numpy'", AttributeError)

    def __array__(self, dtype=None, copy=None):
        self._leak(f"Cannot convert a symbolic minitf.Tensor ({self.name}) to a numpy array.", NotImplementedError)

    name = property(lambda self: Tensor._value.__get__(self)[0].name)
    shape = property(lambda self: Tensor._value.__get__(self)[0].shape)
    dtype = property(lambda self: Tensor._value.__get__(self)[0].dtype)

    def __repr__(self):
        return f"<minitf.Tensor '{self.name}' shape={self.shape} dtype={self.dtype.name}>"

    __str__ = __repr__


# ValueGuard(x): x unchanged, after checking that x holds the value Python read from it while tracing
def _value_guard(xp, x, expected):
    if x.item() != expected:
        raise InvalidArgumentError(
            f"Python read this tensor as {expected!r} when minitf.function traced the function (in an `if`, a "
            f"`range`...); now it is {x.item()!r}", "ValueGuard",
            "minitf has no AutoGraph: the graph replays what Python did while tracing (the branch taken, the "
            "loop count).\nChoose per element with minitf.where(cond, x, y), pass the value as a Python argument "
            "(one trace per value), or run the function eagerly.")
    return x


ValueGuard = Primitive("ValueGuard", _value_guard)


class Tracer:
    """A recorder (beside any tape in ``recorders``) that writes every op ``bind`` runs into ``graph``.

    Each operation gets a section for the printout: ops that a tape records (and those before
    them) are the *forward* pass; those that run after them, up to a ``tape.gradient`` call's end,
    the *gradient*; the ops after the last gradient, the *update*.
    """

    builds_graph = True  # py_function becomes one op in a graph (script_ops)

    def __init__(self, graph, symbolic):
        self.graph, self.symbolic = graph, symbolic
        self.values = {}  # id(tensor) -> GraphTensor
        self.keep = []  # every tensor seen, so that ids stay unique while tracing
        self.handles = {}  # id(variable) -> its VarHandleOp output
        self.initial_values = []  # (variable, its array when first seen): undone after a trace that is no call
        self.created = []  # variables created while tracing
        self.warned = self.differentiated = False
        self.returned = set()  # ids of the tensors the function returned

    def _add(self, kind, type, inputs, out=None, traced=None, **extra):
        """Add an operation to the graph; ``traced`` is the tensor its output stands for."""
        section = "forward" if any(isinstance(r, GradientTape) for r in recorders) else "pending"
        op = self.graph._add(kind, type, inputs, out=out, section=section, **extra)
        if traced is not None:
            self.values[id(traced)] = op.outputs[0]
            self.keep.append(traced)
        return op

    def input(self, tensor, spec, name):
        """Make ``tensor`` the graph input (a Placeholder) called ``name``."""
        self.graph.inputs += self._add("Placeholder", "Placeholder", [], (spec.shape, spec.dtype), tensor,
                                       name=name).outputs
        if tensor.__class__ is Tensor:
            tensor.__class__ = _TracedTensor

    def handle(self, variable):
        """The graph's reference to ``variable`` (captured by reference, read when the graph runs)."""
        if id(variable) not in self.handles:
            self.initial_values.append((variable, variable._value))
            name = getattr(variable, "path", None) or variable.name.rsplit(":", 1)[0]  # Keras: tiny/hidden/kernel
            self.handles[id(variable)] = self._add("VarHandleOp", "VarHandleOp", [], ((), "resource"),
                                                   name=name, variable=variable).outputs[0]
        return self.handles[id(variable)]

    def read(self, variable, out=None):
        """The variable's current value in the graph: one ReadVariableOp per value it takes."""
        snap = variable.snapshot()  # the same object until the next assignment, so reads are shared
        if id(snap) not in self.values:
            self._add("read", "ReadVariableOp", [self.handle(variable)], (variable.shape, variable.dtype), snap,
                      variable=variable)
        if out is not None:
            self.values[id(out)] = self.values[id(snap)]
            self.keep.append(out)
        return self.values[id(snap)]

    def capture(self, tensor):
        """A tensor from outside the graph: a constant (a Variable is read instead)."""
        if isinstance(tensor, Variable):
            return self.read(tensor)
        return self._add("Const", "Const", [], (tensor.shape, tensor.dtype), tensor, value=tensor._value).outputs[0]

    def record(self, prim, args, params, out):
        """Called by ``bind`` for every op while tracing."""
        if prim is ReadVariableOp and isinstance(args[0], Variable):  # a replayed graph reading a variable
            self.read(args[0], out)
            return
        if prim in ASSIGN_OPS:  # input 0: the variable assigned to
            inputs = [self.handle(args[0])] + [self.values.get(id(a)) or self.capture(a) for a in args[1:]]
            self._add("assign", prim.name, inputs, attrs=params, prim=prim, variable=args[0])
            return
        inputs = [self.values.get(id(a)) or self.capture(a) for a in args]
        self._add("op", prim.name, inputs, (out._value.shape, out.dtype), out, attrs=params, prim=prim)
        symbolic = self.symbolic and any(a.__class__ is _SymbolicTensor for a in args)
        out.__class__ = _SymbolicTensor if symbolic else _TracedTensor

    def on_gradient(self, tape, targets, sources, results):
        """At the end of each ``tape.gradient``: what ran outside tapes since the forward pass computed the gradient."""
        first = next((i for i, op in enumerate(self.graph._operations) if op._section == "forward"), None)
        for i, op in enumerate(self.graph._operations):
            if op._section == "pending":  # before any forward op: preparing the inputs, so forward too
                op._section = "forward" if first is None or i < first else "gradient"
        self.differentiated = True

    def on_python_value(self, tensor, what, stacklevel):
        """Warn (once per trace) when Python reads a traced tensor's value: it is fixed at trace time.

        A value read as a bool or an int (an ``if``, a ``range``) is also checked each time the graph runs.
        """
        if id(tensor) in self.values and "float" not in what and tensor._value.size == 1:
            bind(ValueGuard, tensor, expected=tensor._value.item())
        if not self.warned and id(tensor) in self.values:
            self.warned = True
            warnings.warn(
                f"minitf.function is tracing '{self.graph.name}' and a traced tensor is used {what}. minitf has no "
                "AutoGraph: the value is read now, from this call's inputs, and every later call with the same "
                "signature replays the result (a bool or an int is checked: another value raises).\n  Use "
                "minitf.where(cond, x, y) to choose per element, or pass the value as a Python argument (one trace "
                "per value).",
                UserWarning, stacklevel=stacklevel)

    def on_created(self, variable, initial_value):
        """Note a variable created while tracing; a function's later traces may create none (TensorFlow's rule).

        Its initial value may be a tensor of this trace (computed once, as TensorFlow lifts it), but not inside
        ``init_scope`` (outside the trace: TensorFlow raises) nor one made up from TensorSpecs.
        """
        if self.created is None:
            raise singleton_error(self.graph.name, variable)
        if isinstance(initial_value, _SymbolicTensor if self in recorders else _TracedTensor):
            raise initializer_error(initial_value, self.graph.name if self in recorders else None)
        self.created.append(variable)

    @contextlib.contextmanager
    def recording(self, run):
        """Record the block; a trace that is no call (``run=False``) prints nothing and undoes assignments."""
        hooks = ((recorders, self), (_tracing, self), (python_value_hooks, self.on_python_value),
                 (gradient_hooks, self.on_gradient), (creation_hooks, self.on_created))
        for hook_list, hook in hooks:
            hook_list.append(hook)
        try:
            with contextlib.nullcontext() if run else logging_ops.silenced():
                yield self
        except BaseException:
            run = False  # a failed trace leaves every variable as it was: TensorFlow runs nothing while tracing
            raise
        finally:
            for hook_list, hook in hooks:
                hook_list.remove(hook)
            for op in self.graph._operations:
                op._section = ("update" if self.differentiated else "forward") if op._section == "pending" \
                    else op._section
            for variable, value in [] if run else self.initial_values:
                variable._value = value
            taped = any(isinstance(r, GradientTape) for r in recorders)  # an outer tape still needs the tensors
            for tensor in [] if _tracing else self.keep:  # the outermost trace is over: returned tensors are plain
                if isinstance(tensor, _TracedTensor) and not (taped or id(tensor) in self.returned):  # others leak
                    Tensor._value.__set__(tensor, (self.values[id(tensor)], self.graph.name))
                    tensor.__class__ = _LeakedTensor
                elif tensor.__class__ is _TracedTensor:
                    tensor.__class__ = Tensor


def singleton_error(function_name, variable):
    """TensorFlow's error for a traced function that creates a variable on more than its first trace."""
    return ValueError(
        "minitf.function only supports singleton minitf.Variables created on the first call. Make sure the "
        "minitf.Variable is only created once or created outside minitf.function.\n  "
        f"'{function_name}' creates {variable.name!r} each time it is traced: create it outside the "
        "function, or once (in __init__ or build(), or guarded by `if self.v is None:`).")


def initializer_error(tensor, symbolic_trace):
    """TensorFlow's error for a variable whose initial value is a tensor of the trace, where it cannot be used."""
    why = (f"'{symbolic_trace}' is traced from TensorSpecs, so it is made up: create the variable from values, outside "
           "the function, or on a call with real tensors" if symbolic_trace else "init_scope runs its block outside "
           "the trace, once: compute the initial value inside that block, or pass a function (minitf.Variable(lambda: "
           "...))")
    return ValueError(
        "Tensor-typed variable initializers must either be wrapped in an init_scope or callable (e.g., "
        "`minitf.Variable(lambda : minitf.random.truncated_normal([10, 40]))`) when building functions. Please file a "
        f"feature request if this restriction inconveniences you.\n  The initial value {_graph_name(tensor)[1].name!r} "
        f"was computed by the traced function; {why}.")


def trace(python_function, args, kwargs, leaves, specs, names, run, may_create=True):
    """Trace ``python_function(*args, **kwargs)``, whose tensors are ``leaves``, into a new graph.

    Returns the tracer, holding the ``graph``, the ``outputs`` (per leaf of the result: a graph tensor, or a
    Python value returned as is), the call's ``result`` and each input's traced shape. ``may_create=False`` (a
    function's later traces) refuses new variables.
    """
    tracer = Tracer(Graph(getattr(python_function, "__name__", "function")),
                    any(isinstance(x, TensorSpec) for x in leaves))
    if not may_create:
        tracer.created = None  # a function's later traces: creating a variable raises at once (on_created)
    placeholders = []
    for leaf, spec, name in zip(leaves, specs, names):
        if isinstance(leaf, TensorSpec):
            placeholder = _dummy(spec)
        else:  # through Identity when recorded, so that an outer tape or tracer connects the input
            placeholder = bind(Identity, leaf) if recorders else wrap(leaf._value)
        tracer.input(placeholder, spec, name)
        placeholders.append(placeholder)
    tracer.shapes = {t._slot: p._value.shape for t, p in zip(tracer.graph.inputs, placeholders)}
    with tracer.recording(run):
        remaining = iter(placeholders)
        result = python_function(*replace_leaves(args, remaining), **replace_leaves(kwargs, remaining))
        flat = [_as_output(x) for x in nest.flatten(result)]
        tracer.returned = {id(x) for x in flat}
        tracer.outputs = [tracer.values.get(id(x)) or tracer.capture(x) if isinstance(x, Tensor) else x for x in flat]
    tracer.graph.outputs = [t for t in tracer.outputs if isinstance(t, GraphTensor)]
    tracer.graph._prune()
    tracer.result = nest.pack_sequence_as(result, flat) if nest.is_nested(result) else flat[0]
    tracer.structure = result if nest.is_nested(result) else None
    return tracer


def _dummy(spec):
    """Made-up values for a trace from a TensorSpec: ones (zeros for ints and bools, valid as indices).

    An unknown rank is traced as rank 1.
    """
    shape = tuple(_UNKNOWN_DIM_SIZE if d is None else d for d in ([None] if spec.shape.rank is None else spec.shape))
    tensor = wrap(backend.xp.full(shape, 1 if spec.dtype.is_floating else 0, dtype=spec.dtype._np))
    tensor.__class__ = _SymbolicTensor
    return tensor


def _as_output(value):
    """Outputs are tensors, as in TensorFlow: a variable is read, a Python or NumPy number becomes a constant."""
    if isinstance(value, Variable):
        return bind(ReadVariableOp, value)
    if isinstance(value, (bool, int, float, np.generic, np.ndarray)):
        return convert_to_tensor(value)
    return value  # None, strings and other objects come back as they are


@contextlib.contextmanager
def state_undone(variables):
    """Run the block unseen by tapes and tracers, then give ``variables`` and the random generator their state back."""
    saved, outer = [(v, v._value) for v in variables], recorders[:]
    rng, calls = random_ops._state["rng"], dict(random_ops._state["calls"])
    rng_state = rng.bit_generator.state
    recorders.clear()
    try:
        yield
    finally:
        recorders[:] = outer
        for variable, value in saved:
            variable._value = value
        rng.bit_generator.state, random_ops._state["calls"] = rng_state, calls


# -- signatures: which trace a call can reuse -----------------------------------------------------------
def signature(value, leaves):
    """The cache key of one argument: shapes and dtypes of tensors, values of Python objects.

    Appends the argument's tensors (its graph inputs) to ``leaves``.
    """
    cls = value.__class__
    if cls is Tensor:
        leaves.append(value)
        return value._value.shape, value._value.dtype
    if cls is tuple or cls is list:
        return cls, tuple([signature(v, leaves) for v in value])
    if cls is dict:
        return dict, tuple([(k, signature(value[k], leaves)) for k in sorted(value)])
    if isinstance(value, Variable):
        return Variable, id(value)  # captured by reference: the concrete function keeps it alive
    if isinstance(value, (Tensor, np.ndarray)):
        leaves.append(convert_to_tensor(value))
        return leaves[-1]._value.shape, leaves[-1]._value.dtype
    if isinstance(value, TensorSpec):
        leaves.append(value)
        return value.shape._dims, value.dtype._np
    if isinstance(value, tuple):  # namedtuples
        return cls, tuple([signature(v, leaves) for v in value])
    try:
        hash(value)
    except TypeError:
        return "id", id(value)
    return cls, value


def relaxed(key):
    """The signature with tensor shapes reduced to ranks: traces that may share a graph."""
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], tuple) and isinstance(key[1], np.dtype):
        return len(key[0]), key[1]
    return tuple(relaxed(k) for k in key) if isinstance(key, tuple) else key


def replace_leaves(value, new_leaves):
    """``value`` with its tensor (and TensorSpec) leaves replaced, in ``signature``'s order."""
    flat = [next(new_leaves) if isinstance(x, (Tensor, np.ndarray, TensorSpec)) and not isinstance(x, Variable)
            else x for x in nest.flatten(value)]
    return nest.pack_sequence_as(value, flat) if nest.is_nested(value) else flat[0]


def spec_of(leaf):
    return leaf if isinstance(leaf, TensorSpec) else TensorSpec(leaf._value.shape, leaf.dtype)


def fits(specs, leaves):
    """True when a graph traced for ``specs`` can run these tensors (or serve these TensorSpecs)."""
    return len(specs) == len(leaves) and all(spec.is_compatible_with(leaf) and not (
        isinstance(leaf, TensorSpec) and spec.shape.rank is not None and (leaf.shape.rank is None or any(
            a is not None and b is None for a, b in zip(spec.shape, leaf.shape)))) for spec, leaf in zip(specs, leaves))


def leaf_names(value, base):
    """Placeholder names for one argument: ``x``, or ``x_0``, ``x_1``... for its nested tensors."""
    leaves = []
    signature(value, leaves)
    return [base] if len(leaves) == 1 and not nest.is_nested(value) else [f"{base}_{i}" for i in range(len(leaves))]


