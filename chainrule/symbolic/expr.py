"""The expression type: :class:`Expr` (a tracer recording ``(primitive, args)`` nodes), its
constructors and the simplifications every node gets when it is built."""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .. import ops as P
from ..core import Primitive, Tracer
from ..ops.methods import ArrayOps
from ._base import (_ARITH, _COMPARE, _FOLD_ALWAYS, _LEVEL, _Key, _is_whole, _num, _postorder,
                    _value_key)
from .printing import _Printer

__all__ = ["Expr", "symbol", "const", "PI", "E"]


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


def _short(e: Expr, limit: int = 60) -> str:
    s = str(e)
    return s if len(s) <= limit else s[:limit - 3] + "..."


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
