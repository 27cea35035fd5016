"""Python source from a traced program: one line per operation, the user's names.

Two functions are generated from the same program:

- the *exact* one calls each row's own implementation (``prim.impl``), exactly what the eager
  engine calls, so it gives the eager results bit for bit whatever the values are;
- the *fast* one writes each operation as the code that implementation would run for the
  types seen while tracing: Python operators and ``math`` for floats, the NumPy ufunc for
  arrays, ``out=`` into a buffer that is no longer needed for large arrays. Where the
  implementation would take another path for other values (``math`` refuses a domain,
  ``0.0 ** 3`` goes to NumPy, a division by zero), the fast function stops and the exact
  one runs instead, so the results are the same.
"""

from __future__ import annotations

import keyword
import math
from typing import Any

import numpy as np

from .. import ops as P
from .trace import Const, Program, Var

__all__ = ["generate", "Bail"]

BIG = 1 << 16   # elements: arrays this large get buffers reused (as the engine's _BIG)
SMALL = 64      # elements: arrays this small take their number operands as arrays


class Bail(Exception):
    """The fast function met a value its code was not written for: run the exact one."""


def _bail() -> Any:
    raise Bail()


_OPS = {P.add: "+", P.sub: "-", P.mul: "*", P.div: "/", P.pow: "**"}
_NP_FOR_OP = {P.add: "add", P.sub: "subtract", P.mul: "multiply"}
_RESERVED = {"np", "math", "max", "min", "abs", "float", "int"}


def _closure(fn: Any) -> dict:
    code = getattr(fn, "__code__", None)
    if code is None or fn.__closure__ is None:
        return {}
    return {n: c.cell_contents for n, c in zip(code.co_freevars, fn.__closure__)}


def _np_name(fn: Any) -> Any:
    name = getattr(fn, "__name__", None)
    return name if name is not None and getattr(np, name, None) is fn else None


def _math_name(fn: Any) -> Any:
    name = getattr(fn, "__name__", None)
    return name if name is not None and getattr(math, name, None) is fn else None


