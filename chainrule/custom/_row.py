"""The row every custom function is: its call record, calling a user's rule, and the
shared :class:`_CustomFunction` (reverse, forward, batching and the JVP transposed)."""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .. import ops as P
from ..core import Primitive, Tracer, bind, new_level
from ..core.pytree import tree_flatten, tree_unflatten
from ..interpret import reverse as engine
from ..interpret.batching import Batched, BatchedValueError, primal_level
from ..ops.methods import TracerConversionError
from ..core import enable_grad
from ..eager import Tensor

__all__: list = []  # the shared machinery of the folder


# ----------------------------------------------------------------------------------------
# Values.

def _top_level(x: Any) -> int:
    """The highest tracer level in a pytree (-1: no tracer)."""
    top = -1
    for leaf in tree_flatten(x)[0]:
        if type(leaf) is not float and isinstance(leaf, Tracer) and leaf._level > top:
            top = leaf._level
    return top


def _zeros(x: Any) -> Any:
    """A zero tangent or cotangent for ``x``: a plain value of its shape and dtype (read from
    the tracer itself: a batched value's shape is one example's)."""
    if type(x) is float:
        return 0.0
    try:
        shape, dtype = tuple(x.shape), np.dtype(x.dtype)
    except (AttributeError, TypeError):
        try:
            v = P.value_of(x)
        except TypeError:       # a symbolic expression: no value, a scalar
            return 0.0
        if type(v) is float:
            return 0.0
        shape, dtype = P.shape_of(v), P.dtype_of(v)
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    return np.zeros(shape, dtype=dtype) if shape else dtype.type(0)


def _fname(f: Any) -> str:
    name = getattr(f, "__name__", None) or type(f).__name__
    return "f" if name == "<lambda>" else name


class _Call:
    """What one call of a custom function carries through the interpreters (the row's one
    param, ``_call``): how to rebuild the arguments from the row's inputs (the differentiable
    leaves), the output's structure, and the saved residuals of a ``custom_vjp`` forward."""

    __slots__ = ("fn", "in_tree", "nondiff", "kwargs", "nargs", "arg_level", "out_tree",
                 "out_shapes", "saved", "cache", "tensor_style")

    def __init__(self, fn: "_CustomFunction", in_tree: Any, nondiff: dict, kwargs: dict,
                 nargs: int, arg_level: int, tensor_style: bool = False):
        self.fn = fn
        self.in_tree = in_tree
        self.nondiff = nondiff
        self.kwargs = kwargs
        self.nargs = nargs
        self.arg_level = arg_level
        self.out_tree = None
        self.out_shapes: tuple = ()
        self.saved: Optional[tuple] = None     # (packed output, residuals) of custom_vjp
        self.cache: Optional[tuple] = None     # (g, out, cotangents): one VJP per node
        self.tensor_style = tensor_style

    def __repr__(self) -> str:   # (the symbolic printer skips it; repr keeps keys stable)
        return f"<call of {self.fn.__name__}>"

    # arguments --------------------------------------------------------------------------
    def diff_args(self, leaves: Sequence[Any]) -> list:
        """The differentiable arguments (a list, one entry per argument) from the leaves."""
        return tree_unflatten(self.in_tree, list(leaves))

    def full_args(self, leaves: Sequence[Any]) -> list:
        diff = iter(self.diff_args(leaves))
        return [self.nondiff[i] if i in self.nondiff else next(diff) for i in range(self.nargs)]

    def nondiff_values(self) -> list:
        return [self.nondiff[i] for i in sorted(self.nondiff)]

    # outputs ----------------------------------------------------------------------------
    def pack(self, out: Any, what: str = "output") -> Any:
        """One value for the row's output: the leaf itself, or all leaves raveled and joined.
        The first call fixes the structure; later ones (tangents, cotangents) must match."""
        leaves, tree = tree_flatten(out)
        if self.out_tree is None:
            if not leaves:
                raise TypeError(f"{self.fn.__name__} returned {out!r}, which holds no array; "
                                "a custom function must return an array, a number or a pytree "
                                "of them")
            self.out_tree = tree
            self.out_shapes = tuple(P.shape_of(v) for v in leaves)
        elif tree != self.out_tree:
            raise TypeError(f"the {what} of {self.fn.__name__} has structure {tree}, but the "
                            f"function's output has structure {self.out_tree}; they must "
                            "match")
        if tree.kind == "leaf":
            return leaves[0]
        flat = [P.reshape(v, shape=(int(np.prod(s)),))
                for v, s in zip(leaves, self.out_shapes)]
        return P.concatenate(*flat, axis=0)

    def unpack(self, packed: Any) -> Any:
        # (No structure yet: the function has not run, as on a symbolic expression, which
        # stands for its one output.)
        if self.out_tree is None or self.out_tree.kind == "leaf":
            return packed
        leaves = []
        start = 0
        for s in self.out_shapes:
            n = int(np.prod(s))
            piece = P.getitem(packed, idx=slice(start, start + n))
            leaves.append(P.reshape(piece, shape=s))
            start += n
        return tree_unflatten(self.out_tree, leaves)

    def batched_forward(self, vals: list, flags: list, size: int) -> Any:
        """The row's output for a whole batch (``vals`` flagged in ``flags`` carry a leading
        batch axis), from ONE call of the function on batched values; None where that cannot
        be: another transform traces the inputs (its custom rule must then see each example,
        so the row is looped), or the function reads a mapped value or converts it to NumPy.
        """
        if self.tensor_style or any(type(v) is not float and isinstance(v, Tracer)
                                    for v in vals):
            return None
        level = new_level()
        wrapped = [Batched(v, level) if b else v for v, b in zip(vals, flags)]
        try:
            with primal_level(level):
                out = self.pack(self.fn.fun(*self.full_args(wrapped), **self.kwargs))
        except BatchedValueError as err:
            if err.level != level:
                raise
            return None
        except TracerConversionError:
            return None
        if type(out) is Batched and out._level == level:
            return out.val
        out = np.asarray(out)       # it did not depend on the batch: one copy per example
        return np.array(np.broadcast_to(out, (size,) + out.shape))

    def check_closure(self, out: Any) -> None:
        # A value the call's own interpreter is tracing reached the output without being an
        # argument (a closure): that interpreter would see its own tracer inside a value of
        # its level and lose the derivative (JAX raises here too).
        if self.arg_level >= 0 and _top_level(out) >= self.arg_level:
            raise ValueError(
                f"{self.fn.__name__} uses a value being differentiated that is not one of its "
                "arguments (a closure over a traced value), so its custom rule cannot see it; "
                "pass that value as an argument (or mark it in nondiff_argnums if it is not "
                "differentiated).")


