"""Rows of SciPy's special functions and matrix functions, the table behind ``chainrule.scipy``.

Forward values come from SciPy (an optional extra, imported the first time a row runs, so
``import chainrule`` never pays for it); the derivatives are written here with rows of the
table, so every order, both modes, Taylor mode and batching follow as for any other row.

Derivatives that have no closed form are series or quadratures written with rows:
``gammainc``/``gammaincc`` in the shape ``a`` (the power series of P(a, x) for x < a + 1, a
Gauss-Laguerre quadrature of the integral of (log t - psi(a)) t^(a-1) e^(-t) above it),
``betainc`` in ``a`` and ``b`` (the hypergeometric power series, on the side of the symmetry
I_x(a, b) = 1 - I_(1-x)(b, a) where it converges fast). Derivatives that are not implemented
(a Bessel function in its order, ``zeta`` in its exponent, ``hyp2f1`` in its parameters)
raise a TypeError naming the argument, instead of a silent zero.

>>> from chainrule.ops import gammaln, digamma
>>> float(gammaln(4.0)) == float(np.log(6.0)), digamma.partials[0] is not None
(True, True)
"""

from __future__ import annotations

import importlib
import math
from typing import Any, Callable

import numpy as np

from ..core import Primitive, value_of
from ._build import _row, numpy_only
from .elementwise import div, elementwise, exp, log, log1p, sign, where
from .linear import concatenate, getitem, reshape, sum, transpose
from .linalg import matmul

__all__ = ["erfc", "erfinv", "erfcinv", "ndtr", "ndtri", "log_ndtr", "gammaln", "gamma",
           "digamma", "polygamma", "beta", "betaln", "gammainc", "gammaincc", "betainc", "betaincc",
           "gammaincinv", "betaincinv", "expit", "log_expit", "xlogy", "xlog1py", "entr",
           "rel_entr", "kl_div", "i0", "i1", "i0e", "i1e", "iv", "ive", "j0", "j1", "jv", "y0",
           "y1", "yv", "k0", "k1", "k0e", "k1e", "kv", "kve", "zeta", "hyp2f1", "solve_triangular",
           "expm", "sylvester", "sqrtm", "SCIPY_ROWS", "scipy_module"]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def scipy_module(name: str) -> Any:
    """``scipy.<name>``, imported on first use, or an ImportError saying how to get it.

    >>> scipy_module("special").__name__
    'scipy.special'
    """
    try:
        return importlib.import_module("scipy." + name)
    except ImportError:
        raise ImportError(f"chainrule computes this function's values with scipy.{name}, "
                          "which could not be imported; install it with "
                          "`pip install chainrule[scipy]`") from None


def _sp(name: str) -> Callable:
    def impl(*args):
        return getattr(scipy_module("special"), name)(*args)

    impl.__name__ = name
    return impl


def _no_rule(fn: str, arg: str) -> Callable:
    # A derivative we do not have is an error, never a silent zero.
    def rule(g, out, *args):
        raise TypeError(f"{fn} is not differentiable in its argument {arg} in chainrule "
                        f"(no rule is implemented); pass {arg} as a constant, not a traced "
                        "value")
    return rule


def _partly(name: str, constant: tuple, partial: Callable, **kwargs: Any) -> Primitive:
    """An elementwise row differentiable in its last argument only; differentiating the
    others (``constant`` names them) raises a TypeError. It has VJP/JVP rules and no
    ``partials``: a partial must not raise (tests/test_table.py), and a None partial would
    read as "constant" to the symbolic layer and the parser (a derivative of 0, not an
    error); without partials they use the rules, which raise."""
    vjp = [_no_rule(name, arg) for arg in constant] + [lambda g, out, *a: g * partial(out, *a)]
    jvp = [_no_rule(name, arg) for arg in constant] + [lambda t, out, *a: t * partial(out, *a)]
    return _row(Primitive(name, _sp(name), vjp, jvp, batch="elementwise", **kwargs))


# ----------------------------------------------------------------------------------------
# Test domains.

