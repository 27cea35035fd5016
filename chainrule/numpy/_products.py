"""Products: matmul, dot, inner, outer, tensordot, einsum, kron, cross."""

from __future__ import annotations

import builtins
import string
from typing import Any, Optional

import numpy as _np

from .. import ops as P
from ._helpers import _arr, _axis, _shape
from ._math import conj
from ._shape import expand_dims, moveaxis, ravel, squeeze, stack


def matmul(x: Any, y: Any) -> Any:
    """Matrix product with NumPy's broadcasting rules."""
    return P.matmul(x, y)


def dot(a: Any, b: Any) -> Any:
    """NumPy's dot: products for 0-d inputs, matmul up to 2-D, else a tensordot over a's last
    axis and b's second-to-last."""
    a, b = _arr(a), _arr(b)
    na, nb = len(_shape(a)), len(_shape(b))
    if na == 0 or nb == 0:
        return P.mul(a, b)
    if nb <= 2:
        return P.matmul(a, b)
    return tensordot(a, b, axes=([-1], [-2]))


def vecdot(x1: Any, x2: Any, axis: int = -1) -> Any:
    """Vector dot product along an axis (x1 conjugated), broadcasting the other axes."""
    return P.sum(conj(x1) * x2, axis=axis)


def matvec(x1: Any, x2: Any) -> Any:
    """Matrix-vector product over the last axes, broadcasting the rest."""
    y = P.matmul(x1, expand_dims(x2, -1))
    return squeeze(y, axis=-1)


def vecmat(x1: Any, x2: Any) -> Any:
    """Vector-matrix product over the last axes (x1 conjugated), broadcasting the rest."""
    y = P.matmul(expand_dims(conj(x1), -2), x2)
    return squeeze(y, axis=-2)


def vdot(a: Any, b: Any) -> Any:
    """Flattened dot product (the first argument conjugated)."""
    return P.sum(conj(ravel(a)) * ravel(b))


def inner(a: Any, b: Any) -> Any:
    """Inner product over the last axes."""
    a, b = _arr(a), _arr(b)
    if len(_shape(a)) == 0 or len(_shape(b)) == 0:
        return P.mul(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a: Any, b: Any) -> Any:
    """Outer product of the flattened inputs."""
    return P.reshape(a, shape=(-1, 1)) * P.reshape(b, shape=(1, -1))


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """Sum over the given axes of a and b, as one einsum."""
    a, b = _arr(a), _arr(b)
    na, nb = len(_shape(a)), len(_shape(b))
    if isinstance(axes, (int, _np.integer)):
        ax_a, ax_b = list(range(na - int(axes), na)), list(range(int(axes)))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, _np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, _np.integer)) else list(ax_b)
    ax_a = [_axis(i, na) for i in ax_a]
    ax_b = [_axis(i, nb) for i in ax_b]
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(ax_a, ax_b):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in ax_a] + \
          [c for j, c in enumerate(sb) if j not in ax_b]
    return P.einsum(a, b, subscripts=f"{''.join(sa)},{''.join(sb)}->{''.join(out)}")


def _einsum_subscripts(subscripts: str, shapes: list) -> str:
    """Explicit form without ellipses: "ij,jk" -> "ij,jk->ik", "...i,...i" -> "Ai,Ai->A"."""
    subscripts = subscripts.replace(" ", "")
    ins, arrow, outs = subscripts.partition("->")
    terms = ins.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the subscripts name {len(terms)} operands but "
                         f"{len(shapes)} were given")
    used = set(subscripts) - set(".,->")
    free = [c for c in string.ascii_letters if c not in used]
    n_ell = builtins.max([len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes)
                          if "..." in t] + [0])
    ell = "".join(free[:n_ell])
    new_terms = []
    for t, s in zip(terms, shapes):
        if "..." in t:
            k = len(s) - len(t.replace("...", ""))
            t = t.replace("...", ell[n_ell - k:])
        new_terms.append(t)
    if not arrow:
        counts: dict = {}
        for c in "".join(new_terms):
            counts[c] = counts.get(c, 0) + 1
        outs = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        outs = outs.replace("...", ell)
    return ",".join(new_terms) + "->" + outs


def _sublists_to_subscripts(args: tuple) -> tuple:
    """``(a, [0, 1], b, [1, 2], [0, 2])`` as ``("ab,bc->ac", [a, b])`` (NumPy's sublists:
    ints below 52 name axes, Ellipsis stands for the broadcast ones)."""
    letters = string.ascii_letters

    def spell(sub: Any) -> str:
        try:
            return "".join("..." if s is Ellipsis else letters[int(s)] for s in sub)
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"einsum: a sublist holds axis labels 0..51 or Ellipsis, got "
                             f"{sub!r}") from None

    if len(args) % 2:   # an odd count: the last item is the output sublist
        operands, subs, out = list(args[0:-1:2]), args[1:-1:2], spell(args[-1])
    else:
        operands, subs, out = list(args[0::2]), args[1::2], None
    specs = [spell(sub) for sub in subs]
    if len(specs) != len(operands):
        raise ValueError("einsum: the interleaved form takes operand, sublist pairs (and an "
                         "optional output sublist)")
    return ",".join(specs) + ("" if out is None else "->" + out), operands


def einsum(subscripts: str, *operands: Any, optimize: Any = None) -> Any:
    """Einstein summation (explicit or implicit output, ellipses, diagonals such as "ii->i";
    also NumPy's interleaved form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``).

    >>> import chainrule.numpy as cnp
    >>> float(cnp.einsum("ii", cnp.eye(3)))
    3.0
    >>> cnp.einsum(cnp.eye(2), [0, 1], cnp.ones(2), [1], [0]).tolist()
    [1.0, 1.0]
    """
    if not isinstance(subscripts, str):
        # The interleaved form einsum(a, [0, 1], b, [1, 2], [0, 2]): spell it as a string.
        subscripts, operands = _sublists_to_subscripts((subscripts,) + operands)
    ops = [_arr(o) for o in operands]
    subs = _einsum_subscripts(subscripts, [_shape(o) for o in ops])
    return P.einsum(*ops, subscripts=subs)


def kron(a: Any, b: Any) -> Any:
    """Kronecker product: an outer product with the axes interleaved, then a reshape."""
    a, b = _arr(a), _arr(b)
    d = builtins.max(len(_shape(a)), len(_shape(b)))
    sa = (1,) * (d - len(_shape(a))) + _shape(a)
    sb = (1,) * (d - len(_shape(b))) + _shape(b)
    ai = P.reshape(a, shape=tuple(v for n in sa for v in (n, 1)))
    bi = P.reshape(b, shape=tuple(v for n in sb for v in (1, n)))
    return P.reshape(ai * bi, shape=tuple(m * n for m, n in zip(sa, sb)))


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: Optional[int] = None) -> Any:
    """Cross product of 3-vectors (or the z component for 2-vectors) along an axis."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(_arr(a), axisa, -1)
    b = moveaxis(_arr(b), axisb, -1)
    na, nb = _shape(a)[-1], _shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: vectors must have 2 or 3 components, got {na} and {nb}")
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    if na == 2 and nb == 2:
        return a0 * b1 - a1 * b0
    a2 = a[..., 2] if na == 3 else 0.0
    b2 = b[..., 2] if nb == 3 else 0.0
    c = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(c, -1, axisc)
