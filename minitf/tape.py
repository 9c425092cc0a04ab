"""GradientTape: record ops while they run, then walk the record backwards for gradients.

The tape is a Wengert list: ``bind`` hands it every op in execution order, and it
keeps those that depend on something it watches. ``gradient`` walks that list
backwards, calling each primitive's gradient rule. The rules are minitf ops, so
an outer tape records the backward pass of an inner one: that is how nested
tapes give second derivatives.

Variables are recorded through their ``snapshot()``: the value they had when the
op ran, so assigning to a variable later does not change a recorded gradient.

Two read-only views open the tape to a learner (minitf only, not in TensorFlow):
``recorded_ops()`` lists what was recorded, and ``backward_steps()`` runs the real
backward walk and returns every step it took.
"""

import collections
import contextlib
import functools
import inspect
import warnings

from minitf import backend, nest
from minitf.ops.array_ops import broadcast_to, one_hot, reshape, stack, sum_like, summed_axes, zeros
from minitf.ops.math_ops import add, ones_like, zeros_like
from minitf.primitive import Primitive, bind, recorders
from minitf.tensor import Tensor, convert_to_tensor, wrap
from minitf.variable import Variable

# hook(tape, targets, flat_sources, flat_results), called at the end of every ``gradient`` call
# (before a one-shot tape forgets its record). Explain mode (``minitf.explain``) adds itself here.
gradient_hooks = []


class UnconnectedGradients:
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


