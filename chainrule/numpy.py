"""``chainrule.numpy``: NumPy's names, differentiable. ``import chainrule.numpy as cnp``.

Every name is an explicit definition that goes through the primitive table; composites are
built from rows of the table and need no derivative rule of their own. Functions take arrays,
numbers, lists or Tensors; given Tensors (or inside ``grad``/``jvp``) they return Tensors that
carry the gradient, given plain arrays they return plain NumPy results.

>>> import chainrule as cr
>>> import chainrule.numpy as cnp
>>> cr.grad(lambda x: cnp.sum(cnp.sin(x) ** 2))(cnp.array([0.0, 1.0]))
array([0.        , 0.90929743])

Unchanged NumPy code works too: ``np.sin(t)``, ``np.sum(t, axis=0)``, ``np.einsum(s, t, u)``
on Tensors come here through ``Tensor.__array_ufunc__``/``__array_function__`` and
:data:`HANDLED_FUNCTIONS`.
"""

from __future__ import annotations

import builtins
import math
import string
from typing import Any, Optional, Sequence

import numpy as _np

from . import ops as P
from . import ops as PN
from .core import Tracer, bind, bind1
from .ops.methods import mean as _mean

pi = _np.pi
e = _np.e
euler_gamma = _np.euler_gamma
inf = _np.inf
nan = _np.nan
newaxis = None
float16, float32, float64 = _np.float16, _np.float32, _np.float64
complex64, complex128 = _np.complex64, _np.complex128
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, bool_ = _np.uint8, _np.bool_
ndarray = _np.ndarray
dtype = _np.dtype
finfo = _np.finfo
iinfo = _np.iinfo


# ----------------------------------------------------------------------------------------
# Helpers.


def _arr(x: Any) -> Any:
    """Tracers as they are; everything else as a NumPy array (lists, numbers)."""
    if isinstance(x, Tracer):
        return x
    if isinstance(x, (list, tuple)) and _holds_tracer(x):
        return array(x)
    return _np.asarray(x)


def _holds_tracer(seq: Any) -> bool:
    return builtins.any(isinstance(s, Tracer) or (isinstance(s, (list, tuple)) and
                                                  _holds_tracer(s)) for s in seq)


def _shape(x: Any) -> tuple:
    return P.shape_of(x) if isinstance(x, Tracer) else _np.shape(x)


def _axis(axis: Any, ndim: int) -> int:
    if not -ndim <= axis < builtins.max(ndim, 1):
        raise _np.exceptions.AxisError(axis, ndim)
    return axis % ndim if ndim else 0


def _count(shape: tuple, axis: Any) -> int:
    n = 1
    for a in P.normalize_axes(axis, len(shape)):
        n *= shape[a]
    return n


def _is_complex(x: Any) -> bool:
    return P.dtype_of(x).kind == "c"


# ----------------------------------------------------------------------------------------
# Elementwise: arithmetic.


def add(x: Any, y: Any) -> Any:
    """x + y, elementwise with broadcasting."""
    return bind(P.add, x, y)


def subtract(x: Any, y: Any) -> Any:
    """x - y, elementwise."""
    return bind(P.sub, x, y)


def multiply(x: Any, y: Any) -> Any:
    """x * y, elementwise."""
    return bind(P.mul, x, y)


def divide(x: Any, y: Any) -> Any:
    """x / y, elementwise (true division)."""
    return bind(P.div, x, y)


true_divide = divide   # one function, two names: np.true_divide is np.divide


def negative(x: Any) -> Any:
    """-x, elementwise."""
    return bind1(P.neg, x)


def power(x: Any, y: Any) -> Any:
    """x ** y, elementwise (d/dx x**0 = 0 also at x = 0)."""
    return bind(P.pow, x, y)


pow = power   # one function, two names: np.pow is np.power


def square(x: Any) -> Any:
    """x², elementwise."""
    return bind(PN.square, x)


def reciprocal(x: Any) -> Any:
    """1 / x, elementwise (floating point; NumPy truncates integers)."""
    return bind(PN.reciprocal, x)


def positive(x: Any) -> Any:
    """+x (a copy that stays in the graph)."""
    return bind1(P.copy, x)


def float_power(x: Any, y: Any) -> Any:
    """x ** y computed in float64 (NumPy's float_power always promotes)."""
    return bind(P.pow, bind(P.cast, x, dtype=_np.dtype(_np.float64)),
                bind(P.cast, y, dtype=_np.dtype(_np.float64)))


def mod(x: Any, y: Any) -> Any:
    """Remainder with the sign of y (Python's %); d/dy = -floor(x / y)."""
    return bind(PN.remainder, x, y)


remainder = mod   # one function, two names: np.remainder is np.mod


def fmod(x: Any, y: Any) -> Any:
    """C-style remainder with the sign of x; d/dy = -trunc(x / y)."""
    return bind(PN.fmod, x, y)

# ----------------------------------------------------------------------------------------
# Elementwise: exponentials, logarithms, powers.


def exp(x: Any) -> Any:
    """e**x, elementwise."""
    return bind1(P.exp, x)


def exp2(x: Any) -> Any:
    """2**x, elementwise."""
    return bind(PN.exp2, x)


def expm1(x: Any) -> Any:
    """e**x - 1, accurate near 0."""
    return bind(PN.expm1, x)


