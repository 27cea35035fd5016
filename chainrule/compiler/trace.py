"""Tracing: run a function once on :class:`CTracer` values and record what it did.

A ``CTracer`` is one more tracer of the primitive table (like Tensor, Dual, Batched): every
primitive that reaches it appends ``(prim, inputs, params)`` to a :class:`Program`, a small
IR of numbered variables, and runs the row's own implementation on the example values so
shapes, dtypes and values are known while tracing. The derivative transforms of
:mod:`chainrule.functional` run unchanged on top of it (``compile(grad(f))`` traces
``grad(f)``): the engine calls the table's VJP rules on tracer values, so the backward pass is
recorded too, operation for operation as the eager engine computes it.

Values are read in three ways, told apart by who asks (the caller of ``value_of``):

- for a shape or a dtype (``dtype_of``, zeros of the right shape): harmless;
- by a rule that needs a value (a mask of ties, a pivot): the trace is *value dependent*,
  and the compiled program is reused only for inputs equal to the traced ones (a guard);
- by the user's control flow (``if x > 0``, ``float(x)``): :class:`TracerControlFlowError`.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Optional

import numpy as np

from .. import functional as _functional
from .. import ops as P
from ..core import Primitive, Tracer, new_level
from ..core.pytree import tree_flatten
from ..ops.methods import ArrayOps
from ..eager.tensor import Tensor

__all__ = ["CTracer", "Program", "Var", "Const", "Eqn", "TracerControlFlowError", "trace",
           "format_ir"]

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class TracerControlFlowError(TypeError):
    """Python control flow (``if``, ``float()``, ``bool()``) on a value cr.compile traces."""


class Var:
    """A variable of the IR: a numbered value with the example value it had when traced."""

    __slots__ = ("id", "val", "name", "kind", "spec")

    def __init__(self, id: int, val: Any, kind: str):
        self.id = id
        self.val = val
        self.name: Optional[str] = None
        self.kind = kind          # "input" or "op"
        self.spec: Optional[str] = None   # type_str(), kept once the value is dropped

    @property
    def shape(self) -> tuple:
        return P.shape_of(self.val)

    @property
    def dtype(self) -> np.dtype:
        return P.dtype_of(self.val)

    def type_str(self) -> str:
        if self.spec is not None:
            return self.spec
        v = self.val
        if type(v) is float:
            return "float"
        if type(v) is int or type(v) is bool:
            return type(v).__name__
        d = np.result_type(v)
        short = {"f": "f", "i": "i", "u": "u", "b": "bool", "c": "c"}.get(d.kind, d.kind)
        size = "" if d.kind == "b" else str(d.itemsize * 8)
        if isinstance(v, np.ndarray):
            return f"{short}{size}[{','.join(map(str, v.shape))}]"
        return f"{short}{size}"

    def __repr__(self) -> str:
        return f"v{self.id}"


class Const:
    """A constant operand: a number or an array fixed when the function was traced."""

    __slots__ = ("val",)

    def __init__(self, val: Any):
        self.val = val

    def __repr__(self) -> str:
        v = self.val
        if isinstance(v, np.ndarray):
            return f"const{v.dtype}{list(v.shape)}"
        return repr(v)


class Eqn:
    """One recorded operation: ``out = prim(*ins, **params)``."""

    __slots__ = ("prim", "ins", "params", "out", "where")

    def __init__(self, prim: Primitive, ins: tuple, params: dict, out: Var, where: str):
        self.prim = prim
        self.ins = ins
        self.params = params
        self.out = out
        self.where = where


class Program:
    """A traced function: inputs, equations in order, outputs (a flat list of operands)."""

    def __init__(self, name: str):
        self.name = name
        self.inputs: list = []
        self.eqns: list = []
        self.outputs: list = []
        self.value_reads: list = []     # where a rule read a traced value (the guard's why)
        self.frames: dict = {}          # the user's frames seen while tracing (for names)
        self.output_names: Optional[list] = None   # names the caller gives the outputs
        self.top: Any = None            # trace()'s own frame while tracing
        self._next = 0
        self.level = new_level()
        self.active = True

    def forget_values(self) -> None:
        """Drop the example values (once the code is generated, only their types are
        needed, for printing): a cached program must not keep every intermediate array of
        its trace alive (13 times the input's size for W3's gradient)."""
        for v in self.inputs + [e.out for e in self.eqns]:
            v.spec = v.type_str()
            v.val = None
        for o in self.outputs:
            if type(o) is Var:
                o.spec = o.type_str() if o.spec is None else o.spec
                o.val = None

    def new_var(self, val: Any, kind: str) -> Var:
        self._next += 1
        return Var(self._next, val, kind)

    def __str__(self) -> str:
        return format_ir(self)


# ----------------------------------------------------------------------------------------
# The tracer.

_CONTROL_FLOW_HINT = (
    "cr.compile traces the function once, so a Python branch or conversion cannot depend on "
    "an argument's value. Compute both sides with cr.where(condition, a, b), or mark the "
    "argument static with cr.compile(f, static_argnums=...) (one trace per value)")


def _user_line() -> str:
    """``file:line (code)`` of the innermost frame outside chainrule: the user's line."""
    f = sys._getframe(1)
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(_PKG_DIR):
        f = f.f_back
    if f is None:
        return "an unknown line"
    import linecache  # noqa: PLC0415
    code = linecache.getline(f.f_code.co_filename, f.f_lineno).strip()
    where = f"{os.path.basename(f.f_code.co_filename)}:{f.f_lineno}"
    return f"{where} (`{code}`)" if code else where


