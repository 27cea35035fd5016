"""Every row of the primitive table, tested automatically.

The parametrisation reads ``chainrule.ops.TABLE`` when the tests are collected, so a row
added anywhere (any file of ``chainrule/ops/``) is picked up with no edit here: its
values are compared with its NumPy implementation, its rules are checked against central
differences at order 1 and 2 in reverse and forward mode on every sample of its ``domain``,
and the completeness test fails if it lacks a rule or a domain.
"""

from __future__ import annotations

import ast
import pathlib
import zlib

import numpy as np
import pytest

import chainrule as cr
from chainrule import ops as P
from chainrule.core import bind

TABLE = dict(P.TABLE)


def _rng(name: str) -> np.random.Generator:
    # One seed per row (not per run): a failure reproduces, and rows do not share samples.
    return np.random.default_rng(zlib.crc32(name.encode()))


def _samples(prim) -> list:
    """(args, params) samples of a row; comparisons and other rows without a domain get
    generic float samples (broadcast shapes and a scalar), with ties included."""
    if prim.domain is not None:
        return list(prim.domain(_rng(prim.name)))
    rng = _rng(prim.name)
    nin = prim.ufunc.nin if prim.ufunc is not None else 1
    x = np.round(rng.normal(size=(3, 1)), 1)
    y = np.round(rng.normal(size=(4,)), 1)
    y[0] = x[0, 0]  # an exact tie, where comparisons are most easily wrong
    if nin == 1:
        return [((np.concatenate([x.ravel(), [0.0]]),), {}), ((float(x[1, 0]),), {})]
    return [((x, y), {}), ((x, 0.0), {}), ((float(y[1]), y), {})]


def _cases(differentiable_only: bool = False) -> list:
    cases = []
    for name, prim in TABLE.items():
        if differentiable_only and not prim.differentiable:
            continue
        if differentiable_only and prim.domain is None:
            continue  # the completeness test reports it
        for k, (args, params) in enumerate(_samples(prim)):
            cases.append(pytest.param(prim, args, params, id=f"{name}-{k}"))
    return cases


def _diff_positions(prim, args) -> list:
    """Inputs the row differentiates: those with a rule and a floating-point value."""
    return [i for i, a in enumerate(args)
            if prim.vjp_rule(i) is not None and np.result_type(a).kind == "f"]


def _closure(prim, args, params):
    """``f(*differentiable inputs)`` with every other input held constant."""
    diff = _diff_positions(prim, args)

    def f(*xs):
        full = list(args)
        for i, v in zip(diff, xs):
            full[i] = v
        return bind(prim, *full, **params)

    return f, [args[i] for i in diff]


def _real_parts(prim, args, params) -> list:
    """Functions with real outputs whose derivatives make up the row's derivative.

    check_grads compares real numbers; for a row with complex output (fft) its real and
    imaginary parts are checked separately, through the table's own real/imag rows."""
    f, xs = _closure(prim, args, params)
    if np.iscomplexobj(prim.impl(*args, **params)):
        assert "real" in TABLE and "imag" in TABLE, \
            f"{prim.name} has complex output but the table has no real/imag rows to check it"
        real, imag = TABLE["real"], TABLE["imag"]
        return [(lambda *v: real(f(*v)), xs), (lambda *v: imag(f(*v)), xs)]
    return [(f, xs)]


def _assert_same_values(actual, expected) -> None:
    actual = np.asarray(P.value_of(actual))
    expected = np.asarray(expected)
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    # The Python-float fast path (math) and NumPy may differ in the last bit.
    np.testing.assert_allclose(actual, expected, rtol=1e-14, atol=0)


# ----------------------------------------------------------------------------------------
# Completeness.


def _declared_none(prim, i: int) -> bool:
    if prim.variadic:
        return False
    if prim.partials is not None:
        return i < len(prim.partials) and prim.partials[i] is None
    return i < len(prim.vjp) and prim.vjp[i] is None and i < len(prim.jvp) \
        and prim.jvp[i] is None


