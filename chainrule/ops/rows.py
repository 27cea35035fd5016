"""THE primitive table: every differentiable operation, declared once.

Each row gives the forward computation and its derivative rules side by side. The rules are
written with the operations of this module (which go through :func:`chainrule.core.bind`),
never with raw NumPy, so they run on arrays, on recording Tensors (higher derivatives), on
dual numbers (forward mode) and on symbolic expressions (printed formulas) alike.

Rule vocabulary (as in PyTorch's ``derivatives.yaml``): ``g`` the output cotangent, ``t`` an
input tangent, ``out`` the primal output, then the inputs by position, then keyword params.
A VJP rule may return a value of the broadcast (output) shape: the engine sums it down to the
input's shape in one place (:func:`sum_to`).

Kinks are decisions, pinned by tests and listed in the README:
``abs'(0) = 0``, ``relu'(0) = 0`` (both through ``sign(0) = 0``), ties in ``maximum``/``minimum``
and in ``max``/``min`` reductions split the gradient evenly, ``sqrt'(0) = inf``,
``d/dx x**0 = 0`` everywhere (also at 0), ``d/dy 0**y = 0``.
"""

from __future__ import annotations

import math
import operator
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..core import (Primitive, bind, dtype_of, keepdims_shape, ndim_of, shape_of, value_of,
                    zeros_like_value)

# ----------------------------------------------------------------------------------------
# Forward implementations. Python floats take the `math` module (50x cheaper than a NumPy
# call on a 0-d value); anything math refuses (overflow, domain) falls back to NumPy so the
# result, inf/nan and warnings included, is exactly NumPy's.


def _unary_impl(math_fn: Optional[Callable], np_fn: Callable) -> Callable:
    if math_fn is None:
        return np_fn

    def impl(x):
        if type(x) is float:
            try:
                return math_fn(x)
            except (ValueError, OverflowError):
                pass
        return np_fn(x)

    impl.__name__ = np_fn.__name__
    return impl


def _div_impl(x, y):
    if type(y) is float and type(x) is float and y != 0.0:
        return x / y
    return np.divide(x, y)


def _pow_impl(x, y):
    if type(x) is float and (type(y) is float or type(y) is int):
        # Python would give a complex number for a negative base and fractional exponent.
        if x > 0.0 or (x < 0.0 and float(y).is_integer()):
            try:
                return x ** y
            except OverflowError:
                pass
    elif type(x) is np.ndarray and (type(y) is int or type(y) is float) and y == 2 \
            and x.dtype.kind == "f":
        return np.square(x)   # what NumPy's own `x**2` does: a multiply, not a pow() call
    return np.power(x, y)


def _float_or(np_op: Callable, py_op: Callable) -> Callable:
    def impl(x, y):
        if type(x) is float and type(y) is float:
            return py_op(x, y)
        return np_op(x, y)

    impl.__name__ = np_op.__name__
    return impl


# ----------------------------------------------------------------------------------------
# The row constructors.

TABLE: dict[str, Primitive] = {}


def _row(prim: Primitive) -> Primitive:
    if prim.name in TABLE:
        raise ValueError(f"primitive {prim.name!r} is declared twice")
    TABLE[prim.name] = prim
    return prim


def elementwise(name: str, impl: Callable, partials: Sequence[Optional[Callable]], *,
                vjp: Optional[Sequence] = None, jvp: Optional[Sequence] = None,
                factors: Optional[Sequence] = None, **kwargs: Any) -> Primitive:
    """A row whose derivative is a local partial per input: VJP ``g*p``, JVP ``t*p``.

    ``partials[i](out, *args)`` is ∂out/∂args[i]; ``None`` marks a non-differentiable input.
    Explicit ``vjp``/``jvp`` lists override the derived ones (to skip a multiply by 1); an
    overriding row may say in ``factors`` how its VJP is ``g`` times or over a factor (see
    :class:`Primitive`), which the derived VJP always is.
    """
    if factors is None and vjp is None:
        factors = [None if p is None else (np.multiply, p) for p in partials]
    # Arity-specific closures: this is the hottest code of the backward pass.
    def make_vjp(p):
        if p is None:
            return None
        if len(partials) == 1:
            return lambda g, out, x: g * p(out, x)
        if len(partials) == 2:
            return lambda g, out, x, y: g * p(out, x, y)
        return lambda g, out, *args: g * p(out, *args)

    def make_jvp(p):
        if p is None:
            return None
        if len(partials) == 1:
            return lambda t, out, x: t * p(out, x)
        if len(partials) == 2:
            return lambda t, out, x, y: t * p(out, x, y)
        return lambda t, out, *args: t * p(out, *args)

    return _row(Primitive(
        name, impl,
        vjp if vjp is not None else [make_vjp(p) for p in partials],
        jvp if jvp is not None else [make_jvp(p) for p in partials],
        partials=partials, factors=factors,
        vjp_simple=partials if vjp is None else [True if r is _same_g else None for r in vjp],
        **kwargs))


