"""Silently wrong answers found and fixed: each test pins one, against an exact oracle."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp


def _pow_partial(seq, x, y):
    """The mixed partial of x**y taken in the order ``seq`` (0: x, 1: y), by SymPy."""
    sympy = pytest.importorskip("sympy")
    X, Y = sympy.symbols("x y")
    e = sympy.diff(X ** Y, *[(X, Y)[a] for a in seq])
    return float(e.subs({X: x, Y: y}))


@pytest.mark.parametrize("point", [(2.0, 2.0), (2.0, 3.0), (2.0, 1.0), (2.0, 0.0),
                                   (1.5, 0.5), (0.5, 1.0)])
def test_mixed_partials_of_pow_with_a_traced_exponent(point):
    # _pow_dx once pinned y * x**(y-1) to 0 wherever y == 0, which zeroed its y-derivative
    # there: d^4/dx^4 x**x at x = 2 came out 63.50 instead of 64.50.
    for n in (1, 2, 3, 4):
        for seq in itertools.product((0, 1), repeat=n):
            f = lambda x, y: x ** y  # noqa: E731
            for a in seq:
                f = cr.grad(f, argnums=a)
            assert f(*point) == pytest.approx(_pow_partial(seq, *point), rel=1e-9, abs=1e-12), seq


def test_fourth_derivative_of_x_to_the_x_at_two():
    g = lambda x: x ** x  # noqa: E731
    for _ in range(4):
        g = cr.grad(g)
    # x**x = exp(x log x); its 4th derivative at 2, worked out with SymPy: 64.50134182736849
    assert g(2.0) == pytest.approx(64.50134182736849, rel=1e-12)
    assert g(np.array(2.0)) == pytest.approx(64.50134182736849, rel=1e-12)


def test_pow_gradient_at_zero_zero_is_finite():
    assert cr.grad(lambda x, y: x ** y)(0.0, 0.0) == 0.0
    assert math.isfinite(cr.grad(cr.grad(lambda x, y: x ** y))(0.0, 0.0))


@pytest.mark.parametrize("to_int", [
    lambda x: cnp.astype(x, int),
    lambda x: cnp.array(x, dtype=np.int64),
    lambda x: x.astype(np.int32),
    lambda x: cnp.astype(x, bool),
])
def test_a_cast_to_integers_carries_no_gradient(to_int):
    # The cast row once passed the cotangent straight through a cast to int, so the
    # derivative of rounding came out as 1.
    x = np.array([1.5, 2.5, -0.7])
    f = lambda x: cnp.sum(to_int(x) * 1.0 + x)  # noqa: E731
    np.testing.assert_array_equal(cr.grad(f)(x), np.ones(3))
    _, t = cr.jvp(lambda x: to_int(x) * 1.0, (x,), (np.ones(3),))
    np.testing.assert_array_equal(t, np.zeros(3))
    t = cr.tensor(x, requires_grad=True)
    f(t).backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.ones(3))


def test_a_cast_between_floats_still_carries_the_gradient():
    x = np.array([1.5, 2.5])
    g = cr.grad(lambda x: cnp.sum(cnp.astype(x, np.float32) * 3.0))(x)
    np.testing.assert_allclose(g, [3.0, 3.0])
    assert g.dtype == np.float64


def test_abs_of_a_symbol_is_a_formula():
    # cnp.abs asked the symbol for its numeric value to check for complex input (TypeError).
    x = cr.symbol("x")
    assert str(cr.abs(x)) == "abs(x)"
    assert str(cr.diff(cr.abs(x) * x, x)) == "2*abs(x)"   # x*sign(x) + |x|, simplified


@pytest.mark.parametrize("name", ["arcsec", "arccsc", "arccsch"])
def test_rows_with_real_rules_refuse_complex_input(name):
    # Their derivatives use |x|: on a complex input they would be silently wrong.
    from chainrule import ops
    with pytest.raises(TypeError, match=f"{name}: chainrule's derivative of this row holds "
                                        "for real inputs only"):
        cr.grad(lambda z: cnp.real(getattr(ops, name)(z)))(np.complex128(2.0 + 0.5j))
    assert cr.grad(getattr(ops, name))(2.0) == pytest.approx(
        {"arcsec": 1 / (2 * math.sqrt(3)), "arccsc": -1 / (2 * math.sqrt(3)),
         "arccsch": -1 / (2 * math.sqrt(5))}[name], rel=1e-12)


def test_expit_and_logit_keep_full_precision():
    # expit was 0.5·tanh(x/2) + 0.5, which is 0 below x = -37 (SciPy: 4.2e-18 at -40), and
    # logit's log(p) - log1p(-p) lost ~5e-14 relatively near p = 1/2 to cancellation.
    special = pytest.importorskip("scipy.special")
    import chainrule.special as cs
    x = np.linspace(-700.0, 700.0, 2001)
    np.testing.assert_allclose(cs.expit(x), special.expit(x), rtol=1e-15, atol=0)
    assert cs.expit(-40.0) == pytest.approx(special.expit(-40.0), rel=1e-15)
    p = np.concatenate([np.linspace(1e-9, 1 - 1e-9, 2001), [0.5 + 1e-9, 0.2500001]])
    np.testing.assert_allclose(cs.logit(p), special.logit(p), rtol=2e-15, atol=0)
    assert cr.grad(cs.expit)(0.0) == 0.25 and cr.grad(cs.logit)(0.5) == 4.0
    assert type(cs.expit(2.0)) is float