@pytest.mark.parametrize("prim", list(TABLE.values()), ids=list(TABLE))
def test_row_is_complete(prim):
    if not prim.differentiable:
        assert not any(prim.vjp) and not any(prim.jvp), \
            f"{prim.name}: a non-differentiable row must not carry derivative rules"
        return
    assert prim.domain is not None, f"{prim.name}: differentiable row without a test domain"
    samples = list(prim.domain(_rng(prim.name)))
    assert samples, f"{prim.name}: its domain gives no samples"
    for args, params in samples:
        assert isinstance(params, dict)
        diff = _diff_positions(prim, args)
        assert diff, f"{prim.name}: no input is differentiable on sample {args!r}"
        for i, a in enumerate(args):
            has_vjp, has_jvp = prim.vjp_rule(i) is not None, prim.jvp_rule(i) is not None
            assert has_vjp == has_jvp, \
                f"{prim.name}: input {i} has a VJP rule without a JVP rule or vice versa"
            if np.result_type(a).kind == "f" and not has_vjp:
                # A floating input may be non-differentiable (copysign's sign argument), but
                # only by an explicit None, never by a rule list that is simply too short.
                assert _declared_none(prim, i), \
                    f"{prim.name}: floating input {i} has no VJP/JVP rule and is not " \
                    "declared non-differentiable (None in partials or in vjp and jvp)"
        if prim.partials is not None and not prim.variadic:
            assert len(prim.partials) == len(args), \
                f"{prim.name}: one partial per input expected"


def test_table_covers_the_issue():
    # Issue 2, item 2: the rows the rest of the project builds on.
    required = {"add", "mul", "neg", "div", "pow", "exp", "log", "sin", "cos", "tan", "tanh",
                "sqrt", "abs", "maximum", "minimum", "where", "sum", "max", "min", "matmul",
                "reshape", "transpose", "broadcast_to", "getitem", "concatenate", "stack"}
    assert required <= set(TABLE)


def test_table_covers_broadcast_shapes():
    # At least one sample of every binary elementwise row broadcasts its inputs.
    for prim in TABLE.values():
        if prim.partials is None or len(prim.partials) != 2 or prim.domain is None:
            continue
        shapes = [tuple(np.shape(a) for a in args) for args, _ in prim.domain(_rng(prim.name))]
        assert any(len(set(s)) > 1 for s in shapes), f"{prim.name}: no broadcast sample"


# ----------------------------------------------------------------------------------------
# Values.


@pytest.mark.parametrize("prim, args, params", _cases())
def test_values_plain(prim, args, params):
    """Plain arrays run the impl itself; where the row names a NumPy ufunc, it agrees."""
    out = bind(prim, *args, **params)
    expected = prim.impl(*args, **params)
    _assert_same_values(out, expected)
    if prim.ufunc is not None and not params:
        _assert_same_values(out, prim.ufunc(*args))


@pytest.mark.parametrize("prim, args, params", _cases())
def test_values_through_tensor(prim, args, params):
    expected = prim.impl(*args, **params)
    for requires_grad in (False, True):
        ts = [cr.tensor(a, requires_grad=requires_grad and np.result_type(a).kind == "f")
              for a in args]
        out = bind(prim, *ts, **params)
        assert isinstance(out, cr.Tensor)
        _assert_same_values(out.data, expected)
        if requires_grad and prim.differentiable:
            assert out.requires_grad and out.grad_fn is not None
        if not prim.differentiable:
            # Comparisons and sign carry no gradient even from inputs that require one.
            assert not out.requires_grad and out.grad_fn is None and out.is_leaf


@pytest.mark.parametrize("prim, args, params", _cases(differentiable_only=True))
def test_values_through_forward_mode(prim, args, params):
    """Dual numbers carry the same primal values as the plain computation."""
    f, xs = _closure(prim, args, params)
    out, _ = cr.jvp(f, xs, [np.ones_like(np.asarray(x)) for x in xs])
    np.testing.assert_allclose(out, prim.impl(*args, **params), rtol=1e-14)


# ----------------------------------------------------------------------------------------
# Derivatives.


@pytest.mark.parametrize("prim, args, params", _cases(differentiable_only=True))
def test_check_grads_reverse_order2(prim, args, params):
    for f, xs in _real_parts(prim, args, params):
        cr.check_grads(f, *xs, modes=("rev",), order=2)


@pytest.mark.parametrize("prim, args, params", _cases(differentiable_only=True))
def test_check_grads_forward_order2(prim, args, params):
    for f, xs in _real_parts(prim, args, params):
        cr.check_grads(f, *xs, modes=("fwd",), order=2)


