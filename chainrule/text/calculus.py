"""Derivative formulas from text or expressions: ``chainrule.diff("5x^4 + 3x^3", "x")``.

The symbolic layer works on expressions; this layer above it also takes text, parsed safely
by :mod:`chainrule.text.parser` (never ``eval``).
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence, Union

from .. import symbolic
from .parser import parse
from ..symbolic import Expr

__all__ = ["as_expr", "diff", "gradient", "to_function"]


def as_expr(expr: Union[Expr, str, float]) -> Expr:
    """An expression from text (parsed safely), a number or an expression."""
    return parse(expr) if isinstance(expr, str) else symbolic.const(expr)


def diff(expr: Union[Expr, str], var: Optional[str] = None, n: int = 1, *,
         max_nodes: Optional[int] = None) -> Expr:
    """The ``n``-th derivative of ``expr`` (text or expression) with respect to ``var``:
    by default the expression's only variable; with several, ``var`` must say which.
    A formula past ``max_nodes`` operations raises :class:`chainrule.symbolic.FormulaTooLarge`
    (a ``ValueError``; see :func:`chainrule.symbolic.diff`).

    >>> print(diff("5x^4 + 3x^3 + 7x^2 + 9x - 5"))
    20*x**3 + 9*x**2 + 14*x + 9
    >>> print(diff("sin(x)", n=2))
    -sin(x)
    >>> print(diff("sin(t)"))
    cos(t)
    """
    return symbolic.diff(as_expr(expr), var, n, max_nodes=max_nodes)


def gradient(expr: Union[Expr, str], vars: Optional[Sequence[str]] = None) -> list:
    """The partial derivatives of ``expr`` (text or expression) with respect to ``vars``.

    >>> [str(d) for d in gradient("x**2*y + y", ["x", "y"])]
    ['2*x*y', 'x**2 + 1']
    """
    return symbolic.gradient(as_expr(expr), vars)


def to_function(expr: Union[Expr, str], vars: Optional[Sequence[str]] = None) -> Callable:
    """A Python function of ``vars`` evaluating ``expr`` (text or expression); it works on
    floats, arrays and Tensors.

    >>> to_function("x**2 + y", ["x", "y"])(3.0, 1.0)
    10.0
    """
    return symbolic.to_function(as_expr(expr), vars)
