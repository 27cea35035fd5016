"""What ``chainrule.numpy`` and ``chainrule.special`` cover, checked rather than claimed.

:data:`ENTRIES` lists every public function of ``chainrule.numpy``, ``.linalg`` and ``.fft``,
and of ``chainrule.special`` (as ``special.softmax``, ...), with sample inputs (0-d values,
broadcast pairs, empty arrays where NumPy allows them) and a note on kinks and domains. The
test suite runs the samples (tests/test_numpy_namespace.py: gradients at order 2 in both modes,
values against NumPy, float32 preserved) and fails on a namespace function without an entry.
``python -m chainrule.coverage`` runs the gradient checks itself and writes the table in
docs/coverage.md, so the table says what was verified.

>>> from chainrule import coverage
>>> entry = coverage.ENTRIES["linalg.det"]
>>> entry.kind, len(entry.cases) > 0
('diff', True)
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from . import numpy as cnp
from . import special
from .core import dtype_of
from .testing import GradcheckError, check_grads

DIFF = "diff"        # differentiable: reverse, forward and second order are checked
NODIFF = "nodiff"    # piecewise constant or integer-valued: the result carries no gradient
CONST = "const"      # creation and introspection: results do not depend on array values


__all__ = ["Case", "Entry", "namespace_functions", "realify", "gradient_function", "verify",
           "markdown", "main"]


@dataclass
class Case:
    """One sample call. ``args`` go in positionally; ``diff`` names the positions that are
    differentiated (default: every floating-point argument); ``call(fn, *args)`` replaces
    ``fn(*args, **kwargs)`` for functions taking lists (concatenate, select, array)."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    diff: Optional[tuple] = None
    call: Optional[Callable] = None

    def run(self, fn: Callable, args: Optional[tuple] = None) -> Any:
        args = self.args if args is None else args
        if self.call is not None:
            return self.call(fn, *args, **self.kwargs)
        return fn(*args, **self.kwargs)

    def positions(self) -> tuple:
        if self.diff is not None:
            return self.diff
        return tuple(i for i, a in enumerate(self.args)
                     if isinstance(a, (float, np.ndarray)) and np.result_type(a).kind == "f")


@dataclass
class Entry:
    name: str                      # "sin", "linalg.det", "fft.rfft", "special.relu"
    kind: str                      # DIFF, NODIFF or CONST
    cases: list
    note: str = ""
    oracle: bool = True            # NumPy has a function of that name to compare values with
    float32: bool = True           # the result keeps float32 (float_power promotes by design)

    @property
    def function(self) -> Callable:
        obj: Any = cnp
        parts = self.name.split(".")
        if parts[0] == "special":
            obj, parts = special, parts[1:]
        for part in parts:
            obj = getattr(obj, part)
        return obj

    @property
    def numpy_function(self) -> Optional[Callable]:
        obj: Any = np
        for part in self.name.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj


# ----------------------------------------------------------------------------------------
# Sample inputs. One generator per entry name keeps samples stable when entries are added.

_RNG = np.random.default_rng(20261126)


def _u(lo: float, hi: float, *shape: int) -> Any:
    if not shape:
        return float(_RNG.uniform(lo, hi))
    return _RNG.uniform(lo, hi, size=shape)


def _n(*shape: int) -> Any:
    return float(_RNG.normal()) if not shape else _RNG.normal(size=shape)


def _unary(lo: float = -2.0, hi: float = 2.0, empty: bool = True) -> list:
    cases = [Case((_u(lo, hi, 3, 2),)), Case((_u(lo, hi),))]
    if empty:
        cases.append(Case((np.zeros((0, 2)),)))
    return cases


def _binary(lo: float = -2.0, hi: float = 2.0, lo2: Optional[float] = None,
            hi2: Optional[float] = None) -> list:
    lo2 = lo if lo2 is None else lo2
    hi2 = hi if hi2 is None else hi2
    return [Case((_u(lo, hi, 3, 1), _u(lo2, hi2, 4))), Case((_u(lo, hi), _u(lo2, hi2, 2, 3))),
            Case((_u(lo, hi, 2), _u(lo2, hi2))), Case((np.zeros((0, 3)), _u(lo2, hi2, 3)))]


def _reductions(empty: bool = True, **extra: Any) -> list:
    x = _n(3, 4)
    cases = [Case((x,), dict(extra)), Case((x,), dict(axis=0, **extra)),
             Case((_n(2, 3, 4),), dict(axis=(0, 2), keepdims=True, **extra)),
             Case((_n(),), dict(extra))]
    if empty:
        cases.append(Case((np.zeros((0, 3)),), dict(axis=0, **extra)))
    return cases


def _spd(n: int, *batch: int) -> np.ndarray:
    a = _RNG.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _sym(n: int, *batch: int) -> np.ndarray:
    a = _RNG.normal(size=batch + (n, n))
    return a + np.swapaxes(a, -1, -2)


def _list_call(fn: Callable, *xs: Any, **kw: Any) -> Any:
    return fn(list(xs), **kw)


def _weighted(fn: Callable, a: Any, w: Any, **kw: Any) -> Any:
    return fn(a, weights=w, **kw)


def _nodiff(*cases: Case, note: str = "") -> dict:
    return {"kind": NODIFF, "cases": list(cases), "note": note}


