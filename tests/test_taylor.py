"""Taylor mode: ``derivative(f, n)`` and ``taylor_coefficients`` against closed forms and
known series, through every kind of row, nested with the other transforms."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import chainrule as cr
from chainrule.core import Primitive

ORDERS = range(0, 13)


def test_fourth_derivative_of_sin_is_sin():
    xs = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(cr.derivative(cr.sin, 4)(xs), np.sin(xs), atol=1e-14)
    np.testing.assert_allclose(cr.derivative(cr.cos, 6)(xs), -np.cos(xs), atol=1e-14)


def test_tenth_derivative_of_x_to_the_tenth_is_ten_factorial():
    assert cr.derivative(lambda x: x ** 10, 10)(1.3) == math.factorial(10)
    assert cr.derivative(lambda x: x ** 10, 11)(1.3) == 0.0
    assert cr.derivative(lambda x: x ** 10, 3)(0.0) == 0.0      # whole powers are exact at 0
    assert cr.derivative(lambda x: x ** 3, 3)(0.0) == 6.0


@pytest.mark.parametrize("n", ORDERS)
def test_exp_log_and_rational_against_closed_forms(n):
    x = 0.7
    assert cr.derivative(cr.exp, n)(x) == pytest.approx(math.exp(x), rel=1e-13)
    # d^n/dx^n log x = (-1)^(n-1) (n-1)! / x^n
    expected = math.log(x) if n == 0 else (-1) ** (n - 1) * math.factorial(n - 1) / x ** n
    assert cr.derivative(cr.log, n)(x) == pytest.approx(expected, rel=1e-12)
    # 1/(1+x^2) = Im(1/(x - i)) ... its nth derivative is (-1)^n n! Im((x - i)^-(n+1))
    expected = (-1) ** n * math.factorial(n) * ((x - 1j) ** (-(n + 1))).imag
    assert cr.derivative(lambda t: 1.0 / (1.0 + t ** 2), n)(x) == pytest.approx(
        expected, rel=1e-11, abs=1e-12)


def _tanh_derivative(n, x):
    """tanh^(n) as a polynomial in T = tanh x: P_{n+1}(T) = P_n'(T) (1 - T^2)."""
    poly = np.polynomial.Polynomial([0.0, 1.0])
    for _ in range(n):
        poly = poly.deriv() * np.polynomial.Polynomial([1.0, 0.0, -1.0])
    return poly(math.tanh(x))


@pytest.mark.parametrize("n", ORDERS)
def test_tanh_against_its_polynomial_recursion(n):
    for x in (-1.1, 0.0, 0.5):
        assert cr.derivative(cr.tanh, n)(x) == pytest.approx(_tanh_derivative(n, x),
                                                             rel=1e-11, abs=1e-11)


def test_known_series_at_zero():
    # tanh x = x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835
    c = cr.taylor_coefficients(cr.tanh, 0.0, 9)
    np.testing.assert_allclose(c, [0, 1, 0, -1 / 3, 0, 2 / 15, 0, -17 / 315, 0, 62 / 2835],
                               atol=1e-15)
    # 1/(1+x^2) = 1 - x^2 + x^4 - ...
    np.testing.assert_allclose(cr.taylor_coefficients(lambda x: 1 / (1 + x * x), 0.0, 8),
                               [1, 0, -1, 0, 1, 0, -1, 0, 1], atol=1e-15)
    # log(1+x) = x - x^2/2 + x^3/3 - ...
    np.testing.assert_allclose(cr.taylor_coefficients(lambda x: cr.log(1 + x), 0.0, 6),
                               [0, 1, -1 / 2, 1 / 3, -1 / 4, 1 / 5, -1 / 6], atol=1e-15)
    # sqrt(1+x) = 1 + x/2 - x^2/8 + x^3/16 - 5x^4/128
    np.testing.assert_allclose(cr.taylor_coefficients(lambda x: cr.sqrt(1 + x), 0.0, 4),
                               [1, 1 / 2, -1 / 8, 1 / 16, -5 / 128], atol=1e-15)


