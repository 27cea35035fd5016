"""Reverse and forward mode on functions: ``vjp``, ``jvp``, ``grad``, ``value_and_grad``,
``elementwise_grad``."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..interpret import reverse as engine
from .. import ops as P
from ..core import Tracer, _grad_enabled, _numpy_reading, new_level
from ..core import values as _values
from ..interpret.forward import Dual, unpack
from ..core.pytree import tree_flatten, tree_map, tree_unflatten
from ..core import enable_grad
from ..eager.tensor import Tensor, _as_value
from ._common import (Argnums, _as_primal, _cast_like, _check_argnums, _flatten_args, _named,
                      _ones_like, _reading, _restore, _select, _split_aux, _strip_aux,
                      _unflatten_args, _zeros_for)

__all__ = ["vjp", "jvp", "grad", "value_and_grad", "elementwise_grad"]


# vjp and jvp: the two primitive transforms.

def vjp(f: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """Evaluate ``f(*primals)`` and return ``(out, vjp_fn)``; ``vjp_fn(ct)`` gives the
    cotangent of every primal: ``ct`` (shaped like ``out``) pulled back through ``f``.

    With ``has_aux=True``, ``f`` returns ``(out, aux)`` and the result is
    ``(out, vjp_fn, aux)``. ``vjp_fn`` may be called many times.

    Complex values take PyTorch's convention (``torch.func.vjp``'s), the one ``grad`` and
    ``.grad`` use: for a real loss ``L``, the cotangent of ``z = x + iy`` is
    ``∂L/∂x + i·∂L/∂y``, so ``vjp_fn(1.0)`` is ``grad(f)`` (JAX's ``vjp`` gives the
    conjugate; docs/complex.md). For a holomorphic ``f``, ``vjp_fn(v) = v·conj(f′(z))``.

    >>> import chainrule as cr
    >>> out, f_vjp = cr.vjp(lambda x: x * x, 3.0)
    >>> f_vjp(1.0)
    (6.0,)
    """
    level = new_level()
    in_leaves, in_trees = _flatten_args(primals)
    tleaves = [Tensor._leaf(_as_primal(p), level) for p in in_leaves]
    with enable_grad():
        out = _reading(primals, f, *_unflatten_args(in_trees, tleaves))
    out, aux = _split_aux(out, has_aux, "vjp")
    if has_aux:
        aux = _strip_aux(aux, level)
    out_leaves, out_tree = tree_flatten(out)
    traced = [isinstance(o, Tensor) and o._level == level for o in out_leaves]
    out_values = [o._data if t else o for o, t in zip(out_leaves, traced)]
    like = in_leaves[0] if in_leaves else None

    def vjp_fn(ct: Any) -> tuple:
        ct_leaves, ct_tree = tree_flatten(ct)
        if ct_tree != out_tree:
            raise ValueError(f"vjp: the cotangent has structure {ct_tree} but the function's "
                             f"output has structure {out_tree}; they must match.")
        roots, root_cts = [], []
        for o, v, c, t in zip(out_leaves, out_values, ct_leaves, traced):
            c_shape, o_shape = P.shape_of(c), P.shape_of(v)
            # (a Dask array of unknown size, after a boolean mask, has nan in its shape)
            if c_shape != o_shape and not any(n != n for n in o_shape):
                raise ValueError(f"vjp: cotangent has shape {c_shape} but the function's "
                                 f"output has shape {o_shape}; they must match.")
            if t and o.requires_grad:
                roots.append(o)
                if _values.is_foreign(v) and isinstance(c, (int, float, np.generic)):
                    # A number as the cotangent of another library's array: made one of
                    # its arrays (dtype, device), as a NumPy output would make it NumPy's.
                    c = _values._scalar_like(_values.array_namespace(v), float(c), v)
                root_cts.append(c if type(c) is float else engine.user_convention(
                    c if isinstance(c, Tracer) else _as_value(c, None, True)))
        if roots:
            grads = engine.backward_pass(
                roots, root_cts, targets=tleaves, accumulate=False, retain_graph=True,
                wrap=lambda v: Tensor._wrap(v, level))
        else:
            grads = [None] * len(tleaves)
        flat = [_restore(_zeros_for(x) if g is None else _user_ct(_cast_like(g, x)), p)
                for g, x, p in zip(grads, tleaves, in_leaves)]
        return _unflatten_args(in_trees, flat)

    out_restored = tree_unflatten(out_tree, [_restore(v, like) for v in out_values])
    if has_aux:
        return out_restored, vjp_fn, aux
    return out_restored, vjp_fn


def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any], *,
        has_aux: bool = False) -> tuple:
    """Evaluate ``f(*primals)`` and its directional derivative along ``tangents``.

    ``primals`` and ``tangents`` are sequences with one entry (a pytree) per argument of
    ``f``. Returns ``(out, tangent_out)``, or ``(out, tangent_out, aux)`` with ``has_aux``.

    >>> import chainrule as cr
    >>> cr.jvp(lambda x: x ** 3, (2.0,), (1.0,))
    (8.0, 12.0)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents; "
                         "pass one tangent per primal.")
    p_leaves, p_trees = _flatten_args(primals)
    t_leaves, t_trees = _flatten_args(tangents)
    for i, (pt, tt) in enumerate(zip(p_trees, t_trees)):
        if pt != tt:
            raise ValueError(f"jvp: tangent {i} has structure {tt} but its primal has "
                             f"structure {pt}; they must match.")
    level = new_level()
    duals = []
    for p, t in zip(p_leaves, t_leaves):
        p = _as_primal(p)
        t = t if isinstance(t, Tracer) else _as_value(t, None, True)
        if P.shape_of(p) != P.shape_of(t):
            raise ValueError(f"jvp: tangent has shape {P.shape_of(t)} but its primal has shape "
                             f"{P.shape_of(p)}; they must match (no broadcasting).")
        duals.append(Dual(p, t, level))
    out = _reading(primals, f, *_unflatten_args(p_trees, duals))
    out, aux = _split_aux(out, has_aux, "jvp")
    if has_aux:
        aux = _strip_aux(aux, level)
    out_leaves, out_tree = tree_flatten(out)
    like = p_leaves[0] if p_leaves else None
    pairs = [unpack(o, level, _zeros_for) for o in out_leaves]
    primal_out = tree_unflatten(out_tree, [_restore(p, like) for p, _ in pairs])
    tangent_out = tree_unflatten(out_tree, [_restore(t, like) for _, t in pairs])
    if has_aux:
        return primal_out, tangent_out, aux
    return primal_out, tangent_out