_FLAT = "gradient 0 almost everywhere: no gradient is recorded"
_PRED = "predicate: boolean result, no gradient"


def _entries() -> dict:
    e: dict = {}

    def add(name: str, cases: list, note: str = "", kind: str = DIFF, **kw: Any) -> None:
        e[name] = Entry(name, kind, cases, note, **kw)

    # Arithmetic.
    for name in ("add", "subtract", "multiply"):
        add(name, _binary())
    for name in ("divide", "true_divide"):
        add(name, _binary(-2, 2, 0.5, 2), "pole at y = 0")
    for name in ("power", "pow"):
        add(name, _binary(0.5, 2, -2, 2), "d/dx x**0 = 0 also at x = 0; d/dy 0**y = 0")
    add("float_power", _binary(0.5, 2, -2, 2), "computed in float64, as NumPy does",
        float32=False)
    add("negative", _unary())
    add("positive", _unary())
    add("square", _unary())
    add("reciprocal", _unary(0.5, 2), "pole at 0")
    for name in ("mod", "remainder", "fmod"):
        add(name, [Case((_u(2.3, 2.7, 3, 1), _u(1.05, 1.1, 4))),
                   Case((-_u(2.3, 2.7, 2, 3), _u(1.05, 1.1)))],
            "jumps where x/y is an integer; d/dy = -floor(x/y) (trunc for fmod)")
    # Exponentials and logarithms.
    for name in ("exp", "exp2", "expm1"):
        add(name, _unary())
    for name in ("log", "log2", "log10"):
        add(name, _unary(0.2, 3), "x > 0")
    add("log1p", _unary(-0.5, 2), "x > -1; exact near 0")
    add("sqrt", _unary(0.2, 3), "x >= 0; sqrt'(0) = inf")
    add("cbrt", _unary(0.3, 3), "cbrt'(0) = inf")
    for name in ("logaddexp", "logaddexp2"):
        add(name, _binary(-3, 3), "stable: gradient exp(x - out)")
    # Trigonometric and hyperbolic.
    for name in ("sin", "cos", "arctan", "atan", "sinh", "cosh", "tanh", "arcsinh", "asinh"):
        add(name, _unary())
    add("tan", _unary(-1.2, 1.2), "poles at pi/2 + k pi")
    for name in ("arcsin", "arccos", "asin", "acos", "arctanh", "atanh"):
        add(name, _unary(-0.8, 0.8), "|x| < 1; infinite slope at ±1")
    for name in ("arccosh", "acosh"):
        add(name, _unary(1.2, 3), "x >= 1; infinite slope at 1")
    for name in ("arctan2", "atan2"):
        add(name, _binary(-2, 2, 0.5, 2), "undefined at the origin; jump along x < 0, y = 0")
    add("hypot", _binary(0.5, 2, -2, -0.5), "kink at the origin")
    add("sinc", _unary(0.2, 2), "at exactly x = 0 the second derivative reads 0 "
        "(true value -pi²/3)")
    for name in ("deg2rad", "rad2deg", "radians", "degrees"):
        add(name, _unary())
    # Signs, rounding, clipping.
    for name in ("abs", "absolute", "fabs"):
        add(name, _unary(), "abs'(0) = 0 (sign(0)); for complex z the gradient is z/|z| "
            "(PyTorch's convention, docs/complex.md)")
    add("copysign", [Case((_u(0.3, 2, 3, 1), _n(4))), Case((-_u(0.3, 2, 2, 3), _n()))],
        "differentiable in x only; slope sign(x)·sign(y), 0 at x = 0")
    for name in ("maximum", "minimum"):
        add(name, _binary(), "ties split the gradient 0.5 / 0.5")
    for name in ("fmax", "fmin"):
        add(name, _binary() + [Case((np.array([1.0, np.nan, 0.5]), np.array([np.nan, 2.0, 0.2])),
                                    diff=())],
            "NaN operands are ignored; ties split 0.5 / 0.5")
    add("clip", [Case((_n(3, 4), -0.5, 0.5)), Case((_n(5), _n(5) - 1.0, 0.7)),
                 Case((_n(), -0.3, 0.3)), Case((_n(4),), {"max": 0.2})],
        "at a bound the gradient goes to x; bounds passed as arrays get the rest")
    add("nan_to_num", [Case((_n(3),)), Case((np.array([1.0, np.nan, np.inf, -np.inf, 2.0]),))],
        "replaced elements get gradient 0")
    for name in ("sign", "floor", "ceil", "trunc", "fix", "rint"):
        e[name] = Entry(name, NODIFF, _unary(), _FLAT)
    for name in ("round", "around"):
        e[name] = Entry(name, NODIFF, _unary() + [Case((_n(4),), {"decimals": 1})], _FLAT)
    e["heaviside"] = Entry("heaviside", NODIFF, [Case((_n(3, 1), 0.5))], _FLAT)
    for name in ("signbit", "isnan", "isinf", "isfinite", "logical_not"):
        e[name] = Entry(name, NODIFF, [Case((np.array([1.0, -0.0, np.nan, np.inf]),))], _PRED)
    for name in ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
                 "logical_and", "logical_or", "logical_xor"):
        e[name] = Entry(name, NODIFF, [Case((np.array([[0.0], [1.0]]), np.array([1.0, 0.0])))],
                        _PRED)
    add("where", [Case((_n(3, 4) > 0, _n(3, 1), _n(4))), Case((True, _n(), _n(2)))],
        "condition carries no gradient; an unselected NaN branch must be made safe itself")
    e["nonzero"] = Entry("nonzero", NODIFF, [Case((np.array([[0.0, 1.0], [2.0, 0.0]]),))],
                         "indices, no gradient")
    # Complex parts.
    add("real", _unary(), "complex: cotangent g + 0j")
    add("imag", _unary(), "complex: cotangent -1j·g; real input gives zeros")
    add("conj", _unary())
    add("conjugate", _unary())
    add("angle", [Case((_u(0.5, 2, 3),))], "arctan2(imag, real)")
    # chainrule.special (no NumPy function of these names).
    add("special.sigmoid", _unary(-4, 4), "computed as 0.5·tanh(x/2) + 0.5 (no overflow)",
        oracle=False)
    add("special.expit", _unary(-4, 4), oracle=False)
    add("special.relu", _unary(), "relu'(0) = 0", oracle=False)
    add("special.softplus", _unary(-4, 4), "max(x, 0) + log1p(exp(-|x|)): stable", oracle=False)
    add("special.logsumexp", _reductions(empty=False) + [Case((np.array([1000.0, 1000.5]),))],
        "max-shifted: no overflow; gradient softmax", oracle=False)
    add("special.softmax", [Case((_n(3, 4),)), Case((_n(3, 4),), {"axis": 0}),
                    Case((np.array([1000.0, 0.0]),))], "max-shifted", oracle=False)
    add("special.log_softmax", [Case((_n(3, 4),)), Case((_n(5),), {"axis": 0})], "max-shifted",
        oracle=False)
    # Reductions.
    add("sum", _reductions())
    add("mean", _reductions(empty=False))
    zeros1 = _u(0.5, 1.5, 3, 4)
    zeros1[1, 2] = 0.0
    zeros2 = zeros1.copy()
    zeros2[1, 0] = 0.0
    add("prod", _reductions(empty=True) + [Case((zeros1,), {"axis": 1}), Case((zeros2,)),
                                           Case((zeros2,), {"axis": 1})],
        "exact at zeros; with 2+ zeros in a slice, derivatives beyond the second are not "
        "tracked")
    for name in ("max", "min", "amax", "amin"):
        add(name, _reductions(empty=False), "ties split the gradient evenly")
    add("ptp", _reductions(empty=False), "max - min")
    add("var", _reductions(empty=False) + [Case((_n(3, 4),), {"axis": 1, "ddof": 1})])
    add("std", _reductions(empty=False)[:3] + [Case((_n(3, 4),), {"axis": 1, "ddof": 1})],
        "where all elements are equal (a kink) the gradient is 0")
    add("average", [Case((_n(3, 4),)), Case((_n(3, 4),), {"axis": 1}),
                    Case((_n(3, 4), _u(0.5, 2, 4)), {"axis": 1}, call=_weighted),
                    Case((_n(3, 4), _u(0.5, 2, 3, 4)), call=_weighted)],
        "weights are differentiable too")
    add("median", [Case((_n(5),)), Case((_n(3, 4),), {"axis": 1})],
        "gradient to the middle element(s)")
    nan_x = _n(3, 4)
    nan_x[0, 1] = np.nan
    for name in ("nansum", "nanmean", "nanmax", "nanmin", "nanprod"):
        add(name, [Case((_n(3, 4),), {"axis": 0}), Case((nan_x,)), Case((nan_x,), {"axis": 1})],
            "NaN elements get gradient 0")
    add("cumsum", [Case((_n(3, 4),), {"axis": 1}), Case((_n(3, 4),)), Case((_n(0),))])
    add("cumulative_sum", [Case((_n(5),)), Case((_n(3, 4),), {"axis": 1,
                                                              "include_initial": True})])
    add("cumulative_prod", [Case((_u(0.5, 1.5, 5),), {"include_initial": True}),
                            Case((zeros1,), {"axis": 1})])
    add("cumprod", [Case((_u(0.5, 1.5, 3, 4),), {"axis": 1}), Case((_u(0.5, 1.5, 5),)),
                    Case((zeros2,), {"axis": 1})],
        "exact at zeros to second order (O(n) rules split at the first two zeros)")
    add("sort", [Case((_n(5),)), Case((_n(3, 4),), {"axis": 0}), Case((_n(3, 4),), {"axis": None})],
        "gradient follows the permutation (ties: NumPy's order)")
    for name in ("argmax", "argmin"):
        e[name] = Entry(name, NODIFF, [Case((_n(3, 4),)), Case((_n(3, 4),), {"axis": 1})],
                        "indices, no gradient")
    e["argsort"] = Entry("argsort", NODIFF, [Case((_n(3, 4),)), Case((_n(3, 4),), {"axis": 0})],
                         "indices, no gradient")
    for name in ("all", "any", "count_nonzero"):
        e[name] = Entry(name, NODIFF, [Case((np.array([[0.0, 1.0], [2.0, 3.0]]),)),
                                       Case((np.array([[0.0, 1.0], [2.0, 3.0]]),), {"axis": 0})],
                        "boolean/count result, no gradient")
    pair = Case((np.array([1.0, 2.0, np.nan]), np.array([1.0 + 1e-9, 2.1, np.nan])))
    for name in ("isclose", "allclose", "array_equal"):
        e[name] = Entry(name, NODIFF, [pair, Case((_n(3), 0.5))], "comparison of values")
    e["searchsorted"] = Entry("searchsorted", NODIFF, [Case((np.sort(_n(5)), _n(3)))],
                              "indices, no gradient")
    for name in ("argwhere", "flatnonzero"):
        e[name] = Entry(name, NODIFF, [Case((np.array([[0.0, 1.0], [2.0, 0.0]]),))],
                        "indices, no gradient")
    # Shapes.
    for name in ("shape", "ndim", "size"):
        e[name] = Entry(name, CONST, [Case((_n(2, 3),))])
    add("reshape", [Case((_n(2, 3), (3, 2))), Case((_n(6), (2, -1))), Case((_n(), (1, 1))),
                    Case((np.zeros((0, 2)), (2, 0)))])
    add("ravel", [Case((_n(2, 3),)), Case((_n(),))])
    add("copy", [Case((_n(2, 3),))])
    add("transpose", [Case((_n(2, 3),)), Case((_n(2, 3, 4), (1, 2, 0)))])
    add("permute_dims", [Case((_n(2, 3, 4), (2, 0, 1)))])
    add("matrix_transpose", [Case((_n(2, 3, 4),))])
    add("swapaxes", [Case((_n(2, 3, 4), 0, 2))])
    add("moveaxis", [Case((_n(2, 3, 4), 0, -1)), Case((_n(2, 3, 4), (0, 1), (2, 0)))])
    add("squeeze", [Case((_n(1, 3, 1),)), Case((_n(1, 3, 1),), {"axis": 0})])
    add("expand_dims", [Case((_n(3),), {"axis": 0}), Case((_n(2, 3),), {"axis": (0, 3)})])
    add("broadcast_to", [Case((_n(3, 1), (2, 3, 4))), Case((_n(), (2,)))])
    add("broadcast_arrays", [Case((_n(3, 1), _n(4)))])
    for name in ("atleast_1d", "atleast_2d", "atleast_3d"):
        add(name, [Case((_n(),)), Case((_n(3),)), Case((_n(2, 3),))])
    add("concatenate", [Case((_n(2, 3), _n(1, 3)), call=_list_call),
                        Case((_n(2, 3), _n(2, 2)), {"axis": 1}, call=_list_call),
                        Case((_n(2, 2), _n(3)), {"axis": None}, call=_list_call),
                        Case((np.zeros((0, 3)), _n(2, 3)), call=_list_call)])
    add("stack", [Case((_n(2, 3), _n(2, 3)), call=_list_call),
                  Case((_n(3), _n(3)), {"axis": -1}, call=_list_call),
                  Case((_n(), _n()), call=_list_call)])
    add("concat", [Case((_n(2, 3), _n(1, 3)), call=_list_call),
                   Case((_n(2, 3), _n(2, 2)), {"axis": 1}, call=_list_call)])
    add("unstack", [Case((_n(3, 2),)), Case((_n(2, 3),), {"axis": 1})])
    add("astype", [Case((_n(3), np.float64))], "the gradient is cast back",
        float32=False)
    for name in ("hstack", "vstack", "dstack", "column_stack"):
        add(name, [Case((_n(3), _n(3)), call=_list_call),
                   Case((_n(2, 3), _n(2, 3)), call=_list_call)])
    add("append", [Case((_n(2, 3), _n(2))), Case((_n(2, 3), _n(1, 3)), {"axis": 0})])
    for name in ("split", "array_split"):
        add(name, [Case((_n(6), 3)), Case((_n(4, 3), [1, 3]), {"axis": 0})])
    add("array_split", [Case((_n(7), 3)), Case((_n(4, 3), [1, 3]), {"axis": 0})])
    add("hsplit", [Case((_n(2, 4), 2)), Case((_n(4), 2))])
    add("vsplit", [Case((_n(4, 2), 2))])
    add("tile", [Case((_n(3), 2)), Case((_n(2, 3), (2, 1, 2))), Case((_n(), 3))],
        "gradient sums over the copies")
    add("repeat", [Case((_n(3), 2)), Case((_n(2, 3), [1, 0, 2]), {"axis": 1})],
        "gradient sums over the copies")
    add("flip", [Case((_n(3, 4),)), Case((_n(3, 4),), {"axis": 1})])
    add("fliplr", [Case((_n(3, 4),))])
    add("flipud", [Case((_n(3, 4),))])
    add("roll", [Case((_n(5), 2)), Case((_n(3, 4), (1, -1), (0, 1))), Case((_n(3, 4), 5))])
    add("rot90", [Case((_n(2, 3),)), Case((_n(2, 3), 2)), Case((_n(2, 3, 2), 3, (1, 2)))])
    add("pad", [Case((_n(2, 3), ((1, 0), (2, 1)))), Case((_n(3), 2), {"constant_values": 1.5}),
                Case((_n(4), (2, 3)), {"mode": "reflect"}),
                Case((_n(2, 3), 1), {"mode": "edge"}), Case((_n(3), (2, 1)), {"mode": "wrap"}),
                Case((_n(3), (2, 2)), {"mode": "symmetric"})], "other modes are gathers")
    add("diagonal", [Case((_n(3, 4),)), Case((_n(3, 4), 1)), Case((_n(2, 3, 3), 0, 1, 2))])
    add("diag", [Case((_n(3),)), Case((_n(3), 1)), Case((_n(3, 3),)), Case((_n(3, 4), -1))])
    add("trace", [Case((_n(3, 3),)), Case((_n(3, 4), 1))])
    add("tril", [Case((_n(3, 3),)), Case((_n(2, 3, 4), -1))])
    add("triu", [Case((_n(3, 3),)), Case((_n(3, 4), 1))])
    add("take", [Case((_n(3, 4), np.array([0, 5, 5]))), Case((_n(3, 4), [2, 0]), {"axis": 1})],
        "repeated indices accumulate")
    add("take_along_axis", [Case((_n(3, 4), np.array([[0], [3], [1]]), 1)),
                            Case((_n(3, 4), np.array([[2, 0, 1, 1]]), 0))])
    add("select", [Case((_n(5), _n(5)), {"default": 0.5},
                        call=lambda fn, a, b, **kw: fn([a > 0, b > 0], [a, b], **kw))],
        "conditions carry no gradient")
    # Products.
    add("matmul", [Case((_n(2, 3), _n(3, 4))), Case((_n(3), _n(3))), Case((_n(5, 2, 3), _n(3))),
                   Case((_n(0, 3), _n(3, 2)))])
    add("dot", [Case((_n(2, 3), _n(3, 4))), Case((_n(3), _n(3))), Case((_n(), _n(3))),
                Case((_n(2, 3), _n(4, 3, 2)))])
    add("vdot", [Case((_n(2, 3), _n(2, 3)))])
    add("inner", [Case((_n(3), _n(3))), Case((_n(2, 3), _n(4, 3))), Case((_n(), _n(2)))])
    add("outer", [Case((_n(3), _n(4))), Case((_n(2, 2), _n(3)))])
    add("tensordot", [Case((_n(2, 3, 4), _n(3, 4, 5))), Case((_n(2, 3), _n(3, 2), 1)),
                      Case((_n(2, 3, 4), _n(4, 2), ([2, 0], [0, 1])))])
    add("einsum", [Case(("ij,jk->ik", _n(2, 3), _n(3, 4))), Case(("ii", _n(3, 3))),
                   Case(("ii->i", _n(3, 3))), Case(("ij", _n(2, 3))),
                   Case(("...ij,...jk->...ik", _n(2, 2, 3), _n(3, 2))),
                   Case(("i,i,i->", _n(4), _n(4), _n(4))), Case(("ij->", _n(2, 3)))],
        "diagonals (repeated labels) and labels summed inside one operand included")
    add("vecdot", [Case((_n(3, 4), _n(4))), Case((_n(3, 4), _n(3, 4)), {"axis": 0})])
    add("matvec", [Case((_n(2, 3), _n(3))), Case((_n(4, 2, 3), _n(3)))])
    add("vecmat", [Case((_n(3), _n(3, 2))), Case((_n(4, 3), _n(3, 2)))])
    add("kron", [Case((_n(2, 2), _n(2, 3))), Case((_n(3), _n(2)))])
    # (2-vector cross products are left out: NumPy 2.0 deprecated them and 2.5 refuses them.)
    add("cross", [Case((_n(3), _n(3))), Case((_n(4, 3), _n(4, 3)))])
    # Differences, integrals, statistics, interpolation, convolution.
    add("diff", [Case((_n(5),)), Case((_n(3, 4),), {"n": 2, "axis": 0}),
                 Case((_n(3, 4),), {"prepend": np.array(0.5), "append": _n(3, 1)})])
    add("ediff1d", [Case((_n(2, 3),)), Case((_n(4),), {"to_begin": _n(2), "to_end": 1.0})])
    add("trapezoid", [Case((_n(5),)), Case((_n(3, 4),), {"dx": 0.3, "axis": 0}),
                      Case((_n(3, 4), np.sort(_n(4)))),
                      Case((_n(5), np.sort(_n(5))), {"axis": 0})],
        "differentiable in y and in the sample points x")
    add("rollaxis", [Case((_n(2, 3, 4), 2)), Case((_n(2, 3, 4), 0, 3))])
    for name in ("nancumsum", "nancumprod"):
        add(name, [Case((nan_x,), {"axis": 1}), Case((_u(0.5, 1.5, 5),))],
            "NaN elements get gradient 0")
    for name in ("nanvar", "nanstd"):
        add(name, [Case((nan_x,)), Case((nan_x,), {"axis": 1, "ddof": 1}),
                   Case((_n(3, 4),), {"axis": 0, "keepdims": True})],
            "over the non-NaN elements")
    add("quantile", [Case((_n(7), 0.3), diff=(0,)),
                     Case((_n(3, 5), np.array([0.1, 0.9])), {"axis": 1}, diff=(0,)),
                     Case((_n(3, 5), 0.5), {"axis": 0, "keepdims": True}, diff=(0,))],
        "linear interpolation of order statistics; gradient to the two neighbours")
    add("percentile", [Case((_n(7), 30.0), diff=(0,)),
                       Case((_n(3, 5), np.array([10.0, 75.0])), {"axis": 0}, diff=(0,))],
        "q is a constant")
    add("cov", [Case((_n(3, 5),)), Case((_n(5, 2),), {"rowvar": False}),
                Case((_n(6), _n(6))), Case((_n(3, 5),), {"bias": True})])
    add("corrcoef", [Case((_n(3, 5),)), Case((_n(6), _n(6)))],
        "inf/nan gradient for a constant variable")
    add("interp", [Case((np.array([-0.5, 0.3, 1.7, 2.2, 3.5]), np.array([0.0, 1.0, 2.5, 3.0]),
                         _n(4)), diff=(0, 2)),
                   Case((_u(0.1, 2.9, 6), np.array([0.0, 1.0, 2.5, 3.0]), _n(4)),
                        {"left": 0.0, "right": 1.0}, diff=(0, 2))],
        "xp is constant; kinks at the sample points xp")
    add("convolve", [Case((_n(5), _n(3))), Case((_n(3), _n(5)), {"mode": "same"}),
                     Case((_n(6), _n(4)), {"mode": "valid"})], "1-D inputs")
    add("correlate", [Case((_n(5), _n(3))), Case((_n(4), _n(4)), {"mode": "full"}),
                      Case((_n(3), _n(5)), {"mode": "same"})], "1-D inputs")
    # Creation: constant arrays, or differentiable in their Tensor arguments.
    add("array", [Case((_n(), _n()), call=_list_call), Case((_n(3), _n(3)), call=_list_call),
                  Case((_n(2, 3),))], "lists holding Tensors become one Tensor (a stack)")
    add("asarray", [Case((_n(), _n(), _n()), call=_list_call), Case((_n(2, 3),))])
    add("full", [Case(((2, 3), _n()))], "a Tensor fill value receives the summed gradient")
    add("full_like", [Case((np.zeros((2, 3)), _n()))])
    add("linspace", [Case((_n(), _n(), 5)), Case((_n(2), _n(2), 4), {"endpoint": False})],
        "differentiable in start and stop")
    add("meshgrid", [Case((_n(3), _n(2))), Case((_n(3), _n(2)), {"indexing": "ij"})])
    for name, args in (("zeros", ((2, 3),)), ("ones", ((2, 3),)), ("empty", ((2, 3),)),
                       ("eye", (3,)), ("identity", (3,)), ("arange", (5,)),
                       ("zeros_like", (_n(2, 3),)), ("ones_like", (_n(2, 3),)),
                       ("empty_like", (_n(2, 3),))):
        e[name] = Entry(name, CONST, [Case(args)], "constant array")
    # Linear algebra.
    add("linalg.inv", [Case((_spd(3),)), Case((_n(2, 3, 3) + 3 * np.eye(3),))],
        "d inv = -A⁻¹ dA A⁻¹")
    add("linalg.pinv", [Case((_n(3, 3),)), Case((_n(4, 2),)), Case((_n(2, 3),))],
        "valid where the rank is constant")
    add("linalg.det", [Case((_n(3, 3) + 2 * np.eye(3),)), Case((_n(2, 2, 2),))],
        "gradient det·A⁻ᵀ: needs A invertible")
    add("linalg.slogdet", [Case((_n(3, 3) + 2 * np.eye(3),)), Case((_n(2, 2, 2) - 2 * np.eye(2),))],
        "sign carries no gradient")
    add("linalg.solve", [Case((_n(3, 3) + 3 * np.eye(3), _n(3))),
                         Case((_n(3, 3) + 3 * np.eye(3), _n(3, 2))),
                         Case((_n(2, 3, 3) + 3 * np.eye(3), _n(2, 3, 1)))])
    add("linalg.cholesky", [Case((_spd(3),)), Case((_spd(2, 2),))],
        "reads the symmetric part (A + Aᵀ)/2; gradient symmetric")
    add("linalg.eigh", [Case((_sym(3),)), Case((_sym(2, 2),))],
        "reads (A + Aᵀ)/2; at repeated eigenvalues vector gradients are not unique (the "
        "degenerate block is treated as fixed), value gradients stay exact")
    add("linalg.eigvalsh", [Case((_sym(3),))], "reads (A + Aᵀ)/2")
    add("linalg.svd", [Case((_n(3, 3),)), Case((_n(4, 2),), {"full_matrices": False}),
                       Case((_n(2, 3),), {"full_matrices": False}),
                       Case((_n(3, 2),), {"compute_uv": False})],
        "thin SVD; at repeated singular values vector gradients are not unique (treated as "
        "fixed); non-square A needs nonzero singular values")
    add("linalg.svdvals", [Case((_n(3, 2),))], "repeated singular values: see svd")
    add("linalg.qr", [Case((_n(3, 3),)), Case((_n(4, 2),)), Case((_n(2, 3, 2),))],
        "mode 'reduced', rows >= columns; full-rank A")
    add("linalg.norm", [Case((_n(4),)), Case((_n(3, 4),)), Case((_n(4),), {"ord": 1}),
                        Case((_n(4),), {"ord": np.inf}), Case((_n(4),), {"ord": 3}),
                        Case((_n(3, 4),), {"ord": "nuc"}), Case((_n(3, 4),), {"ord": 2}),
                        Case((_n(3, 4),), {"ord": -np.inf}),
                        Case((_n(3, 4),), {"axis": 1, "keepdims": True}),
                        Case((_n(2, 3, 4),), {"axis": (0, 2)})],
        "2-norm at 0 has gradient 0 (subgradient); 1/inf norms have abs/max kinks")
    add("linalg.vector_norm", [Case((_n(3, 4),), {"axis": 0}), Case((_n(4),), {"ord": 0.5})],
        oracle=True)
    add("linalg.matrix_norm", [Case((_n(3, 4),)), Case((_n(2, 3, 3),), {"ord": 1})])
    add("linalg.matrix_power", [Case((_n(3, 3), 3)), Case((_n(3, 3) + 3 * np.eye(3), -2)),
                                Case((_n(2, 2), 0))], "repeated squaring")
    add("linalg.multi_dot", [Case((_n(2, 3), _n(3, 4), _n(4)), call=_list_call)])
    add("linalg.matrix_transpose", [Case((_n(2, 3, 4),))])
    add("linalg.lstsq", [Case((_n(4, 2), _n(4))), Case((_n(5, 3), _n(5, 2))),
                         Case((_n(2, 3), _n(2)))], "x = pinv(a) b; rank is an integer")
    add("linalg.cond", [Case((_n(3, 3) + 2 * np.eye(3),)),
                        Case((_n(3, 3) + 2 * np.eye(3),), {"p": "fro"}),
                        Case((_n(3, 3) + 2 * np.eye(3),), {"p": -2})],
        "needs distinct extreme singular values")
    e["linalg.matrix_rank"] = Entry("linalg.matrix_rank", NODIFF, [Case((_n(3, 3),))],
                                    "an integer, no gradient")
    add("linalg.trace", [Case((_n(2, 3, 3),)), Case((_n(3, 4),), {"offset": 1})])
    add("linalg.diagonal", [Case((_n(2, 3, 3),)), Case((_n(3, 4),), {"offset": -1})])
    add("linalg.outer", [Case((_n(3), _n(2)))])
    add("linalg.vecdot", [Case((_n(3, 4), _n(4))), Case((_n(3, 4), _n(3, 4)), {"axis": 0})])
    add("linalg.matmul", [Case((_n(2, 3), _n(3, 2)))])
    add("linalg.tensordot", [Case((_n(2, 3), _n(3, 2)), {"axes": 1})])
    add("linalg.cross", [Case((_n(4, 3), _n(3)))])
    # FFT.
    for name in ("fft.fft", "fft.ifft"):
        add(name, [Case((_n(5),)), Case((_n(3, 4),), {"n": 6, "axis": 0}),
                   Case((_n(4),), {"norm": "ortho"}), Case((_n(6),), {"n": 4, "norm": "forward"})],
            "complex output; gradients in PyTorch's convention (docs/complex.md)")
    add("fft.rfft", [Case((_n(5),)), Case((_n(6),), {"n": 8}), Case((_n(3, 4),), {"axis": 0}),
                     Case((_n(4),), {"norm": "ortho"})])
    add("fft.irfft", [Case((_n(3),)), Case((_n(4),), {"n": 7}),
                      Case((_n(4, 3),), {"axis": 0, "norm": "forward"})],
        "imaginary parts of the DC (and Nyquist) terms are ignored, gradient 0 there")
    for name in ("fft.fft2", "fft.ifft2", "fft.fftn", "fft.ifftn", "fft.rfft2", "fft.rfftn"):
        add(name, [Case((_n(3, 4),)), Case((_n(2, 3, 4),), {"axes": (0, 2)})])
    for name in ("fft.irfft2", "fft.irfftn"):
        add(name, [Case((_n(3, 3),)), Case((_n(2, 4, 3),), {"s": (4, 4), "axes": (0, 1)})])
    add("fft.hfft", [Case((_n(4),)), Case((_n(4),), {"n": 7, "norm": "ortho"})],
        "imaginary parts of the DC (and Nyquist) terms are ignored")
    add("fft.ihfft", [Case((_n(6),)), Case((_n(5),), {"norm": "forward"})])
    for name in ("fft.fftshift", "fft.ifftshift"):
        add(name, [Case((_n(5),)), Case((_n(3, 4),), {"axes": 1})])
    for name in ("fft.fftfreq", "fft.rfftfreq"):
        e[name] = Entry(name, CONST, [Case((8, 0.5))], "constant array")
    # Added after the rest, so that the samples drawn before stay the same.
    add("special.logit", _unary(0.05, 0.95), "log(p) - log1p(-p); domain 0 < p < 1",
        oracle=False)
    add("special.erf", _unary(), oracle=False)
    # Issue 15's NumPy pieces (complex-valued behaviour is tested in tests/test_complex.py).
    gapped = _n(3, 3) * 0.3 + np.diag([1.0, 2.0, 4.0])
    add("linalg.eig", [Case((gapped,)), Case((_n(2, 2, 2) * 0.3 + np.diag([1.0, 3.0]),))],
        "complex results always; distinct eigenvalues; vectors up to phase (unit norm)")
    add("linalg.eigvals", [Case((_n(3, 3) * 0.3 + np.diag([1.0, 2.0, 4.0]),))],
        "complex results always")
    add("gradient", [Case((_n(5),)), Case((_n(4, 3),), {"axis": 0}),
                     Case((_n(5), 0.5), {"edge_order": 2}, diff=(0,)),
                     Case((_n(4), np.array([0.0, 1.0, 3.0, 4.5])), diff=(0,)),
                     Case((_n(3, 4),), {"axis": 1, "edge_order": 2})],
        "linear in f; spacing not differentiated")
    add("partition", [Case((_n(6), 2)), Case((_n(3, 4), 1), {"axis": 0})],
        "gradient follows the permutation, as sort")
    e["argpartition"] = Entry("argpartition", NODIFF, [Case((_n(6), 2))],
                              "indices, no gradient")
    add("dsplit", [Case((_n(2, 2, 4), 2)), Case((_n(1, 2, 3), [1]))])
    e["floor_divide"] = Entry("floor_divide", NODIFF, _binary(0.5, 3.0),
                              "a step function, no gradient")
    add("divmod", [Case((_u(0.5, 3.0, 3), _u(0.5, 2.0, 3)))],
        "the quotient has no gradient, the remainder mod's")
    for name in ("iscomplex", "isreal"):
        e[name] = Entry(name, NODIFF, [Case((_n(3),))], "boolean result, no gradient")
    for name in ("iscomplexobj", "isrealobj"):
        e[name] = Entry(name, CONST, [Case((_n(3),))], "a property of the dtype")
    add("real_if_close", [Case((_n(3),))], "real input unchanged; complex: see real")
    return e


