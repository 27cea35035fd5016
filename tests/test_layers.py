"""The layers of ARCHITECTURE.md stay one-way: a module imports only from its layer or below.

Parsed with `ast`, so it sees every import, including those inside functions.
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "chainrule"

LAYERS = {
    # L0: what a primitive is, and the table itself
    "_core": 0, "pytree": 0,
    # finds the optional compiled fast paths (_ccore.c), which the Tensor layer installs
    "_accel": 0, "primitives": 1, "primitives_numpy": 1,
    # operators shared by every tracer
    "_ops": 2,
    # interpreters of the table: reverse pass, forward mode, batching, Taylor series
    "engine": 3, "forward": 3, "batching": 3, "taylor": 3,
    # the Tensor
    "tensor": 4,
    # namespaces and transforms
    "numpy": 5, "_np_linalg": 5, "_np_fft": 5, "functional": 5, "autograd": 5,
    # checks and the symbolic reader
    "testing": 6, "symbolic": 6, "coverage": 6,
    # text in, pictures out
    "parser": 7, "calculus": 7, "explain": 7, "visual": 7,
    # the command line
    "cli": 8, "__main__": 8,
}

# Upward imports done lazily inside one function, each with its reason.
ALLOWED_UPWARD = {
    # NumPy hands np.<function>(tensor) to Tensor.__array_function__; the mapping to our
    # functions belongs to the NumPy namespace, looked up only when NumPy calls.
    ("tensor", "numpy"),
    # The methods every tracer shares (x.var(), x.repeat(2, 1), ...) are the NumPy
    # namespace's composites, looked up when called (chainrule.numpy imports _ops).
    ("_ops", "numpy"),
}


def _imports(path: pathlib.Path) -> set:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and \
                node.module.startswith("chainrule"):
            parts = node.module.split(".")
            if len(parts) > 1:
                found.add(parts[1])
            else:
                found.update(alias.name for alias in node.names)
    return found


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def test_every_module_has_a_layer():
    missing = [m for m in MODULES if m not in LAYERS]
    assert not missing, f"add these modules to LAYERS in tests/test_layers.py: {missing}"


@pytest.mark.parametrize("module", MODULES)
def test_imports_point_down(module):
    if module not in LAYERS:
        pytest.fail(f"{module} has no layer")
    upward = []
    for dep in _imports(PACKAGE / f"{module}.py"):
        if dep not in LAYERS or dep == module:
            continue
        if LAYERS[dep] > LAYERS[module] and (module, dep) not in ALLOWED_UPWARD:
            upward.append(f"{dep} (layer {LAYERS[dep]})")
    assert not upward, f"{module} (layer {LAYERS[module]}) imports upward: {upward}"


def test_hot_classes_keep_fast_attribute_access():
    # A __getattr__ (or __getattribute__) on Tensor makes CPython give up its specialised
    # attribute loads for every Tensor, on every operation: measured 30% slower per op.
    from chainrule.forward import Dual
    from chainrule.tensor import Tensor
    for cls in (Tensor, Dual):
        for hook in ("__getattr__", "__getattribute__"):
            assert not any(hook in vars(k) for k in cls.__mro__ if k is not object), (cls, hook)
