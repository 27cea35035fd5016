"""JAX-style transforms: functions in, functions out. They never touch ``.grad``.

Each call takes a fresh level (see :mod:`chainrule.core`), so transforms nest freely:
``grad(grad(f))``, ``jvp`` of ``grad``, ``grad`` of ``jvp`` all work, and perturbations of
different calls never mix.

Arguments and outputs may be pytrees (nested tuples, lists and dicts of arrays, see
:mod:`chainrule.core.pytree`); every result has the structure of what it belongs to. Results have
the kind of the input they belong to: a float for a Python number, a NumPy scalar for a NumPy
scalar, an ndarray for an array, a Tensor for a Tensor, and the input's dtype (float32 stays
float32) (a Tensor passed in stays in its own graph, so the result is differentiable
by ``backward()`` too).

Jacobians push all basis directions through ONE pass (:mod:`chainrule.interpret.batching`), so
``jacfwd``/``jacrev``/``hessian`` cost one batched forward or reverse sweep, not one sweep per
row in a Python loop. ``derivative(f, n)`` runs in Taylor mode (:mod:`chainrule.interpret.taylor`).
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Sequence, Union

import numpy as np

from .interpret import reverse as engine
from . import ops as P
from .core import Tracer, _grad_enabled, _numpy_reading, bind, new_level
from .core import values as _values
from .interpret.batching import batched_call
from .interpret.forward import Dual, unpack
from .core.pytree import tree_flatten, tree_map, tree_unflatten
from .interpret.taylor import series
from .core import enable_grad
from .eager.tensor import Tensor, _as_value

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "jacobian", "hessian",
           "hvp", "elementwise_grad", "derivative", "taylor_coefficients", "vmap"]

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
# vjp and jvp: the two primitive transforms.

def vjp(f: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """Evaluate ``f(*primals)`` and return ``(out, vjp_fn)``; ``vjp_fn(ct)`` gives the
    cotangent of every primal: ``ct`` (shaped like ``out``) pulled back through ``f``.

    With ``has_aux=True``, ``f`` returns ``(out, aux)`` and the result is
    ``(out, vjp_fn, aux)``. ``vjp_fn`` may be called many times.

    Complex values take PyTorch's convention (``torch.func.vjp``'s), the one ``grad`` and
    ``.grad`` use: for a real loss ``L``, the cotangent of ``z = x + iy`` is
    ``∂L/∂x + i·∂L/∂y``, so ``vjp_fn(1.0)`` is ``grad(f)`` (JAX's ``vjp`` gives the
    conjugate; docs/complex.md). For a holomorphic ``f``, ``vjp_fn(v) = v·conj(f′(z))``.

    >>> import chainrule as cr
    >>> out, f_vjp = cr.vjp(lambda x: x * x, 3.0)
    >>> f_vjp(1.0)
    (6.0,)
    """
    level = new_level()
    in_leaves, in_trees = _flatten_args(primals)
    tleaves = [Tensor._leaf(_as_primal(p), level) for p in in_leaves]
    with enable_grad():
        out = _reading(primals, f, *_unflatten_args(in_trees, tleaves))
    out, aux = _split_aux(out, has_aux, "vjp")
    if has_aux:
        aux = _strip_aux(aux, level)
    out_leaves, out_tree = tree_flatten(out)
    traced = [isinstance(o, Tensor) and o._level == level for o in out_leaves]
    out_values = [o._data if t else o for o, t in zip(out_leaves, traced)]
    like = in_leaves[0] if in_leaves else None

    def vjp_fn(ct: Any) -> tuple:
        ct_leaves, ct_tree = tree_flatten(ct)
        if ct_tree != out_tree:
            raise ValueError(f"vjp: the cotangent has structure {ct_tree} but the function's "
                             f"output has structure {out_tree}; they must match.")
        roots, root_cts = [], []
        for o, v, c, t in zip(out_leaves, out_values, ct_leaves, traced):
            c_shape, o_shape = P.shape_of(c), P.shape_of(v)
            # (a Dask array of unknown size, after a boolean mask, has nan in its shape)
            if c_shape != o_shape and not any(n != n for n in o_shape):
                raise ValueError(f"vjp: cotangent has shape {c_shape} but the function's "
                                 f"output has shape {o_shape}; they must match.")
            if t and o.requires_grad:
                roots.append(o)
                if _values.is_foreign(v) and isinstance(c, (int, float, np.generic)):
                    # A number as the cotangent of another library's array: made one of
                    # its arrays (dtype, device), as a NumPy output would make it NumPy's.
                    c = _values._scalar_like(_values.array_namespace(v), float(c), v)
                root_cts.append(c if type(c) is float else engine.user_convention(
                    c if isinstance(c, Tracer) else _as_value(c, None, True)))
        if roots:
            grads = engine.backward_pass(
                roots, root_cts, targets=tleaves, accumulate=False, retain_graph=True,
                wrap=lambda v: Tensor._wrap(v, level))
        else:
            grads = [None] * len(tleaves)
        flat = [_restore(_zeros_for(x) if g is None else _user_ct(_cast_like(g, x)), p)
                for g, x, p in zip(grads, tleaves, in_leaves)]
        return _unflatten_args(in_trees, flat)

    out_restored = tree_unflatten(out_tree, [_restore(v, like) for v in out_values])
    if has_aux:
        return out_restored, vjp_fn, aux
    return out_restored, vjp_fn


def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any], *,
        has_aux: bool = False) -> tuple:
    """Evaluate ``f(*primals)`` and its directional derivative along ``tangents``.

    ``primals`` and ``tangents`` are sequences with one entry (a pytree) per argument of
    ``f``. Returns ``(out, tangent_out)``, or ``(out, tangent_out, aux)`` with ``has_aux``.

    >>> import chainrule as cr
    >>> cr.jvp(lambda x: x ** 3, (2.0,), (1.0,))
    (8.0, 12.0)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents; "
                         "pass one tangent per primal.")
    p_leaves, p_trees = _flatten_args(primals)
    t_leaves, t_trees = _flatten_args(tangents)
    for i, (pt, tt) in enumerate(zip(p_trees, t_trees)):
        if pt != tt:
            raise ValueError(f"jvp: tangent {i} has structure {tt} but its primal has "
                             f"structure {pt}; they must match.")
    level = new_level()
    duals = []
    for p, t in zip(p_leaves, t_leaves):
        p = _as_primal(p)
        t = t if isinstance(t, Tracer) else _as_value(t, None, True)
        if P.shape_of(p) != P.shape_of(t):
            raise ValueError(f"jvp: tangent has shape {P.shape_of(t)} but its primal has shape "
                             f"{P.shape_of(p)}; they must match (no broadcasting).")
        duals.append(Dual(p, t, level))
    out = _reading(primals, f, *_unflatten_args(p_trees, duals))
    out, aux = _split_aux(out, has_aux, "jvp")
    if has_aux:
        aux = _strip_aux(aux, level)
    out_leaves, out_tree = tree_flatten(out)
    like = p_leaves[0] if p_leaves else None
    pairs = [unpack(o, level, _zeros_for) for o in out_leaves]
    primal_out = tree_unflatten(out_tree, [_restore(p, like) for p, _ in pairs])
    tangent_out = tree_unflatten(out_tree, [_restore(t, like) for _, t in pairs])
    if has_aux:
        return primal_out, tangent_out, aux
    return primal_out, tangent_out


