"""How a row of the table is built: ``TABLE``, the constructors of linear and
non-differentiable rows, and what the topic files share (the ``math`` fast path of forward
implementations, test domains). The elementwise constructor lives with the elementwise rows
(its quotient rules are written with the ``div`` row), the reduction one with the reductions.

A row says the mathematics only: its forward computation and its derivative. The constructors
derive what the engine needs beyond that: the VJP and JVP rules of an elementwise row from its
partials, and the engine's shortcuts ``factors`` (the large-array path) and ``vjp_simple``
(the compiled core's path), so no row writes those by hand (``tests/test_table.py`` checks).

Rule vocabulary (as in PyTorch's ``derivatives.yaml``): ``g`` the output cotangent, ``t`` an
input tangent, ``out`` the primal output, then the inputs by position, then keyword params.
A VJP rule may return a value of the broadcast (output) shape: the engine sums it down to the
input's shape in one place (``sum_to``).

>>> from chainrule.ops import TABLE
>>> TABLE["sin"].batch, TABLE["sum"].batch
('elementwise', 'reduce')
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from ..core import Primitive, bind, call_in_namespace, is_foreign

__all__ = ["TABLE", "linear", "nondifferentiable", "through_namespace", "numpy_only"]

_ndarray = np.ndarray
# The types that are never another library's array, checked before anything is called.
_PLAIN = frozenset({np.ndarray, float, int, bool})

# ----------------------------------------------------------------------------------------
# Forward implementations. Python floats take the `math` module (50x cheaper than a NumPy
# call on a 0-d value); anything math refuses (overflow, domain) falls back to NumPy so the
# result, inf/nan and warnings included, is exactly NumPy's. Arrays of other libraries
# (Dask, CuPy, array-api-strict) take the function of the same meaning in their own
# namespace; a NumPy array is recognised by one type check, before anything is looked up.


def through_namespace(np_fn: Callable, api_name: Optional[str] = None,
                      op: Optional[str] = None) -> Callable:
    """``np_fn`` for NumPy arrays and numbers, the namespace's function (by its Array API
    name, ``api_name`` where NumPy's differs otherwise) for foreign arrays.

    >>> through_namespace(np.sin)(np.zeros(2)).tolist()
    [0.0, 0.0]
    """
    name = op or np_fn.__name__

    def impl(*args, **params):
        for a in args:
            if type(a) not in _PLAIN and is_foreign(a):
                return call_in_namespace(name, np_fn, args, params, api_name)
        return np_fn(*args, **params)

    impl.__name__ = np_fn.__name__
    return impl


def numpy_only(*prims: Primitive) -> None:
    """Mark rows whose forward computation is written for NumPy alone (linear algebra, FFT,
    einsum: not yet through a namespace): their impl refuses another library's array with an
    error naming the row and the library, instead of converting it to NumPy silently. The
    NumPy path pays one loop over the arguments."""
    for prim in prims:
        prim.impl = _refusing(prim.name, prim.impl)


def _refusing(op: str, impl: Callable) -> Callable:
    def refusing(*args, **params):
        for a in args:
            if type(a) is not _ndarray and is_foreign(a):
                raise TypeError(
                    f"{op}: chainrule computes this row with NumPy only, and got an array "
                    f"of {type(a).__module__.split('.')[0]}; it does not convert arrays "
                    "between libraries silently. Convert the input with np.asarray(...) "
                    "first, or use the rows of docs/backends.md's table for this library.")
        return impl(*args, **params)

    refusing.__name__ = getattr(impl, "__name__", op)
    return refusing


def _unary_impl(math_fn: Optional[Callable], np_fn: Callable) -> Callable:
    name = np_fn.__name__
    if math_fn is None:
        def impl1(x):
            if type(x) is _ndarray or not is_foreign(x):
                return np_fn(x)
            return call_in_namespace(name, np_fn, (x,), {})

        impl1.__name__ = name
        return impl1

    def impl(x):
        if type(x) is float:
            try:
                return math_fn(x)
            except (ValueError, OverflowError):
                pass
        elif type(x) is not _ndarray and is_foreign(x):
            return call_in_namespace(name, np_fn, (x,), {})
        return np_fn(x)

    impl.__name__ = np_fn.__name__
    return impl


# ----------------------------------------------------------------------------------------
# The table and its constructors.

TABLE: dict[str, Primitive] = {}


def _row(prim: Primitive) -> Primitive:
    if prim.name in TABLE:
        raise ValueError(f"primitive {prim.name!r} is declared twice")
    TABLE[prim.name] = prim
    return prim



def _maths_only(name: str, kwargs: dict) -> None:
    # The engine's shortcuts follow from the rules; a row that wrote them by hand could say
    # something its rules do not (the table tests would catch it, but only on their samples).
    tactics = sorted(k for k in ("factors", "vjp_simple") if k in kwargs)
    if tactics:
        raise TypeError(f"row {name!r}: {', '.join(tactics)} are derived by the row "
                        "constructors from the rules; remove them from the row")


def linear(name: str, impl: Callable, transpose: Callable, *, batch: str,
           **kwargs: Any) -> Primitive:
    """A row linear in its single input: the JVP applies the op to the tangent, the VJP is the
    transpose ``transpose(g, x, **params)``. ``batch`` says how batching treats it (see
    :class:`~chainrule.core.Primitive`): a linear row may reshape, move or join axes, so it
    always says."""
    _maths_only(name, kwargs)
    prim = Primitive(name, impl, [lambda g, out, x, **p: transpose(g, x, **p)], [],
                     linear=True, batch=batch, **kwargs)
    prim.jvp = (lambda t, out, x, **p: bind(prim, t, **p),)
    return _row(prim)


def nondifferentiable(name: str, impl: Callable, *, batch: Optional[str] = None,
                      **kwargs: Any) -> Primitive:
    """A row whose result carries no gradient (comparisons, sign, rounding). A NumPy ufunc
    acts element by element, so a row naming one batches elementwise; others say how."""
    _maths_only(name, kwargs)
    if batch is None:
        if kwargs.get("ufunc") is None:
            raise TypeError(f"row {name!r}: say how batching treats it (batch=...); only a "
                            "row with a NumPy ufunc is known to be elementwise")
        batch = "elementwise"
    if isinstance(impl, np.ufunc):
        impl = through_namespace(impl, op=name)
    return _row(Primitive(name, impl, (), (), differentiable=False, batch=batch, **kwargs))


# ----------------------------------------------------------------------------------------
# Test domains: each returns a list of (args, params) samples for the table-driven tests.

def _dom_unary(lo: float, hi: float) -> Callable:
    def dom(rng):
        return [((rng.uniform(lo, hi, size=(3, 2)),), {}),
                ((float(rng.uniform(lo, hi)),), {})]
    return dom


def _dom_binary(lo: float, hi: float, lo2: Optional[float] = None,
                hi2: Optional[float] = None) -> Callable:
    lo2 = lo if lo2 is None else lo2
    hi2 = hi if hi2 is None else hi2

    def dom(rng):
        return [((rng.uniform(lo, hi, size=(3, 1)), rng.uniform(lo2, hi2, size=(4,))), {}),
                ((rng.uniform(lo, hi, size=(2, 3)), float(rng.uniform(lo2, hi2))), {}),
                ((float(rng.uniform(lo, hi)), rng.uniform(lo2, hi2, size=(2,))), {})]
    return dom


def _dom_reduce(rng):
    return [((rng.normal(size=(3, 4)),), {}),
            ((rng.normal(size=(3, 4)),), {"axis": 0}),
            ((rng.normal(size=(2, 3, 4)),), {"axis": (0, 2), "keepdims": True}),
            ((rng.normal(size=(3, 4)),), {"axis": -1})]