def log(x: Any) -> Any:
    """Natural logarithm, elementwise."""
    return bind1(P.log, x)


def log2(x: Any) -> Any:
    """Base-2 logarithm, elementwise."""
    return bind(PN.log2, x)


def log10(x: Any) -> Any:
    """Base-10 logarithm, elementwise."""
    return bind(PN.log10, x)


def log1p(x: Any) -> Any:
    """log(1 + x), accurate near 0."""
    return bind(PN.log1p, x)


def sqrt(x: Any) -> Any:
    """Square root, elementwise (sqrt'(0) = inf)."""
    return bind1(P.sqrt, x)


def cbrt(x: Any) -> Any:
    """Cube root, elementwise (also of negative numbers)."""
    return bind(PN.cbrt, x)


def logaddexp(x: Any, y: Any) -> Any:
    """log(e**x + e**y) without overflow."""
    return bind(PN.logaddexp, x, y)


def logaddexp2(x: Any, y: Any) -> Any:
    """log2(2**x + 2**y) without overflow."""
    return bind(PN.logaddexp2, x, y)

# ----------------------------------------------------------------------------------------
# Elementwise: trigonometric and hyperbolic.


def sin(x: Any) -> Any:
    """Sine, elementwise."""
    return bind1(P.sin, x)


def cos(x: Any) -> Any:
    """Cosine, elementwise."""
    return bind1(P.cos, x)


def tan(x: Any) -> Any:
    """Tangent, elementwise."""
    return bind1(P.tan, x)


def arcsin(x: Any) -> Any:
    """Inverse sine, elementwise."""
    return bind(PN.arcsin, x)


asin = arcsin   # one function, two names: np.asin is np.arcsin


def arccos(x: Any) -> Any:
    """Inverse cosine, elementwise."""
    return bind(PN.arccos, x)


acos = arccos   # one function, two names: np.acos is np.arccos


def arctan(x: Any) -> Any:
    """Inverse tangent, elementwise."""
    return bind(PN.arctan, x)


atan = arctan   # one function, two names: np.atan is np.arctan


def arctan2(y: Any, x: Any) -> Any:
    """Angle of the point (x, y), quadrant-aware: arctan(y / x)."""
    return bind(PN.arctan2, y, x)


atan2 = arctan2   # one function, two names: np.atan2 is np.arctan2


def sinh(x: Any) -> Any:
    """Hyperbolic sine, elementwise."""
    return bind(PN.sinh, x)


