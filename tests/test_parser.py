"""The safe parser: what it accepts, and a table of attacks and mistakes, each a ParseError
with a one-line message that names the problem and its column."""

from __future__ import annotations

import builtins
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import ops as P
from chainrule.text.parser import MAX_DEPTH, MAX_LENGTH, ParseError, functions, parse

# ----------------------------------------------------------------------------------------
# Accepted: Python syntax and the way people write maths. Checked by value, not by string.

ACCEPTED = [
    ("5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5", lambda x: 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5),
    ("5x^4 + 3x^3 + 7x^2 + 9x - 5", lambda x: 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5),
    ("2 sin(x)", lambda x: 2 * math.sin(x)),
    ("2sin(x)cos(x)", lambda x: 2 * math.sin(x) * math.cos(x)),
    ("x^2^3", lambda x: x ** (2 ** 3)),           # right-associative
    ("-x^2", lambda x: -(x ** 2)),                 # power binds tighter than minus
    ("2^-x", lambda x: 2 ** -x),
    ("(x+1)(x-1)", lambda x: (x + 1) * (x - 1)),
    ("3(x+1)", lambda x: 3 * (x + 1)),
    ("2x(x+1)", lambda x: 2 * x * (x + 1)),
    ("pi(x + 1)", lambda x: math.pi * (x + 1)),
    ("1/2x", lambda x: x / 2),                     # like Python: (1/2)*x
    ("x/2/4", lambda x: x / 8),
    ("e^x + pi", lambda x: math.exp(x) + math.pi),
    ("2e3x", lambda x: 2000 * x),
    ("2e", lambda x: 2 * math.e),
    (".5x + 1.25", lambda x: 0.5 * x + 1.25),
    ("ln(x) + log(x)", lambda x: 2 * math.log(x)),
    ("sqrt(x)^3", lambda x: math.sqrt(x) ** 3),
    ("--x", lambda x: x),
    ("+x", lambda x: x),
    ("3x²", lambda x: 3 * x ** 2),
    ("2×x − 1", lambda x: 2 * x - 1),
    ("π·x", lambda x: math.pi * x),
    ("sigmoid(x)", lambda x: 1 / (1 + math.exp(-x))),
    ("softplus(x)", lambda x: math.log(1 + math.exp(x))),
    ("relu(x - 1)", lambda x: max(x - 1, 0.0)),
    ("log1p(x)", lambda x: math.log1p(x)),
    ("  x  *  x  ", lambda x: x * x),
    ("9**9", lambda x: 387420489.0),
]


@pytest.mark.parametrize("text,f", ACCEPTED)
def test_accepted_syntax(text, f):
    e = parse(text)
    for x in (0.7, 1.9):
        got = e.evaluate({"x": x}) if e.free_symbols() else e.evaluate({})
        assert got == pytest.approx(f(x), rel=1e-12)


def test_tutorial_both_notations_give_one_expression():
    a = parse("5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5")
    b = parse("5x^4 + 3x^3 + 7x^2 + 9x - 5")
    assert str(a) == str(b) == "5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5"


def test_names_are_variables_and_multi_letter_names_stay_whole():
    assert parse("alpha*x + y_2").free_symbols() == ["alpha", "x", "y_2"]
    assert parse("xy").free_symbols() == ["xy"]