class _Gen:
    def __init__(self, prog: Program):
        self.prog = prog
        self.ns: dict = {"np": np, "math": math, "_bail": _bail, "Bail": Bail}
        self.const_names: dict = {}
        self.names: dict = {}
        self.used: set = set(_RESERVED)
        self._name_vars()

    # names --------------------------------------------------------------------------------
    def _fresh(self, base: str) -> str:
        if not base.isidentifier() or keyword.iskeyword(base):
            base = "v"
        name, k = base, 0
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name

    def _name_vars(self) -> None:
        prog = self.prog
        for v in prog.inputs:
            self.names[v.id] = self._fresh(v.name or "x")
        outs = [o for o in prog.outputs if type(o) is Var and o.id not in self.names]
        # The derivative of a one-input program is d<input>; the caller may name the outputs
        # (the CLI's gradient: dx, dy, ...), which only it knows the order of.
        hint = prog.output_names
        single = prog.name.startswith(("grad_of", "derivative")) and \
            len(prog.inputs) == 1 and len(prog.outputs) == 1
        for e in prog.eqns:
            v = e.out
            if v.name:
                self.names[v.id] = self._fresh(v.name)
        for k, o in enumerate(outs):
            if o.id in self.names:
                continue
            if hint is not None and len(hint) == len(prog.outputs):
                base = hint[next(i for i, p in enumerate(prog.outputs) if p is o)]
            elif single:
                base = "d" + self.names[prog.inputs[0].id]
            else:
                base = "out" if len(outs) == 1 else f"out{k}"
            self.names[o.id] = self._fresh(base)
        # Temporaries. A float's name is taken again once its value is dead (``t3 = 7.0 * t3``):
        # the old float is freed at once and its memory reused, as in a hand-written loop,
        # instead of every intermediate of a long chain living until the function returns
        # (measured: W2's 2,000-line program ran 1.7x the hand-written loop before this).
        # Arrays keep one name each: the buffer plan refers to them by name.
        last: dict = {}
        for i, e in enumerate(prog.eqns):
            for x in e.ins:
                if type(x) is Var:
                    last[x.id] = i
        reusable: set = set()      # ids of float temporaries (their names may be taken again)
        free: list = []            # names of dead float temporaries
        for i, e in enumerate(prog.eqns):
            for k, x in enumerate(e.ins):   # (in order: the names must not depend on ids)
                if type(x) is Var and x.id in reusable and last[x.id] == i and \
                        all(y is not x for y in e.ins[:k]):
                    free.append(self.names[x.id])
            v = e.out
            if v.id in self.names:
                continue
            if type(v.val) is float:
                reusable.add(v.id)
                self.names[v.id] = free.pop() if free else self._fresh(f"t{v.id}")
            else:
                self.names[v.id] = self._fresh(f"t{v.id}")

    def helper(self, base: str, obj: Any) -> str:
        for k, v in self.ns.items():
            if v is obj and k.startswith("_"):
                return k
        name = self._fresh("_" + base)
        self.ns[name] = obj
        return name

    def const(self, c: Any, bare: bool = False) -> str:
        if type(c) is bool or c is None:
            return repr(c)
        if type(c) is int or (type(c) is float and math.isfinite(c)):
            text = repr(c)
            return f"({text})" if not bare and (c < 0 or text.startswith("-")) else text
        key = id(c)
        if key not in self.const_names:
            self.const_names[key] = self.helper("c", c)
        return self.const_names[key]

    def operand(self, x: Any, bare: bool = False) -> str:
        return self.names[x.id] if type(x) is Var else self.const(x.val, bare)

    def param(self, v: Any) -> str:
        simple = (type(v) in (int, float, bool, str) or v is None) and \
            not (type(v) is float and not math.isfinite(v))
        if simple or (type(v) is tuple and all(type(i) in (int, bool) or i is None for i in v)):
            return repr(v)
        if isinstance(v, np.dtype):
            return f"np.dtype({v.str!r})"
        return self.helper("p", v)

    def call_args(self, e: Any) -> str:
        parts = [self.operand(x, bare=True) for x in e.ins]
        parts += [f"{k}={self.param(v)}" for k, v in e.params.items()]
        return ", ".join(parts)

    # expressions --------------------------------------------------------------------------
    def exact(self, e: Any) -> str:
        prim = e.prim
        if prim in (P.add, P.sub, P.mul) and len(e.ins) == 2:
            a, b = e.ins   # the rows' impl is operator.add/sub/mul itself
            return f"{self.operand(a)} {_OPS[prim]} {self.operand(b)}"
        if prim is P.neg:
            return f"-{self.operand(e.ins[0])}"
        return f"{self.helper(prim.name, prim.impl)}({self.call_args(e)})"

    def fast(self, e: Any) -> tuple:
        """(expression, numpy function name usable with out= or None, may bail)."""
        prim, ins, ov = e.prim, e.ins, e.out.val
        vals = [x.val for x in ins]
        any_float = any(type(v) is float for v in vals)
        ops = [self.operand(x) for x in ins]
        if prim in _OPS and len(ins) == 2:
            ops = self._small_constants(e, ops)
        if prim in _NP_FOR_OP:
            return f"{ops[0]} {_OPS[prim]} {ops[1]}", _NP_FOR_OP[prim], False
        if prim is P.neg:
            return f"-{ops[0]}", "negative", False
        if type(ov) is float and all(type(v) in (float, int) for v in vals):
            return self._scalar(e, ops, vals)
        if e.params:
            return self._array_call(e), None, False
        impl = prim.impl
        cl = _closure(impl)
        if prim is P.div and not all(type(v) is float for v in vals):
            # (the row's impl: np.divide unless both are floats)
            return f"np.divide({ops[0]}, {ops[1]})", "divide", False
        if prim is P.pow and type(vals[0]) is not float:
            y = vals[1]
            if type(vals[0]) is np.ndarray and type(ins[1]) is Const and \
                    (type(y) is int or type(y) is float) and y == 2 and \
                    vals[0].dtype.kind == "f":
                return f"np.square({ops[0]})", "square", False
            return f"np.power({ops[0]}, {ops[1]})", "power", False
        if "math_fn" in cl and "np_fn" in cl and not any_float:
            name = _np_name(cl["np_fn"])
            if name is not None:
                return f"np.{name}({ops[0]})", name, False
        if "np_op" in cl and "py_op" in cl and not any_float:
            name = _np_name(cl["np_op"])
            if name is not None:
                return f"np.{name}({', '.join(ops)})", name, False
        if isinstance(impl, np.ufunc) and _np_name(impl):
            if impl is np.matmul and len(ops) == 2:
                return f"{ops[0]} @ {ops[1]}", None, False
            return f"np.{impl.__name__}({', '.join(ops)})", impl.__name__, False
        if prim is P.where:
            return f"np.where({', '.join(ops)})", None, False
        return self.exact(e), None, False

    def _small_constants(self, e: Any, ops: list) -> list:
        """A Python number against a small float array (``t * 5``) as an array of the
        result's dtype and shape, made once (``t * _5_f32``): NumPy casts the number to that
        dtype anyway (NEP 50), so the same loop runs on the same values, but without the
        number's conversion, which costs more than the arithmetic on a one-element array
        (measured: 0.8 against 0.3 µs). Not for float64, which needs no cast: there the
        program keeps the number, readable, for about 0.4 µs an operation."""
        ov = e.out.val
        if type(ov) is not np.ndarray or ov.size > SMALL or ov.dtype.kind != "f" or \
                ov.dtype == np.float64:
            return ops
        out = list(ops)
        for k, x in enumerate(e.ins):
            other = e.ins[1 - k]
            c = x.val
            if type(x) is not Const or type(c) not in (int, float) or type(other) is not Var:
                continue
            o = other.val
            if type(o) is not np.ndarray or o.dtype != ov.dtype or o.shape != ov.shape:
                continue
            info = np.finfo(ov.dtype)
            if not (math.isfinite(c) and abs(c) < (1 << 24 if type(c) is int else info.max)):
                continue
            arr = np.full(ov.shape, c, dtype=ov.dtype)
            arr.flags.writeable = False
            text = repr(c).replace("-", "m").replace(".", "_").replace("+", "")
            base = f"{text}_{ov.dtype.kind}{ov.dtype.itemsize * 8}"
            key = ("small", type(c), c, ov.dtype.str, ov.shape)
            if key not in self.const_names:
                named = ("_" + base).isidentifier()
                self.const_names[key] = self.helper(base if named else "c", arr)
            out[k] = self.const_names[key]
        return out

    def _array_call(self, e: Any) -> str:
        prim = e.prim
        simple = {P.sum: "sum", P.reshape: "reshape", P.transpose: "transpose",
                  P.broadcast_to: "broadcast_to"}
        if prim in simple and len(e.ins) == 1 and all(
                type(v) in (int, bool, tuple) or v is None for v in e.params.values()):
            return f"np.{simple[prim]}({self.call_args(e)})"
        return self.exact(e)

    def _scalar(self, e: Any, ops: list, vals: list) -> tuple:
        """Float code, as the row's impl runs it for floats; bails where it would not."""
        prim, ins = e.prim, e.ins
        if prim is P.div and all(type(v) is float for v in vals):
            return f"{ops[0]} / {ops[1]}", None, True           # y == 0: ZeroDivisionError
        if prim is P.pow and type(vals[0]) is float:
            x, y = ops
            if type(ins[1]) is Const and float(vals[1]).is_integer():
                # impl: x ** y unless x == 0 (NumPy's power; also x is nan, see the docs)
                return f"{x} ** {y} if {x} else _bail()", None, True
            return f"{x} ** {y} if {x} > 0.0 else _bail()", None, True
        cl = _closure(prim.impl)
        if cl.get("math_fn") is not None and all(type(v) is float for v in vals):
            name = _math_name(cl["math_fn"])
            fn = f"math.{name}" if name else self.helper(prim.name, cl["math_fn"])
            return f"{fn}({ops[0]})", None, True                  # ValueError, OverflowError
        if cl.get("py_op") in (max, min) and all(type(v) is float for v in vals):
            return f"{cl['py_op'].__name__}({', '.join(ops)})", None, False
        return self.exact(e), None, False


