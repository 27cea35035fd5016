"""cr.compile: generated programs give the eager engine's results bit for bit.

Every row of the table goes through ``cr.compile(cr.grad(...))`` at orders 1 and 2 and is
compared byte for byte with the eager transforms; so are the 300 random programs of the
compiled-core tests, the transforms composed both ways, and the error messages.
"""

from __future__ import annotations

import re
import warnings
import zlib

import numpy as np
import pytest

import chainrule as cr
from chainrule import ops as P
from chainrule.core import bind
from chainrule.core.pytree import tree_flatten
from chainrule.compiler import Compiled, TracerControlFlowError

TABLE = dict(P.TABLE)


def _bytes(x):
    a = np.asarray(x)
    return type(x).__name__, a.dtype.str, a.shape, a.tobytes()


def _same(a, b):
    la, ta = tree_flatten(a)
    lb, tb = tree_flatten(b)
    assert ta == tb
    for x, y in zip(la, lb):
        assert _bytes(x) == _bytes(y), (x, y)


def _rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


# ----------------------------------------------------------------------------------------
# The tutorial's program, pinned (the README and docs/compile.md show it).

TUTORIAL_SOURCE = '''\
def grad_of_f(x):
    try:
        t4 = x ** 3 if x else _bail()
        t7 = x ** 2 if x else _bail()
        t13 = 2 * x
        t13 = 7.0 * t13
        t13 = 9.0 + t13
        t7 = 3 * t7
        t7 = 3.0 * t7
        t7 = t13 + t7
        t4 = 4 * t4
        t4 = 5.0 * t4
        dx = t7 + t4
        return dx
    except (ArithmeticError, ValueError, Bail):
        # a value the float code above does not cover: the rows' own impls
        return grad_of_f_exact(x)
'''


def test_tutorial_source_is_pinned_and_shown_in_the_docs():
    df = cr.compile(cr.grad(lambda x: 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5))
    assert df(2.0) == 233.0 and type(df(2.0)) is float
    assert df.source == TUTORIAL_SOURCE
    assert str(df) == TUTORIAL_SOURCE
    import pathlib
    root = pathlib.Path(__file__).resolve().parent.parent
    for doc in ("README.md", "docs/compile.md"):
        assert TUTORIAL_SOURCE in (root / doc).read_text(), doc


def test_ir_prints_one_equation_a_line():
    df = cr.compile(cr.grad(lambda x: cr.sin(x) * x))
    df(0.5)
    ir = df.ir.splitlines()
    assert ir[0] == "grad_of_f(v1:float)"
    assert any(re.fullmatch(r"  v\d+:float = cos v1", ln) for ln in ir), ir
    assert ir[-1].startswith("  return v")


def test_user_names_appear_in_the_source():
    def loss(w, b):
        pred = w * 3.0 + b
        err = pred - 1.0
        return (err * err).sum()

    c = cr.compile(loss)
    w, b = np.ones(3), np.zeros(3)
    assert c(w, b) == loss(w, b)
    src = c.source
    assert src.startswith("def loss(w, b):")
    assert "pred = t3 + b" in src and "err = pred - 1.0" in src


# ----------------------------------------------------------------------------------------
# Every row of the table, orders 1 and 2, bit for bit against the eager transforms.


def _samples(prim):
    if prim.domain is not None:
        return list(prim.domain(_rng(prim.name)))
    rng = _rng(prim.name)
    nin = prim.ufunc.nin if prim.ufunc is not None else 1
    x = np.round(rng.normal(size=(3, 1)), 1)
    y = np.round(rng.normal(size=(4,)), 1)
    y[0] = x[0, 0]
    if nin == 1:
        return [((np.concatenate([x.ravel(), [0.0]]),), {}), ((float(x[1, 0]),), {})]
    return [((x, y), {}), ((x, 0.0), {}), ((float(y[1]), y), {})]


def _cases():
    out = []
    for name, prim in TABLE.items():
        for k, (args, params) in enumerate(_samples(prim)):
            out.append(pytest.param(prim, args, params, id=f"{name}-{k}"))
    return out


def _scalar_loss(prim, args, params):
    """A real scalar function of the row's differentiable inputs (a fixed weighting of the
    output; the real part for complex rows)."""
    diff = [i for i, a in enumerate(args)
            if prim.vjp_rule(i) is not None and np.result_type(a).kind == "f"]
    out = prim.impl(*args, **params)
    w = _rng(prim.name + "-w").normal(size=np.shape(out))
    complex_out = np.iscomplexobj(out)

    def loss(*xs):
        full = list(args)
        for i, v in zip(diff, xs):
            full[i] = v
        y = bind(prim, *full, **params)
        if complex_out:
            y = TABLE["real"](y)
        return (y * w).sum()

    return loss, [args[i] for i in diff]


