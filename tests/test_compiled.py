"""The optional compiled core (chainrule/_kernel/_ccore.c) against its Python definition
(chainrule/_kernel/reference.py) and the general loop (chainrule/interpret/reverse.py).

The whole suite runs in both modes in CI (`CHAINRULE_PURE=1` runs the Python code). These
tests add what a single run cannot see: that the compiled core is really in use where it is
built, that both modes give bit-identical results on the paths the compiled core takes and on
the ones it hands back to Python, and that its reference counting neither leaks nor frees
early.
"""

import gc
import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys
import weakref

import numpy as np
import pytest

import chainrule as cr
from chainrule import _kernel
from chainrule import ops as P

COMPILED = _kernel.COMPILED
needs_compiled = pytest.mark.skipif(not COMPILED, reason="chainrule._kernel._ccore is not in use")


def test_compiled_core_in_use_where_built():
    pure = os.environ.get("CHAINRULE_PURE", "") not in ("", "0")
    built = importlib.util.find_spec("chainrule._kernel._ccore") is not None
    if pure:
        assert not COMPILED
        assert type(cr.Tensor.__mul__).__name__ == "function"
    elif built or os.environ.get("CHAINRULE_REQUIRE_COMPILED"):
        # CI sets CHAINRULE_REQUIRE_COMPILED: a failed build must not pass as "pure" silently.
        assert COMPILED, "chainrule._kernel._ccore is built (or required) but not in use"
        assert type(cr.Tensor.__mul__).__name__ == "TensorOp"
    else:
        pytest.skip("chainrule._kernel._ccore is not built here and not required")


# A script run in a subprocess, once per mode: every case prints exact values (repr of floats,
# array bytes as hex), so the two outputs must be identical, not just close.
PARITY_SCRIPT = r'''
import json, sys
import numpy as np
import chainrule as cr

out = {}
def rec(name, v):
    if isinstance(v, cr.Tensor):
        v = v.detach().numpy()
    if isinstance(v, np.ndarray):
        v = [str(v.dtype), list(v.shape), v.tobytes().hex()]
    elif isinstance(v, (list, tuple)):
        v = [rec_value(u) for u in v]
    else:
        v = repr(v)
    out[name] = v
def rec_value(u):
    rec("_", u)
    return out.pop("_")

f = lambda x: 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5
x = cr.tensor(2.0, requires_grad=True)
y = f(x); y.backward(); rec("tutorial 0-d", x.grad)
x = cr.autograd.Variable(cr.Tensor([2]), requires_grad=True)
y = f(x); y.backward(); rec("tutorial (1,)", x.grad)
rec("grad", cr.grad(f)(2.0))
rec("derivative 3", cr.derivative(f, 3)(2.0))
x = cr.tensor(0.5, requires_grad=True); z = x
for _ in range(50):
    z = cr.sin(z) * 0.01 + z
z.backward(); rec("chain", x.grad)
# every scalar operator, both orders, with floats, ints and tensors
a = cr.tensor(1.3, requires_grad=True); b = cr.tensor(-0.7, requires_grad=True)
terms = [a + b, a - b, a * b, a / b, a ** 2, a ** b, 2 + a, 2 - a, 3 * a, 1 / a, 2 ** a,
         a + 2, a - 2, a * 3, a / 4, a ** 3.5, -a, abs(b), cr.exp(a), cr.log(a), cr.tanh(b),
         cr.sqrt(a), cr.maximum(a, b), cr.where(a > b, a, b)]
s = terms[0]
for t in terms[1:]:
    s = s + t
s.backward(); rec("operators a", a.grad); rec("operators b", b.grad)
# accumulation, retain_graph, two roots
x = cr.tensor(0.3, requires_grad=True); y = cr.sin(x) * x
y.backward(retain_graph=True); y.backward(); rec("twice", x.grad)
# hooks and retain_grad on a scalar graph (handed back to Python)
x = cr.tensor(0.3, requires_grad=True); m = x * x; m.retain_grad()
m.register_hook(lambda g: g * 2); y = cr.cos(m) + m; y.backward()
rec("hooked x", x.grad); rec("retained m", m.grad)
# inputs= (targets), autograd.grad, create_graph
x = cr.tensor(0.3, requires_grad=True); w = cr.tensor(1.7, requires_grad=True)
y = x * w + cr.exp(x * w); y.backward(inputs=[w])
rec("inputs= w", w.grad); rec("inputs= x", x.grad)
x = cr.tensor(0.3, requires_grad=True); y = x ** 3 * cr.sin(x)
(d1,) = cr.autograd.grad(y, x, create_graph=True); (d2,) = cr.autograd.grad(d1, x)
rec("create_graph", [d1, d2])
# mixed scalars and arrays, params (axis), broadcasting
v = cr.tensor(np.linspace(0.1, 1.0, 6).reshape(2, 3), requires_grad=True)
s = cr.tensor(0.4, requires_grad=True)
y = ((v * s).sum(axis=0) * s).sum() + s * s
y.backward(); rec("mixed v", v.grad); rec("mixed s", s.grad)
# small arrays: an intermediate used three times, broadcasting both ways, a matmul
v = cr.tensor(np.linspace(-1.0, 1.0, 12).reshape(3, 4), requires_grad=True)
h = cr.tanh(v * 2.0)
y = (h * h + h / 3.0 - cr.exp(h) * np.arange(4.0) + (v @ np.ones((4, 2))).sum(axis=1,
     keepdims=True)).sum()
y.backward(); rec("small arrays", v.grad)
# a large array (the buffer-reusing Python path) next to small ones
big = cr.tensor(np.linspace(0.0, 1.0, 70000), requires_grad=True)
y = (cr.sin(big) * cr.exp(-big ** 2 / 2)).sum() * cr.tensor(2.0) + (v * v).sum()
y.backward(); rec("large", big.grad); rec("large v", v.grad)
# float32 one-element arrays
x = cr.tensor(np.float32([1.5]), requires_grad=True); y = (x * 2.0 + x ** 2).sum(); y.backward()
rec("float32", x.grad)
# no_grad, nested levels (grad of grad through the functional API)
with cr.no_grad():
    rec("no_grad", (cr.tensor(2.0, requires_grad=True) * 3).requires_grad)
rec("hessian", cr.hessian(lambda v: (v[0] ** 2) * v[1] + cr.sin(v[1]))(np.array([0.5, 1.5])))
rec("jvp", cr.jvp(f, (2.0,), (1.0,)))
out["compiled"] = cr._kernel.COMPILED
print(json.dumps(out, sort_keys=True))
'''


