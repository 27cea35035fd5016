"""The command line: ``chainrule EXPR [--at x=2[,y=3]] [--wrt x] [--order N] [--steps] [--latex]
[--json] [--plot FILE] [--graph FILE] [--check ANSWER]``.

Argument handling and printing only: the formula comes from :mod:`chainrule.symbolic` (the
table's rules run on expressions), the numbers from the autodiff engine (:func:`chainrule.grad`
on the expression evaluated with tracers), and the two are checked against each other.

Exit codes: 0 success, 1 a mathematical problem at the point (log(0), sqrt(-1), an overflow),
2 a usage or parse error, 3 an internal error (a bug: please report it). Every error is one
line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
import warnings
from typing import Any, Iterator, Optional, Sequence, TextIO

import numpy as np

TUTORIAL = "5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5"
TUTORIAL_POINT = {"x": 2.0}
MAX_ORDER = 10

EXIT_OK, EXIT_MATH, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

_VALUE_OPTIONS = ("--at", "--wrt", "--order", "--plot", "--graph", "--check")
_FLAG_OPTIONS = ("--steps", "--latex", "--json", "--code", "--version", "-h", "--help")
# Plain decimals only: no `nan`, `inf`, `1_000`, hex, or non-ASCII digits (float() takes those).
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MAX_MESSAGE = 300


__all__ = ["main", "UsageError", "MathProblem"]


class UsageError(Exception):
    """Bad command line or expression text: exit code 2."""


class MathProblem(Exception):
    """The expression or its derivative is undefined at the point: exit code 1."""


# ----------------------------------------------------------------------------------------
# Output: Unicode when the stream can print it, ASCII otherwise.

class _Style:
    """How to write formulas and labels for one output stream."""

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


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def _can_encode(stream: Any, sample: str = "f′(x) = 20x³ − 9 ∂∇√·⁽⁾✓✗…") -> bool:
    encoding = getattr(stream, "encoding", None)
    if encoding is None:
        return True   # a text buffer such as io.StringIO holds any character
    try:
        sample.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


_ASCII_FALLBACK = str.maketrans({
    "′": "'", "″": "''", "‴": "'''", "−": "-", "·": "*", "×": "*", "∂": "d", "∇": "grad ",
    "√": "sqrt", "→": "->", "⇒": "=>", "≈": "~", "≠": "!=", "≤": "<=", "≥": ">=", "…": "...",
    "π": "pi", "✓": "[ok]", "✗": "[x]", "²": "^2", "³": "^3", "⁴": "^4", "⁰": "^0",
    "¹": "^1", "⁵": "^5", "⁶": "^6", "⁷": "^7", "⁸": "^8", "⁹": "^9", "⁻": "^-",
    "—": "-", "–": "-", "│": "|", "├": "+", "└": "`", "─": "-", "∞": "inf",
})


def _write(stream: TextIO, text: str) -> None:
    """Write, degrading characters the stream's encoding cannot hold instead of failing."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        text = text.translate(_ASCII_FALLBACK)
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))


def _one_line(message: str) -> str:
    """A message as one printable line: control characters (terminal escape sequences in the
    user's text included) are shown escaped, and very long messages are cut."""
    text = " ".join(str(message).split("\n"))
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE - 3] + "..."


# ----------------------------------------------------------------------------------------
# Arguments.

class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]
        raise UsageError(message)


