"""Products and linear algebra: ``matmul``, ``einsum``, and the rows behind
``chainrule.numpy.linalg`` (inv, det, logabsdet, solve, cholesky, eigh, svd, qr, pinv).

Rules are the standard matrix identities written with table ops, so they differentiate again;
all rows broadcast over leading (batch) axes like NumPy's linalg. eigh and svd rules divide by
differences of eigen/singular values: at a degenerate spectrum the derivative of the vectors
is not defined (see ``_gap_inverse``; coverage.md says so); eigh and cholesky read only the
symmetric (Hermitian) part (A + Aᴴ)/2.

>>> from chainrule.ops import matmul
>>> import numpy as np
>>> matmul.vjp_rule(1)(np.ones(2), None, np.eye(2), np.ones(2)).tolist()
[1.0, 1.0]
"""

from __future__ import annotations

import string

import numpy as np

from ..core import Primitive, dtype_of, ndim_of, shape_of, value_of
from ._build import _row, numpy_only, through_namespace
from .elementwise import where
from .linear import concatenate, conj, getitem, imag, real, reshape, sum, transpose

__all__ = ["matmul", "einsum", "inv", "det", "logabsdet", "solve", "cholesky", "eigh_packed",
           "svd_packed", "qr_packed", "pinv", "eig_packed"]


# ----------------------------------------------------------------------------------------
# Matrix helpers (written with table ops, so the rules that use them differentiate again).


def _mT(x):
    """Swap the last two axes (the matrix transpose of a batch)."""
    n = ndim_of(x)
    axes = list(range(n))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, axes=tuple(axes))


def _sym(x):
    return 0.5 * (x + _mT(x))


# Complex matrices: the factorisations are unitary (Uᴴ U = I), so their rules take conjugate
# transposes where the real ones take transposes. The helpers are the identity on real
# values, so real rules (and their printed derivatives) stay as they were.
def _cplx(x) -> bool:
    return dtype_of(x).kind == "c"


def _cj(x):
    return conj(x) if _cplx(x) else x


def _mH(x):
    """The conjugate transpose of the last two axes (the transpose for real matrices)."""
    return _mT(_cj(x))


def _re(x):
    return real(x) if _cplx(x) else x


def _herm(x):
    return 0.5 * (x + _mH(x))


def _col(v):
    return reshape(v, shape=shape_of(v) + (1,))


def _rowv(v):
    return reshape(v, shape=shape_of(v)[:-1] + (1,) + shape_of(v)[-1:])


def _diag_embed(v):
    return _rowv(v) * np.eye(shape_of(v)[-1], dtype=dtype_of(v))


def _diag_part(m):
    n = shape_of(m)[-1]
    i = np.arange(n)
    return getitem(m, idx=(Ellipsis, i, i))


def _gap_inverse(w, square: bool = False):
    """F[..., i, j] = 1 / (w_j - w_i) off the diagonal (of w² if ``square``), 0 on it.

    Exactly repeated values get 0 too: then gradients that use only the values (eigvalsh,
    svdvals, nuclear norm) stay exact, while those of the vectors, which are not unique there,
    are computed as if the degenerate block did not rotate (documented in coverage.md).
    """
    if square:
        w = w * w
    gap = _rowv(w) - _col(w)
    zero = value_of(gap) == 0
    return where(zero, 0.0, 1.0 / where(zero, 1.0, gap))


def _spd(rng, n, batch=()):
    a = rng.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


# ----------------------------------------------------------------------------------------
# Products.


def _matmul_vjp_x(g, out, x, y):
    if ndim_of(y) == 1:
        if ndim_of(x) == 1:
            return g * y                                        # (n,)·(n,) -> ()
        return reshape(g, shape=shape_of(g) + (1,)) * y         # (...,m,n)@(n,) -> (...,m)
    if ndim_of(x) == 1:                                         # (n,)@(...,n,m) -> (...,m)
        gy = matmul(y, reshape(g, shape=shape_of(g) + (1,)))
        return reshape(gy, shape=shape_of(gy)[:-1])
    return matmul(g, _mT(y))


