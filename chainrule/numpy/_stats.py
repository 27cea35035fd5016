"""Differences, integrals, statistics, interpolation, convolution: composites of the other
files."""

from __future__ import annotations

import builtins
from typing import Any, Optional

import numpy as _np

from .. import ops as P
from ..core import Tracer
from ..ops.readings import mean as _mean
from ._helpers import _arr, _axis, _shape
from ._index import diagonal, take
from ._math import conj
from ._reduce import sort, sum
from ._shape import (atleast_2d, broadcast_to, concatenate, expand_dims, flip, moveaxis, ravel,
                     reshape, squeeze, transpose)


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """n-th discrete difference along an axis."""
    a = _arr(a)
    ax = _axis(axis, len(_shape(a)))
    pre = (slice(None),) * ax
    parts = []
    for extra in (prepend, a, append):
        if extra is None:
            continue
        if extra is not a and len(_shape(_arr(extra))) == 0:
            shape = list(_shape(a))
            shape[ax] = 1
            extra = broadcast_to(_arr(extra), tuple(shape))
        parts.append(extra)
    if len(parts) > 1:
        a = concatenate(parts, axis=ax)
    for _ in range(n):
        m = _shape(a)[ax]
        a = P.getitem(a, idx=pre + (slice(1, None),)) - \
            P.getitem(a, idx=pre + (slice(0, builtins.max(m - 1, 0)),))
    return a


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """Differences of the flattened array, with optional values before and after."""
    d = diff(ravel(ary))
    kind = P.dtype_of(d)

    def part(v: Any) -> Any:
        # NumPy casts the extra values to the array's dtype.
        v = ravel(_arr(v))
        return v if P.dtype_of(v) == kind else P.cast(v, dtype=kind)

    parts = [part(to_begin)] if to_begin is not None else []
    parts.append(d)
    if to_end is not None:
        parts.append(part(to_end))
    return concatenate(parts) if len(parts) > 1 else d


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Any:
    """Integral by the trapezoidal rule; differentiable in y and in the sample points x."""
    y = _arr(y)
    nd = len(_shape(y))
    ax = _axis(axis, nd)
    pre = (slice(None),) * ax
    m = _shape(y)[ax]
    mid = P.getitem(y, idx=pre + (slice(1, None),)) + \
        P.getitem(y, idx=pre + (slice(0, builtins.max(m - 1, 0)),))
    if x is None:
        return sum(mid, axis=ax) * (0.5 * dx)
    d = diff(_arr(x))
    if len(_shape(d)) == 1 and nd > 1:
        d = reshape(d, tuple(-1 if i == ax else 1 for i in range(nd)))
    else:
        d = diff(_arr(x), axis=ax)
    return sum(d * mid, axis=ax) * 0.5


def quantile(a: Any, q: Any, axis: Optional[int] = None, keepdims: bool = False,
             method: str = "linear") -> Any:
    """Quantiles by linear interpolation between order statistics (q in [0, 1]; the gradient
    goes to the two neighbouring elements)."""
    if method != "linear":
        raise NotImplementedError(f"quantile: method {method!r} is not supported; use "
                                  "method='linear' (NumPy's default)")
    a = _arr(a)
    qv = _np.asarray(P.value_of(q), dtype=float)
    if qv.ndim > 1 or _np.any((qv < 0) | (qv > 1)):
        raise ValueError("quantile: q must be a number or a 1-D array of numbers in [0, 1]")
    nd = len(_shape(a))
    if axis is None:
        s, ax = sort(ravel(a)), 0
    else:
        ax = _axis(axis, nd)
        s = sort(a, axis=ax)
    s = moveaxis(s, ax, -1)
    n = _shape(s)[-1]
    pos = qv * (n - 1)
    lo = _np.floor(pos).astype(int)
    hi = _np.minimum(lo + 1, n - 1)
    # The fraction between the two order statistics carries q's derivative when q is traced
    # (d/dq of the interpolation is (n - 1)·(s[hi] - s[lo])).
    frac = (pos - lo).astype(P.dtype_of(a)) if not isinstance(q, Tracer) else \
        _arr(q) * (n - 1) - lo
    out = take(s, lo, axis=-1) * (1 - frac) + take(s, hi, axis=-1) * frac
    if qv.ndim == 1:
        out = moveaxis(out, -1, 0)
    if keepdims:
        lead = 1 if qv.ndim == 1 else 0
        axes = tuple(range(lead, lead + nd)) if axis is None else (lead + ax,)
        out = expand_dims(out, axes)
    return out


