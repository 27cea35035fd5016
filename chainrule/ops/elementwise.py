"""Elementwise rows: arithmetic, the elementary functions, ``where``/``maximum``/``minimum``,
and the piecewise-constant rows (comparisons, predicates, rounding), with the elementwise
constructor that derives their rules from one partial per input.

Kinks are decisions, pinned by tests and listed in the README:
``abs'(0) = 0``, ``relu'(0) = 0`` (both through ``sign(0) = 0``), ties in ``maximum``/``minimum``
and in ``max``/``min`` reductions split the gradient evenly, ``sqrt'(0) = inf``,
``d/dx x**0 = 0`` everywhere (also at 0), ``d/dy 0**y = 0``.

Rows exist where a composite would be unstable (``log1p``, ``expm1``, ``logaddexp``), where
the derivative reads better than the composite's (``arcsin``, ``hypot``), or where NumPy has
the function and the composite would be slower. Constants inside rules are Python floats
(``math.log(2.0)``, not ``np.log(2)``): a NumPy float64 scalar would promote float32 values
to float64.

>>> from chainrule.ops import erf, sub
>>> erf(0.5) == math.erf(0.5), sub.vjp_simple
(True, (True, None))
"""

from __future__ import annotations

import math
import operator
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..core import Primitive, array_namespace, is_foreign, value_of, zeros_like_value
from ._build import (_dom_binary, _dom_unary, _maths_only, _row, _unary_impl,
                     nondifferentiable, through_namespace)

__all__ = ["add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sin", "cos", "tan", "tanh",
           "sqrt", "abs", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arccosh",
           "arctanh", "exp2", "expm1", "log1p", "log2", "log10", "cbrt", "square",
           "reciprocal", "sinc", "erf", "maximum", "minimum", "where", "arctan2", "hypot",
           "logaddexp", "logaddexp2", "fmod", "remainder", "copysign", "fmax", "fmin",
           "sign", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
           "floor", "ceil", "trunc", "rint", "round", "isnan", "isinf", "isfinite", "signbit",
           "heaviside", "logical_and", "logical_or", "logical_xor", "logical_not", "floor_divide"]

# math.exp2 and math.cbrt are Python 3.11+; on 3.10 those rows take NumPy's path.
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)

# ----------------------------------------------------------------------------------------
# The constructor. A partial has one of three forms, and the rules, the engine's large-array
# factor and the compiled core's shortcut all follow from it:
#   a function p(out, *args)  VJP g * p, JVP t * p                 (most rows)
#   a number c                1: g handed on unchanged; -1: -g     (add, sub, neg)
#   over(den, num)            VJP div(g * num, den), JVP alike     (div, log, sqrt)


class over:  # noqa: N801  (reads as maths in a row: over(y) is "1 / y")
    """A partial written as a quotient, ``num / den(out, *args)``, in a row's ``partials``.

    Its rules divide (``div(g, den)``, not ``g * div(1.0, den)``): one operation less, and the
    engine's large-array path divides into a buffer it owns. ``num`` is a number or, like
    ``den``, a function of ``(out, *args)``.
    """

    __slots__ = ("den", "num")

    def __init__(self, den: Callable, num: Any = 1.0):
        self.den = den
        self.num = num


def _same_g(g, out, x, y):
    """The VJP rule that hands the cotangent on unchanged (add, and sub's first input)."""
    return g


def _constant_rules(c: float, arity: int) -> tuple:
    def partial(out, *args):
        return c

    if c == 1.0:
        if arity == 2:
            return partial, _same_g, (lambda t, out, x, y: t), None, True
        return partial, (lambda g, out, *a: g), (lambda t, out, *a: t), None, True
    if c == -1.0 and arity == 1:
        vjp, jvp = (lambda g, out, x: -g), (lambda t, out, x: -t)
    elif c == -1.0 and arity == 2:
        vjp, jvp = (lambda g, out, x, y: -g), (lambda t, out, x, y: -t)
    elif c == -1.0:
        vjp, jvp = (lambda g, out, *a: -g), (lambda t, out, *a: -t)
    else:
        vjp, jvp = (lambda g, out, *a: g * c), (lambda t, out, *a: t * c)
    return partial, vjp, jvp, (np.multiply, partial), None