def _matmul_vjp_y(g, out, x, y):
    if ndim_of(x) == 1:
        if ndim_of(y) == 1:
            return g * x
        return reshape(x, shape=shape_of(x) + (1,)) * reshape(
            g, shape=shape_of(g)[:-1] + (1,) + shape_of(g)[-1:])  # outer(x, g) per batch
    if ndim_of(y) == 1:
        gx = matmul(_mT(x), reshape(g, shape=shape_of(g) + (1,)))
        return reshape(gx, shape=shape_of(gx)[:-1])
    return matmul(_mT(x), g)


def _dom_matmul(rng):
    n = rng.normal
    return [((n(size=(3,)), n(size=(3,))), {}),
            ((n(size=(2, 3)), n(size=(3,))), {}),
            ((n(size=(3,)), n(size=(3, 4))), {}),
            ((n(size=(2, 3)), n(size=(3, 4))), {}),
            ((n(size=(5, 2, 3)), n(size=(3, 4))), {}),
            ((n(size=(3,)), n(size=(2, 3, 4))), {}),
            ((n(size=(2, 1, 2, 3)), n(size=(3, 3, 2))), {})]


matmul = _row(Primitive(
    "matmul", through_namespace(np.matmul, op="matmul"), [_matmul_vjp_x, _matmul_vjp_y],
    [lambda t, out, x, y: matmul(t, y), lambda t, out, x, y: matmul(x, t)],
    display={"symbol": "@", "prec": 2}, domain=_dom_matmul, ufunc=np.matmul, batch="matmul"))

# ----------------------------------------------------------------------------------------
# einsum. Subscripts are normalised by chainrule.numpy.einsum to explicit form without
# ellipses ("ij,jk->ik"), so the rules can read them directly.


def _einsum_impl(*xs, subscripts):
    # NumPy's path optimiser hands contractions to BLAS (10x faster on big operands) but costs
    # tens of microseconds to plan: worth it for three or more operands or big ones.
    big = len(xs) > 2 or any(np.size(x) >= 4096 for x in xs)
    return np.einsum(subscripts, *xs, optimize=big)


def _einsum_vjp(i, g, out, *xs, subscripts):
    """Operand i's cotangent: contract g with the other operands onto operand i's labels.

    Labels that only operand i carries (summed out inside it) come back through a ones
    vector; a label repeated inside operand i (a diagonal, "ii->i") is put back on the
    diagonal through identity-matrix operands, so the result is again one einsum and
    differentiates again.
    """
    ins, outs = subscripts.split("->")
    terms = ins.split(",")
    mine = terms[i]
    sizes: dict = {}
    for term, x in zip(terms, xs):
        for c, n in zip(term, shape_of(x)):
            sizes[c] = max(sizes.get(c, 1), n)
    ops = [g] + [x for j, x in enumerate(xs) if j != i]
    subs = [outs] + [t for j, t in enumerate(terms) if j != i]
    have = set("".join(subs))
    dtype = dtype_of(g)
    for c in dict.fromkeys(mine):
        if c not in have:
            ops.append(np.ones(sizes[c], dtype=dtype))
            subs.append(c)
    free = iter(c for c in string.ascii_letters if c not in sizes)
    target = ""
    seen: set = set()
    for c in mine:
        if c in seen:
            d = next(free)
            ops.append(np.eye(sizes[c], dtype=dtype))
            subs.append(c + d)
            target += d
        else:
            seen.add(c)
            target += c
    return einsum(*ops, subscripts=",".join(subs) + "->" + target)


def _einsum_jvp(i, t, out, *xs, subscripts):
    return einsum(*[t if j == i else x for j, x in enumerate(xs)], subscripts=subscripts)


