"""Restoring a checkpoint: matching saved objects to live ones by path, checking, then assigning.

``Restoration`` walks the saved object graph and the live one together from
the root, edge name by edge name, as TensorFlow does: a saved node is bound to
the live object found under the same name, so a model restores by path, not by
the order of its variables. Every value matched in one step is checked (shape,
dtype) before any is assigned, so a mismatch leaves every variable untouched.
An edge with no live object yet (a Keras layer not built, an optimizer whose
slots come with its first step) is remembered, and restored when the object
appears: Keras layers, ``Checkpoint`` and ``minitf.Module`` call
``restore_deferred`` as they gain an attribute, their lists and dicts as they
gain an item (an empty list is bound then, found where its owner holds it),
optimizers call ``restore_deferred_slot`` as they create a slot.
``CheckpointLoadStatus`` is what ``restore`` returns: which saved values and
live objects were matched.
"""

import collections
import weakref

import numpy as np

from minitf.errors import InvalidArgumentError
from minitf.primitive import recorders
from minitf.train import graph
from minitf.variable import Variable

# Restorations waiting for an object to appear: id(parent) -> (weak reference, {child name: (restoration, node)}),
# and for optimizer slots: id(optimizer) -> (weak reference, {(id(variable), slot name): (restoration, node)}).
_pending = {}
_pending_slots = {}


def _register(table, owner, key, target):
    entry = table.get(id(owner))
    if entry is None or entry[0]() is not owner:
        try:
            key_id = id(owner)
            ref = weakref.ref(owner, lambda _: table.pop(key_id, None))
        except TypeError:
            return  # a plain list or dict cannot say when it gains an item, so it cannot restore later
        entry = table[id(owner)] = (ref, {})
    entry[1][key] = target


def _take(table, owner, key):
    entry = table.get(id(owner))
    if entry is None or entry[0]() is not owner:
        return None
    target = entry[1].pop(key, None)
    if not entry[1]:
        del table[id(owner)]
    return target


def restore_deferred(parent, name, child):
    """Restore ``child``, assigned to ``parent`` as ``name``, if a checkpoint restored earlier waits for it.

    Keras layers, ``minitf.train.Checkpoint`` and ``minitf.Module`` call this when they gain a variable or
    sub-object, and their lists and dicts (``containers.py``) when they gain an item, which is how a
    checkpoint restores into a layer built, or a block appended, after ``restore``.
    """
    if _pending and (graph.is_trackable(child) or isinstance(child, (list, dict))):  # not None, not a number
        if isinstance(parent, (list, dict)) and id(parent) not in _pending:
            _claim(parent)
        target = _take(_pending, parent, name)
        if target is not None:
            _bind(parent, name, target, child)


def _bind(parent, name, target, child):
    """Bind ``child`` to the saved node ``target`` waits for; on a mismatch keep waiting, and raise."""
    try:
        target[0].bind(target[1], child)
    except (ValueError, InvalidArgumentError):
        _register(_pending, parent, name, target)  # still waiting: the next object put there is checked too
        raise


def _claim(container):
    """Bind ``container``, a list or dict gaining an item, if a restore waits for it where its owner holds it.

    A list that held nothing to save was no child in the object graph when ``restore`` walked it, so the
    restore waits under the list's name on its owner (a layer, a module); the list's first item is when
    the list is bound, and the item then finds its own saved value.
    """
    for ref, waiting in list(_pending.values()):
        owner = ref()
        for name, target in list(waiting.items()):
            if (owner is not None and target[0].nodes[target[1]].get("key") is None
                    and graph.held(owner, name) is container):
                _take(_pending, owner, name)
                _bind(owner, name, target, container)
                return


def restore_deferred_slot(optimizer, variable, slot_name, slot):
    """Restore the slot ``slot_name`` of ``variable`` that ``optimizer`` just created, if a checkpoint waits for it."""
    if _pending_slots:
        target = _take(_pending_slots, optimizer, (id(variable), slot_name))
        if target is not None:
            try:
                target[0].bind_slot(target[1], slot)
            except (ValueError, InvalidArgumentError):
                _register(_pending_slots, optimizer, (id(variable), slot_name), target)
                raise


def _assign(variable, array):
    """Give ``variable`` its saved value with ``assign`` (through ``bind``, as every update), seen by no tape or
    traced function, as TensorFlow restores: a layer built (and restored) while a step is traced does not replay it."""
    outer = recorders[:]
    recorders.clear()
    try:
        variable.assign(np.array(array, copy=True))
    finally:
        recorders[:] = outer


