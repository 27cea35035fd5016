"""How a graph is drawn: number formatting, the text lines of a node, DOT escaping and the
built-in SVG layout; and the textbook form of a tangent line.

The functions take a :class:`~chainrule.visual.graph.Graph` (or its nodes and edges) and read
only their fields, so this file needs nothing from the rest of the folder.

>>> line_text(233.0, -321.0)
'233x − 321'
"""

from __future__ import annotations

import math
from typing import Any, Optional
from xml.sax.saxutils import escape as _xml_escape

import numpy as np

from .. import ops as P

__all__ = ["line_text"]

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


def _node_lines(n: Any, unicode: bool, width: int = 36) -> list:
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


def _node_line(n: Any, unicode: bool, width: int) -> str:
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


def _fill(g: Any, n: Any) -> str:
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


def _edge_label(e: Any) -> Optional[str]:
    if e.local is not None:
        return "∂ " + _fmt(e.local, True)
    if e.local_formula:
        return "∂ " + _short(e.local_formula, 14)
    return None


def _builtin_svg(g: Any) -> str:
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




def line_text(slope: float, intercept: float, name: str = "x", unicode: bool = True) -> str:
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