def _composite(x):
    """Many kinds of rows: generic partials (sin, tan, sqrt, abs, maximum, where), special
    rules (div, pow with whole, fractional and traced exponents), linear rows."""
    a = cr.sin(x) * cr.tan(0.3 * x) + cr.sqrt(x * x + 1.0) / (2.0 + cr.cos(x))
    b = (x + 2.0) ** 2.5 - x ** 3 + 1.5 ** x + (x + 3.0) ** (0.5 * x)
    c = cr.where(x > 0, cr.exp(-x), cr.tanh(x)) + cr.abs(x) * cr.maximum(x, 0.1)
    return a * b + c


def _nested_grad(f, n):
    for _ in range(n):
        f = cr.grad(f)
    return f


@pytest.mark.parametrize("n", range(0, 5))
def test_composite_matches_nested_reverse_mode(n):
    for x in (-0.8, 0.6, 1.7):
        assert cr.derivative(_composite, n)(x) == pytest.approx(
            _nested_grad(_composite, n)(x), rel=1e-10, abs=1e-10)


def test_rows_of_the_numpy_namespace():
    cnp = cr.numpy
    fns = [cnp.arctan, cnp.sinh, cnp.log1p, cnp.expm1, cnp.arcsin, lambda x: cnp.hypot(x, 2.0),
           lambda x: cnp.logaddexp(x, 0.5 * x)]
    for f in fns:
        for n in range(4):
            assert cr.derivative(f, n)(0.3) == pytest.approx(_nested_grad(f, n)(0.3),
                                                            rel=1e-10, abs=1e-12)


def test_arrays_are_handled_elementwise_and_kinds_are_kept():
    xs = np.linspace(0.5, 2.0, 7)
    d3 = cr.derivative(lambda x: x * cr.log(x), 3)
    out = d3(xs)
    assert isinstance(out, np.ndarray) and out.shape == xs.shape
    np.testing.assert_allclose(out, -1.0 / xs ** 2, rtol=1e-13)
    assert type(d3(2.0)) is float and type(d3(2)) is float
    t = d3(cr.tensor(xs))
    assert isinstance(t, cr.Tensor)
    np.testing.assert_allclose(t.data, -1.0 / xs ** 2, rtol=1e-13)
    # constants mixed in: an array constant broadcasts the scalar series
    c = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(cr.derivative(lambda x: (x + c) ** 2, 2)(1.0), [2.0, 2.0, 2.0])


def test_linear_rows_and_matmul_along_the_series():
    M = np.array([[1.0, 2.0], [3.0, 4.0]])
    # f applied to an array: nth directional derivative along ones
    def f(x):
        y = M @ cr.sin(x)
        return cr.concatenate([y[::-1], cr.stack([x, x]).sum(axis=0)]).reshape(2, 2).T * x

    x = np.array([0.3, 0.9])
    for n in range(4):
        expected = _nested_jvp(f, n)(x)
        np.testing.assert_allclose(cr.derivative(f, n)(x), expected, rtol=1e-12, atol=1e-13)


def _directional(g):
    def dg(x):
        return cr.jvp(g, (x,), (np.ones(np.shape(x)) if np.ndim(x) else 1.0,))[1]
    return dg


def _nested_jvp(f, n):
    for _ in range(n):
        f = _directional(f)
    return f


def test_nested_with_grad_and_with_itself():
    f = lambda x: cr.sin(x) * cr.exp(0.5 * x)  # noqa: E731
    x = 0.4
    d4 = cr.derivative(f, 4)(x)
    assert cr.grad(cr.derivative(f, 3))(x) == pytest.approx(d4, rel=1e-12)
    assert cr.derivative(cr.grad(f), 3)(x) == pytest.approx(d4, rel=1e-12)
    assert cr.derivative(cr.derivative(f, 2), 2)(x) == pytest.approx(d4, rel=1e-12)
    # d/dx [x * D_y^2 (x*y)^3 at y=1] = d/dx [6 x^4] = 24 x^3: no perturbation confusion
    g = lambda x: x * cr.derivative(lambda y: (x * y) ** 3, 2)(1.0)  # noqa: E731
    assert cr.derivative(g, 1)(2.0) == pytest.approx(24 * 8.0, rel=1e-12)


