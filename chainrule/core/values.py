"""Helpers that look at values (shape, dtype, the plain value under tracers) without recording
anything."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .primitive import Tracer

__all__ = ["shape_of", "ndim_of", "value_of", "dtype_of", "zeros_like_value", "normalize_axes",
           "keepdims_shape", "array_namespace", "is_foreign", "library_name", "np_dtype",
           "xp_dtype", "call_in_namespace", "eager_error", "ones_like_value"]

# ----------------------------------------------------------------------------------------
# Array namespaces. NumPy arrays, NumPy scalars and Python numbers are "plain": their
# forward implementations call NumPy (or `math`) exactly as they always did, after a type
# check and nothing else. Any other array (Dask, CuPy, array-api-strict, ...) is "foreign":
# its operations go through its own namespace, found by array-api-compat (imported on first
# need, so the core still depends on NumPy alone), and never through a silent conversion.

_PLAIN_TYPES = (np.ndarray, np.generic, float, int, complex, bool, list, tuple)
_compat: Any = None


def is_foreign(x: Any) -> bool:
    """Whether ``x`` is an array of a library other than NumPy (tracers and plain values are
    not).

    >>> is_foreign(np.ones(2)), is_foreign(2.0)
    (False, False)
    """
    t = type(x)
    if t is np.ndarray or t is float or x is None or isinstance(x, _PLAIN_TYPES) or \
            isinstance(x, Tracer):
        return False
    return hasattr(x, "__array_namespace__") or _compat_knows(x)


def _compat_knows(x: Any) -> bool:
    # Dask and older CuPy arrays have no __array_namespace__; array-api-compat knows them.
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        return False
    compat = _load_compat(required=False)
    if compat is None:
        # Without array-api-compat the known array libraries are still recognised, so that
        # their arrays meet the ImportError below rather than a silent conversion to NumPy.
        return library_name(x) in _KNOWN_LIBRARIES
    return compat.is_array_api_obj(x)


_KNOWN_LIBRARIES = frozenset({"dask", "cupy", "torch", "jax", "jaxlib", "sparse", "ndonnx",
                              "array_api_strict"})


def _load_compat(required: bool = True) -> Any:
    global _compat
    if _compat is None:
        try:
            import array_api_compat
        except ImportError:
            if required:
                raise ImportError(
                    "chainrule needs the array-api-compat package to work on arrays that are "
                    "not NumPy's (Dask, CuPy, ...); install it with "
                    "`pip install chainrule[array-api]`") from None
            return None
        _compat = array_api_compat
    return _compat


def library_name(x: Any) -> str:
    """The library an array comes from, for messages: ``numpy``, ``dask``, ``cupy``, ...

    >>> library_name(np.ones(2))
    'numpy'
    """
    return type(x).__module__.split(".")[0]


def array_namespace(*args: Any) -> Any:
    """The array namespace of ``args``: ``numpy`` when every argument is plain (NumPy arrays
    and scalars, Python numbers: checked by type, nothing looked up), else the namespace
    array-api-compat gives for the foreign arrays. Mixing NumPy arrays with another library's,
    or two other libraries, is a ``TypeError`` (never a silent conversion).

    >>> array_namespace(np.ones(2), 3.0) is np
    True
    """
    foreign = [a for a in args if is_foreign(a)]
    if not foreign:
        return np
    return _foreign_namespace(foreign, args, "this operation")


def _foreign_namespace(foreign: list, args: Sequence, op: str) -> Any:
    libs = sorted({library_name(a) for a in foreign} |
                  {"numpy" for a in args if isinstance(a, np.ndarray) and a.ndim})
    if len(libs) > 1:
        raise TypeError(
            f"{op}: got arrays of {' and '.join(libs)} in one operation; chainrule does not "
            f"convert between array libraries. Convert them to one library first (e.g. "
            f"dask.array.from_array(a) or xp.asarray(a) for the NumPy ones).")
    first = foreign[0]
    ns = getattr(first, "__array_namespace__", None)
    compat = _load_compat(required=ns is None)
    if compat is not None:
        return compat.array_namespace(*foreign)
    return ns()


# NumPy's names of the table's functions where the Array API standard spells them otherwise.
_API_NAMES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
              "arccosh": "acosh", "arctanh": "atanh", "arctan2": "atan2", "power": "pow",
              "absolute": "abs", "amax": "max", "amin": "min", "concatenate": "concat",
              "transpose": "permute_dims", "left_shift": "bitwise_left_shift"}


def call_in_namespace(op: str, np_fn: Any, args: tuple, params: dict,
                      api_name: Optional[str] = None) -> Any:
    """``np_fn(*args, **params)`` for plain arguments; for foreign arrays the function of the
    same meaning in their own namespace (the Array API's name, ``api_name`` if given). A
    namespace without it is a ``TypeError`` naming the operation and the library."""
    foreign = [a for a in args if is_foreign(a)]
    if not foreign:
        return np_fn(*args, **params)
    xp = _foreign_namespace(foreign, args, op)
    name = api_name or _API_NAMES.get(np_fn.__name__, np_fn.__name__)
    fn = getattr(xp, name, None)
    if fn is None:
        raise missing_error(op, foreign[0], name)
    like = foreign[0]
    if library_name(like) not in _TAKE_SCALARS:
        # The standard's functions take arrays; Python numbers become arrays of the foreign
        # array's dtype (a float with float32 stays float32, NumPy's NEP 50 rule) on its
        # device.
        args = tuple(a if is_foreign(a) or not isinstance(a, (int, float, complex, np.generic))
                     else _scalar_like(xp, a, like) for a in args)
    return fn(*args, **params)


# Libraries whose functions take Python numbers as NumPy's do: numbers stay numbers there (on
# Dask an array made of each one would be one more layer in every graph).
_TAKE_SCALARS = frozenset({"dask", "cupy"})


def _scalar_like(xp: Any, a: Any, like: Any) -> Any:
    kind = np_dtype(like.dtype).kind
    dtype = like.dtype if kind in "fc" and not isinstance(a, complex) else None
    device = getattr(like, "device", None)
    if device is not None and library_name(like) != "dask":
        return xp.asarray(a, dtype=dtype, device=device)
    return xp.asarray(a, dtype=dtype)


def missing_error(op: str, x: Any, name: str) -> TypeError:
    return TypeError(
        f"{op}: the array namespace of {library_name(x)} has no {name!r} (it is not in the "
        f"Array API standard or this library lacks it), and chainrule does not convert "
        f"{library_name(x)} arrays to NumPy silently. Write it with operations the standard has, "
        f"or convert the input with np.asarray(...) if a NumPy result is what you want.")


def eager_error(op: str, x: Any, why: str) -> TypeError:
    """The error of a rule that needs concrete values (a mask, a branch) on a lazy array."""
    return TypeError(
        f"{op}: {why} needs the concrete values of its {library_name(x)} input, and chainrule "
        f"does not compute a lazy {library_name(x)} array behind your back. Compute the input "
        f"first (x = x.compute() or xp.asarray(...)) or use an operation without this need.")


def np_dtype(d: Any) -> np.dtype:
    """A NumPy dtype for any library's dtype object (array-api-strict's have their own type).

    >>> np_dtype(np.float32)
    dtype('float32')
    """
    try:
        return np.dtype(d)
    except TypeError:
        return np.dtype(str(d).rsplit(".", 1)[-1])


def xp_dtype(xp: Any, d: Any) -> Any:
    """The dtype object of namespace ``xp`` named like NumPy's ``d``."""
    return d if xp is np else getattr(xp, np_dtype(d).name)