@pytest.mark.parametrize("prim, args, params", _cases(differentiable_only=True))
def test_check_grads_both_modes_order2(prim, args, params):
    # Mixed: reverse checked against forward (inner-product identity), and forward-over-
    # reverse / reverse-over-forward for the second order.
    for f, xs in _real_parts(prim, args, params):
        cr.check_grads(f, *xs, modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("prim, args, params", _cases(differentiable_only=True))
def test_backward_matches_functional_vjp(prim, args, params):
    """``Tensor.backward`` (the tape) and ``cr.vjp`` (the functional API) agree, and every
    gradient has its input's shape and dtype (broadcasting undone)."""
    f, xs = _closure(prim, args, params)
    rng = _rng(prim.name + "-ct")
    out, pullback = cr.vjp(f, *xs)
    ct = rng.standard_normal(np.shape(out))
    expected = pullback(ct)
    leaves = [cr.tensor(x, requires_grad=True) for x in xs]
    y = f(*leaves)
    y.backward(gradient=ct)
    for leaf, x, e in zip(leaves, xs, expected):
        assert leaf.grad is not None
        assert leaf.grad.shape == np.shape(x)
        assert leaf.grad.dtype == leaf.dtype
        np.testing.assert_allclose(leaf.grad.data, e, rtol=1e-12, atol=1e-14)


def _factor_cases() -> list:
    return [c for c in _cases(differentiable_only=True) if c.values[0].factors]


@pytest.mark.parametrize("prim, args, params", _factor_cases())
def test_factors_agree_with_vjp_rules(prim, args, params):
    """A row's ``factors`` (the engine's large-array path) give what its VJP rules give."""
    out = prim.impl(*args, **params)
    g = _rng(prim.name + "-g").standard_normal(np.shape(out))
    for i in _diff_positions(prim, args):
        factor = prim.factors[i]
        if factor is None:
            continue
        ufunc, fn = factor
        expected = prim.vjp_rule(i)(g, out, *args, **params)
        np.testing.assert_allclose(ufunc(g, fn(out, *args)), expected, rtol=1e-12, atol=1e-300)


def _simple_cases() -> list:
    return [c for c in _cases(differentiable_only=True)
            if any(form is not None for form in c.values[0].vjp_simple or ())]


@pytest.mark.parametrize("prim, args, params", _simple_cases())
def test_vjp_simple_agrees_with_vjp_rules(prim, args, params):
    """A row's ``vjp_simple`` (the compiled core's shortcut) gives exactly what its VJP rules
    give: the cotangent object itself, or ``g * p(out, *args)`` bit for bit."""
    out = prim.impl(*args, **params)
    g = _rng(prim.name + "-g").standard_normal(np.shape(out))
    for i in _diff_positions(prim, args):
        form = prim.vjp_simple[i]
        expected = prim.vjp_rule(i)(g, out, *args, **params)
        if form is True:
            assert expected is g
        elif form is not None:
            assert callable(form)
            np.testing.assert_array_equal(g * form(out, *args), expected, strict=True)


def test_vjp_simple_covers_the_arithmetic_rows():
    """The rows on the tutorial's path have their shortcuts (else the compiled core would
    silently fall back to calling every rule)."""
    assert P.add.vjp_simple == (True, True)
    assert P.sub.vjp_simple == (True, None)
    assert P.mul.vjp_simple == P.mul.partials
    assert P.pow.vjp_simple == P.pow.partials
    assert P.sin.vjp_simple == P.sin.partials


def _large_cases() -> list:
    # Samples whose differentiated inputs are all Python numbers have nothing to enlarge.
    return [c for c in _factor_cases()
            if any(np.ndim(c.values[1][i]) for i in _diff_positions(c.values[0], c.values[1]))]


@pytest.mark.parametrize("prim, args, params", _large_cases())
def test_large_array_backward_matches_small(prim, args, params):
    """On arrays big enough for the engine's buffer reuse, each way a cotangent can arrive
    (the caller's array, one the engine owns, the ones of sum()) gives the small-array
    gradients, and no input or cotangent is changed."""
    from chainrule.interpret.reverse import _BIG
    f, xs = _closure(prim, args, params)
    out_small, pullback = cr.vjp(f, *xs)
    size = max(np.size(out_small), 1)
    k = _BIG // size + 2
    nd = np.ndim(out_small)

    def tile(v):   # k copies along a new first axis, aligned for broadcasting
        v = np.asarray(v)
        return np.repeat(v.reshape((1,) * (nd + 1 - v.ndim) + v.shape), k, axis=0)

    big = [tile(x) if np.ndim(x) else x for x in xs]
    ct_small = _rng(prim.name + "-ct").standard_normal(np.shape(out_small))
    for how in ("caller", "owned", "ones"):
        g = np.ones_like(ct_small) if how == "ones" else ct_small
        expected = pullback(g)
        leaves = [cr.tensor(x, requires_grad=True) for x in big]
        kept = [x.copy() if np.ndim(x) else x for x in big]
        y = f(*leaves)
        ct = tile(g)
        ct_copy = ct.copy()
        if how == "caller":
            y.backward(gradient=ct)
        elif how == "owned":
            (y * 1.0).backward(gradient=ct)
        else:
            y.sum().backward()
        np.testing.assert_array_equal(ct, ct_copy)
        for leaf, x, x0, e in zip(leaves, big, kept, expected):
            np.testing.assert_array_equal(leaf.data, x0)
            grad = leaf.grad.data
            if np.ndim(x) == 0:
                e = e * k   # a scalar input gathers the cotangent of every copy
                np.testing.assert_allclose(grad, e, rtol=1e-9)
            else:
                np.testing.assert_allclose(grad, tile(e), rtol=1e-12, atol=1e-300)
            assert not any(np.shares_memory(grad, v.data) for v in leaves)


def _nondiff_cases() -> list:
    return [c for c in _cases() if not c.values[0].differentiable]


@pytest.mark.parametrize("prim, args, params", _nondiff_cases())
def test_nondifferentiable_rows_give_no_gradient(prim, args, params):
    """Comparisons and sign: no gradient from the tape, zero tangents and cotangents from the
    transforms (never an error: a mask inside a differentiable expression is normal)."""
    xs = [a for a in args if np.result_type(a).kind == "f"]
    pos = [i for i, a in enumerate(args) if np.result_type(a).kind == "f"]

    def f(*vs):
        full = list(args)
        for i, v in zip(pos, vs):
            full[i] = v
        return bind(prim, *full, **params)

    leaves = [cr.tensor(x, requires_grad=True) for x in xs]
    out = f(*leaves)
    assert not out.requires_grad and out.grad_fn is None
    _, tangent = cr.jvp(f, xs, [np.ones_like(np.asarray(x)) for x in xs])
    assert not np.any(np.asarray(tangent, dtype=float))
    value, pullback = cr.vjp(f, *xs)
    for g, x in zip(pullback(np.ones(np.shape(value), dtype=np.asarray(value).dtype)), xs):
        assert np.shape(g) == np.shape(x) and not np.any(g)


def _tape_grad_dot(f, xs, ct, v, create_graph):
    """<gradient of <f(xs), ct>, v> through the tape (autograd.grad), and the leaves."""
    leaves = [cr.tensor(x, requires_grad=True) for x in xs]
    grads = cr.autograd.grad(f(*leaves), leaves, grad_outputs=ct, create_graph=create_graph,
                             allow_unused=True)
    total = None
    for g, d in zip(grads, v):
        if g is None:
            continue
        term = (g * d).sum() if create_graph else float(np.sum(g.data * d))
        total = term if total is None else total + term
    return total, leaves


@pytest.mark.parametrize("prim, args, params", _cases(differentiable_only=True))
def test_create_graph_second_order(prim, args, params):
    """The tape's create_graph path (rules run on recording Tensors of the same level):
    the gradient of <grad, v> matches central differences of <grad, v> along u."""
    for f, xs in _real_parts(prim, args, params):
        rng = _rng(prim.name + "-cg")
        out = f(*xs)
        ct = rng.standard_normal(np.shape(P.value_of(out)))
        v = [rng.standard_normal(np.shape(x)) for x in xs]
        u = [rng.standard_normal(np.shape(x)) for x in xs]
        s, leaves = _tape_grad_dot(f, xs, ct, v, create_graph=True)
        if s is None or not getattr(s, "requires_grad", False):
            continue   # linear in its inputs: the second derivative is identically zero
        s.backward()
        analytic = sum(float(np.sum((0 if x.grad is None else x.grad.data) * d))
                       for x, d in zip(leaves, u))
        eps = 1e-6
        plus, _ = _tape_grad_dot(f, [np.asarray(x) + eps * d for x, d in zip(xs, u)], ct, v,
                                 create_graph=False)
        minus, _ = _tape_grad_dot(f, [np.asarray(x) - eps * d for x, d in zip(xs, u)], ct, v,
                                  create_graph=False)
        numeric = (plus - minus) / (2 * eps)
        assert analytic == pytest.approx(numeric, rel=1e-4, abs=1e-5), prim.name


@pytest.mark.parametrize("prim, args, params", _cases(differentiable_only=True))
def test_float32_inputs_keep_their_dtype(prim, args, params):
    """Issue 2, item 6: a float32 array stays float32 (with Python numbers alongside), and
    every gradient has its input's dtype."""
    args32 = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == np.float64
                   else a for a in args)
    if not any(isinstance(a, np.ndarray) and a.dtype == np.float32 for a in args32):
        return   # only Python-number inputs in this sample
    expected = np.result_type(prim.impl(*args32, **params))
    f, xs = _closure(prim, args32, params)
    leaves = [cr.tensor(x, requires_grad=True) for x in xs]
    out = f(*leaves)
    assert out.dtype == expected
    ct = np.ones(out.shape, dtype=out.dtype)
    out.backward(gradient=ct)
    for leaf in leaves:
        assert leaf.grad is None or leaf.grad.dtype == leaf.dtype, (leaf.dtype, leaf.grad.dtype)


