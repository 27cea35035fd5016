"""Property tests (Hypothesis) for chainrule.numpy: random broadcastable shapes, axes and
dtypes; values agree with NumPy, gradients have their input's shape and dtype and pass the
gradient check."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr
import chainrule.numpy as cnp
import chainrule.special as cs

BINARY = {
    "add": (cnp.add, np.add, (-2, 2), (-2, 2)),
    "multiply": (cnp.multiply, np.multiply, (-2, 2), (-2, 2)),
    "divide": (cnp.divide, np.divide, (-2, 2), (0.5, 2)),
    "power": (cnp.power, np.power, (0.5, 2), (-2, 2)),
    "hypot": (cnp.hypot, np.hypot, (0.5, 2), (0.5, 2)),
    "arctan2": (cnp.arctan2, np.arctan2, (-2, 2), (0.5, 2)),
    "logaddexp": (cnp.logaddexp, np.logaddexp, (-3, 3), (-3, 3)),
    "maximum": (cnp.maximum, np.maximum, (-2, 2), (-2, 2)),
}

REDUCTIONS = {
    "sum": (cnp.sum, np.sum), "mean": (cnp.mean, np.mean), "prod": (cnp.prod, np.prod),
    "max": (cnp.max, np.max), "var": (cnp.var, np.var), "std": (cnp.std, np.std),
    "logsumexp": (cs.logsumexp, None), "ptp": (cnp.ptp, np.ptp),
}


def _values(rng, shape, lo, hi):
    return rng.uniform(lo, hi, size=shape)


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                max_side=3),
       name=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2 ** 16))
def test_binary_broadcasting(shapes, name, seed):
    ours, theirs, (lo1, hi1), (lo2, hi2) = BINARY[name]
    rng = np.random.default_rng(seed)
    x = _values(rng, shapes.input_shapes[0], lo1, hi1)
    y = _values(rng, shapes.input_shapes[1], lo2, hi2)
    np.testing.assert_allclose(ours(x, y), theirs(x, y), rtol=1e-12)
    out, pullback = cr.vjp(ours, x, y)
    gx, gy = pullback(np.ones(np.shape(out)))
    assert np.shape(gx) == np.shape(x) and np.shape(gy) == np.shape(y)
    if name != "maximum":   # maximum has kinks at ties, which random floats avoid anyway
        cr.check_grads(ours, x, y, modes=("rev", "fwd"), order=1)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
       name=st.sampled_from(sorted(REDUCTIONS)), data=st.data(),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_reductions_over_random_axes(shape, name, data, dtype):
    ours, theirs = REDUCTIONS[name]
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    keepdims = data.draw(st.booleans())
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16)))
    x = rng.uniform(0.5, 1.5, size=shape).astype(dtype)
    out = ours(x, axis=axis, keepdims=keepdims)
    if theirs is not None:
        expected = theirs(x, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(out, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)
    t = cr.tensor(x, requires_grad=True)
    y = ours(t, axis=axis, keepdims=keepdims)
    assert y.dtype == dtype and y.shape == np.shape(out)
    cnp.sum(y * y).backward()
    assert t.grad.shape == shape and t.grad.dtype == dtype
    cr.check_grads(lambda a: ours(a, axis=axis, keepdims=keepdims), x.astype(np.float64),
                   modes=("rev",), order=1)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3), data=st.data())
def test_shape_functions_round_trip(shape, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16)))
    x = rng.normal(size=shape)
    n = len(shape)
    src = data.draw(st.integers(-n, n - 1))
    dst = data.draw(st.integers(-n, n - 1))
    for ours, theirs in (
            (lambda a: cnp.moveaxis(a, src, dst), lambda a: np.moveaxis(a, src, dst)),
            (lambda a: cnp.swapaxes(a, src, dst), lambda a: np.swapaxes(a, src, dst)),
            (lambda a: cnp.flip(a, src), lambda a: np.flip(a, src)),
            (lambda a: cnp.roll(a, 2, src), lambda a: np.roll(a, 2, src)),
            (lambda a: cnp.cumsum(a, src), lambda a: np.cumsum(a, src)),
            (lambda a: cnp.sort(a, src), lambda a: np.sort(a, src)),
            (lambda a: cnp.expand_dims(a, dst), lambda a: np.expand_dims(a, dst)),
            (lambda a: cnp.tile(a, 2), lambda a: np.tile(a, 2))):
        np.testing.assert_allclose(ours(x), theirs(x))
        # Linear (or permutation) maps: the gradient of <w, f(x)> is f's transpose of w.
        w = rng.normal(size=np.shape(theirs(x)))
        g = cr.grad(lambda a: cnp.sum(ours(a) * w))(x)
        assert g.shape == x.shape
        np.testing.assert_allclose(np.sum(g * x), np.sum(w * theirs(x)), rtol=1e-10,
                                   atol=1e-10)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_einsum_against_matmul_chain(n):
    rng = np.random.default_rng(n)
    mats = [rng.normal(size=(3, 3)) for _ in range(n)]
    subs = ",".join(f"{chr(97 + i)}{chr(98 + i)}" for i in range(n)) + f"->a{chr(97 + n)}"

    def chain(*ms):
        out = ms[0]
        for m in ms[1:]:
            out = out @ m
        return out

    np.testing.assert_allclose(cnp.einsum(subs, *mats), chain(*mats), rtol=1e-12)
    cr.check_grads(lambda *ms: cnp.einsum(subs, *ms), *mats, order=2)