def cosh(x: Any) -> Any:
    """Hyperbolic cosine, elementwise."""
    return bind(PN.cosh, x)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent, elementwise."""
    return bind1(P.tanh, x)


def arcsinh(x: Any) -> Any:
    """Inverse hyperbolic sine, elementwise."""
    return bind(PN.arcsinh, x)


asinh = arcsinh   # one function, two names: np.asinh is np.arcsinh


def arccosh(x: Any) -> Any:
    """Inverse hyperbolic cosine, elementwise (x >= 1)."""
    return bind(PN.arccosh, x)


acosh = arccosh   # one function, two names: np.acosh is np.arccosh


def arctanh(x: Any) -> Any:
    """Inverse hyperbolic tangent, elementwise (|x| < 1)."""
    return bind(PN.arctanh, x)


atanh = arctanh   # one function, two names: np.atanh is np.arctanh


def hypot(x: Any, y: Any) -> Any:
    """sqrt(x² + y²) without overflow, elementwise."""
    return bind(PN.hypot, x, y)


def sinc(x: Any) -> Any:
    """sin(pi x) / (pi x), with sinc(0) = 1."""
    return bind(PN.sinc, x)


def deg2rad(x: Any) -> Any:
    """Degrees to radians."""
    return bind(P.mul, x, math.pi / 180.0)


def rad2deg(x: Any) -> Any:
    """Radians to degrees."""
    return bind(P.mul, x, 180.0 / math.pi)


def radians(x: Any) -> Any:
    """Degrees to radians (alias of deg2rad)."""
    return bind(P.mul, x, math.pi / 180.0)


def degrees(x: Any) -> Any:
    """Radians to degrees (alias of rad2deg)."""
    return bind(P.mul, x, 180.0 / math.pi)

# ----------------------------------------------------------------------------------------
# Elementwise: signs, rounding, comparisons (rounding and predicates carry no gradient).


def abs(x: Any) -> Any:  # noqa: A001
    """|x|; for complex x the modulus sqrt(re² + im²), whose gradient is conj(z)/|z|."""
    if _is_complex(x):
        return bind(PN.hypot, bind(PN.real, x), bind(PN.imag, x))
    return bind1(P.abs, x)


absolute = abs   # one function, two names: np.absolute is np.abs


def fabs(x: Any) -> Any:
    """|x| for real x."""
    return bind1(P.abs, x)


def sign(x: Any) -> Any:
    """Sign of x (-1, 0, 1): no gradient."""
    return bind1(P.sign, x)


def copysign(x: Any, y: Any) -> Any:
    """|x| with the sign of y; differentiable in x."""
    return bind(PN.copysign, x, y)


def signbit(x: Any) -> Any:
    """True where the sign bit is set: no gradient."""
    return bind(PN.signbit, x)


def floor(x: Any) -> Any:
    """Largest integer <= x: no gradient (flat almost everywhere)."""
    return bind(PN.floor, x)


def ceil(x: Any) -> Any:
    """Smallest integer >= x: no gradient."""
    return bind(PN.ceil, x)


def trunc(x: Any) -> Any:
    """x rounded towards zero: no gradient."""
    return bind(PN.trunc, x)


def fix(x: Any) -> Any:
    """x rounded towards zero (alias of trunc): no gradient."""
    return bind(PN.trunc, x)


def rint(x: Any) -> Any:
    """x rounded to the nearest integer: no gradient."""
    return bind(PN.rint, x)


def round(x: Any, decimals: int = 0) -> Any:
    """x rounded to `decimals` decimals: no gradient."""
    return bind(PN.round, x, decimals=decimals)  # noqa: A001


def around(x: Any, decimals: int = 0) -> Any:
    """x rounded to `decimals` decimals (alias of round): no gradient."""
    return bind(PN.round, x, decimals=decimals)


def heaviside(x: Any, h0: Any) -> Any:
    """Step function (h0 at 0): no gradient."""
    return bind(PN.heaviside, x, h0)


def maximum(x: Any, y: Any) -> Any:
    """Elementwise maximum; ties split the gradient evenly."""
    return bind(P.maximum, x, y)


def minimum(x: Any, y: Any) -> Any:
    """Elementwise minimum; ties split the gradient evenly."""
    return bind(P.minimum, x, y)


def fmax(x: Any, y: Any) -> Any:
    """Elementwise maximum ignoring NaN; ties split the gradient evenly."""
    return bind(PN.fmax, x, y)


def fmin(x: Any, y: Any) -> Any:
    """Elementwise minimum ignoring NaN; ties split the gradient evenly."""
    return bind(PN.fmin, x, y)


def isnan(x: Any) -> Any:
    """True where x is NaN: no gradient."""
    return bind(PN.isnan, x)


def isinf(x: Any) -> Any:
    """True where x is ±inf: no gradient."""
    return bind(PN.isinf, x)


def isfinite(x: Any) -> Any:
    """True where x is finite: no gradient."""
    return bind(PN.isfinite, x)


def equal(x: Any, y: Any) -> Any:
    """x == y: no gradient."""
    return bind(P.equal, x, y)


def not_equal(x: Any, y: Any) -> Any:
    """x != y: no gradient."""
    return bind(P.not_equal, x, y)


def greater(x: Any, y: Any) -> Any:
    """x > y: no gradient."""
    return bind(P.greater, x, y)


def greater_equal(x: Any, y: Any) -> Any:
    """x >= y: no gradient."""
    return bind(P.greater_equal, x, y)


def less(x: Any, y: Any) -> Any:
    """x < y: no gradient."""
    return bind(P.less, x, y)


def less_equal(x: Any, y: Any) -> Any:
    """x <= y: no gradient."""
    return bind(P.less_equal, x, y)


def logical_and(x: Any, y: Any) -> Any:
    """x and y, elementwise: no gradient."""
    return bind(PN.logical_and, x, y)


def logical_or(x: Any, y: Any) -> Any:
    """x or y, elementwise: no gradient."""
    return bind(PN.logical_or, x, y)


def logical_xor(x: Any, y: Any) -> Any:
    """x xor y, elementwise: no gradient."""
    return bind(PN.logical_xor, x, y)


def logical_not(x: Any) -> Any:
    """not x, elementwise: no gradient."""
    return bind(PN.logical_not, x)


def clip(a: Any, a_min: Any = None, a_max: Any = None, *, min: Any = None,  # noqa: A002
         max: Any = None) -> Any:  # noqa: A002
    """Limit values to [a_min, a_max]. At a bound the gradient goes to ``a`` (not the bound),
    as in PyTorch's clamp; either bound may be a Tensor and then receives the gradient of the
    elements it replaces. ``min``/``max`` are NumPy 2's keyword spellings of the bounds."""
    a_min = min if a_min is None else a_min
    a_max = max if a_max is None else a_max
    out = a
    if a_min is not None:
        out = bind(P.where, bind(P.less, a, a_min), a_min, out)
    if a_max is not None:
        out = bind(P.where, bind(P.greater, a, a_max), a_max, out)
    return out


def nan_to_num(x: Any, copy: bool = True, nan: float = 0.0, posinf: Optional[float] = None,
               neginf: Optional[float] = None) -> Any:
    """NaN, +inf and -inf replaced by numbers; their gradient is 0, the rest pass through."""
    x = _arr(x)
    if P.dtype_of(x).kind != "f":
        return x
    info = _np.finfo(P.dtype_of(x))
    posinf = float(info.max) if posinf is None else float(posinf)
    neginf = float(info.min) if neginf is None else float(neginf)
    v = P.value_of(x)
    out = bind(P.where, _np.isnan(v), float(nan), x)
    out = bind(P.where, _np.isposinf(v), posinf, out)
    return bind(P.where, _np.isneginf(v), neginf, out)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """Elements of x where condition holds, else of y; ``where(condition)`` gives the indices
    of the true elements (no gradient), as ``nonzero`` does."""
    if x is None and y is None:
        return _np.nonzero(_np.asarray(P.value_of(condition)))
    if x is None or y is None:
        raise ValueError("where: pass both x and y, or neither (for the indices of the true "
                         "elements)")
    return bind(P.where, condition, x, y)