# ----------------------------------------------------------------------------------------
# Gradients.

def _user_ct(g: Any) -> Any:
    """An input's cotangent in the users' convention (PyTorch's: conjugate if complex)."""
    return g if type(g) is float else engine.user_convention(g)


def _scalar_one(out: Any, like: Any = None) -> Any:
    """The cotangent 1 that starts the gradient of the scalar ``out``, given once restored
    (:func:`_restore`) to the kind of the first input ``like``: a float seed (the pass runs
    in float64) for a result that became a Python float, else one of the result's dtype.

    A value that stands for a plain one (cr.compile's traced values, which tell its type by
    ``_plain_type()``) cannot be restored while tracing; it gets the seed its restored result
    would, so the traced pass is the eager one operation for operation."""
    if type(out) is float:
        return 1.0
    if _values.is_foreign(out):
        return _values.ones_like_value(out)   # the seed in out's library and device
    dtype = P.dtype_of(out)
    if hasattr(type(out), "_plain_type") and P.shape_of(out) == () and issubclass(
            like._plain_type() if hasattr(type(like), "_plain_type") else type(like),
            (int, float, complex)):
        if dtype.kind == "f":
            return 1.0
        if dtype.kind == "c":
            dtype = np.dtype(np.complex128)   # what complex(value) has
    return 1.0 if dtype == np.float64 or dtype.kind not in "fc" else dtype.type(1)


def _check_holomorphic_inputs(args: tuple, nums: tuple, who: str) -> None:
    for n in nums:
        for leaf in tree_flatten(args[n])[0]:
            if P.dtype_of(leaf).kind != "c":
                raise TypeError(
                    f"{who} with holomorphic=True needs complex inputs, but argument {n} has "
                    f"dtype {P.dtype_of(leaf)}; pass it as complex (x + 0j, "
                    "x.astype(complex)) or leave holomorphic out for a real function")


