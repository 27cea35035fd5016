"""``chainrule.scipy.stats``: probability distributions whose log-densities, densities and
CDFs are differentiable in the point and in every parameter (``loc``, ``scale``, shapes).

Each distribution is a namespace of functions with SciPy's signatures: ``norm.logpdf(x,
loc=0, scale=1)``, ``gamma.cdf(x, a, loc=0, scale=1)``, ... They are composites of rows
(``chainrule.scipy.special``), so gradients in shape parameters (the degrees of freedom of
``t``, ``a`` of ``gamma``, ``a, b`` of ``beta``) come from the incomplete gamma/beta rules.
Outside the support a log-density is -inf, as SciPy's (with a zero gradient there).

>>> import chainrule as cr
>>> from chainrule.scipy import stats
>>> round(float(stats.t.cdf(1.0, 3.0)), 12)
0.804498890522
>>> dx, ddf = cr.grad(stats.t.cdf, argnums=(0, 1))(1.0, 3.0)
>>> round(float(dx), 10), round(float(ddf), 10)
(0.2067483358, 0.0111104567)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from .. import numpy as cnp
from .. import ops as P
from ..core import value_of
from ..numpy._helpers import _arr
from . import special as sp

__all__ = ["norm", "t", "gamma", "beta", "poisson", "dirichlet", "multivariate_normal",
           "expon", "laplace", "logistic", "cauchy", "uniform", "chi2", "bernoulli", "binom",
           "geom", "nbinom", "pareto", "lognorm", "vonmises"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_PI = math.log(math.pi)
_LOG2 = math.log(2.0)


def _standardize(x: Any, loc: Any, scale: Any) -> Any:
    return (_arr(x) - loc) / scale


def _on_support(inside: Any, value: Any, fill: float) -> Any:
    """``value`` where the mask ``inside`` holds, ``fill`` (-inf, 0, 1) elsewhere."""
    return cnp.where(inside, value, fill)


def _mask(v: Any, test) -> _np.ndarray:
    return _np.asarray(test(_np.asarray(value_of(v), dtype=float)))


def _safe(v: Any, inside: _np.ndarray, stand_in: float) -> Any:
    # Outside the support the formula is evaluated at a harmless point (its value is masked
    # anyway), so no nan reaches the gradient through the unselected branch.
    return cnp.where(inside, v, stand_in)


class norm:  # noqa: N801  (SciPy's name)
    """The normal distribution N(loc, scale²)."""

    @staticmethod
    def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        """log density: -z²/2 - log(σ√(2π)), z = (x - loc)/σ."""
        z = _standardize(x, loc, scale)
        return -0.5 * (z * z) - _LOG_SQRT_2PI - cnp.log(scale)

    @staticmethod
    def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(norm.logpdf(x, loc, scale))

    @staticmethod
    def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return sp.ndtr(_standardize(x, loc, scale))

    @staticmethod
    def logcdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return sp.log_ndtr(_standardize(x, loc, scale))

    @staticmethod
    def sf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return sp.ndtr(-_standardize(x, loc, scale))

    @staticmethod
    def logsf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return sp.log_ndtr(-_standardize(x, loc, scale))

    @staticmethod
    def ppf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return sp.ndtri(q) * scale + loc

    @staticmethod
    def isf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return -sp.ndtri(q) * scale + loc


class t:  # noqa: N801
    """Student's t distribution with ``df`` degrees of freedom."""

    @staticmethod
    def logpdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        z = _standardize(x, loc, scale)
        df = _arr(df)
        return (sp.gammaln((df + 1.0) / 2.0) - sp.gammaln(df / 2.0)
                - 0.5 * cnp.log(df * math.pi) - (df + 1.0) / 2.0 * cnp.log1p(z * z / df)
                - cnp.log(scale))

    @staticmethod
    def pdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(t.logpdf(x, df, loc, scale))

    @staticmethod
    def cdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        """Through the incomplete beta function: the tail beyond |z| is
        I_(df/(df+z²))(df/2, 1/2) / 2; near the centre (where that tail is above 1/4) the
        distance from 1/2, I_(z²/(df+z²))(1/2, df/2) / 2, is used instead: no 1 - x to
        round, and no 1/2 - (almost 1/2) in the tails."""
        z = _standardize(x, loc, scale)
        df = _arr(df)
        z2 = z * z
        positive = _mask(z, lambda v: v > 0)
        tail = 0.5 * sp.betainc(df / 2.0, 0.5, df / (df + z2))
        centre = 0.5 * sp.betainc(0.5, df / 2.0, z2 / (df + z2))
        near = _mask(tail, lambda v: v > 0.25)
        return cnp.where(near, 0.5 + cnp.where(positive, centre, -centre),
                         cnp.where(positive, 1.0 - tail, tail))

    @staticmethod
    def sf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return t.cdf(-_arr(x), df, -_arr(loc), scale)

    @staticmethod
    def logcdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.log(t.cdf(x, df, loc, scale))


