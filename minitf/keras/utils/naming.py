"""Keras 3's names for the variables Keras creates: ``name`` the weight's own, ``path`` where it lives.

A layer's weight is named ``"kernel"`` and its path is ``"dense/kernel"``; built inside a model it is
``"sequential/dense/kernel"``; an optimizer's slot is ``"adam/dense_kernel_momentum"``. ``scope`` is the
stack of layers (and optimizers) being built or called right now, outermost first, as Keras 3's name
scopes are: it gives a new weight the first part of its path. A plain ``minitf.Variable`` keeps
TensorFlow's ``"w:0"`` name and has no path; Keras's are ``KerasVariable``s.
"""

import contextlib

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


def weight_path(owner, name):
    """``"outer/owner/name"``: the layers being built or called around ``owner`` (a layer or an optimizer), then it.

    >>> class Owner:
    ...     name = "dense"
    >>> weight_path(Owner(), "kernel")
    'dense/kernel'
    """
    names = [outer.name for outer in scope if outer is not owner]
    return "/".join(names + [owner.name, name])


class KerasVariable(Variable):
    """A Variable Keras created (a layer's weight, an optimizer's state), as Keras 3's ``keras.Variable``.

    Its ``name`` is its own (``"kernel"``) and its ``path`` says where it lives (``"dense/kernel"``). It is
    a ``minitf.Variable`` in every other way (a plain one has no ``path``, as ``tf.Variable`` has none).

    >>> v = KerasVariable([1.0, 2.0], "kernel", "dense/kernel")
    >>> v.name, v.path
    ('kernel', 'dense/kernel')
    >>> v
    <Variable path=dense/kernel, shape=(2,), dtype=float32, value=[1. 2.]>
    """

    __slots__ = ("_path",)

    def __init__(self, initial_value, name, path, **kwargs):
        super().__init__(initial_value, name=name, **kwargs)
        self._name, self._path = name, path

    @property
    def path(self):
        return self._path

    def __repr__(self):
        return f"<Variable path={self._path}, shape={tuple(self.shape)}, dtype={self.dtype.name}, value={self.numpy()}>"

    __str__ = __repr__
