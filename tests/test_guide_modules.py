"""TensorFlow's guide "Introduction to modules, layers, and models", section by section, on minitf.

Sections, in the guide's order, and where each is tested:

- Defining models and layers in TensorFlow: a module's variables, sub-modules, and a model of modules (here).
- Waiting to create variables: variables created on the first call (here).
- Saving weights: ``tf.train.Checkpoint`` of a module (tests/test_checkpoint.py, not here).
- Saving functions: a module whose ``__call__`` is a ``tf.function``, one graph per signature (here; the
  guide's TensorBoard trace is replaced by minitf's printable graph: minitf has no ``tf.summary``).
- Creating a SavedModel: out of minitf's scope (no SavedModel format; README "Where minitf differs").
- Keras models and layers: Keras layers, the ``build`` step, Keras models (here). With Keras 3, which
  TensorFlow 2.21 uses, layers and models are not ``tf.Module``s: ``submodules`` does not exist on them.
- Saving Keras models: ``model.save``/``load_model`` of the guide's model (here, as Keras 3 needs it: a
  ``.keras`` file, ``get_config`` for the custom classes and ``custom_objects`` to load them).
"""

import numpy as np
import pytest

import minitf as tf


def _relu_dense(x, w, b):
    return np.maximum(np.asarray(x) @ w.numpy() + b.numpy(), 0.0)


# -- Defining models and layers in TensorFlow ---------------------------------------------------------
class SimpleModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.a_variable = tf.Variable(5.0, name="train_me")
        self.non_trainable_variable = tf.Variable(5.0, trainable=False, name="do_not_train_me")

    def __call__(self, x):
        return self.a_variable * x + self.non_trainable_variable


def test_a_simple_module_is_called_like_a_function():
    simple_module = SimpleModule(name="simple")
    result = simple_module(tf.constant(5.0))
    assert (result.dtype, float(result)) == (tf.float32, 30.0)
    assert simple_module.name == "simple"


def test_a_module_collects_the_variables_assigned_to_it():
    simple_module = SimpleModule(name="simple")
    assert [v.name for v in simple_module.trainable_variables] == ["train_me:0"]
    assert [v.name for v in simple_module.variables] == ["train_me:0", "do_not_train_me:0"]
    assert str(simple_module.trainable_variables) == (
        "(<minitf.Variable 'train_me:0' shape=() dtype=float32, numpy=5.0>,)")


class Dense(tf.Module):
    def __init__(self, in_features, out_features, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.random.normal([in_features, out_features]), name="w")
        self.b = tf.Variable(tf.zeros([out_features]), name="b")

    def __call__(self, x):
        y = tf.matmul(x, self.w) + self.b
        return tf.nn.relu(y)


class SequentialModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = Dense(in_features=3, out_features=3)
        self.dense_2 = Dense(in_features=3, out_features=2)

    def __call__(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


def test_a_model_made_of_two_dense_modules():
    tf.random.set_seed(0)
    my_model = SequentialModule(name="the_model")
    result = my_model(tf.constant([[2.0, 2.0, 2.0]]))
    hidden = _relu_dense([[2.0, 2.0, 2.0]], my_model.dense_1.w, my_model.dense_1.b)
    np.testing.assert_allclose(result, _relu_dense(hidden, my_model.dense_2.w, my_model.dense_2.b), rtol=1e-6)
    assert result.shape == (1, 2)


def test_a_module_collects_its_submodules_and_their_variables_recursively():
    my_model = SequentialModule(name="the_model")
    assert my_model.submodules == (my_model.dense_1, my_model.dense_2)
    assert all(isinstance(m, Dense) for m in my_model.submodules)
    # each module's variables by attribute name (b before w), the modules in attribute order
    assert [(v.name, tuple(v.shape)) for v in my_model.variables] == [
        ("b:0", (3,)), ("w:0", (3, 3)), ("b:0", (2,)), ("w:0", (3, 2))]


# -- Waiting to create variables -------------------------------------------------------------------------
class FlexibleDenseModule(tf.Module):
    def __init__(self, out_features, name=None):
        super().__init__(name=name)
        self.is_built = False
        self.out_features = out_features

    def __call__(self, x):
        if not self.is_built:  # create the variables on the first call, from the input's shape
            self.w = tf.Variable(tf.random.normal([x.shape[-1], self.out_features]), name="w")
            self.b = tf.Variable(tf.zeros([self.out_features]), name="b")
            self.is_built = True
        y = tf.matmul(x, self.w) + self.b
        return tf.nn.relu(y)


class MySequentialModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = FlexibleDenseModule(out_features=3)
        self.dense_2 = FlexibleDenseModule(out_features=2)

    def __call__(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


def test_variables_are_created_on_the_first_call():
    my_model = MySequentialModule(name="the_model")
    assert my_model.variables == ()
    result = my_model(tf.constant([[2.0, 2.0, 2.0]]))
    assert result.shape == (1, 2)
    assert [tuple(v.shape) for v in my_model.trainable_variables] == [(3,), (3, 3), (2,), (3, 2)]
    my_model(tf.constant([[1.0, 1.0, 1.0]]))
    assert len(my_model.variables) == 4  # built once


# -- Saving functions --------------------------------------------------------------------------------------
class TracedSequentialModule(tf.Module):
    """The guide's MySequentialModule with ``@tf.function`` on ``__call__``."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = Dense(in_features=3, out_features=3)
        self.dense_2 = Dense(in_features=3, out_features=2)

    @tf.function
    def __call__(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


def test_a_traced_module_works_as_before_with_one_graph_per_signature():
    my_model = TracedSequentialModule(name="the_model")
    one = my_model(tf.constant([[2.0, 2.0, 2.0]]))
    batch = my_model(tf.constant([[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]]))
    hidden = _relu_dense([[2.0, 2.0, 2.0]], my_model.dense_1.w, my_model.dense_1.b)
    np.testing.assert_allclose(one, _relu_dense(hidden, my_model.dense_2.w, my_model.dense_2.b), rtol=1e-6)
    assert batch.shape == (1, 2, 2)
    np.testing.assert_allclose(batch[0, 0], one[0])
    np.testing.assert_allclose(batch[0, 1], one[0])
    assert my_model.__call__.experimental_get_tracing_count() == 2
    my_model(tf.constant([[1.0, 2.0, 3.0]]))  # the same signature: no new graph
    assert my_model.__call__.experimental_get_tracing_count() == 2


def test_the_traced_graph_holds_the_modules_operations():
    my_model = TracedSequentialModule()
    graph = my_model.__call__.get_concrete_function(tf.constant([[2.0, 2.0, 2.0]])).graph
    types = [op.type for op in graph.get_operations()]
    assert types.count("MatMul") == 2 and types.count("Relu") == 2 and types.count("VarHandleOp") == 4
    assert {op.name for op in graph.get_operations() if op.type == "VarHandleOp"} == {"w", "b", "w_1", "b_1"}


# -- Keras models and layers: Keras layers -------------------------------------------------------------------
class MyDense(tf.keras.layers.Layer):
    def __init__(self, in_features, out_features, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(tf.random.normal([in_features, out_features]), name="w")
        self.b = tf.Variable(tf.zeros([out_features]), name="b")

    def call(self, x):
        y = tf.matmul(x, self.w) + self.b
        return tf.nn.relu(y)


def test_a_module_becomes_a_keras_layer_by_renaming_call():
    simple_layer = MyDense(name="simple", in_features=3, out_features=3)
    result = simple_layer([[2.0, 2.0, 2.0]])
    np.testing.assert_allclose(result, _relu_dense([[2.0, 2.0, 2.0]], simple_layer.w, simple_layer.b), rtol=1e-6)
    assert simple_layer.name == "simple"
    # Keras 3 (TensorFlow 2.21): a layer is not a tf.Module, though it has the same variable properties
    assert not isinstance(simple_layer, tf.Module)
    assert len(simple_layer.trainable_variables) == 2


# -- Keras models and layers: the build step -----------------------------------------------------------------
class FlexibleDense(tf.keras.layers.Layer):
    def __init__(self, out_features, **kwargs):
        super().__init__(**kwargs)
        self.out_features = out_features

    def build(self, input_shape):
        self.w = tf.Variable(tf.random.normal([input_shape[-1], self.out_features]), name="w")
        self.b = tf.Variable(tf.zeros([self.out_features]), name="b")

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {**super().get_config(), "out_features": self.out_features}


def test_build_creates_the_variables_on_the_first_call():
    flexible_dense = FlexibleDense(out_features=3)
    assert flexible_dense.variables == []
    result = flexible_dense(tf.constant([[2.0, 2.0, 2.0], [3.0, 3.0, 3.0]]))
    assert result.shape == (2, 3)
    assert [tuple(v.shape) for v in flexible_dense.variables] == [(3, 3), (3,)]


def test_after_build_an_input_of_another_size_is_rejected():
    flexible_dense = FlexibleDense(out_features=3)
    flexible_dense(tf.constant([[2.0, 2.0, 2.0]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Matrix size-incompatible: In\[0\]: \[1,4\], "
                                                             r"In\[1\]: \[3,3\] \[Op:MatMul\]"):
        flexible_dense(tf.constant([[2.0, 2.0, 2.0, 2.0]]))


# -- Keras models and layers: Keras models ---------------------------------------------------------------------
class MySequentialModel(tf.keras.Model):
    def __init__(self, name=None, **kwargs):
        super().__init__(**kwargs)
        self.dense_1 = FlexibleDense(out_features=3)
        self.dense_2 = FlexibleDense(out_features=2)

    def call(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


def test_a_keras_model_tracks_its_layers_variables():
    my_sequential_model = MySequentialModel(name="the_model")
    result = my_sequential_model(tf.constant([[2.0, 2.0, 2.0]]))
    assert result.shape == (1, 2)
    assert [(v.name, tuple(v.shape)) for v in my_sequential_model.variables] == [
        ("w:0", (3, 3)), ("b:0", (3,)), ("w:0", (3, 2)), ("b:0", (2,))]
    assert my_sequential_model.layers == [my_sequential_model.dense_1, my_sequential_model.dense_2]


def test_a_keras_3_model_has_no_submodules():
    # The guide's `my_sequential_model.submodules` raises with Keras 3 (tensorflow/tensorflow#97403);
    # `layers` lists the sub-layers.
    my_sequential_model = MySequentialModel()
    with pytest.raises(AttributeError, match="'MySequentialModel' object has no attribute 'submodules'"):
        _ = my_sequential_model.submodules


def test_a_raw_module_inside_a_keras_model_is_not_collected():
    # The guide's note: nest Keras layers in Keras layers; a tf.Module's variables are not the model's weights.
    model = MySequentialModel()
    model.extra = SimpleModule()
    model(tf.constant([[2.0, 2.0, 2.0]]))
    assert len(model.variables) == 4
    assert not any(v is model.extra.a_variable for v in model.trainable_variables)


def test_the_same_model_with_the_functional_api(capsys):
    inputs = tf.keras.Input(shape=[3])
    first, second = FlexibleDense(3), FlexibleDense(2)
    x = second(first(inputs))
    my_functional_model = tf.keras.Model(inputs=inputs, outputs=x)
    my_functional_model.summary()
    printed = capsys.readouterr().out
    assert "Total params: 20" in printed and "(None, 3)" in printed and "(None, 2)" in printed
    result = my_functional_model(tf.constant([[2.0, 2.0, 2.0]]))
    expected = (np.array([[2.0, 2.0, 2.0]]) @ first.w.numpy() + first.b.numpy()) @ second.w.numpy() + second.b.numpy()
    np.testing.assert_allclose(result, expected, rtol=1e-5)


# -- Saving Keras models -----------------------------------------------------------------------------------------
class SavableSequentialModel(MySequentialModel):
    """The guide's model with the ``get_config`` Keras 3 needs to save a model whose ``__init__`` takes arguments."""

    def get_config(self):
        return {"name": self.name}


def test_a_keras_model_is_saved_and_loaded_back(tmp_path):
    model = SavableSequentialModel(name="the_model")
    expected = model(tf.constant([[2.0, 2.0, 2.0]]))
    path = str(tmp_path / "exname_of_file.keras")
    model.save(path)
    reconstructed_model = tf.keras.models.load_model(
        path, custom_objects={"SavableSequentialModel": SavableSequentialModel, "FlexibleDense": FlexibleDense})
    np.testing.assert_allclose(reconstructed_model(tf.constant([[2.0, 2.0, 2.0]])), expected, rtol=1e-6)
