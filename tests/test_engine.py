"""The reverse-mode engine (issue 2, item 5): accumulation, deep graphs, memory, grad mode,
in-place changes, ``inputs=``, hooks, higher order, and the gradient checkers themselves."""

from __future__ import annotations

import gc
import threading
import time
import tracemalloc
import weakref

import numpy as np
import pytest

import chainrule as cr
from chainrule import ops as P
from chainrule.core import Primitive
from chainrule.testing import GradcheckError

# ----------------------------------------------------------------------------------------
# Accumulation.


def test_two_backwards_accumulate_exactly_twice():
    x = cr.tensor([0.1, 0.7, -1.3], requires_grad=True)
    y = (cr.sin(x) * cr.exp(x / 3.0) + x ** 3).sum()
    y.backward(retain_graph=True)
    first = x.grad.data.copy()
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.data, 2 * first)   # exact, not approximate
    y.backward()
    np.testing.assert_array_equal(x.grad.data, 3 * first)


def test_grad_is_never_aliased():
    # An in-place change to one .grad must not show in another tensor's .grad or in the
    # caller's cotangent.
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = cr.tensor([3.0, 4.0], requires_grad=True)
    ct = np.array([1.0, 1.0])
    (a + b).backward(gradient=ct)
    a.grad.zero_()
    assert b.grad.tolist() == [1.0, 1.0] and ct.tolist() == [1.0, 1.0]


def test_cotangent_passed_through_unchanged_rules_is_not_mutated():
    # add's rule returns g itself, so several inputs first receive the very same array;
    # accumulating into it in place would change the caller's cotangent.
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    ct = np.array([1.0, 10.0])
    (x + x + x).backward(gradient=ct)
    assert ct.tolist() == [1.0, 10.0]
    assert x.grad.tolist() == [3.0, 30.0]
    h = cr.tensor([5.0, 6.0], requires_grad=True)
    out = (h + 0.0) + (h + 0.0)
    out.backward(gradient=np.array([1.0, 2.0]))
    assert h.grad.tolist() == [2.0, 4.0]


def test_large_arrays_reuse_buffers_without_aliasing():
    # The engine writes cotangents of large arrays into buffers it owns (the VJP of sum()
    # even hands on a saved value itself): .grad must still be private, saved values and
    # arrays a hook kept must stay as they were.
    n = 1 << 17
    rng = np.random.default_rng(0)
    av, bv = rng.normal(size=n), rng.normal(size=n)
    a, b = cr.tensor(av, requires_grad=True), cr.tensor(bv, requires_grad=True)
    seen = []
    c = a * b
    c.register_hook(lambda g: seen.append((g.data, g.data.copy())))
    y = (cr.sin(c) * 2.0 + a * b).sum()
    y.backward(retain_graph=True)
    first_a, first_b = a.grad.data.copy(), b.grad.data.copy()
    assert not np.shares_memory(a.grad.data, b.data)
    assert not np.shares_memory(b.grad.data, a.data)
    np.testing.assert_array_equal(a.data, av)
    np.testing.assert_array_equal(b.data, bv)
    np.testing.assert_allclose(first_a, (2 * np.cos(av * bv) + 1) * bv, rtol=1e-13, atol=1e-15)
    y.backward()
    np.testing.assert_array_equal(a.grad.data, 2 * first_a)   # exact, as for small arrays
    np.testing.assert_array_equal(b.grad.data, 2 * first_b)
    for kept, copy in seen:
        np.testing.assert_array_equal(kept, copy)
    # The VJP of a full sum() is all ones: d/da sum(a*b) is b's values, but never b's array.
    a.grad = None
    (a * b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, bv)
    a.grad.data[:] = 0.0
    np.testing.assert_array_equal(b.data, bv)


def test_large_arrays_recycled_values_are_only_dead_ones():
    # Values of finished nodes that nothing else holds are reused for later large results;
    # a value the caller still holds (u) must stay intact, and gradients stay right.
    n = 1 << 17
    rng = np.random.default_rng(1)
    xv, wv = rng.normal(size=n), rng.normal(size=n)
    x, w = cr.tensor(xv, requires_grad=True), cr.tensor(wv, requires_grad=True)
    u = cr.exp(x * w)
    y = (cr.exp(cr.sin(u) * 0.5) * cr.cos(x) * 3.0).sum()
    y.backward()
    uv = np.exp(xv * wv)
    np.testing.assert_array_equal(u.data, uv)
    e = np.exp(np.sin(uv) * 0.5)
    dy_du = 3.0 * np.cos(xv) * e * 0.5 * np.cos(uv)
    np.testing.assert_allclose(x.grad.data, dy_du * uv * wv - 3.0 * e * np.sin(xv),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.grad.data, dy_du * uv * xv, rtol=1e-12, atol=1e-12)