def nonzero(a: Any) -> tuple:
    """Indices of the non-zero elements (plain arrays: indices carry no gradient)."""
    return _np.nonzero(_np.asarray(P.value_of(a)))

# ----------------------------------------------------------------------------------------
# Complex numbers.


def real(x: Any) -> Any:
    """Real part (x itself for real x)."""
    return bind(PN.real, x) if _is_complex(x) else x


def imag(x: Any) -> Any:
    """Imaginary part (zeros for real x)."""
    return bind(PN.imag, x)


def conj(x: Any) -> Any:
    """Complex conjugate (x itself for real x)."""
    return bind(PN.conj, x) if _is_complex(x) else x


conjugate = conj   # one function, two names: np.conjugate is np.conj


def angle(z: Any, deg: bool = False) -> Any:
    """Argument of a complex number: arctan2(imag, real)."""
    a = bind(PN.arctan2, imag(z), real(z))
    return degrees(a) if deg else a

# ----------------------------------------------------------------------------------------
# Activation-style functions (the ones users reach for next).


def sigmoid(x: Any) -> Any:
    """Logistic function 1/(1+e^-x), as 0.5*tanh(x/2)+0.5: no overflow for large |x|."""
    return 0.5 * bind(P.tanh, x * 0.5) + 0.5


def expit(x: Any) -> Any:
    """scipy.special.expit: the logistic sigmoid."""
    return sigmoid(x)


def relu(x: Any) -> Any:
    """max(x, 0) with relu'(0) = 0 (the gradient flows only where x > 0)."""
    return bind(P.where, bind(P.greater, x, 0), x, 0.0)


