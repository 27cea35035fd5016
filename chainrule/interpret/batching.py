"""Batched tangents and cotangents: many directions pushed through one pass.

A Jacobian needs one JVP per input element (or one VJP per output element). Running them
one by one in a Python loop pays the interpreter's overhead once per direction; here all the
directions travel together as one array whose leading axis is the batch, in a
:class:`Batched` tracer. To the rest of the library a ``Batched`` looks like ONE value of the
per-example shape (its ``shape`` leaves the batch axis out), so the table's JVP and VJP rules
and the engine's ``sum_to`` run unchanged; only this module knows about the batch axis.

How each row treats the axis is the ``batch`` kind the row declares (``Primitive.batch``);
a row of kind ``"loop"`` is run once per batch element, which is always right, only slower:

- ``"elementwise"`` (rows with partials, comparisons and predicates, casts, complex parts): a
  batched operand of lower rank is padded with 1s *after* the batch axis, so NumPy's
  right-aligned broadcasting lines the per-example axes up and never pairs the batch axis
  with a per-example one;
- ``"reduce"`` (sum, max, min, prod) and ``"transpose"``: axis params shift by one;
  ``"reshape"``, ``"broadcast"`` and ``"index_add"`` get the batch size prepended to ``shape``;
  ``"getitem"`` gets a leading full slice (one advanced index at most; more would move the
  batch axis, see NumPy's rules, and loops);
- ``"matmul"``: a batched 1-d operand is made a 1-row/1-column matrix (then squeezed back),
  and batched operands are padded so the batch axis lines up with nothing but itself;
- ``"concatenate"``/``"stack"``: the axis shifts; unbatched operands are broadcast along the
  batch; ``"axis"`` (scans, FFTs): the one integer ``axis`` param shifts; ``"pad"``: no
  padding on the batch axis;
- ``"einsum"``: a fresh index letter on the batched operands and the output; ``"linalg"``:
  NumPy already treats leading axes as a stack of matrices; ``"solve"``: the same, with a
  batch of 1-d right-hand sides made 1-column matrices;
- ``"index_update"`` (``x[idx] = v``): x gets the batch axis, the index a leading full slice;
- ``"custom"`` (rows of :mod:`chainrule.custom`): the user's function runs once on the whole
  batch when no other transform traces its inputs and it reads no mapped value; otherwise
  once per example, so the custom rule sees each example.

This is for tangents and cotangents only: a primal value is never batched here, so rules that
read concrete values (``value_of`` for masks and ties) always see unbatched primals.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .. import ops as P
from ..core import Primitive, Tracer, bind, new_level
from ..ops.methods import ArrayOps
from ..core.pytree import tree_map

__all__ = ["Batched", "batched_call", "primal_level", "BatchedValueError", "constant_of"]


class BatchedValueError(TypeError):
    """The concrete value of a vmapped (batched primal) value was asked for; ``level`` says
    whose. ``cr.vmap`` catches it and maps the function example by example instead."""

    def __init__(self, message: str, level: int):
        super().__init__(message)
        self.level = level

# Levels whose batched values are primal values (cr.vmap's), not tangents. The rules that
# read a concrete value (``value_of``: masks, ties, zero tests) would mix the batch axis into
# one example's axes, so reading the value of such a Batched raises instead (see _value).
_PRIMAL_LEVELS: set = set()


@contextlib.contextmanager
def primal_level(level: int) -> Iterator[None]:
    """While the block runs, Batched values of ``level`` stand for batched primals."""
    _PRIMAL_LEVELS.add(level)
    try:
        yield
    finally:
        _PRIMAL_LEVELS.discard(level)


class Batched(ArrayOps):
    """A stack of values along a leading batch axis, seen by the rules as a single value."""

    __slots__ = ("val", "_level")

    def __init__(self, val: Any, level: int):
        self.val = val
        self._level = level

    def _value(self) -> Any:
        if self._level in _PRIMAL_LEVELS:
            raise BatchedValueError(
                "vmap: an operation reads the concrete value of a mapped argument (a mask, "
                "a tie or zero test in a derivative rule, control flow such as `if x > 0`, "
                "or a conversion to NumPy), which has one value per example; vmap cannot "
                "batch it. Loop over the examples in Python for this function, or use "
                "chainrule.numpy's where() instead of Python control flow.", self._level)
        return self.val

    @property
    def shape(self) -> tuple:
        return P.shape_of(self.val)[1:]

    @property
    def dtype(self) -> np.dtype:
        return P.dtype_of(self.val)

    def _process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        level = self._level
        vals = []
        flags = []
        for a in args:
            if type(a) is Batched and a._level == level:
                vals.append(a.val)
                flags.append(True)
            else:
                vals.append(a)
                flags.append(False)
        rule = _BY_KIND.get(prim.batch)
        if rule is None:
            raise ValueError(
                f"batching: the primitive {prim.name!r} declares batch={prim.batch!r}, which "
                f"is none of the kinds {sorted(k for k in _BY_KIND if k)}; set its "
                "Primitive.batch to one of them ('loop' is always right, only slower).")
        size = P.shape_of(self.val)[0]
        return Batched(rule(prim, vals, flags, params, size), level)

    def __repr__(self) -> str:
        return f"Batched(val={self.val!r}, level={self._level})"


def constant_of(x: Any) -> Any:
    """``x`` without any derivative (``value_of``) but still batched where it is a vmapped
    value: for constants computed from values (the shift of a stable ``logsumexp``), which
    NumPy's functions then compute per example through the batching rules."""
    if type(x) is Batched and x._level in _PRIMAL_LEVELS:
        return Batched(constant_of(x.val), x._level)
    if type(x) is not float and isinstance(x, Tracer):
        return constant_of(x._value())
    return x