_BOOL = "bool() (an `if`, `while`, `and`, `or` or `not`)"


def _control_flow_error(what: str) -> TracerControlFlowError:
    return TracerControlFlowError(
        f"cr.compile: {what} of a traced value at {_user_line()}. {_CONTROL_FLOW_HINT}.")


# Callers of value_of that only look at a shape or a dtype.
_SHAPE_ONLY = {P.dtype_of.__code__, P.zeros_like_value.__code__,
               _functional._zeros_for.__code__}
# Callers that turn a value into a Python truth value: the user's control flow (`if x > 0:`
# on a Tensor of grad(f), or on a forward-mode or batched value, reads it through these).
_CONCRETE = {Tensor.__bool__.__code__: _BOOL, ArrayOps.__bool__.__code__: _BOOL}
_SKIP = {P.value_of.__code__}
# Printing a traced value shows its example value; that is not a read the program depends on.
_REPR = {Tensor._text.__code__, Tensor.__format__.__code__}
# Questions NumPy answers from the type, not the values (the engine asks np.result_type).
_METADATA = {np.result_type, np.iscomplexobj, np.isrealobj}


def _values(x: Any) -> Any:
    if type(x) is CTracer:
        return x._var.val
    if isinstance(x, (tuple, list)):
        return type(x)(_values(i) for i in x)
    if isinstance(x, dict):
        return {k: _values(v) for k, v in x.items()}
    return x


class CTracer(ArrayOps):
    """A value being traced by cr.compile: its IR variable and its example value.

    Operators, methods and NumPy's dispatch (``np.sin(x)``, ``x.var()``) come from
    :class:`ArrayOps`, as for every tracer; only the conversions differ: they are control
    flow on a value the trace does not know at run time, so they raise."""

    __slots__ = ("_level", "_prog", "_var")
    _kind = "values traced by cr.compile"

    def __init__(self, prog: Program, var: Var):
        self._prog = prog
        self._var = var
        self._level = prog.level

    # values -------------------------------------------------------------------------------
    def _value(self) -> Any:
        if self._prog.active:
            f = sys._getframe(1)
            while f is not None and f.f_code in _SKIP:
                f = f.f_back
            code = f.f_code if f is not None else None
            if code in _CONCRETE or (code is not None and code.co_name == "__bool__"):
                # (any tracer's __bool__ reading the value under it is an `if` on it)
                raise _control_flow_error(_CONCRETE.get(code, _BOOL))
            if code not in _SHAPE_ONLY and code not in _REPR:
                where = "?" if code is None else \
                    f"{code.co_name} ({os.path.basename(code.co_filename)}:{f.f_lineno})"
                self._prog.value_reads.append(where)
        return self._var.val

    @property
    def shape(self) -> tuple:
        return P.shape_of(self._var.val)

    @property
    def dtype(self) -> np.dtype:
        return P.dtype_of(self._var.val)

    def _plain_type(self) -> type:
        """The type of the plain value this stands for (a traced value is not a derivative
        being taken): the transforms pick result types for it as for that value."""
        return type(self._var.val)

    # recording ----------------------------------------------------------------------------
    def _process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        prog = self._prog
        if not prog.active:
            raise RuntimeError(
                f"cr.compile: a traced value of {prog.name} was used after its trace ended "
                "(it was kept in a global or an attribute); return it from the function "
                "instead of storing it")
        ins = []
        vals = []
        for a in args:
            if type(a) is CTracer and a._prog is prog:
                ins.append(a._var)
                vals.append(a._var.val)
            elif isinstance(a, Tracer):
                raise TypeError(
                    f"cr.compile: {prog.name} computed {prim.name} with a "
                    f"{type(a).__name__} that is not one of its arguments (a global or a "
                    "closure); pass it to the function as an argument instead")
            else:
                ins.append(Const(a))
                vals.append(a)
        out_val = prim.impl(*vals, **params)
        _note_frames(prog)
        var = prog.new_var(out_val, "op")
        prog.eqns.append(Eqn(prim, tuple(ins), params, var, ""))
        return CTracer(prog, var)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func in _METADATA:
            return func(*_values(args), **_values(kwargs))
        return super().__array_function__(func, types, args, kwargs)

    # Python conversions: control flow on a traced value is an error ------------------------
    def __bool__(self) -> bool:
        raise _control_flow_error(_BOOL)

    def __float__(self) -> float:
        raise _control_flow_error("float()")

    def __int__(self) -> int:
        raise _control_flow_error("int()")

    def __index__(self) -> int:
        raise _control_flow_error("use as an index")

    def __complex__(self) -> complex:
        raise _control_flow_error("complex()")

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise _control_flow_error("conversion to a NumPy array")

    def item(self) -> Any:
        raise _control_flow_error("item()")

    def tolist(self) -> Any:
        raise _control_flow_error("tolist()")

    def __repr__(self) -> str:
        v = self._var
        return f"CTracer({v!r}: {v.type_str()}, traced value {v.val!r})"


