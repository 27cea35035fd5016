"""Differentiation: the table's rules (partials or JVP rules) run on Exprs."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from ..core import Primitive
from ._base import _postorder
from .expr import _ONE, _ZERO, Expr, _short, _wrap
from .simplify import simplify

__all__ = ["FormulaTooLarge", "MAX_FORMULA_NODES", "default_var", "diff", "gradient",
           "to_function"]

# Largest derivative diff() builds (distinct operations, before simplifying) unless told
# otherwise, or 8 times the expression's own size if that is more. Simplifying costs more
# than linear time in this size, and repeated derivatives grow geometrically (x**x doubles
# per order), so without a limit --order 10 of x**x runs for seconds and x**x**x for minutes.
MAX_FORMULA_NODES = 5000


class FormulaTooLarge(ValueError):
    """A derivative formula grew past diff()'s size limit (see ``MAX_FORMULA_NODES``).

    Attributes: ``order`` (the derivative being built when it stopped), ``nodes`` (its
    size) and ``limit``.
    """

    def __init__(self, message: str, order: int, nodes: int, limit: int):
        super().__init__(message)
        self.order, self.nodes, self.limit = order, nodes, limit


def _tangents(expr: Expr, var: str) -> Optional[Expr]:
    """d expr / d var, built by running each row's partials (or JVP rule) on Exprs."""
    tan: dict = {}
    for node in _postorder(expr):
        if node.prim is None:
            tan[id(node)] = _ONE if (node.is_symbol and node.name == var) else None
            continue
        prim = node.prim
        total = None
        if prim.differentiable:
            for i, t in enumerate(tan[id(a)] for a in node.args):
                if t is None:
                    continue
                contrib = _local(prim, i, t, node)
                if contrib is not None:
                    total = contrib if total is None else total + contrib
        tan[id(node)] = total
    return tan[id(expr)]


def _local(prim: Primitive, i: int, t: Expr, node: Expr) -> Optional[Expr]:
    args, params = node.args, node.params
    try:
        if prim.partials is not None and not prim.variadic:
            p = prim.partials[i] if i < len(prim.partials) else None
            return None if p is None else _wrap(p(node, *args)) * t
        rule = prim.jvp_rule(i)
        if rule is None:
            return None
        out = rule(i, t, node, *args, **params) if prim.variadic else rule(t, node, *args,
                                                                           **params)
        return _wrap(out)
    except TypeError as err:
        if "has no numeric value" in str(err):
            raise ValueError(
                f"the derivative of {prim.name} depends on the values of its inputs (a kink "
                f"or tie), so it has no single symbolic formula; differentiate numerically "
                f"with cr.grad instead.") from None
        raise


def _as_expr(expr: Union[Expr, float]) -> Expr:
    if isinstance(expr, str):
        # Text belongs to the layer above (parser); this layer works on expressions.
        raise TypeError("chainrule.symbolic works on expressions; for text use chainrule.diff, "
                        "chainrule.gradient or chainrule.parse, which parse it safely.")
    return _wrap(expr)


def default_var(e: Expr, var: Optional[str], who: str = "diff") -> str:
    """The variable to differentiate by: ``var`` if given, else the expression's only one
    (``x`` for a constant); several and none given is an error that lists them.

    >>> from chainrule.symbolic import symbol
    >>> default_var(symbol("t").sin(), None)
    't'
    """
    if var is not None:
        return var
    names = e.free_symbols()
    if len(names) > 1:
        raise ValueError(
            f"{_short(e)} has the variables {', '.join(names)}; say which to differentiate "
            f"by: cr.{who}(expr, {names[0]!r})")
    return names[0] if names else "x"


def diff(expr: Expr, var: Optional[str] = None, n: int = 1, *,
         max_nodes: Optional[int] = None) -> Expr:
    """The ``n``-th derivative of ``expr`` with respect to ``var``, simplified.

    Without ``var``, the expression's only variable (``x`` for a constant); with several
    variables ``var`` is required. A ``var`` the expression does not contain gives 0, as in
    SymPy and PyTorch. Text goes through :func:`chainrule.diff`, which parses it first.

    A derivative with more than ``max_nodes`` operations (default: ``MAX_FORMULA_NODES`` or
    8 times the expression's size, whichever is more) raises :class:`FormulaTooLarge`: for
    its value at a point, ``chainrule.derivative`` works at any order.

    >>> from chainrule.symbolic import symbol
    >>> x = symbol("x")
    >>> print(diff(5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5))
    20*x**3 + 9*x**2 + 14*x + 9
    >>> print(diff(x.sin(), n=2))
    -sin(x)
    """
    e = _as_expr(expr)
    if isinstance(var, Expr) and var.is_symbol:
        var = var.name
    var = default_var(e, var)
    if not isinstance(var, str) or not var.isidentifier():
        raise TypeError(f"diff: the variable must be a name such as 'x'; got {var!r}.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: the order n must be a whole number >= 0; got {n!r}.")
    n = int(n)
    limit = max_nodes if max_nodes is not None else \
        max(MAX_FORMULA_NODES, 8 * len(_postorder(e))) if n else 0
    start = e
    for k in range(1, n + 1):
        d = _tangents(e, var)
        if d is not None:
            size = len(_postorder(d))
            if size > limit:
                raise FormulaTooLarge(
                    f"the formula for the {_ordinal(n)} derivative of {_short(start)} grows "
                    f"past {limit} operations (at order {k} it has {size}), too large to be "
                    f"useful; for its value at a point use cr.derivative(f, {n})(x0) "
                    "(Taylor mode, any order), or pass max_nodes= to allow more.",
                    k, size, limit)
        e = _ZERO if d is None else simplify(d)
    return e


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def gradient(expr: Expr, vars: Optional[Sequence[str]] = None) -> list:
    """The partial derivatives of ``expr`` with respect to each of ``vars`` (default: its
    free symbols, sorted).

    >>> from chainrule.symbolic import symbol
    >>> x, y = symbol("x"), symbol("y")
    >>> [str(d) for d in gradient(x**2*y + y, ["x", "y"])]
    ['2*x*y', 'x**2 + 1']
    """
    e = _as_expr(expr)
    if vars is None:
        vars = e.free_symbols()
    elif isinstance(vars, str):
        vars = [v.strip() for v in vars.split(",")]
    return [diff(e, v) for v in vars]


def to_function(expr: Expr, vars: Optional[Sequence[str]] = None) -> Callable:
    """A Python function of ``vars`` (positional, in order) that evaluates ``expr``.

    Works with floats, arrays and Tensors, so ``cr.grad(to_function(e, ["x"]))`` runs.

    >>> from chainrule.symbolic import symbol
    >>> f = to_function(symbol("x")**2 + symbol("y"), ["x", "y"])
    >>> f(3.0, 1.0)
    10.0
    """
    e = _as_expr(expr)
    names = e.free_symbols() if vars is None else (
        [v.strip() for v in vars.split(",")] if isinstance(vars, str) else list(vars))
    missing = [s for s in e.free_symbols() if s not in names]
    if missing:
        raise ValueError(f"to_function: the expression uses {missing} but vars is {names}; "
                         "list every variable.")

    def function(*values: Any) -> Any:
        if len(values) != len(names):
            raise TypeError(f"this function takes {len(names)} argument(s) ({', '.join(names)})"
                            f" but {len(values)} were given.")
        return e.evaluate(dict(zip(names, values)))

    function.__name__ = "f"
    function.__doc__ = f"f({', '.join(names)}) = {e}"
    return function
