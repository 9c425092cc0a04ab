"""Name scopes: the prefix (``outer/inner/``) that ``minitf.name_scope`` gives the names made inside it.

Two kinds of names get it, as in TensorFlow: a new variable's (``dense/w:0``, read by
``variable.py``) and an operation's that a ``minitf.function`` traces (``dense/MatMul``, read by
``graph.py``). A ``minitf.Module`` opens its own scope with ``module.name_scope``. This module only
keeps the open scopes; it knows nothing of variables, and of graphs only the names the one being
traced has used (a scope opened twice there is named ``dense``, then ``dense_1``).
"""

from minitf.primitive import recorders

__all__ = ["name_scope", "name_scopes", "scoped"]

name_scopes = []  # the open name scopes, innermost last, each as a full prefix ("outer/inner/")


class name_scope:
    """A context manager that prefixes ``name/`` to the names made inside it, as ``tf.name_scope``.

    Variables created inside the block are named ``name/w:0``, and the operations a
    ``minitf.function`` traces inside it ``name/MatMul``; eager ops have no names. Scopes nest
    (``outer/inner/``); a name ending in ``/`` is absolute (it replaces the open scopes: this is
    how a ``Module`` reopens its own scope anywhere), and ``""`` goes back to the top. ``with``
    gives the full prefix. In a traced function a scope opened again gets a new name, as in a
    TensorFlow graph (``dense_1/MatMul``); eagerly it keeps its name (``dense/w:0`` twice).

    >>> import minitf as tf
    >>> with tf.name_scope("outer"):
    ...     with tf.name_scope("inner") as scope:
    ...         v = tf.Variable(1.0, name="w")
    >>> scope, v.name
    ('outer/inner/', 'outer/inner/w:0')
    >>> @tf.function
    ... def f(x):
    ...     with tf.name_scope("dense"):
    ...         return x * 2.0
    >>> [op.name for op in f.get_concrete_function(tf.constant(1.0)).graph.get_operations()]
    ['x', 'dense/Const', 'dense/Mul']
    >>> @tf.function
    ... def g(x):
    ...     with tf.name_scope("dense"):
    ...         x = x * 2.0
    ...     with tf.name_scope("dense"):
    ...         return x * 3.0
    >>> [op.name for op in g.get_concrete_function(tf.constant(1.0)).graph.get_operations()][2:]
    ['dense/Mul', 'dense_1/Const', 'dense_1/Mul']

    Raises:
        ValueError: ``name`` is not a string.
    """

    def __init__(self, name):
        if not isinstance(name, str):
            raise ValueError(f"name for name_scope must be a string. Received: {name!r} of type "
                             f"{type(name).__name__}.\n  Pass the scope's name as a str, e.g. "
                             "minitf.name_scope(\"dense\").")
        self._name = name

    @property
    def name(self):
        """The name given (``"dense"``; a module's scope holds its full prefix, ``"my_module/"``)."""
        return self._name

    def __enter__(self):
        name, outer = self._name, prefix()
        scope = "" if not name else name if name.endswith("/") else f"{_unique(outer + name)}/"
        name_scopes.append(scope)
        return scope

    def __exit__(self, *exc_info):
        name_scopes.pop()
        return False

    def __repr__(self):
        return f"<minitf.name_scope {self._name!r}>"


def _unique(scope):
    """In a graph being traced, the scope name made unique (``dense``, then ``dense_1``), as in TensorFlow."""
    graph = next((r.graph for r in reversed(recorders) if getattr(r, "builds_graph", False)), None)  # the tracer's
    if graph is None:  # eager code, or an init_scope block: names are not unique
        return scope
    count = graph._names[scope] = graph._names.get(scope, -1) + 1  # names shared with the graph's operations
    return f"{scope}_{count}" if count else scope


def prefix():
    """The innermost open scope's prefix (``"outer/inner/"``), or ``""`` outside any scope."""
    return name_scopes[-1] if name_scopes else ""


def scoped(name):
    """``name`` inside the open name scopes (``dense/MatMul``)."""
    return f"{name_scopes[-1]}{name}" if name_scopes else name