def _run(pure: bool) -> dict:
    env = dict(os.environ)
    env.pop("CHAINRULE_PURE", None)
    if pure:
        env["CHAINRULE_PURE"] = "1"
    res = subprocess.run([sys.executable, "-c", PARITY_SCRIPT], capture_output=True,
                         text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@needs_compiled
def test_compiled_and_pure_give_identical_results():
    compiled, pure = _run(False), _run(True)
    assert compiled.pop("compiled") is True and pure.pop("compiled") is False
    assert compiled.keys() == pure.keys()
    diff = {k: (compiled[k], pure[k]) for k in compiled if compiled[k] != pure[k]}
    assert not diff
    assert compiled["grad"] == repr(233.0)   # a case whose value is known


def test_no_reference_leaks_through_forward_and_backward():
    const = 12345.678          # a float object of its own: its count is exact
    x = cr.tensor(0.5, requires_grad=True)
    # Garbage that earlier tests left in reference cycles (holding rows) is collected first:
    # else the collection below frees it and the counts drop by what it held.
    gc.collect()
    before = {"const": sys.getrefcount(const), "mul": sys.getrefcount(P.mul),
              "sin": sys.getrefcount(P.sin), "x": sys.getrefcount(x)}
    for _ in range(200):
        y = cr.sin(x * const) + const / x - x ** 2
        y.backward()
        x.grad = None
        z = cr.sin(x * const)
        z.backward(retain_graph=True)
        del y, z
    gc.collect()
    after = {"const": sys.getrefcount(const), "mul": sys.getrefcount(P.mul),
             "sin": sys.getrefcount(P.sin), "x": sys.getrefcount(x)}
    assert after == before


def test_graph_nodes_are_freed_after_backward_and_kept_while_needed():
    x = cr.tensor(0.5, requires_grad=True)
    a = cr.sin(x)
    b = a * 2.0
    refs = [weakref.ref(a), weakref.ref(b)]
    y = b + x
    del a, b
    assert all(r() is not None for r in refs)   # the graph holds them
    y.backward()
    assert x.grad.item() == pytest.approx(np.cos(0.5) * 2 + 1)
    del y
    assert all(r() is None for r in refs)       # freed with the graph, without gc


def test_error_in_a_rule_propagates_and_leaves_grad_mode_alone():
    def bad_vjp(g, out, x):
        raise ValueError("rule failed on purpose")

    prim = P.Primitive("failing_test_row", lambda x: x * 1.0, [bad_vjp], [None])
    x = cr.tensor(0.5, requires_grad=True)
    y = cr.sin(prim(x))
    with pytest.raises(ValueError, match="rule failed on purpose"):
        y.backward()
    assert cr.is_grad_enabled()
    assert x.grad is None


def test_in_place_change_is_caught_on_the_scalar_path():
    x = cr.tensor(0.5, requires_grad=True)
    h = x * 1.0
    y = h * h
    h += 1.0
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_second_backward_through_a_released_scalar_graph_says_what_to_do():
    x = cr.tensor(0.5, requires_grad=True)
    y = cr.sin(x) * x
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


@needs_compiled
def test_compiled_methods_check_their_arguments():
    x = cr.tensor(1.0, requires_grad=True)
    with pytest.raises(TypeError, match="Primitive"):
        x._process1(3)
    with pytest.raises(TypeError, match="Tensor"):
        cr.Tensor.__mul__(3.0, x)
    with pytest.raises(TypeError, match="one argument"):
        cr.Tensor.__mul__(x)
    assert cr.Tensor.__mul__.__name__ == "__mul__"
    assert x.__rsub__(1.0).item() == 0.0   # bound method, reflected


def test_a_stale_or_disabled_build_is_not_used(monkeypatch):
    from chainrule import _kernel as _accel
    monkeypatch.setenv("CHAINRULE_PURE", "1")
    assert _accel.load() is None
    monkeypatch.delenv("CHAINRULE_PURE")
    if importlib.util.find_spec("chainrule._kernel._ccore") is None:
        assert _accel.load() is None
        return
    assert _accel.load() is not None
    monkeypatch.setattr(_accel, "ABI", _accel.ABI + 1)   # as if built from another version
    with pytest.warns(RuntimeWarning, match="rebuild it"):
        assert _accel.load() is None


def _c_source_exports() -> set:
    """The names _ccore.c puts on its module: its method table and its module objects."""
    src = (pathlib.Path(_kernel.__file__).parent / "_ccore.c").read_text(encoding="utf-8")
    table = src[src.index("static PyMethodDef methods[]"):]
    table = table[:table.index("};")]
    return set(re.findall(r'^\s*\{"(\w+)",', table, re.MULTILINE)) | \
        set(re.findall(r'PyModule_AddObject\(m, "(\w+)"', src))


def test_c_core_defines_exactly_the_reference_functions():
    # The twins stay twins: a function added to one file and not the other fails here, with or
    # without a C compiler (read from the C source), and again on the built module.
    from chainrule._kernel import reference
    assert _c_source_exports() == set(reference.__all__)
    assert all(callable(getattr(reference, name)) for name in reference.__all__)
    if importlib.util.find_spec("chainrule._kernel._ccore") is not None:
        from chainrule._kernel import _ccore
        public = {name for name in vars(_ccore) if not name.startswith("_")}
        assert public == set(reference.__all__) | {"ABI"}


def test_install_put_one_kernel_on_the_classes():
    from chainrule._kernel import reference
    from chainrule.interpret import reverse
    kernel = _kernel.load() if COMPILED else reference
    assert cr.Tensor._process1 is kernel.process1
    assert P.Primitive.__call__ is kernel.prim_call
    assert reverse._drain is kernel.drain
    names = [_kernel.operator_name(p, r) for p in (P.add, P.sub, P.mul, P.div, P.pow)
             for r in (False, True)]
    assert "__rtruediv__" in names
    assert all(type(vars(cr.Tensor)[n]) is type(vars(cr.Tensor)["__add__"]) for n in names)


def test_kernel_setup_runs_once():
    from chainrule._kernel import reference
    from chainrule.core import Tracer, _grad_enabled, bind
    kernel = _kernel.load() if COMPILED else reference
    with pytest.raises(RuntimeError, match="already called"):
        kernel.setup(cr.Tensor, P.Primitive, Tracer, bind, _grad_enabled, iter(()), {}, repr,
                     repr, repr, np.ndarray, 1)


# Random programs: the same few hundred generated scalar and small-array graphs (shared
# intermediates, constants on either side, hooks, retain_grad, retain_graph) run in both
# modes; every leaf gradient must be bit-identical. The seed is fixed, so every run checks the
# same programs.
RUNNER = r'''
import json, sys
import numpy as np
import chainrule as cr
out = []
for src in json.loads(sys.stdin.read()):
    env = {"cr": cr, "np": np}
    try:
        exec(src, env)
        res = [g.numpy().tobytes().hex() if g is not None else None for g in env["grads"]]
    except Exception as e:   # the same error in both modes is also parity
        res = type(e).__name__ + ": " + str(e)
    out.append(res)
print(json.dumps(out))
'''


def _program(rng: np.random.Generator) -> str:
    leaves = [
        "cr.tensor(%r, requires_grad=True)" % round(float(rng.uniform(0.2, 1.5)), 3),
        "cr.tensor(np.float32([%r]), requires_grad=True)" % round(float(rng.uniform(0.2, 1.5)), 3),
        "cr.tensor(np.linspace(0.2, 1.4, 6).reshape(2, 3), requires_grad=True)",
    ]
    lines = [f"v{i} = {leaves[int(rng.integers(3))]}" for i in range(3)]
    n = 3
    binary = ["+", "-", "*", "/"]
    unary = ["cr.sin({})", "cr.cos({})", "cr.exp({} * 0.3)", "cr.tanh({})",
             "cr.log(abs({}) + 1.0)", "cr.sqrt(abs({}) + 0.5)", "({}) ** 2", "({}) ** 3",
             "-({})", "cr.maximum({}, 0.4)", "({}).sum() * 0.5"]
    consts = ["2.0", "3", "0.5", "np.float64(1.5)"]
    for _ in range(int(rng.integers(4, 14))):
        a = f"v{int(rng.integers(n))}"
        kind = rng.random()
        if kind < 0.45:
            b = f"v{int(rng.integers(n))}" if rng.random() < 0.6 else \
                consts[int(rng.integers(len(consts)))]
            op = binary[int(rng.integers(4))]
            expr = f"{a} {op} {b}" if rng.random() < 0.7 else f"{b} {op} {a}"
            if op == "/":
                expr = f"{a} / (abs({b}) + 1.0)" if rng.random() < 0.5 else \
                    f"{b} / (abs({a}) + 1.0)"
        else:
            expr = unary[int(rng.integers(len(unary)))].format(a)
        lines.append(f"v{n} = {expr}")
        if rng.random() < 0.1:
            lines.append(f"v{n}.register_hook(lambda g: g * 1.5)")
        elif rng.random() < 0.1:
            lines.append(f"v{n}.retain_grad()")
        n += 1
    total = " + ".join(f"(v{i}).sum()" for i in range(3, n))
    twice = rng.random() < 0.2
    lines.append(f"y = {total}")
    lines.append(f"y.backward(retain_graph={twice})")
    if twice:
        lines.append("y.backward()")
    lines.append("grads = [v0.grad, v1.grad, v2.grad]")
    return "\n".join(lines)


@needs_compiled
def test_random_programs_give_identical_gradients_in_both_modes():
    rng = np.random.default_rng(20261126)
    programs = [_program(rng) for _ in range(300)]
    results = {}
    for pure in (False, True):
        env = dict(os.environ)
        env.pop("CHAINRULE_PURE", None)
        if pure:
            env["CHAINRULE_PURE"] = "1"
        res = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(programs),
                             capture_output=True, text=True, env=env, timeout=300)
        assert res.returncode == 0, res.stderr
        results[pure] = json.loads(res.stdout)
    failed = sum(isinstance(r, str) for r in results[False])
    assert failed < len(programs) // 10, results[False][:3]   # the generator makes valid code
    diff = [(p, c, q) for p, c, q in zip(programs, results[False], results[True]) if c != q]
    assert not diff, diff[0]


def test_attributes_set_later_on_recorded_tensors_work():
    # Compiled nodes are allocated without an instance dict; the first attribute makes one.
    x = cr.tensor(0.5, requires_grad=True)
    y = x * 2.0
    u = cr.sin(y)
    y.note = "kept"
    u.retain_grad()
    (u * u).backward()
    assert y.note == "kept" and vars(y) == {"note": "kept"}
    assert u.grad.item() == pytest.approx(2 * np.sin(1.0))
    assert x.grad.item() == pytest.approx(2 * np.sin(1.0) * np.cos(1.0) * 2.0)
