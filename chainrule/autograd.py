"""PyTorch's names: ``torch.autograd``'s ``Variable``, ``grad`` and ``backward``, and the
constructors and functions of the ``import chainrule as torch`` surface (``zeros``, ``cat``,
``manual_seed``, ``sum(x, dim=)``, ...), which chainrule exports at its top level.

``import chainrule as torch`` lets the classic tutorial run unchanged:
``torch.autograd.Variable(torch.Tensor([2]), requires_grad=True)``. Where a name means one
thing in NumPy and another in PyTorch, docs/pytorch.md says which reading chainrule takes.
"""

from __future__ import annotations

import builtins
from typing import Any, Optional, Sequence, Union

import numpy as np

from . import numpy as cnp
from . import ops as P
from .core import Tracer
from .interpret import reverse as engine
from .ops.methods import ArrayOps
from .ops.readings import _one
from .eager.tensor import Tensor, _as_value, as_tensor, tensor

__all__ = ["Variable", "grad", "backward"]


def Variable(data: Any, requires_grad: bool = False) -> Tensor:  # noqa: N802 (PyTorch's name)
    """The old PyTorch wrapper: today simply a leaf tensor with ``requires_grad`` set."""
    t = data.detach() if isinstance(data, Tensor) else tensor(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _as_list(x: Any) -> list:
    # Only lists and tuples are sequences of tensors: an ndarray or a number is one value.
    return list(x) if isinstance(x, (list, tuple)) else [x]


def grad(outputs: Union[Tensor, Sequence[Tensor]], inputs: Union[Tensor, Sequence[Tensor]],
         grad_outputs: Any = None, retain_graph: Optional[bool] = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not put in ``.grad``).

    >>> import chainrule as cr
    >>> x = cr.tensor(2.0, requires_grad=True)
    >>> cr.autograd.grad(x ** 3, x)
    (tensor(12.),)
    """
    outs, ins = _as_list(outputs), _as_list(inputs)
    gouts = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    roots, cts = [], []
    for o, g in zip(outs, gouts):
        if not o.requires_grad:
            raise RuntimeError("autograd.grad: an output does not require grad (none of its "
                               "inputs had requires_grad=True)")
        if g is None:
            if o.size != 1:
                raise RuntimeError(f"autograd.grad: grad_outputs is needed for an output of "
                                   f"shape {o.shape}; pass one cotangent per output")
            if o.dtype.kind == "c":
                raise RuntimeError(f"autograd.grad: an output is complex ({o.dtype}), and a "
                                   "gradient is defined for a real loss only; differentiate "
                                   "a real function of it (.real, .abs()) or pass grad_outputs")
            g = np.ones(o.shape, dtype=o.dtype) if o.shape else o.dtype.type(1.0)
        elif P.shape_of(g) != o.shape:
            raise RuntimeError(f"autograd.grad: grad_output has shape {P.shape_of(g)} but its "
                               f"output has shape {o.shape}; pass one grad_output of shape "
                               f"{o.shape} for that output")
        if create_graph and not isinstance(g, Tensor):
            g = Tensor._wrap(_as_value(g), o._level)
        elif not create_graph and isinstance(g, Tensor):
            g = g._data
        roots.append(o)
        cts.append(engine.user_convention(g))
    results = engine.backward_pass(
        roots, cts, targets=ins, accumulate=False,
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph, wrap=lambda v: Tensor._wrap(v, roots[0]._level))
    out = []
    for x, g in zip(ins, results):
        if g is None:
            if not allow_unused:
                raise RuntimeError("autograd.grad: one of the inputs was not used to compute "
                                   "the outputs; pass allow_unused=True to get None for it")
            out.append(None)
            continue
        if P.dtype_of(g).kind == "c" and x.dtype.kind != "c":
            g = P.real(g)   # a real input keeps the real part of its cotangent
        if not isinstance(g, Tensor):
            g = Tensor._wrap(_as_value(g, x.dtype), x._level)
        elif g.dtype != x.dtype:
            g = g.astype(x.dtype)
        out.append(engine.user_convention(g) if x.dtype.kind == "c" else g)
    return tuple(out)


def backward(tensors: Union[Tensor, Sequence[Tensor]], grad_tensors: Any = None,
             retain_graph: Optional[bool] = None, create_graph: bool = False) -> None:
    """``backward()`` on each tensor, adding into ``.grad`` of the leaves."""
    ts = _as_list(tensors)
    gs = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(ts)
    for i, (t, g) in enumerate(zip(ts, gs)):
        last = i == len(ts) - 1
        t.backward(g, retain_graph=retain_graph if last else True, create_graph=create_graph)


# ----------------------------------------------------------------------------------------
# The rest of the `import chainrule as torch` surface: PyTorch's constructors and functions,
# each a composite of chainrule.numpy or the same definition as the tensor method (see
# docs/pytorch.md for the names whose NumPy meaning differs).

float16 = half = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
complex64 = cfloat = np.dtype(np.complex64)
complex128 = cdouble = np.dtype(np.complex128)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
# torch.float, torch.int and torch.bool: attributes of chainrule, not in __all__, so that
# `from chainrule import *` does not shadow Python's builtins.
_TORCH_BUILTIN_NAMES = {"float": float32, "int": int32, "bool": np.dtype(np.bool_)}

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the generator that :func:`rand`, :func:`randn` and :func:`randint` draw from.

    >>> import chainrule as cr
    >>> _ = cr.manual_seed(0); a = cr.rand(3)
    >>> _ = cr.manual_seed(0); bool((cr.rand(3) == a).all())
    True
    """
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def _shape_args(fname: str, size: tuple) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not builtins.all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in size):
        raise TypeError(f"{fname}() takes the sizes as ints, {fname}(2, 3) or {fname}((2, 3)); "
                        f"got {size!r}")
    return tuple(int(s) for s in size)


