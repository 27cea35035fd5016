"""Picking elements: diagonals and triangles, take, select, and the index-valued searches
(no gradient)."""

from __future__ import annotations

import builtins
from typing import Any, Optional, Sequence

import numpy as _np

from .. import ops as P
from ..core import bind
from ._helpers import _arr, _axis, _shape
from ._shape import moveaxis, ravel


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> Any:
    """Insertion indices keeping a sorted (integers: no gradient)."""
    return _np.searchsorted(P.value_of(a), P.value_of(v), side=side,
                            sorter=None if sorter is None else P.value_of(sorter))


def argwhere(a: Any) -> Any:
    """Indices of the non-zero elements, one row each (no gradient)."""
    return _np.argwhere(_np.asarray(P.value_of(a)))


def flatnonzero(a: Any) -> Any:
    """Indices of the non-zero elements of the flattened array (no gradient)."""
    return _np.flatnonzero(_np.asarray(P.value_of(a)))


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The diagonal (a gather), on the last axis as NumPy puts it."""
    a = moveaxis(_arr(a), (axis1, axis2), (-2, -1))
    n1, n2 = _shape(a)[-2:]
    length = builtins.max(0, builtins.min(n1 - builtins.max(-offset, 0),
                                          n2 - builtins.max(offset, 0)))
    i = _np.arange(length)
    return bind(P.getitem, a, idx=(Ellipsis, i + builtins.max(-offset, 0),
                                   i + builtins.max(offset, 0)))


def diag(v: Any, k: int = 0) -> Any:
    """1-D input: a square matrix with v on diagonal k (a scatter). 2-D: its k-th diagonal."""
    v = _arr(v)
    s = _shape(v)
    if len(s) == 2:
        return diagonal(v, k)
    if len(s) != 1:
        raise ValueError(f"diag: input must be 1-D or 2-D, got shape {s}")
    n = s[0] + builtins.abs(k)
    i = _np.arange(s[0])
    return bind(P.index_add, v, idx=(i + builtins.max(-k, 0), i + builtins.max(k, 0)),
                shape=(n, n))


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Sum along a diagonal."""
    return bind(P.sum, diagonal(a, offset, axis1, axis2), axis=-1)


def tril(m: Any, k: int = 0) -> Any:
    """Lower triangle (elements above diagonal k set to 0)."""
    m = _arr(m)
    r, c = _shape(m)[-2:]
    return bind(P.where, _np.tri(r, c, k, dtype=bool), m, 0.0)


def triu(m: Any, k: int = 0) -> Any:
    """Upper triangle (elements below diagonal k set to 0)."""
    m = _arr(m)
    r, c = _shape(m)[-2:]
    return bind(P.where, ~_np.tri(r, c, k - 1, dtype=bool), m, 0.0)


def take(a: Any, indices: Any, axis: Optional[int] = None) -> Any:
    """Elements at the given indices (repeated indices accumulate gradient)."""
    a = _arr(a)
    indices = _np.asarray(P.value_of(indices))
    if axis is None:
        return bind(P.getitem, ravel(a), idx=indices)
    ax = _axis(axis, len(_shape(a)))
    return bind(P.getitem, a, idx=(slice(None),) * ax + (indices,))


def take_along_axis(arr: Any, indices: Any, axis: Optional[int]) -> Any:
    """Elements picked along an axis by an index array."""
    arr = _arr(arr)
    indices = _np.asarray(P.value_of(indices))
    if axis is None:
        return bind(P.getitem, ravel(arr), idx=indices.ravel())
    n = len(_shape(arr))
    ax = _axis(axis, n)
    grids = _np.ogrid[tuple(slice(0, k) for k in indices.shape)]
    idx = tuple(indices if i == ax else grids[i] for i in range(n))
    return bind(P.getitem, arr, idx=idx)


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    """Elements from the first choice whose condition holds, else the default."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: {len(condlist)} conditions but {len(choicelist)} choices; "
                         "pass one choice per condition")
    out = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = bind(P.where, cond, choice, out)
    return out