def percentile(a: Any, q: Any, axis: Optional[int] = None, keepdims: bool = False,
               method: str = "linear") -> Any:
    """Percentiles (q in [0, 100]) by linear interpolation."""
    q = _arr(q) / 100.0 if isinstance(q, Tracer) else _np.asarray(q, dtype=float) / 100.0
    return quantile(a, q, axis=axis,
                    keepdims=keepdims, method=method)


def cov(m: Any, y: Any = None, rowvar: bool = True, bias: bool = False,
        ddof: Optional[int] = None) -> Any:
    """Covariance matrix of the rows (variables) of m (and y)."""
    x = atleast_2d(_arr(m))
    if not rowvar and _shape(x)[0] != 1:
        x = transpose(x)
    if y is not None:
        yy = atleast_2d(_arr(y))
        if not rowvar and _shape(yy)[0] != 1:
            yy = transpose(yy)
        x = concatenate([x, yy], axis=0)
    n = _shape(x)[1]
    ddof = (0 if bias else 1) if ddof is None else ddof
    xc = x - _mean(x, axis=1, keepdims=True)
    c = P.matmul(xc, transpose(conj(xc))) / builtins.max(n - ddof, 0)
    return squeeze(c)


def corrcoef(x: Any, y: Any = None, rowvar: bool = True) -> Any:
    """Pearson correlation coefficients."""
    c = cov(x, y, rowvar)
    if len(_shape(c)) == 0:
        return c / c
    d = P.sqrt(diagonal(c))
    return c / P.reshape(d, shape=(-1, 1)) / P.reshape(d, shape=(1, -1))


def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None,
           period: Any = None) -> Any:
    """Piecewise-linear interpolation; differentiable in x and fp (xp is taken as constant)."""
    if period is not None:
        raise NotImplementedError("interp: period= is not supported; wrap x into one period "
                                  "with cnp.mod first")
    x, fp = _arr(x), _arr(fp)
    xpv = _np.asarray(P.value_of(xp), dtype=float)
    n = xpv.shape[0]
    idx = _np.clip(_np.searchsorted(xpv, _np.asarray(P.value_of(x)), side="right") - 1,
                   0, builtins.max(n - 2, 0))
    x0, x1 = xpv[idx], xpv[_np.minimum(idx + 1, n - 1)]
    width = _np.where(x1 > x0, x1 - x0, 1.0).astype(P.dtype_of(x))
    t = (x - x0.astype(P.dtype_of(x))) / width
    f0 = P.getitem(fp, idx=idx)
    f1 = P.getitem(fp, idx=_np.minimum(idx + 1, n - 1))
    out = f0 + (f1 - f0) * t
    lo = P.getitem(fp, idx=0) if left is None else left
    hi = P.getitem(fp, idx=n - 1) if right is None else right
    xv = _np.asarray(P.value_of(x))
    out = P.where(xv < xpv[0], lo, out)
    return P.where(xv > xpv[-1], hi, out)


def convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """Discrete linear convolution of two 1-D arrays (a gathered Toeplitz matrix times a)."""
    a, v = _arr(a), _arr(v)
    if len(_shape(a)) != 1 or len(_shape(v)) != 1:
        raise ValueError(f"convolve: both inputs must be 1-D, got shapes {_shape(a)} and "
                         f"{_shape(v)}")
    n, m = _shape(a)[0], _shape(v)[0]
    if n == 0 or m == 0:
        raise ValueError("convolve: inputs cannot be empty")
    if m > n:
        a, v, n, m = v, a, m, n
    full_len = n + m - 1
    k = _np.arange(full_len)[:, None] - _np.arange(m)[None, :] + (m - 1)
    ap = P.pad(a, pad_width=((m - 1, m - 1),), value=0.0)
    out = P.matmul(P.getitem(ap, idx=k), v)
    if mode == "full":
        return out
    if mode == "same":
        start = (m - 1) // 2
        return P.getitem(out, idx=slice(start, start + n))
    if mode == "valid":
        return P.getitem(out, idx=slice(m - 1, n))
    raise ValueError(f"convolve: mode must be 'full', 'same' or 'valid', got {mode!r}")


def correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """Cross-correlation of two 1-D arrays: convolution with v reversed (and conjugated)."""
    v = _arr(v)
    return convolve(a, conj(flip(v)), mode=mode) if _shape(_arr(a))[0] >= _shape(v)[0] \
        else flip(convolve(flip(_arr(a)), conj(v), mode=mode))


def _spacing(h: Any, n: int, name: str) -> _np.ndarray:
    """One axis's sample spacing for :func:`gradient`: a number, or the coordinates."""
    if isinstance(h, Tracer):
        raise TypeError(f"{name}: the spacing is not differentiated; pass plain numbers or "
                        "coordinate arrays (call .detach() on a traced one)")
    h = _np.asarray(h, dtype=_np.float64)
    if h.ndim == 0:
        return _np.full(n - 1, float(h))
    if h.shape != (n,):
        raise ValueError(f"{name}: coordinates of shape {h.shape} for an axis of length {n}; "
                         f"pass {n} coordinates or one spacing")
    return _np.diff(h)


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """NumPy's gradient: second-order central differences inside, one-sided differences of
    order ``edge_order`` (1 or 2) at the ends; spacing by number or coordinates per axis. A
    tuple of arrays for several axes, as NumPy. Linear in ``f``, so it differentiates exactly.

    >>> import numpy as np, chainrule as cr
    >>> cr.jacobian(lambda f: gradient(f))(np.arange(3.0)).tolist()
    [[-1.0, 1.0, 0.0], [-0.5, 0.0, 0.5], [0.0, -1.0, 1.0]]
    """
    f = _arr(f)
    shape = _shape(f)
    nd = len(shape)
    axes = tuple(range(nd)) if axis is None else \
        (axis,) if isinstance(axis, (int, _np.integer)) else tuple(axis)
    axes = tuple(_axis(a, nd) for a in axes)
    if len(varargs) == 0:
        varargs = (1.0,) * len(axes)
    elif len(varargs) == 1 and len(axes) > 1:
        varargs = varargs * len(axes)
    if len(varargs) != len(axes):
        raise TypeError(f"gradient: got {len(varargs)} spacings for {len(axes)} axes; pass one "
                        "per axis, or one for all")
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order!r}")
    outs = []
    for ax, h in zip(axes, varargs):
        n = shape[ax]
        if n < edge_order + 1:
            raise ValueError(f"gradient: an axis of length {n} is too short for edge_order "
                             f"{edge_order}; it needs at least {edge_order + 1} samples")
        dx = _spacing(h, n, "gradient")
        kind = P.dtype_of(f)
        if kind.kind in "fc":   # coefficients in f's precision: float32 stays float32
            dx = dx.astype(_np.finfo(kind).dtype)
        bcast = (-1,) + (1,) * (nd - 1 - ax)

        def part(lo, hi, ax=ax):
            return f[(slice(None),) * ax + (slice(lo, hi),)]

        def coef(c, bcast=bcast):
            return _np.reshape(c, bcast) if _np.ndim(c) else c

        pieces = []
        d1, d2 = dx[:-1], dx[1:]
        if n > 2:   # interior: the second-order formula for uneven steps (NumPy's)
            a = -d2 / (d1 * (d1 + d2))
            b = (d2 - d1) / (d1 * d2)
            c = d1 / (d2 * (d1 + d2))
            pieces.append(coef(a) * part(0, -2) + coef(b) * part(1, -1) + coef(c) * part(2, None))
        if edge_order == 1:
            first = (part(1, 2) - part(0, 1)) / dx[0]
            last = (part(n - 1, n) - part(n - 2, n - 1)) / dx[-1]
        else:
            h1, h2 = dx[0], dx[1]
            first = (-(2 * h1 + h2) / (h1 * (h1 + h2)) * part(0, 1)
                     + (h1 + h2) / (h1 * h2) * part(1, 2) - h1 / (h2 * (h1 + h2)) * part(2, 3))
            h1, h2 = dx[-2], dx[-1]
            last = (h2 / (h1 * (h1 + h2)) * part(n - 3, n - 2)
                    - (h2 + h1) / (h1 * h2) * part(n - 2, n - 1)
                    + (2 * h2 + h1) / (h2 * (h1 + h2)) * part(n - 1, n))
        outs.append(concatenate([first] + pieces + [last], axis=ax))
    return outs[0] if len(outs) == 1 else tuple(outs)

