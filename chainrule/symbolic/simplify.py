"""The simplifier. A sum is a list of terms; a term is (coefficient, {key: [base, exponent]}).
Sums and products are flattened, like terms and like bases merged, products of polynomial
sums expanded, and the result rebuilt in textbook order."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Optional

from .. import ops as P
from ..core import Primitive
from ._base import _ARITH, _MAX_EXPANSION, _Key, _is_whole, _num, _postorder, _sorted_key
from .expr import _ZERO, Expr, _make, _node, _wrap, const

__all__ = ["simplify"]


def _is_poly(e: Expr) -> bool:
    """Whether ``e`` is a polynomial in its symbols (numbers, symbols, + - *, whole powers)."""
    ok: dict = {}
    for n in _postorder(e):
        if n.prim is None:
            ok[id(n)] = n.is_symbol or _num(n) is not None
        elif n.prim.name in ("add", "sub", "mul", "neg"):
            ok[id(n)] = all(ok[id(a)] for a in n.args)
        elif n.prim.name == "pow":
            k = _num(n.args[1])
            ok[id(n)] = k is not None and k >= 0 and _is_whole(k) and ok[id(n.args[0])]
        else:
            ok[id(n)] = False
    return ok[id(e)]


def _ckey(e: Expr) -> Any:
    """A key equal for expressions that differ only in the order of terms or factors."""
    if e._ckey is not None:
        return e._ckey
    # Children first, without recursion, skipping parts whose key is known already.
    order, stack = [], [(e, False)]
    while stack:
        node, ready = stack.pop()
        if node._ckey is not None:
            continue
        if ready or not node.args:
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((a, False) for a in reversed(node.args) if a._ckey is None)
    for node in order:
        if node._ckey is not None:
            continue
        if node.prim is not None and node.prim.name in ("add", "sub", "neg", "mul", "div"):
            terms = _terms(node, expand=False)
            node._ckey = _Key(("sum", _sorted_key(
                (c, _sorted_key((k, x) for k, (b, x) in f.items())) for c, f in terms)))
        elif node.prim is None:
            node._ckey = node._key
        else:
            node._ckey = _Key((node.prim.name, tuple(a._ckey for a in node.args),
                               node._key[2]))
    return e._ckey


def _factors(e: Expr, power: float, acc: list, fac: dict) -> None:
    """Flatten a product into ``acc[0]`` (the coefficient) and ``fac`` (base -> exponent).

    Iterative, in left-to-right order: a product built in a long Python loop is fine."""
    stack = [(e, power)]
    while stack:
        e, power = stack.pop()
        whole = _is_whole(power)
        v = _num(e)
        if v is not None and (whole or v > 0) and not (v == 0 and power < 0):
            try:
                r = v ** power
            except OverflowError:
                r = math.inf
            if math.isfinite(r):
                acc[0] *= r
                continue
        name = e.prim.name if e.prim is not None else None
        if whole and name == "neg":
            acc[0] *= (-1.0) ** power
            stack.append((e.args[0], power))
            continue
        if whole and name in ("mul", "div"):
            stack.append((e.args[1], power if name == "mul" else -power))
            stack.append((e.args[0], power))
            continue
        if whole and e.prim is P.sqrt:
            stack.append((e.args[0], power * 0.5))
            continue
        if whole and name == "pow":
            k = _num(e.args[1])
            if k is not None:
                stack.append((e.args[0], power * k))
                continue
            if _is_sum(e.args[1]):
                # b**(u + c) = b**u * b**c (on b > 0, where a symbolic power is real), so
                # x*x**(x - 1) meets x**x.
                terms = _terms(e.args[1], expand=False)
                c = sum(t[0] for t in terms if not t[1])
                rest = [t for t in terms if t[1]]
                if c != 0 and rest:
                    stack.append((e.args[0], power * c))
                    stack.append((_node(P.pow, e.args[0], _build_sum(rest)), power))
                    continue
        key = _ckey(e)
        if key in fac:
            fac[key][1] += power
        else:
            fac[key] = [e, power]


def _terms(e: Expr, expand: bool = True) -> list:
    """Flatten a sum into a list of merged terms ``(coefficient, factors)``."""
    raw: list = []
    stack = [(e, 1.0)]
    while stack:
        node, sign = stack.pop()
        name = node.prim.name if node.prim is not None else None
        if name == "add":
            stack.append((node.args[1], sign))
            stack.append((node.args[0], sign))
        elif name == "sub":
            stack.append((node.args[1], -sign))
            stack.append((node.args[0], sign))
        elif name == "neg":
            stack.append((node.args[0], -sign))
        else:
            acc, fac = [sign], {}
            _factors(node, 1.0, acc, fac)
            fac = {k: v for k, v in fac.items() if v[1] != 0}
            raw.extend(_expand(acc[0], fac) if expand else [(acc[0], fac)])
    return _merge(raw)


def _is_sum(e: Expr) -> bool:
    return e.prim is not None and e.prim.name in ("add", "sub")


def _expand(coeff: float, fac: dict) -> list:
    """Distribute a product over the sums in it when that keeps it polynomial and small:
    ``3*(x + 1)`` -> ``3*x + 3``, ``(x + 1)*(x - 1)`` -> ``x**2 - 1``."""
    sums = [k for k, (b, x) in fac.items() if x == 1 and _is_sum(b)]
    if not sums:
        return [(coeff, fac)]
    # One sum times factors with positive exponents (2*x*(u + v)) always distributes, so
    # like terms can meet; several sums only when everything is polynomial.
    if len(sums) > 1 and not all((x > 0 and _is_whole(x) and _is_poly(b))
                                 for b, x in fac.values()):
        return [(coeff, fac)]
    if any(x < 0 for b, x in fac.values()):
        return [(coeff, fac)]
    result = [(coeff, {k: v for k, v in fac.items() if k not in sums})]
    for k in sums:
        parts = _terms(fac[k][0])
        result = [(c1 * c2, _mul_fac(f1, f2)) for c1, f1 in result for c2, f2 in parts]
        if len(result) > _MAX_EXPANSION:
            return [(coeff, fac)]
    return result


def _mul_fac(f1: dict, f2: dict) -> dict:
    out = {k: [b, x] for k, (b, x) in f1.items()}
    for k, (b, x) in f2.items():
        if k in out:
            out[k][1] += x
            if out[k][1] == 0:
                del out[k]
        else:
            out[k] = [b, x]
    return out


def _merge(raw: list) -> list:
    merged: dict = {}
    for c, fac in raw:
        key = _sorted_key((k, x) for k, (b, x) in fac.items())
        if key in merged:
            merged[key][0] += c
        else:
            merged[key] = [c, fac]
    return [(c, fac) for c, fac in merged.values() if c != 0]


def _degree(fac: dict) -> Optional[tuple]:
    """(total degree, exponents by symbol) for a monomial in symbols, else None."""
    powers = {}
    for b, x in fac.values():
        if not (b.is_symbol and x > 0 and _is_whole(x)):
            return None
        powers[b.name] = x
    return sum(powers.values()), powers


def _order_terms(terms: list) -> list:
    degrees = [_degree(f) for c, f in terms]
    if all(d is not None for d in degrees):
        names = sorted({n for d in degrees for n in d[1]})

        def key(i: int) -> tuple:
            total, powers = degrees[i]
            return (-total,) + tuple(-powers.get(n, 0) for n in names)
        out = [terms[i] for i in sorted(range(len(terms)), key=key)]
    else:
        # Keep the order the rules produced (u'v + uv'), constants last.
        out = sorted(terms, key=lambda t: not t[1])
    # A positive term first when there is one: 1 - x**2, not -x**2 + 1.
    first = next((i for i, t in enumerate(out) if t[0] > 0), 0)
    return [out[first]] + out[:first] + out[first + 1:]


def _fraction(c: float) -> Optional[Fraction]:
    if not math.isfinite(c):
        return None
    if _is_whole(c):
        return Fraction(int(c))
    f = Fraction(c).limit_denominator(1000)
    if float(f) != c:
        return None
    # Halves, quarters, unit fractions and repeating decimals read better as fractions
    # (1/(2*sqrt(x)), x/3, y/10); another short decimal stays one (0.3*x, not 3*x/10).
    return f if f.denominator <= 4 or f.numerator == 1 or len(repr(c)) > 8 else None


def _power(b: Expr, x: float) -> Expr:
    if x == 1:
        return b
    if x == 0.5:
        return _node(P.sqrt, b)
    return _node(P.pow, b, const(x))


def _known_constants() -> dict:
    """Floats that rules compute with ``math`` (exp2's log(2), log10's 1/log(10)), mapped back
    to the factor they stand for, so formulas print ``log(2)``, not ``0.6931471805599453``."""
    out = {}
    for base in (2.0, 10.0):
        log_b = _node(P.log, const(base))
        out[math.log(base)] = (log_b, 1.0)
        out[1.0 / math.log(base)] = (log_b, -1.0)
    return out


_KNOWN: dict = {}


def _rejoin_powers(fac: dict) -> dict:
    """Undo the split ``b**(u + c) = b**u * b**c`` for printing: ``n*x**(n - 1)``, not
    ``n*x**n/x``."""
    out = dict(fac)
    for k, (b, x) in fac.items():
        if x != 1 or b.prim is not P.pow or _num(b.args[1]) is not None or k not in out:
            continue
        base_key = _ckey(b.args[0])
        if base_key in out and _num(_wrap(out[base_key][1])) is not None:
            c = out.pop(base_key)[1]
            exponent = _build_sum(_merge(_terms(b.args[1], expand=False) + [(c, {})]))
            out[k] = [_node(P.pow, b.args[0], exponent), 1.0]
    return out


def _build_term(c: float, fac: dict) -> Expr:
    """One term with a positive coefficient ``c``, in textbook order: number, named
    constants, symbols by name, then everything else in the order it came."""
    if not _KNOWN:
        _KNOWN.update(_known_constants())
    if c in _KNOWN:
        base, x = _KNOWN[c]
        fac = dict(fac)
        fac[("known", c)] = [base, x]
        c = 1.0
    fac = _rejoin_powers(fac)
    items = list(fac.values())
    rank = {id(b): (0 if b.is_constant else 1 if b.is_symbol else 2, b.name or "" if
                    b.prim is None else "", i) for i, (b, x) in enumerate(items)}
    items.sort(key=lambda bx: rank[id(bx[0])])
    num = [_power(b, x) for b, x in items if x > 0]
    den = [_power(b, -x) for b, x in items if x < 0]
    frac = _fraction(c)
    if frac is not None:
        if frac.numerator != 1 or not num:
            num.insert(0, const(frac.numerator))
        if frac.denominator != 1:
            den.insert(0, const(frac.denominator))
    elif c != 1:
        num.insert(0, const(c))
    top = num[0]
    for f in num[1:]:
        top = _node(P.mul, top, f)
    if not den:
        return top
    bottom = den[0]
    for f in den[1:]:
        bottom = _node(P.mul, bottom, f)
    return _node(P.div, top, bottom)


def _common_denominator(terms: list) -> Optional[Expr]:
    """Bring ``u'/v - u*v'/v**2`` to ``(u'*v - u*v')/v**2`` when every term divides by a
    power of the same ``v`` (what the quotient rule's partials give)."""
    if len(terms) < 2:
        return None
    shared = None
    for c, fac in terms:
        keys = {k for k, (b, x) in fac.items() if x < 0}
        shared = keys if shared is None else shared & keys
    if not shared:
        return None
    key = next(k for k in terms[0][1] if k in shared)
    base = terms[0][1][key][0]
    m = max(-fac[key][1] for c, fac in terms)
    numer = []
    for c, fac in terms:
        f = {k: [b, x] for k, (b, x) in fac.items()}
        f[key][1] += m
        if f[key][1] == 0:
            del f[key]
        numer.extend(_expand(c, f))
    numer = _merge(numer)
    top = _build_sum(numer, combine=False)
    bottom = base if m == 1 else _node(P.pow, base, const(m))
    if top.is_number:
        return _build_sum(_terms(_node(P.div, top, bottom)), combine=False)
    return _node(P.div, top, bottom)


def _build_sum(terms: list, combine: bool = True) -> Expr:
    if not terms:
        return _ZERO
    if combine:
        joined = _common_denominator(terms)
        if joined is not None:
            return joined
    out = None
    for c, fac in _order_terms(terms):
        t = _build_term(abs(c), fac)
        if out is None:
            out = _node(P.neg, t) if c < 0 else t
        else:
            out = _node(P.sub if c < 0 else P.add, out, t)
    return out


def _measure_zero(c: Expr) -> bool:
    """Whether the condition ``c`` holds only on a set of measure zero: an equation between
    non-constant expressions, or a conjunction with one (the table pins d/dx x**y at
    x = y = 0 with ``logical_and(y == 0, x == 0)``)."""
    if c.prim is None:
        return False
    if c.prim.name == "equal":
        return bool(c.free_symbols())
    if c.prim.name == "logical_and":
        return any(_measure_zero(a) for a in c.args)
    return False


def _rebuild(prim: Primitive, args: list, params: dict) -> Expr:
    if prim.name == "where":
        c = args[0]
        # Derivative formulas hold at generic points: a branch taken only where a
        # non-constant expression equals a value (the table pins d/dx x**0 = 0 at x = 0)
        # is a set of measure zero, so the formula keeps the general branch.
        if _measure_zero(c):
            return args[2]
        if c.prim is not None and c.prim.name == "not_equal" and c.free_symbols():
            return args[1]
    e = _make(prim, args, params)
    if e.prim is None or e.prim.name not in _ARITH:
        return e
    return _build_sum(_terms(e))


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
    out = done[id(expr)]
    v = _num(out)
    if v is not None and not _is_whole(v) and _fraction(v) is not None:
        return _build_sum([(v, {})])     # 1/4, not 0.25
    return out
