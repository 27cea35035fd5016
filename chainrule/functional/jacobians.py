"""Jacobians and Hessians: all basis directions in one batched pass."""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

from .. import ops as P
from ..interpret.batching import batched_call
from ..core.pytree import tree_flatten, tree_map, tree_unflatten
from ._common import (Argnums, _as_primal, _check_argnums, _flatten_args, _float_dtype, _fname,
                      _named, _reading, _restore, _select, _unflatten_args, _zeros_for)
from .grads import grad, jvp, vjp

__all__ = ["jacfwd", "jacrev", "jacobian", "hessian", "hvp"]


# ----------------------------------------------------------------------------------------
# Jacobians: all basis directions in one batched pass.

def _basis(shape: tuple, dtype: Any = np.float64) -> np.ndarray:
    """The standard basis of arrays of ``shape``, stacked: shape ``(size,) + shape``."""
    size = int(np.prod(shape, dtype=int))
    return np.eye(size, dtype=dtype).reshape((size,) + tuple(shape))


def _to_trailing(block: Any, lead_shape: tuple, trail_shape: tuple) -> Any:
    """A batched block of shape ``(prod(trail),) + lead`` -> ``lead + trail``."""
    nd = len(lead_shape)
    if nd:
        block = P.transpose(block, axes=tuple(range(1, nd + 1)) + (0,))
    return P.reshape(block, shape=tuple(lead_shape) + tuple(trail_shape))


def _from_leading(block: Any, lead_shape: tuple, trail_shape: tuple) -> Any:
    """A batched block of shape ``(prod(lead),) + trail`` -> ``lead + trail``."""
    return P.reshape(block, shape=tuple(lead_shape) + tuple(trail_shape))


def _assemble(blocks: list, out_tree: Any, in_trees: list, single: bool) -> Any:
    """``blocks[i][j]``: Jacobian of output leaf i w.r.t. input leaf j. Nest them as
    output structure of (input structure), as JAX does."""
    per_out = []
    for row in blocks:
        args = _unflatten_args(in_trees, row)
        per_out.append(args[0] if single else args)
    return tree_unflatten(out_tree, per_out)


def _complex_check(leaves: Sequence[Any], which: str, who: str, holomorphic: bool) -> None:
    """Jacobians of complex values are ambiguous unless ``f`` is holomorphic, as in JAX:
    forward mode on a complex input pushes real directions only (∂f/∂x, not ∂f/∂y), reverse
    mode on a complex output pulls back real cotangents only. Say so instead of returning
    half a derivative. With ``holomorphic=True`` inputs and outputs must be complex."""
    for leaf in leaves:
        kind = P.dtype_of(leaf).kind
        if holomorphic and kind != "c":
            raise TypeError(
                f"{who} with holomorphic=True needs complex {which}s, but one has dtype "
                f"{P.dtype_of(leaf)}; make it complex (x + 0j) or leave holomorphic out")
        if not holomorphic and kind == "c":
            other = "jacrev, for a real-valued function of complex inputs (its rows are " \
                "gradients)" if which == "input" else "jacfwd, for complex outputs of real inputs"
            raise TypeError(
                f"{who} of a function with a complex {which} ({P.dtype_of(leaf)}) is ambiguous "
                "unless the function is holomorphic: pass holomorphic=True if it is (the result "
                f"is f'(z)); else use {other}, or split into real and imaginary parts")


