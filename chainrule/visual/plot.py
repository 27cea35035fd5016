"""The tangent-line plot: f, f′ and the tangent at a point, drawn with matplotlib (an optional
dependency, imported only inside :func:`plot_tangent`)."""

from __future__ import annotations

import math
import warnings
from typing import Any, Optional, Sequence

import numpy as np

from .. import ops as P
from ..core import Tracer
from .graph import _expr_text, _var_names
from .render import _fmt, _short, line_text

__all__ = ["plot_tangent"]

# ----------------------------------------------------------------------------------------
# The tangent plot.


def _callable_of(f: Any, var: Optional[str]) -> tuple:
    """(function of one float array, its name for labels, derivative formula or None)."""
    if isinstance(f, str) or (isinstance(f, Tracer) and callable(
            getattr(f, "free_symbols", None))):
        from .. import symbolic  # noqa: PLC0415
        expr = f
        if isinstance(f, str):
            from ..text.parser import parse  # noqa: PLC0415
            expr = parse(f)
        names = _var_names(expr)
        if var is None:
            if len(names) > 1:
                raise ValueError(f"plot_tangent: the expression has several variables "
                                 f"({', '.join(names)}); pass var= and fix the others first")
            var = names[0] if names else "x"
        elif names and names != [var]:
            raise ValueError(f"plot_tangent: the expression's variables are "
                             f"{', '.join(names)}, but var={var!r}")
        try:
            dtext = _expr_text(symbolic.diff(expr, var))
        except Exception:  # noqa: BLE001  (the plot does not need the formula)
            dtext = None
        return (lambda xs: expr.evaluate({var: xs}) if names else
                expr.evaluate({}) + 0 * xs), var, _expr_text(expr), dtext
    if not callable(f):
        raise TypeError(f"plot_tangent: f must be a function, an expression or a string, got "
                        f"{type(f).__name__}")
    return f, var or "x", None, None


def plot_tangent(f: Any, at: float, *, var: Optional[str] = None,
                 xlim: Optional[Sequence[float]] = None, file: Optional[str] = None,
                 ax: Any = None, points: int = 400, title: Optional[str] = None) -> Any:
    """Plot f, its derivative f′ and the tangent line at ``x = at``.

    The slope comes from the autodiff engine (``cr.vjp`` of ``f`` on the whole grid, so f
    must act elementwise). Needs matplotlib (``pip install matplotlib``); it is imported
    here only.

    Args:
        f: a function of one variable written with chainrule operations, an ``Expr`` or a
            string such as ``"x**2 * sin(x)"``.
        at: the point of tangency.
        var: the variable's name (for expressions with one variable it is found).
        xlim: the x range; default ``at ± 3``.
        file: save the figure there (PNG, SVG, PDF, ... by extension).
        ax: draw into this matplotlib Axes instead of a new figure.

    Returns:
        The matplotlib Figure.
    """
    try:
        from matplotlib.figure import Figure  # noqa: PLC0415  (optional dependency)
    except ImportError as err:
        raise ImportError("plot_tangent needs matplotlib, which is not installed: run "
                          "`pip install matplotlib` (or `pip install chainrule[plot]`)") from err
    from ..functional import grad, vjp  # noqa: PLC0415

    fn, name, ftext, dtext = _callable_of(f, var)
    a = float(at)
    if not math.isfinite(a):
        raise ValueError(f"plot_tangent: the point must be a finite number, got {at!r}")
    lo, hi = (a - 3.0, a + 3.0) if xlim is None else (float(xlim[0]), float(xlim[1]))
    if not lo < hi:
        raise ValueError(f"plot_tangent: xlim must be (low, high) with low < high, got {xlim}")
    xs = np.linspace(lo, hi, int(points))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ys, pullback = vjp(fn, xs)
        (dys,) = pullback(np.ones_like(np.asarray(ys, dtype=float)))
        fa = float(P.value_of(fn(a)))
        slope = float(grad(fn)(a))
    ys, dys = np.asarray(ys, dtype=float), np.asarray(dys, dtype=float)
    if not (math.isfinite(fa) and math.isfinite(slope)):
        raise ValueError(f"plot_tangent: f or f′ is not finite at {name} = {a:g} "
                         f"(f = {fa}, f′ = {slope}); pick another point")
    tangent = fa + slope * (xs - a)
    if ax is None:
        fig = Figure(figsize=(7, 4.6), dpi=110)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    flabel = f"f({name}) = {ftext}" if ftext else f"f({name})"
    dlabel = f"f′({name}) = {dtext}" if dtext else f"f′({name})"
    ax.plot(xs, ys, color="#1f5fbf", lw=2.2, label=_short(flabel, 60))
    ax.plot(xs, dys, color="#d9730d", lw=1.6, ls="--", label=_short(dlabel, 60))
    ax.plot(xs, tangent, color="#2a9d3a", lw=1.4,
            label=f"tangent: y = {line_text(slope, fa - slope * a, name)}")
    ax.plot([a], [fa], "o", color="#c1121f", zorder=5)
    ax.annotate(f"({_fmt(a)}, {_fmt(fa)}), slope {_fmt(slope)}", (a, fa),
                textcoords="offset points", xytext=(8, -14), fontsize=9, color="#c1121f")
    # y range: what f and f′ do over the middle of the window, so a pole does not flatten
    # everything else into a line.
    finite = np.concatenate([ys[np.isfinite(ys)], dys[np.isfinite(dys)], [fa]])
    lo_y, hi_y = np.percentile(finite, [3, 97])
    lo_y, hi_y = min(lo_y, fa), max(hi_y, fa)
    pad = 0.1 * (hi_y - lo_y) or 1.0
    ax.set_ylim(lo_y - pad, hi_y + pad)
    ax.set_xlim(lo, hi)
    ax.axhline(0, color="#999999", lw=0.8)
    ax.axvline(0, color="#999999", lw=0.8)
    ax.grid(True, alpha=0.3)
    ax.set_xlabel(name)
    ax.legend(loc="best", fontsize=9)
    ax.set_title(title if title is not None else
                 f"f, f′ and the tangent at {name} = {_fmt(a)}", fontsize=11)
    if file is not None:
        fig.savefig(file, bbox_inches="tight")
    return fig

