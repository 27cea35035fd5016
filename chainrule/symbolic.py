"""Symbolic expressions that run the table's own derivative rules, giving printed formulas.

An :class:`Expr` is a tracer (like Tensor and Dual): every operation on it goes through
``bind`` and records a node ``(primitive, args)``. Its derivative is built by running each
row's ``partials`` (elementwise rows) or JVP rule (the rest) on ``Expr`` values, so the printed
formula comes from the very rules the autodiff engine uses; there is no second derivative
table here. A simplifier (constants folded, like terms and like factors collected, quotient
rule results over a common denominator) keeps textbook formulas small.

>>> from chainrule.symbolic import diff, symbol
>>> x = symbol("x")
>>> print(diff(5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5, "x"))
20*x**3 + 9*x**2 + 14*x + 9
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable, Iterable, Optional, Sequence, Union
from xml.sax.saxutils import escape as _xml_escape

import numpy as np

from . import ops as P
from .core import Primitive, Tracer
from .ops.methods import ArrayOps

__all__ = ["Expr", "symbol", "const", "diff", "gradient", "to_function", "simplify", "PI", "E",
           "FormulaTooLarge", "MAX_FORMULA_NODES"]

# Above every level a transform hands out: a Tensor or Dual met inside an expression is a
# constant to it, never the other way round.
_LEVEL = 1 << 40

_SUM_OPS = ("add", "sub", "neg")
_PROD_OPS = ("mul", "div", "pow")
_ARITH = frozenset(_SUM_OPS + _PROD_OPS)
_COMPARE = {"equal": "==", "not_equal": "!=", "greater": ">", "greater_equal": ">=",
            "less": "<", "less_equal": "<="}
# Rows whose all-constant results are always folded to a number; any other function of
# constants is folded only when the result is a whole number (cos(0) = 1), so that
# d/dx 2**x prints as 2**x*log(2), not 0.6931471805599453*2**x.
_FOLD_ALWAYS = _ARITH | frozenset(_COMPARE) | {"where", "sign", "abs"}
# Largest number of terms a product of sums may expand into before it is left factored.
_MAX_EXPANSION = 64
# Largest derivative diff() builds (distinct operations, before simplifying) unless told
# otherwise, or 8 times the expression's own size if that is more. Simplifying costs more
# than linear time in this size, and repeated derivatives grow geometrically (x**x doubles
# per order), so without a limit --order 10 of x**x runs for seconds and x**x**x for minutes.
MAX_FORMULA_NODES = 5000


class FormulaTooLarge(ValueError):
    """A derivative formula grew past diff()'s size limit (see ``MAX_FORMULA_NODES``).

    Attributes: ``order`` (the derivative being built when it stopped), ``nodes`` (its
    size) and ``limit``.
    """

    def __init__(self, message: str, order: int, nodes: int, limit: int):
        super().__init__(message)
        self.order, self.nodes, self.limit = order, nodes, limit


class Expr(ArrayOps):
    """A symbolic scalar expression: a symbol, a constant, or a primitive applied to Exprs.

    Build one with :func:`symbol`, :func:`const`, operators and the ``chainrule`` functions
    (``cr.sin(x)``), or from text with :func:`chainrule.parse`.

    >>> x = symbol("x")
    >>> e = 3*x**2 + 1
    >>> e.free_symbols(), e.evaluate({"x": 2.0})
    (['x'], 13.0)
    """

    __slots__ = ("prim", "args", "params", "name", "value", "_key", "_ckey")
    _level = _LEVEL

    def __init__(self, prim: Optional[Primitive], args: tuple = (), params: Optional[dict] = None,
                 *, name: Optional[str] = None, value: Any = None):
        self.prim = prim
        self.args = args
        self.params = params or {}
        self.name = name
        self.value = value
        self._ckey = None
        if prim is None:
            if value is None:
                self._key = ("s", name)
            elif name is not None:
                self._key = ("k", name)
            else:
                self._key = ("c", _value_key(value))
        else:
            self._key = _Key((prim.name, tuple(a._key for a in args),
                              tuple(sorted((k, repr(v)) for k, v in self.params.items()))))

    # -- kinds ---------------------------------------------------------------------------
    @property
    def is_symbol(self) -> bool:
        """True for a variable such as ``x``."""
        return self.prim is None and self.value is None

    @property
    def is_constant(self) -> bool:
        """True for a number or a named constant (``pi``, ``e``)."""
        return self.prim is None and self.value is not None

    @property
    def is_number(self) -> bool:
        """True for an unnamed numeric constant (foldable arithmetic)."""
        return self.prim is None and self.value is not None and self.name is None

    # -- the tracer protocol -------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return np.shape(self.value) if self.is_constant else ()

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float64)

    def _value(self) -> Any:
        if self.is_constant:
            return self.value
        raise TypeError(
            f"the symbolic expression {_short(self)} has no numeric value; evaluate it with "
            ".evaluate({name: value}) first.")

    def _process(self, prim: Primitive, args: tuple, params: dict) -> "Expr":
        return _make(prim, [_wrap(a) for a in args], params)

    def __bool__(self) -> bool:
        raise TypeError(f"the truth value of the symbolic expression {_short(self)} is "
                        "unknown; evaluate it at a point first.")

    # -- inspection ----------------------------------------------------------------------
    def free_symbols(self) -> list:
        """The names of the variables in the expression, sorted.

        >>> (symbol("y") * symbol("x") + 1).free_symbols()
        ['x', 'y']
        """
        return sorted({n.name for n in _postorder(self) if n.is_symbol})

    def depends_on(self, var: str) -> bool:
        """Whether the symbol ``var`` occurs in the expression."""
        return any(n.is_symbol and n.name == var for n in _postorder(self))

    def same_as(self, other: "Expr") -> bool:
        """Structural equality (``==`` builds an ``equal`` node, as for every tracer)."""
        return isinstance(other, Expr) and self._key == other._key

    # -- evaluation ----------------------------------------------------------------------
    def evaluate(self, env: Optional[dict] = None) -> Any:
        """The value at ``env`` (``{name: value}``), computed through ``bind``.

        Values may be floats, NumPy arrays or Tensors; with Tensors the result is a Tensor
        in their graph, so autodiff runs through the formula.

        >>> (symbol("x") ** 2).evaluate({"x": 3.0})
        9.0
        """
        env = env or {}
        vals: dict = {}
        for node in _postorder(self):
            if node.prim is None:
                if node.is_symbol:
                    if node.name not in env:
                        raise ValueError(
                            f"no value for the variable {node.name!r}; pass it in env, e.g. "
                            f"evaluate({{{node.name!r}: 1.0}}). Got values for "
                            f"{sorted(env) or 'no variables'}.")
                    v = env[node.name]
                    vals[id(node)] = float(v) if isinstance(v, int) and not isinstance(
                        v, bool) else v
                else:
                    vals[id(node)] = node.value
            else:
                vals[id(node)] = node.prim(*[vals[id(a)] for a in node.args], **node.params)
        return vals[id(self)]

    # -- printing ------------------------------------------------------------------------
    def __str__(self) -> str:
        return _Printer("text").show(self)

    def to_unicode(self) -> str:
        """Textbook notation in Unicode: ``20x³ + 9x² + 14x + 9``."""
        return _Printer("unicode").show(self)

    def to_latex(self) -> str:
        r"""LaTeX notation: ``20 x^{3} + 9 x^{2} + 14 x + 9``."""
        return _Printer("latex").show(self)

    def to_mathml(self, display: bool = False) -> str:
        """Presentation MathML, which browsers show natively: a ``<math>`` element.

        >>> print(symbol("x").to_mathml())
        <math xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</mi></math>
        """
        attrs = ' display="block"' if display else ""
        return (f'<math xmlns="http://www.w3.org/1998/Math/MathML"{attrs}>'
                f"{_Printer('mathml').show(self)}</math>")

    def to_sympy(self) -> Any:
        """The same expression as a SymPy object (needs SymPy, an optional extra)."""
        try:
            import sympy
        except ImportError:
            raise ImportError("to_sympy() needs SymPy, which is not installed; "
                              "run `pip install sympy`.") from None
        names = {n: sympy.Symbol(n) for n in self.free_symbols()}
        names.update(
            pi=sympy.pi, e=sympy.E, arcsin=sympy.asin, arccos=sympy.acos, arctan=sympy.atan,
            arcsinh=sympy.asinh, arccosh=sympy.acosh, arctanh=sympy.atanh,
            arctan2=sympy.atan2, cbrt=sympy.cbrt, hypot=lambda a, b: sympy.sqrt(a**2 + b**2),
            log1p=lambda a: sympy.log(1 + a), expm1=lambda a: sympy.exp(a) - 1,
            exp2=lambda a: 2**a, log2=lambda a: sympy.log(a, 2),
            log10=lambda a: sympy.log(a, 10), square=lambda a: a**2,
            reciprocal=lambda a: 1 / a, sign=sympy.sign,
            where=lambda c, a, b: sympy.Piecewise((a, c), (b, True)))
        # The text is our own printout of a checked expression (names are plain ASCII
        # identifiers, functions come from the table), not user input.
        return sympy.sympify(str(self), locals=names)

    def __repr__(self) -> str:
        return f"Expr({str(self)!r})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class _Key:
    """A structural key whose hash is computed once: keys nest (a node's key holds its
    children's), and re-hashing a deep tuple at every dict lookup made simplification of
    deep expressions cubic."""

    __slots__ = ("items", "hash")

    def __init__(self, items: tuple):
        self.items = items
        self.hash = hash(items)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, _Key) and self.hash == other.hash
                                  and self.items == other.items)

    def __getitem__(self, i: int) -> Any:
        return self.items[i]


def _sorted_key(pairs: Iterable) -> tuple:
    """Pairs in an order that depends only on their values (for order-free keys)."""
    return tuple(sorted(pairs, key=hash))


def _short(e: Expr, limit: int = 60) -> str:
    s = str(e)
    return s if len(s) <= limit else s[:limit - 3] + "..."


def _value_key(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return ("array", v.shape, v.tobytes())
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    return float(v)


def _postorder(root: Expr) -> list:
    """Unique nodes, children before parents, without recursion (deep graphs are fine)."""
    out, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded or not node.args:
            seen.add(id(node))
            out.append(node)
            continue
        stack.append((node, True))
        for a in reversed(node.args):
            if id(a) not in seen:
                stack.append((a, False))
    return out


# ----------------------------------------------------------------------------------------
# Construction.


def symbol(name: str) -> Expr:
    """A variable.

    >>> print(symbol("x") + 1)
    x + 1
    """
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
        raise ValueError(f"a symbol name must be a plain ASCII identifier such as 'x'; "
                         f"got {name!r}.")
    return Expr(None, name=name)


def const(value: Any, name: Optional[str] = None) -> Expr:
    """A constant (a number, an array, or a named constant such as ``pi``).

    >>> print(const(2) * symbol("x"))
    2*x
    """
    if isinstance(value, Expr):
        return value
    if isinstance(value, Tracer):
        value = P.value_of(value)
    if isinstance(value, (bool, np.bool_)):
        return Expr(None, value=bool(value), name=name)
    if isinstance(value, (int, float, np.number)):
        return Expr(None, value=float(value), name=name)
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"a symbolic constant must be a real number or array; got {value!r}.")
    if arr.ndim == 0:
        return Expr(None, value=bool(arr) if arr.dtype.kind == "b" else float(arr), name=name)
    return Expr(None, value=arr, name=name)


PI = const(math.pi, "pi")
E = const(math.e, "e")
_ZERO = const(0.0)
_ONE = const(1.0)


def _wrap(a: Any) -> Expr:
    return a if isinstance(a, Expr) else const(a)


def _node(prim: Primitive, *args: Expr, **params: Any) -> Expr:
    """A node exactly as given (no simplification): the builder uses it for its final shape."""
    return Expr(prim, tuple(args), params)


def _num(e: Expr) -> Optional[float]:
    """The number an Expr stands for, if it is an unnamed scalar constant."""
    if e.is_number and isinstance(e.value, float):
        return e.value
    return None


def _is_whole(v: Any) -> bool:
    return isinstance(v, float) and math.isfinite(v) and v == math.floor(v)


def _fold(prim: Primitive, args: list, params: dict) -> Optional[Expr]:
    """The constant value of ``prim`` on unnamed constants, if it is finite (and, for
    functions other than arithmetic, a whole number)."""
    # Comparisons may look at named constants (is e == 0?); arithmetic keeps them symbolic.
    ok = (lambda a: a.is_constant) if prim.name in _COMPARE or prim.name == "where" else \
        (lambda a: a.is_number)
    if not all(ok(a) for a in args):
        return None
    try:
        with np.errstate(all="ignore"):
            v = prim.impl(*[a.value for a in args], **params)
    except (ArithmeticError, ValueError, TypeError):
        return None
    arr = np.asarray(v)
    if arr.dtype.kind == "b":
        return const(v)
    if arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr)):
        return None
    if prim.name not in _FOLD_ALWAYS and not (arr.ndim == 0 and _is_whole(float(arr))):
        return None
    return const(v)


def _make(prim: Primitive, args: list, params: dict) -> Expr:
    """Build ``prim(*args)`` with the simplifications that hold for every finite value."""
    folded = _fold(prim, args, params)
    if folded is not None:
        return folded
    name = prim.name
    if name in _ARITH:
        nums = [_num(a) for a in args]
        if name == "add":
            if nums[0] == 0:
                return args[1]
            if nums[1] == 0:
                return args[0]
        elif name == "sub":
            if nums[1] == 0:
                return args[0]
            if nums[0] == 0:
                return _make(P.neg, [args[1]], {})
            if args[0]._key == args[1]._key:
                return _ZERO
        elif name == "mul":
            if nums[0] == 0 or nums[1] == 0:
                return _ZERO
            if nums[0] == 1:
                return args[1]
            if nums[1] == 1:
                return args[0]
            if nums[0] == -1:
                return _make(P.neg, [args[1]], {})
            if nums[1] == -1:
                return _make(P.neg, [args[0]], {})
        elif name == "div":
            if nums[1] == 1:
                return args[0]
            if nums[0] == 0:
                return _ZERO
        elif name == "neg":
            a = args[0]
            if a.prim is P.neg:
                return a.args[0]
        elif name == "pow":
            if nums[1] == 1:
                return args[0]
            if nums[1] == 0 or nums[0] == 1:
                return _ONE
    elif name == "where":
        c = args[0]
        if c.is_constant and not isinstance(c.value, np.ndarray):
            return args[1] if c.value else args[2]
        if args[1]._key == args[2]._key:
            return args[1]
    return Expr(prim, tuple(args), params)


# ----------------------------------------------------------------------------------------
# Differentiation: the table's rules, run on Exprs.


def _tangents(expr: Expr, var: str) -> Optional[Expr]:
    """d expr / d var, built by running each row's partials (or JVP rule) on Exprs."""
    tan: dict = {}
    for node in _postorder(expr):
        if node.prim is None:
            tan[id(node)] = _ONE if (node.is_symbol and node.name == var) else None
            continue
        prim = node.prim
        total = None
        if prim.differentiable:
            for i, t in enumerate(tan[id(a)] for a in node.args):
                if t is None:
                    continue
                contrib = _local(prim, i, t, node)
                if contrib is not None:
                    total = contrib if total is None else total + contrib
        tan[id(node)] = total
    return tan[id(expr)]


def _local(prim: Primitive, i: int, t: Expr, node: Expr) -> Optional[Expr]:
    args, params = node.args, node.params
    try:
        if prim.partials is not None and not prim.variadic:
            p = prim.partials[i] if i < len(prim.partials) else None
            return None if p is None else _wrap(p(node, *args)) * t
        rule = prim.jvp_rule(i)
        if rule is None:
            return None
        out = rule(i, t, node, *args, **params) if prim.variadic else rule(t, node, *args,
                                                                           **params)
        return _wrap(out)
    except TypeError as err:
        if "has no numeric value" in str(err):
            raise ValueError(
                f"the derivative of {prim.name} depends on the values of its inputs (a kink "
                f"or tie), so it has no single symbolic formula; differentiate numerically "
                f"with cr.grad instead.") from None
        raise


def _as_expr(expr: Union[Expr, float]) -> Expr:
    if isinstance(expr, str):
        # Text belongs to the layer above (parser); this layer works on expressions.
        raise TypeError("chainrule.symbolic works on expressions; for text use chainrule.diff, "
                        "chainrule.gradient or chainrule.parse, which parse it safely.")
    return _wrap(expr)


def default_var(e: Expr, var: Optional[str], who: str = "diff") -> str:
    """The variable to differentiate by: ``var`` if given, else the expression's only one
    (``x`` for a constant); several and none given is an error that lists them.

    >>> default_var(symbol("t").sin(), None)
    't'
    """
    if var is not None:
        return var
    names = e.free_symbols()
    if len(names) > 1:
        raise ValueError(
            f"{_short(e)} has the variables {', '.join(names)}; say which to differentiate "
            f"by: cr.{who}(expr, {names[0]!r})")
    return names[0] if names else "x"


def diff(expr: Expr, var: Optional[str] = None, n: int = 1, *,
         max_nodes: Optional[int] = None) -> Expr:
    """The ``n``-th derivative of ``expr`` with respect to ``var``, simplified.

    Without ``var``, the expression's only variable (``x`` for a constant); with several
    variables ``var`` is required. A ``var`` the expression does not contain gives 0, as in
    SymPy and PyTorch. Text goes through :func:`chainrule.diff`, which parses it first.

    A derivative with more than ``max_nodes`` operations (default: ``MAX_FORMULA_NODES`` or
    8 times the expression's size, whichever is more) raises :class:`FormulaTooLarge`: for
    its value at a point, ``chainrule.derivative`` works at any order.

    >>> x = symbol("x")
    >>> print(diff(5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5))
    20*x**3 + 9*x**2 + 14*x + 9
    >>> print(diff(x.sin(), n=2))
    -sin(x)
    """
    e = _as_expr(expr)
    if isinstance(var, Expr) and var.is_symbol:
        var = var.name
    var = default_var(e, var)
    if not isinstance(var, str) or not var.isidentifier():
        raise TypeError(f"diff: the variable must be a name such as 'x'; got {var!r}.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: the order n must be a whole number >= 0; got {n!r}.")
    n = int(n)
    limit = max_nodes if max_nodes is not None else \
        max(MAX_FORMULA_NODES, 8 * len(_postorder(e))) if n else 0
    start = e
    for k in range(1, n + 1):
        d = _tangents(e, var)
        if d is not None:
            size = len(_postorder(d))
            if size > limit:
                raise FormulaTooLarge(
                    f"the formula for the {_ordinal(n)} derivative of {_short(start)} grows "
                    f"past {limit} operations (at order {k} it has {size}), too large to be "
                    f"useful; for its value at a point use cr.derivative(f, {n})(x0) "
                    "(Taylor mode, any order), or pass max_nodes= to allow more.",
                    k, size, limit)
        e = _ZERO if d is None else simplify(d)
    return e


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def gradient(expr: Expr, vars: Optional[Sequence[str]] = None) -> list:
    """The partial derivatives of ``expr`` with respect to each of ``vars`` (default: its
    free symbols, sorted).

    >>> x, y = symbol("x"), symbol("y")
    >>> [str(d) for d in gradient(x**2*y + y, ["x", "y"])]
    ['2*x*y', 'x**2 + 1']
    """
    e = _as_expr(expr)
    if vars is None:
        vars = e.free_symbols()
    elif isinstance(vars, str):
        vars = [v.strip() for v in vars.split(",")]
    return [diff(e, v) for v in vars]


def to_function(expr: Expr, vars: Optional[Sequence[str]] = None) -> Callable:
    """A Python function of ``vars`` (positional, in order) that evaluates ``expr``.

    Works with floats, arrays and Tensors, so ``cr.grad(to_function(e, ["x"]))`` runs.

    >>> f = to_function(symbol("x")**2 + symbol("y"), ["x", "y"])
    >>> f(3.0, 1.0)
    10.0
    """
    e = _as_expr(expr)
    names = e.free_symbols() if vars is None else (
        [v.strip() for v in vars.split(",")] if isinstance(vars, str) else list(vars))
    missing = [s for s in e.free_symbols() if s not in names]
    if missing:
        raise ValueError(f"to_function: the expression uses {missing} but vars is {names}; "
                         "list every variable.")

    def function(*values: Any) -> Any:
        if len(values) != len(names):
            raise TypeError(f"this function takes {len(names)} argument(s) ({', '.join(names)})"
                            f" but {len(values)} were given.")
        return e.evaluate(dict(zip(names, values)))

    function.__name__ = "f"
    function.__doc__ = f"f({', '.join(names)}) = {e}"
    return function


# ----------------------------------------------------------------------------------------
# The simplifier. A sum is a list of terms; a term is (coefficient, {key: [base, exponent]}).
# Sums and products are flattened, like terms and like bases merged, products of polynomial
# sums expanded, and the result rebuilt in textbook order.


def _is_poly(e: Expr) -> bool:
    """Whether ``e`` is a polynomial in its symbols (numbers, symbols, + - *, whole powers)."""
    ok: dict = {}
    for n in _postorder(e):
        if n.prim is None:
            ok[id(n)] = n.is_symbol or _num(n) is not None
        elif n.prim.name in ("add", "sub", "mul", "neg"):
            ok[id(n)] = all(ok[id(a)] for a in n.args)
        elif n.prim.name == "pow":
            k = _num(n.args[1])
            ok[id(n)] = k is not None and k >= 0 and _is_whole(k) and ok[id(n.args[0])]
        else:
            ok[id(n)] = False
    return ok[id(e)]


def _ckey(e: Expr) -> Any:
    """A key equal for expressions that differ only in the order of terms or factors."""
    if e._ckey is not None:
        return e._ckey
    # Children first, without recursion, skipping parts whose key is known already.
    order, stack = [], [(e, False)]
    while stack:
        node, ready = stack.pop()
        if node._ckey is not None:
            continue
        if ready or not node.args:
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((a, False) for a in reversed(node.args) if a._ckey is None)
    for node in order:
        if node._ckey is not None:
            continue
        if node.prim is not None and node.prim.name in ("add", "sub", "neg", "mul", "div"):
            terms = _terms(node, expand=False)
            node._ckey = _Key(("sum", _sorted_key(
                (c, _sorted_key((k, x) for k, (b, x) in f.items())) for c, f in terms)))
        elif node.prim is None:
            node._ckey = node._key
        else:
            node._ckey = _Key((node.prim.name, tuple(a._ckey for a in node.args),
                               node._key[2]))
    return e._ckey


def _factors(e: Expr, power: float, acc: list, fac: dict) -> None:
    """Flatten a product into ``acc[0]`` (the coefficient) and ``fac`` (base -> exponent).

    Iterative, in left-to-right order: a product built in a long Python loop is fine."""
    stack = [(e, power)]
    while stack:
        e, power = stack.pop()
        whole = _is_whole(power)
        v = _num(e)
        if v is not None and (whole or v > 0) and not (v == 0 and power < 0):
            try:
                r = v ** power
            except OverflowError:
                r = math.inf
            if math.isfinite(r):
                acc[0] *= r
                continue
        name = e.prim.name if e.prim is not None else None
        if whole and name == "neg":
            acc[0] *= (-1.0) ** power
            stack.append((e.args[0], power))
            continue
        if whole and name in ("mul", "div"):
            stack.append((e.args[1], power if name == "mul" else -power))
            stack.append((e.args[0], power))
            continue
        if whole and e.prim is P.sqrt:
            stack.append((e.args[0], power * 0.5))
            continue
        if whole and name == "pow":
            k = _num(e.args[1])
            if k is not None:
                stack.append((e.args[0], power * k))
                continue
            if _is_sum(e.args[1]):
                # b**(u + c) = b**u * b**c (on b > 0, where a symbolic power is real), so
                # x*x**(x - 1) meets x**x.
                terms = _terms(e.args[1], expand=False)
                c = sum(t[0] for t in terms if not t[1])
                rest = [t for t in terms if t[1]]
                if c != 0 and rest:
                    stack.append((e.args[0], power * c))
                    stack.append((_node(P.pow, e.args[0], _build_sum(rest)), power))
                    continue
        key = _ckey(e)
        if key in fac:
            fac[key][1] += power
        else:
            fac[key] = [e, power]


def _terms(e: Expr, expand: bool = True) -> list:
    """Flatten a sum into a list of merged terms ``(coefficient, factors)``."""
    raw: list = []
    stack = [(e, 1.0)]
    while stack:
        node, sign = stack.pop()
        name = node.prim.name if node.prim is not None else None
        if name == "add":
            stack.append((node.args[1], sign))
            stack.append((node.args[0], sign))
        elif name == "sub":
            stack.append((node.args[1], -sign))
            stack.append((node.args[0], sign))
        elif name == "neg":
            stack.append((node.args[0], -sign))
        else:
            acc, fac = [sign], {}
            _factors(node, 1.0, acc, fac)
            fac = {k: v for k, v in fac.items() if v[1] != 0}
            raw.extend(_expand(acc[0], fac) if expand else [(acc[0], fac)])
    return _merge(raw)


def _is_sum(e: Expr) -> bool:
    return e.prim is not None and e.prim.name in ("add", "sub")


def _expand(coeff: float, fac: dict) -> list:
    """Distribute a product over the sums in it when that keeps it polynomial and small:
    ``3*(x + 1)`` -> ``3*x + 3``, ``(x + 1)*(x - 1)`` -> ``x**2 - 1``."""
    sums = [k for k, (b, x) in fac.items() if x == 1 and _is_sum(b)]
    if not sums:
        return [(coeff, fac)]
    # One sum times factors with positive exponents (2*x*(u + v)) always distributes, so
    # like terms can meet; several sums only when everything is polynomial.
    if len(sums) > 1 and not all((x > 0 and _is_whole(x) and _is_poly(b))
                                 for b, x in fac.values()):
        return [(coeff, fac)]
    if any(x < 0 for b, x in fac.values()):
        return [(coeff, fac)]
    result = [(coeff, {k: v for k, v in fac.items() if k not in sums})]
    for k in sums:
        parts = _terms(fac[k][0])
        result = [(c1 * c2, _mul_fac(f1, f2)) for c1, f1 in result for c2, f2 in parts]
        if len(result) > _MAX_EXPANSION:
            return [(coeff, fac)]
    return result


def _mul_fac(f1: dict, f2: dict) -> dict:
    out = {k: [b, x] for k, (b, x) in f1.items()}
    for k, (b, x) in f2.items():
        if k in out:
            out[k][1] += x
            if out[k][1] == 0:
                del out[k]
        else:
            out[k] = [b, x]
    return out


def _merge(raw: list) -> list:
    merged: dict = {}
    for c, fac in raw:
        key = _sorted_key((k, x) for k, (b, x) in fac.items())
        if key in merged:
            merged[key][0] += c
        else:
            merged[key] = [c, fac]
    return [(c, fac) for c, fac in merged.values() if c != 0]


def _degree(fac: dict) -> Optional[tuple]:
    """(total degree, exponents by symbol) for a monomial in symbols, else None."""
    powers = {}
    for b, x in fac.values():
        if not (b.is_symbol and x > 0 and _is_whole(x)):
            return None
        powers[b.name] = x
    return sum(powers.values()), powers


def _order_terms(terms: list) -> list:
    degrees = [_degree(f) for c, f in terms]
    if all(d is not None for d in degrees):
        names = sorted({n for d in degrees for n in d[1]})

        def key(i: int) -> tuple:
            total, powers = degrees[i]
            return (-total,) + tuple(-powers.get(n, 0) for n in names)
        out = [terms[i] for i in sorted(range(len(terms)), key=key)]
    else:
        # Keep the order the rules produced (u'v + uv'), constants last.
        out = sorted(terms, key=lambda t: not t[1])
    # A positive term first when there is one: 1 - x**2, not -x**2 + 1.
    first = next((i for i, t in enumerate(out) if t[0] > 0), 0)
    return [out[first]] + out[:first] + out[first + 1:]


def _fraction(c: float) -> Optional[Fraction]:
    if not math.isfinite(c):
        return None
    if _is_whole(c):
        return Fraction(int(c))
    f = Fraction(c).limit_denominator(1000)
    if float(f) != c:
        return None
    # Halves, quarters, unit fractions and repeating decimals read better as fractions
    # (1/(2*sqrt(x)), x/3, y/10); another short decimal stays one (0.3*x, not 3*x/10).
    return f if f.denominator <= 4 or f.numerator == 1 or len(repr(c)) > 8 else None


def _power(b: Expr, x: float) -> Expr:
    if x == 1:
        return b
    if x == 0.5:
        return _node(P.sqrt, b)
    return _node(P.pow, b, const(x))


def _known_constants() -> dict:
    """Floats that rules compute with ``math`` (exp2's log(2), log10's 1/log(10)), mapped back
    to the factor they stand for, so formulas print ``log(2)``, not ``0.6931471805599453``."""
    out = {}
    for base in (2.0, 10.0):
        log_b = _node(P.log, const(base))
        out[math.log(base)] = (log_b, 1.0)
        out[1.0 / math.log(base)] = (log_b, -1.0)
    return out


_KNOWN: dict = {}


def _rejoin_powers(fac: dict) -> dict:
    """Undo the split ``b**(u + c) = b**u * b**c`` for printing: ``n*x**(n - 1)``, not
    ``n*x**n/x``."""
    out = dict(fac)
    for k, (b, x) in fac.items():
        if x != 1 or b.prim is not P.pow or _num(b.args[1]) is not None or k not in out:
            continue
        base_key = _ckey(b.args[0])
        if base_key in out and _num(_wrap(out[base_key][1])) is not None:
            c = out.pop(base_key)[1]
            exponent = _build_sum(_merge(_terms(b.args[1], expand=False) + [(c, {})]))
            out[k] = [_node(P.pow, b.args[0], exponent), 1.0]
    return out


def _build_term(c: float, fac: dict) -> Expr:
    """One term with a positive coefficient ``c``, in textbook order: number, named
    constants, symbols by name, then everything else in the order it came."""
    if not _KNOWN:
        _KNOWN.update(_known_constants())
    if c in _KNOWN:
        base, x = _KNOWN[c]
        fac = dict(fac)
        fac[("known", c)] = [base, x]
        c = 1.0
    fac = _rejoin_powers(fac)
    items = list(fac.values())
    rank = {id(b): (0 if b.is_constant else 1 if b.is_symbol else 2, b.name or "" if
                    b.prim is None else "", i) for i, (b, x) in enumerate(items)}
    items.sort(key=lambda bx: rank[id(bx[0])])
    num = [_power(b, x) for b, x in items if x > 0]
    den = [_power(b, -x) for b, x in items if x < 0]
    frac = _fraction(c)
    if frac is not None:
        if frac.numerator != 1 or not num:
            num.insert(0, const(frac.numerator))
        if frac.denominator != 1:
            den.insert(0, const(frac.denominator))
    elif c != 1:
        num.insert(0, const(c))
    top = num[0]
    for f in num[1:]:
        top = _node(P.mul, top, f)
    if not den:
        return top
    bottom = den[0]
    for f in den[1:]:
        bottom = _node(P.mul, bottom, f)
    return _node(P.div, top, bottom)


def _common_denominator(terms: list) -> Optional[Expr]:
    """Bring ``u'/v - u*v'/v**2`` to ``(u'*v - u*v')/v**2`` when every term divides by a
    power of the same ``v`` (what the quotient rule's partials give)."""
    if len(terms) < 2:
        return None
    shared = None
    for c, fac in terms:
        keys = {k for k, (b, x) in fac.items() if x < 0}
        shared = keys if shared is None else shared & keys
    if not shared:
        return None
    key = next(k for k in terms[0][1] if k in shared)
    base = terms[0][1][key][0]
    m = max(-fac[key][1] for c, fac in terms)
    numer = []
    for c, fac in terms:
        f = {k: [b, x] for k, (b, x) in fac.items()}
        f[key][1] += m
        if f[key][1] == 0:
            del f[key]
        numer.extend(_expand(c, f))
    numer = _merge(numer)
    top = _build_sum(numer, combine=False)
    bottom = base if m == 1 else _node(P.pow, base, const(m))
    if top.is_number:
        return _build_sum(_terms(_node(P.div, top, bottom)), combine=False)
    return _node(P.div, top, bottom)


def _build_sum(terms: list, combine: bool = True) -> Expr:
    if not terms:
        return _ZERO
    if combine:
        joined = _common_denominator(terms)
        if joined is not None:
            return joined
    out = None
    for c, fac in _order_terms(terms):
        t = _build_term(abs(c), fac)
        if out is None:
            out = _node(P.neg, t) if c < 0 else t
        else:
            out = _node(P.sub if c < 0 else P.add, out, t)
    return out


def _measure_zero(c: Expr) -> bool:
    """Whether the condition ``c`` holds only on a set of measure zero: an equation between
    non-constant expressions, or a conjunction with one (the table pins d/dx x**y at
    x = y = 0 with ``logical_and(y == 0, x == 0)``)."""
    if c.prim is None:
        return False
    if c.prim.name == "equal":
        return bool(c.free_symbols())
    if c.prim.name == "logical_and":
        return any(_measure_zero(a) for a in c.args)
    return False


def _rebuild(prim: Primitive, args: list, params: dict) -> Expr:
    if prim.name == "where":
        c = args[0]
        # Derivative formulas hold at generic points: a branch taken only where a
        # non-constant expression equals a value (the table pins d/dx x**0 = 0 at x = 0)
        # is a set of measure zero, so the formula keeps the general branch.
        if _measure_zero(c):
            return args[2]
        if c.prim is not None and c.prim.name == "not_equal" and c.free_symbols():
            return args[1]
    e = _make(prim, args, params)
    if e.prim is None or e.prim.name not in _ARITH:
        return e
    return _build_sum(_terms(e))


def simplify(expr: Expr) -> Expr:
    """Textbook form: constants folded, like terms collected, no ``1*``, ``+0``, ``x**1``.

    >>> x = symbol("x")
    >>> print(simplify(x*2 + 3*x + x*x*1 + 0))
    x**2 + 5*x
    """
    done: dict = {}
    for node in _postorder(_wrap(expr)):
        if node.prim is None:
            done[id(node)] = node
        else:
            done[id(node)] = _rebuild(node.prim, [done[id(a)] for a in node.args], node.params)
    out = done[id(expr)]
    v = _num(out)
    if v is not None and not _is_whole(v) and _fraction(v) is not None:
        return _build_sum([(v, {})])     # 1/4, not 0.25
    return out


# ----------------------------------------------------------------------------------------
# Printing: plain text (Python syntax), Unicode (textbook), LaTeX and MathML.

_SUPERSCRIPT = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")
_ATOM, _POW, _NEG, _MUL, _ADD, _CMP = 100, 4, 3, 2, 1, 0


def _format_number(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, np.ndarray):
        return np.array2string(v, separator=", ")
    if _is_whole(v) and abs(v) < 1e16:
        return str(int(v))
    return repr(float(v))


class _Printer:
    def __init__(self, mode: str):
        self.mode = mode
        self.minus = "−" if mode == "unicode" else "-"

    def show(self, e: Expr) -> str:
        # Children first, without recursion: a long chain built in a Python loop prints.
        self.cache: dict = {}
        for node in _postorder(e):
            self.cache[id(node)] = self.fmt(node)
        return self.cache[id(e)][0]

    def wrap(self, s: str) -> str:
        if self.mode == "mathml":
            return f"<mrow><mo>(</mo>{s}<mo>)</mo></mrow>"
        return rf"\left({s}\right)" if self.mode == "latex" else f"({s})"

    def op(self, text: str) -> str:
        """An operator sign: as it is, or as a MathML ``<mo>``."""
        return f"<mo>{_xml_escape(text.strip())}</mo>" if self.mode == "mathml" else text

    def fmt(self, e: Expr) -> tuple:
        """(text, precedence, starts with a minus sign)."""
        done = self.cache.get(id(e))
        if done is not None:
            return done
        mode = self.mode
        if mode == "mathml":
            return self.fmt_mathml(e)
        if e.prim is None:
            if e.is_symbol:
                return e.name, _ATOM, False
            if e.name is not None:
                if mode == "unicode" and e.name == "pi":
                    return "π", _ATOM, False
                if mode == "latex" and e.name == "pi":
                    return r"\pi", _ATOM, False
                return e.name, _ATOM, False
            s = _format_number(e.value)
            if s.startswith("-"):
                return self.minus + s[1:], _NEG, True
            return s, _ATOM, False
        name, args = e.prim.name, e.args
        if name in ("add", "sub"):
            a, pa, na = self.fmt(args[0])
            b, pb, nb = self.fmt(args[1])
            if pa < _ADD:
                a, na = self.wrap(a), False
            if pb < _ADD or nb or (name == "sub" and pb == _ADD):
                b = self.wrap(b)
            op = " + " if name == "add" else f" {self.minus} "
            return a + op + b, _ADD, na
        if name == "neg":
            a, pa, na = self.fmt(args[0])
            if pa < _MUL or na:
                a = self.wrap(a)
            return self.minus + a, _NEG, True
        if name == "mul":
            return self.fmt_mul(args)
        if name == "div":
            a, pa, na = self.fmt(args[0])
            b, pb, nb = self.fmt(args[1])
            if mode == "latex":
                return rf"\frac{{{a}}}{{{b}}}", _MUL, False
            if pa < _MUL:
                a = self.wrap(a)
            if pb <= _MUL or nb:
                b = self.wrap(b)
            return f"{a}/{b}", _MUL, na
        if name == "pow":
            return self.fmt_pow(args)
        if name in _COMPARE:
            a, pa, _ = self.fmt(args[0])
            b, pb, _ = self.fmt(args[1])
            op = {"unicode": {">=": "≥", "<=": "≤", "!=": "≠"},
                  "latex": {">=": r"\geq", "<=": r"\leq", "!=": r"\neq"}}.get(
                mode, {}).get(_COMPARE[name], _COMPARE[name])
            a = self.wrap(a) if pa <= _CMP else a
            b = self.wrap(b) if pb <= _CMP else b
            return f"{a} {op} {b}", _CMP, False
        return self.fmt_call(e), _ATOM, False

    def fmt_mul(self, args: tuple) -> tuple:
        a, pa, na = self.fmt(args[0])
        b, pb, nb = self.fmt(args[1])
        if pa < _MUL:
            a, na = self.wrap(a), False
        if pb < _MUL or nb:
            b = self.wrap(b)
        if self.mode == "text":
            return f"{a}*{b}", _MUL, na
        left_number = args[0].is_number or (args[0].prim is P.mul and a[-1:].isdigit())
        right_digit = b[:1].isdigit() or b.startswith(".")
        if self.mode == "unicode":
            call = args[1].prim is not None and args[1].prim.name not in _ARITH and \
                args[1].prim.name not in ("sqrt", "abs")
            sep = "·" if not (left_number and args[0].is_number and not right_digit) else \
                " " if call else ""
            return f"{a}{sep}{b}", _MUL, na
        sep = r" \cdot " if right_digit else " "
        return f"{a}{sep}{b}", _MUL, na

    def fmt_pow(self, args: tuple) -> tuple:
        base, exponent = args
        a, pa, na = self.fmt(base)
        if pa < _ATOM or na or (self.mode == "latex" and base.prim is P.div):
            a = self.wrap(a)
        k = _num(exponent)
        if self.mode == "unicode" and k is not None and _is_whole(k) and abs(k) < 1e6:
            return a + _format_number(k).translate(_SUPERSCRIPT), _POW, False
        b, pb, nb = self.fmt(exponent)
        if self.mode == "latex":
            return f"{a}^{{{b}}}", _POW, False
        if pb < _ATOM or nb:
            b = self.wrap(b)
        op = "**" if self.mode == "text" else "^"
        return f"{a}{op}{b}", _POW, False

    def fmt_mathml(self, e: Expr) -> tuple:
        """(MathML fragment, precedence, starts with a minus sign): the Unicode layout, with
        fractions, powers and roots as MathML draws them."""
        if e.prim is None:
            if e.is_symbol or e.name is not None:
                name = "π" if e.name == "pi" else e.name
                return f"<mi>{_xml_escape(name)}</mi>", _ATOM, False
            s = _format_number(e.value)
            if s.startswith("-"):
                return f"<mo>−</mo><mn>{_xml_escape(s[1:])}</mn>", _NEG, True
            return f"<mn>{_xml_escape(s)}</mn>", _ATOM, False
        name, args = e.prim.name, e.args
        if name in ("add", "sub"):
            a, pa, na = self.fmt(args[0])
            b, pb, nb = self.fmt(args[1])
            if pa < _ADD:
                a, na = self.wrap(a), False
            if pb < _ADD or nb or (name == "sub" and pb == _ADD):
                b = self.wrap(b)
            return a + self.op("+" if name == "add" else "−") + b, _ADD, na
        if name == "neg":
            a, pa, na = self.fmt(args[0])
            if pa < _MUL or na:
                a = self.wrap(a)
            return self.op("−") + a, _NEG, True
        if name == "mul":
            a, pa, na = self.fmt(args[0])
            b, pb, nb = self.fmt(args[1])
            if pa < _MUL:
                a, na = self.wrap(a), False
            if pb < _MUL or nb:
                b = self.wrap(b)
            # 5x and 2 sin(x) as on paper (invisible times); a dot where digits would meet.
            implicit = args[0].is_number and not b.startswith("<mn>")
            return a + self.op("\u2062" if implicit else "·") + b, _MUL, na
        if name == "div":
            a = self.fmt(args[0])[0]
            b = self.fmt(args[1])[0]
            return f"<mfrac><mrow>{a}</mrow><mrow>{b}</mrow></mfrac>", _MUL, False
        if name == "pow":
            base, exponent = args
            a, pa, na = self.fmt(base)
            if pa < _ATOM or na:
                a = self.wrap(a)
            b = self.fmt(exponent)[0]
            return f"<msup><mrow>{a}</mrow><mrow>{b}</mrow></msup>", _POW, False
        if name in _COMPARE:
            a, pa, _ = self.fmt(args[0])
            b, pb, _ = self.fmt(args[1])
            op = {">=": "≥", "<=": "≤", "!=": "≠"}.get(_COMPARE[name], _COMPARE[name])
            a = self.wrap(a) if pa <= _CMP else a
            b = self.wrap(b) if pb <= _CMP else b
            return a + self.op(op) + b, _CMP, False
        parts = [self.fmt(a)[0] for a in args]
        parts += [f"<mtext>{_xml_escape(f'{k}={v!r}')}</mtext>" for k, v in e.params.items()
                  if not k.startswith("_")]   # (_call: a custom function's internals)
        inner = self.op(",").join(parts)
        if name == "sqrt":
            return f"<msqrt>{inner}</msqrt>", _ATOM, False
        if name == "abs":
            return f"<mrow><mo>|</mo>{inner}<mo>|</mo></mrow>", _ATOM, False
        if name == "exp":
            return f"<msup><mi>e</mi><mrow>{inner}</mrow></msup>", _ATOM, False
        return (f"<mi>{_xml_escape(name)}</mi><mo>\u2061</mo>{self.wrap(inner)}", _ATOM,
                False)

    def fmt_call(self, e: Expr) -> str:
        name = e.prim.name
        parts = [self.fmt(a)[0] for a in e.args]
        if e.params:   # (not _call: a custom function's internals, see chainrule.custom)
            parts += [f"{k}={v!r}" for k, v in e.params.items() if not k.startswith("_")]
        inner = ", ".join(parts)
        if self.mode == "latex":
            if name == "sqrt":
                return rf"\sqrt{{{inner}}}"
            if name == "exp":
                return rf"e^{{{inner}}}"
            if name == "abs":
                return rf"\left|{inner}\right|"
            fn = e.prim.display.get("latex") or rf"\operatorname{{{name}}}"
            return rf"{fn}\left({inner}\right)"
        if self.mode == "unicode":
            if name == "sqrt":
                return f"√{inner}" if e.args[0].prim is None and not inner.startswith(
                    self.minus) else f"√({inner})"
            if name == "abs":
                return f"|{inner}|"
        return f"{name}({inner})"