def test_every_allowed_function_evaluates_like_its_row(rng):
    names = functions()
    assert {"sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "abs"} <= set(names)
    for name, arity in names.items():
        row = P.TABLE.get(name)
        if row is None:
            continue
        text = f"{name}({', '.join(['x', 'y'][:arity])})"
        e = parse(text)
        # A point inside the row's own test domain (arccosh needs x > 1, ...).
        sample_args = row.domain(rng)[0][0] if row.domain is not None else (0.5, 0.7)
        x, y = (float(np.ravel(a)[0]) for a in (list(sample_args) + [0.5])[:2])
        try:
            want = row.impl(*[x, y][:arity])
        except ImportError:
            continue   # a row whose values need SciPy, which is absent here
        assert e.evaluate({"x": x, "y": y}) == pytest.approx(float(want), rel=1e-12), name


def test_function_names_come_from_the_table():
    # Every unary/binary elementwise row that has a symbolic derivative is allowed,
    # except the operator rows, which have their own syntax.
    for name, prim in P.TABLE.items():
        if prim.partials is None or prim.variadic or name in (
                "add", "sub", "mul", "div", "neg", "pow", "where", "maximum", "minimum"):
            continue
        if name in functions():
            assert functions()[name] == len(prim.partials)


def test_long_sums_are_built_shallow():
    text = "+".join(["x"] * 900)
    assert len(text) < MAX_LENGTH
    e = parse(text)
    assert str(cr.diff(e, "x")) == "900"
    assert e.evaluate({"x": 1.0}) == 900.0


def test_parser_never_calls_eval_exec_or_compile(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec/compile was called")

    for name in ("eval", "exec", "compile", "__import__"):
        if name != "__import__":
            monkeypatch.setattr(builtins, name, forbidden)
    for text, _ in ACCEPTED:
        parse(text)
    with pytest.raises(ParseError):
        parse("__import__('os').system('echo hi')")


# ----------------------------------------------------------------------------------------
# Rejected: each a ParseError (a ValueError) with a one-line message and a column.

REJECTED = [  # (text, part of the message, column)
    ("__import__('os')", "may not start with '_'", 1),
    ("__import__('os').system('ls')", "may not start with '_'", 1),
    ("x.real", "attribute access", 2),
    ("os.system('ls')", "attribute access", 3),
    ("(1).__class__", "attribute access", 4),
    ("lambda x: x", "lambdas are not allowed", 1),
    ("[x for x in y]", "brackets", 1),
    ("sum(x for x in y)", "comprehensions are not allowed", 7),
    ("{x: 1}", "braces", 1),
    ("'abc'", "strings are not allowed", 1),
    ('"x"', "strings are not allowed", 1),
    ("exec('import os')", "strings are not allowed", 6),
    ("eval(x)", "unknown function 'eval'", 1),
    ("getattr(x, y)", "unknown function 'getattr'", 1),
    ("x if y else z", "conditional expressions are not allowed", 3),
    ("＿＿import＿＿('os')", "reads as '__import__'", 1),
    ("ｓｉｎ(x)", "reads as 'sin'", 1),
    ("sіn(x)", "not plain ASCII", 1),             # Cyrillic і
    ("x\u200b+1", "U+200B", 2),                    # zero-width space
    ("٣x", "not plain ASCII", 1),                   # Arabic-Indic digit
    ("9**9**9", "too large", 2),
    ("10^400", "too large", 3),
    ("1e999", "too large", 1),
    ("2**10000", "too large", 2),
    ("2^1023*2^1023*x", "too large", None),
    ("x + 1e308*10", "too large", None),
    ("sine(x)", "unknown function 'sine' at column 1; did you mean 'sin'?", 1),
    ("sin(x, y)", "sin() takes 1 argument but 2 were given", 1),
    ("arctan2(x)", "arctan2() takes 2 arguments but 1 were given", 1),
    ("sin()", "takes 1 argument but 0", 1),
    ("sin x", "needs parentheses", 1),
    ("f(x)", "unknown function 'f'", 1),
    ("2*ab(x)", "unknown function 'ab'", 3),
    ("x +", "ends too early", None),
    ("x**", "ends too early", None),
    ("(x + 1", "never closed", 1),
    ("x + 1)", "unmatched ')'", 6),
    ("()", "empty parentheses", 1),
    ("2 3", "missing operator", 3),
    ("x // 2", "floor division", 3),
    ("x % 2", "remainder", 3),
    ("x == 1", "'=' is not allowed", 3),
    ("x = 1", "'=' is not allowed", 3),
    ("x < 1", "comparisons are not allowed", 3),
    ("x @ y", "matrix product", 3),
    ("x; y", "';' is not allowed", 2),
    ("x * / y", "followed by another operator", 5),
    ("x, y", "outside a function call", 2),
    ("", "empty", None),
    ("   ", "empty", None),
    ("x\x00", "NUL", 2),
    ("1.2.3", "malformed number", 1),
]


@pytest.mark.parametrize("text,fragment,column", REJECTED)
def test_rejected_with_a_clear_one_line_message(text, fragment, column):
    with pytest.raises(ParseError) as info:
        parse(text)
    err = info.value
    assert isinstance(err, ValueError)
    assert fragment in err.message
    assert str(err) == err.message and "\n" not in err.message
    assert err.column == column
    if column is not None:
        assert f"at column {column}" in err.message
    assert err.text == text


def test_unknown_function_suggestion_attribute():
    with pytest.raises(ParseError) as info:
        parse("2*sine(x) + 1")
    assert info.value.suggestion == "sin"
    assert info.value.column == 3
    assert info.value.caret() == "2*sine(x) + 1\n  ^"
    with pytest.raises(ParseError) as info:
        parse("tanhh(x)")
    assert info.value.suggestion == "tanh"


def test_deep_nesting_is_a_parse_error_not_a_recursion_error():
    for text in ["(" * 500 + "x" + ")" * 500, "-" * 900 + "x", "x" + "^x" * 400,
                 "sin(" * 300 + "x" + ")" * 300]:
        with pytest.raises(ParseError, match="nested too deeply"):
            parse(text)
    ok = "(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1)
    assert str(parse(ok)) == "x"


def test_very_long_input_is_refused_before_any_work():
    text = "x+" * 50_000 + "x"
    with pytest.raises(ParseError, match=f"too long .*limit is {MAX_LENGTH}"):
        parse(text)


def test_huge_constants_are_floats_never_exact_integers():
    # 9**9 is exact as a float; 9**9**9 would take gigabytes as an integer.
    assert parse("9**9").evaluate({}) == 387420489.0
    assert isinstance(parse("2**62").evaluate({}), float)
    assert parse("1e308").evaluate({}) == 1e308


def test_non_string_input():
    with pytest.raises(TypeError, match="needs a string"):
        parse(b"x + 1")


def test_parse_result_differentiates():
    assert str(cr.diff(parse("x^3 - 2x"), "x")) == "3*x**2 - 2"
    np.testing.assert_allclose(parse("sin(x)").evaluate({"x": np.array([0.0, np.pi / 2])}),
                               [0.0, 1.0], atol=1e-15)


# ----------------------------------------------------------------------------------------
# Fuzz: any text either parses (and then differentiates and prints) or is a ParseError.

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = ["x", "y", "2", "0.5", "e", "pi", "sin(", "exp(", "log(", "sqrt(", "hypot(", "(",
           ")", "+", "-", "*", "/", "^", "**", ",", " ", ".", "'", "_", "[", "=", "1e", "9",
           "²", "−", "＿", "а", "\x00", "lambda ", "__import__"]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join),
                 st.text(max_size=40)))
def test_fuzz_parse_never_crashes(text):
    try:
        e = parse(text)
    except ParseError as err:
        assert err.message and "\n" not in err.message
        return
    for v in e.free_symbols() or ["x"]:
        d = cr.diff(e, v)
        assert isinstance(str(d), str) and isinstance(d.to_latex(), str)
