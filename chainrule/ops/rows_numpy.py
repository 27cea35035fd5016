"""The second half of the primitive table: rows behind the ``chainrule.numpy`` namespace
(more ufuncs, reductions, linear algebra, FFT). Same constructors, same rule vocabulary as
:mod:`chainrule.ops`, which imports this module at its end so ``TABLE`` is complete
whenever chainrule is imported.

Rows exist where a composite would be unstable (``log1p``, ``expm1``, ``logaddexp``), where
the derivative reads better than the composite's (``arcsin``, ``hypot``), or where the
operation cannot be built from other rows (``cumsum``, ``prod``, ``einsum``, linear algebra,
FFT). Everything else in ``chainrule.numpy`` is a composite of rows and needs no rule.

Constants inside rules are Python floats (``math.log(2.0)``, not ``np.log(2)``): a NumPy
float64 scalar would promote float32 values to float64.
"""

from __future__ import annotations

import math
import string
from typing import Callable

import numpy as np

from .rows import (
    Primitive, _dom_binary, _dom_unary, keepdims_shape, _row, _unary_impl, concatenate, cos,
    div, dtype_of, elementwise, exp, getitem, linear, matmul, ndim_of, nondifferentiable, reshape,
    shape_of, sqrt, sum, transpose, value_of, weighted_reduction, where)

# math.exp2 and math.cbrt are Python 3.11+; on 3.10 those rows take NumPy's path.
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)

# ----------------------------------------------------------------------------------------
# Elementary functions.

arcsin = elementwise("arcsin", _unary_impl(math.asin, np.arcsin),
                     [lambda out, x: div(1.0, sqrt(1.0 - x * x))],
                     display={"latex": r"\arcsin"}, domain=_dom_unary(-0.8, 0.8),
                     ufunc=np.arcsin)
arccos = elementwise("arccos", _unary_impl(math.acos, np.arccos),
                     [lambda out, x: div(-1.0, sqrt(1.0 - x * x))],
                     display={"latex": r"\arccos"}, domain=_dom_unary(-0.8, 0.8),
                     ufunc=np.arccos)
arctan = elementwise("arctan", _unary_impl(math.atan, np.arctan),
                     [lambda out, x: div(1.0, 1.0 + x * x)],
                     display={"latex": r"\arctan"}, domain=_dom_unary(-2, 2),
                     ufunc=np.arctan)
sinh = elementwise("sinh", _unary_impl(math.sinh, np.sinh), [lambda out, x: cosh(x)],
                   display={"latex": r"\sinh"}, domain=_dom_unary(-2, 2), ufunc=np.sinh)
cosh = elementwise("cosh", _unary_impl(math.cosh, np.cosh), [lambda out, x: sinh(x)],
                   display={"latex": r"\cosh"}, domain=_dom_unary(-2, 2), ufunc=np.cosh)
arcsinh = elementwise("arcsinh", _unary_impl(math.asinh, np.arcsinh),
                      [lambda out, x: div(1.0, sqrt(x * x + 1.0))],
                      domain=_dom_unary(-2, 2), ufunc=np.arcsinh)
arccosh = elementwise("arccosh", _unary_impl(math.acosh, np.arccosh),
                      [lambda out, x: div(1.0, sqrt(x * x - 1.0))],
                      domain=_dom_unary(1.2, 3), ufunc=np.arccosh)
arctanh = elementwise("arctanh", _unary_impl(math.atanh, np.arctanh),
                      [lambda out, x: div(1.0, 1.0 - x * x)],
                      domain=_dom_unary(-0.8, 0.8), ufunc=np.arctanh)
exp2 = elementwise("exp2", _unary_impl(getattr(math, "exp2", None), np.exp2),
                   [lambda out, x: out * _LN2], domain=_dom_unary(-2, 2), ufunc=np.exp2)
# expm1 and log1p are rows (not exp(x) - 1, log(1 + x)): they keep full precision near 0.
expm1 = elementwise("expm1", _unary_impl(math.expm1, np.expm1), [lambda out, x: out + 1.0],
                    domain=_dom_unary(-2, 2), ufunc=np.expm1)
log1p = elementwise("log1p", _unary_impl(math.log1p, np.log1p),
                    [lambda out, x: div(1.0, 1.0 + x)],
                    domain=_dom_unary(-0.5, 2), ufunc=np.log1p)
log2 = elementwise("log2", _unary_impl(math.log2, np.log2),
                   [lambda out, x: div(1.0, x * _LN2)], display={"latex": r"\log_2"},
                   domain=_dom_unary(0.2, 3), ufunc=np.log2)
log10 = elementwise("log10", _unary_impl(math.log10, np.log10),
                    [lambda out, x: div(1.0, x * _LN10)], display={"latex": r"\log_{10}"},
                    domain=_dom_unary(0.2, 3), ufunc=np.log10)
