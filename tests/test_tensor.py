"""The Tensor API in PyTorch's style (issue 2, items 3, 6 and 7): attributes, conversions,
operators with numbers and arrays on either side, dtypes, broadcasting, and the kink decisions
that docs/kinks.md lists."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr
from chainrule import ops as P


def grad_of(f, value, **kwargs):
    """``x.grad`` after ``f(x).sum().backward()`` at ``value``, as an array."""
    x = cr.tensor(value, requires_grad=True, **kwargs)
    f(x).sum().backward()
    return x.grad.data


# ----------------------------------------------------------------------------------------
# Small literal tests.


def test_square_sum_literal():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


def test_chain_literal():
    x = cr.tensor([0.0, 1.0], requires_grad=True)
    y = (x.sin() * 3.0 + x.exp()).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 3 * np.cos([0.0, 1.0]) + np.exp([0.0, 1.0]))


def test_matmul_literal():
    a = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = cr.tensor([[5.0], [6.0]], requires_grad=True)
    (a @ b).sum().backward()
    assert a.grad.tolist() == [[5.0, 6.0], [5.0, 6.0]]
    assert b.grad.tolist() == [[4.0], [6.0]]


def test_repeated_indices_accumulate():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 2, 0, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_boolean_index_and_slices():
    x = cr.tensor([[1.0, -2.0], [-3.0, 4.0]], requires_grad=True)
    (x[x.data > 0] * 2).sum().backward()
    assert x.grad.tolist() == [[2.0, 0.0], [0.0, 2.0]]
    x.grad = None
    x[:, ::-1][None, 1].sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [1.0, 1.0]]


# ----------------------------------------------------------------------------------------
# Attributes and conversions.


def test_attributes():
    x = cr.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert x.dtype == np.float64
    assert x.is_leaf and x.grad_fn is None and x.grad is None and x.requires_grad
    assert isinstance(x.data, np.ndarray) and x.data.shape == (2, 3)
    y = x * 2
    assert not y.is_leaf and y.requires_grad
    assert "Mul" in y.grad_fn.name() and "Mul" in repr(y.grad_fn)
    assert x.T.shape == (3, 2) and x.T.tolist() == [[1, 4], [2, 5], [3, 6]]
    assert x.T.requires_grad


def test_len_of_scalar_is_an_error():
    with pytest.raises(TypeError, match="item"):
        len(cr.tensor(1.0))


def test_repr_is_pytorch_like():
    assert repr(cr.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(cr.tensor([1.0, 2.0], requires_grad=True)) == \
        "tensor([1., 2.], requires_grad=True)"
    assert repr(cr.tensor(233.0)) == "tensor(233.)"
    assert repr(cr.tensor([1, 2], dtype=np.float32)) == "tensor([1., 2.], dtype=float32)"
    x = cr.tensor([1.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2.], grad_fn=<MulBackward>)"
    assert str(x * 2) == repr(x * 2)
    assert "\n        [" in repr(cr.tensor([[1.0, 2.0], [3.0, 4.0]]))  # aligned like PyTorch


def test_item_tolist_float():
    x = cr.tensor([[2.5]])
    assert x.item() == 2.5 and isinstance(x.item(), float)
    assert cr.tensor([1.0, 2.0]).tolist() == [1.0, 2.0]
    assert float(cr.tensor(3.0)) == 3.0 and int(cr.tensor(3.0)) == 3
    assert f"{cr.tensor(3.14159):.2f}" == "3.14"


def test_numpy_and_detach():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    np.testing.assert_array_equal(d.numpy(), [1.0, 2.0])
    # detach shares memory (as in PyTorch); the result is not recorded.
    y = (d * x).sum()
    y.backward()
    assert x.grad.tolist() == [1.0, 2.0] and d.grad is None


def test_requires_grad_():
    x = cr.tensor([1, 2])
    assert x.dtype.kind == "i"
    x.requires_grad_()
    assert x.requires_grad and x.dtype == np.float64
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_retain_grad():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [18.0, 36.0]
    # Without retain_grad a non-leaf keeps no .grad.
    h2 = x * 3
    (h2 * h2).sum().backward()
    assert h2.grad is None


def test_register_hook_sees_and_replaces_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x * 2
    h.register_hook(lambda g: seen.append(g.tolist()))
    handle = x.register_hook(lambda g: g * 10)
    (h * h).sum().backward()
    assert seen == [[4.0, 8.0]]
    assert x.grad.tolist() == [80.0, 160.0]
    handle.remove()
    x.grad = None
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_zero_and_grad_none():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0]
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    x.grad = None
    (3 * x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    y = cr.tensor([5.0, 6.0])
    y.zero_()
    assert y.tolist() == [0.0, 0.0]


# ----------------------------------------------------------------------------------------
# Operators with numbers and arrays on either side.

OPS = [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b), ("pow", lambda a, b: a ** b),
]


@pytest.mark.parametrize("name, op", OPS, ids=[n for n, _ in OPS])
@pytest.mark.parametrize("other", [2.0, 3, np.array([1.5, 2.5]), np.float64(2.0)],
                         ids=["float", "int", "ndarray", "np.float64"])
def test_operators_both_sides_give_tensors(name, op, other):
    xv = np.array([1.25, 0.5])
    x = cr.tensor(xv, requires_grad=True)
    for result, expected in [(op(x, other), op(xv, other)), (op(other, x), op(other, xv))]:
        assert isinstance(result, cr.Tensor), type(result)
        assert result.requires_grad
        np.testing.assert_allclose(result.data, expected, rtol=1e-15)
    op(other, x).sum().backward()
    assert x.grad.shape == x.shape


def test_ndarray_on_the_left_is_not_an_object_array():
    t = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    r = np.ones(3) * t
    assert isinstance(r, cr.Tensor) and r.dtype == np.float64
    r = np.ones((2, 3)) @ t
    assert isinstance(r, cr.Tensor) and r.shape == (2,)
    assert isinstance(np.sin(t), cr.Tensor) and np.sin(t).requires_grad


def test_unary_operators():
    x = cr.tensor([-1.0, 2.0], requires_grad=True)
    assert (-x).tolist() == [1.0, -2.0] and (+x) is x and abs(x).tolist() == [1.0, 2.0]
    (-x + abs(x)).sum().backward()
    assert x.grad.tolist() == [-2.0, 0.0]


@pytest.mark.parametrize("op", [lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a > b,
                                lambda a, b: a >= b, lambda a, b: a == b,
                                lambda a, b: a != b])
def test_comparisons_carry_no_gradient(op):
    xv = np.array([1.0, 2.0, 3.0])
    x = cr.tensor(xv, requires_grad=True)
    for other in (2.0, np.array([3.0, 2.0, 1.0]), cr.tensor([0.0, 2.0, 4.0],
                                                             requires_grad=True)):
        ov = other.data if isinstance(other, cr.Tensor) else other
        for r, e in [(op(x, other), op(xv, ov)), (op(other, x), op(ov, xv))]:
            assert isinstance(r, cr.Tensor) and r.dtype == np.bool_
            assert not r.requires_grad and r.grad_fn is None
            np.testing.assert_array_equal(r.data, e)


# ----------------------------------------------------------------------------------------
# Dtypes (item 6).


def test_python_numbers_give_float64():
    assert cr.tensor(2.0).dtype == np.float64
    assert cr.tensor([1.0, 2.0]).dtype == np.float64


def test_int_with_requires_grad_is_float64():
    x = cr.tensor(2, requires_grad=True)
    assert x.dtype == np.float64 and x.item() == 2.0
    (x ** 3).backward()
    assert x.grad.item() == 12.0 and x.grad.dtype == np.float64
    assert cr.tensor([1, 2], requires_grad=True).dtype == np.float64
    assert cr.tensor(2).dtype.kind == "i"   # without requires_grad NumPy's rule holds


@pytest.mark.parametrize("f", [lambda x: x * 2.5, lambda x: 2.5 * x, lambda x: x + 1,
                               lambda x: x / 3.0, lambda x: 1.0 / (x + 4.0), lambda x: x ** 2,
                               lambda x: 2.0 ** x, lambda x: (x * 0.5).tanh().exp(),
                               lambda x: cr.sqrt(x * x + 1.0), lambda x: cr.maximum(x, 0.0),
                               lambda x: x.sum(axis=0) * 2.0, lambda x: x @ x.T])
def test_float32_stays_float32_and_grads_match_input_dtype(f):
    x = cr.tensor(np.array([[1.0, -2.0], [0.5, 3.0]], dtype=np.float32), requires_grad=True)
    y = f(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_grad_dtype_follows_input_in_mixed_precision():
    a = cr.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    b = cr.tensor(np.array([3.0, 4.0], dtype=np.float64), requires_grad=True)
    y = (a * b).sum()
    assert y.dtype == np.float64
    y.backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    assert a.grad.tolist() == [3.0, 4.0]


# ----------------------------------------------------------------------------------------
# Shapes and broadcasting (Hypothesis).

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together, and their broadcast shape."""
    a, b = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                   max_side=4)).input_shapes
    return a, b


