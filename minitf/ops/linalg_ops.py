"""Matrix multiplication (batched, with optional transposes), ``einsum``, and their gradients.

For ``out = a @ b`` the gradients are ``dy @ b^T`` and ``a^T @ dy``; the
``transpose_a``/``transpose_b`` flags move the transposes around without copying.
Batch dims broadcast, and the tape sums the gradient back over them.

``einsum`` names each input's axes with letters; its gradient for one input is another
einsum: of ``dy`` with the other inputs, back to that input's letters.
"""

import functools
import re

from minitf.errors import InvalidArgumentError, shape_text
from minitf.ops import checks
from minitf.ops.array_ops import eye
from minitf.ops.math_ops import binary_operands, ones_like
from minitf.primitive import Primitive, bind
from minitf.tensor import convert_to_tensor


def _check_matmul(a, b, transpose_a, transpose_b):
    sa, sb = a._value.shape, b._value.shape
    if (len(sa) == 2 and len(sb) == 2 and a._value.dtype == b._value.dtype
            and sa[0 if transpose_a else 1] == sb[1 if transpose_b else 0]):
        return  # the common case, two matrices that fit: nothing more to check
    checks.same_dtypes("MatMul", a, b)
    for i, s in enumerate((sa, sb)):
        if len(s) < 2:
            raise InvalidArgumentError(
                f"In[{i}] is not a matrix. Instead it has shape {shape_text(s)}", "MatMul",
                "matmul needs tensors of rank >= 2; use minitf.expand_dims (or reshape) to make a "
                "vector a row [1, n] or a column [n, 1].",
            )
    k_a = sa[-2] if transpose_a else sa[-1]
    k_b = sb[-1] if transpose_b else sb[-2]
    if k_a != k_b:
        hint = f"matmul contracts a dim of size {k_a} of its first argument with one of size {k_b} of its second; " \
               "they must be equal."
        if not transpose_b and sa[-1] == sb[-1]:
            hint += "\nDid you mean to transpose the second argument? Pass transpose_b=True to minitf.matmul."
        elif not transpose_a and sa[-2] == sb[-2]:
            hint += "\nDid you mean to transpose the first argument? Pass transpose_a=True to minitf.matmul."
        raise InvalidArgumentError(
            f"Matrix size-incompatible: In[0]: {shape_text(sa)}, In[1]: {shape_text(sb)}", "MatMul", hint)
    try:
        checks.broadcast_shapes("MatMul", sa[:-2], sb[:-2])
    except InvalidArgumentError:
        raise InvalidArgumentError(
            f"In[0] and In[1] must have compatible batch dimensions: {shape_text(sa)} vs. {shape_text(sb)}",
            "MatMul") from None


def _matmul_da(dy, out, a, b, transpose_a, transpose_b):
    if transpose_a:
        return bind(MatMul, b, dy, transpose_a=transpose_b, transpose_b=True)
    return bind(MatMul, dy, b, transpose_a=False, transpose_b=not transpose_b)


def _matmul_db(dy, out, a, b, transpose_a, transpose_b):
    if transpose_b:
        return bind(MatMul, dy, a, transpose_a=True, transpose_b=transpose_a)
    return bind(MatMul, a, dy, transpose_a=not transpose_a, transpose_b=False)


def _matmul(xp, a, b, transpose_a, transpose_b):
    a = a.swapaxes(-1, -2) if transpose_a else a
    b = b.swapaxes(-1, -2) if transpose_b else b
    if a.ndim == 2 and b.ndim == 2:  # plain matrices: dot is the same product without matmul's batch machinery
        return a.dot(b)  # (0.7-2 us less per call on small or skinny matrices, such as a batch times a column)
    return xp.matmul(a, b)


MatMul = Primitive(
    "MatMul", _matmul,
    vjp=(_matmul_da, _matmul_db),
    check=_check_matmul,
)


def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    """Matrix product ``a @ b`` over the last two dims; leading (batch) dims broadcast.

    >>> import minitf as tf
    >>> tf.matmul(tf.ones([2, 3]), tf.ones([3, 4])).shape
    TensorShape([2, 4])
    """
    a, b = binary_operands(a, b)
    return bind(MatMul, a, b, transpose_a=bool(transpose_a), transpose_b=bool(transpose_b))


# einsum: out = einsum("ij,jk->ik", a, b); d a = einsum("ik,jk->ij", dy, b), and so for every input
def _check_einsum(*inputs, equation):
    checks.same_dtypes("Einsum", *inputs)
    sizes, ellipsis = {}, ()
    for i, (term, x) in enumerate(zip(equation.split("->")[0].split(","), inputs)):
        shape, (before, _, after) = x._value.shape, term.partition("...")
        if len(before + after) > len(shape) or ("..." not in term and len(term) != len(shape)):
            raise InvalidArgumentError(
                f"Input {i} to einsum has rank {len(shape)} but its subscripts {term!r} name {len(before + after)} "
                "axes", "Einsum", "Give each input one letter per axis, or '...' for the axes you do not name.")
        labels = list(before) + [None] * (len(shape) - len(before + after)) + list(after)  # None: under '...'
        for label, size in zip(labels, shape):
            if label is not None and sizes.setdefault(label, (size, i))[0] != size:
                raise InvalidArgumentError(
                    f"Expected dimension {sizes[label][0]} for label {label!r} (input {sizes[label][1]}) but input "
                    f"{i} of shape {shape_text(shape)} has {size}", "Einsum",
                    "One letter stands for one size in every input that uses it.")
        ellipsis = checks.broadcast_shapes("Einsum", ellipsis, [d for d, a in zip(shape, labels) if a is None])


