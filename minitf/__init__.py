"""minitf: a small, readable TensorFlow look-alike for learning how deep learning frameworks work.

Use it as you would TensorFlow: ``import minitf as tf``. The engine is a few
modules you can read in an evening, bottom to top:

    backend.py    NumPy or CuPy, seen by ops only as ``xp``
    dtypes.py     minitf.float32 and friends
    tensor.py     Tensor, TensorShape, constant, convert_to_tensor
    primitive.py  Primitive and bind(): the one door every op goes through
    ops/          the primitives with their gradient rules, and ops built from them
    variable.py   Variable: mutable state
    tape.py       GradientTape: records ops and runs their gradient rules backwards
    function.py   minitf.function: traces Python into a graph of primitives and replays it
"""

import warnings as _warnings

from minitf import backend as _backend  # noqa: F401 - selects the backend (MINITF_BACKEND) first
from minitf import config, dtypes, errors, linalg, math, nest, nn, random, train  # noqa: F401
from minitf.device import device  # noqa: F401
from minitf.dtypes import (  # noqa: F401
    DType,
    as_dtype,
    bool,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    uint8,
)
from minitf.explain import explain_gradient  # noqa: F401 - minitf only (MINITF_EXPLAIN=1 turns explain mode on)
from minitf.function import TensorSpec, function, name_scope  # noqa: F401
from minitf.lifting import init_scope  # noqa: F401
from minitf.module import Module  # noqa: F401
from minitf.ops.array_ops import (  # noqa: F401
    broadcast_to,
    concat,
    expand_dims,
    eye,
    fill,
    gather,
    identity,
    linspace,
    one_hot,
    ones,
    range,
    rank,
    reshape,
    shape,
    size,
    squeeze,
    stack,
    stop_gradient,
    transpose,
    unstack,
    zeros,
)
from minitf.ops.control_flow_ops import while_loop  # noqa: F401
from minitf.ops.linalg_ops import einsum, matmul  # noqa: F401
from minitf.ops.logging_ops import print  # noqa: F401 - tf.print: prints when the op runs
from minitf.ops.manip_ops import (  # noqa: F401
    boolean_mask,
    gather_nd,
    pad,
    repeat,
    split,
    tensor_scatter_nd_update,
    tile,
)
from minitf.ops.math_ops import (  # noqa: F401
    abs,
    add,
    add_n,
    cast,
    clip_by_value,
    divide,
    equal,
    exp,
    greater,
    greater_equal,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    ones_like,
    pow,
    sigmoid,
    sign,
    sqrt,
    square,
    subtract,
    tanh,
    truediv,
    where,
    zeros_like,
)
from minitf.ops.nn_ops import softmax  # noqa: F401
from minitf.ops.reduction_ops import (  # noqa: F401
    argmax,
    argmin,
    clip_by_norm,
    norm,
    reduce_all,
    reduce_any,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_std,
    reduce_sum,
    reduce_variance,
)
from minitf.ops.script_ops import py_function  # noqa: F401
from minitf.ops.sort_ops import argsort, cumsum, sort  # noqa: F401
from minitf.ops.trig_ops import cos, sin, tan  # noqa: F401
from minitf.tape import GradientTape, UnconnectedGradients, custom_gradient  # noqa: F401
from minitf.tensor import Tensor, TensorShape, constant, convert_to_tensor, is_tensor  # noqa: F401
from minitf.unsupported import (  # noqa: F401
    RaggedTensor,
    SparseTensor,
    TensorArray,
    autograph,
    compat,
    data,
    image,
    io,
    profiler,
    queue,
    ragged,
    saved_model,
    sets,
    sparse,
    strings,
    summary,
    types,
)
from minitf.variable import Variable  # noqa: F401

__version__ = "0.1.0"
newaxis = None

# NumPy warns on log(0), 1/0 or exp overflow; TensorFlow silently returns inf or nan, and so do we.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"minitf\.ops\.")


_LAZY = ("keras", "test", "doctor")


def __getattr__(name):
    """Import the heavier namespaces (``minitf.keras``, ``minitf.test``) only when first used."""
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"minitf.{name}")
    raise AttributeError(f"module 'minitf' has no attribute {name!r}")
