"""Symbolic expressions that run the table's derivative rules (work in progress)."""

from __future__ import annotations

__all__ = ["Expr", "symbol", "const", "diff", "gradient", "to_function"]


class Expr:
    """Symbolic expression: free_symbols(), evaluate(env), str(), to_unicode(), to_latex()."""


def symbol(name: str) -> Expr:
    raise NotImplementedError


def const(value) -> Expr:
    raise NotImplementedError


def diff(expr, var: str = "x", n: int = 1) -> Expr:
    raise NotImplementedError


def gradient(expr, vars) -> list:
    raise NotImplementedError


def to_function(expr, vars):
    raise NotImplementedError
