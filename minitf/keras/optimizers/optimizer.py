"""The ``Optimizer`` base class: everything an optimizer does except its update rule.

It checks and clips gradients, builds the per-variable state (slots) once,
reads the learning rate (a float or a schedule), calls the subclass's
``update_step`` for each variable, applies variable constraints, and counts
``iterations``. Its own variables are named as Keras 3 names them: ``name``
``"dense_kernel_momentum"``, ``path`` ``"adam/dense_kernel_momentum"``. The
update rules live in ``algorithms.py``; each is a few minitf ops and
assignments (``variable.assign_sub(lr * g)``), as Keras 3's ``update_step``
is, so a tape and the ``minitf.function`` tracer see them as ordinary ops:
a traced training step replays the update with the learning rate, step
count and slots the variables hold when it runs.
"""

import numbers
import warnings

import minitf as tf
from minitf.errors import InvalidArgumentError, shape_text
from minitf.keras import backend, initializers
from minitf.keras.optimizers import schedules
from minitf.keras.utils.naming import KerasVariable, weight_path
from minitf.tensor import Tensor
from minitf.train.restore import restore_deferred_slot


def _learning_rate_value(value):
    """A float learning rate as a Python float; anything else (a string, a bool, None) raises."""
    if isinstance(value, Tensor) and value.shape.rank == 0 and value.dtype.is_floating:
        return float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"Invalid learning_rate: {value!r} (a {type(value).__name__}). Expected a float, a "
            "keras.optimizers.schedules.LearningRateSchedule, or a callable with no arguments.\n"
            f"  Write the number itself, e.g. learning_rate=0.001"
            + (f" rather than learning_rate={value!r}." if isinstance(value, str) else "."))
    return float(value)