def softplus(x: Any) -> Any:
    """log(1 + e^x), computed stably as max(x, 0) + log1p(e^-|x|)."""
    return relu(x) + log1p(bind(P.exp, -bind(P.abs, x)))


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log(sum(exp(x))) without overflow: the maximum is shifted out first.

    The shift is a constant (its exact value does not change the result), so the gradient is
    softmax(x) and higher derivatives follow.

    >>> import chainrule.numpy as cnp
    >>> float(cnp.logsumexp(cnp.array([1000.0, 1000.0])))
    1000.6931471805599
    """
    x = _arr(x)
    v = _np.asarray(P.value_of(x))
    if v.size == 0:
        return bind(P.log, bind(P.sum, bind(P.exp, x), axis=axis, keepdims=keepdims))
    m = _np.max(v, axis=axis, keepdims=True)
    m = _np.where(_np.isfinite(m), m, 0).astype(v.dtype, copy=False)
    s = bind(P.sum, bind(P.exp, x - m), axis=axis, keepdims=True)
    out = bind(P.log, s) + m
    if not keepdims:
        out = bind(P.reshape, out, shape=_np.sum(v, axis=axis).shape)
    return out


def softmax(x: Any, axis: Any = -1) -> Any:
    """exp(x) / sum(exp(x)) along ``axis``, shifted by the maximum for stability."""
    x = _arr(x)
    v = _np.asarray(P.value_of(x))
    m = _np.max(v, axis=axis, keepdims=True) if v.size else 0.0
    ex = bind(P.exp, x - m)
    return ex / bind(P.sum, ex, axis=axis, keepdims=True)


def log_softmax(x: Any, axis: Any = -1) -> Any:
    """x - logsumexp(x) along ``axis`` (stable)."""
    return x - logsumexp(x, axis=axis, keepdims=True)

# ----------------------------------------------------------------------------------------
# Reductions.


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Sum over the given axes (all when None)."""
    return bind(P.sum, x, axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Arithmetic mean over the given axes."""
    return _mean(_arr(x), axis=axis, keepdims=keepdims)


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Product of elements; its gradient is exact also where elements are 0.

    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.prod)(cnp.array([2.0, 0.0, 3.0]))
    array([0., 6., 0.])
    """
    return bind(PN.prod, x, axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Maximum over the given axes; tied elements share the gradient evenly."""
    return bind(P.amax, x, axis=axis, keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Minimum over the given axes; tied elements share the gradient evenly."""
    return bind(P.amin, x, axis=axis, keepdims=keepdims)


def amax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Maximum over the given axes (alias of max)."""
    return bind(P.amax, x, axis=axis, keepdims=keepdims)


def amin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Minimum over the given axes (alias of min)."""
    return bind(P.amin, x, axis=axis, keepdims=keepdims)


def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Peak to peak: max - min."""
    return max(x, axis=axis, keepdims=keepdims) - min(x, axis=axis, keepdims=keepdims)


def var(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Variance, sum((x - mean)²) / (N - ddof)."""
    x = _arr(x)
    d = x - _mean(x, axis=axis, keepdims=True)
    n = _count(_shape(x), axis) - ddof
    s = bind(P.sum, d * d, axis=axis, keepdims=keepdims)
    return s / n if n > 0 else s * _np.nan


def _sqrt_zero_safe(s: Any) -> Any:
    # sqrt whose gradient is 0 (not inf * 0 = nan) where its argument is exactly 0: the
    # subgradient of least norm at the kink of std (all elements equal) and of norms at 0.
    zero = _np.asarray(P.value_of(s)) == 0
    if not zero.any():
        return bind(P.sqrt, s)
    return bind(P.where, zero, 0.0, bind(P.sqrt, bind(P.where, zero, 1.0, s)))


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
            w = bind(P.reshape, w, shape=tuple(-1 if i == ax else 1
                                              for i in range(len(_shape(a)))))
            w = bind(P.broadcast_to, w, shape=_shape(a))
        wsum = bind(P.sum, w, axis=axis, keepdims=keepdims)
        avg = bind(P.sum, a * w, axis=axis, keepdims=keepdims) / wsum
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
    return bind(P.sum, bind(P.where, _np.isnan(P.value_of(x)), 0.0, x), axis=axis,
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
    return max(bind(P.where, _np.isnan(P.value_of(x)), -_np.inf, x), axis=axis,
               keepdims=keepdims)


def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Minimum ignoring NaN."""
    x = _arr(x)
    return min(bind(P.where, _np.isnan(P.value_of(x)), _np.inf, x), axis=axis,
               keepdims=keepdims)


def nanprod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Product treating NaN as 1."""
    x = _arr(x)
    return prod(bind(P.where, _np.isnan(P.value_of(x)), 1.0, x), axis=axis, keepdims=keepdims)


def cumsum(x: Any, axis: Optional[int] = None) -> Any:
    """Running sum along an axis (of the flattened array when axis is None)."""
    x = _arr(x)
    if axis is None:
        x, axis = ravel(x), 0
    return bind(PN.cumsum, x, axis=_axis(axis, len(_shape(x))))


def cumulative_sum(x: Any, *, axis: Optional[int] = None,
                   include_initial: bool = False) -> Any:
    """Running sum (the Array API's name), optionally starting with 0."""
    x = _arr(x)
    if axis is None:
        if len(_shape(x)) > 1:
            raise ValueError("cumulative_sum: pass axis= for an input with more than one "
                             "dimension")
        axis = 0
    out = cumsum(x, axis=axis)
    if include_initial:
        ax = _axis(axis, len(_shape(x)))
        widths = tuple((1, 0) if i == ax else (0, 0) for i in range(len(_shape(x))))
        out = bind(PN.pad, out, pad_width=widths, value=0.0)
    return out


def cumulative_prod(x: Any, *, axis: Optional[int] = None,
                    include_initial: bool = False) -> Any:
    """Running product (the Array API's name), optionally starting with 1."""
    x = _arr(x)
    if axis is None:
        if len(_shape(x)) > 1:
            raise ValueError("cumulative_prod: pass axis= for an input with more than one "
                             "dimension")
        axis = 0
    out = cumprod(x, axis=axis)
    if include_initial:
        ax = _axis(axis, len(_shape(x)))
        widths = tuple((1, 0) if i == ax else (0, 0) for i in range(len(_shape(x))))
        out = bind(PN.pad, out, pad_width=widths, value=1.0)
    return out


def cumprod(x: Any, axis: Optional[int] = None) -> Any:
    """Running product; the gradient is exact also where elements are 0."""
    x = _arr(x)
    if axis is None:
        x, axis = ravel(x), 0
    return bind(PN.cumprod, x, axis=_axis(axis, len(_shape(x))))


def argmax(x: Any, axis: Optional[int] = None, keepdims: bool = False) -> Any:
    """Indices of the maxima: no gradient."""
    return bind(PN.argmax, x, axis=axis, keepdims=keepdims)


def argmin(x: Any, axis: Optional[int] = None, keepdims: bool = False) -> Any:
    """Indices of the minima: no gradient."""
    return bind(PN.argmin, x, axis=axis, keepdims=keepdims)


def argsort(x: Any, axis: Optional[int] = -1, stable: Optional[bool] = None) -> Any:
    """Indices that sort the array (stable): no gradient."""
    if axis is None:
        x, axis = ravel(_arr(x)), -1
    return bind(PN.argsort, x, axis=axis, stable=stable)


def sort(x: Any, axis: Optional[int] = -1, stable: Optional[bool] = None) -> Any:
    """Sorted copy; the gradient goes back to where each element came from (tied elements
    are told apart by NumPy's sort order; pass stable=True to keep their original order)."""
    x = _arr(x)
    if axis is None:
        x, axis = ravel(x), -1
    order = _np.argsort(_np.asarray(P.value_of(x)), axis=axis, stable=stable)
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


# ----------------------------------------------------------------------------------------
# Shapes.


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
    return bind(P.reshape, x, shape=tuple(shape) if isinstance(shape, (list, tuple)) else (shape,))


def ravel(x: Any) -> Any:
    """The elements as a 1-D array."""
    return bind(P.reshape, x, shape=(-1,))


def copy(x: Any) -> Any:
    """A copy that stays in the graph."""
    return bind1(P.copy, x)


def transpose(x: Any, axes: Any = None) -> Any:
    """Axes permuted (reversed when axes is None)."""
    return bind(P.transpose, x, axes=None if axes is None else tuple(axes))


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
    return bind(P.transpose, x, axes=tuple(perm))


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
    return bind(P.transpose, x, axes=tuple(order))


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
    return bind(P.reshape, x, shape=tuple(n for i, n in enumerate(s) if i not in axes))


def expand_dims(x: Any, axis: Any) -> Any:
    """Length-1 axes inserted at the given positions."""
    x = _arr(x)
    s = list(_shape(x))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    n = len(s) + len(axes)
    for a in sorted(_axis(a, n) for a in axes):
        s.insert(a, 1)
    return bind(P.reshape, x, shape=tuple(s))


def broadcast_to(x: Any, shape: Any) -> Any:
    """The array broadcast to a shape (the gradient sums back)."""
    return bind(P.broadcast_to, x, shape=tuple(shape) if isinstance(shape, (list, tuple))
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
        return bind(P.concatenate, *[ravel(a) for a in arrays], axis=0)
    return bind(P.concatenate, *arrays, axis=axis)


concat = concatenate   # one function, two names: np.concat is np.concatenate


def stack(arrays: Sequence[Any], axis: int = 0) -> Any:
    """Arrays joined along a new axis."""
    return bind(P.stack, *arrays, axis=axis)


def unstack(x: Any, axis: int = 0) -> tuple:
    """The slices along an axis, as a tuple (the inverse of stack)."""
    x = _arr(x)
    ax = _axis(axis, len(_shape(x)))
    pre = (slice(None),) * ax
    return tuple(bind(P.getitem, x, idx=pre + (i,)) for i in range(_shape(x)[ax]))


def astype(x: Any, dtype: Any, copy: bool = True) -> Any:
    """x converted to dtype (the gradient is converted back)."""
    return bind(P.cast, x, dtype=_np.dtype(dtype))


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
    return [bind(P.getitem, x, idx=pre + (slice(int(lo), int(hi)),))
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
    y = bind(P.broadcast_to, bind(P.reshape, x, shape=inter), shape=big)
    return bind(P.reshape, y, shape=tuple(r * n for r, n in zip(reps, s)))


def repeat(x: Any, repeats: Any, axis: Optional[int] = None) -> Any:
    """Repeat each element (a gather; the gradient sums over the copies)."""
    x = _arr(x)
    if axis is None:
        x, axis = ravel(x), 0
    ax = _axis(axis, len(_shape(x)))
    idx = _np.repeat(_np.arange(_shape(x)[ax]), repeats)
    return bind(P.getitem, x, idx=(slice(None),) * ax + (idx,))


def flip(x: Any, axis: Any = None) -> Any:
    """Element order reversed along the given axes (all when None)."""
    x = _arr(x)
    n = len(_shape(x))
    axes = P.normalize_axes(axis, n)
    return bind(P.getitem, x, idx=tuple(slice(None, None, -1) if i in axes else slice(None)
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
        out = bind(P.getitem, out, idx=(slice(None),) * ax + (idx,))
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
        return bind(PN.pad, x, pad_width=widths, value=float(constant_values))
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise ValueError(f"pad: mode {mode!r} is not supported; use constant, edge, reflect, "
                         "symmetric or wrap")
    out = x
    for ax, (lo, hi) in enumerate(widths):
        if lo or hi:
            idx = _np.pad(_np.arange(_shape(x)[ax]), (lo, hi), mode=mode)
            out = bind(P.getitem, out, idx=(slice(None),) * ax + (idx,))
    return out


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

# ----------------------------------------------------------------------------------------
# Products.


def matmul(x: Any, y: Any) -> Any:
    """Matrix product with NumPy's broadcasting rules."""
    return bind(P.matmul, x, y)


def dot(a: Any, b: Any) -> Any:
    """NumPy's dot: products for 0-d inputs, matmul up to 2-D, else a tensordot over a's last
    axis and b's second-to-last."""
    a, b = _arr(a), _arr(b)
    na, nb = len(_shape(a)), len(_shape(b))
    if na == 0 or nb == 0:
        return bind(P.mul, a, b)
    if nb <= 2:
        return bind(P.matmul, a, b)
    return tensordot(a, b, axes=([-1], [-2]))


def vecdot(x1: Any, x2: Any, axis: int = -1) -> Any:
    """Vector dot product along an axis (x1 conjugated), broadcasting the other axes."""
    return bind(P.sum, conj(x1) * x2, axis=axis)


def matvec(x1: Any, x2: Any) -> Any:
    """Matrix-vector product over the last axes, broadcasting the rest."""
    y = bind(P.matmul, x1, expand_dims(x2, -1))
    return squeeze(y, axis=-1)


def vecmat(x1: Any, x2: Any) -> Any:
    """Vector-matrix product over the last axes (x1 conjugated), broadcasting the rest."""
    y = bind(P.matmul, expand_dims(conj(x1), -2), x2)
    return squeeze(y, axis=-2)


def vdot(a: Any, b: Any) -> Any:
    """Flattened dot product (the first argument conjugated)."""
    return bind(P.sum, conj(ravel(a)) * ravel(b))


def inner(a: Any, b: Any) -> Any:
    """Inner product over the last axes."""
    a, b = _arr(a), _arr(b)
    if len(_shape(a)) == 0 or len(_shape(b)) == 0:
        return bind(P.mul, a, b)
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a: Any, b: Any) -> Any:
    """Outer product of the flattened inputs."""
    return bind(P.reshape, a, shape=(-1, 1)) * bind(P.reshape, b, shape=(1, -1))


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """Sum over the given axes of a and b, as one einsum."""
    a, b = _arr(a), _arr(b)
    na, nb = len(_shape(a)), len(_shape(b))
    if isinstance(axes, (int, _np.integer)):
        ax_a, ax_b = list(range(na - int(axes), na)), list(range(int(axes)))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, _np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, _np.integer)) else list(ax_b)
    ax_a = [_axis(i, na) for i in ax_a]
    ax_b = [_axis(i, nb) for i in ax_b]
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(ax_a, ax_b):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in ax_a] + \
          [c for j, c in enumerate(sb) if j not in ax_b]
    return bind(PN.einsum, a, b, subscripts=f"{''.join(sa)},{''.join(sb)}->{''.join(out)}")


def _einsum_subscripts(subscripts: str, shapes: list) -> str:
    """Explicit form without ellipses: "ij,jk" -> "ij,jk->ik", "...i,...i" -> "Ai,Ai->A"."""
    subscripts = subscripts.replace(" ", "")
    ins, arrow, outs = subscripts.partition("->")
    terms = ins.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the subscripts name {len(terms)} operands but "
                         f"{len(shapes)} were given")
    used = set(subscripts) - set(".,->")
    free = [c for c in string.ascii_letters if c not in used]
    n_ell = builtins.max([len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes)
                          if "..." in t] + [0])
    ell = "".join(free[:n_ell])
    new_terms = []
    for t, s in zip(terms, shapes):
        if "..." in t:
            k = len(s) - len(t.replace("...", ""))
            t = t.replace("...", ell[n_ell - k:])
        new_terms.append(t)
    if not arrow:
        counts: dict = {}
        for c in "".join(new_terms):
            counts[c] = counts.get(c, 0) + 1
        outs = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        outs = outs.replace("...", ell)
    return ",".join(new_terms) + "->" + outs


def einsum(subscripts: str, *operands: Any, optimize: Any = None) -> Any:
    """Einstein summation (explicit or implicit output, ellipses, diagonals such as "ii->i").

    >>> import chainrule.numpy as cnp
    >>> float(cnp.einsum("ii", cnp.eye(3)))
    3.0
    """
    if not isinstance(subscripts, str):
        raise TypeError("einsum: pass the subscripts string first (the interleaved "
                        "operand/sublist form is not supported)")
    ops = [_arr(o) for o in operands]
    subs = _einsum_subscripts(subscripts, [_shape(o) for o in ops])
    return bind(PN.einsum, *ops, subscripts=subs)


def kron(a: Any, b: Any) -> Any:
    """Kronecker product: an outer product with the axes interleaved, then a reshape."""
    a, b = _arr(a), _arr(b)
    d = builtins.max(len(_shape(a)), len(_shape(b)))
    sa = (1,) * (d - len(_shape(a))) + _shape(a)
    sb = (1,) * (d - len(_shape(b))) + _shape(b)
    ai = bind(P.reshape, a, shape=tuple(v for n in sa for v in (n, 1)))
    bi = bind(P.reshape, b, shape=tuple(v for n in sb for v in (1, n)))
    return bind(P.reshape, ai * bi, shape=tuple(m * n for m, n in zip(sa, sb)))


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: Optional[int] = None) -> Any:
    """Cross product of 3-vectors (or the z component for 2-vectors) along an axis."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(_arr(a), axisa, -1)
    b = moveaxis(_arr(b), axisb, -1)
    na, nb = _shape(a)[-1], _shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: vectors must have 2 or 3 components, got {na} and {nb}")
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    if na == 2 and nb == 2:
        return a0 * b1 - a1 * b0
    a2 = a[..., 2] if na == 3 else 0.0
    b2 = b[..., 2] if nb == 3 else 0.0
    c = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(c, -1, axisc)

# ----------------------------------------------------------------------------------------
# Creation. Constant arrays are plain NumPy; array/asarray accept lists holding Tensors and
# linspace/meshgrid/full differentiate through their Tensor arguments.


def array(obj: Any, dtype: Any = None, copy: bool = True) -> Any:
    """An array from numbers, lists, NumPy arrays or Tensors; lists holding Tensors become one
    Tensor (a stack) that keeps their gradients."""
    if isinstance(obj, Tracer):
        out = bind(P.copy, obj) if copy else obj
        return out if dtype is None else bind(P.cast, out, dtype=_np.dtype(dtype))
    if isinstance(obj, (list, tuple)) and _holds_tracer(obj):
        if len(obj) == 0:
            return _np.array(obj, dtype=dtype)
        out = bind(P.stack, *[array(o, copy=False) for o in obj], axis=0)
        return out if dtype is None else bind(P.cast, out, dtype=_np.dtype(dtype))
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
        out = bind(P.broadcast_to, fill_value, shape=shape)
        return out if dtype is None else bind(P.cast, out, dtype=_np.dtype(dtype))
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


# ----------------------------------------------------------------------------------------
# Differences, integrals, statistics, interpolation, convolution (composites).


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
        a = bind(P.getitem, a, idx=pre + (slice(1, None),)) - \
            bind(P.getitem, a, idx=pre + (slice(0, builtins.max(m - 1, 0)),))
    return a


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """Differences of the flattened array, with optional values before and after."""
    d = diff(ravel(ary))
    kind = P.dtype_of(d)

    def part(v: Any) -> Any:
        # NumPy casts the extra values to the array's dtype.
        v = ravel(_arr(v))
        return v if P.dtype_of(v) == kind else bind(P.cast, v, dtype=kind)

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
    mid = bind(P.getitem, y, idx=pre + (slice(1, None),)) + \
        bind(P.getitem, y, idx=pre + (slice(0, builtins.max(m - 1, 0)),))
    if x is None:
        return sum(mid, axis=ax) * (0.5 * dx)
    d = diff(_arr(x))
    if len(_shape(d)) == 1 and nd > 1:
        d = reshape(d, tuple(-1 if i == ax else 1 for i in range(nd)))
    else:
        d = diff(_arr(x), axis=ax)
    return sum(d * mid, axis=ax) * 0.5


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


def nancumsum(x: Any, axis: Optional[int] = None) -> Any:
    """Running sum treating NaN as 0."""
    x = _arr(x)
    return cumsum(bind(P.where, _np.isnan(P.value_of(x)), 0.0, x), axis=axis)


def nancumprod(x: Any, axis: Optional[int] = None) -> Any:
    """Running product treating NaN as 1."""
    x = _arr(x)
    return cumprod(bind(P.where, _np.isnan(P.value_of(x)), 1.0, x), axis=axis)


def nanvar(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Variance over the non-NaN elements."""
    x = _arr(x)
    nan_mask = _np.isnan(P.value_of(x))
    n = _np.sum(~nan_mask, axis=axis, keepdims=True)
    m = nansum(x, axis=axis, keepdims=True) / n.astype(P.dtype_of(x))
    d = bind(P.where, nan_mask, 0.0, x - m)
    count = _np.sum(~nan_mask, axis=axis, keepdims=keepdims) - ddof
    return bind(P.sum, d * d, axis=axis, keepdims=keepdims) / count.astype(P.dtype_of(x))