def _pad(v: Any, nd: int) -> Any:
    """A batched value with per-example rank below ``nd``: insert 1s after the batch axis."""
    s = P.shape_of(v)
    missing = nd - (len(s) - 1)
    if missing <= 0:
        return v
    return P.reshape(v, shape=s[:1] + (1,) * missing + s[1:])


def _elementwise(prim: Primitive, vals: list, flags: list, params: dict, size: int) -> Any:
    nd = 0
    for v, b in zip(vals, flags):
        r = len(P.shape_of(v)) - (1 if b else 0)
        if r > nd:
            nd = r
    vals = [_pad(v, nd) if b else v for v, b in zip(vals, flags)]
    return bind(prim, *vals, **params)


def _loop(prim: Primitive, vals: list, flags: list, params: dict, size: int) -> Any:
    # The always-correct fallback for rows this module has no batching rule for.
    outs = []
    for i in range(size):
        args = [P.getitem(v, idx=i) if b else v for v, b in zip(vals, flags)]
        outs.append(bind(prim, *args, **params))
    return P.stack(*outs, axis=0)


def _shift_axes(axis: Any, nd: int) -> tuple:
    return tuple(a + 1 for a in P.normalize_axes(axis, nd))


def _reduce(prim, vals, flags, params, size):
    (x,) = vals
    nd = len(P.shape_of(x)) - 1
    p = dict(params)
    p["axis"] = _shift_axes(p.get("axis"), nd)
    return bind(prim, x, **p)


def _reshape(prim, vals, flags, params, size):
    return bind(prim, vals[0], shape=(size,) + tuple(params["shape"]))


def _transpose(prim, vals, flags, params, size):
    x = vals[0]
    nd = len(P.shape_of(x)) - 1
    axes = params.get("axes")
    if axes is None:
        new = (0,) + tuple(range(nd, 0, -1))
    else:
        new = (0,) + tuple(int(a) % nd + 1 for a in axes)
    return bind(prim, x, axes=new)


def _broadcast_to(prim, vals, flags, params, size):
    shape = tuple(params["shape"])
    return bind(prim, _pad(vals[0], len(shape)), shape=(size,) + shape)


def _n_advanced(idx: Any) -> int:
    items = idx if isinstance(idx, tuple) else (idx,)
    return sum(1 for i in items if isinstance(i, (list, np.ndarray)))


