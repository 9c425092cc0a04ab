"""Optimizers: each update rule against a NumPy hand computation over three steps, and the base class."""

import warnings

import numpy as np
import pytest

import minitf as tf
from minitf.keras import constraints, optimizers
from minitf.keras.optimizers import schedules

W0 = np.array([[0.5, -1.5], [2.0, 0.25]])
GRADS = [np.array([[0.1, -0.2], [0.3, 0.05]]), np.array([[-0.4, 0.1], [0.2, 0.0]]),
         np.array([[0.25, 0.3], [-0.1, -0.6]])]


def sgd(learning_rate=0.01, momentum=0.0, nesterov=False):
    lr = learning_rate
    w, velocity = W0.copy(), np.zeros_like(W0)
    for g in GRADS:
        if momentum:
            velocity = momentum * velocity - lr * g
            w = w + (momentum * velocity - lr * g if nesterov else velocity)
        else:
            w = w - lr * g
    return w


def rmsprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    lr = learning_rate
    w, s, mom, mean_g = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0)
    for g in GRADS:
        s = rho * s + (1 - rho) * g**2
        denominator = s
        if centered:
            mean_g = rho * mean_g + (1 - rho) * g
            denominator = s - mean_g**2
        step = lr * g / np.sqrt(denominator + epsilon)
        if momentum:
            mom = momentum * mom + step
            step = mom
        w = w - step
    return w


def adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    lr = learning_rate
    w, m, v, v_max = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0)
    for t, g in enumerate(GRADS, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        if amsgrad:
            v_max = np.maximum(v_max, v)
        m_hat, v_used = m / (1 - beta_1**t), (v_max if amsgrad else v) / (1 - beta_2**t)
        # Keras folds the corrections into the step size, so epsilon is scaled by sqrt(1 - beta_2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_used) + epsilon / np.sqrt(1 - beta_2**t))
    return w


def nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    lr = learning_rate
    w, m, v, u_product = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), 1.0
    for t, g in enumerate(GRADS, start=1):
        u_t, u_next = beta_1 * (1 - 0.5 * 0.96**t), beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_product *= u_t
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product)
        w = w - lr * m_hat / (np.sqrt(v / (1 - beta_2**t)) + epsilon)
    return w


def adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
    lr = learning_rate
    w, a = W0.copy(), np.full_like(W0, initial_accumulator_value)
    for g in GRADS:
        a = a + g**2
        w = w - lr * g / np.sqrt(a + epsilon)
    return w


# (optimizer class, keyword arguments, NumPy reference)
RULES = [
    (optimizers.SGD, {"learning_rate": 0.1}, sgd),
    (optimizers.SGD, {"learning_rate": 0.1, "momentum": 0.9}, sgd),
    (optimizers.SGD, {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}, sgd),
    (optimizers.RMSprop, {"learning_rate": 0.01}, rmsprop),
    (optimizers.RMSprop, {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5}, rmsprop),
    (optimizers.RMSprop, {"learning_rate": 0.01, "centered": True}, rmsprop),
    (optimizers.Adam, {"learning_rate": 0.1}, adam),
    (optimizers.Adam, {"learning_rate": 0.1, "beta_1": 0.5, "epsilon": 0.01, "amsgrad": True}, adam),
    (optimizers.Nadam, {"learning_rate": 0.1}, nadam),
    (optimizers.Nadam, {"learning_rate": 0.05, "beta_2": 0.9}, nadam),
    (optimizers.Adagrad, {"learning_rate": 0.1}, adagrad),
    (optimizers.Adagrad, {"learning_rate": 0.1, "initial_accumulator_value": 1.0}, adagrad),
]


