"""``ListWrapper`` and ``DictWrapper``: lists and dicts that restore an item added after ``restore``.

TensorFlow wraps the lists and dicts held by a ``Checkpoint`` or a ``tf.Module`` so that a value a restore
saved for ``blocks/0`` reaches the object appended there later. These do the same: each item is restored
(checked first) as it is added, through ``restore_deferred``, so an item whose saved value does not fit raises
and is not added. ``Checkpoint`` and ``minitf.Module`` wrap the lists and dicts set on them; Keras layers' own
tracked lists and dicts derive from these.
"""

from minitf.train.restore import restore_deferred


class ListWrapper(list):
    """A list whose items, added after ``restore``, get the values saved at their positions as they are added.

    >>> import os, tempfile
    >>> import minitf as tf
    >>> path = tf.train.Checkpoint(vs=[tf.Variable(1.0)]).write(os.path.join(tempfile.mkdtemp(), "c"))
    >>> ckpt = tf.train.Checkpoint(vs=[])
    >>> _ = ckpt.read(path)
    >>> ckpt.vs.append(tf.Variable(0.0))
    >>> ckpt.vs
    ListWrapper([<minitf.Variable 'Variable:0' shape=() dtype=float32, numpy=1.0>])
    """

    def append(self, value):
        restore_deferred(self, str(len(self)), value)
        super().append(value)

    def extend(self, values):
        for value in values:
            self.append(value)

    def __iadd__(self, values):
        self.extend(values)
        return self

    def insert(self, index, value):
        restore_deferred(self, str(len(self[:index])), value)  # the position list.insert puts it at
        super().insert(index, value)

    def __setitem__(self, index, value):
        if isinstance(index, int) and -len(self) <= index < len(self):
            restore_deferred(self, str(index % len(self)), value)
        super().__setitem__(index, value)

    def __repr__(self):
        return f"ListWrapper({list.__repr__(self)})"


class DictWrapper(dict):
    """A dict whose entries, set after ``restore``, get the values saved under their keys as they are set."""

    def __setitem__(self, key, value):
        restore_deferred(self, str(key), value)
        super().__setitem__(key, value)

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def __repr__(self):
        return f"DictWrapper({dict.__repr__(self)})"


def wrap(value, lists=ListWrapper, dicts=DictWrapper):
    """``value`` with its plain lists and dicts (nested ones too) made ``lists``/``dicts`` (Keras passes its own)."""
    if type(value) is list:
        return lists(wrap(item, lists, dicts) for item in value)
    if type(value) is dict:
        return dicts((key, wrap(item, lists, dicts)) for key, item in value.items())
    return value
