"""Shapes: reshapes, transposes, joining and splitting, repeats, flips, rolls, padding.
Gathers (``getitem`` with index arrays) send the gradient of a copied element back to its
source."""

from __future__ import annotations

import builtins
import math
from typing import Any, Optional, Sequence

import numpy as _np

from .. import ops as P
from ._helpers import _arr, _axis, _shape


def shape(x: Any) -> tuple:
    """The shape of an array, number or Tensor."""
    return _shape(x)


def ndim(x: Any) -> int:
    """The number of dimensions."""
    return len(_shape(x))


def size(x: Any) -> int:
    """The number of elements."""
    return math.prod(_shape(x))


def reshape(x: Any, shape: Any) -> Any:
    """The same elements in a new shape (one dimension may be -1)."""
    return P.reshape(x, shape=tuple(shape) if isinstance(shape, (list, tuple)) else (shape,))


def ravel(x: Any) -> Any:
    """The elements as a 1-D array (a list holding tracers is stacked first)."""
    return P.reshape(_arr(x) if isinstance(x, (list, tuple)) else x, shape=(-1,))


def copy(x: Any) -> Any:
    """A copy that stays in the graph."""
    return P.copy(x)


def transpose(x: Any, axes: Any = None) -> Any:
    """Axes permuted (reversed when axes is None)."""
    return P.transpose(x, axes=None if axes is None else tuple(axes))


permute_dims = transpose   # one function, two names: np.permute_dims is np.transpose


def matrix_transpose(x: Any) -> Any:
    """The last two axes swapped."""
    return swapaxes(x, -1, -2)


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """Two axes interchanged."""
    x = _arr(x)
    n = len(_shape(x))
    perm = list(range(n))
    a, b = _axis(axis1, n), _axis(axis2, n)
    perm[a], perm[b] = perm[b], perm[a]
    return P.transpose(x, axes=tuple(perm))


def moveaxis(x: Any, source: Any, destination: Any) -> Any:
    """Axes moved to new positions, the others keeping their order."""
    x = _arr(x)
    n = len(_shape(x))
    src = [_axis(a, n) for a in ((source,) if isinstance(source, int) else source)]
    dst = [_axis(a, n) for a in ((destination,) if isinstance(destination, int) else destination)]
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: {len(src)} source axes but {len(dst)} destinations; pass "
                         "one destination per source axis")
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return P.transpose(x, axes=tuple(order))


def squeeze(x: Any, axis: Any = None) -> Any:
    """Length-1 axes removed (all of them, or the given ones)."""
    x = _arr(x)
    s = _shape(x)
    axes = P.normalize_axes(axis, len(s)) if axis is not None else \
        tuple(i for i, n in enumerate(s) if n == 1)
    for a in axes:
        if s[a] != 1:
            raise ValueError(f"squeeze: axis {a} has length {s[a]}, not 1; only length-1 axes "
                             "can be removed")
    return P.reshape(x, shape=tuple(n for i, n in enumerate(s) if i not in axes))


def expand_dims(x: Any, axis: Any) -> Any:
    """Length-1 axes inserted at the given positions."""
    x = _arr(x)
    s = list(_shape(x))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    n = len(s) + len(axes)
    for a in sorted(_axis(a, n) for a in axes):
        s.insert(a, 1)
    return P.reshape(x, shape=tuple(s))


def broadcast_to(x: Any, shape: Any) -> Any:
    """The array broadcast to a shape (the gradient sums back)."""
    return P.broadcast_to(x, shape=tuple(shape) if isinstance(shape, (list, tuple))
                else (shape,))


def broadcast_arrays(*args: Any) -> list:
    """The arrays broadcast against each other."""
    args = [_arr(a) for a in args]
    target = _np.broadcast_shapes(*[_shape(a) for a in args])
    return [a if _shape(a) == target else broadcast_to(a, target) for a in args]


def atleast_1d(*arys: Any) -> Any:
    """Arrays with at least one dimension."""
    out = [reshape(a, (1,)) if len(_shape(a)) == 0 else a for a in map(_arr, arys)]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys: Any) -> Any:
    """Arrays with at least two dimensions."""
    out = []
    for a in map(_arr, arys):
        s = _shape(a)
        out.append(reshape(a, (1,) * (2 - len(s)) + s) if len(s) < 2 else a)
    return out[0] if len(out) == 1 else out


