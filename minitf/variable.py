"""Variable: a tensor whose value can be replaced with ``assign``, the model's mutable state.

A Variable is a Tensor, so every op accepts it directly. Assignments go through
``bind`` as stateful primitives (``AssignVariableOp``...): each computes the new
array, and the variable swaps it in, so every tensor computed earlier (and every
value a tape recorded) keeps its values. A ``minitf.function`` tracer sees them
like any op, so a traced graph replays them on every call.

One speed trick lives here, and only here: ``assign_add``/``assign_sub`` compute
into the old array when nobody else can see it (see ``Variable._update``).
"""

import sys

from minitf import dtypes
from minitf.errors import InvalidArgumentError, shape_text
from minitf.naming import prefix
from minitf.ops import array_ops, math_ops
from minitf.primitive import Primitive, bind, recorders
from minitf.tensor import Tensor, _numpy_text, constant, convert_to_tensor, wrap


# Stateful primitives: input 0 is the variable's value, the output its new value. Not differentiable.
def _assign(xp, old, value):
    return value


def _assign_add(xp, old, delta, in_place=False):
    if in_place:  # only when nothing else can see ``old`` (Variable._update decides)
        old += delta
        return old
    return old + delta


def _assign_sub(xp, old, delta, in_place=False):
    if in_place:
        old -= delta
        return old
    return old - delta


AssignVariableOp = Primitive("AssignVariableOp", _assign)
AssignAddVariableOp = Primitive("AssignAddVariableOp", _assign_add)
AssignSubVariableOp = Primitive("AssignSubVariableOp", _assign_sub)


def _assign_slice(xp, old, value, key, method):
    new = old.copy()
    new[key] = value if method == "assign" else old[key] + value if method == "assign_add" else old[key] - value
    return new


ResourceStridedSliceAssign = Primitive("ResourceStridedSliceAssign", _assign_slice)


def _scatter_update(xp, old, indices, updates):
    new = old.copy()
    new[tuple(indices[..., i] for i in range(indices.shape[-1]))] = updates
    return new


ResourceScatterNdUpdate = Primitive("ResourceScatterNdUpdate", _scatter_update)
ASSIGN_OPS = (AssignVariableOp, AssignAddVariableOp, AssignSubVariableOp, ResourceStridedSliceAssign,
              ResourceScatterNdUpdate)


# Reading a variable inside a traced graph (d read(v) = dy); eager code reads variables directly.
def _read_variable(xp, x):
    return x


def _read_variable_grad(dy, out, x):
    return dy


ReadVariableOp = Primitive("ReadVariableOp", _read_variable, vjp=(_read_variable_grad,))


# hook(variable, initial_value), called for every new Variable (as TensorFlow's variable_creator_scope sees them):
# a minitf.function trace notes the variables it creates, to refuse one created on every call, and checks the
# initial value (a tensor of the trace given to a variable inside init_scope raises, as in TensorFlow).
creation_hooks = []


class _Holder:
    __slots__ = ("_value",)


def _sole_owner_refcount():
    """What ``sys.getrefcount`` reports for an object held by one attribute (it varies across Pythons)."""
    if not hasattr(sys, "getrefcount"):
        return -1  # no reference counts (PyPy): never update in place
    holder = _Holder()
    holder._value = object()
    return sys.getrefcount(holder._value)


_SOLE_OWNER = _sole_owner_refcount()


