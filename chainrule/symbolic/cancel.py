"""Cancelled fractions, and :func:`simplify`, the simplifier's public face.

After the bottom-up pass of :mod:`.simplify` (like terms and factors, identities), each
largest arithmetic part that is a rational function of one part (``x``, ``cos(x)``,
``e^x``) is replaced by its cancelled form N/D when that is smaller: the numerator with
whole coefficients, expanded or factored, the denominator factored or expanded.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Optional

from .. import ops as P
from ._base import _ARITH, _is_whole, _num, _postorder
from .expr import _ZERO, Expr, _node, _wrap, const
from .polynomial import as_rational, factor, primitive
from .simplify import _build_sum, _ckey, _fraction, _is_sum, _power, _rebuild

__all__ = ["simplify"]


def _size(e: Expr) -> int:
    """Operations as printed (a shared part counts each time it is written), like SymPy's
    count_ops: the measure the cancelled form must beat."""
    ops: dict = {}
    for n in _postorder(e):
        ops[id(n)] = 0 if n.prim is None else 1 + sum(ops[id(a)] for a in n.args)
    return ops[id(e)]


def _poly_expr(gen: Expr, p: list) -> Expr:
    gk = _ckey(gen)
    terms = [(float(c), {gk: [gen, float(k)]} if k else {}) for k, c in enumerate(p) if c]
    return _build_sum(terms, combine=False)


def _factored(gen: Expr, prim: list, content: Fraction) -> Optional[Expr]:
    """``content·prim(gen)`` as a product of factors (x − 1)²(x + 1)(5x + 1), if it has two
    or more (or a repeated one), else None."""
    if len(prim) <= 2:
        return None
    kn, factors = factor(prim)
    if not (len(factors) > 1 or (factors and factors[0][1] > 1)):
        return None
    shown = None
    for q, m in sorted(factors, key=lambda f: f[0][0] != 0):    # x first: 2x(x + 1)
        part = _power(_poly_expr(gen, q), float(m))
        shown = part if shown is None else _node(P.mul, shown, part)
    c = kn * content
    if c != 1:
        shown = _node(P.neg, shown) if c == -1 else _node(P.mul, const(float(c)), shown)
    return shown


def _rational(e: Expr) -> Optional[Expr]:
    """``e`` as a cancelled fraction N/D of one part (numerator expanded with whole
    coefficients; the denominator factored (square-free parts, linear ones from rational
    roots) or expanded, whichever is smaller), if it is a rational function of one part."""
    # A single fraction of polynomials gains only by cancelling: skip the factoring then.
    top = e.args[0] if e.prim is P.neg else e
    single = top.prim is P.div and not any(
        n.prim is P.div or (n.prim is P.pow and (n.args[1].prim is P.neg or (
            _num(n.args[1]) is not None and n.args[1].value < 0)))
        for a in top.args for n in _postorder(a))
    found = as_rational(e, _ckey, only_if_cancels=single)
    if found is None:
        return None
    gen, num, den = found
    if all(c == 0 for c in num):
        return _ZERO
    if len(den) == 1:
        num = [c / den[0] for c in num]
        content, prim = primitive(num)
        expanded = _poly_expr(gen, num)
        shown = _factored(gen, prim, content)
        return shown if shown is not None and _size(shown) < _size(expanded) else expanded
    k, factors = factor(den)
    num = [c / k for c in num]
    flip = False
    if all(c <= 0 for c in num):
        # −1/(x − 1) reads better as 1/(1 − x): flip one odd factor's sign.
        odd = next((i for i, (q, m) in enumerate(factors) if m % 2 and len(q) == 2
                    and q[0] != 0), None)
        if odd is not None:
            q, m = factors[odd]
            factors[odd] = ([-c for c in q], m)
            num = [-c for c in num]
            flip = True
    # Whole coefficients on top: (3x² − 1)/(2x²), not (3x²/2 − 1/2)/x².
    content, prim = primitive(num)
    top = _poly_expr(gen, [c * abs(content.numerator) for c in prim])
    shown = _factored(gen, prim, Fraction(abs(content.numerator)))
    if shown is not None and _size(shown) < _size(top):
        top = shown
    negative = content < 0
    scale = content.denominator
    bottom = const(float(scale)) if scale != 1 else None
    for q, m in factors:
        part = _power(_poly_expr(gen, q), float(m))
        bottom = part if bottom is None else _node(P.mul, bottom, part)
    if bottom is None:
        return _node(P.neg, top) if negative else top
    out = _node(P.div, top, bottom)
    if len(factors) > 1:
        # The expanded denominator, if it is smaller: −2/(x² − 1) for −2/((x − 1)(x + 1)).
        whole = [c * scale / k * (-1 if flip else 1) for c in den]
        other = _node(P.div, top, _poly_expr(gen, whole))
        if _size(other) < _size(out):
            out = other
    return _node(P.neg, out) if negative else out


def _may_shrink(e: Expr) -> bool:
    """Whether the cancelled form can be smaller: a fraction, a power of a sum or a product
    with a sum in it (an expanded polynomial is as small as it gets)."""
    for n in _postorder(e):
        if n.prim is P.div:
            return True
        if n.prim is P.pow and _num(n.args[1]) is not None and (
                n.args[1].value < 0 or _is_sum(n.args[0])):
            return True
        if n.prim is P.mul and any(_is_sum(a) for a in n.args):
            return True
    return False


def _cancel(e: Expr) -> Expr:
    """Each largest arithmetic part, and each quotient, that is a fraction in one part (x,
    cos(x), ...) is replaced by its cancelled form when that is smaller. Done once over the
    result (not at every node as it is built): exact polynomial arithmetic costs more than the
    rest."""
    nodes = _postorder(e)
    inner = {id(a) for n in nodes if n.prim is not None and n.prim.name in _ARITH
             for a in n.args}
    new: dict = {}
    changed = False
    for n in nodes:
        if n.prim is None:
            new[id(n)] = n
            continue
        args = [new[id(a)] for a in n.args]
        if any(a is not b for a, b in zip(args, n.args)):
            m = _rebuild(n.prim, args, n.params)
            changed = True
        else:
            m = n
        # The largest arithmetic parts, and sums and quotients inside them (cos(x)·(a
        # fraction of sin(x)) is no fraction of one part, but its second factor is).
        if (id(n) not in inner or n.prim.name in ("div", "add", "sub")) and \
                n.prim.name in _ARITH and \
                m.prim is not None and m.prim.name in _ARITH and _may_shrink(m):
            smaller = _rational(m)
            if smaller is not None and _size(smaller) < _size(m):
                m, changed = smaller, True
        new[id(n)] = m
    return new[id(e)] if changed else e


def simplify(expr: Expr) -> Expr:
    """Textbook form: constants folded, like terms collected, no ``1*``, ``+0``, ``x**1``.

    >>> from chainrule.symbolic import symbol
    >>> x = symbol("x")
    >>> print(simplify(x*2 + 3*x + x*x*1 + 0))
    x**2 + 5*x
    """
    done: dict = {}
    for node in _postorder(_wrap(expr)):
        if node.prim is None:
            done[id(node)] = node
        else:
            done[id(node)] = _rebuild(node.prim, [done[id(a)] for a in node.args], node.params)
    out = _cancel(done[id(expr)])
    v = _num(out)
    if v is not None and not _is_whole(v) and _fraction(v) is not None:
        return _build_sum([(v, {})])     # 1/4, not 0.25
    return out