# cbrt'(0) = 1 / (3 * 0) = inf: the true (vertical tangent) limit, like sqrt'(0).
cbrt = elementwise("cbrt", _unary_impl(getattr(math, "cbrt", None), np.cbrt),
                   [lambda out, x: div(1.0, 3.0 * out * out)],
                   domain=_dom_unary(0.3, 3), ufunc=np.cbrt)
square = elementwise("square", np.square, [lambda out, x: 2.0 * x],
                     domain=_dom_unary(-2, 2), ufunc=np.square)


def _reciprocal_impl(x):
    # np.reciprocal truncates integers (1/2 -> 0); the float path is what a gradient needs.
    return 1.0 / x if type(x) is float and x != 0.0 else np.reciprocal(x)


reciprocal = elementwise("reciprocal", _reciprocal_impl, [lambda out, x: -(out * out)],
                         domain=_dom_unary(0.5, 2), ufunc=np.reciprocal)


def _sinc_partial(out, x):
    # sinc(x) = sin(pi x)/(pi x); sinc'(x) = (cos(pi x) - sinc(x)) / x, which is 0/0 at x = 0
    # where the true value is 0. The safe-input `where` keeps nan out of both branches; its
    # own derivative at exactly 0 is then 0 instead of -pi^2/3 (documented in coverage.md).
    zero = value_of(x) == 0
    xs = where(zero, 1.0, x)
    return where(zero, 0.0, div(cos(math.pi * x) - out, xs))


sinc = elementwise("sinc", np.sinc, [_sinc_partial], domain=_dom_unary(0.2, 2))

# ----------------------------------------------------------------------------------------
# Binary elementwise.

arctan2 = elementwise(
    "arctan2", np.arctan2,
    [lambda out, y, x: div(x, x * x + y * y), lambda out, y, x: div(-y, x * x + y * y)],
    domain=_dom_binary(-2, 2, 0.5, 2), ufunc=np.arctan2)
hypot = elementwise("hypot", np.hypot,
                    [lambda out, x, y: div(x, out), lambda out, x, y: div(y, out)],
                    domain=_dom_binary(0.5, 2, -2, -0.5), ufunc=np.hypot)
# logaddexp'(x) = e^x / (e^x + e^y) = exp(x - out): never overflows.
logaddexp = elementwise("logaddexp", np.logaddexp,
                        [lambda out, x, y: exp(x - out), lambda out, x, y: exp(y - out)],
                        domain=_dom_binary(-3, 3), ufunc=np.logaddexp)
logaddexp2 = elementwise("logaddexp2", np.logaddexp2,
                         [lambda out, x, y: exp((x - out) * _LN2),
                          lambda out, x, y: exp((y - out) * _LN2)],
                         domain=_dom_binary(-3, 3), ufunc=np.logaddexp2)