# ----------------------------------------------------------------------------------------
# Calling a user's rule.

def _unbatch(x: Any, level: int, b: int) -> Any:
    return P.getitem(x.val, idx=b) if type(x) is Batched and x._level == level else x


def _call_rule(rule: Callable, args: tuple, who: str, fn_name: str) -> Any:
    """``rule(*args)``; a rule written in plain NumPy that meets a batched value (vmap, a
    batched Jacobian) is run once per example instead, and one that meets any other traced
    value (a higher order than the rule's, forward over reverse) raises a clear error."""
    try:
        return rule(*args)
    except TracerConversionError:
        leaves = [a for a in tree_flatten(list(args))[0]
                  if type(a) is not float and isinstance(a, Tracer)]
        top = max(leaves, key=lambda a: a._level) if leaves else None
        if type(top) is Batched:
            level = top._level
            size = P.shape_of(top.val)[0]
            outs = []
            for b in range(size):
                one = tuple(_map_tree(lambda x: _unbatch(x, level, b), a) for a in args)
                outs.append(_call_rule(rule, one, who, fn_name))
            return _stack_trees(outs, level)
        raise TypeError(
            f"the {who} of {fn_name} converts a traced value to a NumPy array (np.asarray, "
            "float(), an in-place write into an array, ...). That happens when a derivative "
            "of a higher order than the rule's is asked for (or forward over reverse mode): "
            "write the rule with chainrule operations (chainrule.numpy), which are "
            "themselves differentiable, or ask only for first derivatives.") from None


def _map_tree(fn: Callable, tree: Any) -> Any:
    leaves, td = tree_flatten(tree)
    return tree_unflatten(td, [fn(v) for v in leaves])


def _stack_trees(outs: list, level: int) -> Any:
    first = outs[0]
    leaves0, td = tree_flatten(first)
    cols = [tree_flatten(o)[0] for o in outs]
    stacked = [Batched(P.stack(*[c[j] for c in cols], axis=0), level)
               for j in range(len(leaves0))]
    return tree_unflatten(td, stacked)


