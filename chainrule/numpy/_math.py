"""Elementwise functions: arithmetic, exponentials and logarithms, trigonometry, signs and
rounding, comparisons, complex parts. Each is one row of the table or a short composite."""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as _np

from .. import ops as P
from ..core import bind
from ..ops.readings import complex_modulus
from ._helpers import _arr, _is_complex


def add(x: Any, y: Any) -> Any:
    """x + y, elementwise with broadcasting."""
    return P.add(x, y)


def subtract(x: Any, y: Any) -> Any:
    """x - y, elementwise."""
    return P.sub(x, y)


def multiply(x: Any, y: Any) -> Any:
    """x * y, elementwise."""
    return P.mul(x, y)


def divide(x: Any, y: Any) -> Any:
    """x / y, elementwise (true division)."""
    return P.div(x, y)


true_divide = divide   # one function, two names: np.true_divide is np.divide


def negative(x: Any) -> Any:
    """-x, elementwise."""
    return P.neg(x)


def power(x: Any, y: Any) -> Any:
    """x ** y, elementwise (d/dx x**0 = 0 also at x = 0)."""
    return P.pow(x, y)


pow = power   # one function, two names: np.pow is np.power


def square(x: Any) -> Any:
    """x², elementwise."""
    return P.square(x)


def reciprocal(x: Any) -> Any:
    """1 / x, elementwise (floating point; NumPy truncates integers)."""
    return P.reciprocal(x)


def positive(x: Any) -> Any:
    """+x (a copy that stays in the graph)."""
    return P.copy(x)


def float_power(x: Any, y: Any) -> Any:
    """x ** y computed in float64, or complex128 for complex operands (NumPy's float_power
    always promotes; a cast of complex values to float64 would drop their imaginary part)."""
    wide = _np.dtype(_np.complex128 if _is_complex(x) or _is_complex(y) else _np.float64)
    return P.pow(P.cast(x, dtype=wide), P.cast(y, dtype=wide))


def mod(x: Any, y: Any) -> Any:
    """Remainder with the sign of y (Python's %); d/dy = -floor(x / y)."""
    return P.remainder(x, y)


remainder = mod   # one function, two names: np.remainder is np.mod


def fmod(x: Any, y: Any) -> Any:
    """C-style remainder with the sign of x; d/dy = -trunc(x / y)."""
    return P.fmod(x, y)

# ----------------------------------------------------------------------------------------
# Elementwise: exponentials, logarithms, powers.


def exp(x: Any) -> Any:
    """e**x, elementwise."""
    return P.exp(x)


def exp2(x: Any) -> Any:
    """2**x, elementwise."""
    return P.exp2(x)


def expm1(x: Any) -> Any:
    """e**x - 1, accurate near 0."""
    return P.expm1(x)


def log(x: Any) -> Any:
    """Natural logarithm, elementwise."""
    return P.log(x)


def log2(x: Any) -> Any:
    """Base-2 logarithm, elementwise."""
    return P.log2(x)


def log10(x: Any) -> Any:
    """Base-10 logarithm, elementwise."""
    return P.log10(x)


def log1p(x: Any) -> Any:
    """log(1 + x), accurate near 0."""
    return P.log1p(x)


def sqrt(x: Any) -> Any:
    """Square root, elementwise (sqrt'(0) = inf)."""
    return P.sqrt(x)


def cbrt(x: Any) -> Any:
    """Cube root, elementwise (also of negative numbers)."""
    return P.cbrt(x)


def logaddexp(x: Any, y: Any) -> Any:
    """log(e**x + e**y) without overflow."""
    return P.logaddexp(x, y)


def logaddexp2(x: Any, y: Any) -> Any:
    """log2(2**x + 2**y) without overflow."""
    return P.logaddexp2(x, y)

# ----------------------------------------------------------------------------------------
# Elementwise: trigonometric and hyperbolic.


def sin(x: Any) -> Any:
    """Sine, elementwise."""
    return P.sin(x)