def _dom(lo: float, hi: float) -> Callable:
    def dom(rng):
        return [((rng.uniform(lo, hi, size=(3, 2)),), {}), ((float(rng.uniform(lo, hi)),), {})]
    return dom


def _dom2(lo: float, hi: float, lo2: float, hi2: float) -> Callable:
    def dom(rng):
        return [((rng.uniform(lo, hi, size=(3, 1)), rng.uniform(lo2, hi2, size=(4,))), {}),
                ((float(rng.uniform(lo, hi)), rng.uniform(lo2, hi2, size=(2,))), {})]
    return dom


def _dom_order(lo: float, hi: float, orders=(0, 1, 2)) -> Callable:
    # Integer orders: the rows are not differentiable in the order, so it is held constant.
    def dom(rng):
        return [((np.array(orders).reshape(-1, 1), rng.uniform(lo, hi, size=(4,))), {}),
                ((orders[1], float(rng.uniform(lo, hi))), {})]
    return dom


def _unary(name: str, partial: Callable, domain: Callable, latex: str = "") -> Primitive:
    display = {"latex": latex} if latex else {}
    return elementwise(name, _sp(name), [partial], display=display, domain=domain)


# ----------------------------------------------------------------------------------------
# Error function and the normal distribution.

# erfc'(x) = -2/sqrt(pi) e^(-x^2); erfinv'(p) = sqrt(pi)/2 e^(erfinv(p)^2).
erfc = _unary("erfc", lambda out, x: -_TWO_OVER_SQRT_PI * exp(-(x * x)), _dom(-2, 2),
              r"\operatorname{erfc}")
erfinv = _unary("erfinv", lambda out, p: _SQRT_PI_OVER_2 * exp(out * out), _dom(-0.9, 0.9),
                r"\operatorname{erf}^{-1}")
erfcinv = _unary("erfcinv", lambda out, p: -_SQRT_PI_OVER_2 * exp(out * out), _dom(0.1, 1.9),
                 r"\operatorname{erfc}^{-1}")
# The standard normal CDF Phi, its logarithm (stable far in the left tail: the density over
# Phi is written as one exponential) and its inverse.
ndtr = _unary("ndtr", lambda out, x: _INV_SQRT_2PI * exp(-0.5 * (x * x)), _dom(-3, 3), r"\Phi")
log_ndtr = _unary("log_ndtr", lambda out, x: _INV_SQRT_2PI * exp(-0.5 * (x * x) - out),
                  _dom(-6, 3), r"\log\Phi")
ndtri = _unary("ndtri", lambda out, p: _SQRT_2PI * exp(0.5 * (out * out)), _dom(0.05, 0.95),
               r"\Phi^{-1}")

# ----------------------------------------------------------------------------------------
# Gamma and beta functions. psi^(n)' = psi^(n+1): every order is a row.

polygamma = _partly("polygamma", ("n",), lambda out, n, x: polygamma(n + 1, x),
                    display={"latex": r"\psi^{(n)}"}, domain=_dom_order(0.5, 3.0))
digamma = _unary("digamma", lambda out, x: polygamma(1, x), _dom(0.3, 4), r"\psi")
gammaln = _unary("gammaln", lambda out, x: digamma(x), _dom(0.3, 6), r"\log\Gamma")
gamma = _unary("gamma", lambda out, x: out * digamma(x), _dom(0.3, 4), r"\Gamma")
betaln = elementwise(
    "betaln", _sp("betaln"),
    [lambda out, a, b: digamma(a) - digamma(a + b), lambda out, a, b: digamma(b) - digamma(a + b)],
    domain=_dom2(0.3, 4, 0.3, 4))
beta = elementwise(
    "beta", _sp("beta"),
    [lambda out, a, b: out * (digamma(a) - digamma(a + b)),
     lambda out, a, b: out * (digamma(b) - digamma(a + b))],
    display={"latex": r"\mathrm{B}"}, domain=_dom2(0.3, 4, 0.3, 4))

