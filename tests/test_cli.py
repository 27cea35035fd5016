"""The command line: what it prints, its exit codes, and a table of hostile or broken inputs,
each answered with one line on stderr and no traceback, quickly.

Most rows run ``main()`` in-process (fast); a few run the real ``python -m chainrule`` in a
subprocess under different locales and output encodings.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import pathlib
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

import chainrule as cr
from chainrule.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent
TUTORIAL = "5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5"


def run(*argv: str, stdout=None) -> tuple:
    """main(argv) in-process: (exit code, stdout text, stderr text, seconds)."""
    out = stdout if stdout is not None else io.StringIO()
    err = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    elapsed = time.perf_counter() - start
    text = out.getvalue() if isinstance(out, io.StringIO) else None
    return code, text, err.getvalue(), elapsed


def run_process(*argv, env_extra=None, timeout=60) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTHONIOENCODING", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "chainrule", *argv], capture_output=True,
                          env=env, cwd=str(ROOT), timeout=timeout)


def assert_one_line_error(err: str) -> None:
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    assert err.startswith("chainrule: "), err
    assert "Traceback" not in err
    assert len(err) < 400


def tutorial(x):
    return 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5


# ----------------------------------------------------------------------------------------
# What it prints.

def test_no_arguments_runs_the_tutorial():
    code, out, err, _ = run()
    assert code == 0 and err == ""
    slope = cr.grad(tutorial)(2.0)
    value = tutorial(2.0)
    assert "f′(x) = 20x³ + 9x² + 14x + 9" in out
    assert f"f(2)  = {value:g}" in out
    assert f"f′(2) = {slope:g}" in out
    intercept = value - slope * 2
    assert f"tangent at x = 2: y = {slope:g}x − {-intercept:g}" in out
    assert "y = 233x − 321" in out          # the words
    assert TUTORIAL in out                  # how to run it yourself


def test_explicit_tutorial_matches_the_default_run():
    code, out, _, _ = run(TUTORIAL, "--at", "x=2")
    default = run()[1]
    assert code == 0 and default.endswith(out)


def test_expression_starting_with_minus():
    for argv in (["-x**2", "--at", "x=1"], ["--at", "x=1", "-x**2"], ["--at=x=1", "--", "-x**2"]):
        code, out, err, _ = run(*argv)
        assert code == 0, err
        assert "f′(1) = −2" in out and "f(1)  = −1" in out


def test_negative_point_and_option_values_starting_with_minus():
    code, out, err, _ = run("x^3", "--at", "x=-2", "--check", "-3x^2+6x^2")
    assert code == 0, err
    assert f"f′(−2) = {cr.grad(lambda t: t ** 3)(-2.0):g}" in out
    assert "Correct" in out


def test_unquoted_words_are_joined():
    code, out, err, _ = run("x^2", "+", "3x", "--at", "x=1")
    assert code == 0, err
    assert "f′(1) = 5" in out


def test_formula_only_without_a_point():
    code, out, err, _ = run("sin(x^2)")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("f(x)") and lines[1].startswith("f′(x)")
    assert len(lines) == 2


def test_several_variables_give_partials_and_the_gradient():
    code, out, err, _ = run("x*y^2 + sin(y)", "--at", "x=1.5,y=-2")
    assert code == 0, err
    gx, gy = cr.grad(lambda x, y: x * y ** 2 + cr.sin(y), argnums=(0, 1))(1.5, -2.0)
    assert "∂f/∂x" in out and "∂f/∂y" in out
    assert f"∂f/∂x(1.5, −2) = {gx:.10g}" in out
    grad_line = next(ln for ln in out.splitlines() if ln.startswith("∇f(1.5, −2)"))
    assert grad_line.endswith(f"= ({gx:.10g}, {gy:.10g})".replace("-", "−"))
    code, out, err, _ = run("x*y^2", "--at", "x=1,y=2", "--wrt", "y")
    assert code == 0 and "∂f/∂y(1, 2) = 4" in out and "∂f/∂x" not in out


def test_higher_order():
    code, out, err, _ = run(TUTORIAL, "--at", "x=2", "--order", "3")
    d3 = cr.grad(cr.grad(cr.grad(tutorial)))(2.0)
    assert code == 0, err
    assert "f‴(x) = 120x + 18" in out and f"f‴(2) = {d3:g}" in out
    assert "tangent" not in out
    code, out, err, _ = run("x^2 y^3", "--at", "x=1,y=1", "--order", "2")
    assert code == 0 and "∂²f/∂y²(1, 1) = 6" in out


def test_json_output():
    code, out, err, _ = run("x^2*y", "--at", "x=3,y=2", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["variables"] == ["x", "y"] and data["at"] == {"x": 3.0, "y": 2.0}
    gx, gy = cr.grad(lambda x, y: x ** 2 * y, argnums=(0, 1))(3.0, 2.0)
    assert data["gradient"] == [gx, gy]
    assert data["value"] == 18.0
    assert set(data["derivatives"]["x"]) == {"text", "unicode", "latex"}
    code, out, _, _ = run("--json")
    data = json.loads(out)
    assert data["tangent"] == {"slope": 233.0, "intercept": -321.0}
    assert data["derivatives"]["x"]["text"] == "20*x**3 + 9*x**2 + 14*x + 9"


def test_latex_output():
    code, out, err, _ = run("sqrt(x)/x", "--latex")
    assert code == 0, err
    assert "\\" in out and "frac" in out
    code, out, err, _ = run("sin(x^2)", "--latex", "--steps")
    assert code == 0, err
    assert "**chain rule**" in out and "$" in out


def test_steps_show_the_rules():
    code, out, err, _ = run("sin(x^2)*exp(x)", "--steps")
    assert code == 0, err
    assert "product rule" in out.lower() and "chain rule" in out.lower()


def test_check_a_right_answer():
    code, out, err, _ = run(TUTORIAL, "--check", "20x^3+9x^2+14x+9")
    assert code == 0, err
    assert out.splitlines()[-1].startswith("✓ Correct")


def test_check_a_wrong_answer_names_a_point_where_it_differs():
    code, out, err, _ = run(TUTORIAL, "--at", "x=2", "--check", "20x^3+9x^2+14x")
    assert code == 1 and err == ""          # a wrong answer is a result, and exits 1
    line = out.splitlines()[-1]
    assert line.startswith("✗ Not quite")
    # The claimed numbers are true: the answer and f′ really differ there.
    import re
    m = re.search(r"At x = (\S+) your answer gives (\S+), but f′\(\S+\) = (\S+)\.", line)
    assert m, line
    x, yours, want = (float(g.replace("−", "-")) for g in m.groups())
    assert yours == 20 * x ** 3 + 9 * x ** 2 + 14 * x
    assert want == cr.grad(tutorial)(x)
    assert "is 9" in line               # the difference, worked out symbolically


def test_check_json_and_errors():
    code, out, _, _ = run("x^2", "--check", "2*x+1", "--json")
    data = json.loads(out)
    assert code == 1 and data["check"]["correct"] is False
    assert data["check"]["expected"] != data["check"]["yours"]
    code, _, err, _ = run("x^2", "--check", "2*y")
    assert code == 2 and "'y'" in err
    code, _, err, _ = run("x*y", "--check", "y")
    assert code == 2 and "--wrt" in err
    code, out, _, _ = run("x*y", "--wrt", "x", "--check", "y")
    assert code == 0 and "Correct" in out


def test_ascii_fallback_when_the_terminal_cannot_print_unicode():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    code, _, err, _ = run("--steps", stdout=stream)
    stream.flush()
    text = raw.getvalue().decode("ascii")
    assert code == 0, err
    assert "f'(x) = 20*x**3 + 9*x**2 + 14*x + 9" in text
    assert "y = 233*x - 321" in text


def test_ascii_graph_tree():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    code, _, err, _ = run("x*y", "--at", "x=2,y=3", "--graph", "-", stdout=stream)
    stream.flush()
    text = raw.getvalue().decode("ascii")
    assert code == 0, err
    assert "+-- [d 3] x = 2  (grad 3)" in text and "`-- [d 2] y = 3  (grad 2)" in text


def test_constant_expression():
    code, out, err, _ = run("2+3", "--at", "x=1")
    assert code == 0, err
    assert "f′(1) = 0" in out


def test_plot_and_graph_files(tmp_path):
    pytest.importorskip("matplotlib")
    png, svg, dot = tmp_path / "t.png", tmp_path / "g.svg", tmp_path / "g.dot"
    code, out, err, _ = run("x^2 sin(x)", "--at", "x=1", "--plot", str(png), "--graph", str(svg))
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    code, _, err, _ = run("x^2 sin(x)", "--at", "x=1", "--graph", str(dot))
    assert code == 0 and dot.read_text(encoding="utf-8").startswith("digraph")
    code, out, err, _ = run("x*y", "--at", "x=2,y=3", "--graph", "-")
    assert code == 0, err
    assert "(grad 3)" in out and "(grad 2)" in out
    code, out, err, _ = run("x*y", "--at", "x=2,y=3", "--graph", "-", "--json")
    assert code == 0 and "(grad 3)" in json.loads(out)["graph_text"]


def test_plot_along_one_variable_of_several(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "slice.png"
    code, _, err, _ = run("x^2*y", "--at", "x=1,y=3", "--wrt", "x", "--plot", str(png))
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_engine_and_formula_are_cross_checked(monkeypatch):
    import chainrule.symbolic as symbolic
    real = symbolic.diff
    monkeypatch.setattr(symbolic, "diff", lambda e, v="x", n=1: real(e, v, n) + 0.001)
    code, out, err, _ = run("x^2", "--at", "x=3")
    assert code == 1 and out == ""
    assert_one_line_error(err)
    assert "autodiff engine gives 6.0" in err and "6.001" in err


def test_plot_without_matplotlib_is_a_usage_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    code, out, err, _ = run("x^2", "--at", "x=1", "--plot", str(tmp_path / "t.png"))
    assert code == 2 and out == ""
    assert_one_line_error(err)
    assert "pip install matplotlib" in err


def test_broken_pipe_is_not_an_error():
    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")
    code, _, err, _ = run("x^2", stdout=Closed())
    assert code == 0 and err == ""


# ----------------------------------------------------------------------------------------
# The table of bad inputs: exit code, one line on stderr, no traceback, under 2 seconds.

BAD = [
    # code injection and things that are not maths
    ("__import__('os')", 2), ("__import__('os').system('echo hacked')", 2),
    ("().__class__.__bases__", 2), ("x.__class__", 2), ("x.real", 2), ("lambda: 1", 2),
    ("[x for x in (1, 2)]", 2), ("'abc'", 2), ('"x"', 2), ("x; import os", 2),
    ("open('/etc/passwd')", 2), ("eval('1')", 2), ("exec('x=1')", 2), ("globals()", 2),
    ("\uff3f\uff3fimport\uff3f\uff3f('os')", 2), ("x if x else 1", 2), ("{x}", 2),
    ("f'{x}'", 2), ("x[0]", 2), ("x = 1", 2), ("x := 1", 2), ("a, b", 2), ("`ls`", 2),
    ("\x1b[31mred", 2), ("x\x00", 2),
    # syntax errors
    ("5*x**", 2), ("(x+1", 2), ("x+1)", 2), ("x ** * 2", 2), ("*x", 2), ("sin", 2),
    ("2..5*x", 2), ("x y z (", 2),
    # unknown functions and wrong arity
    ("sine(x)", 2), ("foo(x)", 2), ("sin(x, x)", 2), ("log()", 2), ("sin()", 2),
    # huge numbers are never computed as exact integers, and never silently become inf
    ("9**9**9", 2), ("1e999*x", 2), ("x^(10^400)", 2), ("2^1023*2*x", 2),
    # too big, too deep, too long
    ("(" * 5000 + "x" + ")" * 5000, 2), ("sin(" * 3000 + "x" + ")" * 3000, 2),
    ("-" * 20000 + "x", 2), ("x+" * 60000 + "x", 2), ("x" * 100001, 2),
]


@pytest.mark.parametrize("expression,code", BAD, ids=[repr(b[0])[:40] for b in BAD])
def test_bad_expressions(expression, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    got, out, err, elapsed = run(expression, "--at", "x=1")
    assert got == code, (got, err)
    assert out == ""
    assert_one_line_error(err)
    assert "hacked" not in err and list(tmp_path.iterdir()) == []
    assert elapsed < 2.0


def test_unknown_function_suggests_the_name():
    code, _, err, _ = run("sine(x)")
    assert code == 2 and "sine" in err and "'sin'" in err


BAD_POINTS = ["x=abc", "x=nan", "x=inf", "x=-inf", "x=1e309", "x=-1e999", "x=\u0663",
              "x=\uff12", "x=1_000", "x=0x10", "x=", "=2", "x=2,x=3", "y=2", "x=2,", "x=1/2",
              "x=2;rm -rf /", "x==2", "1x=2", "x=\u00b2"]


@pytest.mark.parametrize("point", BAD_POINTS)
def test_bad_points(point):
    code, out, err, elapsed = run("x^2", "--at", point)
    assert code == 2 and out == ""
    assert_one_line_error(err)
    assert "--at" in err
    assert elapsed < 2.0


def test_point_needs_every_variable():
    code, _, err, _ = run("x*y", "--at", "x=1")
    assert code == 2 and "no value for y" in err
    code, _, err, _ = run("x*y", "--at", "2")
    assert code == 2 and "which variable" in err
    code, out, err, _ = run("t^3", "--at", "2")          # a bare number names the variable
    assert code == 0 and "f′(2) = 12" in out


DOMAIN = [("log(x)", "x=0", "log(0)"), ("log(x)", "x=-1", "positive"),
          ("sqrt(x)", "x=-1", "sqrt"), ("1/x", "x=0", "division by zero"),
          ("log(x-1)", "x=1", "log"), ("x^0.5", "x=-4", "negative base"),
          ("exp(x)", "x=1000", "overflow"), ("x^(-1)", "x=0", "0"),
          ("sqrt(x)", "x=0", "vertical tangent"), ("exp(exp(x))", "x=10", "overflow"),
          ("x + log(-2)", "x=1", "constant part"), ("arctanh(x)", "x=1", "arctanh(1)"),
          ("1/arctanh(x)", "x=1", "f′(x) is not defined"),
          ("x^99999999999", "x=1e10", "overflows"), ("10^300*x^2", "x=1e10", "overflows")]


@pytest.mark.parametrize("expression,point,words", DOMAIN)
def test_domain_errors_say_why(expression, point, words):
    code, out, err, elapsed = run(expression, "--at", point)
    assert code == 1, err
    assert out == ""
    assert_one_line_error(err)
    assert words in err
    assert elapsed < 2.0


OPTION_ERRORS = [["x", "--order", "0"], ["x", "--order", "11"], ["x", "--order", "two"],
                 ["x", "--wrt", "1x"], ["x", "--wrt", "x,x"], ["x", "--frobnicate"],
                 ["x", "--at"], ["x", "--jsn"], ["x^2", "--plot", "t.png"],
                 ["x*y", "--at", "x=1,y=1", "--plot", "t.png"], ["x", "--graph", "g.bmp"],
                 ["x*y", "--plot", "t.png", "--wrt", "x"],
                 [""], ["   "], ["x", "--check", "2*"]]


@pytest.mark.parametrize("argv", OPTION_ERRORS, ids=[" ".join(a) or "empty" for a in OPTION_ERRORS])
def test_usage_errors(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err, elapsed = run(*argv)
    assert code == 2, err
    assert out == ""
    assert_one_line_error(err)
    assert elapsed < 2.0


def test_did_you_mean_for_options():
    code, _, err, _ = run("x", "--jsn")
    assert code == 2 and "--json" in err


def test_help_and_version():
    code, out, _, _ = run("--help")
    assert code == 0 and "--check" in out and "Exit codes" in out
    code, out, _, _ = run("--version")
    assert code == 0 and out.strip() == f"chainrule {cr.__version__}"


def test_control_characters_are_escaped_in_errors():
    code, _, err, _ = run("\x1b[2Jsin(x")
    assert code == 2 and "\x1b" not in err


# ----------------------------------------------------------------------------------------
# The real program, in several locales and encodings.

@pytest.mark.parametrize("env", [{"LC_ALL": "C"}, {"LC_ALL": "C.UTF-8"},
                                 {"LC_ALL": "C", "PYTHONIOENCODING": "ascii"},
                                 {"PYTHONUTF8": "0", "LC_ALL": "C", "LANG": "C"}])
def test_subprocess_locales(env):
    proc = run_process(env_extra=env)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")
    assert "233" in out and "145" in out and ("20x³" in out or "20*x**3" in out)
    if env.get("PYTHONIOENCODING") == "ascii":
        assert proc.stdout.isascii()
    bad = run_process("sine(x)", env_extra=env)
    assert bad.returncode == 2 and bad.stdout == b""
    assert_one_line_error(bad.stderr.decode("utf-8", "replace"))


def test_subprocess_non_utf8_argument_bytes():
    proc = run_process(b"x\xff\xfe+1", env_extra={"LC_ALL": "C"})
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr.decode("utf-8", "replace"))


def test_subprocess_domain_error_and_minus():
    proc = run_process("-x**2", "--at", "x=1")
    assert proc.returncode == 0 and "2" in proc.stdout.decode()
    proc = run_process("log(x)", "--at", "x=0")
    assert proc.returncode == 1
    assert_one_line_error(proc.stderr.decode("utf-8"))


def test_math_values_are_finite_in_success_output():
    code, out, _, _ = run("tan(x)", "--at", "x=1.5", "--json")
    data = json.loads(out)
    assert code == 0 and math.isfinite(data["derivative_values"]["x"])


# ----------------------------------------------------------------------------------------
# docs/cli.md shows real output: every `$ chainrule ...` block is rerun and compared.

def _doc_sessions() -> list:
    import re
    import shlex
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    sessions = []
    for block in re.findall(r"```\n(.*?)```", text, flags=re.S):
        current = None
        for line in block.splitlines():
            if line.startswith("$ "):
                words = shlex.split(line[2:])
                env = {}
                while "=" in words[0]:
                    key, _, value = words.pop(0).partition("=")
                    env[key] = value
                assert words[0] == "chainrule", line
                current = (words[1:], env, [])
                sessions.append(current)
            elif current is not None:
                current[2].append(line)
    return sessions


def test_docs_show_real_output():
    sessions = _doc_sessions()
    assert len(sessions) >= 10
    for argv, env, expected in sessions:
        if env.get("PYTHONIOENCODING") == "ascii":
            raw = io.BytesIO()
            stream = io.TextIOWrapper(raw, encoding="ascii")
            code, _, err, _ = run(*argv, stdout=stream)
            stream.flush()
            got = raw.getvalue().decode("ascii") + err
        else:
            code, out, err, _ = run(*argv)
            got = out + err
        while expected and expected[-1] == "":     # a blank line between two sessions
            expected.pop()
        assert got.rstrip("\n").splitlines() == expected, (
            f"docs/cli.md is out of date for `chainrule {' '.join(argv)}`; paste the real "
            f"output:\n{got}")


def test_steps_too_large_is_a_usage_error_not_an_internal_one():
    tower = "^".join(["x"] * 31)
    code, out, err, _ = run(tower, "--steps")
    assert code == 2 and out == ""
    assert_one_line_error(err)
    assert "too large to explain step by step" in err and "leave out --steps" in err
