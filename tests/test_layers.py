"""The house stays one-way: folders are layers, imports point down, and the files inside a folder
import only files listed before them (so no circle between files is possible).

Parsed with `ast`, so it sees every import, including those inside functions.
"""

from __future__ import annotations

import ast
import importlib
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "chainrule"

# Each entry of the package (a folder or a top-level module) and its layer.
LAYERS = {
    # what a primitive is, tracers, levels, grad mode, value helpers, pytrees; and the hot paths
    # twice (_kernel: the Python reference and its C twin), which import nothing of chainrule
    # (tensor.py hands them the classes and engine functions they work on), so they sit here
    "core": 0, "_kernel": 0,
    # THE table, and the operators every tracer shares
    "ops": 1,
    # interpreters of the table: reverse pass, forward mode, batching, Taylor series
    "interpret": 2,
    # the Tensor (eager, PyTorch style)
    "eager": 3,
    # namespaces and transforms
    "numpy": 4, "special": 4, "scipy": 4, "functional": 4, "autograd": 4, "custom": 4,
    # checks, the symbolic reader, the backends' coverage, and the compiler (it traces the
    # transforms)
    "testing": 5, "symbolic": 5, "coverage": 5, "coverage_backends": 5, "compiler": 5,
    # text in, pictures out
    "text": 6, "visual": 6,
    # the command line
    "cli": 7, "__main__": 7,
    # the local web page and its JSON API
    "web": 8,
}

# Inside a folder, a file may import only the files before it ("__init__" may import all).
ORDER = {
    "core": ["primitive", "gradmode", "values", "pytree"],
    "ops": ["_build", "elementwise", "reciprocal_trig", "linear", "reductions", "linalg",
            "fourier", "readings", "named", "methods", "special"],
    "interpret": ["reverse", "forward", "batching", "taylor"],
    "numpy": ["_constants", "_helpers", "_math", "_shape", "_index", "_reduce", "_products",
              "_create", "_stats", "_special", "linalg", "fft"],
    "_kernel": ["reference"],
    "symbolic": ["_base", "printing", "expr", "polynomial", "simplify", "cancel", "derive"],
    "text": ["functions", "parser", "calculus", "explain", "check"],
    "compiler": ["trace", "optimize", "codegen"],
    "functional": ["_common", "grads", "jacobians", "taylor_mode", "vmap"],
    "custom": ["_row", "jax_style", "autograd_style", "checkpoint"],
    "web": ["compute", "_worker", "server"],
    "visual": ["render", "graph", "plot"],
    "scipy": ["special", "stats", "signal", "linalg", "integrate"],
}

# Imports against the grain, each done lazily inside one function, with its reason.
ALLOWED_UPWARD = {
    # NumPy hands np.<function>(tracer) to ArrayOps.__array_function__; the mapping to our
    # functions belongs to the NumPy namespace, looked up only when NumPy calls.
    ("ops.readings", "numpy"),
    # `chainrule serve` starts the web server, which is optional (the [web] extra).
    ("cli", "web"),
}


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1] + ["__init__"] if len(parts) > 1 else ["__init__"]
    return ".".join(parts)


def _package_of(module: str) -> list:
    parts = module.split(".")
    return parts[:-1]


def _imports(path: pathlib.Path) -> set:
    """Dotted names (relative to chainrule) of every chainrule module this file imports."""
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = _package_of(module)
            base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
        elif node.module and node.module.split(".")[0] == "chainrule":
            base = []
            node_module = node.module.split(".", 1)[1] if "." in node.module else ""
            for alias in node.names:
                found.add(".".join(filter(None, [node_module, alias.name])))
            continue
        else:
            continue
        target = base + (node.module.split(".") if node.module else [])
        if node.module:
            found.add(".".join(target))
        for alias in node.names:
            found.add(".".join(target + [alias.name]))
    files = {_module_name(p).replace(".__init__", "") for p in PACKAGE.rglob("*.py")}
    return {f for f in found if f in files}


FILES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or
               p.parent != PACKAGE)
MODULES = {_module_name(p): p for p in FILES}


def _entry(module: str) -> str:
    return module.split(".")[0]


def test_every_entry_has_a_layer():
    entries = {_entry(m) for m in MODULES}
    missing = sorted(e for e in entries if e not in LAYERS)
    assert not missing, f"add these to LAYERS in tests/test_layers.py: {missing}"
    for folder, files in ORDER.items():
        present = sorted(m.split(".", 1)[1] for m in MODULES
                         if m.startswith(folder + ".") and not m.endswith("__init__"))
        assert sorted(files) == present, f"ORDER[{folder!r}] must list exactly {present}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    here = _entry(module)
    wrong = []
    for dep in _imports(MODULES[module]):
        there = _entry(dep)
        if (module, dep) in ALLOWED_UPWARD or (module, there) in ALLOWED_UPWARD:
            continue
        if there != here:
            if LAYERS[there] > LAYERS[here]:
                wrong.append(f"{dep} (layer {LAYERS[there]} above {LAYERS[here]})")
            continue
        if module.endswith("__init__") or dep == here:
            continue
        order = ORDER[here]
        mine, theirs = module.split(".", 1)[1], dep.split(".", 1)[1]
        if theirs != mine and order.index(theirs) > order.index(mine):
            wrong.append(f"{dep} (listed after {module} in its folder)")
    assert not wrong, f"{module} imports against the grain: {wrong}"


def test_hot_classes_keep_fast_attribute_access():
    # A __getattr__ (or __getattribute__) on Tensor makes CPython give up its specialised
    # attribute loads for every Tensor, on every operation: measured 30% slower per op.
    from chainrule.interpret.forward import Dual
    from chainrule.eager import Tensor
    for cls in (Tensor, Dual):
        for hook in ("__getattr__", "__getattribute__"):
            assert not any(hook in vars(k) for k in cls.__mro__ if k is not object), (cls, hook)


# ----------------------------------------------------------------------------------------
# The public face.

def test_dir_of_the_package_shows_no_private_names():
    import chainrule
    shown = [n for n in dir(chainrule) if not (n.startswith("__") and n.endswith("__"))]
    assert not [n for n in shown if n.startswith("_")], "private names are visible"
    assert "annotations" not in shown
    assert set(chainrule.__all__) <= set(shown)


@pytest.mark.parametrize("sub", ["linalg", "fft"])
def test_dir_of_numpy_submodules_is_their_all(sub):
    import chainrule.numpy as cnp
    module = getattr(cnp, sub)
    assert dir(module) == sorted(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), name


def test_no_module_is_shadowed_by_a_name_of_the_package():
    # `chainrule.tensor` is the constructor, as `torch.tensor`; a module of that name would be
    # unreachable as an attribute (the README once told users to read chainrule.tensor.COMPILED).
    import chainrule
    shadowed = []
    for p in PACKAGE.iterdir():
        name = p.stem if p.suffix == ".py" else p.name if (p / "__init__.py").exists() else None
        if name is None or name.startswith("_"):
            continue
        module = importlib.import_module(f"chainrule.{name}")
        if getattr(chainrule, name, module) is not module:
            shadowed.append(name)
    assert not shadowed, f"these modules are hidden by a function or object: {shadowed}"


def test_every_module_says_what_it_exports():
    missing = []
    for module_name in sorted(MODULES):
        if module_name.split(".")[-1].startswith("_") or module_name == "__main__":
            continue
        module = importlib.import_module(f"chainrule.{module_name.replace('.__init__', '')}")
        if not hasattr(module, "__all__"):
            missing.append(module_name)
    assert not missing, f"add __all__ to: {missing}"
