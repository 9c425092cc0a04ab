"""Nested structures (lists, tuples, dicts) flattened to lists and rebuilt, as ``tf.nest``.

``GradientTape.gradient`` uses this to accept sources in any nesting and return
gradients in the same nesting. Dicts are flattened in sorted key order.
"""


_NESTS = (list, tuple, dict)


def is_nested(structure):
    return isinstance(structure, _NESTS)


def flatten(structure):
    """Return the leaves of ``structure`` as a flat list.

    >>> flatten({"b": [1, 2], "a": 3})
    [3, 1, 2]
    """
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        for item in structure:
            if isinstance(item, _NESTS):
                return [leaf for item in structure for leaf in flatten(item)]
        return list(structure)  # the common case: a flat list
    return [structure]


def pack_sequence_as(structure, flat):
    """Rebuild ``structure`` with the leaves taken in order from ``flat``."""
    if type(structure) is list or type(structure) is tuple:
        for item in structure:
            if isinstance(item, _NESTS):
                break
        else:
            return type(structure)(flat)  # the common case: a flat list or tuple
    leaves = iter(flat)

    def build(node):
        if isinstance(node, dict):  # leaves are taken in sorted key order, the dict keeps its own order
            built = {key: build(node[key]) for key in sorted(node)}
            return type(node)((key, built[key]) for key in node)
        if isinstance(node, (list, tuple)):
            items = [build(item) for item in node]
            return type(node)(*items) if hasattr(node, "_fields") else type(node)(items)
        return next(leaves)

    return build(structure)


def map_structure(func, *structures):
    """Apply ``func`` to the matching leaves of ``structures`` and rebuild the first's nesting."""
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)])
