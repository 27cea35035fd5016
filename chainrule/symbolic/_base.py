"""Shared pieces of the symbolic layer: the operation groups, structural keys and the
walk over an expression graph (children before parents, without recursion).
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Optional

import numpy as np

# Above every level a transform hands out: a Tensor or Dual met inside an expression is a
# constant to it, never the other way round.
_LEVEL = 1 << 40

_SUM_OPS = ("add", "sub", "neg")
_PROD_OPS = ("mul", "div", "pow")
_ARITH = frozenset(_SUM_OPS + _PROD_OPS)
_COMPARE = {"equal": "==", "not_equal": "!=", "greater": ">", "greater_equal": ">=",
            "less": "<", "less_equal": "<="}
# Rows whose all-constant results are always folded to a number; any other function of
# constants is folded only when the result is a whole number (cos(0) = 1), so that
# d/dx 2**x prints as 2**x*log(2), not 0.6931471805599453*2**x.
_FOLD_ALWAYS = _ARITH | frozenset(_COMPARE) | {"where", "sign", "abs"}
# Largest number of terms a product of sums may expand into before it is left factored.
_MAX_EXPANSION = 64


class _Key:
    """A structural key whose hash is computed once: keys nest (a node's key holds its
    children's), and re-hashing a deep tuple at every dict lookup made simplification of
    deep expressions cubic."""

    __slots__ = ("items", "hash")

    def __init__(self, items: tuple):
        self.items = items
        self.hash = hash(items)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, _Key) and self.hash == other.hash
                                  and self.items == other.items)

    def __getitem__(self, i: int) -> Any:
        return self.items[i]


def _sorted_key(pairs: Iterable) -> tuple:
    """Pairs in an order that depends only on their values (for order-free keys)."""
    return tuple(sorted(pairs, key=hash))


def _value_key(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return ("array", v.shape, v.tobytes())
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    return float(v)


def _postorder(root: Any) -> list:
    """Unique nodes, children before parents, without recursion (deep graphs are fine)."""
    out, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded or not node.args:
            seen.add(id(node))
            out.append(node)
            continue
        stack.append((node, True))
        for a in reversed(node.args):
            if id(a) not in seen:
                stack.append((a, False))
    return out


def _num(e: Any) -> Optional[float]:
    """The number an Expr stands for, if it is an unnamed scalar constant."""
    if e.is_number and isinstance(e.value, float):
        return e.value
    return None


def _is_whole(v: Any) -> bool:
    return isinstance(v, float) and math.isfinite(v) and v == math.floor(v)