def test_order_zero_and_bad_orders():
    assert cr.derivative(cr.sin, 0)(0.5) == math.sin(0.5)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="whole number >= 0"):
            cr.derivative(cr.sin, bad)
    with pytest.raises(TypeError, match="grad, jacobian or hessian"):
        cr.derivative(cr.sin, 2)((1.0, 2.0))


def test_constant_function_has_zero_derivatives():
    assert cr.derivative(lambda x: 3.0, 2)(1.0) == 0.0
    np.testing.assert_array_equal(cr.derivative(lambda x: np.ones(3), 2)(np.zeros(3)), 0.0)


def test_rows_without_own_rule_use_their_jvp_and_rows_without_jvp_say_what_to_do():
    # A new non-elementwise row needs no Taylor rule: its JVP rule, run on series, is one.
    square = Primitive("square_by_jvp", lambda x: x * x, [lambda g, out, x: 2 * g * x],
                       [lambda t, out, x: 2 * t * x])
    assert cr.derivative(lambda x: square(cr.sin(x)), 3)(0.4) == pytest.approx(
        -4 * math.sin(0.8), rel=1e-13)          # sin^2 = (1 - cos 2x)/2
    no_jvp = Primitive("no_forward_rule", lambda x: x * x, [lambda g, out, x: 2 * g * x], [])
    with pytest.raises(NotImplementedError, match="no_forward_rule.*cr.grad\\(cr.grad"):
        cr.derivative(lambda x: no_jvp(x), 2)(1.0)


def test_linear_algebra_prod_and_einsum_against_nested_grad():
    cnp = cr.numpy
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 3)) + 3 * np.eye(3)
    B = rng.normal(size=(3, 3))
    b = rng.normal(size=3)
    S = A @ A.T
    fns = [lambda x: cnp.linalg.det(A + x * B),
           lambda x: cnp.linalg.inv(A + x * B)[0, 1],
           lambda x: cnp.linalg.solve(A + x * B, b * x).sum(),
           lambda x: cnp.linalg.solve(A + x * B, B * x)[1, 2],
           lambda x: cnp.linalg.cholesky(S + x * np.eye(3))[2, 1],
           lambda x: cnp.linalg.eigh(S + x * (B + B.T))[0][1],
           lambda x: cnp.linalg.svd(A + x * B)[1][0],
           lambda x: cnp.prod(cnp.sin(x * np.arange(1, 4.0))),
           lambda x: cnp.cumprod(x + np.arange(1, 4.0), axis=0)[-1],
           lambda x: cnp.einsum("ij,jk,k->", A * x, B + x, b * x)]
    for f in fns:
        for n in range(5):
            assert cr.derivative(f, n)(0.3) == pytest.approx(_nested_grad(f, n)(0.3),
                                                            rel=1e-11, abs=1e-12)


def test_tensor_input_keeps_the_result_in_the_users_graph():
    x = cr.tensor([0.2, 1.1], requires_grad=True)
    d2 = cr.derivative(cr.sin, 2)(x)                   # -sin(x)
    assert isinstance(d2, cr.Tensor) and d2.requires_grad
    d2.sum().backward()
    np.testing.assert_allclose(x.grad.data, -np.cos([0.2, 1.1]), rtol=1e-14)


# ----------------------------------------------------------------------------------------
# Over the whole primitive table: every row agrees with nested forward mode (a row added
# later needs no Taylor rule: its partials or its JVP rule are enough).


def _table_cases():
    cases = []
    for name, prim in sorted(cr.ops.TABLE.items()):
        if not prim.differentiable or prim.domain is None:
            continue
        for k, (args, params) in enumerate(prim.domain(np.random.default_rng(0))):
            for i, a in enumerate(args):
                if np.result_type(a).kind == "f":
                    cases.append(pytest.param(prim, args, params, i, id=f"{name}-{k}-{i}"))
    return cases


