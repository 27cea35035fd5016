"""Engine benchmark: chainrule vs PyTorch (when installed) vs hand-written NumPy.

Run by hand:  python bench/bench_engine.py [--quick]
Prints a markdown table. Every ratio compares numbers taken side by side in this one run
(best of several repeats; for W3's long single runs the implementations' runs are
interleaved, so a slow spell of the machine hits them alike), because these machines are
noisy.

W1  the tutorial's derivative, d/dx (5x^4+3x^3+7x^2+9x-5) at x=2, per call (µs): the
    tutorial's code (shape (1,) float32) and the same on a 0-d tensor, each against PyTorch
    running the same code
(`CHAINRULE_PURE=1 python bench/bench_engine.py` times the pure-Python engine instead of
the compiled core; the header says which one ran.)
W2  333 x `x = sin(x)*0.01 + x`, forward+backward, per op (µs; 999 ops)
W3  sum(sin(x)*exp(-x**2/2)) and its gradient, 10^7 float64 elements (ms); besides the plain
    hand-written NumPy, the best one (in place with out=, fewest passes) in a column of its own
W4  MLP 784-256-10, tanh, softmax cross-entropy, batch 512, float32, forward+backward (ms)
W6  100,000-op chain forward+backward (s) and peak memory (MiB above the idle process),
    each library in its own subprocess so peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import chainrule as cr  # noqa: E402
from _timing import best_time, best_times  # noqa: E402  (bench/, the script's own folder)

try:
    import torch
    torch.set_num_threads(os.cpu_count() or 1)
except ImportError:  # the benchmark still runs without the oracle
    torch = None


def _sequential(fns: dict, repeat: int, number: int) -> dict:
    """Each implementation's repeats back to back: for short calls, where interleaving would
    time cold caches and a sleeping thread pool (PyTorch's) instead of the work."""
    return {name: best_time(fn, repeat, number) for name, fn in fns.items()}


# ----------------------------------------------------------------------------------------
def w1_fns() -> dict:
    """W1's implementations by name (bench/floor_w1.py times them too)."""
    def cr_tutorial():
        x = cr.autograd.Variable(cr.Tensor([2]), requires_grad=True)
        y = 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5
        y.backward()
        return x.grad

    def cr_scalar():
        x = cr.tensor(2.0, requires_grad=True)
        y = 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5
        y.backward()
        return x.grad

    f = lambda x: 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5  # noqa: E731
    df = cr.grad(f)

    def np_hand():
        x = np.array([2.0])
        return 20*x**3 + 9*x**2 + 14*x + 9

    fns = {"chainrule (tutorial code, shape (1,))": cr_tutorial,
           "chainrule (0-d tensor)": cr_scalar,
           "chainrule cr.grad(f)(2.0)": lambda: df(2.0),
           "NumPy, derivative by hand": np_hand}
    if torch is not None:
        def torch_tutorial():
            x = torch.autograd.Variable(torch.Tensor([2]), requires_grad=True)
            y = 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5
            y.backward()
            return x.grad
        fns["PyTorch (tutorial code)"] = torch_tutorial

        def torch_scalar():
            x = torch.tensor(2.0, requires_grad=True)
            y = 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5
            y.backward()
            return x.grad
        fns["PyTorch (0-d tensor)"] = torch_scalar
    return fns


def w1(quick: bool) -> dict:
    n = 200 if quick else 2000
    return {k: v * 1e6 for k, v in _sequential(w1_fns(), 5, n).items()}


def w2(quick: bool) -> dict:
    ops = 333 * 3

    def cr_forward():
        x0 = cr.tensor(0.5, requires_grad=True)
        x = x0
        for _ in range(333):
            x = cr.sin(x) * 0.01 + x
        return x

    def cr_chain():
        cr_forward().backward()

    def cr_backward_part(repeat: int, number: int) -> float:
        # Graphs built first, outside the timing: the backward pass alone.
        best = float("inf")
        for _ in range(repeat):
            roots = [cr_forward() for _ in range(number)]
            t0 = time.perf_counter()
            for r in roots:
                r.backward()
            best = min(best, (time.perf_counter() - t0) / number)
        return best

    def np_chain():
        # hand-written forward and reverse on floats, saving what the reverse pass needs
        x = 0.5
        saved = []
        for _ in range(333):
            saved.append(x)
            x = np.sin(x) * 0.01 + x
        g = 1.0
        for xi in reversed(saved):
            g = g * (np.cos(xi) * 0.01 + 1.0)
        return g

    n = 5 if quick else 30
    fns = {"chainrule (0-d tensor)": cr_chain, "NumPy, by hand": np_chain}
    if torch is not None:
        def torch_chain():
            x0 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
            x = x0
            for _ in range(333):
                x = torch.sin(x) * 0.01 + x
            x.backward()
        fns["PyTorch"] = torch_chain
    res = _sequential(fns, 5, n)
    # Where chainrule's time goes (no ratios: parts of the first row, measured apart; the
    # backward part keeps `n` graphs alive, so the two add up to a little more than the row).
    res["chainrule: forward part"] = best_time(cr_forward, 5, n)
    res["chainrule: backward part"] = cr_backward_part(5, n)
    return {k: v / ops * 1e6 for k, v in res.items()}


def w3(quick: bool) -> dict:
    n_el = 10**6 if quick else 10**7
    xv = np.random.default_rng(0).normal(size=n_el)

    def cr_run():
        x = cr.as_tensor(xv).requires_grad_()   # no copy, like torch.from_numpy below
        y = (cr.sin(x) * cr.exp(-x**2 / 2)).sum()
        y.backward()
        return x.grad

    def np_run():
        s = np.sin(xv)
        e = np.exp(-xv**2 / 2)
        y = np.sum(s * e)
        return y, np.cos(xv) * e - xv * (s * e)

    def np_inplace():
        # The best hand-written NumPy (the compile issue's): in place with out=, fewest
        # passes, no temporaries beyond e, s and g.
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

    fns = {"chainrule": cr_run, "NumPy, by hand": np_run, "NumPy in place, by hand": np_inplace}
    if torch is not None:
        xt = torch.from_numpy(xv)

        def torch_run():
            x = xt.detach().requires_grad_(True)
            y = (torch.sin(x) * torch.exp(-x**2 / 2)).sum()
            y.backward()
            return x.grad
        fns["PyTorch"] = torch_run
    return {k: v * 1e3 for k, v in best_times(fns, 5, 1).items()}


def w4(quick: bool) -> dict:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(512, 784)).astype(np.float32)
    labels = rng.integers(0, 10, size=512)
    onehot = np.eye(10, dtype=np.float32)[labels]
    W1 = (rng.normal(size=(784, 256)) * 0.05).astype(np.float32)
    b1 = np.zeros(256, dtype=np.float32)
    W2 = (rng.normal(size=(256, 10)) * 0.05).astype(np.float32)
    b2 = np.zeros(10, dtype=np.float32)
    params = [cr.tensor(p, requires_grad=True) for p in (W1, b1, W2, b2)]

    def cr_run():
        w1_, b1_, w2_, b2_ = params
        for p in params:
            p.grad = None
        h = cr.tanh(X @ w1_ + b1_)
        z = h @ w2_ + b2_
        m = z.detach().max(axis=1, keepdims=True)
        logp = z - m - cr.log(cr.exp(z - m).sum(axis=1, keepdims=True))
        loss = -(logp * onehot).sum() / 512
        loss.backward()

    def np_run():
        a = X @ W1 + b1
        h = np.tanh(a)
        z = h @ W2 + b2
        m = z.max(axis=1, keepdims=True)
        ez = np.exp(z - m)
        s = ez.sum(axis=1, keepdims=True)
        logp = z - m - np.log(s)
        loss = -(logp * onehot).sum() / 512
        dz = (ez / s - onehot) / 512
        dW2 = h.T @ dz
        db2 = dz.sum(axis=0)
        dh = dz @ W2.T
        da = dh * (1 - h * h)
        dW1 = X.T @ da
        db1 = da.sum(axis=0)
        return loss, dW1, db1, dW2, db2

    n = 3 if quick else 20
    fns = {"chainrule": cr_run, "NumPy, by hand": np_run}
    if torch is not None:
        tX, toh = torch.from_numpy(X), torch.from_numpy(onehot)
        tparams = [torch.from_numpy(p.copy()).requires_grad_(True) for p in (W1, b1, W2, b2)]

        def torch_run():
            w1_, b1_, w2_, b2_ = tparams
            for p in tparams:
                p.grad = None
            h = torch.tanh(tX @ w1_ + b1_)
            z = h @ w2_ + b2_
            logp = torch.log_softmax(z, dim=1)
            loss = -(logp * toh).sum() / 512
            loss.backward()
        fns["PyTorch"] = torch_run
    return {k: v * 1e3 for k, v in _sequential(fns, 5, n).items()}