def _value_and_grad(f: Callable, argnums: Argnums, has_aux: bool, who: str,
                    args: tuple, kwargs: dict, holomorphic: bool = False) -> tuple:
    if holomorphic:
        _check_holomorphic_inputs(args, _check_argnums(argnums, len(args), who)[1], who)
    elif type(argnums) is int and not has_aux and -len(args) <= argnums < len(args):
        x = args[argnums]
        if type(x) is float or type(x) is np.ndarray:
            return _value_and_grad_plain(f, argnums % len(args), who, args, kwargs)
    single, nums = _check_argnums(argnums, len(args), who)
    res = vjp(_select(f, args, nums, kwargs), *[args[n] for n in nums], has_aux=has_aux)
    out, pullback = res[0], res[1]
    _check_scalar_output(out, who, has_aux, holomorphic)
    firsts = tree_flatten([args[n] for n in nums])[0]
    grads = pullback(_scalar_one(out, firsts[0] if firsts else None))
    if holomorphic:
        # vjp_fn(1) is conj(f'(z)) in PyTorch's convention; the complex derivative is f'(z).
        grads = tree_map(_user_ct, grads)
    return (out, res[2] if has_aux else None), (grads[0] if single else grads)


def _value_and_grad_plain(f: Callable, n: int, who: str, args: tuple, kwargs: dict) -> tuple:
    """The common case, without vjp's generality: one argument, a float or an array, and a
    pullback used once (so the graph is freed as it is walked). Same results as vjp."""
    x = args[n]
    level = new_level()
    leaf = Tensor._leaf(x if type(x) is float else _as_primal(x), level)
    if len(args) == 1 and not kwargs:
        full: Sequence = (leaf,)
    else:
        full = list(args)
        full[n] = leaf
    if _grad_enabled.get():
        out = f(*full, **kwargs)
    else:   # enable_grad(), without the context manager's calls
        token = _grad_enabled.set(True)
        try:
            out = f(*full, **kwargs)
        finally:
            _grad_enabled.reset(token)
    scalar = type(out) is Tensor and type(out._data) is float   # (a float is a scalar)
    if not scalar:
        _check_scalar_output(out, who, False)
    traced = isinstance(out, Tensor) and out._level == level
    # (the float checks below are the scalar case's shortcuts: same results, fewer calls)
    value = out._data if scalar and traced and type(x) is float else \
        _restore(out._data if traced else out, x)
    g = None
    if traced and out.requires_grad:
        (g,) = engine.backward_pass([out], [1.0 if type(value) is float else _scalar_one(value, x)],
                                    targets=[leaf], accumulate=False, wrap=leaf._wrap_constant)
        if type(g) is float and type(x) is float:
            return (value, None), g
    return (value, None), _restore(_zeros_for(leaf) if g is None else
                                   _user_ct(_cast_like(g, leaf)), x)


def _check_scalar_output(out: Any, who: str, has_aux: bool, holomorphic: bool = False) -> None:
    if isinstance(out, (tuple, list, dict)):
        raise TypeError(
            f"{who} requires a function with a single scalar output, but it returned a "
            f"{type(out).__name__}. Use jacobian (or vjp) for several outputs"
            f"{'' if has_aux else ', or has_aux=True if the extra values are auxiliary data'}.")
    if P.shape_of(out) != ():
        raise TypeError(
            f"{who} requires a function with a scalar output, but the output has shape "
            f"{P.shape_of(out)}. Use jacobian for the full derivative, elementwise_grad for "
            "an elementwise function, or reduce the output (e.g. .sum()).")
    kind = P.dtype_of(out).kind
    if kind == "c" and not holomorphic:
        raise TypeError(
            f"{who} requires a real-valued function, but the output is complex "
            f"({P.dtype_of(out)}). For a holomorphic function pass holomorphic=True (the result "
            "is f'(z)); otherwise use jacobian, or differentiate a real part (.real, abs()).")
    if holomorphic and kind != "c":
        raise TypeError(
            f"{who} with holomorphic=True needs a complex-valued function, but the output has "
            f"dtype {P.dtype_of(out)}; leave holomorphic out to get the gradient of a real "
            "function.")


