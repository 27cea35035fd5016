"""Pictures of derivatives: the computation graph and the tangent-line plot.

:func:`graph` walks a recorded graph (a Tensor's history, or a symbolic expression evaluated on
Tensors) and gives each node its value (forward pass), its gradient (backward pass, computed
with the reverse interpreter's ``backward_pass`` without touching ``.grad``) and each edge its
local derivative (the table's ``partials``). The result prints as a text tree, as Graphviz DOT and
as SVG (Graphviz ``dot`` when it is installed, else a small built-in layered layout), and shows
itself in Jupyter.

:func:`plot_tangent` draws f, f′ and the tangent line at a point with matplotlib, an optional
dependency imported only inside that function.

>>> import chainrule as cr
>>> x = cr.tensor(3.0, requires_grad=True)
>>> print(cr.graph(x * x + 1.0, names={"x": x}).to_text())
add = 10  (grad 1)
├── [∂ 1] mul = 9  (grad 1)
│   ├── [∂ 3] x = 3  (grad 6)
│   └── [∂ 3] x  (see above)
└── 1  (constant)
"""

from __future__ import annotations

import math
import shutil
import subprocess
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence
from xml.sax.saxutils import escape as _xml_escape

import numpy as np

from .interpret import reverse as engine
from . import ops as P
from .core import Tracer, bind
from .tensor import Tensor, tensor

__all__ = ["graph", "Graph", "GraphNode", "GraphEdge", "plot_tangent"]

# ----------------------------------------------------------------------------------------
# The graph as plain data.


@dataclass
class GraphNode:
    """One node: an input, a constant or the result of one primitive."""

    id: int
    kind: str                      # "input", "constant" or "op"
    name: str                      # variable name, constant text or primitive name
    formula: Optional[str] = None  # the sub-expression this node computes, when known
    value: Any = None              # forward value (None when the graph has no point)
    grad: Any = None               # d root / d node (None when not computed or not needed)
    shape: tuple = ()


@dataclass
class GraphEdge:
    """An edge from an input node to the node that uses it (argument ``index``)."""

    src: int
    dst: int
    index: int
    local: Any = None              # ∂dst/∂src at the point (a number or array), when known
    local_formula: Optional[str] = None