def _jac_fwd(f, args, kwargs, argnums, has_aux, who, *, holomorphic=False):
    single, nums = _check_argnums(argnums, len(args), who)
    g = _select(f, args, nums, kwargs)
    chosen = [args[n] for n in nums]
    in_leaves, in_trees = _flatten_args(chosen)
    in_leaves = [_as_primal(x) for x in in_leaves]
    _complex_check(in_leaves, "input", who, holomorphic)
    like = _flatten_args(chosen)[0]

    def flat_f(*leaves):
        return g(*_unflatten_args(in_trees, leaves))

    if not in_leaves:
        raise ValueError(f"{who}: the arguments to differentiate hold no arrays")
    columns = []          # columns[j]: list over output leaves of (n_j,) + out_shape
    primal = aux = out_tree = None
    for j, x in enumerate(in_leaves):
        shape = P.shape_of(x)
        captured = {}

        def push(t, j=j, captured=captured):
            tangents = [t if k == j else _zeros_for(v) for k, v in enumerate(in_leaves)]
            res = jvp(flat_f, in_leaves, tangents, has_aux=has_aux)
            captured["out"] = res[0]
            if has_aux:
                captured["aux"] = res[2]
            return res[1]

        basis = _basis(shape, _float_dtype(x))   # x's dtype, so float32 stays float32
        touts = batched_call(push, [basis], [True], int(np.prod(shape, dtype=int)))
        primal = captured["out"]
        aux = captured.get("aux")
        t_leaves, out_tree = tree_flatten(touts)
        columns.append((t_leaves, shape))
    out_leaves = tree_flatten(primal)[0]
    if holomorphic:
        _complex_check(out_leaves, "output", who, holomorphic)
    blocks = []
    for i, o in enumerate(out_leaves):
        oshape = P.shape_of(o)
        blocks.append([_restore(_to_trailing(t_leaves[i], oshape, shape), like[j])
                       for j, (t_leaves, shape) in enumerate(columns)])
    jac = _assemble(blocks, out_tree, in_trees, single)
    return jac, primal, aux


def _jac_rev(f, args, kwargs, argnums, has_aux, who, prepared=None, *, holomorphic=False):
    single, nums = _check_argnums(argnums, len(args), who)
    chosen = [args[n] for n in nums]
    in_leaves, in_trees = _flatten_args(chosen)
    if holomorphic:
        _complex_check(in_leaves, "input", who, holomorphic)
    if prepared is None:
        prepared = vjp(_select(f, args, nums, kwargs), *chosen, has_aux=has_aux)
    out, pullback = prepared[0], prepared[1]
    aux = prepared[2] if has_aux else None
    out_leaves, out_tree = tree_flatten(out)
    _complex_check(out_leaves, "output", who, holomorphic)
    if holomorphic:   # vjp's rows are conj(f'(z)) (PyTorch's convention); f'(z) is wanted
        plain = pullback
        pullback = lambda ct: tree_map(P.conj, plain(ct))  # noqa: E731
    blocks = []
    for i, o in enumerate(out_leaves):
        oshape = P.shape_of(o)

        def pull(c, i=i):
            cts = [c if k == i else _zeros_for(v) for k, v in enumerate(out_leaves)]
            return pullback(tree_unflatten(out_tree, cts))

        cts = batched_call(pull, [_basis(oshape)], [True], int(np.prod(oshape, dtype=int)))
        ct_leaves = _flatten_args(cts)[0]
        blocks.append([_restore(_from_leading(c, oshape, P.shape_of(x)), x)
                       for c, x in zip(ct_leaves, in_leaves)])
    return _assemble(blocks, out_tree, in_trees, single), out, aux


def _jac_transform(f: Callable, argnums: Argnums, has_aux: bool, who: str,
                   impl: Callable, holomorphic: bool = False) -> Callable:
    def jac_of_f(*args: Any, **kwargs: Any) -> Any:
        jac, _, aux = _reading(args, functools.partial(impl, holomorphic=holomorphic), f, args,
                               kwargs, argnums, has_aux, who)
        return (jac, aux) if has_aux else jac
    return _named(jac_of_f, f, who)


def jacfwd(f: Callable, argnums: Argnums = 0, has_aux: bool = False, *,
           holomorphic: bool = False) -> Callable:
    """Jacobian by forward mode: one batched JVP pass per input leaf, all its basis
    tangents at once. The Jacobian of output ``y`` w.r.t. input ``x`` has shape
    ``y.shape + x.shape``. Cheaper than ``jacrev`` when inputs are fewer than outputs.

    >>> import numpy as np, chainrule as cr
    >>> cr.jacfwd(lambda x: x[::-1] * 2.0)(np.array([1.0, 2.0])).tolist()
    [[0.0, 2.0], [2.0, 0.0]]
    """
    return _jac_transform(f, argnums, has_aux, "jacfwd", _jac_fwd, holomorphic)


def jacrev(f: Callable, argnums: Argnums = 0, has_aux: bool = False, *,
           holomorphic: bool = False) -> Callable:
    """Jacobian by reverse mode: one forward pass, then one batched VJP pass per output leaf
    with all its basis cotangents at once. Cheaper than ``jacfwd`` for few outputs.

    >>> import numpy as np, chainrule as cr
    >>> cr.jacrev(lambda x: x * x)(np.array([1.0, 3.0])).tolist()
    [[2.0, 0.0], [0.0, 6.0]]
    """
    return _jac_transform(f, argnums, has_aux, "jacrev", _jac_rev, holomorphic)


