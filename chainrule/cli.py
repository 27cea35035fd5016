"""The command line: ``chainrule EXPR [--at x=2[,y=3]] [--wrt x] [--order N] [--steps] [--latex]
[--json] [--plot FILE] [--graph FILE] [--check ANSWER]``.

Argument handling and printing only: the formula comes from :mod:`chainrule.symbolic` (the
table's rules run on expressions), the numbers from the autodiff engine (:func:`chainrule.grad`
on the expression evaluated with tracers), and the two are checked against each other.

Exit codes: 0 success, 1 a mathematical problem at the point (log(0), sqrt(-1), an overflow)
or a ``--check`` answer that is wrong, 2 a usage or parse error, 3 an internal error (a bug:
please report it). Every error is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
from typing import Any, Iterator, Optional, Sequence, TextIO

TUTORIAL = "5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5"
TUTORIAL_POINT = {"x": 2.0}
MAX_ORDER = 10

EXIT_OK, EXIT_MATH, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_WRONG = EXIT_MATH   # a --check answer that is wrong

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

def _style(unicode: bool, latex: bool = False) -> Any:
    from .text.check import Style  # noqa: PLC0415
    return Style(unicode, latex)


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
        epilog="Exit codes: 0 ok, 1 the maths is undefined at the point or the --check "
               "answer is wrong, 2 usage or syntax error, 3 internal error. Examples: "
               "chainrule \"x^2 sin(x)\" --at x=1;  "
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
                   "--check \"20x^3 + 9x^2 + 14x + 9\": right if the difference simplifies "
                   "to 0 or the two agree at 48 random points of f's domain (seed 0); a "
                   "wrong answer exits with 1")
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
    return _style(False).num(v)


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

def _parse_expression(text: str, what: str = "", notes: Optional[list] = None,
                      names: Optional[dict] = None) -> Any:
    from .text.parser import ParseError, parse  # noqa: PLC0415
    try:
        return parse(text, notes=[] if notes is None else notes, names=names)
    except ParseError as err:
        raise UsageError(f"{what}{err}") from err


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    from .text.check import quiet  # noqa: PLC0415
    with quiet():
        yield


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
    style = _style(_can_encode(out), latex=ns.latex)
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
    # Readings the user may not have meant (sinx as a variable) are notes on stderr; the
    # formulas keep the user's names for functions (ln stays ln).
    notes: list = []
    names: dict = {}
    expr = _parse_expression(text, notes=notes, names=names)
    answer = None if ns.check is None else \
        _parse_expression(ns.check, "--check: ", notes, names)
    for note in notes:
        _write(sys.stderr, f"chainrule: note: {_one_line(note)}\n")
    from .symbolic import spelling  # noqa: PLC0415
    with spelling(names):
        return _answer(ns, expr, answer, at_specs, style, lines)


def _answer(ns: Any, expr: Any, answer: Any, at_specs: list, style: Any, lines: list) -> tuple:
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
    if answer is not None:
        report["check"] = _check(expr, variables, wrt, order, point, answer, report, style)
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
    # A wrong --check answer is a result (printed on stdout), and exit 1 lets a script or a
    # grader see it.
    wrong = "check" in report and report["check"]["correct"] is False
    return lines, EXIT_WRONG if wrong else EXIT_OK


def _compute(expr: Any, variables: list, wrt: list, order: int, point: Optional[dict],
             style: Any) -> dict:
    from .text.check import Undefined, derivative_report  # noqa: PLC0415
    try:
        return derivative_report(expr, variables, wrt, order, point, style)
    except Undefined as err:
        raise MathProblem(str(err)) from None
    except ValueError as err:
        raise UsageError(str(err)) from None


def _too_large_text(err: Any) -> str:
    return (f"(too large to print: over {err.limit} operations at order {err.order}; "
            "the value below is from Taylor mode)")


def _format(report: dict, style: Any) -> list:
    variables, wrt, order = report["variables"], report["wrt"], report["order"]
    single, point = report["single"], report["point"]
    fvars = ", ".join(variables) if variables else (wrt[0] if single else "")
    rows: list = [(f"f({fvars})", style.formula(report["expr"]))]
    for v in wrt:
        d = report["derivatives"][v]
        rows.append((style.label(v, order, single),
                     _too_large_text(report["too_large"][v]) if d is None else style.formula(d)))
    if point is not None:
        args = style.args(point, variables or wrt)
        rows.append((f"f({args})", style.num(report["value"])))
        for v in wrt:
            rows.append((style.label(v, order, single, args),
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

def _check(expr: Any, variables: list, wrt: list, order: int, point: Optional[dict],
           answer: Any, report: dict, style: Any) -> dict:
    from .text.check import answer_report  # noqa: PLC0415
    try:
        return answer_report(expr, answer, variables, wrt, order, point, report, style)
    except ValueError as err:
        raise UsageError(str(err)) from None


# ----------------------------------------------------------------------------------------
# --steps, --plot, --graph.

def _steps(expr: Any, wrt: list, order: int, style: Any) -> dict:
    from .text.explain import explain  # noqa: PLC0415
    steps = {}
    for v in wrt:
        try:
            explanation = explain(expr, v, order)
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
           style: Any) -> Optional[str]:
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
