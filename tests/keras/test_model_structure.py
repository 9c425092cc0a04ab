"""How keras.Model is put together, as Keras 3 does: Model = Trainer + Layer; Model(inputs, outputs) is Functional."""

import ast
import pathlib
import re

import numpy as np
import pytest

import minitf as tf
from minitf import keras
from minitf.keras.layers.base import Layer
from minitf.keras.models.functional import Functional
from minitf.keras.trainers.trainer import Trainer

KERAS = pathlib.Path(keras.__file__).parent


def _imports(path):
    """Every module ``path`` imports (at any depth: deferred imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # from minitf.keras import models
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_model_is_a_trainer_and_a_layer():
    assert issubclass(keras.Model, Trainer) and issubclass(keras.Model, Layer)
    assert "fit" in vars(Trainer) and "fit" not in vars(keras.Model)


def test_model_of_inputs_and_outputs_is_functional_as_in_keras_3():
    inputs = keras.Input(shape=(3,))
    outputs = keras.layers.Dense(2)(inputs)
    for model in (keras.Model(inputs, outputs), keras.Model(inputs=inputs, outputs=outputs)):
        assert type(model) is Functional and isinstance(model, keras.Model)
        assert model.name.startswith("functional")
    assert type(keras.Sequential()) is keras.Sequential
    for half in ({"inputs": inputs}, {"outputs": outputs}):
        with pytest.raises(ValueError, match="needs both `inputs` and `outputs`"):
            keras.Model(**half)
    with pytest.raises(ValueError, match="needs both `inputs` and `outputs`"):
        keras.Model(inputs)


def test_a_subclass_calling_super_init_with_inputs_and_outputs_is_functional():
    class Wrapped(keras.Model):
        def __init__(self):
            inputs = keras.Input(shape=(2,))
            super().__init__(inputs, keras.layers.Dense(1, kernel_initializer="ones")(inputs))

    model = Wrapped()
    assert isinstance(model, Functional) and isinstance(model, Wrapped)
    np.testing.assert_allclose(model(tf.constant([[1.0, 2.0]])).numpy(), [[3.0]])


def test_a_saved_functional_model_loads_whether_saved_as_model_or_functional(tmp_path):
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded) is Functional
    np.testing.assert_allclose(loaded.predict(np.ones((1, 3)), verbose=0), model.predict(np.ones((1, 3)), verbose=0))
    config = {"class_name": "Model", "config": model.get_config()}  # the name older minitf files used
    rebuilt = keras.models.saving.deserialize_layer(config)
    assert type(rebuilt) is Functional and len(rebuilt.weights) == 2


@pytest.mark.parametrize("folder, above", [
    ("utils", ("layers", "trainers", "models", "optimizers")),
    ("optimizers", ("layers", "trainers", "models")),
    ("layers", ("trainers", "models")),
    ("trainers", ("models",)),
])
def test_keras_imports_read_bottom_up(folder, above):
    """utils -> optimizers, layers -> trainers -> models: no module imports one above it (deferred ones too)."""
    for path in (KERAS / folder).glob("*.py"):
        for name in _imports(path):
            assert not any(name.startswith(f"minitf.keras.{up}") for up in above), f"{path.name} imports {name}"


def test_keras_uses_no_engine_internals():
    """Keras uses minitf's public API: no recorder lists, no checking switch, no raw arrays, no class tests, no
    variable-update primitives called directly (Variable.assign... instead), no ops imported from the engine's files
    (the public names tf.reshape... stay put when the engine reorganizes)."""
    for path in KERAS.rglob("*.py"):
        text = path.read_text()
        for internal in (r"primitive\.recorders", r"primitive\.checking", r"\._value\b", r"__class__ is",
                         r"\b(Assign(Add|Sub)?VariableOp|ReadVariableOp|Resource\w+)\(",  # variable.py's primitives
                         r"from minitf\.variable import (?!Variable\n)", r"from minitf\.primitive",
                         r"from minitf import primitive", r"from minitf\.ops"):
            assert not re.search(internal, text), f"{path.relative_to(KERAS)} uses {internal}"


def test_layer_bookkeeping_list_names_no_model_field():
    from minitf.keras.layers import base

    assert not base._UNTRACKED & {"optimizer", "history", "compiled_loss", "compiled_metrics", "_graph_nodes",
                                  "_step_functions", "stop_training"}
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)
    assert len(model.weights) == 2 and len(model.layers) == 1  # the optimizer's slots are not model weights
