"""``chainrule.numpy``: NumPy's names, differentiable. ``import chainrule.numpy as cnp``.

Every name is an explicit definition that goes through the primitive table; composites are
built from rows of the table and need no derivative rule of their own.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as _np

from . import primitives as P
from ._core import bind
from ._ops import mean as _mean

pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan
newaxis = None
float16, float32, float64 = _np.float16, _np.float32, _np.float64


def add(x: Any, y: Any) -> Any: return bind(P.add, x, y)
def subtract(x: Any, y: Any) -> Any: return bind(P.sub, x, y)
def multiply(x: Any, y: Any) -> Any: return bind(P.mul, x, y)
def divide(x: Any, y: Any) -> Any: return bind(P.div, x, y)
def negative(x: Any) -> Any: return bind(P.neg, x)
def power(x: Any, y: Any) -> Any: return bind(P.pow, x, y)
def exp(x: Any) -> Any: return bind(P.exp, x)
def log(x: Any) -> Any: return bind(P.log, x)
def sin(x: Any) -> Any: return bind(P.sin, x)
def cos(x: Any) -> Any: return bind(P.cos, x)
def tan(x: Any) -> Any: return bind(P.tan, x)
def tanh(x: Any) -> Any: return bind(P.tanh, x)
def sqrt(x: Any) -> Any: return bind(P.sqrt, x)
def abs(x: Any) -> Any: return bind(P.abs, x)  # noqa: A001
def sign(x: Any) -> Any: return bind(P.sign, x)
def maximum(x: Any, y: Any) -> Any: return bind(P.maximum, x, y)
def minimum(x: Any, y: Any) -> Any: return bind(P.minimum, x, y)
def where(condition: Any, x: Any, y: Any) -> Any: return bind(P.where, condition, x, y)
def matmul(x: Any, y: Any) -> Any: return bind(P.matmul, x, y)


def square(x: Any) -> Any:
    return bind(P.mul, x, x)


def log1p(x: Any) -> Any:
    return bind(P.log, 1.0 + x)


def sigmoid(x: Any) -> Any:
    """Logistic function 1/(1+e^-x), as 0.5*tanh(x/2)+0.5: no overflow for large |x|."""
    return 0.5 * bind(P.tanh, x * 0.5) + 0.5


def relu(x: Any) -> Any:
    """max(x, 0) with relu'(0) = 0 (the gradient flows only where x > 0)."""
    return bind(P.where, bind(P.greater, x, 0), x, 0.0)


def softplus(x: Any) -> Any:
    """log(1 + e^x), computed stably as max(x, 0) + log(1 + e^-|x|)."""
    return relu(x) + log1p(bind(P.exp, -bind(P.abs, x)))


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return bind(P.sum, x, axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return _mean(x, axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return bind(P.amax, x, axis=axis, keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return bind(P.amin, x, axis=axis, keepdims=keepdims)


def reshape(x: Any, shape: Any) -> Any:
    return bind(P.reshape, x, shape=tuple(shape) if isinstance(shape, (list, tuple)) else (shape,))


def transpose(x: Any, axes: Any = None) -> Any:
    return bind(P.transpose, x, axes=None if axes is None else tuple(axes))


def broadcast_to(x: Any, shape: Any) -> Any:
    return bind(P.broadcast_to, x, shape=tuple(shape))


def concatenate(arrays: Sequence[Any], axis: int = 0) -> Any:
    return bind(P.concatenate, *arrays, axis=axis)


def stack(arrays: Sequence[Any], axis: int = 0) -> Any:
    return bind(P.stack, *arrays, axis=axis)


HANDLED_FUNCTIONS: dict = {
    _np.sum: sum, _np.mean: mean, _np.max: max, _np.min: min, _np.amax: max, _np.amin: min,
    _np.reshape: reshape, _np.transpose: transpose, _np.broadcast_to: broadcast_to,
    _np.concatenate: concatenate, _np.stack: stack, _np.where: where, _np.matmul: matmul,
}