# The logistic sigmoid as SciPy computes it, exact in relative terms in both tails (the
# tanh form of chainrule.special.sigmoid gives 0 below x = -37, SciPy 4e-17). Partials
# sigma(x) sigma(-x) and sigma(-x): no 1 - sigma cancellation either.
expit = _unary("expit", lambda out, x: out * expit(-x), _dom(-6, 6), r"\sigma")
log_expit = _unary("log_expit", lambda out, x: expit(-x), _dom(-6, 6), r"\log\sigma")

# ----------------------------------------------------------------------------------------
# x log y and the entropies (0 log 0 = 0, as SciPy).

xlogy = elementwise("xlogy", _sp("xlogy"),
                    [lambda out, x, y: log(y), lambda out, x, y: div(x, y)],
                    domain=_dom2(0.1, 2, 0.1, 3))
xlog1py = elementwise("xlog1py", _sp("xlog1py"),
                      [lambda out, x, y: log1p(y), lambda out, x, y: div(x, 1.0 + y)],
                      domain=_dom2(0.1, 2, -0.5, 2))
entr = _unary("entr", lambda out, x: -(log(x) + 1.0), _dom(0.1, 3))
rel_entr = elementwise("rel_entr", _sp("rel_entr"),
                       [lambda out, x, y: log(x) - log(y) + 1.0, lambda out, x, y: -div(x, y)],
                       domain=_dom2(0.1, 2, 0.1, 2))
kl_div = elementwise("kl_div", _sp("kl_div"),
                     [lambda out, x, y: log(x) - log(y), lambda out, x, y: 1.0 - div(x, y)],
                     domain=_dom2(0.1, 2, 0.1, 2))


# ----------------------------------------------------------------------------------------
# Incomplete gamma and beta functions.

def _gammainc_dx(out, a, x):
    # dP/dx = x^(a-1) e^(-x) / Gamma(a); xlogy keeps 0 * log 0 = 0 (a = 1 at x = 0).
    return exp(xlogy(a - 1.0, x) - x - gammaln(a))


_LAGUERRE_V, _LAGUERRE_W = np.polynomial.laguerre.laggauss(100)
_LAGUERRE_V = _LAGUERRE_V[_LAGUERRE_W > 0]
_LAGUERRE_LOGW = np.log(_LAGUERRE_W[_LAGUERRE_W > 0]) + _LAGUERRE_V   # log(w e^v)


def _finite(v: float, default: float) -> float:
    return v if math.isfinite(v) else default


def _lead(values: np.ndarray, ndim: int) -> np.ndarray:
    # A 1-D array of series terms or nodes on a new leading axis, against operands of ndim.
    return values.reshape((-1,) + (1,) * ndim)


def _gammainc_da(out, a, x):
    av, xv = np.broadcast_arrays(np.asarray(value_of(a), float), np.asarray(value_of(x), float))
    nd = av.ndim
    series = xv < av + 1.0
    inside = xv > 0.0   # P(a, 0) = 0 for every a: the derivative there is 0
    # Below x = a + 1: dP/da = sum_n T_n (log x - psi(a + n + 1)), T_n = x^(a+n) e^-x /
    # Gamma(a+n+1), the term-by-term derivative of P's power series (all terms positive, so
    # no cancellation where P is not close to 1).
    xs = where(series & inside, x, 1.0)
    xmax = float(np.max(np.where(series & inside, xv, 1.0), initial=1.0))
    xmax = max(_finite(xmax, 1.0), 0.0)   # nan or inf points give nan anyway
    n = _lead(np.arange(int(min(30 + 2 * xmax + 10 * math.sqrt(xmax), 4000)), dtype=float), nd)
    an1 = a + n + 1.0
    logx = log(xs)
    d_series = sum(exp((an1 - 1.0) * logx - xs - gammaln(an1)) * (logx - digamma(an1)),
                   axis=0)
    # Above: dQ/da = integral over t > x of (log t - psi(a)) t^(a-1) e^-t / Gamma(a), with
    # t = x + v / lam. lam = 1 - (a - 1)/x (for a > 1) makes the integrand flat at v = 0
    # against Laguerre's weight e^-v, so the nodes are not wasted on its decay.
    xq = where(series, a + 2.0, x)
    lam = where(av > 1.0, 1.0 - div(a - 1.0, xq), 1.0)
    t = xq + div(_lead(_LAGUERRE_V, nd), lam)
    logt = log(t)
    d_quad = -sum(exp(_lead(_LAGUERRE_LOGW, nd) - log(lam) + (a - 1.0) * logt - t - gammaln(a))
                  * (logt - digamma(a)), axis=0)
    return where(inside, where(series, d_series, d_quad), 0.0)


