"""chainrule.scipy against SciPy: values within rtol 1e-14 of SciPy's own, gradients checked by
check_grads in every differentiable argument, derivatives in the shape parameters of the
incomplete gamma/beta functions against mpmath, and one test per error message."""

from __future__ import annotations

import importlib
import math
import pathlib

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp

sc = pytest.importorskip("scipy.special")
st = pytest.importorskip("scipy.stats")
sl = pytest.importorskip("scipy.linalg")
ss = pytest.importorskip("scipy.signal")
si = pytest.importorskip("scipy.integrate")

from chainrule.scipy import integrate, linalg, signal, special as css, stats  # noqa: E402

RNG = np.random.default_rng(15)
_ROOT = pathlib.Path(__file__).resolve().parent.parent


def _u(lo, hi, shape=(5,)):
    return RNG.uniform(lo, hi, size=shape)


# name -> (args, positions to differentiate). Every function of chainrule.scipy.special.
SPECIAL = {
    "erf": ((_u(-2, 2),), (0,)), "erfc": ((_u(-2, 2),), (0,)),
    "erfinv": ((_u(-0.9, 0.9),), (0,)), "erfcinv": ((_u(0.1, 1.9),), (0,)),
    "ndtr": ((_u(-3, 3),), (0,)), "ndtri": ((_u(0.05, 0.95),), (0,)),
    "log_ndtr": ((np.array([-40.0, -8.0, -1.0, 0.5, 4.0]),), (0,)),
    "gamma": ((_u(0.3, 4),), (0,)), "gammaln": ((_u(0.3, 8),), (0,)),
    "digamma": ((_u(0.3, 4),), (0,)), "psi": ((_u(0.3, 4),), (0,)),
    "polygamma": ((np.array([0, 1, 2, 3, 1]), _u(0.5, 3)), (1,)),
    "multigammaln": ((_u(2.0, 5.0), 3), (0,)),
    "beta": ((_u(0.5, 3), _u(0.5, 3)), (0, 1)), "betaln": ((_u(0.5, 8), _u(0.5, 8)), (0, 1)),
    "gammainc": ((_u(0.5, 5), _u(0.1, 9)), (0, 1)),
    "gammaincc": ((_u(0.5, 5), _u(0.1, 9)), (0, 1)),
    "betainc": ((_u(0.5, 5), _u(0.5, 5), _u(0.05, 0.95)), (0, 1, 2)),
    "betaincc": ((_u(0.5, 5), _u(0.5, 5), _u(0.05, 0.95)), (0, 1, 2)),
    "gammaincinv": ((_u(0.5, 5), _u(0.05, 0.95)), (0, 1)),
    "betaincinv": ((_u(0.5, 5), _u(0.5, 5), _u(0.05, 0.95)), (0, 1, 2)),
    "expit": ((np.array([-745.0, -40.0, -3.0, 0.5, 40.0]),), (0,)),
    "log_expit": ((np.array([-800.0, -40.0, -3.0, 0.5, 40.0]),), (0,)),
    "logit": ((_u(0.05, 0.95),), (0,)),
    "xlogy": ((_u(0.1, 2), _u(0.1, 2)), (0, 1)), "xlog1py": ((_u(0.1, 2), _u(-0.5, 2)), (0, 1)),
    "entr": ((_u(0.1, 3),), (0,)), "rel_entr": ((_u(0.1, 2), _u(0.1, 2)), (0, 1)),
    "kl_div": ((_u(0.1, 2), _u(0.1, 2)), (0, 1)),
    "logsumexp": ((_u(-3, 3, (2, 3)),), (0,)), "softmax": ((_u(-3, 3, (2, 3)),), (0,)),
    "log_softmax": ((_u(-3, 3, (2, 3)),), (0,)),
    "i0": ((_u(-3, 3),), (0,)), "i1": ((_u(-3, 3),), (0,)), "i0e": ((_u(0.2, 3),), (0,)),
    "i1e": ((_u(0.2, 3),), (0,)), "iv": ((1.5, _u(0.2, 3)), (1,)),
    "ive": ((2.5, _u(0.2, 3)), (1,)),
    "j0": ((_u(-5, 5),), (0,)), "j1": ((_u(-5, 5),), (0,)), "jv": ((0.5, _u(0.2, 5)), (1,)),
    "y0": ((_u(0.5, 5),), (0,)), "y1": ((_u(0.5, 5),), (0,)), "yv": ((1.5, _u(0.5, 5)), (1,)),
    "k0": ((_u(0.3, 3),), (0,)), "k1": ((_u(0.3, 3),), (0,)), "k0e": ((_u(0.3, 3),), (0,)),
    "k1e": ((_u(0.3, 3),), (0,)), "kv": ((0.7, _u(0.3, 3)), (1,)),
    "kve": ((0.7, _u(0.3, 3)), (1,)),
    "zeta": ((3.0, _u(0.5, 3)), (1,)),
    "hyp2f1": ((0.5, 1.5, 2.5, _u(-0.6, 0.6)), (3,)),
}