def _same_g(g, out, x, y):
    """The VJP rule that hands the cotangent on unchanged (add, and sub's first input)."""
    return g


def linear(name: str, impl: Callable, transpose: Callable, **kwargs: Any) -> Primitive:
    """A row linear in its single input: the JVP applies the op to the tangent, the VJP is the
    transpose ``transpose(g, x, **params)``."""
    prim = Primitive(name, impl, [lambda g, out, x, **p: transpose(g, x, **p)], [],
                     linear=True, **kwargs)
    prim.jvp = (lambda t, out, x, **p: bind(prim, t, **p),)
    return _row(prim)


def nondifferentiable(name: str, impl: Callable, **kwargs: Any) -> Primitive:
    """A row whose result carries no gradient (comparisons, sign, rounding)."""
    return _row(Primitive(name, impl, (), (), differentiable=False, **kwargs))


# ----------------------------------------------------------------------------------------
# Test domains: each returns a list of (args, params) samples for the table-driven tests.

def _dom_unary(lo: float, hi: float) -> Callable:
    def dom(rng):
        return [((rng.uniform(lo, hi, size=(3, 2)),), {}),
                ((float(rng.uniform(lo, hi)),), {})]
    return dom


def _dom_binary(lo: float, hi: float, lo2: Optional[float] = None,
                hi2: Optional[float] = None) -> Callable:
    lo2 = lo if lo2 is None else lo2
    hi2 = hi if hi2 is None else hi2

    def dom(rng):
        return [((rng.uniform(lo, hi, size=(3, 1)), rng.uniform(lo2, hi2, size=(4,))), {}),
                ((rng.uniform(lo, hi, size=(2, 3)), float(rng.uniform(lo2, hi2))), {}),
                ((float(rng.uniform(lo, hi)), rng.uniform(lo2, hi2, size=(2,))), {})]
    return dom


# ----------------------------------------------------------------------------------------
# Arithmetic.

add = elementwise(
    "add", operator.add, [lambda out, x, y: 1.0, lambda out, x, y: 1.0],
    vjp=[_same_g, _same_g],
    jvp=[lambda t, out, x, y: t, lambda t, out, x, y: t],
    display={"symbol": "+", "prec": 1, "latex": "+"}, domain=_dom_binary(-2, 2),
    ufunc=np.add)

# sub is a row of its own rather than add(x, neg(y)): one node instead of two on the
# hottest path, and the printed formula keeps the user's minus sign.
sub = elementwise(
    "sub", operator.sub, [lambda out, x, y: 1.0, lambda out, x, y: -1.0],
    vjp=[_same_g, lambda g, out, x, y: -g],
    jvp=[lambda t, out, x, y: t, lambda t, out, x, y: -t],
    factors=[None, (np.multiply, lambda out, x, y: -1.0)],
    display={"symbol": "-", "prec": 1, "latex": "-"}, domain=_dom_binary(-2, 2),
    ufunc=np.subtract)

mul = elementwise(
    "mul", operator.mul, [lambda out, x, y: y, lambda out, x, y: x],
    display={"symbol": "*", "prec": 2, "latex": r"\cdot"}, domain=_dom_binary(-2, 2),
    ufunc=np.multiply)

