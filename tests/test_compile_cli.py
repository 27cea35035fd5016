"""The CLI's ``--code``: the derivative program cr.compile generates for an expression."""

from __future__ import annotations

import contextlib
import io
import math

import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.compiler import expression_program
from chainrule.text.parser import parse

TUTORIAL = "5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5"

TUTORIAL_CODE = '''\
def grad_of_f(x):
    try:
        t4 = x ** 3.0 if x else _bail()
        t7 = x ** 2.0 if x else _bail()
        t13 = 2.0 * x
        t13 = 7.0 * t13
        t13 = 9.0 + t13
        t7 = 3.0 * t7
        t7 = 3.0 * t7
        t7 = t13 + t7
        t4 = 4.0 * t4
        t4 = 5.0 * t4
        dx = t7 + t4
        return dx
    except (ArithmeticError, ValueError, Bail):
        # a value the float code above does not cover: the rows' own impls
        return grad_of_f_exact(x)
'''


def run(*argv: str) -> tuple:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_code_prints_the_tutorials_derivative_program():
    assert run(TUTORIAL, "--code") == (0, TUTORIAL_CODE, "")
    # Without an expression: the tutorial's, as everywhere in the CLI.
    assert run("--code") == (0, TUTORIAL_CODE, "")


def test_code_names_each_partial_after_its_variable():
    code, out, _ = run("x*y^2 + sin(x)", "--code")
    assert code == 0
    assert out.startswith("def grad_of_f(x, y):")
    assert "dx = " in out and "dy = " in out and "return (dx, dy,)" in out
    assert "math.cos(x)" in out


def test_code_of_a_higher_order_derivative_is_a_taylor_program():
    code, out, _ = run("x*sin(x)", "--order", "3", "--code")
    assert code == 0 and out.startswith("def derivative3_of_f(x):")
    program = expression_program(parse("x*sin(x)"), ["x"], ["x"], order=3)
    assert program.source == out
    for x in (0.5, 2.0):   # the third derivative of x sin x is -3 sin x - x cos x
        assert program(x) == pytest.approx(-3 * math.sin(x) - x * math.cos(x), rel=1e-12)


def test_code_with_a_higher_order_and_two_variables_says_what_to_do():
    code, out, err = run("x*y", "--order", "2", "--code")
    assert code == 2 and out == ""
    assert "--code with --order 2 needs an expression of one variable, got 2 (x, y)" in err
    assert "--order 1" in err


def test_code_is_in_the_help():
    code, out, _ = run("--help")
    assert code == 0 and "--code" in out


@pytest.mark.parametrize("x", [2.0, -1.5])
def test_the_printed_program_computes_the_derivative(x):
    # Traced at the point (--at) or not, the program is the same, and it gives f'(x).
    assert run(TUTORIAL, "--code", "--at", f"x={x}") == (0, TUTORIAL_CODE, "")
    program = expression_program(parse(TUTORIAL), ["x"], ["x"])
    assert program(x) == 20 * x**3 + 9 * x**2 + 14 * x + 9 == cr.grad(
        lambda t: 5*t**4 + 3*t**3 + 7*t**2 + 9*t - 5)(x)


def test_code_names_the_partials_in_the_order_asked_for():
    code, out, _ = run("x*y*z", "--wrt", "z,x", "--code")
    assert code == 0 and "return (dz, dx,)" in out
    # Without the CLI's names a program of several outputs does not guess which is which
    # (cr.grad(f, argnums=(1, 0)) returns d/dy first).
    c = cr.compile(cr.grad(lambda x, y: x * y * y, argnums=(1, 0)))
    assert c(2.0, 3.0) == (12.0, 9.0) and "return (out0, out1,)" in c.source
