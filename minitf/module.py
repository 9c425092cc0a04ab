"""``minitf.Module``: an object that finds its variables and sub-modules in its attributes, as ``tf.Module``.

A module keeps no registry: ``variables``, ``trainable_variables``, ``non_trainable_variables`` and
``submodules`` walk the module's attributes when asked (looking inside lists, tuples and dicts), so a
variable assigned, appended to a list or replaced is seen at once. The walk is TensorFlow's: the
module's own attributes in order of their names, then each sub-module found, in that order, the same
way; an object is listed once however many paths lead to it. As in TensorFlow, a list or dict assigned
to a module is stored as a ``ListWrapper``/``DictWrapper``, whose items added after a checkpoint's restore
get their saved values; minitf's is a copy (TensorFlow's shares the list), so change it through the attribute.

A module also has a ``name`` and a ``name_scope``: variables created inside ``with module.name_scope:``
(or inside a method decorated with ``Module.with_name_scope``) are named ``module_name/w:0``.

``_checkpoint_children`` is the contract ``minitf.train.Checkpoint`` walks objects through.

As in TensorFlow 2.21 with Keras 3, Keras layers and models are not modules: a module does not list a
Keras layer held in an attribute among its ``submodules``, nor the layer's weights among its
``variables`` (train with ``layer.trainable_variables``), though a checkpoint of the module saves them.
This file does not hold ``minitf.name_scope`` (``naming.py``) nor ``minitf.init_scope`` (``lifting.py``).
"""

import functools
import re

from minitf.naming import name_scope
from minitf.train.containers import wrap
from minitf.train.restore import restore_deferred
from minitf.variable import Variable

__all__ = ["Module"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=.)(?=[A-Z][a-z])")


def _snake_case(class_name):
    """``MyModule`` -> ``my_module``, ``MLPBlock`` -> ``mlp_block``: TensorFlow's default module names."""
    return _WORD_START.sub("_", class_name).lower()


def _is_variable(value):
    return isinstance(value, Variable)


def _is_trainable_variable(value):
    return isinstance(value, Variable) and value.trainable


def _is_non_trainable_variable(value):
    return isinstance(value, Variable) and not value.trainable


def _is_module(value):
    return isinstance(value, Module)


def _sorted_keys(mapping):
    """A dict's keys sorted, as ``minitf.nest`` flattens them (insertion order if they cannot be compared)."""
    try:
        return sorted(mapping)
    except TypeError:
        return list(mapping)


def _leaves_with_paths(value, path=()):
    """``(path, leaf)`` for each leaf of ``value``, looking inside lists, tuples and dicts (keys sorted)."""
    if isinstance(value, dict):
        for key in _sorted_keys(value):
            yield from _leaves_with_paths(value[key], path + (key,))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _leaves_with_paths(item, path + (index,))
    else:
        yield path, value


def _flatten_module(module, recursive, predicate, key, ignored, with_path, path, seen, stack):
    """Yield what ``predicate`` accepts in ``module``'s attributes, then in each sub-module, depth first.

    ``seen`` (ids) lists each object once; with paths, every path is given and only a cycle back to a
    module being walked (``stack``) stops the walk.
    """
    attributes = vars(module)
    submodules = []
    recursive = recursive and id(module) not in stack
    for name in sorted(attributes, key=key):
        if name in ignored:
            continue
        for leaf_path, leaf in _leaves_with_paths(attributes[name], (name,)):
            if not with_path:
                if id(leaf) in seen:
                    continue
                seen.add(id(leaf))
            if predicate(leaf):
                yield (path + leaf_path, leaf) if with_path else leaf
            if recursive and isinstance(leaf, Module):
                submodules.append((path + leaf_path, leaf))
    stack.append(id(module))
    for sub_path, submodule in submodules:
        yield from _flatten_module(submodule, recursive, predicate, key, ignored, with_path, sub_path, seen, stack)
    stack.pop()


def _is_trackable(value):
    """What a checkpoint holds: a variable, an object that names its own children, or a container of them."""
    if isinstance(value, (list, tuple)):
        return any(_is_trackable(item) for item in value)
    if isinstance(value, dict):
        return any(_is_trackable(item) for item in value.values())
    return isinstance(value, Variable) or (not isinstance(value, type) and hasattr(type(value), "_checkpoint_children"))


