"""``chainrule.scipy.integrate``: ``odeint`` (SciPy's LSODA), differentiable in the initial
state and in the parameters passed through ``args``.

The reverse-mode gradient is the adjoint method: one backward solve of the augmented system
[y, λ, θ̄] per output interval (dλ/dt = -λᵀ ∂f/∂y, dθ̄/dt = -λᵀ ∂f/∂θ), so the memory does not
grow with the number of solver steps; forward mode solves the sensitivity equations
ds/dt = ∂f/∂y s + ∂f/∂θ θ̇ alongside y. The vector-Jacobian and Jacobian-vector products of
``func`` come from chainrule itself, so ``func`` is written with ``chainrule.numpy``
functions (or NumPy functions that dispatch to them). Both rules give first derivatives;
their accuracy is the solver's (pass tight ``rtol``/``atol``).

>>> import chainrule as cr
>>> from chainrule.scipy.integrate import odeint
>>> decay = lambda y, t, k: -k * y                  # y(t) = y0 e^(-k t)
>>> ys = odeint(decay, [1.0], [0.0, 1.0], 0.5, rtol=1e-12, atol=1e-12)
>>> round(float(ys[1, 0]), 9)
0.60653066
>>> g = cr.grad(lambda k: odeint(decay, [1.0], [0.0, 1.0], k, rtol=1e-12, atol=1e-12)[1, 0])
>>> round(float(g(0.5)), 7)                         # d/dk e^(-k) = -e^(-k)
-0.6065307
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as _np

from .. import numpy as cnp
from ..core import Primitive, Tracer, bind, value_of
from ..functional import jvp as _jvp, vjp as _vjp
from ..numpy._helpers import _arr
from ..ops.special import scipy_module

__all__ = ["odeint"]


def _unflatten(theta: Any, shapes: tuple) -> list:
    parts, i = [], 0
    for s in shapes:
        n = int(_np.prod(s, dtype=int))
        parts.append(cnp.reshape(theta[i:i + n], s))
        i += n
    return parts


def _solve(rhs: Callable, y0: Any, t: Any, rtol: Optional[float], atol: Optional[float],
           mxstep: int) -> _np.ndarray:
    return scipy_module("integrate").odeint(rhs, y0, t, rtol=rtol, atol=atol, mxstep=mxstep)


def _impl(z, t, *, func, ny, shapes, rtol, atol, mxstep):
    z = _np.asarray(z, dtype=float)
    args = _unflatten(z[ny:], shapes)

    def rhs(y, tt):
        return _np.ravel(_np.asarray(value_of(func(y, tt, *args)), dtype=float))

    return _solve(rhs, z[:ny], t, rtol, atol, mxstep)


def _first_order(who: str, *values: Any) -> None:
    if any(isinstance(v, Tracer) for v in values):
        raise NotImplementedError(
            f"odeint: its {who} rule gives first derivatives only, and it was asked for a "
            "derivative of a derivative; use finite differences of the gradient for higher "
            "orders")


def _vjp_z(g, out, z, t, *, func, ny, shapes, rtol, atol, mxstep):
    _first_order("adjoint (reverse-mode)", g, out, z, t)
    g, out = _np.asarray(g, dtype=float), _np.asarray(out, dtype=float)
    t, theta = _np.asarray(t, dtype=float), _np.asarray(z, dtype=float)[ny:]

    def aug(state, tt):
        y, lam = state[:ny], state[ny:2 * ny]
        fy, pull = _vjp(lambda y_, th_: func(y_, tt, *_unflatten(th_, shapes)), y, theta)
        gy, gth = pull(-lam)
        return _np.concatenate([_np.ravel(value_of(fy)), _np.ravel(gy), _np.ravel(gth)])

    lam, theta_bar = g[-1].copy(), _np.zeros_like(theta)
    for i in range(len(t) - 1, 0, -1):
        state = _solve(aug, _np.concatenate([out[i], lam, theta_bar]), [t[i], t[i - 1]],
                       rtol, atol, mxstep)[-1]
        lam, theta_bar = state[ny:2 * ny] + g[i - 1], state[2 * ny:]
    return _np.concatenate([lam, theta_bar])


def _jvp_z(tz, out, z, t, *, func, ny, shapes, rtol, atol, mxstep):
    _first_order("sensitivity (forward-mode)", tz, out, z, t)
    z, tz = _np.asarray(z, dtype=float), _np.asarray(tz, dtype=float)
    theta, t_theta = z[ny:], tz[ny:]

    def aug(state, tt):
        y, s = state[:ny], state[ny:]
        fy, ds = _jvp(lambda y_, th_: func(y_, tt, *_unflatten(th_, shapes)), (y, theta),
                      (s, t_theta))
        return _np.concatenate([_np.ravel(value_of(fy)), _np.ravel(ds)])

    return _solve(aug, _np.concatenate([z[:ny], tz[:ny]]), t, rtol, atol, mxstep)[:, ny:]


def _no_t(*args, **params):
    raise TypeError("odeint is not differentiable in the times t in chainrule; pass t as a "
                    "constant array")


# Not a row of the table: its rules are numerical solves (first order only), which the
# table-driven tests would differentiate twice. Batching loops.
ODEINT = Primitive("odeint", _impl, [_vjp_z, _no_t], [_jvp_z, _no_t], batch="loop")


def odeint(func: Callable, y0: Any, t: Any, *args: Any, rtol: Optional[float] = None,
           atol: Optional[float] = None, mxstep: int = 0) -> Any:
    """Solve dy/dt = func(y, t, *args) from y(t[0]) = y0; the states at the times ``t``
    (shape (len(t), len(y0))), as ``scipy.integrate.odeint`` with the same tolerances.

    ``y0`` is a vector (a scalar is one state); ``args`` are arrays or numbers, each
    differentiable. ``t`` is a constant, increasing or decreasing sequence.
    """
    y0 = cnp.ravel(_arr(y0))
    ny = _np.shape(value_of(y0))[0]
    parts = [_arr(a) for a in args]
    shapes = tuple(_np.shape(value_of(p)) for p in parts)
    z = cnp.concatenate([y0] + [cnp.ravel(p) for p in parts]) if parts else y0
    z = z + 0.0 if not isinstance(z, Tracer) else z   # integer states solve as floats
    return bind(ODEINT, z, _np.asarray(value_of(t), dtype=float) if not isinstance(t, Tracer)
                else t, func=func, ny=ny, shapes=shapes, rtol=rtol, atol=atol, mxstep=mxstep)
