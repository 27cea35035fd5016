"""Taylor mode: ``derivative(f, n)`` and ``taylor_coefficients``."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .. import ops as P
from ..core import Tracer
from ..interpret.taylor import series
from ._common import _as_primal, _named, _reading, _restore

__all__ = ["derivative", "taylor_coefficients"]


# ----------------------------------------------------------------------------------------
# nth derivatives: Taylor mode.

def _check_order(n: Any, who: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"{who}: the order must be a whole number >= 0, got {n!r}")
    return int(n)


def taylor_coefficients(f: Callable, x: Any, order: int) -> list:
    """The Taylor coefficients ``[f(x), f'(x), f''(x)/2!, ..., f⁽ⁿ⁾(x)/n!]`` of a scalar
    function (applied elementwise to an array ``x``), in one Taylor-mode pass.

    >>> import chainrule as cr
    >>> cr.taylor_coefficients(lambda x: 1 / (1 - x), 0.0, 4)
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    order = _check_order(order, "taylor_coefficients")
    coeffs = _reading((x,), series, f, _as_primal(x), order)
    return [_restore(c, x) for c in coeffs]


def _derivative_scale(n: int) -> tuple:
    """``(h, n!/hⁿ)`` for the nth derivative from a series seeded with ``x + h·t``.

    The series' coefficient n is ``f⁽ⁿ⁾·hⁿ/n!``. With ``h = 1`` it underflows past n ≈ 170
    (``1/171!`` is below the smallest float) and ``n!`` overflows, so the old ``c·n!`` gave
    0·inf. ``h`` is the power of two nearest ``(n!)^(1/n)``, so that ``hⁿ/n!`` is near 1 and
    scaling the seed is exact; ``n!/hⁿ`` is one correctly rounded division of Python
    integers (no float ever holds ``n!``). For n ≤ 22, ``n!`` is exact in float64 and the
    result is bit for bit ``c·n!`` of the unscaled series.
    """
    if n <= 1:
        return 1.0, 1.0
    e = round(math.lgamma(n + 1) / (n * math.log(2)))
    fact = math.factorial(n)
    factor = fact / (1 << (e * n)) if e >= 0 else fact * (1 << (-e * n))
    return math.ldexp(1.0, e), factor


def _times_factor(c: Any, factor: float) -> Any:
    """``c·factor`` in float64 (or complex128), back in c's own dtype: a float32 array must
    not round ``factor`` to float32 (it may lie outside float32's range)."""
    if type(c) is float or isinstance(c, Tracer):
        return c * factor
    dtype = P.dtype_of(c)
    if dtype in (np.float64, np.complex128):
        return c * factor
    wide = np.complex128 if dtype.kind == "c" else np.float64
    with np.errstate(over="ignore"):   # a value beyond float32's range is inf, as NumPy says
        return (np.asarray(c, dtype=wide) * factor).astype(dtype)


def derivative(f: Callable, n: int = 1) -> Callable:
    """The nth derivative of a scalar function ``f``, applied elementwise to an array of
    points, computed in Taylor mode: a truncated power series goes through ``f`` once, so
    order n costs about O(n²) (nested ``grad`` costs grow exponentially with n).

    For an ``f`` that is not elementwise, the result is the nth directional derivative
    along a vector of ones. High orders are exact to rounding (no ``n!`` is ever formed: the
    series is seeded with ``x + h·t``, h a power of two near ``(n!)^(1/n)``), as long as the
    scaled coefficients fit a float: for ``exp``-like functions up to n ≈ 1900 in float64.

    >>> import chainrule as cr
    >>> cr.derivative(lambda x: x ** 10, 10)(1.3)
    3628800.0
    >>> import numpy as np
    >>> cr.derivative(cr.sin, 4)(np.array([0.0, 1.0])) - np.sin([0.0, 1.0])
    array([0., 0.])
    >>> round(cr.derivative(cr.exp, 300)(0.0), 12)
    1.0
    """
    n = _check_order(n, "derivative")
    scale, factor = _derivative_scale(n)

    def derivative_of_f(x: Any) -> Any:
        if isinstance(x, (tuple, list, dict)):
            raise TypeError(f"derivative: takes one number or array of points, got a "
                            f"{type(x).__name__}; for functions of several variables use "
                            "grad, jacobian or hessian")
        c = _reading((x,), series, f, x if type(x) is float else _as_primal(x), n, scale)[n]
        if factor != 1.0:
            c = _times_factor(c, factor)
        return c if type(c) is float and type(x) is float else _restore(c, x)

    name = "derivative" if n == 1 else f"derivative{n}"
    return _named(derivative_of_f, f, name)