@pytest.mark.parametrize("recorded", [False, True], ids=["eager", "recorded"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r[0].__name__}{r[1]}" if isinstance(r, tuple) else None)
def test_three_steps_match_hand_computation(rule, dtype, recorded):
    cls, kwargs, reference = rule
    w = tf.Variable(W0.astype(dtype))
    opt = cls(**kwargs)
    for g in GRADS:
        if recorded:  # a recording tape sends the update through bind, as a minitf.function trace does
            with tf.GradientTape():
                opt.apply_gradients([(tf.constant(g.astype(dtype)), w)])
        else:
            opt.apply_gradients([(tf.constant(g.astype(dtype)), w)])
    assert w.dtype == tf.as_dtype(dtype)
    np.testing.assert_allclose(w.numpy(), reference(**kwargs), rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)
    assert int(opt.iterations) == 3 and opt.iterations.dtype == tf.int64 and not opt.iterations.trainable
    assert all(not v.trainable for v in opt.variables)


def test_documented_examples():
    var = tf.Variable(1.0)
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    opt.minimize(lambda: var**2 / 2.0, [var])
    assert float(var) == pytest.approx(0.9)
    opt.minimize(lambda: var**2 / 2.0, [var])
    assert float(var) == pytest.approx(0.9 - 0.18)
    var = tf.Variable(10.0)
    optimizers.RMSprop(learning_rate=0.1).minimize(lambda: var**2 / 2.0, [var])
    assert float(var) == pytest.approx(9.683772, abs=1e-6)


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam", "nadam", "adagrad"])
def test_each_optimizer_minimizes_a_quadratic(name):
    target = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    w = tf.Variable(tf.zeros(3))
    opt = optimizers.get({"class_name": name, "config": {"learning_rate": 0.3 if name != "sgd" else 0.1}})
    for _ in range(300):
        opt.minimize(lambda: tf.reduce_sum(tf.square(w - target)), [w])
    np.testing.assert_allclose(w.numpy(), target, atol=0.05)


def test_slots_are_named_after_their_variables_and_listed():
    kernel, bias = tf.Variable(tf.ones((2, 3)), name="kernel"), tf.Variable(tf.zeros(3), name="bias")
    opt = optimizers.Adam()
    opt.build([kernel, bias])
    names = [v.name for v in opt.variables]  # Keras 3: a plain variable's name, ':' and '/' made '_'
    assert names == ["iteration", "learning_rate", "kernel_0_momentum", "bias_0_momentum",
                     "kernel_0_velocity", "bias_0_velocity"]
    assert [v.path for v in opt.variables][:3] == ["adam/iteration", "adam/learning_rate", "adam/kernel_0_momentum"]
    assert opt.variables[2].shape == (2, 3)


def test_none_gradients_are_skipped_with_a_warning_naming_the_variable():
    used, unused = tf.Variable([1.0, 2.0], name="used"), tf.Variable([5.0], name="unused")
    opt = optimizers.SGD(learning_rate=0.5)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['unused:0'\]"):
        opt.apply_gradients([(tf.constant([1.0, 1.0]), used), (None, unused)])
    np.testing.assert_allclose(used.numpy(), [0.5, 1.5])
    np.testing.assert_allclose(unused.numpy(), [5.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.apply_gradients([(tf.constant([2.0]), unused)])  # built with both variables: no error, no warning
    np.testing.assert_allclose(unused.numpy(), [4.0])
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: \['used:0'\]"):
        opt.apply_gradients([(None, used)])


def test_unknown_variable_error():
    opt = optimizers.Adam()
    opt.apply_gradients([(tf.constant(1.0), tf.Variable(1.0))])
    with pytest.raises(ValueError, match="Unknown variable: stranger:0. This optimizer can only be called for the "
                                         "variables it was originally built with"):
        opt.apply_gradients([(tf.constant(1.0), tf.Variable(1.0, name="stranger"))])


def test_gradient_clipping():
    g = np.array([3.0, 4.0], dtype=np.float32)  # norm 5
    w = tf.Variable([0.0, 0.0])
    optimizers.SGD(learning_rate=1.0, clipnorm=1.0).apply_gradients([(tf.constant(g), w)])
    np.testing.assert_allclose(w.numpy(), -g / 5, rtol=1e-6)
    w = tf.Variable([0.0, 0.0])
    optimizers.SGD(learning_rate=1.0, clipvalue=3.5).apply_gradients([(tf.constant(g), w)])
    np.testing.assert_allclose(w.numpy(), [-3.0, -3.5])
    a, b = tf.Variable([0.0, 0.0]), tf.Variable([0.0])
    optimizers.SGD(learning_rate=1.0, global_clipnorm=6.5).apply_gradients(
        [(tf.constant(g), a), (tf.constant([12.0]), b)])  # joint norm 13
    np.testing.assert_allclose(np.concatenate([a.numpy(), b.numpy()]), -np.array([3.0, 4.0, 12.0]) / 2, rtol=1e-6)
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)


def test_constraint_applied_after_the_update():
    w = tf.Variable([1.0, -1.0, 2.0], constraint=constraints.NonNeg())
    optimizers.SGD(learning_rate=1.0).apply_gradients([(tf.constant([2.0, -0.5, 1.0]), w)])
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0, 1.0])