div = elementwise(
    # Rules call div() rather than `/`: on Python floats `/` raises ZeroDivisionError where
    # NumPy (and so the forward pass) gives inf.
    "div", _div_impl, [lambda out, x, y: div(1.0, y), lambda out, x, y: div(-out, y)],
    vjp=[lambda g, out, x, y: div(g, y), lambda g, out, x, y: div(-g * out, y)],
    jvp=[lambda t, out, x, y: div(t, y), lambda t, out, x, y: div(-t * out, y)],
    factors=[(np.divide, lambda out, x, y: y), (np.multiply, lambda out, x, y: div(-out, y))],
    display={"symbol": "/", "prec": 2}, domain=_dom_binary(-2, 2, 0.5, 2.0),
    ufunc=np.divide)

neg = elementwise(
    "neg", operator.neg, [lambda out, x: -1.0],
    vjp=[lambda g, out, x: -g], jvp=[lambda t, out, x: -t],
    factors=[(np.multiply, lambda out, x: -1.0)],
    display={"symbol": "-", "prec": 3, "unary": True}, domain=_dom_unary(-2, 2),
    ufunc=np.negative)


def _pow_dx(out, x, y):
    # d/dx x**y = y * x**(y-1); pinned to 0 where y == 0 (so d/dx x**0 = 0 also at x = 0,
    # where the formula would give 0 * inf).
    if type(y) is int or type(y) is float or \
            isinstance(y, (int, float)) and not isinstance(y, bool):
        # pow(), not `**`: a Python float 0.0 ** -0.5 raises and (-8.0) ** (-2/3) is complex;
        # the row's impl gives NumPy's inf and nan.
        if y == 0:
            return zeros_like_value(x)
        return y * x if y == 2 else y * pow(x, y - 1)   # 2*x: no x**1 pass over the data
    # The exponent is made safe too (1 where y == 0): else 0 ** -1 in the unselected branch
    # warns, and its derivative (0 * inf = nan) poisons second derivatives.
    zero = equal(y, 0)
    return where(zero, 0.0, y * pow(x, where(zero, 1.0, y - 1)))


def _pow_dy(out, x, y):
    # d/dy x**y = x**y * log(x); pinned to 0 where x == 0 (0**y is flat in y for y > 0).
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return zeros_like_value(y) if x == 0 else out * math.log(x) if x > 0 else out * log(x)
    zero = equal(x, 0)
    return where(zero, 0.0, out * log(where(zero, 1.0, x)))


pow = elementwise(  # noqa: A001  (the table's name for the operation)
    "pow", _pow_impl, [_pow_dx, _pow_dy],
    display={"symbol": "**", "prec": 4, "latex": "^"},
    domain=_dom_binary(0.5, 2.0, -2.0, 2.0), ufunc=np.power)

# ----------------------------------------------------------------------------------------
# Elementary functions.

exp = elementwise("exp", _unary_impl(math.exp, np.exp), [lambda out, x: out],
                  domain=_dom_unary(-2, 2), ufunc=np.exp)
log = elementwise("log", _unary_impl(math.log, np.log), [lambda out, x: div(1.0, x)],
                  vjp=[lambda g, out, x: div(g, x)], jvp=[lambda t, out, x: div(t, x)],
                  factors=[(np.divide, lambda out, x: x)],
                  display={"latex": r"\ln"}, domain=_dom_unary(0.2, 3), ufunc=np.log)
sin = elementwise("sin", _unary_impl(math.sin, np.sin), [lambda out, x: cos(x)],
                  display={"latex": r"\sin"}, domain=_dom_unary(-3, 3), ufunc=np.sin)
cos = elementwise("cos", _unary_impl(math.cos, np.cos), [lambda out, x: -sin(x)],
                  display={"latex": r"\cos"}, domain=_dom_unary(-3, 3), ufunc=np.cos)
tan = elementwise("tan", _unary_impl(math.tan, np.tan), [lambda out, x: 1.0 + out * out],
                  display={"latex": r"\tan"}, domain=_dom_unary(-1.2, 1.2), ufunc=np.tan)
