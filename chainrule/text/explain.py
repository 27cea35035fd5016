"""Step-by-step derivatives: the graph walked from the top, naming the rule at each step.

Each step's result is the symbolic derivative of that sub-expression (built by the table's
own rules, see :mod:`chainrule.symbolic`); the elementary derivatives quoted in chain-rule
steps come from running the row's ``partials`` on a placeholder ``u``.

>>> ex = explain("x**2 + 3*x")
>>> print(ex.result)
2*x + 3
>>> [s.rule for s in ex.steps]
['sum rule', 'power rule', 'constant multiple rule', 'power rule']
"""

from __future__ import annotations

from typing import List, Optional, Union

from .. import ops as P
from .calculus import as_expr
from ..symbolic import Expr, const, default_var, diff, simplify, symbol
from ..symbolic._base import _postorder
from ..symbolic.expr import _node, _wrap

__all__ = ["explain", "Explanation", "Step", "MAX_OPERATIONS", "MAX_SHOWN"]

_DOT = "·"
# Limits that keep an explanation readable and fast (the CLI answers within a second or two).
MAX_OPERATIONS = 400
MAX_SHOWN = 20_000


class Step:
    """One step of a derivation.

    Attributes: ``rule`` (e.g. ``"product rule"``, ``"derivative of sin"``), ``expr`` (the
    sub-expression differentiated), ``var`` (the variable), ``result`` (its derivative,
    simplified), ``detail`` (the rule applied, as text), ``depth`` (nesting level).
    """

    __slots__ = ("rule", "expr", "var", "result", "parts", "depth", "partial")

    def __init__(self, rule: str, expr: Expr, var: str, result: Expr, parts: list, depth: int,
                 partial: bool = False):
        self.partial = partial
        self.rule = rule
        self.expr = expr
        self.var = var
        self.result = result
        self.parts = parts
        self.depth = depth

    @property
    def detail(self) -> str:
        """The rule applied: ``d/dx[5x⁴] = 5·d/dx[x⁴]`` (Unicode text)."""
        d = _d(self.var, self.partial)
        return f"{d}[{self.expr.to_unicode()}] = {_render(self.parts, self.var, self.partial)}"

    @property
    def detail_latex(self) -> str:
        """The rule applied, in LaTeX."""
        return (rf"{_d(self.var, self.partial, True)}\left[{self.expr.to_latex()}\right] = "
                f"{_render(self.parts, self.var, self.partial, latex=True)}")

    def to_text(self) -> str:
        """``rule: d/dx[expr] = detail = result`` (the result once if the detail is it)."""
        line = f"{self.rule}: {self.detail}"
        result = self.result.to_unicode()
        if not line.endswith(f"= {result}"):
            line += f" = {result}"
        return line

    def to_latex(self) -> str:
        line = self.detail_latex
        result = self.result.to_latex()
        if not line.endswith(f"= {result}"):
            line += f" = {result}"
        return line

    def __repr__(self) -> str:
        return f"Step({self.to_text()!r})"


