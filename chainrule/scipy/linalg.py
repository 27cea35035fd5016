"""``chainrule.scipy.linalg``: SciPy's matrix functions, differentiable.

``solve_triangular``, ``expm`` (its derivative is the Fréchet derivative, the upper-right
block of the exponential of a block matrix), ``sqrtm`` and ``solve_sylvester`` (through the
Sylvester equation) are rows of the table; ``cho_factor``/``cho_solve`` and ``cholesky`` are
composites; ``inv``, ``det`` and ``solve`` are :mod:`chainrule.numpy.linalg`'s. Matrices are
2-D (loop over a stack of them); ``sqrtm`` is for matrices with a real square root (positive
definite ones, say).

>>> import chainrule as cr, chainrule.numpy as cnp
>>> from chainrule.scipy import linalg
>>> a = cnp.array([[4.0, 0.0], [2.0, 1.0]])
>>> linalg.solve_triangular(a, [4.0, 3.0], lower=True)
array([1., 1.])
>>> cr.grad(lambda m: linalg.expm(m).sum())(cnp.zeros((2, 2)))   # d/dA sum(e^A) at 0
array([[1., 1.],
       [1., 1.]])
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from .. import ops as P
from ..core import value_of
from ..numpy import linalg as _nla
from ..numpy._helpers import _arr
from ..numpy._shape import matrix_transpose as _mT

__all__ = ["solve_triangular", "cho_factor", "cho_solve", "cholesky", "expm", "sqrtm",
           "solve_sylvester", "inv", "det", "solve"]

inv = _nla.inv
det = _nla.det
solve = _nla.solve


def _matrix(name: str, a: Any) -> Any:
    a = _arr(a)
    shape = _np.shape(value_of(a))
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"{name}: expected a square 2-D matrix, got shape {shape}; for a "
                         "stack of matrices, loop over the leading axes")
    return a


def solve_triangular(a: Any, b: Any, trans: Any = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False,
                     check_finite: bool = True) -> Any:
    """x with a x = b (``trans`` 1/"T": aᵀ x = b) for triangular ``a``: only its lower
    (``lower=True``) or upper triangle is read, and its gradient lies in that triangle."""
    a = _matrix("solve_triangular", a)
    if trans in (1, "T", 2, "C"):
        a, lower = _mT(a), not lower
    elif trans not in (0, "N"):
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got "
                         f"{trans!r}")
    return P.solve_triangular(a, _arr(b), lower=bool(lower),
                unit_diagonal=bool(unit_diagonal))


def cholesky(a: Any, lower: bool = False) -> Any:
    """The Cholesky factor, upper (Uᵀ U = a) by default, as SciPy."""
    low = _nla.cholesky(_matrix("cholesky", a))
    return low if lower else _mT(low)


def cho_factor(a: Any, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple:
    """(c, lower) for :func:`cho_solve`; unlike SciPy's, the other triangle of c is zero."""
    return cholesky(a, lower=lower), lower


def cho_solve(c_and_lower: tuple, b: Any, overwrite_b: bool = False,
              check_finite: bool = True) -> Any:
    """x with a x = b, from ``(c, lower) = cho_factor(a)``: two triangular solves.

    >>> import numpy as np
    >>> from chainrule.scipy import linalg
    >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
    >>> linalg.cho_solve(linalg.cho_factor(a), a @ [1.0, 2.0])
    array([1., 2.])
    """
    c, lower = c_and_lower
    c = _matrix("cho_solve", c)
    if lower:
        y = P.solve_triangular(c, _arr(b), lower=True)
        return P.solve_triangular(_mT(c), y, lower=False)
    y = P.solve_triangular(_mT(c), _arr(b), lower=True)
    return P.solve_triangular(c, y, lower=False)


def expm(A: Any) -> Any:
    """The matrix exponential."""
    return P.expm(_matrix("expm", A))


def sqrtm(A: Any) -> Any:
    """The principal matrix square root (real: for a matrix with a real one)."""
    return P.sqrtm(_matrix("sqrtm", A))


def solve_sylvester(a: Any, b: Any, q: Any) -> Any:
    """x with a x + x b = q."""
    return P.sylvester(_matrix("solve_sylvester", a), _matrix("solve_sylvester", b),
                _arr(q))
