"""HIPS autograd's ``primitive`` with ``defvjp`` / ``defjvp``."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..core import Tracer, bind
from ..core.pytree import tree_flatten
from ..eager import Tensor
from ._row import _Call, _CustomFunction, _call_rule, _top_level, _zeros

__all__ = ["primitive", "defvjp", "defjvp"]


# ----------------------------------------------------------------------------------------
# autograd style: @primitive, then defvjp(f, maker_x, maker_y) / defjvp(f, jvp_x, jvp_y).

class primitive(_CustomFunction):
    """A function made a primitive (HIPS autograd's ``autograd.extend.primitive``): give its
    rules with :func:`defvjp` / :func:`defjvp`, one per positional argument, as autograd
    does: ``maker(ans, *args, **kwargs) -> (lambda g: cotangent)`` and
    ``jvp(t, ans, *args, **kwargs) -> tangent``. With JVP rules only, the VJP comes by
    transposition; with VJP rules only, forward mode raises a ``TypeError``.

    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> @cr.primitive
    ... def cube(x):
    ...     return x ** 3
    >>> cr.defvjp(cube, lambda ans, x: lambda g: 3 * g * x ** 2)
    >>> cr.grad(cube)(2.0), cr.grad(cr.grad(cube))(2.0)
    (12.0, 12.0)
    """

    kind = "primitive"

    def __init__(self, fun: Callable):
        super().__init__(fun, ())
        self.vjps: dict = {}
        self.jvps: dict = {}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # autograd's primitives take arrays: each positional argument is one input.
        info = _Call(self, tree_flatten(list(range(len(args))))[1], {}, kwargs, len(args),
                     _top_level(list(args)))
        return info.unpack(bind(self.prim, *args, _call=info))

    def defvjp(self, *makers: Optional[Callable], argnums: Optional[Sequence[int]] = None):
        for i, m in zip(range(len(makers)) if argnums is None else argnums, makers):
            if m is not None:
                self.vjps[int(i)] = m

    def defjvp(self, *rules: Optional[Callable], argnums: Optional[Sequence[int]] = None):
        for i, r in zip(range(len(rules)) if argnums is None else argnums, rules):
            if r is not None:
                self.jvps[int(i)] = r

    def _vjp_input(self, i: int, g: Any, out: Any, vals: tuple, info: _Call) -> Any:
        maker = self.vjps.get(i)
        if maker is not None:
            res = _call_rule(lambda g, *a: maker(*a, **info.kwargs)(g), (g, out, *vals),
                             f"VJP rule for argument {i}", self.__name__)
            return _zeros(vals[i]) if res is None else res
        if self.jvps:
            return super()._vjp_input(i, g, out, vals, info)
        raise TypeError(f"{self.__name__} has no VJP rule for argument {i}; give one with "
                        f"cr.defvjp({self.__name__}, ...) (one rule per argument, argnums= to "
                        "skip some), or JVP rules with cr.defjvp")

    def _jvp_all(self, vals: tuple, tangents: list, info: _Call, out: Any = None) -> Any:
        if out is None:
            out = bind(self.prim, *vals, _call=info)
        total = None
        for i, t in enumerate(tangents):
            if type(t) is not Tensor and not isinstance(t, Tracer) and not np.any(t):
                continue    # a zero tangent contributes nothing
            rule = self.jvps.get(i)
            if rule is None:
                what = "JVP rule" if self.jvps or not self.vjps else "JVP rule (it has VJP " \
                    "rules only, so forward mode cannot differentiate it)"
                raise TypeError(f"{self.__name__} has no {what} for argument {i}; give one "
                                f"with cr.defjvp({self.__name__}, ...), or use reverse mode "
                                "(grad, jacrev)")
            ti = _call_rule(lambda *a: rule(*a, **info.kwargs), (t, out, *vals),
                            f"JVP rule for argument {i}", self.__name__)
            total = ti if total is None else total + ti
        return total if total is not None else _zeros(out)

    def _jvp_input(self, i: int, t: Any, out: Any, vals: tuple, info: _Call) -> Any:
        rule = self.jvps.get(i)
        if rule is None:
            tangents = [_zeros(v) for v in vals]
            tangents[i] = t
            return self._jvp_all(vals, tangents, info, out)
        return _call_rule(lambda *a: rule(*a, **info.kwargs), (t, out, *vals),
                          f"JVP rule for argument {i}", self.__name__)


def defvjp(fun: primitive, *makers: Optional[Callable],
           argnums: Optional[Sequence[int]] = None) -> None:
    """autograd's ``defvjp(fun, maker_0, maker_1, ...)``: one VJP maker per argument,
    ``maker(ans, *args, **kwargs)`` returning ``g -> cotangent`` (see :class:`primitive`).

    >>> import chainrule as cr
    >>> @cr.primitive
    ... def mul(x, y):
    ...     return x * y
    >>> cr.defvjp(mul, lambda ans, x, y: lambda g: g * y, lambda ans, x, y: lambda g: g * x)
    >>> cr.grad(mul, argnums=(0, 1))(3.0, 4.0)
    (4.0, 3.0)
    """
    if not isinstance(fun, primitive):
        raise TypeError(f"defvjp takes a function decorated with @cr.primitive, got {fun!r}; "
                        "for a cr.custom_vjp function call f.defvjp(fwd, bwd)")
    fun.defvjp(*makers, argnums=argnums)


def defjvp(fun: primitive, *rules: Optional[Callable],
           argnums: Optional[Sequence[int]] = None) -> None:
    """autograd's ``defjvp(fun, jvp_0, jvp_1, ...)``: one rule per argument,
    ``jvp(t, ans, *args, **kwargs)`` giving the output tangent caused by tangent ``t`` of
    that argument. Its VJP then comes by transposition.

    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> @cr.primitive
    ... def sin(x):
    ...     return cnp.sin(x)
    >>> cr.defjvp(sin, lambda t, ans, x: t * cnp.cos(x))
    >>> cr.grad(sin)(0.0)
    1.0
    """
    if not isinstance(fun, primitive):
        raise TypeError(f"defjvp takes a function decorated with @cr.primitive, got {fun!r}; "
                        "for a cr.custom_jvp function call f.defjvp(rule)")
    fun.defjvp(*rules, argnums=argnums)