@dataclass
class Graph:
    """A computation graph with values, gradients and local derivatives.

    Nodes are listed inputs first (topological order); the last one is the root.
    """

    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)
    root: int = 0
    note: str = ""

    # -- queries --------------------------------------------------------------------------
    def inputs_of(self, node_id: int) -> list:
        """Edges into ``node_id``, by argument position."""
        return sorted((e for e in self.edges if e.dst == node_id), key=lambda e: e.index)

    def _edges_into(self) -> dict:
        """node id -> edges into it by argument position, for every node in one pass."""
        into: dict = {n.id: [] for n in self.nodes}
        for e in self.edges:
            into[e.dst].append(e)
        for edges in into.values():
            edges.sort(key=lambda e: e.index)
        return into

    def breakdown(self) -> Optional[tuple]:
        """Where the forward pass stops being finite: ``(node, its input nodes)`` for the first
        node (inputs first) whose value is inf or NaN although all its inputs are finite, as
        log at 0 or 0/0; a non-finite constant is returned as ``(constant, [])``. None when
        every value is finite (or the graph has no values).

        >>> import chainrule as cr
        >>> node, inputs = cr.graph("2 log(x - 1)", at={"x": 1.0}).breakdown()
        >>> node.name, node.formula, [i.value for i in inputs]
        ('log', 'log(x − 1)', [0.0])
        """
        into = self._edges_into()
        by_id = {n.id: n for n in self.nodes}
        for n in self.nodes:
            if n.kind == "constant" and not _all_finite(n.value):
                return n, []
            if n.kind != "op" or _all_finite(n.value):
                continue
            inputs = [by_id[e.src] for e in into[n.id]]
            if all(_all_finite(i.value) for i in inputs):
                return n, inputs
        return None

    def node(self, name: str) -> GraphNode:
        """The input node called ``name``."""
        for n in self.nodes:
            if n.kind == "input" and n.name == name:
                return n
        raise KeyError(f"the graph has no input called {name!r}; its inputs are "
                       f"{[n.name for n in self.nodes if n.kind == 'input']}")

    # -- text -----------------------------------------------------------------------------
    def to_text(self, *, unicode: bool = True, width: int = 48, max_depth: int = 16) -> str:
        """The graph as a tree for the terminal: root first, each input indented below the
        node that uses it, edges labelled with their local derivative. A node used twice is
        written out once; later uses say "(see above)".

        Indentation stops at ``max_depth`` levels: a deeper node's inputs are written in a
        block of their own further down, headed ``@id``, and the node's line says where
        (``(inputs at @id below)``). So a chain of n operations prints n lines of bounded
        width (text linear in n), not a staircase of n² characters.
        """
        if not self.nodes:
            return "(empty graph)"
        branch, last, pipe, blank = ("├── ", "└── ", "│   ", "    ") if unicode else \
            ("+-- ", "`-- ", "|   ", "    ")
        partial = "∂" if unicode else "d"
        by_id = {n.id: n for n in self.nodes}
        children = self._edges_into()
        lines: list = []
        shown: set = set()
        deferred: list = []          # nodes whose inputs get a block of their own
        label: dict = {}             # node id -> "@id" for those nodes
        block: Optional[int] = self.root
        while block is not None:
            # Iterative depth-first walk: a graph of a million nodes needs no recursion.
            head = "" if block == self.root else f"{label[block]} "
            stack: list = [(block, None, "", "", 0)]
            while stack:
                node_id, edge, prefix, child_prefix, depth = stack.pop()
                n = by_id[node_id]
                text = _node_line(n, unicode, width)
                if edge is not None and edge.local is not None:
                    text = f"[{partial} {_fmt(edge.local, unicode)}] " + text
                if node_id in shown and n.kind != "constant" and depth > 0:
                    where = label.get(node_id, "above")
                    lines.append(prefix + text.split(" = ")[0].split("  (")[0] +
                                 f"  (see {where})")
                    continue
                kids = children[node_id]
                if depth >= max_depth and kids:
                    # Too deep to indent further: continue this node in a block of its own.
                    if node_id not in label:
                        label[node_id] = f"@{node_id}"
                        deferred.append(node_id)
                    shown.add(node_id)
                    lines.append(prefix + text + f"  (inputs at {label[node_id]} below)")
                    continue
                shown.add(node_id)
                lines.append(prefix + (head if depth == 0 else "") + text)
                for i in range(len(kids) - 1, -1, -1):
                    is_last = i == len(kids) - 1
                    stack.append((kids[i].src, kids[i],
                                  child_prefix + (last if is_last else branch),
                                  child_prefix + (blank if is_last else pipe), depth + 1))
            block = deferred.pop(0) if deferred else None
        if self.note:
            lines.append(f"({self.note})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    # -- DOT ------------------------------------------------------------------------------
    def to_dot(self) -> str:
        """The graph in Graphviz's DOT language (inputs on the left, the result on the right).
        """
        out = ["digraph chainrule {",
               '  rankdir=LR;',
               '  node [shape=box, style="rounded,filled", fontname="Helvetica", '
               'fontsize=11, fillcolor="white"];',
               '  edge [fontname="Helvetica", fontsize=10, color="#555555"];']
        for n in self.nodes:
            label = "\\n".join(_dot_escape(s) for s in _node_lines(n, True))
            out.append(f'  n{n.id} [label="{label}", fillcolor="{_fill(self, n)}"];')
        for e in self.edges:
            attrs = ""
            if e.local is not None:
                attrs = f' [label="{_dot_escape("∂ " + _fmt(e.local, True))}"]'
            elif e.local_formula:
                attrs = f' [label="{_dot_escape("∂ " + _short(e.local_formula, 24))}"]'
            out.append(f"  n{e.src} -> n{e.dst}{attrs};")
        out.append("}")
        return "\n".join(out) + "\n"

    # -- SVG ------------------------------------------------------------------------------
    def to_svg(self, *, engine: str = "auto") -> str:
        """The graph as an SVG document.

        Args:
            engine: ``"graphviz"`` (run the ``dot`` program), ``"builtin"`` (the layered layout
                of this module) or ``"auto"``: Graphviz when ``dot`` is on PATH, else builtin.
        """
        if engine not in ("auto", "graphviz", "builtin"):
            raise ValueError(f"engine must be 'auto', 'graphviz' or 'builtin', got {engine!r}")
        if engine != "builtin":
            dot = shutil.which("dot")
            if dot is None and engine == "graphviz":
                raise RuntimeError("engine='graphviz' needs the Graphviz `dot` program on PATH "
                                   "(install Graphviz), or use engine='builtin'")
            if dot is not None:
                try:
                    done = subprocess.run([dot, "-Tsvg"], input=self.to_dot().encode("utf-8"),
                                          capture_output=True, timeout=30, check=True)
                    return done.stdout.decode("utf-8")
                except (OSError, subprocess.SubprocessError):
                    if engine == "graphviz":
                        raise
        return _builtin_svg(self)

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def save(self, path: str) -> None:
        """Write the graph to ``path``; the format follows the extension: ``.svg``,
        ``.dot``/``.gv``, or ``.txt``."""
        lower = str(path).lower()
        if lower.endswith(".svg"):
            text = self.to_svg()
        elif lower.endswith((".dot", ".gv")):
            text = self.to_dot()
        elif lower.endswith(".txt"):
            text = self.to_text() + "\n"
        else:
            raise ValueError(f"cannot tell the graph format from {str(path)!r}: use a file name "
                             "ending in .svg, .dot, .gv or .txt")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)