tanh = elementwise("tanh", _unary_impl(math.tanh, np.tanh), [lambda out, x: 1.0 - out * out],
                   display={"latex": r"\tanh"}, domain=_dom_unary(-2, 2), ufunc=np.tanh)
# sqrt'(0) = 0.5 / 0 = inf: the true one-sided limit, as NumPy would compute it.
sqrt = elementwise("sqrt", _unary_impl(math.sqrt, np.sqrt), [lambda out, x: div(0.5, out)],
                   vjp=[lambda g, out, x: div(g * 0.5, out)],
                   jvp=[lambda t, out, x: div(t * 0.5, out)],
                   display={"latex": r"\sqrt"}, domain=_dom_unary(0.2, 3), ufunc=np.sqrt)
# abs'(0) = sign(0) = 0: the subgradient of least norm, as PyTorch and JAX choose.
abs = elementwise("abs", _unary_impl(math.fabs, np.abs),  # noqa: A001
                  [lambda out, x: sign(x)], domain=_dom_unary(-2, 2), ufunc=np.absolute)


def _tie_split(mine_wins: Callable) -> Callable:
    # Ties share the gradient evenly (0.5 each), as PyTorch does for maximum/minimum: the
    # average of the two one-sided derivatives, so sum of the two partials is always 1.
    def partial(out, x, y):
        xv, yv = value_of(x), value_of(y)
        return np.where(mine_wins(xv, yv), 1.0, np.where(xv == yv, 0.5, 0.0))
    return partial


maximum = elementwise(
    "maximum", _float_or(np.maximum, max),
    [_tie_split(operator.gt), _tie_split(operator.lt)],
    domain=_dom_binary(-2, 2), ufunc=np.maximum)
minimum = elementwise(
    "minimum", _float_or(np.minimum, min),
    [_tie_split(operator.lt), _tie_split(operator.gt)],
    domain=_dom_binary(-2, 2), ufunc=np.minimum)


def _where_impl(c, x, y):
    return np.where(c, x, y)


def _dom_where(rng):
    return [((rng.uniform(size=(3, 4)) > 0.5, rng.normal(size=(3, 1)), rng.normal(size=(4,))), {})]


# where(c, x, y): c carries no gradient. The cotangent of the unselected branch is an exact 0,
# but 0 * nan is nan: if a branch can be nan/inf where it is not selected (log(x) for x <= 0),
# make its *input* safe too: where(x > 0, log(where(x > 0, x, 1.0)), 0.0).
where = elementwise(
    "where", _where_impl,
    [None, lambda out, c, x, y: where(c, 1.0, 0.0), lambda out, c, x, y: where(c, 0.0, 1.0)],
    vjp=[None, lambda g, out, c, x, y: where(c, g, 0.0),
         lambda g, out, c, x, y: where(c, 0.0, g)],
    jvp=[None, lambda t, out, c, x, y: where(c, t, 0.0),
         lambda t, out, c, x, y: where(c, 0.0, t)],
    domain=_dom_where, ufunc=None)

# ----------------------------------------------------------------------------------------
# Rows that carry no gradient.

sign = nondifferentiable("sign", np.sign, ufunc=np.sign)
equal = nondifferentiable("equal", np.equal, ufunc=np.equal)
not_equal = nondifferentiable("not_equal", np.not_equal, ufunc=np.not_equal)
greater = nondifferentiable("greater", np.greater, ufunc=np.greater)
greater_equal = nondifferentiable("greater_equal", np.greater_equal, ufunc=np.greater_equal)
less = nondifferentiable("less", np.less, ufunc=np.less)
less_equal = nondifferentiable("less_equal", np.less_equal, ufunc=np.less_equal)

# ----------------------------------------------------------------------------------------
# Casting.


def _cast_impl(x, dtype):
    if np.iscomplexobj(x) and np.dtype(dtype).kind != "c":
        # Complex to real keeps the real part: the cotangent of a real input under the
        # convention dL = Re(sum(c * dz)) (see primitives_numpy), and without NumPy's warning.
        x = np.real(x)
    return np.asarray(x).astype(dtype, copy=False) if np.ndim(x) else np.dtype(dtype).type(x)