class Explanation:
    """A derivation: ``expr``, ``var``, ``steps`` (pre-order, outermost first), ``result``."""

    def __init__(self, expr: Expr, var: str, steps: List[Step], result: Expr):
        self.expr = expr
        self.var = var
        self.steps = steps
        self.result = result

    def _names(self) -> tuple:
        """(arguments of f, whether the derivative is a partial one)."""
        names = sorted(set(self.expr.free_symbols()) | {self.var})
        return ", ".join(names), len(names) > 1

    def to_text(self) -> str:
        """The derivation as indented plain text (Unicode maths)."""
        v = self.var
        args, partial = self._names()
        lines = [f"f({args}) = {self.expr.to_unicode()}"]
        lines += ["  " * s.depth + s.to_text() for s in self.steps]
        lhs = f"∂f/∂{v}" if partial else f"f′({v})"
        lines.append(f"{lhs} = {self.result.to_unicode()}")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The derivation as a Markdown list with LaTeX maths (``$...$``)."""
        v = self.var
        args, partial = self._names()
        lines = [f"Differentiate $f({args}) = {self.expr.to_latex()}$ with respect to ${v}$.",
                 ""]
        for s in self.steps:
            lines.append("  " * s.depth + f"- **{s.rule}**: ${s.to_latex()}$")
        lhs = rf"\frac{{\partial f}}{{\partial {v}}}" if partial else f"f'({v})"
        lines += ["", f"**Result:** ${lhs} = {self.result.to_latex()}$"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"<Explanation of d/d{self.var} {self.expr}: {len(self.steps)} steps>"


# ----------------------------------------------------------------------------------------
# Rendering of a step's detail. Parts: strings, ("D", e) = d/dx[e], ("E", e) = e,
# ("P", e) = e in parentheses when it is a sum or starts with a minus sign.


def _d(var: str, partial: bool, latex: bool = False) -> str:
    """The derivative operator: d/dx, or ∂/∂x for a function of several variables."""
    if latex:
        return rf"\frac{{\partial}}{{\partial {var}}}" if partial else rf"\frac{{d}}{{d{var}}}"
    return f"∂/∂{var}" if partial else f"d/d{var}"


def _render(parts: list, var: str, partial: bool = False, latex: bool = False) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            if latex:
                p = p.replace(_DOT, r" \cdot ").replace("−", "-")
            out.append(p)
            continue
        kind, e = p
        s = e.to_latex() if latex else e.to_unicode()
        if kind == "D":
            s = rf"{_d(var, partial, True)}\left[{s}\right]" if latex else \
                f"{_d(var, partial)}[{s}]"
        elif kind == "P" and _needs_parens(e):
            s = rf"\left({s}\right)" if latex else f"({s})"
        out.append(s)
    return "".join(out)


def _needs_parens(e: Expr) -> bool:
    if e.prim is None:
        return e.is_number and e.value < 0
    return e.prim.name in ("add", "sub", "neg")


# ----------------------------------------------------------------------------------------
# The walk.


def _tree_size(e: Expr) -> int:
    """Nodes of ``e`` written out as a tree (shared parts counted each time they print)."""
    size: dict = {}
    for node in _postorder(e):
        size[id(node)] = 1 + sum(size[id(a)] for a in node.args)
    return size[id(e)]


def _sum_terms(e: Expr) -> list:
    """Flatten + and - (not unary minus at the top) into [(sign, term)]."""
    out: list = []
    stack = [(e, 1)]
    while stack:
        node, sign = stack.pop()
        name = node.prim.name if node.prim is not None else None
        if name == "add":
            stack += [(node.args[1], sign), (node.args[0], sign)]
        elif name == "sub":
            stack += [(node.args[1], -sign), (node.args[0], sign)]
        else:
            out.append((sign, node))
    return out


def _mul_factors(e: Expr) -> list:
    out, stack = [], [e]
    while stack:
        node = stack.pop()
        if node.prim is P.mul:
            stack += [node.args[1], node.args[0]]
        else:
            out.append(node)
    return out


def _product(factors: list) -> Expr:
    out = factors[0]
    for f in factors[1:]:
        out = _node(P.mul, out, f)
    return out


class _Walker:
    def __init__(self, var: str, partial: bool = False):
        self.var = var
        self.partial = partial
        self.children: list = []
        self.shown = 0
        self.steps: List[Step] = []
        self.memo: dict = {}

    def walk(self, e: Expr) -> None:
        """Visit ``e`` and its parts outermost first, without recursion (each visit queues
        the sub-expressions it explains next)."""
        stack = [(e, 0)]
        while stack:
            node, depth = stack.pop()
            self.children = []
            self.visit(node, depth)
            stack.extend(reversed(self.children))

    def d(self, e: Expr) -> Expr:
        if id(e) not in self.memo:
            self.memo[id(e)] = diff(e, self.var)
        return self.memo[id(e)]

    def add(self, rule: str, e: Expr, parts: list, depth: int,
            result: Optional[Expr] = None, var: Optional[str] = None) -> None:
        result = self.d(e) if result is None else result
        # Every step prints its result: a derivative that grows fast (a power tower) would
        # give megabytes of text, so the explanation stops with a clear error instead.
        size = _tree_size(result)
        self.shown += size
        if self.shown > MAX_SHOWN or size > MAX_SHOWN // 10:
            raise ValueError("explain: the derivatives grow too large to show step by step "
                             f"(limits: {MAX_SHOWN // 10} operations in one step's result, "
                             f"{MAX_SHOWN} in all). Use diff() for the formula.")
        self.steps.append(Step(rule, e, var or self.var, result, parts, depth, self.partial))

    def visit(self, e: Expr, depth: int) -> None:
        var = self.var
        if not e.depends_on(var):
            self.add("constant rule", e, ["0"], depth)
            return
        if e.is_symbol:
            self.add("power rule", e, ["1"], depth)
            return
        name = e.prim.name
        if name in ("add", "sub"):
            terms = _sum_terms(e)
            parts: list = []
            for i, (sign, t) in enumerate(terms):
                if i:
                    parts.append(" + " if sign > 0 else " − ")
                elif sign < 0:
                    parts.append("−")
                parts.append(("D", t))
            self.add("sum rule", e, parts, depth)
            for sign, t in terms:
                self.children.append((t, depth + 1))
            return
        if name == "neg":
            self.add("constant multiple rule", e, ["−", ("D", e.args[0])], depth)
            self.children.append((e.args[0], depth + 1))
            return
        if name == "mul":
            self.visit_mul(e, depth)
            return
        if name == "div":
            self.visit_div(e, depth)
            return
        if name == "pow":
            self.visit_pow(e, depth)
            return
        self.visit_function(e, depth)

    def visit_mul(self, e: Expr, depth: int) -> None:
        factors = _mul_factors(e)
        consts = [f for f in factors if not f.depends_on(self.var)]
        deps = [f for f in factors if f.depends_on(self.var)]
        if consts:
            c = _product(consts)
            u = _product(deps)
            self.add("constant multiple rule", e, [("P", c), _DOT, ("D", u)], depth)
            self.children.append((u, depth + 1))
            return
        u, v = e.args
        self.add("product rule", e, [("D", u), _DOT, ("P", v), " + ", ("P", u), _DOT,
                                     ("D", v)], depth)
        self.children.append((u, depth + 1))
        self.children.append((v, depth + 1))

    def visit_div(self, e: Expr, depth: int) -> None:
        u, v = e.args
        if not v.depends_on(self.var):
            self.add("constant multiple rule", e, [("D", u), " / ", ("P", v)], depth)
            self.children.append((u, depth + 1))
            return
        if not u.depends_on(self.var):
            # The quotient rule with d/dx[u] = 0 (the reciprocal rule): −u·v′/v².
            c = [] if (u.is_number and u.value == 1) else [("P", u), _DOT]
            self.add("quotient rule", e, ["−", *c, ("D", v), " / ", ("P", v), "²"], depth)
            self.children.append((v, depth + 1))
            return
        self.add("quotient rule", e, ["(", ("D", u), _DOT, ("P", v), " − ", ("P", u), _DOT,
                                      ("D", v), ") / ", ("P", v), "²"], depth)
        self.children.append((u, depth + 1))
        self.children.append((v, depth + 1))

    def visit_pow(self, e: Expr, depth: int) -> None:
        var = self.var
        b, k = e.args
        if not k.depends_on(var):
            outer = simplify(k * b ** (k - 1.0))
            if b.is_symbol:
                self.add("power rule", e, [("E", outer)], depth)
                return
            self.add("chain rule", e, [("P", outer), _DOT, ("D", b)], depth)
            self.elementary("power rule", e, depth + 1)
            self.children.append((b, depth + 1))
            return
        if not b.depends_on(var):
            outer = _node(P.mul, e, _node(P.log, b)) if not (b.is_constant and b.name == "e") \
                else e
            if k.is_symbol:
                self.add("exponential rule", e, [("E", outer)], depth)
                return
            self.add("chain rule", e, [("E", outer), _DOT, ("D", k)], depth)
            self.children.append((k, depth + 1))
            return
        self.add("general power rule", e, [("E", e), _DOT, "(", ("D", k), _DOT,
                                           ("E", _node(P.log, b)), " + ", ("P", k), _DOT,
                                           ("D", b), " / ", ("P", b), ")"], depth)
        self.children.append((b, depth + 1))
        self.children.append((k, depth + 1))

    def placeholder(self) -> Expr:
        return symbol("u" if self.var != "u" else "w")

    def elementary(self, rule: str, e: Expr, depth: int) -> None:
        """The outer derivative with the inner function replaced by a placeholder u."""
        u = self.placeholder()
        args = [u if a.depends_on(self.var) else a for a in e.args]
        outer = e.prim(*args, **e.params)
        if not isinstance(outer, Expr):
            return
        d = diff(outer, u.name)
        self.steps.append(Step(rule, outer, u.name, d, [("E", d)], depth))

    def visit_function(self, e: Expr, depth: int) -> None:
        name = e.prim.name
        if not e.prim.differentiable:
            # sign, comparisons: piecewise constant, derivative 0 wherever it exists.
            self.add(f"derivative of {name}", e, ["0"], depth)
            return
        if name == "where":
            c, a, b = e.args
            self.add("piecewise rule", e, ["where(", ("E", c), ", ", ("D", a), ", ", ("D", b),
                                           ")"], depth)
            for branch in (a, b):
                if branch.depends_on(self.var):
                    self.children.append((branch, depth + 1))
            return
        deps = [a for a in e.args if a.depends_on(self.var)]
        rule = f"derivative of {name}"
        if e.prim.partials is None or len(deps) != 1:
            self.add(rule, e, [("E", self.d(e))], depth)
            for a in deps:
                self.children.append((a, depth + 1))
            return
        inner = deps[0]
        i = next(j for j, a in enumerate(e.args) if a is inner)
        partial = e.prim.partials[i]
        outer = simplify(_wrap(partial(e, *e.args))) if partial is not None else const(0.0)
        if inner.is_symbol:
            self.add(rule, e, [("E", outer)], depth)
            return
        self.add("chain rule", e, [("P", outer), _DOT, ("D", inner)], depth)
        self.elementary(rule, e, depth + 1)
        self.children.append((inner, depth + 1))


def explain(expr: Union[Expr, str], var: Optional[str] = None) -> Explanation:
    """Differentiate ``expr`` with respect to ``var`` step by step (by default the
    expression's only variable; with several, ``var`` must say which).

    >>> print(explain("sin(x**2)").to_text())
    f(x) = sin(x²)
    chain rule: d/dx[sin(x²)] = cos(x²)·d/dx[x²] = 2x·cos(x²)
      derivative of sin: d/du[sin(u)] = cos(u)
      power rule: d/dx[x²] = 2x
    f′(x) = 2x·cos(x²)
    """
    e = as_expr(expr)
    var = default_var(e, var, "explain")
    if not isinstance(var, str) or not var.isidentifier():
        raise TypeError(f"explain: the variable must be a name such as 'x'; got {var!r}.")
    size = len(_postorder(e))
    if size > MAX_OPERATIONS:
        raise ValueError(f"explain: the expression has {size} operations; step-by-step "
                         f"explanations stop at {MAX_OPERATIONS}. Use diff() for the formula.")
    walker = _Walker(var, partial=len(set(e.free_symbols()) | {var}) > 1)
    walker.walk(e)
    return Explanation(e, var, walker.steps, walker.d(e))
