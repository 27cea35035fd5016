"""Every transform keeps the input's dtype and kind: float32 in, float32 out (arrays and NumPy
scalars), float64 and Python floats as they are, complex64/complex128 where the transform takes
complex inputs (x³ is holomorphic: the gradient transforms are called with holomorphic=True on
complex inputs, docs/complex.md)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr


def _cube(x):
    return x * x * x


def _cube_sum(x):
    return (x * x * x).sum() if np.ndim(x) else x * x * x


def _df(x):            # d/dx x³, elementwise, computed in the input's own arithmetic
    return 3 * x * x


def _h(x):
    return {"holomorphic": True} if np.iscomplexobj(x) else {}


# (name, call(x) -> result, expected(x) as float64/complex128 values)
TRANSFORMS = [
    ("grad", lambda x: cr.grad(_cube_sum, **_h(x))(x), _df),
    ("value_and_grad", lambda x: cr.value_and_grad(_cube_sum, **_h(x))(x)[1], _df),
    ("value_and_grad.value", lambda x: cr.value_and_grad(_cube_sum, **_h(x))(x)[0],
     lambda x: np.sum(x ** 3)),
    ("vjp", lambda x: cr.vjp(_cube, x)[1](np.ones_like(x) if np.ndim(x) else
                                           type(x)(1))[0],
     lambda x: np.conj(_df(x))),   # PyTorch's convention: v·conj(f'(z))
    ("jvp", lambda x: cr.jvp(_cube, (x,), (np.ones_like(x) if np.ndim(x) else
                                            type(x)(1),))[1], _df),
    ("jacfwd", lambda x: cr.jacfwd(_cube, **_h(x))(x), lambda x: np.diag(_df(x)) if np.ndim(x)
     else _df(x)),
    ("jacrev", lambda x: cr.jacrev(_cube, **_h(x))(x), lambda x: np.diag(_df(x)) if np.ndim(x)
     else _df(x)),
    ("jacobian", lambda x: cr.jacobian(_cube, **_h(x))(x), lambda x: np.diag(_df(x)) if np.ndim(x)
     else _df(x)),
    ("hessian", lambda x: cr.hessian(_cube_sum, **_h(x))(x), lambda x: np.diag(6 * x) if np.ndim(x)
     else 6 * x),
    ("hvp", lambda x: cr.hvp(_cube_sum, (x,), (np.ones_like(x) if np.ndim(x) else
                                               type(x)(1),)), lambda x: 6 * x),
    ("elementwise_grad", lambda x: cr.elementwise_grad(_cube)(x), _df),
    ("derivative", lambda x: cr.derivative(_cube)(x), _df),
    ("derivative3", lambda x: cr.derivative(_cube, 3)(x), lambda x: 6 + 0 * x),
    ("taylor_coefficients", lambda x: cr.taylor_coefficients(_cube, x, 2)[2], lambda x: 3 * x),
]

INPUTS = {
    "float32 array": np.array([1.5, -2.0], np.float32),
    "float32 scalar": np.float32(1.5),
    "float64 array": np.array([1.5, -2.0]),
    "float64 scalar": np.float64(1.5),
    "Python float": 1.5,
    "complex64 array": np.array([1.5 + 0.5j, -2.0], np.complex64),
    "complex64 scalar": np.complex64(1.5 + 0.5j),
    "complex128 array": np.array([1.5 + 0.5j, -2.0]),
    "Python complex": 1.5 + 0.5j,
}


@pytest.mark.parametrize("kind", list(INPUTS))
@pytest.mark.parametrize("name,call,expected", TRANSFORMS, ids=[t[0] for t in TRANSFORMS])
def test_transform_keeps_dtype_and_kind(name, call, expected, kind):
    x = INPUTS[kind]
    if name == "hvp" and np.iscomplexobj(x):
        # A Hessian-vector product is of a real function; x³ is complex on complex input.
        with pytest.raises(TypeError, match="holomorphic=True"):
            call(x)
        return
    out = call(x)
    want = expected(np.asarray(x).astype(np.complex128 if np.iscomplexobj(x) else np.float64))
    if isinstance(x, np.ndarray):
        assert type(out) is np.ndarray
        assert out.dtype == x.dtype, f"{name} on {kind} gave {out.dtype}"
    elif isinstance(x, np.generic):
        assert type(out) is type(x), f"{name} on {kind} gave {type(out).__name__}"
    else:
        assert type(out) is type(x), f"{name} on {kind} gave {type(out).__name__}"
    rtol = 1e-6 if np.asarray(x).dtype in (np.float32, np.complex64) else 1e-13
    np.testing.assert_allclose(np.asarray(out, dtype=np.asarray(want).dtype), want, rtol=rtol)


def test_integer_input_gives_float64():
    # Integers are promoted to float64 (the documented rule), as a NumPy scalar for a NumPy
    # integer and a Python float for a Python int.
    assert type(cr.grad(_cube_sum)(2)) is float
    g = cr.grad(_cube_sum)(np.int64(2))
    assert isinstance(g, np.float64) and g == 12.0
    assert cr.jacfwd(_cube)(np.array([1, 2])).dtype == np.float64


def test_tensor_input_keeps_float32():
    x = cr.tensor(np.array([1.0, 2.0], np.float32))
    assert cr.jacfwd(_cube, **_h(x))(x).dtype == np.float32
    assert cr.hessian(_cube_sum, **_h(x))(x).dtype == np.float32
    assert cr.elementwise_grad(_cube)(x).dtype == np.float32