class gamma:  # noqa: N801
    """The gamma distribution with shape ``a`` (SciPy's parametrization: scale, not rate)."""

    @staticmethod
    def logpdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        inside = _mask(y, lambda v: v >= 0)
        y = _safe(y, inside, 1.0)
        a = _arr(a)
        return _on_support(inside, sp.xlogy(a - 1.0, y) - y - sp.gammaln(a) - cnp.log(scale),
                           -_np.inf)

    @staticmethod
    def pdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(gamma.logpdf(x, a, loc, scale))

    @staticmethod
    def cdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        inside = _mask(y, lambda v: v >= 0)
        return _on_support(inside, sp.gammainc(a, _safe(y, inside, 1.0)), 0.0)

    @staticmethod
    def logcdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.log(gamma.cdf(x, a, loc, scale))

    @staticmethod
    def sf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        inside = _mask(y, lambda v: v >= 0)
        return _on_support(inside, sp.gammaincc(a, _safe(y, inside, 1.0)), 1.0)

    @staticmethod
    def logsf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.log(gamma.sf(x, a, loc, scale))


class beta:  # noqa: N801
    """The beta distribution on [loc, loc + scale] with shapes ``a``, ``b``."""

    @staticmethod
    def logpdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        inside = _mask(y, lambda v: (v >= 0) & (v <= 1))
        y = _safe(y, inside, 0.5)
        a, b = _arr(a), _arr(b)
        return _on_support(inside, sp.xlog1py(b - 1.0, -y) + sp.xlogy(a - 1.0, y)
                           - sp.betaln(a, b) - cnp.log(scale), -_np.inf)

    @staticmethod
    def pdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(beta.logpdf(x, a, b, loc, scale))

    @staticmethod
    def cdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        below, above = _mask(y, lambda v: v <= 0), _mask(y, lambda v: v >= 1)
        inside = ~(below | above)
        value = sp.betainc(a, b, _safe(y, inside, 0.5))
        return cnp.where(below, 0.0, cnp.where(above, 1.0, value))

    @staticmethod
    def logcdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.log(beta.cdf(x, a, b, loc, scale))

    @staticmethod
    def sf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        below, above = _mask(y, lambda v: v <= 0), _mask(y, lambda v: v >= 1)
        value = sp.betaincc(a, b, _safe(y, ~(below | above), 0.5))
        return cnp.where(below, 1.0, cnp.where(above, 0.0, value))