cast = linear("cast", _cast_impl, lambda g, x, dtype: cast(g, dtype=dtype_of(x)),
              domain=lambda rng: [((rng.normal(size=(3,)),), {"dtype": np.float64})])

# ----------------------------------------------------------------------------------------
# Shapes.


def _reshape_impl(x, shape):
    return np.reshape(x, shape)


reshape = linear("reshape", _reshape_impl, lambda g, x, shape: reshape(g, shape=shape_of(x)),
                 domain=lambda rng: [((rng.normal(size=(2, 3)),), {"shape": (3, 2)}),
                                     ((rng.normal(size=(6,)),), {"shape": (2, -1)})])


def _transpose_impl(x, axes=None):
    return np.transpose(x, axes)


def _transpose_t(g, x, axes=None):
    if axes is None:
        return transpose(g)
    return transpose(g, axes=tuple(np.argsort(axes)))


transpose = linear("transpose", _transpose_impl, _transpose_t,
                   domain=lambda rng: [((rng.normal(size=(2, 3)),), {}),
                                       ((rng.normal(size=(2, 3, 4)),), {"axes": (1, 2, 0)})])


def _broadcast_to_impl(x, shape):
    return np.broadcast_to(x, shape)


broadcast_to = linear(
    "broadcast_to", _broadcast_to_impl, lambda g, x, shape: sum_to(g, shape_of(x)),
    domain=lambda rng: [((rng.normal(size=(3, 1)),), {"shape": (2, 3, 4)})])

# ----------------------------------------------------------------------------------------
# Reductions.


def _sum_impl(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


def _sum_t(g, x, axis=None, keepdims=False):
    shape = shape_of(x)
    if not keepdims:
        g = reshape(g, shape=keepdims_shape(shape, axis))
    return broadcast_to(g, shape=shape)


def _dom_reduce(rng):
    return [((rng.normal(size=(3, 4)),), {}),
            ((rng.normal(size=(3, 4)),), {"axis": 0}),
            ((rng.normal(size=(2, 3, 4)),), {"axis": (0, 2), "keepdims": True}),
            ((rng.normal(size=(3, 4)),), {"axis": -1})]


sum = linear("sum", _sum_impl, _sum_t, domain=_dom_reduce)  # noqa: A001


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

    return _row(Primitive(name, impl, [vjp], [jvp], **kwargs))


def _extreme(name: str, np_fn: Callable) -> Primitive:
    def impl(x, axis=None, keepdims=False):
        return np_fn(x, axis=axis, keepdims=keepdims)

    def weights(out, x, axis, keepdims):
        # Every element equal to the extreme shares the gradient evenly (ties split).
        xv, ov = value_of(x), value_of(out)
        if not keepdims:
            ov = np.reshape(ov, keepdims_shape(np.shape(xv), axis))
        mask = (xv == ov)
        return mask / np.sum(mask, axis=axis, keepdims=True)

    # Piecewise linear: linear once the maximising elements are fixed by the values.
    return weighted_reduction(name, impl, weights, domain=_dom_reduce, linear=True)


amax = _extreme("max", np.max)
amin = _extreme("min", np.min)

# ----------------------------------------------------------------------------------------
# Products.


def _swap_last(x):
    n = ndim_of(x)
    axes = list(range(n))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, axes=tuple(axes))


def _matmul_vjp_x(g, out, x, y):
    if ndim_of(y) == 1:
        if ndim_of(x) == 1:
            return g * y                                        # (n,)·(n,) -> ()
        return reshape(g, shape=shape_of(g) + (1,)) * y         # (...,m,n)@(n,) -> (...,m)
    if ndim_of(x) == 1:                                         # (n,)@(...,n,m) -> (...,m)
        gy = matmul(y, reshape(g, shape=shape_of(g) + (1,)))
        return reshape(gy, shape=shape_of(gy)[:-1])
    return matmul(g, _swap_last(y))


