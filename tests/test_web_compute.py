"""The web page's maths and its command, without a server: the API functions
(chainrule.web.compute), the worker's error handling, Expr.to_mathml, `chainrule serve`'s
options and its message when the [web] extra is missing. None of these need Starlette."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import chainrule as cr
from chainrule import cli
from chainrule.web import _worker, compute
from web_support import ROOT, TUTORIAL

M = "{http://www.w3.org/1998/Math/MathML}"


# ----------------------------------------------------------------------------------------
# MathML.

def _tags(mathml: str) -> list:
    return [el.tag.replace(M, "") for el in ET.fromstring(mathml).iter()]


def test_mathml_of_the_tutorial_is_well_formed_with_powers():
    m = cr.parse(TUTORIAL).to_mathml()
    root = ET.fromstring(m)          # well-formed XML in the MathML namespace
    assert root.tag == M + "math" and "display" not in root.attrib
    assert _tags(m).count("msup") == 3
    text = "".join(root.itertext()).replace("\u2062", "")
    assert text == "5x4+3x3+7x2+9x−5"


def test_mathml_fraction_root_exponential_and_function():
    m = cr.diff("sqrt(x)").to_mathml()
    assert "<mfrac><mrow><mn>1</mn></mrow><mrow><mn>2</mn><mo>\u2062</mo><msqrt><mi>x</mi>" \
           "</msqrt></mrow></mfrac>" in m
    assert "<msup><mi>e</mi><mrow><mo>−</mo><mi>x</mi></mrow></msup>" in \
        cr.parse("exp(-x)").to_mathml()
    assert "<mi>sin</mi><mo>\u2061</mo><mrow><mo>(</mo>" in cr.parse("sin(x)").to_mathml()
    assert "<mi>π</mi>" in cr.parse("pi x").to_mathml()
    assert _tags(cr.parse("abs(x - 1)").to_mathml()).count("mo") == 3


def test_mathml_parentheses_where_the_unicode_form_has_them():
    assert cr.parse("(x + 1)^2").to_unicode() == "(x + 1)²"
    m = cr.parse("(x + 1)^2").to_mathml()
    assert "<msup><mrow><mrow><mo>(</mo><mi>x</mi><mo>+</mo><mn>1</mn><mo>)</mo>" in m
    assert "<mo>−</mo><mrow><mo>(</mo>" in cr.parse("x - (x + 1)").to_mathml()


def test_mathml_display_block_and_escaping():
    assert cr.parse("x").to_mathml(display=True).startswith(
        '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">')
    x = cr.symbol("x")
    m = cr.where(x < 1, x, 1.0).to_mathml()
    ET.fromstring(m)                 # '<' is escaped, so this parses
    assert "<mo>&lt;</mo>" in m


def test_an_unclosed_call_is_reported_at_its_parenthesis():
    # The page puts a caret under the column: it must be the '(' itself, not the name.
    with pytest.raises(cr.ParseError, match=r"'\(' at column 13 is never closed") as err:
        cr.parse("log(x) + sin(2x")
    assert err.value.column == 13
    with pytest.raises(compute.RequestError) as err:
        compute.derivative("sin(2x", 1)
    assert err.value.body()["column"] == 4


# ----------------------------------------------------------------------------------------
# The API functions, the same computation as the CLI.

def test_derivative_matches_the_cli(capsys):
    cli.main(["x^2 sin(x)", "--at", "x=1.5", "--json"])
    want = json.loads(capsys.readouterr().out)
    got = compute.derivative("x^2 sin(x)", 1.5)
    assert got["value"] == want["value"]
    assert got["derivatives"][0]["value"] == want["derivative_values"]["x"]
    assert got["derivatives"][0]["formula"]["text"] == want["derivatives"]["x"]["text"]
    assert got["tangent"]["slope"] == want["tangent"]["slope"]


def test_derivative_of_a_constant_and_of_another_variable():
    d = compute.derivative("7", 1)
    assert d["derivatives"][0]["value"] == 0.0 and d["tangent"]["text"] == "y = 7"
    d = compute.derivative("t^3", 2)
    assert d["variable"] == "t" and d["tangent"]["text"] == "y = 12t − 16"


def test_steps_too_large_are_a_note_not_an_error():
    product = " * ".join(f"sin(x + {k})" for k in range(1, 60))   # f′ has 59 long terms
    d = compute.derivative(product, 1.1, steps=True)
    assert d["steps"] is None and "too large to show step by step" in d["steps_note"]


def test_check_without_a_point_and_its_undecidable_case():
    assert compute.check("x^3", "3x^2")["correct"] is True
    # Far from the small sample points, but the difference simplifies to 0 (and random
    # points reach x > 100 too).
    assert compute.check("sqrt(x - 100)", "1/(2 sqrt(x - 100))")["correct"] is True
    assert compute.check("sqrt(x - 100)", "1/(2 sqrt(x - 100)) + 1e-6")["correct"] is False
    r = compute.check("sqrt(-1 - x^2)", "x")       # no real point at all
    assert r["correct"] is None and r["message"].startswith("Could not check")


def test_graph_too_large_is_not_drawn():
    big = " + ".join(f"x^{k}" for k in range(1, 120))
    g = compute.graph_at(big, 1)
    assert g["svg"] is None and "more than the 300 this page draws" in g["note"]


def test_curve_of_a_constant_and_a_bad_window():
    c = compute.curve("3", 0, n=3)
    assert c["ys"] == [3.0, 3.0, 3.0] and c["dys"] == [0.0, 0.0, 0.0]
    with pytest.raises(compute.RequestError, match="lo < hi"):
        compute.curve("x", 0, lo=1, hi=1)
    with pytest.raises(compute.RequestError, match="'n' must be a whole number from 2"):
        compute.curve("x", 0, n=10**6)


def test_worker_turns_every_failure_into_a_status():
    assert _worker.answer("curve", {"f": "x", "x": "1"})[0] == 400
    status, body = _worker.answer("derivative", {"f": "x", "x": 1, "order": 4})
    assert status == 400 and "from 1 to 3" in body["error"]


def test_worker_reports_an_internal_error_in_one_line(monkeypatch):
    def broken(f: str, x: float) -> dict:
        raise KeyError("boom\nsecond line")
    monkeypatch.setitem(compute.ENDPOINTS, "graph", broken)
    status, body = _worker.answer("graph", {"f": "x", "x": 1})
    assert status == 500 and body["kind"] == "internal"
    assert body["error"] == "internal error (KeyError: 'boom\\nsecond line'); please report it"


def test_worker_reports_too_large_for_recursion_and_memory(monkeypatch):
    def deep(f: str, x: float) -> dict:
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setitem(compute.ENDPOINTS, "graph", deep)
    status, body = _worker.answer("graph", {"f": "x", "x": 1})
    assert (status, body["kind"]) == (422, "size")


# ----------------------------------------------------------------------------------------
# The command.

def test_import_chainrule_loads_no_web_framework():
    code = ("import sys, chainrule, chainrule.cli; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'chainrule.web', 'anyio') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"


def test_serve_without_the_web_extra_says_how_to_install_it(monkeypatch, capsys):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("starlette", "uvicorn")
                        else real(name, *a))
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "needs starlette and uvicorn, which are not installed" in err
    assert "pip install 'chainrule[web]'" in err


@pytest.mark.parametrize("args,words", [
    (["--port", "70000"], "--port 70000: give a port from 0 to 65535"),
    (["--workers", "0"], "--workers 0: give 1 to 64"),
    (["--timeout", "0"], "--timeout 0: give 0.05 to 600 seconds"),
])
def test_serve_rejects_bad_options(capsys, args, words):
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    assert cli.main(["serve", *args]) == 2
    assert words in capsys.readouterr().err


def test_serve_rejects_an_unknown_option(capsys):
    assert cli.main(["serve", "--open"]) == 2
    assert "unrecognized arguments: --open" in capsys.readouterr().err


def test_serve_reports_a_port_in_use(capsys):
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_the_expression_serve_is_still_reachable(capsys):
    assert cli.main(["--", "serve"]) == 0
    assert "f′(serve) = 1" in capsys.readouterr().out
