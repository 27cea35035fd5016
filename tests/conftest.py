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
