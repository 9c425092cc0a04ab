"""``minitf.Module``, ``minitf.name_scope`` naming variables, and ``minitf.init_scope``, as in TensorFlow 2.21."""

import numpy as np
import pytest

import minitf as tf
from minitf import keras
from minitf.primitive import recorders


class Leaf(tf.Module):
    def __init__(self, value=1.0, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(value, name="w")


# -- names ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("class_name, expected", [
    ("MyModule", "my_module"), ("Dense", "dense"), ("MLPBlock", "mlp_block"), ("HTTPServer2", "http_server2"),
    ("Conv2D", "conv2_d"), ("My_Module", "my__module"), ("lower", "lower")])
def test_default_name_is_the_class_name_in_snake_case(class_name, expected):
    assert type(class_name, (tf.Module,), {})().name == expected


def test_a_given_name_is_kept_and_not_made_unique():
    assert tf.Module(name="encoder").name == "encoder"
    assert Leaf().name == Leaf().name == "leaf"  # TensorFlow does not number modules (Keras numbers layers)


@pytest.mark.parametrize("bad", ["my-module", "1st", "model/dense", "", "has space"])
def test_an_invalid_name_raises_like_tensorflow(bad):
    with pytest.raises(ValueError, match=r"is not a valid module name\. Module names must be valid Python "
                                         r"identifiers \(e\.g\. a valid class name\)\.\n  Use letters"):
        tf.Module(name=bad)


def test_a_subclass_that_skips_super_init_still_lists_its_variables_but_has_no_name():
    class NoInit(tf.Module):
        def __init__(self):
            self.v = tf.Variable(1.0)

    module = NoInit()
    assert module.variables == (module.v,)
    with pytest.raises(AttributeError, match=r"did not call Module.__init__\.\n  Start the subclass's __init__ "
                                             r"with super\(\).__init__\(name=name\)"):
        _ = module.name


# -- what a module finds in its attributes ------------------------------------------------------------
def test_variables_are_own_attributes_by_name_then_each_submodules():
    root = tf.Module(name="root")
    root.z_var = tf.Variable(1.0, name="z")
    root.b_child = Leaf(2.0, name="b")
    root.a_child = Leaf(3.0, name="a")
    root.a_var = tf.Variable(4.0, name="a_var")
    # own attributes sorted (a_child, a_var, b_child, z_var), then a_child's, then b_child's
    assert [float(v) for v in root.variables] == [4.0, 1.0, 3.0, 2.0]


def test_submodules_list_a_level_before_going_deeper():
    root, a, b = tf.Module(name="root"), tf.Module(name="a"), tf.Module(name="b")
    a.a1, b.b1 = tf.Module(name="a1"), tf.Module(name="b1")
    a.a1.deep = tf.Module(name="deep")
    root.b, root.a = b, a
    # TensorFlow's _flatten_module: a module's own attributes first, then each sub-module found, in order
    assert [m.name for m in root.submodules] == ["a", "b", "a1", "deep", "b1"]
    assert root not in root.submodules


def test_lists_tuples_and_dicts_are_searched_and_nested():
    module = tf.Module()
    v = [tf.Variable(float(i)) for i in range(6)]
    module.items = [v[0], (v[1], {"y": v[3], "x": v[2]})]
    module.table = {"b": [v[5]], "a": Leaf(4.0)}
    module.number, module.text, module.tensor = 3, "text", tf.constant(9.0)
    # dicts by sorted key; "table" -> a (a Leaf: walked after the module's own attributes) then b
    assert [float(x) for x in module.variables] == [0.0, 1.0, 2.0, 3.0, 5.0, 4.0]
    assert len(module.submodules) == 1


def test_a_shared_variable_or_module_is_listed_once():
    shared = Leaf()
    root = tf.Module()
    root.first, root.second, root.again = shared, shared, [shared.w]
    assert root.variables == (shared.w,)
    assert root.submodules == (shared,)


def test_cycles_end():
    parent, child = tf.Module(name="parent"), tf.Module(name="child")
    parent.child, child.parent = child, parent
    child.v = tf.Variable(1.0)
    assert parent.submodules == (child,)
    assert parent.variables == (child.v,)


def test_trainable_and_non_trainable_variables():
    module = Leaf()
    module.counter = tf.Variable(0, trainable=False, name="counter")
    assert module.trainable_variables == (module.w,)
    assert module.non_trainable_variables == (module.counter,)
    assert module.variables == (module.counter, module.w)
    assert isinstance(module.variables, tuple)


def test_the_walk_sees_changes_at_once():
    module = tf.Module()
    module.layers = []
    module.layers.append(Leaf())
    assert len(module.variables) == 1
    module.layers[0] = Leaf()
    module.layers[0].w2 = tf.Variable(2.0)
    assert len(module.variables) == 2
    del module.layers
    assert module.variables == ()


