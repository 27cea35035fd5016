"""``chainrule.numpy.linalg``: NumPy's linear algebra, differentiable (``cnp.linalg``).

The rows behind it (inv, det, logabsdet, solve, cholesky, eigh, svd, qr, pinv) live in
:mod:`chainrule.ops` with the standard matrix identities as rules. Functions
with several outputs (eigh, svd, qr) run one row that returns the outputs packed into one
array, and unpack it here, so one decomposition serves all outputs and their gradients.

Caveats (also in docs/coverage.md): eigh and svd derivatives divide by differences of
eigenvalues (singular values): with exactly repeated values the vectors are not unique, and
their gradient is computed as if the degenerate block did not rotate (gradients of the values
alone stay exact); nearly repeated values give huge vector gradients; svd needs nonzero
singular values when the matrix is not square.
eigh and cholesky read only the symmetric (Hermitian) part (A + Aᴴ)/2 of their input, so their
gradients are symmetric. qr supports rows >= columns (mode "reduced").

>>> import chainrule as cr, chainrule.numpy as cnp
>>> a = cnp.array([[2.0, 1.0], [1.0, 3.0]])
>>> cr.grad(lambda m: cnp.linalg.det(m))(a)   # d det / dA = det(A) A⁻ᵀ
array([[ 3., -1.],
       [-1.,  2.]])
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import Any, Optional

import numpy as _np

from .. import ops as P
from ._helpers import _arr, _axis, _is_complex, _shape, _sqrt_zero_safe
from ._index import diagonal as _diagonal, trace as _trace
from ._math import abs, conj, imag, real
from ._products import (cross as _cross, dot, matmul as _matmul, outer as _outer,
                        tensordot as _tensordot)
from ._reduce import max, min, sum
from ._shape import expand_dims, matrix_transpose as _matrix_transpose, moveaxis, reshape

__all__ = ["inv", "pinv", "det", "slogdet", "solve", "cholesky", "eigh", "eigvalsh", "eig",
           "eigvals", "svd",
           "svdvals", "qr", "norm", "vector_norm", "matrix_norm", "matrix_power", "multi_dot",
           "matrix_transpose", "cond", "matrix_rank", "trace", "diagonal", "outer", "vecdot",
           "matmul", "tensordot", "cross", "lstsq", "LinAlgError"]

LinAlgError = _np.linalg.LinAlgError
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
QRResult = namedtuple("QRResult", ["Q", "R"])


def _square(a: Any, name: str) -> Any:
    a = _arr(a)
    s = _shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise LinAlgError(f"{name}: expected a square matrix (or a stack of them), got shape {s}")
    return a


def inv(a: Any) -> Any:
    """Matrix inverse; d inv(A) = -A⁻¹ dA A⁻¹."""
    return P.inv(_square(a, "inv"))


def pinv(a: Any) -> Any:
    """Moore-Penrose pseudo-inverse (derivative valid where the rank does not change)."""
    return P.pinv(_arr(a))


def det(a: Any) -> Any:
    """Determinant; d det(A) = det(A) tr(A⁻¹ dA) (needs A invertible for the gradient)."""
    return P.det(_square(a, "det"))


def slogdet(a: Any) -> SlogdetResult:
    """(sign, log|det|): the sign carries no gradient, log|det| has gradient A⁻ᵀ."""
    a = _square(a, "slogdet")
    logabs = P.logabsdet(a)
    if _is_complex(a):
        # A complex sign is det / |det|, which moves with A (a real sign is piecewise constant).
        d = det(a)
        return SlogdetResult(d / abs(d), real(logabs) if _is_complex(logabs) else logabs)
    sign = _np.linalg.slogdet(_np.asarray(P.value_of(a)))[0]
    return SlogdetResult(sign, logabs)


def solve(a: Any, b: Any) -> Any:
    """Solve a x = b (b a vector when 1-D, else a stack of matrices, as NumPy 2 reads it)."""
    return P.solve(_square(a, "solve"), _arr(b))


def cholesky(a: Any, upper: bool = False) -> Any:
    """Lower Cholesky factor of a symmetric positive-definite matrix (``upper``: its Lᵀ)."""
    low = P.cholesky(_square(a, "cholesky"))
    return _matrix_transpose(low) if upper else low


def eigh(a: Any, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending, real) and eigenvectors of a symmetric or Hermitian matrix.

    The input is symmetrised as (A + Aᴴ)/2 (NumPy reads one triangle); gradients need
    distinct eigenvalues for the eigenvectors, and complex eigenvectors have a derivative
    only through functions that do not depend on their phase (docs/complex.md).
    """
    p = P.eigh_packed(_square(a, "eigh"))
    n = _shape(p)[-1]
    w = p[..., n, :]
    return EighResult(real(w) if _is_complex(p) else w, p[..., :n, :])


