"""The ``erf`` row: the worked example of adding a primitive (the table tests check its rules
on its domain; these check what is particular to it)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import ops as P
from chainrule.symbolic import symbol


def test_erf_values_match_scipy():
    special = pytest.importorskip("scipy.special")
    x = np.linspace(-4.0, 4.0, 81)
    np.testing.assert_allclose(P.erf(x), special.erf(x), rtol=1e-15, atol=1e-16)
    assert P.erf(0.5) == math.erf(0.5) and type(P.erf(0.5)) is float


def test_erf_keeps_the_float_dtype_and_shape():
    x32 = np.array([[0.25, -1.0], [2.0, 0.0]], dtype=np.float32)
    out = P.erf(x32)
    assert out.dtype == np.float32 and out.shape == (2, 2)
    np.testing.assert_array_equal(out, np.array([[math.erf(v) for v in r] for r in x32.tolist()],
                                                dtype=np.float32))
    assert P.erf(np.arange(3)).dtype == np.float64          # integers become float64
    assert np.ndim(P.erf(np.array(0.5))) == 0 and P.erf(np.array([])).shape == (0,)
    np.testing.assert_array_equal(P.erf(np.array([np.inf, -np.inf])), [1.0, -1.0])
    assert np.isnan(P.erf(np.array([np.nan])))[0]


def test_erf_derivative_is_the_gaussian():
    x = np.array([-1.5, 0.0, 0.3, 2.0])
    expected = 2.0 / math.sqrt(math.pi) * np.exp(-x * x)
    np.testing.assert_allclose(cr.vjp(P.erf, x)[1](np.ones(4))[0], expected, rtol=1e-15)
    np.testing.assert_allclose(cr.jvp(P.erf, (x,), (np.ones(4),))[1], expected, rtol=1e-15)
    # Second derivative: -2x times the first.
    np.testing.assert_allclose(cr.grad(cr.grad(P.erf))(0.3),
                               -0.6 * 2.0 / math.sqrt(math.pi) * math.exp(-0.09), rtol=1e-14)


def test_erf_prints_and_parses():
    x = symbol("x")
    assert str(P.erf(x)) == "erf(x)"
    assert P.erf(x).to_latex() == r"\operatorname{erf}\left(x\right)"
    d = cr.diff("erf(x)", "x")
    assert d.evaluate({"x": 0.7}) == pytest.approx(2.0 / math.sqrt(math.pi) * math.exp(-0.49),
                                                   rel=1e-15)