def atleast_3d(*arys: Any) -> Any:
    """Arrays with at least three dimensions."""
    out = []
    for a in map(_arr, arys):
        s = _shape(a)
        if len(s) == 0:
            a = reshape(a, (1, 1, 1))
        elif len(s) == 1:
            a = reshape(a, (1,) + s + (1,))
        elif len(s) == 2:
            a = reshape(a, s + (1,))
        out.append(a)
    return out[0] if len(out) == 1 else out


def concatenate(arrays: Sequence[Any], axis: Optional[int] = 0) -> Any:
    """Arrays joined along an existing axis (flattened first when axis is None)."""
    if axis is None:
        return P.concatenate(*[ravel(a) for a in arrays], axis=0)
    return P.concatenate(*arrays, axis=axis)


concat = concatenate   # one function, two names: np.concat is np.concatenate


def stack(arrays: Sequence[Any], axis: int = 0) -> Any:
    """Arrays joined along a new axis."""
    return P.stack(*arrays, axis=axis)


def unstack(x: Any, axis: int = 0) -> tuple:
    """The slices along an axis, as a tuple (the inverse of stack)."""
    x = _arr(x)
    ax = _axis(axis, len(_shape(x)))
    pre = (slice(None),) * ax
    return tuple(P.getitem(x, idx=pre + (i,)) for i in range(_shape(x)[ax]))


def astype(x: Any, dtype: Any, copy: bool = True) -> Any:
    """x converted to dtype (the gradient is converted back)."""
    return P.cast(x, dtype=_np.dtype(dtype))


def hstack(tup: Sequence[Any]) -> Any:
    """Arrays joined column-wise (along axis 1, or 0 for 1-D arrays)."""
    arrs = [atleast_1d(a) for a in tup]
    return concatenate(arrs, axis=0 if len(_shape(arrs[0])) == 1 else 1)


def vstack(tup: Sequence[Any]) -> Any:
    """Arrays joined row-wise (as at least 2-D arrays)."""
    return concatenate([atleast_2d(a) for a in tup], axis=0)


def dstack(tup: Sequence[Any]) -> Any:
    """Arrays joined along the third axis."""
    return concatenate([atleast_3d(a) for a in tup], axis=2)


def column_stack(tup: Sequence[Any]) -> Any:
    """1-D arrays as columns of a 2-D array."""
    arrs = [_arr(a) for a in tup]
    return concatenate([reshape(a, (-1, 1)) if len(_shape(a)) < 2 else a for a in arrs], axis=1)


def append(arr: Any, values: Any, axis: Optional[int] = None) -> Any:
    """Values appended at the end (of the flattened array when axis is None)."""
    arr, values = _arr(arr), _arr(values)   # lists holding tracers are stacked, not dropped
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], axis=0)
    return concatenate([arr, values], axis=axis)