class Restoration:
    """One ``read``/``restore``: the saved graph, and which saved nodes are bound to which live objects."""

    def __init__(self, reader):
        self.reader = reader
        self.nodes = reader.nodes
        self.bound = {}  # node id -> live object
        self.restored = set()  # node ids whose value was assigned
        self.slot_entries = [(owner, entry) for owner, node in enumerate(self.nodes)
                             for entry in node.get("slot_variables", ())]
        self.paths = self._node_paths()

    def _node_paths(self):
        """Each node's shortest path of names from the root (slots: their variable's path plus the slot)."""
        paths, queue = {0: ()}, collections.deque([0])
        while queue:
            node = queue.popleft()
            for name, child in self.nodes[node]["children"].items():
                if child not in paths:
                    paths[child] = paths[node] + (name,)
                    queue.append(child)
        for _, entry in self.slot_entries:
            if entry["original"] in paths:
                paths.setdefault(entry["node"], paths[entry["original"]] + (f"<{entry['slot']} slot>",))
        return paths

    def describe(self, node):
        return graph.describe(self.paths.get(node, ("?",)))

    def bind(self, node_id, obj):
        """Bind ``obj`` to saved node ``node_id`` and everything that exists under it; assign all or nothing."""
        new, assignments, deferred = self._match(node_id, obj)
        slot_assignments, waiting_slots = self._match_slots(new)
        assignments += slot_assignments
        arrays = [self._checked(node, variable) for node, variable in assignments]  # raises before any change
        self.bound.update(new)
        for (node, variable), array in zip(assignments, arrays):
            _assign(variable, array)
            self.restored.add(node)
            self.bound.setdefault(node, variable)
        for parent, name, child in deferred:
            _register(_pending, parent, name, (self, child))
        for optimizer, variable, entry in waiting_slots:
            _register(_pending_slots, optimizer, (id(variable), entry["slot"]), (self, entry["node"]))

    def _match(self, node_id, obj):
        """Walk the saved graph from ``node_id`` and the live one from ``obj`` together, edge name by edge name.

        Returns:
            ``(new, assignments, deferred)``: ``{node: object}`` newly matched, the ``(node, variable)`` pairs
            to assign, and the ``(parent, name, node)`` edges with no live object yet.
        """
        new, assignments, deferred = {}, [], []
        queue = collections.deque([(node_id, obj)])
        while queue:
            node, value = queue.popleft()
            if node in self.bound or node in new:
                continue
            new[node] = value
            if self.nodes[node].get("key") is not None:
                if not isinstance(value, Variable):
                    raise ValueError(f"Checkpoint {self.reader.prefix} saved a variable at {self.describe(node)}, "
                                     f"but the object there now is {type(value).__name__}, not a Variable.\n  "
                                     "The program's objects are laid out differently from the saved ones. No "
                                     "variable was changed.")
                assignments.append((node, value))
            live = graph.children(value)
            for name, child in self.nodes[node]["children"].items():
                if name in live:
                    queue.append((child, live[name]))
                else:
                    deferred.append((value, name, child))
        return new, assignments, deferred

    def _match_slots(self, new):
        """The saved slots whose optimizer and variable are both matched now (one of them just now, in ``new``).

        Returns:
            ``(assignments, waiting)``: ``(node, slot variable)`` pairs for slots the optimizer has, and
            ``(optimizer, variable, entry)`` for those it will create on its first step.
        """
        bound = {**self.bound, **new}
        assignments, waiting = [], []
        for owner, entry in self.slot_entries:
            if (owner in new or entry["original"] in new) and owner in bound and entry["original"] in bound:
                optimizer, variable = bound[owner], bound[entry["original"]]
                slot = next((s for v, name, s in graph.slots(optimizer) if v is variable and name == entry["slot"]),
                            None)
                if slot is None:
                    waiting.append((optimizer, variable, entry))
                elif entry["node"] not in self.restored:
                    assignments.append((entry["node"], slot))
        return assignments, waiting

    def bind_slot(self, node, slot):
        """Assign a slot variable its saved value (it was created after ``restore``)."""
        _assign(slot, self._checked(node, slot))
        self.restored.add(node)
        self.bound[node] = slot

    def _checked(self, node, variable):
        """The saved array for ``node``, once it is known to fit ``variable`` (else a clear error)."""
        key = self.nodes[node]["key"]
        array = self.reader.array(key)
        if tuple(array.shape) != tuple(variable.shape):
            raise ValueError(
                f"Received incompatible tensor with shape {tuple(array.shape)} when attempting to restore variable "
                f"with shape {tuple(variable.shape)} and name {key}.\n  The variable at {self.describe(node)} "
                f"('{variable.name}') was saved with another shape: build the model as it was when saved (same "
                "units, same input size). No variable was changed.")
        if array.dtype != variable.dtype.as_numpy_dtype:
            raise InvalidArgumentError(
                f"tensor_name = {key}; expected dtype {variable.dtype.name} does not equal original dtype "
                f"{array.dtype.name}", "RestoreV2",
                f"The variable at {self.describe(node)} ('{variable.name}') is {variable.dtype.name} but was saved "
                f"as {array.dtype.name}: create it with dtype={array.dtype.name}. No variable was changed.")
        return array


