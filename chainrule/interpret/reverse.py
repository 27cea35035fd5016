"""Reverse mode: walk a recorded graph backwards, applying the table's VJP rules.

The graph is made of Tensors themselves: a non-leaf Tensor holds the primitive that made it,
its inputs and params (no separate node object, no output -> node -> output cycle, so plain
reference counting frees a graph). This module only reads those fields:

- ``_prim``: the primitive, or None for a leaf;
- ``_inputs``: the positional arguments (Tensors of the same level and constants), or None
  once the graph was released by a ``backward()`` without ``retain_graph=True``;
- ``_params``: keyword params of the primitive; ``_vsum``: the sum of the input Tensors'
  version counters when recorded (versions only grow, so any in-place change shows up);
- ``_seq``: a creation sequence number (0 for leaves), larger than every input's;
- ``_data``, ``_level``, ``requires_grad``, ``grad``, ``_hooks``, ``_retains_grad``.
"""

from __future__ import annotations

from heapq import heappop, heappush
from sys import getrefcount
from typing import Any, Callable, Optional, Sequence

import numpy as np
from numpy import ndarray

from .. import ops as P
from ..core import _grad_enabled
from ..core import values as _values


# ----------------------------------------------------------------------------------------
# Buffer reuse on large arrays. A fresh 80 MB temporary costs about as much again as the
# arithmetic written into it (new pages), so for elementwise rows the engine computes the
# VJP ``ufunc(g, factor)`` (see Primitive.factors) into a buffer nobody else can see: the
# factor when it was just made (cos(x) for sin), else the cotangent when this is its last
# use; and g * factor with g all ones (the cotangent of sum()) is the factor itself.
# "Nobody else can see" is decided by reference counts, calibrated here for this Python.

__all__ = ["backward_pass"]

_BIG = 1 << 16   # elements; smaller arrays are cheap to allocate and skip these checks


def _refs(x: Any) -> int:
    return getrefcount(x)


def _refs_passed(x: Any) -> int:
    return _refs(x)


def _calibrate() -> tuple:
    a = np.empty(0)
    return _refs(a), _refs_passed(a)


# The count that getrefcount gives inside a function f(x) when x is held only by
# _LOCAL: one local variable of f's caller;
# _PASSED: one local variable of the caller's caller, which passed it down as a parameter.
# (Measured, not assumed: Python 3.10 counts a call's arguments differently from 3.11+.)
_LOCAL, _PASSED = _calibrate()
# What one more function between the holder and the check adds (1 on 3.11+): the large-array
# step (_factor_step) runs in a function of its own, called from the loop that holds t and g.
_HOP = _PASSED - _LOCAL


def _owned(a: ndarray, refs: int) -> bool:
    """Whether ``a`` is a writable base array that nothing holds beyond ``refs`` (one of the
    counts above, plus any holders the caller knows of)."""
    return a.base is None and a.flags.writeable and getrefcount(a) == refs


def _is_ones(g: ndarray) -> bool:
    """A read-only broadcast of the number 1 (what the VJP of a full sum() hands down)."""
    return not g.flags.writeable and not any(g.strides) and g.size > 0 and g.flat[0] == 1


def _factor_vjp(factor: tuple, g: ndarray, out: Any, vals: tuple, g_free: bool,
                pool: dict) -> Any:
    """``ufunc(g, factor(out, *vals))``, written into a buffer the engine owns if it can.

    ``g_free``: this is the last use of ``g`` in _factor_step (which got it from the loop, which
    holds it in one local). ``pool``: dead arrays of finished nodes (see _recycle), used
    instead of fresh memory."""
    ufunc, fn = factor
    q = fn(out, *vals)
    shape, dtype = g.shape, g.dtype
    if type(q) is ndarray:
        if q.shape != shape:
            return ufunc(g, q)
        dtype = np.result_type(g, q)
        if q.dtype == dtype:
            if ufunc is np.multiply and _is_ones(g):
                return q
            if _owned(q, _LOCAL):
                return ufunc(g, q, out=q)
    elif np.result_type(g, q) != dtype:
        return ufunc(g, q)
    if g_free and _owned(g, _PASSED + _HOP):
        return ufunc(g, q, out=g)
    buf = pool.pop((shape, dtype), None)
    if buf is not None and _owned(buf, _LOCAL):
        return ufunc(g, q, out=buf)
    return ufunc(g, q)


def _recycle(t: Any, pool: dict) -> None:
    """Keep the value of a finished node that nothing else holds (its tensor dies when the
    loop moves on; _factor_step, which holds it too, calls this) for the next large result of
    the same shape and dtype: new memory costs page faults, about as much as the arithmetic.
    The pool holds one array at most, so it never keeps more than one dead array alive."""
    d = t._data
    if type(d) is ndarray and d.size >= _BIG and getrefcount(t) == _LOCAL + _HOP \
            and _owned(d, _LOCAL + 1):   # + 1: t's own slot
        pool.clear()
        pool[(d.shape, d.dtype)] = d