class GradientTape:
    """Record operations for automatic differentiation, as ``tf.GradientTape``.

    Trainable variables read inside the ``with`` block are watched automatically;
    other tensors need ``tape.watch(x)``.

    >>> import minitf as tf
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = x * x
    >>> float(g.gradient(y, x))
    6.0

    Args:
        persistent: allow several calls to ``gradient``/``jacobian`` (the record is kept).
        watch_accessed_variables: watch trainable variables automatically when read.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._recording = False
        self._used = False
        self.reset()

    def reset(self):
        """Forget everything recorded and watched so far (the tape keeps recording if active)."""
        self._watched = {}  # id -> watched tensor or variable (keeps them alive, so ids stay unique)
        self._forget_record()

    def _forget_record(self):
        self._records = []  # (primitive, inputs, params, output) in execution order
        self._tracked = set(self._watched)  # ids of watched tensors and of everything computed from them
        self._reads = {}  # id(variable) -> the snapshots of it that recorded ops used

    # -- recording -------------------------------------------------------------------------
    def __enter__(self):
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter an already-active tape.")
        self._start()
        return self

    def __exit__(self, *exc_info):
        self._stop()

    def _start(self):
        recorders.append(self)
        self._recording = True

    def _stop(self):
        if self._recording:
            recorders.remove(self)
            self._recording = False

    @contextlib.contextmanager
    def stop_recording(self):
        """Inside this block, ops run but are not recorded (their results act as constants)."""
        if not self._recording:
            raise ValueError("Tape.stop_recording() was called on a tape that is not recording.")
        self._stop()
        try:
            yield
        finally:
            self._start()

    def watch(self, tensor):
        """Ask the tape to track ``tensor`` (or a nested structure of them) so gradients reach it."""
        for t in nest.flatten(tensor):
            if not isinstance(t, Tensor):
                raise ValueError(f"Passed in object {t!r} of type {type(t).__name__!r}, "
                                 "not minitf.Tensor or minitf.Variable.")
            if not t.dtype.is_floating:
                warnings.warn(f"The dtype of the watched tensor must be floating (e.g. tf.float32), "
                              f"got {t.dtype!r}: its gradient will be None.", stacklevel=2)
                continue
            self._watched[id(t)] = t
            self._tracked.add(id(t))

    def watched_variables(self):
        """The variables this tape has watched, explicitly or by reading them (still listed after gradient)."""
        return tuple(v for v in self._watched.values() if isinstance(v, Variable))

    def watched(self):
        """Every tensor and variable this tape watches, explicitly or by reading them (minitf only)."""
        return tuple(self._watched.values())

    def record(self, prim, args, params, out):
        """Called by ``bind`` for every op: keep it if an input depends on something watched."""
        if prim.vjp is None or out._value.dtype.kind != "f":  # not differentiable
            return
        for arg in args:
            if isinstance(arg, Variable):  # record the values the op read
                args = tuple([self._read(x) if isinstance(x, Variable) else x for x in args])
                break
        tracked = self._tracked
        for arg in args:
            if id(arg) in tracked:  # an input depends on a watched tensor
                self._records.append((prim, args, params, out))
                tracked.add(id(out))
                return

    def _read(self, variable):
        """The snapshot of ``variable`` that an op read (watching the variable if it is trainable)."""
        snap = variable.snapshot()
        key = id(variable)
        if key not in self._tracked:
            if not (variable.trainable and self._watch_accessed_variables):
                return snap
            self._watched[key] = variable
            self._tracked.add(key)
        if id(snap) not in self._tracked:
            self._tracked.add(id(snap))
            self._reads.setdefault(key, []).append(snap)
        return snap

    # -- looking at the record (minitf only) -------------------------------------------------
    def recorded_ops(self, target=None, sources=None):
        """What this tape recorded, in execution order: a tuple of ``RecordedOp`` (read-only).

        ``from_sources`` says whether each op depends on ``sources`` (default: anything
        watched), ``to_target`` whether ``target`` depends on its output (None without a target).
        """
        snapshot_of = {id(snap): self._watched[key] for key, snaps in self._reads.items() for snap in snaps}
        if sources is None:
            reached = set(self._watched) | set(snapshot_of)
        else:
            reached = set()
            for source in nest.flatten(sources):
                reached.add(id(source))
                reached.update(id(snap) for snap in self._reads.get(id(source), ()))
        from_sources = []
        for _, inputs, _, out in self._records:
            depends = any(id(x) in reached for x in inputs)
            if depends:
                reached.add(id(out))
            from_sources.append(depends)
        to_target = [None] * len(self._records)
        if target is not None:
            needed = {id(t) for t in nest.flatten(target)}
            for i in range(len(self._records) - 1, -1, -1):
                _, inputs, _, out = self._records[i]
                to_target[i] = id(out) in needed
                if to_target[i]:
                    needed.update(id(x) for x in inputs)
        return tuple(
            RecordedOp(i, prim, inputs, tuple(snapshot_of.get(id(x)) for x in inputs), params, out,
                       from_sources[i], to_target[i])
            for i, (prim, inputs, params, out) in enumerate(self._records)
        )

    def backward_steps(self, target, sources, output_gradients=None,
                       unconnected_gradients=UnconnectedGradients.NONE):
        """Run ``gradient`` and also return every step of its backward walk (minitf only).

        Returns a ``BackwardWalk``: ``steps``, one ``BackwardStep`` per op that received a
        gradient, in the order the tape visited them, and ``gradients``, what ``gradient`` returns.
        """
        ops = self.recorded_ops(target, sources)
        steps = {}

        def on_send(index, dy, position, rule, raw, grad, total, accumulated):
            step = steps.get(index)
            if step is None:
                step = steps[index] = BackwardStep(ops[index], dy)
            step._set(position, rule, raw, grad, total, accumulated)

        gradients = self.gradient(target, sources, output_gradients, unconnected_gradients, _on_send=on_send)
        return BackwardWalk(list(steps.values()), gradients)

    # -- differentiating --------------------------------------------------------------------
    def _begin_backward(self):
        if self._used:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of "
                               "gradients (or jacobians)\n  Create the tape with "
                               "minitf.GradientTape(persistent=True) to call gradient() several times.")
        if not self._persistent:
            self._stop()  # a one-shot tape has nothing to gain from recording its own backward pass

    def _end_backward(self):
        if not self._persistent:
            self._forget_record()  # TensorFlow still lists the watched variables afterwards
            self._used = True

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients=UnconnectedGradients.NONE,
                 _on_send=None):
        """Return d(sum of ``target``)/d``sources``, in the nesting of ``sources``.

        Args:
            target: a tensor or a (nested) list of tensors; non-scalar targets are summed.
            sources: a tensor, variable or nested list/tuple/dict of them.
            output_gradients: weights for each target's elements (a "cotangent"), default ones.
            unconnected_gradients: ``"none"`` (default) returns None for sources the target
                does not depend on; ``"zero"`` returns zeros.
        """
        zero = _zero_for_unconnected(unconnected_gradients)
        flat_sources = self._check_sources(sources)
        targets = nest.flatten(target)
        for t in targets:
            if not isinstance(t, Tensor):  # TensorFlow fails on the missing tensor id; the hint says why
                raise AttributeError(
                    f"'{type(t).__name__}' object has no attribute '_id'\n  The target {t!r} is not a tensor: "
                    "differentiate a tensor computed inside the tape from the sources (a Python number has no "
                    "gradient).")
        seeds = None if output_gradients is None else nest.flatten(output_gradients)
        self._begin_backward()
        grads = self._backward(targets, seeds, _on_send)
        result = [self._gradient_of(s, grads, zero) for s in flat_sources]
        for hook in gradient_hooks:
            hook(self, targets, flat_sources, result)
        self._end_backward()
        return nest.pack_sequence_as(sources, result)

    def _check_sources(self, sources):
        flat = nest.flatten(sources)
        for s in flat:
            if not isinstance(s, Tensor):
                raise ValueError(f"Passed in object {s!r} of type {type(s).__name__!r} as a source, "
                                 "not minitf.Tensor or minitf.Variable.")
        return flat

    def _backward(self, targets, seeds=None, on_send=None):
        """Walk the record backwards from ``targets``, seeded with ``seeds``; return {id(tensor): gradient}.

        For every op whose output received a gradient ``dy``, each input that leads to a watched
        tensor gets ``rule(dy, ...)`` from the op's gradient rules, summed over uses. ``on_send``,
        if given, is told of every gradient sent (``backward_steps`` collects them).
        """
        tracked = self._tracked
        grads = {}
        for i, target in enumerate(targets):
            _accumulate(grads, target, _seed(target, None if seeds is None else seeds[i], i))
        records = self._records
        for index in range(len(records) - 1, -1, -1):  # records added meanwhile are not visited
            prim, inputs, params, out = records[index]
            dy = grads.get(id(out))
            if dy is None:
                continue
            for position, (x, rule) in enumerate(zip(inputs, prim.vjp)):
                if rule is not None and id(x) in tracked:
                    raw = rule(dy, out, *inputs, **params)
                    grad, accumulated = _accumulate(grads, x, raw)
                    if on_send is not None:
                        on_send(index, dy, position, rule, raw, grad, grads[id(x)], accumulated)
        return grads

    def _gradient_of(self, source, grads, zero=False):
        """``source``'s gradient: its own entry plus those of the snapshots recorded for it (a variable)."""
        grad = grads.get(id(source))
        for snap in self._reads.get(id(source), ()):
            part = grads.get(id(snap))
            if part is not None:
                grad = part if grad is None else add(grad, part)
        if grad is None and zero:
            return zeros_like(source)
        return grad

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """Return d``target``/d``sources`` of shape ``target.shape + source.shape`` for each source.

        Computed one target element at a time, each a backward pass with a one-hot seed.
        """
        zero = _zero_for_unconnected(unconnected_gradients)
        flat_sources = self._check_sources(sources)
        target = convert_to_tensor(target)
        shape = tuple(target.shape)
        size = target.shape.num_elements()
        self._begin_backward()
        rows = [[] for _ in flat_sources]
        for i in range(size):
            seed = reshape(one_hot(i, size, dtype=target.dtype), shape)
            grads = self._backward([target], [seed])
            for row, source in zip(rows, flat_sources):
                row.append(self._gradient_of(source, grads))
        result = [_stack_rows(row, s, shape + tuple(s.shape), zero) for row, s in zip(rows, flat_sources)]
        self._end_backward()
        return nest.pack_sequence_as(sources, result)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """For ``target[b]`` depending only on ``source[b]``: the per-example Jacobians.

        Returns shape ``[batch] + target.shape[1:] + source.shape[1:]``.
        """
        zero = _zero_for_unconnected(unconnected_gradients)
        target = convert_to_tensor(target)
        t_shape, s_shape = tuple(target.shape), tuple(source.shape)
        for shape in (t_shape, s_shape):
            if len(shape) < 2:
                raise ValueError(f"Shape {shape} must have rank at least 2\n  batch_jacobian takes a batch of "
                                 "vectors [batch, n] as target and source; for one vector, use jacobian().")
        if t_shape[0] != s_shape[0]:
            raise ValueError(f"Need first dimension of target shape ({target.shape}) and source shape "
                             f"({source.shape}) to match.")
        batch, inner = t_shape[0], t_shape[1:]
        size = target.shape.num_elements() // max(batch, 1)
        self._begin_backward()
        row = []
        for j in range(size):
            seed = broadcast_to(reshape(one_hot(j, size, dtype=target.dtype), (1,) + inner), t_shape)
            row.append(self._gradient_of(source, self._backward([target], [seed])))
        self._end_backward()
        return _stack_rows(row, source, t_shape + s_shape[1:], zero, axis=1)