def _drained_cases() -> dict:
    """Gradients (exact bytes) of graphs the kernel's drain steps through and hands back."""
    out = {}
    x = cr.tensor(0.5, requires_grad=True)
    z = x
    for _ in range(30):
        z = cr.sin(z) * 0.01 + z
    w = cr.tensor(1.25, requires_grad=True)
    y = z * w - w / (x + 2.0) + 3.0 ** w + (x * x) ** 2
    y.backward(retain_graph=True)
    y.backward()
    out["scalar twice"] = (x.grad.item(), w.grad.item())
    v = cr.tensor(np.linspace(0.1, 1.0, 6).reshape(2, 3), requires_grad=True)
    s = cr.tensor(0.4, requires_grad=True)
    b = cr.tensor(np.float32([1.5, -0.5, 2.0]), requires_grad=True)
    h = cr.tanh(v * s) + b * v
    y = (h * h / 3.0 - cr.exp(h) * np.arange(3.0)).sum() + s * s
    y.backward()
    out["arrays"] = (v.grad.data.tobytes(), s.grad.item(), b.grad.data.tobytes())
    x = cr.tensor(0.3, requires_grad=True)
    m = x * x
    y = cr.cos(m) * m + x
    out["autograd.grad"] = tuple(g.item() for g in cr.autograd.grad(y, [x, m]))
    y = cr.cos(x * x) * x
    y.backward(inputs=[x])
    out["inputs="] = x.grad.item()
    return out


def test_general_loop_alone_gives_the_kernels_results(monkeypatch):
    # reverse._propagate is complete without the kernel's drain (which only speeds it up):
    # the same gradients, bit for bit, in either engine mode.
    from chainrule.interpret import reverse
    with_drain = _drained_cases()
    monkeypatch.setattr(reverse, "_drain", None)
    assert _drained_cases() == with_drain


def test_shared_subexpression_accumulates():
    x = cr.tensor(1.5, requires_grad=True)
    h = x * x
    (h + h * h).backward()   # d/dx (x² + x⁴) = 2x + 4x³
    assert x.grad.item() == pytest.approx(2 * 1.5 + 4 * 1.5 ** 3)


# ----------------------------------------------------------------------------------------
# Deep graphs and memory.

CHAIN_OPS = 1_000_000


