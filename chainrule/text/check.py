"""The maths behind the command line and the web page: a formula with its value at a point,
computed twice (symbolic formula, autodiff engine) and checked against each other, and the
answer checker (``--check``) that a learner or a grader can rely on.

An answer is right when the difference from the true derivative simplifies to 0, or else
when the two agree at many random points of the expression's own domain (seeded, so a run
can be repeated). Fixed sample points can be fooled (``2x + sin(4πx)`` equals ``2x`` at every
quarter-integer); random ones cannot, short of a measure-zero coincidence.

>>> from chainrule.text.parser import parse
>>> from chainrule.symbolic import diff
>>> f = parse("tan(x)")
>>> r = check_answer(diff(f), parse("1 + tan(x)^2"), ["x"], f=f)
>>> r["correct"], r["how"]
(True, 'symbolic')
>>> check_answer(diff(parse("x^2")), parse("2x + sin(4 pi x)"), ["x"])["correct"]
False
"""

from __future__ import annotations

import contextlib
import math
import warnings
from fractions import Fraction
from typing import Any, Callable, Iterator, Optional

import numpy as np

from .. import symbolic
from ..symbolic import Expr, FormulaTooLarge, simplify

__all__ = ["Style", "Undefined", "quiet", "evaluate", "engine_derivative", "why_undefined",
           "derivative_report", "check_answer", "check_message", "answer_report", "exact_text",
           "SAMPLES"]

# Random points an answer is compared at (those where the derivative is defined).
SAMPLES = 48


class Undefined(ArithmeticError):
    """The expression or its derivative is undefined at the point (log(0), sqrt(-1), ...)."""


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Domain problems are reported in words, not as NumPy warnings."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


class Style:
    """How formulas, numbers and labels are written: Unicode (f′(x), −2) or ASCII, LaTeX."""

    def __init__(self, unicode: bool, latex: bool = False):
        self.unicode = unicode
        self.latex = latex

    @property
    def minus(self) -> str:
        return "\u2212" if self.unicode else "-"

    def formula(self, expr: Any) -> str:
        if self.latex:
            return expr.to_latex()
        return expr.to_unicode() if self.unicode else str(expr)

    def num(self, v: float) -> str:
        """233, 0.5, 3.010007503, 1.5e+20 (ten significant digits, no float noise)."""
        v = float(v)
        if v == 0:
            s = "0"
        elif math.isfinite(v) and v == int(v) and abs(v) < 1e15:
            s = str(int(v))
        else:
            s = f"{v:.10g}"
        return s.replace("-", self.minus)

    def prime(self, n: int) -> str:
        if self.unicode:
            return {1: "′", 2: "″", 3: "‴"}.get(n, f"⁽{_superscript(n)}⁾")
        return "'" * n if n <= 3 else f"^({n})"

    def partial(self, var: str, n: int) -> str:
        if self.unicode:
            k = "" if n == 1 else _superscript(n)
            return f"∂{k}f/∂{var}{k}"
        k = "" if n == 1 else f"^{n}"
        return f"d{k}f/d{var}{k}"

    def label(self, v: str, order: int, single: bool, arg: str = "") -> str:
        """f′(x), f″(2), ∂f/∂x(1, 2)."""
        if single:
            return f"f{self.prime(order)}({arg or v})"
        return self.partial(v, order) + (f"({arg})" if arg else "")

    def point(self, point: dict, names: list) -> str:
        return ", ".join(f"{n} = {self.num(point[n])}" for n in (names or list(point))
                         if n in point)

    def args(self, point: dict, names: list) -> str:
        return ", ".join(self.num(point[n]) for n in (names or list(point)) if n in point)


def evaluate(expr: Expr, point: dict) -> float:
    """The value at the point as a float (nan where Python arithmetic met a singularity)."""
    from ..core import value_of  # noqa: PLC0415
    names = expr.free_symbols()
    try:
        with quiet():
            value = expr.evaluate({k: point[k] for k in names})
    except (ZeroDivisionError, OverflowError):
        return math.nan
    return float(np.asarray(value_of(value), dtype=float))


