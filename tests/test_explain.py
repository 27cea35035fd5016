"""Step-by-step explanations: pinned text for the tutorial and a product/chain rule example,
and every step's result checked against the autodiff engine."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.text.explain import Explanation, explain
from chainrule.text.calculus import to_function

TUTORIAL_STEPS = """\
f(x) = 5x⁴ + 3x³ + 7x² + 9x − 5
sum rule: d/dx[5x⁴ + 3x³ + 7x² + 9x − 5] = d/dx[5x⁴] + d/dx[3x³] + d/dx[7x²] + d/dx[9x] \
− d/dx[5] = 20x³ + 9x² + 14x + 9
  constant multiple rule: d/dx[5x⁴] = 5·d/dx[x⁴] = 20x³
    power rule: d/dx[x⁴] = 4x³
  constant multiple rule: d/dx[3x³] = 3·d/dx[x³] = 9x²
    power rule: d/dx[x³] = 3x²
  constant multiple rule: d/dx[7x²] = 7·d/dx[x²] = 14x
    power rule: d/dx[x²] = 2x
  constant multiple rule: d/dx[9x] = 9·d/dx[x] = 9
    power rule: d/dx[x] = 1
  constant rule: d/dx[5] = 0
f′(x) = 20x³ + 9x² + 14x + 9"""

PRODUCT_CHAIN_STEPS = """\
f(x) = sin(x²)·exp(x)
product rule: d/dx[sin(x²)·exp(x)] = d/dx[sin(x²)]·exp(x) + sin(x²)·d/dx[exp(x)] \
= 2x·exp(x)·cos(x²) + sin(x²)·exp(x)
  chain rule: d/dx[sin(x²)] = cos(x²)·d/dx[x²] = 2x·cos(x²)
    derivative of sin: d/du[sin(u)] = cos(u)
    power rule: d/dx[x²] = 2x
  derivative of exp: d/dx[exp(x)] = exp(x)
f′(x) = 2x·exp(x)·cos(x²) + sin(x²)·exp(x)"""


def test_tutorial_steps_read_like_the_hand_derivation():
    ex = explain("5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5")
    assert ex.to_text() == TUTORIAL_STEPS
    assert str(ex.result) == "20*x**3 + 9*x**2 + 14*x + 9"
    assert [s.rule for s in ex.steps] == (
        ["sum rule"] + ["constant multiple rule", "power rule"] * 4 + ["constant rule"])


def test_product_and_chain_rule_steps():
    ex = explain("sin(x**2)*exp(x)")
    assert ex.to_text() == PRODUCT_CHAIN_STEPS
    rules = [s.rule for s in ex.steps]
    assert rules[0] == "product rule" and "chain rule" in rules
    assert "derivative of sin" in rules and "derivative of exp" in rules


def test_markdown_has_latex_maths():
    md = explain("sin(x**2)*exp(x)").to_markdown()
    lines = md.splitlines()
    assert lines[0] == r"Differentiate $f(x) = \sin\left(x^{2}\right) e^{x}$ with respect to $x$."
    assert lines[2].startswith(r"- **product rule**: $\frac{d}{dx}\left[")
    assert lines[3].startswith(r"  - **chain rule**: $")
    assert all(line.count("$") % 2 == 0 for line in lines)
    assert lines[-1] == (r"**Result:** $f'(x) = 2 x e^{x} \cos\left(x^{2}\right) + "
                         r"\sin\left(x^{2}\right) e^{x}$")


@pytest.mark.parametrize("text,rule", [
    ("7", "constant rule"), ("x", "power rule"), ("x**5", "power rule"),
    ("3*x**2", "constant multiple rule"), ("x**2 + x", "sum rule"),
    ("x*sin(x)", "product rule"), ("sin(x)/x", "quotient rule"), ("sin(2*x)", "chain rule"),
    ("cos(x)", "derivative of cos"), ("2**x", "exponential rule"),
    ("x**x", "general power rule"), ("-x", "constant multiple rule"),
    ("x/3", "constant multiple rule"), ("(x + 1)**3", "chain rule"),
    ("1/(1 + x**2)", "quotient rule"), ("relu(x)", "piecewise rule"),
    ("sign(x)", "derivative of sign"),
])
def test_first_rule_named(text, rule):
    assert explain(text).steps[0].rule == rule


EXAMPLES = ["5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5", "sin(x**2)*exp(x)", "sin(x)/x",
            "x/(x + 1)", "(x**2 + 1)**5", "2**x", "x**x", "sqrt(1 + x**2)", "-cos(3*x)",
            "exp(2*x)*log(1 + x**2)", "tanh(sin(x))/(2 + cos(x))", "x*y**2 + sin(x*y)",
            "3/x", "e^(x^2)", "arctan(x)*x**3", "relu(x - 1)*x + sign(x)*x", "1/(1 + x^2)",
            "hypot(x, x^2) + x^sin(x)"]


@pytest.mark.parametrize("text", EXAMPLES)
def test_every_step_result_matches_autodiff(text, rng):
    ex = explain(text, "x")   # (one example has two variables: say which)
    assert isinstance(ex, Explanation)
    for step in ex.steps:
        names = sorted(set(step.expr.free_symbols()) | {step.var})
        f = to_function(step.expr, names)
        k = names.index(step.var)
        for _ in range(2):
            point = [float(v) for v in rng.uniform(0.4, 1.6, size=len(names))]
            want = cr.grad(f, argnums=k)(*point)
            got = step.result.evaluate(dict(zip(names, point)))
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), (text, step)
    assert str(ex.result) == str(cr.diff(text, "x"))


def test_partial_derivatives_use_partial_notation():
    ex = explain("x**2*y + y", "y")
    text = ex.to_text()
    assert text.splitlines()[0] == "f(x, y) = x²·y + y"
    assert text.splitlines()[-1] == "∂f/∂y = x² + 1"
    assert r"\frac{\partial}{\partial y}" in ex.to_markdown()


def test_step_fields():
    step = explain("x**3").steps[0]
    assert (step.rule, str(step.expr), str(step.result)) == ("power rule", "x**3", "3*x**2")
    assert step.detail == "d/dx[x³] = 3x²"
    assert "Step(" in repr(step)


def test_explain_rejects_bad_input():
    with pytest.raises(cr.ParseError):
        explain("sine(x)")
    with pytest.raises(TypeError, match="name such as 'x'"):
        explain("x**2", var="2")


def test_explain_accepts_an_expr():
    x = cr.symbol("x")
    ex = explain(x * cr.exp(x))
    assert ex.steps[0].rule == "product rule"
    np.testing.assert_allclose(ex.result.evaluate({"x": 1.0}), 2 * math.e)


def test_large_inputs_get_a_clear_error_not_megabytes_of_steps():
    from chainrule.text.explain import MAX_OPERATIONS
    with pytest.raises(ValueError, match=f"stop at {MAX_OPERATIONS}. Use diff"):
        explain("*".join(["(x+1)"] * 300))
    with pytest.raises(ValueError, match="grow too large to show step by step"):
        explain("^".join(["x"] * 20))
    # Deep but small derivations are fine, and need no recursion.
    with pytest.raises(ValueError, match="grow too large to show step by step"):
        explain("sin(" * 50 + "x" + ")" * 50)
    x = cr.symbol("x")
    e = x
    for _ in range(90):
        e = 1 + 2 * e
    ex = explain(e)
    assert len(ex.steps) == 3 * 90 + 1 and ex.steps[-1].depth == 2 * 90
    assert ex.result.evaluate({}) == 2.0 ** 90
