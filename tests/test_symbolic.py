"""Symbolic expressions: the table's rules run on Exprs give formulas that agree, numerically,
with the autodiff engine; textbook form for the classic cases."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import ops as P
from chainrule.core import Primitive
from chainrule.text.calculus import diff, gradient, to_function
from chainrule.symbolic import Expr, const, simplify, symbol

TUTORIAL = "5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5"


# ----------------------------------------------------------------------------------------
# The tutorial and the textbook formulas (string match allowed for single primitives).


def test_tutorial_formula_in_three_notations():
    d = cr.diff(TUTORIAL, "x")
    assert str(d) == "20*x**3 + 9*x**2 + 14*x + 9"
    assert d.to_unicode() == "20x³ + 9x² + 14x + 9"
    assert d.to_latex() == "20 x^{3} + 9 x^{2} + 14 x + 9"
    assert d.evaluate({"x": 2.0}) == 233.0
    assert cr.grad(to_function(TUTORIAL, ["x"]))(2.0) == 233.0


def test_tutorial_higher_orders():
    assert str(diff(TUTORIAL, "x", 2)) == "60*x**2 + 18*x + 14"
    assert str(diff(TUTORIAL, "x", 3)) == "120*x + 18"
    assert str(diff(TUTORIAL, "x", 5)) == "0"
    assert str(diff(TUTORIAL, "x", 0)) == "5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5"
    # The third derivative at 2 is what the engine gives by nesting grad three times.
    f3 = cr.grad(cr.grad(cr.grad(to_function(TUTORIAL, ["x"]))))
    assert diff(TUTORIAL, "x", 3).evaluate({"x": 2.0}) == pytest.approx(f3(2.0))


TEXTBOOK = [
    ("sin(x)", "cos(x)"),
    ("cos(x)", "-sin(x)"),
    ("tan(x)", "tan(x)**2 + 1"),
    ("exp(x)", "exp(x)"),
    ("log(x)", "1/x"),
    ("sqrt(x)", "1/(2*sqrt(x))"),
    ("tanh(x)", "1 - tanh(x)**2"),
    ("abs(x)", "sign(x)"),
    ("x**3", "3*x**2"),
    ("x**n", "n*x**(n - 1)"),
    ("x", "1"),
    ("7", "0"),
    ("1/x", "-1/x**2"),
    ("x**-2", "-2/x**3"),
    ("2**x", "2**x*log(2)"),
    ("e**x", "e**x"),
    ("pi*x**2", "2*pi*x"),
    ("3*x", "3"),
    ("x/4", "1/4"),
    ("sin(x)*cos(x)", "cos(x)**2 - sin(x)**2"),
    ("x*exp(x)", "exp(x) + x*exp(x)"),
    ("x**2*sin(x)", "2*x*sin(x) + x**2*cos(x)"),
    ("sin(x)/x", "(x*cos(x) - sin(x))/x**2"),
    ("x/(x + 1)", "1/(x + 1)**2"),
    ("(x**2 + 1)**5", "10*x*(x**2 + 1)**4"),
    ("sin(3*x + 1)", "3*cos(3*x + 1)"),
    ("exp(x**2)", "2*x*exp(x**2)"),
    ("log(x**2 + 1)", "2*x/(x**2 + 1)"),
    ("sqrt(x**2 + 1)", "x/sqrt(x**2 + 1)"),
    ("(x + 1)*(x - 1)", "2*x"),
    ("1 - x**2", "-2*x"),
]


@pytest.mark.parametrize("text,expected", TEXTBOOK)
def test_textbook_formula(text, expected):
    d = diff(text, "x")
    assert str(d) == expected
    # The string is also right as a number, against the engine.
    f = to_function(text, ["x"] + [s for s in cr.parse(text).free_symbols() if s != "x"])
    args = [0.7] + [2.5] * (len(f.__doc__.split(",")) - 1)
    env = dict(zip(["x", "n"], args))
    assert d.evaluate(env) == pytest.approx(cr.grad(f)(*args), rel=1e-12, abs=1e-12)


ROW_FORMULAS = {  # the table's rows beyond the basic ones, where present
    "sinh": "cosh(x)", "cosh": "sinh(x)", "arcsin": "1/sqrt(1 - x**2)",
    "arccos": "-1/sqrt(1 - x**2)", "arctan": "1/(x**2 + 1)", "arcsinh": "1/sqrt(x**2 + 1)",
    "log1p": "1/(x + 1)", "log2": "1/(x*log(2))", "log10": "1/(x*log(10))",
    "exp2": "exp2(x)*log(2)", "square": "2*x", "ln": "1/x",
}


def test_row_formulas_are_the_textbook_ones():
    present = {k: v for k, v in ROW_FORMULAS.items() if k in cr.text.parser.functions()}
    assert {"ln", "log1p"} <= set(present)
    for name, expected in present.items():
        assert str(diff(f"{name}(x)", "x")) == expected, name


def _domain(name: str, rng: np.random.Generator) -> list:
    """(lo, hi) per argument, from the row's own test domain (composites: (0.3, 2.5))."""
    row = cr.text.parser._function_table()[name][1]      # aliases (asin) resolve to their row
    if not isinstance(row, Primitive) or row.domain is None:
        return [(0.3, 2.5)] * 2
    args = row.domain(rng)[0][0]
    return [(float(np.min(a)), float(np.max(a))) for a in args]