def nanstd(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Standard deviation over the non-NaN elements (gradient 0 where they are all equal)."""
    return _sqrt_zero_safe(nanvar(x, axis=axis, ddof=ddof, keepdims=keepdims))


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
    c = bind(P.matmul, xc, transpose(conj(xc))) / builtins.max(n - ddof, 0)
    return squeeze(c)


def corrcoef(x: Any, y: Any = None, rowvar: bool = True) -> Any:
    """Pearson correlation coefficients."""
    c = cov(x, y, rowvar)
    if len(_shape(c)) == 0:
        return c / c
    d = bind(P.sqrt, diagonal(c))
    return c / bind(P.reshape, d, shape=(-1, 1)) / bind(P.reshape, d, shape=(1, -1))


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
    f0 = bind(P.getitem, fp, idx=idx)
    f1 = bind(P.getitem, fp, idx=_np.minimum(idx + 1, n - 1))
    out = f0 + (f1 - f0) * t
    lo = bind(P.getitem, fp, idx=0) if left is None else left
    hi = bind(P.getitem, fp, idx=n - 1) if right is None else right
    xv = _np.asarray(P.value_of(x))
    out = bind(P.where, xv < xpv[0], lo, out)
    return bind(P.where, xv > xpv[-1], hi, out)


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
    ap = bind(PN.pad, a, pad_width=((m - 1, m - 1),), value=0.0)
    out = bind(P.matmul, bind(P.getitem, ap, idx=k), v)
    if mode == "full":
        return out
    if mode == "same":
        start = (m - 1) // 2
        return bind(P.getitem, out, idx=slice(start, start + n))
    if mode == "valid":
        return bind(P.getitem, out, idx=slice(m - 1, n))
    raise ValueError(f"convolve: mode must be 'full', 'same' or 'valid', got {mode!r}")


def correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """Cross-correlation of two 1-D arrays: convolution with v reversed (and conjugated)."""
    v = _arr(v)
    return convolve(a, conj(flip(v)), mode=mode) if _shape(_arr(a))[0] >= _shape(v)[0] \
        else flip(convolve(flip(_arr(a)), conj(v), mode=mode))


# ----------------------------------------------------------------------------------------
# Sub-namespaces (imported last: they build on the functions above).

from . import _np_fft as fft  # noqa: E402
from . import _np_linalg as linalg  # noqa: E402

# ----------------------------------------------------------------------------------------
# NumPy's own functions applied to Tensors come here (Tensor.__array_function__ and, for
# ufuncs without a row of their own, Tensor.__array_ufunc__). Every name of this namespace
# that NumPy also has is mapped; anything else raises a TypeError naming the function.

_SKIP = {"pi", "e", "euler_gamma", "inf", "nan", "newaxis", "ndarray", "dtype", "finfo",
         "iinfo", "fft", "linalg", "relu", "sigmoid", "softplus", "softmax", "log_softmax",
         "logsumexp", "expit"}


def _handled() -> dict:
    # Reads this module's own definitions to pair them with NumPy's functions of the same
    # name (it defines and wraps nothing); a test checks every pairing.
    table: dict = {}
    for name, fn in list(globals().items()):
        if name.startswith("_") or name in _SKIP or getattr(fn, "__module__", None) != __name__:
            continue
        np_fn = getattr(_np, name, None)
        if np_fn is not None and callable(np_fn) and not isinstance(np_fn, type):
            table[np_fn] = fn
    for sub, np_sub in ((linalg, _np.linalg), (fft, _np.fft)):
        for name in sub.__all__:
            np_fn = getattr(np_sub, name, None)
            if np_fn is not None:
                table[np_fn] = getattr(sub, name)
    return table


HANDLED_FUNCTIONS: dict = _handled()