def _quotient(rounder: Callable) -> Callable:
    # x mod y = x - y * q(x/y) with q piecewise constant: d/dy = -q (a constant mask).
    def partial(out, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -rounder(np.divide(value_of(x), value_of(y)))
    return partial


def _dom_mod(rng):
    # Away from the jumps of x mod y: x / y stays inside (2.1, 2.6).
    return [((rng.uniform(2.3, 2.7, size=(3, 1)), rng.uniform(1.05, 1.1, size=(4,))), {}),
            ((-rng.uniform(2.3, 2.7, size=(2, 3)), float(rng.uniform(1.05, 1.1))), {})]


fmod = elementwise("fmod", np.fmod, [lambda out, x, y: 1.0, _quotient(np.trunc)],
                   domain=_dom_mod, ufunc=np.fmod)
remainder = elementwise("remainder", np.remainder, [lambda out, x, y: 1.0, _quotient(np.floor)],
                        domain=_dom_mod, ufunc=np.remainder)


def _copysign_dx(out, x, y):
    # |x| * sign(y): slope sign(x) * copysign(1, y), a constant mask (0 at x = 0, as abs).
    return np.sign(value_of(x)) * np.copysign(1.0, value_of(y))


copysign = elementwise("copysign", np.copysign, [_copysign_dx, None],
                       domain=_dom_binary(-2, 2), ufunc=np.copysign)


def _nan_aware(mine_wins: Callable, mine: int) -> Callable:
    # fmax/fmin ignore a NaN operand: the other one wins outright; ties split evenly, as in
    # maximum/minimum.
    def partial(out, x, y):
        xv, yv = value_of(x), value_of(y)
        me, other = (xv, yv) if mine == 0 else (yv, xv)
        win = mine_wins(xv, yv) | (np.isnan(other) & ~np.isnan(me))
        w = np.where(win, 1.0, np.where(xv == yv, 0.5, 0.0))
        return w.astype(np.result_type(xv, yv), copy=False)
    return partial


def _dom_fmax(rng):
    x = rng.normal(size=(3, 1))
    y = rng.normal(size=(4,))
    return [((x, y), {}), ((rng.normal(size=(2, 3)), 0.1), {})]


fmax = elementwise("fmax", np.fmax, [_nan_aware(np.greater, 0), _nan_aware(np.less, 1)],
                   domain=_dom_fmax, ufunc=np.fmax)
fmin = elementwise("fmin", np.fmin, [_nan_aware(np.less, 0), _nan_aware(np.greater, 1)],
                   domain=_dom_fmax, ufunc=np.fmin)

# ----------------------------------------------------------------------------------------
# Rows that carry no gradient: piecewise-constant functions and predicates.

floor = nondifferentiable("floor", np.floor, ufunc=np.floor)
ceil = nondifferentiable("ceil", np.ceil, ufunc=np.ceil)
trunc = nondifferentiable("trunc", np.trunc, ufunc=np.trunc)
rint = nondifferentiable("rint", np.rint, ufunc=np.rint)
isnan = nondifferentiable("isnan", np.isnan, ufunc=np.isnan)
isinf = nondifferentiable("isinf", np.isinf, ufunc=np.isinf)
isfinite = nondifferentiable("isfinite", np.isfinite, ufunc=np.isfinite)
signbit = nondifferentiable("signbit", np.signbit, ufunc=np.signbit)
heaviside = nondifferentiable("heaviside", np.heaviside, ufunc=np.heaviside)
logical_and = nondifferentiable("logical_and", np.logical_and, ufunc=np.logical_and)
logical_or = nondifferentiable("logical_or", np.logical_or, ufunc=np.logical_or)
logical_xor = nondifferentiable("logical_xor", np.logical_xor, ufunc=np.logical_xor)
logical_not = nondifferentiable("logical_not", np.logical_not, ufunc=np.logical_not)


def _round_impl(x, decimals=0):
    return np.round(x, decimals)


round = nondifferentiable("round", _round_impl)  # noqa: A001


def _arg_impl(np_fn: Callable) -> Callable:
    def impl(x, axis=None, keepdims=False):
        return np_fn(x, axis=axis, keepdims=keepdims)
    return impl


def _argsort_impl(x, axis=-1, stable=None):
    return np.argsort(x, axis=axis, stable=stable)


argmax = nondifferentiable("argmax", _arg_impl(np.argmax))
argmin = nondifferentiable("argmin", _arg_impl(np.argmin))
argsort = nondifferentiable("argsort", _argsort_impl)

# ----------------------------------------------------------------------------------------
# Reductions and scans.


def _prod_impl(x, axis=None, keepdims=False):
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
    count = np.sum(zero, axis=axis, keepdims=True)
    if not np.any(count):
        ov = out if keepdims else reshape(out, shape=keepdims_shape(shape_of(x), axis))
        return ov / x
    safe = where(zero, 1.0, x)
    p = _prod_impl_traced(safe, axis)
    z = sum(where(zero, x, 0.0), axis=axis, keepdims=True)
    one = where(zero, p, p * z / safe)
    two = where(zero, p * (z - x), 0.0)
    return where(count == 0, p / safe, where(count == 1, one, where(count == 2, two, 0.0)))


def _prod_impl_traced(x, axis):
    return prod(x, axis=axis, keepdims=True)


def _dom_prod(rng):
    x = rng.uniform(0.5, 1.5, size=(3, 4)) * rng.choice([-1.0, 1.0], size=(3, 4))
    z1 = x.copy()
    z1[1, 2] = 0.0
    z2 = x.copy()
    z2[0, 1] = z2[0, 3] = 0.0
    return [((x,), {}), ((x,), {"axis": 0}), ((x,), {"axis": -1, "keepdims": True}),
            ((z1,), {"axis": 1}), ((z1,), {}), ((z2,), {"axis": 0})]


prod = weighted_reduction("prod", _prod_impl, _prod_weights, domain=_dom_prod)


def _cumsum_impl(x, axis):
    return np.cumsum(x, axis=axis)


def _reverse(x, axis):
    return getitem(x, idx=(slice(None),) * (axis % ndim_of(x)) + (slice(None, None, -1),))


def _cumsum_t(g, x, axis):
    # The transpose of a running sum is a running sum from the other end.
    return _reverse(cumsum(_reverse(g, axis), axis=axis), axis)


def _dom_scan(rng):
    return [((rng.normal(size=(3, 4)),), {"axis": 1}), ((rng.normal(size=(5,)),), {"axis": 0}),
            ((rng.normal(size=(2, 3, 2)),), {"axis": -2})]


cumsum = linear("cumsum", _cumsum_impl, _cumsum_t, domain=_dom_scan)


def _cumprod_impl(x, axis):
    return np.cumprod(x, axis=axis)


def _revcumsum(x, axis):
    return _reverse(cumsum(_reverse(x, axis), axis=axis), axis)


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
                         domain=_dom_cumprod))

