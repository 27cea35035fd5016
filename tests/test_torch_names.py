"""PyTorch's names mean what PyTorch means; where NumPy means something else by the same name,
both readings work as docs/pytorch.md says. These tests need no torch (NumPy is the oracle for
NumPy's reading and literal values for PyTorch's); test_torch_names_oracle.py checks the same
names against PyTorch itself."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp

A = np.arange(6.0).reshape(2, 3)
B = np.arange(24.0).reshape(2, 3, 4)


def grad_of(f, a):
    x = cr.tensor(a, requires_grad=True)
    f(x).backward()
    return x.grad.numpy()


# ---------------------------------------------------------------------------------------
# transpose


def test_transpose_two_ints_swaps_as_pytorch():
    x = cr.tensor(A)
    np.testing.assert_array_equal(x.transpose(0, 1).numpy(), A.T)    # NumPy: identity
    np.testing.assert_array_equal(x.transpose(1, 0).numpy(), A.T)
    np.testing.assert_array_equal(cr.tensor(B).transpose(0, 2).numpy(), B.swapaxes(0, 2))
    np.testing.assert_array_equal(cr.tensor(B).transpose(dim0=-1, dim1=1).numpy(),
                                  B.swapaxes(-1, 1))
    np.testing.assert_array_equal(cr.transpose(x, 0, 1).numpy(), A.T)


def test_transpose_numpy_reading_kept_where_unambiguous():
    x, y = cr.tensor(A), cr.tensor(B)
    np.testing.assert_array_equal(x.transpose().numpy(), A.transpose())
    np.testing.assert_array_equal(x.transpose((0, 1)).numpy(), A.transpose((0, 1)))
    np.testing.assert_array_equal(y.transpose(2, 0, 1).numpy(), B.transpose(2, 0, 1))
    np.testing.assert_array_equal(y.transpose(axes=(1, 2, 0)).numpy(), B.transpose(1, 2, 0))
    np.testing.assert_array_equal(cr.transpose(y).numpy(), np.transpose(B))
    np.testing.assert_array_equal(cr.transpose(y, (2, 0, 1)).numpy(), np.transpose(B, (2, 0, 1)))
    # chainrule.numpy and np.transpose stay NumPy's
    np.testing.assert_array_equal(cnp.transpose(x, (0, 1)).numpy(), A)
    np.testing.assert_array_equal(np.transpose(x, (0, 1)).numpy(), A)


def test_transpose_gradient_is_the_swap_back():
    w = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(grad_of(lambda x: (x.transpose(0, 1) * w).sum(), A), w.T)


# ---------------------------------------------------------------------------------------
# repeat


def test_repeat_tiles_as_pytorch():
    x = cr.tensor(A)
    assert x.repeat(2, 1).shape == (4, 3)
    np.testing.assert_array_equal(x.repeat(2, 1).numpy(), np.tile(A, (2, 1)))
    np.testing.assert_array_equal(x.repeat(1, 2, 2).numpy(), np.tile(A, (1, 2, 2)))
    np.testing.assert_array_equal(cr.tensor([1.0, 2.0]).repeat(3).numpy(), [1, 2, 1, 2, 1, 2])
    np.testing.assert_array_equal(grad_of(lambda x: x.repeat(2, 3).sum(), A), np.full((2, 3), 6))


def test_repeat_numpy_reading_by_axis_and_np_repeat():
    x = cr.tensor(A)
    np.testing.assert_array_equal(x.repeat(2, axis=0).numpy(), A.repeat(2, axis=0))
    np.testing.assert_array_equal(np.repeat(x, 2).numpy(), np.repeat(A, 2))
    np.testing.assert_array_equal(cnp.repeat(x, 2, axis=1).numpy(), np.repeat(A, 2, axis=1))
    np.testing.assert_array_equal(x.repeat_interleave(2, dim=1).numpy(), np.repeat(A, 2, axis=1))


# ---------------------------------------------------------------------------------------
# size, numel, dim


def test_size_is_numpys_int_and_pytorchs_call():
    x = cr.tensor(B)
    assert x.size == 24 and isinstance(x.size, int) and x.size + 1 == 25
    assert x.size() == (2, 3, 4) and x.size(0) == 2 and x.size(-1) == 4
    assert range(x.size)[-1] == 23 and np.zeros(x.size).shape == (24,)
    assert x.numel() == 24 and cr.numel(x) == 24 and cr.numel(B) == 24
    assert x.dim() == 3 == x.ndim
    assert type(copy.copy(x.size)) is int and pickle.loads(pickle.dumps(x.size)) == 24


def test_size_on_the_forward_mode_tracer_too():
    seen = {}

    def f(x):
        seen["size"] = (x.size, x.size(), x.size(1), x.numel(), x.dim())
        return x.sum()
    cr.jacfwd(f)(A)
    assert seen["size"] == (6, (2, 3), 3, 6, 2)


# ---------------------------------------------------------------------------------------
# view, reshape, permute, unsqueeze, squeeze, expand, flatten, t


def test_shape_methods():
    x = cr.tensor(B)
    assert x.view(6, 4).shape == (6, 4) and x.view(-1).shape == (24,)
    assert x.view((4, 6)).shape == (4, 6) and x.reshape(4, -1).shape == (4, 6)
    assert x.view_as(np.zeros((3, 8))).shape == (3, 8)
    np.testing.assert_array_equal(x.permute(2, 0, 1).numpy(), B.transpose(2, 0, 1))
    np.testing.assert_array_equal(cr.permute(x, (1, 2, 0)).numpy(), B.transpose(1, 2, 0))
    assert x.unsqueeze(0).shape == (1, 2, 3, 4) and x.unsqueeze(-1).shape == (2, 3, 4, 1)
    assert cr.unsqueeze(x, 1).shape == (2, 1, 3, 4)
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert x.flatten(0, 1).shape == (6, 4) and cr.flatten(x, -2).shape == (2, 12)
    assert cr.tensor(3.0).flatten().shape == (1,)
    np.testing.assert_array_equal(cr.tensor(A).flatten("F").numpy(), A.flatten("F"))
    np.testing.assert_array_equal(cr.tensor(A).t().numpy(), A.T)
    assert cr.tensor([1.0, 2.0]).t().shape == (2,)
    np.testing.assert_array_equal(x.mT.numpy(), B.swapaxes(-1, -2))
    assert x.contiguous() is x


def test_squeeze_both_readings():
    a = np.zeros((2, 1, 3))
    x = cr.tensor(a)
    assert x.squeeze().shape == (2, 3) and x.squeeze(1).shape == (2, 3)
    assert x.squeeze(0).shape == (2, 1, 3)           # PyTorch: a no-op where the length is not 1
    assert cr.squeeze(x, (0, 1)).shape == (2, 3)
    assert x.squeeze(axis=1).shape == (2, 3)
    with pytest.raises(ValueError, match="only length-1 axes"):
        x.squeeze(axis=0)                            # NumPy: an error, as np.squeeze(a, 0)
    with pytest.raises(ValueError):
        np.squeeze(a, 0)


def test_expand():
    x = cr.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    y = x.expand(2, 3, 4)
    assert y.shape == (2, 3, 4) and x.expand(-1, 5).shape == (3, 5)
    assert x.expand_as(np.zeros((3, 2))).shape == (3, 2)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 1), 8.0))


# ---------------------------------------------------------------------------------------
# dim= / keepdim= and NumPy's axis= / keepdims=


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "amax", "amin", "argmax", "argmin",
                                  "all", "any", "logsumexp"])
def test_dim_and_axis_are_one_argument(name):
    x = cr.tensor(B + 1.0)
    ref = getattr(cr.special if name == "logsumexp" else cnp, name)(x, axis=1, keepdims=True)
    for out in (getattr(x, name)(dim=1, keepdim=True), getattr(x, name)(axis=1, keepdims=True),
                getattr(x, name)(1, True), getattr(cr, name)(x, dim=1, keepdim=True)):
        np.testing.assert_allclose(np.asarray(cr.tensor(out).numpy()),
                                   np.asarray(cr.tensor(ref).numpy()))
        assert np.shape(out) == (2, 1, 4) or getattr(out, "shape", None) == (2, 1, 4)


def test_cumulative_softmax_norm_take_dim():
    x = cr.tensor(B)
    np.testing.assert_array_equal(x.cumsum(dim=1).numpy(), B.cumsum(axis=1))
    np.testing.assert_array_equal(x.cumprod(dim=2).numpy(), B.cumprod(axis=2))
    np.testing.assert_array_equal(x.cumsum(1).numpy(), B.cumsum(1))
    s = x.softmax(dim=1).numpy()
    np.testing.assert_allclose(s.sum(axis=1), 1.0)
    np.testing.assert_allclose(cr.log_softmax(x, dim=0).numpy(), np.log(cr.softmax(x, 0).numpy()))
    np.testing.assert_allclose(x.norm().item(), np.sqrt((B ** 2).sum()))   # all elements
    np.testing.assert_allclose(x.norm(dim=2).numpy(), np.linalg.norm(B, axis=2))
    np.testing.assert_allclose(x.norm(p=1, dim=(0, 1)).numpy(), np.abs(B).sum(axis=(0, 1)))


def test_numpy_functions_still_take_axis():
    x = cr.tensor(B)
    np.testing.assert_array_equal(np.sum(x, axis=1).numpy(), B.sum(axis=1))
    np.testing.assert_allclose(np.std(x, axis=0).numpy(), B.std(axis=0))
    np.testing.assert_array_equal(np.max(x, 1).numpy(), B.max(1))


def test_max_both_readings():
    a = np.array([[1.0, 5.0, 5.0], [7.0, 2.0, 0.0]])
    x = cr.tensor(a)
    assert x.max().item() == 7.0
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(values.numpy(), [5.0, 7.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    r = x.max(1, keepdim=True)
    assert r.values.shape == (2, 1) and r.indices.shape == (2, 1)
    assert cr.min(x, 0).indices.tolist() == [0, 1, 1]
    np.testing.assert_array_equal(x.max(axis=1).numpy(), a.max(axis=1))       # NumPy's reading
    np.testing.assert_array_equal(x.max(cr.tensor(np.full((2, 3), 4.0))).numpy(),
                                  np.maximum(a, 4.0))
    # The gradient of max(dim) goes to the index it names; of max()/amax it shares the tie.
    np.testing.assert_array_equal(grad_of(lambda t: t.max(dim=1).values.sum(), a),
                                  [[0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(grad_of(lambda t: t.amax(dim=1).sum(), a),
                                  [[0, 0.5, 0.5], [1, 0, 0]])


def test_var_std_both_readings():
    x = cr.tensor(B)
    np.testing.assert_allclose(x.std().item(), B.std(ddof=1))             # PyTorch: N - 1
    np.testing.assert_allclose(x.var(1).numpy(), B.var(axis=1, ddof=1))
    np.testing.assert_allclose(x.var(dim=1, keepdim=True).numpy(),
                               B.var(axis=1, ddof=1, keepdims=True))
    np.testing.assert_allclose(x.std(axis=1).numpy(), B.std(axis=1))      # NumPy: N
    np.testing.assert_allclose(x.var(keepdims=True).numpy(), B.var(keepdims=True))
    np.testing.assert_allclose(x.var(unbiased=False).item(), B.var())
    np.testing.assert_allclose(x.var(dim=0, correction=0).numpy(), B.var(axis=0))
    np.testing.assert_allclose(x.std(axis=0, ddof=1).numpy(), B.std(axis=0, ddof=1))
    np.testing.assert_allclose(np.std(x).item(), B.std())                 # np.std stays NumPy's
    np.testing.assert_allclose(cr.std(x, 2).numpy(), B.std(axis=2, ddof=1))


def test_clamp_masked_fill_and_arithmetic_methods():
    a = np.array([-2.0, -0.5, 0.5, 2.0])
    x = cr.tensor(a)
    np.testing.assert_array_equal(x.clamp(-1, 1).numpy(), np.clip(a, -1, 1))
    np.testing.assert_array_equal(x.clamp(min=0).numpy(), np.maximum(a, 0))
    np.testing.assert_array_equal(cr.clamp(x, max=0).numpy(), np.minimum(a, 0))
    np.testing.assert_array_equal(x.clip(-1, 1).numpy(), a.clip(-1, 1))
    f = cr.tensor(a.astype(np.float32)).masked_fill(a > 0, 9.0)
    assert f.dtype == np.float32 and f.tolist() == [-2.0, -0.5, 9.0, 9.0]
    np.testing.assert_array_equal(x.add(1.0, alpha=2).numpy(), a + 2)
    np.testing.assert_array_equal(x.sub(x, alpha=3).numpy(), -2 * a)
    np.testing.assert_array_equal(x.mul(a).numpy(), a * a)
    np.testing.assert_array_equal(x.div(2.0).numpy(), a / 2)
    np.testing.assert_array_equal(x.div(0.3, rounding_mode="floor").numpy(), np.floor(a / 0.3))
    np.testing.assert_array_equal(x.div(0.3, rounding_mode="trunc").numpy(), np.trunc(a / 0.3))


def test_dtype_conversions_by_pytorch_names():
    x = cr.tensor([1.5, -2.5], requires_grad=True)
    assert x.float().dtype == np.float32 and x.double().dtype == np.float64
    assert x.half().dtype == np.float16 and x.long().dtype == np.int64
    assert x.int().dtype == np.int32 and x.short().dtype == np.int16
    assert x.bool().dtype == np.bool_ and x.long().tolist() == [1, -2]
    assert x.type_as(cr.zeros(1)).dtype == np.float32 and x.to(cr.float32).dtype == np.float32
    assert x.to("cpu") is x and x.to(cr.zeros(1, dtype=cr.float16)).dtype == np.float16
    (x.float() * 2).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [2.0, 2.0]
    # To integers and booleans: no gradient (the derivative of rounding is not the identity)
    for y in (x.long(), x.int(), x.bool(), x.astype(int), x.to(cr.int64), x.type_as(cr.arange(2))):
        assert not y.requires_grad
    assert x.long().tolist() == [1, -2] and x.astype(np.int8).tolist() == [1, -2]
    assert cr.tensor([1.5 + 2j]).long().tolist() == [1]


def test_split_and_chunk_are_pytorchs():
    x = cr.tensor(np.arange(7.0))
    assert [p.tolist() for p in x.split(3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [p.shape for p in x.split([2, 5])] == [(2,), (5,)]
    assert [p.shape for p in x.chunk(3)] == [(3,), (3,), (1,)]
    assert [p.shape for p in cr.split(cr.tensor(B), 2, dim=2)] == [(2, 3, 2)] * 2
    # NumPy's split: n equal pieces
    assert [p.shape for p in cnp.split(cr.tensor(np.arange(6.0)), 3)] == [(2,)] * 3


# ---------------------------------------------------------------------------------------
# Tensor() is float32; tensor() infers; print() without the dtype


def test_tensor_class_as_constructor_is_float32():
    assert cr.Tensor([1, 2]).dtype == np.float32
    assert cr.Tensor(np.array([1.0, 2.0])).dtype == np.float32
    assert cr.Tensor([1j]).dtype == np.complex64
    assert cr.Tensor(2, 3).shape == (2, 3) and cr.Tensor(2, 3).dtype == np.float32
    assert cr.Tensor().shape == (0,)
    assert cr.Tensor([1, 2], dtype=np.float64).dtype == np.float64
    t = cr.Tensor([1, 2])
    t[0] = 0.5
    assert t.tolist() == [0.5, 2.0]                   # not truncated to an int
    assert cr.tensor([1, 2]).dtype == np.int64 and cr.tensor(2.0).dtype == np.float64
    assert type(cr.tensor(2.0)._data) is float        # the fast Python-float path


def test_tutorial_variable_stays_float32_and_prints_as_pytorch():
    x = cr.autograd.Variable(cr.Tensor([2]), requires_grad=True)
    y = 5 * x ** 4 + 3 * x ** 3 + 7 * x ** 2 + 9 * x - 5
    y.backward()
    assert x.dtype == np.float32 and x.grad.dtype == np.float32
    assert str(x.grad) == "tensor([233.])"
    assert repr(x.grad) == "tensor([233.], dtype=float32)"


# ---------------------------------------------------------------------------------------
# Constructors


def test_constructors():
    assert cr.zeros(2, 3).dtype == np.float32 and cr.zeros((2, 3)).shape == (2, 3)
    assert cr.ones([4]).tolist() == [1.0] * 4 and cr.empty(2).shape == (2,)
    assert cr.zeros(2, dtype=cr.float64).dtype == np.float64
    assert cr.full((2,), 1.5).dtype == np.float32 and cr.full((2,), 3).dtype == np.int64
    assert cr.full(3, True).dtype == np.bool_
    x = cr.tensor(A)
    assert cr.zeros_like(x).dtype == np.float64 and cr.ones_like(x).shape == (2, 3)
    assert cr.full_like(x, 7).tolist() == [[7.0] * 3] * 2 and cr.empty_like(x).shape == (2, 3)
    assert cr.arange(5).dtype == np.int64 and cr.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert cr.arange(0.0, 1.0, 0.25).tolist() == [0, 0.25, 0.5, 0.75]
    assert cr.arange(1, 4).tolist() == [1, 2, 3] and cr.arange(0.0, 1.0, 0.25).dtype == np.float32
    assert cr.linspace(0, 1, 5).tolist() == [0, 0.25, 0.5, 0.75, 1.0]
    assert cr.eye(3).dtype == np.float32 and cr.eye(2, 3).shape == (2, 3)
    w = cr.zeros(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    a = np.ones(3)
    t = cr.from_numpy(a)
    a[0] = 5.0
    assert t.tolist() == [5.0, 1.0, 1.0] and cr.is_tensor(t) and not cr.is_tensor(a)
    assert cr.float is cr.float32 and cr.long is cr.int64 and cr.int is cr.int32
    assert cr.bool == np.bool_ and "float" not in cr.__all__


def test_manual_seed_seeds_chainrules_generator():
    cr.manual_seed(3)
    a, b, c = cr.rand(2, 3), cr.randn(4), cr.randint(0, 10, (5,))
    cr.manual_seed(3)
    assert cr.rand(2, 3).tolist() == a.tolist() and cr.randn(4).tolist() == b.tolist()
    assert cr.randint(0, 10, (5,)).tolist() == c.tolist()
    assert a.dtype == np.float32 and b.dtype == np.float32 and c.dtype == np.int64
    assert 0 <= a.numpy().min() and a.numpy().max() < 1
    assert cr.rand_like(cr.zeros(3, dtype=cr.float64)).dtype == np.float64
    assert cr.randn_like(a).shape == (2, 3)
    assert sorted(cr.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    np.random.seed(0)                  # NumPy's global generator is not chainrule's
    cr.manual_seed(3)
    np.random.seed(1)
    assert cr.rand(2, 3).tolist() == a.tolist()


def test_cat_stack_mm_dot_allclose():
    x, y = cr.tensor(A), cr.tensor(A + 1)
    assert cr.cat([x, y]).shape == (4, 3) and cr.cat([x, y], dim=1).shape == (2, 6)
    assert cr.concat([x, y], axis=1).shape == (2, 6)
    assert cr.stack([x, y], dim=2).shape == (2, 3, 2) and cr.stack([x, y]).shape == (2, 2, 3)
    np.testing.assert_array_equal(cr.mm(x, y.t()).numpy(), A @ (A + 1).T)
    assert cr.dot(cr.tensor([1.0, 2.0]), cr.tensor([3.0, 4.0])).item() == 11.0
    np.testing.assert_array_equal(cnp.dot(x, y.T).numpy(), A @ (A + 1).T)   # NumPy's dot
    assert cr.allclose(x, A + 1e-9) and not cr.allclose(x, y)


def test_module_functions_on_plain_arrays_stay_numpy_values():
    assert isinstance(cr.sum(A, dim=0), np.ndarray) and cr.sum(A, dim=0).tolist() == [3, 5, 7]
    assert cr.max(A).item() == 5.0 and cr.mean([1.0, 3.0]) == 2.0
    assert cr.max(A, 1).indices.tolist() == [2, 2]


# ---------------------------------------------------------------------------------------
# Every tracer has the same methods: forward mode, batching and Taylor mode read them alike


def _pytorch_style(x):
    y = x.transpose(0, 1).repeat(2, 1)                  # (6, 2)
    z = y.unsqueeze(0).expand(2, -1, -1).flatten(1)    # (2, 12)
    v, _ = z.max(dim=1)
    return v.sum() + z.std(dim=0).sum() + z.sum(dim=1, keepdim=True).mean() \
        + z.view(4, 6).permute(1, 0).softmax(dim=0).logsumexp(dim=1).sum() \
        + z.clamp(min=1.0).norm() + z.var(axis=0).sum()


def test_same_methods_under_every_transform():
    # Tensors in: PyTorch's readings (a NumPy array in would take NumPy's readings of
    # transpose, repeat, std and max: see test_numpy_code_keeps_numpy_readings)
    a = np.array([[0.3, -1.2, 2.0], [1.1, 0.4, -0.7]])
    t = cr.tensor(a)
    rev = cr.grad(_pytorch_style)(t).numpy()
    np.testing.assert_allclose(cr.jacfwd(_pytorch_style)(t).numpy(), rev, rtol=1e-10)
    np.testing.assert_allclose(cr.jacrev(_pytorch_style)(t).numpy(), rev, rtol=1e-10)
    u = np.random.default_rng(0).standard_normal(a.shape)
    eps = 1e-6
    fd = (_pytorch_style(cr.tensor(a + eps * u)).item()
          - _pytorch_style(cr.tensor(a - eps * u)).item()) / (2 * eps)
    np.testing.assert_allclose((rev * u).sum(), fd, rtol=1e-6)
    h = cr.hessian(_pytorch_style)(t).numpy()
    np.testing.assert_allclose(h, cr.jacfwd(cr.grad(_pytorch_style))(t).numpy(), rtol=1e-8,
                               atol=1e-12)
    # Taylor mode: d/dt of the same code along a line through a
    d = np.ones_like(a)
    line = lambda s: _pytorch_style(t + s * d)   # noqa: E731
    np.testing.assert_allclose(cr.derivative(line, 1)(cr.tensor(0.0)).item(), (rev * d).sum(),
                               rtol=1e-10)


def _numpy_style(x):
    return (x.transpose(0, 1).repeat(2, 1) * x.max(1)[:, None]).sum() + x.std() + x.var(1).sum()


def test_numpy_code_keeps_numpy_readings():
    # NumPy arrays in: the function is NumPy code, and under every transform its names mean
    # what they mean on the arrays (the derivative of the function as NumPy computes it).
    a = np.array([[0.3, -1.2, 2.0], [1.1, 0.4, -0.7]])
    u = np.random.default_rng(1).standard_normal(a.shape)
    eps = 1e-6
    fd = (_numpy_style(a + eps * u) - _numpy_style(a - eps * u)) / (2 * eps)
    for transform in (cr.grad, cr.jacfwd, cr.jacrev):
        np.testing.assert_allclose((transform(_numpy_style)(a) * u).sum(), fd, rtol=1e-6)
    _, tangent = cr.jvp(_numpy_style, (a,), (u,))
    np.testing.assert_allclose(tangent, fd, rtol=1e-6)
    # the same names on a tensor-style Tensor keep PyTorch's readings
    assert cr.tensor(a).std().item() == pytest.approx(np.std(a, ddof=1))
    assert cr.grad(lambda x: x.std())(cr.tensor(a)).shape == (2, 3)


# ---------------------------------------------------------------------------------------
# One test per error message


def _t(a=A):
    return cr.tensor(a)


ERRORS = [
    (lambda: _t([1.0]).mT, ValueError, "mT needs at least 2 dimensions"),
    (lambda: _t().view(np.float32), TypeError, r"reinterprets the bits"),
    (lambda: _t().transpose(dim0=0), TypeError, r"transpose\(dim0=, dim1=\) takes exactly"),
    (lambda: _t().transpose(0, axes=(1, 0)), TypeError, "got axes= and positional"),
    (lambda: _t(B).permute(0, 1), ValueError, "not a permutation of the 3 dimensions"),
    (lambda: _t(B).t(), ValueError, "at most 2 dimensions"),
    (lambda: _t().squeeze(0, axis=0), TypeError, "got both axis= and dim="),
    (lambda: _t(B).expand(3, 4), ValueError, "2 sizes for a tensor of shape"),
    (lambda: _t().expand(-1, 2, 3), ValueError, "-1 for the new leading dimension 0"),
    (lambda: _t().expand(2, 4), ValueError, "dimension 1 has length 3, which cannot become 4"),
    (lambda: _t().flatten("X"), ValueError, r"order is 'C', 'F'"),
    (lambda: _t(B).flatten(2, 0), ValueError, "start_dim comes after end_dim"),
    (lambda: _t().repeat(2, 2, axis=0), TypeError, "NumPy's element repeat: it takes one count"),
    (lambda: _t().repeat(2), ValueError, r"can not be smaller than the number of dimensions"
                                         r".*np\.repeat\(t, n\)"),
    (lambda: _t().split(0), ValueError, "the piece length must be positive"),
    (lambda: _t().split([1, 1], dim=1), ValueError, "lengths add up to 2 but dimension 1"),
    (lambda: _t().chunk(0), ValueError, "the number of pieces must be a positive int"),
    (lambda: _t().to("cuda"), TypeError, "runs on the CPU only; pass a dtype"),
    (lambda: _t().to(device="cuda"), TypeError, "CPU only and takes a dtype"),
    (lambda: _t().div(2.0, rounding_mode="round"), ValueError, "use None, 'floor' or 'trunc'"),
    (lambda: _t().size(2), IndexError, r"shape \(2, 3\) has dimensions -2\.\.1"),
    (lambda: _t(2.0).size(0), IndexError, "a 0-d tensor has no dimensions"),
    (lambda: _t().sum(axis=0, dim=1), TypeError, "got both axis= and dim=: they are NumPy's"),
    (lambda: _t().sum(0, np.float32), TypeError, "keepdim must be True or False"),
    (lambda: _t().softmax(), TypeError, r"softmax\(\) needs the dimension to normalise over"),
    (lambda: _t().max(0, True, 1), TypeError, "at most dim and keepdim positionally"),
    (lambda: _t().max(_t(), 1), TypeError, "elementwise maximum and takes nothing else"),
    (lambda: _t().max(0, dim=1), TypeError, "got dim both positionally and as dim="),
    (lambda: _t().max(dim=(0, 1)), TypeError, r"takes one dimension.*amax\(dim=\.\.\.\)"),
    (lambda: _t().var(0, True, False, 1), TypeError, "at most dim, unbiased and keepdim"),
    (lambda: _t().std(0, dim=0), TypeError, "got dim both positionally and as dim="),
    (lambda: _t().std(0, True, unbiased=False), TypeError, "got unbiased twice"),
    (lambda: _t().var(ddof=1, unbiased=True), TypeError, "more than one of ddof=, correction="),
    (lambda: cr.Tensor([1.0], [2.0]), TypeError, "one sequence of values or the sizes as ints"),
    (lambda: cr.Tensor(2.0), TypeError, "a single number is not a sequence"),
    (lambda: cr.Tensor(True), TypeError, "a single number is not a sequence"),
    (lambda: cr.zeros(2.0), TypeError, r"zeros\(\) takes the sizes as ints"),
    (lambda: cr.from_numpy([1.0]), TypeError, r"from_numpy\(\) takes a NumPy array, got list"),
    (lambda: cr.mm(_t(B), _t()), ValueError, r"mm\(\): input must be a matrix"),
    (lambda: cr.dot(_t(), _t()), ValueError, r"dot\(\): input must be a vector"),
]


@pytest.mark.parametrize("call, exc, match", ERRORS, ids=[m[:40] for _, _, m in ERRORS])
def test_error_messages(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_argument_errors_name_the_method_not_an_internal_class():
    with pytest.raises(TypeError) as info:
        cr.tensor(A).sum(dims=1)
    assert "ArrayOps" not in str(info.value) and "sum()" in str(info.value)
    with pytest.raises(TypeError) as info:
        cr.jacfwd(lambda x: x.mean(foo=1))(A)
    assert "ArrayOps" not in str(info.value) and "mean()" in str(info.value)


def test_a_closed_over_tensor_keeps_pytorchs_reading_under_a_numpy_transform():
    W = cr.tensor([[1.0, 5.0], [3.0, 2.0]])

    def f(x):
        values, indices = W.max(0)   # PyTorch's reading: W is a tensor-style Tensor
        assert indices.tolist() == [1, 0]
        return (x.max(0) * values).sum()   # NumPy's reading: x is traced from a NumPy array

    g = cr.grad(f)(np.array([[1.0, 5.0], [3.0, 2.0]]))
    np.testing.assert_array_equal(g, [[0.0, 5.0], [3.0, 0.0]])