class RecordedOp:
    """One op a tape recorded (read-only): see ``GradientTape.recorded_ops``."""

    __slots__ = ("index", "primitive", "inputs", "variables", "params", "output", "from_sources", "to_target")

    def __init__(self, index, primitive, inputs, variables, params, output, from_sources, to_target):
        self.index, self.primitive, self.inputs, self.variables = index, primitive, inputs, variables
        self.params, self.output, self.from_sources, self.to_target = params, output, from_sources, to_target

    @property
    def name(self):
        """The primitive's name, as TensorFlow names the op (``"MatMul"``)."""
        return self.primitive.name

    def __repr__(self):
        shapes = ", ".join(str(list(x.shape)) for x in self.inputs)
        return f"<RecordedOp #{self.index} {self.name}({shapes}) -> {list(self.output.shape)}>"


class BackwardStep:
    """One op visited by the backward walk: the gradient ``dy`` it received and what it sent to each input.

    Per input (None where no gradient was sent): ``rules`` (the rule that ran), ``raw`` (what
    it returned), ``grads`` (after summing over broadcast dimensions), ``summed_axes``,
    ``totals`` (that input's running gradient afterwards) and ``accumulated`` (True when it
    already had a gradient from another use: fan-out).
    """

    __slots__ = ("op", "dy", "rules", "raw", "grads", "summed_axes", "totals", "accumulated")

    def __init__(self, op, dy):
        self.op, self.dy = op, dy
        n = len(op.inputs)
        self.rules, self.raw, self.grads, self.totals = [None] * n, [None] * n, [None] * n, [None] * n
        self.summed_axes, self.accumulated = [()] * n, [False] * n

    def _set(self, position, rule, raw, grad, total, accumulated):
        self.rules[position], self.raw[position], self.grads[position] = rule, raw, grad
        self.totals[position], self.accumulated[position] = total, accumulated
        self.summed_axes[position] = summed_axes(tuple(raw.shape), tuple(self.op.inputs[position].shape))

    def __repr__(self):
        return f"<BackwardStep {self.op.name} #{self.op.index}, dy shape {list(self.dy.shape)}>"


