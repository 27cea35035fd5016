"""``chainrule.scipy.special``: SciPy's special functions, differentiable.

Values are SciPy's own (SciPy is the optional extra ``pip install chainrule[scipy]``, imported
on the first call); each function is a row of the table (:mod:`chainrule.ops.special`) or a
composite of rows, so gradients work in both modes and at every order. The functions that
:mod:`chainrule.special` already has (``erf``, ``softmax``, ``log_softmax``, ``logsumexp``)
are those same functions, with SciPy's defaults; ``expit`` and ``logit`` are rows of their
own with SciPy's values (``chainrule.special.expit`` computes through tanh and gives 0 below
x = -37; its ``logit`` loses 5e-14 relative near p = 1/2).

Differentiable in every argument: the gamma and beta families, ``gammainc``/``gammaincc``
and ``betainc`` (in the shape parameters by series and quadrature, within 3e-13 relative of
mpmath where tested: docs/scipy.md), the error functions, the entropies. In the last
argument only (differentiating the others raises a TypeError): the Bessel functions (not in
the order ``v``), ``zeta`` (in ``q``), ``hyp2f1`` (in ``z``), ``polygamma`` (not in its
integer order n).

>>> import chainrule as cr, chainrule.scipy.special as css
>>> float(css.gammaln(5.0)), float(cr.grad(css.gammaln)(1.0))   # log 4!, -Euler's gamma
(3.1780538303479458, -0.5772156649015329)
>>> da, dx = cr.grad(css.gammainc, argnums=(0, 1))(2.0, 1.0)
>>> round(float(da), 10), round(float(dx), 10)
(-0.2761960457, 0.3678794412)
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as _np

from .. import ops as P
from .. import special as _cs
from ..core import bind
from ..numpy._helpers import _arr

__all__ = ["erf", "erfc", "erfinv", "erfcinv", "ndtr", "ndtri", "log_ndtr", "gamma", "gammaln",
           "digamma", "psi", "polygamma", "multigammaln", "beta", "betaln", "gammainc", "gammaincc",
           "betainc", "betaincc", "gammaincinv", "betaincinv", "rgamma", "poch", "factorial",
           "erfcx", "exp1", "expi", "expn", "spence", "expit", "log_expit", "logit", "xlogy",
           "xlog1py", "entr", "rel_entr", "kl_div", "logsumexp", "softmax", "log_softmax", "i0",
           "i1", "i0e", "i1e", "iv", "ive", "j0", "j1", "jv", "y0", "y1", "yv", "k0", "k1", "k0e",
           "k1e", "kv", "kve", "zeta", "hyp2f1"]

# The functions chainrule.special already defines are those same functions, except expit and
# logit: chainrule.special's lose relative accuracy (expit through tanh in the left tail,
# logit as log(p) - log1p(-p) near 1/2), so these are rows with SciPy's values.
erf = _cs.erf


def _unary(prim, x):
    return bind(prim, _arr(x))


def _binary(prim, x, y):
    return bind(prim, _arr(x), _arr(y))


# ----------------------------------------------------------------------------------------
# Error functions and the normal CDF.

def erfc(x: Any) -> Any:
    """1 - erf(x), without the cancellation for large x."""
    return _unary(P.erfc, x)


def erfinv(y: Any) -> Any:
    """The inverse of erf on (-1, 1).

    >>> import chainrule.scipy.special as css
    >>> round(float(css.erf(css.erfinv(0.3))), 15)
    0.3
    """
    return _unary(P.erfinv, y)


def erfcinv(y: Any) -> Any:
    """The inverse of erfc on (0, 2)."""
    return _unary(P.erfcinv, y)


def ndtr(x: Any) -> Any:
    """The standard normal CDF Φ(x)."""
    return _unary(P.ndtr, x)


def ndtri(y: Any) -> Any:
    """The inverse of ndtr (the standard normal quantile)."""
    return _unary(P.ndtri, y)


def log_ndtr(x: Any) -> Any:
    """log Φ(x), accurate far into the left tail (and its gradient too).

    >>> import chainrule as cr, chainrule.scipy.special as css
    >>> round(float(cr.grad(css.log_ndtr)(-30.0)), 6)   # ≈ -x for x → -∞
    30.03326
    """
    return _unary(P.log_ndtr, x)


# ----------------------------------------------------------------------------------------
# Gamma and beta functions.

def gamma(x: Any) -> Any:
    """Γ(x); its derivative is Γ(x) ψ(x)."""
    return _unary(P.gamma, x)


def gammaln(x: Any) -> Any:
    """log |Γ(x)|; its derivative is ψ(x)."""
    return _unary(P.gammaln, x)


def digamma(x: Any) -> Any:
    """ψ(x) = d/dx log Γ(x); its derivative is polygamma(1, x)."""
    return _unary(P.digamma, x)


psi = digamma


def polygamma(n: Any, x: Any) -> Any:
    """ψ⁽ⁿ⁾(x), the n-th derivative of ψ (n a non-negative integer, not differentiated)."""
    return _binary(P.polygamma, n, x)


def multigammaln(a: Any, d: int) -> Any:
    """The log of the multivariate gamma function of dimension ``d`` (an integer):
    d(d-1)/4 log π + Σ_{j<d} gammaln(a - j/2).

    >>> import chainrule.scipy.special as css
    >>> round(float(css.multigammaln(3.0, 2)), 12)
    1.550194993958
    """
    if int(d) != d or d < 1:
        raise ValueError(f"multigammaln: d must be a positive integer, got {d!r}")
    a = _arr(a)
    out = d * (d - 1) / 4.0 * _np.log(_np.pi)
    for j in range(int(d)):
        out = out + P.gammaln(a - j / 2.0)
    return out


def rgamma(x: Any) -> Any:
    """1 / Γ(x), finite at the poles of Γ (where it is 0)."""
    return _unary(P.rgamma, x)


def poch(z: Any, m: Any) -> Any:
    """The Pochhammer symbol (z)_m = Γ(z + m) / Γ(z), differentiable in z and m."""
    return _binary(P.poch, z, m)


def factorial(n: Any, exact: bool = False) -> Any:
    """n! as Γ(n + 1) (0 for n < 0, as SciPy's ``exact=False``), differentiable in n.

    >>> import chainrule.scipy.special as css
    >>> float(css.factorial(5.0))
    120.0
    """
    if exact:
        raise ValueError("factorial: exact=True gives Python integers, which carry no "
                         "gradient; use scipy.special.factorial(n, exact=True) directly")
    n = _arr(n)
    v = _np.asarray(P.value_of(n), dtype=float)
    return P.where(v < 0, 0.0, P.gamma(P.where(v < 0, 0.0, n) + 1.0))


def beta(a: Any, b: Any) -> Any:
    """B(a, b) = Γ(a)Γ(b)/Γ(a+b)."""
    return _binary(P.beta, a, b)


def betaln(a: Any, b: Any) -> Any:
    """log |B(a, b)|, without overflow."""
    return _binary(P.betaln, a, b)


def gammainc(a: Any, x: Any) -> Any:
    """The regularized lower incomplete gamma function P(a, x), differentiable in a and x."""
    return _binary(P.gammainc, a, x)


def gammaincc(a: Any, x: Any) -> Any:
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return _binary(P.gammaincc, a, x)


def betainc(a: Any, b: Any, x: Any) -> Any:
    """The regularized incomplete beta function I_x(a, b), differentiable in a, b and x.

    >>> import chainrule as cr, chainrule.scipy.special as css
    >>> round(float(cr.grad(css.betainc)(2.0, 3.0, 0.4)), 10)
    -0.2408693761
    """
    return P.betainc(_arr(a), _arr(b), _arr(x))


def betaincc(a: Any, b: Any, x: Any) -> Any:
    """1 - I_x(a, b), without the cancellation where I is close to 1."""
    return P.betaincc(_arr(a), _arr(b), _arr(x))


def gammaincinv(a: Any, y: Any) -> Any:
    """x with gammainc(a, x) = y, differentiable in a and y."""
    return _binary(P.gammaincinv, a, y)


def betaincinv(a: Any, b: Any, y: Any) -> Any:
    """x with betainc(a, b, x) = y, differentiable in a, b and y."""
    return P.betaincinv(_arr(a), _arr(b), _arr(y))


def expit(x: Any) -> Any:
    """The logistic sigmoid 1 / (1 + e^-x), as accurate as SciPy's in both tails.

    >>> import chainrule.scipy.special as css
    >>> float(css.expit(-40.0))
    4.248354255291589e-18
    """
    return _unary(P.expit, x)


def logit(p: Any) -> Any:
    """log(p / (1 - p)), the inverse of expit; its derivative is 1 / (p (1 - p))."""
    return _unary(P.logit, p)


def log_expit(x: Any) -> Any:
    """log expit(x), without underflow for very negative x."""
    return _unary(P.log_expit, x)


def erfcx(x: Any) -> Any:
    """The scaled complementary error function e^(x²) erfc(x)."""
    return _unary(P.erfcx, x)


def exp1(x: Any) -> Any:
    """The exponential integral E₁(x) = ∫₁^∞ e^(-xt)/t dt."""
    return _unary(P.exp1, x)


def expi(x: Any) -> Any:
    """The exponential integral Ei(x)."""
    return _unary(P.expi, x)


def expn(n: Any, x: Any) -> Any:
    """The generalized exponential integral E_n(x) (integer n, not differentiated)."""
    return _binary(P.expn, n, x)


def spence(z: Any) -> Any:
    """Spence's function, SciPy's convention -∫₁^z log t / (t - 1) dt (z ≥ 0)."""
    return _unary(P.spence, z)


# ----------------------------------------------------------------------------------------
# x log y and the entropies.

def xlogy(x: Any, y: Any) -> Any:
    """x log y, 0 where x = 0."""
    return _binary(P.xlogy, x, y)


def xlog1py(x: Any, y: Any) -> Any:
    """x log(1 + y), 0 where x = 0."""
    return _binary(P.xlog1py, x, y)


def entr(x: Any) -> Any:
    """-x log x for x > 0, 0 at 0, -inf below."""
    return _unary(P.entr, x)


def rel_entr(x: Any, y: Any) -> Any:
    """x log(x / y) elementwise (0 at x = 0)."""
    return _binary(P.rel_entr, x, y)


def kl_div(x: Any, y: Any) -> Any:
    """x log(x / y) - x + y elementwise."""
    return _binary(P.kl_div, x, y)


# ----------------------------------------------------------------------------------------
# Reductions with SciPy's defaults (axis=None: over all elements).

def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False) -> Any:
    """log Σ b·exp(a) without overflow (``b`` > 0 optional weights, as SciPy's; a
    ``return_sign`` is not supported).

    >>> import chainrule.scipy.special as css
    >>> float(css.logsumexp([0.0, 0.0], b=[1.0, 3.0]))   # log 4
    1.3862943611198906
    """
    a = _arr(a)
    if b is not None:
        a = a + P.log(_arr(b))
    return _cs.logsumexp(a, axis=axis, keepdims=keepdims)


def softmax(x: Any, axis: Any = None) -> Any:
    """exp(x) / Σ exp(x) over ``axis`` (all elements by default, as SciPy)."""
    return _cs.softmax(x, axis=axis)


def log_softmax(x: Any, axis: Any = None) -> Any:
    """x - logsumexp(x) over ``axis`` (all elements by default, as SciPy)."""
    return _cs.log_softmax(x, axis=axis)


# ----------------------------------------------------------------------------------------
# Bessel functions (differentiable in x, not in the order v).

def i0(x: Any) -> Any:
    """Modified Bessel function of the first kind, order 0."""
    return _unary(P.i0, x)


def i1(x: Any) -> Any:
    """Modified Bessel function of the first kind, order 1."""
    return _unary(P.i1, x)


def i0e(x: Any) -> Any:
    """e^-|x| i0(x)."""
    return _unary(P.i0e, x)


def i1e(x: Any) -> Any:
    """e^-|x| i1(x)."""
    return _unary(P.i1e, x)


def iv(v: Any, x: Any) -> Any:
    """Modified Bessel function of the first kind, real order v.

    >>> import chainrule as cr, chainrule.scipy.special as css
    >>> bool(abs(cr.grad(lambda x: css.iv(0, x))(0.7) - css.i1(0.7)) < 1e-15)   # I0' = I1
    True
    """
    return _binary(P.iv, v, x)


def ive(v: Any, x: Any) -> Any:
    """e^-|x| iv(v, x)."""
    return _binary(P.ive, v, x)


def j0(x: Any) -> Any:
    """Bessel function of the first kind, order 0."""
    return _unary(P.j0, x)


def j1(x: Any) -> Any:
    """Bessel function of the first kind, order 1."""
    return _unary(P.j1, x)


def jv(v: Any, x: Any) -> Any:
    """Bessel function of the first kind, real order v."""
    return _binary(P.jv, v, x)


def y0(x: Any) -> Any:
    """Bessel function of the second kind, order 0."""
    return _unary(P.y0, x)


def y1(x: Any) -> Any:
    """Bessel function of the second kind, order 1."""
    return _unary(P.y1, x)


def yv(v: Any, x: Any) -> Any:
    """Bessel function of the second kind, real order v."""
    return _binary(P.yv, v, x)


def k0(x: Any) -> Any:
    """Modified Bessel function of the second kind, order 0."""
    return _unary(P.k0, x)


def k1(x: Any) -> Any:
    """Modified Bessel function of the second kind, order 1."""
    return _unary(P.k1, x)


def k0e(x: Any) -> Any:
    """e^x k0(x)."""
    return _unary(P.k0e, x)


def k1e(x: Any) -> Any:
    """e^x k1(x)."""
    return _unary(P.k1e, x)


def kv(v: Any, x: Any) -> Any:
    """Modified Bessel function of the second kind, real order v."""
    return _binary(P.kv, v, x)


def kve(v: Any, x: Any) -> Any:
    """e^x kv(v, x)."""
    return _binary(P.kve, v, x)


# ----------------------------------------------------------------------------------------
# Zeta and hypergeometric functions.

def zeta(x: Any, q: Optional[Any] = None) -> Any:
    """The Hurwitz zeta function Σ_k (k + q)^-x (Riemann's for q = None), differentiable in
    q (d/dq = -x ζ(x+1, q)), not in x."""
    return _binary(P.zeta, x, 1.0 if q is None else q)


def hyp2f1(a: Any, b: Any, c: Any, z: Any) -> Any:
    """The Gauss hypergeometric function ₂F₁(a, b; c; z), differentiable in z
    (d/dz = ab/c ₂F₁(a+1, b+1; c+1; z)), not in a, b, c."""
    return P.hyp2f1(_arr(a), _arr(b), _arr(c), _arr(z))