def _batched_index(idx: Any) -> tuple:
    return (slice(None),) + (idx if isinstance(idx, tuple) else (idx,))


def _getitem(prim, vals, flags, params, size):
    idx = params["idx"]
    if _n_advanced(idx) > 1:   # NumPy would move the advanced axes in front of the batch axis
        return _loop(prim, vals, flags, params, size)
    return bind(prim, vals[0], idx=_batched_index(idx))


def _index_add(prim, vals, flags, params, size):
    idx = params["idx"]
    if _n_advanced(idx) > 1:
        return _loop(prim, vals, flags, params, size)
    return bind(prim, vals[0], idx=_batched_index(idx), shape=(size,) + tuple(params["shape"]))


def _index_update(prim, vals, flags, params, size):
    # out = x with x[idx] = v: give x the batch axis (a copy is made anyway), index past it,
    # and pad a batched v of lower rank after its batch axis, like an elementwise operand.
    idx = params["idx"]
    if _n_advanced(idx) > 1:
        return _loop(prim, vals, flags, params, size)
    (x, v), (bx, bv) = vals, flags
    if not bx:
        x = P.broadcast_to(x, shape=(size,) + P.shape_of(x))
    bidx = _batched_index(idx)
    if bv:
        selected = np.empty(P.shape_of(x), dtype=bool)[bidx].shape
        v = _pad(v, len(selected) - 1)
    return bind(prim, x, v, idx=bidx)


def _plain(prim, vals, flags, params, size):
    return bind(prim, *vals, **params)


def _broadcast_unbatched(vals: list, flags: list, size: int) -> list:
    return [v if b else P.broadcast_to(v, shape=(size,) + P.shape_of(v))
            for v, b in zip(vals, flags)]


def _concatenate(prim, vals, flags, params, size):
    vals = _broadcast_unbatched(vals, flags, size)
    nd = len(P.shape_of(vals[0])) - 1
    return bind(prim, *vals, axis=int(params.get("axis", 0)) % nd + 1)


def _stack(prim, vals, flags, params, size):
    vals = _broadcast_unbatched(vals, flags, size)
    nd = len(P.shape_of(vals[0]))      # per-example rank of the result
    return bind(prim, *vals, axis=int(params.get("axis", 0)) % nd + 1)


def _matmul(prim, vals, flags, params, size):
    x, y = vals
    bx, by = flags
    sx, sy = P.shape_of(x), P.shape_of(y)
    # (B, n) @ (n,) is already right; only a vector meeting a matrix or a batch needs help.
    x_vec = bx and len(sx) == 2 and (by or len(sy) != 1)
    y_vec = by and len(sy) == 2
    if x_vec:
        x = P.reshape(x, shape=(sx[0], 1, sx[1]))
    if y_vec:
        y = P.reshape(y, shape=(sy[0], sy[1], 1))
    rx = len(P.shape_of(x)) - (1 if bx else 0)
    ry = len(P.shape_of(y)) - (1 if by else 0)
    nd = max(rx, ry)
    if bx:
        x = _pad(x, nd)
    if by:
        y = _pad(y, nd)
    out = bind(prim, x, y)
    if x_vec or y_vec:
        s = P.shape_of(out)
        if x_vec and y_vec:
            s = s[:-2]
        elif x_vec:
            s = s[:-2] + s[-1:]
        else:
            s = s[:-1]
        out = P.reshape(out, shape=s)
    return out


def _axis_param(prim, vals, flags, params, size):
    # Rows of the NumPy namespace that act along one `axis` (scans, FFTs).
    axis = params.get("axis")
    if not isinstance(axis, (int, np.integer)):
        return _loop(prim, vals, flags, params, size)
    nd = len(P.shape_of(vals[0])) - 1
    return bind(prim, *vals, **dict(params, axis=int(axis) % nd + 1))