# ----------------------------------------------------------------------------------------
# Formatting helpers.

_MINUS = "\u2212"


def _fmt(v: Any, unicode: bool = True, digits: int = 6) -> str:
    """A compact number: 233, 0.5, 1.2346e+20; small arrays as lists, big ones by shape."""
    if v is None:
        return "?"
    v = P.value_of(v)
    a = np.asarray(v)
    if a.ndim == 0:
        x = a.item()
        if isinstance(x, (bool, np.bool_)):
            return str(x)
        if isinstance(x, complex):
            return str(x)
        x = float(x)
        if x == 0:
            s = "0"
        elif math.isfinite(x) and x == int(x) and abs(x) < 1e15:
            s = str(int(x))
        else:
            s = f"{x:.{digits}g}"
        return s.replace("-", _MINUS) if unicode else s
    if a.size <= 4:
        return "[" + ", ".join(_fmt(e, unicode, 4) for e in a.ravel()) + "]"
    return f"array{a.shape}"


def _all_finite(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(np.all(np.isfinite(np.asarray(P.value_of(v), dtype=float))))
    except (TypeError, ValueError):
        return True


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _node_lines(n: GraphNode, unicode: bool, width: int = 36) -> list:
    """Title, value and gradient lines of a node (for DOT and SVG boxes)."""
    if n.kind == "constant":
        return [n.name]
    title = n.name if n.kind == "input" else (
        f"{n.name}: {_short(n.formula, width)}" if n.formula else n.name)
    lines = [title]
    if n.value is not None:
        lines.append(f"value {_fmt(n.value, unicode)}")
    if n.grad is not None:
        lines.append(f"grad {_fmt(n.grad, unicode)}")
    return lines


def _node_line(n: GraphNode, unicode: bool, width: int) -> str:
    if n.kind == "constant":
        return f"{n.name}  (constant)"
    head = n.name
    if n.kind == "op" and n.formula:
        head = f"{n.name}: {_short(n.formula, width)}"
    if n.value is not None:
        head += f" = {_fmt(n.value, unicode)}"
    if n.grad is not None:
        head += f"  (grad {_fmt(n.grad, unicode)})"
    return head


def _dot_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _fill(g: Graph, n: GraphNode) -> str:
    if n.id == g.root:
        return "#fff3bf"
    return {"input": "#dbeafe", "constant": "#eeeeee"}.get(n.kind, "#ffffff")


# ----------------------------------------------------------------------------------------
# The built-in SVG layout (a small Sugiyama-style layered drawing): columns by longest path
# from the inputs, an edge that skips columns gets a waypoint in each column it crosses (so it
# runs between boxes, never behind one), barycentre sweeps order each column, and each edge's
# label sits in the gap just before the node that uses it.

_CHAR_W = 7.2     # width of one character of 12px monospace text, near enough
_LINE_H = 16
_PAD = 8
_GAP_X = 110
_GAP_Y = 22
_WAYPOINT_H = 10


def _edge_label(e: GraphEdge) -> Optional[str]:
    if e.local is not None:
        return "∂ " + _fmt(e.local, True)
    if e.local_formula:
        return "∂ " + _short(e.local_formula, 14)
    return None


def _builtin_svg(g: Graph) -> str:
    ins: dict = {n.id: [] for n in g.nodes}
    users: dict = {n.id: [] for n in g.nodes}
    for e in g.edges:
        ins[e.dst].append(e.src)
        users[e.src].append(e.dst)
    layer: dict = {}
    for n in g.nodes:               # nodes are in topological order: inputs come first
        layer[n.id] = 1 + max((layer[s] for s in ins[n.id]), default=-1)
    # Operations and constants move right, to one column before their first user: fewer
    # edges skip columns. Inputs stay in the first column.
    for n in reversed(g.nodes):
        if n.kind != "input" and users[n.id]:
            layer[n.id] = max(layer[n.id], min(layer[u] for u in users[n.id]) - 1)
    box: dict = {}
    for n in g.nodes:
        lines = _node_lines(n, True)
        w = max(len(s) for s in lines) * _CHAR_W + 2 * _PAD
        h = len(lines) * _LINE_H + 2 * _PAD - 4
        box[n.id] = (w, h, lines)
    # Waypoints: ("w", edge number, column) stand in the columns an edge crosses.
    prev: dict = {n.id: [] for n in g.nodes}      # neighbours on the left, for the sweeps
    nxt: dict = {n.id: [] for n in g.nodes}       # neighbours on the right
    route: list = []
    columns: dict = {}
    for n in g.nodes:
        columns.setdefault(layer[n.id], []).append(n.id)
    for k, e in enumerate(g.edges):
        chain = [e.src]
        for col in range(layer[e.src] + 1, layer[e.dst]):
            w = ("w", k, col)
            box[w] = (0.0, _WAYPOINT_H, [])
            prev[w], nxt[w] = [], []
            columns.setdefault(col, []).append(w)
            chain.append(w)
        chain.append(e.dst)
        for a, b in zip(chain, chain[1:]):
            nxt[a].append(b)
            prev[b].append(a)
        route.append(chain)
    keys = sorted(columns)
    order: dict = {}
    for col in keys:
        for p, i in enumerate(columns[col]):
            order[i] = p / max(1, len(columns[col]) - 1)

    def sweep(cols: list, neighbours: dict) -> None:
        for col in cols:
            ids = columns[col]
            centre = {}
            for i in ids:
                near = [order[j] for j in neighbours[i]]
                centre[i] = sum(near) / len(near) if near else order[i]
            ids.sort(key=centre.__getitem__)
            for p, i in enumerate(ids):
                order[i] = p / max(1, len(ids) - 1)

    for _ in range(2):
        sweep(keys[1:], prev)
        sweep(keys[-2::-1], nxt)
    sweep(keys[1:], prev)
    # Coordinates: columns left to right, each stacked top down, then centred vertically.
    pos: dict = {}
    colx: dict = {}
    x = 20.0
    for col in keys:
        ids = columns[col]
        colw = max(max(box[i][0] for i in ids), 16.0)
        colx[col] = (x, colw)
        y = 20.0
        for i in ids:
            w, h, _ = box[i]
            pos[i] = (x + (colw - w) / 2, y)
            y += h + (_GAP_Y if w else _GAP_Y / 2)
        x += colw + _GAP_X
    total_h = max((pos[i][1] + box[i][1] for i in pos), default=40.0)
    for col in keys:
        ids = columns[col]
        bottom = max(pos[i][1] + box[i][1] for i in ids)
        shift = (total_h - bottom) / 2
        for i in ids:
            pos[i] = (pos[i][0], pos[i][1] + shift)
    width = x - _GAP_X + 20
    height = total_h + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans Mono, Menlo, '
           f'Consolas, monospace" font-size="12">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
           'fill="#555555"/></marker></defs>',
           f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="white"/>']
    # Node boxes first, edges and their labels over them (an edge never crosses a box).
    for n in g.nodes:
        x0, y0 = pos[n.id]
        w, h, lines = box[n.id]
        stroke = "#b08900" if n.id == g.root else "#333333"
        out.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6" '
                   f'fill="{_fill(g, n)}" stroke="{stroke}" stroke-width="1.2"/>')
        for j, s in enumerate(lines):
            weight = ' font-weight="bold"' if j == 0 else ""
            out.append(f'<text x="{x0 + _PAD:.1f}" y="{y0 + _PAD + 10 + j * _LINE_H:.1f}"'
                       f'{weight}>{_xml_escape(s)}</text>')
    # Ports: the edges into a node arrive in the vertical order of where they come from, so
    # two inputs never cross just before the box.
    def last_y(k: int) -> float:
        chain = route[k]
        before = chain[-2]
        return pos[before][1] + box[before][1] / 2
    number = {id(e): k for k, e in enumerate(g.edges)}
    port: dict = {}
    for edges in g._edges_into().values():
        ranked = sorted(edges, key=lambda e: last_y(number[id(e)]))
        for rank, e in enumerate(ranked):
            port[id(e)] = rank
    labels: list = []
    for e, chain in zip(g.edges, route):
        sx, sy = pos[e.src]
        sw, sh, _ = box[e.src]
        x1, y1 = sx + sw, sy + sh / 2
        d = [f"M {x1:.1f} {y1:.1f}"]
        for w in chain[1:-1]:
            cx, cw = colx[w[2]]
            wy = pos[w][1] + _WAYPOINT_H / 2
            mx = (x1 + cx) / 2
            d.append(f"C {mx:.1f} {y1:.1f}, {mx:.1f} {wy:.1f}, {cx:.1f} {wy:.1f} "
                     f"L {cx + cw:.1f} {wy:.1f}")
            x1, y1 = cx + cw, wy
        dx, dy = pos[e.dst]
        _, dh, _ = box[e.dst]
        n_in = max(1, len(ins[e.dst]))
        x2, y2 = dx, dy + dh * (port[id(e)] + 1) / (n_in + 1)
        mx = (x1 + x2) / 2
        d.append(f"C {mx:.1f} {y1:.1f}, {mx:.1f} {y2:.1f}, {x2:.1f} {y2:.1f}")
        out.append(f'<path d="{" ".join(d)}" fill="none" stroke="#555555" '
                   f'stroke-width="1.2" marker-end="url(#arrow)"/>')
        label = _edge_label(e)
        if label:
            # On the last curve, in the gap before the user; a white patch keeps it readable.
            lw = len(label) * 6.2 + 6
            lx, ly = mx, (y1 + y2) / 2
            labels.append(f'<rect x="{lx - lw / 2:.1f}" y="{ly - 8:.1f}" width="{lw:.1f}" '
                          f'height="14" fill="white" fill-opacity="0.85"/>')
            labels.append(f'<text x="{lx:.1f}" y="{ly + 3:.1f}" text-anchor="middle" '
                          f'font-size="10.5" fill="#8a3b12">{_xml_escape(label)}</text>')
    out.extend(labels)
    if g.note:
        out.append(f'<text x="20" y="{height - 8:.0f}" font-size="10" fill="#666666">'
                   f'{_xml_escape(g.note)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------
# Building a Graph from a Tensor.


def _released_error() -> RuntimeError:
    return RuntimeError(
        "cannot draw this tensor's graph: it was freed by backward(). Call cr.graph(y) before "
        "y.backward(), or pass retain_graph=True to backward() to keep the graph.")


def _same_level(a: Any, level: int) -> bool:
    return isinstance(a, Tensor) and a._level == level


def _constant_text(v: Any) -> str:
    return _fmt(v, True)


def _local_derivative(prim: Any, i: int, out: Any, vals: tuple, params: dict) -> Any:
    """∂out/∂input_i at the recorded values: the table's partial for elementwise rows; the
    VJP with a unit cotangent when input and output are single numbers; else None."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if prim.partials is not None and not params:
                p = prim.partials[i]
                return None if p is None else P.value_of(p(out, *vals))
            if np.size(P.value_of(out)) == 1 and np.size(P.value_of(vals[i])) == 1:
                rule = prim.vjp_rule(i)
                if rule is None:
                    return None
                one = np.ones(P.shape_of(out)) if P.shape_of(out) else 1.0
                g = rule(i, one, out, *vals, **params) if prim.variadic else \
                    rule(one, out, *vals, **params)
                return P.value_of(g)
    except Exception:  # noqa: BLE001  (a picture must not fail over one label)
        return None
    return None


def _tensor_graph(root: Tensor, names: Optional[Mapping[str, Any]], grads: bool,
                  formulas: Optional[Callable] = None) -> Graph:
    level = root._level
    if root._prim is not None and root._inputs is None:
        raise _released_error()
    leaf_names = {id(t): name for name, t in (names or {}).items() if isinstance(t, Tensor)}
    # Iterative walk (inputs before users), like engine.toposort but over every Tensor of
    # this level, whether it needs a gradient or not.
    order: list = []
    seen: set = set()
    stack: list = [(root, False)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        if t._prim is not None:
            if t._inputs is None:
                raise _released_error()
            for a in reversed(t._inputs):
                if _same_level(a, level) and id(a) not in seen:
                    stack.append((a, False))
    g = Graph()
    ids: dict = {}
    unnamed = 0
    for t in order:
        value = P.value_of(t._data)
        if t._prim is None:
            name = leaf_names.get(id(t))
            if name is None:
                if t.requires_grad:
                    unnamed += 1
                    name = f"t{unnamed}"
                else:
                    name = _constant_text(value) if np.size(value) <= 4 else \
                        f"constant{np.shape(value)}"
            kind = "input" if (t.requires_grad or id(t) in leaf_names) else "constant"
            node = GraphNode(len(g.nodes), kind, name, value=value if kind == "input" else None,
                             shape=np.shape(value))
            if kind == "constant":
                node.value = value
            g.nodes.append(node)
            ids[id(t)] = node.id
            continue
        inputs = t._inputs
        src_ids = []
        for a in inputs:
            if _same_level(a, level):
                src_ids.append(ids[id(a)])
            else:
                cv = P.value_of(a)
                const = GraphNode(len(g.nodes), "constant",
                                  _constant_text(cv) if np.size(cv) <= 4
                                  else f"constant{np.shape(cv)}", value=cv, shape=np.shape(cv))
                g.nodes.append(const)
                src_ids.append(const.id)
        node = GraphNode(len(g.nodes), "op", t._prim.name, value=value, shape=np.shape(value))
        g.nodes.append(node)
        ids[id(t)] = node.id
        vals = tuple(a._data if _same_level(a, level) else a for a in inputs)
        for i, (a, s) in enumerate(zip(inputs, src_ids)):
            local = None
            # Constants get no label: nothing flows back into them.
            if t._prim.vjp_rule(i) is not None and _same_level(a, level) and a.requires_grad:
                local = _local_derivative(t._prim, i, t._data, vals, t._params)
            g.edges.append(GraphEdge(s, node.id, i, local))
    g.root = ids[id(root)]
    if formulas is not None:
        formulas(g, order, ids)
    if grads and root.requires_grad and not any(isinstance(t._data, Tracer) for t in order):
        _fill_grads(g, root, order, ids)
    return g


def _fill_grads(g: Graph, root: Tensor, order: list, ids: dict) -> None:
    """Backward pass to every node of the graph, returned rather than written to ``.grad``.
    Hooks are set aside during it: drawing a picture must not trigger user callbacks."""
    level = root._level
    targets = [t for t in order if t.requires_grad]
    shape = root.shape
    seed: Any = 1.0 if type(root._data) is float else np.ones(shape, dtype=root.dtype)
    if shape and np.prod(shape) != 1:
        g.note = "gradients are of sum(y): y holds more than one number"
    saved = [(t, t._hooks) for t in order if t._hooks]
    for t, _ in saved:
        t._hooks = None
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grads = engine.backward_pass([root], [seed], targets=targets, accumulate=False,
                                         retain_graph=True,
                                         wrap=lambda v: Tensor._wrap(v, level))
    finally:
        for t, hooks in saved:
            t._hooks = hooks
    for t, gr in zip(targets, grads):
        node = g.nodes[ids[id(t)]]
        node.grad = 0.0 if gr is None else P.value_of(gr)


# ----------------------------------------------------------------------------------------
# Public entry point.


def graph(obj: Any, at: Optional[Mapping[str, Any]] = None, *,
          names: Optional[Mapping[str, Any]] = None, grads: bool = True) -> Graph:
    """The computation graph of a Tensor or of a symbolic expression, with values, gradients
    and local derivatives.

    Args:
        obj: a Tensor (its recorded history is drawn; the graph must not have been freed by
            ``backward()``: call ``graph`` first, or use ``backward(retain_graph=True)``), an
            ``Expr`` or an expression string.
        at: for expressions, the point ``{"x": 2.0, ...}``. Without it the graph shows the
            structure and the local derivatives as formulas, and no numbers.
        names: for Tensors, names for input tensors (``{"x": x}``); others are called t1, t2...
        grads: run the backward pass to label each node with d(result)/d(node).

    Returns:
        A :class:`Graph` (``.to_text()``, ``.to_dot()``, ``.to_svg()``, ``.save(path)``).

    >>> import chainrule as cr
    >>> x = cr.tensor(2.0, requires_grad=True)
    >>> y = x * x
    >>> g = cr.graph(y, names={"x": x})
    >>> g.node("x").grad
    4.0
    >>> x.grad is None       # the graph's backward pass does not touch .grad
    True
    """
    if isinstance(obj, Tensor):
        if at is not None:
            raise TypeError("graph(tensor): `at` is only for expressions; a tensor's graph "
                            "already holds its values")
        return _tensor_graph(obj, names, grads)
    if isinstance(obj, Tracer) and callable(getattr(obj, "free_symbols", None)):
        expr = obj
    elif isinstance(obj, str):
        from .text.parser import parse  # noqa: PLC0415  (layer L5 helper, loaded on demand)
        expr = parse(obj)
    else:
        raise TypeError(f"graph() takes a Tensor, an expression or a string, got "
                        f"{type(obj).__name__}")
    return _expr_graph(expr, at, grads)


def _var_names(expr: Any) -> list:
    return [s if isinstance(s, str) else str(s) for s in expr.free_symbols()]


def _expr_graph(expr: Any, at: Optional[Mapping[str, Any]], grads: bool) -> Graph:
    from . import symbolic  # noqa: PLC0415
    variables = _var_names(expr)
    point = dict(at or {})
    missing = [v for v in variables if v not in point]
    if at is not None and missing:
        raise ValueError(f"graph(): no value for {', '.join(missing)} in at={dict(at)!r}; "
                         f"the expression's variables are {', '.join(variables)}")
    unknown = [k for k in point if k not in variables]
    if unknown:
        raise ValueError(f"graph(): at= names {', '.join(unknown)}, which the expression does "
                         f"not use (its variables: {', '.join(variables) or 'none'})")
    # Without a point the structure is still that of the expression: evaluate at an
    # arbitrary value and show no numbers.
    leaves = {v: tensor(float(point.get(v, 0.5)), requires_grad=True) for v in variables}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = expr.evaluate(leaves)
    if not isinstance(out, Tensor):
        out = tensor(P.value_of(out))
    symbols = {v: symbolic.symbol(v) for v in variables}

    def formulas(g: Graph, order: list, ids: dict) -> None:
        # Each node's sub-expression: run the same primitives on symbols (what Expr does).
        exprs: dict = {}
        into = g._edges_into()
        for t in order:
            if t._prim is None:
                name = g.nodes[ids[id(t)]].name
                exprs[id(t)] = symbols.get(name, P.value_of(t._data))
                continue
            args = tuple(exprs.get(id(a), a) if isinstance(a, Tensor) else a
                         for a in t._inputs)
            try:
                e = bind(t._prim, *args, **t._params)
            except Exception:  # noqa: BLE001  (labels are a nicety)
                e = None
            exprs[id(t)] = e
            node = g.nodes[ids[id(t)]]
            if isinstance(e, Tracer):
                node.formula = _expr_text(e)
            if t._prim.partials is not None and not t._params and isinstance(e, Tracer):
                for edge in into[node.id]:
                    p = t._prim.partials[edge.index]
                    if p is None or g.nodes[edge.src].kind == "constant":
                        continue
                    try:
                        d = p(e, *args)
                        edge.local_formula = _expr_text(d) if isinstance(d, Tracer) \
                            else _fmt(d)
                    except Exception:  # noqa: BLE001
                        pass

    g = _tensor_graph(out, leaves, grads and at is not None, formulas)
    if at is None:
        for n in g.nodes:
            if n.kind != "constant":
                n.value = None
            n.grad = None
        for e in g.edges:
            e.local = None
    else:
        for e in g.edges:
            e.local_formula = None if e.local is not None else e.local_formula
    return g


def _expr_text(e: Any) -> str:
    to_unicode = getattr(e, "to_unicode", None)
    return to_unicode() if callable(to_unicode) else str(e)


# ----------------------------------------------------------------------------------------
# The tangent plot.


def _callable_of(f: Any, var: Optional[str]) -> tuple:
    """(function of one float array, its name for labels, derivative formula or None)."""
    if isinstance(f, str) or (isinstance(f, Tracer) and callable(
            getattr(f, "free_symbols", None))):
        from . import symbolic  # noqa: PLC0415
        expr = f
        if isinstance(f, str):
            from .text.parser import parse  # noqa: PLC0415
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
    from .functional import grad, vjp  # noqa: PLC0415

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
            label=f"tangent: y = {_line_text(slope, fa - slope * a, name)}")
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


def _line_text(slope: float, intercept: float, name: str = "x", unicode: bool = True) -> str:
    """``233x − 321``: a line in the textbook way (no ``1x``, no ``+ −``, no ``+ 0``)."""
    minus = _MINUS if unicode else "-"
    m = _fmt(slope, False, 10)
    if slope == 0:
        body = ""
    elif m in ("1", "-1"):
        body = ("-" if m == "-1" else "") + name
    else:
        body = m + ("·" if unicode and "e" in m else "*" if not unicode else "") + name
    if not body:
        return _fmt(intercept, unicode, 10)
    body = body.replace("-", minus) if unicode else body
    if intercept == 0:
        return body
    sign = " + " if intercept > 0 else f" {minus} "
    return body + sign + _fmt(abs(intercept), unicode, 10)