def _matmul_vjp_y(g, out, x, y):
    if ndim_of(x) == 1:
        if ndim_of(y) == 1:
            return g * x
        return reshape(x, shape=shape_of(x) + (1,)) * reshape(
            g, shape=shape_of(g)[:-1] + (1,) + shape_of(g)[-1:])  # outer(x, g) per batch
    if ndim_of(y) == 1:
        gx = matmul(_swap_last(x), reshape(g, shape=shape_of(g) + (1,)))
        return reshape(gx, shape=shape_of(gx)[:-1])
    return matmul(_swap_last(x), g)


def _dom_matmul(rng):
    n = rng.normal
    return [((n(size=(3,)), n(size=(3,))), {}),
            ((n(size=(2, 3)), n(size=(3,))), {}),
            ((n(size=(3,)), n(size=(3, 4))), {}),
            ((n(size=(2, 3)), n(size=(3, 4))), {}),
            ((n(size=(5, 2, 3)), n(size=(3, 4))), {}),
            ((n(size=(3,)), n(size=(2, 3, 4))), {}),
            ((n(size=(2, 1, 2, 3)), n(size=(3, 3, 2))), {})]


matmul = _row(Primitive(
    "matmul", np.matmul, [_matmul_vjp_x, _matmul_vjp_y],
    [lambda t, out, x, y: matmul(t, y), lambda t, out, x, y: matmul(x, t)],
    display={"symbol": "@", "prec": 2}, domain=_dom_matmul, ufunc=np.matmul))

# ----------------------------------------------------------------------------------------
# Indexing.


def _is_advanced(idx: Any) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    return any(isinstance(i, (list, np.ndarray)) for i in items)


def _getitem_impl(x, idx):
    return np.asarray(x)[idx] if not hasattr(x, "__getitem__") else x[idx]


def _index_add_impl(g, idx, shape):
    z = np.zeros(shape, dtype=np.result_type(g))
    if _is_advanced(idx):
        np.add.at(z, idx, g)   # repeated integer indices accumulate
    else:
        z[idx] = g             # basic indexing never repeats an element
    return z


def _dom_getitem(rng):
    x = rng.normal(size=(4, 3))
    return [((x,), {"idx": 1}), ((x,), {"idx": (slice(1, 3), slice(None, None, -1))}),
            ((x,), {"idx": (None, 2)}), ((x,), {"idx": (np.array([0, 2, 0]),)}),
            ((x,), {"idx": x > 0}), ((x,), {"idx": (Ellipsis, np.array([1, 1]))})]


getitem = linear("getitem", _getitem_impl,
                 lambda g, x, idx: index_add(g, idx=idx, shape=shape_of(x)),
                 domain=_dom_getitem)
index_add = linear(
    "index_add", _index_add_impl, lambda g, x, idx, shape: getitem(g, idx=idx),
    doc="zeros(shape) with x added at idx: the transpose of getitem",
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
    domain=lambda rng: [((rng.normal(size=(4, 3)), rng.normal(size=(3,))), {"idx": 1}),
                        ((rng.normal(size=(5,)), rng.normal(size=(2,))),
                         {"idx": np.array([0, 3])})]))


def _copy_impl(x):
    return np.array(x, copy=True) if isinstance(x, np.ndarray) else x


copy = linear("copy", _copy_impl, lambda g, x: g,
              domain=lambda rng: [((rng.normal(size=(2, 3)),), {})])

# ----------------------------------------------------------------------------------------
# Joining. These rows are variadic: one rule, called with the input's index first.


def _concatenate_impl(*xs, axis=0):
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
    linear=True,
    domain=lambda rng: [((rng.normal(size=(2, 3)), rng.normal(size=(1, 3))), {}),
                        ((rng.normal(size=(2, 3)), rng.normal(size=(2, 2))), {"axis": 1})]))


def _stack_impl(*xs, axis=0):
    return np.stack(xs, axis=axis)


def _stack_vjp(i, g, out, *xs, axis=0):
    ax = axis % ndim_of(out)
    return getitem(g, idx=(slice(None),) * ax + (i,))


def _stack_jvp(i, t, out, *xs, axis=0):
    parts = [t if j == i else zeros_like_value(x) for j, x in enumerate(xs)]
    return stack(*parts, axis=axis)


stack = _row(Primitive(
    "stack", _stack_impl, [_stack_vjp], [_stack_jvp], variadic=True, linear=True,
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