# ----------------------------------------------------------------------------------------
# Names: the user's own variable names, read off their frames once the trace is done.

_INSIDE: dict = {}   # code object -> whether it is chainrule's own


def _inside(code: Any) -> bool:
    inside = _INSIDE.get(code)
    if inside is None:
        inside = _INSIDE[code] = os.path.abspath(code.co_filename).startswith(_PKG_DIR)
    return inside


def _note_frames(prog: Program) -> None:
    """Remember the user's frames on the stack of the operation being recorded (every frame
    between it and :func:`trace` that is not chainrule's), to read their variables' names
    at the end. (Cheaper than a profile hook, which Python would call on every call and
    return of the whole trace: it made tracing W2's chain 1.7 times slower.)"""
    f = sys._getframe(2)
    top = prog.top
    frames = prog.frames
    while f is not None and f is not top:
        if not _inside(f.f_code) and id(f) not in frames:
            frames[id(f)] = f
        f = f.f_back


def _name_from_frames(prog: Program) -> None:
    """Give each traced value the first name a user's frame holds it under (innermost
    frames first; a finished frame keeps its last locals)."""
    for frame in prog.frames.values():
        for name, val in frame.f_locals.items():
            if type(val) is CTracer and val._prog is prog and val._var.name is None \
                    and val._var.kind == "op" and name.isidentifier() \
                    and not name.startswith("_"):
                val._var.name = name
    prog.frames.clear()


def trace(fn: Any, leaves: list, dynamic: list, rebuild: Any, name: str,
          input_names: list) -> Program:
    """Trace ``fn(*rebuild(traced leaves))``.

    Args:
        leaves: every argument leaf's value; ``dynamic[i]`` says whether leaf i is traced
            (else it is passed as it is: static arguments).
        rebuild: turns the list of leaves back into ``(args, kwargs)``.
        input_names: a name per dynamic leaf (the user's parameter names).
    """
    prog = Program(name)
    traced = []
    names = iter(input_names)
    for v, dyn in zip(leaves, dynamic):
        if dyn:
            var = prog.new_var(v, "input")
            var.name = next(names)
            prog.inputs.append(var)
            traced.append(CTracer(prog, var))
        else:
            traced.append(v)
    args, kwargs = rebuild(traced)
    prog.top = sys._getframe()
    try:
        out = fn(*args, **kwargs)
    finally:
        prog.active = False
        prog.top = None
    _name_from_frames(prog)
    out_leaves, out_tree = tree_flatten(out)
    prog.out_tree = out_tree
    for o in out_leaves:
        if type(o) is CTracer and o._prog is prog:
            prog.outputs.append(o._var)
        elif isinstance(o, Tracer):
            raise TypeError(f"cr.compile: {name} returned a {type(o).__name__}; a compiled "
                            "function returns numbers and arrays (call .detach() or use the "
                            "functional transforms, cr.grad, inside it)")
        else:
            prog.outputs.append(Const(o))
    return prog


def format_ir(prog: Program) -> str:
    """The traced program, one equation a line: ``v3:f64[3] = sin v2``."""
    lines = [f"{prog.name}({', '.join(f'{v!r}:{v.type_str()}' for v in prog.inputs)})"]
    for e in prog.eqns:
        ins = " ".join(repr(x) for x in e.ins)
        params = "".join(f" {k}={v!r}" for k, v in e.params.items())
        label = f"  # {e.out.name}" if e.out.name else ""
        lines.append(f"  {e.out!r}:{e.out.type_str()} = {e.prim.name} {ins}{params}{label}")
    lines.append(f"  return {', '.join(repr(o) for o in prog.outputs)}")
    return "\n".join(lines)