# ----------------------------------------------------------------------------------------
# Gradients.

def _user_ct(g: Any) -> Any:
    """An input's cotangent in the users' convention (PyTorch's: conjugate if complex)."""
    return g if type(g) is float else engine.user_convention(g)


def _scalar_one(out: Any, like: Any = None) -> Any:
    """The cotangent 1 that starts the gradient of the scalar ``out``, given once restored
    (:func:`_restore`) to the kind of the first input ``like``: a float seed (the pass runs
    in float64) for a result that became a Python float, else one of the result's dtype.

    A value that stands for a plain one (cr.compile's traced values, which tell its type by
    ``_plain_type()``) cannot be restored while tracing; it gets the seed its restored result
    would, so the traced pass is the eager one operation for operation."""
    if type(out) is float:
        return 1.0
    if _values.is_foreign(out):
        return _values.ones_like_value(out)   # the seed in out's library and device
    dtype = P.dtype_of(out)
    if hasattr(type(out), "_plain_type") and P.shape_of(out) == () and issubclass(
            like._plain_type() if hasattr(type(like), "_plain_type") else type(like),
            (int, float, complex)):
        if dtype.kind == "f":
            return 1.0
        if dtype.kind == "c":
            dtype = np.dtype(np.complex128)   # what complex(value) has
    return 1.0 if dtype == np.float64 or dtype.kind not in "fc" else dtype.type(1)


def _check_holomorphic_inputs(args: tuple, nums: tuple, who: str) -> None:
    for n in nums:
        for leaf in tree_flatten(args[n])[0]:
            if P.dtype_of(leaf).kind != "c":
                raise TypeError(
                    f"{who} with holomorphic=True needs complex inputs, but argument {n} has "
                    f"dtype {P.dtype_of(leaf)}; pass it as complex (x + 0j, "
                    "x.astype(complex)) or leave holomorphic out for a real function")


def _value_and_grad(f: Callable, argnums: Argnums, has_aux: bool, who: str,
                    args: tuple, kwargs: dict, holomorphic: bool = False) -> tuple:
    if holomorphic:
        _check_holomorphic_inputs(args, _check_argnums(argnums, len(args), who)[1], who)
    elif type(argnums) is int and not has_aux and -len(args) <= argnums < len(args):
        x = args[argnums]
        if type(x) is float or type(x) is np.ndarray:
            return _value_and_grad_plain(f, argnums % len(args), who, args, kwargs)
    single, nums = _check_argnums(argnums, len(args), who)
    res = vjp(_select(f, args, nums, kwargs), *[args[n] for n in nums], has_aux=has_aux)
    out, pullback = res[0], res[1]
    _check_scalar_output(out, who, has_aux, holomorphic)
    firsts = tree_flatten([args[n] for n in nums])[0]
    grads = pullback(_scalar_one(out, firsts[0] if firsts else None))
    if holomorphic:
        # vjp_fn(1) is conj(f'(z)) in PyTorch's convention; the complex derivative is f'(z).
        grads = tree_map(_user_ct, grads)
    return (out, res[2] if has_aux else None), (grads[0] if single else grads)