# ----------------------------------------------------------------------------------------
# Padding (constant mode; the other modes are gathers, built with getitem in numpy.py).


def _pad_impl(x, pad_width, value=0.0):
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
    linear=True))

# ----------------------------------------------------------------------------------------
# einsum. Subscripts are normalised by chainrule.numpy.einsum to explicit form without
# ellipses ("ij,jk->ik"), so the rules can read them directly.


def _einsum_impl(*xs, subscripts):
    # NumPy's path optimiser hands contractions to BLAS (10x faster on big operands) but costs
    # tens of microseconds to plan: worth it for three or more operands or big ones.
    big = len(xs) > 2 or any(np.size(x) >= 4096 for x in xs)
    return np.einsum(subscripts, *xs, optimize=big)


def _einsum_vjp(i, g, out, *xs, subscripts):
    """Operand i's cotangent: contract g with the other operands onto operand i's labels.

    Labels that only operand i carries (summed out inside it) come back through a ones
    vector; a label repeated inside operand i (a diagonal, "ii->i") is put back on the
    diagonal through identity-matrix operands, so the result is again one einsum and
    differentiates again.
    """
    ins, outs = subscripts.split("->")
    terms = ins.split(",")
    mine = terms[i]
    sizes: dict = {}
    for term, x in zip(terms, xs):
        for c, n in zip(term, shape_of(x)):
            sizes[c] = max(sizes.get(c, 1), n)
    ops = [g] + [x for j, x in enumerate(xs) if j != i]
    subs = [outs] + [t for j, t in enumerate(terms) if j != i]
    have = set("".join(subs))
    dtype = dtype_of(g)
    for c in dict.fromkeys(mine):
        if c not in have:
            ops.append(np.ones(sizes[c], dtype=dtype))
            subs.append(c)
    free = iter(c for c in string.ascii_letters if c not in sizes)
    target = ""
    seen: set = set()
    for c in mine:
        if c in seen:
            d = next(free)
            ops.append(np.eye(sizes[c], dtype=dtype))
            subs.append(c + d)
            target += d
        else:
            seen.add(c)
            target += c
    return einsum(*ops, subscripts=",".join(subs) + "->" + target)


def _einsum_jvp(i, t, out, *xs, subscripts):
    return einsum(*[t if j == i else x for j, x in enumerate(xs)], subscripts=subscripts)


def _dom_einsum(rng):
    n = rng.normal
    return [((n(size=(2, 3)), n(size=(3, 4))), {"subscripts": "ij,jk->ik"}),
            ((n(size=(3, 3)),), {"subscripts": "ii->"}),
            ((n(size=(3, 3)),), {"subscripts": "ii->i"}),
            ((n(size=(2, 3)),), {"subscripts": "ij->j"}),
            ((n(size=(2, 3)), n(size=(3,)), n(size=(4,))), {"subscripts": "ij,j,k->ik"}),
            ((n(size=(2, 3, 4)), n(size=(2, 4, 3))), {"subscripts": "bij,bjk->bik"})]


einsum = _row(Primitive("einsum", _einsum_impl, [_einsum_vjp], [_einsum_jvp], variadic=True,
                        domain=_dom_einsum))

# ----------------------------------------------------------------------------------------
# Complex parts. Cotangent convention for complex values (the table's rules are plain
# transposes, as in JAX): a real loss L changes by dL = Re(sum(c * dz)) when z changes by dz,
# where c is z's cotangent. So real(z) pulls g back to g + 0j, imag(z) to -1j * g, and a real
# input of a complex-valued row takes the real part of its cotangent. The rows also accept
# real inputs (real(x) = x, imag(x) = 0), which is how the table tests reach them.


def _complex_ct(g, x, factor):
    # Cotangent of x from a real cotangent g: complex only where x itself is complex.
    if dtype_of(x).kind == "c":
        return g * factor
    return g if factor == 1 else g * 0.0


real = _row(Primitive(
    "real", np.real, [lambda g, out, x: _complex_ct(g, x, 1 + 0j)],
    [lambda t, out, x: real(t)], ufunc=None, linear=True,
    domain=lambda rng: [((rng.normal(size=(2, 3)),), {})]))
imag = _row(Primitive(
    "imag", np.imag, [lambda g, out, x: _complex_ct(g, x, -1j)],
    [lambda t, out, x: imag(t)], ufunc=None, linear=True,
    domain=lambda rng: [((rng.normal(size=(2, 3)),), {})]))
conj = _row(Primitive(
    "conj", np.conjugate, [lambda g, out, x: conj(g)], [lambda t, out, x: conj(t)],
    ufunc=np.conjugate, domain=lambda rng: [((rng.normal(size=(2, 3)),), {})], linear=True))

