"""Taylor mode: truncated power series pushed through the primitive table, for nth
derivatives at a cost of about O(n²) instead of the O(2ⁿ) of nested first derivatives.

A :class:`Taylor` tracer stands for the series ``y(x₀ + t) = y₀ + y₁ t + y₂ t² + …`` of an
intermediate value along the seed direction (``x(t) = x₀ + t``), kept as the list of its
coefficients ``y_k = y⁽ᵏ⁾/k!``. The nth derivative is ``n! · y_n``.

Where the rules come from: the elementwise rows' ``partials`` in the table. For ``y = f(x)``
the chain rule ``y' = f'(x)·x'`` read coefficient by coefficient gives

    k·y_k = Σ_{j=1..k} j·x_j·d_{k-j},        d = f'(x) as a series (the row's partial),

so ``y_k`` needs ``d`` only up to order ``k-1``. The partial is itself evaluated on series
(``cos(x)`` for ``sin``, ``1 - out*out`` for ``tanh``, ``out`` for ``exp``), one order
shorter: each node has a *budget* (the highest order anybody will ask of it), and the partials
of a node of budget b are built at budget b-1, so the recursion stops after n levels even for
rows whose partial grows (``pow``). Identical calls (the ``cos`` inside ``sin``, the ``sin``
inside ``cos``'s partial) are shared, so ``sin``/``cos`` make a cycle of three nodes, not a tree.
All nodes are then filled in order by order, in creation order (an input is always created
before its users; a partial's node needs this node's coefficient k only to produce its own
coefficient k, which this node needs only at k+1).

Rows without ``partials`` (``prod``, scans, linear algebra, FFTs, ...) use their JVP rule
instead: ``y' = J(x)·x'`` with the rule run on series. The tangent series ``x'`` has
coefficients ``(m+1)·x_{m+1}``, one order behind ``x``, so the nodes built from it are
*lagged*: coefficient m of a node with lag L is computed in round m + L, and ``y_k = d_{k-1}/k``
is computed after them in the same round. A new row of the table therefore needs no Taylor rule.

Rows handled otherwise, and why:

- ``add``/``sub``/``neg``/``mul``/``div``: coefficient-wise sums, the Cauchy product and series
  division. Their partials would work, but every partial is built from these rows. Direct rules
  avoid wrapping every ``+`` in a second series, and make ``div`` O(k) per coefficient instead
  of a chain of new quotients (its partial ``-out/y`` divides again).
- ``pow`` with a constant exponent r: the generic route makes a new node per order
  (x^(r-1), x^(r-2), …). Instead, whole r ≤ 64 uses repeated multiplication (exact, also at
  x₀ = 0), and other r use the recurrence from ``x·y' = r·y·x'``. A traced exponent goes
  through ``exp(r·log x)``.
- rows built by ``primitives.linear`` (sum, reshape, getitem, …), ``concatenate``, ``stack``,
  ``index_update``, ``pad``, FFTs and the piecewise-linear ``max``/``min``: the series of a
  linear map is the map of the series, so each coefficient goes through the row's JVP rule.
  This is the generic route without its recursion.
- ``matmul`` and ``einsum``: multilinear, so a Cauchy product over the traced operands.
  ``einsum``'s JVP is einsum again with all operands traced, so the generic route would branch
  at every order (exponential).
- ``solve``: the series solution of ``A·x = b`` (one solve with A₀ per coefficient). Its JVP
  calls solve with two traced operands, so it would branch like ``einsum``.
- rows without gradient (comparisons, ``sign``): their value is a constant of the series.

A row with neither partials nor a JVP rule raises ``NotImplementedError`` naming nested
``grad`` as the alternative.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from .. import ops as P
from ..core import Primitive, Tracer, bind, new_level
from ..ops.methods import ArrayOps

__all__ = ["Taylor", "series"]

_BIG = 1 << 30   # "no known zero coefficients"


class Taylor(ArrayOps):
    """A truncated power series; behaves as its value (order-0 coefficient) to the rules."""

    __slots__ = ("coeffs", "budget", "step", "nnz", "lag", "init", "_shape", "_level",
                 "_trace")

    def __init__(self, coeffs: list, trace: "_Trace", step: Optional[Callable] = None,
                 nnz: int = _BIG):
        self.coeffs = coeffs
        self.budget = trace.budget
        self.step = step
        self.nnz = nnz              # coefficients from index nnz on are known to be zero
        self.lag = trace.lag        # coefficient k is computed in round k + lag
        self.init = None            # recomputes coefficient 0 of a lagged node
        c0 = coeffs[0]
        self._shape = () if type(c0) is float else P.shape_of(c0)
        self._level = trace.level
        self._trace = trace

    def _value(self) -> Any:
        return self.coeffs[0]

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def dtype(self) -> np.dtype:
        return P.dtype_of(self.coeffs[0])

    def _process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        return self._trace.process(prim, args, params)

    # Arithmetic skips bind's search for the top tracer when the other operand is a plain
    # value or a series of this same level (the common case inside partials).
    def _arith(self, prim: Primitive, a: Any, b: Any) -> Any:
        o = b if a is self else a
        if isinstance(o, Tracer) and not (type(o) is Taylor and o._level == self._level):
            return bind(prim, a, b)
        return self._trace.process(prim, (a, b), {})

    def __add__(self, o): return self._arith(P.add, self, o)
    def __radd__(self, o): return self._arith(P.add, o, self)
    def __sub__(self, o): return self._arith(P.sub, self, o)
    def __rsub__(self, o): return self._arith(P.sub, o, self)
    def __mul__(self, o): return self._arith(P.mul, self, o)
    def __rmul__(self, o): return self._arith(P.mul, o, self)
    def __truediv__(self, o): return self._arith(P.div, self, o)
    def __rtruediv__(self, o): return self._arith(P.div, o, self)

    def __repr__(self) -> str:
        return f"Taylor(coeffs={self.coeffs!r}, budget={self.budget})"


class _Trace:
    """The nodes of one Taylor-mode evaluation (one level), in creation order."""

    __slots__ = ("level", "nodes", "budget", "lag", "lagged", "memo")

    def __init__(self, order: int):
        self.level = new_level()
        self.nodes: list = []
        self.budget = order
        self.lag = 0
        self.lagged = False          # whether any node has a lag (see _generic)
        self.memo: dict = {}

    def release(self) -> None:
        """Drop the nodes' rules once the coefficients are computed: the rules' closures hold
        other nodes (sin's and cos's share theirs), and nodes hold this trace, so without
        this every evaluation would leave a reference cycle for the garbage collector, and
        with it the values it computed on (traced values and their programs, under
        cr.compile)."""
        for node in self.nodes:
            node.step = None
            node.init = None
        self.nodes.clear()
        self.memo.clear()

    def node(self, out0: Any, step: Optional[Callable] = None) -> Taylor:
        t = Taylor([out0], self, step)
        self.nodes.append(t)
        return t

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        level = self.level
        traced = []
        primals = []
        for a in args:
            if type(a) is Taylor and a._level == level:
                traced.append(True)
                primals.append(a.coeffs[0])
            else:
                traced.append(False)
                primals.append(a)
        if self.lag:
            # Inside a generic row's derivative, tangent-side values are placeholders until
            # their round comes (see _generic): ignore what NumPy says about them.
            with np.errstate(all="ignore"):
                out0 = bind(prim, *primals, **params)
        elif type(primals[0]) is float and (len(primals) == 1 or type(primals[1]) is float):
            out0 = prim.impl(*primals, **params)     # plain numbers: no tracer to dispatch to
        else:
            out0 = bind(prim, *primals, **params)
        if not prim.differentiable:
            return out0                      # a mask or a sign: constant along the series
        special = _SPECIAL.get(prim)
        if special is not None:
            res = special(self, args, traced, primals, params, out0)
        elif prim.partials is not None:
            res = self._elementwise(prim, args, traced, params, out0)
        elif prim.linear:   # the table marks it (see Primitive.linear)
            res = self._linear(prim, args, traced, primals, params, out0)
        elif any(prim.jvp_rule(i) is not None for i, t in enumerate(traced) if t):
            res = self._generic(prim, args, traced, params, out0)
        else:
            raise NotImplementedError(
                f"derivative: the primitive {prim.name!r} has no JVP rule, so Taylor mode "
                "cannot differentiate through it. Nest first derivatives instead, e.g. "
                "cr.grad(cr.grad(f)) or cr.jacfwd(cr.jacrev(f)).")
        if self.lag and type(res) is Taylor and res.lag == self.lag and res.init is None:
            res.init = _recompute(prim, args, traced, params, self.level)
        return res

    # generic elementwise rows ---------------------------------------------------------------
    def _elementwise(self, prim, args, traced, params, out0):
        key = (prim, tuple(map(id, args))) if not params else None
        if key is not None:
            hit = self.memo.get(key)
            if hit is not None and hit[0].budget >= self.budget and hit[0].lag <= self.lag:
                return hit[0]
        node = self.node(out0)
        if key is not None:
            self.memo[key] = (node, args)   # args kept alive so their ids stay unique
        if node.budget < 1:
            return node
        terms = []
        self.budget -= 1
        try:
            for i, t in enumerate(traced):
                p = prim.partials[i] if t and i < len(prim.partials) else None
                if p is not None:
                    terms.append((args[i], p(node, *args)))
        finally:
            self.budget += 1
        node.step = _chain_step(terms, level=self.level)
        return node

    def _generic(self, prim, args, traced, params, out0):
        """Any row with JVP rules: y' = J(x)·x', the row's own JVP rule run on series.

        The tangent x' has coefficients (m+1)·x_{m+1}: one order behind x. So everything
        built from it is *lagged*: its coefficient m is computed in round m + lag, after x's
        coefficient m+1 exists. y_k = d_{k-1}/k then needs the derivative d in the same
        round, so y moves behind the nodes that compute d.
        """
        node = self.node(out0)
        if node.budget < 1:
            return node
        pos = len(self.nodes) - 1
        self.lagged = True
        self.budget -= 1
        self.lag += 1
        try:
            d = None
            for i, t in enumerate(traced):
                rule = prim.jvp_rule(i) if t else None
                if rule is None:
                    continue
                dx = self._tangent_of(args[i])
                di = rule(i, dx, node, *args, **params) if prim.variadic else \
                    rule(dx, node, *args, **params)
                d = di if d is None else d + di
        finally:
            self.budget += 1
            self.lag -= 1
        self.nodes.append(self.nodes.pop(pos))
        if type(d) is Taylor and d._level == self.level:
            D = d.coeffs
            node.step = lambda k: D[k - 1] / k
        else:                          # a derivative that does not vary: y = y0 + d·t
            zero = P.zeros_like_value(out0)
            node.step = lambda k: d if k == 1 else zero
        return node

    def _tangent_of(self, x: Taylor) -> Taylor:
        """The series of x'(t): coefficients (m+1)·x_{m+1}, a lagged node."""
        X = x.coeffs
        shape = x._shape
        placeholder = 0.0 if not shape else np.zeros(shape, dtype=P.dtype_of(X[0]))
        t = self.node(placeholder, lambda m: (m + 1) * X[m + 1])
        t.init = lambda: X[1]
        return t

    def _linear(self, prim, args, traced, primals, params, out0):
        rules = [(i, prim.jvp_rule(i)) for i, t in enumerate(traced) if t]
        rules = [(i, r) for i, r in rules if r is not None]
        variadic = prim.variadic

        def step(k):
            total = None
            for i, rule in rules:
                t = args[i].coeffs[k]
                v = rule(i, t, out0, *primals, **params) if variadic else \
                    rule(t, out0, *primals, **params)
                total = v if total is None else total + v
            return total
        return self.node(out0, step)


