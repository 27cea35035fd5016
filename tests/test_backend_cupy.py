"""The same code on CuPy arrays, on the GPU (skipped where CuPy or a GPU is absent; run by
bench/gpu_check.sh on a machine with one). Gradients come back as CuPy arrays on the input's
device and dtype, and the forward and backward passes of W3 make no host round trip
(``cupyx.allow_synchronize(False)`` raises on any device-to-host copy)."""

from __future__ import annotations

import numpy as np
import pytest

cp = pytest.importorskip("cupy")
pytest.importorskip("array_api_compat")
try:
    if cp.cuda.runtime.getDeviceCount() < 1:
        pytest.skip("no GPU", allow_module_level=True)
except Exception:  # noqa: BLE001  (CUDA missing or broken: the same as no GPU here)
    pytest.skip("no usable CUDA device", allow_module_level=True)

import cupyx  # noqa: E402

import chainrule as cr  # noqa: E402
import chainrule.numpy as cnp  # noqa: E402
from chainrule import coverage_backends as CB  # noqa: E402


def _w3(x):
    return cnp.sum(cnp.sin(x) * cnp.exp(-x ** 2 / 2.0))


def _backend():
    return CB.Backend("CuPy", cp.asarray, lambda a: cp.asnumpy(a) if isinstance(a, cp.ndarray)
                      else a)


_CASES = [pytest.param(prim, args, params, id=f"{prim.name}-{k}")
          for prim, k, args, params in CB.samples()
          if prim.batch in ("elementwise", "reduce", "matmul", "getitem")]


@pytest.mark.parametrize("prim, args, params", _CASES)
def test_row_on_the_gpu(prim, args, params):
    outcome = CB.probe(prim, args, params, _backend())
    if outcome.startswith("refused"):
        assert "cupy" in outcome, outcome
    else:
        assert outcome == "ok", outcome


@pytest.mark.parametrize("dtype", [cp.float32, cp.float64])
def test_w3_gradient_on_the_gpu(dtype):
    xn = np.linspace(-3.0, 3.0, 10_001).astype(dtype)
    x = cp.asarray(xn)
    g = cr.grad(_w3)(x)
    assert isinstance(g, cp.ndarray) and g.dtype == dtype and g.device == x.device
    np.testing.assert_allclose(cp.asnumpy(g), cr.grad(_w3)(xn),
                               rtol=1e-5 if dtype == cp.float32 else 1e-12, atol=1e-6)


def test_no_host_round_trip_inside_forward_and_backward():
    x = cp.linspace(-3.0, 3.0, 1 << 20)
    cr.grad(_w3)(x)   # warm-up: kernels compiled, namespaces found
    if not hasattr(cupyx, "allow_synchronize"):
        pytest.skip("this CuPy has no allow_synchronize")
    with cupyx.allow_synchronize(False):
        v, g = cr.value_and_grad(_w3)(x)
    assert isinstance(g, cp.ndarray)


def test_backward_on_a_tensor_holding_a_cupy_array():
    t = cr.tensor(cp.asarray([1.0, 2.0, 3.0]), requires_grad=True)
    (t * t).sum().backward()
    assert isinstance(t.grad._data, cp.ndarray)
    np.testing.assert_allclose(cp.asnumpy(t.grad._data), [2.0, 4.0, 6.0])


def test_mixing_cupy_and_numpy_is_an_error():
    with pytest.raises(TypeError, match="got arrays of cupy and numpy in one operation"):
        cr.ops.maximum(cp.ones(3), np.ones(3))