def _released_error(t: Any) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through the graph a second time (through {t._node_name()}): its "
        "saved values were freed by the first backward(). Pass retain_graph=True to the first "
        "backward() (or to cr.autograd.grad) if you need to go through the graph again.")


# The kernel's backward steps for floats and small arrays (chainrule._kernel: drain, in C or
# in Python, docs/compiled.md), installed with the Tensor class. The general loop below is
# complete without them (None: every step runs there, with the same results).
_drain: Optional[Callable] = None


def _modified_error(t: Any) -> RuntimeError:
    return RuntimeError(
        f"A tensor needed by {t._node_name()} to compute gradients was modified in place after "
        "it was used (its version changed). Use an out-of-place operation instead "
        "(write `x = x + y` rather than `x += y`, or copy with `x.clone()` before changing it), "
        "or call backward() before modifying it.")


def backward_pass(roots: Sequence[Any], root_grads: Sequence[Any], *,
                  targets: Optional[Sequence[Any]] = None, accumulate: bool = True,
                  retain_graph: bool = False, create_graph: bool = False,
                  wrap: Callable[[Any], Any]) -> Optional[list]:
    """Propagate ``root_grads`` from ``roots`` back through the graph.

    Args:
        roots, root_grads: outputs and their cotangents (raw values, or Tensors when
            ``create_graph``).
        targets: Tensors whose gradient is wanted. With ``accumulate`` it limits which
            tensors' ``.grad`` is written (PyTorch's ``inputs=``); without, their gradients
            are returned.
        accumulate: add into ``.grad`` of leaves (PyTorch style) rather than return gradients.
        retain_graph: keep the graph usable for another backward pass.
        create_graph: run the rules on Tensors so the gradients are themselves differentiable.
        wrap: turns a raw value into a constant Tensor (for ``.grad`` and hooks).

    Returns:
        The gradients of ``targets`` (None where a target does not depend on the roots) when
        ``accumulate`` is False, else None.
    """
    root = roots[0]
    cls = type(root)
    level = root._level
    target_ids: set = set() if targets is None else \
        {id(targets[0])} if len(targets) == 1 else set(map(id, targets))
    # Reverse topological order without a separate sort: every tensor carries a creation
    # sequence number (inputs are always older than their users), so popping the newest
    # pending tensor from a heap finishes all its users first. No recursion, one visit each.
    if len(roots) == 1:   # the common case, without the loop below
        grads: dict = {id(root): root_grads[0]}
        heap: list = [(-root._seq, id(root), root)]
    else:
        grads = {}
        heap = []
        for r, g in zip(roots, root_grads):
            rid = id(r)
            if rid in grads:
                grads[rid] = grads[rid] + g
            else:
                grads[rid] = g
                heappush(heap, (-r._seq, rid, r))
    results: dict = {}
    if not create_graph and _drain is not None:
        # The kernel's steps for unary and binary nodes whose cotangent is a float or a
        # small array, and for leaves reached by a float, for as long as the next tensor is
        # one (no hooks, params, retain_grad() or targets among non-leaves). Scalar graphs
        # end here.
        _drain(heap, grads, cls, level, target_ids, retain_graph, accumulate,
               targets is None, results, wrap)
    if heap:
        _propagate(heap, grads, results, root_grads, cls, level, target_ids, targets,
                   accumulate, retain_graph, create_graph, wrap)
    if accumulate:
        return None
    if len(targets) == 1:  # type: ignore[arg-type]
        return [results.get(id(targets[0]))]  # type: ignore[index]
    return list(map(results.get, map(id, targets)))  # type: ignore[arg-type]


