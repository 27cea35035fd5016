"""The reciprocal trigonometric and hyperbolic functions and their inverses (``sec``, ``csc``,
``cot``, ``sech``, ``csch``, ``coth``, ``arcsec``, ...): the functions textbooks write, as
elementwise rows of their own so that formulas print the textbook's names and derivatives.

>>> from chainrule import ops
>>> round(ops.sec(0.5) * __import__("math").cos(0.5), 12)
1.0
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..core import is_foreign
from ._build import _dom_unary, real_only, through_namespace
from .elementwise import abs, div, elementwise, sqrt, tan, tanh  # noqa: A004

__all__ = ["sec", "csc", "cot", "sech", "csch", "coth",
           "arcsec", "arccsc", "arccot", "arcsech", "arccsch", "arccoth"]


# The reciprocal trigonometric and hyperbolic functions and their inverses: rows (not
# composites such as 1/cos(x)) so that formulas print the textbook's names and derivatives
# (sec'(x) = sec(x)·tan(x), not sin(x)/cos(x)²), and the CLI reads what a textbook writes.
# Inverses follow SymPy's conventions: arccot(x) = arctan(1/x), arcsec(x) = arccos(1/x), ...


_API_NAMES = {"arccos": "acos", "arcsin": "asin", "arctan": "atan", "arccosh": "acosh",
              "arcsinh": "asinh", "arctanh": "atanh"}


def _in_namespace(np_fn: Callable) -> Callable:
    """``np_fn`` in a foreign array's own namespace (its Array API name)."""
    return through_namespace(np_fn, _API_NAMES.get(np_fn.__name__))


def _recip_impl(math_fn: Callable, np_fn: Callable) -> Callable:
    foreign_fn = _in_namespace(np_fn)

    def impl(x):
        if type(x) is not float and type(x) is not np.ndarray and is_foreign(x):
            return 1.0 / foreign_fn(x)   # (the Array API has no reciprocal)
        if type(x) is float:
            try:
                v = math_fn(x)
                if v != 0.0:
                    return 1.0 / v
            except (ValueError, OverflowError):
                pass
        return np.reciprocal(np_fn(np.asarray(x, dtype=float) if isinstance(x, (int, float))
                                   else x))

    impl.__name__ = "reciprocal_" + np_fn.__name__
    return impl


def _of_reciprocal(math_fn: Callable, np_fn: Callable) -> Callable:
    foreign_fn = _in_namespace(np_fn)

    def impl(x):
        if type(x) is not float and type(x) is not np.ndarray and is_foreign(x):
            return foreign_fn(1.0 / x)
        if type(x) is float and x != 0.0:
            try:
                return math_fn(1.0 / x)
            except (ValueError, OverflowError):
                pass
        return np_fn(np.reciprocal(np.asarray(x, dtype=float) if isinstance(x, (int, float))
                                   else x))

    impl.__name__ = np_fn.__name__ + "_of_reciprocal"
    return impl


def _latex(name: str) -> dict:
    known = ("sec", "csc", "cot", "coth")
    return {"latex": f"\\{name}" if name in known else f"\\operatorname{{{name}}}"}


sec = elementwise("sec", _recip_impl(math.cos, np.cos), [lambda out, x: out * tan(x)],
                  display=_latex("sec"), domain=_dom_unary(-1.2, 1.2))
csc = elementwise("csc", _recip_impl(math.sin, np.sin), [lambda out, x: -(out * cot(x))],
                  display=_latex("csc"), domain=_dom_unary(0.3, 2.8))
cot = elementwise("cot", _recip_impl(math.tan, np.tan), [lambda out, x: -(csc(x) * csc(x))],
                  display=_latex("cot"), domain=_dom_unary(0.3, 2.8))
sech = elementwise("sech", _recip_impl(math.cosh, np.cosh),
                   [lambda out, x: -(out * tanh(x))], display=_latex("sech"),
                   domain=_dom_unary(-2, 2))
csch = elementwise("csch", _recip_impl(math.sinh, np.sinh),
                   [lambda out, x: -(out * coth(x))], display=_latex("csch"),
                   domain=_dom_unary(0.3, 2))
coth = elementwise("coth", _recip_impl(math.tanh, np.tanh),
                   [lambda out, x: -(csch(x) * csch(x))], display=_latex("coth"),
                   domain=_dom_unary(0.3, 2))
arcsec = elementwise("arcsec", _of_reciprocal(math.acos, np.arccos),
                     [lambda out, x: div(1.0, abs(x) * sqrt(x * x - 1.0))],
                     display=_latex("arcsec"), domain=_dom_unary(1.2, 3))
arccsc = elementwise("arccsc", _of_reciprocal(math.asin, np.arcsin),
                     [lambda out, x: div(-1.0, abs(x) * sqrt(x * x - 1.0))],
                     display=_latex("arccsc"), domain=_dom_unary(1.2, 3))
arccot = elementwise("arccot", _of_reciprocal(math.atan, np.arctan),
                     [lambda out, x: div(-1.0, 1.0 + x * x)],
                     display=_latex("arccot"), domain=_dom_unary(0.3, 2))
arcsech = elementwise("arcsech", _of_reciprocal(math.acosh, np.arccosh),
                      [lambda out, x: div(-1.0, x * sqrt(1.0 - x * x))],
                      display=_latex("arcsech"), domain=_dom_unary(0.2, 0.8))
arccsch = elementwise("arccsch", _of_reciprocal(math.asinh, np.arcsinh),
                      [lambda out, x: div(-1.0, abs(x) * sqrt(1.0 + x * x))],
                      display=_latex("arccsch"), domain=_dom_unary(0.3, 2))
arccoth = elementwise("arccoth", _of_reciprocal(math.atanh, np.arctanh),
                      [lambda out, x: div(1.0, 1.0 - x * x)],
                      display=_latex("arccoth"), domain=_dom_unary(1.2, 3))


# Their derivatives use |x| (arcsec, arccsc, arccsch): real formulas.
real_only(arcsec, arccsc, arccsch)
