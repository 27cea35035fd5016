"""``chainrule.scipy``: differentiable SciPy, as ``autograd.scipy`` and ``jax.scipy``.

``special`` (gamma, beta, incomplete gamma/beta in every argument, Bessel, error and
entropy functions), ``stats`` (distributions' logpdf/pdf/cdf/logcdf with gradients in their
parameters), ``signal.convolve``, ``linalg`` (solve_triangular, cho_solve, expm, sqrtm, ...)
and ``integrate.odeint`` with an adjoint gradient. SciPy itself is an optional extra
(``pip install chainrule[scipy]``) that gives the forward values; it is imported on first use,
and a clear ImportError says how to install it when it is absent.

>>> import chainrule as cr
>>> from chainrule.scipy import stats
>>> float(cr.grad(stats.norm.logpdf, argnums=1)(1.0, 0.0, 1.0))   # d/dloc = (x - loc)/σ²
1.0
"""

from . import special, stats, signal, linalg, integrate

__all__ = ["special", "stats", "signal", "linalg", "integrate"]
