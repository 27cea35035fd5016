"""Tensor: PyTorch's tensor style on NumPy arrays, recording operations for ``backward()``."""

from __future__ import annotations

import itertools
from sys import getrefcount
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .. import _kernel
from .. import ops as P
from ..interpret import reverse as engine
from ..core import Primitive, Tracer, _grad_enabled, bind
from ..core import values as _values
from ..ops.methods import ArrayOps, _unwrap_index, conversion_error

__all__ = ["Tensor", "tensor", "as_tensor"]

_NO_PARAMS: dict = {}   # shared by every node without params: never mutated


def _as_value(data: Any, dtype: Any = None, float_leaf: bool = False,
              copy: bool = False) -> Any:
    """User data -> stored value: an ndarray, or a Python float for a float64 scalar (the
    ``math`` fast path). Lists of Tensors are read by value. ``copy`` never shares memory
    with ``data``."""
    if type(data) is float and dtype is None:
        return data   # the common scalar leaf, cr.tensor(2.0): already the stored form
    if isinstance(data, Tensor):
        data = data._data
    elif isinstance(data, (list, tuple)) and _holds_tensor(data):
        data = _values_of(data)
    if type(data) is not np.ndarray and _values.is_foreign(data):
        return _foreign_value(data, dtype, float_leaf, copy)
    arr = np.array(data, dtype=dtype) if copy else np.asarray(data, dtype=dtype)
    if arr.dtype.kind not in "biufc":
        raise TypeError(
            f"cannot make a tensor from {type(data).__name__} holding non-numeric values "
            f"(dtype {arr.dtype}); pass numbers, nested lists of numbers or a NumPy array")
    if float_leaf and arr.dtype.kind not in "fc":
        if dtype is not None:
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype={arr.dtype}; "
                "leave dtype out (integers become float64) or pass dtype=np.float32/float64")
        arr = arr.astype(np.float64)
    if arr.ndim == 0 and arr.dtype == np.float64:
        return float(arr)
    return arr


def _foreign_value(data: Any, dtype: Any, float_leaf: bool, copy: bool) -> Any:
    """Another library's array (Dask, CuPy, array-api-strict) is kept as it is, in its own
    library and device: only a dtype asked for (or float64 for an integer leaf) is applied,
    through its namespace. Nothing is computed."""
    xp = _values.array_namespace(data)
    kind = P.dtype_of(data).kind
    if kind not in "biufc":
        raise TypeError(f"cannot make a tensor from a {_values.library_name(data)} array of "
                        f"dtype {data.dtype}; pass an array of numbers")
    if dtype is None and float_leaf and kind not in "fc":
        dtype = np.float64
    elif dtype is not None and float_leaf and np.dtype(dtype).kind not in "fc":
        raise TypeError(
            f"only floating-point tensors can require gradients, got dtype={np.dtype(dtype)}; "
            "leave dtype out (integers become float64) or pass dtype=np.float32/float64")
    if dtype is not None and _values.np_dtype(data.dtype) != np.dtype(dtype):
        return xp.astype(data, _values.xp_dtype(xp, dtype))
    return xp.asarray(data, copy=True) if copy else data


def _exclusive(t: "Tensor") -> bool:
    """Whether ``t``'s array is writable and referenced by ``t`` alone: no view of it, no
    detached alias, no caller's variable (references: t's slot, getrefcount's argument)."""
    arr = t._data
    return type(arr) is np.ndarray and arr.base is None and arr.flags.writeable \
        and getrefcount(t._data) <= 3


def _holds_tensor(seq: Any) -> bool:
    return any(isinstance(s, Tensor) or (isinstance(s, (list, tuple)) and _holds_tensor(s))
               for s in seq)


def _values_of(seq: Any) -> Any:
    return [_values_of(s) if isinstance(s, (list, tuple)) else P.value_of(s) for s in seq]


