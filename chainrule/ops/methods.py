"""Operators and methods shared by every tracer type, all routed through the primitive table.

Tensor, the forward-mode Dual and anything else that subclasses :class:`ArrayOps` gets Python's
arithmetic operators, comparisons, indexing and the table's methods (``x.sin()``,
``x.sum(axis=0)``, ``x.T``) from here, each one a call of ``bind`` on a row of the table.
"""

from __future__ import annotations

import functools
import sys
from typing import Any, NoReturn

import numpy as np

from . import _build, elementwise as E, linalg as LA, linear as L, reductions as R
from ..core import Tracer, bind, normalize_axes, shape_of, value_of


def _unwrap_index(idx: Any) -> Any:
    """Indices never carry gradients: replace Tracers inside an index by their values."""
    if isinstance(idx, tuple):
        return tuple(_unwrap_index(i) for i in idx)
    if isinstance(idx, Tracer):
        return np.asarray(value_of(idx))
    if isinstance(idx, list) and any(isinstance(i, Tracer) for i in idx):
        return np.asarray([value_of(i) for i in idx])
    return idx


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Arithmetic mean: a composite, ``sum / count``."""
    shape = shape_of(x)
    axes = normalize_axes(axis, len(shape))
    count = 1
    for a in axes:
        count *= shape[a]
    total = bind(L.sum, x, axis=axis, keepdims=keepdims)
    # The mean of nothing is nan, as in NumPy (the table's div gives it, with NumPy's warning).
    return bind(E.div, total, count)


class TracerConversionError(TypeError):
    """A traced value was turned into a plain number or array, which would drop its
    derivative (``np.asarray(x)``, ``float(x)``, ``math.sin(x)``, ``a[0] = x`` into a NumPy
    array, SciPy functions that call ``asarray`` inside, ...)."""


def _library_entry() -> str:
    """The NumPy or SciPy function that the user's code called and that asked for the
    conversion (``"scipy.special.logsumexp"``), or "" when the user's code asked itself."""
    frame = sys._getframe(2)
    entry = ""
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        top = module.split(".")[0]
        if top in ("numpy", "scipy"):
            code = frame.f_code   # co_qualname is Python 3.11+
            name = getattr(code, "co_qualname", code.co_name)
            entry = f"numpy.{name}" if top == "numpy" else f"{module}.{name}"
        elif top != "chainrule":
            return entry
        frame = frame.f_back
    return entry


def conversion_error(x: Any, what: str) -> NoReturn:
    """Raise the error for ``what`` (``"np.asarray()"``, ``"float()"``, ...) applied to the
    traced value ``x``: what happened, who asked, and what to write instead."""
    entry = _library_entry()
    where = ""
    if "vectorize" in entry:
        where = (" np.vectorize calls its function on plain numbers; write the function with "
                 "array operations instead (they apply elementwise).")
    elif entry.startswith("scipy"):
        where = (f" It happened inside {entry}, which converts its inputs to NumPy arrays; "
                 "use the chainrule.numpy function of that name where there is one "
                 "(cnp.logsumexp, cnp.softmax, ...), or write the formula with NumPy functions.")
    elif entry:
        where = f" It happened inside {entry}."
    raise TracerConversionError(
        f"{what} on {x._describe()} would turn it into a plain number or array and silently "
        f"drop its derivative.{where} Keep it traced: use NumPy's functions on it (np.sin(x), "
        "np.stack([...]) instead of np.array([...])) or chainrule.numpy's; call .detach() "
        "first if you really want the value without its derivative.")


@functools.lru_cache(maxsize=1)
def _ufunc_table() -> dict:
    return {p.ufunc: p for p in _build.TABLE.values() if p.ufunc is not None}


def numpy_namespace() -> Any:
    """``chainrule.numpy``, a higher layer, imported on first use: NumPy hands calls on tracers
    (``np.sin(x)``, ``x.var()``) to its functions, and importing chainrule stays light."""
    from .. import numpy as cnp  # noqa: PLC0415  (the allowed lazy upward import)
    return cnp


def _function_table() -> dict:
    return numpy_namespace().HANDLED_FUNCTIONS


