"""A safe parser from text to a symbolic :class:`~chainrule.symbolic.Expr`.

The text is never handed to ``eval``, ``exec``, ``compile`` or ``ast``: a small tokenizer
and a precedence-climbing parser accept arithmetic only. Function names come from an
allowlist built from the primitive table (plus a few composites written with its rows);
constants are ``pi`` and ``e``; every other name is a variable. It accepts Python syntax
(``5*x**4``) and the way people write maths (``5x^4``, ``2 sin(x)``, ``^`` is power).

>>> print(parse("5x^4 + 3x^3 - 2 sin(x)"))
5*x**4 + 3*x**3 - 2*sin(x)
"""

from __future__ import annotations

import difflib
import keyword
import math
import unicodedata
from typing import Any, Optional

import numpy as np
from .. import ops as P
from .. import symbolic
from ..symbolic import E, PI, Expr, const, symbol

__all__ = ["parse", "ParseError", "functions", "MAX_LENGTH", "MAX_DEPTH"]

MAX_LENGTH = 2000
MAX_DEPTH = 60


class ParseError(ValueError):
    """A problem in the expression text.

    Attributes: ``message`` (one line, also ``str(err)``), ``column`` (1-based, or None),
    ``text`` (the input) and ``suggestion`` (the name probably meant, or None).

    >>> try:
    ...     parse("sine(x)")
    ... except ParseError as err:
    ...     print(err)
    unknown function 'sine' at column 1; did you mean 'sin'?
    """

    def __init__(self, message: str, column: Optional[int] = None, text: str = "",
                 suggestion: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.column = column
        self.text = text
        self.suggestion = suggestion

    def __str__(self) -> str:
        return self.message

    def caret(self) -> str:
        """The input with a caret under the offending column (two lines), or ``""``."""
        if self.column is None or not self.text or "\n" in self.text or len(self.text) > 200:
            return ""
        return f"{self.text}\n{' ' * (self.column - 1)}^"


# ----------------------------------------------------------------------------------------
# The allowlist: unary and binary elementwise rows of the table, plus composites.

_OPERATOR_ROWS = {"add", "sub", "mul", "div", "neg", "pow", "where", "maximum", "minimum"}


def _sigmoid(x: Expr) -> Expr:
    return 1.0 / (1.0 + P.exp(-x))


def _softplus(x: Expr) -> Expr:
    return P.log(1.0 + P.exp(x))


def _relu(x: Expr) -> Expr:
    return P.where(P.greater(x, 0.0), x, 0.0)


def _composites() -> dict:
    table = P.TABLE
    comp: dict = {"sigmoid": (1, _sigmoid), "softplus": (1, _softplus), "relu": (1, _relu),
                  "ln": (1, P.log), "sign": (1, P.sign)}
    if "log1p" not in table:
        comp["log1p"] = (1, lambda x: P.log(1.0 + x))
    if "log10" not in table:
        comp["log10"] = (1, lambda x: P.log(x) / P.log(10.0))
    if "log2" not in table:
        comp["log2"] = (1, lambda x: P.log(x) / P.log(2.0))
    if "expm1" not in table:
        comp["expm1"] = (1, lambda x: P.exp(x) - 1.0)
    for short, long in (("asin", "arcsin"), ("acos", "arccos"), ("atan", "arctan"),
                        ("asinh", "arcsinh"), ("acosh", "arccosh"), ("atanh", "arctanh")):
        if long in table:
            comp[short] = (len(table[long].partials), table[long])
    return comp


_FUNCTIONS: Optional[dict] = None


def functions() -> dict:
    """Allowed function names -> number of arguments (built once from the table).

    >>> functions()["sin"], functions()["sigmoid"]
    (1, 1)
    """
    return {k: n for k, (n, f) in _function_table().items()}


def _function_table() -> dict:
    global _FUNCTIONS
    if _FUNCTIONS is None:
        found: dict = {}
        for name, prim in P.TABLE.items():
            if (prim.partials is None or prim.variadic or name in _OPERATOR_ROWS
                    or not name.isidentifier() or not name.isascii()
                    or len(prim.partials) not in (1, 2)):
                continue
            if _differentiates(prim, len(prim.partials)):
                found[name] = (len(prim.partials), prim)
        found.update(_composites())
        _FUNCTIONS = found
    return _FUNCTIONS


def _differentiates(prim: Any, arity: int) -> bool:
    """Whether the row's rules give a symbolic formula (rows whose derivative looks at
    values, such as fmax's tie split, are left out: they have no single formula)."""
    args = [symbol(n) for n in ("x", "y")[:arity]]
    try:
        for a in args:
            symbolic.diff(prim(*args), a.name)
    except (ValueError, TypeError):
        return False
    return True


_CONSTANTS = {"pi": PI, "e": E}
_RESERVED = set(keyword.kwlist) | set(keyword.softkwlist) | {"None", "True", "False"}

# ----------------------------------------------------------------------------------------
# Tokens: (kind, text, column). Kinds: num, name, op, end.

_MATH_SYMBOLS = {"−": "-", "–": "-", "×": "*", "·": "*", "⋅": "*", "÷": "/", "π": "pi"}
_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                 "⁷": "7", "⁸": "8", "⁹": "9"}
_FORBIDDEN = {
    "'": "strings are not allowed", '"': "strings are not allowed",
    "[": "brackets '[' are not allowed (no lists or indexing); use parentheses",
    "]": "brackets ']' are not allowed; use parentheses",
    "{": "braces '{' are not allowed; use parentheses",
    "}": "braces '}' are not allowed; use parentheses",
    "=": "'=' is not allowed; write an expression, not an equation or assignment",
    "<": "comparisons are not allowed", ">": "comparisons are not allowed",
    "!": "'!' is not allowed (no factorials or comparisons)",
    "%": "'%' (remainder) is not supported", "@": "'@' (matrix product) is not supported",
    "&": "'&' is not allowed", "|": "'|' is not allowed; write abs(x)",
    "~": "'~' is not allowed", ";": "';' is not allowed; write one expression",
    ":": "':' is not allowed (no lambdas or slices)", "\\": "'\\' is not allowed",
    "#": "comments are not allowed", "$": "'$' is not allowed", "?": "'?' is not allowed",
    "`": "'`' is not allowed", "√": "'√' is not supported; write sqrt(x)",
    "∑": "'∑' is not supported; write the sum out with +",
}


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = self.tokenize(text)
        self.pos = 0
        self.depth = 0

    def error(self, message: str, column: Optional[int], suggestion: Optional[str] = None):
        if column is not None and "column" not in message:
            # "<problem> at column N; <what to do>"
            head, sep, tail = message.partition("; ")
            message = f"{head} at column {column}{sep}{tail}"
        raise ParseError(message, column, self.text, suggestion)

    # -- tokenizer -----------------------------------------------------------------------
    def tokenize(self, text: str) -> list:
        tokens = []
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            col = i + 1
            if ch.isspace():
                i += 1
                continue
            if ch in _MATH_SYMBOLS:
                mapped = _MATH_SYMBOLS[ch]
                tokens.append(("name" if mapped == "pi" else "op", mapped, col))
                i += 1
                continue
            if ch in _SUPERSCRIPTS:
                j = i
                while j < n and text[j] in _SUPERSCRIPTS:
                    j += 1
                tokens.append(("op", "**", col))
                tokens.append(("num", "".join(_SUPERSCRIPTS[c] for c in text[i:j]), col))
                i = j
                continue
            if ch.isascii() and (ch.isdigit() or (ch == "." and i + 1 < n
                                                  and text[i + 1].isascii()
                                                  and text[i + 1].isdigit())):
                j = i
                while j < n and text[j].isascii() and (text[j].isdigit() or text[j] == "."):
                    j += 1
                if j < n and text[j] in "eE":
                    k = j + 1
                    if k < n and text[k] in "+-":
                        k += 1
                    if k < n and text[k].isascii() and text[k].isdigit():
                        while k < n and text[k].isascii() and text[k].isdigit():
                            k += 1
                        j = k
                tokens.append(("num", text[i:j], col))
                i = j
                continue
            if (ch.isascii() and (ch == "_" or ch.isalpha())) or \
                    (not ch.isascii() and _identifier_like(ch)):
                j = i
                while j < n and ((text[j].isascii() and (text[j] == "_" or text[j].isalnum()))
                                 or (not text[j].isascii() and _identifier_like(text[j]))):
                    j += 1
                tokens.append(("name", self.check_name(text[i:j], col), col))
                i = j
                continue
            if ch == "*" and text[i + 1:i + 2] == "*":
                tokens.append(("op", "**", col))
                i += 2
                continue
            if ch == "/" and text[i + 1:i + 2] == "/":
                self.error("floor division '//' is not supported; use '/'", col)
            if ch in "+-*/^(),":
                tokens.append(("op", "**" if ch == "^" else ch, col))
                i += 1
                continue
            if ch == ".":
                self.error("attribute access ('.') is not allowed", col)
            if ch in _FORBIDDEN:
                self.error(_FORBIDDEN[ch], col)
            shown = ch if ch.isprintable() and ch.isascii() else f"U+{ord(ch):04X}"
            self.error(f"unexpected character {shown!r}", col)
        tokens.append(("end", "", len(text) + 1))
        return tokens

    def check_name(self, raw: str, col: int) -> str:
        normal = unicodedata.normalize("NFKC", raw)
        if not raw.isascii():
            hint = f" (it reads as {normal!r} after Unicode normalisation)" \
                if normal != raw and normal.isascii() else ""
            self.error(f"name {raw!r} is not plain ASCII{hint}; write names with the letters "
                       "a-z, A-Z, digits and '_'", col)
        if raw.startswith("_"):
            self.error(f"names may not start with '_' (got {raw!r})", col)
        if raw in _RESERVED:
            what = "lambdas are" if raw == "lambda" else \
                "comprehensions are" if raw in ("for", "in", "async") else \
                "conditional expressions are" if raw in ("if", "else") else \
                f"the Python keyword {raw!r} is"
            self.error(f"{what} not allowed; write an arithmetic expression", col)
        return raw

    # -- grammar -------------------------------------------------------------------------
    def peek(self) -> tuple:
        return self.tokens[self.pos]

    def take(self) -> tuple:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def enter(self, col: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.error(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)",
                       col)

    def parse(self) -> Expr:
        if self.peek()[0] == "end":
            self.error("the expression is empty; write one such as 'x**2'", None)
        e = self.sum()
        kind, text, col = self.peek()
        if kind != "end":
            if text == ")":
                self.error("unmatched ')'", col)
            if text == ",":
                self.error("unexpected ',' outside a function call", col)
            self.error(f"unexpected {text!r}", col)
        self.check_overflow(e)
        return e

    def check_overflow(self, e: Expr) -> None:
        """Arithmetic on finite numbers that was left unfolded overflowed (1e308*10)."""
        from ..symbolic._base import _postorder
        for node in _postorder(e):
            if node.prim is not None and node.prim.name in ("add", "sub", "mul", "pow") and \
                    all(a.is_number and np.all(np.isfinite(a.value)) for a in node.args):
                self.error(f"a constant is too large: {node} overflows a 64-bit float", None)

    def sum(self) -> Expr:
        terms = [self.product()]
        signs = [1]
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            signs.append(1 if self.take()[1] == "+" else -1)
            terms.append(self.product())
        return _balanced(terms, signs, add=True)

    def starts_atom(self, tok: tuple) -> bool:
        return tok[0] in ("num", "name") or tok[1] == "("

    def product(self) -> Expr:
        factors = [self.unary()]
        ops = [1]
        while True:
            kind, text, col = self.peek()
            if kind == "op" and text in ("*", "/"):
                self.take()
                if self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
                    self.error(f"'{text}' is followed by another operator", self.peek()[2])
                ops.append(1 if text == "*" else -1)
                factors.append(self.unary())
            elif self.starts_atom(self.peek()):
                # Implicit multiplication: 5x, 2 sin(x), (x+1)(x-1); never number number.
                prev = self.tokens[self.pos - 1]
                if kind == "num" and prev[0] == "num":
                    self.error(f"missing operator between {prev[1]!r} and {text!r}", col)
                ops.append(1)
                factors.append(self.unary())
            else:
                return _balanced(factors, ops, add=False)

    def unary(self) -> Expr:
        kind, text, col = self.peek()
        if kind == "op" and text in ("+", "-"):
            self.take()
            self.enter(col)
            operand = self.unary()
            self.depth -= 1
            return -operand if text == "-" else operand
        return self.power()

    def power(self) -> Expr:
        base = self.atom()
        kind, text, col = self.peek()
        if kind == "op" and text == "**":
            self.take()
            self.enter(col)
            exponent = self.unary()     # right-associative, and 2^-1 works
            self.depth -= 1
            return self.checked_pow(base, exponent, col)
        return base

    def checked_pow(self, base: Expr, exponent: Expr, col: int) -> Expr:
        result = base ** exponent
        # Constants are floats, never exact integers: 9**9**9 overflows instead of eating
        # memory, and says so here rather than as an inf later.
        if base.is_number and exponent.is_number and not result.is_number:
            if math.isfinite(base.value) and math.isfinite(exponent.value):
                try:
                    math.pow(base.value, exponent.value)
                except OverflowError:
                    self.error("the number is too large: this power overflows a 64-bit "
                               "float", col)
                except ValueError:
                    pass
        return result

    def atom(self) -> Expr:
        kind, text, col = self.take()
        if kind == "num":
            if text.count(".") > 1:
                self.error(f"malformed number {text!r}", col)
            value = float(text)
            if not math.isfinite(value):
                self.error(f"the number {text[:20]!r} is too large for a 64-bit float", col)
            return const(value)
        if kind == "name":
            # x(x + 1) and pi(r + 1) multiply, as on paper; a longer unknown name, or f, g, h
            # (conventional function names), before "(" is an unknown function.
            implicit = text in _CONSTANTS or (len(text) == 1 and text not in "fgh")
            if self.peek()[1] == "(" and not (implicit and text not in _function_table()):
                return self.call(text, col)
            if text in _CONSTANTS:
                return _CONSTANTS[text]
            if text in _function_table():
                self.error(f"function '{text}' needs parentheses, e.g. {text}(x)", col)
            return symbol(text)
        if text == "(":
            self.enter(col)
            if self.peek()[1] == ")":
                self.error("empty parentheses '()'", col)
            inner = self.sum()
            self.depth -= 1
            self.expect(")", col)
            return inner
        if kind == "end":
            self.error("the expression ends too early: an operand is missing", None)
        if text == ")":
            self.error("unexpected ')': an operand is missing", col)
        self.error(f"unexpected {text!r}: an operand is missing", col)
        raise AssertionError("unreachable")

    def expect(self, closing: str, open_col: int) -> None:
        kind, text, col = self.peek()
        if text != closing:
            if kind == "end":
                self.error(f"'(' at column {open_col} is never closed", open_col)
            self.error(f"expected '{closing}' but found {text!r}", col)
        self.take()

    def call(self, name: str, col: int) -> Expr:
        table = _function_table()
        if name not in table:
            close = difflib.get_close_matches(name, sorted(table), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else \
                f"; to multiply, write {name}*(...)" if len(name) <= 2 else ""
            raise ParseError(f"unknown function '{name}' at column {col}{hint}", col, self.text,
                             close[0] if close else None)
        arity, fn = table[name]
        paren = self.take()[2]  # "(": an unclosed one is reported at its own column
        self.enter(col)
        args = []
        if self.peek()[1] != ")":
            args.append(self.sum())
            while self.peek()[1] == ",":
                self.take()
                args.append(self.sum())
        self.depth -= 1
        self.expect(")", paren)
        if len(args) != arity:
            plural = "argument" if arity == 1 else "arguments"
            self.error(f"{name}() takes {arity} {plural} but {len(args)} were given", col)
        return fn(*args)


def _identifier_like(ch: str) -> bool:
    """Non-ASCII characters that look like parts of a name (letters, fullwidth '_', ...):
    they are read as one name so the error can say what they are."""
    if ch in _SUPERSCRIPTS or ch in _MATH_SYMBOLS:
        return False
    cat = unicodedata.category(ch)
    return cat[0] in "LN" or cat in ("Pc", "Mn", "Mc") or \
        unicodedata.normalize("NFKC", ch) == "_"


def _balanced(items: list, signs: list, add: bool) -> Expr:
    """Combine ``items`` with + - (or * /) as a balanced tree: a long input such as
    x+x+...+x stays shallow, so nothing later recurses thousands of levels deep."""
    parts = [(s, e) for s, e in zip(signs, items)]
    if len(parts) <= 16:    # short chains keep the user's left-to-right shape
        out = items[0]
        for s, e in parts[1:]:
            out = (out + e if s == 1 else out - e) if add else (out * e if s == 1 else out / e)
        return out

    def combine(lo: int, hi: int) -> tuple:
        if hi - lo == 1:
            return parts[lo]
        mid = (lo + hi) // 2
        (s1, a), (s2, b) = combine(lo, mid), combine(mid, hi)
        if add:
            if s1 == s2:
                return s1, a + b
            return s1, a - b
        if s1 == s2:
            return s1, a * b
        return s1, a / b

    sign, e = combine(0, len(parts))
    if sign == 1:
        return e
    return -e if add else 1.0 / e


def parse(text: str) -> Expr:
    """Parse ``text`` into a symbolic expression, safely (no ``eval``).

    Raises :class:`ParseError` (a ``ValueError``) with a one-line message naming the problem
    and its column.

    >>> print(parse("2 sin(x)^2 + e^x"))
    2*sin(x)**2 + e**x
    """
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a string; got {type(text).__name__}.")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the expression is too long ({len(text)} characters; the limit is "
                         f"{MAX_LENGTH})", None, text[:100] + "...", None)
    if "\x00" in text:
        col = text.index("\x00") + 1
        raise ParseError(f"the expression contains a NUL character at column {col}", col,
                         text, None)
    return _Parser(text).parse()

