"""Gradients of code on Dask arrays, run on a real ``dask.distributed`` cluster of two worker
processes (started here, closed after): every elementwise row, the reductions, matmul and
indexing are compared with the NumPy results; recording computes nothing (a scheduler that
refuses to run is active while the graph is recorded).
"""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
pytest.importorskip("array_api_compat")

import dask  # noqa: E402

import chainrule as cr  # noqa: E402
import chainrule.numpy as cnp  # noqa: E402
from chainrule import coverage_backends as CB  # noqa: E402
from chainrule import ops as P  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                       host="127.0.0.1", dashboard_address=None)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def _refuse(*args, **kwargs):
    raise AssertionError("a Dask graph was computed while chainrule recorded")


_ROWS = ("elementwise", "reduce", "matmul", "getitem")
_CASES = [pytest.param(prim, args, params, id=f"{prim.name}-{k}")
          for prim, k, args, params in CB.samples()
          if prim.batch in _ROWS and prim.name not in ("round",)]


@pytest.mark.parametrize("prim, args, params", _CASES)
def test_row_on_the_cluster(client, prim, args, params):
    outcome = CB.probe(prim, args, params, CB.dask_backend())
    if outcome.startswith("refused"):
        # (getitem's gradient is the index_add row)
        assert prim.name in outcome or "index_add" in outcome, outcome
        assert "dask" in outcome, outcome
    else:
        assert outcome == "ok", outcome


def test_every_elementwise_row_is_probed():
    names = {p.values[0].name for p in _CASES}
    elementwise = {n for n, p in P.TABLE.items() if p.batch == "elementwise"}
    assert elementwise - names <= {"round"}
    assert {"sum", "max", "min", "prod", "matmul", "getitem"} <= names


def _w3(x):
    return cnp.sum(cnp.sin(x) * cnp.exp(-x ** 2 / 2.0))


def test_grad_is_lazy_and_matches_numpy(client):
    xn = np.linspace(-3.0, 3.0, 1001)
    x = da.from_array(xn, chunks=100)
    with dask.config.set(scheduler=_refuse):
        value, g = cr.value_and_grad(_w3)(x)
    assert isinstance(g, da.Array) and isinstance(value, da.Array)
    value, g = dask.compute(value, g)   # on the cluster: the Client is the default scheduler
    vn, gn = cr.value_and_grad(_w3)(xn)
    np.testing.assert_allclose(g, gn, rtol=1e-12)
    np.testing.assert_allclose(value, vn, rtol=1e-12, atol=1e-12)
    # The closed form of W3's gradient.
    np.testing.assert_allclose(g, np.exp(-xn**2 / 2) * (np.cos(xn) - xn * np.sin(xn)),
                               rtol=1e-12, atol=1e-15)


def test_backward_on_a_tensor_holding_a_dask_array(client):
    xn = np.array([0.5, -1.0, 2.0, 3.0])
    t = cr.tensor(da.from_array(xn, chunks=2), requires_grad=True)
    with dask.config.set(scheduler=_refuse):
        loss = (t * t).sum() + cnp.sum(cnp.tanh(t))
        loss.backward()
    assert isinstance(t.grad._data, da.Array)
    np.testing.assert_allclose(t.grad._data.compute(), 2 * xn + 1 - np.tanh(xn) ** 2)


def test_logistic_regression_gradient(client):
    rng = np.random.default_rng(0)
    Xn = rng.normal(size=(400, 3))
    yn = (Xn @ np.array([1.0, -2.0, 0.5]) > 0).astype(np.float64)
    X, y = da.from_array(Xn, chunks=(100, 3)), da.from_array(yn, chunks=100)

    def loss(w, X, y):
        z = X @ w
        return cnp.mean(cnp.logaddexp(0.0, z) - y * z)

    wn = np.array([0.1, 0.2, -0.3])
    w = da.from_array(wn, chunks=3)
    with dask.config.set(scheduler=_refuse):
        g = cr.grad(loss)(w, X, y)
    np.testing.assert_allclose(g.compute(), cr.grad(loss)(wn, Xn, yn), rtol=1e-12)


def test_a_value_needed_eagerly_is_refused(client):
    x = da.from_array(np.array([[1.0, 2.0], [3.0, 4.0]]), chunks=1)
    with pytest.raises(TypeError, match="cumprod's derivative: its test for zeros along the "
                                        "axis needs the concrete values of its dask input"):
        cr.grad(lambda t: cnp.sum(P.cumprod(t, axis=1)))(x)


def test_mixing_dask_and_numpy_in_a_row_is_an_error():
    with pytest.raises(TypeError, match="got arrays of dask and numpy in one operation"):
        P.maximum(da.ones(3, chunks=3), np.ones(3))


def test_missing_compat_is_an_import_error(monkeypatch):
    import sys

    from chainrule.core import values
    monkeypatch.setitem(sys.modules, "array_api_compat", None)
    monkeypatch.setattr(values, "_compat", None)
    with pytest.raises(ImportError, match=r"pip install chainrule\[array-api\]"):
        P.sin(da.ones(3, chunks=3))


def test_support_table_in_the_docs_is_current():
    pytest.importorskip("array_api_strict")
    import pathlib
    doc = (pathlib.Path(__file__).parent.parent / "docs" / "backends.md").read_text("utf-8")
    with dask.config.set(scheduler="synchronous"):
        table = CB.table([CB.dask_backend(), CB.strict_backend()])
    assert table in doc, \
        "docs/backends.md is out of date: run `python -m chainrule.coverage_backends`"