@pytest.mark.parametrize("name", sorted(cr.text.parser.functions()))
def test_every_allowed_function_formula_matches_autodiff(name, rng):
    # f(x), f(inner(x)) (chain rule) and, for two-argument rows, both partials, each
    # evaluated inside the row's domain and compared with the engine.
    arity = cr.text.parser.functions()[name]
    (lo, hi), *rest = _domain(name, rng)
    lo2, hi2 = rest[0] if rest else (lo, hi)
    for text in ([f"{name}(x)", f"{name}({lo} + {hi - lo}*(0.5 + 0.4*sin(3*x)))"] if arity == 1
                 else [f"{name}(x, y)", f"{name}(x*y, y + x**2)"]):
        e = cr.parse(text)
        names = ["x", "y"][:arity]
        f = to_function(e, names)
        for var_index, var in enumerate(names):
            formula = diff(e, var)
            for _ in range(3):
                point = [lo + (hi - lo) * (0.15 + 0.7 * rng.random()),
                         lo2 + (hi2 - lo2) * (0.15 + 0.7 * rng.random())][:arity]
                if text.endswith("x**2)"):
                    point = [0.5 + 0.5 * rng.random(), 0.5 + 0.5 * rng.random()]
                env = dict(zip(names, point))
                want = cr.grad(f, argnums=var_index)(*point)
                got = formula.evaluate(env)
                assert _close(got, want), (text, var, str(formula), env, got, want)


# `1*`, `*1`, `+ 0`, `- 0`, `**1`, `**0`, `--`, `+ -`: what a textbook never prints.
CLUTTER = re.compile(r"(?<![\d.])1\*|\*1(?![\d.])|[+-] 0(?![\d.])|\*\*[01](?![\d.])|--|\+ -")


def test_no_clutter_in_textbook_formulas():
    for text, _ in TEXTBOOK:
        s = str(diff(text, "x"))
        assert not CLUTTER.search(s), s


# ----------------------------------------------------------------------------------------
# The corpus: generated expressions, formula evaluated at random points == autodiff.

_UNARY = [  # (build, needs a positive argument)
    (lambda u: P.sin(u), False), (lambda u: P.cos(u), False), (lambda u: P.exp(u), False),
    (lambda u: P.tanh(u), False), (lambda u: P.log(u), True), (lambda u: P.sqrt(u), True),
    (lambda u: u ** 2, False), (lambda u: u ** 3, False), (lambda u: -u, False),
    (lambda u: 1.0 / u, True),
]


def _positive(e: Expr) -> Expr:
    return 1.0 + e * e


def random_expr(rng: np.random.Generator, names: tuple, depth: int) -> Expr:
    """A random expression in ``names``, defined for every real input."""
    if depth == 0 or rng.random() < 0.2:
        if rng.random() < 0.75:
            return symbol(str(rng.choice(names)))
        return const(float(rng.integers(1, 6)))
    kind = rng.integers(0, 3)
    if kind == 0:
        build, positive = _UNARY[rng.integers(len(_UNARY))]
        inner = random_expr(rng, names, depth - 1)
        return build(_positive(inner) if positive else inner)
    a = random_expr(rng, names, depth - 1)
    b = random_expr(rng, names, depth - 1)
    op = rng.integers(0, 4)
    if op == 0:
        return a + b
    if op == 1:
        return a - b
    if op == 2:
        return a * b
    return a / _positive(b)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_generated_corpus_matches_autodiff():
    rng = np.random.default_rng(5)
    checked = 0
    for i in range(220):
        names = ("x",) if i % 3 else ("x", "y")
        e = random_expr(rng, names, depth=int(rng.integers(1, 5)))
        f = to_function(e, list(names))
        for var_index, var in enumerate(names):
            formula = diff(e, var)
            assert not CLUTTER.search(str(formula)), str(formula)
            # Printing and re-parsing the formula loses nothing: the text is the formula.
            reparsed = cr.parse(str(formula))
            for _ in range(3):
                point = [float(v) for v in rng.uniform(-1.5, 1.5, size=len(names))]
                env = dict(zip(names, point))
                want = cr.grad(f, argnums=var_index)(*point)
                got = formula.evaluate(env)
                assert _close(got, want), (str(e), var, str(formula), env, got, want)
                assert _close(reparsed.evaluate(env) if reparsed.free_symbols() else
                              float(reparsed.evaluate({})), want), str(formula)
        checked += 1
    assert checked >= 200


