"""Symbolic expressions that run the table's own derivative rules, giving printed formulas.

An :class:`Expr` is a tracer (like Tensor and Dual): every operation on it goes through
``bind`` and records a node ``(primitive, args)``. Its derivative is built by running each
row's ``partials`` (elementwise rows) or JVP rule (the rest) on ``Expr`` values, so the printed
formula comes from the very rules the autodiff engine uses; there is no second derivative
table here. A simplifier (constants folded, like terms and like factors collected, quotient
rule results over a common denominator) keeps textbook formulas small.

>>> from chainrule.symbolic import diff, symbol
>>> x = symbol("x")
>>> print(diff(5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5, "x"))
20*x**3 + 9*x**2 + 14*x + 9
"""

from __future__ import annotations

from .derive import (MAX_FORMULA_NODES, FormulaTooLarge, default_var, diff, gradient,
                     to_function)
from .expr import E, PI, Expr, const, symbol
from .simplify import simplify

__all__ = ["Expr", "symbol", "const", "diff", "gradient", "to_function", "simplify", "PI", "E",
           "FormulaTooLarge", "MAX_FORMULA_NODES", "default_var"]
