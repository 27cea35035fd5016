"""Operators and methods shared by every tracer type, all routed through the primitive table.

Tensor, the forward-mode Dual and anything else that subclasses :class:`ArrayOps` gets Python's
arithmetic operators, comparisons, indexing and the table's methods (``x.sin()``,
``x.sum(axis=0)``, ``x.T``) from here, each one a call of ``bind`` on a row of the table.
"""

from __future__ import annotations

import collections
import functools
import sys
from typing import Any, Callable, NoReturn

import numpy as np

from ..core import Tracer, bind, numpy_reads, dtype_of, normalize_axes, shape_of, value_of
from .. import ops as P   # the package, mid-import: every row is bound before this file loads


def _unwrap_index(idx: Any) -> Any:
    """Indices never carry gradients: replace Tracers inside an index by their values."""
    if isinstance(idx, tuple):
        return tuple(_unwrap_index(i) for i in idx)
    if isinstance(idx, Tracer):
        return np.asarray(value_of(idx))
    if isinstance(idx, list) and any(isinstance(i, Tracer) for i in idx):
        return np.asarray([value_of(i) for i in idx])
    return idx


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


__all__ = ["ArrayOps", "TracerConversionError", "conversion_error", "numpy_namespace", "mean",
           "relu", "sigmoid", "complex_modulus"]


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
    """The logistic function 1/(1 + e^-x) (``scipy.special.expit``), computed as
    0.5·tanh(x/2) + 0.5: no overflow for large |x|.

    >>> import chainrule as cr
    >>> float(cr.special.sigmoid(0.0)), float(cr.grad(cr.special.sigmoid)(0.0))
    (0.5, 0.25)
    """
    return 0.5 * P.tanh(x * 0.5) + 0.5


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

    # shape: NumPy's names and PyTorch's ---------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.shape)

    def dim(self) -> int:
        """The number of dimensions (PyTorch's name for ``ndim``)."""
        return len(self.shape)

    @property
    def size(self) -> "_Size":
        """The number of elements, an int as NumPy's ``a.size``; calling it gives PyTorch's
        ``t.size()`` (the shape) and ``t.size(dim)`` (one dimension's length)."""
        return _Size(self.shape)

    def numel(self) -> int:
        """The number of elements (PyTorch's name)."""
        return int(_Size(self.shape))

    nelement = numel

    @property
    def T(self):
        return P.transpose(self)

    @property
    def mT(self):  # noqa: N802 (PyTorch's name)
        """The last two dimensions swapped (a batch of matrices transposed)."""
        if len(shape_of(self)) < 2:
            raise ValueError(f"mT needs at least 2 dimensions, got shape {shape_of(self)}; "
                             "use .T or leave it out for a vector")
        return _cnp().swapaxes(self, -2, -1)

    def reshape(self, *shape):
        """The same elements in a new shape: ``x.reshape(2, 3)`` or ``x.reshape((2, 3))``;
        one size may be -1."""
        return P.reshape(self, shape=_sizes(shape))

    def view(self, *shape):
        """PyTorch's ``view``: the same as ``reshape`` (chainrule never aliases storage, so an
        in-place change of the result does not reach this tensor)."""
        if len(shape) == 1 and isinstance(shape[0], (type, np.dtype, str)):
            raise TypeError(f"view({shape[0]!r}) reinterprets the bits as another dtype, which "
                            "chainrule does not do; use astype() to convert the values")
        return P.reshape(self, shape=_sizes(shape))

    def view_as(self, other):
        """Reshaped to ``other``'s shape."""
        return P.reshape(self, shape=shape_of(other))

    reshape_as = view_as

    def transpose(self, *dims, axes=None, dim0=None, dim1=None):
        """Two ints swap those two dimensions, as PyTorch (``x.transpose(0, 1)``); a tuple, a
        permutation of all axes, or nothing (reverse them) is NumPy's reading."""
        if dim0 is not None or dim1 is not None:
            if dims or axes is not None or dim0 is None or dim1 is None:
                raise TypeError("transpose(dim0=, dim1=) takes exactly the two dimensions to "
                                "swap and nothing else")
            dims = (dim0, dim1)
        if axes is not None:
            if dims:
                raise TypeError("transpose() got axes= and positional dimensions; pass one")
            return P.transpose(self, axes=tuple(axes))
        if len(dims) == 1 and (dims[0] is None or isinstance(dims[0], (tuple, list))):
            return P.transpose(self, axes=None if dims[0] is None else tuple(dims[0]))
        if len(dims) == 2 and all(_is_int(d) for d in dims) and not numpy_reads(self):
            # PyTorch's reading, even on 2-D input where NumPy's would be a permutation:
            # x.transpose(0, 1) swaps, it never silently returns x.
            return _cnp().swapaxes(self, int(dims[0]), int(dims[1]))
        return P.transpose(self, axes=tuple(dims) if dims else None)

    def permute(self, *dims):
        """The dimensions reordered: ``x.permute(2, 0, 1)`` or ``x.permute((2, 0, 1))``."""
        dims = _sizes(dims)
        shape = shape_of(self)
        nd = len(shape)
        if sorted(d % nd if nd else d for d in dims) != list(range(nd)) or \
                not all(-nd <= d < nd for d in dims):
            raise ValueError(f"permute{dims}: not a permutation of the {nd} dimensions of a "
                             f"tensor of shape {shape}; name each of 0..{nd - 1} once")
        return P.transpose(self, axes=dims)

    def t(self):
        """A matrix transposed (PyTorch's ``t()``): at most 2 dimensions."""
        shape = shape_of(self)
        if len(shape) > 2:
            raise ValueError(f"t() transposes tensors of at most 2 dimensions, got shape "
                             f"{shape}; use transpose(d0, d1), permute(...) or mT")
        return P.transpose(self)

    def unsqueeze(self, dim):
        """A length-1 dimension inserted at ``dim``."""
        return _cnp().expand_dims(self, dim)

    def squeeze(self, dim=None, *, axis=None):
        """Length-1 dimensions removed. ``squeeze(dim)`` leaves a dimension whose length is not
        1 as it is (PyTorch); ``squeeze(axis=...)`` raises for one (NumPy)."""
        cnp = _cnp()
        if axis is not None:
            if dim is not None:
                raise TypeError(_both("squeeze", "axis", "dim"))
            return cnp.squeeze(self, axis)
        if dim is None:
            return cnp.squeeze(self)
        shape = shape_of(self)
        return cnp.squeeze(self, tuple(d for d in normalize_axes(dim, len(shape))
                                       if shape[d] == 1))

    def expand(self, *sizes):
        """Broadcast to ``sizes`` (PyTorch's ``expand``): -1 keeps a dimension's length, new
        dimensions go in front."""
        sizes = _sizes(sizes)
        shape = shape_of(self)
        new = len(sizes) - len(shape)
        if new < 0:
            raise ValueError(f"expand{sizes}: {len(sizes)} sizes for a tensor of shape {shape}; "
                             "give at least one size per dimension (-1 keeps one)")
        target = []
        for i, n in enumerate(sizes):
            if n == -1:
                if i < new:
                    raise ValueError(f"expand{sizes}: -1 for the new leading dimension {i}; "
                                     "give its length")
                n = shape[i - new]
            elif i >= new and shape[i - new] not in (1, n):
                raise ValueError(f"expand{sizes}: dimension {i} has length {shape[i - new]}, "
                                 f"which cannot become {n}; only length-1 dimensions expand")
            target.append(n)
        return P.broadcast_to(self, shape=tuple(target))

    def expand_as(self, other):
        """Broadcast to ``other``'s shape."""
        return P.broadcast_to(self, shape=shape_of(other))

    def broadcast_to(self, shape): return P.broadcast_to(self, shape=tuple(shape))

    def flatten(self, start_dim=0, end_dim=-1):
        """Dimensions ``start_dim..end_dim`` merged into one (all of them by default, as
        NumPy's ``flatten()``; NumPy's ``order`` 'C'/'F' is accepted in place of start_dim)."""
        shape = shape_of(self)
        if isinstance(start_dim, str):
            if start_dim not in "CFAK" or len(start_dim) != 1:
                raise ValueError(f"flatten(order={start_dim!r}): order is 'C', 'F', 'A' or 'K'")
            x = P.transpose(self) if start_dim == "F" else self
            return P.reshape(x, shape=(-1,))
        if not shape:
            return P.reshape(self, shape=(1,))
        nd = len(shape)
        s, e = _axis(start_dim, nd), _axis(end_dim, nd)
        if s > e:
            raise ValueError(f"flatten(start_dim={start_dim}, end_dim={end_dim}): start_dim "
                             "comes after end_dim; pass them in order")
        merged = 1
        for n in shape[s:e + 1]:
            merged *= n
        return P.reshape(self, shape=shape[:s] + (merged,) + shape[e + 1:])

    def repeat(self, *sizes, axis=None):
        """PyTorch's ``repeat``: the whole tensor tiled, one count per dimension
        (``x.repeat(2, 1)``). With ``axis=`` it is NumPy's element repeat (as ``np.repeat``)."""
        cnp = _cnp()
        if numpy_reads(self) and axis is None:   # NumPy code: ndarray.repeat(n, axis)
            if not 1 <= len(sizes) <= 2:
                raise TypeError(f"repeat{sizes}: NumPy's ndarray.repeat takes repeats and an "
                                "optional axis")
            return cnp.repeat(self, *sizes)
        if axis is not None:
            if len(sizes) != 1:
                raise TypeError("repeat(n, axis=) is NumPy's element repeat: it takes one count "
                                "(an int or one per element) and the axis")
            return cnp.repeat(self, sizes[0], axis=axis)
        sizes = _sizes(sizes)
        shape = shape_of(self)
        if len(sizes) < len(shape):
            raise ValueError(
                f"repeat{sizes}: the number of repeat counts ({len(sizes)}) can not be smaller "
                f"than the number of dimensions of the tensor ({len(shape)}): repeat tiles the "
                "whole tensor, as PyTorch's. To repeat each element (NumPy's ndarray.repeat), "
                "use np.repeat(t, n) or t.repeat(n, axis=...)")
        return cnp.tile(self, sizes)

    def repeat_interleave(self, repeats, dim=None):
        """Each element repeated (NumPy's ``repeat``; flattened first when ``dim`` is None)."""
        return _cnp().repeat(self, repeats, axis=dim)

    def tile(self, *dims):
        """The whole tensor tiled (``np.tile``); fewer counts than dimensions pad with 1s."""
        return _cnp().tile(self, _sizes(dims))

    def flip(self, *dims):
        """Element order reversed along ``dims``."""
        return _cnp().flip(self, axis=_sizes(dims))

    def split(self, split_size_or_sections, dim=0):
        """PyTorch's ``split``: pieces of ``split_size`` along ``dim`` (the last one shorter),
        or pieces of the given lengths. (``np.split(x, n)`` is NumPy's: n equal pieces.)"""
        n = shape_of(self)[_axis(dim, len(shape_of(self)))]
        if _is_int(split_size_or_sections):
            step = int(split_size_or_sections)
            if step <= 0:
                raise ValueError(f"split({step}): the piece length must be positive")
            sizes = [min(step, n - i) for i in range(0, n, step)] or [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n:
                raise ValueError(f"split({sizes}): the lengths add up to {sum(sizes)} but "
                                 f"dimension {dim} has length {n}; give lengths adding up to {n}")
        return _pieces(self, sizes, dim)

    def chunk(self, chunks, dim=0):
        """At most ``chunks`` pieces of equal length along ``dim`` (the last one shorter)."""
        n = shape_of(self)[_axis(dim, len(shape_of(self)))]
        if not _is_int(chunks) or chunks <= 0:
            raise ValueError(f"chunk({chunks!r}): the number of pieces must be a positive int")
        step = -(-n // int(chunks)) if n else 1
        return _pieces(self, [min(step, n - i) for i in range(0, n, step)] or [0], dim)

    def contiguous(self):
        """The tensor itself: chainrule's values are always laid out contiguously enough."""
        return self

    def astype(self, dtype): return _cast(self, dtype)

    def type_as(self, other):
        """Converted to ``other``'s dtype."""
        return _cast(self, dtype_of(other))

    def to(self, *args, dtype=None, **kwargs):
        """Converted to a dtype (``x.to(cr.float64)``, ``x.to(other)``); devices other than
        'cpu' do not exist here."""
        for a in args:
            if isinstance(a, ArrayOps):
                dtype = a.dtype
            elif isinstance(a, str) and a.split(":")[0] == "cpu":
                continue
            else:
                try:
                    dtype = np.dtype(a)
                except TypeError:
                    raise TypeError(f"to({a!r}): chainrule runs on the CPU only; pass a dtype, "
                                    "a tensor or 'cpu'") from None
        kwargs.pop("copy", None)
        kwargs.pop("non_blocking", None)
        device = kwargs.pop("device", "cpu")
        if kwargs or (device is not None and str(device).split(":")[0] != "cpu"):
            raise TypeError(f"to(): chainrule runs on the CPU only and takes a dtype; got "
                            f"{', '.join(sorted(kwargs)) or 'device=' + repr(device)}")
        return self if dtype is None or np.dtype(dtype) == self.dtype else _cast(self, dtype)

    # elementwise methods -----------------------------------------------------------------
    def exp(self): return P.exp(self)
    def log(self): return P.log(self)
    def sin(self): return P.sin(self)
    def cos(self): return P.cos(self)
    def tan(self): return P.tan(self)
    def tanh(self): return P.tanh(self)
    def sqrt(self): return P.sqrt(self)
    def abs(self): return _abs(self)
    def sign(self): return P.sign(self)
    def neg(self): return P.neg(self)
    def pow(self, o): return P.pow(self, o)
    def maximum(self, o): return P.maximum(self, o)
    def minimum(self, o): return P.minimum(self, o)
    def relu(self): return relu(self)
    def sigmoid(self): return sigmoid(self)
    def square(self): return self * self
    def matmul(self, o): return P.matmul(self, o)
    def dot(self, o): return P.matmul(self, o)

    def add(self, other, *, alpha=1):
        """``self + alpha * other``."""
        return P.add(self, other if alpha == 1 else P.mul(alpha, other))

    def sub(self, other, *, alpha=1):
        """``self - alpha * other``."""
        return P.sub(self, other if alpha == 1 else P.mul(alpha, other))

    def mul(self, other): return P.mul(self, other)

    def div(self, other, *, rounding_mode=None):
        """``self / other``; ``rounding_mode`` 'floor' or 'trunc' rounds the quotient."""
        q = P.div(self, other)
        if rounding_mode is None:
            return q
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div(rounding_mode={rounding_mode!r}): use None, 'floor' or "
                             "'trunc'")
        return getattr(_cnp(), rounding_mode)(q)

    multiply, subtract, divide = mul, sub, div

    def clamp(self, min=None, max=None):  # noqa: A002 (PyTorch's and NumPy's names)
        """Values limited to [min, max] (either may be left out); at a bound the gradient goes
        to the input, as PyTorch's clamp."""
        return _cnp().clip(self, min=min, max=max)

    clip = clamp

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` is true, this tensor elsewhere (its dtype kept)."""
        out = P.where(mask, value, self)
        return out if dtype_of(out) == dtype_of(self) else \
            P.cast(out, dtype=dtype_of(self))

    # reductions: NumPy's axis=/keepdims= and PyTorch's dim=/keepdim= ---------------------
    def sum(self, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):
        x = self if dtype is None else P.cast(self, dtype=np.dtype(dtype))
        return P.sum(x, axis=_one("sum", "axis", axis, "dim", dim, None),
                    keepdims=_keep("sum", keepdims, keepdim))

    def mean(self, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):
        x = self if dtype is None else P.cast(self, dtype=np.dtype(dtype))
        return mean(x, axis=_one("mean", "axis", axis, "dim", dim, None),
                    keepdims=_keep("mean", keepdims, keepdim))

    def prod(self, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):
        x = self if dtype is None else P.cast(self, dtype=np.dtype(dtype))
        return _cnp().prod(x, axis=_one("prod", "axis", axis, "dim", dim, None),
                           keepdims=_keep("prod", keepdims, keepdim))

    def max(self, *args, axis=None, keepdims=None, dim=None, keepdim=None):
        """``x.max()``: the largest element. ``x.max(dim)`` (PyTorch): ``(values, indices)``
        along ``dim``; ``x.max(axis=...)`` (NumPy): the values only; ``x.max(other)``: the
        elementwise maximum."""
        return _extreme(self, "max", args, axis, keepdims, dim, keepdim)

    def min(self, *args, axis=None, keepdims=None, dim=None, keepdim=None):
        """As :meth:`max`, for the smallest elements."""
        return _extreme(self, "min", args, axis, keepdims, dim, keepdim)

    def amax(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        """The largest values along ``dim`` (ties share the gradient)."""
        return P.amax(self, axis=_one("amax", "axis", axis, "dim", dim, None),
                    keepdims=_keep("amax", keepdims, keepdim))

    def amin(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        """The smallest values along ``dim`` (ties share the gradient)."""
        return P.amin(self, axis=_one("amin", "axis", axis, "dim", dim, None),
                    keepdims=_keep("amin", keepdims, keepdim))

    def argmax(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        return _cnp().argmax(self, axis=_one("argmax", "axis", axis, "dim", dim, None),
                             keepdims=_keep("argmax", keepdims, keepdim))

    def argmin(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        return _cnp().argmin(self, axis=_one("argmin", "axis", axis, "dim", dim, None),
                             keepdims=_keep("argmin", keepdims, keepdim))

    def var(self, *args, axis=None, ddof=None, keepdims=None, dim=None, unbiased=None,
            correction=None, keepdim=None):
        """Variance. PyTorch's spelling (``x.var()``, ``x.var(dim)``, ``dim=``) divides by
        N - 1 as PyTorch does; NumPy's (``axis=``, ``keepdims=``) by N as NumPy does;
        ``ddof=``, ``correction=`` or ``unbiased=`` say it outright."""
        return _spread(self, "var", args, axis, ddof, keepdims, dim, unbiased, correction,
                       keepdim)

    def std(self, *args, axis=None, ddof=None, keepdims=None, dim=None, unbiased=None,
            correction=None, keepdim=None):
        """Standard deviation, with :meth:`var`'s reading of N - 1 or N."""
        return _spread(self, "std", args, axis, ddof, keepdims, dim, unbiased, correction,
                       keepdim)

    def cumsum(self, axis=None, dtype=None, *, dim=None):
        x = self if dtype is None else P.cast(self, dtype=np.dtype(dtype))
        return _cnp().cumsum(x, axis=_one("cumsum", "axis", axis, "dim", dim, None))

    def cumprod(self, axis=None, dtype=None, *, dim=None):
        x = self if dtype is None else P.cast(self, dtype=np.dtype(dtype))
        return _cnp().cumprod(x, axis=_one("cumprod", "axis", axis, "dim", dim, None))

    def all(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        """Whether all elements are true (a NumPy value: no gradient)."""
        return _cnp().all(self, axis=_one("all", "axis", axis, "dim", dim, None),
                          keepdims=_keep("all", keepdims, keepdim))

    def any(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        """Whether any element is true (a NumPy value: no gradient)."""
        return _cnp().any(self, axis=_one("any", "axis", axis, "dim", dim, None),
                          keepdims=_keep("any", keepdims, keepdim))

    def logsumexp(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        """log(sum(exp(x))) along ``dim``, computed stably."""
        return _special().logsumexp(self, axis=_one("logsumexp", "axis", axis, "dim", dim, None),
                                keepdims=_keep("logsumexp", keepdims, keepdim))

    def softmax(self, dim=None, *, axis=None):
        """exp(x) / sum(exp(x)) along ``dim`` (which must be given, as in PyTorch)."""
        return _special().softmax(self, axis=_needed("softmax", axis, dim))

    def log_softmax(self, dim=None, *, axis=None):
        """log(softmax(x)) along ``dim``, computed stably."""
        return _special().log_softmax(self, axis=_needed("log_softmax", axis, dim))

    def norm(self, p="fro", dim=None, keepdim=False):
        """PyTorch's ``norm``: the p-norm of the elements along ``dim`` (all of them when None,
        whatever the shape: not NumPy's matrix norms); p='nuc' is the nuclear norm."""
        linalg = _cnp().linalg
        if p == "nuc":
            return linalg.matrix_norm(self, "nuc", keepdims=keepdim)
        return linalg.vector_norm(self, 2 if p in ("fro", None) else p, axis=dim,
                                  keepdims=keepdim)

    # conversions by PyTorch's names: defined last, as `int`, `float` and `bool` would shadow
    # the builtins for the rest of the class body.
    def double(self): return _cast(self, np.float64)
    def half(self): return _cast(self, np.float16)
    def long(self): return _cast(self, np.int64)
    def short(self): return _cast(self, np.int16)
    def float(self): return _cast(self, np.float32)
    def int(self): return _cast(self, np.int32)
    def bool(self): return _cast(self, np.bool_)


for _f in list(vars(ArrayOps).values()):
    # Python names a method by its qualified name in argument errors ("ArrayOps.sum() got an
    # unexpected keyword argument"): name it as the user calls it, "sum()", not by a class
    # the user never sees.
    _f = getattr(_f, "fget", _f)
    if hasattr(_f, "__code__"):
        _f.__qualname__ = _f.__name__


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
