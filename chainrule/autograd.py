"""PyTorch's ``torch.autograd`` names: ``Variable``, ``grad`` and ``backward``.

``import chainrule as torch`` lets the classic tutorial run unchanged:
``torch.autograd.Variable(torch.Tensor([2]), requires_grad=True)``.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from .interpret import reverse as engine
from . import ops as P
from .tensor import Tensor, _as_value

__all__ = ["Variable", "grad", "backward"]


def Variable(data: Any, requires_grad: bool = False) -> Tensor:  # noqa: N802 (PyTorch's name)
    """The old PyTorch wrapper: today simply a leaf tensor with ``requires_grad`` set."""
    t = data.detach() if isinstance(data, Tensor) else Tensor(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _as_list(x: Any) -> list:
    # Only lists and tuples are sequences of tensors: an ndarray or a number is one value.
    return list(x) if isinstance(x, (list, tuple)) else [x]


def grad(outputs: Union[Tensor, Sequence[Tensor]], inputs: Union[Tensor, Sequence[Tensor]],
         grad_outputs: Any = None, retain_graph: Optional[bool] = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not put in ``.grad``).

    >>> import chainrule as cr
    >>> x = cr.tensor(2.0, requires_grad=True)
    >>> cr.autograd.grad(x ** 3, x)
    (tensor(12.),)
    """
    outs, ins = _as_list(outputs), _as_list(inputs)
    gouts = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    roots, cts = [], []
    for o, g in zip(outs, gouts):
        if not o.requires_grad:
            raise RuntimeError("autograd.grad: an output does not require grad (none of its "
                               "inputs had requires_grad=True)")
        if g is None:
            if o.size != 1:
                raise RuntimeError(f"autograd.grad: grad_outputs is needed for an output of "
                                   f"shape {o.shape}; pass one cotangent per output")
            g = np.ones(o.shape, dtype=o.dtype) if o.shape else o.dtype.type(1.0)
        elif P.shape_of(g) != o.shape:
            raise RuntimeError(f"autograd.grad: grad_output has shape {P.shape_of(g)} but its "
                               f"output has shape {o.shape}; pass one grad_output of shape "
                               f"{o.shape} for that output")
        if create_graph and not isinstance(g, Tensor):
            g = Tensor._wrap(_as_value(g), o._level)
        elif not create_graph and isinstance(g, Tensor):
            g = g._data
        roots.append(o)
        cts.append(g)
    results = engine.backward_pass(
        roots, cts, targets=ins, accumulate=False,
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph, wrap=lambda v: Tensor._wrap(v, roots[0]._level))
    out = []
    for x, g in zip(ins, results):
        if g is None:
            if not allow_unused:
                raise RuntimeError("autograd.grad: one of the inputs was not used to compute "
                                   "the outputs; pass allow_unused=True to get None for it")
            out.append(None)
            continue
        if not isinstance(g, Tensor):
            g = Tensor._wrap(_as_value(g, x.dtype), x._level)
        elif g.dtype != x.dtype:
            g = g.astype(x.dtype)
        out.append(g)
    return tuple(out)


def backward(tensors: Union[Tensor, Sequence[Tensor]], grad_tensors: Any = None,
             retain_graph: Optional[bool] = None, create_graph: bool = False) -> None:
    """``backward()`` on each tensor, adding into ``.grad`` of the leaves."""
    ts = _as_list(tensors)
    gs = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(ts)
    for i, (t, g) in enumerate(zip(ts, gs)):
        last = i == len(ts) - 1
        t.backward(g, retain_graph=retain_graph if last else True, create_graph=create_graph)
