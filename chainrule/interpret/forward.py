"""Forward mode: dual numbers that carry a tangent alongside each value.

A :class:`Dual` runs every primitive on its primal value and pushes its tangent through the
table's JVP rules. Each ``jvp`` call takes a fresh level, so duals of an outer call are plain
constants to an inner one: nested derivatives never confuse their perturbations.
"""

from __future__ import annotations

from typing import Any

from .. import ops as P
from ..core import Primitive, Tracer, bind
from ..ops.methods import ArrayOps


class Dual(ArrayOps):
    """A value with a tangent at one level of forward-mode differentiation."""

    __slots__ = ("primal", "tangent", "_level")

    def __init__(self, primal: Any, tangent: Any, level: int):
        self.primal = primal
        self.tangent = tangent
        self._level = level

    def _value(self) -> Any:
        return self.primal

    @property
    def shape(self) -> tuple:
        return P.shape_of(self.primal)

    @property
    def dtype(self):
        return P.dtype_of(self.primal)

    def _process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        level = self._level
        primals = []
        tangents = []
        for a in args:
            if type(a) is Dual and a._level == level:
                primals.append(a.primal)
                tangents.append(a.tangent)
            else:
                primals.append(a)
                tangents.append(None)
        out = bind(prim, *primals, **params)
        if not prim.differentiable:
            return out
        t_out = None
        for i, t in enumerate(tangents):
            if t is None:
                continue
            rule = prim.jvp_rule(i)
            if rule is None:
                continue
            ti = rule(i, t, out, *primals, **params) if prim.variadic else \
                rule(t, out, *primals, **params)
            t_out = ti if t_out is None else t_out + ti
        if t_out is None:
            return out
        shape = P.shape_of(out)
        if P.shape_of(t_out) != shape:
            t_out = P.broadcast_to(t_out, shape=shape)
        return Dual(out, t_out, level)

    def __repr__(self) -> str:
        return f"Dual(primal={self.primal!r}, tangent={self.tangent!r}, level={self._level})"


def is_dual_at(x: Any, level: int) -> bool:
    return type(x) is Dual and x._level == level


def unpack(x: Any, level: int, zeros_like: Any) -> tuple:
    """(primal, tangent) of an output at ``level``; a value that is not a dual of this level
    did not depend on the inputs, so its tangent is zero."""
    if is_dual_at(x, level):
        return x.primal, x.tangent
    return x, zeros_like(x)


__all__ = ["Dual", "Tracer", "is_dual_at", "unpack"]