ENTRIES: dict = _entries()


def namespace_functions() -> list:
    """Qualified names of every public function of chainrule.numpy, .linalg and .fft, and of
    chainrule.special."""
    names = []
    for prefix, module in (("", cnp), ("linalg.", cnp.linalg), ("fft.", cnp.fft),
                           ("special.", special)):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not isinstance(obj, type):   # not dtypes, errors, modules
                names.append(prefix + name)
    return sorted(names)


# ----------------------------------------------------------------------------------------
# Checking and the generated table.


def realify(out: Any) -> Any:
    """A real array from any output: tuples concatenated, complex split into (re, im)."""
    if isinstance(out, (tuple, list)):
        # Integer parts (lstsq's rank) carry no gradient and would promote float32.
        parts = [o for o in out if dtype_of(o).kind in "fc"]
        return cnp.concatenate([cnp.ravel(realify(o)) for o in parts])
    if dtype_of(out).kind == "c":
        return cnp.concatenate([cnp.ravel(cnp.real(out)), cnp.ravel(cnp.imag(out))])
    return out


def gradient_function(entry: Entry, case: Case) -> tuple:
    """``(f, xs)``: f of the differentiated arguments with the others fixed, and their values."""
    pos = case.positions()
    fn = entry.function

    def f(*xs: Any) -> Any:
        args = list(case.args)
        for i, x in zip(pos, xs):
            args[i] = x
        return realify(case.run(fn, tuple(args)))

    return f, [case.args[i] for i in pos]


