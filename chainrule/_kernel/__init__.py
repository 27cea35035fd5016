"""Finds chainrule._kernel._ccore, the optional compiled fast paths of the engine (see _ccore.c).

The pure-Python code is the definition and the fallback: without a C compiler at install,
or with the environment variable ``CHAINRULE_PURE=1``, chainrule runs it instead, with the
same results. ``chainrule.tensor.COMPILED`` says which one runs.
"""

from __future__ import annotations

import os
import warnings
from types import ModuleType
from typing import Optional

ABI = 8   # must match ABI_VERSION in _ccore.c


def load() -> Optional[ModuleType]:
    """The compiled module, or None (not built, disabled, or built from another version)."""
    if os.environ.get("CHAINRULE_PURE", "") not in ("", "0"):
        return None
    try:
        from . import _ccore
    except ImportError:
        return None
    if getattr(_ccore, "ABI", None) != ABI:
        warnings.warn("chainrule._kernel._ccore was built from another version of chainrule and is "
                      "not used; rebuild it with `python -m pip install -e .`",
                      RuntimeWarning, stacklevel=2)
        return None
    return _ccore