def _leaf(value: Any, dtype: Any, requires_grad: bool) -> Tensor:
    return tensor(value, requires_grad=requires_grad, dtype=dtype)


def _float_dtype(dtype: Any) -> np.dtype:
    # PyTorch's constructors default to float32 (its default dtype), not NumPy's float64.
    return float32 if dtype is None else np.dtype(dtype)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros, float32 unless ``dtype`` says otherwise (as ``torch.zeros``).

    >>> import chainrule as cr
    >>> cr.zeros(2, 3).shape, cr.zeros((2,)).dtype
    ((2, 3), dtype('float32'))
    """
    return _leaf(np.zeros(_shape_args("zeros", size), _float_dtype(dtype)), None, requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones, float32 unless ``dtype`` says otherwise."""
    return _leaf(np.ones(_shape_args("ones", size), _float_dtype(dtype)), None, requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """PyTorch's uninitialised tensor: zeros here (reading it is never undefined)."""
    return _leaf(np.zeros(_shape_args("empty", size), _float_dtype(dtype)), None, requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with one value; the dtype follows it as in PyTorch (a float gives
    float32, an int int64, a bool bool)."""
    if dtype is None:
        kind = np.asarray(P.value_of(fill_value)).dtype.kind
        dtype = {"b": np.bool_, "i": np.int64, "u": np.int64, "c": np.complex64}.get(kind, float32)
    shape = _shape_args("full", (size,) if isinstance(size, (int, np.integer)) else (size,))
    return _leaf(np.full(shape, P.value_of(fill_value), dtype=dtype), None, requires_grad)


def _like(x: Any, dtype: Any) -> tuple:
    v = np.asarray(P.value_of(x))
    return v.shape, v.dtype if dtype is None else np.dtype(dtype)


def zeros_like(input: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Zeros with ``input``'s shape and dtype."""
    return _leaf(np.zeros(*_like(input, dtype)), None, requires_grad)


def ones_like(input: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Ones with ``input``'s shape and dtype."""
    return _leaf(np.ones(*_like(input, dtype)), None, requires_grad)


def empty_like(input: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Zeros (PyTorch: uninitialised) with ``input``'s shape and dtype."""
    return _leaf(np.zeros(*_like(input, dtype)), None, requires_grad)


def full_like(input: Any, fill_value: Any, dtype: Any = None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with ``input``'s shape and dtype."""
    shape, dt = _like(input, dtype)
    return _leaf(np.full(shape, P.value_of(fill_value), dtype=dt), None, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end): int64 for ints, float32 when any is a float."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = builtins.all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else float32
    return _leaf(np.arange(start, end, step, dtype=np.float64 if np.dtype(dtype).kind == "f"
                           else dtype).astype(dtype), None, requires_grad)


def linspace(start: Any, end: Any, steps: int, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included (float32)."""
    return _leaf(np.linspace(start, end, steps).astype(_float_dtype(dtype)), None, requires_grad)


def eye(n: int, m: Optional[int] = None, dtype: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix, n x m (float32)."""
    return _leaf(np.eye(n, m, dtype=_float_dtype(dtype)), None, requires_grad)


def _generator_of(generator: Optional[np.random.Generator]) -> np.random.Generator:
    return _generator if generator is None else generator


def rand(*size: Any, generator: Optional[np.random.Generator] = None, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the generator :func:`manual_seed` seeds (float32)."""
    dt = _float_dtype(dtype)
    v = _generator_of(generator).random(_shape_args("rand", size),
                                        dtype=dt if dt in (float32, float64) else np.float64)
    return _leaf(v.astype(dt, copy=False), None, requires_grad)


def randn(*size: Any, generator: Optional[np.random.Generator] = None, dtype: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator :func:`manual_seed` seeds (float32)."""
    dt = _float_dtype(dtype)
    v = _generator_of(generator).standard_normal(
        _shape_args("randn", size), dtype=dt if dt in (float32, float64) else np.float64)
    return _leaf(v.astype(dt, copy=False), None, requires_grad)


def randint(low: int, high: Optional[int] = None, size: Any = (), *,
            generator: Optional[np.random.Generator] = None, dtype: Any = None) -> Tensor:
    """Integers in [low, high) (int64), ``torch.randint(low, high, size)``."""
    if high is None:
        low, high = 0, low
    v = _generator_of(generator).integers(low, high, _shape_args("randint", (size,)))
    return _leaf(v.astype(int64 if dtype is None else dtype), None, False)


def rand_like(input: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Uniform samples with ``input``'s shape and dtype."""
    shape, dt = _like(input, dtype)
    return rand(shape, dtype=dt, requires_grad=requires_grad)


def randn_like(input: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Normal samples with ``input``'s shape and dtype."""
    shape, dt = _like(input, dtype)
    return randn(shape, dtype=dt, requires_grad=requires_grad)


def randperm(n: int, *, generator: Optional[np.random.Generator] = None) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    return _leaf(_generator_of(generator).permutation(n).astype(int64), None, False)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (``torch.from_numpy``)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy() takes a NumPy array, got {type(ndarray).__name__}; use "
                        "cr.tensor(data) for other data")
    return as_tensor(ndarray)


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a chainrule Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Any) -> int:  # noqa: A002
    """The number of elements."""
    return int(np.prod(P.shape_of(input) if isinstance(input, Tracer) else np.shape(input)))


def _method(name: str, x: Any, args: tuple, kwargs: dict) -> Any:
    """``torch.f(x, ...)`` is ``x.f(...)``: one definition, the method's. Values that are not
    tracers (NumPy arrays, lists, numbers) run the same code and stay NumPy values."""
    if isinstance(x, ArrayOps):
        return getattr(x, name)(*args, **kwargs)
    if not isinstance(x, Tracer):
        x = np.asarray(x)
    return getattr(ArrayOps, name)(x, *args, **kwargs)


def _function(name: str) -> Any:
    def function(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        return _method(name, input, args, kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"``{name}(x, ...)`` is ``x.{name}(...)``, with the same arguments "
                        f"(see docs/pytorch.md).\n\n" + (getattr(ArrayOps, name).__doc__ or ""))
    return function


# torch.f(x, ...) == x.f(...): the method is the one definition of each.
(sum, mean, prod, amax, amin, argmax, argmin, var, std, cumsum, cumprod, all, any, logsumexp,
 softmax, log_softmax, norm, max, min, transpose, permute, t, unsqueeze, squeeze, flatten,
 clamp, clip, split, chunk, flip, repeat_interleave, tile, masked_fill) = (
    _function(n) for n in (
        "sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "var", "std", "cumsum",
        "cumprod", "all", "any", "logsumexp", "softmax", "log_softmax", "norm", "max", "min",
        "transpose", "permute", "t", "unsqueeze", "squeeze", "flatten", "clamp", "clip",
        "split", "chunk", "flip", "repeat_interleave", "tile", "masked_fill"))


def cat(tensors: Sequence[Any], dim: Optional[int] = None, *, axis: Optional[int] = None) -> Any:
    """Tensors joined along an existing dimension (``torch.cat``; ``axis=`` is NumPy's name).

    >>> import chainrule as cr
    >>> cr.cat([cr.ones(2, 3), cr.zeros(1, 3)]).shape
    (3, 3)
    """
    return cnp.concatenate(tensors, axis=_one("cat", "axis", axis, "dim", dim, 0))


concat = cat


def stack(tensors: Sequence[Any], dim: Optional[int] = None, *,
          axis: Optional[int] = None) -> Any:
    """Tensors joined along a new dimension (``dim=``, or NumPy's ``axis=``)."""
    return cnp.stack(tensors, axis=_one("stack", "axis", axis, "dim", dim, 0))


def mm(input: Any, mat2: Any) -> Any:  # noqa: A002
    """The product of two matrices (2-D only, as ``torch.mm``)."""
    for name, m in (("input", input), ("mat2", mat2)):
        if len(P.shape_of(m) if isinstance(m, Tracer) else np.shape(m)) != 2:
            raise ValueError(f"mm(): {name} must be a matrix (2-D), got shape "
                             f"{P.shape_of(m) if isinstance(m, Tracer) else np.shape(m)}; "
                             "use matmul for batches and vectors")
    return cnp.matmul(input, mat2)


def dot(input: Any, other: Any) -> Any:  # noqa: A002
    """The inner product of two vectors (1-D only, as ``torch.dot``; ``np.dot`` is NumPy's,
    the matrix product for matrices)."""
    for name, v in (("input", input), ("other", other)):
        shape = P.shape_of(v) if isinstance(v, Tracer) else np.shape(v)
        if len(shape) != 1:
            raise ValueError(f"dot(): {name} must be a vector (1-D), got shape {shape}; use "
                             "matmul for matrices, or chainrule.numpy.dot for NumPy's dot")
    return cnp.matmul(input, other)


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """Whether all values are close (compares values; no gradient)."""
    return bool(cnp.allclose(input, other, rtol=rtol, atol=atol, equal_nan=equal_nan))
