"""Every name of docs/pytorch.md's table against PyTorch itself: the same code run with
``import chainrule as torch`` and with torch gives the same values, shapes, dtypes and
gradients. (test_torch_names.py checks NumPy's readings and needs no torch.)"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
M = RNG.standard_normal((3, 4))
C = RNG.standard_normal((2, 3, 4))
COL = RNG.standard_normal((3, 1))
TIES = np.array([[1.0, 5.0, 5.0, 0.0], [7.0, 2.0, 7.0, 0.0], [3.0, 3.0, 3.0, 3.0]])

# (id, function of (module, *tensors), inputs). The function is written once, in PyTorch's
# words, and run with m = chainrule and with m = torch.
CASES = [
    ("transpose(0,1)", lambda m, x: x.transpose(0, 1), [M]),
    ("transpose(1,0)", lambda m, x: x.transpose(1, 0), [M]),
    ("transpose(0,2) 3-D", lambda m, x: x.transpose(0, 2), [C]),
    ("transpose(-1,0) 3-D", lambda m, x: x.transpose(-1, 0), [C]),
    ("m.transpose", lambda m, x: m.transpose(x, 0, 1), [M]),
    ("repeat(2,1)", lambda m, x: x.repeat(2, 1), [M]),
    ("repeat(2,1,3)", lambda m, x: x.repeat(2, 1, 3), [M]),
    ("repeat(3) 1-D", lambda m, x: x.repeat(3), [M[0]]),
    ("repeat_interleave", lambda m, x: x.repeat_interleave(2, dim=1), [M]),
    ("tile", lambda m, x: x.tile(2, 1), [M]),
    ("view", lambda m, x: x.view(4, 3), [M]),
    ("view(-1)", lambda m, x: x.view(-1), [M]),
    ("view_as", lambda m, x: x.view_as(m.zeros(2, 6)), [M]),
    ("reshape(*shape)", lambda m, x: x.reshape(2, -1), [M]),
    ("permute", lambda m, x: x.permute(2, 0, 1), [C]),
    ("permute(tuple)", lambda m, x: x.permute((1, 2, 0)), [C]),
    ("m.permute", lambda m, x: m.permute(x, (2, 0, 1)), [C]),
    ("unsqueeze(0)", lambda m, x: x.unsqueeze(0), [M]),
    ("unsqueeze(-1)", lambda m, x: x.unsqueeze(-1), [M]),
    ("m.unsqueeze", lambda m, x: m.unsqueeze(x, 1), [M]),
    ("squeeze()", lambda m, x: x.squeeze(), [COL]),
    ("squeeze(1)", lambda m, x: x.squeeze(1), [COL]),
    ("squeeze(0) no-op", lambda m, x: x.squeeze(0), [COL]),
    ("m.squeeze", lambda m, x: m.squeeze(x, -1), [COL]),
    ("expand", lambda m, x: x.expand(3, 5), [COL]),
    ("expand(-1) new dims", lambda m, x: x.expand(2, -1, 4), [COL]),
    ("expand_as", lambda m, x: x.expand_as(m.zeros(3, 2)), [COL]),
    ("flatten()", lambda m, x: x.flatten(), [C]),
    ("flatten(1)", lambda m, x: x.flatten(1), [C]),
    ("flatten(0,1)", lambda m, x: x.flatten(0, 1), [C]),
    ("m.flatten", lambda m, x: m.flatten(x, 1), [C]),
    ("t()", lambda m, x: x.t(), [M]),
    ("t() 1-D", lambda m, x: x.t(), [M[0]]),
    ("m.t", lambda m, x: m.t(x), [M]),
    ("mT", lambda m, x: x.mT, [C]),
    ("T", lambda m, x: x.T, [M]),
    ("contiguous", lambda m, x: x.contiguous() * 2, [M]),
    ("float()", lambda m, x: x.float(), [M]),
    ("double()", lambda m, x: x.float().double(), [M]),
    ("half()", lambda m, x: x.half().double(), [M]),
    ("long()", lambda m, x: x.long(), [M * 3]),
    ("int()", lambda m, x: x.int(), [M * 3]),
    ("bool()", lambda m, x: x.bool(), [M]),
    ("type_as", lambda m, x: x.type_as(m.zeros(1)), [M]),
    ("to(dtype)", lambda m, x: x.to(m.float32), [M]),
    ("clamp", lambda m, x: x.clamp(-0.5, 0.5), [M]),
    ("clamp(min=)", lambda m, x: x.clamp(min=0.0), [M]),
    ("clip", lambda m, x: x.clip(-0.5, 0.5), [M]),
    ("m.clamp", lambda m, x: m.clamp(x, max=0.1), [M]),
    ("masked_fill", lambda m, x: x.masked_fill(x > 0, 0.5), [M]),
    ("add alpha", lambda m, x, y: x.add(y, alpha=2.0), [M, M + 1]),
    ("sub alpha", lambda m, x, y: x.sub(y, alpha=3.0), [M, M + 1]),
    ("mul", lambda m, x, y: x.mul(y), [M, M + 1]),
    ("div", lambda m, x, y: x.div(y), [M, M + 3]),
    ("div floor", lambda m, x: x.div(0.3, rounding_mode="floor"), [M]),
    ("neg", lambda m, x: x.neg(), [M]),
    ("split(2,dim=1)", lambda m, x: x.split(2, dim=1), [M]),
    ("split(3) uneven", lambda m, x: x.split(3, dim=1), [M]),
    ("split(list)", lambda m, x: x.split([1, 3], dim=1), [M]),
    ("m.split", lambda m, x: m.split(x, 2), [M]),
    ("chunk", lambda m, x: x.chunk(3, dim=1), [M]),
    ("m.chunk", lambda m, x: m.chunk(x, 2, 0), [M]),
    ("flip", lambda m, x: x.flip(0, 1), [M]),
    ("sum()", lambda m, x: x.sum(), [M]),
    ("sum(dim)", lambda m, x: x.sum(dim=1), [M]),
    ("sum(1,True)", lambda m, x: x.sum(1, True), [M]),
    ("sum(dims)", lambda m, x: x.sum(dim=(0, 2), keepdim=True), [C]),
    ("m.sum(dim)", lambda m, x: m.sum(x, dim=0), [M]),
    ("mean(dim)", lambda m, x: x.mean(dim=1, keepdim=True), [M]),
    ("m.mean(dim)", lambda m, x: m.mean(x, dim=(1, 2)), [C]),
    ("prod(dim)", lambda m, x: x.prod(dim=1), [M]),
    ("std()", lambda m, x: x.std(), [M]),
    ("std(dim)", lambda m, x: x.std(dim=1), [M]),
    ("std(0,True,True)", lambda m, x: x.std(0, True, True), [M]),
    ("var(unbiased=False)", lambda m, x: x.var(unbiased=False), [M]),
    ("var(dim,correction=0)", lambda m, x: x.var(dim=0, correction=0), [M]),
    ("m.var", lambda m, x: m.var(x, 1), [M]),
    ("max()", lambda m, x: x.max(), [M]),
    ("max() ties", lambda m, x: x.max(), [TIES]),
    ("max(dim)", lambda m, x: x.max(dim=1), [M]),
    ("max(dim) ties", lambda m, x: x.max(dim=1), [TIES]),
    ("max(1,keepdim)", lambda m, x: x.max(1, keepdim=True), [M]),
    ("max(other)", lambda m, x, y: x.max(y), [M, M[::-1].copy()]),
    ("m.max(x,dim)", lambda m, x: m.max(x, 0), [TIES]),
    ("min(dim)", lambda m, x: x.min(dim=0), [TIES]),
    ("m.min()", lambda m, x: m.min(x), [M]),
    ("amax(dim)", lambda m, x: x.amax(dim=1), [TIES]),
    ("amin(dims)", lambda m, x: x.amin(dim=(0, 1)), [C]),
    ("argmax()", lambda m, x: x.argmax(), [M]),
    ("argmax(dim)", lambda m, x: x.argmax(dim=1), [TIES]),
    ("argmin(dim,keepdim)", lambda m, x: x.argmin(dim=0, keepdim=True), [M]),
    ("m.argmax", lambda m, x: m.argmax(x, dim=0), [M]),
    ("cumsum(dim)", lambda m, x: x.cumsum(dim=1), [M]),
    ("cumprod(dim)", lambda m, x: x.cumprod(0), [M]),
    ("m.cumsum", lambda m, x: m.cumsum(x, dim=0), [M]),
    ("softmax(dim)", lambda m, x: x.softmax(dim=1), [M]),
    ("log_softmax(dim)", lambda m, x: x.log_softmax(0), [M]),
    ("m.softmax", lambda m, x: m.softmax(x, dim=-1), [C]),
    ("logsumexp(dim)", lambda m, x: x.logsumexp(dim=1), [M]),
    ("m.logsumexp", lambda m, x: m.logsumexp(x, 0, keepdim=True), [M]),
    ("all(dim)", lambda m, x: (x > -1).all(dim=1), [M]),
    ("any(dim)", lambda m, x: (x > 1).any(dim=0), [M]),
    ("norm()", lambda m, x: x.norm(), [C]),
    ("norm(dim)", lambda m, x: x.norm(dim=1), [M]),
    ("norm(p=1,dim)", lambda m, x: x.norm(p=1, dim=0, keepdim=True), [M]),
    ("norm(inf)", lambda m, x: x.norm(p=float("inf")), [M]),
    ("norm(3,dims)", lambda m, x: x.norm(3, dim=(1, 2)), [C]),
    ("m.norm", lambda m, x: m.norm(x, dim=-1), [C]),
    ("size()", lambda m, x: tuple(x.size()), [C]),
    ("size(dim)", lambda m, x: x.size(-1), [C]),
    ("numel", lambda m, x: x.numel(), [C]),
    ("m.numel", lambda m, x: m.numel(x), [C]),
    ("dim()", lambda m, x: x.dim(), [C]),
    ("cat", lambda m, x, y: m.cat([x, y], dim=1), [M, M + 1]),
    ("cat dim 0", lambda m, x, y: m.cat((x, y)), [M, M + 1]),
    ("concat", lambda m, x, y: m.concat([x, y], dim=0), [M, M + 1]),
    ("stack", lambda m, x, y: m.stack([x, y], dim=1), [M, M + 1]),
    ("stack dim 0", lambda m, x, y: m.stack([x, y]), [M, M + 1]),
    ("mm", lambda m, x, y: m.mm(x, y.t()), [M, M + 1]),
    ("matmul", lambda m, x, y: m.matmul(x, y.T), [M, M + 1]),
    ("dot", lambda m, x, y: m.dot(x, y), [M[0], M[1]]),
    ("where", lambda m, x: m.where(x > 0, x, 2 * x), [M]),
    ("exp", lambda m, x: m.exp(x), [M]),
    ("allclose", lambda m, x: m.allclose(x, x + 1e-9), [M]),
    ("allclose False", lambda m, x: m.allclose(x, x + 1), [M]),
    ("is_tensor", lambda m, x: m.is_tensor(x), [M]),
    ("zeros_like", lambda m, x: m.zeros_like(x) + x, [M]),
    ("ones_like", lambda m, x: m.ones_like(x) * x, [M]),
    ("full_like", lambda m, x: m.full_like(x, 2.5) * x, [M]),
    ("empty_like shape", lambda m, x: tuple(m.empty_like(x).shape), [M]),
]

# Constructors: no inputs; values, shapes and dtypes.
CONSTRUCTORS = [
    ("Tensor(list)", lambda m: m.Tensor([1, 2])),
    ("Tensor(nested)", lambda m: m.Tensor([[1.5, 2], [3, 4]])),
    ("Tensor(sizes) shape", lambda m: tuple(m.Tensor(2, 3).shape)),
    ("Tensor(ndarray f64)", lambda m: m.Tensor(np.array([1.0, 2.0]))),
    ("Tensor()", lambda m: m.Tensor()),
    ("tensor(list int)", lambda m: m.tensor([1, 2])),
    ("zeros", lambda m: m.zeros(2, 3)),
    ("zeros(tuple)", lambda m: m.zeros((2, 3))),
    ("zeros dtype", lambda m: m.zeros(2, dtype=m.float64)),
    ("ones", lambda m: m.ones(3)),
    ("ones int64", lambda m: m.ones(3, dtype=m.int64)),
    ("empty shape", lambda m: tuple(m.empty(2, 3).shape)),
    ("full float", lambda m: m.full((2, 2), 1.5)),
    ("full int", lambda m: m.full((2,), 3)),
    ("full bool", lambda m: m.full((2,), True)),
    ("arange(n)", lambda m: m.arange(5)),
    ("arange(a,b)", lambda m: m.arange(2, 7)),
    ("arange float", lambda m: m.arange(0.0, 1.0, 0.25)),
    ("arange mixed", lambda m: m.arange(0, 2, 0.5)),
    ("linspace", lambda m: m.linspace(0, 1, 5)),
    ("linspace dtype", lambda m: m.linspace(-1, 1, 4, dtype=m.float64)),
    ("eye", lambda m: m.eye(3)),
    ("eye(n,m)", lambda m: m.eye(2, 3)),
    ("rand shape/dtype", lambda m: (tuple(m.rand(2, 3).shape), _dtype_name(m.rand(2).dtype))),
    ("randn shape/dtype", lambda m: (tuple(m.randn(4).shape), _dtype_name(m.randn(1).dtype))),
    ("randint dtype", lambda m: str(m.randint(0, 5, (3,)).dtype).split(".")[-1]),
    ("from_numpy", lambda m: m.from_numpy(np.array([1.0, 2.0], dtype=np.float32))),
    ("dtype names", lambda m: [str(d).split(".")[-1] for d in (
        m.float32, m.float64, m.int64, m.int32, m.float16, m.float, m.double, m.long, m.int,
        m.half, m.bool, m.uint8, m.int8, m.int16, m.complex64, m.complex128)]),
]


def _dtype_name(d):
    return str(d).replace("torch.", "")


def _plain(v):
    """An output of either library as comparable plain data: (kind, shape, dtype, values)."""
    if isinstance(v, torch.Tensor):
        return ("tensor", tuple(v.shape), _dtype_name(v.dtype), v.detach().numpy())
    if isinstance(v, (cr.Tensor, np.ndarray, np.generic)):
        a = np.asarray(v.detach().numpy() if isinstance(v, cr.Tensor) else v)
        return ("tensor", a.shape, _dtype_name(a.dtype), a)
    if isinstance(v, torch.Size):
        return ("tuple", tuple(v))
    if isinstance(v, tuple):
        return ("tuple", [_plain(e) for e in v])
    if isinstance(v, list):
        return ("list", [_plain(e) for e in v])
    return ("value", v)


def _compare(ours, theirs, where=""):
    assert ours[0] == theirs[0], f"{where}: {ours[0]} vs {theirs[0]}"
    if ours[0] == "tensor":
        assert ours[1] == theirs[1], f"{where}: shape {ours[1]} vs {theirs[1]}"
        assert ours[2] == theirs[2], f"{where}: dtype {ours[2]} vs {theirs[2]}"
        np.testing.assert_allclose(ours[3].astype(np.float64), theirs[3].astype(np.float64),
                                   rtol=1e-5, atol=1e-6, err_msg=where)
    elif ours[0] in ("tuple", "list") and ours[1] and isinstance(ours[1][0], tuple):
        assert len(ours[1]) == len(theirs[1]), where
        for i, (a, b) in enumerate(zip(ours[1], theirs[1])):
            _compare(a, b, f"{where}[{i}]")
    else:
        assert ours[1] == theirs[1], f"{where}: {ours[1]} vs {theirs[1]}"


@pytest.mark.parametrize("fn, inputs", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_same_as_pytorch(fn, inputs):
    ours_in = [cr.tensor(a, requires_grad=True) for a in inputs]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in inputs]
    ours, theirs = fn(cr, *ours_in), fn(torch, *theirs_in)
    if isinstance(theirs, tuple) and hasattr(theirs, "indices"):
        assert ours._fields == ("values", "indices")
    _compare(_plain(ours), _plain(theirs), "value")
    # Gradients: a fixed random cotangent on every differentiable output, backward in both.
    outs = list(ours) if isinstance(ours, tuple) else [ours]
    touts = list(theirs) if isinstance(theirs, tuple) else [theirs]
    rng = np.random.default_rng(1)
    loss, tloss = None, None
    for o, to in zip(outs, touts):
        if not isinstance(to, torch.Tensor) or not to.requires_grad:
            # No gradient in PyTorch: none here either (never a made-up one).
            assert not getattr(o, "requires_grad", False), "an output PyTorch gives no gradient"
            continue
        w = rng.standard_normal(tuple(to.shape))
        tloss = (to * torch.tensor(w, dtype=to.dtype)).sum() + (0 if tloss is None else tloss)
        # An output without a gradient here must have a zero one in PyTorch (checked below).
        if getattr(o, "requires_grad", False):
            loss = (o * w.astype(o.dtype)).sum() + (0 if loss is None else loss)
    if tloss is None:
        return
    if loss is not None:
        loss.backward()
    tloss.backward()
    for i, (x, tx) in enumerate(zip(ours_in, theirs_in)):
        g = np.zeros(x.shape) if x.grad is None else x.grad.numpy()
        tg = np.zeros(tuple(tx.shape)) if tx.grad is None else tx.grad.numpy()
        np.testing.assert_allclose(g, tg, rtol=1e-5, atol=1e-6, err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("fn", [c[1] for c in CONSTRUCTORS], ids=[c[0] for c in CONSTRUCTORS])
def test_constructors_as_pytorch(fn):
    _compare(_plain(fn(cr)), _plain(fn(torch)), "value")


def test_requires_grad_keyword_on_constructors_as_pytorch():
    for name, args in (("zeros", (2, 3)), ("ones", (3,)), ("rand", (2,)), ("randn", (2,))):
        ours, theirs = getattr(cr, name)(*args, requires_grad=True), \
            getattr(torch, name)(*args, requires_grad=True)
        assert ours.requires_grad and theirs.requires_grad and ours.is_leaf
        (ours * 3).sum().backward()
        (theirs * 3).sum().backward()
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_size_both_readings_against_pytorch():
    x, tx = cr.tensor(C), torch.tensor(C)
    assert x.size() == tuple(tx.size()) and x.size(1) == tx.size(1)
    assert x.size == tx.numel() == tx.numpy().size      # the int is NumPy's a.size


def test_tutorial_as_pytorch():
    outputs = []
    for m in (cr, torch):
        x = m.autograd.Variable(m.Tensor([2]), requires_grad=True)
        y = 5 * x ** 4 + 3 * x ** 3 + 7 * x ** 2 + 9 * x - 5
        y.backward()
        outputs.append((str(x.grad), _dtype_name(x.grad.dtype)))
    assert outputs[0] == outputs[1] == ("tensor([233.])", "float32")


def test_repeat_error_matches_pytorchs():
    with pytest.raises(RuntimeError, match="can not be smaller than number of dimensions"):
        torch.zeros(2, 3).repeat(2)
    with pytest.raises(ValueError, match="can not be smaller than the number of dimensions"):
        cr.zeros(2, 3).repeat(2)