def value_and_grad(f: Callable, argnums: Argnums = 0, has_aux: bool = False, *,
                   holomorphic: bool = False) -> Callable:
    """Return a function giving ``(f(*args), gradient of f with respect to args[argnums])``.

    ``argnums`` an int gives one gradient, a tuple gives a tuple of them. With
    ``has_aux=True``, ``f`` returns ``(value, aux)`` and the result is
    ``((value, aux), gradient)``.

    >>> import chainrule as cr
    >>> cr.value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (12.0, (4.0, 3.0))
    """
    def value_and_grad_of_f(*args: Any, **kwargs: Any) -> tuple:
        (out, aux), g = _reading(args, _value_and_grad, f, argnums, has_aux, "value_and_grad",
                                 args, kwargs, holomorphic)
        return ((out, aux) if has_aux else out), g

    return _named(value_and_grad_of_f, f, "value_and_grad")


def grad(f: Callable, argnums: Argnums = 0, has_aux: bool = False, *,
         holomorphic: bool = False) -> Callable:
    """Return a function giving the gradient of scalar-valued ``f`` with respect to
    ``args[argnums]`` (a pytree argument gives a gradient of the same structure).

    With ``has_aux=True``, ``f`` returns ``(value, aux)`` and the result is
    ``(gradient, aux)``.

    ``f`` must be real-valued; for a complex input ``z = x + iy`` the gradient is PyTorch's
    ``∂f/∂x + i·∂f/∂y`` (so ``z - lr * grad`` descends; docs/complex.md). With
    ``holomorphic=True`` (as in JAX), ``f`` is complex-valued and holomorphic in complex
    inputs, and the result is the complex derivative ``f′(z)``.

    >>> import chainrule as cr
    >>> cr.grad(lambda x: 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5)(2.0)
    233.0
    >>> cr.grad(lambda p: p["w"] * p["b"])({"w": 2.0, "b": 5.0})
    {'b': 2.0, 'w': 5.0}
    """
    def grad_of_f(*args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and type(args[0]) is float and _numpy_reading.get():
            # W1's cr.grad(f)(2.0): already NumPy's reading, so no _reading frame.
            (_, aux), g = _value_and_grad(f, argnums, has_aux, "grad", args, kwargs,
                                          holomorphic)
        else:
            (_, aux), g = _reading(args, _value_and_grad, f, argnums, has_aux, "grad", args,
                                   kwargs, holomorphic)
        return (g, aux) if has_aux else g

    return _named(grad_of_f, f, "grad")


def elementwise_grad(f: Callable, argnums: int = 0) -> Callable:
    """Return a function giving df/dx at every point of an array ``x``, for ``f`` acting
    elementwise (what a plot of f' over a grid needs). One forward-mode pass with a tangent
    of ones: for an elementwise ``f`` that is exactly the diagonal of the Jacobian. (For a
    non-elementwise ``f`` it is the sum of each output's row of the Jacobian; use jacobian.)

    >>> import numpy as np, chainrule as cr
    >>> cr.elementwise_grad(lambda x: x ** 3)(np.array([1.0, 2.0]))
    array([ 3., 12.])
    """
    if not isinstance(argnums, (int, np.integer)):
        raise TypeError(f"elementwise_grad: argnums must be one int, got {argnums!r}; for "
                        "several arguments use jacobian or grad with argnums=(...)")

    def elementwise_grad_of_f(*args: Any, **kwargs: Any) -> Any:
        _, (n,) = _check_argnums(argnums, len(args), "elementwise_grad")
        x = args[n]
        leaves, tree = tree_flatten(x)
        # Ones of each leaf's own dtype: a float64 tangent would widen a float32 result.
        ones = tree_unflatten(tree, [_ones_like(leaf) for leaf in leaves])
        _, t = jvp(_select(f, args, (n,), kwargs), (x,), (ones,))
        return t

    return _named(elementwise_grad_of_f, f, "elementwise_grad")