def _dom_einsum(rng):
    n = rng.normal
    return [((n(size=(2, 3)), n(size=(3, 4))), {"subscripts": "ij,jk->ik"}),
            ((n(size=(3, 3)),), {"subscripts": "ii->"}),
            ((n(size=(3, 3)),), {"subscripts": "ii->i"}),
            ((n(size=(2, 3)),), {"subscripts": "ij->j"}),
            ((n(size=(2, 3)), n(size=(3,)), n(size=(4,))), {"subscripts": "ij,j,k->ik"}),
            ((n(size=(2, 3, 4)), n(size=(2, 4, 3))), {"subscripts": "bij,bjk->bik"})]


einsum = _row(Primitive("einsum", _einsum_impl, [_einsum_vjp], [_einsum_jvp], variadic=True,
                        batch="einsum", domain=_dom_einsum))

# ----------------------------------------------------------------------------------------
# Linear algebra. NumPy's linalg treats leading axes as a stack of matrices, which batching
# relies on (batch="linalg").


inv = _row(Primitive(
    "inv", np.linalg.inv,
    [lambda g, out, x: -matmul(matmul(_mT(out), g), _mT(out))],   # d inv = -A⁻¹ dA A⁻¹
    [lambda t, out, x: -matmul(matmul(out, t), out)],
    domain=lambda rng: [((_spd(rng, 3),), {}), ((rng.normal(size=(2, 3, 3)) + 3 * np.eye(3),),
                                               {})], batch="linalg"))


def _det_vjp(g, out, x):
    return _col(_col(g * out)) * _mT(inv(x))          # d det = det · tr(A⁻¹ dA)


det = _row(Primitive(
    "det", np.linalg.det, [_det_vjp],
    [lambda t, out, x: out * sum(_mT(inv(x)) * t, axis=(-2, -1))],
    domain=lambda rng: [((rng.normal(size=(3, 3)) + 2 * np.eye(3),), {}),
                        ((rng.normal(size=(2, 2, 2)) + 2 * np.eye(2),), {})], batch="linalg"))


def _logabsdet_impl(x):
    return np.linalg.slogdet(x)[1]


logabsdet = _row(Primitive(
    "logabsdet", _logabsdet_impl,
    [lambda g, out, x: _col(_col(g)) * _mT(inv(x))],   # d log|det A| = tr(A⁻¹ dA)
    # d log|det A| = Re tr(A⁻¹ dA): real, also for complex A.
    [lambda t, out, x: _re(sum(_mT(inv(x)) * t, axis=(-2, -1)))],
    doc="log|det(A)|, the second output of slogdet",
    domain=lambda rng: [((rng.normal(size=(3, 3)) + 2 * np.eye(3),), {}),
                        ((rng.normal(size=(2, 2, 2)) - 2 * np.eye(2),), {})], batch="linalg"))


def _solve_impl(a, b):
    return np.linalg.solve(a, b)


def _solve_as(a, b, like):
    # NumPy 2 treats b as a vector only when it is 1-D; batches of vectors are kept as such
    # here by adding and removing a trailing axis.
    if ndim_of(like) == 1:
        r = solve(a, _col(b))
        return reshape(r, shape=shape_of(r)[:-1])
    return solve(a, b)


def _solve_vjp_a(g, out, a, b):
    gb = _solve_as(_mT(a), g, b)
    if ndim_of(b) == 1:
        return -(_col(gb) * _rowv(out))
    return -matmul(gb, _mT(out))


def _solve_jvp_a(t, out, a, b):
    if ndim_of(b) == 1:
        tb = matmul(t, _col(out))
        return -_solve_as(a, reshape(tb, shape=shape_of(tb)[:-1]), b)
    return -solve(a, matmul(t, out))


solve = _row(Primitive(
    "solve", _solve_impl,
    [_solve_vjp_a, lambda g, out, a, b: _solve_as(_mT(a), g, b)],
    [_solve_jvp_a, lambda t, out, a, b: _solve_as(a, t, b)],
    domain=lambda rng: [((rng.normal(size=(3, 3)) + 3 * np.eye(3), rng.normal(size=(3,))), {}),
                        ((rng.normal(size=(3, 3)) + 3 * np.eye(3), rng.normal(size=(3, 2))), {}),
                        ((rng.normal(size=(2, 3, 3)) + 3 * np.eye(3), rng.normal(size=(2, 3, 1))),
                         {})], batch="solve"))


