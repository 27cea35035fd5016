"""Custom derivative rules (cr.custom_jvp, cr.custom_vjp, cr.primitive), cr.checkpoint and
cr.testing.check_rule: each mode and order against the same function written with chainrule's
own operations (the reference), and each error message once."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import chainrule as cr
from chainrule import numpy as cnp
from chainrule.core import value_of
from chainrule.testing import GradcheckError

X = np.array([0.3, -0.7, 1.1])


def check(excinfo, wrong: list, todo: list) -> None:
    msg = str(excinfo.value)
    for fragment in wrong + todo:
        assert fragment in msg, f"{fragment!r} is not in: {msg}"


def ref_f(x):
    return cnp.sin(x) * x


@cr.custom_jvp
def f(x):
    return cnp.sin(x) * x


@f.defjvp
def _f_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return f(x), (cnp.cos(x) * x + cnp.sin(x)) * t


# A rule that saves intermediates (exp(x)) for its backward pass.
@cr.custom_vjp
def xexp(x):
    return cnp.exp(x) * x


def _xexp_fwd(x):
    ex = cnp.exp(x)
    return ex * x, (ex, x)


def _xexp_bwd(res, g):
    ex, x = res
    return (g * ex * (1 + x),)


xexp.defvjp(_xexp_fwd, _xexp_bwd)


def ref_xexp(x):
    return cnp.exp(x) * x


# The same rule in plain NumPy: right at first order, refused above it.
@cr.custom_vjp
def np_tanh(x):
    return np.tanh(x)


np_tanh.defvjp(lambda x: (np.tanh(x), np.tanh(x)),
               lambda r, g: (g * (1 - np.asarray(r) ** 2),))


# ----------------------------------------------------------------------------------------
# custom_jvp: one rule, every mode and order.

def test_custom_jvp_matches_reference_in_every_mode():
    s = lambda fn: (lambda x: fn(x).sum())  # noqa: E731
    np.testing.assert_allclose(cr.grad(s(f))(X), cr.grad(s(ref_f))(X), rtol=1e-14)
    np.testing.assert_allclose(cr.jacrev(f)(X), cr.jacrev(ref_f)(X), rtol=1e-14)
    np.testing.assert_allclose(cr.jacfwd(f)(X), cr.jacfwd(ref_f)(X), rtol=1e-14)
    np.testing.assert_allclose(cr.jvp(f, (X,), (np.ones(3),))[1],
                               cr.jvp(ref_f, (X,), (np.ones(3),))[1], rtol=1e-14)


def test_hessian_of_custom_jvp_function():
    h = cr.hessian(lambda x: f(x).sum())(X)
    np.testing.assert_allclose(h, cr.hessian(lambda x: ref_f(x).sum())(X), rtol=1e-13)
    # d²/dx² x sin x = 2 cos x - x sin x on the diagonal, nothing off it.
    np.testing.assert_allclose(h, np.diag(2 * np.cos(X) - X * np.sin(X)), atol=1e-14)


def test_custom_jvp_third_order_and_taylor_mode():
    g3 = cr.grad(cr.grad(cr.grad(f)))(0.3)
    assert g3 == pytest.approx(cr.grad(cr.grad(cr.grad(ref_f)))(0.3), rel=1e-13)
    assert cr.derivative(f, 4)(0.3) == pytest.approx(cr.derivative(ref_f, 4)(0.3), rel=1e-12)


def test_custom_jvp_rule_is_used_not_the_function():
    # log(1 + e^x) overflows at 1000 when differentiated through its ops; the rule does not.
    @cr.custom_jvp
    def log1pexp(x):
        return cnp.logaddexp(x, 0.0)

    @log1pexp.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return log1pexp(x), t * cr.sigmoid(x)

    @cr.custom_jvp
    def twice(x):
        return x

    twice.defjvp(lambda p, t: (p[0], 2 * t[0]))
    assert cr.grad(twice)(3.0) == 2.0 and cr.jvp(twice, (3.0,), (1.0,))[1] == 2.0
    assert cr.grad(log1pexp)(1000.0) == 1.0


def test_custom_function_in_tensor_style_and_graph_and_symbols():
    t = cr.tensor([0.3, 0.7], requires_grad=True)
    f(t).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), np.cos([0.3, 0.7]) * [0.3, 0.7] +
                               np.sin([0.3, 0.7]), rtol=1e-7)
    text = str(cr.graph(f(cr.tensor(0.3, requires_grad=True))))
    assert text.startswith("f = ")
    x = cr.symbol("x")
    assert str(f(x)) == "f(x)"
    assert str(cr.diff(f(x), "x")) == "x*cos(x) + sin(x)"


def test_custom_jvp_pytrees_nondiff_argnums_and_several_outputs():
    @partial(cr.custom_jvp, nondiff_argnums=(0,))
    def power(n, d):
        return d["a"] ** n * d["b"]

    @power.defjvp
    def _(n, primals, tangents):
        (d,), (td,) = primals, tangents
        return power(n, d), n * d["a"] ** (n - 1) * d["b"] * td["a"] + d["a"] ** n * td["b"]

    assert cr.grad(lambda d: power(3, d))({"a": 2.0, "b": 5.0}) == {"a": 60.0, "b": 8.0}

    @cr.custom_jvp
    def sincos(x):
        return cnp.sin(x), 2 * cnp.cos(x)

    @sincos.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return sincos(x), (cnp.cos(x) * t, -2 * cnp.sin(x) * t)

    def use(fn):
        return lambda x: (fn(x)[0] * fn(x)[1]).sum()

    np.testing.assert_allclose(cr.grad(use(sincos))(X),
                               cr.grad(use(lambda x: (cnp.sin(x), 2 * cnp.cos(x))))(X),
                               rtol=1e-14)


def test_custom_functions_under_vmap_and_batched_jacobians():
    xs = np.array([[0.1, 0.2], [0.5, -1.0], [2.0, 0.3]])
    np.testing.assert_allclose(cr.vmap(f)(xs), ref_f(xs), rtol=1e-15)
    per = cr.vmap(cr.grad(lambda x: f(x).sum()))(xs)
    np.testing.assert_allclose(per, np.cos(xs) * xs + np.sin(xs), rtol=1e-14)
    # A plain-NumPy VJP rule meets batched cotangents (jacrev) and batched values (vmap):
    # it is run once per example.
    np.testing.assert_allclose(np.diag(cr.jacrev(np_tanh)(X)), 1 - np.tanh(X) ** 2,
                               rtol=1e-14)
    np.testing.assert_allclose(cr.vmap(cr.grad(lambda x: np_tanh(x).sum()))(xs),
                               1 - np.tanh(xs) ** 2, rtol=1e-14)

    @cr.primitive
    def np_sin(x):
        return np.sin(x)

    cr.defvjp(np_sin, lambda ans, x: lambda g: np.asarray(g) * np.cos(x))
    np.testing.assert_allclose(cr.jacrev(np_sin)(X), np.diag(np.cos(X)), rtol=1e-15)


def test_vmap_runs_a_custom_function_once_per_batch_and_keeps_its_rule():
    calls = []

    @cr.custom_jvp
    def twice_grad(x):          # the identity, with a rule saying its slope is 2
        calls.append(np.shape(cr.core.value_of(x)) if not isinstance(x, cr.core.Tracer)
                     else "batched")
        return x * 1.0

    twice_grad.defjvp(lambda p, t: (twice_grad(p[0]), 2.0 * t[0]))
    xs = np.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(cr.vmap(twice_grad)(xs), xs)
    assert calls == ["batched"]                    # one call for the whole batch
    np.testing.assert_allclose(cr.vmap(cr.grad(lambda x: twice_grad(x).sum()))(xs),
                               np.full((3, 2), 2.0))
    # Another transform traces the inputs below the batch: the row runs per example, so
    # its rule (not the function's own derivative) is what that transform sees.
    g = cr.grad(lambda x: cr.vmap(twice_grad)(x).sum())(xs)
    np.testing.assert_allclose(g, np.full((3, 2), 2.0))
    # A function that converts a mapped value to NumPy is run per example.
    n = []

    @cr.custom_jvp
    def np_sin(x):
        n.append(1)
        return np.sin(np.asarray(x))

    np_sin.defjvp(lambda p, t: (np_sin(p[0]), np.cos(p[0]) * t[0]))
    np.testing.assert_allclose(cr.vmap(np_sin)(xs), np.sin(xs))
    assert len(n) == 1 + 3          # the try on the whole batch, then once per example


# ----------------------------------------------------------------------------------------
# custom_vjp

def test_rule_that_saves_intermediates_gives_correct_second_derivatives():
    assert cr.grad(xexp)(0.5) == pytest.approx(cr.grad(ref_xexp)(0.5), rel=1e-15)
    # The second derivative reruns fwd on traced values, so the saved exp(x) is traced too:
    # (x e^x)'' = (2 + x) e^x, not the (1 + x) e^x a stored constant would give.
    assert cr.grad(cr.grad(xexp))(0.5) == pytest.approx(2.5 * np.exp(0.5), rel=1e-14)
    h = cr.jacrev(cr.jacrev(lambda x: xexp(x).sum()))(X)
    np.testing.assert_allclose(h, np.diag((2 + X) * np.exp(X)), rtol=1e-14)
    t = cr.tensor(0.5, requires_grad=True)
    (g,) = cr.autograd.grad(xexp(t), [t], create_graph=True)
    g.backward()
    assert float(t.grad) == pytest.approx(2.5 * np.exp(0.5), rel=1e-14)


def test_custom_vjp_first_order_residuals_are_reused():
    calls = []

    @cr.custom_vjp
    def sq(x):
        return x * x

    def fwd(x):
        calls.append("fwd")
        return x * x, x

    sq.defvjp(fwd, lambda x, g: (2 * x * g,))
    assert cr.grad(sq)(3.0) == 6.0
    assert calls == ["fwd"]      # the backward pass used the saved residual


def test_custom_vjp_nondiff_argnums_and_pytrees():
    @partial(cr.custom_vjp, nondiff_argnums=(1,))
    def scale(d, k):
        return d["x"] * k + d["y"]

    scale.defvjp(lambda d, k: (scale(d, k), None),
                 lambda k, res, g: ({"x": g * k, "y": g},))
    assert cr.grad(lambda d: scale(d, 3.0))({"x": 1.0, "y": 2.0}) == {"x": 3.0, "y": 1.0}

    @cr.custom_vjp
    def pair(a, b):
        return a * b

    pair.defvjp(lambda a, b: (a * b, (a, b)), lambda r, g: (g * r[1], None))
    assert cr.grad(pair, argnums=(0, 1))(2.0, 5.0) == (5.0, 0.0)


def test_plain_numpy_vjp_rule_works_at_first_order():
    np.testing.assert_allclose(cr.grad(lambda x: np_tanh(x).sum())(X), 1 - np.tanh(X) ** 2,
                               rtol=1e-14)


# ----------------------------------------------------------------------------------------
# autograd style

def test_primitive_with_vjp_jvp_or_both():
    @cr.primitive
    def cube(x):
        return x ** 3

    cr.defvjp(cube, lambda ans, x: lambda g: 3 * g * x ** 2)
    assert cr.grad(cube)(2.0) == 12.0 and cr.grad(cr.grad(cube))(2.0) == 12.0

    @cr.primitive
    def exp(x):
        return np.exp(x)

    cr.defjvp(exp, lambda t, ans, x: t * ans)        # VJP by transposition
    assert cr.grad(exp)(1.0) == pytest.approx(np.e)
    assert cr.jvp(exp, (1.0,), (2.0,))[1] == pytest.approx(2 * np.e)

    @cr.primitive
    def mul(x, y):
        return x * y

    cr.defvjp(mul, None, lambda ans, x, y: lambda g: g * x, argnums=(0, 1))
    cr.defvjp(mul, lambda ans, x, y: lambda g: g * y)
    cr.defjvp(mul, lambda t, ans, x, y: t * y, lambda t, ans, x, y: t * x)
    assert cr.grad(mul, argnums=(0, 1))(3.0, 4.0) == (4.0, 3.0)
    assert cr.jvp(mul, (3.0, 4.0), (1.0, 1.0))[1] == 7.0


# ----------------------------------------------------------------------------------------
# check_rule

def test_check_rule_passes_right_rules_at_orders_1_to_3():
    cr.testing.check_rule(f, X)
    cr.testing.check_rule(xexp, X)             # reverse mode only, by default
    cr.testing.check_rule(np_tanh, X, order=1)


def test_check_rule_catches_a_wrong_rule():
    @cr.custom_jvp
    def wrong(x):
        return cnp.sin(x)

    wrong.defjvp(lambda p, t: (wrong(p[0]), 2 * cnp.cos(p[0]) * t[0]))
    with pytest.raises(GradcheckError):
        cr.testing.check_rule(wrong, X)


def test_check_rule_catches_a_rule_wrong_only_at_second_order():
    # PyTorch's classic: the backward uses a saved value as a constant (detached), so first
    # derivatives are right and second ones are not.
    @cr.custom_vjp
    def detached(x):
        return cnp.exp(x)

    def fwd(x):
        return cnp.exp(x), value_of(cnp.exp(x))   # a constant: its derivative is lost

    detached.defvjp(fwd, lambda ex, g: (g * ex,))
    cr.testing.check_rule(detached, X, order=1)
    with pytest.raises(GradcheckError, match="order 1 check"):
        cr.testing.check_rule(detached, X, order=2)


# ----------------------------------------------------------------------------------------
# checkpoint

def _chain(x, n=30):
    for _ in range(n):
        x = cnp.sin(x) * 0.9 + x * 0.1
    return x


def test_checkpoint_functional_matches_at_every_order():
    seg = cr.checkpoint(_chain)
    two = lambda x: seg(seg(x)).sum()  # noqa: E731
    ref = lambda x: _chain(_chain(x)).sum()  # noqa: E731
    np.testing.assert_allclose(cr.grad(two)(X), cr.grad(ref)(X), rtol=1e-13)
    np.testing.assert_allclose(cr.hessian(two)(X), cr.hessian(ref)(X), rtol=1e-12)
    np.testing.assert_allclose(cr.jacrev(cr.grad(two))(X), cr.hessian(ref)(X), rtol=1e-12)
    cr.testing.check_rule(seg, X, order=2)


def test_checkpoint_static_argnums_and_several_outputs():
    seg = cr.checkpoint(lambda x, n: (_chain(x, n), cnp.cos(x)), static_argnums=(1,))
    got = cr.grad(lambda x: (seg(x, 7)[0] * seg(x, 7)[1]).sum())(X)
    want = cr.grad(lambda x: (_chain(x, 7) * cnp.cos(x)).sum())(X)
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_checkpoint_keeps_no_inner_values_and_recomputes_in_backward():
    calls = []

    def block(x):
        calls.append(1)
        return _chain(x)

    x = cr.tensor(X, requires_grad=True)
    y = cr.checkpoint(block)(x)
    assert y._inputs == (x,) and y._prim.name == "block"   # one node: no inner graph
    y.sum().backward()
    assert len(calls) == 2     # the forward, and the rerun of the backward pass
    np.testing.assert_allclose(x.grad.numpy(), cr.grad(lambda v: _chain(v).sum())(X),
                               rtol=1e-13)


def test_checkpoint_tensor_style_gives_closed_over_parameters_their_grad():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 3)) * 0.5
    W, W2 = cr.tensor(w, requires_grad=True), cr.tensor(w, requires_grad=True)

    def layer(W):
        return lambda h: (h @ W).tanh()

    x = cr.tensor(X, requires_grad=True)
    h = x
    for _ in range(4):
        h = cr.checkpoint(layer(W))(h)
    h.sum().backward()
    x2 = cr.tensor(X, requires_grad=True)
    h2 = x2
    for _ in range(4):
        h2 = layer(W2)(h2)
    h2.sum().backward()
    np.testing.assert_allclose(W.grad.numpy(), W2.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-13)


# ----------------------------------------------------------------------------------------
# Errors: one test per message.

def test_error_vjp_only_rule_in_forward_mode():
    for call in (lambda: cr.jvp(xexp, (0.5,), (1.0,)),
                 lambda: cr.hessian(lambda x: xexp(x).sum())(X),
                 lambda: cr.derivative(xexp, 2)(0.5)):
        with pytest.raises(TypeError) as e:
            call()
        check(e, ["xexp is a cr.custom_vjp function", "forward mode"],
              ["jacrev(jacrev(f))", "cr.custom_jvp"])


def test_error_numpy_rule_above_its_order():
    with pytest.raises(TypeError) as e:
        cr.grad(cr.grad(np_tanh))(0.5)
    check(e, ["bwd rule of np_tanh converts a traced value"], ["chainrule.numpy"])


def test_error_custom_jvp_without_rule():
    @cr.custom_jvp
    def bare(x):
        return x

    assert bare(2.0) == 2.0
    with pytest.raises(TypeError) as e:
        cr.grad(bare)(1.0)
    check(e, ["bare is a cr.custom_jvp function without a rule"], ["bare.defjvp(rule)"])


def test_error_custom_vjp_without_rules():
    @cr.custom_vjp
    def bare(x):
        return x

    with pytest.raises(TypeError) as e:
        cr.grad(bare)(1.0)
    check(e, ["without rules"], ["bare.defvjp(fwd, bwd)"])


def test_error_jvp_rule_not_a_pair():
    @cr.custom_jvp
    def g(x):
        return x

    g.defjvp(lambda p, t: t[0])
    with pytest.raises(TypeError) as e:
        cr.jvp(g, (1.0,), (1.0,))
    check(e, ["JVP rule of g must return a pair", "got float"], ["(primal_out, tangent_out)"])


def test_error_fwd_rule_not_a_pair():
    @cr.custom_vjp
    def g(x):
        return x

    g.defvjp(lambda x: x, lambda r, ct: (ct,))
    with pytest.raises(TypeError) as e:
        g(1.0)
    check(e, ["fwd rule of g must return a pair", "got float"], ["(output, residuals)"])


def test_error_tangent_structure_mismatch():
    @cr.custom_jvp
    def g(x):
        return x, x

    g.defjvp(lambda p, t: (g(p[0]), t[0]))
    with pytest.raises(TypeError) as e:
        cr.jvp(lambda x: g(x)[0], (1.0,), (1.0,))
    check(e, ["tangent returned by the JVP rule of g has structure"], ["must match"])


def test_error_bwd_wrong_number_of_cotangents():
    @cr.custom_vjp
    def g(x, y):
        return x * y

    g.defvjp(lambda x, y: (x * y, None), lambda r, ct: ct)
    with pytest.raises(TypeError) as e:
        cr.grad(g)(1.0, 2.0)
    check(e, ["one cotangent per differentiable argument (2)", "got float"], ["bwd rule of g"])


def test_error_bwd_cotangent_structure_mismatch():
    @cr.custom_vjp
    def g(d):
        return d["a"]

    g.defvjp(lambda d: (d["a"], None), lambda r, ct: ([ct],))
    with pytest.raises(TypeError) as e:
        cr.grad(g)({"a": 1.0})
    check(e, ["returned a cotangent of structure"], ["they must match"])


def test_error_nondiff_argnums_out_of_range():
    g = cr.custom_jvp(lambda x: x, nondiff_argnums=(3,))
    with pytest.raises(ValueError) as e:
        g(1.0)
    check(e, ["nondiff_argnums=(3,)", "1 positional argument(s)"], ["positions below 1"])


def test_error_closure_over_a_traced_value():
    def outer(w):
        @cr.custom_jvp
        def g(x):
            return x * w

        g.defjvp(lambda p, t: (g(p[0]), t[0] * w))
        return g(w)

    with pytest.raises(ValueError) as e:
        cr.grad(outer)(2.0)
    check(e, ["closure over a traced value"], ["pass that value as an argument"])


def test_error_empty_output():
    g = cr.custom_jvp(lambda x: None)
    with pytest.raises(TypeError) as e:
        g(1.0)
    check(e, ["returned None, which holds no array"], ["must return an array"])


def test_error_decorating_a_non_function():
    with pytest.raises(TypeError) as e:
        cr.custom_jvp(3)
    check(e, ["decorates a function, got 3"], [])
    with pytest.raises(TypeError) as e:
        f.defjvp(3)
    check(e, ["f.defjvp takes a function, got 3"], [])
    with pytest.raises(TypeError) as e:
        xexp.defvjp(3, 4)
    check(e, ["takes two functions"], [])


def test_error_defvjp_on_a_non_primitive():
    with pytest.raises(TypeError) as e:
        cr.defvjp(xexp, lambda ans, x: lambda g: g)
    check(e, ["@cr.primitive"], ["f.defvjp(fwd, bwd)"])
    with pytest.raises(TypeError) as e:
        cr.defjvp(f, lambda t, ans, x: t)
    check(e, ["@cr.primitive"], ["f.defjvp(rule)"])


def test_error_primitive_without_the_rule_asked_for():
    @cr.primitive
    def mul(x, y):
        return x * y

    cr.defvjp(mul, lambda ans, x, y: lambda g: g * y)
    with pytest.raises(TypeError) as e:
        cr.grad(mul, argnums=1)(1.0, 2.0)
    check(e, ["mul has no VJP rule for argument 1"], ["cr.defvjp(mul, ...)"])
    with pytest.raises(TypeError) as e:
        cr.jvp(mul, (1.0, 2.0), (1.0, 0.0))
    check(e, ["mul has no JVP rule (it has VJP rules only"], ["cr.defjvp(mul, ...)",
                                                              "reverse mode"])


def test_error_primitive_without_a_jvp_rule_for_one_argument():
    @cr.primitive
    def mul(x, y):
        return x * y

    cr.defjvp(mul, lambda t, ans, x, y: t * y)
    assert cr.jvp(mul, (3.0, 4.0), (1.0, 0.0))[1] == 4.0
    with pytest.raises(TypeError) as e:
        cr.jvp(mul, (3.0, 4.0), (0.0, 1.0))
    check(e, ["mul has no JVP rule for argument 1"], ["cr.defjvp(mul, ...)"])


def test_error_checkpoint_tensor_style_create_graph():
    x = cr.tensor(0.5, requires_grad=True)
    y = cr.checkpoint(lambda v: v.sin())(x)
    with pytest.raises(TypeError) as e:
        cr.autograd.grad(y, [x], create_graph=True)
    check(e, ["supports backward() at first order"], ["functional style"])


def test_error_check_rule_order():
    with pytest.raises(ValueError) as e:
        cr.testing.check_rule(f, X, order=0)
    check(e, ["order must be a whole number >= 1, got 0"], [])
