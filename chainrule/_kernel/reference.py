"""The hot paths in Python: the definition of what ``_ccore.c`` does, function for function.

Each function here has a twin of the same name in ``_ccore.c`` (docs/compiled.md has the
table). ``chainrule._kernel.install()`` puts one set or the other on the classes: these where
the C core is not built or ``CHAINRULE_PURE=1`` is set, the C ones elsewhere. Both give
bit-identical results (tests/test_compiled.py); a change here comes with the same change to
``_ccore.c`` in the same commit.

This file imports nothing of chainrule: the classes and engine functions it works on are
handed to :func:`setup` (as they are to the C core), so the folder sits below the Tensor and
the engine that use it.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any, Callable

__all__ = ["setup", "binary_method", "process1", "prim_call", "drain"]

# Set once by setup(): module globals, as the C core keeps them in static variables (a global
# costs the hot paths what eager/tensor.py's own globals cost them before).
Tensor: Any = None           # chainrule.eager.tensor.Tensor
Primitive: Any = None        # chainrule.core.Primitive
Tracer: Any = None           # chainrule.core.Tracer
bind: Any = None             # chainrule.core.bind
grad_var: Any = None         # the grad-mode ContextVar
sequence: Any = None         # tensor._sequence: creation numbers of recorded tensors
NO_PARAMS: dict = {}         # tensor._NO_PARAMS, replaced by setup(): shared, never mutated
modified_error: Any = None   # reverse._modified_error(t) -> the exception to raise
add_fitted: Any = None       # reverse._add_fitted(grads, heap, a, gi, x)
wrap_constant: Any = None    # the function Tensor._wrap_constant
ndarray: Any = None          # numpy.ndarray
BIG = 0                      # reverse._BIG: larger arrays take the engine's buffer-reusing path


def setup(tensor: type, primitive: type, tracer: type, bind_: Callable, grad_var_: Any,
          sequence_: Any, no_params: dict, modified_error_: Callable, add_fitted_: Callable,
          wrap_constant_: Callable, ndarray_: type, big: int) -> None:
    """Bind this module to chainrule's classes and engine functions (once, at import)."""
    global Tensor, Primitive, Tracer, bind, grad_var, sequence, NO_PARAMS, modified_error
    global add_fitted, wrap_constant, ndarray, BIG
    if Tensor is not None:
        raise RuntimeError("chainrule._kernel.reference.setup() was already called")
    Tensor, Primitive, Tracer, bind, grad_var, sequence = \
        tensor, primitive, tracer, bind_, grad_var_, sequence_
    NO_PARAMS, modified_error, add_fitted = no_params, modified_error_, add_fitted_
    wrap_constant, ndarray, BIG = wrap_constant_, ndarray_, big
    # params defaults to the shared empty dict, which exists only now.
    process1.__defaults__ = (no_params,)


def binary_method(prim: Any, name: str, reflected: bool) -> Callable:
    """Tensor's arithmetic operator ``name`` for ``prim`` (``reflected``: ``other op self``).

    The hottest path of the library, so it is written out in one function: a binary
    operation between a Tensor and a number, an array or a Tensor of the same level (anything
    else goes through bind()). Same logic as Tensor._process, unrolled for two inputs."""
    def binary_op(self: Any, o: Any) -> Any:
        if reflected:
            a, b = o, self
        else:
            a, b = self, o
        level = self._level
        if type(a) is Tensor:
            if a._level != level:
                return bind(prim, a, b)
            da = a._data
            needs = a.requires_grad
            vsum = a._version
        elif type(a) is not float and isinstance(a, Tracer):
            return bind(prim, a, b)
        else:
            da = a
            needs = False
            vsum = 0
        if type(b) is Tensor:
            if b._level != level:
                return bind(prim, a, b)
            db = b._data
            needs = needs or b.requires_grad
            vsum += b._version
        elif type(b) is not float and isinstance(b, Tracer):
            return bind(prim, a, b)
        else:
            db = b
        if (type(da) is not float and isinstance(da, Tracer)) or \
                (type(db) is not float and isinstance(db, Tracer)):
            out = bind(prim, da, db)
        else:
            out = prim.impl(da, db)
        # tensor._node()/_constant(), inlined: this runs once per arithmetic operator.
        t = Tensor.__new__(Tensor)
        t._data = out
        t._level = level
        t._version = 0
        if needs and grad_var.get():
            t.requires_grad = True
            t._prim = prim
            t._inputs = (a, b)
            t._params = NO_PARAMS
            t._vsum = vsum
            t._seq = next(sequence)
        else:
            t.requires_grad = False
            t._prim = None
            t._inputs = None
            t._params = NO_PARAMS
            t._vsum = 0
            t._seq = 0
        return t

    binary_op.__name__ = name
    binary_op.__qualname__ = f"Tensor.{name}"
    return binary_op