class Tensor(ArrayOps):
    """An array that can record the operations applied to it and compute gradients.

    Create one with :func:`tensor` (dtype from the data, as NumPy) or ``Tensor(data)``
    (float32, as ``torch.Tensor``). Operations on a tensor with
    ``requires_grad=True`` are recorded while grad mode is on; ``backward()`` then adds the
    gradient into ``.grad`` of every leaf tensor that requires it.

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = ("_data", "requires_grad", "_prim", "_inputs", "_params", "_vsum",
                 "_level", "_version", "_seq", "_pyonly", "__dict__", "__weakref__")
    # _pyonly is left unset (costs no store) except on tensors with hooks or retain_grad():
    # the compiled backward steps (_ccore.c) leave those to the Python loop.

    # Set on few tensors (leaves, retained or hooked ones): class-level defaults, with the
    # instance dict created only when one is set, spare three stores per operation.
    grad: Optional["Tensor"] = None
    _hooks: Optional[list] = None
    _retains_grad: bool = False

    def __init__(self, *data: Any, requires_grad: bool = False, dtype: Any = None):
        # The class called as a constructor means what torch.Tensor means: float32 (PyTorch's
        # default dtype) whatever the data, and ints alone are sizes (Tensor(2, 3) is a 2x3
        # tensor, of zeros here). cr.tensor(data) infers the dtype from the data instead.
        if data and type(data[0]) is not list and all(_is_size(d) for d in data):
            values: Any = np.zeros(tuple(int(d) for d in data), dtype=dtype or np.float32)
        elif len(data) > 1:
            raise TypeError(f"Tensor() takes one sequence of values or the sizes as ints, got "
                            f"{len(data)} arguments; write cr.Tensor([1.0, 2.0]) or "
                            "cr.Tensor(2, 3)")
        else:
            values = data[0] if data else []
            if isinstance(values, (bool, float, complex, np.generic)) or \
                    (isinstance(values, np.ndarray) and values.ndim == 0):
                raise TypeError(f"Tensor({values!r}): a single number is not a sequence (in "
                                "PyTorch as here, Tensor(n) with an int n means a size); use "
                                "cr.tensor(number) for a 0-d tensor")
            if dtype is None:
                kind = P.dtype_of(values._data if isinstance(values, Tensor) else
                                  np.asarray(values) if not isinstance(values, (list, tuple))
                                  else np.asarray(_values_of(values) if _holds_tensor(values)
                                                  else values)).kind
                dtype = np.complex64 if kind == "c" else np.float32
        _init_leaf(self, values, requires_grad, dtype)

    @classmethod
    def _wrap(cls, value: Any, level: int = 0) -> "Tensor":
        """A constant Tensor around an already-normalised value (no copy, no checks)."""
        return _constant(value, level)

    @classmethod
    def _leaf(cls, value: Any, level: int) -> "Tensor":
        """A leaf that requires grad at ``level`` (used by the functional transforms)."""
        t = _constant(value, level)
        t.requires_grad = True
        return t

    # ------------------------------------------------------------------------------------
    # The one place operations are recorded.

    def _value(self) -> Any:
        return self._data

    def _process(self, prim: Primitive, args: tuple, params: dict) -> "Tensor":
        level = self._level
        if len(args) == 1 and args[0] is self:
            return self._process1(prim, params)
        needs = False
        traced = False
        vsum = 0
        datas = []
        for a in args:
            if type(a) is Tensor and a._level == level:
                d = a._data
                if a.requires_grad:
                    needs = True
                vsum += a._version
            else:
                d = a
            if type(d) is not float and isinstance(d, Tracer):
                traced = True
            datas.append(d)
        out = bind(prim, *datas, **params) if traced else prim.impl(*datas, **params)
        if needs and prim.differentiable and _grad_enabled.get():
            return _node(out, level, prim, args, params, vsum)
        return _constant(out, level)

    # The hottest paths of the library, _process1 and the arithmetic operators (__add__,
    # __radd__, ... __rpow__), are put on the class by chainrule._kernel.install() below:
    # written in chainrule/_kernel/reference.py, and in C where the compiled core is built.

    # ------------------------------------------------------------------------------------
    # NumPy interop: np.sin(t), np.ones(3) * t and friends give Tensors (ArrayOps's
    # __array_ufunc__/__array_function__). Conversions to plain values are allowed only where
    # no derivative can be lost.

    _kind = "chainrule Tensors"

    def _traced(self) -> bool:
        """Whether a plain copy of this tensor's values would lose a derivative: it requires
        grad, or it holds a value another transform traces (a dual number, ...)."""
        return self.requires_grad or isinstance(self._data, Tracer)

    def _describe(self) -> str:
        if isinstance(self._data, Tracer) or self._level:
            return "a Tensor being differentiated by a chainrule transform (grad, jvp, ...)"
        return "a Tensor that requires grad"

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if self._traced():
            conversion_error(self, "np.asarray()")
        arr = np.asarray(self._data)
        return arr if dtype is None else arr.astype(dtype)

    # ------------------------------------------------------------------------------------
    # Attributes.

    @property
    def data(self) -> np.ndarray:
        """The values as a NumPy array (shares memory; changes to it are not tracked)."""
        return np.asarray(P.value_of(self._data))

    @data.setter
    def data(self, value: Any) -> None:
        self._data = _as_value(value)

    @property
    def shape(self) -> tuple:
        return P.shape_of(self._data)

    @property
    def dtype(self) -> np.dtype:
        return P.dtype_of(self._data)

    @property
    def is_leaf(self) -> bool:
        return self._prim is None

    @property
    def grad_fn(self) -> Optional["GradFn"]:
        return None if self._prim is None else GradFn(self)

    def _node_name(self) -> str:
        name = "".join(w.capitalize() for w in self._prim.name.split("_")) if self._prim else ""
        return f"{name}Backward"

    # ------------------------------------------------------------------------------------
    # Autograd.

    def backward(self, gradient: Any = None, retain_graph: Optional[bool] = None,
                 create_graph: bool = False, inputs: Optional[Sequence["Tensor"]] = None) -> None:
        """Compute the gradient of this tensor and add it into ``.grad`` of the leaves.

        Args:
            gradient: the cotangent; may be left out only when this tensor holds one number.
            retain_graph: keep the graph for another backward (defaults to ``create_graph``).
            create_graph: record the backward pass too, for higher-order derivatives.
            inputs: only these tensors get ``.grad`` (others are left alone).
        """
        if gradient is None and inputs is None and not create_graph and \
                type(self._data) is float and self.requires_grad:
            # The scalar case (the tutorial's), straight to the engine.
            engine.backward_pass((self,), (1.0,), targets=None, accumulate=True,
                                 retain_graph=bool(retain_graph), create_graph=False,
                                 wrap=self._wrap_constant)
            return
        if not self.requires_grad:
            raise RuntimeError(
                "backward() called on a tensor that does not require grad: none of its inputs "
                "had requires_grad=True (or it was computed under no_grad()). Create the inputs "
                "with cr.tensor(..., requires_grad=True).")
        if gradient is None and type(self._data) is float:
            gradient = 1.0
        elif gradient is None and type(self._data) is np.ndarray and self._data.size == 1 and \
                self._data.dtype.kind == "f":
            # One number in an array (the tutorial's Tensor([2]), shape (1,)): the seed of its
            # shape and dtype, without the checks below (they cannot fail here).
            data = self._data
            gradient = np.ones(data.shape, dtype=data.dtype) if data.ndim else \
                data.dtype.type(1.0)
        elif gradient is None:
            if self.size != 1:
                raise RuntimeError(
                    f"backward() without `gradient=` needs a tensor holding one number, but this "
                    f"one has shape {self.shape}. Reduce it first (y.sum().backward()) or pass "
                    f"gradient= an array of shape {self.shape} (e.g. np.ones(y.shape)).")
            if self.dtype.kind == "c":
                raise RuntimeError(
                    f"backward() on a complex tensor ({self.dtype}): a gradient is defined for "
                    "a real loss only. Call it on a real function of this value (.real, "
                    ".abs() ** 2), or pass gradient= (PyTorch's convention, docs/complex.md).")
            gradient = _values.ones_like_value(self._data) \
                if _values.is_foreign(self._data) else \
                np.ones(self.shape, dtype=self.dtype) if self.shape else self.dtype.type(1.0)
        else:
            gshape = P.shape_of(gradient)
            if gshape != self.shape:
                raise RuntimeError(
                    f"backward(): gradient has shape {gshape} but the tensor has shape "
                    f"{self.shape}; pass a gradient of shape {self.shape} (one value per "
                    "element of the tensor).")
        if create_graph:
            if not isinstance(gradient, Tensor):
                gradient = Tensor._wrap(_as_value(gradient), self._level)
        elif isinstance(gradient, Tensor):
            gradient = gradient._data
        if retain_graph is None:
            retain_graph = create_graph
        gradient = engine.user_convention(gradient)
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        engine.backward_pass([self], [gradient], targets=inputs, accumulate=True,
                             retain_graph=retain_graph, create_graph=create_graph,
                             wrap=self._wrap_constant)

    def _wrap_constant(self, value: Any) -> "Tensor":
        return _constant(value, self._level)

    def detach(self) -> "Tensor":
        """A tensor with the same values that is not part of any graph (shares memory)."""
        return Tensor._wrap(self._data, self._level)

    def detach_(self) -> "Tensor":
        self._prim, self._inputs, self._params, self.requires_grad = None, None, {}, False
        return self

    def clone(self) -> "Tensor":
        """A copy that stays in the graph (gradients flow back to this tensor)."""
        return P.copy(self)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` on a leaf, in place; integer leaves become float64."""
        if not self.is_leaf:
            raise RuntimeError(
                "requires_grad_() can only be changed on a leaf tensor; this one was computed "
                f"by {self._node_name()}. Call .detach().requires_grad_() for a new leaf.")
        if requires_grad and P.dtype_of(self._data).kind not in "fc":
            self._data = _as_value(self._data, None, True)
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward()."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad: no "
                               "gradient will reach it. Create its inputs with "
                               "requires_grad=True first.")
        self._retains_grad = not self.is_leaf
        self._pyonly = True

    def register_hook(self, fn: Callable[["Tensor"], Optional["Tensor"]]) -> "RemovableHandle":
        """Call ``fn(grad)`` when this tensor's gradient is computed; a returned value
        replaces the gradient."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require "
                               "grad: no gradient will reach it. Create its inputs with "
                               "requires_grad=True first.")
        if self._hooks is None:
            self._hooks = []
            self._pyonly = True
        self._hooks.append(fn)
        return RemovableHandle(self._hooks, fn)

    def zero_(self) -> "Tensor":
        """Set every element to zero, in place."""
        return self._assign_inplace(np.zeros_like(np.asarray(P.value_of(self._data))))

    # ------------------------------------------------------------------------------------
    # Conversions.

    def numpy(self) -> np.ndarray:
        if self._traced():
            raise RuntimeError(f"Can't call numpy() on {self._describe()}: call "
                               "t.detach().numpy() instead.")
        return np.asarray(self._data)

    def _plain(self, what: str) -> Any:
        """The values as a NumPy array for an explicit read (item, tolist): allowed on a
        tensor that requires grad only in tensor style (as in PyTorch), never on one a
        transform is differentiating."""
        if isinstance(self._data, Tracer) or (self._level and self.requires_grad):
            conversion_error(self, what)
        return np.asarray(P.value_of(self._data))

    def item(self) -> Any:
        if self.size != 1:
            raise ValueError(f"item() needs a tensor with one element, but this one has shape "
                             f"{self.shape} ({self.size} elements); use .tolist() or index it.")
        return self._plain(".item()").item()

    def tolist(self) -> Any:
        return self._plain(".tolist()").tolist()

    def __float__(self) -> float:
        if self._traced():
            conversion_error(self, "float()")
        return float(self.item())

    def __int__(self) -> int:
        if self._traced():
            conversion_error(self, "int()")
        return int(self.item())

    def __complex__(self) -> complex:
        if self._traced():
            conversion_error(self, "complex()")
        return complex(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype}; "
                            "convert it first with t.astype(int)")
        return int(self.item())

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor with {self.size} elements is "
                             "ambiguous; use .any() or .all()")
        return bool(np.asarray(P.value_of(self._data)))   # control flow reads the value

    def __repr__(self) -> str:
        return self._text(dtype=True)

    def __str__(self) -> str:
        # The values without the dtype, as NumPy's str(): print(x.grad) of the tutorial's
        # float32 tensor shows tensor([233.]), as PyTorch prints it; repr() keeps the dtype.
        return self._text(dtype=False)

    def _text(self, dtype: bool) -> str:
        value = np.asarray(P.value_of(self._data))
        body = np.array2string(value, separator=", ", prefix="tensor(")
        extras = []
        if dtype and value.dtype not in (np.float64, np.int64, np.bool_):
            extras.append(f"dtype={value.dtype}")
        if self._prim is not None:
            extras.append(f"grad_fn=<{self._node_name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"

    def __format__(self, spec: str) -> str:
        if self.size == 1 and spec:
            return format(np.asarray(P.value_of(self._data)).item(), spec)   # printing only
        return str(self)

    # ------------------------------------------------------------------------------------
    # In place. Never a silently wrong gradient: a leaf that requires grad cannot change while
    # recording; a recorded tensor is re-pointed at a new node (its old history stays with an
    # unmodified value); everything else changes its array and bumps its version, which
    # backward() checks.

    def _assign_inplace(self, result: Any) -> "Tensor":
        rvalue = result._data if isinstance(result, Tensor) else result
        if P.shape_of(rvalue) != self.shape:
            raise ValueError(
                f"in-place operation would change the tensor's shape from {self.shape} to "
                f"{P.shape_of(rvalue)}; write `x = x + y` (a new tensor) instead")
        if not np.can_cast(P.dtype_of(rvalue), self.dtype, "same_kind"):
            raise TypeError(
                f"in-place operation would store {P.dtype_of(rvalue)} values in a "
                f"{self.dtype} tensor; write `x = x + y` (a new tensor) or convert first "
                f"with x.astype(...)")
        recording = _grad_enabled.get() and (
            self.requires_grad or (isinstance(result, Tensor) and result.requires_grad))
        if recording:
            if self.is_leaf and self.requires_grad:
                raise RuntimeError(
                    "a leaf tensor that requires grad is being changed in place while "
                    "gradients are recorded. Write `x = x + y` for a new tensor, or wrap the "
                    "update in `with cr.no_grad():` (as an optimizer step does).")
            # Move the old history onto a shadow tensor, then become the result.
            shadow = Tensor._wrap(self._data, self._level)
            shadow.requires_grad, shadow._prim, shadow._inputs = \
                self.requires_grad, self._prim, self._inputs
            shadow._params, shadow._vsum, shadow._version, shadow._seq = \
                self._params, self._vsum, self._version, self._seq
            if isinstance(result, Tensor) and result._inputs is not None:
                result._inputs = tuple(shadow if a is self else a for a in result._inputs)
            self._prim = result._prim if isinstance(result, Tensor) else None
            self._inputs = result._inputs if isinstance(result, Tensor) else None
            self._params = result._params if isinstance(result, Tensor) else {}
            self._vsum = result._vsum if isinstance(result, Tensor) else 0
            self._seq = result._seq if isinstance(result, Tensor) else 0
            self.requires_grad = self._prim is not None
            if isinstance(result, Tensor):
                # A value from inside a transform stored into a tensor made outside it
                # (a[0] = x[0] inside cr.grad): the tensor now belongs to that transform.
                self._level = result._level
            self._data = rvalue
        else:
            # Nothing records it. Write into the array only if no one else can see it;
            # otherwise (a view, detach(), an array held elsewhere) give this tensor its own
            # copy: an in-place change never reaches values another tensor or a graph holds.
            if _exclusive(self):
                self._data[...] = rvalue
            else:
                self._data = _as_value(rvalue, P.dtype_of(self._data), copy=True)
        self._version += 1
        return self

    def _inplace(self, prim: Primitive, other: Any) -> "Tensor":
        return self._assign_inplace(bind(prim, self, other))

    def __iadd__(self, o): return self._inplace(P.add, o)
    def __isub__(self, o): return self._inplace(P.sub, o)
    def __imul__(self, o): return self._inplace(P.mul, o)
    def __itruediv__(self, o): return self._inplace(P.div, o)
    def __ipow__(self, o): return self._inplace(P.pow, o)

    def __setitem__(self, idx: Any, value: Any) -> None:
        idx = _unwrap_index(idx)
        if _grad_enabled.get() and (self.requires_grad or getattr(value, "requires_grad", False)) \
                or not isinstance(self._data, np.ndarray) or isinstance(value, Tracer) and \
                not isinstance(value, Tensor):
            self._assign_inplace(P.index_update(self, value, idx=idx))
            return
        if not _exclusive(self):   # copy-on-write, as in _assign_inplace
            self._data = np.array(self._data, copy=True)
        self._data[idx] = P.value_of(value)   # nothing records it: change the array itself
        self._version += 1


def _is_size(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _init_leaf(t: Tensor, data: Any, requires_grad: bool, dtype: Any) -> None:
    # A copy, as torch.tensor makes: later changes to the caller's array cannot reach
    # values a graph has saved. cr.as_tensor shares memory instead.
    t._data = _as_value(data, dtype, requires_grad, copy=True)
    t.requires_grad = bool(requires_grad)
    t._prim = None
    t._inputs = None
    t._params = {}
    t._vsum = 0
    t._level = 0
    t._version = 0
    t._seq = 0


_sequence = itertools.count(1)   # creation order of recorded tensors (see engine.py)


def _constant(value: Any, level: int) -> Tensor:
    t = Tensor.__new__(Tensor)
    t._data = value
    t.requires_grad = False
    t._prim = None
    t._inputs = None
    t._params = _NO_PARAMS
    t._vsum = 0
    t._level = level
    t._version = 0
    t._seq = 0
    return t


def _node(value: Any, level: int, prim: Primitive, inputs: tuple, params: dict,
          vsum: int) -> Tensor:
    t = Tensor.__new__(Tensor)
    t._data = value
    t.requires_grad = True
    t._prim = prim
    t._inputs = inputs
    t._params = params
    t._vsum = vsum
    t._level = level
    t._version = 0
    t._seq = next(_sequence)
    return t


# The hot paths (_kernel/reference.py, or their C twins): Tensor's operators for these rows,
# Tensor._process1, Primitive.__call__ and the reverse pass's drain. chainrule._kernel.COMPILED
# says which set runs.
_kernel.install(Tensor, Primitive, Tracer, bind, _grad_enabled, _sequence, _NO_PARAMS, engine,
                (P.add, P.sub, P.mul, P.div, P.pow))


class GradFn:
    """A readable view of the operation that produced a tensor (PyTorch's ``grad_fn``)."""

    __slots__ = ("_tensor",)

    def __init__(self, t: Tensor):
        self._tensor = t

    def name(self) -> str:
        return self._tensor._node_name()

    @property
    def next_functions(self) -> tuple:
        inputs = self._tensor._inputs or ()
        return tuple((i.grad_fn if isinstance(i, Tensor) and i.requires_grad else None, 0)
                     for i in inputs if isinstance(i, Tensor))

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, GradFn) and other._tensor is self._tensor

    def __hash__(self) -> int:
        return id(self._tensor)


