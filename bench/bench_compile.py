"""cr.compile benchmark: the compile issue's targets, side by side in one process.

Run by hand:  python bench/bench_compile.py [--quick]
Prints a markdown table; every ratio compares numbers taken in this one run (best of several
repeats, min-of-repeats timing as in bench/_timing.py). JAX jit and torch.compile columns
appear only where they are installed (JAX is not, here; torch.compile needs a C compiler at
run time and is not timed).

W1   the tutorial's derivative at 2.0 (a float): compiled vs hand-written `math` code (target
     <= 3x) and vs JAX jit (target 10x faster);
W1t  the tutorial's literal code, shape (1,) float32: compiled vs PyTorch eager (target 10x
     faster);
W2   333 x `x = sin(x)*0.01 + x`, forward+backward, per op: compiled vs hand `math` (<= 1.5x);
W3   sum(sin(x)*exp(-x**2/2)) and its gradient, 10^7 float64: compiled vs the best hand NumPy
     (in place, fewest passes; target <= 1.0x), and the eager engine against it too;
W5   Hessian of Rosenbrock, n = 100: compiled vs eager (and JAX jit where installed);
W4   the MLP 784-256-10 (batch 512, float32): first call (trace + generate, target < 50 ms),
     then per call against the eager engine and hand NumPy.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import chainrule as cr  # noqa: E402
from _timing import best_times  # noqa: E402  (bench/, the script's own folder)

try:
    import torch
    torch.set_num_threads(os.cpu_count() or 1)
except ImportError:  # the benchmark still runs without the oracle
    torch = None
try:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
except ImportError:
    jax = None


def tutorial(x):
    return 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5


def w1(quick: bool) -> list:
    n = 2000 if quick else 20000
    df = cr.compile(cr.grad(tutorial))
    eager = cr.grad(tutorial)

    def hand(x=2.0):
        return 20*x**3 + 9*x**2 + 14*x + 9

    fns = {"compiled cr.compile(cr.grad(f))(2.0)": lambda: df(2.0),
           "hand-written math code": hand,
           "eager cr.grad(f)(2.0)": lambda: eager(2.0)}
    if jax is not None:
        jf = jax.jit(jax.grad(tutorial))
        jf(2.0).block_until_ready()
        fns["JAX jit"] = lambda: jf(2.0).block_until_ready()
    assert df(2.0) == hand() == eager(2.0) == 233.0
    res = {k: v * 1e6 for k, v in best_times(fns, 7, n).items()}
    rows = [("W1 derivative at 2.0 (float)", k, v, "µs/call") for k, v in res.items()]
    c = res["compiled cr.compile(cr.grad(f))(2.0)"]
    rows.append(("W1", "compiled / hand math (target <= 3x)", c / res["hand-written math code"],
                 "ratio"))
    rows.append(("W1", "eager / compiled", res["eager cr.grad(f)(2.0)"] / c, "ratio"))
    if jax is not None:
        rows.append(("W1", "JAX jit / compiled (target >= 10x)", res["JAX jit"] / c, "ratio"))
    return rows


def w1_tutorial(quick: bool) -> list:
    n = 1000 if quick else 10000
    x32 = np.array([2.0], dtype=np.float32)
    df = cr.compile(cr.elementwise_grad(tutorial))

    def cr_tutorial():
        x = cr.autograd.Variable(cr.Tensor([2]), requires_grad=True)
        y = 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5
        y.backward()
        return x.grad

    fns = {"compiled cr.compile(cr.elementwise_grad(f))(float32 [2])": lambda: df(x32),
           "eager chainrule, the tutorial's code": cr_tutorial}
    if torch is not None:
        def torch_tutorial():
            x = torch.autograd.Variable(torch.Tensor([2]), requires_grad=True)
            y = 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5
            y.backward()
            return x.grad
        fns["PyTorch eager, the tutorial's code"] = torch_tutorial
    assert df(x32).tobytes() == cr_tutorial().numpy().tobytes()
    res = {k: v * 1e6 for k, v in best_times(fns, 7, n).items()}
    rows = [("W1t tutorial code, (1,) float32", k, v, "µs/call") for k, v in res.items()]
    c = res["compiled cr.compile(cr.elementwise_grad(f))(float32 [2])"]
    if torch is not None:
        rows.append(("W1t", "PyTorch eager / compiled (target >= 10x)",
                     res["PyTorch eager, the tutorial's code"] / c, "ratio"))
    rows.append(("W1t", "eager chainrule / compiled",
                 res["eager chainrule, the tutorial's code"] / c, "ratio"))
    return rows


def chain(x):
    for _ in range(333):
        x = cr.sin(x) * 0.01 + x
    return x


def w2(quick: bool) -> list:
    ops = 333 * 3
    n = 20 if quick else 200
    dc = cr.compile(cr.grad(chain))
    eager = cr.grad(chain)

    def hand(x=0.5):
        # forward and reverse written by hand on floats, saving what the reverse pass needs
        saved = []
        for _ in range(333):
            saved.append(x)
            x = math.sin(x) * 0.01 + x
        g = 1.0
        for xi in reversed(saved):
            g = g * (math.cos(xi) * 0.01 + 1.0)
        return g

    dc(0.5)
    fns = {"compiled cr.compile(cr.grad(chain))(0.5)": lambda: dc(0.5),
           "hand-written math code": hand,
           "eager cr.grad(chain)(0.5)": lambda: eager(0.5)}
    assert abs(dc(0.5) - hand()) < 1e-12 and dc(0.5) == eager(0.5)
    res = {k: v / ops * 1e6 for k, v in best_times(fns, 7, n).items()}
    rows = [("W2 333 x sin chain, fwd+bwd", k, v, "µs/op") for k, v in res.items()]
    c = res["compiled cr.compile(cr.grad(chain))(0.5)"]
    rows.append(("W2", "compiled / hand math (target <= 1.5x)",
                 c / res["hand-written math code"], "ratio"))
    rows.append(("W2", "eager / compiled", res["eager cr.grad(chain)(0.5)"] / c, "ratio"))
    return rows


def w3(quick: bool) -> list:
    n_el = 10**6 if quick else 10**7
    xv = np.random.default_rng(0).normal(size=n_el)

    def loss(x):
        return (cr.sin(x) * cr.exp(-x**2 / 2)).sum()

    vg = cr.compile(cr.value_and_grad(loss))
    eager_vg = cr.value_and_grad(loss)

    def tensor_eager():
        x = cr.as_tensor(xv).requires_grad_()
        y = (cr.sin(x) * cr.exp(-x**2 / 2)).sum()
        y.backward()
        return x.grad

    def np_inplace():
        e = xv * xv
        e *= -0.5
        np.exp(e, out=e)
        s = np.sin(xv)
        y = s @ e
        g = np.cos(xv)
        s *= xv
        g -= s
        g *= e
        return y, g

    def np_plain():
        s = np.sin(xv)
        e = np.exp(-xv**2 / 2)
        y = np.sum(s * e)
        return y, np.cos(xv) * e - xv * (s * e)

    vg(xv)
    fns = {"compiled cr.compile(cr.value_and_grad(loss))": lambda: vg(xv),
           "NumPy in place, by hand (the best)": np_inplace,
           "NumPy plain, by hand": np_plain,
           "eager cr.value_and_grad(loss)": lambda: eager_vg(xv),
           "eager Tensor .backward()": tensor_eager}
    assert np.array_equal(vg(xv)[1], eager_vg(xv)[1])
    res = {k: v * 1e3 for k, v in best_times(fns, 3 if quick else 5, 1).items()}
    label = "W3 10^6 float64" if quick else "W3 10^7 float64"
    rows = [(label, k, v, "ms") for k, v in res.items()]
    best = res["NumPy in place, by hand (the best)"]
    rows.append(("W3", "compiled / best hand NumPy (target <= 1.0x)",
                 res["compiled cr.compile(cr.value_and_grad(loss))"] / best, "ratio"))
    rows.append(("W3", "eager Tensor / best hand NumPy",
                 res["eager Tensor .backward()"] / best, "ratio"))
    rows.append(("W3", "eager value_and_grad / best hand NumPy",
                 res["eager cr.value_and_grad(loss)"] / best, "ratio"))
    rows.append(("W3", "plain hand NumPy / best hand NumPy",
                 res["NumPy plain, by hand"] / best, "ratio"))
    return rows


def rosenbrock(x):
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


def w5(quick: bool) -> list:
    x = np.random.default_rng(1).normal(size=100)
    h = cr.hessian(rosenbrock)
    hc = cr.compile(h)
    t0 = time.perf_counter()
    hc(x)
    first = time.perf_counter() - t0
    fns = {"compiled cr.compile(cr.hessian(f))": lambda: hc(x),
           "eager cr.hessian(f)": lambda: h(x)}
    if jax is not None:
        def jrosen(x):
            return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()
        jh = jax.jit(jax.hessian(jrosen))
        xj = jnp.asarray(x)
        jh(xj).block_until_ready()
        fns["JAX jit"] = lambda: jh(xj).block_until_ready()
    assert np.array_equal(hc(x), h(x))
    res = {k: v * 1e3 for k, v in best_times(fns, 5, 3 if quick else 20).items()}
    rows = [("W5 Hessian of Rosenbrock, n=100", k, v, "ms") for k, v in res.items()]
    rows.append(("W5", "compiled: first call (trace + generate)", first * 1e3, "ms"))
    c = res["compiled cr.compile(cr.hessian(f))"]
    rows.append(("W5", "eager / compiled", res["eager cr.hessian(f)"] / c, "ratio"))
    if jax is not None:
        rows.append(("W5", "compiled / JAX jit (target <= 1x)", c / res["JAX jit"], "ratio"))
    return rows


def w4(quick: bool) -> list:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(512, 784)).astype(np.float32)
    labels = rng.integers(0, 10, size=512)
    onehot = np.eye(10, dtype=np.float32)[labels]
    W1 = (rng.normal(size=(784, 256)) * 0.05).astype(np.float32)
    b1 = np.zeros(256, dtype=np.float32)
    W2 = (rng.normal(size=(256, 10)) * 0.05).astype(np.float32)
    b2 = np.zeros(10, dtype=np.float32)

    def loss(w1_, b1_, w2_, b2_, X, onehot):
        h = cr.tanh(X @ w1_ + b1_)
        z = h @ w2_ + b2_
        m = cr.numpy.max(z, axis=1, keepdims=True)
        logp = z - m - cr.log(cr.exp(z - m).sum(axis=1, keepdims=True))
        return -(logp * onehot).sum() / 512

    g = cr.grad(loss, argnums=(0, 1, 2, 3))
    args = (W1, b1, W2, b2, X, onehot)
    firsts = []
    for _ in range(3):   # a fresh compiled function each time: trace + generate + one run
        c = cr.compile(g)
        t0 = time.perf_counter()
        c(*args)
        firsts.append(time.perf_counter() - t0)
    trace_only = []
    for _ in range(3):
        c2 = cr.compile(g)
        t0 = time.perf_counter()
        c2.trace(*args)
        trace_only.append(time.perf_counter() - t0)

    def np_run():
        a = X @ W1 + b1
        h = np.tanh(a)
        z = h @ W2 + b2
        m = z.max(axis=1, keepdims=True)
        ez = np.exp(z - m)
        s = ez.sum(axis=1, keepdims=True)
        dz = (ez / s - onehot) / 512
        dh = dz @ W2.T
        da = dh * (1 - h * h)
        return X.T @ da, da.sum(axis=0), h.T @ dz, dz.sum(axis=0)

    for a, b in zip(c(*args), g(*args)):
        assert np.array_equal(a, b)
    fns = {"compiled cr.compile(cr.grad(loss))": lambda: c(*args),
           "eager cr.grad(loss)": lambda: g(*args),
           "NumPy, by hand": np_run}
    res = {k: v * 1e3 for k, v in best_times(fns, 5, 3 if quick else 10).items()}
    rows = [("W4 MLP 784-256-10, batch 512", "compiled: first call (trace + generate + run; "
             "target < 50 ms)", min(firsts) * 1e3, "ms"),
            ("W4", "compiled: trace + generate only", min(trace_only) * 1e3, "ms")]
    rows += [("W4", k, v, "ms") for k, v in res.items()]
    rows.append(("W4", "compiled / NumPy by hand",
                 res["compiled cr.compile(cr.grad(loss))"] / res["NumPy, by hand"], "ratio"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = ap.parse_args()
    q = args.quick
    core = "compiled core" if cr.COMPILED else \
        "pure Python (CHAINRULE_PURE=1, or the compiled core is not built)"
    print(f"chainrule eager engine: {core}; numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'absent'}, "
          f"jax {jax.__version__ if jax else 'absent (its columns are skipped)'}, "
          f"{os.cpu_count()} cores{' (quick)' if q else ''}\n")
    print("| workload | implementation or ratio | value |")
    print("|---|---|---|")
    for fn in (w1, w1_tutorial, w2, w3, w5, w4):
        for work, impl, v, unit in fn(q):
            value = f"{v:.2f}x" if unit == "ratio" else f"{v:.3g} {unit}"
            print(f"| {work} | {impl} | {value} |", flush=True)


if __name__ == "__main__":
    main()
