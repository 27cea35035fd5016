"""Issue 15, item 3: the NumPy pieces a port meets at once (% and // on Tensors and duals,
np.linalg.eig, r_/c_, iscomplex/isreal, gradient, partition, dsplit, real_if_close, einsum's
sublist form), and NumPy's methods and dispatch on forward-mode duals: each differentiates in
both modes (checked by check_grads or finite differences) or raises."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.ops import TracerConversionError
from chainrule.testing import check_grads

RNG = np.random.default_rng(1515)
X = RNG.uniform(0.5, 3.0, size=(3, 4))


def _fd_jvp(f, x, t, eps=1e-6):
    return (np.asarray(f(x + eps * t)) - np.asarray(f(x - eps * t))) / (2 * eps)


# ----------------------------------------------------------------------------------------
# Operators.

def test_mod_operator_on_tensors_and_duals():
    x = cr.tensor(X, requires_grad=True)
    y = x % 1.5
    np.testing.assert_allclose(y.detach().numpy(), X % 1.5)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.ones_like(X))
    # d(a % x)/dx = -floor(a / x), through __rmod__, in both modes.
    assert cr.grad(lambda x: 7.0 % x)(2.0) == -3.0
    assert cr.jvp(lambda x: 7.0 % x, (2.0,), (1.0,)) == (1.0, -3.0)
    check_grads(lambda x: x % 1.3 + 5.0 % x, X)


def test_floordiv_and_divmod_operators():
    x = cr.tensor(X, requires_grad=True)
    q, r = divmod(x, 0.7)
    np.testing.assert_array_equal(q.numpy(), X // 0.7)
    np.testing.assert_allclose(r.detach().numpy(), X % 0.7)
    (x // 0.7 + 2.0 // x + r).sum().backward()   # the quotients carry no gradient
    np.testing.assert_allclose(x.grad.numpy(), np.ones_like(X))
    _, t = cr.jvp(lambda x: x // 0.7 + x, (X,), (np.ones_like(X),))
    np.testing.assert_allclose(t, np.ones_like(X))
    np.testing.assert_array_equal(np.floor_divide(x, 0.7).numpy(), X // 0.7)


# ----------------------------------------------------------------------------------------
# r_ and c_.

R_KEYS = [
    lambda a, b: (a, 0.0, slice(2, 5)),
    lambda a, b: ("0,2", a, b),
    lambda a, b: ("1,2,0", a, b),
    lambda a, b: ("-1,3,1", a),
    lambda a, b: (a, slice(0, 1, 3j), b),
]


@pytest.mark.parametrize("k", range(len(R_KEYS)))
def test_r_matches_numpy_and_differentiates(k):
    a, b = RNG.normal(size=3), RNG.normal(size=3)
    key = R_KEYS[k]
    np.testing.assert_allclose(cnp.r_[key(a, b)], np.r_[key(a, b)])
    check_grads(lambda a, b: cnp.r_[key(a, b)], a, b)


def test_c_matches_numpy_and_differentiates():
    a, b = RNG.normal(size=3), RNG.normal(size=(3, 2))
    np.testing.assert_allclose(cnp.c_[a, b, a], np.c_[a, b, a])
    check_grads(lambda a, b: cnp.c_[a, b, a], a, b)


def test_numpys_r_on_a_traced_value_names_the_replacement():
    with pytest.raises(TracerConversionError, match="chainrule.numpy.r_"):
        cr.grad(lambda x: np.r_[x, x].sum())(np.ones(2))


def test_r_rejects_matrix_directives():
    with pytest.raises(ValueError, match="'axis,ndmin'"):
        cnp.r_["r", [1, 2]]


# ----------------------------------------------------------------------------------------
# Complex questions, real_if_close.

def test_iscomplex_isreal_through_numpy_dispatch():
    z = cr.tensor(np.array([1 + 0j, 2 + 1e-3j]), requires_grad=True)
    np.testing.assert_array_equal(np.iscomplex(z), [False, True])
    np.testing.assert_array_equal(np.isreal(z), [True, False])
    assert np.iscomplexobj(z) and not np.isrealobj(z)
    x = cr.tensor(X)
    assert np.isrealobj(x) and not np.iscomplexobj(x)
    _, t = cr.jvp(lambda x: x * np.isreal(x), (X,), (np.ones_like(X),))
    np.testing.assert_allclose(t, np.ones_like(X))


def test_real_if_close():
    z = X + 1e-18j
    out = np.real_if_close(cr.tensor(z, requires_grad=True))
    assert out.dtype == np.float64
    g = cr.grad(lambda z: (cnp.real_if_close(z) ** 2).sum())(z)
    np.testing.assert_allclose(g, 2 * X)
    far = X + 0.1j
    assert np.real_if_close(cr.tensor(far)).dtype == np.complex128


# ----------------------------------------------------------------------------------------
# gradient, partition, dsplit, einsum sublists.

GRAD_CALLS = [
    ((), {}), ((0.5,), {}), ((np.array([0.0, 1.0, 2.5]), np.array([0, 1, 3, 4.5])), {}),
    ((), {"edge_order": 2}), ((2.0, np.array([0, 1, 3, 4.5])), {"edge_order": 2}),
    ((), {"axis": 1}), ((), {"axis": -1, "edge_order": 2}),
]


@pytest.mark.parametrize("k", range(len(GRAD_CALLS)))
def test_gradient_matches_numpy_and_differentiates(k):
    args, kwargs = GRAD_CALLS[k]
    want = np.gradient(X, *args, **kwargs)
    got = np.gradient(cr.tensor(X), *args, **kwargs)
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
    for w, g in zip(want if isinstance(want, tuple) else (want,),
                    got if isinstance(got, tuple) else (got,)):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-12)
    first = lambda f: (lambda r: r[0] if isinstance(r, tuple) else r)(  # noqa: E731
        cnp.gradient(f, *args, **kwargs))
    check_grads(first, X)


def test_gradient_errors():
    with pytest.raises(ValueError, match="too short"):
        cnp.gradient(np.ones(2), edge_order=2)
    with pytest.raises(TypeError, match="spacing is not differentiated"):
        cr.grad(lambda h: cnp.gradient(X[0], h).sum())(1.0)


def test_partition_matches_numpy_and_differentiates():
    x = RNG.normal(size=(3, 6))
    np.testing.assert_array_equal(np.partition(cr.tensor(x), 2).numpy(), np.partition(x, 2))
    np.testing.assert_array_equal(np.argpartition(cr.tensor(x), 2), np.argpartition(x, 2))
    check_grads(lambda x: cnp.partition(x, 2) * np.arange(6.0), x)
    check_grads(lambda x: cnp.partition(x, 1, axis=0), x)


def test_dsplit():
    x = RNG.normal(size=(2, 2, 4))
    parts = np.dsplit(cr.tensor(x), 2)
    for p, w in zip(parts, np.dsplit(x, 2)):
        np.testing.assert_array_equal(p.numpy(), w)
    check_grads(lambda x: cnp.dsplit(x, [1])[1] * 2.0, x)
    with pytest.raises(ValueError, match="3 or more dimensions"):
        cnp.dsplit(np.ones((2, 2)), 2)


def test_einsum_sublist_form():
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4))
    np.testing.assert_allclose(np.einsum(cr.tensor(a), [0, 1], b, [1, 2], [0, 2]).numpy(),
                               a @ b)
    np.testing.assert_allclose(cnp.einsum(a, [Ellipsis, 1], b[:, 0], [1]),
                               np.einsum(a, [Ellipsis, 1], b[:, 0], [1]))
    check_grads(lambda a, b: cnp.einsum(a, [0, 1], b, [1, 2], [2, 0]), a, b)
    check_grads(lambda a: cnp.einsum(a, [0, 1], a, [0, 1]), a)
    with pytest.raises(ValueError, match="axis labels"):
        cnp.einsum(a, ["i", "j"])


# ----------------------------------------------------------------------------------------
# NumPy methods and dispatch on forward-mode duals (and, for the same code, Tensors).

DUAL_CALLS = {
    "x.ravel()": lambda x: x.ravel(), "x.flatten()": lambda x: x.flatten(),
    "x.squeeze()": lambda x: x[None].squeeze(), "x.T": lambda x: x.T,
    "x.sum(axis=0)": lambda x: x.sum(axis=0), "x.mean()": lambda x: x.mean(),
    "x.var(axis=1)": lambda x: x.var(axis=1), "x.std()": lambda x: x.std(),
    "x.prod()": lambda x: x.prod(), "x.cumsum(axis=1)": lambda x: x.cumsum(axis=1),
    "x.max(axis=0)": lambda x: x.max(axis=0), "x.clip(1, 2)": lambda x: x.clip(1.0, 2.0),
    "x.dot(v)": lambda x: x.dot(np.arange(4.0)), "x.trace()": lambda x: x.trace(),
    "x.diagonal()": lambda x: x.diagonal(), "x.swapaxes(0, 1)": lambda x: x.swapaxes(0, 1),
    "x.reshape(4, 3)": lambda x: x.reshape(4, 3), "x.repeat(2)": lambda x: x.repeat(2),
    "x.take([0, 2])": lambda x: x.take([0, 2]), "x.conj()": lambda x: x.conj(),
    "x % 1.5": lambda x: x % 1.5, "abs(x)": lambda x: abs(x),
    "np.sum(x)": np.sum, "np.ravel(x)": np.ravel, "np.squeeze(x[None])": lambda x: np.squeeze(
        x[None]), "np.mean(x, 0)": lambda x: np.mean(x, 0), "np.cumprod(x)": np.cumprod,
    "np.linalg.norm(x)": np.linalg.norm, "np.sort(x)": np.sort, "np.median(x)": np.median,
    "np.diff(x)": np.diff, "np.trace(x)": np.trace, "np.roll(x, 1)": lambda x: np.roll(x, 1),
    "np.gradient(x, axis=1)": lambda x: np.gradient(x, axis=1),
    "np.partition(x, 1)": lambda x: np.partition(x, 1),
    "np.append(x, 1.0)": lambda x: np.append(x, 1.0),
    "np.concatenate([x, x])": lambda x: np.concatenate([x, x]),
    "np.linalg.eigvals(x @ x.T)": lambda x: np.linalg.eigvals(x @ x.T + np.diag([0, 3, 9.0])),
    "np.einsum sublists": lambda x: np.einsum(x, [0, 1], x, [0, 1]),
    "np.real_if_close(x + 0j)": lambda x: np.real_if_close(x + 0j),
    "np.dsplit": lambda x: np.dsplit(x[None], 2)[1],
}


@pytest.mark.parametrize("name", list(DUAL_CALLS))
def test_numpy_methods_and_dispatch_on_duals(name):
    f = DUAL_CALLS[name]
    t = RNG.normal(size=X.shape)
    out, tangent = cr.jvp(f, (X,), (t,))
    np.testing.assert_allclose(out, f(X), rtol=1e-12)
    np.testing.assert_allclose(tangent, _fd_jvp(f, X, t), rtol=1e-5, atol=1e-7, err_msg=name)
    # The same NumPy code in reverse mode and inside hessian-style forward-over-reverse.
    u = RNG.normal(size=np.shape(out))
    _, pullback = cr.vjp(f, X)
    assert np.sum(pullback(u)[0] * t) == pytest.approx(np.sum(u * tangent), rel=1e-6, abs=1e-8)


def test_lists_of_tracers_differentiate_or_raise():
    # Stacking lists of traced values keeps the gradient; NumPy functions that convert a
    # list with np.asarray raise instead of giving a zero gradient (it was 0 on older code).
    g = cr.grad(lambda x: np.concatenate([x, x * 2]).sum())(np.ones(2))
    np.testing.assert_allclose(g, [3.0, 3.0])
    g = cr.grad(lambda x: cnp.ravel([x[0], x[1] * 3]).sum())(np.ones(2))
    np.testing.assert_allclose(g, [1.0, 3.0])
    g = cr.grad(lambda x: (cnp.append([x[0]], [x[1] * 3]) * [1.0, 2.0]).sum())(np.ones(2))
    np.testing.assert_allclose(g, [1.0, 6.0])
    _, t = cr.jvp(lambda x: cnp.append([x[0], 2.0], x), (np.ones(2),), (np.ones(2),))
    np.testing.assert_allclose(t, [1.0, 0.0, 1.0, 1.0])
    for f in (lambda x: np.append([x[0]], [x[1]]).sum(), lambda x: np.ravel([x[0], x[1]]).sum(),
              lambda x: np.sum([x[0], x[1]])):
        with pytest.raises(TracerConversionError):
            cr.grad(f)(np.ones(2))
        with pytest.raises(TracerConversionError):
            cr.jvp(f, (np.ones(2),), (np.ones(2),))


def test_float32_scalar_input_keeps_its_dtype():
    g = cr.grad(lambda x: x ** 2)(np.float32(3.0))
    assert type(g) is np.float32 and g == 6.0
    _, t = cr.jvp(lambda x: x ** 2, (np.float32(3.0),), (np.float32(1.0),))
    assert type(t) is np.float32
