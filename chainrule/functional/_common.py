"""What the transforms share: which reading ambiguous names take, values in and out,
argnums and pytree helpers."""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence, Union

import numpy as np

from .. import ops as P
from ..core import Tracer, _numpy_reading
from ..core import values as _values
from ..interpret.forward import Dual
from ..core.pytree import tree_flatten, tree_map, tree_unflatten
from ..eager.tensor import Tensor, _as_value

__all__: list = []  # helpers for the other files of the folder


Argnums = Union[int, Sequence[int]]



# ----------------------------------------------------------------------------------------
# Which reading names take where NumPy and PyTorch differ (core._numpy_reading).

def _reading_for(args: Sequence[Any]) -> Any:
    """NumPy's reading (True) when the inputs are NumPy values or numbers (the function is
    NumPy code); PyTorch's (False) when one is a tensor-style Tensor; None (keep the
    enclosing one) when they are the tracers of an enclosing transform."""
    leaves = args if all(type(a) is float for a in args) else tree_flatten(list(args))[0]
    reading = True
    for a in leaves:
        if isinstance(a, Tensor) and a._level == 0:
            return False
        if isinstance(a, Tracer):
            reading = None
    return reading


def _reading(args: Sequence[Any], call: Callable, *call_args: Any) -> Any:
    """``call(*call_args)`` under the reading that ``args`` (the user's inputs) ask for."""
    reading = _reading_for(args)
    if reading is None or reading == _numpy_reading.get():
        return call(*call_args)
    token = _numpy_reading.set(reading)
    try:
        return call(*call_args)
    finally:
        _numpy_reading.reset(token)


# ----------------------------------------------------------------------------------------
# Values in and out.

def _as_primal(x: Any) -> Any:
    """Inputs: tracers pass through; numbers and arrays become float values."""
    if type(x) is float or isinstance(x, Tracer):
        return x
    return _as_value(x, None, True)


def _restore(value: Any, like: Any) -> Any:
    """Give a result the kind of the input it belongs to: float for a number, ndarray for an
    array, Tensor for a Tensor. Tracers of outer transforms pass through unchanged."""
    if type(value) is float and type(like) is float:   # the scalar fast path
        return value
    if isinstance(value, Tracer):
        return value
    if _values.is_foreign(value):
        return value   # another library's array stays in its library (and lazy, for Dask)
    if isinstance(like, Tensor):
        return Tensor._wrap(_as_value(value), like._level)
    if isinstance(like, np.generic) and np.ndim(value) == 0:
        # A NumPy scalar in, a NumPy scalar out, of the result's own dtype (float32 stays
        # float32: a Python float would widen it to float64 on the next operation).
        return np.asarray(value)[()]
    if isinstance(like, (int, float, complex)) and np.ndim(value) == 0:
        kind = np.result_type(value).kind   # a Python number of the result's own kind
        return float(value) if kind == "f" else complex(value) if kind == "c" else value
    return np.asarray(value)


def _zeros_for(x: Any) -> Any:
    if not isinstance(x, Tracer) and _values.is_foreign(x):
        return _values.zeros_like_value(x)   # in the input's own library (Dask, CuPy, ...)
    # (shape and dtype from the value itself, never its concrete value: under vmap a mapped
    # value has none, and one example's zeros are broadcast along the batch by vmap)
    shape, dtype = P.shape_of(x), P.dtype_of(x)
    return np.zeros(shape, dtype=dtype) if shape else dtype.type(0)


def _ones_like(x: Any) -> Any:
    """A tangent of ones for the input ``x``: 1.0 for a Python number, else ones of x's
    floating dtype (integers count as float64, as everywhere in the transforms)."""
    if type(x) is float or isinstance(x, (int, bool)):
        return 1.0
    if _values.is_foreign(P.value_of(x)):
        return _values.ones_like_value(x)
    dtype = _float_dtype(x)
    shape = P.shape_of(x)
    return np.ones(shape, dtype=dtype) if shape else dtype.type(1)


def _float_dtype(x: Any) -> np.dtype:
    """The dtype derivatives of ``x`` have: its own if floating or complex, else float64."""
    dtype = P.dtype_of(x)
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def _cast_like(g: Any, x: Any) -> Any:
    if type(g) is float and type(x._data) is float:
        return g
    dtype = x.dtype
    if P.dtype_of(g) != dtype:
        return P.cast(g, dtype=dtype)
    return g


def _fname(f: Callable) -> str:
    name = getattr(f, "__name__", "f")
    return "f" if name == "<lambda>" else name


def _named(fn: Callable, f: Callable, what: str) -> Callable:
    """Name a returned function after what it computes: ``grad_of_loss``."""
    functools.update_wrapper(fn, f)
    fn.__name__ = f"{what}_of_{_fname(f)}"
    fn.__qualname__ = fn.__name__
    del fn.__wrapped__   # so help() and inspect show the transform's signature, not f's
    return fn


def _flatten_args(args: Sequence[Any]) -> tuple:
    """Flatten each positional argument: (all leaves, one tree per argument)."""
    leaves: list = []
    trees = []
    for a in args:
        lv, tree = tree_flatten(a)
        leaves.extend(lv)
        trees.append(tree)
    return leaves, trees


def _unflatten_args(trees: Sequence[Any], leaves: Sequence[Any]) -> tuple:
    if len(trees) == len(leaves) and all(t.kind == "leaf" for t in trees):
        return tuple(leaves)
    out = []
    pos = 0
    for tree in trees:
        n = tree.num_leaves
        out.append(tree_unflatten(tree, leaves[pos:pos + n]))
        pos += n
    return tuple(out)


def _check_argnums(argnums: Argnums, nargs: int, fname: str) -> tuple:
    single = isinstance(argnums, (int, np.integer))
    nums = (int(argnums),) if single else tuple(int(a) for a in argnums)
    if not nums:
        raise ValueError(f"{fname}: argnums is empty; name at least one argument to "
                         "differentiate with respect to")
    for n in nums:
        if not -nargs <= n < nargs:
            raise ValueError(f"{fname}: argnums={argnums!r} but the function was called with "
                             f"{nargs} positional argument(s); use an index below {nargs}")
    return single, tuple(n % nargs for n in nums)


def _split_aux(out: Any, has_aux: bool, fname: str) -> tuple:
    if not has_aux:
        return out, None
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"{fname}: has_aux=True needs the function to return a pair "
                        f"(output, aux), but it returned {type(out).__name__}")
    return out[0], out[1]


def _strip_aux(aux: Any, level: int) -> Any:
    """Auxiliary data leaves the transform as plain values: this level's tracers (the
    recording Tensors of vjp, the duals of jvp) are replaced by their values, as they
    mean nothing outside the call."""
    def strip(a: Any) -> Any:
        if isinstance(a, Tensor) and a._level == level:
            return a._data
        if type(a) is Dual and a._level == level:
            return a.primal
        return a
    return tree_map(strip, aux)


def _select(f: Callable, args: tuple, nums: tuple, kwargs: dict) -> Callable:
    """f as a function of the arguments at ``nums`` only (the others held fixed)."""
    def partial(*chosen: Any) -> Any:
        full = list(args)
        for n, c in zip(nums, chosen):
            full[n] = c
        return f(*full, **kwargs)
    return partial


# ----------------------------------------------------------------------------------------
