"""Complex abs: one convention on every path (z.abs(), abs(z), cr.abs, np.abs on a Tensor,
the transforms), PyTorch's convention (see docs/complex.md)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

Z = np.array([1 + 2j, -0.5 + 0.25j, 3 - 1j])

PATHS = {
    "z.abs()": lambda z: z.abs(),
    "abs(z)": lambda z: abs(z),
    "cr.abs": cr.abs,
    "cr.numpy.absolute": cr.numpy.absolute,
    "np.abs": np.abs,
}


def _backward(loss, z):
    t = cr.tensor(z, requires_grad=True)
    loss(t).backward()
    return t.grad.numpy()


def _squared(fn):
    return lambda z: (fn(z) ** 2).sum()


@pytest.mark.parametrize("path", list(PATHS))
def test_every_abs_path_gives_the_same_gradient(path):
    # |z|² = z·conj(z): the engine's mul and conj rules give its gradient; abs must agree.
    want = _backward(lambda z: (z * z.conj()).real.sum(), Z)
    np.testing.assert_allclose(_backward(_squared(PATHS[path]), Z), want, rtol=1e-13)
    # PyTorch's convention: ∂L/∂x + i·∂L/∂y, here 2x + 2iy = 2·z.
    np.testing.assert_allclose(want, 2 * Z, rtol=1e-13)


@pytest.mark.parametrize("path", ["z.abs()", "abs(z)", "cr.abs"])
def test_abs_transforms_agree(path):
    fn = PATHS[path]
    g = cr.grad(lambda z: (fn(z) ** 2).sum())(Z)
    np.testing.assert_allclose(g, 2 * Z, rtol=1e-13)
    # Forward mode: |z| is real, so its tangent is real (d|z| = Re(conj(z)·dz)/|z|).
    _, t = cr.jvp(fn, (Z,), (np.ones_like(Z),))
    assert t.dtype.kind == "f"
    np.testing.assert_allclose(t, Z.real / np.abs(Z), rtol=1e-13)


def test_abs_gradient_is_torchs():
    torch = pytest.importorskip("torch")
    z = torch.tensor(Z, requires_grad=True)
    (z.abs() ** 2).sum().backward()
    # PyTorch reports ∂L/∂x + i·∂L/∂y (2+4j for |z|² at 1+2j), as chainrule does.
    np.testing.assert_allclose(_backward(_squared(PATHS["z.abs()"]), Z), z.grad.numpy(),
                               rtol=1e-13)
    assert complex(cr.grad(lambda z: abs(z) ** 2)(1 + 2j)) == 2 + 4j


def test_descent_with_the_gradient():
    # With this convention, gradient descent on a real loss steps along -grad, as in PyTorch.
    z = 1 + 2j
    loss = lambda z: abs(z - (0.5 - 1j)) ** 2  # noqa: E731
    for _ in range(50):
        z = z - 0.1 * cr.grad(loss)(z)
    assert abs(z - (0.5 - 1j)) < 1e-4