def test_every_special_function_is_tested():
    assert set(SPECIAL) == set(css.__all__)


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_values_match_scipy(name):
    args, _ = SPECIAL[name]
    got = np.asarray(getattr(css, name)(*args))
    want = np.asarray(getattr(sc, name)(*args))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_gradients_in_every_differentiable_argument(name):
    args, diff = SPECIAL[name]
    fn = getattr(css, name)
    def f(*xs):
        full = list(args)
        for i, x in zip(diff, xs):
            full[i] = x
        return fn(*full)

    cr.check_grads(f, *[args[i] for i in diff], order=2)


def test_tensor_inputs_and_float32():
    x = cr.tensor([0.5, 1.5], requires_grad=True)
    css.gammaln(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, sc.digamma([0.5, 1.5]), rtol=1e-14)
    assert css.j0(np.float32(1.0)).dtype == np.float32


# ----------------------------------------------------------------------------------------
# Derivatives in the shape parameters: series and quadrature against mpmath.

def test_gammainc_and_betainc_shape_derivatives_against_mpmath():
    # 80 digits, and the upper function where P is close to 1, so that mpmath resolves the
    # derivatives deep in the tails too (at 30 digits it is off by 2% where they are 1e-49).
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 80
    worst = 0.0
    for a in (0.05, 0.3, 1.0, 2.5, 7.0, 20.0, 60.0):
        for x in (1e-3, 0.1, 0.9, 2.0, 5.0, 12.0, 30.0, 80.0, 120.0):
            if x > a:
                want = -mp.diff(lambda s: mp.gammainc(s, x, mp.inf, regularized=True), a)
            else:
                want = mp.diff(lambda s: mp.gammainc(s, 0, x, regularized=True), a)
            got = cr.grad(css.gammainc)(a, x)
            worst = max(worst, float(abs((got - want) / want)))
            np.testing.assert_allclose(cr.grad(css.gammaincc)(a, x), -got, rtol=1e-15)
    for a in (0.1, 0.5, 3.0, 10.0, 40.0):
        for b in (0.1, 1.0, 3.0, 40.0):
            for x in (0.001, 0.3, 0.5, 0.7, 0.95, 0.999):
                ga, gb = cr.grad(css.betainc, argnums=(0, 1))(a, b, x)
                upper = x > a / (a + b)   # then through I_x(a, b) = 1 - I_(1-x)(b, a)
                for got, k in ((ga, 0), (gb, 1)):
                    def f(s, k=k):
                        p = [mp.mpf(a), mp.mpf(b)]
                        p[k] = s
                        if upper:
                            return -mp.betainc(p[1], p[0], 0, 1 - mp.mpf(x), regularized=True)
                        return mp.betainc(p[0], p[1], 0, x, regularized=True)
                    want = mp.diff(f, (a, b)[k])
                    worst = max(worst, float(abs((got - want) / want)))
    assert worst < 1e-11, worst