def _argument_parser() -> _Parser:
    p = _Parser(
        prog="chainrule", allow_abbrev=False,
        description="Differentiate an expression: the formula from the symbolic rules, the "
                    "value at a point from the autodiff engine, checked against each other. "
                    "With no arguments: the tutorial's example, d/dx (5x^4 + 3x^3 + 7x^2 + 9x "
                    "- 5) at x = 2.",
        epilog="Exit codes: 0 ok, 1 the maths is undefined at the point, 2 usage or syntax "
               "error, 3 internal error. Examples: chainrule \"x^2 sin(x)\" --at x=1;  "
               "chainrule \"-x**2\" --at x=1;  chainrule \"x*y^2\" --at x=1,y=2;  "
               "chainrule \"5x^4\" --check \"20x^3\".")
    p.add_argument("expression", nargs="*", help="the expression, e.g. \"5x^4 + 3x^3\" "
                   "(quote it; it may start with '-')")
    p.add_argument("--at", metavar="x=2[,y=3]", action="append",
                   help="the point: plain decimal numbers for every variable")
    p.add_argument("--wrt", metavar="x[,y]", help="differentiate with respect to these "
                   "variables (default: all)")
    p.add_argument("--order", metavar="N", default="1",
                   help=f"the N-th derivative, 1 <= N <= {MAX_ORDER} (default 1)")
    p.add_argument("--steps", action="store_true", help="show the derivation step by step")
    p.add_argument("--latex", action="store_true", help="formulas in LaTeX")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--plot", metavar="FILE", help="plot f, f' and the tangent line "
                   "(PNG, SVG or PDF by extension; needs matplotlib)")
    p.add_argument("--graph", metavar="FILE", help="the computation graph with values, "
                   "gradients and local derivatives (.svg, .dot, .txt, or - for the terminal)")
    p.add_argument("--check", metavar="ANSWER", help="check your own derivative, e.g. "
                   "--check \"20x^3 + 9x^2 + 14x + 9\"")
    p.add_argument("--code", action="store_true", help="print the derivative program "
                   "cr.compile generates for it (Python, one line per operation)")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    return p


def _rearrange(argv: Sequence[str]) -> list:
    """Put every option first (values joined as ``--opt=value``) and the expression after
    ``--``, so an expression such as ``-x**2`` is never taken for an option."""
    options: list = []
    words: list = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            words.extend(argv[i + 1:])
            break
        name = tok.split("=", 1)[0]
        if name in _VALUE_OPTIONS:
            if "=" in tok:
                options.append(tok)
            elif i + 1 < len(argv):
                options.append(f"{tok}={argv[i + 1]}")
                i += 1
            else:
                raise UsageError(f"{tok} needs a value (see chainrule --help)")
        elif tok in _FLAG_OPTIONS:
            options.append(tok)
        elif tok.startswith("--") and len(tok) > 2 and tok[2:3].isalpha():
            known = _VALUE_OPTIONS + _FLAG_OPTIONS
            import difflib  # noqa: PLC0415  (only on this error path)
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else "; see chainrule --help"
            raise UsageError(f"unknown option {name}{hint}")
        else:
            words.append(tok)
        i += 1
    return options + (["--"] + words if words else [])


def _parse_point(specs: Sequence[str], variables: list, extra: Sequence[str] = ()) -> dict:
    """``x=2,y=-0.5`` -> {"x": 2.0, "y": -0.5}; a bare ``2`` names the only variable.
    Every variable needs a value; names in ``extra`` (``--wrt`` variables that the expression
    does not use) may have one."""
    point: dict = {}
    allowed = list(variables) + [e for e in extra if e not in variables]
    for spec in specs:
        items = spec.split(",")
        for item in items:
            item = item.strip(" \t")
            if not item:
                raise UsageError(f"--at {spec!r}: an empty entry; write --at x=2 or "
                                 f"--at x=2,y=3")
            if "=" in item:
                name, _, text = item.partition("=")
                name, text = name.strip(" \t"), text.strip(" \t")
                if not _NAME.match(name):
                    raise UsageError(f"--at: {name!r} is not a variable name; write --at x=2")
            else:
                if len(items) > 1 or len(specs) > 1 or len(allowed) != 1:
                    raise UsageError(
                        f"--at {item!r}: which variable? write name=value for each of "
                        f"{', '.join(allowed)} (e.g. --at {allowed[0]}=1)"
                        if allowed else f"--at {item!r}: write name=value, e.g. --at x=2")
                name, text = allowed[0], item
            if not _NUMBER.match(text):
                raise UsageError(
                    f"--at {name}={text}: not a plain decimal number; write digits with an "
                    "optional sign, point and exponent, e.g. 2, -0.5 or 1e-3")
            value = float(text)
            if not math.isfinite(value):
                raise UsageError(f"--at {name}={text}: too large for a floating-point number "
                                 "(the limit is about 1.8e308)")
            if name in point:
                raise UsageError(f"--at: {name} is given twice")
            point[name] = value
    unknown = [k for k in point if k not in allowed]
    if unknown:
        raise UsageError(f"--at: the expression has no variable {unknown[0]!r} (its "
                         f"variables: {', '.join(variables) or 'none'})")
    missing = [v for v in variables if v not in point]
    if missing:
        given = ",".join(f"{k}={_plain(v)}" for k, v in point.items())
        extra = ",".join(f"{m}=..." for m in missing)
        raise UsageError(f"--at: no value for {', '.join(missing)}; give every variable a "
                         f"value, e.g. --at {given + ',' if given else ''}{extra}")
    return point


