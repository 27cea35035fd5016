"""Reductions (sum, mean, var, ...), their NaN-ignoring forms, running sums and products,
sorting, and the logical summaries (which return plain NumPy values)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as _np

from .. import ops as P
from ..ops.readings import mean as _mean
from ._helpers import _arr, _axis, _count, _shape, _sqrt_zero_safe
from ._index import take_along_axis
from ._shape import ravel, squeeze


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Sum over the given axes (all when None)."""
    return P.sum(x, axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Arithmetic mean over the given axes."""
    return _mean(_arr(x), axis=axis, keepdims=keepdims)


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Product of elements; its gradient is exact also where elements are 0.

    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.prod)(cnp.array([2.0, 0.0, 3.0]))
    array([0., 6., 0.])
    """
    return P.prod(x, axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Maximum over the given axes; tied elements share the gradient evenly."""
    return P.amax(x, axis=axis, keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Minimum over the given axes; tied elements share the gradient evenly."""
    return P.amin(x, axis=axis, keepdims=keepdims)


def amax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Maximum over the given axes (alias of max)."""
    return P.amax(x, axis=axis, keepdims=keepdims)


def amin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Minimum over the given axes (alias of min)."""
    return P.amin(x, axis=axis, keepdims=keepdims)


def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Peak to peak: max - min."""
    return max(x, axis=axis, keepdims=keepdims) - min(x, axis=axis, keepdims=keepdims)


def _abs2(d: Any) -> Any:
    # |d|²: NumPy's variance of complex values is real, mean(|x - mean|²), not of (x - mean)².
    if P.dtype_of(d).kind == "c":
        re, im = P.real(d), P.imag(d)
        return re * re + im * im
    return d * d


def var(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Variance, sum((x - mean)²) / (N - ddof)."""
    x = _arr(x)
    d = x - _mean(x, axis=axis, keepdims=True)
    n = _count(_shape(x), axis) - ddof
    s = P.sum(_abs2(d), axis=axis, keepdims=keepdims)
    return s / n if n > 0 else s * _np.nan


def std(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Standard deviation; where all elements are equal (a kink) the gradient is 0."""
    return _sqrt_zero_safe(var(x, axis=axis, ddof=ddof, keepdims=keepdims))


def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False,
            keepdims: bool = False) -> Any:
    """Weighted mean; the weights may be Tensors too."""
    a = _arr(a)
    if weights is None:
        avg = _mean(a, axis=axis, keepdims=keepdims)
        wsum = _count(_shape(a), axis)
    else:
        w = _arr(weights)
        if _shape(w) != _shape(a):
            if axis is None or len(_shape(w)) != 1:
                raise TypeError(f"average: weights of shape {_shape(w)} differ from the data's "
                                f"shape {_shape(a)}; pass 1-D weights together with axis=")
            ax = _axis(axis, len(_shape(a)))
            w = P.reshape(w, shape=tuple(-1 if i == ax else 1
                                              for i in range(len(_shape(a)))))
            w = P.broadcast_to(w, shape=_shape(a))
        wsum = P.sum(w, axis=axis, keepdims=keepdims)
        avg = P.sum(a * w, axis=axis, keepdims=keepdims) / wsum
    if returned:
        return avg, wsum
    return avg


def median(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Median through sort: the middle element, or the mean of the two middle ones."""
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    s = sort(a, axis=axis)
    ax = _axis(axis, len(_shape(s)))
    n = _shape(s)[ax]
    lo, hi = (n - 1) // 2, n // 2
    pre = (slice(None),) * ax
    out = 0.5 * (s[pre + (slice(lo, lo + 1),)] + s[pre + (slice(hi, hi + 1),)])
    return out if keepdims else squeeze(out, axis=ax)


def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Sum treating NaN as 0 (NaN elements get gradient 0)."""
    x = _arr(x)
    return P.sum(P.where(_np.isnan(P.value_of(x)), 0.0, x), axis=axis,
                keepdims=keepdims)


def nanmean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Mean over the non-NaN elements."""
    x = _arr(x)
    keep = ~_np.isnan(P.value_of(x))
    n = _np.sum(keep, axis=axis, keepdims=keepdims)
    return nansum(x, axis=axis, keepdims=keepdims) / n.astype(P.dtype_of(x))


def nanmax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Maximum ignoring NaN."""
    x = _arr(x)
    return max(P.where(_np.isnan(P.value_of(x)), -_np.inf, x), axis=axis,
               keepdims=keepdims)


def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Minimum ignoring NaN."""
    x = _arr(x)
    return min(P.where(_np.isnan(P.value_of(x)), _np.inf, x), axis=axis,
               keepdims=keepdims)


def nanprod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Product treating NaN as 1."""
    x = _arr(x)
    return prod(P.where(_np.isnan(P.value_of(x)), 1.0, x), axis=axis, keepdims=keepdims)


def cumsum(x: Any, axis: Optional[int] = None) -> Any:
    """Running sum along an axis (of the flattened array when axis is None)."""
    x = _arr(x)
    if axis is None:
        x, axis = ravel(x), 0
    return P.cumsum(x, axis=_axis(axis, len(_shape(x))))


def _cumulative(scan: Any, name: str, initial: float, x: Any, axis: Optional[int],
                include_initial: bool) -> Any:
    """The Array API's cumulative_sum/cumulative_prod: ``scan`` along one axis, optionally
    starting with ``initial``."""
    x = _arr(x)
    if axis is None:
        if len(_shape(x)) > 1:
            raise ValueError(f"{name}: pass axis= for an input with more than one dimension")
        axis = 0
    out = scan(x, axis=axis)
    if include_initial:
        ax = _axis(axis, len(_shape(x)))
        widths = tuple((1, 0) if i == ax else (0, 0) for i in range(len(_shape(x))))
        out = P.pad(out, pad_width=widths, value=initial)
    return out


def cumulative_sum(x: Any, *, axis: Optional[int] = None,
                   include_initial: bool = False) -> Any:
    """Running sum (the Array API's name), optionally starting with 0."""
    return _cumulative(cumsum, "cumulative_sum", 0.0, x, axis, include_initial)


def cumulative_prod(x: Any, *, axis: Optional[int] = None,
                    include_initial: bool = False) -> Any:
    """Running product (the Array API's name), optionally starting with 1."""
    return _cumulative(cumprod, "cumulative_prod", 1.0, x, axis, include_initial)


def cumprod(x: Any, axis: Optional[int] = None) -> Any:
    """Running product; the gradient is exact also where elements are 0."""
    x = _arr(x)
    if axis is None:
        x, axis = ravel(x), 0
    return P.cumprod(x, axis=_axis(axis, len(_shape(x))))


def argmax(x: Any, axis: Optional[int] = None, keepdims: bool = False) -> Any:
    """Indices of the maxima: no gradient."""
    return P.argmax(x, axis=axis, keepdims=keepdims)


def argmin(x: Any, axis: Optional[int] = None, keepdims: bool = False) -> Any:
    """Indices of the minima: no gradient."""
    return P.argmin(x, axis=axis, keepdims=keepdims)


def argsort(x: Any, axis: Optional[int] = -1, stable: Optional[bool] = None) -> Any:
    """Indices that sort the array (stable): no gradient."""
    if axis is None:
        x, axis = ravel(_arr(x)), -1
    return P.argsort(x, axis=axis, stable=stable)


def sort(x: Any, axis: Optional[int] = -1, stable: Optional[bool] = None) -> Any:
    """Sorted copy; the gradient goes back to where each element came from (tied elements
    are told apart by NumPy's sort order; pass stable=True to keep their original order)."""
    x = _arr(x)
    if axis is None:
        x, axis = ravel(x), -1
    order = _np.argsort(_np.asarray(P.value_of(x)), axis=axis, stable=stable)
    return take_along_axis(x, order, axis=axis)


def argpartition(x: Any, kth: Any, axis: Optional[int] = -1) -> Any:
    """Indices that partition the array around ``kth`` (a plain NumPy array: no gradient)."""
    return _np.argpartition(_np.asarray(P.value_of(x)), kth, axis=axis)


def partition(x: Any, kth: Any, axis: Optional[int] = -1) -> Any:
    """The array rearranged so that element ``kth`` is where sorting would put it, smaller
    ones before and larger after (NumPy's order); the gradient goes back to where each
    element came from, as in :func:`sort`."""
    x = _arr(x)
    if axis is None:
        x, axis = ravel(x), -1
    order = _np.argpartition(_np.asarray(P.value_of(x)), kth, axis=axis)
    return take_along_axis(x, order, axis=axis)


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Whether all elements are true (a plain NumPy value)."""
    return _np.all(_np.asarray(P.value_of(x)), axis=axis, keepdims=keepdims)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Whether any element is true (a plain NumPy value)."""
    return _np.any(_np.asarray(P.value_of(x)), axis=axis, keepdims=keepdims)


def count_nonzero(x: Any, axis: Any = None) -> Any:
    """Number of non-zero elements (a plain NumPy value)."""
    return _np.count_nonzero(_np.asarray(P.value_of(x)), axis=axis)

def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Any:
    """Elementwise closeness test on the values (a plain boolean array)."""
    return _np.isclose(P.value_of(a), P.value_of(b), rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether all values are close (a plain bool)."""
    return bool(_np.allclose(P.value_of(a), P.value_of(b), rtol=rtol, atol=atol,
                             equal_nan=equal_nan))


def array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> bool:
    """Whether two arrays have the same shape and values (a plain bool)."""
    return bool(_np.array_equal(P.value_of(a1), P.value_of(a2), equal_nan=equal_nan))


def nancumsum(x: Any, axis: Optional[int] = None) -> Any:
    """Running sum treating NaN as 0."""
    x = _arr(x)
    return cumsum(P.where(_np.isnan(P.value_of(x)), 0.0, x), axis=axis)


def nancumprod(x: Any, axis: Optional[int] = None) -> Any:
    """Running product treating NaN as 1."""
    x = _arr(x)
    return cumprod(P.where(_np.isnan(P.value_of(x)), 1.0, x), axis=axis)


def nanvar(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Variance over the non-NaN elements."""
    x = _arr(x)
    nan_mask = _np.isnan(P.value_of(x))
    n = _np.sum(~nan_mask, axis=axis, keepdims=True)
    m = nansum(x, axis=axis, keepdims=True) / n.astype(P.dtype_of(x))
    d = P.where(nan_mask, 0.0, x - m)
    count = _np.sum(~nan_mask, axis=axis, keepdims=keepdims) - ddof
    s = P.sum(_abs2(d), axis=axis, keepdims=keepdims)
    return s / count.astype(P.dtype_of(s))


def nanstd(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Standard deviation over the non-NaN elements (gradient 0 where they are all equal)."""
    return _sqrt_zero_safe(nanvar(x, axis=axis, ddof=ddof, keepdims=keepdims))