def cos(x: Any) -> Any:
    """Cosine, elementwise."""
    return P.cos(x)


def tan(x: Any) -> Any:
    """Tangent, elementwise."""
    return P.tan(x)


def arcsin(x: Any) -> Any:
    """Inverse sine, elementwise."""
    return P.arcsin(x)


asin = arcsin   # one function, two names: np.asin is np.arcsin


def arccos(x: Any) -> Any:
    """Inverse cosine, elementwise."""
    return P.arccos(x)


acos = arccos   # one function, two names: np.acos is np.arccos


def arctan(x: Any) -> Any:
    """Inverse tangent, elementwise."""
    return P.arctan(x)


atan = arctan   # one function, two names: np.atan is np.arctan


def arctan2(y: Any, x: Any) -> Any:
    """Angle of the point (x, y), quadrant-aware: arctan(y / x)."""
    return P.arctan2(y, x)


atan2 = arctan2   # one function, two names: np.atan2 is np.arctan2


def sinh(x: Any) -> Any:
    """Hyperbolic sine, elementwise."""
    return P.sinh(x)


def cosh(x: Any) -> Any:
    """Hyperbolic cosine, elementwise."""
    return P.cosh(x)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent, elementwise."""
    return P.tanh(x)


def arcsinh(x: Any) -> Any:
    """Inverse hyperbolic sine, elementwise."""
    return P.arcsinh(x)


asinh = arcsinh   # one function, two names: np.asinh is np.arcsinh


def arccosh(x: Any) -> Any:
    """Inverse hyperbolic cosine, elementwise (x >= 1)."""
    return P.arccosh(x)


acosh = arccosh   # one function, two names: np.acosh is np.arccosh


def arctanh(x: Any) -> Any:
    """Inverse hyperbolic tangent, elementwise (|x| < 1)."""
    return P.arctanh(x)


atanh = arctanh   # one function, two names: np.atanh is np.arctanh


def hypot(x: Any, y: Any) -> Any:
    """sqrt(x² + y²) without overflow, elementwise."""
    return P.hypot(x, y)


def sinc(x: Any) -> Any:
    """sin(pi x) / (pi x), with sinc(0) = 1."""
    return P.sinc(x)


def deg2rad(x: Any) -> Any:
    """Degrees to radians."""
    return P.mul(x, math.pi / 180.0)


def rad2deg(x: Any) -> Any:
    """Radians to degrees."""
    return P.mul(x, 180.0 / math.pi)


def radians(x: Any) -> Any:
    """Degrees to radians (alias of deg2rad)."""
    return P.mul(x, math.pi / 180.0)


def degrees(x: Any) -> Any:
    """Radians to degrees (alias of rad2deg)."""
    return P.mul(x, 180.0 / math.pi)

# ----------------------------------------------------------------------------------------
# Elementwise: signs, rounding, comparisons (rounding and predicates carry no gradient).


def abs(x: Any) -> Any:  # noqa: A001
    """|x|; for complex x the modulus sqrt(re² + im²), whose gradient is z/|z| (PyTorch's
    convention, docs/complex.md)."""
    if _is_complex(x):
        return complex_modulus(x)   # gradient 0 at z = 0, as real abs
    return P.abs(x)


absolute = abs   # one function, two names: np.absolute is np.abs


def fabs(x: Any) -> Any:
    """|x| for real x."""
    return P.abs(x)


def sign(x: Any) -> Any:
    """Sign of x (-1, 0, 1): no gradient."""
    return P.sign(x)


def copysign(x: Any, y: Any) -> Any:
    """|x| with the sign of y; differentiable in x."""
    return P.copysign(x, y)


def signbit(x: Any) -> Any:
    """True where the sign bit is set: no gradient."""
    return P.signbit(x)


def floor(x: Any) -> Any:
    """Largest integer <= x: no gradient (flat almost everywhere)."""
    return P.floor(x)


def ceil(x: Any) -> Any:
    """Smallest integer >= x: no gradient."""
    return P.ceil(x)


def trunc(x: Any) -> Any:
    """x rounded towards zero: no gradient."""
    return P.trunc(x)


def fix(x: Any) -> Any:
    """x rounded towards zero (alias of trunc): no gradient."""
    return P.trunc(x)


def rint(x: Any) -> Any:
    """x rounded to the nearest integer: no gradient."""
    return P.rint(x)


def round(x: Any, decimals: int = 0) -> Any:
    """x rounded to `decimals` decimals: no gradient."""
    return P.round(x, decimals=decimals)  # noqa: A001


def around(x: Any, decimals: int = 0) -> Any:
    """x rounded to `decimals` decimals (alias of round): no gradient."""
    return P.round(x, decimals=decimals)


def heaviside(x: Any, h0: Any) -> Any:
    """Step function (h0 at 0): no gradient."""
    return P.heaviside(x, h0)


def maximum(x: Any, y: Any) -> Any:
    """Elementwise maximum; ties split the gradient evenly."""
    return P.maximum(x, y)


def minimum(x: Any, y: Any) -> Any:
    """Elementwise minimum; ties split the gradient evenly."""
    return P.minimum(x, y)


def fmax(x: Any, y: Any) -> Any:
    """Elementwise maximum ignoring NaN; ties split the gradient evenly."""
    return P.fmax(x, y)


def fmin(x: Any, y: Any) -> Any:
    """Elementwise minimum ignoring NaN; ties split the gradient evenly."""
    return P.fmin(x, y)


def isnan(x: Any) -> Any:
    """True where x is NaN: no gradient."""
    return P.isnan(x)


def isinf(x: Any) -> Any:
    """True where x is ±inf: no gradient."""
    return P.isinf(x)


def isfinite(x: Any) -> Any:
    """True where x is finite: no gradient."""
    return P.isfinite(x)


def equal(x: Any, y: Any) -> Any:
    """x == y: no gradient."""
    return P.equal(x, y)


def not_equal(x: Any, y: Any) -> Any:
    """x != y: no gradient."""
    return P.not_equal(x, y)


def greater(x: Any, y: Any) -> Any:
    """x > y: no gradient."""
    return P.greater(x, y)


def greater_equal(x: Any, y: Any) -> Any:
    """x >= y: no gradient."""
    return P.greater_equal(x, y)


def less(x: Any, y: Any) -> Any:
    """x < y: no gradient."""
    return P.less(x, y)


def less_equal(x: Any, y: Any) -> Any:
    """x <= y: no gradient."""
    return P.less_equal(x, y)


def logical_and(x: Any, y: Any) -> Any:
    """x and y, elementwise: no gradient."""
    return P.logical_and(x, y)


def logical_or(x: Any, y: Any) -> Any:
    """x or y, elementwise: no gradient."""
    return P.logical_or(x, y)


def logical_xor(x: Any, y: Any) -> Any:
    """x xor y, elementwise: no gradient."""
    return P.logical_xor(x, y)


def logical_not(x: Any) -> Any:
    """not x, elementwise: no gradient."""
    return P.logical_not(x)


def clip(a: Any, a_min: Any = None, a_max: Any = None, *, min: Any = None,  # noqa: A002
         max: Any = None) -> Any:  # noqa: A002
    """Limit values to [a_min, a_max]. At a bound the gradient goes to ``a`` (not the bound),
    as in PyTorch's clamp; either bound may be a Tensor and then receives the gradient of the
    elements it replaces. ``min``/``max`` are NumPy 2's keyword spellings of the bounds."""
    a_min = min if a_min is None else a_min
    a_max = max if a_max is None else a_max
    out = a
    if a_min is not None:
        out = P.where(P.less(a, a_min), a_min, out)
    if a_max is not None:
        out = P.where(P.greater(a, a_max), a_max, out)
    return out