gammainc = elementwise("gammainc", _sp("gammainc"), [_gammainc_da, _gammainc_dx],
                       display={"latex": "P"}, domain=_dom2(0.5, 4, 0.2, 8))
gammaincc = elementwise("gammaincc", _sp("gammaincc"),
                        [lambda out, a, x: -_gammainc_da(out, a, x),
                         lambda out, a, x: -_gammainc_dx(out, a, x)],
                        display={"latex": "Q"}, domain=_dom2(0.5, 4, 0.2, 8))


def _betainc_series(a, b, x, nd: int, xmax: float, abmax: float):
    # I_x(a, b) = sum_n T_n, log T_n = (a+n) log x + b log(1-x) - lgamma(b) + lgamma(a+b+n)
    # - lgamma(a+1+n) (x^a (1-x)^b / (a B(a,b)) 2F1(a+b, 1; a+1; x)); the derivatives of
    # log T_n in a and b weight the terms. The ratio of terms tends to x.
    # Values outside the domain (nan, negative shapes) give nan anyway: any count will do.
    xmax = min(max(_finite(xmax, 0.5), 1e-300), 0.999)
    count = 20 + math.ceil(40.0 / -math.log(xmax)) + math.ceil(max(_finite(abmax, 0.0), 0.0))
    n = _lead(np.arange(min(count, 5000), dtype=float), nd)
    logx, log1mx = log(x), log1p(-x)
    apn, abn = a + n, a + b + n
    psi_abn = digamma(abn)
    terms = exp(apn * logx + b * log1mx - gammaln(b) + gammaln(abn) - gammaln(apn + 1.0))
    da = sum(terms * (logx + psi_abn - digamma(apn + 1.0)), axis=0)
    db = sum(terms * (log1mx - digamma(b) + psi_abn), axis=0)
    return da, db


def _betainc_dab(a, b, x):
    av, bv, xv = np.broadcast_arrays(*(np.asarray(value_of(v), float) for v in (a, b, x)))
    # The series converges fast below the mean-ish point (a+1)/(a+b+2); above it the
    # symmetry I_x(a, b) = 1 - I_(1-x)(b, a) gives a series of the same kind.
    swap = xv > (av + 1.0) / (av + bv + 2.0)
    # I_0 = 0 and I_1 = 1 for all a, b: the derivatives there are 0 (log 0 kept out).
    edge = (xv <= 0.0) | (xv >= 1.0)
    xs = where(edge, 0.5, where(swap, 1.0 - x, x))
    a_s, b_s = where(swap, b, a), where(swap, a, b)
    xmax = float(np.max(np.where(edge, 0.5, np.where(swap, 1.0 - xv, xv)), initial=0.5))
    da, db = _betainc_series(a_s, b_s, xs, av.ndim, xmax, float(np.max(av + bv, initial=0.0)))
    return where(edge, 0.0, where(swap, -db, da)), where(edge, 0.0, where(swap, -da, db))


def _betainc_dx(out, a, b, x):
    # dI/dx = x^(a-1) (1-x)^(b-1) / B(a, b).
    return exp(xlogy(a - 1.0, x) + xlog1py(b - 1.0, -x) - betaln(a, b))


def _dom_betainc(rng):
    return [((rng.uniform(0.5, 4, size=(3, 1)), rng.uniform(0.5, 4, size=(4,)),
              rng.uniform(0.05, 0.95, size=(3, 4))), {}),
            ((float(rng.uniform(0.5, 3)), float(rng.uniform(0.5, 3)),
              rng.uniform(0.05, 0.95, size=(3,))), {})]


