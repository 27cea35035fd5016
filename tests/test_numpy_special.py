"""The public faces of ``chainrule.numpy`` and ``chainrule.special``: only public names in
``dir()``, an ``__all__`` that matches, the activations in ``chainrule.special`` (checked
against SciPy), and the old ``chainrule.numpy`` names of the activations deprecated.

The gradients of every function of both namespaces are checked from the samples in
:mod:`chainrule.coverage` (tests/test_numpy_namespace.py).
"""

from __future__ import annotations

import importlib
import math
import pkgutil
import types
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
import chainrule.special as cs

DEPRECATED = ["relu", "sigmoid", "expit", "softplus", "softmax", "log_softmax", "logsumexp"]
X = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -2.5]])


def _public(module: types.ModuleType) -> set:
    return {n for n in dir(module) if not (n.startswith("__") and n.endswith("__"))}


# ----------------------------------------------------------------------------------------
# chainrule.numpy: NumPy's names and nothing else.


def test_dir_of_the_numpy_namespace_shows_no_internals():
    public = _public(cnp)
    assert not sorted(n for n in public if n.startswith("_")), "private names are visible"
    assert len(cnp.__all__) == len(set(cnp.__all__)), "__all__ lists a name twice"
    assert public == set(cnp.__all__) | {"HANDLED_FUNCTIONS"}, \
        f"not in __all__: {sorted(public - set(cnp.__all__))}; " \
        f"in __all__ but missing: {sorted(set(cnp.__all__) - public)}"
    for name in cnp.__all__:
        obj = getattr(cnp, name)
        if isinstance(obj, types.ModuleType):
            assert obj.__name__ == f"chainrule.numpy.{name}"
        elif callable(obj) and not isinstance(obj, type):
            assert obj.__module__.startswith("chainrule.numpy."), (name, obj.__module__)
        elif name in ("r_", "c_"):   # index objects of our own: NumPy's convert to arrays
            assert type(obj).__module__ == "chainrule.numpy._index", name
        else:   # constants and dtypes are NumPy's own objects (np.newaxis is None)
            assert obj is getattr(np, name), name


def test_every_public_function_of_the_folder_is_exported():
    # A function added to a file of the folder but not to __init__ would be unreachable.
    exported = set(cnp.__all__) | set(cs.__all__)
    missing = []
    for info in pkgutil.iter_modules(cnp.__path__):
        module = importlib.import_module(f"chainrule.numpy.{info.name}")
        if not info.name.startswith("_"):   # linalg, fft: their own __all__
            assert info.name in cnp.__all__
            continue
        for name, obj in vars(module).items():
            if (not name.startswith("_") and isinstance(obj, types.FunctionType)
                    and obj.__module__ == module.__name__ and name not in exported):
                missing.append(f"{info.name}.{name}")
    assert not missing, f"defined but not exported from chainrule.numpy: {missing}"


def test_files_of_the_folder_stay_out_of_the_namespace_after_import():
    importlib.import_module("chainrule.numpy._math")
    from chainrule.numpy import _special  # noqa: F401  (the import form must work too)
    assert not [n for n in dir(cnp) if n.startswith("_") and not n.startswith("__")]


def test_unknown_numpy_name_raises_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="chainrule.numpy' has no attribute 'softmin'"):
        cnp.softmin  # noqa: B018


# ----------------------------------------------------------------------------------------
# chainrule.special.


def test_dir_of_special_is_its_all():
    assert _public(cs) == set(cs.__all__)
    assert "special" in cr.__all__ and cr.special is cs


def test_top_level_activations_are_specials_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (cr.relu, cr.sigmoid, cr.softplus) == (cs.relu, cs.sigmoid, cs.softplus)


def test_tensor_methods_give_the_same_values_and_gradients():
    for name in ("relu", "sigmoid"):
        t = cr.tensor(X, requires_grad=True)
        getattr(t, name)().sum().backward()
        np.testing.assert_array_equal(cr.grad(lambda x: getattr(cs, name)(x).sum())(X),
                                      t.grad.data)


@pytest.mark.parametrize("name, kwargs", [
    ("expit", {}), ("softmax", {"axis": 1}), ("softmax", {"axis": 0}),
    ("log_softmax", {"axis": -1}), ("logsumexp", {}), ("logsumexp", {"axis": 1, "keepdims": True}),
    ("logit", {})])
def test_values_match_scipy_special(name, kwargs):
    special = pytest.importorskip("scipy.special")
    x = 1 / (1 + np.exp(-X)) if name == "logit" else X
    np.testing.assert_allclose(getattr(cs, name)(x, **kwargs),
                               getattr(special, name)(x, **kwargs), rtol=1e-13, atol=1e-15)


def test_logit_inverts_sigmoid_and_its_derivative_is_one_over_p_one_minus_p():
    p = np.array([0.1, 0.5, 0.75])
    np.testing.assert_allclose(cs.logit(cs.sigmoid(np.array([-2.0, 0.0, 3.0]))),
                               [-2.0, 0.0, 3.0], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(cr.grad(lambda q: cs.logit(q).sum())(p), 1 / (p * (1 - p)))


@pytest.mark.skipif(not hasattr(cr.ops, "erf"), reason="the erf row comes with the table's split")
def test_erf_values_and_derivatives():
    x = np.array([-1.5, 0.0, 0.3, 2.0])
    np.testing.assert_allclose(cs.erf(x), [math.erf(v) for v in x], rtol=1e-14)
    np.testing.assert_allclose(cr.grad(lambda v: cs.erf(v).sum())(x),
                               2 / math.sqrt(math.pi) * np.exp(-x * x), rtol=1e-14)
    cr.check_grads(cs.erf, x, modes=("rev", "fwd"), order=2)


# ----------------------------------------------------------------------------------------
# The old names in chainrule.numpy: deprecated for one release.


def _expected(name: str, x: np.ndarray) -> np.ndarray:
    # The formulas written out, independently of chainrule.special's stable forms.
    lse = np.log(np.sum(np.exp(x), axis=-1, keepdims=True))
    return {"relu": np.maximum(x, 0), "sigmoid": 1 / (1 + np.exp(-x)),
            "expit": 1 / (1 + np.exp(-x)), "softplus": np.log1p(np.exp(x)),
            "softmax": np.exp(x - lse), "log_softmax": x - lse,
            "logsumexp": np.log(np.sum(np.exp(x)))}[name]


@pytest.mark.parametrize("name", DEPRECATED)
def test_old_numpy_name_warns_and_still_works(name):
    with pytest.warns(DeprecationWarning, match=rf"chainrule\.numpy\.{name} is deprecated.*"
                                                rf"use chainrule\.special\.{name}"):
        old = getattr(cnp, name)
    assert old is getattr(cs, name)
    np.testing.assert_allclose(old(X), _expected(name, X), rtol=1e-13)
    with pytest.warns(DeprecationWarning):
        exec(f"from chainrule.numpy import {name}", {})
    assert name not in cnp.__all__ and name not in dir(cnp)