def _plain(v: float) -> str:
    return _Style(False).num(v)


def _parse_wrt(spec: Optional[str], variables: list) -> list:
    if spec is None:
        return list(variables) or ["x"]
    names = [s.strip(" \t") for s in spec.split(",")]
    for n in names:
        if not _NAME.match(n):
            raise UsageError(f"--wrt {spec!r}: {n!r} is not a variable name; write --wrt x "
                             "or --wrt x,y")
    if len(set(names)) != len(names):
        raise UsageError(f"--wrt {spec!r}: a variable is named twice")
    return names


def _parse_order(spec: str) -> int:
    if not re.fullmatch(r"[0-9]{1,3}", spec or "") or not 1 <= int(spec) <= MAX_ORDER:
        raise UsageError(f"--order {spec!r}: give a whole number from 1 to {MAX_ORDER}")
    return int(spec)


# ----------------------------------------------------------------------------------------
# The maths: calls into the library (parser, symbolic, functional, visual).

def _parse_expression(text: str, what: str = "") -> Any:
    from .text.parser import ParseError, parse  # noqa: PLC0415
    try:
        return parse(text)
    except ParseError as err:
        raise UsageError(f"{what}{err}") from err


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Domain problems are reported by the CLI itself, not as NumPy warnings."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _evaluate(expr: Any, point: dict) -> float:
    names = expr.free_symbols()
    try:
        with _quiet():
            value = expr.evaluate({k: point[k] for k in names})
    except (ZeroDivisionError, OverflowError):
        return math.nan   # Python float arithmetic met the singularity: undefined here
    from .core import value_of  # noqa: PLC0415
    return float(np.asarray(value_of(value), dtype=float))


def _autodiff(expr: Any, variables: list, point: dict, var: str, order: int) -> float:
    """The ``order``-th partial derivative at the point, from the engine: ``cr.grad`` for the
    first, Taylor mode (``cr.derivative``, one pass at any order) for higher ones, around the
    expression evaluated on tracers with the other variables held at the point."""
    from .functional import derivative, grad  # noqa: PLC0415
    from .core import value_of  # noqa: PLC0415
    fixed = {n: point[n] for n in variables if n != var}

    def f(t):
        env = dict(fixed)
        if var in variables:
            env[var] = t
        return expr.evaluate(env) + 0.0 * t   # (+ 0·t: a constant is still a function of t)

    g = grad(f) if order == 1 else derivative(f, order)
    try:
        with _quiet():
            value = g(point.get(var, 0.0))
    except (ZeroDivisionError, OverflowError):
        # A rule divided by zero in Python float arithmetic: a singular derivative here.
        return math.inf
    return float(np.asarray(value_of(value), dtype=float))


def _why_undefined(expr: Any, point: dict, style: _Style) -> str:
    """Say in words where and why the expression breaks down at the point (the graph finds
    the first operation whose result is not finite although its inputs are)."""
    from .visual import graph  # noqa: PLC0415
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


def _reason(op: str, args: list, style: _Style) -> str:
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


# ----------------------------------------------------------------------------------------
# The run.

