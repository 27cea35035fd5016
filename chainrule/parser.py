"""Safe text -> symbolic expression parser (work in progress: signatures first)."""

from __future__ import annotations

from typing import Optional

__all__ = ["parse", "ParseError"]


class ParseError(ValueError):
    """A problem in the expression text: ``message`` (one line), ``column`` (1-based or None),
    ``text`` (the input) and ``suggestion`` (a likely intended name, or None)."""

    def __init__(self, message: str, column: Optional[int] = None, text: str = "",
                 suggestion: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.column = column
        self.text = text
        self.suggestion = suggestion

    def __str__(self) -> str:
        return self.message


def parse(text: str):
    """Parse ``text`` into a symbolic :class:`chainrule.symbolic.Expr`."""
    raise NotImplementedError("parser: in progress")
