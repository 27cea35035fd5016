"""The bottom layer: what a primitive is, and how an operation finds who runs it.

Every operation in chainrule is ``bind(prim, *args, **params)``. If no argument is a
:class:`Tracer` (a Tensor, a forward-mode dual number, a symbolic expression, ...), the
primitive's NumPy implementation runs directly. Otherwise the tracer with the highest
``_level`` runs it; tracers of lower levels are plain constants to it. Levels keep nested
transforms apart (no perturbation confusion): each transform call takes a fresh level.

Derivative rules are written with operations from :mod:`chainrule.ops`, which all go
through ``bind``; so the same rule runs on arrays (first derivatives), on Tensors that record
(higher derivatives), on dual numbers (forward over reverse) and on symbolic expressions
(printed formulas).
"""

from __future__ import annotations

import contextvars
import itertools
from typing import Any, Callable, Optional, Sequence

__all__ = ["Primitive", "Tracer", "bind", "new_level", "is_grad_enabled"]

_levels = itertools.count(1)


def new_level() -> int:
    """Return a fresh level, higher than every level handed out before."""
    return next(_levels)


class Tracer:
    """Base class of every value that intercepts primitives (Tensor, Dual, Expr, ...)."""

    __slots__ = ()
    _level: int

    def _process(self, prim: "Primitive", args: tuple, params: dict) -> Any:
        raise NotImplementedError

    def _process1(self, prim: "Primitive") -> Any:
        """``prim`` applied to this tracer alone, without params (overridden where faster)."""
        return self._process(prim, (self,), {})


def bind(prim: "Primitive", *args: Any, **params: Any) -> Any:
    """Apply ``prim`` to ``args``, letting the highest-level tracer among them run it.

    A row is applied by calling it, ``P.sin(x)`` (:meth:`Primitive.__call__`); this is what
    the call does, kept as a function for the interpreters, which hold a row in a variable."""
    if len(args) == 1:   # the most common case, without the search
        a = args[0]
        return a._process(prim, args, params) if isinstance(a, Tracer) else \
            prim.impl(a, **params)
    top = None
    for a in args:
        if isinstance(a, Tracer) and (top is None or a._level > top._level):
            top = a
    if top is None:
        return prim.impl(*args, **params)
    return top._process(prim, args, params)