def test_shape_derivatives_at_the_ends_of_the_support():
    # P(a, 0) = 0, I_0(a, b) = 0 and I_1(a, b) = 1 for all shapes: derivatives 0, not nan.
    assert cr.grad(css.gammainc)(2.0, 0.0) == 0.0
    assert cr.grad(css.betainc, argnums=(0, 1))(2.0, 3.0, 0.0) == (0.0, 0.0)
    assert cr.grad(css.betainc, argnums=(0, 1))(2.0, 3.0, 1.0) == (0.0, 0.0)


def test_shape_derivative_has_second_derivatives():
    # d²P/da² and d²P/da dx against central differences of the first derivatives.
    a, x, h = 2.5, 1.7, 1e-5
    daa = cr.grad(cr.grad(css.gammainc))(a, x)
    dax = cr.grad(cr.grad(css.gammainc), argnums=1)(a, x)
    g = cr.grad(css.gammainc)
    np.testing.assert_allclose(daa, (g(a + h, x) - g(a - h, x)) / (2 * h), rtol=1e-6)
    np.testing.assert_allclose(dax, (g(a, x + h) - g(a, x - h)) / (2 * h), rtol=1e-6)


# ----------------------------------------------------------------------------------------
# Distributions.

X5 = _u(0.1, 0.9)
STATS = [
    # (distribution, method, args, positions differentiated)
    ("norm", m, (_u(-2, 2), 0.3, 1.7), (0, 1, 2))
    for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")] + [
    ("norm", "ppf", (X5, 0.3, 1.7), (0, 1, 2)), ("norm", "isf", (X5, 0.3, 1.7), (0, 1, 2)),
    ("t", "logpdf", (_u(-3, 3), 4.5, 0.2, 1.3), (0, 1, 2, 3)),
    ("t", "pdf", (_u(-3, 3), 4.5, 0.2, 1.3), (0, 1, 2, 3)),
    ("t", "cdf", (_u(-3, 3), 4.5, 0.2, 1.3), (0, 1, 2, 3)),
    ("t", "sf", (_u(-3, 3), 4.5, 0.2, 1.3), (0, 1, 2, 3)),
    ("gamma", "logpdf", (_u(0.5, 5), 2.2, 0.1, 1.4), (0, 1, 2, 3)),
    ("gamma", "pdf", (_u(0.5, 5), 2.2, 0.1, 1.4), (0, 1, 2, 3)),
    ("gamma", "cdf", (_u(0.5, 5), 2.2, 0.1, 1.4), (0, 1, 2, 3)),
    ("gamma", "logcdf", (_u(0.5, 5), 2.2, 0.1, 1.4), (0, 1, 2, 3)),
    ("gamma", "sf", (_u(0.5, 5), 2.2, 0.1, 1.4), (0, 1, 2, 3)),
    ("beta", "logpdf", (X5, 2.2, 3.1), (0, 1, 2)), ("beta", "pdf", (X5, 2.2, 3.1), (0, 1, 2)),
    ("beta", "cdf", (X5, 2.2, 3.1), (0, 1, 2)), ("beta", "logcdf", (X5, 2.2, 3.1), (0, 1, 2)),
    ("beta", "sf", (X5, 2.2, 3.1), (0, 1, 2)),
    ("poisson", "logpmf", (np.array([0.0, 1, 3, 7]), 2.5), (1,)),
    ("poisson", "pmf", (np.array([0.0, 1, 3, 7]), 2.5), (1,)),
    ("poisson", "cdf", (np.array([0.0, 1, 3, 7]), 2.5), (1,)),
    ("poisson", "sf", (np.array([0.0, 1, 3, 7]), 2.5), (1,)),
    ("expon", "logpdf", (_u(0, 3), 0.0, 1.5), (0, 2)), ("expon", "cdf", (_u(0, 3), 0, 1.5), (0, 2)),
    ("expon", "sf", (_u(0, 3), 0.0, 1.5), (0, 2)), ("expon", "logsf", (_u(0, 3), 0, 1.5), (0, 2)),
    ("laplace", "logpdf", (np.array([-1.0, 0.5, 2.0]), 0.2, 1.5), (0, 1, 2)),
    ("laplace", "cdf", (np.array([-1.0, 0.5, 2.0]), 0.2, 1.5), (0, 1, 2)),
    ("logistic", "logpdf", (_u(-3, 3), 0.2, 1.5), (0, 1, 2)),
    ("logistic", "cdf", (_u(-3, 3), 0.2, 1.5), (0, 1, 2)),
    ("cauchy", "logpdf", (_u(-3, 3), 0.2, 1.5), (0, 1, 2)),
    ("cauchy", "cdf", (_u(-3, 3), 0.2, 1.5), (0, 1, 2)),
    ("uniform", "logpdf", (_u(0.2, 1.5), 0.1, 1.5), (2,)),
    ("uniform", "cdf", (_u(0.2, 1.5), 0.1, 1.5), (0, 1, 2)),
    ("chi2", "logpdf", (_u(0.5, 6), 3.3), (0, 1)), ("chi2", "cdf", (_u(0.5, 6), 3.3), (0, 1)),
    ("bernoulli", "logpmf", (np.array([0.0, 1.0, 1.0]), 0.3), (1,)),
    ("binom", "logpmf", (np.array([0.0, 2.0, 5.0]), 7, 0.3), (2,)),
    ("dirichlet", "logpdf", (np.array([[0.2, 0.3], [0.3, 0.3], [0.5, 0.4]]),
                             np.array([1.5, 2.0, 3.0])), (0, 1)),
    ("dirichlet", "pdf", (np.array([0.2, 0.3, 0.5]), np.array([1.5, 2.0, 3.0])), (0, 1)),
]
_SPD = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.2]])
STATS += [("multivariate_normal", m, (_u(-1, 1, (4, 3)), np.array([0.1, -0.2, 0.3]), _SPD),
           (0, 1, 2)) for m in ("logpdf", "pdf")]