betainc = elementwise(
    "betainc", _sp("betainc"),
    [lambda out, a, b, x: _betainc_dab(a, b, x)[0], lambda out, a, b, x: _betainc_dab(a, b, x)[1],
     _betainc_dx], display={"latex": "I"}, domain=_dom_betainc)
betaincc = elementwise(
    "betaincc", _sp("betaincc"),
    [lambda out, a, b, x: -_betainc_dab(a, b, x)[0],
     lambda out, a, b, x: -_betainc_dab(a, b, x)[1],
     lambda out, a, b, x: -_betainc_dx(out, a, b, x)], domain=_dom_betainc)

# Their inverses in the last argument, by the inverse function theorem at x = out:
# dx/dy = 1 / (dP/dx), dx/da = -(dP/da) / (dP/dx).
gammaincinv = elementwise(
    "gammaincinv", _sp("gammaincinv"),
    [lambda out, a, y: -div(_gammainc_da(None, a, out), _gammainc_dx(None, a, out)),
     lambda out, a, y: div(1.0, _gammainc_dx(None, a, out))],
    domain=_dom2(0.5, 4, 0.05, 0.95))


def _dom_betaincinv(rng):
    return [((rng.uniform(0.5, 4, size=(3, 1)), rng.uniform(0.5, 4, size=(4,)),
              rng.uniform(0.05, 0.95, size=(3, 4))), {}),
            ((float(rng.uniform(0.5, 3)), float(rng.uniform(0.5, 3)),
              rng.uniform(0.05, 0.95, size=(3,))), {})]


betaincinv = elementwise(
    "betaincinv", _sp("betaincinv"),
    [lambda out, a, b, y: -div(_betainc_dab(a, b, out)[0], _betainc_dx(None, a, b, out)),
     lambda out, a, b, y: -div(_betainc_dab(a, b, out)[1], _betainc_dx(None, a, b, out)),
     lambda out, a, b, y: div(1.0, _betainc_dx(None, a, b, out))], domain=_dom_betaincinv)

# ----------------------------------------------------------------------------------------
# Bessel functions. In x: the recurrences C_v' = (C_(v-1) - C_(v+1))/2 (J, Y),
# I_v' = (I_(v-1) + I_(v+1))/2, K_v' = -(K_(v-1) + K_(v+1))/2; the exponentially scaled
# forms ive = e^-|x| I_v and kve = e^x K_v add -sign(x) ive and + kve. Not in the order v.

iv = _partly("iv", ("v",), lambda out, v, x: 0.5 * (iv(v - 1, x) + iv(v + 1, x)),
             display={"latex": "I"}, domain=_dom_order(0.2, 3))
ive = _partly("ive", ("v",),
              lambda out, v, x: 0.5 * (ive(v - 1, x) + ive(v + 1, x)) - sign(x) * out,
              domain=_dom_order(0.2, 3))
jv = _partly("jv", ("v",), lambda out, v, x: 0.5 * (jv(v - 1, x) - jv(v + 1, x)),
             display={"latex": "J"}, domain=_dom_order(0.2, 5))
yv = _partly("yv", ("v",), lambda out, v, x: 0.5 * (yv(v - 1, x) - yv(v + 1, x)),
             display={"latex": "Y"}, domain=_dom_order(0.5, 5))
kv = _partly("kv", ("v",), lambda out, v, x: -0.5 * (kv(v - 1, x) + kv(v + 1, x)),
             display={"latex": "K"}, domain=_dom_order(0.3, 3))
kve = _partly("kve", ("v",), lambda out, v, x: out - 0.5 * (kve(v - 1, x) + kve(v + 1, x)),
              domain=_dom_order(0.3, 3))
