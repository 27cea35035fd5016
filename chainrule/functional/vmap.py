"""``vmap``: JAX's vectorizing map over the batching interpreter."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import ops as P
from ..core import Tracer, new_level
from ..core.pytree import tree_flatten, tree_unflatten
from ..interpret.batching import Batched, BatchedValueError, primal_level
from ._common import _flatten_args, _fname, _named, _reading, _unflatten_args

__all__ = ["vmap"]


# ----------------------------------------------------------------------------------------
# vmap: a function of one example mapped over a batch, in one pass.

def _leaf_axes(spec: Any, value: Any, who: str) -> list:
    """One axis (or None) per leaf of ``value``: ``spec`` is an int or None for all its
    leaves, or a container of the same structure (a pytree prefix, as in JAX)."""
    if spec is None or isinstance(spec, (int, np.integer)):
        return [None if spec is None else int(spec)] * len(tree_flatten(value)[0])
    if isinstance(spec, (tuple, list)) and isinstance(value, (tuple, list)) and \
            len(spec) == len(value):
        return [a for s, v in zip(spec, value) for a in _leaf_axes(s, v, who)]
    if isinstance(spec, dict) and isinstance(value, dict) and set(spec) == set(value):
        return [a for k in sorted(value) for a in _leaf_axes(spec[k], value[k], who)]
    raise ValueError(f"{who}: the axes {spec!r} do not match the structure of the value "
                     f"{type(value).__name__} they are for; give an int or None, or a "
                     "container of the same structure")


def _move_axis(x: Any, src: int, dst: int) -> Any:
    nd = len(P.shape_of(x))
    if src == dst:
        return x
    perm = list(range(nd))
    perm.insert(dst, perm.pop(src))
    if isinstance(x, Tracer):
        return P.transpose(x, axes=tuple(perm))
    return np.transpose(x, perm)


def vmap(f: Callable, in_axes: Any = 0, out_axes: Any = 0) -> Callable:
    """Map ``f``, written for one example, over a batch axis of its arguments, in ONE pass
    (JAX's ``jax.vmap``): every operation runs once on the whole batch
    (:mod:`chainrule.interpret.batching`), not once per example.

    ``in_axes``: the batch axis of each positional argument, an int for all of them or a
    tuple with one entry per argument (an int, ``None`` for an argument shared by every
    example, or a pytree of those matching the argument). ``out_axes``: where the batch axis
    goes in each output (an int, or a pytree prefix of the output; ``None`` for an output
    that does not depend on the batch). Keyword arguments are passed unmapped. Composes with
    the other transforms: ``vmap(grad(loss), in_axes=(None, 0, 0))(params, xs, ys)`` gives
    per-example gradients.

    >>> import numpy as np, chainrule as cr
    >>> cr.vmap(lambda w, x: w @ x, in_axes=(None, 0))(np.eye(2) * 2, np.ones((3, 2))).tolist()
    [[2.0, 2.0], [2.0, 2.0], [2.0, 2.0]]
    >>> cr.vmap(cr.grad(lambda w, x: (w * x).sum()), in_axes=(None, 0))(
    ...     np.ones(2), np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    def vmapped(*args: Any, **kwargs: Any) -> Any:
        who = f"vmap({_fname(f)})"
        if isinstance(in_axes, (tuple, list)):
            if len(in_axes) != len(args):
                raise ValueError(f"{who}: in_axes has {len(in_axes)} entries but the function "
                                 f"was called with {len(args)} positional argument(s); give "
                                 "one entry per argument")
            axes = [a for s, v in zip(in_axes, args) for a in _leaf_axes(s, v, who)]
        else:
            axes = _leaf_axes(in_axes, list(args), who)
        leaves, trees = _flatten_args(args)
        size = None
        moved = []
        for x, ax in zip(leaves, axes):
            if ax is None:
                moved.append(None)
                continue
            x = x if isinstance(x, Tracer) else np.asarray(x)
            shape = P.shape_of(x)
            if not -len(shape) <= ax < max(len(shape), 1) or not shape:
                raise ValueError(f"{who}: in_axes asks for axis {ax} of an argument of shape "
                                 f"{shape}; name an existing axis, or None for an argument "
                                 "shared by all examples")
            ax %= len(shape)
            if size is None:
                size = shape[ax]
            elif shape[ax] != size:
                raise ValueError(f"{who}: the mapped axes have different sizes ({size} and "
                                 f"{shape[ax]}); every mapped argument needs the same batch "
                                 "size")
            moved.append(_move_axis(x, ax, 0))
        if size is None:
            raise ValueError(f"{who}: in_axes maps no argument (all None, or no arrays); map "
                             "at least one")
        level = new_level()
        wrapped = [x if m is None else Batched(m, level) for x, m in zip(leaves, moved)]
        try:
            with primal_level(level):
                out = _reading(args, f, *_unflatten_args(trees, wrapped), **kwargs)
            out_leaves, out_tree = tree_flatten(out)
            stacked = [o.val if type(o) is Batched and o._level == level else None
                       for o in out_leaves]
        except BatchedValueError as err:
            if err.level != level:
                raise
            # Something in f reads a mapped value's concrete value (a sort order, a tie, a
            # Python `if`): map it example by example instead, which is always right.
            out, out_tree, stacked = _vmap_loop(f, args, leaves, trees, moved, size, kwargs)
            out_leaves = tree_flatten(out)[0]
        oaxes = _leaf_axes(out_axes, out, who)
        res = []
        for o, ax, v in zip(out_leaves, oaxes, stacked):
            batched = v is not None
            if ax is None:
                if batched:
                    raise ValueError(f"{who}: out_axes is None for an output that depends on "
                                     "the mapped arguments; give it an axis")
                res.append(o)
                continue
            if batched:
                pass
            elif isinstance(o, Tracer):
                v = P.broadcast_to(o, shape=(size,) + P.shape_of(o))
            else:
                o = np.asarray(o)
                v = np.array(np.broadcast_to(o, (size,) + o.shape))
            nd = len(P.shape_of(v))
            if not -nd <= ax < nd:
                raise ValueError(f"{who}: out_axes asks for axis {ax} of an output with "
                                 f"{nd} axes (the batch axis included)")
            res.append(_move_axis(v, 0, ax % nd))
        return tree_unflatten(out_tree, res)

    return _named(vmapped, f, "vmap")


def _vmap_loop(f: Callable, args: tuple, leaves: list, trees: list, moved: list, size: int,
               kwargs: dict) -> tuple:
    """vmap's fallback: ``f`` once per example, the outputs stacked along a leading axis.
    Returns (the first example's output, its structure, the stacked leaves)."""
    outs = []
    for b in range(size):
        one = [x if m is None else (P.getitem(m, idx=b) if isinstance(m, Tracer)
                                     else m[b]) for x, m in zip(leaves, moved)]
        outs.append(tree_flatten(_reading(args, f, *_unflatten_args(trees, one), **kwargs)))
    out_tree = outs[0][1]
    stacked = []
    for j in range(len(outs[0][0])):
        col = [o[0][j] for o in outs]
        stacked.append(P.stack(*col, axis=0) if any(isinstance(c, Tracer) for c in col)
                       else np.stack([np.asarray(c) for c in col]))
    return tree_unflatten(out_tree, outs[0][0]), out_tree, stacked