class Variable(Tensor):
    """A mutable tensor, as ``tf.Variable``. Trainable variables are watched by tapes automatically.

    >>> import minitf as tf
    >>> v = tf.Variable([[1., 2.], [3., 4.]])
    >>> _ = v[0, 1].assign(9.)
    >>> v.numpy()
    array([[1., 9.],
           [3., 4.]], dtype=float32)
    """

    __slots__ = ("_name", "_trainable", "constraint", "_snapshot")

    def __init__(self, initial_value, trainable=True, name=None, dtype=None, shape=None, constraint=None):
        if callable(initial_value):
            initial_value = initial_value()
        value = constant(initial_value, dtype=dtype) if not isinstance(initial_value, Tensor) else initial_value
        if dtype is not None and value.dtype != dtypes.as_dtype(dtype):
            value = math_ops.cast(value, dtype)
        if shape is not None and not value.shape.is_compatible_with(shape):
            raise ValueError(f"The initial value's shape ({value.shape}) is not compatible with the "
                             f"explicitly supplied `shape` argument ({shape}).")
        self._value = value._value  # arrays are never changed in place, so sharing is safe
        self._name = f"{prefix()}{name or 'Variable'}:0"  # inside minitf.name_scope("dense"): dense/w:0
        self._trainable = bool(trainable)
        self.constraint = constraint
        self._snapshot = None
        for hook in creation_hooks:
            hook(self, value)

    @property
    def name(self):
        return self._name

    @property
    def trainable(self):
        return self._trainable

    def snapshot(self):
        """The current value as a plain Tensor; the same object until the next assignment.

        Tapes record this snapshot instead of the variable, so a later ``assign`` cannot
        change a gradient that was already recorded.
        """
        snap = self._snapshot
        if snap is None or snap._value is not self._value:
            snap = self._snapshot = wrap(self._value)
        return snap

    def value(self):
        """Read the current value as a Tensor (recorded by tapes like any op)."""
        return array_ops.identity(self)

    read_value = value

    def _new_value(self, value, what):
        if not (isinstance(value, Tensor) and value._value.dtype == self._value.dtype):
            value = convert_to_tensor(value, dtype=self.dtype)  # raises for a tensor of another dtype
        if value._value.shape != self._value.shape:
            raise ValueError(
                f"Cannot {what} variable '{self._name}': Shape mismatch. The variable shape {self.shape}, "
                f"and the assigned value shape {value.shape} are incompatible.\n"
                "  A variable's shape is fixed when it is created; reshape the value or create a new Variable."
            )
        return value

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Replace the value (same shape, same dtype) and return the variable."""
        self._value = bind(AssignVariableOp, self, self._new_value(value, "assign value to"))._value
        return self

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        """Add ``delta`` to the value, and return the variable."""
        return self._update(AssignAddVariableOp, self._new_value(delta, "add to"))

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        """Subtract ``delta`` from the value, and return the variable."""
        return self._update(AssignSubVariableOp, self._new_value(delta, "subtract from"))

    def _update(self, prim, delta):
        # Speed, copy-on-write: when no tape or tracer records this op and nothing but this variable (and its
        # own snapshot) holds its array, the op computes into that array instead of allocating a new one:
        # most of an SGD step's time for a large weight (784x512: the MLP step 1.3x slower without it).
        in_place = not recorders and self._owns_its_array()
        self._value = bind(prim, self, delta, in_place=in_place)._value
        return self

    def _owns_its_array(self):
        """True when nothing but this variable and its own snapshot sees its array, and the array owns its memory.

        The snapshot stays valid through an in-place update as long as nobody else holds it: then
        nobody has seen the old values through it, and the next step reuses it.
        """
        array = self._value
        if array.base is not None or not getattr(array.flags, "writeable", True):
            return False  # a view into another tensor's memory, a broadcast, or a NumPy scalar
        del array
        if self._snapshot is None:
            return sys.getrefcount(self._value) == _SOLE_OWNER
        if self._snapshot._value is not self._value:
            self._snapshot = None  # the snapshot of an older value: whoever holds it keeps it
            return sys.getrefcount(self._value) == _SOLE_OWNER
        if sys.getrefcount(self._snapshot) != _SOLE_OWNER:
            return False  # a tape (or other code) holds the snapshot, so it must keep these values
        return sys.getrefcount(self._value) == _SOLE_OWNER + 1  # the variable's reference and the snapshot's

    def scatter_nd_update(self, indices, updates, use_locking=None, name=None):
        """Set the elements at ``indices`` (a list of index tuples) to ``updates``, and return the variable.

        >>> import minitf as tf
        >>> v = tf.Variable([[1., 2., 3.], [4., 5., 6.]])
        >>> v.scatter_nd_update(indices=[[0, 0], [1, 2]], updates=[100., 200.]).numpy().tolist()
        [[100.0, 2.0, 3.0], [4.0, 5.0, 200.0]]
        """
        indices = convert_to_tensor(indices)
        updates = convert_to_tensor(updates, dtype=self.dtype)
        index, shape = indices._value, self._value.shape
        depth = index.shape[-1] if index.ndim else 0
        expected = index.shape[:-1] + shape[depth:]
        if not indices.dtype.is_integer or index.ndim < 1 or depth > len(shape):
            raise InvalidArgumentError(
                f"indices must be integers of shape [..., k] with k <= {len(shape)}, got {indices.dtype.name} "
                f"{shape_text(index.shape)}", "ResourceScatterNdUpdate",
                "Each row of indices names one element (or slice), e.g. [[0, 0], [1, 2]].")
        for row in index.reshape(-1, depth).tolist():
            if any(not 0 <= i < d for i, d in zip(row, shape)):
                raise InvalidArgumentError(f"indices{row} does not index into shape {shape_text(shape)}",
                                           "ResourceScatterNdUpdate")
        if updates._value.shape != expected:
            raise InvalidArgumentError(
                f"updates must have shape {shape_text(expected)} to match indices {shape_text(index.shape)}, "
                f"got {shape_text(updates._value.shape)}", "ResourceScatterNdUpdate")
        self._value = bind(ResourceScatterNdUpdate, self, indices, updates)._value
        return self

    def __getitem__(self, key):
        out = array_ops.strided_slice(self, key)
        out._slice_of = (self, array_ops.normalize_index(key, self._value.shape))
        return out

    def _assign_slice(self, key, value, method):
        """``v[key].assign(value)``: build the new array with the slice replaced (or added to)."""
        value = convert_to_tensor(value, dtype=self.dtype)
        target = self._value[key]
        if value._value.shape != target.shape:
            raise InvalidArgumentError(
                f"sliced l-value shape {shape_text(target.shape)} does not match r-value shape "
                f"{shape_text(value._value.shape)}. Automatic broadcasting not yet implemented.",
                "ResourceStridedSliceAssign",
                f"Give a value of shape {tuple(target.shape)}.",
            )
        self._value = bind(ResourceStridedSliceAssign, self, value, key=key, method=method)._value
        return self

    def __repr__(self):
        return (f"<minitf.Variable '{self._name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={_numpy_text(self, True)}>")

    __str__ = __repr__  # print(v) shows the same as repr(v), as TensorFlow does