@pytest.mark.parametrize("prim, args, params", _cases())
def test_every_row_compiled_order_1_and_2(prim, args, params):
    if not prim.differentiable or prim.domain is None:
        f = lambda *xs: bind(prim, *xs, **params)  # noqa: E731
        _same(cr.compile(f)(*args), f(*args))
        return
    loss, xs = _scalar_loss(prim, args, params)
    nums = tuple(range(len(xs)))
    g1 = cr.grad(loss, argnums=nums)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # the same warnings as eagerly
        _same(cr.compile(g1)(*xs), g1(*xs))
        vs = [_rng(prim.name + "-v").normal(size=np.shape(x)) for x in xs]

        def second(*ys):
            gs = g1(*ys)
            return sum((g * v).sum() for g, v in zip(gs, vs))

        g2 = cr.grad(second, argnums=nums)
        _same(cr.compile(g2)(*xs), g2(*xs))
        _same(cr.compile(cr.value_and_grad(loss, argnums=nums))(*xs),
              cr.value_and_grad(loss, argnums=nums)(*xs))


# ----------------------------------------------------------------------------------------
# The 300 random programs of the compiled-core tests, compiled.


def _as_function(program: str):
    """The Tensor-API program as a function of its three leaves returning y (hooks,
    retain_grad and backward calls dropped)."""
    lines = program.splitlines()
    values = []
    body = []
    for ln in lines[:3]:
        m = re.fullmatch(r"v\d = cr\.tensor\((.*), requires_grad=True\)", ln)
        values.append(eval(m.group(1), {"np": np}))   # noqa: S307  (our own generated text)
    for ln in lines[3:]:
        if "register_hook" in ln or "retain_grad" in ln or "backward" in ln or \
                ln.startswith("grads"):
            continue
        body.append("    " + ln)
    src = "def prog(v0, v1, v2):\n" + "\n".join(body) + "\n    return y\n"
    ns = {"cr": cr, "np": np}
    exec(src, ns)   # noqa: S102
    return ns["prog"], values


def test_random_programs_compiled_give_identical_gradients():
    # (Program 25 has a Python float first and float32 arrays after: the eager result turns
    # into a float, so its gradient starts from a float seed, in float64; the traced one must
    # too, or the float32 gradients differ in the last bit.)
    from test_compiled import _program
    rng = np.random.default_rng(20261126)
    checked = 0
    for _ in range(300):
        prog, values = _as_function(_program(rng))
        g = cr.value_and_grad(prog, argnums=(0, 1, 2))
        try:
            expected = g(*values)
        except Exception as e:   # the generator makes some invalid programs
            with pytest.raises(type(e)):
                cr.compile(g)(*values)
            continue
        _same(cr.compile(g)(*values), expected)
        checked += 1
    assert checked > 250


# ----------------------------------------------------------------------------------------
# Composition.

def _f(x):
    return cr.sin(x) * x ** 3


@pytest.mark.parametrize("transform", [
    cr.grad, cr.value_and_grad, cr.elementwise_grad, cr.jacobian, cr.jacfwd, cr.jacrev,
    lambda f: cr.derivative(f, 3), lambda f: cr.hessian(lambda x: f(x).sum())])
def test_compile_of_each_transform_matches_eager(transform):
    x = np.array([0.3, 1.2, 2.0])
    g = transform(_f if transform not in (cr.grad, cr.value_and_grad)
                  else (lambda x: _f(x).sum()))
    _same(cr.compile(g)(x), g(x))
    _same(cr.compile(g)(x + 1.0), g(x + 1.0))   # the program is reused, not stale


def test_transforms_of_a_compiled_function_run_it_eagerly():
    c = cr.compile(lambda x: (cr.sin(x) * x).sum())
    x = np.array([0.3, 1.2])
    _same(cr.grad(c)(x), cr.grad(c.fn)(x))
    _same(cr.jvp(c, (x,), (np.ones(2),)), cr.jvp(c.fn, (x,), (np.ones(2),)))
    t = cr.tensor(x, requires_grad=True)
    c(t).backward()
    _same(t.grad.data, cr.grad(c.fn)(x))
    assert c.traces == 0


