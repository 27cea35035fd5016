"""A safe parser from text to a symbolic :class:`~chainrule.symbolic.Expr`.

The text is never handed to ``eval``, ``exec``, ``compile`` or ``ast``: a small tokenizer
and a precedence-climbing parser accept arithmetic only. Function names come from an
allowlist built from the primitive table (plus a few composites written with its rows);
constants are ``pi`` and ``e``; every other name is a variable. It accepts Python syntax
(``5*x**4``) and the way people write maths (``5x^4``, ``2 sin(x)``, ``^`` is power), with a
textbook's notation: ``ln x`` and ``sin 2x`` (a function applied without parentheses to the
product that follows), ``sin^2(x)`` (``sin(x)^2``), ``sin^-1(x)`` (``arcsin(x)``, the inverse
function, not ``1/sin(x)``; a note says so), ``|x|``, ``√x``, ``∛x``, superscripts (``x²``,
``x⁻¹``), ``log(x, b)`` (base ``b``), ``log10``, ``log2`` and the reciprocal functions
(``sec csc cot sech csch coth`` and their inverses ``arcsec``/``asec``, ...).

Names that look like a function or a product glued together (``sinx``, ``xy``) are variables,
as in every computer algebra system, with a note ("read as the variable 'sinx'; did you mean
sin(x)?") in ``notes`` (or, without it, a :class:`ParseWarning`).

>>> print(parse("5x^4 + 3x^3 - 2 sin(x)"))
5*x**4 + 3*x**3 - 2*sin(x)
"""

from __future__ import annotations

import difflib
import keyword
import math
import unicodedata
import warnings
from typing import Optional

import numpy as np
from .. import ops as P
from ..symbolic import E, PI, Expr, const, symbol
from .functions import (_GREEK, _INVERSE, _OPTIONAL_SECOND, _SHORT_NAMES, _function_table,
                        functions)

__all__ = ["parse", "ParseError", "ParseWarning", "functions", "MAX_LENGTH", "MAX_DEPTH"]

MAX_LENGTH = 2000
MAX_DEPTH = 60


class ParseWarning(UserWarning):
    """A reading of the text that may not be what was meant (``sinx`` read as a variable)."""


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


_CONSTANTS = {"pi": PI, "e": E}
_RESERVED = set(keyword.kwlist) | set(keyword.softkwlist) | {"None", "True", "False"}

# ----------------------------------------------------------------------------------------
# Tokens: (kind, text, column). Kinds: num, name, op, end.

_MATH_SYMBOLS = {"−": "-", "–": "-", "×": "*", "·": "*", "⋅": "*", "÷": "/", "π": "pi",
                 "√": "sqrt", "∛": "cbrt", "|": "|"}