def engine_derivative(expr: Expr, variables: list, point: dict, var: str, order: int) -> float:
    """The ``order``-th partial derivative at the point, from the engine: ``cr.grad`` for the
    first, Taylor mode (one pass at any order) for higher ones, around the expression
    evaluated on tracers with the other variables held at the point."""
    from ..core import value_of  # noqa: PLC0415
    from ..functional import derivative, grad  # noqa: PLC0415
    fixed = {n: point[n] for n in variables if n != var}

    def f(t: Any) -> Any:
        env = dict(fixed)
        if var in variables:
            env[var] = t
        return expr.evaluate(env) + 0.0 * t   # (+ 0·t: a constant is still a function of t)

    g = grad(f) if order == 1 else derivative(f, order)
    try:
        with quiet():
            value = g(point.get(var, 0.0))
    except (ZeroDivisionError, OverflowError):
        return math.inf     # a rule divided by zero in float arithmetic: singular here
    return float(np.asarray(value_of(value), dtype=float))


def why_undefined(expr: Expr, point: dict, style: Style) -> str:
    """Where and why the expression breaks down at the point, in words (the graph finds the
    first operation whose result is not finite although its inputs are)."""
    from ..visual import graph  # noqa: PLC0415
    try:
        found = graph(expr, at=point, grads=False).breakdown()
    except Exception:  # noqa: BLE001  (the explanation is a bonus; the error stands anyway)
        return ""
    if found is None:
        return ""
    node, inputs = found
    if node.kind == "constant":
        return (f"a constant part of it is not a finite number ({node.name}); look for "
                "parts without variables such as log(-2), (-1)^pi or 1/0")
    args = [float(np.asarray(i.value, dtype=float).ravel()[0]) for i in inputs]
    where = f"in {node.formula}, " if node.formula else ""
    return where + _reason(node.name, args, style)


def _reason(op: str, args: list, style: Style) -> str:
    num = style.num
    a = args[0] if args else float("nan")
    if op == "log":
        return ("log(0) is undefined (log goes to minus infinity at 0)" if a == 0 else
                f"log({num(a)}) is undefined: log needs a positive number")
    if op == "sqrt":
        return (f"sqrt({num(a)}) is not a real number: sqrt needs a number >= 0"
                if a < 0 else f"sqrt({num(a)}) is undefined")
    if op == "div" and len(args) == 2 and args[1] == 0:
        return "0 / 0 is undefined" if a == 0 else f"division by zero ({num(a)} / 0)"
    if op == "pow" and len(args) == 2:
        b = args[1]
        if a < 0 and b != int(b):
            return (f"{num(a)} to the power {num(b)} is not a real number (a negative base "
                    "needs a whole-number exponent)")
        if a == 0 and b < 0:
            return f"0 to the negative power {num(b)} is a division by zero"
        return f"{num(a)} to the power {num(b)} overflows (too large for a float)"
    if op in ("exp", "mul", "add", "sub", "div", "pow", "tan", "tanh", "neg"):
        return f"{op} overflows: the result is too large for a floating-point number"
    shown = ", ".join(num(v) for v in args)
    return f"{op}({shown}) is not defined"


def _example_point(names: list) -> str:
    return ",".join(f"{n}={k + 1}" for k, n in enumerate(names))