@given(broadcast_pair(), st.integers(0, 2**32 - 1))
def test_broadcast_gradients_sum_to_input_shape(pair, seed):
    sa, sb = pair
    rng = np.random.default_rng(seed)
    av, bv = rng.normal(size=sa), rng.normal(size=sb)
    a, b = cr.tensor(av, requires_grad=True), cr.tensor(bv, requires_grad=True)
    out = a * b + a
    ct = rng.normal(size=out.shape)
    out.backward(gradient=ct)
    assert a.grad.shape == sa and b.grad.shape == sb
    # Expected: the broadcast gradient summed over every broadcast axis, by hand.
    full_a = ct * np.broadcast_to(bv, out.shape) + ct
    full_b = ct * np.broadcast_to(av, out.shape)
    np.testing.assert_allclose(a.grad.data, _reduce_to(full_a, sa), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad.data, _reduce_to(full_b, sb), rtol=1e-12, atol=1e-12)


def _reduce_to(g, shape):
    """Independent reference for sum_to: loop over axes one by one."""
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


@given(broadcast_pair(), st.integers(0, 2**32 - 1))
def test_sum_to_undoes_broadcast_to(pair, seed):
    small, other = pair
    target = np.broadcast_shapes(small, other)
    g = np.random.default_rng(seed).normal(size=target)
    out = P.sum_to(g, small)
    assert np.shape(out) == small
    np.testing.assert_allclose(out, _reduce_to(g, small), rtol=1e-12, atol=1e-12)
    # sum_to is the transpose of broadcast_to: <broadcast(v), g> == <v, sum_to(g)>.
    v = np.random.default_rng(seed + 1).normal(size=small)
    np.testing.assert_allclose(np.sum(np.broadcast_to(v, target) * g), np.sum(v * out),
                               rtol=1e-10, atol=1e-10)