# ----------------------------------------------------------------------------------------
# The row every custom function is.

class _CustomFunction:
    """A function that is one row of the table; subclasses say where its rules come from."""

    kind = "custom"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        if not callable(fun):
            raise TypeError(f"cr.{self.kind} decorates a function, got {fun!r}")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(sorted({int(i) for i in nondiff_argnums}))
        self.__name__ = _fname(fun)
        me = self

        def impl(*leaves, _call):
            return me._forward(leaves, _call)

        def vjp(i, g, out, *vals, _call):
            return me._vjp_input(i, g, out, vals, _call)

        def jvp(i, t, out, *vals, _call):
            return me._jvp_input(i, t, out, vals, _call)

        impl.__name__ = self.__name__
        self.prim = Primitive(self.__name__, impl, [vjp], [jvp], variadic=True, batch="custom",
                              display={}, doc=f"the custom function {self.__name__} "
                                              f"(cr.{self.kind})")

    def __repr__(self) -> str:
        return f"<cr.{self.kind} function {self.__name__}>"

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        # Used as a method: bind the instance like a plain function would.
        return self if obj is None else functools.partial(self, obj)

    # calling --------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        nd = self.nondiff_argnums
        for i in nd:
            if not -len(args) <= i < len(args):
                raise ValueError(f"{self.__name__}: nondiff_argnums={nd} but it was called with "
                                 f"{len(args)} positional argument(s); name positions below "
                                 f"{len(args)}")
        nd = {i % len(args) for i in nd} if args else set()
        diff = [a for i, a in enumerate(args) if i not in nd]
        leaves, tree = tree_flatten(diff)
        level = _top_level(leaves)
        info = _Call(self, tree, {i: args[i] for i in nd}, kwargs, len(args), level,
                     self._tensor_style(leaves))
        return info.unpack(bind(self.prim, *leaves, _call=info))

    def _tensor_style(self, leaves: list) -> bool:
        return False

    # the row's rules ------------------------------------------------------------------
    def _forward(self, leaves: tuple, info: _Call) -> Any:
        out = self.fun(*info.full_args(leaves), **info.kwargs)
        packed = info.pack(out)
        info.check_closure(packed)
        return packed

    def _jvp_input(self, i: int, t: Any, out: Any, vals: tuple, info: _Call) -> Any:
        """The output tangent caused by tangent ``t`` of input ``i`` (others zero)."""
        tangents = [_zeros(v) for v in vals]
        tangents[i] = t
        return self._jvp_all(vals, tangents, info, out)

    def _jvp_all(self, vals: tuple, tangents: list, info: _Call, out: Any = None) -> Any:
        raise NotImplementedError

    def _vjp_input(self, i: int, g: Any, out: Any, vals: tuple, info: _Call) -> Any:
        # The engine asks input by input with the same g; the rule gives all at once.
        if len(vals) == 1:
            ct = self._vjp_all(g, out, vals, info)[0]
            return _zeros(vals[0]) if ct is None else ct
        c = info.cache
        if c is None or c[0] is not g or c[1] is not out:
            info.cache = c = (g, out, self._vjp_all(g, out, vals, info))
        ct = c[2][i]
        return _zeros(vals[i]) if ct is None else ct

    def _vjp_all(self, g: Any, out: Any, vals: tuple, info: _Call) -> list:
        return _transpose(self, g, out, vals, info)


def _transpose(fn: _CustomFunction, g: Any, out: Any, vals: tuple, info: _Call) -> list:
    """The VJP of a JVP rule: the rule is linear in the tangents, so run it once on tangents
    that are recording leaves of a fresh level, then pull ``g`` back to them. The primals are
    the node's own values (Tensors of the outer level when a higher order is wanted), so the
    result is differentiable as far as the rule is."""
    level = new_level()
    leaves = [Tensor._leaf(_zeros(v), level) for v in vals]
    with enable_grad():
        t_out = fn._jvp_all(vals, leaves, info, out)
    if not (type(t_out) is Tensor and t_out._level == level and t_out.requires_grad):
        return [None] * len(vals)
    if P.shape_of(g) != P.shape_of(t_out):
        g = P.broadcast_to(g, shape=P.shape_of(t_out))
    grads = engine.backward_pass([t_out], [g], targets=leaves, accumulate=False,
                                 wrap=lambda v: Tensor._wrap(v, level))
    return [gi._data if type(gi) is Tensor and gi._level == level else gi for gi in grads]
