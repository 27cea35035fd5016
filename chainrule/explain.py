"""Step-by-step derivative explanations (work in progress: signatures first)."""

from __future__ import annotations

__all__ = ["explain", "Explanation", "Step"]


class Step:
    """One step: ``rule``, ``expr``, ``result``, ``detail``."""


class Explanation:
    """``steps``, ``result``, ``to_text()``, ``to_markdown()``."""


def explain(expr, var: str = "x") -> Explanation:
    """Explain d expr / d var step by step."""
    raise NotImplementedError("explain: in progress")