def _cholesky_impl(x):
    # The Hermitian part: (A + Aᵀ)/2 of a complex Hermitian A would be its real part.
    return np.linalg.cholesky(0.5 * (x + np.conj(np.swapaxes(x, -1, -2))))


def _phi(x):
    # Lower triangle with the diagonal halved.
    n = shape_of(x)[-1]
    return x * (np.tri(n, k=-1, dtype=dtype_of(x)) + 0.5 * np.eye(n, dtype=dtype_of(x)))


def _cholesky_jvp(t, out, x):
    # dL = L Φ(L⁻¹ dA L⁻ᴴ) for A = L Lᴴ (dA made Hermitian, as the impl reads (A + Aᴴ)/2).
    li = inv(out)
    return matmul(out, _phi(matmul(matmul(li, _herm(t)), _mH(li))))


def _cholesky_vjp(g, out, x):
    # The transpose of the JVP: Ā = herm(L⁻ᵀ Φ(Lᵀ L̄) conj(L⁻¹)) (for real L: sym(... L⁻¹)).
    li = inv(out)
    return _herm(matmul(matmul(_mT(li), _phi(matmul(_mT(out), g))), _cj(li)))


cholesky = _row(Primitive(
    "cholesky", _cholesky_impl, [_cholesky_vjp], [_cholesky_jvp],
    domain=lambda rng: [((_spd(rng, 3),), {}), ((_spd(rng, 2, (2,)),), {})], batch="linalg"))


def _eigh_packed_impl(x):
    # Hermitian part (A + Aᴴ)/2: for a complex matrix (A + Aᵀ)/2 would be another matrix
    # (its real part's eigenvalues came back for a Hermitian input).
    w, v = np.linalg.eigh(0.5 * (x + np.conj(np.swapaxes(x, -1, -2))))
    return np.concatenate([v, w[..., None, :].astype(v.dtype)], axis=-2)


def _eigh_unpack(p):
    n = shape_of(p)[-1]
    w = getitem(p, idx=(Ellipsis, n, slice(None)))
    # Complex input: the eigenvalues are real, packed with complex vectors (the real part of
    # their cotangent is all that means anything).
    return real(w) if _cplx(p) else w, getitem(p, idx=(Ellipsis, slice(0, n), slice(None)))


def _eigh_vjp(g, out, x):
    # Ā = conj(V) (diag(w̄) + F ∘ (Vᵀ V̄)) Vᵀ, F_ij = 1/(w_j - w_i), Hermitian like the
    # input (for real V: V (...) Vᵀ); the transpose of the JVP below.
    w, v = _eigh_unpack(out)
    gw, gv = _eigh_unpack(g)
    inner = _diag_embed(gw) + _gap_inverse(w) * matmul(_mT(v), gv)
    return _herm(matmul(matmul(_cj(v), inner), _mT(v)))


def _eigh_jvp(t, out, x):
    # dw = diag(Vᴴ dA V) (real), dV = V (F ∘ (Vᴴ dA V)) (the phase fixed by diag(Vᴴ dV) = 0).
    w, v = _eigh_unpack(out)
    p = matmul(matmul(_mH(v), _herm(t)), v)
    dv = matmul(v, _gap_inverse(w) * p)
    dw = _diag_part(p)
    return concatenate(dv, _rowv(real(dw) + 0j if _cplx(dw) else dw), axis=-2)


def _dom_eigh(rng):
    a = rng.normal(size=(3, 3))
    b = rng.normal(size=(2, 2, 2))
    return [((a + a.T,), {}), ((b + np.swapaxes(b, -1, -2),), {})]


