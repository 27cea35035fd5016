"""JAX's ``custom_jvp`` and ``custom_vjp``."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence


from ..core.pytree import tree_flatten
from ._row import _Call, _CustomFunction, _call_rule

__all__ = ["custom_jvp", "custom_vjp"]


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
