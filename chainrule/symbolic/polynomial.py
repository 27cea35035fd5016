"""Rational functions of one generator: an expression built with + - * / and whole powers
from numbers and a single other part ``g`` (``x``, or ``cos(x)``, or ``e^x``) read as
``N(g)/D(g)`` with exact rational coefficients, cancelled by their polynomial gcd.

The simplifier uses it to cancel ``(x² − 4x + 4)/(x − 2)²`` to 1 and to flatten nested
fractions (``1/(x²(1/x² + 1))`` is ``1/(x² + 1)``). Polynomials are coefficient lists, lowest
power first.

>>> from chainrule.symbolic import symbol
>>> x = symbol("x")
>>> _, n, d = as_rational((x*x - 4*x + 4) / (x - 2))
>>> n, d
([Fraction(-2, 1), Fraction(1, 1)], [Fraction(1, 1)])
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Optional

from ._base import _is_whole, _postorder

__all__ = ["padd", "pneg", "pmul", "pdivmod", "is_zero", "pgcd", "pderiv", "squarefree",
           "primitive", "factor", "as_rational", "rational_roots"]

# Beyond this degree, or this many nodes, an expression is left as it is: the textbook
# cases are small, and exact arithmetic on large polynomials is slow.
MAX_DEGREE = 24
MAX_NODES = 400
_RATIONAL_OPS = frozenset(("add", "sub", "neg", "mul", "div", "pow"))


def _trim(p: list) -> list:
    while len(p) > 1 and p[-1] == 0:
        p = p[:-1]
    return p


def padd(p: list, q: list) -> list:
    n = max(len(p), len(q))
    return _trim([(p[i] if i < len(p) else 0) + (q[i] if i < len(q) else 0)
                  for i in range(n)])


def pneg(p: list) -> list:
    return [-c for c in p]


def pmul(p: list, q: list) -> list:
    out = [Fraction(0)] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        if a:
            for j, b in enumerate(q):
                out[i + j] += a * b
    return _trim(out)


def pdivmod(p: list, q: list) -> tuple:
    p = list(p)
    if len(q) > len(p):
        return [Fraction(0)], _trim(p)
    out = [Fraction(0)] * (len(p) - len(q) + 1)
    lead = q[-1]
    for k in range(len(p) - len(q), -1, -1):
        c = p[k + len(q) - 1] / lead
        out[k] = c
        if c:
            for j, b in enumerate(q):
                p[k + j] -= c * b
    return _trim(out), _trim(p[:len(q) - 1] or [Fraction(0)])


def is_zero(p: list) -> bool:
    return len(p) == 1 and p[0] == 0


def pgcd(p: list, q: list) -> list:
    """The monic greatest common divisor."""
    while not is_zero(q):
        p, q = q, pdivmod(p, q)[1]
    return [c / p[-1] for c in p]


def pderiv(p: list) -> list:
    return _trim([c * i for i, c in enumerate(p)][1:] or [Fraction(0)])


def squarefree(p: list) -> list:
    """[(factor, multiplicity)] with ``p`` = lead · product of factor**multiplicity, the
    factors monic, square-free and coprime (Yun's algorithm)."""
    p = [c / p[-1] for c in p]
    if len(p) <= 2:
        return [] if len(p) == 1 else [(p, 1)]
    out = []
    a = pgcd(p, pderiv(p))
    b = pdivmod(p, a)[0]
    c = pdivmod(pderiv(p), a)[0]
    d = padd(c, pneg(pderiv(b)))
    i = 1
    while len(b) > 1:
        a = pgcd(b, d)
        b = pdivmod(b, a)[0]
        c = pdivmod(d, a)[0]
        d = padd(c, pneg(pderiv(b)))
        if len(a) > 1:
            out.append((a, i))
        i += 1
    return out


def primitive(p: list) -> tuple:
    """(s, q): ``p = s·q`` with ``q`` integer coefficients, coprime, positive leading one."""
    lcm = 1
    for c in p:
        lcm = lcm * c.denominator // math.gcd(lcm, c.denominator)
    ints = [int(c * lcm) for c in p]
    g = 0
    for c in ints:
        g = math.gcd(g, c)
    g = g or 1
    if ints[-1] < 0:
        g = -g
    return Fraction(g, lcm), [Fraction(c // g) for c in ints]


def factor(p: list) -> tuple:
    """(constant, [(q, m)]): ``p`` = constant · product of q**m, each q primitive with
    integer coefficients; linear factors (from rational roots) first."""
    const = p[-1]
    out = []
    for sqf, m in squarefree(p):
        rest = sqf
        for r, _ in rational_roots(sqf):
            rest = pdivmod(rest, [-r, Fraction(1)])[0]
            out.append(([Fraction(-r.numerator), Fraction(r.denominator)], m))
        if len(rest) > 1:
            out.append((primitive(rest)[1], m))
    for q, m in out:
        const /= q[-1] ** m
    return const, out


def _number(v: Any) -> Optional[Fraction]:
    if not isinstance(v, float) or not math.isfinite(v):
        return None
    f = Fraction(v).limit_denominator(10**6)
    return f if float(f) == v else None


def as_rational(e: Any, key=None, only_if_cancels: bool = False) -> Optional[tuple]:
    """``(g, N, D)`` with ``e = N(g)/D(g)``, or None when ``e`` is not a rational function
    of a single part ``g`` (``key`` tells parts apart; default: the structural key), or
    with ``only_if_cancels`` when N and D have no common factor."""
    key = key or (lambda n: n._key)
    nodes = _postorder(e)
    if len(nodes) > MAX_NODES:
        return None
    # Only the arithmetic skeleton counts: the x inside cos(x) is part of the part cos(x).
    inside, stack = {id(e)}, [e]
    while stack:
        n = stack.pop()
        if n.prim is not None and n.prim.name in _RATIONAL_OPS and (
                n.prim.name != "pow" or (n.args[1].is_number and _is_whole(n.args[1].value))):
            for a in n.args:
                if id(a) not in inside:
                    inside.add(id(a))
                    stack.append(a)
    nodes = [n for n in nodes if id(n) in inside]
    # One part only (checked before any exact arithmetic, which costs more).
    parts = set()
    for n in nodes:
        if n.prim is not None and n.prim.name not in _RATIONAL_OPS or (
                n.prim is not None and n.prim.name == "pow" and not n.args[1].is_number):
            parts.add(key(_power_of_part(n)[0]))
        elif n.prim is None and not n.is_number:
            parts.add(key(n))
        if len(parts) > 1:
            return None
    gen, gen_key = None, None
    val: dict = {}
    one = [Fraction(1)]
    for n in nodes:
        name = n.prim.name if n.prim is not None else None
        r = None
        if n.is_number:
            c = _number(n.value)
            if c is None:
                return None
            r = ([c], one)
        elif name in ("add", "sub"):
            (a, b), (c, d) = val[id(n.args[0])], val[id(n.args[1])]
            cb = pmul(c, b) if name == "add" else pneg(pmul(c, b))
            r = (padd(pmul(a, d), cb), pmul(b, d))
        elif name == "neg":
            a, b = val[id(n.args[0])]
            r = (pneg(a), b)
        elif name == "mul":
            (a, b), (c, d) = val[id(n.args[0])], val[id(n.args[1])]
            r = (pmul(a, c), pmul(b, d))
        elif name == "div":
            (a, b), (c, d) = val[id(n.args[0])], val[id(n.args[1])]
            if is_zero(c):
                return None
            r = (pmul(a, d), pmul(b, c))
        elif name == "pow" and n.args[1].is_number and _is_whole(n.args[1].value) and \
                id(n.args[0]) in val and abs(n.args[1].value) <= MAX_DEGREE:
            a, b = val[id(n.args[0])]
            k = int(n.args[1].value)
            if k < 0:
                if is_zero(a):
                    return None
                a, b, k = b, a, -k
            pa, pb = one, one
            for _ in range(k):
                pa, pb = pmul(pa, a), pmul(pb, b)
            r = (pa, pb)
        if r is None:
            if n.is_constant and not n.is_number:
                return None      # pi, e: kept as they are
            if n.prim is not None and name in ("add", "sub", "neg", "mul", "div"):
                return None
            part, degree = _power_of_part(n)
            k = key(part)
            if gen is None:
                gen, gen_key = part, k
            elif k != gen_key:
                return None      # a second part: not a rational function of one
            mono = [Fraction(0)] * abs(degree) + [Fraction(1)]
            r = (mono, one) if degree > 0 else (one, mono)
        if len(r[0]) > MAX_DEGREE + 1 or len(r[1]) > MAX_DEGREE + 1:
            return None
        val[id(n)] = r
    if gen is None:
        return None
    num, den = val[id(e)]
    if is_zero(den):
        return None
    g = pgcd(num, den)
    if only_if_cancels and len(g) == 1 and not all(c <= 0 for c in num) and \
            math.gcd(_content(num), _content(den)) == 1:
        return None
    if len(g) > 1:
        num, den = pdivmod(num, g)[0], pdivmod(den, g)[0]
    # Integer coefficients with a positive leading denominator coefficient.
    scale = Fraction(1, 1) / den[-1]
    num, den = [c * scale for c in num], [c * scale for c in den]
    return gen, num, den


def _power_of_part(n: Any) -> tuple:
    """(part, k) with ``n = part**k``: e^(2x) and e^(−x) are powers of e^x (k = 2, −1), so
    that e^x/(e^x + e^(−x)) is a rational function of e^x."""
    name = n.prim.name if n.prim is not None else None
    if name == "pow" and n.args[0].is_constant and not n.args[1].is_number:
        head, exponent = (n.args[0],), n.args[1]
    elif name == "exp":
        head, exponent = (), n.args[0]
    else:
        return n, 1
    k, rest = 1, exponent
    if exponent.prim is not None and exponent.prim.name == "neg":
        k, rest = -1, exponent.args[0]
    if rest.prim is not None and rest.prim.name == "mul":
        a, b = rest.args
        c = a if a.is_number else b if b.is_number else None
        if c is not None and _is_whole(c.value) and 0 < abs(c.value) <= MAX_DEGREE:
            k, rest = k * int(c.value), (b if c is a else a)
    if k == 1:
        return n, 1
    return type(n)(n.prim, head + (rest,), n.params), k


def _content(p: list) -> int:
    """The gcd of the coefficients' numerators (over a common denominator)."""
    lcm = 1
    for c in p:
        lcm = lcm * c.denominator // math.gcd(lcm, c.denominator)
    g = 0
    for c in p:
        g = math.gcd(g, int(c * lcm))
    return g


def rational_roots(p: list) -> list:
    """[(root, multiplicity)] of the rational roots of ``p`` (small textbook coefficients)."""
    p = list(p)
    lcm = 1
    for c in p:
        lcm = lcm * c.denominator // math.gcd(lcm, c.denominator)
    ints = [int(c * lcm) for c in p]
    out = []
    while len(ints) > 1 and ints[0] == 0:          # roots at 0
        ints = ints[1:]
        out.append(Fraction(0))
    if len(ints) > 1 and abs(ints[0]) <= 10**4 and abs(ints[-1]) <= 10**4:
        for num in _divisors(abs(ints[0])):
            for den in _divisors(abs(ints[-1])):
                for r in (Fraction(num, den), Fraction(-num, den)):
                    while len(ints) > 1:
                        q, rem = pdivmod([Fraction(c) for c in ints],
                                         [-r, Fraction(1)])
                        if not is_zero(rem):
                            break
                        out.append(r)
                        ints = _integral(q)
    counted: dict = {}
    for r in out:
        counted[r] = counted.get(r, 0) + 1
    return sorted(counted.items())


def _integral(p: list) -> list:
    lcm = 1
    for c in p:
        c = Fraction(c)
        lcm = lcm * c.denominator // math.gcd(lcm, c.denominator)
    return [int(Fraction(c) * lcm) for c in p]


def _divisors(n: int) -> list:
    if n == 0:
        return []
    return [d for d in range(1, n + 1) if n % d == 0]