class poisson:  # noqa: N801
    """The Poisson distribution with mean ``mu`` (differentiable in mu; k is a count)."""

    @staticmethod
    def logpmf(k: Any, mu: Any, loc: Any = 0) -> Any:
        k = _np.asarray(value_of(k)) - loc
        ok = (k >= 0) & (k == _np.floor(k))
        kk = _np.where(ok, k, 0.0)
        return _on_support(ok, sp.xlogy(kk, mu) - sp.gammaln(kk + 1.0) - _arr(mu), -_np.inf)

    @staticmethod
    def pmf(k: Any, mu: Any, loc: Any = 0) -> Any:
        return cnp.exp(poisson.logpmf(k, mu, loc))

    @staticmethod
    def cdf(k: Any, mu: Any, loc: Any = 0) -> Any:
        k = _np.floor(_np.asarray(value_of(k)) - loc)
        ok = k >= 0
        return _on_support(ok, sp.gammaincc(_np.where(ok, k, 0.0) + 1.0, mu), 0.0)

    @staticmethod
    def logcdf(k: Any, mu: Any, loc: Any = 0) -> Any:
        return cnp.log(poisson.cdf(k, mu, loc))

    @staticmethod
    def sf(k: Any, mu: Any, loc: Any = 0) -> Any:
        k = _np.floor(_np.asarray(value_of(k)) - loc)
        ok = k >= 0
        return _on_support(ok, sp.gammainc(_np.where(ok, k, 0.0) + 1.0, mu), 1.0)


class dirichlet:  # noqa: N801
    """The Dirichlet distribution; as SciPy, the components of ``x`` run along its first
    axis (shape (K,) or (K, N)) and ``alpha`` has shape (K,)."""

    @staticmethod
    def logpdf(x: Any, alpha: Any) -> Any:
        x, alpha = _arr(x), _arr(alpha)
        if len(_np.shape(value_of(alpha))) != 1:
            raise ValueError("dirichlet: alpha must be a 1-D array of concentrations, got "
                             f"shape {_np.shape(value_of(alpha))}")
        a = alpha.reshape((-1,) + (1,) * (len(_np.shape(value_of(x))) - 1))
        log_b = cnp.sum(sp.gammaln(alpha)) - sp.gammaln(cnp.sum(alpha))
        return cnp.sum(sp.xlogy(a - 1.0, x), axis=0) - log_b

    @staticmethod
    def pdf(x: Any, alpha: Any) -> Any:
        return cnp.exp(dirichlet.logpdf(x, alpha))


class multivariate_normal:  # noqa: N801
    """The multivariate normal N(mean, cov): x of shape (..., d), cov a (d, d) positive
    definite matrix (through its Cholesky factor)."""

    @staticmethod
    def logpdf(x: Any, mean: Any = None, cov: Any = 1.0) -> Any:
        x = _arr(x)
        d = _np.shape(value_of(x))[-1] if _np.ndim(value_of(x)) else 1
        cov = _arr(cov)
        if _np.ndim(value_of(cov)) == 0:
            cov = cov * _np.eye(d)
        if _np.shape(value_of(cov)) != (d, d):
            raise ValueError(f"multivariate_normal: cov must be a ({d}, {d}) matrix for points "
                             f"of dimension {d}, got shape {_np.shape(value_of(cov))}")
        diff = x - (0.0 if mean is None else _arr(mean))
        chol = cnp.linalg.cholesky(cov)
        flat = diff.reshape((-1, d))
        z = P.solve_triangular(chol, cnp.transpose(flat), lower=True)
        maha = cnp.sum(z * z, axis=0).reshape(_np.shape(value_of(diff))[:-1])
        logdet = 2.0 * cnp.sum(cnp.log(cnp.diagonal(chol)))
        return -0.5 * (d * math.log(2.0 * math.pi) + logdet + maha)

    @staticmethod
    def pdf(x: Any, mean: Any = None, cov: Any = 1.0) -> Any:
        return cnp.exp(multivariate_normal.logpdf(x, mean, cov))


class expon:  # noqa: N801
    """The exponential distribution (SciPy's: scale = 1/rate)."""

    @staticmethod
    def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        inside = _mask(y, lambda v: v >= 0)
        return _on_support(inside, -y - cnp.log(scale), -_np.inf)

    @staticmethod
    def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(expon.logpdf(x, loc, scale))

    @staticmethod
    def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        inside = _mask(y, lambda v: v >= 0)
        return _on_support(inside, -cnp.expm1(-y), 0.0)

    @staticmethod
    def logcdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.log(expon.cdf(x, loc, scale))

    @staticmethod
    def sf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(expon.logsf(x, loc, scale))

    @staticmethod
    def logsf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        return _on_support(_mask(y, lambda v: v >= 0), -y, 0.0)