def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    >>> main(["x**2", "--at", "x=3"])
    f(x)  = x²
    f′(x) = 2x
    f(3)  = 9
    f′(3) = 6
    tangent at x = 3: y = 6x − 9
    0
    """
    out, err = sys.stdout, sys.stderr
    try:
        args = list(sys.argv[1:] if argv is None else argv)
        if args[:1] == ["serve"]:   # `chainrule serve`: the web page (chainrule.web)
            from .web import main as serve  # noqa: PLC0415
            return serve(args[1:])
        # NumPy's RuntimeWarnings (log of 0, ...) would add lines to stderr: the CLI finds
        # and explains those problems itself.
        with _quiet():
            lines, code = _run(args, out)
        if lines:
            _write(out, "\n".join(lines) + "\n")
        out.flush()
        return code
    except UsageError as e:
        _write(err, f"chainrule: error: {_one_line(str(e))}\n")
        return EXIT_USAGE
    except MathProblem as e:
        _write(err, f"chainrule: {_one_line(str(e))}\n")
        return EXIT_MATH
    except SystemExit as e:   # --help (argparse prints it, then exits)
        return e.code if isinstance(e.code, int) else EXIT_OK
    except KeyboardInterrupt:
        _write(err, "chainrule: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not our error. Point stdout at devnull so
        # Python's final flush does not complain about the closed pipe either.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return EXIT_OK
    except (RecursionError, MemoryError):
        _write(err, "chainrule: error: the expression is too large or too deeply nested to "
                    "work with; simplify it\n")
        return EXIT_USAGE
    except Exception as e:  # noqa: BLE001  (the promise: one line, never a traceback)
        _write(err, f"chainrule: internal error ({type(e).__name__}: {_one_line(str(e))}); "
                    "please report it\n")
        return EXIT_INTERNAL


def _run(argv: list, out: TextIO) -> tuple:
    ns = _argument_parser().parse_args(_rearrange(argv))
    if ns.version:
        from . import __version__  # noqa: PLC0415
        return [f"chainrule {__version__}"], EXIT_OK
    style = _Style(_can_encode(out), latex=ns.latex)
    lines: list = []
    text = " ".join(ns.expression).strip()
    at_specs = ns.at or []
    if ns.expression and not text:
        raise UsageError("the expression is empty; write one, e.g. chainrule \"x^2\" --at x=3"
                         " (or no arguments at all for the tutorial's example)")
    if not text:
        text = TUTORIAL
        if not at_specs:
            at_specs = [f"x={_plain(TUTORIAL_POINT['x'])}"]
            if not ns.json:
                lines.append(f"The tutorial's example: chainrule \"{TUTORIAL}\" --at x=2")
                lines.append("")
    expr = _parse_expression(text)
    variables = list(expr.free_symbols())
    wrt = _parse_wrt(ns.wrt, variables)
    order = _parse_order(ns.order)
    point = _parse_point(at_specs, variables, wrt) if at_specs else None
    if ns.code:   # the generated derivative program (chainrule.compiler)
        from .compiler import expression_code  # noqa: PLC0415
        try:
            return expression_code(expr, variables, wrt, order, point).splitlines(), EXIT_OK
        except ValueError as e:
            raise UsageError(str(e)) from None
    report = _compute(expr, variables, wrt, order, point, style)
    if ns.check is not None:
        report["check"] = _check(expr, variables, wrt, order, point, ns.check, report, style)
    if ns.steps:
        report["steps"] = _steps(expr, wrt, order, style)
    if ns.plot is not None:
        _plot(expr, variables, wrt, point, ns.plot)
        report["plot"] = ns.plot
    graph_text = None
    if ns.graph is not None:
        graph_text = _graph(expr, variables, point, ns.graph, style)
        report["graph"] = ns.graph
    if ns.json:
        view = _json_view(report)
        if graph_text is not None:
            view["graph_text"] = graph_text
        lines = [json.dumps(view, ensure_ascii=True, indent=2)]
    else:
        lines.extend(_format(report, style))
        if graph_text is not None:
            lines.extend(["", graph_text])
    return lines, EXIT_OK


def _compute(expr: Any, variables: list, wrt: list, order: int, point: Optional[dict],
             style: _Style) -> dict:
    from .symbolic import FormulaTooLarge, diff  # noqa: PLC0415
    report: dict = {"expr": expr, "variables": variables, "wrt": wrt, "order": order,
                    "point": point, "derivatives": {}, "values": {}, "too_large": {}}
    single = len(set(variables) | set(wrt)) == 1
    report["single"] = single
    for v in wrt:
        try:
            report["derivatives"][v] = diff(expr, v, order)
        except FormulaTooLarge as err:
            # The number does not need the formula: the engine gives it at any order.
            report["derivatives"][v] = None
            report["too_large"][v] = err
            if point is None:
                label = _derivative_label(v, order, single, style)
                raise UsageError(
                    f"{label}: the formula grows past {err.limit} operations (at order "
                    f"{err.order} it has {err.nodes}), too large to print; add --at "
                    f"{_example_point(variables or [v])} for its value at a point, which the "
                    "engine computes in Taylor mode at any order") from None
    if point is None:
        return report
    fa = _evaluate(expr, point)
    if not math.isfinite(fa):
        why = _why_undefined(expr, point, style)
        raise MathProblem(f"f is not defined at {_point_text(point, variables, style)}"
                          f"{': ' + why if why else f' (its value is {fa})'}")
    report["value"] = fa
    for v in wrt:
        engine_value = _autodiff(expr, variables, point, v, order)
        formula = report["derivatives"][v]
        # Without a formula, the engine's value is checked against itself: both "sides".
        formula_value = engine_value if formula is None else _evaluate(formula, point)
        label = _derivative_label(v, order, single, style)
        if not (math.isfinite(engine_value) and math.isfinite(formula_value)):
            why = "" if formula is None else _why_undefined(formula, point, style)
            vertical = math.isinf(engine_value) and math.isinf(formula_value)
            shape = "infinite" if vertical else "not a number"
            raise MathProblem(
                f"{label} is not defined at {_point_text(point, variables, style)}: "
                f"{why if why else f'the derivative is {shape} there'}"
                f"{' (f has a vertical tangent there)' if vertical else ''}")
        if not math.isclose(engine_value, formula_value, rel_tol=1e-8, abs_tol=1e-10):
            raise MathProblem(
                f"{label}: the autodiff engine gives {engine_value!r} but the formula gives "
                f"{formula_value!r}; they should agree: please report this expression")
        report["values"][v] = engine_value
    if single and order == 1:
        (v,) = wrt
        slope = report["values"][v]
        a = point.get(v, 0.0)
        report["tangent"] = (slope, fa - slope * a)
    return report


def _example_point(names: list) -> str:
    return ",".join(f"{n}={k + 1}" for k, n in enumerate(names))


def _too_large_text(err: Any) -> str:
    return (f"(too large to print: over {err.limit} operations at order {err.order}; "
            "the value below is from Taylor mode)")


def _point_text(point: dict, variables: list, style: _Style) -> str:
    names = variables or list(point)
    return ", ".join(f"{n} = {style.num(point[n])}" for n in names if n in point)


def _args_text(point: dict, variables: list, style: _Style) -> str:
    names = variables or list(point)
    return ", ".join(style.num(point[n]) for n in names if n in point)


def _derivative_label(v: str, order: int, single: bool, style: _Style, arg: str = "") -> str:
    if single:
        return f"f{style.prime(order)}({arg or v})"
    return style.partial(v, order) + (f"({arg})" if arg else "")


def _format(report: dict, style: _Style) -> list:
    variables, wrt, order = report["variables"], report["wrt"], report["order"]
    single, point = report["single"], report["point"]
    fvars = ", ".join(variables) if variables else (wrt[0] if single else "")
    rows: list = [(f"f({fvars})", style.formula(report["expr"]))]
    for v in wrt:
        d = report["derivatives"][v]
        rows.append((_derivative_label(v, order, single, style),
                     _too_large_text(report["too_large"][v]) if d is None else style.formula(d)))
    if point is not None:
        args = _args_text(point, variables or wrt, style)
        rows.append((f"f({args})", style.num(report["value"])))
        for v in wrt:
            rows.append((_derivative_label(v, order, single, style, args),
                         style.num(report["values"][v])))
        if len(wrt) > 1:
            nabla = "∇f" if style.unicode else "grad f"
            if order > 1:
                nabla = None
            if nabla:
                rows.append((f"{nabla}({args})", "(" + ", ".join(
                    style.num(report["values"][v]) for v in wrt) + ")"))
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)} = {val}" for k, val in rows]
    if "tangent" in report:
        (v,) = wrt
        slope, intercept = report["tangent"]
        from .visual import line_text  # noqa: PLC0415
        lines.append(f"tangent at {v} = {style.num(point[v])}: y = "
                     f"{line_text(slope, intercept, v, style.unicode)}")
    if "check" in report:
        lines.append("")
        lines.append(report["check"]["message"])
    if "steps" in report:
        for v, text in report["steps"].items():
            lines.append("")
            lines.append(f"Steps for d/d{v}:" if len(report["steps"]) > 1 else "Steps:")
            lines.extend(text.splitlines())
    return lines


def _json_view(report: dict) -> dict:
    def forms(e: Any) -> dict:
        return {"text": str(e), "unicode": e.to_unicode(), "latex": e.to_latex()}

    view: dict = {"expression": forms(report["expr"]), "variables": report["variables"],
                  "wrt": report["wrt"], "order": report["order"], "at": report["point"],
                  "derivatives": {v: None if d is None else forms(d)
                                  for v, d in report["derivatives"].items()}}
    if report["too_large"]:
        view["formula_too_large"] = {v: str(e) for v, e in report["too_large"].items()}
    if report["point"] is not None:
        view["value"] = report["value"]
        view["derivative_values"] = dict(report["values"])
        if len(report["wrt"]) > 1 and report["order"] == 1:
            view["gradient"] = [report["values"][v] for v in report["wrt"]]
    if "tangent" in report:
        view["tangent"] = {"slope": report["tangent"][0], "intercept": report["tangent"][1]}
    if "check" in report:
        view["check"] = {k: v for k, v in report["check"].items() if k != "message"}
        view["check"]["message"] = report["check"]["message"]
    if "steps" in report:
        view["steps"] = report["steps"]
    for key in ("plot", "graph"):
        if key in report:
            view[key] = report[key]
    return view


# ----------------------------------------------------------------------------------------
# --check: is the learner's derivative right?

_SAMPLES = (1.0, 2.0, -1.0, 0.5, 3.0, -2.0, 1.5, -0.5, 0.25, 2.5, -1.5, 4.0, 0.0, -3.0)


def _check(expr: Any, variables: list, wrt: list, order: int, point: Optional[dict],
           answer_text: str, report: dict, style: _Style) -> dict:
    if len(wrt) != 1:
        raise UsageError("--check compares one derivative: add --wrt with one variable, e.g. "
                         f"--wrt {wrt[0]}")
    (v,) = wrt
    answer = _parse_expression(answer_text, "--check: ")
    allowed = set(variables) | {v}
    extra = [s for s in answer.free_symbols() if s not in allowed]
    if extra:
        raise UsageError(f"--check: your answer uses {extra[0]!r}, which f does not have "
                         f"(f's variables: {', '.join(sorted(allowed))})")
    truth = report["derivatives"][v]
    if truth is None:
        raise UsageError(f"--check: the formula for this derivative is too large to compare "
                         f"with (over {report['too_large'][v].limit} operations); check a "
                         "lower --order")
    names = sorted(allowed)
    single = report["single"]
    label = _derivative_label(v, order, single, style)
    points = []
    if point is not None:
        points.append(dict(point))
    for k in range(len(_SAMPLES)):
        points.append({n: _SAMPLES[(k + 5 * j) % len(_SAMPLES)] for j, n in enumerate(names)})
    compared = 0
    for p in points:
        want = _evaluate(truth, p)
        if not math.isfinite(want):
            continue
        got = _evaluate(answer, p)
        compared += 1
        if not (math.isfinite(got) and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)):
            at = _point_text(p, names, style)
            args = _args_text(p, names, style)
            flabel = _derivative_label(v, order, single, style, args)
            mark = "✗" if style.unicode else "[x]"
            hint = _difference_hint(truth, answer, style)
            message = (f"{mark} Not quite: {style.formula(answer)} is not {label}. At {at} "
                       f"your answer gives {style.num(got)}, but {flabel} = {style.num(want)}."
                       + hint)
            return {"correct": False, "answer": str(answer), "at": p, "yours": got,
                    "expected": want, "message": message}
    if compared == 0:
        return {"correct": None, "answer": str(answer), "message":
                f"Could not check: {label} is not defined at any of the test points."}
    mark = "✓" if style.unicode else "[ok]"
    return {"correct": True, "answer": str(answer), "points": compared,
            "message": f"{mark} Correct: {style.formula(answer)} equals {label} "
                       f"(they agree at all {compared} test points)."}


def _difference_hint(truth: Any, answer: Any, style: _Style) -> str:
    from .symbolic import simplify  # noqa: PLC0415
    try:
        text = style.formula(simplify(truth - answer))
    except Exception:  # noqa: BLE001  (the hint is optional)
        return ""
    if len(text) > 60:
        return ""
    return f" The difference (right answer minus yours) is {text}."


# ----------------------------------------------------------------------------------------
# --steps, --plot, --graph.

def _steps(expr: Any, wrt: list, order: int, style: _Style) -> dict:
    from .text.explain import explain  # noqa: PLC0415
    from .symbolic import diff  # noqa: PLC0415
    steps = {}
    for v in wrt:
        try:
            target = expr if order == 1 else diff(expr, v, order - 1)
            explanation = explain(target, v)
        except ValueError:   # explain's size limits: too big to show step by step
            raise UsageError("--steps: this expression is too large to explain step by step; "
                             "leave out --steps to get the formula.") from None
        steps[v] = explanation.to_markdown() if style.latex else explanation.to_text()
    return steps


def _plot(expr: Any, variables: list, wrt: list, point: Optional[dict], path: str) -> None:
    from .visual import plot_tangent  # noqa: PLC0415
    if len(wrt) != 1:
        raise UsageError("--plot draws f along one variable; choose it with --wrt, e.g. "
                         f"--wrt {wrt[0]} (the others stay at their --at values)")
    if point is None:
        raise UsageError(f"--plot needs the point of tangency: add --at {wrt[0]}=...")
    (v,) = wrt
    f: Any = expr
    title = None
    others = [n for n in variables if n != v]
    if others:
        # A slice through the point: the other variables held at their values.
        fixed = {n: point[n] for n in others}

        def f(t: Any) -> Any:
            return expr.evaluate({**fixed, v: t}) if v in variables else \
                expr.evaluate(fixed) + 0 * t
        shown = ", ".join(f"{n} = {_plain(point[n])}" for n in others)
        title = f"f along {v} with {shown}: f, ∂f/∂{v} and the tangent at {v} = " \
                f"{_plain(point[v])}"
    try:
        plot_tangent(f, point[v], var=v, file=path, title=title)
    except ImportError as e:
        raise UsageError(str(e)) from e
    except OSError as e:
        raise UsageError(f"--plot: cannot write {path!r}: {e.strerror or e}") from e
    except ValueError as e:
        raise UsageError(f"--plot: {e}") from e


def _graph(expr: Any, variables: list, point: Optional[dict], path: str,
           style: _Style) -> Optional[str]:
    from .visual import graph  # noqa: PLC0415
    g = graph(expr, at={k: point[k] for k in variables} if point is not None else None)
    if path == "-":
        return g.to_text(unicode=style.unicode)
    try:
        g.save(path)
    except ValueError as e:
        raise UsageError(f"--graph: {e}") from e
    except OSError as e:
        raise UsageError(f"--graph: cannot write {path!r}: {e.strerror or e}") from e
    return None


if __name__ == "__main__":
    sys.exit(main())