@given(hnp.arrays(np.float64, shapes, elements=st.floats(-3, 3)),
       st.sampled_from(["sum", "mean", "max", "min"]), st.booleans(), st.data())
def test_reductions_over_any_axis(x, name, keepdims, data):
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1)) if x.ndim else None
    t = cr.tensor(x, requires_grad=True)
    out = getattr(t, name)(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, getattr(np, name)(x, axis=axis, keepdims=keepdims))
    out.sum().backward()
    assert t.grad.shape == x.shape
    if name == "sum":
        np.testing.assert_array_equal(t.grad.data, np.ones_like(x))
        return
    # mean, max, min: each reduced group passes on exactly one unit of gradient (max/min
    # ties share it), and max/min put it only on elements equal to the extreme.
    group_total = np.sum(t.grad.data, axis=axis)
    np.testing.assert_allclose(group_total, np.ones(np.shape(group_total)), rtol=1e-12)
    if name in ("max", "min"):
        extreme = getattr(np, name)(x, axis=axis, keepdims=True)
        assert np.all(t.grad.data[x != extreme] == 0)


@st.composite
def matmul_shapes(draw):
    """Shapes for a @ b: 1-D on either side, or batched with broadcast batch dimensions."""
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch_a, batch_b = draw(hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=2, max_side=3)).input_shapes
    a = (k,) if draw(st.booleans()) else batch_a + (n, k)
    b = (k,) if draw(st.booleans()) else batch_b + (k, m)
    return a, b