def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """A list of sub-arrays, possibly of unequal sizes."""
    x = _arr(x)
    ax = _axis(axis, len(_shape(x)))
    n = _shape(x)[ax]
    if isinstance(indices_or_sections, (int, _np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError(f"array_split: number of sections must be positive, got {k}")
        base, extra = divmod(n, k)
        sizes = [base + 1] * extra + [base] * (k - extra)
        bounds = [0] + list(_np.cumsum(sizes))
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    pre = (slice(None),) * ax
    return [P.getitem(x, idx=pre + (slice(int(lo), int(hi)),))
            for lo, hi in zip(bounds[:-1], bounds[1:])]


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """A list of equal sub-arrays (or split at the given indices)."""
    x = _arr(x)
    if isinstance(indices_or_sections, (int, _np.integer)):
        n = _shape(x)[_axis(axis, len(_shape(x)))]
        if n % int(indices_or_sections):
            raise ValueError(f"split: an axis of length {n} does not divide into "
                             f"{int(indices_or_sections)} equal parts; use array_split")
    return array_split(x, indices_or_sections, axis=axis)


def hsplit(x: Any, indices_or_sections: Any) -> list:
    """Split along axis 1 (axis 0 for 1-D arrays)."""
    return split(x, indices_or_sections, axis=1 if len(_shape(_arr(x))) > 1 else 0)


def vsplit(x: Any, indices_or_sections: Any) -> list:
    """Split along axis 0."""
    return split(x, indices_or_sections, axis=0)


def dsplit(x: Any, indices_or_sections: Any) -> list:
    """Split along axis 2 (the depth; arrays of 3 or more dimensions)."""
    x = _arr(x)
    if len(_shape(x)) < 3:
        raise ValueError(f"dsplit: needs an array of 3 or more dimensions, got shape "
                         f"{_shape(x)}; use hsplit or vsplit")
    return split(x, indices_or_sections, axis=2)


def tile(x: Any, reps: Any) -> Any:
    """Repeat the whole array ``reps`` times per axis (a broadcast, then a reshape)."""
    x = _arr(x)
    reps = (int(reps),) if isinstance(reps, (int, _np.integer)) else tuple(int(r) for r in reps)
    s = _shape(x)
    d = builtins.max(len(s), len(reps))
    s = (1,) * (d - len(s)) + s
    reps = (1,) * (d - len(reps)) + reps
    inter = tuple(v for pair in zip((1,) * d, s) for v in pair)
    big = tuple(v for pair in zip(reps, s) for v in pair)
    y = P.broadcast_to(P.reshape(x, shape=inter), shape=big)
    return P.reshape(y, shape=tuple(r * n for r, n in zip(reps, s)))


def repeat(x: Any, repeats: Any, axis: Optional[int] = None) -> Any:
    """Repeat each element (a gather; the gradient sums over the copies)."""
    x = _arr(x)
    if axis is None:
        x, axis = ravel(x), 0
    ax = _axis(axis, len(_shape(x)))
    idx = _np.repeat(_np.arange(_shape(x)[ax]), repeats)
    return P.getitem(x, idx=(slice(None),) * ax + (idx,))


def flip(x: Any, axis: Any = None) -> Any:
    """Element order reversed along the given axes (all when None)."""
    x = _arr(x)
    n = len(_shape(x))
    axes = P.normalize_axes(axis, n)
    return P.getitem(x, idx=tuple(slice(None, None, -1) if i in axes else slice(None)
                                        for i in range(n)))


def fliplr(x: Any) -> Any:
    """Columns reversed."""
    return flip(x, 1)


def flipud(x: Any) -> Any:
    """Rows reversed."""
    return flip(x, 0)


def roll(x: Any, shift: Any, axis: Any = None) -> Any:
    """Elements shifted cyclically along axes (of the flattened array when None)."""
    x = _arr(x)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), _shape(x))
    shifts = (shift,) if isinstance(shift, (int, _np.integer)) else tuple(shift)
    axes = (axis,) if isinstance(axis, (int, _np.integer)) else tuple(axis)
    shifts, axes = _np.broadcast_arrays(_np.asarray(shifts), _np.asarray(axes))
    out = x
    for s, a in zip(shifts.tolist(), axes.tolist()):
        ax = _axis(a, len(_shape(x)))
        idx = _np.roll(_np.arange(_shape(x)[ax]), s)
        out = P.getitem(out, idx=(slice(None),) * ax + (idx,))
    return out


def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Any:
    """Rotated by 90 degrees k times in the plane of two axes."""
    m = _arr(m)
    k %= 4
    a0, a1 = axes
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    if k == 1:
        return swapaxes(flip(m, a1), a0, a1)
    return flip(swapaxes(m, a0, a1), a1)


def pad(array: Any, pad_width: Any, mode: str = "constant", constant_values: Any = 0) -> Any:
    """Pad an array: mode "constant" (a row), or "edge", "reflect", "symmetric", "wrap"
    (gathers: the gradient of a copied element adds up at its source)."""
    x = _arr(array)
    n = len(_shape(x))
    widths = _np.broadcast_to(_np.asarray(pad_width, dtype=int), (n, 2))
    widths = tuple((int(lo), int(hi)) for lo, hi in widths)
    if mode == "constant":
        if _np.ndim(constant_values) != 0:
            raise NotImplementedError("pad: constant_values must be one number here; pad with "
                                      "0 and add the constants yourself for other layouts")
        return P.pad(x, pad_width=widths, value=float(constant_values))
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise ValueError(f"pad: mode {mode!r} is not supported; use constant, edge, reflect, "
                         "symmetric or wrap")
    out = x
    for ax, (lo, hi) in enumerate(widths):
        if lo or hi:
            idx = _np.pad(_np.arange(_shape(x)[ax]), (lo, hi), mode=mode)
            out = P.getitem(out, idx=(slice(None),) * ax + (idx,))
    return out


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """An axis rolled backwards to position start (moveaxis is clearer)."""
    a = _arr(a)
    n = len(_shape(a))
    axis = _axis(axis, n)
    if not -n <= start <= n:
        raise _np.exceptions.AxisError(start, n + 1)
    start = start % (n + 1) if start < 0 else start
    if axis < start:
        start -= 1
    if axis == start:
        return a
    return moveaxis(a, axis, start)