eigh_packed = _row(Primitive(
    "eigh_packed", _eigh_packed_impl, [_eigh_vjp], [_eigh_jvp], domain=_dom_eigh,
    doc="eigh as one array: eigenvectors in rows [:n], eigenvalues in row n", batch="linalg"))


def _svd_sizes(x):
    m, n = shape_of(x)[-2:]
    return m, n, min(m, n)


def _svd_packed_impl(x):
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    lead = u.shape[:-2]
    return np.concatenate([u.reshape(lead + (-1,)), s.astype(u.dtype), vh.reshape(lead + (-1,))],
                          axis=-1)


def _svd_unpack(p, x):
    m, n, k = _svd_sizes(x)
    lead = shape_of(p)[:-1]
    u = reshape(getitem(p, idx=(Ellipsis, slice(0, m * k))), shape=lead + (m, k))
    s = getitem(p, idx=(Ellipsis, slice(m * k, m * k + k)))
    if _cplx(p):
        s = real(s)   # real singular values, packed with complex vectors
    vh = reshape(getitem(p, idx=(Ellipsis, slice(m * k + k, None))), shape=lead + (k, n))
    return u, s, vh


def _svd_pack(u, s, vh):
    lead = shape_of(s)[:-1]
    return concatenate(reshape(u, shape=lead + (-1,)), s, reshape(vh, shape=lead + (-1,)),
                       axis=-1)


def _svd_jvp(t, out, x):
    # dP = Uᴴ dA V; ds = Re diag(dP); Uᴴ dU = F ∘ (dP S + S dPᴴ), Vᴴ dV = F ∘ (S dP + dPᴴ S)
    # off the diagonal. Complex: the phases are fixed by diag(Uᴴ dU) = 0, which leaves
    # diag(Vᴴ dV) = -i Im(diag dP) / s.
    u, s, vh = _svd_unpack(out, x)
    v = _mH(vh)
    m, n, k = _svd_sizes(x)
    f = _gap_inverse(s, square=True)
    dp = matmul(matmul(_mH(u), t), v)
    ds = _diag_part(dp)
    s_row, s_col = _rowv(s), _col(s)
    du = matmul(u, f * (dp * s_row + s_col * _mH(dp)))
    dv = matmul(v, f * (s_col * dp + _mH(dp) * s_row))
    if _cplx(dp):
        dv = dv + v * _rowv(-1j * imag(ds) / s)
        ds = real(ds) + 0j
    if m > k:   # the part of dA's columns outside span(U)
        du = du + (matmul(t, v) - matmul(u, dp)) / s_row
    if n > k:
        dv = dv + (matmul(_mH(t), u) - matmul(v, _mH(dp))) / s_row
    return _svd_pack(du, ds, _mH(dv))


def _svd_vjp(g, out, x):
    # The transpose of the JVP above (Townsend's formula for the thin SVD; for complex
    # matrices with the conjugates the pairing Re(sum(c · dz)) puts in).
    u, s, vh = _svd_unpack(out, x)
    gu, gs, gvh = _svd_unpack(g, x)
    v, gv = _mH(vh), _mH(gvh)
    m, n, k = _svd_sizes(x)
    f = _gap_inverse(s, square=True)
    s_row, s_col = _rowv(s), _col(s)
    ju = f * matmul(_mT(u), gu)
    jv = f * matmul(_mT(v), gv)
    inner = (ju + _mH(ju)) * s_row + _diag_embed(gs) + s_col * (jv + _mH(jv))
    if _cplx(u):   # the phase term of dV: diag(Vᵀ V̄) pairs with -i Im(diag dP) / s
        inner = inner + _diag_embed(-1j * imag(_diag_part(matmul(_mT(v), gv))) / s)
    ga = matmul(matmul(_cj(u), inner), _cj(vh))
    if m > k:
        gu_s = gu / s_row
        ga = ga + matmul(gu_s - matmul(_cj(u), matmul(_mT(u), gu_s)), _cj(vh))
    if n > k:
        gv_s = gv / s_row
        ga = ga + matmul(_cj(u), _mH(gv_s - matmul(_cj(v), matmul(_mT(v), gv_s))))
    return ga