def test_decorator_forms_and_static_argnums():
    @cr.compile
    def f(x):
        return x * 2.0

    @cr.compile(static_argnums=1)
    def power(x, n):
        y = x
        for _ in range(n - 1):   # a loop over a static value: unrolled
            y = y * x
        return y

    assert isinstance(f, Compiled) and f(3.0) == 6.0
    assert power(2.0, 3) == 8.0 and power(2.0, 5) == 32.0
    assert power.traces == 2 and power.retraces == 1


def test_numpy_functions_on_traced_values():
    c = cr.compile(lambda x: np.sum(np.sin(x)) + np.exp(x).sum())
    x = np.array([0.1, 0.2])
    _same(c(x), np.sum(np.sin(x)) + np.exp(x).sum())


# ----------------------------------------------------------------------------------------
# The fast code's exits, buffers, value-dependent programs.

def test_float_code_falls_back_to_the_rows_impls_where_math_refuses():
    g = cr.compile(cr.grad(lambda x: cr.log(x) + x ** 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for x in (2.0, 0.0, -1.0, 1e308, float("inf")):
            _same(g(x), cr.grad(lambda x: cr.log(x) + x ** 3)(x))
    assert "x ** 2 if x else _bail()" in g.source and "_pow(x, 2)" in g.exact_source


def test_large_arrays_reuse_buffers_and_leave_inputs_alone():
    def loss(x):
        return (cr.sin(x) * cr.exp(-x**2 / 2)).sum()
    x = np.random.default_rng(0).normal(size=1 << 17)
    keep = x.copy()
    g = cr.compile(cr.value_and_grad(loss))
    _same(g(x), cr.value_and_grad(loss)(x))
    _same(g(x), cr.value_and_grad(loss)(x))
    assert np.array_equal(x, keep)
    assert "out=" in g.source
    v1, d1 = g(x)
    v2, d2 = g(x)
    assert d1 is not d2 and np.array_equal(d1, d2)   # outputs are never reused buffers


def test_programs_that_read_values_are_reused_only_for_the_same_values():
    # maximum's rule reads the values (ties split the gradient): a guarded program.
    f = lambda x: cr.maximum(x, 0.5).sum()  # noqa: E731
    g = cr.compile(cr.grad(f))
    for x in (np.array([0.5, 1.0]), np.array([0.2, 0.5]), np.array([0.5, 1.0])):
        _same(g(x), cr.grad(f)(x))
    assert g.traces == 3


# ----------------------------------------------------------------------------------------
# Errors and warnings: one test per message.

def test_if_on_a_traced_value_names_the_line_and_the_ways_out():
    def f(x):
        if x > 0:
            return x
        return -x
    with pytest.raises(TracerControlFlowError, match=r"bool\(\).*test_compile\.py:\d+ "
                       r"\(`if x > 0:`\).*cr\.where.*static_argnums"):
        cr.compile(f)(1.0)
    # Also under the transforms, where the `if` meets a Tensor (grad), a dual number (jvp)
    # or a power series (derivative) holding the traced value.
    for g in (cr.grad(f), lambda x: cr.jvp(f, (x,), (1.0,))[1], cr.derivative(f, 2)):
        with pytest.raises(TracerControlFlowError, match=r"bool\(\).*test_compile\.py:\d+ "
                           r"\(`if x > 0:`\).*cr\.where.*static_argnums"):
            cr.compile(g)(1.0)


def test_float_of_a_traced_value_is_an_error():
    with pytest.raises(TracerControlFlowError, match=r"float\(\) of a traced value"):
        cr.compile(lambda x: float(x) * 2.0)(1.0)


def test_retrace_warning_names_the_argument_that_changed():
    s = cr.compile(lambda x: x.sum())
    with pytest.warns(RuntimeWarning, match=r"retraced 3 times.*argument x changed from an "
                      r"array of shape \(3,\).* to an array of shape \(4,\)"):
        for n in range(1, 5):
            s(np.ones(n))
    assert s.retraces == 3


def test_unhashable_static_argument_says_what_to_do():
    c = cr.compile(lambda x, n: x * len(n), static_argnums=1)
    with pytest.raises(TypeError, match=r"static argument n .* must be hashable.*tuple"):
        c(1.0, [1, 2])


def test_tensor_from_outside_the_arguments_is_refused():
    w = cr.tensor(2.0, requires_grad=True)
    with pytest.raises(TypeError, match=r"Tensor that is not one of its arguments"):
        cr.compile(lambda x: x * w)(1.0)


def test_source_before_any_call_says_to_call_first():
    with pytest.raises(ValueError, match=r"nothing traced yet"):
        cr.compile(lambda x: x).source


def test_traced_value_used_after_its_trace_is_refused():
    kept = []
    c = cr.compile(lambda x: kept.append(x) or x * 2.0)
    c(1.0)
    with pytest.raises(RuntimeError, match=r"used after its trace ended"):
        kept[0] + 1.0


def test_returning_another_transforms_value_is_refused():
    with pytest.raises(TypeError, match=r"returned a Tensor"):
        cr.compile(lambda x: (x, cr.tensor(1.0)))(1.0)


def test_a_dropped_compiled_function_is_freed_without_the_garbage_collector():
    # No reference cycle anywhere (generated functions, Taylor series of cr.derivative): the
    # programs and their constants go with the Compiled, not at the next collection.
    import gc
    import weakref
    x = np.array([0.3, 1.2, 2.0])
    gc.disable()
    try:
        for g in (cr.derivative(_f, 3), cr.grad(lambda x: _f(x).sum())):
            c = cr.compile(g)
            _same(c(x), g(x))
            refs = [weakref.ref(c._last.prog), weakref.ref(c._last.fast)]
            del c
            assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_float32_gradient_seeded_as_eagerly_when_the_first_input_is_a_float():
    # Eagerly the result becomes a Python float (the first input's kind), so the pass starts
    # from the float 1.0 and runs in float64 before the float32 leaves get their cast; the
    # traced result cannot become a float, but its pass must start the same way.
    def f(a, b):
        u = b * np.float32(0.792) / (abs(b) + 1.0)
        return u.sum() * 0.5 + a + (u / (abs(u) + 1.0)).sum()

    g = cr.value_and_grad(f, argnums=(0, 1))
    args = (0.531, np.float32([0.792, -1.3]))
    _same(cr.compile(g)(*args), g(*args))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_small_float32_arrays_take_their_number_operands_as_arrays(dtype):
    # The tutorial's literal code (shape (1,) float32) and more operators, with numbers on
    # either side: NumPy casts the number to the array's dtype, so the same loop runs.
    def f(x):
        return (5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5) / 3.0 + 2.0 / (x + 0.1) - 1.5 ** x

    x = np.array([2.0, -0.7, 0.3], dtype=dtype)
    g = cr.compile(cr.elementwise_grad(f))
    _same(g(x), cr.elementwise_grad(f)(x))
    _same(g(x + 1), cr.elementwise_grad(f)(x + 1))
    assert f"_5_f{np.dtype(dtype).itemsize * 8}" in g.source
    t = cr.autograd.Variable(cr.Tensor([2]), requires_grad=True)
    (5*t**4 + 3*t**3 + 7*t**2 + 9*t - 5).backward()
    tutorial = cr.compile(cr.elementwise_grad(lambda x: 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5))
    _same(tutorial(np.array([2.0], dtype=np.float32)), t.grad.numpy())


def test_float_temporaries_are_freed_as_the_program_goes():
    # A float's name is taken again once it is dead, so a long chain holds the 50 values its
    # backward pass needs (as a hand-written loop saves them), not one float per operation
    # (W2's program ran 1.7x the hand-written loop before).
    def chain(x):
        for _ in range(50):
            x = cr.sin(x) * 0.01 + x
        return x

    g = cr.compile(cr.grad(chain))
    _same(g(0.5), cr.grad(chain)(0.5))
    names = {ln.split(" = ")[0].strip() for ln in g.source.splitlines() if " = " in ln}
    assert len(g.ir.splitlines()) > 300 and len(names) <= 55


def test_a_cached_program_does_not_keep_its_traces_arrays_alive():
    import tracemalloc

    def loss(x):
        return (cr.sin(x) * cr.exp(-x**2 / 2)).sum()

    x = np.random.default_rng(0).normal(size=1 << 17)
    tracemalloc.start()
    try:
        c = cr.compile(cr.value_and_grad(loss))
        value, grad = c(x)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    _same((value, grad), cr.value_and_grad(loss)(x))
    # The gradient itself and the program's constants; the trace made 13 arrays this size.
    assert held < 4 * x.nbytes, held / x.nbytes


def test_cr_compile_is_the_function_and_chainrule_compiler_the_module():
    import types

    import chainrule.compiler
    assert isinstance(chainrule.compiler, types.ModuleType)
    assert cr.compile is chainrule.compiler.compile and callable(cr.compile)
    assert "compile" in dir(cr) and "compiler" in dir(cr)
    ns: dict = {}
    exec("from chainrule import *", ns)   # noqa: S102
    assert "compile" not in ns   # Python's compile() is left alone
