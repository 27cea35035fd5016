"""How fast can a pure-Python engine run W2? A measurement, not part of chainrule.

Run by hand:  python bench/floor_w2.py

A stripped reverse-mode engine with chainrule's data model (slotted nodes that are their own
graph, creation sequence numbers ordering a heap, grad mode in a ContextVar, versions
stored) but none of its features (no hooks, targets, retain_graph, version checks, nested
levels, NumPy arrays or table dispatch: its three rules call `math` directly). It times W2,
333 x `x = sin(x)*0.01 + x`, against chainrule in the same process, so the gap between
chainrule and any pure-Python engine, and between either and W2's target, is measured
rather than guessed. This floor is why chainrule's hot paths have a compiled twin
(docs/compiled.md): the chainrule row shows whichever engine runs (`CHAINRULE_PURE=1` for the
pure-Python one).
"""

from __future__ import annotations

import contextvars
import itertools
import math
import operator
import os
import sys
import time
from heapq import heappop, heappush

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import chainrule as cr  # noqa: E402

_grad_on = contextvars.ContextVar("grad_on", default=True)
_seq = itertools.count(1)


class Node:
    __slots__ = ("data", "requires_grad", "prim", "inputs", "seq", "version", "level",
                 "vsum", "grad", "__dict__", "__weakref__")


class Prim:
    __slots__ = ("impl", "vjp")

    def __init__(self, impl, vjp):
        self.impl, self.vjp = impl, vjp


MUL = Prim(operator.mul, (lambda g, o, x, y: g * y, lambda g, o, x, y: g * x))
ADD = Prim(operator.add, (lambda g, o, x, y: g, lambda g, o, x, y: g))
SIN = Prim(math.sin, (lambda g, o, x: g * math.cos(x),))


# Everything written out in place, as chainrule's own hot paths are: helper calls per
# operation would cost more than the whole difference being measured.
def binary(prim, a, b):
    if type(a) is Node:
        da, needs, vsum = a.data, a.requires_grad, a.version
    else:
        da, needs, vsum = a, False, 0
    if type(b) is Node:
        db = b.data
        needs = needs or b.requires_grad
        vsum += b.version
    else:
        db = b
    t = Node.__new__(Node)
    t.data = prim.impl(da, db)
    t.level = 0
    t.version = 0
    if needs and _grad_on.get():
        t.requires_grad = True
        t.prim = prim
        t.inputs = (a, b)
        t.vsum = vsum
        t.seq = next(_seq)
    else:
        t.requires_grad = False
        t.prim = None
        t.inputs = None
        t.vsum = 0
        t.seq = 0
    return t


Node.__mul__ = lambda self, o: binary(MUL, self, o)
Node.__add__ = lambda self, o: binary(ADD, self, o)


def sin(a):
    t = Node.__new__(Node)
    t.data = math.sin(a.data)
    t.level = 0
    t.version = 0
    if a.requires_grad and _grad_on.get():
        t.requires_grad = True
        t.prim = SIN
        t.inputs = (a,)
        t.vsum = a.version
        t.seq = next(_seq)
    else:
        t.requires_grad = False
        t.prim = None
        t.inputs = None
        t.vsum = 0
        t.seq = 0
    return t


def backward(root):
    grads = {id(root): 1.0}
    heap = [(-root.seq, id(root), root)]
    while heap:
        _, tid, t = heappop(heap)
        g = grads.pop(tid)
        prim = t.prim
        if prim is None:
            t.grad = g
            continue
        inputs = t.inputs
        if len(inputs) == 1:
            (a,) = inputs
            gi = prim.vjp[0](g, t.data, a.data)
            aid = id(a)
            prev = grads.get(aid)
            if prev is None:
                grads[aid] = gi
                heappush(heap, (-a.seq, aid, a))
            else:
                grads[aid] = prev + gi
        else:
            a, b = inputs
            a_node, b_node = type(a) is Node, type(b) is Node
            va = a.data if a_node else a
            vb = b.data if b_node else b
            for x, node, rule in ((a, a_node, prim.vjp[0]), (b, b_node, prim.vjp[1])):
                if node and x.requires_grad:
                    gi = rule(g, t.data, va, vb)
                    xid = id(x)
                    prev = grads.get(xid)
                    if prev is None:
                        grads[xid] = gi
                        heappush(heap, (-x.seq, xid, x))
                    else:
                        grads[xid] = prev + gi
        t.inputs = None


def leaf(value):
    x = Node.__new__(Node)
    x.data, x.requires_grad, x.prim, x.inputs = value, True, None, None
    x.seq, x.version, x.level, x.vsum = 0, 0, 0, 0
    return x


def floor_chain():
    x0 = leaf(0.5)
    x = x0
    for _ in range(333):
        x = sin(x) * 0.01 + x
    backward(x)
    return x0.grad


def chainrule_chain():
    x0 = cr.tensor(0.5, requires_grad=True)
    x = x0
    for _ in range(333):
        x = cr.sin(x) * 0.01 + x
    x.backward()
    return x0.grad.item()


def best_per_op(fn, repeat=15, number=30):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number / 999)
    return best * 1e6


if __name__ == "__main__":
    assert abs(floor_chain() - chainrule_chain()) < 1e-12   # the same derivative
    print("| W2 per op | µs |")
    print("|---|---|")
    print(f"| stripped pure-Python engine | {best_per_op(floor_chain):.3g} |")
    engine = "compiled core" if cr._kernel.COMPILED else "pure Python"
    print(f"| chainrule ({engine}) | {best_per_op(chainrule_chain):.3g} |")