def _dom_svd(rng):
    return [((rng.normal(size=(3, 3)),), {}), ((rng.normal(size=(4, 2)),), {}),
            ((rng.normal(size=(2, 3)),), {}), ((rng.normal(size=(2, 3, 2)),), {})]


svd_packed = _row(Primitive(
    "svd_packed", _svd_packed_impl, [_svd_vjp], [_svd_jvp], domain=_dom_svd,
    doc="thin SVD as one array: U, s, Vh flattened along the last axis", batch="linalg"))


# eig: A = V diag(w) V⁻¹ for a general square matrix, always complex (NumPy's eig returns a
# real dtype when every eigenvalue happens to be real; the row keeps one dtype whatever the
# values, and chainrule.numpy.linalg.eig says so). NumPy scales each eigenvector to unit
# norm; its phase is arbitrary, so only phase-invariant functions of V have a derivative.


def _eig_packed_impl(x):
    w, v = np.linalg.eig(x)
    dtype = np.result_type(v.dtype, np.complex64)
    return np.concatenate([v.astype(dtype), w[..., None, :].astype(dtype)], axis=-2)


def _eig_unpack(p):
    n = shape_of(p)[-1]
    return getitem(p, idx=(Ellipsis, n, slice(None))), \
        getitem(p, idx=(Ellipsis, slice(0, n), slice(None)))


def _eig_jvp(t, out, x):
    # P = V⁻¹ dA V: dw = diag(P), dV = V (F ∘ P) less V's change of norm, V Re diag(Vᴴ dV).
    w, v = _eig_unpack(out)
    p = matmul(matmul(inv(v), t), v)
    dv = matmul(v, _gap_inverse(w) * p)
    dv = dv - v * _rowv(real(_diag_part(matmul(_mH(v), dv))))
    return concatenate(dv, _rowv(_diag_part(p)), axis=-2)


def _eig_vjp(g, out, x):
    # The transpose of the JVP: Ā = V⁻ᵀ (diag(w̄) + F ∘ (Vᵀ V̄ - Vᵀ conj(V) diag(Re q))) Vᵀ,
    # q = diag(Vᵀ V̄).
    w, v = _eig_unpack(out)
    gw, gv = _eig_unpack(g)
    vt_gv = matmul(_mT(v), gv)
    q = real(_diag_part(vt_gv))
    inner = _diag_embed(gw) + _gap_inverse(w) * (vt_gv - matmul(_mT(v), conj(v)) * _rowv(q))
    return matmul(matmul(_mT(inv(v)), inner), _mT(v))


def _dom_eig(rng):
    # Distinct real eigenvalues: with complex ones LAPACK fixes each vector's phase its own
    # way (largest entry real), which finite differences of the vectors would follow.
    return [((rng.normal(size=(3, 3)) * 0.3 + np.diag([1.0, 2.0, 4.0]),), {}),
            ((rng.normal(size=(2, 2, 2)) * 0.3 + np.diag([1.0, 3.0]),), {})]


eig_packed = _row(Primitive(
    "eig_packed", _eig_packed_impl, [_eig_vjp], [_eig_jvp], domain=_dom_eig,
    doc="eig as one complex array: eigenvectors in rows [:n], eigenvalues in row n",
    batch="linalg"))


def _qr_packed_impl(x):
    q, r = np.linalg.qr(x, mode="reduced")
    return np.concatenate([q, r], axis=-2)


def _qr_unpack(p, x):
    m = shape_of(x)[-2]
    return getitem(p, idx=(Ellipsis, slice(0, m), slice(None))), \
        getitem(p, idx=(Ellipsis, slice(m, None), slice(None)))


def _strict_lower(x):
    n = shape_of(x)[-1]
    return x * np.tri(n, k=-1, dtype=dtype_of(x))