# What ``backward_steps`` returns: the ``steps`` of the backward walk, and the ``gradients``.
BackwardWalk = collections.namedtuple("BackwardWalk", ["steps", "gradients"])


def _zero_for_unconnected(unconnected_gradients):
    """True for ``"zero"``, False for ``"none"``; anything else is an error."""
    if unconnected_gradients == UnconnectedGradients.NONE:
        return False
    if unconnected_gradients == UnconnectedGradients.ZERO:
        return True
    raise ValueError(f"Unknown value for unconnected_gradients: {unconnected_gradients!r}")


def _seed(target, seed, index):
    """The gradient a backward pass starts from: ``seed`` (output_gradients), or ones like ``target``."""
    if seed is None:  # d target / d target: ones (for the usual scalar loss, a constant rather than an op)
        return ones_like(target) if target._value.ndim else wrap(backend.xp.asarray(1, dtype=target._value.dtype))
    seed = convert_to_tensor(seed, dtype=target.dtype)
    if seed.shape != target.shape:
        raise ValueError(f"output_gradients[{index}] has shape {seed.shape}, but its target has shape "
                         f"{target.shape}.\n  Give one weight per element of the target.")
    return seed


def _accumulate(grads, x, dx):
    """Add ``dx`` to the gradient of ``x`` in ``grads``, first summing away the dims broadcasting added.

    Returns the gradient added, and whether ``x`` already had one (a tensor used twice).
    """
    if dx._value.shape != x._value.shape:
        dx = sum_like(dx, x)
    previous = grads.get(id(x))
    grads[id(x)] = dx if previous is None else add(previous, dx)
    return dx, previous is not None


