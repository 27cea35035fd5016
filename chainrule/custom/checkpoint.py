"""``checkpoint``: recompute instead of store."""

from __future__ import annotations

from typing import Any, Callable, Sequence


from ..core import Tracer
from ..interpret import reverse as engine
from ..core import enable_grad, no_grad
from ..eager import Tensor
from ._row import _Call, _CustomFunction

__all__ = ["checkpoint"]


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
        from ..functional import jvp   # (same layer; imported here to keep import time low)
        return jvp(self._packed_f(info), vals, tangents)[1]

    def _vjp_all(self, g: Any, out: Any, vals: tuple, info: _Call) -> list:
        if not info.tensor_style:
            from ..functional import vjp
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