class laplace:  # noqa: N801
    """The Laplace distribution (kink at loc: the gradient there is the average, 0)."""

    @staticmethod
    def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return -cnp.abs(_standardize(x, loc, scale)) - _LOG2 - cnp.log(scale)

    @staticmethod
    def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(laplace.logpdf(x, loc, scale))

    @staticmethod
    def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        return cnp.where(_mask(y, lambda v: v > 0), 1.0 - 0.5 * cnp.exp(-y), 0.5 * cnp.exp(y))


class logistic:  # noqa: N801
    """The logistic distribution."""

    @staticmethod
    def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = -cnp.abs(_standardize(x, loc, scale))
        return y - 2.0 * cnp.log1p(cnp.exp(y)) - cnp.log(scale)

    @staticmethod
    def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(logistic.logpdf(x, loc, scale))

    @staticmethod
    def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return sp.expit(_standardize(x, loc, scale))


class cauchy:  # noqa: N801
    """The Cauchy distribution."""

    @staticmethod
    def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        z = _standardize(x, loc, scale)
        return -_LOG_PI - cnp.log(scale) - cnp.log1p(z * z)

    @staticmethod
    def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(cauchy.logpdf(x, loc, scale))

    @staticmethod
    def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return 0.5 + cnp.arctan(_standardize(x, loc, scale)) / math.pi


class uniform:  # noqa: N801
    """The uniform distribution on [loc, loc + scale]."""

    @staticmethod
    def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        inside = _mask(y, lambda v: (v >= 0) & (v <= 1))
        return _on_support(inside, -cnp.log(scale) + 0.0 * y, -_np.inf)

    @staticmethod
    def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(uniform.logpdf(x, loc, scale))

    @staticmethod
    def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.clip(_standardize(x, loc, scale), 0.0, 1.0)


class chi2:  # noqa: N801
    """The chi-squared distribution with ``df`` degrees of freedom."""

    @staticmethod
    def logpdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        inside = _mask(y, lambda v: v >= 0)
        y = _safe(y, inside, 1.0)
        df = _arr(df)
        return _on_support(inside, sp.xlogy(df / 2.0 - 1.0, y) - y / 2.0 - sp.gammaln(df / 2.0)
                           - (_LOG2 * df) / 2.0 - cnp.log(scale), -_np.inf)

    @staticmethod
    def pdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(chi2.logpdf(x, df, loc, scale))

    @staticmethod
    def cdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return gamma.cdf(_standardize(x, loc, scale), _arr(df) / 2.0, 0.0, 2.0)


class bernoulli:  # noqa: N801
    """The Bernoulli distribution (differentiable in p)."""

    @staticmethod
    def logpmf(k: Any, p: Any) -> Any:
        k = _np.asarray(value_of(k), dtype=float)
        ok = (k == 0) | (k == 1)
        kk = _np.where(ok, k, 0.0)
        return _on_support(ok, sp.xlogy(kk, p) + sp.xlog1py(1.0 - kk, -_arr(p)), -_np.inf)

    @staticmethod
    def pmf(k: Any, p: Any) -> Any:
        return cnp.exp(bernoulli.logpmf(k, p))


class binom:  # noqa: N801
    """The binomial distribution of ``n`` trials (differentiable in p)."""

    @staticmethod
    def logpmf(k: Any, n: Any, p: Any) -> Any:
        k = _np.asarray(value_of(k), dtype=float)
        n = _np.asarray(value_of(n), dtype=float)
        ok = (k >= 0) & (k <= n) & (k == _np.floor(k))
        kk = _np.where(ok, k, 0.0)
        comb = sp.gammaln(n + 1.0) - sp.gammaln(kk + 1.0) - sp.gammaln(n - kk + 1.0)
        return _on_support(ok, comb + sp.xlogy(kk, p) + sp.xlog1py(n - kk, -_arr(p)), -_np.inf)

    @staticmethod
    def pmf(k: Any, n: Any, p: Any) -> Any:
        return cnp.exp(binom.logpmf(k, n, p))