def _over_rules(form: over, arity: int) -> tuple:
    # div(), not `/`: on Python floats `/` raises ZeroDivisionError where NumPy (and so the
    # forward pass) gives inf. `div` is this file's row, found when a rule runs.
    den, num = form.den, form.num
    if callable(num):
        def partial(out, *args):
            return div(num(out, *args), den(out, *args))

        def vjp(g, out, *args):
            return div(g * num(out, *args), den(out, *args))

        def jvp(t, out, *args):
            return div(t * num(out, *args), den(out, *args))
        # g * (num / den) agrees with the rule to rounding (the factor test checks it).
        return partial, vjp, jvp, (np.multiply, partial), None
    c = float(num)
    if arity == 1:
        def partial(out, x):
            return div(c, den(out, x))
        if c == 1.0:
            def vjp(g, out, x):
                return div(g, den(out, x))

            def jvp(t, out, x):
                return div(t, den(out, x))
        else:
            def vjp(g, out, x):
                return div(g * c, den(out, x))

            def jvp(t, out, x):
                return div(t * c, den(out, x))
    elif arity == 2:
        def partial(out, x, y):
            return div(c, den(out, x, y))
        if c == 1.0:
            def vjp(g, out, x, y):
                return div(g, den(out, x, y))

            def jvp(t, out, x, y):
                return div(t, den(out, x, y))
        else:
            def vjp(g, out, x, y):
                return div(g * c, den(out, x, y))

            def jvp(t, out, x, y):
                return div(t * c, den(out, x, y))
    else:
        def partial(out, *args):
            return div(c, den(out, *args))

        def vjp(g, out, *args):
            return div(g * c, den(out, *args))

        def jvp(t, out, *args):
            return div(t * c, den(out, *args))
    # g / den is the rule itself; g * (num / den) agrees with it to rounding (the factor
    # test checks both).
    return partial, vjp, jvp, ((np.divide, den) if c == 1.0 else (np.multiply, partial)), None


def _product_rules(p: Callable, arity: int) -> tuple:
    # Arity-specific closures: this is the hottest code of the backward pass.
    if arity == 1:
        vjp, jvp = (lambda g, out, x: g * p(out, x)), (lambda t, out, x: t * p(out, x))
    elif arity == 2:
        vjp, jvp = (lambda g, out, x, y: g * p(out, x, y)), (lambda t, out, x, y: t * p(out, x, y))
    else:
        vjp, jvp = (lambda g, out, *a: g * p(out, *a)), (lambda t, out, *a: t * p(out, *a))
    return p, vjp, jvp, (np.multiply, p), p


def _form_rules(form: Any, arity: int) -> tuple:
    """(partial, vjp, jvp, factor, vjp_simple) of one input, from its partial's form."""
    if form is None:
        return None, None, None, None, None
    if isinstance(form, over):
        return _over_rules(form, arity)
    if isinstance(form, (int, float)):
        return _constant_rules(float(form), arity)
    return _product_rules(form, arity)


def elementwise(name: str, impl: Callable, partials: Sequence[Any], *,
                vjp: Optional[Sequence] = None, jvp: Optional[Sequence] = None,
                **kwargs: Any) -> Primitive:
    """A row whose derivative is a local partial per input.

    ``partials[i]`` is ∂out/∂args[i]: a function ``p(out, *args)``, a number, or an
    :class:`over` quotient (see above); ``None`` marks a non-differentiable input. The VJP
    and JVP rules, ``factors`` and ``vjp_simple`` (see :class:`Primitive`) follow. Explicit
    ``vjp``/``jvp`` lists replace the derived rules where the maths needs another form
    (``where`` selects instead of multiplying by a mask, so a nan in the unselected branch
    stays out); the engine's shortcuts are then derived from those rules where they can be
    (a rule handing ``g`` on unchanged) and left out otherwise.
    """
    _maths_only(name, kwargs)
    forms = [_form_rules(p, len(partials)) for p in partials]
    factors = [f[3] for f in forms]
    simple = [f[4] for f in forms]
    if vjp is not None:
        factors = [None] * len(partials)
        simple = [True if r is _same_g else None for r in vjp]
    if isinstance(impl, np.ufunc):
        impl = through_namespace(impl, op=name)
    return _row(Primitive(
        name, impl,
        vjp if vjp is not None else [f[1] for f in forms],
        jvp if jvp is not None else [f[2] for f in forms],
        partials=[f[0] for f in forms],
        factors=factors if any(f is not None for f in factors) else None,
        vjp_simple=simple, batch="elementwise", **kwargs))