def derivative_report(expr: Expr, variables: list, wrt: list, order: int,
                      point: Optional[dict], style: Style) -> dict:
    """The formulas of the ``order``-th derivatives by each of ``wrt`` and, at a point, the
    values, each computed by the engine and checked against its formula.

    Raises :class:`Undefined` where f or a derivative is undefined at the point, and
    ValueError for a formula too large to print when there is no point to evaluate at.

    >>> from chainrule.text.parser import parse
    >>> r = derivative_report(parse("x^2"), ["x"], ["x"], 1, {"x": 3.0}, Style(True))
    >>> str(r["derivatives"]["x"]), r["values"]["x"], r["tangent"]
    ('2*x', 6.0, (6.0, -9.0))
    """
    report: dict = {"expr": expr, "variables": variables, "wrt": wrt, "order": order,
                    "point": point, "derivatives": {}, "values": {}, "too_large": {}}
    single = len(set(variables) | set(wrt)) == 1
    report["single"] = single
    for v in wrt:
        try:
            report["derivatives"][v] = symbolic.diff(expr, v, order)
        except FormulaTooLarge as err:
            # The number does not need the formula: the engine gives it at any order.
            report["derivatives"][v] = None
            report["too_large"][v] = err
            if point is None:
                raise ValueError(
                    f"{style.label(v, order, single)}: the formula grows past {err.limit} "
                    f"operations (at order {err.order} it has {err.nodes}), too large to "
                    f"print; add --at {_example_point(variables or [v])} for its value at a "
                    "point, which the engine computes in Taylor mode at any order") from None
    if point is None:
        return report
    fa = evaluate(expr, point)
    if not math.isfinite(fa):
        why = why_undefined(expr, point, style)
        raise Undefined(f"f is not defined at {style.point(point, variables)}"
                        f"{': ' + why if why else f' (its value is {fa})'}")
    report["value"] = fa
    for v in wrt:
        engine_value = engine_derivative(expr, variables, point, v, order)
        formula = report["derivatives"][v]
        # Without a formula, the engine's value is checked against itself: both "sides".
        formula_value = engine_value if formula is None else evaluate(formula, point)
        label = style.label(v, order, single)
        if not (math.isfinite(engine_value) and math.isfinite(formula_value)):
            why = "" if formula is None else why_undefined(formula, point, style)
            vertical = math.isinf(engine_value) and math.isinf(formula_value)
            shape = "infinite" if vertical else "not a number"
            raise Undefined(
                f"{label} is not defined at {style.point(point, variables)}: "
                f"{why if why else f'the derivative is {shape} there'}"
                f"{' (f has a vertical tangent there)' if vertical else ''}")
        if not math.isclose(engine_value, formula_value, rel_tol=1e-8, abs_tol=1e-10):
            raise Undefined(
                f"{label}: the autodiff engine gives {engine_value!r} but the formula gives "
                f"{formula_value!r}; they should agree: please report this expression")
        report["values"][v] = engine_value
    if single and order == 1:
        (v,) = wrt
        slope = report["values"][v]
        report["tangent"] = (slope, fa - slope * point.get(v, 0.0))
    return report


# ----------------------------------------------------------------------------------------
# The answer checker.

# Small exact points tried first, so that a wrong answer is shown where the numbers are
# easy to follow (x = 1 rather than x = 0.7310585786).
_NICE = (1.0, 2.0, -1.0, 0.5, 3.0, -2.0, 0.25, -0.5)
_NICER = (0.1, 0.2, 0.3, -0.1, 0.7, 1.1, 1.3, 2.1, -0.3)


def _draw(rng: np.random.Generator) -> float:
    """One random number from a mixture wide enough for most domains: |x| < 4, (0, 1)
    (arcsin, arcsech), and both signs up to 10^3 (sqrt(x - 100))."""
    kind = rng.integers(0, 4)
    if kind == 0:
        return float(rng.uniform(-4.0, 4.0))
    if kind == 1:
        return float(rng.uniform(0.0, 1.0))
    if kind == 2:
        return float(rng.uniform(-1.0, 1.0))
    return float(rng.choice((-1.0, 1.0)) * 10.0 ** rng.uniform(0.0, 3.0))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-9)


def exact_text(v: float, style: Style) -> str:
    """A value as a textbook writes it where it is a simple fraction (5/4), else a decimal."""
    if math.isfinite(v) and v != int(v) and len(repr(v)) > 8:
        q = Fraction(v).limit_denominator(1000)
        if abs(float(q) - v) <= 1e-12 * max(1.0, abs(v)):
            return f"{style.minus if q < 0 else ''}{abs(q.numerator)}/{q.denominator}"
    return style.num(v)