def _value_and_grad_plain(f: Callable, n: int, who: str, args: tuple, kwargs: dict) -> tuple:
    """The common case, without vjp's generality: one argument, a float or an array, and a
    pullback used once (so the graph is freed as it is walked). Same results as vjp."""
    x = args[n]
    level = new_level()
    leaf = Tensor._leaf(x if type(x) is float else _as_primal(x), level)
    if len(args) == 1 and not kwargs:
        full: Sequence = (leaf,)
    else:
        full = list(args)
        full[n] = leaf
    if _grad_enabled.get():
        out = f(*full, **kwargs)
    else:   # enable_grad(), without the context manager's calls
        token = _grad_enabled.set(True)
        try:
            out = f(*full, **kwargs)
        finally:
            _grad_enabled.reset(token)
    scalar = type(out) is Tensor and type(out._data) is float   # (a float is a scalar)
    if not scalar:
        _check_scalar_output(out, who, False)
    traced = isinstance(out, Tensor) and out._level == level
    # (the float checks below are the scalar case's shortcuts: same results, fewer calls)
    value = out._data if scalar and traced and type(x) is float else \
        _restore(out._data if traced else out, x)
    g = None
    if traced and out.requires_grad:
        (g,) = engine.backward_pass([out], [1.0 if type(value) is float else _scalar_one(value, x)],
                                    targets=[leaf], accumulate=False, wrap=leaf._wrap_constant)
        if type(g) is float and type(x) is float:
            return (value, None), g
    return (value, None), _restore(_zeros_for(leaf) if g is None else
                                   _user_ct(_cast_like(g, leaf)), x)


def _check_scalar_output(out: Any, who: str, has_aux: bool, holomorphic: bool = False) -> None:
    if isinstance(out, (tuple, list, dict)):
        raise TypeError(
            f"{who} requires a function with a single scalar output, but it returned a "
            f"{type(out).__name__}. Use jacobian (or vjp) for several outputs"
            f"{'' if has_aux else ', or has_aux=True if the extra values are auxiliary data'}.")
    if P.shape_of(out) != ():
        raise TypeError(
            f"{who} requires a function with a scalar output, but the output has shape "
            f"{P.shape_of(out)}. Use jacobian for the full derivative, elementwise_grad for "
            "an elementwise function, or reduce the output (e.g. .sum()).")
    kind = P.dtype_of(out).kind
    if kind == "c" and not holomorphic:
        raise TypeError(
            f"{who} requires a real-valued function, but the output is complex "
            f"({P.dtype_of(out)}). For a holomorphic function pass holomorphic=True (the result "
            "is f'(z)); otherwise use jacobian, or differentiate a real part (.real, abs()).")
    if holomorphic and kind != "c":
        raise TypeError(
            f"{who} with holomorphic=True needs a complex-valued function, but the output has "
            f"dtype {P.dtype_of(out)}; leave holomorphic out to get the gradient of a real "
            "function.")


def value_and_grad(f: Callable, argnums: Argnums = 0, has_aux: bool = False, *,
                   holomorphic: bool = False) -> Callable:
    """Return a function giving ``(f(*args), gradient of f with respect to args[argnums])``.

    ``argnums`` an int gives one gradient, a tuple gives a tuple of them. With
    ``has_aux=True``, ``f`` returns ``(value, aux)`` and the result is
    ``((value, aux), gradient)``.

    >>> import chainrule as cr
    >>> cr.value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (12.0, (4.0, 3.0))
    """
    def value_and_grad_of_f(*args: Any, **kwargs: Any) -> tuple:
        (out, aux), g = _reading(args, _value_and_grad, f, argnums, has_aux, "value_and_grad",
                                 args, kwargs, holomorphic)
        return ((out, aux) if has_aux else out), g

    return _named(value_and_grad_of_f, f, "value_and_grad")


