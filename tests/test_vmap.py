"""cr.vmap: against a Python loop over the examples, and against torch.func.vmap as the oracle
(per-example gradients); in_axes/out_axes; the per-example fallback; each error message."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import numpy as cnp
from chainrule.core import value_of

RNG = np.random.default_rng(0)


def check(excinfo, fragments: list) -> None:
    msg = str(excinfo.value)
    for fragment in fragments:
        assert fragment in msg, f"{fragment!r} is not in: {msg}"


def _mlp_params(n_in=6, n_hidden=5, n_out=3):
    return {"W1": RNG.normal(size=(n_in, n_hidden)) * 0.4, "b1": RNG.normal(size=n_hidden),
            "W2": RNG.normal(size=(n_hidden, n_out)) * 0.4, "b2": np.zeros(n_out)}


def loss(p, x, y):
    h = cnp.tanh(x @ p["W1"] + p["b1"])
    logits = h @ p["W2"] + p["b2"]
    return -(y * cr.special.log_softmax(logits)).sum()


def _loop(fn, *args, axes):
    n = next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)
    outs = [fn(*[a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, axes)])
            for i in range(n)]
    if isinstance(outs[0], dict):
        return {k: np.stack([o[k] for o in outs]) for k in outs[0]}
    return np.stack(outs)


def test_per_example_gradients_match_a_loop_and_torch():
    torch = pytest.importorskip("torch")
    p = _mlp_params()
    xs = RNG.normal(size=(8, 6))
    ys = np.eye(3)[RNG.integers(0, 3, 8)]
    per = cr.vmap(cr.grad(loss), in_axes=(None, 0, 0))(p, xs, ys)
    loop = _loop(cr.grad(loss), p, xs, ys, axes=(None, 0, 0))
    for k in p:
        assert per[k].shape == (8,) + p[k].shape
        np.testing.assert_allclose(per[k], loop[k], rtol=1e-13, atol=1e-15)

    def tloss(tp, x, y):
        h = torch.tanh(x @ tp["W1"] + tp["b1"])
        return -(y * torch.log_softmax(h @ tp["W2"] + tp["b2"], -1)).sum()

    tp = {k: torch.tensor(v) for k, v in p.items()}
    oracle = torch.func.vmap(torch.func.grad(tloss), in_dims=(None, 0, 0))(
        tp, torch.tensor(xs), torch.tensor(ys))
    for k in p:
        np.testing.assert_allclose(per[k], oracle[k].numpy(), rtol=1e-12, atol=1e-14)


# torch.func's hessian/jvp import a module that uses torch.jit.script (deprecated in 2.13).
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_vmap_of_jacobian_hessian_and_jvp_against_torch():
    torch = pytest.importorskip("torch")
    xs = RNG.normal(size=(4, 3))

    def f(x):
        return (cnp.sin(x) * x[::-1]).sum() + cnp.exp(x).prod()

    def tf(x):
        return (torch.sin(x) * x.flip(0)).sum() + torch.exp(x).prod()

    ours = cr.vmap(cr.hessian(f))(xs)
    theirs = torch.func.vmap(torch.func.hessian(tf))(torch.tensor(xs)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    ours = cr.vmap(cr.jacobian(cnp.sin))(xs)
    np.testing.assert_allclose(ours, np.stack([np.diag(np.cos(x)) for x in xs]), rtol=1e-14)
    t = RNG.normal(size=(4, 3))
    ours = cr.vmap(lambda x, v: cr.jvp(f, (x,), (v,))[1])(xs, t)
    theirs = torch.func.vmap(lambda x, v: torch.func.jvp(tf, (x,), (v,))[1])(
        torch.tensor(xs), torch.tensor(t)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_grad_of_vmap_and_tensors():
    w = RNG.normal(size=3)
    xs = RNG.normal(size=(5, 3))
    g = cr.grad(lambda w: cr.vmap(lambda x: cnp.tanh(x @ w), in_axes=0)(xs).sum())(w)
    np.testing.assert_allclose(g, cr.grad(lambda w: cnp.tanh(xs @ w).sum())(w), rtol=1e-14)
    wt = cr.tensor(w, requires_grad=True)
    cr.vmap(lambda x: (x * wt).sin(), in_axes=0)(xs).sum().backward()
    np.testing.assert_allclose(wt.grad.numpy(), (np.cos(xs * w) * xs).sum(0), rtol=1e-14)


def test_in_axes_out_axes_and_nesting():
    a = RNG.normal(size=(3, 4))
    np.testing.assert_allclose(cr.vmap(cnp.sum, in_axes=1)(a), a.sum(0))
    np.testing.assert_allclose(cr.vmap(cnp.sum, in_axes=-1)(a), a.sum(0))
    np.testing.assert_allclose(cr.vmap(lambda x: x * 2, out_axes=1)(a), (a * 2).T)
    outer = cr.vmap(cr.vmap(lambda u, v: u * v, in_axes=(0, None)), in_axes=(None, 0))
    np.testing.assert_allclose(outer(np.arange(3.0), np.arange(4.0)),
                               np.outer(np.arange(4.0), np.arange(3.0)))
    d = {"x": a, "s": 2.0}
    out = cr.vmap(lambda d: (d["x"] * d["s"], d["s"]), in_axes=({"x": 0, "s": None},),
                  out_axes=(0, None))(d)
    np.testing.assert_allclose(out[0], a * 2)
    assert out[1] == 2.0
    # An output that does not depend on the batch is broadcast along it.
    np.testing.assert_allclose(cr.vmap(lambda x: 1.0)(a), np.ones(3))


def test_functions_that_read_values_are_mapped_example_by_example():
    xs = RNG.normal(size=(5, 4))
    for fn in (cnp.max, lambda x: (cnp.sort(x) * np.arange(4.0)).sum(),
               lambda x: x.sum() if x[0] > 0 else -x.sum(), cnp.linalg.norm):
        np.testing.assert_allclose(cr.vmap(cr.grad(fn))(xs), _loop(cr.grad(fn), xs, axes=(0,)),
                                   rtol=1e-14)


def test_errors():
    a = np.ones((3, 2))
    with pytest.raises(ValueError) as e:
        cr.vmap(lambda x, y: x, in_axes=(0,))(a, a)
    check(e, ["in_axes has 1 entries", "2 positional argument(s)", "one entry per argument"])
    with pytest.raises(ValueError) as e:
        cr.vmap(lambda x, y: x)(a, np.ones((4, 2)))
    check(e, ["different sizes (3 and 4)", "same batch size"])
    with pytest.raises(ValueError) as e:
        cr.vmap(lambda x: x, in_axes=None)(a)
    check(e, ["maps no argument", "map at least one"])
    with pytest.raises(ValueError) as e:
        cr.vmap(lambda x: x, in_axes=2)(a)
    check(e, ["axis 2 of an argument of shape (3, 2)", "name an existing axis"])
    with pytest.raises(ValueError) as e:
        cr.vmap(lambda x: x, out_axes=None)(a)
    check(e, ["out_axes is None for an output that depends on the mapped", "give it an axis"])
    with pytest.raises(ValueError) as e:
        cr.vmap(lambda x: x, out_axes=3)(a)
    check(e, ["out_axes asks for axis 3 of an output with 2 axes"])
    with pytest.raises(ValueError) as e:
        cr.vmap(lambda d: d, in_axes=({"x": 0},))({"y": a})
    check(e, ["do not match the structure", "container of the same structure"])


def test_error_reading_a_mapped_value_outside_vmap_fallback():
    # The fallback belongs to vmap; a Batched primal read elsewhere (an escaped value) says
    # what happened.
    from chainrule.interpret.batching import Batched, BatchedValueError, primal_level
    with primal_level(10 ** 9):
        with pytest.raises(BatchedValueError) as e:
            value_of(Batched(np.ones((2, 3)), 10 ** 9))
    check(e, ["reads the concrete value of a mapped argument", "Loop over the examples"])
