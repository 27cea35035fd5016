"""No silently dropped derivative: every way a traced value can leave the engine either
differentiates or raises (issue: gradients that vanish through NumPy; forward mode on NumPy
code). The generated counterpart is tests/test_numpy_reach.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.ops.methods import TracerConversionError

X = np.array([0.5, -1.5, 2.0])


def _raises_conversion(fn, *fragments):
    with pytest.raises(TracerConversionError) as e:
        fn()
    msg = str(e.value)
    for fragment in ("silently drop its derivative", ".detach()") + fragments:
        assert fragment in msg, msg
    return msg


# ---------------------------------------------------------------------------------------
# Conversions to plain values raise, in every mode.

@pytest.mark.parametrize("transform", ["grad", "jvp", "hessian", "derivative"])
@pytest.mark.parametrize("convert, what", [
    (np.asarray, "np.asarray()"),
    (lambda x: np.array([x, x]), "np.asarray()"),
    (float, "float()"),
    (math.sin, "float()"),
    (lambda x: x.item(), ".item()"),
    (lambda x: x.tolist(), ".tolist()"),
    (complex, "complex()"),
])
def test_conversion_of_a_traced_scalar_raises(transform, convert, what):
    def f(x):
        return x * convert(x)
    call = {"grad": lambda: cr.grad(f)(0.7),
            "jvp": lambda: cr.jvp(f, (0.7,), (1.0,)),
            "hessian": lambda: cr.hessian(f)(0.7),
            "derivative": lambda: cr.derivative(f, 3)(0.7)}[transform]
    _raises_conversion(call, what)


def test_conversions_of_a_tensor_that_requires_grad_raise():
    x = cr.tensor(X, requires_grad=True)
    _raises_conversion(lambda: np.asarray(x), "np.asarray()", "a Tensor that requires grad")
    _raises_conversion(lambda: float(x[0]), "float()")
    _raises_conversion(lambda: math.exp(x[1]), "float()")
    _raises_conversion(lambda: np.array([x[0], x[1]]), "np.asarray()")
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        x.numpy()


def test_explicit_reads_in_tensor_style_keep_pytorch_meaning():
    # PyTorch: item() and tolist() read the values of a tensor that requires grad.
    x = cr.tensor(X, requires_grad=True)
    assert x[0].item() == 0.5
    assert x.tolist() == [0.5, -1.5, 2.0]
    assert float(x.detach()[2]) == 2.0
    np.testing.assert_array_equal(np.asarray(x.detach()), X)
    assert f"{x[0]:.2f}" == "0.50"                      # printing is not a conversion
    assert bool(x[2] > 1.0) is True                     # control flow reads the value


def test_detach_is_the_way_out_inside_transforms():
    def f(x):
        scale = float(x.detach())       # explicit: a constant, by choice
        return x * scale
    assert cr.grad(f)(3.0) == 3.0
    assert cr.jvp(f, (3.0,), (1.0,))[1] == 3.0


def test_assigning_into_a_numpy_array_raises():
    def f(x):
        a = np.zeros(3)
        a[0] = x[0]
        return np.sum(a * x)
    with pytest.raises((TracerConversionError, ValueError)) as e:
        cr.grad(f)(X)
    # NumPy turns the error into "setting an array element with a sequence"; ours is the cause.
    err = e.value if isinstance(e.value, TracerConversionError) else e.value.__cause__
    assert isinstance(err, TracerConversionError)


def test_assigning_into_a_tensor_keeps_the_gradient():
    def f(x):
        a = cr.tensor(np.zeros(3))
        a[0] = x[0] ** 2
        return (a * x).sum()
    # d/dx [x0^2 * x0] = 3 x0^2 for the first element, 0 elsewhere
    np.testing.assert_allclose(cr.grad(f)(X), [3 * 0.25, 0, 0])


def test_np_vectorize_raises_with_the_remedy():
    f = np.vectorize(lambda v: v * v)
    _raises_conversion(lambda: cr.grad(lambda x: np.sum(f(x)))(X), "np.vectorize",
                       "array operations")


def test_scipy_functions_that_convert_raise_and_are_named():
    special = pytest.importorskip("scipy.special")
    stats = pytest.importorskip("scipy.stats")
    for fn, name in ((special.logsumexp, "scipy.special"), (special.softmax, "scipy.special"),
                     (stats.norm.logpdf, "scipy.stats")):
        _raises_conversion(lambda: cr.grad(lambda x: np.sum(fn(x)))(X), name)


def _rosen_asarray(x):
    x = np.asarray(x)
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_rosenbrock_with_asarray_never_reports_success_at_the_start():
    optimize = pytest.importorskip("scipy.optimize")
    x0 = np.zeros(3)
    with pytest.raises(TracerConversionError, match="np.asarray"):
        optimize.minimize(_rosen_asarray, x0, jac=cr.grad(_rosen_asarray), method="BFGS")
    result = optimize.minimize(_rosen, x0, jac=cr.grad(_rosen), method="BFGS")
    assert result.success and result.nit > 0
    np.testing.assert_allclose(result.x, np.ones(3), atol=1e-4)


def test_python_control_flow_on_traced_values_is_eager():
    def f(x):
        return x ** 2 if x > 0 else -x
    assert cr.grad(f)(2.0) == 4.0
    assert cr.jvp(f, (-2.0,), (1.0,))[1] == -1.0
    assert cr.derivative(f, 2)(2.0) == 2.0


# ---------------------------------------------------------------------------------------
# Forward mode runs plain NumPy code.

def _residuals(w):
    # a least-squares residual: more outputs than inputs, so jacobian picks forward mode
    t = np.linspace(0.0, 1.0, 5)
    return np.exp(-w[0] * t) * np.cos(w[1] * t) - np.sin(t)


def _residuals_jacobian(w):
    t = np.linspace(0.0, 1.0, 5)
    e, c, s = np.exp(-w[0] * t), np.cos(w[1] * t), np.sin(w[1] * t)
    return np.stack([-t * e * c, -t * e * s], axis=1)


@pytest.mark.parametrize("jac", [cr.jacobian, cr.jacfwd, cr.jacrev])
def test_jacobian_of_plain_numpy_residuals(jac):
    w = np.array([0.3, 2.0])
    np.testing.assert_allclose(jac(_residuals)(w), _residuals_jacobian(w), rtol=1e-12)


def test_jvp_derivative_and_elementwise_grad_of_plain_numpy_code():
    x = np.array([0.2, 0.9])
    out, tangent = cr.jvp(lambda v: np.sin(v) * np.exp(v), (x,), (np.ones(2),))
    np.testing.assert_allclose(tangent, np.cos(x) * np.exp(x) + np.sin(x) * np.exp(x))
    assert cr.derivative(lambda v: np.sin(v), 3)(0.4) == pytest.approx(-math.cos(0.4))
    np.testing.assert_allclose(cr.elementwise_grad(np.tanh)(x), 1 - np.tanh(x) ** 2)
    np.testing.assert_allclose(
        cr.hessian(lambda v: np.sum(np.log1p(v ** 2)))(x),
        np.diag((2 - 2 * x ** 2) / (1 + x ** 2) ** 2), rtol=1e-12)


def test_numpy_methods_on_forward_mode_values():
    x = np.array([[0.2, 0.9], [1.1, 0.4]])
    _, t = cr.jvp(lambda v: v.var() + v.cumsum().sum() + v.real.prod() + v.T.trace(),
                  (x,), (np.ones_like(x),))
    _, expected = cr.jvp(lambda v: cr.numpy.var(v) + cr.numpy.cumsum(v).sum()
                         + cr.numpy.prod(v) + cr.numpy.trace(v), (x,), (np.ones_like(x),))
    assert t == pytest.approx(expected)


def test_unsupported_numpy_function_on_a_dual_raises():
    with pytest.raises(TypeError, match="numpy.packbits is not supported on traced values"):
        cr.jvp(lambda v: np.packbits(v), (X,), (X,))


def test_out_argument_into_a_numpy_array_raises_in_forward_mode():
    def f(v):
        buf = np.empty(3)
        np.sin(v, out=buf)
        return buf
    with pytest.raises(TypeError, match="storing into it would drop the derivative"):
        cr.jvp(f, (X,), (X,))


def test_quantile_differentiates_in_q():
    x = np.array([0.1, 0.7, 0.3, 0.9])
    s = np.sort(x)
    # q = 0.5 lies between order statistics 1 and 2: d/dq = (n - 1) * (s[2] - s[1])
    assert cr.grad(lambda q: np.quantile(x, q))(0.5) == pytest.approx(3 * (s[2] - s[1]))
    assert cr.grad(lambda q: np.percentile(x, q))(50.0) == pytest.approx(3 * (s[2] - s[1]) / 100)