@given(matmul_shapes(), st.integers(0, 2**32 - 1))
def test_matmul_gradients_any_shapes(shapes, seed):
    sa, sb = shapes
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    ta, tb = cr.tensor(a, requires_grad=True), cr.tensor(b, requires_grad=True)
    out = ta @ tb
    np.testing.assert_allclose(out.data, a @ b, rtol=1e-12, atol=1e-12)
    out.backward(gradient=np.ones(out.shape))
    assert ta.grad.shape == sa and tb.grad.shape == sb
    cr.check_grads(lambda x, y: x @ y, a, b, modes=("rev", "fwd"), order=1)


@st.composite
def basic_index(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    return shape, draw(hnp.basic_indices(shape, allow_newaxis=True))


@given(basic_index(), st.integers(0, 2**32 - 1))
def test_basic_indexing_gradient_scatters(shape_idx, seed):
    shape, idx = shape_idx
    x = np.random.default_rng(seed).normal(size=shape)
    t = cr.tensor(x, requires_grad=True)
    out = t[idx]
    np.testing.assert_array_equal(out.data, x[idx])
    ct = np.random.default_rng(seed + 1).normal(size=out.shape)
    out.backward(gradient=ct)
    expected = np.zeros(shape)
    expected[idx] += ct   # basic indexing never repeats an element
    np.testing.assert_array_equal(t.grad.data, expected)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                  elements=st.floats(-3, 3)), st.data())
def test_reshape_transpose_roundtrip(x, data):
    axes = tuple(data.draw(st.permutations(range(x.ndim))))
    t = cr.tensor(x, requires_grad=True)
    w = np.arange(x.size, dtype=float).reshape(np.transpose(x, axes).shape)
    (t.transpose(axes) * w).reshape(-1).sum().backward()
    np.testing.assert_array_equal(t.grad.data, np.transpose(w, np.argsort(axes)))


# ----------------------------------------------------------------------------------------
# Kinks and edges (item 7); docs/kinks.md points at these tests.


def test_kink_abs_at_zero():
    np.testing.assert_array_equal(grad_of(cr.abs, [-2.0, 0.0, 3.0]), [-1.0, 0.0, 1.0])
    assert cr.grad(cr.abs)(0.0) == 0.0
    assert cr.jvp(cr.abs, (0.0,), (1.0,))[1] == 0.0


def test_kink_relu_at_zero():
    np.testing.assert_array_equal(grad_of(cr.relu, [-1.0, 0.0, 2.0]), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(grad_of(lambda x: x.relu(), [0.0]), [0.0])
    assert cr.jvp(cr.relu, (0.0,), (1.0,))[1] == 0.0


def test_kink_maximum_minimum_ties_split_evenly():
    a = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = cr.tensor([1.0, 5.0, 0.0], requires_grad=True)
    cr.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0, 1.0] and b.grad.tolist() == [0.5, 1.0, 0.0]
    a.grad = b.grad = None
    cr.minimum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 1.0, 0.0] and b.grad.tolist() == [0.5, 0.0, 1.0]
    # Forward mode agrees: the tangent of a tie is the average of both tangents.
    assert cr.jvp(lambda x, y: cr.maximum(x, y), (1.0, 1.0), (2.0, 4.0))[1] == 3.0


def test_kink_max_min_reduction_ties_split_evenly():
    np.testing.assert_array_equal(grad_of(lambda x: x.max(), [3.0, 1.0, 3.0]), [0.5, 0.0, 0.5])
    np.testing.assert_array_equal(grad_of(lambda x: x.min(), [2.0, 2.0, 2.0, 5.0]),
                                  [1 / 3, 1 / 3, 1 / 3, 0.0])
    np.testing.assert_array_equal(
        grad_of(lambda x: x.max(axis=1), [[1.0, 4.0, 4.0, 4.0], [0.0, 0.0, -1.0, 7.0]]),
        [[0.0, 1 / 3, 1 / 3, 1 / 3], [0.0, 0.0, 0.0, 1.0]])
    _, t = cr.jvp(lambda x: cr.max(x), (np.array([3.0, 1.0, 3.0]),), (np.array([1., 0, 3]),))
    assert t == 2.0


def test_kink_sqrt_at_zero_is_inf():
    with np.errstate(divide="ignore"):
        assert grad_of(cr.sqrt, [0.0, 4.0]).tolist() == [np.inf, 0.25]
        assert cr.grad(cr.sqrt)(0.0) == np.inf
        assert cr.jvp(cr.sqrt, (0.0,), (1.0,))[1] == np.inf