def test_flatten_with_paths_gives_every_path():
    shared = tf.Variable(1.0)
    module = tf.Module()
    module.a, module.layers = shared, [Leaf(), shared]
    paths = [path for path, _ in module._flatten(predicate=lambda x: isinstance(x, tf.Variable), with_path=True)]
    assert paths == [("a",), ("layers", 1), ("layers", 0, "w")]


def test_flatten_can_stay_at_the_top_and_walk_in_another_order():
    root = tf.Module()
    root.b, root.a, root.child = tf.Variable(1.0), tf.Variable(2.0), Leaf(3.0)
    is_variable = lambda x: isinstance(x, tf.Variable)
    assert [float(v) for v in root._flatten(recursive=False, predicate=is_variable)] == [2.0, 1.0]
    backwards = root._flatten(predicate=is_variable, attribute_traversal_key=lambda name: [-ord(c) for c in name])
    assert [float(v) for v in backwards] == [1.0, 2.0, 3.0]


def test_ignored_properties_are_not_walked():
    class Ignoring(tf.Module):
        _TF_MODULE_IGNORED_PROPERTIES = frozenset({"cache"})

    module = Ignoring()
    module.cache, module.w = tf.Variable(1.0), tf.Variable(2.0)
    assert module.variables == (module.w,)
    assert list(module._checkpoint_children()) == ["w"]


# -- name scopes --------------------------------------------------------------------------------------
def test_name_scope_prefixes_new_variables_names():
    with tf.name_scope("outer") as outer:
        a = tf.Variable(1.0, name="a")
        with tf.name_scope("inner") as inner:
            b = tf.Variable(1.0)
    c = tf.Variable(1.0, name="c")
    assert (outer, inner) == ("outer/", "outer/inner/")
    assert (a.name, b.name, c.name) == ("outer/a:0", "outer/inner/Variable:0", "c:0")


def test_name_scope_absolute_and_empty_names():
    with tf.name_scope("outer"):
        with tf.name_scope("elsewhere/") as absolute:
            a = tf.Variable(1.0, name="a")
        with tf.name_scope("") as top:
            b = tf.Variable(1.0, name="b")
    assert (absolute, a.name, top, b.name) == ("elsewhere/", "elsewhere/a:0", "", "b:0")


def test_name_scope_closes_after_an_error():
    with pytest.raises(RuntimeError):
        with tf.name_scope("broken"):
            raise RuntimeError
    assert tf.Variable(1.0, name="v").name == "v:0"


def test_name_scope_name_must_be_a_string():
    with pytest.raises(ValueError, match=r"name for name_scope must be a string\. Received: 3 of type int\.\n  Pass"):
        tf.name_scope(3)
    assert tf.name_scope("dense").name == "dense"


def test_name_scope_names_the_traced_operations_too():
    @tf.function
    def f(x):
        with tf.name_scope("block"):
            with tf.name_scope("inner"):
                return x * 2.0

    names = [op.name for op in f.get_concrete_function(tf.constant(1.0)).graph.get_operations()]
    assert names == ["x", "block/inner/Const", "block/inner/Mul"]


def test_module_name_scope_names_variables_created_inside_it():
    module = tf.Module(name="my_module")
    with module.name_scope as scope:
        v = tf.Variable(1.0, name="w")
    assert (scope, v.name, module.name_scope.name) == ("my_module/", "my_module/w:0", "my_module/")


def test_a_module_made_inside_a_scope_keeps_that_scope_and_reopens_it_anywhere():
    with tf.name_scope("outer"):
        module = tf.Module(name="inner")
    with tf.name_scope("somewhere_else"):
        with module.name_scope:
            v = tf.Variable(1.0, name="w")
    assert v.name == "outer/inner/w:0"


def test_with_name_scope_wraps_a_method():
    class Lazy(tf.Module):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.w = None

        @tf.Module.with_name_scope
        def __call__(self, x):
            """Scale x by w."""
            if self.w is None:
                self.w = tf.Variable(tf.ones([x.shape[-1]]), name="w")
            return x * self.w

    outer = Lazy(name="outer")
    with outer.name_scope:
        inner = Lazy(name="inner")
    inner(tf.ones([2]))
    outer(tf.ones([3]))
    assert (inner.w.name, outer.w.name) == ("outer/inner/w:0", "outer/w:0")
    assert (Lazy.__call__.__name__, Lazy.__call__.__doc__) == ("__call__", "Scale x by w.")


def test_without_a_name_scope_module_variables_keep_their_own_names():
    assert Leaf().w.name == "w:0"  # as in TensorFlow: a module's scope is opened only where you ask