def grad(f: Callable, argnums: Argnums = 0, has_aux: bool = False, *,
         holomorphic: bool = False) -> Callable:
    """Return a function giving the gradient of scalar-valued ``f`` with respect to
    ``args[argnums]`` (a pytree argument gives a gradient of the same structure).

    With ``has_aux=True``, ``f`` returns ``(value, aux)`` and the result is
    ``(gradient, aux)``.

    ``f`` must be real-valued; for a complex input ``z = x + iy`` the gradient is PyTorch's
    ``∂f/∂x + i·∂f/∂y`` (so ``z - lr * grad`` descends; docs/complex.md). With
    ``holomorphic=True`` (as in JAX), ``f`` is complex-valued and holomorphic in complex
    inputs, and the result is the complex derivative ``f′(z)``.

    >>> import chainrule as cr
    >>> cr.grad(lambda x: 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5)(2.0)
    233.0
    >>> cr.grad(lambda p: p["w"] * p["b"])({"w": 2.0, "b": 5.0})
    {'b': 2.0, 'w': 5.0}
    """
    def grad_of_f(*args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and type(args[0]) is float and _numpy_reading.get() and \
                not holomorphic:
            # W1's cr.grad(f)(2.0): already NumPy's reading, so no _reading frame.
            (_, aux), g = _value_and_grad(f, argnums, has_aux, "grad", args, kwargs)
        else:
            (_, aux), g = _reading(args, _value_and_grad, f, argnums, has_aux, "grad", args,
                                   kwargs, holomorphic)
        return (g, aux) if has_aux else g

    return _named(grad_of_f, f, "grad")


def elementwise_grad(f: Callable, argnums: int = 0) -> Callable:
    """Return a function giving df/dx at every point of an array ``x``, for ``f`` acting
    elementwise (what a plot of f' over a grid needs). One forward-mode pass with a tangent
    of ones: for an elementwise ``f`` that is exactly the diagonal of the Jacobian. (For a
    non-elementwise ``f`` it is the sum of each output's row of the Jacobian; use jacobian.)

    >>> import numpy as np, chainrule as cr
    >>> cr.elementwise_grad(lambda x: x ** 3)(np.array([1.0, 2.0]))
    array([ 3., 12.])
    """
    if not isinstance(argnums, (int, np.integer)):
        raise TypeError(f"elementwise_grad: argnums must be one int, got {argnums!r}; for "
                        "several arguments use jacobian or grad with argnums=(...)")

    def elementwise_grad_of_f(*args: Any, **kwargs: Any) -> Any:
        _, (n,) = _check_argnums(argnums, len(args), "elementwise_grad")
        x = args[n]
        leaves, tree = tree_flatten(x)
        # Ones of each leaf's own dtype: a float64 tangent would widen a float32 result.
        ones = tree_unflatten(tree, [_ones_like(leaf) for leaf in leaves])
        _, t = jvp(_select(f, args, (n,), kwargs), (x,), (ones,))
        return t

    return _named(elementwise_grad_of_f, f, "elementwise_grad")


# ----------------------------------------------------------------------------------------
# Jacobians: all basis directions in one batched pass.

def _basis(shape: tuple, dtype: Any = np.float64) -> np.ndarray:
    """The standard basis of arrays of ``shape``, stacked: shape ``(size,) + shape``."""
    size = int(np.prod(shape, dtype=int))
    return np.eye(size, dtype=dtype).reshape((size,) + tuple(shape))


def _to_trailing(block: Any, lead_shape: tuple, trail_shape: tuple) -> Any:
    """A batched block of shape ``(prod(trail),) + lead`` -> ``lead + trail``."""
    nd = len(lead_shape)
    if nd:
        block = bind(P.transpose, block, axes=tuple(range(1, nd + 1)) + (0,))
    return bind(P.reshape, block, shape=tuple(lead_shape) + tuple(trail_shape))


def _from_leading(block: Any, lead_shape: tuple, trail_shape: tuple) -> Any:
    """A batched block of shape ``(prod(lead),) + trail`` -> ``lead + trail``."""
    return bind(P.reshape, block, shape=tuple(lead_shape) + tuple(trail_shape))


def _assemble(blocks: list, out_tree: Any, in_trees: list, single: bool) -> Any:
    """``blocks[i][j]``: Jacobian of output leaf i w.r.t. input leaf j. Nest them as
    output structure of (input structure), as JAX does."""
    per_out = []
    for row in blocks:
        args = _unflatten_args(in_trees, row)
        per_out.append(args[0] if single else args)
    return tree_unflatten(out_tree, per_out)


def _complex_check(leaves: Sequence[Any], which: str, who: str, holomorphic: bool) -> None:
    """Jacobians of complex values are ambiguous unless ``f`` is holomorphic, as in JAX:
    forward mode on a complex input pushes real directions only (∂f/∂x, not ∂f/∂y), reverse
    mode on a complex output pulls back real cotangents only. Say so instead of returning
    half a derivative. With ``holomorphic=True`` inputs and outputs must be complex."""
    for leaf in leaves:
        kind = P.dtype_of(leaf).kind
        if holomorphic and kind != "c":
            raise TypeError(
                f"{who} with holomorphic=True needs complex {which}s, but one has dtype "
                f"{P.dtype_of(leaf)}; make it complex (x + 0j) or leave holomorphic out")
        if not holomorphic and kind == "c":
            other = "jacrev, for a real-valued function of complex inputs (its rows are " \
                "gradients)" if which == "input" else "jacfwd, for complex outputs of real inputs"
            raise TypeError(
                f"{who} of a function with a complex {which} ({P.dtype_of(leaf)}) is ambiguous "
                "unless the function is holomorphic: pass holomorphic=True if it is (the result "
                f"is f'(z)); else use {other}, or split into real and imaginary parts")


def _jac_fwd(f, args, kwargs, argnums, has_aux, who, *, holomorphic=False):
    single, nums = _check_argnums(argnums, len(args), who)
    g = _select(f, args, nums, kwargs)
    chosen = [args[n] for n in nums]
    in_leaves, in_trees = _flatten_args(chosen)
    in_leaves = [_as_primal(x) for x in in_leaves]
    _complex_check(in_leaves, "input", who, holomorphic)
    like = _flatten_args(chosen)[0]

    def flat_f(*leaves):
        return g(*_unflatten_args(in_trees, leaves))

    if not in_leaves:
        raise ValueError(f"{who}: the arguments to differentiate hold no arrays")
    columns = []          # columns[j]: list over output leaves of (n_j,) + out_shape
    primal = aux = out_tree = None
    for j, x in enumerate(in_leaves):
        shape = P.shape_of(x)
        captured = {}

        def push(t, j=j, captured=captured):
            tangents = [t if k == j else _zeros_for(v) for k, v in enumerate(in_leaves)]
            res = jvp(flat_f, in_leaves, tangents, has_aux=has_aux)
            captured["out"] = res[0]
            if has_aux:
                captured["aux"] = res[2]
            return res[1]

        basis = _basis(shape, _float_dtype(x))   # x's dtype, so float32 stays float32
        touts = batched_call(push, [basis], [True], int(np.prod(shape, dtype=int)))
        primal = captured["out"]
        aux = captured.get("aux")
        t_leaves, out_tree = tree_flatten(touts)
        columns.append((t_leaves, shape))
    out_leaves = tree_flatten(primal)[0]
    if holomorphic:
        _complex_check(out_leaves, "output", who, holomorphic)
    blocks = []
    for i, o in enumerate(out_leaves):
        oshape = P.shape_of(o)
        blocks.append([_restore(_to_trailing(t_leaves[i], oshape, shape), like[j])
                       for j, (t_leaves, shape) in enumerate(columns)])
    jac = _assemble(blocks, out_tree, in_trees, single)
    return jac, primal, aux


def _jac_rev(f, args, kwargs, argnums, has_aux, who, prepared=None, *, holomorphic=False):
    single, nums = _check_argnums(argnums, len(args), who)
    chosen = [args[n] for n in nums]
    in_leaves, in_trees = _flatten_args(chosen)
    if holomorphic:
        _complex_check(in_leaves, "input", who, holomorphic)
    if prepared is None:
        prepared = vjp(_select(f, args, nums, kwargs), *chosen, has_aux=has_aux)
    out, pullback = prepared[0], prepared[1]
    aux = prepared[2] if has_aux else None
    out_leaves, out_tree = tree_flatten(out)
    _complex_check(out_leaves, "output", who, holomorphic)
    if holomorphic:   # vjp's rows are conj(f'(z)) (PyTorch's convention); f'(z) is wanted
        plain = pullback
        pullback = lambda ct: tree_map(P.conj, plain(ct))  # noqa: E731
    blocks = []
    for i, o in enumerate(out_leaves):
        oshape = P.shape_of(o)

        def pull(c, i=i):
            cts = [c if k == i else _zeros_for(v) for k, v in enumerate(out_leaves)]
            return pullback(tree_unflatten(out_tree, cts))

        cts = batched_call(pull, [_basis(oshape)], [True], int(np.prod(oshape, dtype=int)))
        ct_leaves = _flatten_args(cts)[0]
        blocks.append([_restore(_from_leading(c, oshape, P.shape_of(x)), x)
                       for c, x in zip(ct_leaves, in_leaves)])
    return _assemble(blocks, out_tree, in_trees, single), out, aux


def _jac_transform(f: Callable, argnums: Argnums, has_aux: bool, who: str,
                   impl: Callable, holomorphic: bool = False) -> Callable:
    def jac_of_f(*args: Any, **kwargs: Any) -> Any:
        jac, _, aux = _reading(args, functools.partial(impl, holomorphic=holomorphic), f, args,
                               kwargs, argnums, has_aux, who)
        return (jac, aux) if has_aux else jac
    return _named(jac_of_f, f, who)


def jacfwd(f: Callable, argnums: Argnums = 0, has_aux: bool = False, *,
           holomorphic: bool = False) -> Callable:
    """Jacobian by forward mode: one batched JVP pass per input leaf, all its basis
    tangents at once. The Jacobian of output ``y`` w.r.t. input ``x`` has shape
    ``y.shape + x.shape``. Cheaper than ``jacrev`` when inputs are fewer than outputs.

    >>> import numpy as np, chainrule as cr
    >>> cr.jacfwd(lambda x: x[::-1] * 2.0)(np.array([1.0, 2.0])).tolist()
    [[0.0, 2.0], [2.0, 0.0]]
    """
    return _jac_transform(f, argnums, has_aux, "jacfwd", _jac_fwd, holomorphic)


def jacrev(f: Callable, argnums: Argnums = 0, has_aux: bool = False, *,
           holomorphic: bool = False) -> Callable:
    """Jacobian by reverse mode: one forward pass, then one batched VJP pass per output leaf
    with all its basis cotangents at once. Cheaper than ``jacfwd`` for few outputs.

    >>> import numpy as np, chainrule as cr
    >>> cr.jacrev(lambda x: x * x)(np.array([1.0, 3.0])).tolist()
    [[2.0, 0.0], [0.0, 6.0]]
    """
    return _jac_transform(f, argnums, has_aux, "jacrev", _jac_rev, holomorphic)


def _jac_auto(f, args, kwargs, argnums, has_aux, who, *, holomorphic=False):
    # Reverse mode needs one cotangent per output element, forward mode one tangent per input
    # element: run the forward pass once (recording), then pick by the sizes.
    _, nums = _check_argnums(argnums, len(args), who)
    chosen = [args[n] for n in nums]
    prepared = vjp(_select(f, args, nums, kwargs), *chosen, has_aux=has_aux)
    out_leaves = tree_flatten(prepared[0])[0]
    in_leaves = _flatten_args(chosen)[0]
    n_out = sum(int(np.prod(P.shape_of(o), dtype=int)) for o in out_leaves)
    n_in = sum(int(np.prod(P.shape_of(x), dtype=int)) for x in in_leaves)
    # Without holomorphic=True, only one mode is defined where values are complex: reverse
    # for complex inputs (real outputs), forward for complex outputs (real inputs).
    complex_in = any(P.dtype_of(x).kind == "c" for x in in_leaves)
    complex_out = any(P.dtype_of(o).kind == "c" for o in out_leaves)
    if (n_out <= n_in or complex_in) and (holomorphic or not complex_out):
        return _jac_rev(f, args, kwargs, argnums, has_aux, who, prepared,
                        holomorphic=holomorphic)
    return _jac_fwd(f, args, kwargs, argnums, has_aux, who, holomorphic=holomorphic)


def jacobian(f: Callable, argnums: Argnums = 0, has_aux: bool = False, *,
             holomorphic: bool = False) -> Callable:
    """The Jacobian of ``f``, by reverse mode when the outputs have no more elements than the
    inputs, else by forward mode. Shape: output shape + input shape.

    >>> import numpy as np, chainrule as cr
    >>> cr.jacobian(lambda x: x.sum() * x)(np.array([1.0, 2.0])).tolist()
    [[4.0, 1.0], [2.0, 5.0]]
    """
    return _jac_transform(f, argnums, has_aux, "jacobian", _jac_auto, holomorphic)


def hessian(f: Callable, argnums: Argnums = 0, *, holomorphic: bool = False) -> Callable:
    """The Hessian of scalar-valued ``f``, forward-over-reverse: ``jacfwd(grad(f))``, every
    Hessian-vector product of the basis in one batched pass. Shape: ``x.shape + x.shape``.

    >>> import numpy as np, chainrule as cr
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> cr.hessian(lambda x: x @ A @ x)(np.ones(2)).tolist()
    [[2.0, 2.0], [2.0, 6.0]]
    """
    def scalar_f(*args: Any, **kwargs: Any) -> Any:
        out = f(*args, **kwargs)
        if isinstance(out, (tuple, list, dict)) or P.shape_of(out) != ():
            shape = type(out).__name__ if isinstance(out, (tuple, list, dict)) \
                else f"an output of shape {P.shape_of(out)}"
            raise TypeError(f"hessian requires a function with a scalar output, got {shape}. "
                            "Use jacfwd(jacrev(f)) for the second derivative of a "
                            "vector-valued function.")
        return out

    scalar_f.__name__ = _fname(f)
    inner = grad(scalar_f, argnums, holomorphic=holomorphic)

    def hessian_of_f(*args: Any, **kwargs: Any) -> Any:
        return jacfwd(inner, argnums, holomorphic=holomorphic)(*args, **kwargs)

    return _named(hessian_of_f, f, "hessian")


def hvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """Hessian-vector product of scalar-valued ``f`` at ``primals`` along ``tangents``
    (forward-over-reverse: one JVP of the gradient, never the full Hessian).

    Returns one value per primal: a single value for one primal, else a tuple.

    >>> import numpy as np, chainrule as cr
    >>> cr.hvp(lambda x: (x ** 3).sum(), (np.array([1.0, 2.0]),), (np.array([1.0, 1.0]),))
    array([ 6., 12.])
    """
    primals, tangents = tuple(primals), tuple(tangents)
    nums = tuple(range(len(primals)))
    if not nums:
        raise ValueError("hvp: no primals given; pass a sequence with one entry per argument")
    _, out = jvp(grad(f, argnums=nums), primals, tangents)
    return out[0] if len(primals) == 1 else out


# ----------------------------------------------------------------------------------------
# nth derivatives: Taylor mode.

def _check_order(n: Any, who: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"{who}: the order must be a whole number >= 0, got {n!r}")
    return int(n)


def taylor_coefficients(f: Callable, x: Any, order: int) -> list:
    """The Taylor coefficients ``[f(x), f'(x), f''(x)/2!, ..., f⁽ⁿ⁾(x)/n!]`` of a scalar
    function (applied elementwise to an array ``x``), in one Taylor-mode pass.

    >>> import chainrule as cr
    >>> cr.taylor_coefficients(lambda x: 1 / (1 - x), 0.0, 4)
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    order = _check_order(order, "taylor_coefficients")
    coeffs = _reading((x,), series, f, _as_primal(x), order)
    return [_restore(c, x) for c in coeffs]


def _derivative_scale(n: int) -> tuple:
    """``(h, n!/hⁿ)`` for the nth derivative from a series seeded with ``x + h·t``.

    The series' coefficient n is ``f⁽ⁿ⁾·hⁿ/n!``. With ``h = 1`` it underflows past n ≈ 170
    (``1/171!`` is below the smallest float) and ``n!`` overflows, so the old ``c·n!`` gave
    0·inf. ``h`` is the power of two nearest ``(n!)^(1/n)``, so that ``hⁿ/n!`` is near 1 and
    scaling the seed is exact; ``n!/hⁿ`` is one correctly rounded division of Python
    integers (no float ever holds ``n!``). For n ≤ 22, ``n!`` is exact in float64 and the
    result is bit for bit ``c·n!`` of the unscaled series.
    """
    if n <= 1:
        return 1.0, 1.0
    e = round(math.lgamma(n + 1) / (n * math.log(2)))
    fact = math.factorial(n)
    factor = fact / (1 << (e * n)) if e >= 0 else fact * (1 << (-e * n))
    return math.ldexp(1.0, e), factor


def _times_factor(c: Any, factor: float) -> Any:
    """``c·factor`` in float64 (or complex128), back in c's own dtype: a float32 array must
    not round ``factor`` to float32 (it may lie outside float32's range)."""
    if type(c) is float or isinstance(c, Tracer):
        return c * factor
    dtype = P.dtype_of(c)
    if dtype in (np.float64, np.complex128):
        return c * factor
    wide = np.complex128 if dtype.kind == "c" else np.float64
    with np.errstate(over="ignore"):   # a value beyond float32's range is inf, as NumPy says
        return (np.asarray(c, dtype=wide) * factor).astype(dtype)


def derivative(f: Callable, n: int = 1) -> Callable:
    """The nth derivative of a scalar function ``f``, applied elementwise to an array of
    points, computed in Taylor mode: a truncated power series goes through ``f`` once, so
    order n costs about O(n²) (nested ``grad`` costs grow exponentially with n).

    For an ``f`` that is not elementwise, the result is the nth directional derivative
    along a vector of ones. High orders are exact to rounding (no ``n!`` is ever formed: the
    series is seeded with ``x + h·t``, h a power of two near ``(n!)^(1/n)``), as long as the
    scaled coefficients fit a float: for ``exp``-like functions up to n ≈ 1900 in float64.

    >>> import chainrule as cr
    >>> cr.derivative(lambda x: x ** 10, 10)(1.3)
    3628800.0
    >>> import numpy as np
    >>> cr.derivative(cr.sin, 4)(np.array([0.0, 1.0])) - np.sin([0.0, 1.0])
    array([0., 0.])
    >>> round(cr.derivative(cr.exp, 300)(0.0), 12)
    1.0
    """
    n = _check_order(n, "derivative")
    scale, factor = _derivative_scale(n)

    def derivative_of_f(x: Any) -> Any:
        if isinstance(x, (tuple, list, dict)):
            raise TypeError(f"derivative: takes one number or array of points, got a "
                            f"{type(x).__name__}; for functions of several variables use "
                            "grad, jacobian or hessian")
        c = _reading((x,), series, f, x if type(x) is float else _as_primal(x), n, scale)[n]
        if factor != 1.0:
            c = _times_factor(c, factor)
        return c if type(c) is float and type(x) is float else _restore(c, x)

    name = "derivative" if n == 1 else f"derivative{n}"
    return _named(derivative_of_f, f, name)


# ----------------------------------------------------------------------------------------
# vmap: a function of one example mapped over a batch, in one pass.

def _leaf_axes(spec: Any, value: Any, who: str) -> list:
    """One axis (or None) per leaf of ``value``: ``spec`` is an int or None for all its
    leaves, or a container of the same structure (a pytree prefix, as in JAX)."""
    if spec is None or isinstance(spec, (int, np.integer)):
        return [None if spec is None else int(spec)] * len(tree_flatten(value)[0])
    if isinstance(spec, (tuple, list)) and isinstance(value, (tuple, list)) and \
            len(spec) == len(value):
        return [a for s, v in zip(spec, value) for a in _leaf_axes(s, v, who)]
    if isinstance(spec, dict) and isinstance(value, dict) and set(spec) == set(value):
        return [a for k in sorted(value) for a in _leaf_axes(spec[k], value[k], who)]
    raise ValueError(f"{who}: the axes {spec!r} do not match the structure of the value "
                     f"{type(value).__name__} they are for; give an int or None, or a "
                     "container of the same structure")


def _move_axis(x: Any, src: int, dst: int) -> Any:
    nd = len(P.shape_of(x))
    if src == dst:
        return x
    perm = list(range(nd))
    perm.insert(dst, perm.pop(src))
    if isinstance(x, Tracer):
        return bind(P.transpose, x, axes=tuple(perm))
    return np.transpose(x, perm)


def vmap(f: Callable, in_axes: Any = 0, out_axes: Any = 0) -> Callable:
    """Map ``f``, written for one example, over a batch axis of its arguments, in ONE pass
    (JAX's ``jax.vmap``): every operation runs once on the whole batch
    (:mod:`chainrule.interpret.batching`), not once per example.

    ``in_axes``: the batch axis of each positional argument, an int for all of them or a
    tuple with one entry per argument (an int, ``None`` for an argument shared by every
    example, or a pytree of those matching the argument). ``out_axes``: where the batch axis
    goes in each output (an int, or a pytree prefix of the output; ``None`` for an output
    that does not depend on the batch). Keyword arguments are passed unmapped. Composes with
    the other transforms: ``vmap(grad(loss), in_axes=(None, 0, 0))(params, xs, ys)`` gives
    per-example gradients.

    >>> import numpy as np, chainrule as cr
    >>> cr.vmap(lambda w, x: w @ x, in_axes=(None, 0))(np.eye(2) * 2, np.ones((3, 2))).tolist()
    [[2.0, 2.0], [2.0, 2.0], [2.0, 2.0]]
    >>> cr.vmap(cr.grad(lambda w, x: (w * x).sum()), in_axes=(None, 0))(
    ...     np.ones(2), np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    from .interpret.batching import Batched, BatchedValueError, primal_level

    def vmapped(*args: Any, **kwargs: Any) -> Any:
        who = f"vmap({_fname(f)})"
        if isinstance(in_axes, (tuple, list)):
            if len(in_axes) != len(args):
                raise ValueError(f"{who}: in_axes has {len(in_axes)} entries but the function "
                                 f"was called with {len(args)} positional argument(s); give "
                                 "one entry per argument")
            axes = [a for s, v in zip(in_axes, args) for a in _leaf_axes(s, v, who)]
        else:
            axes = _leaf_axes(in_axes, list(args), who)
        leaves, trees = _flatten_args(args)
        size = None
        moved = []
        for x, ax in zip(leaves, axes):
            if ax is None:
                moved.append(None)
                continue
            x = x if isinstance(x, Tracer) else np.asarray(x)
            shape = P.shape_of(x)
            if not -len(shape) <= ax < max(len(shape), 1) or not shape:
                raise ValueError(f"{who}: in_axes asks for axis {ax} of an argument of shape "
                                 f"{shape}; name an existing axis, or None for an argument "
                                 "shared by all examples")
            ax %= len(shape)
            if size is None:
                size = shape[ax]
            elif shape[ax] != size:
                raise ValueError(f"{who}: the mapped axes have different sizes ({size} and "
                                 f"{shape[ax]}); every mapped argument needs the same batch "
                                 "size")
            moved.append(_move_axis(x, ax, 0))
        if size is None:
            raise ValueError(f"{who}: in_axes maps no argument (all None, or no arrays); map "
                             "at least one")
        level = new_level()
        wrapped = [x if m is None else Batched(m, level) for x, m in zip(leaves, moved)]
        try:
            with primal_level(level):
                out = _reading(args, f, *_unflatten_args(trees, wrapped), **kwargs)
            out_leaves, out_tree = tree_flatten(out)
            stacked = [o.val if type(o) is Batched and o._level == level else None
                       for o in out_leaves]
        except BatchedValueError as err:
            if err.level != level:
                raise
            # Something in f reads a mapped value's concrete value (a sort order, a tie, a
            # Python `if`): map it example by example instead, which is always right.
            out, out_tree, stacked = _vmap_loop(f, args, leaves, trees, moved, size, kwargs)
            out_leaves = tree_flatten(out)[0]
        oaxes = _leaf_axes(out_axes, out, who)
        res = []
        for o, ax, v in zip(out_leaves, oaxes, stacked):
            batched = v is not None
            if ax is None:
                if batched:
                    raise ValueError(f"{who}: out_axes is None for an output that depends on "
                                     "the mapped arguments; give it an axis")
                res.append(o)
                continue
            if batched:
                pass
            elif isinstance(o, Tracer):
                v = bind(P.broadcast_to, o, shape=(size,) + P.shape_of(o))
            else:
                o = np.asarray(o)
                v = np.array(np.broadcast_to(o, (size,) + o.shape))
            nd = len(P.shape_of(v))
            if not -nd <= ax < nd:
                raise ValueError(f"{who}: out_axes asks for axis {ax} of an output with "
                                 f"{nd} axes (the batch axis included)")
            res.append(_move_axis(v, 0, ax % nd))
        return tree_unflatten(out_tree, res)

    return _named(vmapped, f, "vmap")


def _vmap_loop(f: Callable, args: tuple, leaves: list, trees: list, moved: list, size: int,
               kwargs: dict) -> tuple:
    """vmap's fallback: ``f`` once per example, the outputs stacked along a leading axis.
    Returns (the first example's output, its structure, the stacked leaves)."""
    outs = []
    for b in range(size):
        one = [x if m is None else (bind(P.getitem, m, idx=b) if isinstance(m, Tracer)
                                     else m[b]) for x, m in zip(leaves, moved)]
        outs.append(tree_flatten(_reading(args, f, *_unflatten_args(trees, one), **kwargs)))
    out_tree = outs[0][1]
    stacked = []
    for j in range(len(outs[0][0])):
        col = [o[0][j] for o in outs]
        stacked.append(bind(P.stack, *col, axis=0) if any(isinstance(c, Tracer) for c in col)
                       else np.stack([np.asarray(c) for c in col]))
    return tree_unflatten(out_tree, outs[0][0]), out_tree, stacked
