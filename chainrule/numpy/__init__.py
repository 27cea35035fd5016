"""``chainrule.numpy``: NumPy's names, differentiable. ``import chainrule.numpy as cnp``.

Every name is an explicit definition that goes through the primitive table; composites are
built from rows of the table and need no derivative rule of their own. Functions take arrays,
numbers, lists or Tensors; given Tensors (or inside ``grad``/``jvp``) they return Tensors that
carry the gradient, given plain arrays they return plain NumPy results.

>>> import chainrule as cr
>>> import chainrule.numpy as cnp
>>> cr.grad(lambda x: cnp.sum(cnp.sin(x) ** 2))(cnp.array([0.0, 1.0]))
array([0.        , 0.90929743])

Unchanged NumPy code works too: ``np.sin(t)``, ``np.sum(t, axis=0)``, ``np.einsum(s, t, u)``
on Tensors come here through ``Tensor.__array_ufunc__``/``__array_function__`` and
:data:`HANDLED_FUNCTIONS`.

The folder, each file importing only the ones before it: ``_constants`` (NumPy's constants and
dtypes), ``_helpers`` (inputs, shapes, axes), ``_math`` (elementwise), ``_shape``, ``_index``,
``_reduce``, ``_products``, ``_create``, ``_stats``, ``_special`` (behind
:mod:`chainrule.special`), then the submodules ``linalg`` and ``fft``. This file only gathers
their public names; nothing else is defined here but :data:`HANDLED_FUNCTIONS` and the
deprecated names.
"""

# The files of the folder, in their order; _special is behind chainrule.special.
from . import (_constants, _helpers, _math, _shape, _index, _reduce, _products, _create, _stats,
               _special)
from ._constants import (bool_, complex128, complex64, dtype, e, euler_gamma, finfo, float16,
                         float32, float64, iinfo, inf, int16, int32, int64, int8, nan, ndarray,
                         newaxis, pi, uint8)
from ._math import (abs, absolute, acos, acosh, add, angle, arccos, arccosh, arcsin, arcsinh,
                    arctan, arctan2, arctanh, around, asin, asinh, atan, atan2, atanh, cbrt, ceil,
                    clip, conj, conjugate, copysign, cos, cosh, deg2rad, degrees, divide, equal,
                    exp, exp2, expm1, fabs, fix, float_power, floor, fmax, fmin, fmod, greater,
                    greater_equal, heaviside, hypot, imag, isfinite, isinf, isnan, less, less_equal,
                    log, log10, log1p, log2, logaddexp, logaddexp2, logical_and, logical_not,
                    logical_or, logical_xor, maximum, minimum, mod, multiply, nan_to_num, negative,
                    nonzero, not_equal, positive, pow, power, rad2deg, radians, real, reciprocal,
                    remainder, rint, round, sign, signbit, sin, sinc, sinh, sqrt, square, subtract,
                    tan, tanh, true_divide, trunc, where)
from ._math import (divmod, floor_divide, iscomplex, iscomplexobj, isreal, isrealobj,
                    real_if_close)
from ._shape import (append, array_split, astype, atleast_1d, atleast_2d, atleast_3d,
                     broadcast_arrays, broadcast_to, column_stack, concat, concatenate, copy,
                     dstack, expand_dims, flip, fliplr, flipud, hsplit, hstack, matrix_transpose,
                     moveaxis, ndim, pad, permute_dims, ravel, repeat, reshape, roll, rollaxis,
                     rot90, shape, size, split, squeeze, stack, swapaxes, tile, transpose, unstack,
                     vsplit, vstack)
from ._shape import dsplit
from ._index import (argwhere, diag, diagonal, flatnonzero, searchsorted, select, take,
                     take_along_axis, trace, tril, triu)
from ._index import c_, r_
from ._reduce import (all, allclose, amax, amin, any, argmax, argmin, argsort, array_equal, average,
                      count_nonzero, cumprod, cumsum, cumulative_prod, cumulative_sum, isclose, max,
                      mean, median, min, nancumprod, nancumsum, nanmax, nanmean, nanmin, nanprod,
                      nanstd, nansum, nanvar, prod, ptp, sort, std, sum, var)
from ._reduce import argpartition, partition
from ._products import (cross, dot, einsum, inner, kron, matmul, matvec, outer, tensordot, vdot,
                        vecdot, vecmat)
from ._create import (arange, array, asarray, empty, empty_like, eye, full, full_like, identity,
                      linspace, meshgrid, ones, ones_like, zeros, zeros_like)
from ._stats import (convolve, corrcoef, correlate, cov, diff, ediff1d, interp, percentile,
                     quantile, trapezoid)
from ._stats import gradient
from . import fft, linalg