def _stack_rows(row, source, shape, zero, axis=0):
    """A Jacobian of ``shape`` from the gradients of ``source`` (one per target element) stacked along ``axis``.

    None when no gradient reached ``source``, unless ``zero`` asks for zeros (as ``unconnected_gradients``).
    """
    if all(g is None for g in row) and not zero:
        return None
    row = [zeros_like(source) if g is None else g for g in row]
    if not row:  # an empty target
        return zeros(shape, dtype=source.dtype)
    return reshape(stack(row, axis=axis), shape)


def _checked_gradient(grad, x, index, name):
    """A custom gradient for input ``index``: a tensor of the input's dtype, of its shape or one it broadcasts to."""
    if grad is None:
        return None
    grad = convert_to_tensor(grad, dtype=x.dtype)
    shape, target = tuple(grad.shape), tuple(x.shape)
    lead = len(shape) - len(target)
    if lead < 0 or any(t != s and t != 1 for t, s in zip(target, shape[lead:])):  # the tape could not sum it to x
        raise ValueError(f"The gradient function of {name!r} returned a gradient of shape {grad.shape} for "
                         f"input {index} of shape {x.shape}.\n  Return one gradient with the input's shape.")
    return grad


class CustomGradient(Primitive):
    """The primitive one call of a ``custom_gradient`` function binds: it returns its last input (``y``).

    ``grad_fn`` is a closure over that call's tensors, so a traced graph that must be
    differentiated again calls ``function`` (the decorated function) to get a fresh one.
    """

    __slots__ = ("function",)


def _return_last(xp, *values):
    return values[-1]


def custom_gradient(f):
    """Decorator: give ``f`` your own gradient rule, as ``tf.custom_gradient``.

    ``f(*inputs)`` returns ``(y, grad_fn)``; ``grad_fn(dy)`` returns one gradient per
    input. Tapes do not record the ops inside ``f``; only ``grad_fn`` decides the gradient.
    (A ``minitf.function`` tracer does record them: they compute ``y`` in the graph.)

    >>> import minitf as tf
    >>> @tf.custom_gradient
    ... def clipped_identity(x):
    ...     return tf.identity(x), lambda dy: tf.clip_by_value(dy, -1., 1.)
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = clipped_identity(x) * 5.0
    >>> float(y), float(tape.gradient(y, x))  # the gradient 5.0 reaches x clipped to 1.0
    (15.0, 1.0)
    """

    @functools.wraps(f)
    def wrapper(*args):
        inputs = [convert_to_tensor(a) for a in args]
        saved = recorders[:]
        recorders[:] = [r for r in saved if not isinstance(r, GradientTape)]
        try:
            y, grad_fn = f(*inputs)
        finally:
            recorders[:] = saved
        if "variables" in inspect.signature(grad_fn).parameters:
            raise TypeError("minitf.custom_gradient does not track variables read inside the function; "
                            "pass them as arguments and return one gradient per argument.")
        y = convert_to_tensor(y)
        last = {}  # grad_fn runs once per backward pass, however many inputs need its gradients

        def gradients_for(dy):
            if last.get("dy") is not dy:
                grads = grad_fn(dy)
                grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
                if len(grads) != len(inputs):
                    raise ValueError(f"The gradient function of {f.__name__!r} returned {len(grads)} gradients "
                                     f"for {len(inputs)} inputs.\n  Return one gradient (or None) per input.")
                last["dy"], last["grads"] = dy, [_checked_gradient(g, x, i, f.__name__)
                                                 for i, (g, x) in enumerate(zip(grads, inputs))]
            return last["grads"]

        rules = tuple(functools.partial(_custom_rule, gradients_for, i) for i in range(len(inputs)))
        prim = CustomGradient("CustomGradient", _return_last, vjp=rules + (None,))
        prim.function = wrapper
        return bind(prim, *inputs, y)

    return wrapper


def _custom_rule(gradients_for, position, dy, out, *inputs):
    """The gradient rule of input ``position`` of a ``custom_gradient`` call: what ``grad_fn(dy)`` gave it."""
    return gradients_for(dy)[position]
