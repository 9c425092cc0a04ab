"""The import picture reads bottom-up: no module imports one above it, and no import hides inside a function.

backend -> tensor -> primitive -> ops -> variable -> tape -> function -> keras -> lessons (issue 16).
"""

import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Lowest first. A module may import modules of its own layer or below. ops are ordered among themselves.
LAYERS = [
    ["minitf.backend", "minitf.dtypes", "minitf.errors", "minitf.nest"],
    ["minitf.config", "minitf.device"],
    ["minitf.tensor"],
    ["minitf.primitive"],
    ["minitf.ops.checks"],
    ["minitf.ops.math_ops"],
    ["minitf.ops.array_ops"],
    ["minitf.ops.reduction_ops"],
    ["minitf.ops.linalg_ops", "minitf.ops.nn_ops", "minitf.ops.random_ops", "minitf.ops.logging_ops"],
    ["minitf.ops.fused"],
    ["minitf.ops"],
    ["minitf.naming"],
    ["minitf.variable"],
    ["minitf.train"],  # checkpoints need variables only, so minitf.Module (above) can call their restore hook
    ["minitf.tape"],
    ["minitf.ops.script_ops"],
    ["minitf.graph"],
    ["minitf.tracer", "minitf.executor"],
    ["minitf.function"],
    ["minitf.lifting", "minitf.module"],
    ["minitf.explain"],
    ["minitf.math", "minitf.nn", "minitf.linalg", "minitf.random", "minitf.test"],
    ["minitf"],
    ["minitf.keras"],
    ["minitf.lessons"],
    ["minitf.doctor", "minitf.__main__"],
]


def layer_of(module):
    """The layer of ``module``: its own entry, or that of the nearest package listed."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        name = ".".join(parts[:end])
        for index, layer in enumerate(LAYERS):
            if name in layer:
                return index
    raise AssertionError(f"{module} is in no layer of tests/test_layers.py: add it where it belongs")


def modules():
    for folder, _, files in os.walk(os.path.join(ROOT, "minitf")):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                yield path, relative[: -len(".__init__")] if relative.endswith(".__init__") else relative


def imports(path, module):
    """(imported module, line, at top level?) for each import of a minitf module in ``path``."""
    tree = ast.parse(open(path).read())
    top = set(map(id, tree.body))
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
            names = [base + "." + alias.name for alias in node.names] if base in ("minitf", "minitf.ops") else [base]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name == "minitf" or name.startswith("minitf."):
                yield name, node.lineno, id(node) in top


def test_no_module_imports_one_above_it():
    wrong = []
    for path, module in modules():
        if module.startswith("minitf.keras") or module.startswith("minitf.lessons"):
            continue  # keras and lessons sit above the engine; their own order is theirs
        for name, line, _ in imports(path, module):
            if layer_of(name) > layer_of(module) and not name.startswith(module + "."):
                wrong.append(f"{module}:{line} imports {name}")
    assert not wrong, "imports that go up the layers:\n" + "\n".join(wrong)


def test_the_engine_has_no_deferred_imports():
    engine_top = layer_of("minitf.function")
    deferred = [f"{module}:{line} imports {name} inside a function" for path, module in modules()
                if layer_of(module) <= engine_top for name, line, at_top in imports(path, module) if not at_top]
    assert not deferred, "\n".join(deferred)
