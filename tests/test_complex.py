"""Complex numbers (issue 15, items 2-3): PyTorch's gradient convention at every user boundary,
holomorphic=True, the errors for complex-valued gradients, and every function that takes complex
input differentiated correctly: by check_grads on complex inputs (split into real and imaginary
parts) and against PyTorch as the oracle (docs/complex.md)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.testing import check_grads

RNG = np.random.default_rng(15)


def _c(*shape):
    return RNG.normal(size=shape) + 1j * RNG.normal(size=shape)


Z = _c(4)
M = _c(3, 3)
W = _c(2, 3)            # wide
T = _c(4, 2)            # tall
H = M + M.conj().T      # Hermitian

# ----------------------------------------------------------------------------------------
# Real-valued losses of complex inputs: (name, chainrule loss, torch loss, input).
# The torch loss is None where the chainrule one is written with NumPy calls torch lacks.


def _t():
    return pytest.importorskip("torch")


LOSSES = [
    ("abs", lambda z: (cnp.abs(z) ** 3).sum(), lambda z: (z.abs() ** 3).sum(), Z),
    ("abs()", lambda z: (abs(z) ** 2).sum(), lambda z: (z.abs() ** 2).sum(), Z),
    ("angle", lambda z: (cnp.angle(z) * cnp.arange(4.0)).sum(),
     lambda z: (z.angle() * _t().arange(4.0, dtype=_t().float64)).sum(), Z),
    ("real", lambda z: (cnp.real(z) ** 2 * cnp.imag(z)).sum(),
     lambda z: (z.real ** 2 * z.imag).sum(), Z),
    ("conj", lambda z: cnp.real(cnp.conj(z) * (1 + 2j) * z * z).sum(),
     lambda z: (z.conj() * (1 + 2j) * z * z).real.sum(), Z),
    ("exp", lambda z: cnp.abs(cnp.exp(z)).sum(), lambda z: z.exp().abs().sum(), Z),
    ("log", lambda z: cnp.imag(cnp.log(z) ** 2).sum(), lambda z: (z.log() ** 2).imag.sum(), Z),
    ("sin", lambda z: cnp.real(cnp.sin(z) * cnp.cos(z)).sum(),
     lambda z: (z.sin() * z.cos()).real.sum(), Z),
    ("sqrt", lambda z: cnp.abs(cnp.sqrt(z) + 1).sum(), lambda z: (z.sqrt() + 1).abs().sum(), Z),
    ("tanh", lambda z: cnp.real(cnp.tanh(z)).sum(), lambda z: z.tanh().real.sum(), Z * 0.3),
    ("div", lambda z: cnp.abs(1 / (z + 3)).sum(), lambda z: (1 / (z + 3)).abs().sum(), Z),
    ("pow", lambda z: cnp.real(z ** 3).sum(), lambda z: (z ** 3).real.sum(), Z),
    ("matmul", lambda m: cnp.abs(m @ m @ Z[:3]).sum(),
     lambda m: (m @ m @ _t().tensor(Z[:3])).abs().sum(), M),
    ("einsum", lambda m: cnp.real(cnp.einsum("ij,jk->ik", m, m.conj())).sum(),
     lambda m: _t().einsum("ij,jk->ik", m, m.conj()).real.sum(), M),
    ("sum/mean", lambda z: cnp.abs(z.sum() + z.mean()), lambda z: (z.sum() + z.mean()).abs(), Z),
    ("prod", lambda z: cnp.abs(cnp.prod(z)), lambda z: z.prod().abs(), Z),
    ("norm", lambda z: cnp.linalg.norm(z), lambda z: _t().linalg.norm(z), Z),
    ("norm1", lambda z: cnp.linalg.norm(z, 1), lambda z: _t().linalg.norm(z, 1), Z),
    ("norm3", lambda z: cnp.linalg.norm(z, 3), lambda z: _t().linalg.norm(z, 3), Z),
    ("norm-inf", lambda z: cnp.linalg.norm(z, np.inf), lambda z: _t().linalg.norm(z, np.inf),
     Z),
    ("fro", lambda m: cnp.linalg.norm(m, "fro"), lambda m: _t().linalg.norm(m, "fro"), M),
    ("nuc", lambda m: cnp.linalg.norm(m, "nuc"), lambda m: _t().linalg.norm(m, "nuc"), M),
    ("spectral", lambda m: cnp.linalg.norm(m, 2), lambda m: _t().linalg.norm(m, 2), M),
    ("matrix-1", lambda m: cnp.linalg.norm(m, 1), lambda m: _t().linalg.norm(m, 1), M),
    ("svdvals", lambda m: (cnp.linalg.svd(m, compute_uv=False) * [1.0, 2.0, 3.0]).sum(),
     lambda m: (_t().linalg.svdvals(m) * _t().tensor([1.0, 2.0, 3.0],
                                                      dtype=_t().float64)).sum(), M),
    ("svd-wide", lambda m: cnp.abs(cnp.linalg.svd(m, full_matrices=False)[0] *
                                   cnp.linalg.svd(m, full_matrices=False)[1]).sum(),
     lambda m: (_t().linalg.svd(m, full_matrices=False)[0] *
                _t().linalg.svd(m, full_matrices=False)[1]).abs().sum(), W),
    ("svd-tall", lambda m: cnp.abs(cnp.linalg.svd(m, full_matrices=False)[2]).sum(),
     lambda m: _t().linalg.svd(m, full_matrices=False)[2].abs().sum(), T),
    # u_1 v_1ᴴ does not depend on the phase, but PyTorch's svd_backward refuses it (its check
    # looks at the cotangents, not at the function): check_grads only.
    ("svd-outer", lambda m: cnp.real(cnp.linalg.svd(m)[0][:, :1] * cnp.linalg.svd(m)[2][:1]
                                     * (1 + 1j)).sum(), None, M),
    ("eigvalsh", lambda h: (cnp.linalg.eigh(h)[0] ** 2 * [1.0, 2.0, 3.0]).sum(),
     lambda h: (_t().linalg.eigvalsh(h) ** 2 * _t().tensor([1.0, 2.0, 3.0],
                                                            dtype=_t().float64)).sum(), H),
    ("eigh-vectors", lambda h: (cnp.abs(cnp.linalg.eigh(h)[1]) ** 2 * cnp.arange(3.0)).sum(),
     lambda h: (_t().linalg.eigh(h)[1].abs() ** 2 * _t().arange(3.0, dtype=_t().float64))
     .sum(), H),
    ("eigvals", lambda m: cnp.real(cnp.linalg.eigvals(m) ** 2 * (1 + 2j)).sum(),
     lambda m: (_t().linalg.eigvals(m) ** 2 * (1 + 2j)).real.sum(), M),
    ("eig-vectors", lambda m: (cnp.abs(cnp.linalg.eig(m)[1]) * cnp.arange(3.0)).sum(),
     lambda m: (_t().linalg.eig(m)[1].abs() * _t().arange(3.0, dtype=_t().float64)).sum(), M),
    ("inv", lambda m: cnp.abs(cnp.linalg.inv(m)).sum(), lambda m: _t().linalg.inv(m).abs().sum(),
     M),
    ("solve", lambda m: cnp.abs(cnp.linalg.solve(m, Z[:3])).sum(),
     lambda m: _t().linalg.solve(m, _t().tensor(Z[:3])).abs().sum(), M),
    ("det", lambda m: cnp.abs(cnp.linalg.det(m)), lambda m: _t().linalg.det(m).abs(), M),
    ("fft", lambda z: (cnp.abs(cnp.fft.fft(z)) ** 2 * cnp.arange(4.0)).sum(),
     lambda z: (_t().fft.fft(z).abs() ** 2 * _t().arange(4.0, dtype=_t().float64)).sum(), Z),
    ("ifft", lambda z: cnp.real(cnp.fft.ifft(z) * (2 - 1j)).sum(),
     lambda z: (_t().fft.ifft(z) * (2 - 1j)).real.sum(), Z),
    ("fft2", lambda m: cnp.abs(cnp.fft.fft2(m)).sum(), lambda m: _t().fft.fft2(m).abs().sum(), M),
]


@pytest.mark.parametrize("name, loss, torch_loss, z", LOSSES, ids=[x[0] for x in LOSSES])
def test_gradients_of_complex_inputs_match_torch(name, loss, torch_loss, z):
    torch = _t()
    if torch_loss is None:
        pytest.skip("PyTorch refuses this loss (see LOSSES)")
    zt = torch.tensor(z, requires_grad=True)
    torch_loss(zt).backward()
    np.testing.assert_allclose(cr.grad(loss)(z), zt.grad.numpy(), rtol=1e-7, atol=1e-9,
                               err_msg=name)
    # The Tensor path holds the same in .grad.
    t = cr.tensor(z, requires_grad=True)
    loss(t).backward()
    np.testing.assert_allclose(t.grad.numpy(), zt.grad.numpy(), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name, loss, torch_loss, z", LOSSES, ids=[x[0] for x in LOSSES])
def test_complex_rules_pass_check_grads(name, loss, torch_loss, z):
    # Both modes, orders 1 and 2, every real direction of the complex input.
    check_grads(loss, z, order=2)


COMPLEX_OUT = [
    ("exp", cnp.exp, Z), ("log", cnp.log, Z), ("sqrt", cnp.sqrt, Z), ("conj", cnp.conj, Z),
    ("mul", lambda z: z * z * (1 - 2j), Z), ("fft", cnp.fft.fft, Z), ("ifft", cnp.fft.ifft, Z),
    ("matmul", lambda m: m @ m, M), ("inv", cnp.linalg.inv, M),
    ("eigvals", cnp.linalg.eigvals, M), ("cumsum", cnp.cumsum, Z),
]


@pytest.mark.parametrize("name, f, z", COMPLEX_OUT, ids=[x[0] for x in COMPLEX_OUT])
def test_complex_valued_functions_pass_check_grads(name, f, z):
    check_grads(f, z, order=2)


# ----------------------------------------------------------------------------------------
# The convention at each boundary.

def test_convention_is_torchs_on_every_path():
    # |z|² at 1+2j: PyTorch's 2+4j, and a step against it descends.
    f = lambda z: abs(z) ** 2  # noqa: E731
    assert cr.grad(f)(1 + 2j) == 2 + 4j
    assert cr.value_and_grad(f)(1 + 2j) == (pytest.approx(5.0), 2 + 4j)
    _, pullback = cr.vjp(f, 1 + 2j)
    assert pullback(1.0) == (2 + 4j,)
    z = cr.tensor(1 + 2j, requires_grad=True)
    (g,) = cr.autograd.grad(f(z), z)
    assert complex(g.item()) == 2 + 4j
    f(z).backward()
    assert complex(z.grad.item()) == 2 + 4j
    np.testing.assert_allclose(cr.jacrev(lambda z: abs(z) ** 2)(Z), np.diag(2 * Z))


def test_vjp_and_backward_gradient_follow_torch_for_complex_cotangents():
    torch = _t()
    v = _c(4)
    zt = torch.tensor(Z, requires_grad=True)
    out = zt * zt.conj() * (1 + 1j) + zt.exp()
    out.backward(torch.tensor(v))
    f = lambda z: z * cnp.conj(z) * (1 + 1j) + cnp.exp(z)  # noqa: E731
    _, pullback = cr.vjp(f, Z)
    np.testing.assert_allclose(pullback(v)[0], zt.grad.numpy(), rtol=1e-12)
    t = cr.tensor(Z, requires_grad=True)
    f(t).backward(gradient=v)
    np.testing.assert_allclose(t.grad.numpy(), zt.grad.numpy(), rtol=1e-12)
    (g,) = cr.autograd.grad(f(t), t, grad_outputs=v)
    np.testing.assert_allclose(g.numpy(), zt.grad.numpy(), rtol=1e-12)
    # torch.func.vjp agrees too (holomorphic z²: v·conj(2z)).
    _, tvjp = torch.func.vjp(lambda z: z ** 2, torch.tensor(Z))
    np.testing.assert_allclose(cr.vjp(lambda z: z ** 2, Z)[1](v)[0], tvjp(torch.tensor(v))[0])


def test_real_leaf_through_a_complex_output_follows_torch():
    torch = _t()
    x = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    v = np.array([1j, 2 - 1j])
    (x * (1 + 2j)).exp().backward(torch.tensor(v))
    t = cr.tensor([0.5, -1.0], requires_grad=True)
    cnp.exp(t * (1 + 2j)).backward(gradient=v)
    assert t.grad.dtype == np.float64
    np.testing.assert_allclose(t.grad.numpy(), x.grad.numpy(), rtol=1e-12)


def test_hooks_see_torchs_convention():
    torch = _t()
    seen, seen_t = [], []
    zt = torch.tensor(Z, requires_grad=True)
    yt = zt * (2 - 1j)
    yt.register_hook(lambda g: seen_t.append(g.numpy().copy()))
    (yt.abs() ** 2).sum().backward()
    z = cr.tensor(Z, requires_grad=True)
    y = z * (2 - 1j)
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    (abs(y) ** 2).sum().backward()
    np.testing.assert_allclose(seen[0], seen_t[0], rtol=1e-12)
    np.testing.assert_allclose(z.grad.numpy(), zt.grad.numpy(), rtol=1e-12)


def test_hook_replacing_a_complex_gradient():
    # A hook's replacement is read in the same convention it was handed.
    z = cr.tensor(Z, requires_grad=True)
    y = z * 1.0
    y.register_hook(lambda g: g * 0 + 1j)
    cnp.real(y * cnp.conj(y)).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), np.full(4, 1j))


def test_create_graph_second_derivative_of_a_complex_loss():
    # d/dz of (PyTorch gradient of |z|⁴ = 4|z|² z), summed with a real weight: Hessian path.
    z = cr.tensor(1 + 2j, requires_grad=True)
    loss = abs(z) ** 4
    (g,) = cr.autograd.grad(loss, z, create_graph=True)
    assert complex(g.item()) == pytest.approx(4 * 5 * (1 + 2j))
    cnp.real(g).backward()      # Re(4|z|² z) = 4(x² + y²)x: gradient (12x² + 4y²) + i·8xy
    assert complex(z.grad.item()) == pytest.approx(12 + 16 + 16j)


def test_descent_converges_with_the_plain_step():
    target = np.array([0.5 - 1j, 2 + 0.5j])
    z = np.zeros(2, complex)
    for _ in range(100):
        z = z - 0.1 * cr.grad(lambda z: cnp.sum(abs(z - target) ** 2))(z)
    np.testing.assert_allclose(z, target, atol=1e-6)


# ----------------------------------------------------------------------------------------
# holomorphic=True and complex outputs.

def test_holomorphic_gives_the_complex_derivative():
    z0 = 0.3 + 0.7j
    assert cr.grad(lambda z: z ** 3, holomorphic=True)(z0) == pytest.approx(3 * z0 ** 2)
    value, g = cr.value_and_grad(lambda z: cnp.exp(z), holomorphic=True)(z0)
    assert value == pytest.approx(np.exp(z0)) and g == pytest.approx(np.exp(z0))
    for jac in (cr.jacobian, cr.jacfwd, cr.jacrev):
        np.testing.assert_allclose(jac(cnp.sin, holomorphic=True)(Z), np.diag(np.cos(Z)),
                                   rtol=1e-12)
    np.testing.assert_allclose(cr.hessian(lambda z: (z ** 3).sum(), holomorphic=True)(Z),
                               np.diag(6 * Z), rtol=1e-12)
    # A pytree argument.
    g = cr.grad(lambda p: p["a"] * p["b"], holomorphic=True)({"a": 1j, "b": 2 + 0j})
    assert g == {"a": 2 + 0j, "b": 1j}


def test_jacobians_of_real_functions_of_complex_inputs_and_back():
    # Rows of jacrev are gradients (PyTorch's convention); jacfwd of a complex function of
    # real inputs is ∂f/∂x.
    np.testing.assert_allclose(cr.jacobian(lambda z: abs(z) ** 2)(Z), np.diag(2 * Z))
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(cr.jacobian(lambda x: cnp.exp(1j * x))(x),
                               np.diag(1j * np.exp(1j * x)))


def test_grad_of_a_complex_valued_function_raises():
    with pytest.raises(TypeError, match="real-valued function.*holomorphic=True"):
        cr.grad(lambda z: z ** 2)(1 + 2j)
    with pytest.raises(TypeError, match="real-valued function"):
        cr.value_and_grad(lambda x: x * 1j)(np.float64(2.0))


def test_holomorphic_with_a_real_input_raises():
    with pytest.raises(TypeError, match="needs complex inputs.*argument 0"):
        cr.grad(lambda z: z ** 2, holomorphic=True)(2.0)


def test_holomorphic_with_a_real_output_raises():
    with pytest.raises(TypeError, match="needs a complex-valued function"):
        cr.grad(lambda z: abs(z), holomorphic=True)(2.0 + 1j)


def test_jacobian_of_complex_to_complex_without_holomorphic_raises():
    with pytest.raises(TypeError, match="complex input .* ambiguous"):
        cr.jacfwd(cnp.exp)(Z)
    with pytest.raises(TypeError, match="complex output .* ambiguous"):
        cr.jacrev(lambda x: x * 1j)(np.ones(2))


def test_jacobian_with_holomorphic_and_real_values_raises():
    with pytest.raises(TypeError, match="holomorphic=True needs complex inputs"):
        cr.jacfwd(cnp.exp, holomorphic=True)(np.ones(2))


def test_backward_on_a_complex_tensor_raises():
    z = cr.tensor(1 + 2j, requires_grad=True)
    with pytest.raises(RuntimeError, match="complex tensor.*real loss"):
        (z * z).backward()


def test_autograd_grad_of_a_complex_output_needs_grad_outputs():
    z = cr.tensor(1 + 2j, requires_grad=True)
    with pytest.raises(RuntimeError, match="output is complex"):
        cr.autograd.grad(z * z, z)


# ----------------------------------------------------------------------------------------
# The silent wrong answers of the issue (each failed on main before this change).

def test_real_of_a_complex_cotangent_is_projected():
    # real(1j * real(1j * x)) is identically 0, so f = x has f' = 1 (main gave 0: the complex
    # cotangent 1j of the inner real(), unprojected, came back as -1).
    f = lambda x: x + cnp.real(1j * cnp.real(1j * x))  # noqa: E731
    assert cr.grad(f)(1.0) == 1.0
    assert cr.grad(lambda x: x + cnp.real(1j * cnp.imag(x * (1 + 0j))))(1.0) == 1.0
    assert cr.grad(lambda x: x + cnp.real(1j * x.astype(complex).astype(float)))(1.0) == 1.0
    t = cr.tensor(1.0, requires_grad=True)
    f(t).backward()
    assert t.grad.item() == 1.0
    check_grads(lambda z: cnp.real(1j * cnp.real(z * z)) + cnp.imag(2j * cnp.imag(z)), Z)


def test_complex_svd_values_are_numpys():
    s = cnp.linalg.svd(cr.tensor(M), compute_uv=False)
    assert s.dtype == np.float64
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(M, compute_uv=False), rtol=1e-12)
    u, s, vh = cnp.linalg.svd(cr.tensor(M))
    np.testing.assert_allclose((u.numpy() * s.numpy()) @ vh.numpy(), M, atol=1e-12)


def test_complex_eigh_values_are_numpys():
    w, v = cnp.linalg.eigh(cr.tensor(H))
    assert w.dtype == np.float64
    np.testing.assert_allclose(w.numpy(), np.linalg.eigvalsh(H), rtol=1e-12)
    np.testing.assert_allclose((v.numpy() * w.numpy()) @ v.numpy().conj().T, H, atol=1e-12)


def test_complex_norms_are_real_and_numpys():
    for ord_ in (None, "fro", "nuc", 2, 1, -1, np.inf):
        n = cnp.linalg.norm(cr.tensor(M), ord_)
        assert n.dtype == np.float64, ord_
        np.testing.assert_allclose(n.item(), np.linalg.norm(M, ord_), rtol=1e-12)
    assert cnp.linalg.norm(cr.tensor(Z)).dtype == np.float64


def test_eig_matches_numpy_and_reconstructs():
    w, v = cnp.linalg.eig(cr.tensor(M))
    np.testing.assert_allclose(np.sort_complex(w.numpy()), np.sort_complex(np.linalg.eigvals(M)),
                               rtol=1e-12)
    vv = v.numpy()
    np.testing.assert_allclose((vv * w.numpy()) @ np.linalg.inv(vv), M, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(vv, axis=0), 1.0, rtol=1e-12)
    # Real input with real eigenvalues: real results, as NumPy gives.
    a = np.array([[2.0, 1.0], [0.0, 3.0]])
    w, v = np.linalg.eig(cr.tensor(a))
    assert w.dtype == np.float64 and v.dtype == np.float64


def test_eig_gradients_of_real_input():
    torch = _t()
    a = RNG.normal(size=(3, 3))
    at = torch.tensor(a, requires_grad=True)
    (torch.linalg.eigvals(at) ** 2).real.sum().backward()
    np.testing.assert_allclose(cr.grad(lambda m: cnp.real(cnp.linalg.eigvals(m) ** 2).sum())(a),
                               at.grad.numpy(), rtol=1e-9)
    check_grads(lambda m: cnp.real(cnp.linalg.eigvals(m) * (1 + 1j)), a)


def test_complex_cholesky():
    b = _c(3, 3)
    a = b @ b.conj().T + 3 * np.eye(3)
    np.testing.assert_allclose(cnp.linalg.cholesky(cr.tensor(a)).numpy(), np.linalg.cholesky(a),
                               rtol=1e-12)   # main read (A + Aᵀ)/2: the real part's factor
    check_grads(cnp.linalg.cholesky, a)
    torch = _t()
    at = torch.tensor(a, requires_grad=True)
    (torch.linalg.cholesky(at) * torch.tensor(b)).real.sum().backward()
    g = cr.grad(lambda a: cnp.real(cnp.linalg.cholesky(a) * b).sum())(a)
    # chainrule differentiates chol((A + Aᴴ)/2), defined for every A: its gradient is the
    # Hermitian part of PyTorch's (which leaves the anti-Hermitian part unspecified).
    gt = at.grad.numpy()
    np.testing.assert_allclose(g, (gt + gt.conj().T) / 2, rtol=1e-9, atol=1e-12)


def test_complex_abs_at_zero_has_gradient_zero():
    # Kink decision (as real abs and PyTorch): the subgradient 0 at z = 0, not hypot's nan.
    z = np.array([0j, 3 - 4j])
    for f in (cnp.abs, abs, lambda z: z.abs() if hasattr(z, "abs") else np.abs(z)):
        g = cr.grad(lambda z: cnp.sum(f(z)))(z)
        np.testing.assert_allclose(g, [0, (3 - 4j) / 5])
    _, t = cr.jvp(cnp.abs, (z,), (np.ones(2, complex),))
    np.testing.assert_allclose(t, [0.0, 0.6])


def test_complex_qr_pinv_slogdet_lstsq():
    # Each used real-matrix rules (transposes where conjugate transposes belong) or gave a
    # complex value where NumPy's is real; found by check_grads on complex inputs.
    tall, b = T, _c(4)
    check_grads(lambda a: abs(cnp.linalg.qr(a)[0]), M)
    check_grads(lambda a: cnp.linalg.qr(a)[1], tall)
    check_grads(cnp.linalg.pinv, tall)
    check_grads(lambda a: cnp.linalg.lstsq(a, b)[0], tall)
    check_grads(lambda a: cnp.linalg.lstsq(a, b)[1], tall)
    res = cnp.linalg.lstsq(cr.tensor(tall), b)[1]
    assert res.dtype == np.float64
    np.testing.assert_allclose(res.numpy(), np.linalg.lstsq(tall, b)[1], rtol=1e-10)
    sign, logabs = cnp.linalg.slogdet(cr.tensor(M))
    want = np.linalg.slogdet(M)
    np.testing.assert_allclose(sign.numpy(), want[0], rtol=1e-12)
    assert logabs.dtype == np.float64
    check_grads(lambda a: cnp.linalg.slogdet(a)[0], M)    # the complex sign moves with A
    check_grads(lambda a: cnp.linalg.slogdet(a)[1], M)
    torch = _t()
    mt = torch.tensor(M, requires_grad=True)
    s, la = torch.linalg.slogdet(mt)
    ((s * (1 + 2j)).real + la).backward()
    g = cr.grad(lambda a: cnp.real(cnp.linalg.slogdet(a)[0] * (1 + 2j))
                + cnp.linalg.slogdet(a)[1])(M)
    np.testing.assert_allclose(g, mt.grad.numpy(), rtol=1e-9)


def test_check_grads_refuses_a_complex_tangent_of_a_real_output():
    # A rule giving a complex tangent for a real value would pass a comparison of real parts.
    from chainrule.core import Primitive, bind
    bad = Primitive("bad_modulus", lambda z: np.abs(z), [lambda g, out, z: g * z / out],
                    [lambda t, out, z: t * np.conj(z) / out])
    with pytest.raises(cr.testing.GradcheckError, match="complex tangent .* real output"):
        check_grads(lambda z: bind(bad, z), Z)


def test_complex_var_std_float_power_nan_to_num_match_numpy():
    # Values complex where NumPy's are real (var of (x - mean)², not |x - mean|²), or the
    # imaginary part dropped (float_power cast to float64): found by running the coverage
    # samples on complex inputs.
    z = _c(3, 4)
    for name, kwargs in (("var", {}), ("std", {"axis": 1}), ("nanvar", {"axis": 0}),
                         ("nanstd", {"ddof": 1})):
        got = getattr(cnp, name)(cr.tensor(z), **kwargs)
        want = getattr(np, name)(z, **kwargs)
        assert got.dtype == want.dtype == np.float64, name
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
        check_grads(lambda z: getattr(cnp, name)(z, **kwargs), z)
    torch = _t()
    zt = torch.tensor(z, requires_grad=True)
    zt.var(dim=1, unbiased=False).sum().backward()
    np.testing.assert_allclose(cr.grad(lambda z: cnp.var(z, axis=1).sum())(z), zt.grad.numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(cnp.float_power(z, 2.0), np.float_power(z, 2.0), rtol=1e-12)
    check_grads(lambda z: cnp.float_power(z, 3.0), z)
    bad = np.array([1 + np.nan * 1j, np.inf - 2j, np.nan + 0j])
    np.testing.assert_array_equal(cnp.nan_to_num(cr.tensor(bad)).numpy(), np.nan_to_num(bad))


# ----------------------------------------------------------------------------------------
# Table-driven: every row whose forward accepts complex input, on complex samples.

# Rows left out, and why: the packed decompositions return vectors defined up to a phase
# (their phase-invariant functions are tested above); the abs row is the real rule, and every
# path to |z| for complex z goes through hypot(real, imag) instead (test_complex_abs.py).
_NOT_ON_COMPLEX = {"eig_packed", "eigh_packed", "svd_packed", "qr_packed", "abs"}


def _scipy_rows() -> set:
    # chainrule.scipy's rows take real arguments: SciPy computes some of them for complex
    # input, but not the functions their derivatives need (polygamma, ...).
    try:
        from chainrule.ops import special
    except ImportError:
        return set()
    return set(getattr(special, "__all__", ()))


def _complex_cases():
    from chainrule.ops import TABLE
    rng = np.random.default_rng(1515)
    cases = []
    skip = _NOT_ON_COMPLEX | _scipy_rows()
    for name, prim in sorted(TABLE.items()):
        if not prim.differentiable or prim.domain is None or name in skip:
            continue
        for k, (args, params) in enumerate(prim.domain(rng)[:2]):
            cargs = tuple(a + 0.3j * rng.normal(size=np.shape(a))
                          if isinstance(a, (np.ndarray, float)) else a for a in args)
            try:
                with np.errstate(all="raise"):
                    prim.impl(*cargs, **params)
            except (TypeError, FloatingPointError, ValueError):
                continue   # NumPy refuses complex input here (hypot, arctan2, ...)
            cases.append(pytest.param(prim, cargs, params, id=f"{name}-{k}"))
    return cases


@pytest.mark.parametrize("prim, args, params", _complex_cases())
def test_table_rows_on_complex_inputs(prim, args, params):
    from chainrule.core import bind
    diff = [i for i, a in enumerate(args) if isinstance(a, (np.ndarray, complex))]

    def f(*xs):
        full = list(args)
        for i, x in zip(diff, xs):
            full[i] = x
        return bind(prim, *full, **params)

    check_grads(f, *[args[i] for i in diff], order=2)