def test_learning_rate_is_settable():
    opt = optimizers.SGD(learning_rate=0.1)
    w = tf.Variable(1.0)
    opt.learning_rate = 0.5
    opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == pytest.approx(0.5)
    opt.learning_rate.assign(0.25)
    opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == pytest.approx(0.25)
    assert isinstance(opt.learning_rate, tf.Variable) and opt.get_config()["learning_rate"] == 0.25


def test_schedules():
    decay = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert [float(decay(s)) for s in (0, 5, 10, 25)] == pytest.approx(
        [0.1, 0.1 * 0.5**0.5, 0.05, 0.1 * 0.5**2.5], rel=1e-6)
    stairs = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert [float(stairs(s)) for s in (9, 10, 25)] == pytest.approx([0.1, 0.05, 0.025])
    inverse = schedules.InverseTimeDecay(1.0, decay_steps=2, decay_rate=0.5)
    assert float(inverse(4)) == pytest.approx(1 / (1 + 0.5 * 2))
    with pytest.raises(ValueError, match="The length of boundaries should be 1 less than the length of values"):
        schedules.PiecewiseConstantDecay([10], [1.0])
    with pytest.raises(ValueError, match="Argument `decay_steps` must be > 0. Received: decay_steps=0"):
        schedules.ExponentialDecay(0.1, 0, 0.5)


def test_optimizer_follows_a_schedule_from_step_zero():
    opt = optimizers.SGD(learning_rate=schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5))
    w = tf.Variable(0.0)
    for _ in range(3):
        opt.apply_gradients([(tf.constant(1.0), w)])
    assert float(w) == pytest.approx(-(1.0 + 0.5 + 0.25))
    assert float(opt.learning_rate) == pytest.approx(0.125)
    with pytest.raises(TypeError, match="hence its learning rate is not settable"):
        opt.learning_rate = 0.1
    again = optimizers.SGD.from_config(opt.get_config())
    assert isinstance(again._learning_rate, schedules.ExponentialDecay)
    assert again._learning_rate.get_config() == opt._learning_rate.get_config()


def test_config_round_trip_and_get():
    opt = optimizers.Adam(learning_rate=0.01, beta_1=0.8, amsgrad=True, clipnorm=2.0, name="my_adam")
    config = opt.get_config()
    assert config == {"name": "my_adam", "learning_rate": pytest.approx(0.01), "clipnorm": 2.0, "clipvalue": None,
                      "global_clipnorm": None, "beta_1": 0.8, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": True}
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(again, optimizers.Adam) and again.get_config() == config
    for name, cls in [("sgd", optimizers.SGD), ("rmsprop", optimizers.RMSprop), ("adam", optimizers.Adam),
                      ("nadam", optimizers.Nadam), ("adagrad", optimizers.Adagrad), ("Adam", optimizers.Adam)]:
        assert type(optimizers.get(name)) is cls
    assert optimizers.get("sgd").get_config()["learning_rate"] == pytest.approx(0.01)
    assert optimizers.get(opt) is opt
    assert type(optimizers.get(optimizers.Nadam)) is optimizers.Nadam
    with pytest.raises(ValueError, match=r"Could not interpret optimizer identifier: 'adma'(.|\n)*'adam'"):
        optimizers.get("adma")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 0.1"):
        optimizers.get(0.1)
    with pytest.raises(ValueError, match=r"`momentum` must be a float between \[0, 1\]"):
        optimizers.SGD(momentum=1.5)


def test_minimize_with_a_tape_and_its_errors():
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w)
    optimizers.SGD(learning_rate=0.25).minimize(loss, [w], tape=tape)
    np.testing.assert_allclose(w.numpy(), [0.5, 1.0])
    with pytest.raises(ValueError, match="`tape` is required when a `Tensor` loss is passed"):
        optimizers.SGD().minimize(loss, [w])
    frozen = tf.Variable(3.0, trainable=False)
    optimizers.SGD(learning_rate=0.5).minimize(lambda: frozen * frozen, [frozen])
    assert float(frozen) == pytest.approx(0.0)