STATS += [("multivariate_normal", "logpdf", (np.array([0.3, -0.1, 0.2]), None, _SPD), (0, 2))]


def _stats_id(case):
    return f"{case[0]}.{case[1]}"


@pytest.mark.parametrize("case", STATS, ids=[_stats_id(c) for c in STATS])
def test_distribution_values_match_scipy(case):
    dist, method, args, _ = case
    got = np.asarray(getattr(getattr(stats, dist), method)(*args))
    want = np.asarray(getattr(getattr(st, dist), method)(*args))
    assert got.shape == want.shape
    # t's CDF goes through betainc where SciPy calls stdtr (cephes): equal to ~1e-15 absolute.
    rtol, atol = (1e-14, 1e-15) if (dist, method) in (("t", "cdf"), ("t", "sf")) else (1e-13, 0)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", STATS, ids=[_stats_id(c) for c in STATS])
def test_distribution_gradients_in_every_parameter(case):
    dist, method, args, diff = case
    fn = getattr(getattr(stats, dist), method)

    def f(*xs):
        full = list(args)
        for i, x in zip(diff, xs):
            full[i] = x
        return fn(*full)

    cr.check_grads(f, *[np.asarray(args[i], dtype=float) for i in diff], order=2)


def test_outside_the_support():
    assert stats.gamma.logpdf(-1.0, 2.0) == -np.inf and stats.gamma.cdf(-1.0, 2.0) == 0.0
    assert stats.beta.cdf(1.5, 2.0, 3.0) == 1.0 and stats.poisson.logpmf(2.5, 1.0) == -np.inf
    g = cr.grad(lambda a: stats.gamma.logpdf(np.array([-1.0, 2.0]), a).sum())(2.0)
    np.testing.assert_allclose(g, math.log(2.0) - sc.digamma(2.0), rtol=1e-14)


# ----------------------------------------------------------------------------------------
# signal, linalg, integrate.