# ----------------------------------------------------------------------------------------
# Linear algebra. Rules are the standard matrix identities written with table ops, so they
# differentiate again; all rows broadcast over leading (batch) axes like NumPy's linalg.
# eigh and svd rules divide by differences of eigen/singular values: at a degenerate
# spectrum the derivative of the vectors is not defined (see _gap_inverse; coverage.md says
# so); eigh and cholesky read only the symmetric part (A + Aᵀ)/2.


def _mT(x):
    """Swap the last two axes (the matrix transpose of a batch)."""
    n = ndim_of(x)
    axes = list(range(n))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, axes=tuple(axes))


def _sym(x):
    return 0.5 * (x + _mT(x))


def _col(v):
    return reshape(v, shape=shape_of(v) + (1,))


def _rowv(v):
    return reshape(v, shape=shape_of(v)[:-1] + (1,) + shape_of(v)[-1:])


def _diag_embed(v):
    return _rowv(v) * np.eye(shape_of(v)[-1], dtype=dtype_of(v))


def _diag_part(m):
    n = shape_of(m)[-1]
    i = np.arange(n)
    return getitem(m, idx=(Ellipsis, i, i))


def _gap_inverse(w, square: bool = False):
    """F[..., i, j] = 1 / (w_j - w_i) off the diagonal (of w² if ``square``), 0 on it.

    Exactly repeated values get 0 too: then gradients that use only the values (eigvalsh,
    svdvals, nuclear norm) stay exact, while those of the vectors, which are not unique there,
    are computed as if the degenerate block did not rotate (documented in coverage.md).
    """
    if square:
        w = w * w
    gap = _rowv(w) - _col(w)
    zero = value_of(gap) == 0
    return where(zero, 0.0, 1.0 / where(zero, 1.0, gap))


def _spd(rng, n, batch=()):
    a = rng.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


inv = _row(Primitive(
    "inv", np.linalg.inv,
    [lambda g, out, x: -matmul(matmul(_mT(out), g), _mT(out))],   # d inv = -A⁻¹ dA A⁻¹
    [lambda t, out, x: -matmul(matmul(out, t), out)],
    domain=lambda rng: [((_spd(rng, 3),), {}), ((rng.normal(size=(2, 3, 3)) + 3 * np.eye(3),),
                                               {})]))


def _det_vjp(g, out, x):
    return _col(_col(g * out)) * _mT(inv(x))          # d det = det · tr(A⁻¹ dA)


det = _row(Primitive(
    "det", np.linalg.det, [_det_vjp],
    [lambda t, out, x: out * sum(_mT(inv(x)) * t, axis=(-2, -1))],
    domain=lambda rng: [((rng.normal(size=(3, 3)) + 2 * np.eye(3),), {}),
                        ((rng.normal(size=(2, 2, 2)) + 2 * np.eye(2),), {})]))


def _logabsdet_impl(x):
    return np.linalg.slogdet(x)[1]


logabsdet = _row(Primitive(
    "logabsdet", _logabsdet_impl,
    [lambda g, out, x: _col(_col(g)) * _mT(inv(x))],   # d log|det A| = tr(A⁻¹ dA)
    [lambda t, out, x: sum(_mT(inv(x)) * t, axis=(-2, -1))],
    doc="log|det(A)|, the second output of slogdet",
    domain=lambda rng: [((rng.normal(size=(3, 3)) + 2 * np.eye(3),), {}),
                        ((rng.normal(size=(2, 2, 2)) - 2 * np.eye(2),), {})]))


def _solve_impl(a, b):
    return np.linalg.solve(a, b)


def _solve_as(a, b, like):
    # NumPy 2 treats b as a vector only when it is 1-D; batches of vectors are kept as such
    # here by adding and removing a trailing axis.
    if ndim_of(like) == 1:
        r = solve(a, _col(b))
        return reshape(r, shape=shape_of(r)[:-1])
    return solve(a, b)


def _solve_vjp_a(g, out, a, b):
    gb = _solve_as(_mT(a), g, b)
    if ndim_of(b) == 1:
        return -(_col(gb) * _rowv(out))
    return -matmul(gb, _mT(out))


def _solve_jvp_a(t, out, a, b):
    if ndim_of(b) == 1:
        tb = matmul(t, _col(out))
        return -_solve_as(a, reshape(tb, shape=shape_of(tb)[:-1]), b)
    return -solve(a, matmul(t, out))


solve = _row(Primitive(
    "solve", _solve_impl,
    [_solve_vjp_a, lambda g, out, a, b: _solve_as(_mT(a), g, b)],
    [_solve_jvp_a, lambda t, out, a, b: _solve_as(a, t, b)],
    domain=lambda rng: [((rng.normal(size=(3, 3)) + 3 * np.eye(3), rng.normal(size=(3,))), {}),
                        ((rng.normal(size=(3, 3)) + 3 * np.eye(3), rng.normal(size=(3, 2))), {}),
                        ((rng.normal(size=(2, 3, 3)) + 3 * np.eye(3), rng.normal(size=(2, 3, 1))),
                         {})]))


