"""Picking elements: diagonals and triangles, take, select, and the index-valued searches
(no gradient)."""

from __future__ import annotations

import builtins
from typing import Any, Optional, Sequence

import numpy as _np

from .. import ops as P
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
    return P.getitem(a, idx=(Ellipsis, i + builtins.max(-offset, 0),
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
    return P.index_add(v, idx=(i + builtins.max(-k, 0), i + builtins.max(k, 0)),
                shape=(n, n))


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Sum along a diagonal."""
    return P.sum(diagonal(a, offset, axis1, axis2), axis=-1)


def tril(m: Any, k: int = 0) -> Any:
    """Lower triangle (elements above diagonal k set to 0)."""
    m = _arr(m)
    r, c = _shape(m)[-2:]
    return P.where(_np.tri(r, c, k, dtype=bool), m, 0.0)


def triu(m: Any, k: int = 0) -> Any:
    """Upper triangle (elements below diagonal k set to 0)."""
    m = _arr(m)
    r, c = _shape(m)[-2:]
    return P.where(~_np.tri(r, c, k - 1, dtype=bool), m, 0.0)


def take(a: Any, indices: Any, axis: Optional[int] = None) -> Any:
    """Elements at the given indices (repeated indices accumulate gradient)."""
    a = _arr(a)
    indices = _np.asarray(P.value_of(indices))
    if axis is None:
        return P.getitem(ravel(a), idx=indices)
    ax = _axis(axis, len(_shape(a)))
    return P.getitem(a, idx=(slice(None),) * ax + (indices,))


def take_along_axis(arr: Any, indices: Any, axis: Optional[int]) -> Any:
    """Elements picked along an axis by an index array."""
    arr = _arr(arr)
    indices = _np.asarray(P.value_of(indices))
    if axis is None:
        return P.getitem(ravel(arr), idx=indices.ravel())
    n = len(_shape(arr))
    ax = _axis(axis, n)
    grids = _np.ogrid[tuple(slice(0, k) for k in indices.shape)]
    idx = tuple(indices if i == ax else grids[i] for i in range(n))
    return P.getitem(arr, idx=idx)


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    """Elements from the first choice whose condition holds, else the default."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: {len(condlist)} conditions but {len(choicelist)} choices; "
                         "pass one choice per condition")
    out = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = P.where(cond, choice, out)
    return out


class _Concatenator:
    """NumPy's ``r_`` and ``c_``: ``r_[a, b, 1:4, 7]`` joins arrays, numbers and slices
    (``start:stop:step``, or ``start:stop:nj`` for n points) along an axis. A leading string
    says ``"axis"``, ``"axis,ndmin"`` or ``"axis,ndmin,trans1d"``, as in NumPy (not the
    matrix forms "r" and "c"). NumPy's own ``np.r_`` turns its items into NumPy arrays, which
    a traced value refuses; these keep them traced.

    >>> import chainrule.numpy as cnp
    >>> cnp.r_[cnp.ones(2), 0, 3:5].tolist()
    [1.0, 1.0, 0.0, 3.0, 4.0]
    >>> cnp.c_[cnp.ones(2), cnp.zeros(2)].tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """

    def __init__(self, axis: int, ndmin: int, trans1d: int, name: str):
        self._default = (axis, ndmin, trans1d)
        self._name = name

    def __getitem__(self, key: Any) -> Any:
        from ._shape import concatenate, expand_dims, transpose  # noqa: PLC0415 (see below)
        # (_shape comes before this file; imported here to keep the module's imports short)
        items = key if isinstance(key, tuple) else (key,)
        axis, ndmin, trans1d = self._default
        if items and isinstance(items[0], str):
            try:
                spec = [int(v) for v in items[0].split(",")]
            except ValueError:
                raise ValueError(f"{self._name}[{items[0]!r}, ...]: the leading string is "
                                 "'axis', 'axis,ndmin' or 'axis,ndmin,trans1d' (the matrix "
                                 "forms 'r' and 'c' are not supported)") from None
            axis, ndmin, trans1d = (spec + [ndmin, trans1d][len(spec) - 1:])[:3]
            items = items[1:]
        parts = []
        for item in items:
            if isinstance(item, slice):
                start = 0 if item.start is None else item.start
                step = 1 if item.step is None else item.step
                if isinstance(step, complex):
                    part = _np.linspace(start, item.stop, int(abs(step)))
                else:
                    part = _np.arange(start, item.stop, step)
            else:
                part = _arr(item)
            nd = len(_shape(part))
            if nd < ndmin:
                # NumPy's trans1d: where the existing axes go among the ndmin (-1: last).
                pad = ndmin - nd
                part = expand_dims(part, tuple(range(pad)))
                if trans1d != -1 and nd > 0:
                    k = trans1d % ndmin
                    order = list(range(pad, ndmin))
                    axes = list(range(pad))
                    perm = axes[:k] + order + axes[k:]
                    perm = perm[:ndmin]
                    part = transpose(part, tuple(_np.argsort(perm)))
            parts.append(part)
        return concatenate(parts, axis=axis)


r_ = _Concatenator(0, 1, -1, "r_")
c_ = _Concatenator(-1, 2, 0, "c_")

