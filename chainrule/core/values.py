"""Helpers that look at values (shape, dtype, the plain value under tracers) without recording
anything."""

from __future__ import annotations

from typing import Any

import numpy as np

from .primitive import Tracer

__all__ = ["shape_of", "ndim_of", "value_of", "dtype_of", "zeros_like_value", "normalize_axes",
           "keepdims_shape"]


def shape_of(x: Any) -> tuple:
    """Shape of an array, number or tracer."""
    if type(x) is float:
        return ()
    if type(x) is np.ndarray:
        return x.shape
    s = getattr(x, "shape", None)
    return () if s is None else tuple(s)


def ndim_of(x: Any) -> int:
    return len(shape_of(x))


def value_of(x: Any) -> Any:
    """The plain NumPy value under any stack of tracers (for masks and other constants)."""
    while isinstance(x, Tracer):
        x = x._value()
    return x


def dtype_of(x: Any) -> np.dtype:
    if isinstance(x, Tracer):
        # A tracer knows its dtype without a concrete value (a symbolic expression is
        # float64; a vmapped value has none).
        d = x.dtype
        if d is not None:
            return np.dtype(d)
    v = value_of(x)
    d = getattr(v, "dtype", None)
    return d if d is not None else np.result_type(v)


def zeros_like_value(x: Any) -> np.ndarray:
    v = value_of(x)
    return np.zeros(np.shape(v), dtype=np.result_type(v) if not hasattr(v, "dtype") else v.dtype)


def normalize_axes(axis: Any, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim if ndim else 0)
    return tuple(out)


def keepdims_shape(shape: tuple, axis: Any) -> tuple:
    axes = normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))