def nan_to_num(x: Any, copy: bool = True, nan: float = 0.0, posinf: Optional[float] = None,
               neginf: Optional[float] = None) -> Any:
    """NaN, +inf and -inf replaced by numbers; their gradient is 0, the rest pass through."""
    x = _arr(x)
    if P.dtype_of(x).kind == "c":   # NumPy treats the real and imaginary parts apart
        parts = [nan_to_num(bind(p, x), copy, nan, posinf, neginf) for p in (P.real, P.imag)]
        return parts[0] + 1j * parts[1]
    if P.dtype_of(x).kind != "f":
        return x
    info = _np.finfo(P.dtype_of(x))
    posinf = float(info.max) if posinf is None else float(posinf)
    neginf = float(info.min) if neginf is None else float(neginf)
    v = P.value_of(x)
    out = P.where(_np.isnan(v), float(nan), x)
    out = P.where(_np.isposinf(v), posinf, out)
    return P.where(_np.isneginf(v), neginf, out)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """Elements of x where condition holds, else of y; ``where(condition)`` gives the indices
    of the true elements (no gradient), as ``nonzero`` does."""
    if x is None and y is None:
        return _np.nonzero(_np.asarray(P.value_of(condition)))
    if x is None or y is None:
        raise ValueError("where: pass both x and y, or neither (for the indices of the true "
                         "elements)")
    return P.where(condition, x, y)