def _cholesky_impl(x):
    return np.linalg.cholesky(0.5 * (x + np.swapaxes(x, -1, -2)))


def _phi(x):
    # Lower triangle with the diagonal halved.
    n = shape_of(x)[-1]
    return x * (np.tri(n, k=-1, dtype=dtype_of(x)) + 0.5 * np.eye(n, dtype=dtype_of(x)))


def _cholesky_jvp(t, out, x):
    # dL = L Φ(L⁻¹ dA L⁻ᵀ) for A = L Lᵀ (dA symmetrised, as the impl reads (A + Aᵀ)/2).
    li = inv(out)
    return matmul(out, _phi(matmul(matmul(li, _sym(t)), _mT(li))))


def _cholesky_vjp(g, out, x):
    # The transpose of the JVP: Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹).
    li = inv(out)
    return _sym(matmul(matmul(_mT(li), _phi(matmul(_mT(out), g))), li))


cholesky = _row(Primitive(
    "cholesky", _cholesky_impl, [_cholesky_vjp], [_cholesky_jvp],
    domain=lambda rng: [((_spd(rng, 3),), {}), ((_spd(rng, 2, (2,)),), {})]))


def _eigh_packed_impl(x):
    w, v = np.linalg.eigh(0.5 * (x + np.swapaxes(x, -1, -2)))
    return np.concatenate([v, w[..., None, :]], axis=-2)


def _eigh_unpack(p):
    n = shape_of(p)[-1]
    return getitem(p, idx=(Ellipsis, n, slice(None))), \
        getitem(p, idx=(Ellipsis, slice(0, n), slice(None)))


def _eigh_vjp(g, out, x):
    # Ā = V (diag(w̄) + F ∘ (Vᵀ V̄)) Vᵀ, F_ij = 1/(w_j - w_i); symmetrised like the input.
    w, v = _eigh_unpack(out)
    gw, gv = _eigh_unpack(g)
    inner = _diag_embed(gw) + _gap_inverse(w) * matmul(_mT(v), gv)
    return _sym(matmul(matmul(v, inner), _mT(v)))


def _eigh_jvp(t, out, x):
    # dw = diag(Vᵀ dA V), dV = V (F ∘ (Vᵀ dA V)).
    w, v = _eigh_unpack(out)
    p = matmul(matmul(_mT(v), _sym(t)), v)
    dv = matmul(v, _gap_inverse(w) * p)
    return concatenate(dv, _rowv(_diag_part(p)), axis=-2)


def _dom_eigh(rng):
    a = rng.normal(size=(3, 3))
    b = rng.normal(size=(2, 2, 2))
    return [((a + a.T,), {}), ((b + np.swapaxes(b, -1, -2),), {})]


eigh_packed = _row(Primitive(
    "eigh_packed", _eigh_packed_impl, [_eigh_vjp], [_eigh_jvp], domain=_dom_eigh,
    doc="eigh as one array: eigenvectors in rows [:n], eigenvalues in row n"))


def _svd_sizes(x):
    m, n = shape_of(x)[-2:]
    return m, n, min(m, n)


def _svd_packed_impl(x):
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    lead = u.shape[:-2]
    return np.concatenate([u.reshape(lead + (-1,)), s, vh.reshape(lead + (-1,))], axis=-1)


def _svd_unpack(p, x):
    m, n, k = _svd_sizes(x)
    lead = shape_of(p)[:-1]
    u = reshape(getitem(p, idx=(Ellipsis, slice(0, m * k))), shape=lead + (m, k))
    s = getitem(p, idx=(Ellipsis, slice(m * k, m * k + k)))
    vh = reshape(getitem(p, idx=(Ellipsis, slice(m * k + k, None))), shape=lead + (k, n))
    return u, s, vh


def _svd_pack(u, s, vh):
    lead = shape_of(s)[:-1]
    return concatenate(reshape(u, shape=lead + (-1,)), s, reshape(vh, shape=lead + (-1,)),
                       axis=-1)


def _svd_jvp(t, out, x):
    u, s, vh = _svd_unpack(out, x)
    v = _mT(vh)
    m, n, k = _svd_sizes(x)
    f = _gap_inverse(s, square=True)
    dp = matmul(matmul(_mT(u), t), v)
    ds = _diag_part(dp)
    s_row, s_col = _rowv(s), _col(s)
    du = matmul(u, f * (dp * s_row + s_col * _mT(dp)))
    dv = matmul(v, f * (s_col * dp + _mT(dp) * s_row))
    if m > k:   # the part of dA's columns outside span(U)
        du = du + (matmul(t, v) - matmul(u, dp)) / s_row
    if n > k:
        dv = dv + (matmul(_mT(t), u) - matmul(v, _mT(dp))) / s_row
    return _svd_pack(du, ds, _mT(dv))