def _recompute(prim: Primitive, args: tuple, traced: list, params: dict,
               level: int) -> Callable:
    """Coefficient 0 of a lagged node, from its inputs' coefficient 0 once they are real."""
    def init():
        return bind(prim, *[a.coeffs[0] if t else a for a, t in zip(args, traced)], **params)
    return init


def _chain_step(terms: list, level: int) -> Callable:
    """Coefficient k of y from y' = Σ dᵢ·xᵢ': k·y_k = Σᵢ Σ_j j·xᵢ_j·dᵢ_{k-j}."""
    prepared = []
    for x, d in terms:
        if type(d) is Taylor and d._level == level:
            prepared.append((x, d))
        else:
            prepared.append((x, None, d))
    if len(prepared) == 1 and len(prepared[0]) == 2:
        # The common case (a unary row): one term, unrolled.
        (x, d), = prepared
        X, D = x.coeffs, d.coeffs
        d_nnz, x_top = d.nnz, x.nnz - 1

        def step_one(k):
            lo = k - d_nnz + 1
            if lo < 1:
                lo = 1
            hi = x_top if x_top < k else k
            s = 0.0
            for j in range(lo, hi + 1):
                s = s + (j * X[j]) * D[k - j]
            return s / k
        return step_one

    def step(k):
        total = 0.0
        for entry in prepared:
            x = entry[0]
            X = x.coeffs
            if len(entry) == 3:              # a constant partial: y_k = d·x_k
                total = total + entry[2] * X[k]
                continue
            d = entry[1]
            D = d.coeffs
            lo = max(1, k - d.nnz + 1)
            hi = min(k, x.nnz - 1)
            s = 0.0
            for j in range(lo, hi + 1):
                s = s + (j * X[j]) * D[k - j]
            total = total + s / k
        return total
    return step


