"""Creation. Constant arrays are plain NumPy; array/asarray accept lists holding Tensors and
linspace/meshgrid/full differentiate through their Tensor arguments."""

from __future__ import annotations

import builtins
from typing import Any, Optional

import numpy as _np

from .. import ops as P
from ..core import Tracer
from ._helpers import _arr, _holds_tracer, _shape, _stack_traced
from ._shape import broadcast_to, ravel, reshape


def array(obj: Any, dtype: Any = None, copy: bool = True) -> Any:
    """An array from numbers, lists, NumPy arrays or Tensors; lists holding Tensors become one
    Tensor (a stack) that keeps their gradients."""
    if isinstance(obj, Tracer):
        out = P.copy(obj) if copy else obj
        return out if dtype is None else P.cast(out, dtype=_np.dtype(dtype))
    if isinstance(obj, (list, tuple)) and _holds_tracer(obj):
        out = _stack_traced(obj)
        return out if dtype is None else P.cast(out, dtype=_np.dtype(dtype))
    return _np.array(obj, dtype=dtype, copy=True if copy else None)


def asarray(obj: Any, dtype: Any = None) -> Any:
    """An array from the input (no copy of a Tensor)."""
    return array(obj, dtype=dtype, copy=False)


def zeros(shape: Any, dtype: Any = float) -> _np.ndarray:
    """An array of zeros (constant)."""
    return _np.zeros(shape, dtype)


def ones(shape: Any, dtype: Any = float) -> _np.ndarray:
    """An array of ones (constant)."""
    return _np.ones(shape, dtype)


def empty(shape: Any, dtype: Any = float) -> _np.ndarray:
    """An uninitialised array (constant)."""
    return _np.empty(shape, dtype)


def eye(N: int, M: Optional[int] = None, k: int = 0, dtype: Any = float) -> _np.ndarray:
    """A 2-D array with ones on diagonal k (constant)."""
    return _np.eye(N, M, k, dtype=dtype)


def identity(n: int, dtype: Any = float) -> _np.ndarray:
    """The identity matrix (constant)."""
    return _np.identity(n, dtype)


def arange(*args: Any, **kwargs: Any) -> _np.ndarray:
    """Evenly spaced values in a half-open interval (constant)."""
    return _np.arange(*args, **kwargs)


def zeros_like(a: Any, dtype: Any = None) -> _np.ndarray:
    """Zeros with the shape and dtype of a (constant)."""
    return _np.zeros(_shape(a), dtype=P.dtype_of(a) if dtype is None else dtype)


def ones_like(a: Any, dtype: Any = None) -> _np.ndarray:
    """Ones with the shape and dtype of a (constant)."""
    return _np.ones(_shape(a), dtype=P.dtype_of(a) if dtype is None else dtype)


def empty_like(a: Any, dtype: Any = None) -> _np.ndarray:
    """An uninitialised array with the shape and dtype of a (constant)."""
    return _np.empty(_shape(a), dtype=P.dtype_of(a) if dtype is None else dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Any:
    """An array filled with fill_value (a broadcast: a Tensor fill value keeps its gradient)."""
    shape = (shape,) if isinstance(shape, (int, _np.integer)) else tuple(shape)
    if isinstance(fill_value, Tracer):
        out = P.broadcast_to(fill_value, shape=shape)
        return out if dtype is None else P.cast(out, dtype=_np.dtype(dtype))
    return _np.full(shape, fill_value, dtype=dtype)


def full_like(a: Any, fill_value: Any, dtype: Any = None) -> Any:
    """An array of a's shape filled with fill_value (a Tensor fill keeps its gradient)."""
    return full(_shape(a), fill_value, dtype=P.dtype_of(a) if dtype is None else dtype)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True) -> Any:
    """Evenly spaced numbers; differentiable in start and stop."""
    if not isinstance(start, Tracer) and not isinstance(stop, Tracer):
        return _np.linspace(start, stop, num, endpoint=endpoint)
    div = (num - 1) if endpoint else num
    start, stop = _arr(start), _arr(stop)
    kind = _np.result_type(P.dtype_of(start), P.dtype_of(stop), _np.float16)
    steps = (_np.arange(num, dtype=float) / builtins.max(div, 1)).astype(kind)
    shape = _np.broadcast_shapes(_shape(start), _shape(stop))
    steps = steps.reshape((num,) + (1,) * len(shape))
    return start + (stop - start) * steps


def meshgrid(*xi: Any, indexing: str = "xy") -> list:
    """Coordinate grids (broadcasts of the inputs)."""
    xs = [ravel(_arr(x)) for x in xi]
    n = len(xs)
    lens = [_shape(x)[0] for x in xs]
    if indexing == "xy" and n >= 2:
        lens[0], lens[1] = lens[1], lens[0]
    out = []
    for i, x in enumerate(xs):
        pos = i
        if indexing == "xy" and n >= 2 and i < 2:
            pos = 1 - i
        s = [1] * n
        s[pos] = -1
        out.append(broadcast_to(reshape(x, tuple(s)), tuple(lens)))
    return out