def process1(self: Any, prim: Any, params: dict = NO_PARAMS) -> Any:
    """``Tensor._process1``: ``prim`` applied to this tensor alone (``x.sin()``,
    ``cr.exp(x)``, ``x.sum(axis=0)``), recorded when it needs a gradient: the hot unary
    path. Same logic as Tensor._process, unrolled for one input."""
    d = self._data
    if type(d) is not float and isinstance(d, Tracer):
        out = bind(prim, d, **params)
    else:
        out = prim.impl(d, **params) if params else prim.impl(d)
    t = Tensor.__new__(Tensor)   # tensor._node()/_constant(), inlined (hot path)
    t._data = out
    t._level = self._level
    t._version = 0
    if self.requires_grad and prim.differentiable and grad_var.get():
        t.requires_grad = True
        t._prim = prim
        t._inputs = (self,)
        t._params = params
        t._vsum = self._version
        t._seq = next(sequence)
    else:
        t.requires_grad = False
        t._prim = None
        t._inputs = None
        t._params = NO_PARAMS
        t._vsum = 0
        t._seq = 0
    return t


def prim_call(self: Any, *args: Any, **params: Any) -> Any:
    """``Primitive.__call__``: ``bind(self, *args, **params)``, inlined (rules call rows
    directly, so this is on the hot path)."""
    if len(args) == 1:
        a = args[0]
        if isinstance(a, Tracer):
            return a._process(self, args, params) if params else a._process1(self)
        return self.impl(a, **params) if params else self.impl(a)
    top = None
    for a in args:
        if isinstance(a, Tracer) and (top is None or a._level > top._level):
            top = a
    if top is None:
        return self.impl(*args, **params)
    return top._process(self, args, params)


def drain(heap: list, grads: dict, cls: type, level: int, target_ids: set, retain_graph: bool,
          accumulate: bool, all_leaves: bool, results: dict, wrap: Callable) -> None:
    """The reverse pass's steps for unary and binary nodes without params reached by a float
    or an array below ``BIG`` elements, and for leaves reached by a float, while the newest
    pending tensor is one; the first that is not is left to reverse._propagate. Never called
    with create_graph. Float cotangents are added inline, three times on purpose (a helper
    call costs ~3% of W2); the C twin uses a row's ``vjp_simple`` form instead of the rule."""
    if cls is not Tensor:
        return
    while heap:
        _, tid, t = entry = heappop(heap)
        g = grads.pop(tid)
        prim = t._prim
        if t._hooks is not None or t._retains_grad or (type(g) is not float and (
                prim is None or type(g) is not ndarray or g.size >= BIG)):
            break
        if prim is None:
            if not leaf_step(t, tid, g, accumulate, all_leaves, target_ids, results, wrap):
                break
            continue
        inputs = t._inputs
        vjp = prim.vjp
        n = len(vjp)
        if inputs is None or t._params or prim.variadic or len(inputs) != n or n > 2 or \
                (target_ids and tid in target_ids):
            break
        if n == 1:
            a = inputs[0]
            if type(a) is cls and a._level == level:
                if a._version != t._vsum:
                    raise modified_error(t)
                if vjp[0] is not None and a.requires_grad:
                    va = a._data
                    gi = vjp[0](g, t._data, va)
                    if type(gi) is float and type(va) is float:
                        aid = id(a)
                        prev = grads.get(aid)
                        grads[aid] = gi if prev is None else prev + gi
                        if prev is None:
                            heappush(heap, (-a._seq, aid, a))
                    else:
                        add_fitted(grads, heap, a, gi, va)
        else:
            a, b = inputs
            a_in = type(a) is cls and a._level == level
            b_in = type(b) is cls and b._level == level
            va = a._data if a_in else a
            vb = b._data if b_in else b
            if (a._version if a_in else 0) + (b._version if b_in else 0) != t._vsum:
                raise modified_error(t)
            out = t._data
            rule_a, rule_b = vjp
            if a_in and rule_a is not None and a.requires_grad:
                gi = rule_a(g, out, va, vb)
                if type(gi) is float and type(va) is float:
                    aid = id(a)
                    prev = grads.get(aid)
                    grads[aid] = gi if prev is None else prev + gi
                    if prev is None:
                        heappush(heap, (-a._seq, aid, a))
                else:
                    add_fitted(grads, heap, a, gi, va)
            if b_in and rule_b is not None and b.requires_grad:
                gi = rule_b(g, out, va, vb)
                if type(gi) is float and type(vb) is float:
                    bid = id(b)
                    prev = grads.get(bid)
                    grads[bid] = gi if prev is None else prev + gi
                    if prev is None:
                        heappush(heap, (-b._seq, bid, b))
                else:
                    add_fitted(grads, heap, b, gi, vb)
        if not retain_graph:
            t._inputs = None
    else:
        return
    # Not ours: put back (the C twin looks before it pops; popping first spares our steps).
    grads[tid] = g
    heappush(heap, entry)


def leaf_step(t: Any, tid: int, g: float, accumulate: bool, all_leaves: bool,
              target_ids: set, results: dict, wrap: Callable) -> bool:
    """A leaf ``t`` reached by the float ``g``: what the general loop does with it (and its
    ``_accumulate_into``'s float path). False, changing nothing, where the general loop must
    do it."""
    wanted = all_leaves or tid in target_ids
    if not accumulate:
        if wanted:
            results[tid] = g
        return True
    if not wanted:
        return True
    if type(t._data) is not float:
        return False
    cur = t.grad
    if cur is None:
        t.grad = wrap(g)
    elif type(cur) is Tensor:
        t.grad = wrap(cur._data + g)
    else:
        return False
    return True