class ArrayOps(Tracer):
    """Mixin: operators and methods for tracers. Subclasses provide ``shape`` and ``dtype``.

    NumPy's own functions called on a tracer (``np.sin(x)``, ``np.sum(x, axis=0)``,
    ``np.linalg.det(x)``) come back here through NumPy's dispatch protocols and run the
    table's rows, so the same NumPy code differentiates in every mode; a function chainrule
    does not support raises instead of handing back a value without its derivative."""

    __slots__ = ()
    # How error messages name this kind of value ("chainrule Tensors", ...).
    _kind = "traced values"

    def _describe(self) -> str:
        """This value, for an error message."""
        return f"a traced value ({type(self).__name__}, inside a chainrule transform)"

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        prim = _ufunc_table().get(ufunc)
        # chainrule.numpy's function where it has one: some ufuncs are composites there
        # (fabs, deg2rad, ...) or depend on the dtype (absolute of a complex tensor).
        handler = _function_table().get(ufunc) if method == "__call__" else None
        if method != "__call__" or (prim is None and handler is None):
            raise TypeError(
                f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method} is not "
                f"supported on {self._kind} (it would drop the derivative); use the "
                "chainrule.numpy function of that name, or call .detach() first if you do "
                "not need the derivative")
        out = kwargs.pop("out", None)
        if kwargs:
            raise TypeError(f"numpy.{ufunc.__name__} on {self._kind} does not take "
                            f"{', '.join(sorted(kwargs))}; call it without them (to pick "
                            "elements use cr.where(mask, result, other), to convert use "
                            "x.astype(dtype))")
        result = handler(*inputs) if handler is not None else bind(prim, *inputs)
        if out is None:
            return result
        (target,) = out
        assign = getattr(target, "_assign_inplace", None)
        if assign is None:
            raise TypeError(
                f"numpy.{ufunc.__name__}(..., out=) got a {type(target).__name__} as out "
                f"while an input is one of the {self._kind}: storing into it would drop the "
                "derivative; assign the result instead (y = np.sin(x))")
        return assign(result)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        handler = _function_table().get(func)
        if handler is None:
            raise TypeError(
                f"numpy.{func.__name__} is not supported on {self._kind} (it would drop the "
                "derivative); see chainrule.numpy for the supported functions "
                "(docs/coverage.md), or call .detach() first if you do not need the derivative")
        return handler(*args, **kwargs)

    # Conversions to plain values would drop the derivative: they raise (see Tensor for the
    # ones allowed on values that are not being differentiated).
    def __array__(self, dtype: Any = None, copy: Any = None) -> NoReturn:
        conversion_error(self, "np.asarray()")

    def __float__(self) -> NoReturn:
        conversion_error(self, "float()")

    def __int__(self) -> NoReturn:
        conversion_error(self, "int()")

    def __complex__(self) -> NoReturn:
        conversion_error(self, "complex()")

    def item(self) -> NoReturn:
        conversion_error(self, ".item()")

    def tolist(self) -> NoReturn:
        conversion_error(self, ".tolist()")

    def __bool__(self) -> bool:
        # Control flow on a value (`if x > 0:` reads a comparison, which has no derivative)
        # is eager here, as in autograd: the truth of the value itself.
        v = np.asarray(value_of(self))
        if v.size != 1:
            raise ValueError(f"the truth value of an array with {v.size} elements is "
                             "ambiguous; use .any() or .all()")
        return bool(v)

    def detach(self) -> Any:
        """The value without this transform's derivative (``jax.lax.stop_gradient``)."""
        return self._value()

    # arithmetic -------------------------------------------------------------------------
    def __add__(self, o): return bind(E.add, self, o)
    def __radd__(self, o): return bind(E.add, o, self)
    def __sub__(self, o): return bind(E.sub, self, o)
    def __rsub__(self, o): return bind(E.sub, o, self)
    def __mul__(self, o): return bind(E.mul, self, o)
    def __rmul__(self, o): return bind(E.mul, o, self)
    def __truediv__(self, o): return bind(E.div, self, o)
    def __rtruediv__(self, o): return bind(E.div, o, self)
    def __pow__(self, o): return bind(E.pow, self, o)
    def __rpow__(self, o): return bind(E.pow, o, self)
    def __matmul__(self, o): return bind(LA.matmul, self, o)
    def __rmatmul__(self, o): return bind(LA.matmul, o, self)
    def __neg__(self): return bind(E.neg, self)
    def __pos__(self): return self
    def __abs__(self): return bind(E.abs, self)

    # comparisons carry no gradient -------------------------------------------------------
    def __lt__(self, o): return bind(E.less, self, o)
    def __le__(self, o): return bind(E.less_equal, self, o)
    def __gt__(self, o): return bind(E.greater, self, o)
    def __ge__(self, o): return bind(E.greater_equal, self, o)
    def __eq__(self, o): return bind(E.equal, self, o)  # type: ignore[override]
    def __ne__(self, o): return bind(E.not_equal, self, o)  # type: ignore[override]
    __hash__ = object.__hash__

    # indexing and shape ------------------------------------------------------------------
    def __getitem__(self, idx): return bind(L.getitem, self, idx=_unwrap_index(idx))

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d tensor: it holds a single number; use .item()")
        return shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    @property
    def T(self):
        return bind(L.transpose, self)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return bind(L.reshape, self, shape=tuple(shape))

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return bind(L.transpose, self, axes=tuple(axes) if axes else None)

    def broadcast_to(self, shape): return bind(L.broadcast_to, self, shape=tuple(shape))
    def flatten(self): return self.reshape(-1)
    def astype(self, dtype): return bind(L.cast, self, dtype=np.dtype(dtype))

    # elementwise methods -----------------------------------------------------------------
    def exp(self): return bind(E.exp, self)
    def log(self): return bind(E.log, self)
    def sin(self): return bind(E.sin, self)
    def cos(self): return bind(E.cos, self)
    def tan(self): return bind(E.tan, self)
    def tanh(self): return bind(E.tanh, self)
    def sqrt(self): return bind(E.sqrt, self)
    def abs(self): return bind(E.abs, self)
    def sign(self): return bind(E.sign, self)
    def pow(self, o): return bind(E.pow, self, o)
    def maximum(self, o): return bind(E.maximum, self, o)
    def minimum(self, o): return bind(E.minimum, self, o)
    def relu(self): return bind(E.where, bind(E.greater, self, 0), self, 0.0)
    def sigmoid(self): return 0.5 * bind(E.tanh, self * 0.5) + 0.5
    def square(self): return self * self
    def matmul(self, o): return bind(LA.matmul, self, o)
    def dot(self, o): return bind(LA.matmul, self, o)

    # reductions --------------------------------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        return bind(L.sum, self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return bind(R.amax, self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return bind(R.amin, self, axis=axis, keepdims=keepdims)
