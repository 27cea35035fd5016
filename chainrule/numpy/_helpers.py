"""What every file of the namespace needs: inputs as arrays or tracers, shapes and axes."""

from __future__ import annotations

from typing import Any

import numpy as _np

from .. import ops as P
from ..core import Tracer


def _arr(x: Any) -> Any:
    """Tracers as they are; everything else as a NumPy array (lists, numbers)."""
    if isinstance(x, Tracer):
        return x
    if isinstance(x, (list, tuple)) and _holds_tracer(x):
        return _stack_traced(x)
    return _np.asarray(x)


def _holds_tracer(seq: Any) -> bool:
    return any(isinstance(s, Tracer) or (isinstance(s, (list, tuple)) and _holds_tracer(s))
               for s in seq)


def _stack_traced(seq: Any) -> Any:
    """A (nested) list holding tracers as one traced array: a stack, which keeps their
    gradients. ``seq`` holds at least one tracer, so it is not empty."""
    parts = [s if isinstance(s, Tracer) else
             _stack_traced(s) if isinstance(s, (list, tuple)) and _holds_tracer(s) else
             _np.asarray(s) for s in seq]
    return P.stack(*parts, axis=0)


def _shape(x: Any) -> tuple:
    return P.shape_of(x) if isinstance(x, Tracer) else _np.shape(x)


def _axis(axis: Any, ndim: int) -> int:
    if not -ndim <= axis < max(ndim, 1):
        raise _np.exceptions.AxisError(axis, ndim)
    return axis % ndim if ndim else 0


def _count(shape: tuple, axis: Any) -> int:
    n = 1
    for a in P.normalize_axes(axis, len(shape)):
        n *= shape[a]
    return n


def _is_complex(x: Any) -> bool:
    return P.dtype_of(x).kind == "c"


def _sqrt_zero_safe(s: Any) -> Any:
    # std, nanstd and the norms of linalg: a sqrt whose gradient is 0 (not inf * 0 = nan)
    # where its argument is exactly 0, the subgradient of least norm at the kink of std (all
    # elements equal) and of norms at 0.
    zero = _np.asarray(P.value_of(s)) == 0
    if not zero.any():
        return P.sqrt(s)
    return P.where(zero, 0.0, P.sqrt(P.where(zero, 1.0, s)))
