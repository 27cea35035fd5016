"""The parser's allowlist of functions: the table's unary and binary elementwise rows that
have a symbolic derivative, composites written with rows (sigmoid, relu, ...), and the
textbook's other names for them (asin, ln, cosec) and notations (sin^-1, log(x, b)).

>>> functions()["sec"], functions()["ln"]
(1, 1)
"""

from __future__ import annotations

from typing import Any, Optional

from .. import ops as P
from .. import symbolic
from ..symbolic import Expr, symbol

__all__ = ["functions"]

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
    for short, long in _SHORT_NAMES.items():
        if long in table:
            comp[short] = (len(table[long].partials), table[long])
    return comp


_FUNCTIONS: Optional[dict] = None
# Alternative spellings of inverse functions: the row is the same, the printer keeps the
# user's name (see names= in parse).
_SHORT_NAMES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arcsinh",
                "acosh": "arccosh", "atanh": "arctanh", "asec": "arcsec", "acsc": "arccsc",
                "acot": "arccot", "asech": "arcsech", "acsch": "arccsch", "acoth": "arccoth",
                "cosec": "csc"}
# The inverse of each function that sin^-1(x) may name.
_INVERSE = {f: "arc" + f for f in ("sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh",
                                  "tanh", "sech", "csch", "coth")}
# Functions that take an optional second argument: log(x, b) is the logarithm to base b.
_OPTIONAL_SECOND = {"log": lambda x, b: P.log(x) / P.log(b),
                    "ln": lambda x, b: P.log(x) / P.log(b)}
# Names people use for variables: never "did you mean" a product of letters.
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
          "kappa", "lam", "mu", "nu", "xi", "omicron", "rho", "sigma", "tau", "upsilon", "phi",
          "chi", "psi", "omega"}


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