def _svd_vjp(g, out, x):
    # The transpose of the JVP above (Townsend's formula for the thin SVD).
    u, s, vh = _svd_unpack(out, x)
    gu, gs, gvh = _svd_unpack(g, x)
    v, gv = _mT(vh), _mT(gvh)
    m, n, k = _svd_sizes(x)
    f = _gap_inverse(s, square=True)
    s_row, s_col = _rowv(s), _col(s)
    ju = f * matmul(_mT(u), gu)
    jv = f * matmul(_mT(v), gv)
    inner = (ju + _mT(ju)) * s_row + _diag_embed(gs) + s_col * (jv + _mT(jv))
    ga = matmul(matmul(u, inner), vh)
    if m > k:
        gu_s = gu / s_row
        ga = ga + matmul(gu_s - matmul(u, matmul(_mT(u), gu_s)), vh)
    if n > k:
        gv_s = gv / s_row
        ga = ga + matmul(u, _mT(gv_s - matmul(v, matmul(vh, gv_s))))
    return ga


def _dom_svd(rng):
    return [((rng.normal(size=(3, 3)),), {}), ((rng.normal(size=(4, 2)),), {}),
            ((rng.normal(size=(2, 3)),), {}), ((rng.normal(size=(2, 3, 2)),), {})]


svd_packed = _row(Primitive(
    "svd_packed", _svd_packed_impl, [_svd_vjp], [_svd_jvp], domain=_dom_svd,
    doc="thin SVD as one array: U, s, Vh flattened along the last axis"))


def _qr_packed_impl(x):
    q, r = np.linalg.qr(x, mode="reduced")
    return np.concatenate([q, r], axis=-2)


def _qr_unpack(p, x):
    m = shape_of(x)[-2]
    return getitem(p, idx=(Ellipsis, slice(0, m), slice(None))), \
        getitem(p, idx=(Ellipsis, slice(m, None), slice(None)))


def _strict_lower(x):
    n = shape_of(x)[-1]
    return x * np.tri(n, k=-1, dtype=dtype_of(x))


def _qr_jvp(t, out, x):
    # C = Qᵀ dA R⁻¹ = Ω + dR R⁻¹ with Ω skew and dR R⁻¹ upper triangular:
    # Ω = low(C) - low(C)ᵀ, dR = (C - Ω) R, dQ = dA R⁻¹ - Q (C - Ω).
    q, r = _qr_unpack(out, x)
    ri = inv(r)
    c = matmul(matmul(_mT(q), t), ri)
    k = c - _strict_lower(c) + _mT(_strict_lower(c))
    return concatenate(matmul(t, ri) - matmul(q, k), matmul(k, r), axis=-2)


def _qr_vjp(g, out, x):
    # The transpose of the JVP: M = R̄ Rᵀ - Qᵀ Q̄, N = M - low(M) + low(Mᵀ),
    # Ā = (Q̄ + Q N) R⁻ᵀ.
    q, r = _qr_unpack(out, x)
    gq, gr = _qr_unpack(g, x)
    m = matmul(gr, _mT(r)) - matmul(_mT(q), gq)
    nn = m - _strict_lower(m) + _strict_lower(_mT(m))
    return matmul(gq + matmul(q, nn), _mT(inv(r)))


qr_packed = _row(Primitive(
    "qr_packed", _qr_packed_impl, [_qr_vjp], [_qr_jvp],
    doc="reduced QR (rows >= columns) as one array: Q in rows [:m], R below",
    domain=lambda rng: [((rng.normal(size=(3, 3)),), {}), ((rng.normal(size=(4, 2)),), {}),
                        ((rng.normal(size=(2, 3, 2)),), {})]))


def _pinv_jvp(t, out, x):
    # d A⁺ = -A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I - A A⁺) + (I - A⁺A) dAᵀ A⁺ᵀ A⁺ (constant rank).
    p = out
    m, n = shape_of(x)[-2:]
    left = np.eye(m, dtype=dtype_of(x)) - matmul(x, p)
    right = np.eye(n, dtype=dtype_of(x)) - matmul(p, x)
    return (-matmul(matmul(p, t), p) + matmul(matmul(matmul(p, _mT(p)), _mT(t)), left)
            + matmul(matmul(right, _mT(t)), matmul(_mT(p), p)))


def _pinv_vjp(g, out, x):
    p = out
    m, n = shape_of(x)[-2:]
    left = np.eye(m, dtype=dtype_of(x)) - matmul(x, p)
    right = np.eye(n, dtype=dtype_of(x)) - matmul(p, x)
    return (-matmul(matmul(_mT(p), g), _mT(p)) + matmul(matmul(left, _mT(g)), matmul(p, _mT(p)))
            + matmul(matmul(matmul(_mT(p), p), _mT(g)), right))


