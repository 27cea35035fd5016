"""Reductions other than ``sum`` (max, min, prod: the weighted reductions), the running product,
and the index-valued reductions that carry no gradient (argmax, argmin, argsort).

>>> from chainrule.ops import prod
>>> import numpy as np
>>> prod.vjp_rule(0)(1.0, 0.0, np.array([2.0, 0.0, 3.0])).tolist()
[0.0, 6.0, 0.0]
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core import (Primitive, array_namespace, call_in_namespace, eager_error, is_foreign,
                    keepdims_shape, shape_of, value_of)
from ._build import _dom_reduce, _maths_only, _row, nondifferentiable
from .elementwise import where
from .linear import _revcumsum, cumsum, reshape, sum

__all__ = ["amax", "amin", "prod", "cumprod", "argmax", "argmin",
           "argsort"]

# ----------------------------------------------------------------------------------------
# Weighted reductions: max, min, prod.


def weighted_reduction(name: str, impl: Callable, weights: Callable,
                       **kwargs: Any) -> Primitive:
    """A reduction over ``axis`` whose derivative is ``d out = sum(w * dx, axis)`` with
    weights ``w = weights(out, x, axis, keepdims)`` of x's shape (max/min: the tie-split
    mask; prod: the product of the other elements)."""
    def vjp(g, out, x, axis=None, keepdims=False):
        if not keepdims:
            g = reshape(g, shape=keepdims_shape(shape_of(x), axis))
        return g * weights(out, x, axis, keepdims)

    def jvp(t, out, x, axis=None, keepdims=False):
        return sum(t * weights(out, x, axis, keepdims), axis=axis, keepdims=keepdims)

    _maths_only(name, kwargs)
    return _row(Primitive(name, impl, [vjp], [jvp], batch="reduce", **kwargs))


def _extreme(name: str, np_fn: Callable) -> Primitive:
    def impl(x, axis=None, keepdims=False):
        if type(x) is not np.ndarray and is_foreign(x):
            return call_in_namespace(name, np_fn, (x,), {"axis": axis, "keepdims": keepdims},
                                     api_name=name)
        return np_fn(x, axis=axis, keepdims=keepdims)

    def weights(out, x, axis, keepdims):
        # Every element equal to the extreme shares the gradient evenly (ties split).
        xv, ov = value_of(x), value_of(out)
        if is_foreign(xv):
            xp = array_namespace(xv)
            if not keepdims:
                ov = xp.reshape(ov, keepdims_shape(shape_of(xv), axis))
            mask = xp.astype(xv == ov, xv.dtype)
            return mask / xp.sum(mask, axis=axis, keepdims=True)
        if not keepdims:
            ov = np.reshape(ov, keepdims_shape(np.shape(xv), axis))
        mask = (xv == ov)
        return mask / np.sum(mask, axis=axis, keepdims=True)

    # Piecewise linear: linear once the maximising elements are fixed by the values.
    return weighted_reduction(name, impl, weights, domain=_dom_reduce, linear=True)


amax = _extreme("max", np.max)
amin = _extreme("min", np.min)


def _prod_impl(x, axis=None, keepdims=False):
    if type(x) is not np.ndarray and is_foreign(x):
        return call_in_namespace("prod", np.prod, (x,), {"axis": axis, "keepdims": keepdims})
    return np.prod(x, axis=axis, keepdims=keepdims)


def _prod_weights(out, x, axis, keepdims):
    """∂ prod / ∂ x_i = product of the other elements, also where x has zeros.

    No zero along the reduced axes: out / x. One zero: the zero's slot gets the product of the
    others (p, computed with the zeros replaced by 1) and every other slot gets p * z / x_i,
    where z (the sum of the zero elements) is 0 in value but keeps the derivative with respect
    to the zero. Two zeros: a zero's slot gets p times the other zero (again 0 in value, with
    its derivative). So second derivatives are exact everywhere; with two or more zeros, third
    and higher ones are not tracked (coverage.md says so).
    """
    xv = value_of(x)
    zero = xv == 0
    if is_foreign(xv):
        # No look at the values (a lazy array would have to be computed): the general
        # formula below is right with or without zeros.
        xp = array_namespace(xv)
        count = xp.sum(xp.astype(zero, xp.int32), axis=axis, keepdims=True)
    else:
        count = np.sum(zero, axis=axis, keepdims=True)
    if not is_foreign(xv) and not np.any(count):
        ov = out if keepdims else reshape(out, shape=keepdims_shape(shape_of(x), axis))
        return ov / x
    safe = where(zero, 1.0, x)
    p = prod(safe, axis=axis, keepdims=True)
    z = sum(where(zero, x, 0.0), axis=axis, keepdims=True)
    one = where(zero, p, p * z / safe)
    two = where(zero, p * (z - x), 0.0)
    return where(count == 0, p / safe, where(count == 1, one, where(count == 2, two, 0.0)))


def _dom_prod(rng):
    x = rng.uniform(0.5, 1.5, size=(3, 4)) * rng.choice([-1.0, 1.0], size=(3, 4))
    z1 = x.copy()
    z1[1, 2] = 0.0
    z2 = x.copy()
    z2[0, 1] = z2[0, 3] = 0.0
    return [((x,), {}), ((x,), {"axis": 0}), ((x,), {"axis": -1, "keepdims": True}),
            ((z1,), {"axis": 1}), ((z1,), {}), ((z2,), {"axis": 0})]


prod = weighted_reduction("prod", _prod_impl, _prod_weights, domain=_dom_prod)

# ----------------------------------------------------------------------------------------
# The running product.


def _cumprod_impl(x, axis):
    if type(x) is not np.ndarray and is_foreign(x):
        return call_in_namespace("cumprod", np.cumprod, (x,), {"axis": axis},
                                 api_name="cumulative_prod")
    return np.cumprod(x, axis=axis)


def _no_eager_zero_test(x):
    xv = value_of(x)
    if is_foreign(xv):
        raise eager_error("cumprod's derivative", xv, "its test for zeros along the axis")


def _cumprod_zero_parts(x, axis):
    """Masks and traced pieces for the zero-safe cumprod rules, all O(n).

    Along the axis, z is the first zero and z2 the second. ``pz`` is the product before z,
    ``zval`` the value at z (0, but traced so second derivatives see it), ``q`` the running
    product after z (x replaced by 1 up to z), ``q2`` the same with z2 replaced by 1 too.
    """
    zero = value_of(x) == 0
    seen = np.cumsum(zero, axis=axis)
    before, first, second = seen == 0, zero & (seen == 1), zero & (seen == 2)
    pz = prod(where(before, x, 1.0), axis=axis, keepdims=True)
    zval = sum(where(first, x, 0.0), axis=axis, keepdims=True)
    q = cumprod(where(before | first, 1.0, x), axis=axis)
    q2 = cumprod(where(before | first | second, 1.0, x), axis=axis)
    return zero, seen, before, first, second, pz, zval, q, q2


def _cumprod_vjp(g, out, x, axis):
    # x̄_k = Σ_{i≥k} g_i Π_{j≤i, j≠k} x_j. Before the first zero z: revcumsum(g·out)/x_k.
    # At z: pz · revcumsum(g·q). After z: the same times zval / x_k (0 in value, right in
    # derivative), and at the second zero z2 with q2 (so second derivatives are exact).
    _no_eager_zero_test(x)
    if not np.any(value_of(x) == 0):
        return _revcumsum(g * out, axis) / x
    zero, seen, before, first, second, pz, zval, q, q2 = _cumprod_zero_parts(x, axis)
    safe = where(zero, 1.0, x)
    gq = _revcumsum(g * q, axis)
    return where(before, _revcumsum(g * out, axis) / safe,
                 where(first, pz * gq,
                       where(second, zval * pz * _revcumsum(g * q2, axis),
                             zval * pz * gq / safe)))


def _cumprod_jvp(t, out, x, axis):
    # ṫ_i = Σ_{k≤i} t_k Π_{j≤i, j≠k} x_j, split the same way by the zeros up to i.
    _no_eager_zero_test(x)
    if not np.any(value_of(x) == 0):
        return out * cumsum(t / x, axis=axis)
    zero, seen, before, first, second, pz, zval, q, q2 = _cumprod_zero_parts(x, axis)
    safe = where(zero, 1.0, x)
    t_z = sum(where(first, t, 0.0), axis=axis, keepdims=True)
    t_z2 = sum(where(second, t, 0.0), axis=axis, keepdims=True)
    after = pz * q * (t_z + zval * cumsum(where(first, 0.0, t / safe), axis=axis))
    return where(before, out * cumsum(t / safe, axis=axis),
                 where(seen >= 2, after + zval * t_z2 * pz * q2, after))


def _dom_cumprod(rng):
    x = rng.uniform(0.5, 1.5, size=(3, 4)) * rng.choice([-1.0, 1.0], size=(3, 4))
    z = x.copy()
    z[0, 1] = 0.0
    z[2, 0] = z[2, 2] = 0.0
    z3 = rng.uniform(0.5, 1.5, size=(2, 7))
    z3[0, [1, 3, 4]] = 0.0
    z3[1, [2, 6]] = 0.0
    return [((x,), {"axis": 1}), ((x,), {"axis": 0}), ((z,), {"axis": 1}), ((z,), {"axis": 0}),
            ((z3,), {"axis": 1})]


cumprod = _row(Primitive("cumprod", _cumprod_impl, [_cumprod_vjp], [_cumprod_jvp],
                         batch="axis", domain=_dom_cumprod))

# ----------------------------------------------------------------------------------------
# Indices of the extremes and of the sorted order: no gradient.


def _arg_impl(np_fn: Callable) -> Callable:
    def impl(x, axis=None, keepdims=False):
        if type(x) is not np.ndarray and is_foreign(x):
            return call_in_namespace(np_fn.__name__, np_fn, (x,),
                                     {"axis": axis, "keepdims": keepdims})
        return np_fn(x, axis=axis, keepdims=keepdims)
    return impl


def _argsort_impl(x, axis=-1, stable=None):
    if type(x) is not np.ndarray and is_foreign(x):
        return call_in_namespace("argsort", np.argsort, (x,),
                                 {"axis": axis, "stable": bool(stable)})
    return np.argsort(x, axis=axis, stable=stable)


argmax = nondifferentiable("argmax", _arg_impl(np.argmax), batch="loop")
argmin = nondifferentiable("argmin", _arg_impl(np.argmin), batch="loop")
argsort = nondifferentiable("argsort", _argsort_impl, batch="loop")