_EDGE_POINTS = (0.0, 1.0, -1.0, 2.0, -0.5)


@pytest.mark.parametrize("prim", [p for p in TABLE.values()
                                  if p.partials is not None and p.differentiable],
                         ids=lambda p: p.name)
def test_rules_on_python_floats_never_raise(prim):
    # Scalars travel as Python floats (the `math` fast path), where `/` and `**` raise on a
    # zero divisor or give complex numbers: every rule must go through the table's div/pow
    # and return NumPy's inf/nan at singular points instead. Both modes, every input.
    n = len(prim.partials)
    for point in _EDGE_POINTS:
        for i in range(n):
            if prim.partials[i] is None:
                continue
            args = [point] * n
            if prim.name == "where":
                args[0] = True
            with np.errstate(all="ignore"):
                def f(x, i=i):
                    full = list(args)
                    full[i] = x
                    return bind(prim, *full)
                g = cr.grad(f)(point)
                t = cr.jvp(f, (point,), (1.0,))[1]
                x = cr.tensor(point, requires_grad=True)
                full = list(args)
                full[i] = x
                out = bind(prim, *full)
                if isinstance(out, cr.Tensor) and out.requires_grad:
                    out.backward()
            for value in (g, t):
                assert not isinstance(value, complex), (prim.name, point, value)