# ----------------------------------------------------------------------------------------
# Rows with rules of their own (see the module docstring for why).

def _add(tr, args, traced, primals, params, out0):
    (a, b), (ta, tb) = args, traced
    if ta and tb:
        A, B = a.coeffs, b.coeffs
        return tr.node(out0, lambda k: A[k] + B[k])
    A = (a if ta else b).coeffs
    return tr.node(out0, lambda k: A[k])


def _sub(tr, args, traced, primals, params, out0):
    (a, b), (ta, tb) = args, traced
    if ta and tb:
        A, B = a.coeffs, b.coeffs
        return tr.node(out0, lambda k: A[k] - B[k])
    if ta:
        A = a.coeffs
        return tr.node(out0, lambda k: A[k])
    B = b.coeffs
    return tr.node(out0, lambda k: -B[k])


def _neg(tr, args, traced, primals, params, out0):
    A = args[0].coeffs
    return tr.node(out0, lambda k: -A[k])


def _cauchy(a: Taylor, b: Taylor, op: Callable) -> Callable:
    A, B = a.coeffs, b.coeffs

    def step(k):
        lo = max(0, k - b.nnz + 1)
        hi = min(k, a.nnz - 1)
        s = op(A[lo], B[k - lo])
        for j in range(lo + 1, hi + 1):
            s = s + op(A[j], B[k - j])
        return s
    return step