def _jac_auto(f, args, kwargs, argnums, has_aux, who, *, holomorphic=False):
    # Reverse mode needs one cotangent per output element, forward mode one tangent per input
    # element: run the forward pass once (recording), then pick by the sizes.
    _, nums = _check_argnums(argnums, len(args), who)
    chosen = [args[n] for n in nums]
    prepared = vjp(_select(f, args, nums, kwargs), *chosen, has_aux=has_aux)
    out_leaves = tree_flatten(prepared[0])[0]
    in_leaves = _flatten_args(chosen)[0]
    n_out = sum(int(np.prod(P.shape_of(o), dtype=int)) for o in out_leaves)
    n_in = sum(int(np.prod(P.shape_of(x), dtype=int)) for x in in_leaves)
    # Without holomorphic=True, only one mode is defined where values are complex: reverse
    # for complex inputs (real outputs), forward for complex outputs (real inputs).
    complex_in = any(P.dtype_of(x).kind == "c" for x in in_leaves)
    complex_out = any(P.dtype_of(o).kind == "c" for o in out_leaves)
    if (n_out <= n_in or complex_in) and (holomorphic or not complex_out):
        return _jac_rev(f, args, kwargs, argnums, has_aux, who, prepared,
                        holomorphic=holomorphic)
    return _jac_fwd(f, args, kwargs, argnums, has_aux, who, holomorphic=holomorphic)


def jacobian(f: Callable, argnums: Argnums = 0, has_aux: bool = False, *,
             holomorphic: bool = False) -> Callable:
    """The Jacobian of ``f``, by reverse mode when the outputs have no more elements than the
    inputs, else by forward mode. Shape: output shape + input shape.

    >>> import numpy as np, chainrule as cr
    >>> cr.jacobian(lambda x: x.sum() * x)(np.array([1.0, 2.0])).tolist()
    [[4.0, 1.0], [2.0, 5.0]]
    """
    return _jac_transform(f, argnums, has_aux, "jacobian", _jac_auto, holomorphic)


def hessian(f: Callable, argnums: Argnums = 0, *, holomorphic: bool = False) -> Callable:
    """The Hessian of scalar-valued ``f``, forward-over-reverse: ``jacfwd(grad(f))``, every
    Hessian-vector product of the basis in one batched pass. Shape: ``x.shape + x.shape``.

    >>> import numpy as np, chainrule as cr
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> cr.hessian(lambda x: x @ A @ x)(np.ones(2)).tolist()
    [[2.0, 2.0], [2.0, 6.0]]
    """
    def scalar_f(*args: Any, **kwargs: Any) -> Any:
        out = f(*args, **kwargs)
        if isinstance(out, (tuple, list, dict)) or P.shape_of(out) != ():
            shape = type(out).__name__ if isinstance(out, (tuple, list, dict)) \
                else f"an output of shape {P.shape_of(out)}"
            raise TypeError(f"hessian requires a function with a scalar output, got {shape}. "
                            "Use jacfwd(jacrev(f)) for the second derivative of a "
                            "vector-valued function.")
        return out

    scalar_f.__name__ = _fname(f)
    inner = grad(scalar_f, argnums, holomorphic=holomorphic)

    def hessian_of_f(*args: Any, **kwargs: Any) -> Any:
        return jacfwd(inner, argnums, holomorphic=holomorphic)(*args, **kwargs)

    return _named(hessian_of_f, f, "hessian")


def hvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """Hessian-vector product of scalar-valued ``f`` at ``primals`` along ``tangents``
    (forward-over-reverse: one JVP of the gradient, never the full Hessian).

    Returns one value per primal: a single value for one primal, else a tuple.

    >>> import numpy as np, chainrule as cr
    >>> cr.hvp(lambda x: (x ** 3).sum(), (np.array([1.0, 2.0]),), (np.array([1.0, 1.0]),))
    array([ 6., 12.])
    """
    primals, tangents = tuple(primals), tuple(tangents)
    nums = tuple(range(len(primals)))
    if not nums:
        raise ValueError("hvp: no primals given; pass a sequence with one entry per argument")
    _, out = jvp(grad(f, argnums=nums), primals, tangents)
    return out[0] if len(primals) == 1 else out
