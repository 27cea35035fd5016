"""``cr.compile``: trace once, print the derivative program, run it as generated Python.

``cr.compile(f)`` traces ``f`` once per input signature (shapes, dtypes, array types, the
values of static arguments) into a small IR over the primitive table, optimizes it and
generates Python source that runs it. Composition is by tracing: ``cr.compile(cr.grad(f))``
traces ``cr.grad(f)`` itself, so the engine applies the table's own VJP rules to traced
values and the backward pass is recorded operation for operation (no second derivative
table, and the same results as the eager engine, bit for bit). ``cr.grad(cr.compile(f))``
works too: given another transform's values (Tensors, duals), the compiled function calls
``f`` itself, eagerly.

>>> import chainrule as cr
>>> df = cr.compile(cr.grad(lambda x: 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5))
>>> df(2.0)
233.0
>>> print(df.source.splitlines()[0])
def grad_of_f(x):
"""

from __future__ import annotations

import functools
import inspect
import keyword
import warnings
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from ..core import Tracer
from ..core.pytree import tree_flatten, tree_unflatten
# The modules themselves (chainrule.compiler.trace is the module, not its function).
from . import codegen, optimize, trace
from .trace import Const, Program, TracerControlFlowError, Var

__all__ = ["compile", "Compiled", "TracerControlFlowError", "expression_code",
           "expression_program"]

_WARN_AFTER = 3   # retraces before a warning says which argument keeps changing
# Names chainrule.functional gives the functions it returns (they restore result types).
_TRANSFORM_NAMES = ("grad_of", "value_and_grad_of", "elementwise_grad_of", "jacobian_of",
                    "jacfwd_of", "jacrev_of", "hessian_of", "derivative")


def _leaf_key(v: Any) -> tuple:
    """(key, traced?) of one argument leaf: what a program traced for it depends on."""
    t = type(v)
    if t is float:
        return ("float",), True
    if t is np.ndarray:
        return ("array", v.shape, v.dtype.str), True
    if isinstance(v, np.generic) and v.dtype.kind in "fc":
        return ("scalar", v.dtype.str), True
    if t in (int, bool, str) or v is None or isinstance(v, np.generic):
        # Python ints, bools and strings are static: sizes, flags, loop counts.
        return ("static", t, v), False
    shape, dtype = getattr(v, "shape", None), getattr(v, "dtype", None)
    if shape is not None and dtype is not None:
        return ("array", t, tuple(shape), str(dtype)), True
    try:
        hash(v)
    except TypeError:
        raise TypeError(f"cr.compile: got an argument of type {t.__name__} that is neither an "
                        "array, a number nor hashable; make it hashable to pass it as a static "
                        "argument, or close over it") from None
    return ("static", t, v), False


def _describe(key: tuple) -> str:
    if key[0] == "float":
        return "a float"
    if key[0] == "array":
        shape, dtype = key[-2], key[-1]
        if isinstance(dtype, str) and dtype[:1] in "<>|=":
            dtype = np.dtype(dtype)   # NumPy's dtype.str ("<f8"): its name reads better
        return f"an array of shape {shape} and dtype {dtype}"
    if key[0] == "scalar":
        return f"a {np.dtype(key[1])} scalar"
    if key[0] == "value":
        return "new values"
    return f"the static value {key[2]!r}"


