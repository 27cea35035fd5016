"""Functions with their own derivative rules, and checkpointing.

``custom_jvp`` and ``custom_vjp`` (JAX's signatures), and ``primitive`` with ``defvjp`` /
``defjvp`` (HIPS autograd's), make a function ONE row of the primitive table: a
:class:`~chainrule.core.Primitive` created when the function is decorated. Every interpreter
then sees the function as a single operation, exactly as it sees ``sin``:

- reverse mode (Tensors, ``grad``, ``vjp``, ``jacrev``) calls the row's VJP rule; a
  ``custom_jvp`` function has none written by hand: its VJP is the *transpose* of its JVP rule
  (the rule is linear in the tangents, so it is traced once in reverse mode with respect to
  them), and so it works at every order when the rule is written with chainrule operations;
- forward mode (``jvp``, ``jacfwd``, ``hessian``), Taylor mode (``derivative``) and the
  symbolic layer run the JVP rule on their own values (duals, series, expressions); a
  function with a VJP rule only raises a ``TypeError`` saying so instead of a wrong zero;
- batching (``vmap``, batched Jacobians; batch kind ``"custom"``) runs the function once on
  the whole batch when no other transform traces its inputs (``vmap(f)``, and the forward
  pass of ``vmap(grad(f))``, whose backward pass runs the rule on the batch); otherwise, or
  when the function reads a mapped value or converts it to NumPy, once per example, so the
  custom rule sees each example;
- the symbolic printer and the graph picture show it by name, ``f(x)``.

Arguments may be pytrees; ``nondiff_argnums`` names arguments that are not differentiated
(numbers, flags, functions), passed to the rules as JAX does. Keyword arguments are passed
through unchanged and never differentiated. A function returning a pytree of several arrays is
one row with one packed output (its leaves raveled and joined), unpacked by ``getitem``.

Rules written with chainrule operations (``chainrule.numpy``) work at every order: they are
themselves differentiated. Rules written in plain NumPy work at first order; asked for a
higher one (the rule meets a traced value and converts it to an array) they raise a
``TypeError`` naming the rule and what to do.

>>> import chainrule as cr, chainrule.numpy as cnp
>>> @cr.custom_jvp
... def log1pexp(x):
...     return cnp.log1p(cnp.exp(x))
>>> @log1pexp.defjvp
... def _(primals, tangents):
...     (x,), (t,) = primals, tangents
...     return log1pexp(x), t * cr.sigmoid(x)
>>> float(cr.grad(log1pexp)(100.0)), float(cr.grad(cr.grad(log1pexp))(0.0))
(1.0, 0.25)
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import ops as P
from .core import Primitive, Tracer, bind, new_level
from .core.pytree import tree_flatten, tree_unflatten
from .interpret import reverse as engine
from .interpret.batching import Batched, BatchedValueError, primal_level
from .ops.methods import TracerConversionError
from .core import enable_grad, no_grad
from .eager import Tensor

__all__ = ["custom_jvp", "custom_vjp", "primitive", "defvjp", "defjvp", "checkpoint"]


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
        flat = [bind(P.reshape, v, shape=(int(np.prod(s)),))
                for v, s in zip(leaves, self.out_shapes)]
        return bind(P.concatenate, *flat, axis=0)

    def unpack(self, packed: Any) -> Any:
        # (No structure yet: the function has not run, as on a symbolic expression, which
        # stands for its one output.)
        if self.out_tree is None or self.out_tree.kind == "leaf":
            return packed
        leaves = []
        start = 0
        for s in self.out_shapes:
            n = int(np.prod(s))
            piece = bind(P.getitem, packed, idx=slice(start, start + n))
            leaves.append(bind(P.reshape, piece, shape=s))
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
    return bind(P.getitem, x.val, idx=b) if type(x) is Batched and x._level == level else x


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
    stacked = [Batched(bind(P.stack, *[c[j] for c in cols], axis=0), level)
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
        g = bind(P.broadcast_to, g, shape=P.shape_of(t_out))
    grads = engine.backward_pass([t_out], [g], targets=leaves, accumulate=False,
                                 wrap=lambda v: Tensor._wrap(v, level))
    return [gi._data if type(gi) is Tensor and gi._level == level else gi for gi in grads]


# ----------------------------------------------------------------------------------------
# JAX style.

class custom_jvp(_CustomFunction):
    """A function with its own JVP rule (JAX's ``jax.custom_jvp``).

    ``f.defjvp(rule)`` with ``rule(primals, tangents) -> (primal_out, tangent_out)``;
    ``primals`` and ``tangents`` are tuples of the differentiable arguments, and with
    ``nondiff_argnums`` the rule is ``rule(*nondiff_args, primals, tangents)``. Reverse mode
    transposes the rule, so one rule gives every mode and, written with chainrule
    operations, every order (``hessian`` included).

    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> @cr.custom_jvp
    ... def f(x, y):
    ...     return cnp.sin(x) * y
    >>> @f.defjvp
    ... def f_jvp(primals, tangents):
    ...     (x, y), (tx, ty) = primals, tangents
    ...     return f(x, y), cnp.cos(x) * y * tx + cnp.sin(x) * ty
    >>> cr.grad(f, argnums=(0, 1))(0.0, 2.0)
    (2.0, 0.0)
    """

    kind = "custom_jvp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.jvp_rule: Optional[Callable] = None

    def defjvp(self, jvp: Callable) -> Callable:
        """Set the JVP rule; returns it (so it can be used as a decorator)."""
        if not callable(jvp):
            raise TypeError(f"{self.__name__}.defjvp takes a function, got {jvp!r}")
        self.jvp_rule = jvp
        return jvp

    def _jvp_all(self, vals: tuple, tangents: list, info: _Call, out: Any = None) -> Any:
        if self.jvp_rule is None:
            raise TypeError(f"{self.__name__} is a cr.custom_jvp function without a rule; "
                            f"give it one with {self.__name__}.defjvp(rule) before "
                            "differentiating it")
        primals = tuple(info.diff_args(vals))
        tans = tuple(info.diff_args(tangents))
        res = _call_rule(self.jvp_rule, (*info.nondiff_values(), primals, tans), "JVP rule",
                         self.__name__)
        if not (isinstance(res, (tuple, list)) and len(res) == 2):
            raise TypeError(f"the JVP rule of {self.__name__} must return a pair (primal_out, "
                            f"tangent_out), got {type(res).__name__}")
        return info.pack(res[1], "tangent returned by the JVP rule")


class custom_vjp(_CustomFunction):
    """A function with its own VJP rule (JAX's ``jax.custom_vjp``).

    ``f.defvjp(fwd, bwd)``: ``fwd(*args) -> (out, residuals)`` runs instead of ``f`` and
    saves what the backward pass needs; ``bwd(residuals, g)`` returns a tuple with one
    cotangent per differentiable argument (``None`` for zero). With ``nondiff_argnums``,
    ``bwd(*nondiff_args, residuals, g)``. The residuals are reused by the first-order
    backward pass; a higher-order one reruns ``fwd`` on the traced arguments, so a rule
    written with chainrule operations gives correct second derivatives even when it saves
    intermediates. Forward mode (``jvp``, ``jacfwd``, ``hessian``, ``derivative``) needs a
    JVP rule, which this function has not: it raises a ``TypeError`` saying so.

    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> @cr.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> def fwd(x):
    ...     return x, None
    >>> def bwd(res, g):
    ...     return (cnp.clip(g, -1.0, 1.0),)
    >>> clip_gradient.defvjp(fwd, bwd)
    >>> cr.grad(lambda x: 5.0 * clip_gradient(x))(2.0)
    1.0
    """

    kind = "custom_vjp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.fwd: Optional[Callable] = None
        self.bwd: Optional[Callable] = None
        self._in_fwd = 0

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set the forward (``fwd(*args) -> (out, residuals)``) and backward
        (``bwd(residuals, g) -> tuple of cotangents``) rules."""
        if not (callable(fwd) and callable(bwd)):
            raise TypeError(f"{self.__name__}.defvjp(fwd, bwd) takes two functions, got "
                            f"{fwd!r} and {bwd!r}")
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._in_fwd:    # fwd computing its output with the function itself: plainly
            return self.fun(*args, **kwargs)
        return super().__call__(*args, **kwargs)

    def _run_fwd(self, leaves: Sequence[Any], info: _Call) -> tuple:
        self._in_fwd += 1
        try:
            res = self.fwd(*info.full_args(leaves), **info.kwargs)
        finally:
            self._in_fwd -= 1
        if not (isinstance(res, (tuple, list)) and len(res) == 2):
            raise TypeError(f"the fwd rule of {self.__name__} must return a pair (output, "
                            f"residuals), got {type(res).__name__}")
        return res

    def _forward(self, leaves: tuple, info: _Call) -> Any:
        if self.fwd is None:
            return super()._forward(leaves, info)
        out, res = self._run_fwd(leaves, info)
        packed = info.pack(out)
        info.check_closure(packed)
        info.saved = (packed, res)
        return packed

    def _jvp_all(self, vals: tuple, tangents: list, info: _Call, out: Any = None) -> Any:
        raise TypeError(
            f"{self.__name__} is a cr.custom_vjp function: it has a reverse-mode rule only, so "
            "forward mode (jvp, jacfwd, hessian, derivative, Taylor mode, symbolic "
            "derivatives) cannot differentiate it. Use reverse mode (grad, jacrev; "
            "jacrev(jacrev(f)) for a Hessian), or define it with cr.custom_jvp, whose one "
            "rule serves both modes.")

    def _vjp_all(self, g: Any, out: Any, vals: tuple, info: _Call) -> list:
        if self.bwd is None:
            raise TypeError(f"{self.__name__} is a cr.custom_vjp function without rules; give "
                            f"it some with {self.__name__}.defvjp(fwd, bwd) before "
                            "differentiating it")
        saved = info.saved
        if saved is not None and saved[0] is out:
            res = saved[1]      # this node's own forward: its residuals are the right ones
        else:
            # A higher order (the values are recording Tensors), a batch: rerun fwd on the
            # values the rule sees, so the residuals carry their derivatives too.
            res = _call_rule(lambda *lv: self._run_fwd(lv, info), vals, "fwd rule",
                             self.__name__)[1]
        cts = _call_rule(self.bwd, (*info.nondiff_values(), res, info.unpack(g)),
                         "bwd rule", self.__name__)
        return _flatten_cotangents(cts, info, len(vals), self.__name__)


def _flatten_cotangents(cts: Any, info: _Call, n: int, name: str) -> list:
    ndiff = info.nargs - len(info.nondiff)
    if not isinstance(cts, (tuple, list)) or len(cts) != ndiff:
        got = f"a {type(cts).__name__} of {len(cts)}" if isinstance(cts, (tuple, list)) \
            else type(cts).__name__
        raise TypeError(f"the bwd rule of {name} must return a tuple with one cotangent per "
                        f"differentiable argument ({ndiff}), got {got}")
    flat: list = []
    for ct, sub in zip(cts, info.in_tree.children):
        if ct is None:
            flat.extend([None] * sub.num_leaves)
            continue
        leaves, tree = tree_flatten(ct)
        if tree != sub:
            raise TypeError(f"the bwd rule of {name} returned a cotangent of structure {tree} "
                            f"for an argument of structure {sub}; they must match")
        flat.extend(leaves)
    return flat


# ----------------------------------------------------------------------------------------
# autograd style: @primitive, then defvjp(f, maker_x, maker_y) / defjvp(f, jvp_x, jvp_y).

class primitive(_CustomFunction):
    """A function made a primitive (HIPS autograd's ``autograd.extend.primitive``): give its
    rules with :func:`defvjp` / :func:`defjvp`, one per positional argument, as autograd
    does: ``maker(ans, *args, **kwargs) -> (lambda g: cotangent)`` and
    ``jvp(t, ans, *args, **kwargs) -> tangent``. With JVP rules only, the VJP comes by
    transposition; with VJP rules only, forward mode raises a ``TypeError``.

    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> @cr.primitive
    ... def cube(x):
    ...     return x ** 3
    >>> cr.defvjp(cube, lambda ans, x: lambda g: 3 * g * x ** 2)
    >>> cr.grad(cube)(2.0), cr.grad(cr.grad(cube))(2.0)
    (12.0, 12.0)
    """

    kind = "primitive"

    def __init__(self, fun: Callable):
        super().__init__(fun, ())
        self.vjps: dict = {}
        self.jvps: dict = {}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # autograd's primitives take arrays: each positional argument is one input.
        info = _Call(self, tree_flatten(list(range(len(args))))[1], {}, kwargs, len(args),
                     _top_level(list(args)))
        return info.unpack(bind(self.prim, *args, _call=info))

    def defvjp(self, *makers: Optional[Callable], argnums: Optional[Sequence[int]] = None):
        for i, m in zip(range(len(makers)) if argnums is None else argnums, makers):
            if m is not None:
                self.vjps[int(i)] = m

    def defjvp(self, *rules: Optional[Callable], argnums: Optional[Sequence[int]] = None):
        for i, r in zip(range(len(rules)) if argnums is None else argnums, rules):
            if r is not None:
                self.jvps[int(i)] = r

    def _vjp_input(self, i: int, g: Any, out: Any, vals: tuple, info: _Call) -> Any:
        maker = self.vjps.get(i)
        if maker is not None:
            res = _call_rule(lambda g, *a: maker(*a, **info.kwargs)(g), (g, out, *vals),
                             f"VJP rule for argument {i}", self.__name__)
            return _zeros(vals[i]) if res is None else res
        if self.jvps:
            return super()._vjp_input(i, g, out, vals, info)
        raise TypeError(f"{self.__name__} has no VJP rule for argument {i}; give one with "
                        f"cr.defvjp({self.__name__}, ...) (one rule per argument, argnums= to "
                        "skip some), or JVP rules with cr.defjvp")

    def _jvp_all(self, vals: tuple, tangents: list, info: _Call, out: Any = None) -> Any:
        if out is None:
            out = bind(self.prim, *vals, _call=info)
        total = None
        for i, t in enumerate(tangents):
            if type(t) is not Tensor and not isinstance(t, Tracer) and not np.any(t):
                continue    # a zero tangent contributes nothing
            rule = self.jvps.get(i)
            if rule is None:
                what = "JVP rule" if self.jvps or not self.vjps else "JVP rule (it has VJP " \
                    "rules only, so forward mode cannot differentiate it)"
                raise TypeError(f"{self.__name__} has no {what} for argument {i}; give one "
                                f"with cr.defjvp({self.__name__}, ...), or use reverse mode "
                                "(grad, jacrev)")
            ti = _call_rule(lambda *a: rule(*a, **info.kwargs), (t, out, *vals),
                            f"JVP rule for argument {i}", self.__name__)
            total = ti if total is None else total + ti
        return total if total is not None else _zeros(out)

    def _jvp_input(self, i: int, t: Any, out: Any, vals: tuple, info: _Call) -> Any:
        rule = self.jvps.get(i)
        if rule is None:
            tangents = [_zeros(v) for v in vals]
            tangents[i] = t
            return self._jvp_all(vals, tangents, info, out)
        return _call_rule(lambda *a: rule(*a, **info.kwargs), (t, out, *vals),
                          f"JVP rule for argument {i}", self.__name__)


def defvjp(fun: primitive, *makers: Optional[Callable],
           argnums: Optional[Sequence[int]] = None) -> None:
    """autograd's ``defvjp(fun, maker_0, maker_1, ...)``: one VJP maker per argument,
    ``maker(ans, *args, **kwargs)`` returning ``g -> cotangent`` (see :class:`primitive`).

    >>> import chainrule as cr
    >>> @cr.primitive
    ... def mul(x, y):
    ...     return x * y
    >>> cr.defvjp(mul, lambda ans, x, y: lambda g: g * y, lambda ans, x, y: lambda g: g * x)
    >>> cr.grad(mul, argnums=(0, 1))(3.0, 4.0)
    (4.0, 3.0)
    """
    if not isinstance(fun, primitive):
        raise TypeError(f"defvjp takes a function decorated with @cr.primitive, got {fun!r}; "
                        "for a cr.custom_vjp function call f.defvjp(fwd, bwd)")
    fun.defvjp(*makers, argnums=argnums)


def defjvp(fun: primitive, *rules: Optional[Callable],
           argnums: Optional[Sequence[int]] = None) -> None:
    """autograd's ``defjvp(fun, jvp_0, jvp_1, ...)``: one rule per argument,
    ``jvp(t, ans, *args, **kwargs)`` giving the output tangent caused by tangent ``t`` of
    that argument. Its VJP then comes by transposition.

    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> @cr.primitive
    ... def sin(x):
    ...     return cnp.sin(x)
    >>> cr.defjvp(sin, lambda t, ans, x: t * cnp.cos(x))
    >>> cr.grad(sin)(0.0)
    1.0
    """
    if not isinstance(fun, primitive):
        raise TypeError(f"defjvp takes a function decorated with @cr.primitive, got {fun!r}; "
                        "for a cr.custom_jvp function call f.defjvp(rule)")
    fun.defjvp(*rules, argnums=argnums)


# ----------------------------------------------------------------------------------------
# Checkpointing: recompute instead of store.

class _Checkpoint(_CustomFunction):
    kind = "checkpoint"

    def _tensor_style(self, leaves: list) -> bool:
        return any(type(v) is Tensor and v._level == 0 for v in leaves)

    def _forward(self, leaves: tuple, info: _Call) -> Any:
        if not info.tensor_style:
            return super()._forward(leaves, info)
        # Tensor style: the function reads Tensors (methods, parameters it closes over);
        # run it on constant Tensors, recording nothing, and keep only the output's values.
        args = [Tensor._wrap(v, 0) if not isinstance(v, Tensor) else v for v in leaves]
        with no_grad():
            out = self.fun(*info.full_args(args), **info.kwargs)
        packed = info.pack(out)
        return packed._data if type(packed) is Tensor else packed

    def _packed_f(self, info: _Call) -> Callable:
        def f(*leaves):
            return info.pack(self.fun(*info.full_args(leaves), **info.kwargs))
        return f

    def _jvp_all(self, vals: tuple, tangents: list, info: _Call, out: Any = None) -> Any:
        from .functional import jvp   # (same layer; imported here to keep import time low)
        return jvp(self._packed_f(info), vals, tangents)[1]

    def _vjp_all(self, g: Any, out: Any, vals: tuple, info: _Call) -> list:
        if not info.tensor_style:
            from .functional import vjp
            return list(vjp(self._packed_f(info), *vals)[1](g))
        if any(isinstance(v, Tracer) and type(v) is not float for v in vals) or \
                (type(g) is not float and isinstance(g, Tracer)):
            raise TypeError(
                f"cr.checkpoint({self.__name__}) on Tensors supports backward() at first order "
                "(like torch.utils.checkpoint); for create_graph=True or nested transforms "
                "call it in functional style, inside cr.grad/cr.vjp, with the parameters as "
                "arguments.")
        # PyTorch's reentrant checkpoint: rerun on fresh leaves, recording, and run backward
        # on that segment. Parameters it closes over get their .grad here, as in backward().
        leaves = [Tensor._leaf(v, 0) for v in vals]
        with enable_grad():
            packed = self._packed_f(info)(*leaves)
        if type(packed) is Tensor and packed.requires_grad:
            engine.backward_pass([packed], [g], wrap=Tensor._wrap)
        return [None if t.grad is None else t.grad._data for t in leaves]


def checkpoint(fun: Callable, *, static_argnums: Sequence[int] = ()) -> Callable:
    """``fun`` with its inner values recomputed instead of stored (``jax.checkpoint``,
    ``torch.utils.checkpoint``).

    In reverse mode the graph keeps only ``fun``'s inputs and output; the backward pass
    reruns ``fun`` to get its inner values back, one checkpointed segment at a time. On a long
    chain split into k segments, peak memory falls from the whole chain's to about k segment
    outputs plus one segment's graph, for one extra forward pass. Works in functional style
    (inside ``grad``, ``vjp``, ... at any order; forward mode just runs ``fun``) and Tensor
    style (``backward()``; parameters ``fun`` closes over get their ``.grad`` as in PyTorch,
    first order only). ``static_argnums`` are not differentiated.

    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> block = cr.checkpoint(lambda x: cnp.sin(cnp.sin(x)))
    >>> round(cr.grad(lambda x: block(block(x)))(0.5), 6)
    0.629335
    """
    return _Checkpoint(fun, static_argnums)