i0 = _unary("i0", lambda out, x: i1(x), _dom(-3, 3), "I_0")
i1 = _unary("i1", lambda out, x: 0.5 * (i0(x) + iv(2, x)), _dom(-3, 3), "I_1")
i0e = _unary("i0e", lambda out, x: i1e(x) - sign(x) * out, _dom(0.2, 3))
i1e = _unary("i1e", lambda out, x: 0.5 * (i0e(x) + ive(2, x)) - sign(x) * out, _dom(0.2, 3))
j0 = _unary("j0", lambda out, x: -j1(x), _dom(-5, 5), "J_0")
j1 = _unary("j1", lambda out, x: 0.5 * (j0(x) - jv(2, x)), _dom(-5, 5), "J_1")
y0 = _unary("y0", lambda out, x: -y1(x), _dom(0.5, 5), "Y_0")
y1 = _unary("y1", lambda out, x: 0.5 * (y0(x) - yv(2, x)), _dom(0.5, 5), "Y_1")
k0 = _unary("k0", lambda out, x: -k1(x), _dom(0.3, 3), "K_0")
k1 = _unary("k1", lambda out, x: -0.5 * (k0(x) + kv(2, x)), _dom(0.3, 3), "K_1")
k0e = _unary("k0e", lambda out, x: out - k1e(x), _dom(0.3, 3))
k1e = _unary("k1e", lambda out, x: out - 0.5 * (k0e(x) + kve(2, x)), _dom(0.3, 3))

# ----------------------------------------------------------------------------------------
# Hurwitz zeta and the Gauss hypergeometric function: closed forms in q and z only.

zeta = _partly("zeta", ("x",), lambda out, s, q: -s * zeta(s + 1.0, q),
               display={"latex": r"\zeta"}, domain=_dom_order(0.5, 3, orders=(2, 3, 4)))


def _dom_hyp2f1(rng):
    return [((1, 2, 3, rng.uniform(-0.6, 0.6, size=(3, 2))), {}),
            ((np.array([[1], [2]]), 1, 4, rng.uniform(-0.6, 0.6, size=(3,))), {})]


hyp2f1 = _partly(
    "hyp2f1", ("a", "b", "c"),
    lambda out, a, b, c, z: div(a * b, c) * hyp2f1(a + 1, b + 1, c + 1, z),
    display={"latex": r"{}_2F_1"}, domain=_dom_hyp2f1)


# ----------------------------------------------------------------------------------------
# Matrix rows (2-D operands; batching loops over leading axes).

def _tri_mask(n: int, lower: bool, unit_diagonal: bool) -> np.ndarray:
    k = -1 if unit_diagonal else 0
    ones = np.ones((n, n))
    return np.tril(ones, k) if lower else np.triu(ones, -k)


def _solve_triangular_impl(a, b, lower=False, unit_diagonal=False):
    return scipy_module("linalg").solve_triangular(a, b, lower=lower,
                                                   unit_diagonal=unit_diagonal)


def _solve_triangular_vjp_a(g, out, a, b, lower=False, unit_diagonal=False):
    # X = A^-1 B: Abar = -tri(Bbar X^T), Bbar = A^-T G; only A's triangle is read.
    bbar = solve_triangular(transpose(a), g, lower=not lower, unit_diagonal=unit_diagonal)
    if len(np.shape(value_of(out))) == 1:
        prod = matmul(reshape(bbar, shape=(-1, 1)), reshape(out, shape=(1, -1)))
    else:
        prod = matmul(bbar, transpose(out))
    return -(prod * _tri_mask(np.shape(value_of(a))[0], lower, unit_diagonal))


def _solve_triangular_jvp_a(t, out, a, b, lower=False, unit_diagonal=False):
    ta = t * _tri_mask(np.shape(value_of(a))[0], lower, unit_diagonal)
    return solve_triangular(a, -matmul(ta, out), lower=lower, unit_diagonal=unit_diagonal)


def _dom_triangular(rng):
    lower = np.tril(rng.normal(size=(3, 3))) + 3 * np.eye(3)
    return [((lower, rng.normal(size=(3,))), {"lower": True}),
            ((lower.T.copy(), rng.normal(size=(3, 2))), {}),
            ((lower, rng.normal(size=(3, 2))), {"lower": True, "unit_diagonal": True})]