def test_generated_corpus_second_derivatives_match_nested_grad():
    rng = np.random.default_rng(11)
    for _ in range(60):
        e = random_expr(rng, ("x",), depth=3)
        f = to_function(e, ["x"])
        d2 = diff(e, "x", 2)
        for x in rng.uniform(-1.5, 1.5, size=2):
            assert _close(d2.evaluate({"x": float(x)}), cr.grad(cr.grad(f))(float(x))), str(e)


CLASSICS = [  # textbook exercises, several variables
    "x**2*y + y**3", "sin(x*y)", "exp(x)*cos(y)", "x/y + y/x", "sqrt(x**2 + y**2)",
    "log(x**2 + y**2 + 1)", "(x + y)**3", "x*exp(-x**2 - y**2)", "tanh(x - 2*y)",
    "x**y", "sin(x)**2 + cos(x)**2", "(x**2 - 1)/(x**2 + 1)", "x**3 - 3*x*y**2",
    "exp(sin(x))*log(y + 3)", "1/sqrt(1 + x**2)", "sigmoid(x*y)", "x**2*exp(y)/(1 + x**2)",
    "arctan(x/y)", "cosh(x)*sinh(y)", "(1 + x)**(1/2)*(2 + y)**(1/3)",
]


@pytest.mark.parametrize("text", CLASSICS)
def test_classic_exercises_gradient_matches_autodiff(text, rng):
    e = cr.parse(text)
    names = ["x", "y"]
    f = to_function(e, names)
    grads = gradient(e, names)
    for _ in range(3):
        point = [float(v) for v in rng.uniform(0.3, 1.7, size=2)]
        want = cr.grad(f, argnums=(0, 1))(*point)
        got = [g.evaluate(dict(zip(names, point))) for g in grads]
        assert all(_close(a, b) for a, b in zip(got, want)), (text, [str(g) for g in grads])


def test_formulas_stay_small():
    # Product, quotient and chain rule results stay short: no blow-up from the raw rules.
    for text, limit in [("sin(x**2)*exp(x)", 40), ("(x**2 + 1)/(x**3 - x)", 40),
                        ("exp(x)*cos(x)*x", 60), ("log(cos(x))", 20),
                        ("sqrt(1 + sin(x)**2)", 40)]:
        assert len(str(diff(text, "x"))) <= limit, str(diff(text, "x"))


# ----------------------------------------------------------------------------------------
# The same rules, not a second table.


def test_a_new_row_gets_a_formula_from_its_partials_alone():
    cube = Primitive("cube", lambda x: x ** 3, partials=[lambda out, x: 3.0 * x * x])
    x = symbol("x")
    assert str(diff(cube(x), "x")) == "3*x**2"
    assert str(diff(cube(P.sin(x)), "x")) == "3*sin(x)**2*cos(x)"


def test_rows_without_partials_run_their_jvp_rule():
    # `linear` rows (sum, reshape, ...) have JVP rules only; the symbolic reader uses them.
    x = symbol("x")
    d = diff(P.sum(x * x), "x")
    assert str(d) == "sum(2*x)"
    assert d.evaluate({"x": 1.5}) == 3.0


def test_value_dependent_rule_says_so():
    x = symbol("x")
    with pytest.raises(ValueError, match="depends on the values"):
        diff(P.maximum(x, 1.0), "x")


def test_kink_conventions_hold_at_generic_points():
    # d/dx x**0 = 0 (pinned in the table also at 0); d/dx |x| = sign(x).
    assert str(diff("x**0", "x")) == "0"
    assert diff("abs(x)", "x").evaluate({"x": 0.0}) == 0.0