def _propagate(heap: list, grads: dict, results: dict, root_grads: Sequence[Any], cls: type,
               level: int, target_ids: set, targets: Optional[Sequence[Any]],
               accumulate: bool, retain_graph: bool, create_graph: bool,
               wrap: Callable[[Any], Any]) -> None:
    """backward_pass's general loop: pop the newest pending tensor, apply its rules, until
    done; the kernel's drain runs the common steps in between."""
    # Arrays already handed out (the caller's cotangents, earlier .grad values): a leaf's
    # .grad must never alias one of them, or an in-place change to one would show in another.
    handed = set(map(id, root_grads))
    pool: dict = {}
    token = _grad_enabled.set(True) if create_graph else None
    any_targets = bool(target_ids)
    drain = None if create_graph else _drain
    try:
        while heap:
            _, tid, t = heappop(heap)
            g = grads.pop(tid)
            if t._hooks:
                g = _run_hooks(t, g, create_graph, wrap)
            prim = t._prim
            if accumulate:   # leaves: all or the targets; others: retained or targets
                if (targets is None if prim is None else t._retains_grad) or \
                        (any_targets and tid in target_ids):
                    _accumulate_into(t, g, create_graph, wrap, handed)
            elif tid in target_ids:
                results[tid] = g
            if prim is not None:
                inputs = t._inputs
                if inputs is None:
                    raise _released_error(t)
                if not create_graph and type(g) is ndarray and g.size >= _BIG and \
                        prim.factors and len(inputs) <= 2 and not t._params and \
                        not prim.variadic:
                    _factor_step(t, g, inputs, grads, heap, cls, level, retain_graph, pool)
                else:
                    _rule_step(t, g, inputs, grads, heap, cls, level, create_graph)
                    if not retain_graph:
                        t._inputs = None
            if drain is not None and heap:
                # The kernel's steps, as in backward_pass (which ran them before this loop).
                drain(heap, grads, cls, level, target_ids, retain_graph, accumulate,
                      targets is None, results, wrap)
    finally:
        if token is not None:
            _grad_enabled.reset(token)


def _rule_step(t: Any, g: Any, inputs: tuple, grads: dict, heap: list, cls: type, level: int,
               create_graph: bool) -> None:
    """The general step for node ``t`` reached by cotangent ``g``: its inputs' cotangents from
    the row's VJP rules, summed to their shapes, added to their pending gradients. (A function
    of its own: no value of one node stays in the loop's locals while the next is stepped,
    which the reference counts of the large-array step must not see.)"""
    prim = t._prim
    # One pass over the inputs: check versions, collect the values the rules see and which
    # inputs want a gradient.
    vsum = 0
    vals = []
    need = []
    for i, a in enumerate(inputs):
        if type(a) is cls and a._level == level:
            vsum += a._version
            vals.append(a if create_graph else a._data)
            if a.requires_grad:
                need.append(i)
        else:
            vals.append(a)
    if vsum != t._vsum:
        raise _modified_error(t)
    out = t if create_graph else t._data
    params = t._params
    rules = prim.vjp
    variadic = prim.variadic
    shape_of, sum_to = P.shape_of, P.sum_to
    for i in need:
        if variadic:
            gi = rules[0](i, g, out, *vals, **params)
        else:
            rule = rules[i] if i < len(rules) else None
            if rule is None:
                continue
            gi = rule(g, out, *vals, **params) if params else rule(g, out, *vals)
        x = vals[i]
        if type(gi) is not float or type(x) is not float:
            shape = shape_of(x)
            if shape_of(gi) != shape:
                gi = sum_to(gi, shape)
        _add_grad(grads, heap, inputs[i], gi)


def _factor_step(t: Any, g: ndarray, inputs: tuple, grads: dict, heap: list, cls: type,
                 level: int, retain_graph: bool, pool: dict) -> None:
    """The general step for a unary or binary node without params reached by a large array
    (same results): elementwise rows' cotangents go into buffers the engine owns
    (_factor_vjp), and the node's dead value into the pool (_recycle)."""
    prim = t._prim
    out = t._data
    if len(inputs) == 1:
        (a,) = inputs
        if type(a) is cls and a._level == level:
            if a._version != t._vsum:
                raise _modified_error(t)
            if prim.vjp[0] is not None and a.requires_grad:
                va = a._data
                gi = _factor_vjp(prim.factors[0], g, out, (va,), True, pool)
                if not retain_graph:
                    out = None   # (a reference _recycle would count)
                    _recycle(t, pool)
                _add_fitted(grads, heap, a, gi, va)
        if not retain_graph:
            t._inputs = None
        return
    a, b = inputs
    a_in = type(a) is cls and a._level == level
    b_in = type(b) is cls and b._level == level
    va = a._data if a_in else a
    vb = b._data if b_in else b
    if (a._version if a_in else 0) + (b._version if b_in else 0) != t._vsum:
        raise _modified_error(t)
    rule_a, rule_b = prim.vjp
    fa, fb = prim.factors
    b_needs = b_in and rule_b is not None and b.requires_grad
    if a_in and rule_a is not None and a.requires_grad:
        gi = _factor_vjp(fa, g, out, (va, vb), not b_needs, pool) if fa else \
            rule_a(g, out, va, vb)
        _add_fitted(grads, heap, a, gi, va)
    if b_needs:
        gi = _factor_vjp(fb, g, out, (va, vb), True, pool) if fb else rule_b(g, out, va, vb)
        _add_fitted(grads, heap, b, gi, vb)
    if not retain_graph:
        t._inputs = None
        out = None   # (a reference _recycle would count)
        _recycle(t, pool)