def _listed(items, limit=10):
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


class CheckpointLoadStatus:
    """What ``Checkpoint.restore``/``read`` returns: checks of how well the checkpoint matched the program.

    Values are assigned as soon as their object exists; objects created later (a layer built on
    its first call, an optimizer's slots on its first step) are restored when they are created.
    """

    def __init__(self, restoration, root):
        self._restoration = restoration
        self._root = root

    def assert_consumed(self):
        """Check that every saved value found its object and every object in the program found a saved value.

        Raises:
            AssertionError: naming the first saved value (or object) left unmatched, and how many others.
        """
        r = self._restoration
        unresolved = [node for node in range(len(r.nodes))
                      if (node not in r.restored if r.nodes[node].get("key") is not None else node not in r.bound)]
        unresolved.sort(key=lambda node: r.nodes[node].get("key") is None)  # values first: they are what matters
        if unresolved:
            first = unresolved[0]
            key = r.nodes[first].get("key")
            what = f"its value ('{key}') was not restored" if key else "no object of the program matched it"
            others = [r.describe(node) for node in unresolved[1:]]
            raise AssertionError(
                f"Unresolved object in checkpoint {r.describe(first)}: {what}."
                + (f"\n  Also unresolved: {_listed(others)}." if others else "")
                + "\n  Every saved object needs a live one at the same path (an attribute of the same name, a layer "
                  "built, an optimizer that has taken a step). Use status.expect_partial() for a partial restore, or "
                  "assert_existing_objects_matched() to check only the objects that exist now.")
        self.assert_existing_objects_matched()
        return self

    def assert_existing_objects_matched(self):
        """Check that every object of the program that exists now (variables, layers, slots) was restored.

        Saved values with no object yet are not an error here (they may be restored when created).

        Raises:
            AssertionError: naming the objects of the program that the checkpoint has no value for.
        """
        r = self._restoration
        bound = {id(obj) for obj in r.bound.values()}
        bound_paths = {r.paths.get(node) for node in r.bound}  # for containers an object wraps anew on each call
        objects, paths, _ = graph.walk(self._root)
        unused = [graph.describe(paths[id(obj)]) for obj in objects if id(obj) not in bound and (
            isinstance(obj, Variable) or paths[id(obj)] not in bound_paths)]
        walked = {id(obj) for obj in objects}
        for owner in objects:
            for variable, name, slot in graph.slots(owner):
                if id(variable) in walked and id(slot) not in bound:
                    unused.append(f"{graph.describe(paths[id(variable)])} <{name} slot>")
        if unused:
            raise AssertionError(
                "Some Python objects were not bound to checkpointed values, likely due to changes in the Python "
                f"program: {_listed(unused)}.\n  The checkpoint {r.reader.prefix} has no value at "
                "these paths: compare minitf.train.list_variables(path) with your objects' attribute names.")
        return self

    def assert_nontrivial_match(self):
        """Check that something besides the root object was matched.

        Raises:
            AssertionError: nothing in the checkpoint matched the program.
        """
        if len(self._restoration.bound) <= 1:
            keys = sorted(self._restoration.reader.get_variable_to_dtype_map())
            raise AssertionError("Nothing except the root object matched a checkpointed value. Typically this means "
                                 "that the checkpoint does not match the Python program. The following objects have "
                                 f"checkpointed values: {_listed(keys)}.")
        return self

    def expect_partial(self):
        """Say that a partial restore is intended (TensorFlow then logs no warning; minitf logs none anyway)."""
        return self


class InitializationOnlyStatus:
    """What ``restore(None)`` returns: nothing was restored, so every check fails (as in TensorFlow)."""

    _MESSAGE = "No checkpoint specified (save_path=None); nothing is being restored."

    def assert_consumed(self):
        raise AssertionError(self._MESSAGE)

    def assert_existing_objects_matched(self):
        raise AssertionError(self._MESSAGE)

    def assert_nontrivial_match(self):
        raise AssertionError(self._MESSAGE)

    def expect_partial(self):
        return self
