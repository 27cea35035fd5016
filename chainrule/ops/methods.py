"""Operators and methods shared by every tracer type, all routed through the primitive table.

Tensor, the forward-mode Dual and anything else that subclasses :class:`ArrayOps` gets Python's
arithmetic operators, comparisons, indexing, NumPy's dispatch protocols and the conversions
that refuse to drop a derivative from here, and the named methods (``x.sin()``,
``x.sum(axis=0)``, ``x.T``) from :class:`~chainrule.ops.named.NamedMethods`: each one a call
of a row of the table.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, NoReturn

import numpy as np

from ..core import Tracer, bind, value_of
from .. import ops as P   # the package, mid-import: every row is bound before this file loads
from .readings import _abs, _function_table, _ufunc_table, numpy_namespace
from .named import NamedMethods

__all__ = ["ArrayOps", "TracerConversionError", "conversion_error"]


def _unwrap_index(idx: Any) -> Any:
    """Indices never carry gradients: replace Tracers inside an index by their values."""
    if isinstance(idx, tuple):
        return tuple(_unwrap_index(i) for i in idx)
    if isinstance(idx, Tracer):
        return np.asarray(value_of(idx))
    if isinstance(idx, list) and any(isinstance(i, Tracer) for i in idx):
        return np.asarray([value_of(i) for i in idx])
    return idx


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
    elif "AxisConcatenator" in entry:
        where = (" np.r_ and np.c_ turn their items into NumPy arrays; use chainrule.numpy.r_ "
                 "and chainrule.numpy.c_ (the same indexing) instead.")
    elif entry.startswith("scipy"):
        where = (f" It happened inside {entry}, which converts its inputs to NumPy arrays; "
                 "use the chainrule.numpy function of that name where there is one "
                 "(chainrule.special.logsumexp, ...), or write the formula with NumPy functions.")
    elif entry:
        where = f" It happened inside {entry}."
    raise TracerConversionError(
        f"{what} on {x._describe()} would turn it into a plain number or array and silently "
        f"drop its derivative.{where} Keep it traced: use NumPy's functions on it (np.sin(x), "
        "np.stack([...]) instead of np.array([...])) or chainrule.numpy's; call .detach() "
        "first if you really want the value without its derivative.")


class ArrayOps(NamedMethods):
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
    def __add__(self, o): return P.add(self, o)
    def __radd__(self, o): return P.add(o, self)
    def __sub__(self, o): return P.sub(self, o)
    def __rsub__(self, o): return P.sub(o, self)
    def __mul__(self, o): return P.mul(self, o)
    def __rmul__(self, o): return P.mul(o, self)
    def __truediv__(self, o): return P.div(self, o)
    def __rtruediv__(self, o): return P.div(o, self)
    def __pow__(self, o): return P.pow(self, o)
    def __rpow__(self, o): return P.pow(o, self)
    # % is NumPy's (and Python's) remainder, with the sign of the divisor; // has no gradient.
    def __mod__(self, o): return P.remainder(self, o)
    def __rmod__(self, o): return P.remainder(o, self)
    def __floordiv__(self, o): return P.floor_divide(self, o)
    def __rfloordiv__(self, o): return P.floor_divide(o, self)
    def __divmod__(self, o): return P.floor_divide(self, o), P.remainder(self, o)
    def __rdivmod__(self, o): return P.floor_divide(o, self), P.remainder(o, self)
    def __matmul__(self, o): return P.matmul(self, o)
    def __rmatmul__(self, o): return P.matmul(o, self)
    def __neg__(self): return P.neg(self)
    def __pos__(self): return self
    def __abs__(self): return _abs(self)

    # comparisons carry no gradient -------------------------------------------------------
    def __lt__(self, o): return P.less(self, o)
    def __le__(self, o): return P.less_equal(self, o)
    def __gt__(self, o): return P.greater(self, o)
    def __ge__(self, o): return P.greater_equal(self, o)
    def __eq__(self, o): return P.equal(self, o)  # type: ignore[override]
    def __ne__(self, o): return P.not_equal(self, o)  # type: ignore[override]
    __hash__ = object.__hash__

    # indexing and shape ------------------------------------------------------------------
    def __getitem__(self, idx): return P.getitem(self, idx=_unwrap_index(idx))

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d tensor: it holds a single number; use .item()")
        return shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


for _f in [*vars(ArrayOps).values(), *vars(NamedMethods).values()]:
    # Python names a method by its qualified name in argument errors ("ArrayOps.sum() got an
    # unexpected keyword argument"): name it as the user calls it, "sum()", not by a class
    # the user never sees.
    _f = getattr(_f, "fget", _f)
    if hasattr(_f, "__code__"):
        _f.__qualname__ = _f.__name__


# ndarray methods and properties that chainrule.numpy provides (x.var(), x.prod(), z.real,
# ...), so NumPy code written for arrays runs unchanged. Each is a real class attribute: a
# __getattr__ hook would slow every attribute access of every Tensor (CPython cannot
# specialise attribute loads on a class that has one).
# The ones whose PyTorch reading differs (var, std, max, repeat, squeeze, ...) are ArrayOps's
# own methods, which take both readings (docs/pytorch.md). All tracers get them, so NumPy
# code reads the same under every transform.
_NUMPY_METHODS = (
    "argsort", "ravel", "swapaxes", "diagonal", "trace", "round", "conj", "conjugate", "copy",
    "take", "nonzero")
_NUMPY_PROPERTIES = ("real", "imag")


def _numpy_function(name: str) -> Callable:
    return getattr(numpy_namespace(), name)


def _numpy_method(name: str) -> Callable:
    def method(self, *args, **kwargs):
        return _numpy_function(name)(self, *args, **kwargs)
    method.__name__ = name
    method.__doc__ = f"Same as ``chainrule.numpy.{name}(self, ...)``."
    return method


def _numpy_property(name: str) -> property:
    return property(lambda self: _numpy_function(name)(self),
                    doc=f"Same as ``chainrule.numpy.{name}(self)``.")


# On every tracer (Tensor, the forward-mode Dual, ...): NumPy code reads the same in each mode.
for _name in _NUMPY_METHODS:
    if not hasattr(ArrayOps, _name):
        setattr(ArrayOps, _name, _numpy_method(_name))
for _name in _NUMPY_PROPERTIES:
    setattr(ArrayOps, _name, _numpy_property(_name))
