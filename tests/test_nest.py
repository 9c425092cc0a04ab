"""minitf.nest: flatten and rebuild nested structures as tf.nest does."""

from collections import namedtuple

from minitf import nest


def test_flatten_sorts_dict_keys_and_recurses():
    assert nest.flatten({"b": [1, 2], "a": (3, {"z": 4, "y": 5})}) == [3, 5, 4, 1, 2]
    assert nest.flatten(7) == [7] and nest.flatten([1, 2]) == [1, 2]


def test_pack_keeps_the_structure_and_the_dicts_own_key_order():
    packed = nest.pack_sequence_as({"b": 1, "a": 2}, [10, 20])
    assert list(packed) == ["b", "a"] and packed == {"a": 10, "b": 20}
    Point = namedtuple("Point", "x y")
    assert nest.pack_sequence_as([Point(1, 2), (3,)], [5, 6, 7]) == [Point(5, 6), (7,)]


def test_map_structure():
    assert nest.map_structure(lambda a, b: a + b, {"x": [1, 2]}, {"x": [10, 20]}) == {"x": [11, 22]}
