"""What of TensorFlow and Keras minitf leaves out, each answering with one clear error.

minitf keeps to dense tensors of numbers and booleans, and to the book's first chapters.
Code written for TensorFlow that reaches for string, sparse or ragged tensors, tensor
arrays, sets, queues, image ops, ``tf.data``, SavedModel, ``tf.types``, or Keras's
convolution and pooling layers gets a ``NotImplementedError`` that names what it asked
for and what to do instead, not an ``AttributeError`` that reads like a typo. This
module holds only those stand-ins.

>>> import minitf as tf
>>> tf.strings.lower("ABC")
Traceback (most recent call last):
  ...
NotImplementedError: minitf.strings.lower does not exist: minitf has no string tensors (TensorFlow has tf.strings).
  minitf keeps to dense tensors of numbers and booleans; work on Python str values ...
"""

_DENSE = "store the values densely, zeros elsewhere (Variable.scatter_nd_update writes values at given indices)"
_SCOPE = "minitf covers what the book's first chapters and TensorFlow's low-level guides use"
# What each left-out feature is, what to do instead and (if not dense tensors) why; the key is its name in TensorFlow.
MISSING = {
    "strings": ("string tensors", "work on Python str values (str.lower(), str.split()...) before making tensors"),
    "sparse": ("sparse tensors", _DENSE),
    "SparseTensor": ("sparse tensors", _DENSE),
    "ragged": ("ragged tensors", "pad the rows to one length and keep a mask, or keep a Python list of tensors"),
    "RaggedTensor": ("ragged tensors", "pad the rows to one length and keep a mask, or keep a Python list of tensors"),
    "TensorArray": ("TensorArray", "append tensors to a Python list and minitf.stack them (inside minitf.function "
                                   "loops unroll, so a list works there too)"),
    "sets": ("set operations", "use Python sets, or minitf.equal with reduce_any for membership tests"),
    "queue": ("queues", "use a Python collections.deque, or keras's data utilities to feed batches"),
    "image": ("image operations", "prepare images as NumPy arrays (slicing crops, x[:, ::-1] flips) before making "
                                  "tensors", _SCOPE),
    "data": ("input pipelines (tf.data.Dataset)", "pass NumPy arrays to Model.fit, which batches and shuffles them, "
                                                   "or slice batches in a Python loop", _SCOPE),
    "saved_model": ("SavedModel export", "save a Keras model with model.save('name.keras') or its weights with "
                                         "model.save_weights, and variables with minitf.train.Checkpoint", _SCOPE),
    "compat": ("TensorFlow 1 compatibility API (sessions, Estimators, global steps)",
               "write TensorFlow 2 code: eager ops, minitf.function, and a Variable for a step counter", _SCOPE),
    "io": ("file and byte-string operations", "read files with Python's open() or numpy.load and make "
                                                      "tensors from the arrays; save variables with "
                                                      "minitf.train.Checkpoint", _SCOPE),
    "summary": ("TensorBoard summaries", "print values (minitf.print inside minitf.function) and a traced function's "
                                         "graph (print(f.get_concrete_function(x).graph))", _SCOPE),
    "profiler": ("profiler", "time calls with Python's timeit or time.perf_counter", _SCOPE),
    "autograph": ("AutoGraph", "use minitf.where to choose per element, and pass Python values for choices made "
                               "once per trace (a Python if on a tensor is decided while tracing)",
                  "minitf.function traces Python as it runs, without rewriting its code"),
    "types": ("tracing protocol (tf.types.experimental.TraceType)", "give minitf.function tensors, or hashable "
                                                                    "Python values (each new value traces anew)",
              "minitf.function's signature is built from tensors' shapes and dtypes and Python values only"),
}


def unsupported_error(name, attribute=None):
    """The ``NotImplementedError`` for using ``minitf.<name>`` (or ``minitf.<name>.<attribute>``)."""
    what, instead, *why = MISSING[name]
    used = f"minitf.{name}" + (f".{attribute}" if attribute else "")
    why = why[0] if why else "minitf keeps to dense tensors of numbers and booleans"
    return NotImplementedError(f"{used} does not exist: minitf has no {what} (TensorFlow has tf.{name}).\n"
                               f"  {why}; {instead}.")


class UnsupportedNamespace:
    """Stands for a TensorFlow namespace minitf lacks (``minitf.strings``): any public name raises."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attribute):
        if attribute.startswith("_"):  # Python's and tools' own probes (__wrapped__, _ipython_...) stay AttributeError
            raise AttributeError(attribute)
        raise unsupported_error(self._name, attribute)

    def __repr__(self):
        return f"<minitf.{self._name}: not in minitf ({MISSING[self._name][0]})>"


class _UnsupportedType(type):
    """The stand-in classes' type: a class attribute (``RaggedTensor.from_row_splits``) raises as making one does."""

    def __getattr__(cls, attribute):
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        raise unsupported_error(cls.__name__, attribute)


class _Unsupported(metaclass=_UnsupportedType):
    """Base of the stand-in classes: making one raises (``isinstance`` checks still work and say False)."""

    def __new__(cls, *args, **kwargs):
        raise unsupported_error(cls.__name__)


class TensorArray(_Unsupported):
    """TensorFlow's growable list of tensors; not in minitf (use a Python list and ``minitf.stack``)."""


class SparseTensor(_Unsupported):
    """TensorFlow's sparse tensor; not in minitf (store the values densely)."""


class RaggedTensor(_Unsupported):
    """TensorFlow's tensor with rows of different lengths; not in minitf (pad the rows)."""


strings = UnsupportedNamespace("strings")
sparse = UnsupportedNamespace("sparse")
ragged = UnsupportedNamespace("ragged")
sets = UnsupportedNamespace("sets")
queue = UnsupportedNamespace("queue")
image = UnsupportedNamespace("image")
data = UnsupportedNamespace("data")
saved_model = UnsupportedNamespace("saved_model")
types = UnsupportedNamespace("types")
autograph = UnsupportedNamespace("autograph")
summary = UnsupportedNamespace("summary")
io = UnsupportedNamespace("io")
compat = UnsupportedNamespace("compat")
profiler = UnsupportedNamespace("profiler")


# Keras's convnet layers: asking keras.layers for one raises ``later_layer_error``.
LATER_LAYERS = ("Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
                "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
                "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
                "AveragePooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
                "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "UpSampling1D", "UpSampling2D",
                "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D")


def later_layer_error(name):
    """The ``NotImplementedError`` for ``keras.layers.<name>``, a convnet layer: the book's later chapters."""
    kind = "pooling" if "Pooling" in name else "convolution" if "Conv" in name else "image"
    return NotImplementedError(
        f"keras.layers.{name} does not exist in minitf: {kind} layers belong to convnets, which the book teaches "
        "in a later chapter (Deep Learning with Python, chapter 8) than minitf covers.\n  For now flatten each "
        "image into a vector (keras.layers.Flatten()) and use keras.layers.Dense layers.")