# -- checkpoint children --------------------------------------------------------------------------------
def test_checkpoint_children_are_attributes_in_the_order_set():
    module = tf.Module()
    module.z, module.child, module.a, module.count = tf.Variable(1.0), Leaf(), tf.Variable(2.0), 3
    children = module._checkpoint_children()
    assert list(children) == ["z", "child", "a"]
    assert children["z"] is module.z and children["child"] is module.child
    assert module.child._checkpoint_children() == {"w": module.child.w}


def test_checkpoint_children_keep_containers_that_hold_something_trackable():
    module = tf.Module()
    a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    module.layers = ["not trackable", a, (Leaf(), [b])]
    module.table = {"first": c, "rest": [3]}
    module.deep = [[[], {"x": [b]}]]
    module.empty, module.numbers, module.dicts = [], [1, 2], {"a": [], "b": {"c": 1}}
    children = module._checkpoint_children()
    assert list(children) == ["layers", "table", "deep"]
    assert children["layers"] is module.layers and children["table"] is module.table  # the checkpoint walks them


def test_checkpoint_children_include_any_object_that_names_its_children():
    class Trackable:
        def _checkpoint_children(self):
            return {}

    module = tf.Module()
    module.optimizer, module.kind = Trackable(), Trackable  # an instance is a node, a class is not
    assert list(module._checkpoint_children()) == ["optimizer"]