__all__ = [
    # _constants
    "pi", "e", "euler_gamma", "inf", "nan", "newaxis", "float16", "float32", "float64", "complex64",
    "complex128", "int8", "int16", "int32", "int64", "uint8", "bool_", "ndarray", "dtype", "finfo",
    "iinfo",
    # _math
    "add", "subtract", "multiply", "divide", "true_divide", "negative", "power", "pow", "square",
    "reciprocal", "positive", "float_power", "mod", "remainder", "fmod", "exp", "exp2", "expm1",
    "log", "log2", "log10", "log1p", "sqrt", "cbrt", "logaddexp", "logaddexp2", "sin", "cos", "tan",
    "arcsin", "asin", "arccos", "acos", "arctan", "atan", "arctan2", "atan2", "sinh", "cosh",
    "tanh", "arcsinh", "asinh", "arccosh", "acosh", "arctanh", "atanh", "hypot", "sinc", "deg2rad",
    "rad2deg", "radians", "degrees", "abs", "absolute", "fabs", "sign", "copysign", "signbit",
    "floor", "ceil", "trunc", "fix", "rint", "round", "around", "heaviside", "maximum", "minimum",
    "fmax", "fmin", "isnan", "isinf", "isfinite", "equal", "not_equal", "greater", "greater_equal",
    "less", "less_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "clip",
    "nan_to_num", "where", "nonzero", "real", "imag", "conj", "conjugate", "angle",
    "floor_divide", "divmod", "iscomplex", "isreal", "iscomplexobj", "isrealobj", "real_if_close",
    # _shape
    "shape", "ndim", "size", "reshape", "ravel", "copy", "transpose", "permute_dims",
    "matrix_transpose", "swapaxes", "moveaxis", "squeeze", "expand_dims", "broadcast_to",
    "broadcast_arrays", "atleast_1d", "atleast_2d", "atleast_3d", "concatenate", "concat", "stack",
    "unstack", "astype", "hstack", "vstack", "dstack", "column_stack", "append", "array_split",
    "split", "hsplit", "vsplit", "tile", "repeat", "flip", "fliplr", "flipud", "roll", "rot90",
    "pad", "rollaxis", "dsplit",
    # _index
    "searchsorted", "argwhere", "flatnonzero", "diagonal", "diag", "trace", "tril", "triu", "take",
    "take_along_axis", "select", "r_", "c_",
    # _reduce
    "sum", "mean", "prod", "max", "min", "amax", "amin", "ptp", "var", "std", "average", "median",
    "nansum", "nanmean", "nanmax", "nanmin", "nanprod", "cumsum", "cumulative_sum",
    "cumulative_prod", "cumprod", "argmax", "argmin", "argsort", "sort", "all", "any",
    "count_nonzero", "isclose", "allclose", "array_equal", "nancumsum", "nancumprod", "nanvar",
    "nanstd", "partition", "argpartition",
    # _products
    "matmul", "dot", "vecdot", "matvec", "vecmat", "vdot", "inner", "outer", "tensordot", "einsum",
    "kron", "cross",
    # _create
    "array", "asarray", "zeros", "ones", "empty", "eye", "identity", "arange", "zeros_like",
    "ones_like", "empty_like", "full", "full_like", "linspace", "meshgrid",
    # _stats
    "diff", "ediff1d", "trapezoid", "quantile", "percentile", "cov", "corrcoef", "interp",
    "convolve", "correlate", "gradient",
    # submodules
    "fft", "linalg",
]


def _handled() -> dict:
    # NumPy's own functions applied to Tensors come here (Tensor.__array_function__ and, for
    # ufuncs without a row of their own, Tensor.__array_ufunc__): every public function of this
    # namespace is paired with NumPy's function of the same name (a test checks each pairing).
    import numpy  # noqa: PLC0415  (kept out of this namespace)
    table: dict = {}
    for name in __all__:
        fn = globals()[name]
        if not callable(fn) or isinstance(fn, type):
            continue   # constants, dtypes and the submodules
        np_fn = getattr(numpy, name, None)
        if np_fn is not None and callable(np_fn) and not isinstance(np_fn, type):
            table[np_fn] = fn
    for sub, np_sub in ((linalg, numpy.linalg), (fft, numpy.fft)):
        for name in sub.__all__:
            np_fn = getattr(np_sub, name, None)
            if np_fn is not None:
                table[np_fn] = getattr(sub, name)
    return table


HANDLED_FUNCTIONS: dict = _handled()


def __getattr__(name: str) -> object:
    # The activations that used to live here (they are not NumPy's names) keep working for
    # one release, with a warning; chainrule.special holds them now.
    if name in ("relu", "sigmoid", "expit", "softplus", "softmax", "log_softmax", "logsumexp"):
        import warnings  # noqa: PLC0415  (kept out of this namespace)
        from . import _special  # noqa: PLC0415  (imported above, then deleted from here)
        warnings.warn(f"chainrule.numpy.{name} is deprecated and will be removed in the next "
                      f"release (NumPy has no function of that name); use "
                      f"chainrule.special.{name} instead", DeprecationWarning, stacklevel=2)
        return getattr(_special, name)
    raise AttributeError(f"module 'chainrule.numpy' has no attribute {name!r}")


# The files of the folder are reached through the names above; dir(chainrule.numpy) shows
# NumPy's names only.
del _handled, _constants, _helpers, _math, _shape, _index, _reduce, _products, _create
del _stats, _special