def _qr_jvp(t, out, x):
    # C = Qᵀ dA R⁻¹ = Ω + dR R⁻¹ with Ω skew and dR R⁻¹ upper triangular:
    # Ω = low(C) - low(C)ᵀ, dR = (C - Ω) R, dQ = dA R⁻¹ - Q (C - Ω).
    # Complex (Qᴴ, and Ω skew-Hermitian): LAPACK's R has a real diagonal, so Ω's diagonal is
    # the imaginary part of C's.
    q, r = _qr_unpack(out, x)
    ri = inv(r)
    c = matmul(matmul(_mH(q), t), ri)
    k = c - _strict_lower(c) + _mH(_strict_lower(c))
    if _cplx(c):
        k = k - 1j * _diag_embed(imag(_diag_part(c)))
    return concatenate(matmul(t, ri) - matmul(q, k), matmul(k, r), axis=-2)


def _qr_vjp(g, out, x):
    # The transpose of the JVP: M = R̄ Rᵀ - Qᵀ Q̄, N = M - low(M) + low(Mᵀ),
    # Ā = (Q̄ + Q N) R⁻ᵀ.
    # (Complex: N = M - low(M) + low(Mᴴ) - i diag(Im diag M), Ā = (Q̄ + conj(Q) N) R⁻ᵀ.)
    q, r = _qr_unpack(out, x)
    gq, gr = _qr_unpack(g, x)
    m = matmul(gr, _mT(r)) - matmul(_mT(q), gq)
    nn = m - _strict_lower(m) + _strict_lower(_mH(m))
    if _cplx(m):
        nn = nn - 1j * _diag_embed(imag(_diag_part(m)))
    return matmul(gq + matmul(_cj(q), nn), _mT(inv(r)))


qr_packed = _row(Primitive(
    "qr_packed", _qr_packed_impl, [_qr_vjp], [_qr_jvp],
    doc="reduced QR (rows >= columns) as one array: Q in rows [:m], R below",
    domain=lambda rng: [((rng.normal(size=(3, 3)),), {}), ((rng.normal(size=(4, 2)),), {}),
                        ((rng.normal(size=(2, 3, 2)),), {})], batch="linalg"))


def _pinv_jvp(t, out, x):
    # d A⁺ = -A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I - A A⁺) + (I - A⁺A) dAᵀ A⁺ᵀ A⁺ (constant rank).
    p = out
    m, n = shape_of(x)[-2:]
    left = np.eye(m, dtype=dtype_of(x)) - matmul(x, p)
    right = np.eye(n, dtype=dtype_of(x)) - matmul(p, x)
    return (-matmul(matmul(p, t), p) + matmul(matmul(matmul(p, _mH(p)), _mH(t)), left)
            + matmul(matmul(right, _mH(t)), matmul(_mH(p), p)))


def _pinv_vjp(g, out, x):
    p = out
    m, n = shape_of(x)[-2:]
    left = np.eye(m, dtype=dtype_of(x)) - matmul(x, p)
    right = np.eye(n, dtype=dtype_of(x)) - matmul(p, x)
    # The transpose of the JVP (for complex A the conjugates of its Hermitian terms).
    return (-matmul(matmul(_mT(p), g), _mT(p))
            + matmul(matmul(_cj(left), _mH(g)), matmul(_cj(p), _mT(p)))
            + matmul(matmul(matmul(_mT(p), _cj(p)), _mH(g)), _cj(right)))


pinv = _row(Primitive(
    "pinv", np.linalg.pinv, [_pinv_vjp], [_pinv_jvp],
    domain=lambda rng: [((rng.normal(size=(3, 3)),), {}), ((rng.normal(size=(4, 2)),), {}),
                        ((rng.normal(size=(2, 3)),), {})], batch="linalg"))

# The standard's linalg extension differs from numpy.linalg in names and in what it returns;
# until these rows are written through it, other libraries' arrays get a clear refusal.
numpy_only(einsum, inv, det, logabsdet, solve, cholesky, eigh_packed, svd_packed, qr_packed,
           pinv, eig_packed)