# ----------------------------------------------------------------------------------------
# The API.


def test_free_symbols_and_evaluate():
    e = cr.parse("x**2*y + z")
    assert e.free_symbols() == ["x", "y", "z"]
    assert e.evaluate({"x": 2, "y": 3.0, "z": 1.0}) == 13.0
    np.testing.assert_allclose(e.evaluate({"x": np.array([1.0, 2.0]), "y": 1.0, "z": 0.0}),
                               [1.0, 4.0])
    with pytest.raises(ValueError, match="no value for the variable 'z'"):
        e.evaluate({"x": 1.0, "y": 1.0})


def test_evaluate_on_tensors_records_a_graph():
    e = cr.parse(TUTORIAL)
    x = cr.tensor(2.0, requires_grad=True)
    y = e.evaluate({"x": x})
    y.backward()
    assert y.item() == 145.0 and x.grad.item() == 233.0


def test_gradient_and_to_function():
    g = gradient("x**2*y + y", ["x", "y"])
    assert [str(d) for d in g] == ["2*x*y", "x**2 + 1"]
    assert [str(d) for d in gradient("x*y")] == ["y", "x"]
    f = to_function("x**2 + y", ["x", "y"])
    assert f(3.0, 1.0) == 10.0
    with pytest.raises(TypeError, match="takes 2 argument"):
        f(1.0)
    with pytest.raises(ValueError, match="list every variable"):
        to_function("x + y", ["x"])


def test_partial_derivative_of_absent_variable_is_zero():
    assert str(diff("x**2", "y")) == "0"


def test_diff_arguments_are_checked():
    with pytest.raises(ValueError, match="whole number >= 0"):
        diff("x", "x", -1)
    with pytest.raises(TypeError, match="name such as 'x'"):
        diff("x", "1x")


def test_symbol_and_const():
    with pytest.raises(ValueError, match="plain ASCII identifier"):
        symbol("__import__('os')")
    assert str(const(2.5) * symbol("t")) == "2.5*t"
    assert str(simplify(symbol("x") * 2 + 3 * symbol("x") + symbol("x") ** 1 + 0)) == "6*x"


def test_truth_value_is_refused():
    with pytest.raises(TypeError, match="truth value"):
        bool(symbol("x") > 1)


def test_printing_precedence_round_trips():
    for text in ["-(x + 1)**2", "(x - 1)/(x + 1)", "x**(y - 1)", "2**-x", "-x**2",
                 "(-x)**3", "x - (y - z)", "x/(y*z)", "(x*y)**2", "exp(-x)/(1 + x)"]:
        e = cr.parse(text)
        again = cr.parse(str(e))
        env = {"x": 0.7, "y": 1.3, "z": 0.4}
        assert _close(again.evaluate(env), e.evaluate(env)), (text, str(e))


def test_unicode_and_latex():
    d = diff("sin(x**2)*exp(x)", "x")
    assert d.to_unicode() == "2x·exp(x)·cos(x²) + sin(x²)·exp(x)"
    assert d.to_latex() == (r"2 x e^{x} \cos\left(x^{2}\right) + \sin\left(x^{2}\right) e^{x}")
    assert diff("sqrt(x)", "x").to_latex() == r"\frac{1}{2 \sqrt{x}}"
    assert cr.parse("x - pi").to_unicode() == "x − π"


def test_deep_expression_built_in_python():
    x = symbol("x")
    e = x
    for _ in range(3000):
        e = e + x * x
    assert str(diff(e, "x")) == "6000*x + 1"
    assert len(str(e)) > 3000


def test_to_sympy_bridge():
    sympy = pytest.importorskip("sympy")
    e = cr.parse("sin(x**2)*exp(x) + pi")
    sx = sympy.Symbol("x")
    ours = diff(e, "x").to_sympy()
    assert sympy.simplify(ours - sympy.diff(e.to_sympy(), sx)) == 0


def test_deep_nesting_needs_no_recursion():
    # With the recursion limit far below the depth, only iterative code can succeed.
    import sys
    x = symbol("x")
    e = x
    for _ in range(300):
        e = P.sin(e)
    want = cr.grad(to_function(e, ["x"]))(0.3)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        d = diff(e, "x")
        text = d.to_unicode()
        got = d.evaluate({"x": 0.3})
    finally:
        sys.setrecursionlimit(limit)
    assert _close(got, want) and text.count("cos") == 300
