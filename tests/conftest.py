"""Shared test setup: the checkout itself is importable, Hypothesis runs without deadlines
(first calls pay for imports and caches, which is not what the property tests measure) and
derandomized, so a run (CI's included) tests the same examples every time and cannot fail by
luck. To hunt for new failing examples locally: HYPOTHESIS_PROFILE=explore python -m pytest."""

from __future__ import annotations

import os
import pathlib
import sys

import numpy as np
import pytest
from hypothesis import settings

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Lets `pytest` run from a fresh clone without `pip install -e .`.
    sys.path.insert(0, str(ROOT))

settings.register_profile("chainrule", deadline=None, max_examples=60, derandomize=True)
settings.register_profile("explore", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "chainrule"))


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so a failing test fails the same way every run."""
    return np.random.default_rng(1234)


def _have_scipy() -> bool:
    import importlib
    try:
        importlib.import_module("scipy.special")
    except ImportError:
        return False
    return True


def pytest_collection_modifyitems(config, items):
    # The rows of chainrule/ops/special.py compute their values with SciPy, an optional
    # extra: where it is absent, the table-driven tests skip them (and only them), and so do
    # the docstring examples of chainrule.scipy and of those rows.
    if _have_scipy():
        return
    from chainrule.ops.special import SCIPY_ROWS
    skip = pytest.mark.skip(reason="needs SciPy (pip install chainrule[scipy])")
    package = ROOT / "chainrule"
    for item in items:
        path = pathlib.Path(str(item.fspath))
        if path == package / "ops" / "special.py" or package / "scipy" in path.parents:
            item.add_marker(skip)
            continue
        params = getattr(getattr(item, "callspec", None), "params", {})
        prim = params.get("prim")
        if getattr(prim, "name", None) in SCIPY_ROWS or params.get("name") in SCIPY_ROWS:
            item.add_marker(skip)
