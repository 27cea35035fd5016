"""JAX-style transforms: functions in, functions out. They never touch ``.grad``.

Each call takes a fresh level (see :mod:`chainrule._core`), so transforms nest freely:
``grad(grad(f))``, ``jvp`` of ``grad``, ``grad`` of ``jvp`` all work.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence, Union

import numpy as np

from . import engine
from . import primitives as P
from ._core import Tracer, new_level
from .forward import Dual, unpack
from .tensor import Tensor, _as_value, enable_grad

__all__ = ["grad", "value_and_grad", "vjp", "jvp"]


def _as_primal(x: Any) -> Any:
    """Inputs: tracers pass through; numbers and arrays become float values."""
    if isinstance(x, Tracer):
        return x
    return _as_value(x, None, True)


def _restore(value: Any, like: Any) -> Any:
    """Give a result the kind of the input it belongs to: float for a number, ndarray for an
    array, Tensor for a Tensor. Tracers of outer transforms pass through unchanged."""
    if isinstance(value, Tracer):
        return value
    if isinstance(like, Tensor):
        return Tensor._wrap(_as_value(value), like._level)
    if isinstance(like, (int, float, np.number)) and np.ndim(value) == 0:
        return float(value) if np.result_type(value).kind == "f" else value
    return np.asarray(value)


def _zeros_for(x: Any) -> Any:
    v = P.value_of(x)
    return np.zeros(np.shape(v), dtype=P.dtype_of(v)) if np.ndim(v) else P.dtype_of(v).type(0)


def vjp(f: Callable, *primals: Any) -> tuple:
    """Evaluate ``f(*primals)`` and return ``(out, vjp_fn)``; ``vjp_fn(ct)`` gives the
    cotangent of every primal: ``ct`` pulled back through ``f``.

    >>> import chainrule as cr
    >>> out, f_vjp = cr.vjp(lambda x: x * x, 3.0)
    >>> f_vjp(1.0)
    (6.0,)
    """
    level = new_level()
    leaves = [Tensor._leaf(_as_primal(p), level) for p in primals]
    with enable_grad():
        out = f(*leaves)
    traced = isinstance(out, Tensor) and out._level == level
    out_value = out._data if traced else out

    def vjp_fn(ct: Any) -> tuple:
        ct_shape, out_shape = P.shape_of(ct), P.shape_of(out_value)
        if ct_shape != out_shape:
            raise ValueError(f"vjp: cotangent has shape {ct_shape} but the function's output "
                             f"has shape {out_shape}; they must match.")
        if not traced or not out.requires_grad:
            grads = [None] * len(leaves)
        else:
            grads = engine.backward_pass(
                [out], [ct], targets=leaves, accumulate=False, retain_graph=True,
                wrap=lambda v: Tensor._wrap(v, level))
        return tuple(_restore(_zeros_for(x) if g is None else _cast_like(g, x), p)
                     for g, x, p in zip(grads, leaves, primals))

    return _restore(out_value, primals[0] if primals else None), vjp_fn


def _cast_like(g: Any, x: Any) -> Any:
    dtype = x.dtype
    if P.dtype_of(g) != dtype:
        return P.cast(g, dtype=dtype)
    return g


def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple:
    """Evaluate ``f(*primals)`` and its directional derivative along ``tangents``.

    Returns ``(out, tangent_out)``.

    >>> import chainrule as cr
    >>> cr.jvp(lambda x: x ** 3, (2.0,), (1.0,))
    (8.0, 12.0)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents; "
                         "pass one tangent per primal.")
    level = new_level()
    duals = []
    for p, t in zip(primals, tangents):
        p = _as_primal(p)
        t = t if isinstance(t, Tracer) else _as_value(t, None, True)
        if P.shape_of(p) != P.shape_of(t):
            raise ValueError(f"jvp: tangent has shape {P.shape_of(t)} but its primal has shape "
                             f"{P.shape_of(p)}; they must match.")
        duals.append(Dual(p, t, level))
    out = f(*duals)
    primal_out, tangent_out = unpack(out, level, _zeros_for)
    like = primals[0] if primals else None
    return _restore(primal_out, like), _restore(tangent_out, like)


def value_and_grad(f: Callable, argnums: Union[int, Sequence[int]] = 0) -> Callable:
    """Return a function giving ``(f(*args), gradient of f with respect to args[argnums])``."""
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)

    @functools.wraps(f)
    def value_and_grad_of_f(*args: Any) -> tuple:
        def partial(*chosen: Any) -> Any:
            full = list(args)
            for n, c in zip(nums, chosen):
                full[n] = c
            return f(*full)

        out, pullback = vjp(partial, *[args[n] for n in nums])
        if P.shape_of(out) != ():
            raise TypeError(
                f"grad requires a function with a scalar output, but the output has shape "
                f"{P.shape_of(out)}. Use jacobian for the full derivative, elementwise_grad for "
                "an elementwise function, or reduce the output (e.g. .sum()).")
        grads = pullback(np.ones((), dtype=P.dtype_of(out)).item()
                         if not isinstance(out, Tracer) else out * 0 + 1)
        return out, (grads[0] if single else grads)

    value_and_grad_of_f.__name__ = f"value_and_grad_of_{getattr(f, '__name__', 'f')}"
    return value_and_grad_of_f


def grad(f: Callable, argnums: Union[int, Sequence[int]] = 0) -> Callable:
    """Return a function giving the gradient of scalar-valued ``f`` with respect to
    ``args[argnums]``.

    >>> import chainrule as cr
    >>> cr.grad(lambda x: 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5)(2.0)
    233.0
    """
    vg = value_and_grad(f, argnums)

    @functools.wraps(f)
    def grad_of_f(*args: Any) -> Any:
        return vg(*args)[1]

    grad_of_f.__name__ = f"grad_of_{getattr(f, '__name__', 'f')}"
    return grad_of_f