solve_triangular = _row(Primitive(
    "solve_triangular", _solve_triangular_impl,
    [_solve_triangular_vjp_a,
     lambda g, out, a, b, **p: solve_triangular(transpose(a), g, lower=not p.get("lower", False),
                                                unit_diagonal=p.get("unit_diagonal", False))],
    [_solve_triangular_jvp_a, lambda t, out, a, b, **p: solve_triangular(a, t, **p)],
    domain=_dom_triangular, batch="loop"))


def _expm_impl(a):
    return scipy_module("linalg").expm(a)


def _expm_frechet(a, e):
    # The Frechet derivative L(A, E) is the upper-right block of expm([[A, E], [0, A]]).
    n = np.shape(value_of(a))[-1]
    zeros = np.zeros((n, n))
    block = concatenate(concatenate(a, e, axis=1), concatenate(zeros, a, axis=1), axis=0)
    return getitem(expm(block), idx=(slice(0, n), slice(n, 2 * n)))


def _dom_square(rng):
    return [((0.5 * rng.normal(size=(3, 3)),), {}), ((0.5 * rng.normal(size=(2, 2)),), {})]


# <G, L(A, E)> = <L(A^T, G), E>: the VJP is the Frechet derivative at the transpose.
expm = _row(Primitive("expm", _expm_impl, [lambda g, out, a: _expm_frechet(transpose(a), g)],
                      [lambda t, out, a: _expm_frechet(a, t)], domain=_dom_square, batch="loop"))


def _sylvester_impl(a, b, q):
    return scipy_module("linalg").solve_sylvester(a, b, q)


def _dom_sylvester(rng):
    return [((rng.normal(size=(3, 3)) + 3 * np.eye(3), rng.normal(size=(2, 2)) + 3 * np.eye(2),
              rng.normal(size=(3, 2))), {})]


def _sylvester_t(g, a, b):
    return sylvester(transpose(a), transpose(b), g)


# X solves A X + X B = Q: dX solves A dX + dX B = dQ - dA X - X dB; the adjoint of
# Q -> X solves A^T Y + Y B^T = G.
sylvester = _row(Primitive(
    "sylvester", _sylvester_impl,
    [lambda g, out, a, b, q: -matmul(_sylvester_t(g, a, b), transpose(out)),
     lambda g, out, a, b, q: -matmul(transpose(out), _sylvester_t(g, a, b)),
     lambda g, out, a, b, q: _sylvester_t(g, a, b)],
    [lambda t, out, a, b, q: sylvester(a, b, -matmul(t, out)),
     lambda t, out, a, b, q: sylvester(a, b, -matmul(out, t)),
     lambda t, out, a, b, q: sylvester(a, b, t)],
    domain=_dom_sylvester, batch="loop"))


def _sqrtm_impl(a):
    return scipy_module("linalg").sqrtm(a)


def _dom_sqrtm(rng):
    # Positive definite, and a non-symmetric one with positive eigenvalues (its diagonal).
    m = rng.normal(size=(3, 3))
    return [((m @ m.T + 2 * np.eye(3),), {}),
            ((np.triu(rng.uniform(0.2, 1.0, size=(3, 3))) + 2 * np.eye(3),), {})]


# S S = A: S dS + dS S = dA.
sqrtm = _row(Primitive(
    "sqrtm", _sqrtm_impl, [lambda g, out, a: sylvester(transpose(out), transpose(out), g)],
    [lambda t, out, a: sylvester(out, out, t)], domain=_dom_sqrtm, batch="loop"))

# The rows whose values need SciPy (the test suite skips them where it is absent).
SCIPY_ROWS = frozenset(name for name in __all__ if name not in ("SCIPY_ROWS", "scipy_module"))

# SciPy computes their values on NumPy arrays: another library's array gets a clear error
# naming the row (docs/backends.md), never a silent conversion.
numpy_only(*(globals()[name] for name in sorted(SCIPY_ROWS)))
