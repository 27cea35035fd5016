"""Bounded work: symbolic formulas stop at a size limit with a clear error; the CLI still gives
the number (Taylor mode); graph text grows linearly with the graph. Timings are in
bench/bench_bounds.py, not here."""

from __future__ import annotations

import math

import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.symbolic import MAX_FORMULA_NODES, FormulaTooLarge


def test_formula_too_large_is_a_value_error_that_says_what_to_do():
    with pytest.raises(FormulaTooLarge, match=r"10th derivative of x\*\*x grows past 5000 "
                                              r"operations .*cr.derivative\(f, 10\)") as info:
        cr.diff("x^x", n=10)
    assert isinstance(info.value, ValueError)
    assert info.value.order == 9 and info.value.nodes > info.value.limit == MAX_FORMULA_NODES


def test_max_nodes_allows_a_larger_formula():
    d = cr.diff("x^x", n=8, max_nodes=20_000)
    assert d.evaluate({"x": 2.0}) == pytest.approx(cr.derivative(lambda x: x**x, 8)(2.0),
                                                   rel=1e-10)


def test_cli_high_order_without_point_says_to_use_at(capsys):
    assert main(["x^x", "--order", "10"]) == 2
    err = capsys.readouterr().err
    assert "too large to print; add --at x=1" in err and "Taylor mode" in err


def test_cli_high_order_with_point_prints_the_value(capsys):
    assert main(["x^x", "--order", "10", "--at", "x=2"]) == 0
    out = capsys.readouterr().out
    assert "too large to print" in out
    want = cr.derivative(lambda x: x**x, 10)(2.0)
    assert f"f⁽¹⁰⁾(2) = {want:.10g}" in out


def test_cli_high_order_agrees_with_sympy(capsys):
    sympy = pytest.importorskip("sympy")
    x = sympy.Symbol("x")
    assert main(["x^x", "--order", "5", "--at", "x=2", "--json"]) == 0
    import json
    got = json.loads(capsys.readouterr().out)["derivative_values"]["x"]
    assert math.isclose(got, float(sympy.diff(x**x, x, 5).subs(x, 2)), rel_tol=1e-12)


def _chain(n):
    x = cr.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0
    return y


def test_graph_text_is_linear_in_the_chain_length():
    small, big = (len(cr.graph(_chain(n)).to_text()) for n in (500, 5000))
    ops = 2 * 5000
    assert big <= 300 * ops                # bounded characters per node
    assert big <= 12 * small               # 10 times the nodes, about 10 times the text


def test_graph_text_of_a_deep_chain_continues_in_blocks():
    text = cr.graph(_chain(40)).to_text()
    lines = text.splitlines()
    assert max(len(ln) for ln in lines) < 160
    refs = [ln for ln in lines if "(inputs at @" in ln]
    assert refs
    label = refs[0].split("(inputs at ")[1].split(" ")[0]
    assert any(ln.startswith(label + " ") for ln in lines)


def test_small_graph_text_is_unchanged():
    x = cr.tensor(2.0, requires_grad=True)
    y = cr.tensor(3.0, requires_grad=True)
    assert cr.graph(x * y, names={"x": x, "y": y}).to_text() == (
        "mul = 6  (grad 1)\n├── [∂ 3] x = 2  (grad 3)\n└── [∂ 2] y = 3  (grad 2)")