def _cauchy_mul(a: Taylor, b: Taylor) -> Callable:
    """The Cauchy product for ``*`` written out (the hottest rule: every partial uses it)."""
    A, B = a.coeffs, b.coeffs
    if a is b:
        # A square: each cross term appears twice, so half the multiplications.
        def square(k):
            half = (k - 1) // 2
            s = A[0] * A[k]
            for j in range(1, half + 1):
                s = s + A[j] * A[k - j]
            s = s + s
            if k % 2 == 0:
                s = s + A[k // 2] * A[k // 2]
            return s
        return square
    b_top, a_top = b.nnz - 1, a.nnz - 1

    def product(k):
        lo = k - b_top
        if lo < 0:
            lo = 0
        hi = a_top if a_top < k else k
        s = A[lo] * B[k - lo]
        for j in range(lo + 1, hi + 1):
            s = s + A[j] * B[k - j]
        return s
    return product


def _mul(tr, args, traced, primals, params, out0):
    (a, b), (ta, tb) = args, traced
    if ta and tb:
        return tr.node(out0, _cauchy_mul(a, b))
    if ta:
        A = a.coeffs
        return tr.node(out0, lambda k: A[k] * b)
    B = b.coeffs
    return tr.node(out0, lambda k: a * B[k])


def _div(tr, args, traced, primals, params, out0):
    (a, b), (ta, tb) = args, traced
    if not tb:
        A = a.coeffs
        return tr.node(out0, lambda k: A[k] / b)
    B = b.coeffs
    A = a.coeffs if ta else None
    node = tr.node(out0)
    Q = node.coeffs

    # q = a/b  <=>  q·b = a:  q_k = (a_k - Σ_{j=1..k} b_j q_{k-j}) / b_0
    def step(k):
        s = A[k] if A is not None else 0.0
        for j in range(1, min(k, b.nnz - 1) + 1):
            s = s - B[j] * Q[k - j]
        return s / B[0]
    node.step = step
    return node


def _matmul(tr, args, traced, primals, params, out0):
    (a, b), (ta, tb) = args, traced
    if ta and tb:
        return tr.node(out0, _cauchy(a, b, lambda x, y: P.matmul(x, y)))
    if ta:
        A = a.coeffs
        return tr.node(out0, lambda k: P.matmul(A[k], b))
    B = b.coeffs
    return tr.node(out0, lambda k: P.matmul(a, B[k]))


def _wrap(tr: _Trace, out0: Any, composite: Any) -> Any:
    """A node with the row's own value at order 0 and a composite's higher coefficients."""
    if not (type(composite) is Taylor and composite._level == tr.level):
        return out0
    C = composite.coeffs
    return tr.node(out0, lambda k: C[k])


def _pow(tr, args, traced, primals, params, out0):
    (x, r), (_, r_traced) = args, traced
    if r_traced:
        # x**y = exp(y·log x) along the series (x > 0 where the exponent varies).
        return _wrap(tr, out0, P.exp(P.mul(r, P.log(x))))
    rv = P.value_of(r)
    if np.ndim(rv) == 0 and not isinstance(r, Tracer):
        rf = float(rv)
        if rf == 0.0:
            return out0                        # x**0 = 1: flat (pinned also at x = 0)
        if rf.is_integer() and 0 < rf <= 64:
            e = int(rf)
            result, base = None, x
            while e:
                if e & 1:
                    result = base if result is None else result * base
                e >>= 1
                if e:
                    base = base * base
            return _wrap(tr, out0, result)
    X = x.coeffs
    node = tr.node(out0)
    Y = node.coeffs

    # From x·y' = r·y·x':  y_k = Σ_{j=1..k} (r·j - (k-j))·x_j·y_{k-j} / (k·x_0)
    def step(k):
        s = 0.0
        for j in range(1, min(k, x.nnz - 1) + 1):
            s = s + ((r * j - (k - j)) * X[j]) * Y[k - j]
        return s / (k * X[0])
    node.step = step
    return node


def _compositions(k: int, m: int):
    """All m-tuples of whole numbers >= 0 that sum to k."""
    if m == 1:
        yield (k,)
        return
    for j in range(k + 1):
        for rest in _compositions(k - j, m - 1):
            yield (j,) + rest


def _einsum(tr, args, traced, primals, params, out0):
    # Multilinear: coefficient k is the sum over all ways to split k among the traced
    # operands. (Its JVP rule is einsum again with every operand traced, so the generic
    # route would branch at every order.)
    prim = P.einsum
    idx = [i for i, t in enumerate(traced) if t]

    def step(k):
        total = None
        for comp in _compositions(k, len(idx)):
            if any(j >= args[i].nnz for i, j in zip(idx, comp)):
                continue
            ops = list(primals)
            for i, j in zip(idx, comp):
                ops[i] = args[i].coeffs[j]
            v = bind(prim, *ops, **params)
            total = v if total is None else total + v
        return total if total is not None else P.zeros_like_value(out0)
    return tr.node(out0, step)


def _solve(tr, args, traced, primals, params, out0):
    # From A·x = b:  x_k = A_0⁻¹ b_k - Σ_{j=1..k} A_0⁻¹ A_j x_{k-j}, using the row's own JVP
    # rules (they handle NumPy's vector/matrix conventions for b) on plain coefficients:
    # rule_b(b_k) = A_0⁻¹ b_k and rule_a(A_j, out=x_{k-j}) = -A_0⁻¹ A_j x_{k-j}. The generic
    # route would call solve with two traced operands inside its own derivative, and branch.
    prim = P.solve
    (a, b), (ta, tb) = args, traced
    rule_a, rule_b = prim.jvp_rule(0), prim.jvp_rule(1)
    node = tr.node(out0)
    X = node.coeffs

    def step(k):
        a0 = a.coeffs[0] if ta else a
        b0 = b.coeffs[0] if tb else b
        total = rule_b(b.coeffs[k], X[0], a0, b0) if tb else None
        if ta:
            A = a.coeffs
            for j in range(1, min(k, a.nnz - 1) + 1):
                v = rule_a(A[j], X[k - j], a0, b0)
                total = v if total is None else total + v
        return total if total is not None else P.zeros_like_value(out0)
    node.step = step
    return node


# Rows with a rule of their own here, keyed by the rows themselves.
_SPECIAL: dict = {P.add: _add, P.sub: _sub, P.neg: _neg, P.mul: _mul, P.div: _div,
                  P.pow: _pow, P.matmul: _matmul, P.einsum: _einsum, P.solve: _solve}


# ----------------------------------------------------------------------------------------

def series(f: Callable, x: Any, order: int, scale: float = 1.0) -> list:
    """The Taylor coefficients ``[f(x), f'(x), f''(x)/2!, …]`` up to ``order`` of ``f``
    along ``x(t) = x + t`` (elementwise for an elementwise ``f``); raw values.

    With ``scale = h`` the seed is ``x + h·t`` and coefficient k is ``f⁽ᵏ⁾(x)·hᵏ/k!``: a
    power of two for h scales every coefficient exactly (each rule is homogeneous in the
    coefficients' order), and keeps high orders inside the floating-point range where
    ``1/k!`` alone would underflow (see :func:`chainrule.derivative`).

    >>> series(lambda x: x ** 3, 2.0, 3)
    [8.0, 12.0, 6.0, 1.0]
    >>> series(lambda x: x ** 3, 2.0, 3, scale=2.0)
    [8.0, 24.0, 24.0, 8.0]
    """
    trace = _Trace(order)
    try:
        return _fill(f, x, order, scale, trace)
    finally:
        trace.release()


def _fill(f: Callable, x: Any, order: int, scale: float, trace: "_Trace") -> list:
    """:func:`series` on a fresh trace."""
    shape = P.shape_of(x)
    one = float(scale) if shape == () else np.full(shape, scale, dtype=P.dtype_of(x))
    zero = 0.0 if shape == () else np.zeros(shape, dtype=P.dtype_of(x))
    # The seed x + t: all its coefficients are known now, so it needs no round of its own.
    coeffs = [x, one] + [zero] * (order - 1) if order >= 1 else [x]
    seed = Taylor(coeffs, trace, None, nnz=2)
    out = f(seed)
    if not (type(out) is Taylor and out._level == trace.level):
        zeros = P.zeros_like_value(out)
        return [out] + [zeros if np.ndim(zeros) else zeros.item() for _ in range(order)]
    nodes = trace.nodes
    if not trace.lagged:
        work = [(node.coeffs, node.step, node.budget, node._shape) for node in nodes]
        for k in range(1, order + 1):
            for c, step, budget, shape in work:
                if budget >= k:
                    v = step(k)
                    # A constant operand can make a coefficient smaller than the value (x + c
                    # with x a scalar series and c an array): give it the value's shape.
                    if shape and P.shape_of(v) != shape:
                        v = P.broadcast_to(v, shape=shape)
                    c.append(v)
        return out.coeffs[:order + 1]
    # With lagged nodes (generic rows): round s computes coefficient s - lag of each node.
    work = [(node.coeffs, node.step, node.budget, node._shape, node.lag, node.init)
            for node in nodes]
    for s in range(1, order + max(node.lag for node in nodes) + 1):
        for c, step, budget, shape, lag, init in work:
            k = s - lag
            if k == 0 and init is not None:
                c[0] = init()
            elif 1 <= k <= budget and len(c) == k:
                v = step(k)
                if shape and P.shape_of(v) != shape:
                    v = P.broadcast_to(v, shape=shape)
                c.append(v)
    return out.coeffs[:order + 1]