# ----------------------------------------------------------------------------------------
# Buffers: which arrays a large elementwise result may be written into.

def _plan_buffers(prog: Program, gen: _Gen, fast: list) -> dict:
    """For each equation index, the variable whose buffer its ufunc writes into (out=).

    A buffer is an array the program made itself with a ufunc (never an input, a constant
    or a view). It may be reused once no live variable can see it: every variable made
    from it by an operation that may return a view (reshape, transpose, getitem, an impl
    we do not know) keeps it alive. Outputs are never reused."""
    eqns = prog.eqns
    last: dict = {}
    for i, e in enumerate(eqns):
        for x in e.ins:
            if type(x) is Var:
                last[x.id] = i
    for o in prog.outputs:
        if type(o) is Var:
            last[o.id] = len(eqns)
    owned: set = set()          # ids of variables holding a buffer the program made
    sees: dict = {}             # var id -> buffer ids it may look at
    holders: dict = {}          # buffer id -> var ids that may look at it
    free: list = []             # (shape, dtype, buffer var id) no longer needed
    plan: dict = {}

    def release(i: int) -> None:
        for b, hs in list(holders.items()):
            if all(last.get(h, -1) <= i for h in hs):
                v = hs_var[b]
                free.append((v.val.shape, v.val.dtype, b))
                del holders[b]

    hs_var: dict = {}
    for i, e in enumerate(eqns):
        expr, ufunc, _ = fast[i]
        ov = e.out.val
        big = type(ov) is np.ndarray and ov.size >= BIG
        if ufunc is not None and big and ufunc != "matmul":
            # Inputs dying here may take the result (elementwise ufuncs allow out= equal to
            # an input); matmul may not.
            release(i)
            for k, (shape, dtype, b) in enumerate(free):
                if shape == ov.shape and dtype == ov.dtype:
                    del free[k]
                    plan[i] = b
                    break
        if ufunc is not None and big:
            owned.add(e.out.id)
            bid = plan.get(i, e.out.id)
            sees[e.out.id] = {bid}
            holders.setdefault(bid, set()).add(e.out.id)
            hs_var[bid] = e.out
        else:
            s: set = set()
            for x in e.ins:
                if type(x) is Var:
                    s |= sees.get(x.id, set())
            if s and not (type(ov) is not np.ndarray or ov.size == 0):
                sees[e.out.id] = s
                for b in s:
                    holders[b].add(e.out.id)
        release(i)
    return plan