# ----------------------------------------------------------------------------------------
# Forward implementations of the operators.


def _div_impl(x, y):
    if type(y) is float and type(x) is float and y != 0.0:
        return x / y
    if type(x) not in _PLAIN and is_foreign(x) or type(y) not in _PLAIN and is_foreign(y):
        return _xp_divide(x, y)
    return np.divide(x, y)


# The types that are never another library's array, checked before anything is called.
_PLAIN = frozenset({np.ndarray, float, int, bool})
_xp_divide = through_namespace(np.divide, op="div")
_xp_power = through_namespace(np.power, op="pow")


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
    elif type(x) not in _PLAIN and is_foreign(x) or type(y) not in _PLAIN and is_foreign(y):
        return _xp_power(x, y)
    return np.power(x, y)


def _float_or(np_op: Callable, py_op: Callable) -> Callable:
    xp_op = through_namespace(np_op)

    def impl(x, y):
        if type(x) is float and type(y) is float:
            return py_op(x, y)
        if type(x) not in _PLAIN and is_foreign(x) or type(y) not in _PLAIN and is_foreign(y):
            return xp_op(x, y)
        return np_op(x, y)

    impl.__name__ = np_op.__name__
    return impl


# ----------------------------------------------------------------------------------------
# Arithmetic.

add = elementwise(
    "add", operator.add, [1.0, 1.0],
    display={"symbol": "+", "prec": 1, "latex": "+"}, domain=_dom_binary(-2, 2),
    ufunc=np.add)

# sub is a row of its own rather than add(x, neg(y)): one node instead of two on the
# hottest path, and the printed formula keeps the user's minus sign.
sub = elementwise(
    "sub", operator.sub, [1.0, -1.0],
    display={"symbol": "-", "prec": 1, "latex": "-"}, domain=_dom_binary(-2, 2),
    ufunc=np.subtract)

mul = elementwise(
    "mul", operator.mul, [lambda out, x, y: y, lambda out, x, y: x],
    display={"symbol": "*", "prec": 2, "latex": r"\cdot"}, domain=_dom_binary(-2, 2),
    ufunc=np.multiply)

# Rules call div() rather than `/`: on Python floats `/` raises ZeroDivisionError where
# NumPy (and so the forward pass) gives inf.
div = elementwise(
    "div", _div_impl,
    [over(lambda out, x, y: y), over(lambda out, x, y: y, num=lambda out, x, y: -out)],
    display={"symbol": "/", "prec": 2}, domain=_dom_binary(-2, 2, 0.5, 2.0),
    ufunc=np.divide)