pinv = _row(Primitive(
    "pinv", np.linalg.pinv, [_pinv_vjp], [_pinv_jvp],
    domain=lambda rng: [((rng.normal(size=(3, 3)),), {}), ((rng.normal(size=(4, 2)),), {}),
                        ((rng.normal(size=(2, 3)),), {})]))

# ----------------------------------------------------------------------------------------
# FFT along one axis. The DFT matrix is symmetric, so the transpose of fft is fft itself
# (same norm) followed by undoing the zero-padding/truncation of `n`; a real input keeps the
# real part of its cotangent (see the complex-parts convention above). The n-d transforms
# in chainrule.numpy.fft are compositions of these.


def _resize(x, n, axis):
    """Truncate or zero-pad ``x`` to length n along ``axis`` (what fft's `n` does)."""
    ax = axis % ndim_of(x)
    m = shape_of(x)[ax]
    if n == m:
        return x
    if n < m:
        return getitem(x, idx=(slice(None),) * ax + (slice(0, n),))
    widths = tuple((0, n - m) if i == ax else (0, 0) for i in range(ndim_of(x)))
    return pad(x, pad_width=widths)


def _real_if(ct, x):
    return real(ct) if dtype_of(x).kind != "c" else ct


def _fft_impl(x, n, axis, norm):
    return np.fft.fft(x, n=n, axis=axis, norm=norm)


def _ifft_impl(x, n, axis, norm):
    return np.fft.ifft(x, n=n, axis=axis, norm=norm)


def _dom_fft(rng):
    return [((rng.normal(size=(4,)),), {"n": 4, "axis": -1, "norm": "backward"}),
            ((rng.normal(size=(3, 5)),), {"n": 6, "axis": 0, "norm": "ortho"}),
            ((rng.normal(size=(2, 5)),), {"n": 3, "axis": 1, "norm": "forward"})]


fft = _row(Primitive(
    "fft", _fft_impl,
    [lambda g, out, x, n, axis, norm:
     _real_if(_resize(fft(g, n=n, axis=axis, norm=norm), shape_of(x)[axis], axis), x)],
    [lambda t, out, x, n, axis, norm: fft(t, n=n, axis=axis, norm=norm)],
    domain=_dom_fft, linear=True))
ifft = _row(Primitive(
    "ifft", _ifft_impl,
    [lambda g, out, x, n, axis, norm:
     _real_if(_resize(ifft(g, n=n, axis=axis, norm=norm), shape_of(x)[axis], axis), x)],
    [lambda t, out, x, n, axis, norm: ifft(t, n=n, axis=axis, norm=norm)],
    domain=_dom_fft, linear=True))


def _rfft_impl(x, n, axis, norm):
    return np.fft.rfft(x, n=n, axis=axis, norm=norm)


def _rfft_vjp(g, out, x, n, axis, norm):
    # rfft keeps the first n//2 + 1 outputs of fft: transpose = zero-pad g back to n, fft.
    full = fft(_resize(g, n, axis), n=n, axis=axis, norm=norm)
    return _resize(real(full), shape_of(x)[axis], axis)


rfft = _row(Primitive(
    "rfft", _rfft_impl, [_rfft_vjp],
    [lambda t, out, x, n, axis, norm: rfft(t, n=n, axis=axis, norm=norm)],
    domain=_dom_fft, linear=True))

_DUAL_NORM = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def _irfft_impl(x, n, axis, norm):
    return np.fft.irfft(x, n=n, axis=axis, norm=norm)


def _irfft_vjp(g, out, x, n, axis, norm):
    # irfft reads z as a Hermitian half-spectrum: the DC term (and the Nyquist term for even
    # n) once, every other term twice. Its cotangent is w * conj(rfft(g)) with those weights
    # w, scaled by the dual norm; entries beyond n//2 + 1 are ignored (cotangent 0).
    h = n // 2 + 1
    w = np.full(h, 2.0, dtype=np.real(np.zeros((), dtype=dtype_of(g))).dtype)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    shape = [1] * ndim_of(g)
    shape[axis % ndim_of(g)] = h
    spec = conj(rfft(g, n=n, axis=axis, norm=_DUAL_NORM[norm])) * w.reshape(shape)
    return _real_if(_resize(spec, shape_of(x)[axis], axis), x)


def _dom_irfft(rng):
    return [((rng.normal(size=(3,)),), {"n": 4, "axis": -1, "norm": "backward"}),
            ((rng.normal(size=(4, 2)),), {"n": 7, "axis": 0, "norm": "ortho"}),
            ((rng.normal(size=(2, 4)),), {"n": 4, "axis": 1, "norm": "forward"})]


irfft = _row(Primitive(
    "irfft", _irfft_impl, [_irfft_vjp],
    [lambda t, out, x, n, axis, norm: irfft(t, n=n, axis=axis, norm=norm)],
    domain=_dom_irfft, linear=True))
