"""The engine's hot paths, twice and nowhere else: ``reference.py`` (the Python definition)
and ``_ccore.c`` (an optional C extension, the same functions under the same names).

:func:`install` puts one set or the other on the classes: the compiled one where it is built
and not disabled, else the Python one (without a C compiler at install, or with the
environment variable ``CHAINRULE_PURE=1``), with the same results. ``COMPILED`` says which
one runs. docs/compiled.md says which C function mirrors which Python one.
"""

from __future__ import annotations

import os
import warnings
from types import ModuleType
from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import reference

__all__ = ["ABI", "COMPILED", "install", "load", "operator_name"]

# The interface between the Python code and _ccore.c (the arguments of its functions, the
# meaning of a slot): bump it when that changes. Defined here only: setup.py reads this line
# and compiles _ccore.c with -DABI_VERSION=<it>, and a build from another version is not used.
ABI = 9

# Whether the compiled hot paths run; set by install() (False until then).
COMPILED = False


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


_DUNDER = {"div": "truediv"}


def operator_name(prim: Any, reflected: bool) -> str:
    """``__mul__``, ``__rtruediv__``, ...: the dunder name of ``prim``'s operator."""
    return f"__{'r' if reflected else ''}{_DUNDER.get(prim.name, prim.name)}__"


def install(tensor: type, primitive: type, tracer: type, bind: Callable, grad_var: Any,
            sequence: Any, no_params: dict, engine: ModuleType,
            operators: Sequence[Any]) -> bool:
    """Put the hot paths on the classes, once, at import of chainrule.eager.tensor: Tensor's
    operators for the rows ``operators`` (both orders), ``Tensor._process1``,
    ``Primitive.__call__`` and the reverse pass's ``engine._drain``. They are handed what
    they work on (classes, grad mode, the engine's error and gradient helpers) rather than
    importing it, so this folder stays below them. Returns ``COMPILED``."""
    global COMPILED
    compiled = load()
    kernel = reference if compiled is None else compiled
    kernel.setup(tensor, primitive, tracer, bind, grad_var, sequence, no_params,
                 engine._modified_error, engine._add_fitted, tensor._wrap_constant,
                 np.ndarray, engine._BIG)
    for prim in operators:
        for reflected in (False, True):
            name = operator_name(prim, reflected)
            setattr(tensor, name, kernel.binary_method(prim, name, reflected))
    tensor._process1 = kernel.process1
    primitive.__call__ = kernel.prim_call
    engine._drain = kernel.drain
    COMPILED = compiled is not None
    return COMPILED