def eigvalsh(a: Any, UPLO: str = "L") -> Any:
    """Eigenvalues of a symmetric matrix, ascending."""
    return eigh(a).eigenvalues


def eig(a: Any) -> EigResult:
    """Eigenvalues and unit-norm eigenvectors of a general square matrix: complex, or real
    when the matrix is real and every eigenvalue is real, as NumPy decides it (the row always
    computes complex values; their real part is taken then). Gradients need distinct
    eigenvalues, and reach complex eigenvectors only through functions that do not depend on
    their phase (``abs(v)``, ``v @ diag(w) @ inv(v)``), as in PyTorch.

    >>> import numpy as np, chainrule as cr
    >>> a = np.array([[2.0, 1.0], [0.0, 3.0]])
    >>> g = cr.grad(lambda m: cr.numpy.linalg.eig(m)[0].sum())(a)   # d tr(A) / dA = I
    >>> np.allclose(g, np.eye(2))
    True
    """
    a = _square(a, "eig")
    p = P.eig_packed(a)
    n = _shape(p)[-1]
    w, v = p[..., n, :], p[..., :n, :]
    if not _is_complex(a) and not _np.any(_np.imag(_np.asarray(P.value_of(w)))):
        w, v = real(w), real(v)
    return EigResult(w, v)


def eigvals(a: Any) -> Any:
    """Eigenvalues of a general square matrix (complex; see :func:`eig`)."""
    return eig(a).eigenvalues


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False) -> Any:
    """Singular value decomposition A = U diag(S) Vh (thin factors).

    ``full_matrices=True`` (NumPy's default) is accepted for square matrices, where it is the
    same as the thin one; the extra columns of a full U or V of a non-square matrix are not
    unique, so they have no derivative: pass ``full_matrices=False``.
    """
    a = _arr(a)
    m, n = _shape(a)[-2:]
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError(
            f"svd: full_matrices=True on a {m}x{n} matrix asks for basis vectors that are not "
            "unique and have no derivative; pass full_matrices=False (the thin SVD)")
    p = P.svd_packed(a)
    k = builtins.min(m, n)
    lead = _shape(p)[:-1]
    s = p[..., m * k:m * k + k]
    if _is_complex(p):
        s = real(s)   # packed with complex U and Vh; singular values are real
    if not compute_uv:
        return s
    u = reshape(p[..., :m * k], lead + (m, k))
    vh = reshape(p[..., m * k + k:], lead + (k, n))
    return SVDResult(u, s, vh)


def svdvals(a: Any) -> Any:
    """Singular values, descending (gradient U Vᵀ-like: needs distinct values)."""
    return svd(a, compute_uv=False)


def qr(a: Any, mode: str = "reduced") -> QRResult:
    """Reduced QR decomposition of a matrix with at least as many rows as columns."""
    a = _arr(a)
    m, n = _shape(a)[-2:]
    if mode != "reduced" or m < n:
        raise NotImplementedError(
            f"qr: only mode='reduced' with rows >= columns is differentiable here (got "
            f"mode={mode!r}, shape {_shape(a)}); for a wide matrix, take qr of its transpose")
    p = P.qr_packed(a)
    return QRResult(p[..., :m, :], p[..., m:, :])