class Primitive:
    """One row of the primitive table.

    Attributes:
        name: the operation's name (``"sin"``), also its printed function name.
        impl: the forward computation on NumPy arrays and Python floats.
        vjp: one rule per positional input, ``rule(g, out, *args, **params)`` giving that
            input's cotangent (possibly still broadcast; the engine sums it to shape), or
            ``None`` where the input is not differentiable.
        jvp: one rule per positional input, ``rule(t, out, *args, **params)`` giving the
            output tangent caused by tangent ``t`` of that input, or ``None``.
        partials: for elementwise rows, ``partial(out, *args)`` per input: the local
            derivative itself, from which ``vjp``/``jvp`` are made and which the symbolic and
            Taylor readers use.
        display: how the symbolic layer prints it (``{"symbol": "+", "prec": 1}`` for an
            infix operator, ``{}`` for a function call ``name(x)``).
        domain: a callable ``rng -> tuple of sample args`` used by the table-driven tests.
        differentiable: False for rows such as comparisons that carry no gradient at all.
        variadic: True when the row takes any number of array inputs (concatenate, stack).
        linear: True when the output is linear in the differentiable inputs jointly (sum,
            reshape, concatenate, fft, ...) or piecewise linear with pieces fixed by the
            values (max/min reductions): then the JVP rule maps each Taylor coefficient of
            an input to that of the output, which Taylor mode uses.
        factors: for elementwise rows, ``(ufunc, factor)`` per input (or None) such that the
            VJP rule equals ``ufunc(g, factor(out, *args))`` with ``ufunc`` ``np.multiply``
            or ``np.divide``. The engine uses it on large arrays to write the cotangent into
            a buffer it owns instead of a fresh one; the VJP rules stay the definition (a
            table test checks that both agree).
        vjp_simple: per input, what the VJP rule is when it is one of two simple forms: True
            when it hands the cotangent on unchanged (``g``), a callable ``p`` when it is
            ``g * p(out, *args)`` (the derived rules), else None. The compiled core uses it
            to skip a Python call per input; the rules stay the definition (a table test
            checks that both agree).
        batch: how batched tangents (``chainrule.interpret.batching``) run through the row,
            one of the kinds that module maps to a rule: ``"elementwise"`` (operands line up
            by broadcasting), ``"reduce"`` (axis params shift), ``"reshape"``,
            ``"transpose"``, ``"broadcast"``, ``"getitem"``, ``"index_add"``,
            ``"index_update"``, ``"concatenate"``, ``"stack"``, ``"matmul"``, ``"axis"`` (one
            integer ``axis`` param: scans, FFTs), ``"pad"``, ``"einsum"``, ``"solve"``,
            ``"linalg"`` (NumPy already treats leading axes as a stack of matrices),
            ``"custom"`` (a row of ``chainrule.custom``, which batches itself), or
            ``"loop"`` (one call per batch element: always right, slower). Every row of the
            table declares one; ``None`` (a primitive made elsewhere) loops.

        ``factors`` and ``vjp_simple`` are engine tactics: the row constructors of
        :mod:`chainrule.ops` derive them from the rules, and no row writes them by hand.
    """

    __slots__ = ("name", "impl", "vjp", "jvp", "partials", "display", "domain",
                 "differentiable", "variadic", "linear", "ufunc", "doc", "factors",
                 "vjp_simple", "batch")

    def __init__(self, name: str, impl: Callable, vjp: Sequence[Optional[Callable]] = (),
                 jvp: Sequence[Optional[Callable]] = (), *,
                 partials: Optional[Sequence[Optional[Callable]]] = None,
                 display: Optional[dict] = None, domain: Optional[Callable] = None,
                 differentiable: bool = True, variadic: bool = False, linear: bool = False,
                 ufunc: Any = None, doc: str = "",
                 factors: Optional[Sequence[Optional[tuple]]] = None,
                 vjp_simple: Optional[Sequence[Any]] = None, batch: Optional[str] = None):
        self.name = name
        self.impl = impl
        self.vjp = tuple(vjp)
        self.jvp = tuple(jvp)
        self.partials = tuple(partials) if partials is not None else None
        self.display = display or {}
        self.domain = domain
        self.differentiable = differentiable
        self.variadic = variadic
        self.linear = linear
        self.ufunc = ufunc
        self.doc = doc
        self.factors = tuple(factors) if factors is not None else None
        self.vjp_simple = tuple(vjp_simple) if vjp_simple is not None else None
        self.batch = batch

    def __call__(self, *args: Any, **params: Any) -> Any:
        # bind(self, ...). Rules call rows directly, so this is on the hot path: importing
        # chainrule replaces it with an inlined twin (chainrule/_kernel: prim_call).
        return bind(self, *args, **params)

    def vjp_rule(self, i: int) -> Optional[Callable]:
        """The VJP rule of input ``i`` (variadic rows share one rule taking the index)."""
        if self.variadic:
            return self.vjp[0] if self.vjp else None
        return self.vjp[i] if i < len(self.vjp) else None

    def jvp_rule(self, i: int) -> Optional[Callable]:
        """The JVP rule of input ``i`` (variadic rows share one rule taking the index)."""
        if self.variadic:
            return self.jvp[0] if self.jvp else None
        return self.jvp[i] if i < len(self.jvp) else None

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


# Grad mode lives in a ContextVar: each thread (and each asyncio task) sees its own setting,
# so `no_grad()` in one thread never switches recording off in another.
_grad_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "chainrule_grad_enabled", default=True)


# Which meaning a method takes where NumPy's and PyTorch's differ (x.std(), x.repeat(2),
# x.transpose(0, 1), x.max(0)): PyTorch's for tensor-style Tensors (level 0) always; for a
# transform's tracers NumPy's (this flag, True by default) unless the transform was handed
# tensor-style Tensors (it sets False), since a function handed NumPy arrays or numbers is
# NumPy code and must compute under the transform what it computes outside. The default is
# the common case, so cr.grad(f)(2.0) sets nothing.
_numpy_reading: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "chainrule_numpy_reading", default=True)


def numpy_reads(x: Any) -> bool:
    """Whether methods of ``x`` take NumPy's reading (see _numpy_reading): only a tracer of a
    transform can; a tensor-style Tensor or a plain array handed to a PyTorch-named function
    (``cr.max(a, 1)``) takes PyTorch's."""
    return getattr(x, "_level", 0) > 0 and _numpy_reading.get()


def is_grad_enabled() -> bool:
    """Whether operations on Tensors are being recorded for backward()."""
    return _grad_enabled.get()