def _add_fitted(grads: dict, heap: list, a: Any, gi: Any, x: Any) -> None:
    """``_add_grad`` of cotangent ``gi`` summed down to the shape of ``a``'s value ``x`` (undo
    broadcasting); also the kernel's way back for a cotangent that is neither a float nor an
    array of that shape."""
    if not (type(gi) is ndarray and type(x) is ndarray and gi.shape == x.shape):
        shape = P.shape_of(x)
        if P.shape_of(gi) != shape:
            gi = P.sum_to(gi, shape)
    _add_grad(grads, heap, a, gi)


def _add_grad(grads: dict, heap: list, a: Any, gi: Any) -> None:
    """Add cotangent ``gi`` into the pending gradient of ``a``; queue ``a`` when new."""
    aid = id(a)
    prev = grads.get(aid)
    if prev is None:
        grads[aid] = gi
        heappush(heap, (-a._seq, aid, a))
    elif type(prev) is ndarray and type(gi) is ndarray and prev.base is None \
            and getrefcount(prev) == 3 and prev.shape == gi.shape \
            and prev.dtype == gi.dtype and prev.flags.writeable:
        # Only the dict holds prev (3 = dict + local + getrefcount's argument): add in place
        # and spare a large temporary (fresh pages are costly on big arrays).
        np.add(prev, gi, out=prev)
    else:
        grads[aid] = prev + gi


def user_convention(g: Any) -> Any:
    """A cotangent between the engine's convention and PyTorch's, either way: the identity on
    real values, the conjugate on complex ones. The rules compute JAX's ∂L/∂x − i·∂L/∂y;
    what users pass in (``backward(gradient=)``) and get back (``.grad``) is PyTorch's
    ∂L/∂x + i·∂L/∂y (docs/complex.md)."""
    if type(g) is complex:
        return g.conjugate()   # a Python number stays one
    return P.conj(g) if P.dtype_of(g).kind == "c" else g


def _run_hooks(t: Any, g: Any, create_graph: bool, wrap: Callable) -> Any:
    """Tensor hooks see the gradient as a Tensor and may return a replacement."""
    # Hooks see (and return) gradients in PyTorch's convention, as .grad holds them: the
    # conjugate of the engine's cotangent for complex values.
    flip = P.dtype_of(g).kind == "c"
    if flip:
        g = P.conj(g)
    for hook in t._hooks:
        new = hook(g if create_graph else wrap(g))
        if new is not None:
            g = new if create_graph else getattr(new, "_data", new)
    return P.conj(g) if flip else g


def _accumulate_into(t: Any, g: Any, create_graph: bool, wrap: Callable, handed: set) -> None:
    """``t.grad += g`` in ``t``'s dtype. Always a new array or a private one: never an array
    that the caller or another tensor's ``.grad`` also holds."""
    if type(g) is float and type(t._data) is float and not create_graph:
        t.grad = wrap(g if t.grad is None else t.grad._data + g)
        return
    dtype = t.dtype
    if create_graph:
        if not hasattr(g, "_level"):
            g = wrap(g)
        if g.dtype.kind == "c" and dtype.kind != "c":
            g = P.real(g)   # a real leaf keeps the real part (as below), recorded
        if g.dtype != dtype:
            g = g.astype(dtype)
        if dtype.kind == "c":
            g = P.conj(g)   # PyTorch's convention at the user boundary (see below)
        t.grad = g if t.grad is None else t.grad + g
        return
    if type(g) is not ndarray and _values.is_foreign(g):
        # Another library's array: cast through its namespace, added with its operators.
        if P.dtype_of(g) != dtype:
            g = P.cast(g, dtype=dtype)
        t.grad = wrap(g if t.grad is None else t.grad._data + g)
        return
    g = np.asarray(g)
    if dtype.kind == "c":
        # The rules compute JAX's cotangent ∂L/∂x − i·∂L/∂y; .grad holds PyTorch's, its
        # conjugate, so `z -= lr * z.grad` descends (docs/complex.md). conj is a new array.
        g = np.conj(g).astype(dtype, copy=False)
    elif g.dtype != dtype:
        # A real leaf reached by a complex cotangent (through FFT) keeps its real part.
        g = (g.real if g.dtype.kind == "c" and dtype.kind != "c" else g).astype(dtype)
    elif t.grad is None and (id(g) in handed or not _owned(g, _PASSED)):
        # Shared (a view, a value saved by the graph, the caller's array): .grad gets a copy.
        g = g.copy()
    if t.grad is not None:
        g = np.add(t.grad._data, g)
    handed.add(id(g))
    t.grad = wrap(g)
