"""Rows linear in their differentiable inputs: casts, shapes, ``sum`` and its transpose
``broadcast_to`` (with ``sum_to``, the one place broadcasting is undone), indexing, joining,
padding, the running sum, and the parts of complex numbers.

>>> from chainrule.ops import sum_to
>>> import numpy as np
>>> sum_to(np.ones((2, 3)), (1, 3)).tolist()
[[2.0, 2.0, 2.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import (Primitive, array_namespace, value_of, call_in_namespace, dtype_of, is_foreign,
                    keepdims_shape, library_name, ndim_of, shape_of, xp_dtype,
                    zeros_like_value)
from ._build import _dom_reduce, _row, linear, numpy_only, through_namespace
from .elementwise import where

__all__ = ["cast", "reshape", "transpose", "broadcast_to", "sum", "sum_to", "getitem",
           "index_add", "index_update", "copy", "concatenate", "stack", "pad", "cumsum",
           "real", "imag", "conj"]

# ----------------------------------------------------------------------------------------
# Casting.


def _cast_impl(x, dtype):
    if type(x) is not np.ndarray and is_foreign(x):
        xp = array_namespace(x)
        if dtype_of(x).kind == "c" and np.dtype(dtype).kind != "c":
            x = xp.real(x)
        return xp.astype(x, xp_dtype(xp, dtype))
    if np.iscomplexobj(x) and np.dtype(dtype).kind != "c":
        # Complex to real keeps the real part: the cotangent of a real input under the
        # convention dL = Re(sum(c * dz)) (see primitives_numpy), and without NumPy's warning.
        x = np.real(x)
    return np.asarray(x).astype(dtype, copy=False) if np.ndim(x) else np.dtype(dtype).type(x)


def _rounds(x, dtype) -> bool:
    """Whether casting ``x`` to ``dtype`` rounds it to integers or booleans: a step function,
    whose derivative is 0 wherever it exists (as PyTorch and JAX give), not the identity."""
    return np.dtype(dtype).kind in "biu" and dtype_of(x).kind in "fc"


def _cast_transpose(g, x, dtype):
    if _rounds(x, dtype):
        return zeros_like_value(x)
    if np.dtype(dtype).kind != "c" and dtype_of(g).kind == "c":
        g = real(g)   # a real output's cotangent is real (see _complex_ct)
    return cast(g, dtype=dtype_of(x))


cast = linear("cast", _cast_impl, _cast_transpose, batch="elementwise",
              domain=lambda rng: [((rng.normal(size=(3,)),), {"dtype": np.float64})])


def _cast_jvp(t, out, x, dtype):
    if _rounds(x, dtype):
        return zeros_like_value(t)   # a float zero tangent: the output is a step of x
    return cast(t, dtype=dtype)


cast.jvp = (_cast_jvp,)

# ----------------------------------------------------------------------------------------
# Shapes.


def _reshape_impl(x, shape):
    if type(x) is not np.ndarray and is_foreign(x):
        return array_namespace(x).reshape(x, tuple(shape))
    return np.reshape(x, shape)


reshape = linear("reshape", _reshape_impl, lambda g, x, shape: reshape(g, shape=shape_of(x)),
                 batch="reshape",
                 domain=lambda rng: [((rng.normal(size=(2, 3)),), {"shape": (3, 2)}),
                                     ((rng.normal(size=(6,)),), {"shape": (2, -1)})])


def _transpose_impl(x, axes=None):
    if type(x) is not np.ndarray and is_foreign(x):
        axes = tuple(range(ndim_of(x)))[::-1] if axes is None else tuple(axes)
        return array_namespace(x).permute_dims(x, axes)
    return np.transpose(x, axes)


def _transpose_t(g, x, axes=None):
    if axes is None:
        return transpose(g)
    return transpose(g, axes=tuple(np.argsort(axes)))


transpose = linear("transpose", _transpose_impl, _transpose_t, batch="transpose",
                   domain=lambda rng: [((rng.normal(size=(2, 3)),), {}),
                                       ((rng.normal(size=(2, 3, 4)),), {"axes": (1, 2, 0)})])


def _broadcast_to_impl(x, shape):
    if type(x) is not np.ndarray and is_foreign(x):
        return array_namespace(x).broadcast_to(x, tuple(shape))
    return np.broadcast_to(x, shape)


broadcast_to = linear(
    "broadcast_to", _broadcast_to_impl, lambda g, x, shape: sum_to(g, shape_of(x)),
    batch="broadcast", domain=lambda rng: [((rng.normal(size=(3, 1)),), {"shape": (2, 3, 4)})])

# ----------------------------------------------------------------------------------------
# The sum, the transpose of broadcast_to (the other reductions are in reductions.py).


def _sum_impl(x, axis=None, keepdims=False):
    if type(x) is not np.ndarray and is_foreign(x):
        return array_namespace(x).sum(x, axis=axis, keepdims=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


def _sum_t(g, x, axis=None, keepdims=False):
    shape = shape_of(x)
    if axis is None and not keepdims and type(x) is not np.ndarray and \
            is_foreign(xv := value_of(x)) and library_name(xv) == "dask" and is_foreign(g):
        # The seed of a gradient on a Dask array: broadcast in x's chunks (a broadcast 0-d
        # array would be one chunk, rechunked: a copy of the whole array).
        return array_namespace(xv).broadcast_to(g, shape, chunks=xv.chunks)
    if not keepdims:
        g = reshape(g, shape=keepdims_shape(shape, axis))
    return broadcast_to(g, shape=shape)


sum = linear("sum", _sum_impl, _sum_t, batch="reduce", domain=_dom_reduce)  # noqa: A001

# ----------------------------------------------------------------------------------------
# Indexing.


def _is_advanced(idx: Any) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    return any(isinstance(i, (list, np.ndarray)) for i in items)


def _getitem_impl(x, idx):
    if type(x) is not np.ndarray and is_foreign(x):
        taken = _one_array(idx)
        if taken is not None and library_name(x) != "dask":
            # The standard indexes with integer arrays only when every axis gets one: one
            # array on the first or last axis is its take().
            axis, i = taken
            return array_namespace(x).take(x, _on_device(array_namespace(x), i, x), axis=axis)
        return x[_foreign_index(x, idx)]
    return np.asarray(x)[idx] if not hasattr(x, "__getitem__") else x[idx]


def _one_array(idx):
    """(axis, array) for an index that is one 1-D integer array on the first axis
    (``a``, ``(a,)``) or the last (``(..., a)``); else None."""
    items = idx if isinstance(idx, tuple) else (idx,)
    if len(items) == 1:
        axis, i = 0, items[0]
    elif len(items) == 2 and items[0] is Ellipsis:
        axis, i = -1, items[1]
    else:
        return None
    if isinstance(i, (list, np.ndarray)) and np.ndim(i) == 1 and \
            np.asarray(i).dtype.kind in "iu":
        return axis, np.asarray(i)
    return None


def _foreign_index(x, idx):
    # NumPy index arrays become the foreign library's own (Dask takes NumPy's as they are).
    if library_name(x) == "dask":
        return idx
    # The standard wants a multi-axis index to cover every axis or hold an ellipsis (a
    # boolean mask stays alone).
    if not isinstance(idx, tuple) and not (isinstance(idx, np.ndarray) and idx.dtype == bool):
        idx = (idx,)
    if isinstance(idx, tuple) and not any(i is Ellipsis for i in idx):
        idx = idx + (Ellipsis,)
    if not _is_advanced(idx):
        return idx
    xp = array_namespace(x)
    items = idx if isinstance(idx, tuple) else (idx,)
    out = tuple(_on_device(xp, i, x) if isinstance(i, (list, np.ndarray)) else i for i in items)
    return out if isinstance(idx, tuple) else out[0]


def _device_of(like) -> dict:
    device = getattr(like, "device", None)
    return {} if device is None or library_name(like) == "dask" else {"device": device}


def _on_device(xp, a, like):
    device = getattr(like, "device", None)
    return xp.asarray(a) if device is None else xp.asarray(a, device=device)


def _index_add_impl(g, idx, shape):
    if type(g) is not np.ndarray and is_foreign(g):
        return _index_add_foreign(g, idx, shape)
    z = np.zeros(shape, dtype=np.result_type(g))
    if _is_advanced(idx):
        np.add.at(z, idx, g)   # repeated integer indices accumulate
    else:
        z[idx] = g             # basic indexing never repeats an element
    return z


def _index_add_foreign(g, idx, shape):
    xp = array_namespace(g)
    if not _is_advanced(idx):
        # Basic indexing never repeats an element: the standard's (and Dask's) setitem. New
        # axes (None) are not assignable: g loses them first.
        if isinstance(idx, tuple) and any(i is None for i in idx):
            idx = tuple(i for i in idx if i is not None)
            g = xp.reshape(g, np.broadcast_to(np.empty((), np.int8), shape)[idx].shape)
        z = xp.zeros(tuple(shape), dtype=g.dtype, **_device_of(g))
        z[_foreign_index(z, idx)] = g
        return z
    if isinstance(idx, np.ndarray) and idx.dtype == bool and library_name(g) != "dask":
        # A boolean mask selects each element once: the standard's setitem puts g back.
        z = xp.zeros(tuple(shape), dtype=g.dtype, **_device_of(g))
        z[_on_device(xp, idx, g)] = g
        return z
    taken = _one_array(idx)
    if taken is not None:
        # One integer array on the first or last axis: a one-hot matrix times g adds
        # repeated indices up (the standard has no scatter-add; this stays lazy on Dask).
        axis, i = taken
        n = shape[axis]
        hot = (np.arange(n)[:, None] == (i % n)[None, :]).astype(np.float64)
        hot = hot if library_name(g) == "dask" else _on_device(xp, hot, g)
        hot = xp.astype(hot, g.dtype)
        if axis == 0:
            flat = xp.reshape(g, (g.shape[0], -1))
            return xp.reshape(xp.matmul(hot, flat), tuple(shape))
        return xp.matmul(g, xp.permute_dims(hot, (1, 0)))
    raise TypeError(
        f"index_add (the gradient of x[idx] with an advanced index {idx!r}): a "
        f"{library_name(g)} array has no scatter-add in its namespace, and chainrule does "
        "not convert it to NumPy. Index with slices or one integer array on the first axis.")


def _dom_getitem(rng):
    x = rng.normal(size=(4, 3))
    return [((x,), {"idx": 1}), ((x,), {"idx": (slice(1, 3), slice(None, None, -1))}),
            ((x,), {"idx": (None, 2)}), ((x,), {"idx": (np.array([0, 2, 0]),)}),
            ((x,), {"idx": x > 0}), ((x,), {"idx": (Ellipsis, np.array([1, 1]))})]


getitem = linear("getitem", _getitem_impl,
                 lambda g, x, idx: index_add(g, idx=idx, shape=shape_of(x)),
                 batch="getitem", domain=_dom_getitem)
index_add = linear(
    "index_add", _index_add_impl, lambda g, x, idx, shape: getitem(g, idx=idx),
    doc="zeros(shape) with x added at idx: the transpose of getitem", batch="index_add",
    domain=lambda rng: [((rng.normal(size=(3,)),), {"idx": np.array([0, 2, 0]), "shape": (4,)}),
                        ((rng.normal(size=(2, 3)),), {"idx": slice(1, 3), "shape": (4, 3)})])

def _index_update_impl(x, v, idx):
    out = np.array(x, copy=True)   # x's dtype is kept, as an in-place `x[idx] = v` would
    out[idx] = v
    return out


def _kept(x, idx):
    # True where x's own value survives `x[idx] = v` (constant: depends on idx only).
    keep = np.ones(shape_of(x), dtype=bool)
    keep[idx] = False
    return keep


def _written(x, idx):
    # True at the positions of x[idx] whose value lands in the result: with a repeated
    # advanced index only one write survives (NumPy's own rule, read off by replaying the
    # assignment with position numbers); the overwritten ones get no gradient.
    shape = np.shape(np.empty(shape_of(x), dtype=np.int8)[idx])
    ids = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)
    target = np.full(shape_of(x), -1, dtype=np.intp)
    target[idx] = ids
    return np.isin(ids, target)


def _index_update_vjp_v(g, out, x, v, idx):
    gv = getitem(g, idx=idx)
    if _is_advanced(idx):
        written = _written(x, idx)
        if not written.all():
            gv = where(written, gv, 0.0)
    return gv


index_update = _row(Primitive(
    "index_update", _index_update_impl,
    [lambda g, out, x, v, idx: where(_kept(x, idx), g, 0.0), _index_update_vjp_v],
    [lambda t, out, x, v, idx: where(_kept(x, idx), t, 0.0),
     lambda t, out, x, v, idx: index_update(zeros_like_value(out), t, idx=idx)],
    doc="x with x[idx] replaced by v (what `x[idx] = v` records)", linear=True,
    batch="index_update",
    domain=lambda rng: [((rng.normal(size=(4, 3)), rng.normal(size=(3,))), {"idx": 1}),
                        ((rng.normal(size=(5,)), rng.normal(size=(2,))),
                         {"idx": np.array([0, 3])})]))


def _copy_impl(x):
    if type(x) is not np.ndarray and is_foreign(x):
        return array_namespace(x).asarray(x, copy=True)
    return np.array(x, copy=True) if isinstance(x, np.ndarray) else x


copy = linear("copy", _copy_impl, lambda g, x: g, batch="elementwise",
              domain=lambda rng: [((rng.normal(size=(2, 3)),), {})])

# ----------------------------------------------------------------------------------------
# Joining. These rows are variadic: one rule, called with the input's index first.


def _concatenate_impl(*xs, axis=0):
    if any(is_foreign(x) for x in xs):
        return array_namespace(*xs).concat(list(xs), axis=axis)
    return np.concatenate(xs, axis=axis)


def _concatenate_vjp(i, g, out, *xs, axis=0):
    ax = axis % ndim_of(out)
    start = int(np.sum([shape_of(x)[ax] for x in xs[:i]], dtype=int))
    idx = (slice(None),) * ax + (slice(start, start + shape_of(xs[i])[ax]),)
    return getitem(g, idx=idx)


def _concatenate_jvp(i, t, out, *xs, axis=0):
    parts = [t if j == i else zeros_like_value(x) for j, x in enumerate(xs)]
    return concatenate(*parts, axis=axis)


concatenate = _row(Primitive(
    "concatenate", _concatenate_impl, [_concatenate_vjp], [_concatenate_jvp], variadic=True,
    linear=True, batch="concatenate",
    domain=lambda rng: [((rng.normal(size=(2, 3)), rng.normal(size=(1, 3))), {}),
                        ((rng.normal(size=(2, 3)), rng.normal(size=(2, 2))), {"axis": 1})]))


def _stack_impl(*xs, axis=0):
    if any(is_foreign(x) for x in xs):
        return array_namespace(*xs).stack(list(xs), axis=axis)
    return np.stack(xs, axis=axis)


def _stack_vjp(i, g, out, *xs, axis=0):
    ax = axis % ndim_of(out)
    return getitem(g, idx=(slice(None),) * ax + (i,))


def _stack_jvp(i, t, out, *xs, axis=0):
    parts = [t if j == i else zeros_like_value(x) for j, x in enumerate(xs)]
    return stack(*parts, axis=axis)


stack = _row(Primitive(
    "stack", _stack_impl, [_stack_vjp], [_stack_jvp], variadic=True, linear=True,
    batch="stack",
    domain=lambda rng: [((rng.normal(size=(2, 3)), rng.normal(size=(2, 3))), {}),
                        ((rng.normal(size=(3,)), rng.normal(size=(3,))), {"axis": -1})]))

# ----------------------------------------------------------------------------------------
# Derived helpers used by the engine and by composites (built from rows above).


def sum_to(g: Any, shape: tuple) -> Any:
    """Sum ``g`` down to ``shape``, undoing NumPy broadcasting (the one place it is undone)."""
    gshape = shape_of(g)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    if lead < 0:  # a rule returned a smaller (e.g. scalar) value: broadcast it up instead
        return broadcast_to(g, shape=shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)
    if axes:
        g = sum(g, axis=axes)
    return g if shape_of(g) == shape else reshape(g, shape=shape)


# ----------------------------------------------------------------------------------------
# Padding (constant mode; the other modes are gathers, built with getitem in numpy.py).


def _pad_impl(x, pad_width, value=0.0):
    if is_foreign(x):   # pad is not in the standard: Dask and CuPy have it, others refuse
        return call_in_namespace("pad", np.pad, (x, pad_width),
                                 {"mode": "constant", "constant_values": value})
    return np.pad(x, pad_width, mode="constant", constant_values=value)


def _pad_t(g, x, pad_width, value=0.0):
    idx = tuple(slice(lo, lo + n) for (lo, _), n in zip(pad_width, shape_of(x)))
    return getitem(g, idx=idx)


def _pad_jvp(t, out, x, pad_width, value=0.0):
    return pad(t, pad_width=pad_width)


pad = _row(Primitive(
    "pad", _pad_impl, [lambda g, out, x, **p: _pad_t(g, x, **p)], [_pad_jvp],
    doc="x surrounded by constant `value` (pad_width: one (before, after) pair per axis)",
    domain=lambda rng: [((rng.normal(size=(2, 3)),), {"pad_width": ((1, 0), (2, 1))}),
                        ((rng.normal(size=(3,)),), {"pad_width": ((0, 2),), "value": 1.5})],
    linear=True, batch="pad"))

# ----------------------------------------------------------------------------------------
# The running sum.


def _cumsum_impl(x, axis):
    if type(x) is not np.ndarray and is_foreign(x):
        return call_in_namespace("cumsum", np.cumsum, (x,), {"axis": axis},
                                 api_name="cumulative_sum")
    return np.cumsum(x, axis=axis)


def _reverse(x, axis):
    return getitem(x, idx=(slice(None),) * (axis % ndim_of(x)) + (slice(None, None, -1),))


def _revcumsum(x, axis):
    """The running sum from the other end: the transpose of a running sum."""
    return _reverse(cumsum(_reverse(x, axis), axis=axis), axis)


def _cumsum_t(g, x, axis):
    return _revcumsum(g, axis)


def _dom_scan(rng):
    return [((rng.normal(size=(3, 4)),), {"axis": 1}), ((rng.normal(size=(5,)),), {"axis": 0}),
            ((rng.normal(size=(2, 3, 2)),), {"axis": -2})]


cumsum = linear("cumsum", _cumsum_impl, _cumsum_t, batch="axis", domain=_dom_scan)

# ----------------------------------------------------------------------------------------
# Complex parts. Cotangent convention for complex values (the table's rules are plain
# transposes, as in JAX; users see the conjugate, PyTorch's convention, which
# reverse.user_convention converts at the boundary): a real loss L changes by
# dL = Re(sum(c * dz)) when z changes by dz,
# where c is z's cotangent. So real(z) pulls g back to g + 0j, imag(z) to -1j * g, and a real
# input of a complex-valued row takes the real part of its cotangent. The rows also accept
# real inputs (real(x) = x, imag(x) = 0), which is how the table tests reach them.


def _complex_ct(g, x, factor):
    # Cotangent of x from a real cotangent g: complex only where x itself is complex. The
    # output is real, so only the real part of g means anything: a complex g (the output was
    # used as a factor of something complex) is projected first, or its imaginary part would
    # leak into x's cotangent (real(1j * real(1j * x)) is 0 but had d/dx = -1).
    if dtype_of(g).kind == "c":
        g = real(g)
    if dtype_of(x).kind == "c":
        return g * factor
    return g if factor == 1 else g * 0.0


def _part_impl(np_fn, op):
    in_xp = through_namespace(np_fn, op=op)

    def impl(x):
        if is_foreign(x) and dtype_of(x).kind != "c":
            # The standard's real/imag take complex arrays only; a real x is its own real part.
            return x if op == "real" else array_namespace(x).zeros_like(x)
        return in_xp(x)
    return impl


real = _row(Primitive(
    "real", _part_impl(np.real, "real"), [lambda g, out, x: _complex_ct(g, x, 1 + 0j)],
    [lambda t, out, x: real(t)], ufunc=None, linear=True, batch="elementwise",
    domain=lambda rng: [((rng.normal(size=(2, 3)),), {})]))
imag = _row(Primitive(
    "imag", _part_impl(np.imag, "imag"), [lambda g, out, x: _complex_ct(g, x, -1j)],
    [lambda t, out, x: imag(t)], ufunc=None, linear=True, batch="elementwise",
    domain=lambda rng: [((rng.normal(size=(2, 3)),), {})]))
conj = _row(Primitive(
    "conj", through_namespace(np.conjugate, api_name="conj", op="conj"),
    [lambda g, out, x: conj(g)], [lambda t, out, x: conj(t)],
    ufunc=np.conjugate, domain=lambda rng: [((rng.normal(size=(2, 3)),), {})], linear=True,
    batch="elementwise"))

# index_update's rules build NumPy masks from the index: NumPy's alone for now.
numpy_only(index_update)
