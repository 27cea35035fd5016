"""The definitions behind :mod:`chainrule.special` (import them from there).

They sit in this folder, after the namespace's helpers they use, so that the old names
``chainrule.numpy.softmax`` etc. can still reach them for one release (the namespace's
``__getattr__``) without an import from chainrule.numpy up to chainrule.special; relu and
sigmoid are the tracer methods' own (:mod:`chainrule.ops.methods`).
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from .. import ops as P
from ..core import Tracer
from ..interpret.batching import constant_of
from ..ops.readings import relu, sigmoid
from ._helpers import _arr
from ._math import log1p


def _constant(x: Any) -> Any:
    """x's value for a constant shift: an array, or a batched value under cr.vmap."""
    c = constant_of(x)
    return c if isinstance(c, Tracer) else _np.asarray(c)


expit = sigmoid   # one function, two names: scipy.special.expit is the logistic sigmoid


def softplus(x: Any) -> Any:
    """log(1 + e^x), computed stably as max(x, 0) + log1p(e^-|x|).

    >>> import chainrule.special as cs
    >>> float(cs.softplus(1000.0)), float(cs.softplus(0.0))
    (1000.0, 0.6931471805599453)
    """
    return relu(x) + log1p(P.exp(-P.abs(x)))


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log(sum(exp(x))) without overflow: the maximum is shifted out first.

    The shift is a constant (its exact value does not change the result), so the gradient is
    softmax(x) and higher derivatives follow.

    >>> import chainrule.special as cs
    >>> float(cs.logsumexp([1000.0, 1000.0]))
    1000.6931471805599
    """
    x = _arr(x)
    v = _constant(x)
    if v.size == 0:
        return P.log(P.sum(P.exp(x), axis=axis, keepdims=keepdims))
    m = _np.max(v, axis=axis, keepdims=True)
    m = _np.where(_np.isfinite(m), m, 0)
    m = m if isinstance(m, Tracer) else m.astype(v.dtype, copy=False)
    s = P.sum(P.exp(x - m), axis=axis, keepdims=True)
    out = P.log(s) + m
    if not keepdims:
        out = P.reshape(out, shape=_np.sum(v, axis=axis).shape)
    return out


def softmax(x: Any, axis: Any = -1) -> Any:
    """exp(x) / sum(exp(x)) along ``axis``, shifted by the maximum for stability.

    >>> import chainrule.special as cs
    >>> cs.softmax([1000.0, 1000.0, -1000.0])
    array([0.5, 0.5, 0. ])
    """
    x = _arr(x)
    v = _constant(x)
    m = _np.max(v, axis=axis, keepdims=True) if v.size else 0.0
    ex = P.exp(x - m)
    return ex / P.sum(ex, axis=axis, keepdims=True)


def log_softmax(x: Any, axis: Any = -1) -> Any:
    """x - logsumexp(x) along ``axis`` (stable)."""
    return x - logsumexp(x, axis=axis, keepdims=True)


def logit(p: Any) -> Any:
    """log(p / (1 - p)), the inverse of sigmoid (``scipy.special.logit``): 2·artanh(2p - 1)
    near p = 1/2 (where log(p) - log1p(-p) would cancel), log(p) - log1p(-p) elsewhere; its
    derivative is 1 / (p (1 - p)).

    >>> import chainrule as cr, chainrule.special as cs
    >>> float(cs.logit(0.5)), float(cr.grad(cs.logit)(0.5))
    (0.0, 4.0)
    """
    p = _arr(p)
    middle = P.less(P.abs(p - 0.5), 0.25)   # 2p - 1 is exact there, and far from ±1
    # (each branch only on its own side, so neither warns nor poisons the other's gradient)
    pm = P.where(middle, p, 0.5)
    po = P.where(middle, 0.1, p)
    out = P.where(middle, 2.0 * P.arctanh(2.0 * pm - 1.0), P.log(po) - log1p(P.neg(po)))
    return out[()] if type(out) is _np.ndarray and out.ndim == 0 else out   # a scalar as NumPy


def erf(x: Any) -> Any:
    """The error function 2/√π ∫₀ˣ e^(-t²) dt (``scipy.special.erf``): one row of the table,
    whose derivative is 2/√π e^(-x²)."""
    return P.erf(x)