def _find_user_params(fn: Callable) -> list:
    """The positional parameter names of the function the user wrote: chainrule's transforms
    take ``*args``, so look through their closures (they keep the function as a free
    variable) for the first function with named parameters."""
    todo = [fn]
    seen = set()
    while todo:
        g = todo.pop(0)
        if id(g) in seen or len(seen) > 20:
            continue
        seen.add(id(g))
        try:
            params = list(inspect.signature(g).parameters.values())
        except (TypeError, ValueError):
            continue
        named = [p.name for p in params
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if named:
            return named
        code = getattr(g, "__code__", None)
        cells = getattr(g, "__closure__", None) or ()
        if code is not None:
            pairs = sorted(zip(code.co_freevars, cells), key=lambda p: p[0] != "f")
            todo.extend(c.cell_contents for _, c in pairs
                        if callable(getattr(c, "cell_contents", None)))
    return []


class _Entry:
    """One traced signature: its program and generated functions."""

    __slots__ = ("key", "prog", "fast", "exact", "source", "exact_source", "out_tree",
                 "single", "one", "guard", "n_dyn")

    def __init__(self, key, prog, fast, exact, source, exact_source, guard):
        self.key = key
        self.prog = prog
        self.fast = fast
        self.exact = exact
        self.source = source
        self.exact_source = exact_source
        self.out_tree = prog.out_tree
        # The generated code returns one output bare, several as a tuple.
        self.single = prog.out_tree.kind == "leaf"
        self.one = len(prog.outputs) == 1
        self.guard = guard          # traced values, when the program depends on them
        self.n_dyn = len(prog.inputs)


def _same_bits(a: Any, b: Any) -> bool:
    if type(a) is float:
        return type(b) is float and a.hex() == b.hex()
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


class Compiled:
    """A function compiled by :func:`compile`: call it like the original.

    Attributes:
        source: the generated Python of the last traced signature (``print(compiled)``).
        exact_source: the same program calling each row's implementation, which runs
            where the fast code meets a value it was not written for.
        ir: the traced program (after optimization), one equation a line.
        traces, retraces: how many signatures were traced (retraces = traces - 1).
    """

    def __init__(self, fn: Callable, static_argnums: Sequence[int] = ()):
        self.fn = fn
        self.static_argnums = tuple(int(i) for i in static_argnums)
        self.__name__ = getattr(fn, "__name__", "f")
        if self.__name__ == "<lambda>":
            self.__name__ = "f"
        self.__doc__ = getattr(fn, "__doc__", None)
        self._params = _find_user_params(fn)
        self._cache: dict = {}
        self._last: Optional[_Entry] = None
        self._float1: Optional[_Entry] = None     # the one-float-argument fast lane
        self._array1: dict = {}                   # one-array lane: (shape, dtype) -> entry
        self._output_names: Optional[list] = None  # for the generated code (the CLI's dx, dy)
        self.traces = 0
        self._last_keys: Optional[list] = None
        self._last_labels: Optional[list] = None

    @property
    def retraces(self) -> int:
        return max(self.traces - 1, 0)

    # calling ------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # One float or one array: the cache looked up without flattening the arguments
        # (flattening costs more than a small program runs).
        if len(args) == 1 and not kwargs:
            a = args[0]
            if type(a) is float:
                if self._float1 is not None:
                    e = self._float1
                    return e.fast(a) if e.single else self._rebuild(e, e.fast(a))
            elif type(a) is np.ndarray:
                e = self._array1.get((a.shape, a.dtype))
                if e is not None:
                    return e.fast(a) if e.single else self._rebuild(e, e.fast(a))
        return self._call(args, kwargs)

    @staticmethod
    def _rebuild(e: _Entry, out: Any) -> Any:
        """The generated code's result in the function's output structure."""
        return out if e.single else tree_unflatten(e.out_tree, (out,) if e.one else out)

    def _flatten(self, args: tuple, kwargs: dict) -> tuple:
        leaves, keys, dyn, labels = [], [], [], []
        trees = []
        for i, a in enumerate(args):
            name = self._params[i] if i < len(self._params) else f"arg{i}"
            if i in self.static_argnums or (i - len(args)) in self.static_argnums:
                try:
                    hash(a)
                except TypeError:
                    raise TypeError(
                        f"cr.compile: static argument {name} (position {i}) must be hashable "
                        f"(it is part of the cache key), got a {type(a).__name__}; pass a "
                        "tuple instead of a list, or make it a traced argument") from None
                leaves.append(a)
                keys.append(("static", type(a), a))
                dyn.append(False)
                labels.append(name)
                trees.append(None)
                continue
            lv, tree = tree_flatten(a)
            trees.append(tree)
            for k, v in enumerate(lv):
                key, d = _leaf_key(v)
                leaves.append(v)
                keys.append(key)
                dyn.append(d)
                labels.append(name if len(lv) == 1 else f"{name}_{k}")
        kw_leaves, kw_tree = tree_flatten(kwargs) if kwargs else ([], None)
        for k, v in zip(sorted(kwargs), kw_leaves) if kwargs and \
                all(not isinstance(v, (tuple, list, dict)) for v in kwargs.values()) else \
                enumerate(kw_leaves):
            key, d = _leaf_key(v)
            leaves.append(v)
            keys.append(key)
            dyn.append(d)
            labels.append(str(k))
        return leaves, keys, dyn, labels, trees, kw_tree

    def _call(self, args: tuple, kwargs: dict) -> Any:
        leaves, keys, dyn, labels, trees, kw_tree = self._flatten(args, kwargs)
        for v in leaves:
            if isinstance(v, Tracer):
                # Another transform's values (cr.grad(compiled), jvp, ...): run f itself,
                # which that transform traces as usual.
                return self.fn(*args, **kwargs)
        key = (tuple(keys), tuple(trees), kw_tree)
        dyn_leaves = [v for v, d in zip(leaves, dyn) if d]
        e = self._cache.get(key)
        if e is not None and e.guard is not None and not all(
                _same_bits(a, b) for a, b in zip(dyn_leaves, e.guard)):
            e = None
            keys = [("value",) if d else k for k, d in zip(keys, dyn)]
        if e is None:
            e = self._trace(key, leaves, keys, dyn, labels, trees, kw_tree, args)
        return self._rebuild(e, e.fast(*dyn_leaves))

    # tracing ------------------------------------------------------------------------------
    def _trace(self, key, leaves, keys, dyn, labels, trees, kw_tree, args) -> _Entry:
        def rebuild(vals: list) -> tuple:
            pos = 0
            out_args = []
            for tree in trees:
                if tree is None:
                    out_args.append(vals[pos])
                    pos += 1
                else:
                    n = tree.num_leaves
                    out_args.append(tree_unflatten(tree, vals[pos:pos + n]))
                    pos += n
            kw = tree_unflatten(kw_tree, vals[pos:]) if kw_tree is not None else {}
            return tuple(out_args), kw

        names = [lab for lab, d in zip(labels, dyn) if d]
        prog = trace.trace(self.fn, leaves, dyn, rebuild, self.__name__, names)
        optimize.optimize(prog)
        prog.output_names = self._output_names
        self._match_eager_types(prog, args, rebuild, leaves)
        fast, exact, src, exact_src = codegen.generate(prog, self.__name__)
        prog.forget_values()
        guard = None
        if prog.value_reads:
            guard = [np.array(v, copy=True) if isinstance(v, np.ndarray) else v
                     for v, d in zip(leaves, dyn) if d]
        e = _Entry(key, prog, fast, exact, src, exact_src, guard)
        self.traces += 1
        if self.traces > 1:
            self._note_retrace(keys, labels, prog)
        self._last_keys, self._last_labels = keys, labels
        self._cache[key] = e
        self._last = e
        if len(args) == 1 and not kw_tree and guard is None and not self.static_argnums:
            if keys == [("float",)]:
                self._float1 = e
            elif type(args[0]) is np.ndarray and keys[0][0] == "array":
                self._array1[(args[0].shape, args[0].dtype)] = e
        return e

    def _match_eager_types(self, prog: Program, args: tuple, rebuild: Callable,
                           leaves: list) -> None:
        """Give scalar outputs the type the eager call gives them.

        The transforms turn a result into the kind of its input on the way out (a float for a
        float argument); on traced values they leave it as it is. So where an output is a
        scalar, the function runs once eagerly on the example and the generated code
        converts to the same type (``return float(dx)``)."""
        if not any(not (isinstance(o.val, np.ndarray) and o.val.ndim) for o in prog.outputs):
            return
        a, kw = rebuild(leaves)
        ref_leaves, ref_tree = tree_flatten(self.fn(*a, **kw))
        if ref_tree != prog.out_tree or len(ref_leaves) != len(prog.outputs):
            return
        casts: list = []
        exact: list = []
        transform = self.__name__.startswith(_TRANSFORM_NAMES)
        for k, (o, r) in enumerate(zip(prog.outputs, ref_leaves)):
            cast = None
            if type(o) is Const and type(r) is not type(o.val) and _same_bits(
                    np.asarray(r), np.asarray(o.val)):
                prog.outputs[k] = Const(r)   # a constant output: the eager result itself
            if type(o) is Var and type(r) is not type(o.val):
                if type(r) is float:
                    cast = "float"
                elif type(r) is np.ndarray:
                    cast = "np.asarray"
            casts.append(cast)
            # The transforms convert a result to its input's kind at every call: where the
            # exact code gives a NumPy scalar for a value the trace saw as a float (0.0 ** 3
            # takes NumPy's path), float() makes it what the eager transform returns.
            exact.append(cast or ("float" if type(r) is float and transform else None))
        prog.out_casts = casts
        prog.exact_casts = exact

    def _note_retrace(self, keys: list, labels: list, prog: Program) -> None:
        n = self.retraces
        if n != _WARN_AFTER and (n < _WARN_AFTER or n % 10):
            return
        reason = "the arguments' structure changed"
        old = self._last_keys
        if old is not None and len(old) == len(keys):
            for lab, a, b in zip(labels, old, keys):
                if b == ("value",):
                    reads = ", ".join(sorted(set(prog.value_reads))[:3])
                    reason = (f"argument {lab} has new values and the program reads values "
                              f"(in {reads}), so it is traced for each value")
                    break
                if a != b:
                    reason = f"argument {lab} changed from {_describe(a)} to {_describe(b)}"
                    break
        warnings.warn(
            f"cr.compile({self.__name__}): retraced {n} times; the last time because {reason}. "
            "Each new signature costs a trace: keep shapes and dtypes fixed, or pass values "
            "that change on purpose through static_argnums.", RuntimeWarning, stacklevel=3)

    # showing ------------------------------------------------------------------------------
    def _entry(self) -> _Entry:
        if self._last is None:
            raise ValueError(f"cr.compile({self.__name__}): nothing traced yet; call the "
                             "compiled function once (or .trace(*args)) to see its program")
        return self._last

    def trace(self, *args: Any, **kwargs: Any) -> "Compiled":
        """Trace for these arguments without running (returns self)."""
        leaves, keys, dyn, labels, trees, kw_tree = self._flatten(args, kwargs)
        key = (tuple(keys), tuple(trees), kw_tree)
        if key not in self._cache:
            self._trace(key, leaves, keys, dyn, labels, trees, kw_tree, args)
        else:
            self._last = self._cache[key]
        return self

    @property
    def source(self) -> str:
        return self._entry().source

    @property
    def exact_source(self) -> str:
        return self._entry().exact_source

    @property
    def ir(self) -> str:
        return str(self._entry().prog)

    def __str__(self) -> str:
        return self.source if self._last is not None else repr(self)

    def __repr__(self) -> str:
        return f"<cr.compile of {self.__name__}: {self.traces} trace(s)>"


def compile(f: Optional[Callable] = None, *,   # noqa: A001  (the library's name for it)
            static_argnums: Union[int, Sequence[int]] = ()) -> Any:
    """Compile ``f``: trace it once per input signature and run generated Python.

    Floats, NumPy arrays and NumPy float scalars are traced (a new shape or dtype traces
    again); Python ints, bools, strings and the arguments at ``static_argnums`` are part of
    the signature by value. Usable as a decorator, with or without arguments.

    >>> import numpy as np, chainrule as cr
    >>> @cr.compile
    ... def loss(x):
    ...     return (cr.sin(x) * cr.exp(-x**2 / 2)).sum()
    >>> g = cr.compile(cr.grad(loss.fn))
    >>> bool(np.allclose(g(np.array([0.5, 1.0])), cr.grad(loss.fn)(np.array([0.5, 1.0]))))
    True
    """
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    if f is None:
        return lambda g: compile(g, static_argnums=nums)
    if not callable(f):
        raise TypeError(f"cr.compile: expected a function, got a {type(f).__name__}")
    c = Compiled(f, nums)
    functools.update_wrapper(c, f, updated=())
    c.__name__ = "f" if getattr(f, "__name__", "") == "<lambda>" else getattr(f, "__name__", "f")
    return c


def expression_code(expr: Any, variables: Sequence[str], wrt: Sequence[str], order: int = 1,
                    point: Optional[dict] = None) -> str:
    """The generated program of the ``order``-th derivative of a parsed expression (the
    CLI's ``--code``): ``expression_program(...).source``.

    >>> from chainrule.text.parser import parse
    >>> print(expression_code(parse("x*sin(x)"), ["x"], ["x"]).splitlines()[0])
    def grad_of_f(x):
    """
    return expression_program(expr, variables, wrt, order, point).source


def expression_program(expr: Any, variables: Sequence[str], wrt: Sequence[str],
                       order: int = 1, point: Optional[dict] = None) -> Compiled:
    """The ``order``-th derivative of a parsed expression, compiled: its gradient with
    respect to ``wrt`` for order 1, the Taylor-mode derivative for higher orders (one
    variable). Traced at ``point`` (default 1.0 for every variable); the program is the
    same for every point unless a rule reads values.

    >>> from chainrule.text.parser import parse
    >>> expression_program(parse("x*sin(x)"), ["x"], ["x"], order=2)(0.0)
    2.0
    """
    from .. import functional  # noqa: PLC0415  (only the CLI needs it here)
    names = list(variables) or list(wrt)
    if order > 1 and len(names) != 1:
        raise ValueError(f"--code with --order {order} needs an expression of one variable, "
                         f"got {len(names)} ({', '.join(names)}); use --order 1 for their "
                         "gradient")
    params = [n if n.isidentifier() and not keyword.iskeyword(n) else f"v{k}"
              for k, n in enumerate(names)]
    absent = [k for k, n in enumerate(names) if n not in expr.free_symbols()]

    def evaluate(*xs: Any) -> Any:
        value = expr.evaluate(dict(zip(names, xs)))
        for k in absent:   # (+ 0·x: a constant is still a function of x, as in the CLI)
            value = value + 0.0 * xs[k]
        return value

    # A function with the variables' own names, so the program shows them.
    ns: dict = {"_evaluate": evaluate}
    exec(f"def f({', '.join(params)}):\n    return _evaluate({', '.join(params)})\n",  # noqa: S102
         ns)
    f = ns.pop("f")   # (not left in its own globals: a reference cycle)
    nums = tuple(names.index(v) for v in wrt)
    if order == 1:
        g = functional.grad(f, argnums=nums[0] if len(nums) == 1 else nums)
    else:
        g = functional.derivative(f, order)
    at = [float(point[n]) if point and n in point else 1.0 for n in names]
    c = compile(g)
    c._output_names = ["d" + params[k] for k in nums] if order == 1 else None
    return c.trace(*at)
