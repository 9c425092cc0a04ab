"""Every primitive reads the same way: a named forward function and named gradient rules, side by side (issue 16).

A learner who opens any op finds its forward rule, its gradient rules and the ``Primitive(...)`` line that ties
them together within one screen of one file; public ops are real ``def``s with their own docstrings, so
tracebacks and ``help()`` name them. (Argument checks shared by many ops live in ``ops/checks.py``.)
"""

import importlib
import inspect
import pkgutil
import re

import pytest

import minitf
from minitf.ops import checks, fused
from minitf.primitive import Primitive

SCREEN = 50  # lines: the forward rule, the gradient rules and the Primitive line all fit in this span
ENGINE = ["minitf.variable", "minitf.tracer"] + [f"minitf.ops.{m.name}"
                                                 for m in pkgutil.iter_modules(minitf.ops.__path__)]


def _primitives():
    """(module, name, primitive, line of its ``Primitive(`` call) for every primitive the engine defines."""
    found = []
    for module_name in ENGINE:
        module = importlib.import_module(module_name)
        source = inspect.getsource(module).splitlines()
        for name, value in vars(module).items():
            if isinstance(value, Primitive):
                lines = [i for i, text in enumerate(source, 1) if re.match(rf"{name} = (\w+\.)?Primitive\(", text)]
                if lines:  # defined here, not imported
                    found.append((module, name, value, lines[0]))
    return found


PRIMITIVES = _primitives()


def _rules(prim):
    """The forward rule and the gradient rules as written beside the primitive (a fused rule stands for one)."""
    rules = [] if prim.vjp is None else [fused.definition_of(r) or r for r in prim.vjp if r is not None]
    return [prim.forward] + rules


def test_every_primitive_is_found():
    assert len(PRIMITIVES) == len({id(p) for _, _, p, _ in PRIMITIVES}) >= 60


@pytest.mark.parametrize("module, name, prim, line", PRIMITIVES, ids=[name for _, name, _, _ in PRIMITIVES])
def test_forward_and_gradient_rules_are_named_functions_on_one_screen(module, name, prim, line):
    spans = [line, line]
    for rule in _rules(prim):
        assert inspect.isfunction(rule) and rule.__name__ != "<lambda>", (
            f"{name}: {rule!r} should be a def with a name a learner can find")
        assert rule.__module__ == module.__name__, (
            f"{name}'s rule {rule.__name__} lives in {rule.__module__}, not beside the primitive in {module.__name__}")
        source, first = inspect.getsourcelines(rule)
        spans += [first, first + len(source) - 1]
    assert max(spans) - min(spans) < SCREEN, (
        f"{name}'s forward rule, gradient rules and Primitive line span {max(spans) - min(spans) + 1} lines of "
        f"{module.__name__}: keep them on one screen ({SCREEN} lines)")


@pytest.mark.parametrize("module, name, prim, line", PRIMITIVES, ids=[name for _, name, _, _ in PRIMITIVES])
def test_a_check_is_named_and_shared_checks_live_in_checks(module, name, prim, line):
    if prim.check is None:
        return
    owner = inspect.getmodule(prim.check)
    assert owner in (module, checks), f"{name}'s check comes from {owner.__name__}"
    if owner is module:
        assert prim.check.__name__ != "<lambda>", f"{name}'s check should be a named def"


def _public_ops():
    """Every public function of minitf's op namespaces: (qualified name, function), wherever in minitf it is defined
    (a lambda or factory in a namespace module such as minitf/math.py is a public op too)."""
    spaces = {"minitf": minitf, "minitf.math": minitf.math, "minitf.nn": minitf.nn, "minitf.linalg": minitf.linalg,
              "minitf.random": minitf.random}
    ops = {}
    for space_name, space in spaces.items():
        for name in dir(space):
            value = getattr(space, name)
            if not name.startswith("_") and callable(value) and not inspect.isclass(value) and (
                    getattr(value, "__module__", "") or "").startswith("minitf"):
                ops.setdefault(id(value), (f"{space_name}.{name}", value))
    return sorted(ops.values(), key=lambda item: item[0])


PUBLIC_OPS = _public_ops()


def test_public_ops_are_found():
    names = {name for name, _ in PUBLIC_OPS}
    assert {"minitf.add", "minitf.matmul", "minitf.reduce_sum", "minitf.nn.relu"} <= names


@pytest.mark.parametrize("name, op", PUBLIC_OPS, ids=[name for name, _ in PUBLIC_OPS])
def test_public_ops_are_real_defs_with_docstrings(name, op):
    assert inspect.isfunction(op) and op.__name__ != "<lambda>", f"{name} should be a def, not {op!r}"
    assert (op.__doc__ or "").strip(), f"{name} ({op.__module__}.{op.__name__}) needs a docstring"