@pytest.mark.parametrize("mode, shapes", [
    (mode, shapes) for mode in ("full", "same", "valid")
    for shapes in (((7,), (3,)), ((3,), (7,)), ((4, 5), (2, 3)), ((2, 6), (3, 2)), ((), ()))
    # 'valid' needs one input at least as large as the other in every dimension
    if mode != "valid" or shapes[0] != (2, 6)])
def test_convolve_matches_scipy_and_differentiates(mode, shapes):
    a, b = RNG.normal(size=shapes[0]), RNG.normal(size=shapes[1])
    want = ss.convolve(a, b, mode=mode, method="direct")
    np.testing.assert_allclose(signal.convolve(a, b, mode=mode), want, rtol=1e-13, atol=1e-14)
    cr.check_grads(lambda x, y: signal.convolve(x, y, mode=mode), a, b)


def _tri(lower=True):
    m = np.tril(RNG.normal(size=(3, 3))) + 3 * np.eye(3)
    return m if lower else m.T.copy()


def test_linalg_values_match_scipy():
    a, b = _tri(), RNG.normal(size=(3, 2))
    for kw in ({"lower": True}, {"lower": True, "trans": "T"}, {"lower": True, "trans": 1,
                                                                "unit_diagonal": True}):
        np.testing.assert_allclose(linalg.solve_triangular(a, b, **kw),
                                   sl.solve_triangular(a, b, **kw), rtol=1e-14)
    m = 0.5 * RNG.normal(size=(3, 3))
    np.testing.assert_allclose(linalg.expm(m), sl.expm(m), rtol=1e-14)
    np.testing.assert_allclose(linalg.sqrtm(_SPD), sl.sqrtm(_SPD), rtol=1e-14)
    np.testing.assert_allclose(linalg.cho_solve(linalg.cho_factor(_SPD), b),
                               sl.cho_solve(sl.cho_factor(_SPD), b), rtol=1e-13)
    np.testing.assert_allclose(linalg.cholesky(_SPD), sl.cholesky(_SPD), rtol=1e-14)
    q = RNG.normal(size=(3, 3))
    np.testing.assert_allclose(linalg.solve_sylvester(_SPD, _SPD, q),
                               sl.solve_sylvester(_SPD, _SPD, q), rtol=1e-13)


def test_linalg_gradients():
    b = RNG.normal(size=(3, 2))
    for lower in (True, False):
        for trans in (0, "T"):
            cr.check_grads(lambda a, y: linalg.solve_triangular(a, y, lower=lower, trans=trans),
                           _tri(lower), b)
    cr.check_grads(lambda a, y: linalg.cho_solve((a, True), y), np.linalg.cholesky(_SPD), b)
    cr.check_grads(lambda a, y: linalg.cho_solve(linalg.cho_factor(a), y), _SPD, b, order=1)
    cr.check_grads(linalg.expm, 0.5 * RNG.normal(size=(3, 3)))
    cr.check_grads(linalg.sqrtm, _SPD)
    cr.check_grads(linalg.sqrtm, np.triu(RNG.uniform(0.2, 1.0, (3, 3))) + 2 * np.eye(3))
    # Only the triangle read gets a gradient.
    g = cr.grad(lambda a: linalg.solve_triangular(a, b, lower=True).sum())(_tri())
    assert np.all(np.triu(g, 1) == 0)


def _lotka(y, t, a, b):
    return cnp.stack([a * y[0] - b * y[0] * y[1], b * y[0] * y[1] - y[1]])


def test_odeint_values_match_scipy():
    t = np.linspace(0.0, 2.0, 5)
    y0, a, b = np.array([1.0, 0.5]), 1.1, 0.4
    want = si.odeint(lambda y, s: np.asarray(_lotka(y, s, a, b)), y0, t)
    np.testing.assert_allclose(integrate.odeint(_lotka, y0, t, a, b), want, rtol=1e-14)


