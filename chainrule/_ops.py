"""Operators and methods shared by every tracer type, all routed through the primitive table.

Tensor, the forward-mode Dual and anything else that subclasses :class:`ArrayOps` gets Python's
arithmetic operators, comparisons, indexing and the table's methods (``x.sin()``,
``x.sum(axis=0)``, ``x.T``) from here, each one a call of ``bind`` on a row of the table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import primitives as P
from ._core import Tracer, bind


def _unwrap_index(idx: Any) -> Any:
    """Indices never carry gradients: replace Tracers inside an index by their values."""
    if isinstance(idx, tuple):
        return tuple(_unwrap_index(i) for i in idx)
    if isinstance(idx, Tracer):
        return np.asarray(P.value_of(idx))
    if isinstance(idx, list) and any(isinstance(i, Tracer) for i in idx):
        return np.asarray([P.value_of(i) for i in idx])
    return idx


def _abs(x: Any) -> Any:
    """|x|; for complex x the modulus through ``hypot(real, imag)``, as ``chainrule.abs``
    does, so ``z.abs()``, ``abs(z)`` and ``cr.abs(z)`` give one gradient (the engine's
    convention, see docs/complex.md). The ``abs`` row's partial ``sign(x)`` is a real rule:
    on complex z it would give the conjugate gradient and a complex tangent."""
    if x.dtype.kind == "c":
        from . import primitives_numpy as PN  # noqa: PLC0415  (loaded with chainrule)
        return bind(PN.hypot, bind(PN.real, x), bind(PN.imag, x))
    return bind(P.abs, x)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Arithmetic mean: a composite, ``sum / count``."""
    shape = P.shape_of(x)
    axes = P._normalize_axes(axis, len(shape))
    count = 1
    for a in axes:
        count *= shape[a]
    total = bind(P.sum, x, axis=axis, keepdims=keepdims)
    # The mean of nothing is nan, as in NumPy (the table's div gives it, with NumPy's warning).
    return bind(P.div, total, count)


class ArrayOps(Tracer):
    """Mixin: operators and methods for tracers. Subclasses provide ``shape`` and ``dtype``."""

    __slots__ = ()
    # NumPy must hand mixed expressions (ndarray * tracer) back to our reflected operators.
    __array_ufunc__ = None

    # arithmetic -------------------------------------------------------------------------
    def __add__(self, o): return bind(P.add, self, o)
    def __radd__(self, o): return bind(P.add, o, self)
    def __sub__(self, o): return bind(P.sub, self, o)
    def __rsub__(self, o): return bind(P.sub, o, self)
    def __mul__(self, o): return bind(P.mul, self, o)
    def __rmul__(self, o): return bind(P.mul, o, self)
    def __truediv__(self, o): return bind(P.div, self, o)
    def __rtruediv__(self, o): return bind(P.div, o, self)
    def __pow__(self, o): return bind(P.pow, self, o)
    def __rpow__(self, o): return bind(P.pow, o, self)
    def __matmul__(self, o): return bind(P.matmul, self, o)
    def __rmatmul__(self, o): return bind(P.matmul, o, self)
    def __neg__(self): return bind(P.neg, self)
    def __pos__(self): return self
    def __abs__(self): return _abs(self)

    # comparisons carry no gradient -------------------------------------------------------
    def __lt__(self, o): return bind(P.less, self, o)
    def __le__(self, o): return bind(P.less_equal, self, o)
    def __gt__(self, o): return bind(P.greater, self, o)
    def __ge__(self, o): return bind(P.greater_equal, self, o)
    def __eq__(self, o): return bind(P.equal, self, o)  # type: ignore[override]
    def __ne__(self, o): return bind(P.not_equal, self, o)  # type: ignore[override]
    __hash__ = object.__hash__

    # indexing and shape ------------------------------------------------------------------
    def __getitem__(self, idx): return bind(P.getitem, self, idx=_unwrap_index(idx))

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
        return bind(P.transpose, self)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return bind(P.reshape, self, shape=tuple(shape))

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return bind(P.transpose, self, axes=tuple(axes) if axes else None)

    def broadcast_to(self, shape): return bind(P.broadcast_to, self, shape=tuple(shape))
    def flatten(self): return self.reshape(-1)
    def astype(self, dtype): return bind(P.cast, self, dtype=np.dtype(dtype))

    # elementwise methods -----------------------------------------------------------------
    def exp(self): return bind(P.exp, self)
    def log(self): return bind(P.log, self)
    def sin(self): return bind(P.sin, self)
    def cos(self): return bind(P.cos, self)
    def tan(self): return bind(P.tan, self)
    def tanh(self): return bind(P.tanh, self)
    def sqrt(self): return bind(P.sqrt, self)
    def abs(self): return _abs(self)
    def sign(self): return bind(P.sign, self)
    def pow(self, o): return bind(P.pow, self, o)
    def maximum(self, o): return bind(P.maximum, self, o)
    def minimum(self, o): return bind(P.minimum, self, o)
    def relu(self): return bind(P.where, bind(P.greater, self, 0), self, 0.0)
    def sigmoid(self): return 0.5 * bind(P.tanh, self * 0.5) + 0.5
    def square(self): return self * self
    def matmul(self, o): return bind(P.matmul, self, o)
    def dot(self, o): return bind(P.matmul, self, o)

    # reductions --------------------------------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        return bind(P.sum, self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return bind(P.amax, self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return bind(P.amin, self, axis=axis, keepdims=keepdims)