def test_kink_sqrt_second_derivative_at_zero_is_minus_inf():
    # d²/dx² sqrt(x) = -x**-1.5 / 4: the one-sided limit at 0 is -inf (PyTorch gives -inf too),
    # in every way chainrule takes a second derivative.
    with np.errstate(divide="ignore", invalid="ignore"):
        assert cr.grad(cr.grad(cr.sqrt))(0.0) == -np.inf
        assert cr.derivative(cr.sqrt, 2)(0.0) == -np.inf
        x = cr.tensor(0.0, requires_grad=True)
        (g,) = cr.autograd.grad(cr.sqrt(x), x, create_graph=True)
        g.backward()
        assert x.grad.item() == -np.inf


@pytest.mark.parametrize("exponent", [0, 0.0, np.array(0.0)])
def test_kink_x_pow_0_at_0(exponent):
    for at in ([0.0, 2.0, -1.0], 0.0):
        g = grad_of(lambda x: x ** exponent, at)
        np.testing.assert_array_equal(g, np.zeros_like(np.asarray(at)))
    assert cr.jvp(lambda x: x ** exponent, (0.0,), (1.0,))[1] == 0.0


def test_kink_zero_pow_y():
    for base in (0.0, np.zeros(2)):
        g = grad_of(lambda y, base=base: base ** y, [0.5, 2.0])
        np.testing.assert_array_equal(g, [0.0, 0.0])
    assert cr.grad(lambda y: 0.0 ** y)(3.0) == 0.0
    # x ** y with both as inputs at x = 0: the y-partial is 0, the x-partial is y*x**(y-1).
    gx, gy = cr.grad(lambda x, y: (x ** y).sum(), argnums=(0, 1))(np.zeros(2),
                                                                 np.array([1.0, 2.0]))
    assert gx.tolist() == [1.0, 0.0] and gy.tolist() == [0.0, 0.0]


def test_kink_negative_power_at_zero_is_inf():
    # The derivative of 1/x and x**-0.5 at 0 is the NumPy value (inf), not an exception.
    with np.errstate(divide="ignore"):
        assert grad_of(lambda x: x ** -1, 0.0) == -np.inf
        assert grad_of(lambda x: x ** 0.5, 0.0) == np.inf
        assert grad_of(lambda x: 1.0 / x, 0.0) == -np.inf
        assert cr.grad(cr.log)(0.0) == np.inf


def test_negative_base_fractional_power_is_nan_not_complex():
    with np.errstate(invalid="ignore"):
        g = grad_of(lambda x: x ** (1 / 3), -8.0)
    assert np.isnan(g)


def test_where_unselected_nan_poisons_gradient_and_safe_pattern_fixes_it():
    xv = np.array([-1.0, 0.0, 2.0])
    # The naive form: log(x) is -inf/nan where x <= 0 although never selected there. Its
    # cotangent there is an exact 0, but the chain rule multiplies 0 by log'(x) = 1/x.
    x = cr.tensor(xv, requires_grad=True)
    with np.errstate(all="ignore"):
        cr.where(x > 0, cr.log(x), 0.0).sum().backward()
    # At x = 0: 0 * log'(0) = 0 * inf = nan. (At x = -1, log'(-1) = -1 is finite: 0 * -1 = 0.)
    assert np.isnan(x.grad.data[1])
    assert x.grad.data[0] == 0.0 and x.grad.data[2] == 0.5
    # The documented safe pattern: make the unselected *input* harmless too.
    x = cr.tensor(xv, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divide-by-zero or invalid-value warnings at all
        y = cr.where(x > 0, cr.log(cr.where(x > 0, x, 1.0)), 0.0)
        y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.5])
    np.testing.assert_array_equal(y.data, [0.0, 0.0, np.log(2.0)])


def test_where_gradient_routes_to_selected_branch():
    c = np.array([True, False, True])
    a = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = cr.tensor(10.0, requires_grad=True)
    cr.where(c, a * a, b).sum().backward()
    assert a.grad.tolist() == [2.0, 0.0, 6.0] and b.grad.item() == 1.0