def _einsum(xp, *arrays, equation):
    return xp.einsum(equation, *arrays)


def _einsum_grad(dy, out, *inputs, equation, index):
    """d out / d inputs[index]: dy and the other inputs, contracted back to the input's letters.

    A letter only that input has was summed away: a ``ones_like`` of the input brings it
    back, so the gradient spreads over it.
    """
    terms, output = equation.split("->")[0].split(","), equation.split("->")[1]
    subscripts = [output] + terms[:index] + terms[index + 1:]
    operands = [dy] + list(inputs[:index] + inputs[index + 1:])
    if any(label not in "".join(subscripts) for label in terms[index]):
        subscripts, operands = subscripts + [terms[index]], operands + [ones_like(inputs[index])]
    term = terms[index]
    distinct = "".join(dict.fromkeys(term.replace("...", "."))).replace(".", "...")  # "bxby" -> "bxy"
    grad = bind(_einsum_primitive(len(operands)), *operands, equation=",".join(subscripts) + "->" + distinct)
    return grad if distinct == term else _onto_diagonal(grad, distinct, term, inputs[index])


def _onto_diagonal(grad, distinct, term, x):
    """A gradient over ``distinct`` letters put back on the diagonal of ``term`` ("bxy" -> "bxby").

    Each repeat of a letter gets a fresh letter and an identity matrix pairs the two: zero off the diagonal.
    """
    unused = iter(sorted(set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") - set(term)))
    before, _, after = term.partition("...")
    positions = list(range(len(before))) + list(range(-len(after), 0))
    new_term, eyes, seen = "", [], set()
    for letter, axis in zip(before + after, positions):
        if letter in seen:
            fresh = next(unused)
            eyes.append((letter + fresh, eye(x.shape[axis], dtype=x.dtype)))
            letter = fresh
        seen.add(letter)
        new_term += letter
    new_term = new_term[:len(before)] + ("..." if "..." in term else "") + new_term[len(before):]
    equation = ",".join([distinct] + [letters for letters, _ in eyes]) + "->" + new_term
    return bind(_einsum_primitive(1 + len(eyes)), grad, *[matrix for _, matrix in eyes], equation=equation)


@functools.cache
def _einsum_primitive(count):
    """Einsum for ``count`` inputs: one gradient rule per input."""
    return Primitive("Einsum", _einsum, vjp=tuple(functools.partial(_einsum_grad, index=i) for i in range(count)),
                     check=_check_einsum)


def _explicit_equation(equation, count):
    """The equation with its output spelled out (``"ij,jk"`` -> ``"ij,jk->ik"``), checked for what minitf runs."""
    inputs, arrow, output = equation.replace(" ", "").partition("->")
    terms, letters, term = inputs.split(","), inputs.replace("...", "").replace(",", ""), r"[a-zA-Z]*(\.\.\.)?[a-zA-Z]*"
    if not re.fullmatch(f"{term}(,{term})*", inputs) or not re.fullmatch(term, output) or len(terms) != count:
        raise ValueError(f"Invalid einsum equation {equation!r} for {count} input(s).\n  Write one term of letters "
                         "per input (at most one '...' each), separated by commas, then optionally '->' and the "
                         "output's letters.")
    if not arrow:  # implicit output: the letters used once, in alphabetical order, after the ellipsis
        output = ("..." if "..." in inputs else "") + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if len(set(output.replace("...", ""))) < len(output.replace("...", "")):
        raise ValueError(f"Invalid einsum equation {equation!r}: the output {output!r} names a letter twice.\n  "
                         "Name each output axis once (a letter repeated in an input takes its diagonal).")
    unknown = sorted(set(output.replace("...", "")) - set(letters))
    if unknown or ("..." in inputs) != ("..." in output):
        raise ValueError(f"Invalid einsum equation {equation!r}: the output names {unknown[0]!r}, which no input has."
                         if unknown else f"Invalid einsum equation {equation!r}: '...' must be in the output exactly "
                         "when it is in an input.\n  Keep '...' in the output (as NumPy does) and reduce_sum those "
                         "axes afterwards if you need to.")
    return f"{','.join(terms)}->{output}"


def einsum(equation, *inputs, name=None, **kwargs):
    """Multiply and sum tensors along the axes an equation names, as ``tf.einsum``.

    ``einsum("ij,jk->ik", a, b)`` is ``a @ b``; ``"ij->ji"`` a transpose, ``"ij->"`` a sum,
    ``"...ij,...jk->...ik"`` a batched matmul whose batch dims broadcast. Without ``->``, the
    output is the letters used once, in alphabetical order. A letter repeated in an input
    takes its diagonal (``"ii->"`` is the trace, ``"bxby->bxy"`` the diagonal blocks).

    Gradient: for each input, the einsum of ``dy`` with the other inputs back to its letters.

    >>> import minitf as tf
    >>> tf.einsum("ij,jk->ik", tf.ones([2, 3]), tf.ones([3, 4])).shape
    TensorShape([2, 4])
    >>> print(tf.einsum("i,i", tf.constant([1., 2.]), tf.constant([3., 4.])).numpy())
    11.0
    """
    inputs = [convert_to_tensor(x) for x in inputs]
    equation = _explicit_equation(equation, len(inputs))
    return bind(_einsum_primitive(len(inputs)), *inputs, equation=equation)