def _einsum(prim, vals, flags, params, size):
    # A fresh index letter for the batch axis, on the batched operands and the output.
    subscripts = params["subscripts"]
    if "." in subscripts or "->" not in subscripts:
        return _loop(prim, vals, flags, params, size)
    ins, out = subscripts.split("->")
    letter = next(c for c in "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA"
                  if c not in subscripts)
    ins = ",".join(letter + s if b else s for s, b in zip(ins.split(","), flags))
    return bind(prim, *vals, subscripts=f"{ins}->{letter}{out}")


def _solve(prim, vals, flags, params, size):
    # NumPy's solve broadcasts the leading axes of a and of a b of 2 or more dimensions; a
    # batch of 1-d right-hand sides is made a batch of 1-column matrices first.
    (a, b), (ba, bb) = vals, flags
    ra = len(P.shape_of(a)) - ba
    rb = len(P.shape_of(b)) - bb
    if ra != 2 or rb not in (1, 2):
        return _loop(prim, vals, flags, params, size)
    if rb == 1:
        if not bb:      # a batched, b one vector: NumPy broadcasts it as a vector already
            return bind(prim, a, b)
        col = P.reshape(b, shape=P.shape_of(b) + (1,))
        x = bind(prim, a, col)
        return P.reshape(x, shape=P.shape_of(x)[:-1])
    return bind(prim, a, b)


def _custom(prim, vals, flags, params, size):
    # A row made by chainrule.custom (a function with its user's own rule): its call
    # (params["_call"]) runs the function on the whole batch where it can, else None.
    out = params["_call"].batched_forward(vals, flags, size)
    return _loop(prim, vals, flags, params, size) if out is None else out


def _pad_rule(prim, vals, flags, params, size):
    return bind(prim, vals[0], **dict(params, pad_width=((0, 0),) + tuple(
        tuple(w) for w in params["pad_width"])))


# Each batch kind a row may declare (Primitive.batch), and the rule that runs it. A primitive
# made outside the table without a kind (None) is looped over, which is always right.
_BY_KIND: dict = {
    "elementwise": _elementwise, "reduce": _reduce, "reshape": _reshape,
    "transpose": _transpose, "broadcast": _broadcast_to, "getitem": _getitem,
    "index_add": _index_add, "index_update": _index_update, "concatenate": _concatenate,
    "stack": _stack, "matmul": _matmul, "axis": _axis_param, "pad": _pad_rule,
    "einsum": _einsum, "solve": _solve,
    # NumPy's linear algebra treats leading axes as a stack of matrices already.
    "linalg": _plain,
    "custom": _custom, "loop": _loop, None: _loop,
}


def _check_table() -> None:
    """Every row of the table declares a kind this module runs (checked once, at import: a
    row added without one fails here, not later inside a Jacobian)."""
    unknown = sorted(f"{p.name} (batch={p.batch!r})" for p in P.TABLE.values()
                     if p.batch is None or p.batch not in _BY_KIND)
    if unknown:
        raise ValueError(f"batching: these rows of the table declare no batch kind this "
                         f"module knows: {', '.join(unknown)}; set Primitive.batch to one of "
                         f"{sorted(k for k in _BY_KIND if k)}.")


_check_table()


def batched_call(fn: Callable, args: Sequence[Any], batched: Sequence[bool], size: int) -> Any:
    """Call ``fn(*args)`` once for a whole batch: the ``args`` flagged in ``batched`` carry a
    leading axis of length ``size``. Every leaf of the result gets that axis (leaves that did
    not depend on a batched argument are broadcast along it).

    >>> import numpy as np
    >>> out = batched_call(lambda a, b: a * b, [np.eye(2), np.array([3.0, 4.0])],
    ...                    [True, False], 2)
    >>> out.tolist()
    [[3.0, 0.0], [0.0, 4.0]]
    """
    level = new_level()
    wrapped = [Batched(a, level) if b else a for a, b in zip(args, batched)]
    out = fn(*wrapped)

    def lift(o: Any) -> Any:
        if type(o) is Batched and o._level == level:
            return o.val
        if isinstance(o, Tracer):
            return P.broadcast_to(o, shape=(size,) + P.shape_of(o))
        o = np.asarray(o)
        return np.array(np.broadcast_to(o, (size,) + o.shape))

    return tree_map(lift, out)
