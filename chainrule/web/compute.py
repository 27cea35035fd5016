"""What the web page's JSON API answers, as plain functions from request fields to JSON-ready
dicts. No web framework here: the server runs these in worker processes, and tests call them
directly.

The numbers and formulas come from the functions the command line uses (``chainrule.cli``'s
``_compute`` and ``_check``: the symbolic formula checked against the autodiff engine, the
tangent, the answer checker), the steps from :func:`chainrule.explain`, the graph from
:func:`chainrule.graph` and the curve from the engine (:func:`chainrule.vjp` over a grid).

>>> r = derivative("5x^4 + 3x^3 + 7x^2 + 9x - 5", 2)
>>> r["derivatives"][0]["value"], r["tangent"]["text"]
(233.0, 'y = 233x − 321')
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Optional

import numpy as np

from .. import cli
from ..text.explain import explain
from ..functional import vjp
from ..text.parser import ParseError, parse
from ..symbolic import Expr
from ..visual import graph, line_text

__all__ = ["RequestError", "derivative", "check", "curve", "graph_at", "MAX_ORDER",
           "MAX_POINTS", "MAX_GRAPH_NODES", "MAX_ABS_X"]

MAX_ORDER = 3            # f, f′, f″ and f‴: what a learner's page shows
MAX_POINTS = 1001        # curve samples per request
MAX_GRAPH_NODES = 300    # a bigger graph is not drawn (too large to read on a page anyway)
MAX_ABS_X = 1e6          # the point and the plot window stay in this range

_STYLE = cli._Style(unicode=True)


class RequestError(ValueError):
    """A request the API cannot answer: ``status`` (HTTP), ``kind`` and extra JSON fields.

    >>> RequestError(400, "parse", "unexpected ')'", column=3).body()["column"]
    3
    """

    def __init__(self, status: int, kind: str, message: str, **extra: Any):
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.extra = extra

    def body(self) -> dict:
        return {"error": str(self), "kind": self.kind, **self.extra}


# ----------------------------------------------------------------------------------------
# Request fields.

def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise RequestError(400, "request", f"'{field}' must be a string (an expression such "
                           f"as \"x^2\"); got {_json_type(value)}", field=field)
    return value


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RequestError(400, "request", f"'{field}' must be a number such as 2 or -0.5; "
                           f"got {_json_type(value)}", field=field)
    v = float(value)
    if not (math.isfinite(v) and abs(v) <= MAX_ABS_X):
        raise RequestError(400, "request", f"'{field}' must be a finite number between "
                           f"-{MAX_ABS_X:g} and {MAX_ABS_X:g}; got {value!r}", field=field)
    return v


def _whole(value: Any, field: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise RequestError(400, "request", f"'{field}' must be a whole number from {lo} to "
                           f"{hi}; got {value!r}"[:200], field=field)
    return value


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "true/false",
            type(None): "null", int: "a number", float: "a number"}.get(type(value),
                                                                        type(value).__name__)


def _expression(text: Any, field: str = "f") -> tuple:
    """(expression, its one variable) from the text, or a RequestError saying what is wrong
    and at which column."""
    text = _text(text, field)
    try:
        expr = parse(text)
    except ParseError as err:
        raise RequestError(400, "parse", err.message, column=err.column, field=field) from None
    variables = list(expr.free_symbols())
    if len(variables) > 1:
        raise RequestError(400, "variables", f"the page draws functions of one variable, but "
                           f"this one has {len(variables)}: {', '.join(variables)}; fix the "
                           "others to numbers (or use the command line for partial "
                           "derivatives)", field=field)
    return expr, (variables[0] if variables else "x")


def _forms(e: Expr) -> dict:
    return {"text": str(e), "unicode": e.to_unicode(), "latex": e.to_latex(),
            "mathml": e.to_mathml()}


def _finite(v: Any) -> Optional[float]:
    v = float(v)
    return v if math.isfinite(v) else None


def _report(expr: Expr, var: str, order: int, x: float) -> dict:
    """The command line's computation (cli._compute): formula, value, engine-checked
    derivative and tangent, with its errors as RequestErrors."""
    variables = list(expr.free_symbols())
    try:
        with cli._quiet():
            return cli._compute(expr, variables, [var], order, {var: x}, _STYLE)
    except cli.MathProblem as err:
        raise RequestError(422, "math", str(err)) from None
    except cli.UsageError as err:
        raise RequestError(400, "usage", str(err)) from None


# ----------------------------------------------------------------------------------------
# The endpoints.

def derivative(f: Any, x: Any, order: Any = 1, steps: Any = False) -> dict:
    """f, its derivatives up to ``order`` (formulas and values at ``x``), the tangent at x and,
    with ``steps``, the derivation step by step.

    >>> derivative("x^2", 3)["tangent"]
    {'slope': 6.0, 'intercept': -9.0, 'text': 'y = 6x − 9'}
    """
    expr, var = _expression(f)
    x = _number(x, "x")
    order = _whole(order, "order", 1, MAX_ORDER)
    if not isinstance(steps, bool):
        raise RequestError(400, "request", f"'steps' must be true or false; got "
                           f"{_json_type(steps)}", field="steps")
    first = _report(expr, var, 1, x)
    slope, intercept = first["tangent"]
    out: dict = {
        "expression": _forms(expr), "variable": var, "x": x,
        "value": first["value"], "value_text": _STYLE.num(first["value"]),
        "derivatives": [],
        "tangent": {"slope": slope, "intercept": intercept,
                    "text": f"y = {line_text(slope, intercept, var)}"},
    }
    for k in range(1, order + 1):
        report = first if k == 1 else _report(expr, var, k, x)
        value = report["values"][var]
        out["derivatives"].append({"order": k, "formula": _forms(report["derivatives"][var]),
                                   "value": value, "value_text": _STYLE.num(value)})
    if steps:
        out.update(_steps(expr, var))
    return out


def _steps(expr: Expr, var: str) -> dict:
    try:
        ex = explain(expr, var)
    except ValueError as err:    # explain's size limits
        return {"steps": None, "steps_note": str(err)}
    return {"steps": [{"rule": s.rule, "depth": s.depth, "text": s.to_text(),
                       "expression": s.expr.to_mathml(), "result": s.result.to_mathml()}
                      for s in ex.steps]}


def check(f: Any, answer: Any, x: Any = None, order: Any = 1) -> dict:
    """Is ``answer`` the ``order``-th derivative of ``f``? (the command line's ``--check``).

    >>> check("x^3", "3x^2")["correct"]
    True
    """
    expr, var = _expression(f)
    answer = _text(answer, "answer")
    point = None if x is None else {var: _number(x, "x")}
    order = _whole(order, "order", 1, MAX_ORDER)
    variables = list(expr.free_symbols())
    report = _report(expr, var, order, point[var]) if point is not None else \
        cli._compute(expr, variables, [var], order, None, _STYLE)
    try:
        with cli._quiet():
            result = cli._check(expr, variables, [var], order, point, answer, report, _STYLE)
    except cli.UsageError as err:
        cause = err.__cause__
        if isinstance(cause, ParseError):
            raise RequestError(400, "parse", cause.message, column=cause.column,
                               field="answer") from None
        raise RequestError(400, "usage", str(err).removeprefix("--check: "),
                           field="answer") from None
    out = {"correct": result["correct"], "message": result["message"],
           "answer": _forms(parse(answer)),
           "derivative": _forms(report["derivatives"][var])}
    for key in ("at", "yours", "expected", "points"):
        if key in result:
            out[key] = result[key]
    return out


def curve(f: Any, x: Any, lo: Any = None, hi: Any = None, n: Any = 401) -> dict:
    """Samples of f and f′ (from the engine) over ``[lo, hi]`` (default ``x ± 3``), with y
    ranges that keep a pole from flattening the rest; NaN and infinities become null.

    >>> c = curve("x^2", 0, n=3)
    >>> c["xs"], c["ys"], c["dys"]
    ([-3.0, 0.0, 3.0], [9.0, 0.0, 9.0], [-6.0, 0.0, 6.0])
    """
    expr, var = _expression(f)
    x = _number(x, "x")
    lo = x - 3.0 if lo is None else _number(lo, "lo")
    hi = x + 3.0 if hi is None else _number(hi, "hi")
    if not lo < hi:
        raise RequestError(400, "request", f"the window needs lo < hi; got lo = {lo:g}, "
                           f"hi = {hi:g}", field="lo")
    n = _whole(n, "n", 2, MAX_POINTS)
    xs = np.linspace(lo, hi, n)

    def fn(t: Any) -> Any:
        return expr.evaluate({var: t}) + 0.0 * t   # a constant still gives one per sample

    with cli._quiet():
        ys, pullback = vjp(fn, xs)
        (dys,) = pullback(np.ones(n))
    ys = np.asarray(ys, dtype=float)
    dys = np.asarray(dys, dtype=float)
    return {"variable": var, "lo": lo, "hi": hi,
            "xs": [float(v) for v in xs], "ys": [_finite(v) for v in ys],
            "dys": [_finite(v) for v in dys],
            "ylim": _ylim(ys), "ylim_with_derivative": _ylim(np.concatenate([ys, dys]))}


def _ylim(values: np.ndarray) -> Optional[list]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    lo, hi = (float(v) for v in np.percentile(finite, [2, 98]))
    pad = 0.08 * (hi - lo) or 1.0
    return [lo - pad, hi + pad]


def graph_at(f: Any, x: Any) -> dict:
    """The computation graph at ``x``: every node's value and gradient (d f / d node), every
    edge's local derivative, and an SVG drawing (the built-in layout; no program is run).

    >>> g = graph_at("x^2 + 1", 3)
    >>> [(n["name"], n["value"], n["grad"]) for n in g["nodes"] if n["kind"] == "input"]
    [('x', 3.0, 6.0)]
    """
    expr, var = _expression(f)
    x = _number(x, "x")
    at = {var: x} if var in expr.free_symbols() else {}
    with cli._quiet():
        g = graph(expr, at=at)
    if len(g.nodes) > MAX_GRAPH_NODES:
        return {"nodes": [], "edges": [], "svg": None, "note": f"the graph has "
                f"{len(g.nodes)} nodes, more than the {MAX_GRAPH_NODES} this page draws"}
    nodes = [{"id": n.id, "kind": n.kind, "name": n.name, "formula": n.formula,
              "value": _scalar(n.value), "grad": _scalar(n.grad),
              "value_text": _text_of(n.value), "grad_text": _text_of(n.grad)}
             for n in g.nodes]
    edges = [{"src": e.src, "dst": e.dst, "index": e.index, "local": _scalar(e.local)}
             for e in g.edges]
    return {"nodes": nodes, "edges": edges, "root": g.root,
            "svg": g.to_svg(engine="builtin")}


def _scalar(v: Any) -> Optional[float]:
    if v is None:
        return None
    a = np.asarray(v, dtype=float)
    return _finite(a.ravel()[0]) if a.size == 1 else None


def _text_of(v: Any) -> Optional[str]:
    if v is None:
        return None
    a = np.asarray(v, dtype=float)
    return _STYLE.num(a.ravel()[0]) if a.size == 1 else None


ENDPOINTS = {"derivative": derivative, "check": check, "curve": curve, "graph": graph_at}


def run(endpoint: str, fields: dict) -> dict:
    """Answer one request: ``fields`` are the JSON object's members; unknown ones are an
    error (a typo should not be silently ignored).

    >>> run("derivative", {"f": "x^2", "x": 1})["derivatives"][0]["value"]
    2.0
    """
    fn = ENDPOINTS[endpoint]
    allowed = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    unknown = [k for k in fields if k not in allowed]
    if unknown:
        raise RequestError(400, "request", f"unknown field {str(unknown[0])[:40]!r}; this "
                           f"endpoint takes {', '.join(allowed)}", field=str(unknown[0])[:40])
    required = allowed[:fn.__code__.co_argcount - len(fn.__defaults__ or ())]
    missing = [k for k in required if k not in fields]
    if missing:
        raise RequestError(400, "request", f"missing field '{missing[0]}'; this endpoint "
                           f"takes {', '.join(allowed)}", field=missing[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(**fields)