def nonzero(a: Any) -> tuple:
    """Indices of the non-zero elements (plain arrays: indices carry no gradient)."""
    return _np.nonzero(_np.asarray(P.value_of(a)))

# ----------------------------------------------------------------------------------------
# Complex numbers.


def real(x: Any) -> Any:
    """Real part (x itself for real x)."""
    return P.real(x) if _is_complex(x) else x


def imag(x: Any) -> Any:
    """Imaginary part (zeros for real x)."""
    return P.imag(x)


def conj(x: Any) -> Any:
    """Complex conjugate (x itself for real x)."""
    return P.conj(x) if _is_complex(x) else x


conjugate = conj   # one function, two names: np.conjugate is np.conj


def angle(z: Any, deg: bool = False) -> Any:
    """Argument of a complex number: arctan2(imag, real)."""
    a = P.arctan2(imag(z), real(z))
    return degrees(a) if deg else a


# ----------------------------------------------------------------------------------------
# Integer division, and questions about complex values (their answers carry no gradient).


def floor_divide(x: Any, y: Any) -> Any:
    """floor(x / y) as NumPy (and Python's //) compute it: a step function, no gradient."""
    return P.floor_divide(x, y)


def divmod(x: Any, y: Any) -> tuple:  # noqa: A001
    """(x // y, x % y); the remainder carries the gradient (see :func:`mod`)."""
    return floor_divide(x, y), mod(x, y)


def iscomplexobj(x: Any) -> bool:
    """Whether ``x`` has a complex dtype (whatever its values)."""
    return _is_complex(x)


def isrealobj(x: Any) -> bool:
    """Whether ``x`` does not have a complex dtype."""
    return not _is_complex(x)


def iscomplex(x: Any) -> Any:
    """Where the imaginary part is nonzero (a plain boolean array: no gradient)."""
    v = _np.asarray(P.value_of(x))
    return _np.iscomplex(v)


def isreal(x: Any) -> Any:
    """Where the imaginary part is zero (a plain boolean array: no gradient)."""
    return _np.isreal(_np.asarray(P.value_of(x)))


def real_if_close(x: Any, tol: float = 100) -> Any:
    """The real part when every imaginary part is within ``tol`` machine epsilons of zero
    (decided on the values, as NumPy does), else ``x`` unchanged. The real part's gradient
    is that of :func:`real`.

    >>> import chainrule as cr
    >>> cr.grad(lambda x: real_if_close(x + 0j) ** 2)(3.0)
    6.0
    """
    if not _is_complex(x):
        return x
    v = _np.asarray(P.value_of(x))
    close = _np.real_if_close(v, tol=tol)
    return real(x) if close.dtype.kind != "c" else x