def test_odeint_adjoint_and_sensitivities_against_finite_differences():
    t = np.linspace(0.0, 2.0, 5)
    tol = {"rtol": 1e-11, "atol": 1e-11}

    def f(y0, a, b):
        return integrate.odeint(_lotka, y0, t, a, b, **tol)

    cr.check_grads(f, np.array([1.0, 0.5]), 1.1, 0.4, order=1, rtol=1e-5)


def test_odeint_gradient_of_a_known_solution():
    # y' = -k y: y(T) = y0 e^(-kT); d/dk = -T y(T), d/dy0 = e^(-kT).
    def final(y0, k):
        return integrate.odeint(lambda y, t, k: -k * y, y0, [0.0, 0.5, 2.0], k,
                                rtol=1e-12, atol=1e-12)[-1, 0]
    dy0, dk = cr.grad(final, argnums=(0, 1))(1.5, 0.7)
    np.testing.assert_allclose(dy0, math.exp(-1.4), rtol=1e-8)
    np.testing.assert_allclose(dk, -2.0 * 1.5 * math.exp(-1.4), rtol=1e-8)


# ----------------------------------------------------------------------------------------
# Errors: one test per message.

def test_missing_scipy_says_how_to_install(monkeypatch):
    real = importlib.import_module

    def fake(name, *args):
        if name.startswith("scipy"):
            raise ImportError("no scipy")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(ImportError, match=r"pip install chainrule\[scipy\]"):
        css.gammaln(2.0)


def test_order_of_a_bessel_function_is_not_differentiable():
    with pytest.raises(TypeError, match="iv is not differentiable in its argument v"):
        cr.grad(lambda v: css.iv(v, 1.0))(0.5)


def test_convolve_errors():
    with pytest.raises(ValueError, match="mode must be one of"):
        signal.convolve([1.0], [1.0], mode="wrap")
    with pytest.raises(ValueError, match="same number of dimensions"):
        signal.convolve(np.ones(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="must not be empty"):
        signal.convolve(np.ones(0), np.ones(2))
    with pytest.raises(ValueError, match="at least as large as the other"):
        signal.convolve(np.ones((3, 1)), np.ones((1, 3)), mode="valid")


def test_linalg_errors():
    with pytest.raises(ValueError, match="expected a square 2-D matrix, got shape"):
        linalg.expm(np.ones((2, 3)))
    with pytest.raises(ValueError, match="trans must be"):
        linalg.solve_triangular(np.eye(2), np.ones(2), trans="X")


def test_stats_and_special_argument_errors():
    with pytest.raises(ValueError, match="alpha must be a 1-D array"):
        stats.dirichlet.logpdf(np.ones(3) / 3, np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"cov must be a \(2, 2\) matrix"):
        stats.multivariate_normal.logpdf(np.zeros(2), None, np.eye(3))
    with pytest.raises(ValueError, match="d must be a positive integer"):
        css.multigammaln(3.0, 0)


def test_odeint_errors():
    decay = lambda y, t, k: -k * y  # noqa: E731
    with pytest.raises(NotImplementedError, match="first derivatives only"):
        cr.hessian(lambda k: integrate.odeint(decay, [1.0], [0.0, 1.0], k)[1, 0])(0.5)
    with pytest.raises(TypeError, match="not differentiable in the times t"):
        cr.grad(lambda t1: integrate.odeint(decay, [1.0], cnp.stack([0.0, t1]), 0.5)[1, 0])(1.0)


def test_scipy_is_imported_only_when_a_value_needs_it():
    import subprocess
    import sys
    code = ("import sys, chainrule, chainrule.scipy; assert 'scipy' not in sys.modules; "
            "chainrule.scipy.special.gammaln(2.0); assert 'scipy.special' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(_ROOT))


def test_riemann_zeta_is_hurwitz_at_one():
    x = np.array([1.5, 2.0, 3.0, 10.0])
    np.testing.assert_allclose(css.zeta(x), sc.zeta(x), rtol=1e-14)
