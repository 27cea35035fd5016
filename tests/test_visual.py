"""Pictures: computation graphs (text, DOT, SVG) with values, gradients and local derivatives,
and the tangent plot. Output validity is checked by parsing (xml.etree for SVG, a small DOT
reader below, Graphviz itself when installed, matplotlib for PNG)."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule as cr
from chainrule.visual import Graph, line_text

SVG_NS = "{http://www.w3.org/2000/svg}"


def tutorial(x):
    return 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5


def tutorial_slope(a):
    return 20*a**3 + 9*a**2 + 14*a + 9


# ----------------------------------------------------------------------------------------
# A small DOT reader: enough of the grammar to prove that what we write is well formed.

_DOT_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<id>[A-Za-z_][A-Za-z0-9_]*|'
                        r'-?[0-9.]+)|(?P<arrow>->)|(?P<punct>[{}\[\];=,]))')


def parse_dot(text: str) -> tuple:
    """Return (node ids, edges as (a, b), attributes per node); raise ValueError if malformed."""
    tokens = []
    pos = 0
    end = re.compile(r"\s*\Z")
    while pos < len(text):
        if end.match(text, pos):
            break
        m = _DOT_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"bad DOT at {pos}: {text[pos:pos + 20]!r}")
        tokens.append((m.lastgroup, m.group(m.lastgroup)))
        pos = m.end()
    it = iter(tokens)

    def expect(kind, value=None):
        k, v = next(it)
        if k != kind or (value is not None and v != value):
            raise ValueError(f"expected {value or kind}, got {v!r}")
        return v

    expect("id", "digraph")
    expect("id")
    expect("punct", "{")
    nodes, edges, attrs = set(), [], {}

    def read_attrs():
        found = {}
        while True:
            k, v = next(it)
            if v == "]":
                return found
            if v == ",":
                continue
            key = v
            expect("punct", "=")
            _, val = next(it)
            found[key] = val

    while True:
        k, v = next(it)
        if v == "}":
            break
        if k != "id":
            raise ValueError(f"statement cannot start with {v!r}")
        k2, v2 = next(it)
        if v2 == "=":                      # graph attribute: rankdir=LR;
            next(it)
            expect("punct", ";")
        elif v2 == "[":
            a = read_attrs()
            expect("punct", ";")
            if v not in ("node", "edge", "graph"):
                nodes.add(v)
                attrs[v] = a
        elif k2 == "arrow":
            dst = expect("id")
            k3, v3 = next(it)
            if v3 == "[":
                read_attrs()
                expect("punct", ";")
            elif v3 != ";":
                raise ValueError(f"edge must end with ';', got {v3!r}")
            edges.append((v, dst))
        else:
            raise ValueError(f"unexpected {v2!r} after {v!r}")
    if list(it):
        raise ValueError("text after the closing brace")
    unknown = {a for e in edges for a in e} - nodes
    if unknown:
        raise ValueError(f"edges use undeclared nodes {unknown}")
    return nodes, edges, attrs


def test_dot_reader_rejects_broken_dot():
    with pytest.raises(ValueError):
        parse_dot('digraph g { n0 [label="a"]; n0 -> n1; }')      # undeclared n1
    with pytest.raises(ValueError):
        parse_dot('digraph g { n0 [label="a\\"]; }')               # unterminated string


# ----------------------------------------------------------------------------------------
# Tensor graphs.

def tutorial_graph():
    x = cr.tensor(2.0, requires_grad=True)
    y = tutorial(x)
    return x, y, cr.graph(y, names={"x": x})


def test_tensor_graph_values_and_gradients():
    x, y, g = tutorial_graph()
    root = g.nodes[g.root]
    assert root.value == y.item() == tutorial(2.0)
    assert root.grad == 1.0
    assert g.node("x").grad == tutorial_slope(2.0)
    assert g.node("x").value == 2.0
    # Drawing ran a backward pass of its own: .grad untouched, the graph still usable.
    assert x.grad is None
    y.backward()
    assert x.grad.item() == tutorial_slope(2.0)


def test_chain_rule_holds_on_every_node():
    """grad(input) = Σ over its users of grad(user) · local derivative, on every node."""
    x = cr.tensor(0.7, requires_grad=True)
    z = cr.tensor(-1.3, requires_grad=True)
    u = cr.sin(x * z)
    y = u * cr.exp(x) + cr.log(z * z) / (1.0 + u * u) - cr.tanh(x - z)
    g = cr.graph(y, names={"x": x, "z": z})
    by_id = {n.id: n for n in g.nodes}
    for n in g.nodes:
        if n.kind == "constant" or n.id == g.root:
            continue
        total = sum(by_id[e.dst].grad * e.local for e in g.edges if e.src == n.id)
        assert math.isclose(n.grad, total, rel_tol=1e-12, abs_tol=1e-12), n
    (gx, gz) = cr.grad(lambda a, b: (lambda u: u * cr.exp(a) + cr.log(b * b) / (1.0 + u * u)
                                     - cr.tanh(a - b))(cr.sin(a * b)), argnums=(0, 1))(0.7, -1.3)
    assert math.isclose(g.node("x").grad, gx, rel_tol=1e-12)
    assert math.isclose(g.node("z").grad, gz, rel_tol=1e-12)


def test_local_derivatives_are_the_table_partials():
    x = cr.tensor(0.4, requires_grad=True)
    y = cr.tensor(3.0, requires_grad=True)
    g = cr.graph(cr.sin(x) * y, names={"x": x, "y": y})
    by_name = {n.name: n for n in g.nodes}
    edges = {(g.nodes[e.src].name, g.nodes[e.dst].name): e.local for e in g.edges}
    assert edges[("x", "sin")] == math.cos(0.4)
    assert edges[("sin", "mul")] == 3.0
    assert edges[("y", "mul")] == math.sin(0.4)
    assert by_name["sin"].grad == 3.0


def test_array_graph_and_non_scalar_root():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = cr.tensor([[1.0, 0.0, 2.0], [0.5, 1.0, -1.0]], requires_grad=True)
    h = cr.tanh(w @ x)
    g = cr.graph(h, names={"x": x, "w": w})
    assert "sum(y)" in g.note
    expected = cr.grad(lambda w_: cr.tanh(w_ @ np.array([1.0, 2.0, 3.0])).sum())(w.data)
    np.testing.assert_allclose(g.node("w").grad, expected)
    text = g.to_text()
    assert "matmul" in text and "tanh" in text


def test_unnamed_leaves_and_constants():
    a = cr.tensor(1.5, requires_grad=True)
    c = cr.tensor(4.0)                     # no grad: a constant
    g = cr.graph(a * c + 2.0)
    kinds = {n.name: n.kind for n in g.nodes}
    assert kinds["t1"] == "input" and kinds["4"] == "constant" and kinds["2"] == "constant"


def test_graph_after_backward_says_retain_graph():
    x = cr.tensor(2.0, requires_grad=True)
    y = x * x + x
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        cr.graph(y)
    x2 = cr.tensor(2.0, requires_grad=True)
    y2 = x2 * x2 + x2
    y2.backward(retain_graph=True)
    assert cr.graph(y2, names={"x": x2}).node("x").grad == 5.0


def test_hooks_do_not_run_while_drawing():
    x = cr.tensor(2.0, requires_grad=True)
    calls = []
    u = x * 3.0
    u.register_hook(lambda grad: calls.append(grad))
    g = cr.graph(u * u, names={"x": x})
    assert calls == [] and g.node("x").grad == 36.0
    (u * u).backward()
    assert len(calls) == 1


def test_shared_nodes_print_once():
    x = cr.tensor(3.0, requires_grad=True)
    text = cr.graph(x * x + 1.0, names={"x": x}).to_text()
    lines = text.splitlines()
    assert lines[0].startswith("add = 10")
    assert sum("x = 3" in ln for ln in lines) == 1
    assert sum("(see above)" in ln for ln in lines) == 1
    ascii_text = cr.graph(x * x + 1.0, names={"x": x}).to_text(unicode=False)
    assert ascii_text.isascii() and "d 3" in ascii_text


def test_long_chain_needs_no_recursion():
    x = cr.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0001 + 0.0
    g = cr.graph(y, names={"x": x})
    assert math.isclose(g.node("x").grad, 1.0001 ** 3000, rel_tol=1e-9)
    assert len(g.to_text().splitlines()) > 3000
    parse_dot(g.to_dot())


def test_dot_and_svg_are_well_formed(tmp_path):
    _, _, g = tutorial_graph()
    nodes, edges, attrs = parse_dot(g.to_dot())
    assert len(nodes) == len(g.nodes) and len(edges) == len(g.edges)
    assert "grad 233" in attrs[f"n{g.node('x').id}"]["label"]
    svg = g.to_svg(engine="builtin")
    root = ET.fromstring(svg)
    assert root.tag == SVG_NS + "svg"
    texts = [t.text for t in root.iter(SVG_NS + "text")]
    assert "grad 233" in texts and "value 145" in texts
    assert len(root.findall(SVG_NS + "path")) == len(g.edges)     # the arrow head is in defs
    assert float(root.get("width")) > 100 and float(root.get("height")) > 50
    assert g._repr_svg_() == g.to_svg()
    for name in ("g.svg", "g.dot", "g.txt"):
        g.save(str(tmp_path / name))
    ET.parse(tmp_path / "g.svg")
    parse_dot((tmp_path / "g.dot").read_text(encoding="utf-8"))
    assert (tmp_path / "g.txt").read_text(encoding="utf-8").startswith("sub = 145")
    with pytest.raises(ValueError, match=".svg"):
        g.save(str(tmp_path / "g.png"))


def test_builtin_layout_puts_inputs_left_of_their_users():
    _, _, g = tutorial_graph()
    root = ET.fromstring(g.to_svg(engine="builtin"))
    # rects: the background, one per node in node order, then the edge-label patches
    rects = list(root.iter(SVG_NS + "rect"))[1:1 + len(g.nodes)]
    assert all(r.get("rx") == "6" for r in rects)
    left = {n.id: float(r.get("x")) for n, r in zip(g.nodes, rects)}
    for e in g.edges:
        assert left[e.src] < left[e.dst]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_accepts_our_dot():
    _, _, g = tutorial_graph()
    done = subprocess.run(["dot", "-Tsvg"], input=g.to_dot().encode(), capture_output=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    ET.fromstring(g.to_svg(engine="graphviz"))


def test_graphviz_engine_without_dot_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    _, _, g = tutorial_graph()
    with pytest.raises(RuntimeError, match="Graphviz"):
        g.to_svg(engine="graphviz")
    ET.fromstring(g.to_svg())           # auto falls back to the builtin layout


def test_graph_argument_errors():
    with pytest.raises(TypeError, match="Tensor, an expression or a string"):
        cr.graph(3.0)
    from chainrule.interpret.forward import Dual
    with pytest.raises(TypeError, match="got Dual"):
        cr.graph(Dual(1.0, 1.0, 1))
    x = cr.tensor(1.0, requires_grad=True)
    with pytest.raises(TypeError, match="only for expressions"):
        cr.graph(x * x, at={"x": 1.0})
    with pytest.raises(ValueError, match="engine"):
        cr.graph(x * x).to_svg(engine="neato")


def test_line_text_reads_like_a_textbook():
    assert line_text(233.0, -321.0) == "233x − 321"
    assert line_text(1.0, 0.0) == "x"
    assert line_text(-1.0, 2.5) == "−x + 2.5"
    assert line_text(0.0, 4.0) == "4"
    assert line_text(2.0, -1.0, "t", unicode=False) == "2*t - 1"


# ----------------------------------------------------------------------------------------
# Expression graphs (through the symbolic layer).

def test_expression_graph_at_a_point():
    pytest.importorskip("chainrule.symbolic")
    g = cr.graph("sin(x**2)*exp(x)", at={"x": 0.8})
    x = g.node("x")
    expected = cr.grad(lambda t: cr.sin(t ** 2) * cr.exp(t))(0.8)
    assert math.isclose(x.grad, expected, rel_tol=1e-12)
    formulas = [n.formula for n in g.nodes if n.kind == "op"]
    assert all(formulas), formulas
    assert g.nodes[g.root].formula.replace(" ", "").replace("·", "") in (
        "sin(x²)exp(x)", "exp(x)sin(x²)", "sin(x²)eˣ", "eˣsin(x²)")
    parse_dot(g.to_dot())
    ET.fromstring(g.to_svg(engine="builtin"))


def test_expression_graph_without_a_point_shows_formulas():
    g = cr.graph("sin(x*y)")
    assert all(n.value is None and n.grad is None for n in g.nodes if n.kind != "constant")
    local = {(g.nodes[e.src].name, g.nodes[e.dst].name): e.local_formula for e in g.edges}
    assert local[("mul", "sin")].replace(" ", "") in ("cos(xy)", "cos(x·y)", "cos(yx)")
    assert "∂" in g.to_dot()


def test_expression_graph_point_errors():
    with pytest.raises(ValueError, match="no value for y"):
        cr.graph("x*y", at={"x": 1.0})
    with pytest.raises(ValueError, match="does not use"):
        cr.graph("x*2", at={"x": 1.0, "q": 2.0})


# ----------------------------------------------------------------------------------------
# The tangent plot.

def test_plot_tangent_png(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.image as mpimg
    path = tmp_path / "tangent.png"
    fig = cr.plot_tangent(tutorial, 2.0, xlim=(-1.0, 3.0), file=str(path))
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = mpimg.imread(str(path))
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 300
    assert img.std() > 0.05                    # not a blank canvas
    f_line, d_line, t_line = fig.axes[0].lines[:3]
    xs = np.asarray(f_line.get_xdata())
    np.testing.assert_allclose(f_line.get_ydata(), tutorial(xs))
    np.testing.assert_allclose(d_line.get_ydata(), tutorial_slope(xs), rtol=1e-12)
    tx, ty = np.asarray(t_line.get_xdata()), np.asarray(t_line.get_ydata())
    slope = (ty[-1] - ty[0]) / (tx[-1] - tx[0])
    assert math.isclose(slope, cr.grad(tutorial)(2.0), rel_tol=1e-12)
    assert math.isclose(np.interp(2.0, tx, ty), tutorial(2.0), rel_tol=1e-9)
    assert "233x − 321" in t_line.get_label()


def test_plot_tangent_from_a_string_labels_the_formulas(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("chainrule.symbolic")
    fig = cr.plot_tangent("x^2 sin(x)", 1.0, file=str(tmp_path / "t.svg"))
    ET.parse(tmp_path / "t.svg")
    labels = [ln.get_label() for ln in fig.axes[0].lines[:3]]
    assert labels[0].startswith("f(x) = ") and labels[1].startswith("f′(x) = ")
    d = cr.grad(lambda t: t ** 2 * cr.sin(t))(1.0)
    tx, ty = fig.axes[0].lines[2].get_data()
    assert math.isclose((ty[-1] - ty[0]) / (tx[-1] - tx[0]), d, rel_tol=1e-12)


def test_plot_tangent_errors(monkeypatch):
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match="not finite"):
        cr.plot_tangent(lambda t: cr.log(t), 0.0)
    with pytest.raises(ValueError, match="finite number"):
        cr.plot_tangent(tutorial, float("nan"))
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        cr.plot_tangent(tutorial, 2.0)


def test_importing_chainrule_does_not_import_matplotlib():
    code = "import sys, chainrule; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=str(__import__("pathlib").Path(__file__).parents[1]))
    assert done.stdout.strip() == "False", done.stderr


def test_graph_object_is_plain_data():
    g = Graph()
    assert g.to_text() == "(empty graph)"


def test_breakdown_finds_where_the_values_stop_being_finite():
    g = cr.graph("exp(x) * sqrt(x - 2) + 1", at={"x": 1.0})
    node, inputs = g.breakdown()
    assert node.name == "sqrt" and [i.value for i in inputs] == [-1.0]
    assert cr.graph("exp(x) * sqrt(x - 2)", at={"x": 3.0}).breakdown() is None
    assert cr.graph("sin(x)").breakdown() is None          # no point, no values