neg = elementwise(
    "neg", operator.neg, [-1.0],
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
    # A traced exponent is pinned only where x == 0 and y == 0 (0 * 0**-1 would be nan), and
    # there the base is made safe too, so 0 ** -1 neither warns nor poisons higher
    # derivatives. Elsewhere y * x**(y-1) is left whole: pinning it wherever y == 0 would
    # make its y-derivative 0 instead of x**-1, and so nested derivatives such as
    # d^4/dx^4 x**x at x = 2 silently wrong.
    zero = logical_and(equal(y, 0), equal(x, 0))
    return where(zero, 0.0, y * pow(where(zero, 1.0, x), y - 1))


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
log = elementwise("log", _unary_impl(math.log, np.log), [over(lambda out, x: x)],
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
sqrt = elementwise("sqrt", _unary_impl(math.sqrt, np.sqrt), [over(lambda out, x: out, 0.5)],
                   display={"latex": r"\sqrt"}, domain=_dom_unary(0.2, 3), ufunc=np.sqrt)
# abs'(0) = sign(0) = 0: the subgradient of least norm, as PyTorch and JAX choose.
abs = elementwise("abs", _unary_impl(math.fabs, np.abs),  # noqa: A001
                  [lambda out, x: sign(x)], domain=_dom_unary(-2, 2), ufunc=np.absolute)
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
    if type(x) is not np.ndarray and is_foreign(x):
        return 1.0 / x   # the standard's division (its reciprocal is newer than 2023.12)
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


sinc = elementwise("sinc", through_namespace(np.sinc, op="sinc"), [_sinc_partial],
                   domain=_dom_unary(0.2, 2))


def _erf_array(x):
    # NumPy has no erf, and the core depends on NumPy alone (no SciPy): libm's erf applied
    # element by element, exact to the last bit like the Python-float path, but about 50 ns
    # an element (a NumPy ufunc would be ~5 ns); the result keeps a floating input's dtype.
    a = np.asarray(x)
    out = np.asarray(_ERF(a), dtype=object).astype(a.dtype if a.dtype.kind == "f"
                                                    else np.float64)
    return out if out.ndim else out[()]


_ERF = np.frompyfunc(math.erf, 1, 1)
_erf_array.__name__ = "erf"   # the name other namespaces are searched for (and messages say)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# erf'(x) = 2/sqrt(pi) * exp(-x**2).
erf = elementwise("erf", _unary_impl(math.erf, _erf_array),
                  [lambda out, x: _TWO_OVER_SQRT_PI * exp(-(x * x))],
                  display={"latex": r"\operatorname{erf}"}, domain=_dom_unary(-2, 2))


def _tie_split(mine_wins: Callable) -> Callable:
    # Ties share the gradient evenly (0.5 each), as PyTorch does for maximum/minimum: the
    # average of the two one-sided derivatives, so sum of the two partials is always 1.
    def partial(out, x, y):
        xv, yv = value_of(x), value_of(y)
        xp = array_namespace(xv, yv)
        tie = xv == yv
        half = xp.astype(tie, xp.float64) * 0.5 if xp is not np else np.where(tie, 0.5, 0.0)
        return xp.where(mine_wins(xv, yv), 1.0, half)
    return partial


maximum = elementwise(
    "maximum", _float_or(np.maximum, max),
    [_tie_split(operator.gt), _tie_split(operator.lt)],
    domain=_dom_binary(-2, 2), ufunc=np.maximum)
minimum = elementwise(
    "minimum", _float_or(np.minimum, min),
    [_tie_split(operator.lt), _tie_split(operator.gt)],
    domain=_dom_binary(-2, 2), ufunc=np.minimum)


_xp_where = through_namespace(np.where, op="where")


def _where_impl(c, x, y):
    return _xp_where(c, x, y)


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
        xv, yv = value_of(x), value_of(y)
        if is_foreign(xv) or is_foreign(yv):
            return -getattr(array_namespace(xv, yv), rounder.__name__)(xv / yv)
        with np.errstate(divide="ignore", invalid="ignore"):
            return -rounder(np.divide(xv, yv))
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
    xv, yv = value_of(x), value_of(y)
    if is_foreign(xv) and isinstance(yv, (int, float)):
        return array_namespace(xv).sign(xv) * math.copysign(1.0, yv)
    if is_foreign(xv) or is_foreign(yv):
        xp = array_namespace(xv, yv)
        return xp.sign(xv) * (1.0 - 2.0 * xp.astype(xp.signbit(yv), xv.dtype))
    return np.sign(xv) * np.copysign(1.0, yv)


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
# Rows that carry no gradient: comparisons, predicates and piecewise-constant functions.

sign = nondifferentiable("sign", np.sign, ufunc=np.sign)
equal = nondifferentiable("equal", np.equal, ufunc=np.equal)
not_equal = nondifferentiable("not_equal", np.not_equal, ufunc=np.not_equal)
greater = nondifferentiable("greater", np.greater, ufunc=np.greater)
greater_equal = nondifferentiable("greater_equal", np.greater_equal, ufunc=np.greater_equal)
less = nondifferentiable("less", np.less, ufunc=np.less)
less_equal = nondifferentiable("less_equal", np.less_equal, ufunc=np.less_equal)
floor = nondifferentiable("floor", np.floor, ufunc=np.floor)
floor_divide = nondifferentiable("floor_divide", np.floor_divide, ufunc=np.floor_divide,
                                 domain=_dom_mod)
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
    if is_foreign(x):
        if decimals:
            raise TypeError(f"round: the Array API's round has no decimals; got decimals="
                            f"{decimals} on a {type(x).__module__.split('.')[0]} array. "
                            "Scale first: round(x * 10**d) / 10**d.")
        return through_namespace(np.round, op="round")(x)
    return np.round(x, decimals)


round = nondifferentiable("round", _round_impl, batch="elementwise")  # noqa: A001