def test_million_op_chain_forward_backward_free():
    """A 1,000,000-operation chain: forward, backward and freeing run without recursion.

    Measured on a 2-core CI machine: about 3-4 s in all. retain_graph=True keeps the whole
    chain alive after backward, so dropping the last reference frees it all at once (the
    deepest deallocation there is)."""
    start = time.perf_counter()
    x = cr.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(CHAIN_OPS // 2):
        y = y * 0.999999 + 1e-7
    y.backward(retain_graph=True)
    # d/dx of n steps of y -> a*y + b is a**n.
    assert x.grad.item() == pytest.approx(0.999999 ** (CHAIN_OPS // 2), rel=1e-9)
    middle = weakref.ref(y._inputs[0])   # a node deep in the retained chain
    del y
    assert middle() is None
    assert time.perf_counter() - start < 120   # generous: only catches quadratic blowups


def test_deep_chain_dropped_without_backward():
    x = cr.tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(200_000):
        y = y + 1.0
    ref = weakref.ref(y)
    del y
    assert ref() is None


def _cycle(n: int = 64) -> float:
    x = cr.tensor(np.linspace(-1.0, 1.0, n), requires_grad=True)
    w = cr.tensor(np.full((n, n), 0.01), requires_grad=True)
    h = cr.tanh(w @ x) * x + cr.exp(-x * x)
    loss = (h * h).mean()
    loss.backward()
    return float(x.grad.data[0])


def test_leak_1000_cycles_memory_bounded():
    for _ in range(50):
        _cycle()   # warm caches (lru caches, interned shapes)
    gc.collect()
    tracemalloc.start()
    try:
        _cycle()
        base, _ = tracemalloc.get_traced_memory()
        for _ in range(1000):
            _cycle()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # One cycle's graph holds a few 64x64 float arrays (~33 KB each); 1,000 leaked graphs
    # would be tens of MB. Allow a little allocator noise only.
    assert current - base < 256 * 1024, (base, current)
    assert peak - base < 2 * 1024 * 1024, (base, peak)


def test_graph_has_no_reference_cycles():
    """Reference counting alone frees a graph: the cyclic collector finds nothing."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(100):
            _cycle(8)
            x = cr.tensor([1.0, 2.0], requires_grad=True)
            y = (x * 2).sin().sum()
            ref = weakref.ref(y)
            del y
            assert ref() is None   # freed without backward too
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


def test_graph_released_after_backward():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    y = (h * h).sum()
    ref = weakref.ref(h)
    del h
    assert ref() is not None          # y's graph holds it
    y.backward()
    assert ref() is None              # saved values freed by backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_keeps_saved_values():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    y = (h * h).sum()
    ref = weakref.ref(h)
    del h
    y.backward(retain_graph=True)
    assert ref() is not None
    y.backward()
    assert x.grad.tolist() == [36.0, 72.0]


# ----------------------------------------------------------------------------------------
# Grad mode.


def test_no_grad_context_and_decorator():
    x = cr.tensor([1.0], requires_grad=True)
    with cr.no_grad():
        assert not cr.is_grad_enabled()
        y = x * 2
        with cr.enable_grad():
            z = x * 2
            assert cr.is_grad_enabled()
        assert not cr.is_grad_enabled()
    assert cr.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @cr.no_grad()
    def f(t):
        return t * 2, cr.is_grad_enabled()

    @cr.enable_grad()
    def g(t):
        return t * 2

    out, enabled = f(x)
    assert not out.requires_grad and not enabled and cr.is_grad_enabled()
    with cr.no_grad():
        assert g(x).requires_grad
    with cr.set_grad_enabled(False):
        assert not (x * 2).requires_grad


def test_no_grad_restored_after_exception():
    with pytest.raises(ValueError), cr.no_grad():
        raise ValueError("boom")
    assert cr.is_grad_enabled()


def test_grad_mode_is_per_thread():
    """A thread inside no_grad() must not switch recording off in another thread."""
    entered, release = threading.Event(), threading.Event()
    results: dict = {}

    def quiet():
        with cr.no_grad():
            entered.set()
            release.wait(10)
            results["quiet"] = (cr.tensor([1.0], requires_grad=True) * 2).requires_grad

    def busy():
        entered.wait(10)
        results["busy_enabled"] = cr.is_grad_enabled()
        results["busy"] = (cr.tensor([1.0], requires_grad=True) * 2).requires_grad
        release.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=busy)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert results == {"quiet": False, "busy_enabled": True, "busy": True}


def test_decorated_function_used_from_many_threads():
    @cr.no_grad()
    def f(t):
        time.sleep(0.001)
        return (t * 2).requires_grad

    x = cr.tensor([1.0], requires_grad=True)
    flags: list = []
    threads = [threading.Thread(target=lambda: flags.extend(f(x) for _ in range(20)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert flags == [False] * 80 and cr.is_grad_enabled()


def test_concurrent_backward_in_threads():
    """Separate graphs built and differentiated in several threads at once stay separate."""
    errors: list = []

    def work(k: int) -> None:
        try:
            for _ in range(50):
                x = cr.tensor(np.arange(4.0) + k, requires_grad=True)
                (x * x * float(k)).sum().backward()
                np.testing.assert_array_equal(x.grad.data, 2.0 * k * (np.arange(4.0) + k))
        except Exception as exc:  # noqa: BLE001  (reported below, in the main thread)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []


# ----------------------------------------------------------------------------------------
# In-place changes: an error naming the fix, or a correct recorded gradient.


def test_inplace_on_leaf_requiring_grad_raises():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        x += 1
    with pytest.raises(RuntimeError, match="x = x \\+ y"):
        x[0] = 5.0
    with cr.no_grad():   # the documented way: an optimizer step
        x -= 0.5
    assert x.tolist() == [0.5, 1.5] and x.is_leaf and x.requires_grad


def test_inplace_on_saved_tensor_raises():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    c = cr.tensor([3.0, 4.0])
    y = (x * c).sum()       # saves c for x's gradient
    c += 1.0                 # c does not require grad: its array changes in place
    with pytest.raises(RuntimeError, match="modified in place") as info:
        y.backward()
    assert "out-of-place" in str(info.value) and "MulBackward" in str(info.value)


def test_setitem_on_saved_tensor_raises():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    c = cr.tensor([3.0, 4.0])
    y = (x * c).sum()
    c[0] = 0.0
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_inplace_on_saved_intermediate_raises():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    y = (h * h).sum()       # saves h
    h += 1.0                  # recorded: h now means x*2 + 1 for later users
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_recorded_inplace_gives_correct_gradients():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1.0
    h += x * x                # h = x + x²
    h *= 2.0                  # h = 2x + 2x²
    h.sum().backward()
    assert x.grad.tolist() == [2 + 4 * 1.0, 2 + 4 * 2.0, 2 + 4 * 3.0]


def test_recorded_setitem_gives_correct_gradients():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1.0
    h[0] = 10.0               # overwritten element: no gradient to x[0] from h
    h[1] = x[2] * 5.0         # value from another tensor that requires grad
    (h * h).sum().backward()
    # h = [10, 5 x2, x2]; d/dx sum(h²) = [0, 0, 2·5x2·5 + 2x2]
    assert x.grad.tolist() == [0.0, 0.0, 2 * 15.0 * 5 + 2 * 3.0]
    buf = cr.tensor(np.zeros(3))
    buf[1:] = x[:2] * 3.0     # writing a tensor that requires grad into a constant
    assert buf.requires_grad
    x.grad = None
    buf.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 0.0]


# Known gap, reported to the lead: a detached tensor and a view share the array of their
# source but not its version counter (PyTorch shares both), so an in-place change through one
# of them is invisible to backward(). strict=True: once fixed, these start passing and the
# marks must go.
# In-place changes never reach through an alias: a tensor whose array is shared (a view,
# detach(), an array held elsewhere) gets its own copy first (copy-on-write), so values a graph
# saved cannot change behind its back and the gradient stays right.

def test_inplace_through_detached_alias_copies_on_write():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    d = x.detach()
    d += 1.0
    np.testing.assert_array_equal(d.numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0])   # x untouched
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_inplace_on_view_base_copies_on_write():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    a = cr.tensor([1.0, 2.0, 3.0])
    v = a[:2]                 # a NumPy view of a's array
    y = (x * v).sum()         # saves v
    a += 1.0                  # a gets its own copy: v keeps the values y was computed with
    np.testing.assert_array_equal(a.numpy(), [2.0, 3.0, 4.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0])


def test_setitem_on_view_copies_on_write_and_augmented_slice_assignment_works():
    a = cr.tensor([1.0, 2.0, 3.0])
    v = a[1:]
    v[0] = 9.0
    np.testing.assert_array_equal(a.numpy(), [1.0, 2.0, 3.0])
    a[:2] += 1.0              # getitem, iadd on the (copied) view, setitem back into a
    np.testing.assert_array_equal(a.numpy(), [2.0, 3.0, 3.0])


def test_tensor_copies_its_input_and_as_tensor_shares_it():
    arr = np.array([1.0, 2.0])
    t = cr.tensor(arr)
    arr[0] = 5.0
    assert t.numpy()[0] == 1.0
    s = cr.as_tensor(arr)
    assert np.shares_memory(s.numpy(), arr)


def test_inplace_without_recording_changes_values():
    c = cr.tensor([1.0, 2.0])
    c += 1
    c *= 2
    c[0] = -1.0
    assert c.tolist() == [-1.0, 6.0]


# ----------------------------------------------------------------------------------------
# backward(inputs=...), hooks, higher order.


def test_backward_inputs_limits_which_grads_are_written():
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = cr.tensor([3.0, 4.0], requires_grad=True)
    h = a * b
    (h * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [9.0, 16.0]
    assert b.grad is None
    (a * b).sum().backward(inputs=b)
    assert b.grad.tolist() == [1.0, 2.0] and a.grad.tolist() == [9.0, 16.0]


def test_backward_inputs_can_be_a_non_leaf():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    (h * h).sum().backward(inputs=[h])
    assert h.grad.tolist() == [6.0, 12.0] and x.grad is None


def test_hook_on_intermediate_changes_upstream_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    h.register_hook(lambda g: g * 0.0 + 1.0)     # replace the gradient by ones
    (h * h).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_hook_runs_once_per_backward_with_total_gradient():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    h = x * 1.0
    h.register_hook(lambda g: calls.append(g.tolist()))
    (h + h * 3).sum().backward()
    assert calls == [[4.0, 4.0]]


def test_hessian_vector_product_with_create_graph():
    xv = np.array([0.3, -1.2, 2.0])
    v = np.array([1.0, -2.0, 0.5])
    x = cr.tensor(xv, requires_grad=True)
    y = (x ** 3).sum() + (x[0] * x[1]) * x[2]
    (g,) = cr.autograd.grad(y, x, create_graph=True)
    assert g.requires_grad
    (g * cr.tensor(v)).sum().backward()
    a, b, c = xv
    hess = np.diag(6 * xv) + np.array([[0, c, b], [c, 0, a], [b, a, 0]])
    np.testing.assert_allclose(x.grad.data, hess @ v, rtol=1e-12)


def test_fourth_derivative_of_sin():
    x = cr.tensor(0.7, requires_grad=True)
    d = cr.sin(x)
    for _ in range(4):
        (d,) = cr.autograd.grad(d, x, create_graph=True)
    assert d.item() == pytest.approx(np.sin(0.7), rel=1e-12)


def test_grad_of_grad_functional_and_forward_over_reverse():
    def f(x):
        return cr.tanh(x) * x
    d2 = cr.grad(cr.grad(f))(0.4)
    t = np.tanh(0.4)
    expected = 2 * (1 - t * t) - 2 * 0.4 * t * (1 - t * t)
    assert d2 == pytest.approx(expected, rel=1e-12)
    _, fwd = cr.jvp(cr.grad(f), (0.4,), (1.0,))
    assert fwd == pytest.approx(expected, rel=1e-12)


# ----------------------------------------------------------------------------------------
# The gradient checkers catch wrong rules.


def _sin_with(vjp_rule, jvp_rule) -> Primitive:
    # A local row (not registered in the table) so a deliberately wrong rule stays here.
    prim = Primitive("test_sin", P.sin.impl, [vjp_rule], [jvp_rule])
    return prim


GOOD = _sin_with(lambda g, out, x: g * P.cos(x), lambda t, out, x: t * P.cos(x))
WRONG_VJP = _sin_with(lambda g, out, x: g * P.cos(x) * 1.01, lambda t, out, x: t * P.cos(x))
WRONG_JVP = _sin_with(lambda g, out, x: g * P.cos(x), lambda t, out, x: -t * P.cos(x))
# First derivative right, second wrong: the rule uses a raw NumPy value, which the engine
# cannot differentiate again (exactly the mistake the house rules forbid).
WRONG_2ND = _sin_with(lambda g, out, x: g * np.cos(P.value_of(x)),
                      lambda t, out, x: t * np.cos(P.value_of(x)))


def test_check_grads_passes_a_correct_rule():
    cr.check_grads(lambda x: GOOD(x), np.array([0.3, -1.0]), modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("prim, modes, order", [
    (WRONG_VJP, ("rev",), 1), (WRONG_VJP, ("rev", "fwd"), 1), (WRONG_JVP, ("fwd",), 1),
    (WRONG_JVP, ("rev", "fwd"), 1), (WRONG_2ND, ("rev",), 2), (WRONG_2ND, ("fwd",), 2)])
def test_check_grads_catches_a_wrong_rule(prim, modes, order):
    with pytest.raises(GradcheckError, match="does not match"):
        cr.check_grads(lambda x: prim(x), np.array([0.3, -1.0]), modes=modes, order=order)


def test_wrong_second_order_rule_passes_first_order():
    cr.check_grads(lambda x: WRONG_2ND(x), np.array([0.3, -1.0]), order=1)


def test_gradcheck_passes_and_fails():
    x = cr.tensor([0.3, -1.0, 2.0], requires_grad=True)
    w = cr.tensor([1.0, 2.0, 3.0])
    assert cr.gradcheck(lambda t, c: (GOOD(t) * c).sum(), (x, w))
    assert cr.gradcheck(lambda t: GOOD(t) * t, (x,))
    assert cr.gradcheck(lambda t: WRONG_VJP(t), (x,), raise_exception=False) is False
    with pytest.raises(GradcheckError, match="Jacobian"):
        cr.gradcheck(lambda t: WRONG_VJP(t), (x,))
