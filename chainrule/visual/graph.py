"""The computation graph as plain data, with each node's value and gradient and each edge's
local derivative; printed as a text tree, Graphviz DOT or SVG.

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

import shutil
import subprocess
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

import numpy as np

from ..interpret import reverse as engine
from .. import ops as P
from ..core import Tracer, bind
from ..eager import Tensor, tensor
from .render import (_all_finite, _builtin_svg, _dot_escape, _fill, _fmt, _node_line,
                     _node_lines, _short)

__all__ = ["graph", "Graph", "GraphNode", "GraphEdge"]

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
    VJP with a unit cotangent when input and output are single numbers; else None. Called
    with NumPy's warnings silenced (by the caller, once for the whole graph)."""
    try:
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
    # Iterative walk (inputs before users), over every Tensor of
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
    # NumPy's warnings are silenced once for the whole walk, not once per edge (on a
    # 100,000-node chain the per-edge context managers were a third of the time).
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _add_nodes(g, ids, order, level, leaf_names)
    g.root = ids[id(root)]
    if formulas is not None:
        formulas(g, order, ids)
    if grads and root.requires_grad and not any(isinstance(t._data, Tracer) for t in order):
        _fill_grads(g, root, order, ids)
    return g


def _add_nodes(g: Graph, ids: dict, order: list, level: int, leaf_names: dict) -> None:
    """A node for each recorded Tensor (inputs first) and an edge, labelled with its local
    derivative, for each of its inputs."""
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
        from ..text.parser import parse  # noqa: PLC0415  (same layer, loaded on demand)
        expr = parse(obj)
    else:
        raise TypeError(f"graph() takes a Tensor, an expression or a string, got "
                        f"{type(obj).__name__}")
    return _expr_graph(expr, at, grads)


def _var_names(expr: Any) -> list:
    return [s if isinstance(s, str) else str(s) for s in expr.free_symbols()]


def _expr_graph(expr: Any, at: Optional[Mapping[str, Any]], grads: bool) -> Graph:
    from .. import symbolic  # noqa: PLC0415
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