def _safe_sqrt(s: Any) -> Any:
    # The norm of a zero vector gets the zero subgradient, as in PyTorch.
    return _sqrt_zero_safe(s)


def _abs2(x: Any) -> Any:
    # |x|², real for complex x (x * conj(x) is complex-typed, and x * x is not |x|²).
    if _is_complex(x):
        re, im = real(x), imag(x)
        return re * re + im * im
    return x * x


def vector_norm(x: Any, ord: Any = 2, axis: Any = None, keepdims: bool = False) -> Any:
    """p-norm along ``axis`` (all axes when None): ord 2, 1, inf, -inf, 0 or any p."""
    x = _arr(x)
    if ord is None or ord == 2:
        return _safe_sqrt(sum(_abs2(x), axis=axis, keepdims=keepdims))
    a = abs(x)
    if ord == _np.inf:
        return max(a, axis=axis, keepdims=keepdims)
    if ord == -_np.inf:
        return min(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return _np.sum(_np.asarray(P.value_of(x)) != 0, axis=axis,
                       keepdims=keepdims).astype(P.dtype_of(x))
    if ord == 1:
        return sum(a, axis=axis, keepdims=keepdims)
    return sum(a ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def matrix_norm(x: Any, ord: Any = "fro", keepdims: bool = False) -> Any:
    """Matrix norm over the last two axes: 'fro', 'nuc', 1, -1, 2, -2, inf, -inf."""
    x = _arr(x)
    if ord in (None, "fro"):
        out = _safe_sqrt(sum(_abs2(x), axis=(-2, -1)))
    elif ord == "nuc":
        out = sum(svdvals(x), axis=-1)
    elif ord in (2, -2):
        s = svdvals(x)
        out = max(s, axis=-1) if ord == 2 else min(s, axis=-1)
    elif ord in (1, -1):
        col = sum(abs(x), axis=-2)
        out = max(col, axis=-1) if ord == 1 else min(col, axis=-1)
    elif ord in (_np.inf, -_np.inf):
        row = sum(abs(x), axis=-1)
        out = max(row, axis=-1) if ord == _np.inf else min(row, axis=-1)
    else:
        raise ValueError(f"matrix_norm: invalid ord {ord!r}; use 'fro', 'nuc', 1, -1, 2, -2, "
                         "inf or -inf")
    if keepdims:
        out = reshape(out, _shape(out) + (1, 1))
    return out


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """NumPy's norm: vector norms for 1-D input or an int axis, matrix norms for 2-D input or
    a pair of axes; the 2-norm of everything when ord and axis are both None.

    >>> import chainrule as cr, chainrule.numpy as cnp
    >>> cr.grad(cnp.linalg.norm)(cnp.array([3.0, 4.0]))
    array([0.6, 0.8])
    """
    x = _arr(x)
    nd = len(_shape(x))
    if axis is None:
        if ord is None:
            return vector_norm(x, 2, None, keepdims)
        axis = tuple(range(nd))
        if nd not in (1, 2):
            raise ValueError(f"norm: ord={ord!r} needs a 1-D or 2-D input or an axis, got "
                             f"shape {_shape(x)}")
    if isinstance(axis, (int, _np.integer)) or len(axis) == 1:
        return vector_norm(x, 2 if ord is None else ord, axis, keepdims)
    if len(axis) != 2:
        raise ValueError(f"norm: axis must be an int or a pair of ints, got {axis!r}")
    a0, a1 = (_axis(a, nd) for a in axis)
    out = matrix_norm(moveaxis(x, (a0, a1), (-2, -1)), "fro" if ord is None else ord)
    if keepdims:
        out = expand_dims(out, tuple(sorted((a0, a1))))
    return out


def matrix_power(a: Any, n: int) -> Any:
    """A to the integer power n by repeated squaring (inverse first for negative n)."""
    a = _square(a, "matrix_power")
    if not isinstance(n, (int, _np.integer)):
        raise TypeError(f"matrix_power: exponent must be an integer, got {type(n).__name__}")
    n = int(n)
    if n == 0:
        # The identity, as a function of a with gradient 0 (a Tensor in, a Tensor out).
        eye = _np.eye(_shape(a)[-1], dtype=P.dtype_of(a))
        return P.where(_np.ones(_shape(a), dtype=bool), eye, a)
    if n < 0:
        a, n = inv(a), -n
    result: Optional[Any] = None
    base = a
    while n:
        if n & 1:
            result = base if result is None else _matmul(result, base)
        n >>= 1
        if n:
            base = _matmul(base, base)
    return result


def multi_dot(arrays: Any) -> Any:
    """Chain of matrix products, left to right."""
    arrays = list(arrays)
    out = arrays[0]
    for b in arrays[1:]:
        out = dot(out, b)
    return out


def matrix_transpose(x: Any) -> Any:
    """The last two axes swapped."""
    return _matrix_transpose(x)


def cond(x: Any, p: Any = None) -> Any:
    """Condition number: s_max / s_min for p None or 2 (-2: the inverse), else
    norm(x, p) * norm(inv(x), p)."""
    if p in (None, 2, -2):
        s = svdvals(x)
        r = max(s, axis=-1) / min(s, axis=-1)
        return r if p != -2 else 1.0 / r
    return matrix_norm(x, p) * matrix_norm(inv(x), p)


def matrix_rank(a: Any, tol: Any = None, hermitian: bool = False) -> Any:
    """Rank (an integer: no gradient)."""
    return _np.linalg.matrix_rank(_np.asarray(P.value_of(a)), tol=tol, hermitian=hermitian)


def trace(x: Any, offset: int = 0) -> Any:
    """Trace over the last two axes (the Array API's linalg.trace)."""
    return _trace(x, offset, -2, -1)


def diagonal(x: Any, offset: int = 0) -> Any:
    """Diagonal of the last two axes."""
    return _diagonal(x, offset, -2, -1)


def outer(x1: Any, x2: Any) -> Any:
    """Outer product of two vectors."""
    return _outer(x1, x2)


def vecdot(x1: Any, x2: Any, axis: int = -1) -> Any:
    """Dot product along an axis (the first argument conjugated), broadcasting the rest."""
    return sum(conj(x1) * x2, axis=axis)


def matmul(x1: Any, x2: Any) -> Any:
    """Matrix product (the Array API's linalg.matmul)."""
    return _matmul(x1, x2)


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Any:
    """Tensor contraction over the given axes."""
    return _tensordot(x1, x2, axes=axes)


def cross(x1: Any, x2: Any, axis: int = -1) -> Any:
    """Cross product of 3-vectors."""
    if _shape(x1)[axis] != 3 or _shape(x2)[axis] != 3:
        raise ValueError("linalg.cross: both inputs must have 3 components along the axis")
    return _cross(x1, x2, axis=axis)


def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple:
    """Least-squares solution of a x = b as (x, residuals, rank, singular values).

    x = pinv(a) @ b is differentiable in a and b where a's rank is constant; residuals (sums
    of squared residuals, for full-rank tall a) and singular values are differentiable too;
    the rank is an integer.
    """
    a, b = _arr(a), _arr(b)
    if len(_shape(a)) != 2:
        raise _np.linalg.LinAlgError(
            f"lstsq: a must be a 2-d matrix, got shape {_shape(a)}; for one column write "
            "a[:, None]")
    m, n = _shape(a)
    x = _matmul(pinv(a), b)
    s = svdvals(a)
    rank = _np.linalg.matrix_rank(_np.asarray(P.value_of(a)))
    if rank == n and m > n:
        r = b - _matmul(a, x)
        residuals = sum(_abs2(r), axis=0)   # |r|², real also for complex r
        if len(_shape(b)) == 1:
            residuals = reshape(residuals, (1,))
    else:
        residuals = _np.empty((0,), dtype=P.dtype_of(a))
    return x, residuals, rank, s


def __dir__() -> list:
    """Only the NumPy names (not the helpers this module imports)."""
    return sorted(__all__)