_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                 "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-"}
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
    "&": "'&' is not allowed",
    "~": "'~' is not allowed", ";": "';' is not allowed; write one expression",
    ":": "':' is not allowed (no lambdas or slices)", "\\": "'\\' is not allowed",
    "#": "comments are not allowed", "$": "'$' is not allowed", "?": "'?' is not allowed",
    "`": "'`' is not allowed",
    "∑": "'∑' is not supported; write the sum out with +",
}


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.notes: list = []      # readings the user may not have meant (see parse)
        self.names: dict = {}      # row name -> the user's spelling (ln for log)
        self.bars = 0              # open |...| bars: a "|" inside one closes it
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
                kind = "name" if mapped == "pi" else "root" if mapped in ("sqrt", "cbrt") \
                    else "op"
                tokens.append((kind, mapped, col))
                i += 1
                continue
            if ch in _SUPERSCRIPTS:
                j = i
                while j < n and text[j] in _SUPERSCRIPTS:
                    j += 1
                digits = "".join(_SUPERSCRIPTS[c] for c in text[i:j])
                if not digits.lstrip("-") or digits.count("-") > 1 or "-" in digits[1:]:
                    self.error("a superscript minus '⁻' must come before superscript digits "
                               "(x⁻¹)", col)
                tokens.append(("op", "**", col))
                if digits.startswith("-"):
                    tokens.append(("op", "-", col))
                tokens.append(("num", digits.lstrip("-"), col))
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
        return tok[0] in ("num", "name", "root") or tok[1] == "(" or \
            (tok[1] == "|" and self.bars == 0)

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
                # x^2 2^x is x²·2^x; 2 3 has no reading
                after_power = self.pos >= 2 and self.tokens[self.pos - 2][1] == "**"
                if kind == "num" and prev[0] == "num" and not after_power:
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
        if kind == "root":
            # √x, √(x + 1), √x³ (the root of the power, as written on paper)
            self.enter(col)
            inner = self.power()
            self.depth -= 1
            return _function_table()[text][1](inner)
        if text == "|" and kind == "op":
            self.enter(col)
            self.bars += 1
            inner = self.sum()
            self.bars -= 1
            self.depth -= 1
            if self.peek()[1] != "|":
                if self.peek()[0] == "end":
                    self.error(f"'|' at column {col} is never closed", col)
                self.error(f"expected '|' but found {self.peek()[1]!r}", self.peek()[2])
            self.take()
            return P.abs(inner)
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
            table = _function_table()
            if self.peek()[1] == "(" and not (implicit and text not in table):
                return self.call(text, col)
            if text in _CONSTANTS:
                return _CONSTANTS[text]
            if text in table:
                if self.peek()[1] == "**" and self.peek()[0] == "op":
                    return self.powered_call(text, col)
                if self.starts_bare_argument(self.peek()):
                    return self.bare_call(text, col)
                self.error(f"function '{text}' needs parentheses, e.g. {text}(x)", col)
            self.note_glued(text)
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

    def starts_bare_argument(self, tok: tuple) -> bool:
        """``ln x``, ``sin 2x``, ``sin πx``: a number, a variable or a root follows."""
        return tok[0] in ("num", "root") or (tok[0] == "name" and tok[1] not in
                                              _function_table()) or \
            (tok[1] == "|" and self.bars == 0)

    def bare_call(self, name: str, col: int) -> Expr:
        """A function applied without parentheses to the product that follows it, up to the
        next operator or function: ``sin 2x cos x`` is ``sin(2x)·cos(x)``."""
        self.enter(col)
        factors = [self.power()]
        while self.starts_bare_argument(self.peek()) and self.peek()[0] != "num":
            factors.append(self.power())
        self.depth -= 1
        arg = factors[0]
        for f in factors[1:]:
            arg = arg * f
        return self.apply(name, [arg], col)

    def powered_call(self, name: str, col: int) -> Expr:
        """``sin^2(x)`` is ``sin(x)^2``; ``sin^-1(x)`` is ``arcsin(x)``, the inverse function,
        as textbooks write it (a note says so: it is not ``1/sin(x)``)."""
        self.take()   # "**"
        kind, text, ecol = self.peek()
        negative = text == "-" and kind == "op"
        if negative:
            self.take()
            kind, text, ecol = self.peek()
        if kind != "num":
            self.error(f"after '{name}^' write a whole number and then the argument, e.g. "
                       f"{name}^2(x)", ecol)
        self.take()
        k = float(text)
        if negative and k == 1:
            inverse = _INVERSE.get(name) or _INVERSE.get(_SHORT_NAMES.get(name, ""), "")
            if not inverse:
                self.error(f"'{name}^-1' would be an inverse function, which {name} does not "
                           f"have here; for the reciprocal write 1/{name}(x)", col)
            self.notes.append(f"{name}^-1(...) is read as {inverse}(...), the inverse "
                              f"function (for the reciprocal write 1/{name}(...))")
            return self.argument_of(inverse, col)
        if negative or k != int(k) or k < 1:
            self.error(f"'{name}^{'-' if negative else ''}{text}' is ambiguous; write "
                       f"{name}(x)^{'-' if negative else ''}{text} for a power of {name}", col)
        return self.argument_of(name, col) ** float(k)

    def argument_of(self, name: str, col: int) -> Expr:
        if self.peek()[1] == "(":
            return self.call(name, col)
        if self.starts_bare_argument(self.peek()):
            return self.bare_call(name, col)
        self.error(f"function '{name}' needs an argument, e.g. {name}(x)", col)
        raise AssertionError("unreachable")

    def note_glued(self, name: str) -> None:
        """``sinx`` and ``xy`` are variables (as in every CAS), but say what was probably
        meant."""
        if name in self.names.get("_noted", ()) or len(name) < 2 or not name.isalpha():
            return
        table = _function_table()
        head = next((f for f in sorted(table, key=len, reverse=True)
                     if name.startswith(f) and len(name) > len(f)), None)
        if head is not None and len(name) - len(head) <= 2:
            hint = f"{head}({name[len(head):]})"
        elif len(name) <= 3 and name.islower() and name not in _GREEK:
            hint = "*".join(name)
        else:
            return
        self.names.setdefault("_noted", set()).add(name)
        self.notes.append(f"read as the variable '{name}'; did you mean {hint}?")

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
            # Never "did you mean" another real function for a name that is one elsewhere
            # (csc is not cos): only close misspellings of names nobody uses otherwise.
            close = difflib.get_close_matches(name, sorted(table), n=1, cutoff=0.75)
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
        return self.apply(name, args, col)

    def apply(self, name: str, args: list, col: int) -> Expr:
        arity, fn = _function_table()[name]
        if name in _SHORT_NAMES or name == "ln":
            row = _SHORT_NAMES.get(name, "log")
            self.names[row] = name
        if len(args) == 2 and name in _OPTIONAL_SECOND:
            return _OPTIONAL_SECOND[name](*args)
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


def parse(text: str, *, notes: Optional[list] = None, names: Optional[dict] = None) -> Expr:
    """Parse ``text`` into a symbolic expression, safely (no ``eval``).

    Raises :class:`ParseError` (a ``ValueError``) with a one-line message naming the problem
    and its column. Readings the user may not have meant (``sinx`` read as a variable,
    ``sin^-1`` as ``arcsin``) are appended to ``notes`` if it is given, else warned as
    :class:`ParseWarning`. ``names``, if given, receives the user's spelling of each function
    (``{"log": "ln"}``), for :func:`chainrule.symbolic.spelling` to print formulas with.

    >>> print(parse("2 sin(x)^2 + e^x"))
    2*sin(x)**2 + e**x
    >>> print(parse("sin^2 x + |x| + √x + x⁻¹ + log(x, 2)"))
    sin(x)**2 + abs(x) + sqrt(x) + x**(-1) + log(x)/log(2)
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
    parser = _Parser(text)
    expr = parser.parse()
    if names is not None:
        names.update({k: v for k, v in parser.names.items() if k != "_noted"})
    if notes is not None:
        notes.extend(parser.notes)
    else:
        for note in parser.notes:
            warnings.warn(note, ParseWarning, stacklevel=2)
    return expr