def shape_of(x: Any) -> tuple:
    """Shape of an array, number or tracer."""
    if type(x) is float:
        return ()
    if type(x) is np.ndarray:
        return x.shape
    s = getattr(x, "shape", None)
    return () if s is None else tuple(s)


def ndim_of(x: Any) -> int:
    return len(shape_of(x))


def value_of(x: Any) -> Any:
    """The plain NumPy value under any stack of tracers (for masks and other constants)."""
    while isinstance(x, Tracer):
        x = x._value()
    return x


def dtype_of(x: Any) -> np.dtype:
    if isinstance(x, Tracer):
        # A tracer knows its dtype without a concrete value (a symbolic expression is
        # float64; a vmapped value has none).
        d = x.dtype
        if d is not None:
            return np.dtype(d)
    v = value_of(x)
    d = getattr(v, "dtype", None)
    if d is None:
        return np.result_type(v)
    # array-api-strict's dtypes are objects of their own: the helpers read NumPy's.
    return d if isinstance(d, np.dtype) else np_dtype(d)


def zeros_like_value(x: Any) -> np.ndarray:
    v = value_of(x)
    if is_foreign(v):
        return array_namespace(v).zeros_like(v)
    return np.zeros(np.shape(v), dtype=np.result_type(v) if not hasattr(v, "dtype") else v.dtype)


def ones_like_value(x: Any) -> Any:
    """Ones of ``x``'s shape and floating dtype, in ``x``'s own library (a seed cotangent)."""
    v = value_of(x)
    xp = array_namespace(v)
    if dtype_of(v).kind in "fc":
        return xp.ones_like(v)
    return xp.ones_like(v, dtype=xp_dtype(xp, np.float64))


def normalize_axes(axis: Any, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim if ndim else 0)
    return tuple(out)


def keepdims_shape(shape: tuple, axis: Any) -> tuple:
    axes = normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))