def check_answer(truth: Expr, answer: Expr, names: list, *, f: Optional[Expr] = None,
                 point: Optional[dict] = None, samples: int = SAMPLES, seed: int = 0) -> dict:
    """Is ``answer`` equal to ``truth`` (a derivative of ``f``)?

    Returns ``{"correct": True/False/None, "how": "symbolic"/"numeric"/None, "points": n,
    "seed": seed}``, and for a wrong answer ``"at"`` (a point where they differ),
    ``"yours"``, ``"expected"`` and ``"difference"`` (truth − answer, simplified).
    ``correct`` is None when no point of the domain was found to compare at.
    """
    difference = simplify(truth - answer)
    out: dict = {"seed": seed, "points": 0, "how": None}
    if difference.is_number and difference.value == 0:
        out.update(correct=True, how="symbolic")
        return out
    rng = np.random.default_rng(seed)
    candidates: list = []
    if point is not None:
        candidates.append(dict(point))
    candidates += [{n: _NICE[(k + 3 * j) % len(_NICE)] for j, n in enumerate(names)}
                   for k in range(len(_NICE))]
    tries = 0
    compared = 0
    first_wrong = None
    given = len(candidates)      # the user's point and the small exact ones
    while compared < samples + len(_NICE) and tries < 40 * samples:
        if candidates:
            p = candidates.pop(0)
        else:
            p = {n: _draw(rng) for n in names}
        tries += 1
        if f is not None and not math.isfinite(evaluate(f, p)):
            continue          # outside f's domain
        want = evaluate(truth, p)
        if not math.isfinite(want):
            continue
        got = evaluate(answer, p)
        compared += 1
        if not (math.isfinite(got) and _close(got, want)):
            first_wrong = (p, got, want)
            break
    out["points"] = compared
    if first_wrong is not None:
        # A point with short numbers is easier to follow than a random one, if they
        # differ there too.
        for q in (_NICER if tries > given else ()):
            p = {n: q * (1 + j) for j, n in enumerate(names)}
            if f is not None and not math.isfinite(evaluate(f, p)):
                continue
            want = evaluate(truth, p)
            got = evaluate(answer, p)
            if math.isfinite(want) and not (math.isfinite(got) and _close(got, want)):
                first_wrong = (p, got, want)
                break
        p, got, want = first_wrong
        out.update(correct=False, how="numeric", at=p, yours=got, expected=want,
                   difference=difference)
        return out
    if compared == 0:
        out["correct"] = None
        return out
    out.update(correct=True, how="numeric")
    return out


def check_message(result: dict, answer: Expr, label: str, names: list, style: Style,
                  flabel: Callable[[str], str]) -> str:
    """The one-line verdict for :func:`check_answer`'s result (``flabel(args)`` names the
    derivative at a point, e.g. ``f′(2)``)."""
    shown = style.formula(answer)
    if result["correct"] is None:
        return (f"Could not check: {label} is not defined at any of the points tried "
                f"(random points of f's domain, seed {result['seed']}).")
    if result["correct"]:
        mark = "✓" if style.unicode else "[ok]"
        how = "their difference simplifies to 0" if result["how"] == "symbolic" else \
            (f"they agree at all {result['points']} test points, drawn at random from f's "
             f"domain with seed {result['seed']}")
        return f"{mark} Correct: {shown} equals {label} ({how})."
    mark = "✗" if style.unicode else "[x]"
    p = result["at"]
    at = ", ".join(f"{n} = {exact_text(p[n], style)}" for n in names)
    args = ", ".join(exact_text(p[n], style) for n in names)
    message = (f"{mark} Not quite: {shown} is not {label}. At {at} your answer gives "
               f"{exact_text(result['yours'], style)}, but {flabel(args)} = "
               f"{exact_text(result['expected'], style)}.")
    text = style.formula(result["difference"])
    if len(text) <= 60:
        message += f" The difference (right answer minus yours) is {text}."
    return message


def answer_report(expr: Expr, answer: Expr, variables: list, wrt: list, order: int,
                  point: Optional[dict], report: dict, style: Style) -> dict:
    """``--check`` for :func:`derivative_report`'s ``report``: the verdict with its message
    (``correct``, ``how``, ``points``, ``seed``, ``message``; for a wrong answer ``at``,
    ``yours``, ``expected``). Raises ValueError when the question cannot be asked (several
    variables, an answer with a variable f does not have, a formula too large)."""
    if len(wrt) != 1:
        raise ValueError("--check compares one derivative: add --wrt with one variable, e.g. "
                         f"--wrt {wrt[0]}")
    (v,) = wrt
    allowed = set(variables) | {v}
    extra = [s for s in answer.free_symbols() if s not in allowed]
    if extra:
        raise ValueError(f"--check: your answer uses {extra[0]!r}, which f does not have "
                         f"(f's variables: {', '.join(sorted(allowed))})")
    truth = report["derivatives"][v]
    if truth is None:
        raise ValueError(f"--check: the formula for this derivative is too large to compare "
                         f"with (over {report['too_large'][v].limit} operations); check a "
                         "lower --order")
    names = sorted(allowed)
    single = report["single"]
    result = check_answer(truth, answer, names, f=expr, point=point)
    message = check_message(result, answer, style.label(v, order, single), names, style,
                            lambda args: style.label(v, order, single, args))
    out = {"correct": result["correct"], "how": result["how"], "answer": str(answer),
           "points": result["points"], "seed": result["seed"], "message": message}
    if result["correct"] is False:
        out.update(at=result["at"], yours=result["yours"], expected=result["expected"])
    return out
