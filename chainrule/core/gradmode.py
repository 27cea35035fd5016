"""Grad mode: whether operations on Tensors are recorded (``no_grad``, ``enable_grad``,
``set_grad_enabled``, as in PyTorch). The flag itself is :data:`~chainrule.core.primitive._grad_enabled`,
a ContextVar, so threads and async tasks each have their own.

>>> import chainrule as cr
>>> x = cr.tensor(2.0, requires_grad=True)
>>> with cr.no_grad():
...     y = x * x
>>> y.requires_grad
False
"""

from __future__ import annotations

import contextlib
from typing import Any

from .primitive import _grad_enabled

__all__ = ["no_grad", "enable_grad", "set_grad_enabled"]


class _GradMode(contextlib.ContextDecorator):
    def __init__(self, enabled: bool):
        self._enabled = enabled
        self._tokens: list = []

    def _recreate_cm(self) -> "_GradMode":
        # A decorated function gets a fresh manager per call, so calls from several threads
        # never share the saved-state stack.
        return _GradMode(self._enabled)

    def __enter__(self) -> None:
        self._tokens.append(_grad_enabled.set(self._enabled))

    def __exit__(self, *exc: Any) -> None:
        _grad_enabled.reset(self._tokens.pop())


def no_grad() -> _GradMode:
    """Context manager and decorator: operations inside are not recorded."""
    return _GradMode(False)


def enable_grad() -> _GradMode:
    """Context manager and decorator: operations inside are recorded (undoes ``no_grad``)."""
    return _GradMode(True)


def set_grad_enabled(mode: bool) -> _GradMode:
    """Context manager and decorator that sets grad mode to ``mode``."""
    return _GradMode(bool(mode))
