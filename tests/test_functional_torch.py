"""Oracle: the functional transforms against ``torch.func`` on generated functions.

Each generated function is a small random program over a vector (unary functions, products
and sums of earlier values, a fixed matrix product, a slice), written once against a
namespace so that the very same program runs on chainrule values and on torch tensors.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
tf = torch.func

# torch.func's first use scripts a helper with torch.jit.script, which warns about its own
# deprecation: torch's business, not ours (the suite turns DeprecationWarnings into errors).
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")

N = 4


class _NS:
    """The operations a generated program may use, for one library."""

    def __init__(self, lib: str, matrix: np.ndarray):
        self.lib = lib
        if lib == "cr":
            self.sin, self.cos, self.tanh, self.exp = cr.sin, cr.cos, cr.tanh, cr.exp
            self.M = matrix
        else:
            self.sin, self.cos, self.tanh, self.exp = torch.sin, torch.cos, torch.tanh, \
                torch.exp
            self.M = torch.tensor(matrix)


def _program(seed: int):
    """A random program: a list of steps, each making a new (N,) value from earlier ones."""
    rng = np.random.default_rng(seed)
    steps = []
    for i in range(int(rng.integers(3, 7))):
        kind = rng.choice(["unary", "binary", "matvec", "shift", "scale"])
        a, b = int(rng.integers(0, i + 1)), int(rng.integers(0, i + 1))
        steps.append((str(kind), a, b, str(rng.choice(["sin", "cos", "tanh", "exp"])),
                      float(rng.uniform(-1.5, 1.5)), str(rng.choice(["+", "*", "-"]))))
    matrix = rng.normal(size=(N, N)) / 2
    return steps, matrix


def _run(steps, ns, x, y):
    vals = [x * y]
    for kind, a, b, fn, c, op in steps:
        va, vb = vals[a], vals[b]
        if kind == "unary":
            v = getattr(ns, fn)(0.5 * va)
        elif kind == "binary":
            v = va + vb if op == "+" else va * vb if op == "*" else va - vb
        elif kind == "matvec":
            v = ns.M @ va
        elif kind == "shift":   # indexing: a rotated copy, by slices
            v = (va[1:] * c).sum() + va * 0.5
        else:
            v = va * c + x
        vals.append(v)
    return vals[-1] + vals[len(vals) // 2]


def _make(seed):
    steps, matrix = _program(seed)
    cr_ns, t_ns = _NS("cr", matrix), _NS("torch", matrix)

    def f_cr(x, y):
        return _run(steps, cr_ns, x, y)

    def f_t(x, y):
        return _run(steps, t_ns, x, y)

    return f_cr, f_t


SEEDS = range(12)


def _point(seed):
    rng = np.random.default_rng(1000 + seed)
    return rng.uniform(-1, 1, size=N), rng.uniform(0.5, 1.5, size=N)


def _close(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _close(o, t)
        return
    np.testing.assert_allclose(np.asarray(ours, dtype=float), theirs.detach().numpy(),
                               rtol=1e-10, atol=1e-11)


@pytest.mark.parametrize("seed", SEEDS)
def test_grad_and_hessian(seed):
    f_cr, f_t = _make(seed)
    x, y = _point(seed)
    xt, yt = torch.tensor(x), torch.tensor(y)

    def s_cr(x, y):
        return (f_cr(x, y) ** 2).sum()

    def s_t(x, y):
        return (f_t(x, y) ** 2).sum()

    _close(cr.grad(s_cr, argnums=(0, 1))(x, y), tf.grad(s_t, argnums=(0, 1))(xt, yt))
    _close(cr.hessian(s_cr)(x, y), tf.hessian(s_t)(xt, yt))
    _close(cr.hessian(s_cr, argnums=1)(x, y), tf.hessian(s_t, argnums=1)(xt, yt))


@pytest.mark.parametrize("seed", SEEDS)
def test_jacobians(seed):
    f_cr, f_t = _make(seed)
    x, y = _point(seed)
    xt, yt = torch.tensor(x), torch.tensor(y)
    expected = tf.jacrev(f_t, argnums=(0, 1))(xt, yt)
    _close(cr.jacrev(f_cr, argnums=(0, 1))(x, y), expected)
    _close(cr.jacfwd(f_cr, argnums=(0, 1))(x, y), tf.jacfwd(f_t, argnums=(0, 1))(xt, yt))
    _close(cr.jacobian(f_cr)(x, y), expected[0])


@pytest.mark.parametrize("seed", SEEDS)
def test_jvp_and_vjp(seed):
    f_cr, f_t = _make(seed)
    x, y = _point(seed)
    rng = np.random.default_rng(seed)
    tx, ty, ct = rng.normal(size=N), rng.normal(size=N), rng.normal(size=N)
    xt, yt = torch.tensor(x), torch.tensor(y)
    out, tan = cr.jvp(f_cr, (x, y), (tx, ty))
    out_t, tan_t = tf.jvp(f_t, (xt, yt), (torch.tensor(tx), torch.tensor(ty)))
    _close(out, out_t)
    _close(tan, tan_t)
    out, pullback = cr.vjp(f_cr, x, y)
    out_t, pullback_t = tf.vjp(f_t, xt, yt)
    _close(pullback(ct), pullback_t(torch.tensor(ct)))


@pytest.mark.parametrize("seed", SEEDS)
def test_hvp_against_torch(seed):
    f_cr, f_t = _make(seed)
    x, y = _point(seed)
    v = np.random.default_rng(seed + 7).normal(size=N)

    def s_cr(x):
        return f_cr(x, y).sum()

    def s_t(x):
        return f_t(x, torch.tensor(y)).sum()

    _, hvp_t = tf.jvp(tf.grad(s_t), (torch.tensor(x),), (torch.tensor(v),))
    _close(cr.hvp(s_cr, (x,), (v,)), hvp_t)


def test_nth_derivative_against_nested_torch_grad():
    def f_cr(x):
        return cr.tanh(x) * cr.sin(2.0 * x) + 1.0 / (1.0 + x * x)

    def f_t(x):
        return torch.tanh(x) * torch.sin(2.0 * x) + 1.0 / (1.0 + x * x)

    x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    y = f_t(x)
    for n in range(1, 7):
        (y,) = torch.autograd.grad(y, x, create_graph=True)
        assert cr.derivative(f_cr, n)(0.3) == pytest.approx(y.item(), rel=1e-10, abs=1e-10)
