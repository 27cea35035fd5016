"""diff and explain without a variable: the expression's only variable, named in the output;
several variables and none given is an error that lists them."""

from __future__ import annotations

import pytest

import chainrule as cr
from chainrule.cli import main


def test_diff_uses_the_only_variable():
    assert str(cr.diff("sin(t)")) == "cos(t)"
    assert str(cr.diff("sin(t)", n=2)) == "-sin(t)"
    assert str(cr.diff(cr.symbol("u") ** 3)) == "3*u**2"


def test_diff_of_a_constant_is_zero():
    assert str(cr.diff("5")) == "0"


def test_diff_with_an_absent_variable_is_zero():
    # Correct mathematics (SymPy and PyTorch agree): sin(t) does not vary with x.
    assert str(cr.diff("sin(t)", "x")) == "0"


def test_diff_with_several_variables_and_none_given_lists_them():
    with pytest.raises(ValueError, match=r"sin\(x\*y\) has the variables x, y; say which to "
                                         r"differentiate by: cr.diff\(expr, 'x'\)"):
        cr.diff("sin(x*y)")


def test_explain_says_which_variable():
    text = cr.explain("sin(t)").to_text()
    assert text.splitlines()[0] == "f(t) = sin(t)"
    assert "d/dt[sin(t)]" in text
    assert text.splitlines()[-1] == "f′(t) = cos(t)"
    assert cr.explain("sin(t)").var == "t"


def test_explain_with_several_variables_and_none_given_lists_them():
    with pytest.raises(ValueError, match=r"has the variables x, y; say which to differentiate "
                                         r"by: cr.explain\(expr, 'x'\)"):
        cr.explain("x*y")


def test_cli_with_one_variable_that_is_not_x(capsys):
    assert main(["sin(t)", "--at", "t=1"]) == 0
    out = capsys.readouterr().out
    assert "f′(t) = cos(t)" in out and "f′(1) = 0.5403023059" in out