class Module:
    """A named container of variables and sub-modules, found through its attributes, as ``tf.Module``.

    >>> import minitf as tf
    >>> class Dense(tf.Module):
    ...     def __init__(self, in_features, out_features, name=None):
    ...         super().__init__(name=name)
    ...         with self.name_scope:
    ...             self.w = tf.Variable(tf.ones([in_features, out_features]), name="w")
    ...             self.b = tf.Variable(tf.zeros([out_features]), name="b")
    ...     def __call__(self, x):
    ...         return tf.matmul(x, self.w) + self.b
    >>> class MLP(tf.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.layers = [Dense(3, 2), Dense(2, 1)]
    >>> mlp = MLP()
    >>> mlp.name, [v.name for v in mlp.variables]
    ('mlp', ['dense/b:0', 'dense/w:0', 'dense/b:0', 'dense/w:0'])
    >>> len(mlp.submodules), len(mlp.trainable_variables)
    (2, 4)

    Args:
        name: the module's name, a Python identifier; by default the class name in snake case
            (``MyModule`` -> ``my_module``). It opens ``name_scope`` inside the name scope open at
            construction (``outer/my_module/``).

    Raises:
        ValueError: ``name`` is not a valid Python identifier.
    """

    # Attributes never walked (TensorFlow's name, so that subclasses written for it keep working).
    _TF_MODULE_IGNORED_PROPERTIES = frozenset()

    def __init__(self, name=None):
        if name is None:
            name = _snake_case(type(self).__name__)
        elif not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid Python identifiers "
                             "(e.g. a valid class name).\n  Use letters, digits and underscores, not starting with "
                             "a digit: 'dense_1', not 'dense-1' or 'model/dense'.")
        self._name = name
        with name_scope(name) as scope:
            self._name_scope = name_scope(scope)  # the full prefix, so that it reopens the same scope anywhere

    def __setattr__(self, name, value):
        value = wrap(value)  # as in TensorFlow: a list's items added after a restore get their saved values
        object.__setattr__(self, name, value)
        restore_deferred(self, name, value)  # a checkpoint read before this attribute existed fills it now

    def _initialized(self):
        if "_name_scope" not in vars(self):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '_name': its __init__ did not "
                                 "call Module.__init__.\n  Start the subclass's __init__ with "
                                 "super().__init__(name=name).")
        return self

    @property
    def name(self):
        """The module's name (``my_module``), given at construction or made from the class name."""
        return self._initialized()._name

    @property
    def name_scope(self):
        """A ``minitf.name_scope`` for this module: variables created inside it are named ``my_module/w:0``."""
        return self._initialized()._name_scope

    @property
    def variables(self):
        """Every variable of this module and its sub-modules, as a tuple: its own (by attribute name) first."""
        return tuple(self._flatten(predicate=_is_variable, expand_composites=True))

    @property
    def trainable_variables(self):
        """The variables with ``trainable=True`` of this module and its sub-modules, in ``variables``' order."""
        return tuple(self._flatten(predicate=_is_trainable_variable, expand_composites=True))

    @property
    def non_trainable_variables(self):
        """The variables with ``trainable=False`` of this module and its sub-modules, in ``variables``' order."""
        return tuple(self._flatten(predicate=_is_non_trainable_variable, expand_composites=True))

    @property
    def submodules(self):
        """Every module under this one (not itself), as a tuple: its own attributes' first, then theirs.

        >>> import minitf as tf
        >>> a, b, c = tf.Module(name="a"), tf.Module(name="b"), tf.Module(name="c")
        >>> a.b, b.c = b, c
        >>> [m.name for m in a.submodules]
        ['b', 'c']
        """
        return tuple(self._flatten(predicate=_is_module))

    def _flatten(self, recursive=True, predicate=None, attribute_traversal_key=None, with_path=False,
                 expand_composites=False):
        """Yield every object in this module's attributes (and its sub-modules') that ``predicate`` accepts.

        Attributes are walked in sorted order (``attribute_traversal_key`` changes it), looking into
        lists, tuples and dicts; the sub-modules found are walked after the module's own attributes,
        in the order found (TensorFlow's ``_flatten_module``). Each object is yielded once; with
        ``with_path=True`` it is yielded with each path to it, e.g. ``(("layers", 0, "w"), w)``.
        ``expand_composites`` is accepted for TensorFlow's signature (minitf has no composite tensors).
        """
        ignored = self._TF_MODULE_IGNORED_PROPERTIES
        return _flatten_module(self, recursive, predicate or (lambda value: True), attribute_traversal_key,
                               ignored, with_path, (), {id(self)}, [])

    def _checkpoint_children(self):
        """This module's direct trackable children, ``{attribute name: child}``, for ``minitf.train.Checkpoint``.

        The contract every object a checkpoint walks keeps (modules; Keras layers, models and
        optimizers): a checkpoint reaches every variable through these dicts, and saves it under the
        names on the way (``model/layers/0/w``), not under ``variable.name``.

        - Keys are attribute names, in the order the attributes were first set.
        - A child is a ``Variable`` (a leaf: its value is saved), an object with its own
          ``_checkpoint_children()`` (walked in turn), or a list, tuple or dict holding at least one
          of those, at any depth, returned as it is: the checkpoint walks it, naming a list's or
          tuple's items by position (``"0"``, ``"1"``...) and a dict's by key, and leaving out
          items that are not trackable (the others keep their positions: ``[3, w]`` gives ``"1"``).
        - Attributes holding nothing trackable (numbers, strings, tensors, functions, other
          objects, empty lists) are left out.
        - The same object may be reached by two paths; the checkpoint saves it once.

        >>> import minitf as tf
        >>> m = tf.Module()
        >>> m.scale, m.layers, m.steps = tf.Variable(2.0), [tf.Module(), 3], 3
        >>> list(m._checkpoint_children())
        ['scale', 'layers']
        """
        ignored = self._TF_MODULE_IGNORED_PROPERTIES
        return {name: value for name, value in vars(self).items() if name not in ignored and _is_trackable(value)}

    @classmethod
    def with_name_scope(cls, method):
        """Decorate a method so that it runs inside the module's ``name_scope``, as ``tf.Module.with_name_scope``.

        >>> import minitf as tf
        >>> class Scale(tf.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.w = None
        ...     @tf.Module.with_name_scope
        ...     def __call__(self, x):
        ...         if self.w is None:
        ...             self.w = tf.Variable(2.0, name="w")
        ...         return x * self.w
        >>> scale = Scale()
        >>> float(scale(tf.constant(3.0))), scale.w.name
        (6.0, 'scale/w:0')
        """

        @functools.wraps(method)
        def method_with_name_scope(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)

        return method_with_name_scope