class RemovableHandle:
    __slots__ = ("_hooks", "_fn")

    def __init__(self, hooks: list, fn: Callable):
        self._hooks, self._fn = hooks, fn

    def remove(self) -> None:
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """A tensor that shares memory with ``data`` when it is a NumPy array of the right dtype
    (no copy; ``torch.as_tensor``). Changes made to the array afterwards show in the tensor
    and are not tracked, so do not change it while a graph needs its values.

    >>> import numpy as np, chainrule as cr
    >>> a = np.array([1.0, 2.0])
    >>> np.shares_memory(cr.as_tensor(a).numpy(), a)
    True
    """
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == np.dtype(dtype) else data.astype(dtype)
    return Tensor._wrap(_as_value(data, dtype))


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a leaf tensor from numbers, nested lists or a NumPy array.

    Dtypes follow NumPy: Python floats give float64 (unlike ``torch.tensor``'s float32:
    a float64 scalar is chainrule's fast path), float32 arrays stay float32. A tensor that
    requires grad must be floating point, so integers become float64:
    ``cr.tensor(2, requires_grad=True)`` is the float64 value 2.0. ``cr.Tensor(data)`` is
    float32, as ``torch.Tensor``.

    >>> import chainrule as cr
    >>> cr.tensor([1, 2]).dtype, cr.tensor([1.0]).dtype, cr.Tensor([1, 2]).dtype
    (dtype('int64'), dtype('float64'), dtype('float32'))
    """
    t = Tensor.__new__(Tensor)
    _init_leaf(t, data, requires_grad, dtype)
    return t