class Optimizer:
    """Base class of optimizers: a subclass writes ``build(var_list)`` and ``update_step(gradient, variable, lr)``.

    ``build`` creates the slots (``self.add_variable_from_reference(v, "momentum")``);
    ``update_step`` updates one variable with minitf ops and ``self.assign``/``assign_add``/
    ``assign_sub``; ``gradient`` and ``learning_rate`` are tensors of the variable's dtype, and
    ``self.iterations`` counts the updates already applied (``step_number()`` is this one's).

    Args:
        learning_rate: a float, a ``LearningRateSchedule``, or a callable with no arguments.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: scale all gradients together so their joint L2 norm is at most this.
        name: the optimizer's name, the first part of its variables' paths (default: the class name in snake
            case, made unique: ``"plain_gd"``, ``"plain_gd_1"``; Keras 3's own optimizers pass theirs:
            ``"adam"``, ``"SGD"``...).

    >>> import minitf as tf
    >>> class PlainGD(Optimizer):
    ...     def update_step(self, gradient, variable, learning_rate):
    ...         self.assign_sub(variable, learning_rate * gradient)
    >>> w = tf.Variable(1.0)
    >>> _ = PlainGD(learning_rate=0.1).apply_gradients([(tf.constant(2.0), w)])
    >>> round(float(w), 6)
    0.8
    """

    def __init__(self, learning_rate=0.001, clipnorm=None, clipvalue=None, global_clipnorm=None, name=None):
        if sum(arg is not None for arg in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                             f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        self.name = name or backend.unique_name(backend.to_snake_case(type(self).__name__))
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.built = False
        self._variables = []
        self._index = {}  # id(model variable) -> its position in the slot lists
        self._tracked = []  # the model variables themselves (keeps their ids unique)
        self._slots = []  # (model variable, slot name, slot variable), for checkpoints
        self._iterations = self.add_variable((), dtype=tf.int64, name="iteration")
        self._learning_rate = None
        self.learning_rate = learning_rate

    # -- state ------------------------------------------------------------------------------
    @property
    def iterations(self):
        """How many updates have been applied: a non-trainable int64 Variable."""
        return self._iterations

    @property
    def variables(self):
        """The optimizer's own state, in Keras 3's order: iterations, the learning rate (when a float), the slots.

        >>> import minitf as tf
        >>> from minitf import keras
        >>> layer = keras.layers.Dense(2, name="dense")
        >>> _ = layer(tf.ones([1, 3]))
        >>> optimizer = keras.optimizers.Adam()
        >>> optimizer.build(layer.trainable_variables)
        >>> [v.path for v in optimizer.variables]  # doctest: +NORMALIZE_WHITESPACE
        ['adam/iteration', 'adam/learning_rate', 'adam/dense_kernel_momentum', 'adam/dense_bias_momentum',
         'adam/dense_kernel_velocity', 'adam/dense_bias_velocity']
        """
        return list(self._variables)

    @property
    def learning_rate(self):
        """The learning rate: a Variable you can ``assign`` to, or the current value of a schedule."""
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return self._learning_rate(self._iterations)
        if callable(self._learning_rate) and not isinstance(self._learning_rate, Tensor):
            return self._learning_rate()
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule) or (callable(value) and not isinstance(value, Tensor)):
            self._learning_rate = value
        elif isinstance(self._learning_rate, tf.Variable):
            self._learning_rate.assign(_learning_rate_value(value))
        elif self._learning_rate is not None:
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` "
                "constructor argument, hence its learning rate is not settable. If you need the learning rate "
                "to be settable, you should instantiate the optimizer with a float `learning_rate` argument."
            )
        else:
            self._learning_rate = self.add_variable((), initializer=initializers.Constant(_learning_rate_value(value)),
                                                    name="learning_rate")

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None):
        """Create a non-trainable Variable that belongs to the optimizer's state (its path: ``adam/<name>``)."""
        name = name or "variable"
        variable = KerasVariable(initializers.get(initializer), shape, dtype or tf.float32, False, name,
                                 path=weight_path(self, name))
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A slot: a Variable shaped like ``reference_variable``, named after its path (``dense_kernel_momentum``).

        A plain Variable (no path) gives its name instead, with ``/`` and ``:`` as ``_`` (``w_0_momentum``).
        """
        base = getattr(reference_variable, "path", None) or reference_variable.name.replace(":", "_")
        slot = self.add_variable(tuple(reference_variable.shape), initializer, reference_variable.dtype,
                                 f"{base.replace('/', '_')}_{name or 'var'}")
        self._slots.append((reference_variable, name, slot))
        restore_deferred_slot(self, reference_variable, name, slot)  # a checkpoint restored before this step
        return slot

    def build(self, var_list):
        """Create the state for the variables in ``var_list`` (the model's trainable variables), once.

        ``apply`` and ``apply_gradients`` call it on their first use; call it yourself to create the state
        before a traced step, or to update parts of a model in separate steps. Subclasses call
        ``super().build(var_list)`` and then add their slots.
        """
        for variable in var_list:
            if id(variable) not in self._index:
                self._index[id(variable)] = len(self._tracked)
                self._tracked.append(variable)
        self.built = True

    def _get_variable_index(self, variable):
        """The position of ``variable``'s slots in the lists ``build`` created."""
        try:
            return self._index[id(variable)]
        except KeyError:
            raise ValueError(
                f"Unknown variable: {getattr(variable, 'path', variable.name)}. This optimizer can only be called "
                "for the variables it was originally built with. When working with a new set of variables, you "
                "should recreate a new optimizer instance."
            ) from None

    # -- updates -----------------------------------------------------------------------------
    def assign(self, variable, value):
        """``variable.assign(value)``: how ``update_step`` sets a slot or a weight."""
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        variable.assign_sub(value)

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError(f"{type(self).__name__} must implement update_step(gradient, variable, "
                                  "learning_rate).")

    def prepare_step(self):
        """Called once per ``apply_gradients``, before any ``update_step``: for state shared by all variables."""

    def step_number(self, dtype=tf.float32):
        """The number of the update being applied (1 for the first), a tensor of ``dtype``.

        Computed from ``iterations`` with ops, so a replayed graph counts on.
        """
        return tf.cast(self._iterations + 1, dtype)

    def _learning_rate_tensor(self):
        value = self.learning_rate
        return value if isinstance(value, Tensor) else tf.constant(float(value))

    def _clip(self, grads):
        if self.clipnorm is not None:
            return [tf.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.clipvalue is not None:
            return [tf.clip_by_value(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.global_clipnorm is not None:
            norm = tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(tf.cast(g, tf.float32))) for g in grads]))
            scale = self.global_clipnorm / tf.maximum(norm, self.global_clipnorm)
            return [g * tf.cast(scale, g.dtype) for g in grads]
        return grads

    def apply_gradients(self, grads_and_vars):
        """Apply one update to each variable: ``optimizer.apply_gradients(zip(grads, variables))``.

        ``None`` gradients (variables the loss does not depend on) are skipped with a warning. A
        gradient of another float dtype than its variable is cast to the variable's dtype, as
        TensorFlow does. Every gradient is checked before any variable changes.

        Returns:
            ``iterations``, incremented by one.

        Raises:
            ValueError: no pairs at all, every gradient ``None``, or a variable the optimizer was not
                built with.
            InvalidArgumentError: a gradient whose shape is not its variable's.
        """
        pairs = list(grads_and_vars)
        if not pairs:
            raise ValueError("apply_gradients() received an empty list of (gradient, variable) pairs: there is "
                             "nothing to update.\n  Pass zip(gradients, variables) with the model's "
                             "trainable_variables; a model that was never called has none yet.")
        missing = [v for g, v in pairs if g is None]
        if len(missing) == len(pairs):
            raise ValueError(f"No gradients provided for any variable: {[v.name for v in missing]}.\n"
                             "  Does the loss depend on them? Compute it inside the GradientTape from these "
                             "variables, without leaving minitf (no .numpy() in between).")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {[v.name for v in missing]} when minimizing the "
                          "loss. If you're using `model.compile()`, did you forget to provide a `loss` argument?",
                          stacklevel=2)
        all_vars = [v for _, v in pairs]
        pairs = [(_gradient_for(g, v), v) for g, v in pairs if g is not None]
        if not self.built:
            self.build(all_vars)
            if not self._tracked:
                Optimizer.build(self, all_vars)  # the bookkeeping, when a subclass's build forgot super().build
        variables = [v for _, v in pairs if self._get_variable_index(v) is not None]
        grads = self._clip([g for g, _ in pairs])
        learning_rate = self._learning_rate_tensor()
        rates = {learning_rate.dtype: learning_rate}  # the learning rate cast to each variable dtype
        self.prepare_step()
        for gradient, variable in zip(grads, variables):
            dtype = variable.dtype
            rate = rates.get(dtype)
            if rate is None:
                rate = rates[dtype] = tf.cast(learning_rate, dtype)
            self.update_step(gradient, variable, rate)
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable))
        self._iterations.assign_add(1)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Apply one update: ``optimizer.apply(grads, model.trainable_variables)``, Keras 3's form.

        The same update as ``apply_gradients(zip(grads, trainable_variables))``. Without
        ``trainable_variables``, ``grads`` pairs one to one with the variables the optimizer was built
        with (``optimizer.build(variables)``, or its first ``apply``). An empty ``grads`` does nothing.

        >>> import minitf as tf
        >>> from minitf import keras
        >>> w = tf.Variable([1.0, 2.0])
        >>> optimizer = keras.optimizers.SGD(learning_rate=0.5)
        >>> optimizer.apply([tf.constant([1.0, 1.0])], [w])
        >>> optimizer.apply([tf.constant([1.0, 0.0])])  # the variables it was built with
        >>> w.numpy(), int(optimizer.iterations)
        (array([0. , 1.5], dtype=float32), 2)

        Raises:
            ValueError: no variables given to an optimizer that is not built yet, or not one gradient per
                variable; and what ``apply_gradients`` raises.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must already be built "
                                 "on a list of variables. Call `optimizer.build(trainable_variables)` first.\n"
                                 "  Or pass them: optimizer.apply(grads, model.trainable_variables).")
            trainable_variables = self._tracked
        else:
            trainable_variables = list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"optimizer.apply() received {len(grads)} gradients for {len(trainable_variables)} "
                             "variables: it needs one gradient per variable, in the same order.\n  Compute them "
                             "with tape.gradient(loss, variables) for the variables you pass.")
        self.apply_gradients(zip(grads, trainable_variables))

    def minimize(self, loss, var_list, tape=None):
        """Compute the gradients of ``loss`` with respect to ``var_list`` and apply them.

        Args:
            loss: a callable with no arguments returning the loss, or a loss tensor computed under ``tape``.
            var_list: the variables to update, or a callable returning them.
            tape: the ``GradientTape`` that recorded a tensor ``loss``.
        """
        if tape is None:
            if not callable(loss):
                raise ValueError("`tape` is required when a `Tensor` loss is passed. "
                                 f"Received: loss={loss!r}, tape=None.\n"
                                 "  Pass the GradientTape that computed it, or pass the loss as a function.")
            with tf.GradientTape() as tape:
                if not callable(var_list):
                    tape.watch(list(var_list))
                loss = loss()
        elif callable(loss):
            with tape:
                loss = loss()
        var_list = list(var_list() if callable(var_list) else var_list)
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    # -- checkpoints -------------------------------------------------------------------------
    def _checkpoint_children(self):
        """What ``minitf.train.Checkpoint`` saves of the optimizer itself: ``iter`` and a float learning rate."""
        found = {"iter": self._iterations}
        if isinstance(self._learning_rate, tf.Variable):
            found["learning_rate"] = self._learning_rate
        return found

    def _checkpoint_slots(self):
        """The slots, saved under the variable each belongs to (so they restore into a fresh model by path)."""
        return list(self._slots)

    # -- configuration -----------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments, as plain values (a schedule as its serialized dict)."""
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            learning_rate = schedules.serialize(self._learning_rate)
        else:
            learning_rate = float(self.learning_rate)
        return {"name": self.name, "learning_rate": learning_rate, "clipnorm": self.clipnorm,
                "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} iterations={int(self._iterations)}>"


def _gradient_for(gradient, variable):
    """``gradient`` as a tensor of ``variable``'s dtype and shape (another float dtype is cast, as TF does)."""
    if isinstance(gradient, Tensor) and gradient.dtype != variable.dtype and gradient.dtype.is_floating \
            and variable.dtype.is_floating:
        gradient = tf.cast(gradient, variable.dtype)
    gradient = tf.convert_to_tensor(gradient, dtype=variable.dtype)
    if gradient.shape != variable.shape:
        raise InvalidArgumentError(
            f"Cannot update variable with shape {shape_text(variable.shape)} using a Tensor with shape "
            f"{shape_text(gradient.shape)}, shapes must be equal.", "AssignSubVariableOp",
            f"The gradient for '{getattr(variable, 'path', variable.name)}' must have the variable's shape "
            f"{tuple(variable.shape)}; was it paired with the wrong variable? zip(gradients, variables) needs both "
            "lists in the same order.")
    return gradient