# -- modules and minitf.function ----------------------------------------------------------------------
class Traced(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = None
        self.traces = 0

    @tf.function
    def __call__(self, x):
        self.traces += 1
        if self.w is None:  # created on the first call only
            self.w = tf.Variable(tf.ones([x.shape[-1], 2]), name="w")
        return tf.matmul(x, self.w)


def test_a_traced_call_creates_its_variables_once_and_replays():
    module = Traced()
    np.testing.assert_allclose(module(tf.ones([1, 3])), [[3.0, 3.0]])
    assert module.variables == (module.w,)
    traces = module.traces  # a first trace that creates variables is traced twice, as in TensorFlow
    module.w.assign(2 * tf.ones([3, 2]))
    np.testing.assert_allclose(module(tf.ones([1, 3])), [[6.0, 6.0]])  # the graph reads the variable
    assert module.traces == traces
    assert module.__call__.experimental_get_tracing_count() == 1


def test_a_counter_module_keeps_its_state_between_traced_calls():
    class Count(tf.Module):  # TensorFlow's tf.function guide: no super().__init__(), a variable made on first call
        def __init__(self):
            self.count = None

        @tf.function
        def __call__(self):
            if self.count is None:
                self.count = tf.Variable(0)
            return self.count.assign_add(1)

    counter = Count()
    assert [int(counter()) for _ in range(3)] == [1, 2, 3]
    assert counter.variables == (counter.count,)


def test_variables_made_in_init_scope_inside_a_traced_call_are_made_once():
    class Lazy(tf.Module):
        def __init__(self):
            super().__init__()
            self.v = None

        @tf.function
        def __call__(self, x):
            if self.v is None:
                with tf.init_scope():
                    self.v = tf.Variable(tf.fill([x.shape[-1]], 2.0), name="v")
            return x * self.v

    lazy = Lazy()
    np.testing.assert_allclose(lazy(tf.constant([1.0, 2.0])), [2.0, 4.0])
    first = lazy.v
    np.testing.assert_allclose(lazy(tf.constant([3.0, 4.0])), [6.0, 8.0])
    assert lazy.v is first and lazy.variables == (first,)


def test_each_instance_has_its_own_traces():
    a, b = Traced(), Traced()
    a(tf.ones([1, 3]))
    b(tf.ones([1, 4]))
    assert (a.w.shape, b.w.shape) == ((3, 2), (4, 2))


def test_wrapping_a_module_in_function_traces_its_call():
    class Scale(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(3.0)

        def __call__(self, x):
            return x * self.w

    module = Scale()
    traced = tf.function(module)
    assert float(traced(tf.constant(2.0))) == 6.0
    module.w.assign(4.0)
    assert float(traced(tf.constant(2.0))) == 8.0
    assert traced.experimental_get_tracing_count() == 1


def test_a_module_that_creates_a_variable_on_every_call_raises():
    class EveryCall(tf.Module):
        @tf.function
        def __call__(self, x):
            return x * tf.Variable(2.0, name="fresh")

    with pytest.raises(ValueError, match=r"only supports singleton minitf.Variables created on the first call"):
        EveryCall()(tf.constant(1.0))


def test_gradients_flow_through_a_traced_module():
    module = Traced()
    x = tf.constant([[1.0, 2.0]])
    module(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(module(x))
    (grad,) = tape.gradient(loss, module.trainable_variables)
    np.testing.assert_allclose(grad, [[1.0, 1.0], [2.0, 2.0]])


# -- init_scope ------------------------------------------------------------------------------------
def test_init_scope_runs_once_while_tracing_and_stays_out_of_the_graph():
    counter = tf.Variable(0.0)

    @tf.function
    def f(x):
        with tf.init_scope():
            counter.assign_add(1.0)
            lifted = tf.constant(10.0) * 2.0
        return x + lifted

    concrete_out = [float(f(tf.constant(1.0))) for _ in range(3)]
    assert concrete_out == [21.0, 21.0, 21.0]
    assert float(counter) == 1.0  # once, while tracing; the graph does not hold the assignment
    types = [op.type for op in f.get_concrete_function(tf.constant(1.0)).graph.get_operations()]
    assert "AssignAddVariableOp" not in types and "Mul" not in types


def test_init_scope_pauses_tapes():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        with tf.init_scope():
            y = x * x
    assert tape.gradient(y, x) is None


def test_init_scope_refuses_the_traced_functions_tensors():
    @tf.function
    def f(x):
        with tf.init_scope():
            return x * 2.0

    with pytest.raises(TypeError, match=r'An op outside of the function building code is being passed a "Graph" '
                                        r"tensor\..* The graph tensor has name: x:0\n  Mul was given it"):
        f(tf.constant(1.0))


def test_init_scope_keeps_the_name_scope_and_restores_recorders():
    with tf.GradientTape():
        outer = recorders[:]
        with tf.name_scope("kept"):
            with pytest.raises(RuntimeError):
                with tf.init_scope():
                    assert tf.Variable(1.0, name="v").name == "kept/v:0"
                    raise RuntimeError
        assert recorders == outer


def test_init_scope_outside_any_trace_is_plain_eager():
    with tf.init_scope():
        assert float(tf.constant(2.0) * 3.0) == 6.0


# -- Keras layers are not modules (Keras 3) ---------------------------------------------------------------
def test_keras_layers_are_not_modules_as_in_keras_3():
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    assert not isinstance(layer, tf.Module)
    assert len(layer.trainable_variables) == 2
    with pytest.raises(AttributeError, match="object has no attribute 'submodules'"):
        _ = layer.submodules


def test_a_module_does_not_collect_a_keras_layers_weights_as_in_keras_3():
    module = tf.Module()
    module.dense = keras.layers.Dense(2)
    module.dense.build((None, 3))
    module.scale = tf.Variable(1.0)
    assert module.submodules == ()
    assert module.variables == (module.scale,)


# -- unique scope names in a traced graph ---------------------------------------------------------------------------
def test_a_scope_opened_twice_in_a_traced_function_gets_a_new_name_as_in_a_tensorflow_graph():
    @tf.function
    def f(x):
        with tf.name_scope("dense"):
            x = tf.matmul(x, tf.ones([2, 2]))
        with tf.name_scope("dense") as second:
            with tf.name_scope("inner") as inner:
                x = tf.matmul(x, tf.ones([2, 2]))
            with tf.name_scope("inner") as inner_again:
                pass
        return x, second, inner, inner_again

    _, second, inner, inner_again = f(tf.ones([1, 2]))
    assert (second, inner, inner_again) == ("dense_1/", "dense_1/inner/", "dense_1/inner_1/")
    names = [op.name for op in f.get_concrete_function(tf.ones([1, 2])).graph.get_operations()]
    assert "dense/MatMul" in names and "dense_1/inner/MatMul" in names


def test_eager_scopes_and_a_modules_own_scope_keep_their_names():
    module = tf.Module(name="net")
    names = []
    for _ in range(2):
        with tf.name_scope("dense"):
            names.append(tf.Variable(1.0, name="w").name)
        with module.name_scope:
            names.append(tf.Variable(1.0, name="w").name)
    assert names == ["dense/w:0", "net/w:0"] * 2

    @tf.function
    def f(x):
        with module.name_scope:  # absolute ("net/"): reopened as it is, in a graph too
            x = x * 2.0
        with module.name_scope:
            return x * 3.0

    names = [op.name for op in f.get_concrete_function(tf.constant(1.0)).graph.get_operations()]
    assert names == ["x", "net/Const", "net/Mul", "net/Const_1", "net/Mul_1"]


def test_a_scope_inside_init_scope_is_not_made_unique():
    made = []

    @tf.function
    def f(x):
        with tf.name_scope("dense"):
            x = x * 2.0
        if not made:
            with tf.init_scope(), tf.name_scope("dense"):  # eager there, as in TensorFlow
                made.append(tf.Variable(1.0, name="w"))
        return x * made[0]

    f(tf.constant(1.0))
    assert made[0].name == "dense/w:0"