@pytest.mark.parametrize("prim, args, params, i", _table_cases())
def test_every_row_against_nested_forward_mode(prim, args, params, i):
    def f(v):
        full = list(args)
        full[i] = v
        return cr.ops.bind(prim, *full, **params)

    x = args[i]
    for n in (1, 2, 3):
        expected = _nested_jvp(f, n)(x)
        np.testing.assert_allclose(cr.derivative(f, n)(x), expected, rtol=1e-8, atol=1e-9)


# ----------------------------------------------------------------------------------------
# Orders past 170: n! overflows a float and 1/n! underflows, so derivative() scales the seed.

def test_derivative_of_exp_at_order_300():
    assert cr.derivative(cr.exp, 300)(0.0) == pytest.approx(1.0, rel=1e-12)
    assert cr.derivative(cr.exp, 300)(2.0) == pytest.approx(math.exp(2.0), rel=1e-12)


def test_derivative_of_sin_at_order_1001():
    # sin⁽¹⁰⁰¹⁾ = sin⁽¹⁾ = cos (1000 = 4·250): cos(0) = 1, and at 0.3 it is cos(0.3).
    assert cr.derivative(cr.sin, 1001)(0.0) == pytest.approx(1.0, rel=1e-12)
    got = cr.derivative(cr.sin, 1001)(np.array([0.3, -1.0]))
    np.testing.assert_allclose(got, np.cos([0.3, -1.0]), rtol=1e-12)


def test_derivative_of_a_power_at_order_175_is_the_exact_rational():
    # d¹⁷⁵/dx¹⁷⁵ (x/100)¹⁸⁰ = 180!/5! · x⁵ / 100¹⁸⁰ (the value fits a float; 175! does not).
    exact = Fraction(math.factorial(180), math.factorial(5)) * Fraction(50) ** 5 \
        / Fraction(100) ** 180
    got = cr.derivative(lambda x: (x * 0.01) ** 180, 175)(50.0)
    assert got == pytest.approx(float(exact), rel=1e-12)


def test_derivative_of_a_pole_at_order_200():
    # d²⁰⁰/dx²⁰⁰ 1/(1 - x) = 200!/(1 - x)²⁰¹
    exact = Fraction(math.factorial(200)) / Fraction(1001) ** 201
    got = cr.derivative(lambda x: 1 / (1 - x), 200)(-1000.0)
    assert got == pytest.approx(float(exact), rel=1e-12)


@pytest.mark.parametrize("n", [2, 5, 10, 22])
def test_derivative_low_orders_unchanged_by_scaling(n):
    # Scaling the seed by a power of two is exact: low orders equal c·n! of the plain series.
    from chainrule.interpret.taylor import series
    f = lambda x: cr.sin(x) * cr.exp(x) / (2 + x)  # noqa: E731
    plain = series(f, 0.7, n)[n] * math.factorial(n)
    assert cr.derivative(f, n)(0.7) == plain


def test_a_series_leaves_no_reference_cycle_behind():
    # The rules' closures hold other nodes and nodes hold their trace: once the coefficients
    # are computed the nodes must be freed by reference counting alone, with the values
    # they hold (traced values and whole programs under cr.compile).
    import gc
    import weakref
    seen = []

    def f(x):
        seen.append(weakref.ref(x.coeffs[1]))   # the seed's tangent, an array of the series
        return cr.sin(x) * x ** 3

    x = np.array([0.7, 1.1])
    gc.disable()
    try:
        got = cr.derivative(f, 3)(x)
        assert seen and all(r() is None for r in seen)
    finally:
        gc.enable()
    want = (-np.cos(x) * x ** 3 - 9 * np.sin(x) * x ** 2 + 18 * np.cos(x) * x + 6 * np.sin(x))
    assert np.allclose(got, want)