# ----------------------------------------------------------------------------------------
# Rows carry maths only; batching reads a kind declared on every row.

_OPS = pathlib.Path(P.__file__).resolve().parent
# The one place the engine's tactics are handed to Primitive: the elementwise constructor,
# which derives them from the partials.
_DERIVES_TACTICS = {("elementwise.py", "elementwise")}


def _tactic_keywords(path: pathlib.Path) -> list:
    """(line, enclosing function) of every call in ``path`` passing factors= or vjp_simple=."""
    found = []

    def visit(node, func):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                else func
            if isinstance(child, ast.Call) and any(
                    k.arg in ("factors", "vjp_simple") for k in child.keywords):
                found.append((child.lineno, func))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), None)
    return found


def test_no_row_writes_engine_tactics_by_hand():
    """``factors`` and ``vjp_simple`` come from the constructors: no row in ops/ passes them."""
    wrong = [f"{path.name}:{line}" for path in sorted(_OPS.glob("*.py"))
             for line, func in _tactic_keywords(path) if (path.name, func) not in _DERIVES_TACTICS]
    assert not wrong, f"rows passing factors=/vjp_simple= by hand (derive them instead): {wrong}"
    # The scan sees the constructor's own call, so it is not blind.
    assert _tactic_keywords(_OPS / "elementwise.py")


def test_constructors_refuse_engine_tactics():
    from chainrule.ops._build import linear
    with pytest.raises(TypeError, match="derived by the row constructors"):
        linear("tactics_test_row", np.copy, lambda g, x: g, batch="elementwise",
               factors=[None])
    assert "tactics_test_row" not in P.TABLE


