"""Gradient checks: our derivative rules against central differences, in float64.

:func:`check_grads` (JAX/HIPS-autograd style) checks forward mode against finite differences
along a random direction, and reverse mode against forward through the inner-product identity
⟨u, J v⟩ = ⟨Jᵀ u, v⟩; with ``order=2`` it checks the derivative functions themselves again.
:func:`gradcheck` is PyTorch's: full Jacobians of Tensor functions, element by element.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import ops as P
from .functional import jvp, vjp
from .eager import Tensor, tensor

__all__ = ["check_grads", "check_rule", "gradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """A derivative disagrees with its numerical estimate."""


def _f64(x: Any) -> np.ndarray:
    return np.asarray(P.value_of(x), dtype=np.float64)


def _vdot(a: Any, b: Any) -> float:
    return float(np.sum(_f64(a) * _f64(b)))


def _numerical_jvp(f: Callable, args: Sequence[Any], tangents: Sequence[Any], eps: float) -> Any:
    plus = f(*[a + eps * t for a, t in zip(args, tangents)])
    minus = f(*[a - eps * t for a, t in zip(args, tangents)])
    return (_f64(plus) - _f64(minus)) / (2 * eps)


def _close(actual: Any, expected: Any, atol: float, rtol: float, what: str) -> None:
    actual, expected = _f64(actual), _f64(expected)
    if actual.shape != expected.shape or not np.allclose(actual, expected, atol=atol, rtol=rtol,
                                                         equal_nan=True):
        raise GradcheckError(
            f"{what} does not match its numerical estimate:\n  got      {actual!r}\n"
            f"  expected {expected!r}")


def check_grads(f: Callable, *args: Any, modes: Sequence[str] = ("rev", "fwd"), order: int = 2,
                eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4,
                seed: int = 0) -> None:
    """Check the derivatives of ``f`` at ``args`` up to ``order``, in the given modes.

    Args:
        f: a function of arrays returning an array (any shapes).
        args: the point; converted to float64 for the check.
        modes: ``"fwd"`` (JVP against central differences) and/or ``"rev"`` (VJP against the
            JVP by the inner-product identity; against finite differences if ``"fwd"`` is
            not asked for).
        order: 1 checks first derivatives; 2 also checks the derivative functions themselves.

    Complex arguments and outputs are checked as pairs of real ones (real and imaginary
    parts), so every real direction of a complex input is tested, holomorphic or not.

    Raises:
        GradcheckError: naming the mode and order that failed, with both values.

    >>> import chainrule as cr
    >>> cr.testing.check_grads(lambda x: cr.sin(x) * x, 0.3)
    >>> cr.testing.check_grads(lambda z: abs(z) ** 3, 1 + 2j)
    """
    for m in modes:
        if m not in ("rev", "fwd"):
            raise ValueError(f"check_grads: unknown mode {m!r}; use 'rev' and/or 'fwd'")
    rng = np.random.default_rng(seed)
    if any(np.iscomplexobj(P.value_of(a)) for a in args):
        f, args = _as_real_function(f, args)
    args = tuple(_f64(a) for a in args)
    _check(f, args, tuple(modes), order, eps, atol, rtol, rng)


def _as_real_function(f: Callable, args: Sequence[Any]) -> tuple:
    """``f`` of complex args as a function of real ones: each complex argument becomes its
    real and imaginary parts (two arguments), the output its real and imaginary parts
    stacked on a new leading axis (when complex)."""
    from . import numpy as cnp  # noqa: PLC0415  (a higher layer, only for complex checks)
    kinds = [np.iscomplexobj(P.value_of(a)) for a in args]
    flat = []
    for a, c in zip(args, kinds):
        v = np.asarray(P.value_of(a))
        flat.extend([v.real.astype(np.float64), v.imag.astype(np.float64)] if c else [v])

    def real_f(*xs):
        it = iter(xs)
        full = [next(it) + 1j * next(it) if c else next(it) for c in kinds]
        out = f(*full)
        if P.dtype_of(out).kind == "c":
            return cnp.stack([cnp.real(out), cnp.imag(out)])
        return out

    return real_f, tuple(flat)


def _check(f, args, modes, order, eps, atol, rtol, rng) -> None:
    tangents = tuple(rng.standard_normal(np.shape(a)) for a in args)
    numeric = _numerical_jvp(f, args, tangents, eps)
    if "fwd" in modes:
        out, t_out = jvp(f, args, tangents)
        if P.dtype_of(t_out).kind == "c" and P.dtype_of(out).kind != "c":
            raise GradcheckError(f"forward mode (order {order} check) gave a complex tangent "
                                 f"({P.dtype_of(t_out)}) for a real output: {t_out!r}")
        _close(t_out, numeric, atol, rtol, f"forward mode (order {order} check)")
    if "rev" in modes:
        out, pullback = vjp(f, *args)
        u = rng.standard_normal(np.shape(P.value_of(out)))
        cts = pullback(u)
        lhs = sum(_vdot(c, t) for c, t in zip(cts, tangents))
        _close(lhs, _vdot(u, numeric), atol, rtol, f"reverse mode (order {order} check)")
    if order > 1:
        if "fwd" in modes:
            def f_jvp(*xs):
                return jvp(f, xs, tangents)[1]
            _check(f_jvp, args, modes, order - 1, eps, atol, rtol, rng)
        if "rev" in modes:
            u = rng.standard_normal(np.shape(P.value_of(f(*args))))

            def f_vjp(*xs):
                cts = vjp(f, *xs)[1](u)
                total = 0.0
                for c, t in zip(cts, tangents):
                    total = total + (c * t).sum() if hasattr(c, "sum") else total + c * t
                return total
            _check(f_vjp, args, modes, order - 1, eps, atol, rtol, rng)


def check_rule(f: Callable, *args: Any, order: int = 3, modes: Sequence[str] = None,
               eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4, seed: int = 0) -> None:
    """Check a custom rule (``cr.custom_jvp``, ``cr.custom_vjp``, ``cr.primitive``,
    ``cr.checkpoint``) against central differences at every order up to ``order`` (3 by
    default), in forward and reverse mode: :func:`check_grads` with the orders a custom rule
    needs (its derivatives of derivatives run the rule on traced values, the place where
    rules that save intermediates go wrong).

    ``modes`` defaults to both, or to ``("rev",)`` for a function with a reverse-mode rule
    only (a ``custom_vjp``, or a ``primitive`` with VJP rules only), which forward mode
    cannot differentiate by design. A rule written in plain NumPy passes order 1 and raises a
    ``TypeError`` at order 2 saying so; pass ``order=1`` to check such a rule.

    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> @cr.custom_jvp
    ... def softplus(x):
    ...     return cnp.logaddexp(x, 0.0)
    >>> @softplus.defjvp
    ... def _(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return softplus(x), t * cr.sigmoid(x)
    >>> cr.testing.check_rule(softplus, 0.3)
    """
    if modes is None:
        modes = ("rev", "fwd")
        if getattr(f, "kind", None) == "custom_vjp" or (
                getattr(f, "kind", None) == "primitive" and not f.jvps):
            modes = ("rev",)
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"check_rule: order must be a whole number >= 1, got {order!r}")
    check_grads(f, *args, modes=modes, order=order, eps=eps, atol=atol, rtol=rtol, seed=seed)


def gradcheck(func: Callable, inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """PyTorch's ``gradcheck``: compare the full Jacobian from ``backward()`` with central
    differences, for every input that requires grad.

    >>> import chainrule as cr
    >>> x = cr.tensor([0.5, 1.5], requires_grad=True)
    >>> cr.gradcheck(lambda t: (t ** 3).sum(), (x,))
    True
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input has requires_grad=True; nothing to check. "
                         "Create the inputs to check with cr.tensor(..., requires_grad=True).")
    base = [_f64(x) if isinstance(x, Tensor) else x for x in inputs]

    def call(values):
        ts = [tensor(v, requires_grad=(i in diff)) if i in diff or isinstance(inputs[i], Tensor)
              else v for i, v in enumerate(values)]
        return ts, func(*ts)

    _, out0 = call(base)
    out_shape = P.shape_of(out0)
    n_out = int(np.prod(out_shape))
    try:
        for i in diff:
            x = base[i]
            numeric = np.zeros((x.size, n_out))
            for k in range(x.size):
                plus, minus = [b.copy() if isinstance(b, np.ndarray) else b for b in base], \
                    [b.copy() if isinstance(b, np.ndarray) else b for b in base]
                plus[i] = x.copy()
                minus[i] = x.copy()
                plus[i].flat[k] += eps
                minus[i].flat[k] -= eps
                numeric[k] = (_f64(call(plus)[1]) - _f64(call(minus)[1])).ravel() / (2 * eps)
            analytic = np.zeros((x.size, n_out))
            for j in range(n_out):
                ts, out = call(base)
                ct = np.zeros(n_out)
                ct[j] = 1.0
                out.backward(gradient=ct.reshape(out_shape))
                g = ts[i].grad
                analytic[:, j] = 0.0 if g is None else _f64(g).ravel()
            _close(analytic, numeric, atol, rtol, f"Jacobian of input {i}")
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True
