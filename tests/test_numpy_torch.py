"""chainrule.numpy against PyTorch 2.13.0 (an independent oracle) for the functions both have:
values, gradients and Hessian-vector products (second order through double backward in
torch, forward-over-reverse here). Skipped cleanly when torch is absent."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
import chainrule.special as cs

torch = pytest.importorskip("torch")
F = torch.nn.functional if torch is not None else None

RNG = np.random.default_rng(4242)


def _u(lo, hi, *shape):
    return RNG.uniform(lo, hi, size=shape)


def _n(*shape):
    return RNG.normal(size=shape)


def _spd(n):
    a = _n(n, n)
    return a @ a.T + n * np.eye(n)


def _with_zeros(*shape):
    x = _u(0.5, 1.5, *shape)
    x.flat[1] = 0.0
    return x


def _cplx(fn):
    """A complex-valued function made real: real and imaginary parts side by side."""
    def real_cnp(*xs):
        z = fn[0](*xs)
        return cnp.concatenate([cnp.ravel(cnp.real(z)), cnp.ravel(cnp.imag(z))])

    def real_torch(*xs):
        z = fn[1](*xs)
        return torch.cat([z.real.reshape(-1), z.imag.reshape(-1)])

    return real_cnp, real_torch


def _sign_free(v):
    # Eigen/singular vectors are defined up to sign: compare a sign-independent function.
    return v * v


CASES = {
    # elementwise
    "sin": (cnp.sin, torch.sin, [_n(3, 4)]),
    "tan": (cnp.tan, torch.tan, [_u(-1, 1, 5)]),
    "arcsin": (cnp.arcsin, torch.asin, [_u(-0.8, 0.8, 5)]),
    "arccos": (cnp.arccos, torch.acos, [_u(-0.8, 0.8, 5)]),
    "arctan": (cnp.arctan, torch.atan, [_n(5)]),
    "sinh": (cnp.sinh, torch.sinh, [_n(5)]),
    "cosh": (cnp.cosh, torch.cosh, [_n(5)]),
    "arcsinh": (cnp.arcsinh, torch.asinh, [_n(5)]),
    "arccosh": (cnp.arccosh, torch.acosh, [_u(1.2, 3, 5)]),
    "arctanh": (cnp.arctanh, torch.atanh, [_u(-0.8, 0.8, 5)]),
    "exp2": (cnp.exp2, torch.exp2, [_n(5)]),
    "expm1": (cnp.expm1, torch.expm1, [_n(5)]),
    "log2": (cnp.log2, torch.log2, [_u(0.2, 3, 5)]),
    "log10": (cnp.log10, torch.log10, [_u(0.2, 3, 5)]),
    "log1p": (cnp.log1p, torch.log1p, [_u(-0.5, 2, 5)]),
    "square": (cnp.square, torch.square, [_n(5)]),
    "reciprocal": (cnp.reciprocal, torch.reciprocal, [_u(0.5, 2, 5)]),
    "sinc": (cnp.sinc, torch.sinc, [_u(0.2, 2, 5)]),
    "sigmoid": (cs.sigmoid, torch.sigmoid, [_n(5) * 3]),
    "softplus": (cs.softplus, F.softplus, [_n(5) * 3]),
    "deg2rad": (cnp.deg2rad, torch.deg2rad, [_n(5)]),
    "rad2deg": (cnp.rad2deg, torch.rad2deg, [_n(5)]),
    "hypot": (cnp.hypot, torch.hypot, [_u(0.5, 2, 3, 1), _u(-2, -0.5, 4)]),
    "arctan2": (cnp.arctan2, torch.atan2, [_n(3, 1), _u(0.5, 2, 4)]),
    "logaddexp": (cnp.logaddexp, torch.logaddexp, [_n(3, 1), _n(4)]),
    "logaddexp2": (cnp.logaddexp2, torch.logaddexp2, [_n(3, 1), _n(4)]),
    "fmod": (cnp.fmod, torch.fmod, [_u(2.3, 2.7, 4), _u(1.05, 1.1, 4)]),
    "remainder": (cnp.remainder, torch.remainder, [-_u(2.3, 2.7, 4), _u(1.05, 1.1, 4)]),
    "fmax": (cnp.fmax, torch.fmax, [_n(3, 1), _n(4)]),
    "power": (cnp.power, torch.pow, [_u(0.5, 2, 3, 1), _n(4)]),
    "clip": (lambda x: cnp.clip(x, -0.5, 0.5), lambda x: torch.clamp(x, -0.5, 0.5), [_n(6)]),
    # reductions and scans
    "prod_zeros": (lambda x: cnp.prod(x, axis=1), lambda x: torch.prod(x, dim=1),
                   [_with_zeros(3, 4)]),
    "prod_all": (cnp.prod, torch.prod, [_u(0.5, 1.5, 3, 4)]),
    "cumprod_zeros": (lambda x: cnp.cumprod(x, axis=1), lambda x: torch.cumprod(x, dim=1),
                      [_with_zeros(2, 5)]),
    "cumsum": (lambda x: cnp.cumsum(x, axis=0), lambda x: torch.cumsum(x, dim=0), [_n(3, 4)]),
    "var": (lambda x: cnp.var(x, axis=1, ddof=1), lambda x: torch.var(x, dim=1, correction=1),
            [_n(3, 4)]),
    "std": (lambda x: cnp.std(x, axis=0), lambda x: torch.std(x, dim=0, correction=0),
            [_n(3, 4)]),
    "logsumexp": (lambda x: cs.logsumexp(x, axis=1), lambda x: torch.logsumexp(x, dim=1),
                  [_n(3, 4) * 5]),
    "softmax": (lambda x: cs.softmax(x, axis=1), lambda x: torch.softmax(x, dim=1), [_n(3, 4)]),
    "log_softmax": (lambda x: cs.log_softmax(x, axis=0),
                    lambda x: torch.log_softmax(x, dim=0), [_n(3, 4)]),
    "sort": (lambda x: cnp.sort(x, axis=1), lambda x: torch.sort(x, dim=1).values, [_n(3, 4)]),
    "amax": (lambda x: cnp.amax(x, axis=0), lambda x: torch.amax(x, dim=0), [_n(3, 4)]),
    "nansum": (cnp.nansum, torch.nansum, [np.where(_n(3, 4) > 1, np.nan, _n(3, 4))]),
    "nanmean": (cnp.nanmean, torch.nanmean, [np.where(_n(3, 4) > 1, np.nan, _n(3, 4))]),
    # shapes and products
    "roll": (lambda x: cnp.roll(x, 2, axis=1), lambda x: torch.roll(x, 2, dims=1), [_n(3, 4)]),
    "tril": (lambda x: cnp.tril(x, -1), lambda x: torch.tril(x, -1), [_n(4, 4)]),
    "trace": (cnp.trace, torch.trace, [_n(4, 4)]),
    "diagonal": (lambda x: cnp.diagonal(x, 1), lambda x: torch.diagonal(x, 1), [_n(3, 4)]),
    "repeat": (lambda x: cnp.repeat(x, 2, axis=0),
               lambda x: torch.repeat_interleave(x, 2, dim=0), [_n(3, 2)]),
    "tile": (lambda x: cnp.tile(x, (2, 3)), lambda x: x.repeat(2, 3), [_n(2, 2)]),
    "kron": (cnp.kron, torch.kron, [_n(2, 3), _n(3, 2)]),
    "cross": (cnp.cross, lambda a, b: torch.linalg.cross(a, b), [_n(4, 3), _n(4, 3)]),
    "outer": (cnp.outer, torch.outer, [_n(3), _n(4)]),
    "inner": (cnp.inner, torch.inner, [_n(2, 3), _n(4, 3)]),
    "tensordot": (lambda a, b: cnp.tensordot(a, b, axes=([1, 2], [0, 1])),
                  lambda a, b: torch.tensordot(a, b, dims=([1, 2], [0, 1])),
                  [_n(2, 3, 4), _n(3, 4, 2)]),
    "einsum": (lambda a, b: cnp.einsum("bij,bjk->bik", a, b),
               lambda a, b: torch.einsum("bij,bjk->bik", a, b), [_n(2, 2, 3), _n(2, 3, 4)]),
    "einsum_trace": (lambda a: cnp.einsum("ii", a), lambda a: torch.einsum("ii", a), [_n(3, 3)]),
    # linear algebra
    "inv": (cnp.linalg.inv, torch.linalg.inv, [_spd(3)]),
    "det": (cnp.linalg.det, torch.linalg.det, [_n(3, 3)]),
    "slogdet": (lambda a: cnp.linalg.slogdet(a)[1], lambda a: torch.linalg.slogdet(a)[1],
                [_n(3, 3)]),
    "solve": (cnp.linalg.solve, torch.linalg.solve, [_n(3, 3) + 3 * np.eye(3), _n(3, 2)]),
    "cholesky": (cnp.linalg.cholesky, torch.linalg.cholesky, [_spd(3)]),
    "eigvalsh": (cnp.linalg.eigvalsh, torch.linalg.eigvalsh, [_spd(4)]),
    "eigh_vectors": (lambda a: _sign_free(cnp.linalg.eigh(a)[1]),
                     lambda a: _sign_free(torch.linalg.eigh(a)[1]), [_spd(3)]),
    "svdvals": (cnp.linalg.svdvals, torch.linalg.svdvals, [_n(4, 3)]),
    "svd_u": (lambda a: _sign_free(cnp.linalg.svd(a, full_matrices=False)[0]),
              lambda a: _sign_free(torch.linalg.svd(a, full_matrices=False)[0]), [_n(4, 3)]),
    "svd_vh": (lambda a: _sign_free(cnp.linalg.svd(a, full_matrices=False)[2]),
               lambda a: _sign_free(torch.linalg.svd(a, full_matrices=False)[2]), [_n(2, 3)]),
    "qr": (lambda a: cnp.concatenate(list(cnp.linalg.qr(a)), axis=0),
           lambda a: torch.cat(list(torch.linalg.qr(a)), dim=0), [_n(4, 3)]),
    "pinv": (cnp.linalg.pinv, torch.linalg.pinv, [_n(4, 3)]),
    "norm_fro": (cnp.linalg.norm, torch.linalg.norm, [_n(3, 4)]),
    "norm_nuc": (lambda a: cnp.linalg.norm(a, "nuc"), lambda a: torch.linalg.norm(a, "nuc"),
                 [_n(3, 4)]),
    "norm_2": (lambda a: cnp.linalg.norm(a, 2), lambda a: torch.linalg.matrix_norm(a, 2),
               [_n(3, 4)]),
    "vector_norm_3": (lambda a: cnp.linalg.vector_norm(a, 3, axis=1),
                      lambda a: torch.linalg.vector_norm(a, 3, dim=1), [_n(3, 4)]),
    "matrix_power": (lambda a: cnp.linalg.matrix_power(a, -3),
                     lambda a: torch.linalg.matrix_power(a, -3), [_spd(3)]),
    # FFT (complex outputs compared through their real and imaginary parts)
    "fft": _cplx((lambda x: cnp.fft.fft(x, n=6), lambda x: torch.fft.fft(x, n=6))) + ([_n(5)],),
    "ifft": _cplx((lambda x: cnp.fft.ifft(x, axis=0, norm="ortho"),
                   lambda x: torch.fft.ifft(x, dim=0, norm="ortho"))) + ([_n(4, 3)],),
    "rfft": _cplx((lambda x: cnp.fft.rfft(x, n=7), lambda x: torch.fft.rfft(x, n=7))) + ([_n(6)],),
    "rfftn": _cplx((cnp.fft.rfftn, torch.fft.rfftn)) + ([_n(3, 4)],),
    "irfft": (lambda x: cnp.fft.irfft(cnp.fft.rfft(x) * (1.0 + x[:4])),
              lambda x: torch.fft.irfft(torch.fft.rfft(x) * (1.0 + x[:4])), [_n(6)]),
    "irfft_odd": (lambda x: cnp.fft.irfft(cnp.fft.fft(x)[:4], n=7, norm="forward"),
                  lambda x: torch.fft.irfft(torch.fft.fft(x)[:4], n=7, norm="forward"), [_n(5)]),
    "irfftn": (lambda x: cnp.fft.irfftn(cnp.fft.fftn(x)[:, :3] ** 2, s=(3, 4)),
               lambda x: torch.fft.irfftn(torch.fft.fftn(x)[:, :3] ** 2, s=(3, 4)),
               [_n(3, 4)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_values_gradients_and_hvp_match_torch(name):
    ours, theirs, inputs = CASES[name]
    rng = np.random.default_rng(0)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    t_out = theirs(*ts)
    out = ours(*inputs)
    np.testing.assert_allclose(np.asarray(out), t_out.detach().numpy(), rtol=1e-9, atol=1e-10)

    w = rng.standard_normal(np.shape(out))
    loss_t = (t_out * torch.tensor(w)).sum()
    t_grads = torch.autograd.grad(loss_t, ts, create_graph=True)

    def loss(*xs):
        return cnp.sum(ours(*xs) * w)

    grads = cr.grad(loss, argnums=tuple(range(len(inputs))))(*inputs)
    for g, tg in zip(grads, t_grads):
        np.testing.assert_allclose(g, tg.detach().numpy(), rtol=1e-8, atol=1e-9)

    # Second order: Hessian-vector products.
    vs = [rng.standard_normal(np.shape(x)) for x in inputs]
    gv = sum((g * torch.tensor(v)).sum() for g, v in zip(t_grads, vs))
    # A linear function's gradient is constant: torch then records nothing to differentiate.
    t_hv = torch.autograd.grad(gv, ts, allow_unused=True) if gv.requires_grad else \
        [None] * len(ts)
    grad_fn = cr.grad(loss, argnums=tuple(range(len(inputs))))
    _, hv = cr.jvp(lambda *xs: grad_fn(*xs), tuple(inputs), tuple(vs))
    for h, th in zip(hv, t_hv):
        expected = np.zeros_like(h) if th is None else th.numpy()
        np.testing.assert_allclose(h, expected, rtol=1e-7, atol=1e-8)


def test_float32_gradients_match_torch_float32():
    x = _n(3, 4).astype(np.float32)
    t = torch.tensor(x, requires_grad=True)
    torch.logsumexp(torch.sinh(t) * torch.cumprod(t, dim=1), dim=1).sum().backward()
    ours = cr.tensor(x, requires_grad=True)
    cnp.sum(cs.logsumexp(cnp.sinh(ours) * cnp.cumprod(ours, axis=1), axis=1)).backward()
    assert ours.grad.dtype == np.float32
    np.testing.assert_allclose(ours.grad.data, t.grad.numpy(), rtol=1e-4, atol=1e-5)
