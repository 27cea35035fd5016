"""Unchanged NumPy code differentiated by passing Tensors in; in-place updates; dtypes.

NumPy's own functions reach chainrule through ``Tensor.__array_ufunc__`` and
``Tensor.__array_function__`` (mapped by ``chainrule.numpy.HANDLED_FUNCTIONS``); anything
chainrule does not support must raise a TypeError naming the function, never silently drop
the gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp


def _grad_of(f, x):
    """Gradient of sum(f(x)) by the tape, for a NumPy function f given a Tensor."""
    t = cr.tensor(x, requires_grad=True)
    out = f(t)
    assert isinstance(out, cr.Tensor), f"{f.__name__} returned {type(out).__name__}"
    out.sum().backward()
    return t.grad.data


def _grad_cnp(f, x):
    return cr.grad(lambda a: cnp.sum(f(a)))(x)


# Plain NumPy programs, written with no knowledge of chainrule.

def np_loss(x):
    h = np.tanh(x @ np.ones((3, 2)) * 0.5)
    return np.sum(np.log1p(np.exp(h)) + np.square(np.sin(x[:, :2])), axis=0)


def np_stats(x):
    m = np.mean(x, axis=1, keepdims=True)
    return np.std(x - m, axis=1) + np.var(x, ddof=1) + np.max(np.abs(x), axis=0).sum()


def np_shapes(x):
    y = np.concatenate([x, np.flip(x, axis=0)], axis=1)
    y = np.transpose(np.reshape(y, (3, -1)))
    y = np.stack([y, np.roll(y, 1, axis=0)], axis=-1)
    return np.tril(np.squeeze(np.expand_dims(y[..., 0] * y[..., 1], 0))) ** 2


def np_linalg(x):
    a = x @ x.T + 3 * np.eye(3)
    sign, logdet = np.linalg.slogdet(a)
    w, v = np.linalg.eigh(a)
    return logdet + np.trace(np.linalg.inv(a)) + np.linalg.norm(np.linalg.solve(a, x[:, 0])) \
        + w.sum() + np.einsum("ij,ij->", v, v) + np.linalg.det(a)


def np_fft(x):
    return np.abs(np.fft.rfft(x, axis=0)) ** 2 + np.real(np.fft.fft(x, axis=1)).sum()


def np_misc(x):
    return (np.clip(x, -0.5, 0.5) + np.where(x > 0, x, 0.1 * x) + np.hypot(x, 1.0)
            + np.arctan2(x, 2.0) + np.logaddexp(x, -x) + np.cumsum(x, axis=1)
            + np.sort(x, axis=0) + np.prod(x, axis=0) + np.deg2rad(np.fabs(x)))


PROGRAMS = [np_loss, np_stats, np_shapes, np_linalg, np_fft, np_misc]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_unchanged_numpy_code_gets_correct_gradients(program):
    x = np.random.default_rng(7).normal(size=(3, 3))
    # The same program with Tensors in (NumPy dispatching to chainrule) ...
    g_tape = _grad_of(program, x)
    # ... agrees with central differences through the functional API.
    eps = 1e-6
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        numeric[i] = (np.sum(program(x + d)) - np.sum(program(x - d))) / (2 * eps)
    np.testing.assert_allclose(g_tape, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_numpy_code_inside_grad_gives_higher_derivatives(program):
    # Inside cr.grad the arguments are Tensors too, so the program can be differentiated
    # twice (here: Hessian-vector product against central differences of the gradient).
    x = np.random.default_rng(8).normal(size=(3, 3))
    v = np.random.default_rng(9).normal(size=(3, 3))
    g = cr.grad(lambda a: np.sum(program(a)))
    hv = cr.jvp(g, (x,), (v,))[1]
    eps = 1e-5
    numeric = (g(x + eps * v) - g(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hv, numeric, rtol=1e-4, atol=1e-5)


def test_results_are_tensors_and_values_match_numpy():
    x = np.random.default_rng(1).normal(size=(3, 3))
    for program in PROGRAMS:
        out = program(cr.tensor(x))
        assert isinstance(out, cr.Tensor)
        np.testing.assert_allclose(out.data, program(x), rtol=1e-12, atol=1e-12)


def test_unsupported_numpy_function_raises_naming_it():
    t = cr.tensor([3.0, 1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="numpy.unique"):
        np.unique(t)
    with pytest.raises(TypeError, match=r"numpy.add.reduce"):
        np.add.reduce(t)
    with pytest.raises(TypeError, match="numpy.gcd"):
        np.gcd(t, t)
    with pytest.raises(TypeError, match="does not take"):
        np.sin(t, where=np.array([True, False, True]))


def test_ufuncs_with_mixed_operands_return_tensors():
    t = cr.tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0])
    for out in (np.multiply(a, t), a * t, np.maximum(a, t), np.power(t, 2), np.float_power(t, a)):
        assert isinstance(out, cr.Tensor) and out.requires_grad


def test_complex_abs_through_numpy():
    t = cr.tensor([3.0, 0.0], requires_grad=True)
    z = np.fft.fft(t)                      # [3, 3]
    np.abs(z).sum().backward()             # |3 + 0j| twice: gradient of sum |fft(t)|
    np.testing.assert_allclose(t.grad.data, [2.0, 0.0])

# ----------------------------------------------------------------------------------------
# Item assignment, augmented assignment and out=: recorded with correct gradients.


def test_setitem_records_gradient_for_value_and_target():
    z = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = z * 2.0
    w[1] = z[0] * 10.0
    w.sum().backward()
    # w = [2 z0, 10 z0, 2 z2]
    np.testing.assert_allclose(z.grad.data, [12.0, 0.0, 2.0])


def test_setitem_into_constant_buffer():
    z = cr.tensor([1.0, 2.0], requires_grad=True)
    buf = cr.tensor(np.zeros((2, 3)))
    buf[:, 1] = z * z
    buf[0, 2] = z[1]
    assert buf.requires_grad
    (buf * np.arange(6.0).reshape(2, 3)).sum().backward()
    # buf[0,1] = z0², buf[1,1] = z1², buf[0,2] = z1; weights 1, 4, 2.
    np.testing.assert_allclose(z.grad.data, [2.0 * 1.0, 2.0 * 2.0 * 4.0 + 2.0])


def test_setitem_boolean_mask_and_repeated_indices():
    z = cr.tensor([1.0, -2.0, 3.0, -4.0], requires_grad=True)
    v = cr.tensor([5.0, 7.0], requires_grad=True)
    w = z * 1.0
    w[w.data < 0] = v
    w[np.array([0, 0])] = v            # position 0 written twice: the last write wins
    np.testing.assert_array_equal(w.data, [7.0, 5.0, 3.0, 7.0])
    (w * np.array([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    np.testing.assert_allclose(z.grad.data, [0.0, 0.0, 100.0, 0.0])
    np.testing.assert_allclose(v.grad.data, [10.0, 1000.0 + 1.0])


def test_augmented_assignment_records():
    z = cr.tensor([1.0, 2.0], requires_grad=True)
    w = z * 1.0
    w += z
    w *= z
    w -= 1.0
    w /= 2.0
    w **= 2
    w.sum().backward()
    # w = ((2 z² - 1) / 2)²  ->  dw/dz = 2 * ((2z² - 1)/2) * 2z
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(z.grad.data, 2 * ((2 * x ** 2 - 1) / 2) * 2 * x)


def test_out_argument_records():
    z = cr.tensor([0.5, 1.5], requires_grad=True)
    w = z * 1.0
    result = np.sin(w, out=w)
    assert result is w
    np.multiply(w, z, out=(w,))
    w.sum().backward()
    x = np.array([0.5, 1.5])
    np.testing.assert_allclose(z.grad.data, np.cos(x) * x + np.sin(x))


def test_out_into_plain_array_is_refused():
    z = cr.tensor([0.5, 1.5], requires_grad=True)
    with pytest.raises(TypeError, match="out="):
        np.sin(z, out=np.zeros(2))


def test_in_place_on_leaf_requiring_grad_is_refused_and_no_grad_allows_it():
    z = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        z += 1.0
    with pytest.raises(RuntimeError, match="leaf"):
        z[0] = 3.0
    with cr.no_grad():
        z -= 0.5
        z[1] = 4.0
    np.testing.assert_array_equal(z.data, [0.5, 4.0])


def test_in_place_after_use_is_detected():
    z = cr.tensor([1.0, 2.0], requires_grad=True)
    buf = cr.tensor(np.array([3.0, 4.0]))
    y = (z * buf).sum()
    buf[0] = 10.0                       # buf was saved for y's gradient
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


# ----------------------------------------------------------------------------------------
# Dtypes.


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtypes_kept_through_numpy_dispatch(dtype):
    t = cr.tensor(np.array([0.25, 0.5, 0.75], dtype=dtype), requires_grad=True)
    y = np.sum(np.exp(t) * np.arcsin(t) + np.deg2rad(t) + np.cumprod(t)) + np.linalg.norm(t)
    assert y.dtype == dtype
    y.backward()
    assert t.grad.dtype == dtype
    ref = cr.tensor(np.array([0.25, 0.5, 0.75]), requires_grad=True)
    (np.sum(np.exp(ref) * np.arcsin(ref) + np.deg2rad(ref) + np.cumprod(ref))
     + np.linalg.norm(ref)).backward()
    tol = {np.float16: 1e-2, np.float32: 1e-5, np.float64: 1e-12}[dtype]
    np.testing.assert_allclose(t.grad.data.astype(float), ref.grad.data, rtol=tol, atol=tol)


def test_float32_linalg_and_fft_keep_dtype():
    a = cr.tensor(np.eye(3, dtype=np.float32) * 2 + 0.1, requires_grad=True)
    y = np.linalg.slogdet(a)[1] + np.linalg.svd(a, compute_uv=False).sum() \
        + np.abs(np.fft.rfft(a)).sum() + np.linalg.eigh(a)[0].sum()
    assert y.dtype == np.float32
    y.backward()
    assert a.grad.dtype == np.float32


def test_ndarray_methods_and_properties_on_tensors():
    x = np.arange(1.0, 7.0).reshape(2, 3)

    def program(a):
        z = np.fft.rfft(a, axis=1)
        return (a.var(axis=0).sum() + a.prod() + a.cumsum(axis=1).sum()
                + a.clip(2.5, 4.5).sum() + a.swapaxes(0, 1).trace() + (z.real ** 2).sum()
                + (z.imag ** 2).sum() + a.ravel().take([0, 5]).sum())

    t = cr.tensor(x, requires_grad=True)
    out = program(t)
    np.testing.assert_allclose(out.data, program(x))
    out.backward()
    eps = 1e-6
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        numeric[i] = (program(x + d) - program(x - d)) / (2 * eps)
    np.testing.assert_allclose(t.grad.data, numeric, rtol=1e-6)
    with pytest.raises(AttributeError, match="no attribute 'not_a_method'"):
        t.not_a_method