class geom:  # noqa: N801
    """The geometric distribution on k = 1, 2, ... (differentiable in p)."""

    @staticmethod
    def logpmf(k: Any, p: Any, loc: Any = 0) -> Any:
        k = _np.asarray(value_of(k), dtype=float) - loc
        ok = (k >= 1) & (k == _np.floor(k))
        kk = _np.where(ok, k, 1.0)
        p = _arr(p)
        return _on_support(ok, cnp.log(p) + sp.xlog1py(kk - 1.0, -p), -_np.inf)

    @staticmethod
    def pmf(k: Any, p: Any, loc: Any = 0) -> Any:
        return cnp.exp(geom.logpmf(k, p, loc))

    @staticmethod
    def cdf(k: Any, p: Any, loc: Any = 0) -> Any:
        k = _np.floor(_np.asarray(value_of(k), dtype=float) - loc)
        ok = k >= 1
        return _on_support(ok, -cnp.expm1(cnp.log1p(-_arr(p)) * _np.where(ok, k, 1.0)), 0.0)


class nbinom:  # noqa: N801
    """The negative binomial distribution (failures k before n successes; differentiable in
    n and p)."""

    @staticmethod
    def logpmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
        k = _np.asarray(value_of(k), dtype=float) - loc
        ok = (k >= 0) & (k == _np.floor(k))
        kk = _np.where(ok, k, 0.0)
        n, p = _arr(n), _arr(p)
        coeff = sp.gammaln(n + kk) - sp.gammaln(kk + 1.0) - sp.gammaln(n)
        return _on_support(ok, coeff + n * cnp.log(p) + sp.xlog1py(kk, -p), -_np.inf)

    @staticmethod
    def pmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
        return cnp.exp(nbinom.logpmf(k, n, p, loc))


class pareto:  # noqa: N801
    """The Pareto distribution with shape ``b`` on x >= 1 (before loc and scale)."""

    @staticmethod
    def logpdf(x: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        inside = _mask(y, lambda v: v >= 1)
        y, b = _safe(y, inside, 1.0), _arr(b)
        return _on_support(inside, cnp.log(b) - (b + 1.0) * cnp.log(y) - cnp.log(scale),
                           -_np.inf)

    @staticmethod
    def pdf(x: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(pareto.logpdf(x, b, loc, scale))

    @staticmethod
    def cdf(x: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return 1.0 - pareto.sf(x, b, loc, scale)

    @staticmethod
    def sf(x: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        inside = _mask(y, lambda v: v >= 1)
        return _on_support(inside, _safe(y, inside, 1.0) ** (-_arr(b)), 1.0)


class lognorm:  # noqa: N801
    """The log-normal distribution with shape ``s`` (the σ of log x)."""

    @staticmethod
    def logpdf(x: Any, s: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        inside = _mask(y, lambda v: v > 0)
        y, s = _safe(y, inside, 1.0), _arr(s)
        logy = cnp.log(y)
        return _on_support(inside, -logy * logy / (2.0 * s * s)
                           - cnp.log(s * y * math.sqrt(2.0 * math.pi)) - cnp.log(scale),
                           -_np.inf)

    @staticmethod
    def pdf(x: Any, s: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(lognorm.logpdf(x, s, loc, scale))

    @staticmethod
    def cdf(x: Any, s: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        inside = _mask(y, lambda v: v > 0)
        return _on_support(inside, sp.ndtr(cnp.log(_safe(y, inside, 1.0)) / s), 0.0)


class vonmises:  # noqa: N801
    """The von Mises distribution on the circle with concentration ``kappa`` (log-density
    through the exponentially scaled i0e, so large kappa does not overflow)."""

    @staticmethod
    def logpdf(x: Any, kappa: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        y = _standardize(x, loc, scale)
        kappa = _arr(kappa)
        return (kappa * (cnp.cos(y) - 1.0) - math.log(2.0 * math.pi) - cnp.log(sp.i0e(kappa))
                - cnp.log(scale))

    @staticmethod
    def pdf(x: Any, kappa: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return cnp.exp(vonmises.logpdf(x, kappa, loc, scale))