def verify(entry: Entry) -> dict:
    """Run every case of a differentiable entry: which of reverse / forward / second order
    pass. Returns {"rev": bool, "fwd": bool, "order2": bool}."""
    result = {"rev": True, "fwd": True, "order2": True}
    for case in entry.cases:
        f, xs = gradient_function(entry, case)
        if not xs:
            continue
        for key, modes, order in (("rev", ("rev",), 1), ("fwd", ("fwd",), 1),
                                  ("order2", ("rev", "fwd"), 2)):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    check_grads(f, *xs, modes=modes, order=order)
            except (GradcheckError, ArithmeticError, ValueError, TypeError):
                result[key] = False
    return result


def markdown() -> str:
    """The coverage table (runs the gradient checks: a few seconds)."""
    lines = [
        "# chainrule.numpy and chainrule.special coverage",
        "",
        "Generated by `python -m chainrule.coverage` (do not edit by hand). Every row was "
        "checked against central differences on the sample inputs listed in "
        "`chainrule/coverage.py` (0-d values, broadcast pairs, empty arrays where NumPy allows "
        "them): **rev** reverse mode, **fwd** forward mode, **2nd** second derivatives "
        "(forward-over-reverse and reverse-over-forward). ✓ passed, ✗ failed, — no gradient "
        "by design.",
        "",
        "Conventions: gradients of complex inputs are PyTorch's, ∂L/∂x + i·∂L/∂y; inside, the "
        "rules are plain transposes, with cotangents c such that dL = Re(Σ c·dz) "
        "(docs/complex.md). Linear algebra rules are the standard "
        "identities; eigh/svd vector gradients need distinct eigen/singular values (at a "
        "degenerate spectrum the vectors are not unique: the degenerate block is treated as "
        "fixed, while gradients of the values alone stay exact); cholesky/eigh read the "
        "symmetric (Hermitian) part (A + Aᴴ)/2.",
        "",
        "| function | rev | fwd | 2nd | samples | notes |",
        "|---|---|---|---|---|---|",
    ]
    for name in sorted(ENTRIES):
        entry = ENTRIES[name]
        if entry.kind == DIFF:
            r = verify(entry)
            marks = ["✓" if r[k] else "✗" for k in ("rev", "fwd", "order2")]
        else:
            marks = ["—"] * 3
        note = entry.note or ("constant result" if entry.kind == CONST else "")
        note = note.replace("|", "\\|")   # a bar would end the table cell
        lines.append(f"| `{name}` | {' | '.join(marks)} | {len(entry.cases)} | {note} |")
    lines.append("")
    return "\n".join(lines)


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chainrule.coverage",
                                     description="Check and write the coverage table.")
    parser.add_argument("--output", default="docs/coverage.md",
                        help="where to write the table ('-' for standard output)")
    args = parser.parse_args(argv)
    text = markdown()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        path = pathlib.Path(args.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(ENTRIES)} functions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
