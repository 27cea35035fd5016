"""Optimizations of a traced program that keep every result bit for bit.

- Constant folding happens while tracing: an operation none of whose inputs is traced never
  reaches the tracer, so it is computed once and enters the program as a constant.
- ``a * 1`` (a constant of ones, what the cotangent of ``sum`` is) becomes ``a`` where the
  product would have ``a``'s type, shape and dtype: multiplying by one is exact in IEEE
  arithmetic (signed zeros and NaNs included).
- Common subexpressions: the same row on the same operands with the same params gives the
  same bits (every row is a pure function), so it is computed once (``exp``'s VJP reuses the
  forward ``sin(x) * exp(...)`` product, for instance).
- Dead code: only what the outputs need is kept (``grad(f)`` never needs ``f``'s value).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops as P
from .trace import Const, Program, Var

__all__ = ["optimize"]


def _freeze(v: Any) -> Any:
    """A hashable stand-in for a param or constant, equal exactly when the values are."""
    if isinstance(v, np.ndarray):
        return ("array", v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, (tuple, list)):
        return (type(v).__name__,) + tuple(_freeze(x) for x in v)
    if isinstance(v, dict):
        return ("dict",) + tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    if isinstance(v, slice):
        return ("slice", _freeze(v.start), _freeze(v.stop), _freeze(v.step))
    if isinstance(v, (float, np.floating)):
        # 0.0 and -0.0 are equal but not the same constant; so are 1 and 1.0.
        return (type(v).__name__, float(v).hex() if v == v else "nan")
    try:
        hash(v)
    except TypeError:
        return ("id", id(v))
    return (type(v).__name__, v)


def _is_ones(c: Any) -> bool:
    if isinstance(c, bool):
        return False
    if isinstance(c, (int, float)):
        return c == 1
    if isinstance(c, (np.ndarray, np.generic)) and c.dtype.kind in "fiu":
        return bool(np.all(c == 1))
    return False


def _same_kind(a: Any, b: Any) -> bool:
    """Whether ``b`` could stand for ``a``: same Python type, shape and dtype."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (np.ndarray, np.generic)):
        return a.shape == b.shape and a.dtype == b.dtype
    return True


def optimize(prog: Program) -> Program:
    """Simplify, share common subexpressions and drop dead code (in place; returns prog)."""
    subst: dict = {}

    def look(x: Any) -> Any:
        return subst.get(x.id, x) if type(x) is Var else x

    seen: dict = {}
    eqns = []
    for e in prog.eqns:
        ins = tuple(look(x) for x in e.ins)
        e.ins = ins
        if e.prim is P.mul and len(ins) == 2:
            a, b = ins
            for keep, one in ((a, b), (b, a)):
                if type(keep) is Var and type(one) is Const and _is_ones(one.val) \
                        and _same_kind(e.out.val, keep.val):
                    subst[e.out.id] = keep
                    break
            if e.out.id in subst:
                continue
        key = (e.prim.name,
               tuple(("v", x.id) if type(x) is Var else ("c", _freeze(x.val)) for x in ins),
               _freeze(e.params))
        prev = seen.get(key)
        if prev is not None:
            subst[e.out.id] = prev
            continue
        seen[key] = e.out
        eqns.append(e)
    prog.outputs = [look(o) for o in prog.outputs]
    # Dead code: walk back from the outputs.
    live = {o.id for o in prog.outputs if type(o) is Var}
    kept = []
    for e in reversed(eqns):
        if e.out.id in live:
            kept.append(e)
            for x in e.ins:
                if type(x) is Var:
                    live.add(x.id)
    kept.reverse()
    prog.eqns = kept
    return prog


