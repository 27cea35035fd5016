"""``chainrule.scipy.signal``: ``convolve``, differentiable in both inputs.

Computed directly (a sum of shifted copies of the larger input, weighted by the entries of
the smaller), so each term is a row of the table and the gradient is exact; the cost is
size(smaller) passes over the output, as SciPy's ``method="direct"``.

>>> import chainrule as cr, numpy as np
>>> from chainrule.scipy import signal
>>> signal.convolve([1.0, 2.0, 3.0], [0.0, 1.0, 0.5])
array([0. , 1. , 2.5, 4. , 1.5])
>>> cr.grad(lambda k: signal.convolve([1.0, 2.0, 3.0], k, mode="valid").sum())(np.ones(2))
array([5., 3.])
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from .. import ops as P
from ..core import Tracer, value_of
from ..numpy._helpers import _arr

__all__ = ["convolve"]

_MODES = ("full", "same", "valid")


def convolve(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """The N-dimensional convolution of ``in1`` and ``in2`` (SciPy's modes: ``"full"``,
    ``"same"`` (the size of in1, centred), ``"valid"``); ``method`` is accepted for SciPy's
    signature, and the direct method is always used."""
    a, b = _arr(in1), _arr(in2)
    sa, sb = _np.shape(value_of(a)), _np.shape(value_of(b))
    if mode not in _MODES:
        raise ValueError(f"convolve: mode must be one of {_MODES}, got {mode!r}")
    if len(sa) != len(sb):
        raise ValueError(f"convolve: in1 and in2 must have the same number of dimensions, got "
                         f"shapes {sa} and {sb}")
    if 0 in sa or 0 in sb:
        raise ValueError(f"convolve: inputs must not be empty, got shapes {sa} and {sb}")
    if mode == "valid" and not (all(x >= y for x, y in zip(sa, sb))
                                or all(y >= x for x, y in zip(sa, sb))):
        raise ValueError(f"convolve: for mode 'valid' one input must be at least as large as "
                         f"the other in every dimension, got shapes {sa} and {sb}")
    # Convolution commutes: loop over the entries of the smaller input.
    small, big = (b, a) if _np.prod(sb) <= _np.prod(sa) else (a, b)
    s_big = _np.shape(value_of(big))
    full = tuple(x + y - 1 for x, y in zip(sa, sb))
    out = None
    for k in _np.ndindex(*_np.shape(value_of(small))):
        weight = P.getitem(small, idx=k) if isinstance(small, Tracer) else small[k]
        width = tuple((ki, fi - ki - nb) for ki, fi, nb in zip(k, full, s_big))
        term = P.pad(big, pad_width=width) * weight if width else big * weight
        out = term if out is None else out + term
    if mode == "full":
        return out
    new = sa if mode == "same" else tuple(abs(x - y) + 1 for x, y in zip(sa, sb))
    start = [(f - n) // 2 for f, n in zip(full, new)]
    return P.getitem(out, idx=tuple(slice(s, s + n) for s, n in zip(start, new)))
