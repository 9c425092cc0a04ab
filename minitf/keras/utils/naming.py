"""Keras 3's names for the variables Keras creates: ``name`` the weight's own, ``path`` where it lives.

A layer's weight is named ``"kernel"`` and its path is ``"dense/kernel"``; built inside a model it is
``"sequential/dense/kernel"``; an optimizer's slot is ``"adam/dense_kernel_momentum"``; a metric's state
``"precision/true_positives"``. ``scope`` is the stack of layers (and optimizers) being built or called
right now, outermost first, as Keras 3's name scopes are: it gives a new weight the first part of its
path. A plain ``minitf.Variable`` keeps TensorFlow's ``"w:0"`` name and has no path; Keras's are
``KerasVariable``s, the class exported as ``keras.Variable``.
"""

import contextlib

from minitf import dtypes
from minitf.keras import backend, initializers
from minitf.lifting import init_scope
from minitf.variable import Variable

scope = []


@contextlib.contextmanager
def inside(owner):
    """Build or call layers as parts of ``owner``: their weights' paths start with its name (``sequential/...``)."""
    scope.append(owner)
    try:
        yield
    finally:
        scope.pop()


def weight_path(owner, name, owner_name=None):
    """``"outer/owner/name"``: the layers being built or called around ``owner`` (a layer, an optimizer, a metric),
    then ``owner_name`` (the owner's name by default).

    >>> class Owner:
    ...     name = "dense"
    >>> weight_path(Owner(), "kernel")
    'dense/kernel'
    """
    names = [outer.name for outer in scope if outer is not owner]
    return "/".join(names + [owner_name or owner.name, name])


class KerasVariable(Variable):
    """Keras 3's ``keras.Variable``: Keras's weights and states, and yours (``keras.Variable(initializer, shape)``).

    ``initializer`` is a value (a list, a NumPy array, a tensor) or an initializer (an object, a name such as
    ``"zeros"``, or a function of ``shape`` and ``dtype``) called with ``shape``, outside any traced function and
    tape (TensorFlow lifts a variable's initializer out of a ``tf.function`` too). Its ``name`` is its own
    (``"kernel"``), its ``path`` says where it lives (``"dense/kernel"``): the layers being built around it, then
    its name. ``value`` is a property, as in Keras 3. It is a ``minitf.Variable`` in every other way (a plain
    one has no ``path``, as ``tf.Variable`` has none).

    >>> v = KerasVariable([1.0, 2.0], name="kernel", path="dense/kernel")
    >>> v.name, v.path
    ('kernel', 'dense/kernel')
    >>> v
    <Variable path=dense/kernel, shape=(2,), dtype=float32, value=[1. 2.]>
    >>> KerasVariable("ones", shape=(2, 2), name="w").value.numpy().tolist()
    [[1.0, 1.0], [1.0, 1.0]]

    Raises:
        ValueError: ``name`` is not a string or holds a ``/``; an initializer is given without ``shape``.
    """

    __slots__ = ("_path",)

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None, *, path=None,
                 constraint=None):
        name = name or backend.unique_name("variable")  # Keras 3: variable, variable_1...
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"Argument `name` must be a string and cannot contain character `/`. Received: "
                             f"name={name}\n  The path gives the '/'s (dense/kernel): name the variable itself, "
                             "e.g. name=\"kernel\".")
        if isinstance(initializer, str):
            initializer = initializers.get(initializer)
        if callable(initializer):
            if shape is None:
                raise ValueError(f"When creating a Variable from an initializer, the `shape` argument should be "
                                 f"specified. Received: initializer={initializer} and shape={shape}\n  Pass the "
                                 "shape, e.g. keras.Variable(initializer=\"zeros\", shape=(3, 2)).")
            dtype, shape = dtypes.as_dtype(dtype or backend.floatx()), tuple(shape)
            with init_scope():  # once, eagerly, even when a traced function builds the layer
                initializer = initializer(shape, dtype=dtype)
        super().__init__(initializer, trainable=trainable, name=name, dtype=dtype, shape=shape, constraint=constraint)
        self._name = name
        self._path = path or "/".join([outer.name for outer in scope] + [name])

    @property
    def path(self):
        """Where the variable lives: the layers (or optimizer) it was created in, then its name."""
        return self._path

    @property
    def value(self):
        """The current value as a tensor (a property in Keras 3; ``read_value()`` is the method)."""
        return self.read_value()

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)

    def __repr__(self):
        return f"<Variable path={self._path}, shape={tuple(self.shape)}, dtype={self.dtype.name}, value={self.numpy()}>"

    __str__ = __repr__