class PlainMomentum(optimizers.Optimizer):
    """A learner's optimizer written with minitf ops only: build and update_step, nothing else."""

    def __init__(self, learning_rate=0.1, beta=0.5, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta = beta

    def build(self, var_list):
        super().build(var_list)
        self.velocities = [self.add_variable_from_reference(v, "velocity") for v in var_list]

    def update_step(self, gradient, variable, learning_rate):
        velocity = self.velocities[self._get_variable_index(variable)]
        self.assign(velocity, self.beta * velocity + gradient)
        self.assign_sub(variable, learning_rate * velocity)


def test_custom_optimizer_with_tensor_ops():
    w = tf.Variable([1.0])
    opt = PlainMomentum()
    for g in (1.0, 1.0):
        opt.apply_gradients([(tf.constant([g]), w)])
    # velocity 1 then 1.5: w = 1 - 0.1 - 0.15
    np.testing.assert_allclose(w.numpy(), [0.75])
    assert opt.name.startswith("plain_momentum")  # Keras 3: the class name in snake case, made unique
    assert PlainMomentum.from_config(opt.get_config()).name == opt.name


@pytest.mark.skipif(not hasattr(tf, "function"), reason="needs minitf.function")
@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam", "nadam", "adagrad"])
def test_a_traced_training_step_replays_the_update(name):
    """Replays must read the step count, learning rate and slots when they run, not when traced."""
    results = []
    for traced in (False, True):
        w = tf.Variable([1.0, -2.0, 3.0])
        opt = optimizers.get({"class_name": name, "config": {"learning_rate": 0.1, "momentum": 0.5}
                              if name in ("sgd", "rmsprop") else {"learning_rate": 0.1}})

        def step(x, w=w, opt=opt):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.square(w * x))
            opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))

        run = tf.function(step) if traced else step
        for i in range(5):
            run(tf.constant([1.0, 0.5, 2.0]))
            if i == 2:
                opt.learning_rate = 0.05
        assert int(opt.iterations) == 5
        results.append(w.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-5)


def test_a_traced_update_is_made_of_ordinary_ops_and_assignments():
    """As Keras 3's update_step: minitf ops and assignments to the weight and its slots, no fused update op."""
    w = tf.Variable([1.0, -2.0], name="w")
    opt = optimizers.RMSprop(learning_rate=0.1, momentum=0.5)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(w * x))
        opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))

    step(tf.constant([1.0, 3.0]))
    concrete = step.get_concrete_function(tf.constant([1.0, 3.0]))
    graph, text = concrete.graph, concrete.pretty_printed_graph()
    # no fused update op (TensorFlow's ResourceApply..., minitf's old ResourceUpdate): variables are only read and
    # assigned to; every other op is ordinary math
    touching_variables = {op.type for op in graph.get_operations() if "Variable" in op.type or "Resource" in op.type}
    assert touching_variables <= {"VarHandleOp", "ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp",
                                  "AssignSubVariableOp"}, touching_variables
    assert "AssignVariableOp(rmsprop/w_0_velocity, " in text and "AssignVariableOp(rmsprop/w_0_momentum, " in text
    assert "AssignSubVariableOp(w, " in text and "Sqrt(" in text
    # the replayed update matches an eager one
    w_eager = tf.Variable([1.0, -2.0])
    opt_eager = optimizers.RMSprop(learning_rate=0.1, momentum=0.5)
    for _ in range(2):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(w_eager * tf.constant([1.0, 3.0])))
        opt_eager.apply_gradients(zip(tape.gradient(loss, [w_eager]), [w_eager]))
    step(tf.constant([1.0, 3.0]))
    np.testing.assert_allclose(w.numpy(), w_eager.numpy(), rtol=1e-6)
    np.testing.assert_allclose(opt.variables[-1].numpy(), opt_eager.variables[-1].numpy(), rtol=1e-6)


