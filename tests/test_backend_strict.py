"""The primitive table on array-api-strict arrays: proof that no hidden NumPy call is left on
the array path.

The arrays live on array-api-strict's second device ("device1"), where any conversion to
NumPy (``np.asarray``, ``__array__``, a NumPy ufunc) raises. Every row is run on every sample
of its domain, forward and through ``cr.vjp``; a row either gives NumPy's values and
gradients, or refuses with an error naming the row and the library (the rows outside the
standard, listed in docs/backends.md, which is generated from the same probe).
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import coverage_backends as CB
from chainrule import ops as P
from chainrule.core import array_namespace, bind

xp = pytest.importorskip("array_api_strict")
pytest.importorskip("array_api_compat")

DEVICE = xp.Device("device1")


def _cases() -> list:
    return [pytest.param(prim, args, params, id=f"{prim.name}-{k}")
            for prim, k, args, params in CB.samples()]


@pytest.mark.parametrize("prim, args, params", _cases())
def test_row_on_strict_arrays(prim, args, params):
    outcome = CB.probe(prim, args, params, CB.strict_backend())
    if prim.name in CB.OUTSIDE_STANDARD:
        assert outcome.startswith("refused"), outcome
        assert prim.name in outcome and "array_api_strict" in outcome, outcome
    else:
        assert outcome == "ok", outcome


def test_every_refusal_is_listed():
    """The rows refused are exactly those the docs list as outside the standard."""
    refused = set()
    for prim, k, args, params in CB.samples():
        if CB.probe(prim, args, params, CB.strict_backend()).startswith("refused"):
            refused.add(prim.name)
    assert refused == set(CB.OUTSIDE_STANDARD)


def test_strict_arrays_really_refuse_numpy():
    """The device trick the probe relies on: a NumPy conversion of a device1 array raises."""
    a = xp.asarray([1.0, 2.0], device=DEVICE)
    with pytest.raises(RuntimeError):
        np.asarray(a)


def test_gradient_stays_in_the_library_and_device():
    x = xp.asarray([0.5, 1.0, 2.0], device=DEVICE)
    g = cr.grad(lambda t: cr.numpy.sum(cr.numpy.sin(t) * cr.numpy.exp(-t * t / 2.0)))(x)
    assert type(g) is type(x) and g.device == DEVICE and g.dtype == xp.float64
    xn = np.array([0.5, 1.0, 2.0])
    expected = np.cos(xn) * np.exp(-xn**2 / 2) - xn * np.sin(xn) * np.exp(-xn**2 / 2)
    np.testing.assert_allclose(CB.to_numpy(g), expected, rtol=1e-12)


def test_float32_stays_float32():
    x = xp.asarray([0.5, 1.0], dtype=xp.float32, device=DEVICE)
    g = cr.grad(lambda t: (t * t * 3.0).sum())(x)
    assert g.dtype == xp.float32
    np.testing.assert_allclose(CB.to_numpy(g), [3.0, 6.0])


def test_backward_on_a_tensor_holding_strict_arrays():
    x = cr.tensor(xp.asarray([1.0, 2.0], device=DEVICE), requires_grad=True)
    (x * x).sum().backward()
    assert x.grad._data.device == DEVICE
    np.testing.assert_allclose(CB.to_numpy(x.grad._data), [2.0, 4.0])


def test_mixing_two_libraries_is_an_error():
    a = xp.asarray([1.0, 2.0], device=DEVICE)
    with pytest.raises(TypeError, match=r"maximum: got arrays of array_api_strict and numpy"):
        bind(P.maximum, a, np.ones(2))


def test_namespace_lookup_mixing_message():
    with pytest.raises(TypeError, match="chainrule does not convert between array libraries"):
        array_namespace(xp.asarray([1.0]), np.ones(2))


def test_missing_function_error_names_row_library_and_remedy():
    a = xp.asarray([1.0, 2.0], device=DEVICE)
    with pytest.raises(TypeError, match=r"cbrt: the array namespace of array_api_strict has no "
                                        r"'cbrt'.*Write it with operations the standard has"):
        P.cbrt(a)


def test_numpy_only_row_error():
    a = xp.asarray([[2.0, 1.0], [1.0, 3.0]], device=DEVICE)
    with pytest.raises(TypeError, match=r"inv: chainrule computes this row with NumPy only, "
                                        r"and got an array of array_api_strict"):
        P.inv(a)


def test_round_with_decimals_error():
    a = xp.asarray([1.25], device=DEVICE)
    with pytest.raises(TypeError, match="the Array API's round has no decimals"):
        P.round(a, decimals=1)


def test_advanced_index_add_error():
    g = xp.asarray([[1.0, 2.0]], device=DEVICE)
    with pytest.raises(TypeError, match="has no scatter-add in its namespace"):
        P.index_add(g, idx=(np.array([0]), np.array([1])), shape=(2, 2))


def test_integer_leaf_with_integer_dtype_error():
    a = xp.asarray([1, 2])
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        cr.tensor(a, requires_grad=True, dtype=np.int64)


def test_non_numeric_foreign_array_error():
    from chainrule.eager.tensor import _foreign_value

    class Strings:   # an array-like of another library holding text
        dtype = np.dtype("U3")
        shape = (1,)

        def __array_namespace__(self, api_version=None):
            return xp

    with pytest.raises(TypeError, match="cannot make a tensor from a"):
        _foreign_value(Strings(), None, True, False)
