"""The object graph a checkpoint saves: objects, the named edges between them, and optimizer slots.

A checkpoint saves each variable under its path through the objects that hold
it, as TensorFlow does, not under ``variable.name``: from the ``Checkpoint``'s
keyword arguments down through ``_checkpoint_children()``, an ordered
``{name: child}`` that Keras layers, models and optimizers (and
``minitf.Module``) provide. This module walks that graph. Lists and tuples are
walked here (items named ``"0"``, ``"1"``...), so are dicts (items named by
their keys), and a ``Variable`` is a leaf. An object that keeps optimizer slots
lists them with ``_checkpoint_slots()``: ``(variable, slot name, slot
variable)`` triples, saved under the variable they belong to. Nothing here
knows Keras: objects are recognised by those two methods.
"""

import collections

from minitf.variable import Variable

ATTRIBUTES = ".ATTRIBUTES/VARIABLE_VALUE"
SLOTS = ".OPTIMIZER_SLOT"
OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


def is_trackable(value):
    """Whether a checkpoint can hold ``value``: a Variable, an object with ``_checkpoint_children``, or a
    list, tuple or dict holding at least one of those."""
    if isinstance(value, Variable) or hasattr(type(value), "_checkpoint_children"):
        return True
    if isinstance(value, (list, tuple)):
        return any(is_trackable(item) for item in value)
    if isinstance(value, dict):
        return any(is_trackable(item) for item in value.values())
    return False


def children(value):
    """The named children of ``value``, in order: its ``_checkpoint_children()``, or the items of a container."""
    if isinstance(value, Variable):
        return {}
    method = getattr(type(value), "_checkpoint_children", None)
    if method is not None:
        return dict(method(value))
    if isinstance(value, (list, tuple)):
        return {str(i): item for i, item in enumerate(value) if is_trackable(item)}
    if isinstance(value, dict):
        return {str(key): item for key, item in value.items() if is_trackable(item)}
    return {}


def held(owner, name):
    """What ``owner`` holds under the child name ``name`` (an attribute, a list position, a dict key), or None.

    Unlike ``children``, this finds an empty list too: a restore looks for one that waits for its first item.
    """
    if isinstance(owner, (list, tuple)):
        return owner[int(name)] if name.isdigit() and int(name) < len(owner) else None
    if isinstance(owner, dict):
        return next((value for key, value in owner.items() if str(key) == name), None)
    return getattr(owner, "__dict__", {}).get(name)


def slots(value):
    """The ``(variable, slot name, slot variable)`` triples an optimizer keeps (none for other objects)."""
    method = getattr(type(value), "_checkpoint_slots", None)
    return list(method(value)) if method is not None else []


def escape(name):
    """A child's name as one segment of a key: ``.`` becomes ``..`` and ``/`` becomes ``.S`` (TensorFlow's escape)."""
    return name.replace(".", "..").replace("/", ".S")


def walk(root):
    """Every object under ``root``, breadth first, each once, with the shortest path of names that reaches it.

    Returns:
        ``(objects, paths, edges)``: the objects in the order found (``root`` first), ``{id(object): names}``,
        and ``{id(object): its children}`` (asked once: an object may wrap its lists anew on each call).
    """
    objects, paths, edges = [root], {id(root): ()}, {}
    queue = collections.deque([root])
    while queue:
        parent = queue.popleft()
        edges[id(parent)] = children(parent)
        for name, child in edges[id(parent)].items():
            if id(child) not in paths:
                paths[id(child)] = paths[id(parent)] + (name,)
                objects.append(child)
                queue.append(child)
    return objects, paths, edges


def variable_key(path):
    """The key a variable reached through ``path`` (a tuple of names) is saved under."""
    return "/".join([escape(name) for name in path] + [ATTRIBUTES])


def slot_key(variable_path, optimizer_path, slot_name):
    """The key of an optimizer slot: under its variable's path, then the optimizer's (as TensorFlow names it)."""
    names = [escape(n) for n in variable_path] + [SLOTS] + [escape(n) for n in optimizer_path] + [escape(slot_name)]
    return "/".join(names + [ATTRIBUTES])


def describe(path):
    """A path as TensorFlow's messages print it: ``(root).net.l1.kernel``."""
    return ".".join(("(root)",) + tuple(path))


def serialize(root):
    """The object graph under ``root`` as JSON-able nodes, and the values of its variables by key.

    Node 0 is ``root``. A node lists its children as ``{name: node id}`` (an object reached twice is one
    node with two edges), the ``key`` of its value for a variable, and for an optimizer the
    ``slot_variables`` it holds: ``{"original": node id, "slot": name, "node": node id}``.
    """
    objects, paths, edges = walk(root)
    ids = {id(obj): i for i, obj in enumerate(objects)}
    nodes, values = [], {}
    for obj in objects:
        node = {"children": {name: ids[id(child)] for name, child in edges[id(obj)].items()}}
        if isinstance(obj, Variable):
            node["key"] = variable_key(paths[id(obj)])
            values[node["key"]] = obj
        nodes.append(node)
    for owner in list(objects):
        for variable, slot_name, slot in slots(owner):
            if id(variable) not in ids:
                continue  # a slot of a variable this checkpoint does not save
            key = slot_key(paths[id(variable)], paths[id(owner)], slot_name)
            nodes.append({"children": {}, "key": key})
            values[key] = slot
            nodes[ids[id(owner)]].setdefault("slot_variables", []).append(
                {"original": ids[id(variable)], "slot": slot_name, "node": len(nodes) - 1})
    return nodes, values