def test_nondifferentiable_row_without_ufunc_must_say_how_it_batches():
    from chainrule.ops._build import nondifferentiable
    with pytest.raises(TypeError, match="say how batching treats it"):
        nondifferentiable("batch_test_row", np.argmax)
    assert "batch_test_row" not in P.TABLE


def test_partial_forms_derive_the_engine_tactics():
    """What the elementwise constructor derives from each form of a partial."""
    from chainrule.ops.elementwise import _form_rules, _same_g, over
    x, y, g = np.array([1.5, -2.0]), np.array([0.5, 4.0]), np.array([3.0, -1.0])
    # A constant 1 hands g on unchanged: no factor, the compiled core's True.
    partial, vjp, jvp, factor, simple = _form_rules(1.0, 2)
    assert vjp is _same_g and simple is True and factor is None and partial(x, x, y) == 1.0
    # A constant -1 negates: a multiply-by-(-1) factor.
    partial, vjp, jvp, factor, simple = _form_rules(-1.0, 1)
    np.testing.assert_array_equal(vjp(g, x, x), -g)
    assert factor[0] is np.multiply and simple is None
    # over(den): the rule divides, and so does the factor, exactly.
    partial, vjp, jvp, factor, simple = _form_rules(over(lambda out, a, b: b), 2)
    np.testing.assert_array_equal(vjp(g, x, x, y), g / y)
    np.testing.assert_array_equal(factor[0](g, factor[1](x, x, y)), g / y)
    np.testing.assert_array_equal(partial(x, x, y), 1.0 / y)
    assert simple is None
    # A function p: g * p, and the compiled core may call p itself.
    p = lambda out, a: a * a  # noqa: E731
    partial, vjp, jvp, factor, simple = _form_rules(p, 1)
    assert partial is p and simple is p and factor == (np.multiply, p)
    np.testing.assert_array_equal(vjp(g, x, x), g * x * x)
    np.testing.assert_array_equal(jvp(g, x, x), g * x * x)


@pytest.mark.parametrize("prim", list(TABLE.values()), ids=list(TABLE))
def test_every_row_declares_a_batch_kind(prim):
    from chainrule.interpret.batching import _BY_KIND
    assert prim.batch is not None and prim.batch in _BY_KIND, \
        f"{prim.name}: batch={prim.batch!r} is not a kind of chainrule.interpret.batching"


def test_batching_refuses_a_table_row_without_a_kind(monkeypatch):
    from chainrule.core import Primitive
    from chainrule.interpret import batching
    row = Primitive("kindless_test_row", np.negative, [lambda g, out, x: -g],
                    [lambda t, out, x: -t])
    monkeypatch.setitem(P.TABLE, row.name, row)
    with pytest.raises(ValueError, match="kindless_test_row .batch=None."):
        batching._check_table()


def test_batching_refuses_an_unknown_kind():
    from chainrule.core import Primitive
    from chainrule.interpret.batching import batched_call
    row = Primitive("odd_kind_test_row", np.negative, [lambda g, out, x: -g],
                    [lambda t, out, x: -t], batch="sideways")
    with pytest.raises(ValueError, match="declares batch='sideways'"):
        batched_call(lambda v: bind(row, v), [np.ones((2, 3))], [True], 2)


def test_a_primitive_outside_the_table_without_a_kind_is_looped():
    from chainrule.core import Primitive
    from chainrule.interpret.batching import batched_call
    row = Primitive("looped_test_row", lambda v: np.cumsum(v), [], [])
    vals = np.arange(6.0).reshape(2, 3)
    out = batched_call(lambda v: bind(row, v), [vals], [True], 2)
    np.testing.assert_array_equal(out, [np.cumsum(vals[0]), np.cumsum(vals[1])])


def test_ops_exposes_every_row_by_name():
    """``chainrule.ops`` is the table's one face: every row is an attribute named in
    ``__all__`` (``max``/``min`` as ``amax``/``amin``), and nothing it lists is missing."""
    exposed = {id(getattr(P, n)) for n in P.__all__}
    assert all(hasattr(P, n) for n in P.__all__)
    missing = sorted(name for name, prim in TABLE.items() if id(prim) not in exposed)
    assert not missing, f"rows not exposed by chainrule.ops.__all__: {missing}"
    assert len(P.__all__) == len(set(P.__all__))
