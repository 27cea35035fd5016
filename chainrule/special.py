"""``chainrule.special``: the functions of ``scipy.special`` and ``jax.nn`` that models are made
of, differentiable: ``relu``, ``sigmoid`` (``expit``), ``softplus``, ``softmax``,
``log_softmax``, ``logsumexp``, ``logit``, ``erf``. ``import chainrule.special as cs``.

Like :mod:`chainrule.numpy` they take arrays, numbers, lists or Tensors, and are composites of
rows of the table (``erf`` is a row itself); the stable forms are the default (``softplus``
and ``logsumexp`` do not overflow, ``sigmoid`` is computed through tanh).

>>> import chainrule as cr, chainrule.numpy as cnp, chainrule.special as cs
>>> cr.grad(cs.logsumexp)(cnp.zeros(2))   # the gradient of logsumexp is softmax
array([0.5, 0.5])

Until the next release ``chainrule.numpy.relu``, ``.sigmoid``, ``.expit``, ``.softplus``,
``.softmax``, ``.log_softmax`` and ``.logsumexp`` still work, with a DeprecationWarning.
"""

# relu and sigmoid are defined with the tracer methods x.relu() and x.sigmoid()
# (chainrule.ops.methods), the rest next to the NumPy namespace whose helpers they use
# (chainrule.numpy._special); each has that one definition.
from .numpy._special import (erf, expit, log_softmax, logit, logsumexp, relu, sigmoid, softmax,
                             softplus)

__all__ = ["relu", "sigmoid", "expit", "softplus", "softmax", "log_softmax", "logsumexp",
           "logit", "erf"]
