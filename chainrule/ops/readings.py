"""What the tracers' methods share beneath them: the composites they call (``mean``, ``relu``,
``sigmoid``, the complex modulus), the hand-off to the NumPy namespace, and the helpers that
take NumPy's reading of a name or PyTorch's (``x.max(0)``, ``x.std()``, ``x.size()``;
docs/pytorch.md).
"""

from __future__ import annotations

import collections
import functools
import math
from typing import Any

import numpy as np

from ..core import Tracer, bind, numpy_reads, dtype_of, normalize_axes, shape_of, value_of
from .. import ops as P   # the package, mid-import: every row is bound before this file loads

__all__ = ["numpy_namespace", "mean", "relu", "sigmoid", "complex_modulus"]


def _abs(x: Any) -> Any:
    """|x|; for complex x the modulus through ``hypot(real, imag)``, as ``chainrule.abs``
    does, so ``z.abs()``, ``abs(z)`` and ``cr.abs(z)`` give one gradient (see
    docs/complex.md). The ``abs`` row's partial ``sign(x)`` is a real rule:
    on complex z it would give the conjugate gradient and a complex tangent."""
    if dtype_of(x).kind == "c":
        return complex_modulus(x)
    return P.abs(x)


def complex_modulus(z: Any) -> Any:
    """|z| of complex z as hypot(real, imag). At z = 0 the gradient is 0 (the subgradient of
    least norm, as for real abs and PyTorch's complex abs), not hypot's 0/0 = nan: zeros are
    replaced by 1 inside and their result by 0, only where there are zeros."""
    re, im = P.real(z), P.imag(z)
    zero = np.asarray(value_of(z)) == 0
    if not zero.any():
        return P.hypot(re, im)
    return P.where(zero, 0.0, P.hypot(P.where(zero, 1.0, re), im))


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Arithmetic mean: a composite, ``sum / count``."""
    shape = shape_of(x)
    axes = normalize_axes(axis, len(shape))
    count = 1
    for a in axes:
        count *= shape[a]
    total = P.sum(x, axis=axis, keepdims=keepdims)
    # The mean of nothing is nan, as in NumPy (the table's div gives it, with NumPy's warning).
    return P.div(total, count)


# relu and sigmoid are defined here, the lowest layer that needs them (as the methods
# x.relu() and x.sigmoid()); chainrule.special and chainrule.relu are these same functions.
def relu(x: Any) -> Any:
    """max(x, 0), with relu'(0) = 0: the gradient flows only where x > 0, as in PyTorch.

    >>> import chainrule as cr
    >>> cr.grad(lambda x: cr.special.relu(x).sum())(cr.numpy.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    return P.where(P.greater(x, 0), x, 0.0)


def sigmoid(x: Any) -> Any:
    """The logistic function 1/(1 + e^-x) (``scipy.special.expit``), computed from
    e = exp(-|x|) as 1/(1 + e) for x ≥ 0 and e/(1 + e) below: no overflow for large |x|, and
    full relative precision in the tails (sigmoid(-40) is 4.2e-18, not 0). The |x| is taken
    as ``where(x >= 0, -x, x)`` so the derivative at 0 is 1/4, not abs's 0.

    >>> import chainrule as cr
    >>> float(cr.special.sigmoid(0.0)), float(cr.grad(cr.special.sigmoid)(0.0))
    (0.5, 0.25)
    """
    if type(x) is float:   # a plain number stays one
        e = math.exp(-x if x >= 0 else x) if x == x else x
        return 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
    nonneg = P.greater_equal(x, 0)
    e = P.exp(P.where(nonneg, P.neg(x), x))
    return P.where(nonneg, 1.0, e) / (1.0 + e)


@functools.lru_cache(maxsize=1)
def _ufunc_table() -> dict:
    return {p.ufunc: p for p in P.TABLE.values() if p.ufunc is not None}


def numpy_namespace() -> Any:
    """``chainrule.numpy``, a higher layer, imported on first use: NumPy hands calls on tracers
    (``np.sin(x)``, ``x.var()``) to its functions, and importing chainrule stays light."""
    from .. import numpy as cnp  # noqa: PLC0415  (the allowed lazy upward import)
    return cnp


def _function_table() -> dict:
    return numpy_namespace().HANDLED_FUNCTIONS


class _Size(int):
    """NumPy's ``a.size`` (the number of elements) that PyTorch code can also call:
    ``t.size()`` is the shape, ``t.size(dim)`` one dimension's length.

    >>> import chainrule as cr
    >>> t = cr.zeros(2, 3)
    >>> t.size, t.size(), t.size(-1)
    (6, (2, 3), 3)
    """

    def __new__(cls, shape: tuple) -> "_Size":
        n = 1
        for s in shape:
            n *= s
        obj = super().__new__(cls, n)
        obj._shape = shape
        return obj

    def __call__(self, dim: Any = None) -> Any:
        if dim is None:
            return self._shape
        nd = len(self._shape)
        if not _is_int(dim) or not -nd <= dim < nd:
            raise IndexError(f"size({dim!r}): a tensor of shape {self._shape} has dimensions "
                             f"{-nd}..{nd - 1}" if nd else
                             f"size({dim!r}): a 0-d tensor has no dimensions; call size()")
        return self._shape[dim]

    def __reduce__(self):
        return (int, (int(self),))   # a copy or a pickle is the plain number


_max_result = collections.namedtuple("max", ["values", "indices"])
_min_result = collections.namedtuple("min", ["values", "indices"])


def _cnp() -> Any:
    return numpy_namespace()


def _axis(axis: Any, nd: int) -> int:
    """One axis, normalised (the NumPy namespace's helper: its error messages)."""
    from ..numpy import _helpers  # noqa: PLC0415  (the same lazy upward hand-off as numpy)
    return _helpers._axis(axis, nd)


def _special() -> Any:
    """chainrule.special's definitions (they live in the NumPy namespace's folder)."""
    from ..numpy import _special  # noqa: PLC0415  (the same lazy upward hand-off as numpy)
    return _special


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _sizes(args: tuple) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean the sizes (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    return tuple(int(a) for a in args)


def _both(fname: str, numpy_name: str, torch_name: str) -> str:
    return (f"{fname}() got both {numpy_name}= and {torch_name}=: they are NumPy's and "
            f"PyTorch's names for one argument; pass one of them")


def _one(fname: str, numpy_name: str, a: Any, torch_name: str, b: Any, default: Any) -> Any:
    """One argument under its NumPy name (``a``) or its PyTorch name (``b``)."""
    if b is None:
        return default if a is None else a
    if a is not None:
        raise TypeError(_both(fname, numpy_name, torch_name))
    return b


def _keep(fname: str, keepdims: Any, keepdim: Any) -> bool:
    k = _one(fname, "keepdims", keepdims, "keepdim", keepdim, False)
    if not isinstance(k, (bool, np.bool_, int)):
        raise TypeError(f"{fname}(): keepdim must be True or False, got {k!r} (NumPy's second "
                        "positional argument is a dtype: pass dtype= by keyword)")
    return bool(k)


def _needed(fname: str, axis: Any, dim: Any) -> Any:
    d = _one(fname, "axis", axis, "dim", dim, None)
    if d is None:
        raise TypeError(f"{fname}() needs the dimension to normalise over, as in PyTorch: "
                        f"pass dim=, e.g. x.{fname}(dim=-1)")
    return d


def _extreme(x: Any, name: str, args: tuple, axis: Any, keepdims: Any, dim: Any,
             keepdim: Any) -> Any:
    """max/min in both readings (see ArrayOps.max)."""
    if len(args) > 2:
        raise TypeError(f"{name}() takes at most dim and keepdim positionally, got {len(args)} "
                        "arguments")
    if args and isinstance(args[0], (Tracer, np.ndarray)):
        if len(args) > 1 or any(v is not None for v in (axis, keepdims, dim, keepdim)):
            raise TypeError(f"{name}(other) is the elementwise {name}imum and takes nothing else")
        return bind(P.maximum if name == "max" else P.minimum, x, args[0])
    reduce = P.amax if name == "max" else P.amin
    if args and numpy_reads(x):   # NumPy code: ndarray.max(axis, out, keepdims)
        if len(args) > 1 or dim is not None or keepdim is not None:
            raise TypeError(f"ndarray.{name}() under a transform takes axis positionally and "
                            "keepdims= (out= is not supported: it would drop the derivative)")
        return bind(reduce, x, axis=args[0], keepdims=bool(keepdims))
    if args:
        if dim is not None or (len(args) > 1 and keepdim is not None):
            raise TypeError(f"{name}() got dim both positionally and as dim=; pass it once")
        dim = args[0]
        if len(args) > 1:
            keepdim = args[1]
    if dim is None:   # NumPy's reading (axis=, or nothing): the values, ties sharing the gradient
        return bind(reduce, x, axis=axis, keepdims=_keep(name, keepdims, keepdim))
    if axis is not None:
        raise TypeError(_both(name, "axis", "dim"))
    if not _is_int(dim):
        raise TypeError(f"{name}(dim={dim!r}) takes one dimension, as it also returns the "
                        f"indices; for several use a{name}(dim=...)")
    keep = _keep(name, keepdims, keepdim)
    cnp = _cnp()
    # PyTorch's reading: (values, indices). The values are gathered at the indices, so the
    # gradient goes to the element the index names, as PyTorch's max(dim) sends it (not
    # shared among ties, as amax does).
    idx = (cnp.argmax if name == "max" else cnp.argmin)(x, axis=dim, keepdims=True)
    values = cnp.take_along_axis(x, idx, axis=dim)
    if not keep:
        values, idx = cnp.squeeze(values, dim), cnp.squeeze(idx, dim)
    return (_max_result if name == "max" else _min_result)(values, idx)


def _spread(x: Any, name: str, args: tuple, axis: Any, ddof: Any, keepdims: Any, dim: Any,
            unbiased: Any, correction: Any, keepdim: Any) -> Any:
    """var/std in both readings (see ArrayOps.var)."""
    if numpy_reads(x) and dim is None and unbiased is None and correction is None and \
            keepdim is None:   # NumPy code: ndarray.var(axis, dtype, out, ddof, keepdims)
        if len(args) > 1:
            raise TypeError(f"ndarray.{name}() under a transform takes axis positionally; pass "
                            "ddof= and keepdims= by keyword (dtype and out are not supported)")
        return getattr(_cnp(), name)(x, axis=args[0] if args else axis,
                                     ddof=0 if ddof is None else ddof, keepdims=bool(keepdims))
    if len(args) > 3:
        raise TypeError(f"{name}() takes at most dim, unbiased and keepdim positionally")
    if args:
        if dim is not None:
            raise TypeError(f"{name}() got dim both positionally and as dim=; pass it once")
        dim = args[0]
        if len(args) > 1:
            if unbiased is not None:
                raise TypeError(f"{name}() got unbiased twice; pass it once")
            unbiased = args[1]
        if len(args) > 2:
            keepdim = args[2]
    given = [v for v in (ddof, correction, None if unbiased is None else int(bool(unbiased)))
             if v is not None]
    if len(given) > 1:
        raise TypeError(f"{name}() got more than one of ddof=, correction= and unbiased=: they "
                        "all say what to subtract from N; pass one")
    numpy_spelling = (axis is not None or keepdims is not None) and not args and \
        dim is None and keepdim is None
    ddof = given[0] if given else (0 if numpy_spelling else 1)
    return getattr(_cnp(), name)(x, axis=_one(name, "axis", axis, "dim", dim, None),
                                 ddof=ddof, keepdims=_keep(name, keepdims, keepdim))


def _cast(x: Any, dtype: Any) -> Any:
    """``x`` converted to ``dtype``. To integers and booleans it carries no gradient, as in
    PyTorch: the derivative of rounding is 0 where it exists, never the identity (the table's
    cast row passes the cotangent straight through), so the value goes through trunc or a
    comparison, which have none."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b" and dtype_of(x).kind != "b":
        return P.not_equal(x, 0)
    if dtype.kind in "iu" and dtype_of(x).kind in "fc":
        x = _cnp().trunc(_cnp().real(x) if dtype_of(x).kind == "c" else x)
    return P.cast(x, dtype=dtype)


def _pieces(x: Any, sizes: list, dim: int) -> tuple:
    nd = len(shape_of(x))
    ax = _axis(dim, nd)
    out, start = [], 0
    for n in sizes:
        out.append(P.getitem(x, idx=(slice(None),) * ax + (slice(start, start + n),)))
        start += n
    return tuple(out)