def test_an_update_under_a_tape_is_recorded_as_ops():
    """A tape sees the update's ops (the step is not hidden in a raw-array rule); the gradient read before stays."""
    w = tf.Variable([1.0, 2.0], name="w")
    g = tf.constant([1.0, 1.0])
    opt = optimizers.SGD(learning_rate=0.5, momentum=0.5)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(g)
        y = tf.reduce_sum(w * w)
        opt.apply_gradients([(g, w)])
    step_ops = [op for op in tape.recorded_ops() if any(t is g for t in op.inputs)]
    assert [op.name for op in step_ops] == ["Mul"]  # learning_rate * gradient, as a recorded op
    np.testing.assert_allclose(w.numpy(), [0.5, 1.5])
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), [2.0, 4.0])  # of the value y read


def test_apply_gradients_of_an_empty_list_raises_value_error():
    """Keras 3 and tf.keras both raise ValueError; minitf says why (nothing to update)."""
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match="empty list of \\(gradient, variable\\) pairs"):
        opt.apply_gradients([])
    with pytest.raises(ValueError, match="empty list"):
        opt.apply_gradients(zip([], []))
    assert int(opt.iterations) == 0


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop"])
def test_a_gradient_of_another_float_dtype_is_cast_to_the_variable_dtype(name):
    """TensorFlow accepts a float64 gradient for a float32 variable (Keras 3 casts it in update_step)."""
    w32, w64 = tf.Variable([1.0, -2.0]), tf.Variable([1.0, -2.0])
    opt32, opt64 = optimizers.get(name), optimizers.get(name)
    opt32.apply_gradients([(tf.constant([0.5, 0.25], dtype=tf.float64), w32)])
    opt64.apply_gradients([(tf.constant([0.5, 0.25]), w64)])
    assert w32.dtype == tf.float32
    np.testing.assert_allclose(w32.numpy(), w64.numpy(), rtol=1e-6)
    assert all(v.dtype == tf.float32 for v in opt32.variables[2:])  # the slots keep the variable's dtype


@pytest.mark.parametrize("rate", ["0.01", "adam", None, True])
def test_a_learning_rate_that_is_not_a_number_raises_value_error(rate):
    with pytest.raises(ValueError, match="Invalid learning_rate") as info:
        optimizers.SGD(learning_rate=rate)
    assert "learning_rate=0.001" in str(info.value)
    opt = optimizers.SGD(learning_rate=0.1)
    with pytest.raises(ValueError, match="Invalid learning_rate"):
        opt.learning_rate = rate
    assert float(opt.learning_rate) == pytest.approx(0.1)


def test_a_gradient_of_the_wrong_shape_raises_and_changes_nothing():
    """TensorFlow: "Cannot update variable with shape [2] using a Tensor with shape [3], shapes must be equal"."""
    a, b = tf.Variable([1.0, 2.0], name="a"), tf.Variable([3.0, 4.0], name="b")
    opt = optimizers.Adam(learning_rate=0.1)
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        opt.apply_gradients([(tf.constant([1.0, 1.0]), a), (tf.constant([1.0]), b)])  # broadcastable, still wrong
    message = str(info.value)
    assert message.startswith("Cannot update variable with shape [2] using a Tensor with shape [1], shapes must be "
                              "equal.")
    assert "'b:0'" in message and "zip(gradients, variables)" in message
    np.testing.assert_array_equal(a.numpy(), [1.0, 2.0])  # checked before anything changed
    assert int(opt.iterations) == 0 and not opt.built


@pytest.mark.parametrize("name", ["adam", "Adam", "ADAM", "rmsprop", "RMSprop", "RMSProp", "sgd", "SGD", "Sgd",
                                  "nadam", "Nadam", "adagrad", "Adagrad"])
def test_optimizer_names_are_case_insensitive_as_in_keras_3(name):
    assert type(optimizers.get(name)).__name__.lower() == name.lower()
    assert type(optimizers.deserialize({"class_name": name, "config": {}})).__name__.lower() == name.lower()
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 'adamm'"):
        optimizers.get("adamm")
