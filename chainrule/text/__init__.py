"""Text in: a safe parser (never ``eval``), calculus on text or expressions, and step-by-step
explanations of a derivative.

>>> from chainrule.text import diff
>>> print(diff("x*sin(x)"))
sin(x) + x*cos(x)
"""

from __future__ import annotations

from .calculus import as_expr, diff, gradient, to_function
from .explain import Explanation, Step
from .parser import ParseError, functions, parse

__all__ = ["parse", "ParseError", "functions", "diff", "gradient", "to_function", "as_expr",
           "Explanation", "Step"]
# The function explain() is chainrule.explain (or chainrule.text.explain.explain): naming it
# here would shadow the module chainrule.text.explain.