W6_CHILD = r"""
import json, resource, sys, time, os
sys.path.insert(0, {root!r})
lib = {lib!r}
n = {n}
if lib == "chainrule":
    import chainrule as cr
    def run():
        x0 = cr.tensor(0.5, requires_grad=True)
        x = x0
        for _ in range(n // 3):
            x = cr.sin(x) * 0.01 + x
        x.backward()
        return x0.grad
else:
    import torch
    def run():
        x0 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
        x = x0
        for _ in range(n // 3):
            x = torch.sin(x) * 0.01 + x
        x.backward()
        return x0.grad
def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
base = rss_mib()
t0 = time.perf_counter(); run(); t1 = time.perf_counter()
peak = rss_mib() - base
t2 = time.perf_counter(); run(); t3 = time.perf_counter()
print(json.dumps({{"s": min(t1 - t0, t3 - t2), "peak_mib": peak}}))
"""


def w6(quick: bool) -> dict:
    n = 10_000 if quick else 100_000
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    libs = ["chainrule"] + (["torch"] if torch is not None else [])
    out = {}
    for lib in libs:
        code = W6_CHILD.format(root=root, lib=lib, n=n)
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)
        out[lib] = json.loads(r.stdout.strip().splitlines()[-1])
    return out


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = ap.parse_args()
    q = args.quick
    core = "compiled core" if cr._kernel.COMPILED else \
        "pure Python (CHAINRULE_PURE=1, or the compiled core is not built)"
    print(f"chainrule: {core}; numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'absent'}, "
          f"{os.cpu_count()} cores{' (quick)' if q else ''}\n")
    print("| workload | implementation | time | vs PyTorch | vs NumPy by hand "
          "| vs NumPy in place |")
    print("|---|---|---|---|---|---|")
    for name, fn, unit in (("W1 tutorial derivative", w1, "µs/call"),
                           ("W2 333 x sin chain", w2, "µs/op"),
                           ("W3 10^7 elements" if not q else "W3 10^6 elements", w3, "ms"),
                           ("W4 MLP batch 512", w4, "ms")):
        res = fn(q)
        t_torch = next((v for k, v in res.items() if k.startswith("PyTorch")), None)
        t_np = next((v for k, v in res.items() if k.startswith("NumPy")), None)
        t_inplace = res.get("NumPy in place, by hand")
        for impl, v in res.items():
            part = " part" in impl
            # Like against like: "chainrule (0-d tensor)" against "PyTorch (0-d tensor)"
            # where both exist, else against the first PyTorch row (the tutorial's code).
            twin = res.get("PyTorch" + impl[impl.find(" ("):]) if " (" in impl else None
            vs_t = ratio(v, twin or t_torch) if t_torch and not impl.startswith("PyTorch") \
                and not part else ""
            vs_n = ratio(v, t_np) if t_np and not impl.startswith("NumPy") and not part else ""
            vs_i = ratio(v, t_inplace) if t_inplace and "in place" not in impl else ""
            print(f"| {name} | {impl} | {v:.3g} {unit} | {vs_t} | {vs_n} | {vs_i} |")
    res6 = w6(q)
    t6 = res6.get("torch")
    for lib, r in res6.items():
        vs = ratio(r["s"], t6["s"]) if t6 and lib != "torch" else ""
        print(f"| W6 {'10,000' if q else '100,000'}-op chain | {lib} | {r['s']:.3g} s, "
              f"peak {r['peak_mib']:.0f} MiB | {vs} | | |")


if __name__ == "__main__":
    main()