# ----------------------------------------------------------------------------------------

def generate(prog: Program, name: str) -> tuple:
    """(fast function, exact function, fast source, exact source) for ``prog``."""
    gen = _Gen(prog)
    args = ", ".join(gen.names[v.id] for v in prog.inputs)
    fname = name if name.isidentifier() and not keyword.iskeyword(name) else "compiled"
    fast = [gen.fast(e) for e in prog.eqns]
    plan = _plan_buffers(prog, gen, fast)
    exact_lines, fast_lines = [], []
    bails = False
    for i, e in enumerate(prog.eqns):
        target = gen.names[e.out.id]
        exact_lines.append(f"{target} = {gen.exact(e)}")
        expr, ufunc, may_bail = fast[i]
        bails = bails or may_bail
        if i in plan:
            buf = gen.names[plan[i]]
            operands = ", ".join(gen.operand(x, bare=True) for x in e.ins)
            expr = f"np.{ufunc}({operands}, out={buf})"
        fast_lines.append(f"{target} = {expr}")
    def returns(casts: list) -> str:
        rets = []
        for o, cast in zip(prog.outputs, casts):
            if type(o) is Var:
                rets.append(f"{cast}({gen.names[o.id]})" if cast else gen.names[o.id])
            else:
                v = o.val
                c = gen.const(v, bare=True)
                rets.append(f"{c}.copy()" if isinstance(v, np.ndarray) else c)
        # One output comes back bare, several as a tuple (the caller rebuilds the structure).
        return "return " + (rets[0] if len(rets) == 1 else "(" + ", ".join(rets) + ",)")

    none = [None] * len(prog.outputs)
    ret = returns(getattr(prog, "out_casts", None) or none)
    exact_ret = returns(getattr(prog, "exact_casts", None) or none)
    exact_src = "\n".join([f"def {fname}_exact({args}):"] +
                          ["    " + ln for ln in exact_lines + [exact_ret]]) + "\n"
    if bails:
        body = ["try:"] + ["    " + ln for ln in fast_lines + [ret]] + [
            "except (ArithmeticError, ValueError, Bail):",
            "    # a value the float code above does not cover: the rows' own impls",
            f"    return {fname}_exact({args})"]
    else:
        body = fast_lines + [ret]
    fast_src = "\n".join([f"def {fname}({args}):"] + ["    " + ln for ln in body]) + "\n"
    # Each function gets globals of its own without itself in them: a function in its own
    # globals is a reference cycle, which would keep the program's constants (large arrays
    # among them) alive until the garbage collector runs, long after the Compiled is gone.
    exact = _Lazy(exact_src, f"{fname}_exact", dict(gen.ns))
    fast_ns = dict(gen.ns)
    fast_ns[f"{fname}_exact"] = exact
    exec(compile(fast_src, f"<cr.compile {fname}>", "exec"), fast_ns)  # noqa: S102
    fast = fast_ns.pop(fname)
    _register_source(f"<cr.compile {fname}>", fast_src)
    return fast, exact, fast_src, exact_src


class _Lazy:
    """The exact function, compiled from its source on its first call: most programs never
    need it (it runs where the float code meets a value it does not cover), and compiling
    a long program's source is most of the time a first call takes (W2: 2,000 lines)."""

    __slots__ = ("source", "name", "ns", "fn")

    def __init__(self, source: str, name: str, ns: dict):
        self.source, self.name, self.ns, self.fn = source, name, ns, None

    def __call__(self, *args: Any) -> Any:
        if self.fn is None:
            filename = f"<cr.compile {self.name}>"
            exec(compile(self.source, filename, "exec"), self.ns)  # noqa: S102
            # (not left in its own globals: that would be a reference cycle)
            self.fn = self.ns.pop(self.name)
            _register_source(filename, self.source)
        return self.fn(*args)


def _register_source(filename: str, src: str) -> None:
    # Tracebacks through generated code show its lines.
    import linecache  # noqa: PLC0415
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
