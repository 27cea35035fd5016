"""Functional-transforms benchmark: chainrule vs torch.func / nested autograd.grad, one process.

Run by hand:  python bench/bench_functional.py [--quick]
Prints markdown tables. Every ratio compares numbers taken side by side in this one run
(best of several repeats, float64 everywhere), because these machines are noisy.

F1  dense Hessian of the 100-dimensional Rosenbrock function (ms)
F2  4th derivative of tanh at 0.5 (µs)
F3  nth derivative of a 20-op scalar function, n = 1..16 (µs): Taylor mode vs nesting
F4  100x100 Jacobian of tanh(A @ x) (ms)
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import chainrule as cr  # noqa: E402
from _timing import best_time  # noqa: E402  (bench/, the script's own folder)

try:
    import torch
    torch.set_num_threads(os.cpu_count() or 1)
    warnings.filterwarnings("ignore", message="`torch.jit.script` is deprecated")
except ImportError:  # the benchmark still runs without the oracle
    torch = None


def table(title: str, unit: str, scale: float, rows: list, ref: str) -> None:
    """rows: (name, seconds); ratios are relative to the row named ``ref``."""
    print(f"\n### {title}\n")
    print(f"| | time ({unit}) | vs {ref} |")
    print("|---|---:|---:|")
    base = dict(rows).get(ref)
    for name, sec in rows:
        ratio = f"{base / sec:.2f}x faster" if base and sec < base else \
            f"{sec / base:.2f}x slower" if base and sec > base else "1.00x"
        print(f"| {name} | {sec * scale:,.1f} | {ratio} |")


# ----------------------------------------------------------------------------------------
def rosenbrock(x):
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


def f1(quick: bool) -> None:
    x = np.linspace(-1.2, 1.2, 100)
    h = cr.hessian(rosenbrock)
    n = 20 if quick else 200

    def loop_of_hvps():
        eye = np.eye(100)
        return np.stack([cr.hvp(rosenbrock, (x,), (eye[i],)) for i in range(100)])

    rows = [("chainrule cr.hessian (batched forward-over-reverse)", best_time(lambda: h(x), 5, n)),
            ("chainrule, one cr.hvp per column (Python loop)",
             best_time(loop_of_hvps, 3, max(1, n // 20)))]
    if torch is not None:
        xt = torch.tensor(x)
        ht = torch.func.hessian(rosenbrock)
        rows.insert(0, ("PyTorch torch.func.hessian", best_time(lambda: ht(xt), 5, n)))
        np.testing.assert_allclose(h(x), ht(xt).numpy(), rtol=1e-12, atol=1e-9)
        ref = "PyTorch torch.func.hessian"
    else:
        ref = rows[0][0]
    table("F1: Hessian of Rosenbrock, n = 100", "ms", 1e3, rows, ref)


def f2(quick: bool) -> None:
    d4 = cr.derivative(cr.tanh, 4)
    nested = cr.grad(cr.grad(cr.grad(cr.grad(cr.tanh))))
    n = 500 if quick else 5000
    rows = [("chainrule cr.derivative(cr.tanh, 4) (Taylor mode)", best_time(lambda: d4(0.5), 5, n)),
            ("chainrule nested cr.grad x4", best_time(lambda: nested(0.5), 5, n // 5))]
    expected = d4(0.5)
    assert abs(nested(0.5) - expected) < 1e-12
    if torch is not None:
        def torch_nested():
            x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
            y = torch.tanh(x)
            for _ in range(4):
                (y,) = torch.autograd.grad(y, x, create_graph=True)
            return y

        tf = torch.func
        func4 = tf.grad(tf.grad(tf.grad(tf.grad(torch.tanh))))
        x05 = torch.tensor(0.5, dtype=torch.float64)
        assert abs(torch_nested().item() - expected) < 1e-12
        rows.insert(0, ("PyTorch nested autograd.grad(create_graph=True) x4",
                        best_time(torch_nested, 5, n // 5)))
        rows.append(("PyTorch torch.func.grad x4", best_time(lambda: func4(x05), 5, n // 10)))
        ref = rows[0][0]
    else:
        ref = rows[0][0]
    table("F2: 4th derivative of tanh at 0.5", "µs", 1e6, rows, ref)


class _NS:
    def __init__(self, lib):
        mod = cr if lib == "cr" else torch
        self.sin, self.cos, self.exp, self.tanh, self.log, self.sqrt = (
            mod.sin, mod.cos, mod.exp, mod.tanh, mod.log, mod.sqrt)


def f20(x, ns):
    """A scalar function of 20 primitive operations."""
    a = ns.sin(x)                    # 1
    b = a * x                        # 2
    c = ns.exp(-b)                   # 3, 4
    d = c + x                        # 5
    e = ns.tanh(d)                   # 6
    f = e * e                        # 7
    g = f / (1.0 + x * x)            # 8, 9, 10
    h = ns.log(1.5 + g)              # 11, 12
    i = ns.sqrt(h + 2.0)             # 13, 14
    j = ns.cos(i * x)                # 15, 16
    k = j * a - 0.5                  # 17, 18
    return k * k + ns.tanh(k)        # 19, 20


def f3(quick: bool) -> None:
    x0 = 0.4
    f_cr = lambda x: f20(x, _NS("cr"))  # noqa: E731
    orders = range(1, 17)
    nested_max = 5 if quick else 7
    taylor, nested, torch_nested = {}, {}, {}
    n_calls = 10 if quick else 50
    for n in orders:
        d = cr.derivative(f_cr, n)
        taylor[n] = best_time(lambda d=d: d(x0), 5, n_calls)
    g = f_cr
    for n in range(1, nested_max + 1):
        g = cr.grad(g)
        gn = g
        nested[n] = best_time(lambda gn=gn: gn(x0), 3, max(1, n_calls // (2 ** n)))
        assert math.isclose(gn(x0), cr.derivative(f_cr, n)(x0), rel_tol=1e-9, abs_tol=1e-9)
    if torch is not None:
        ns = _NS("torch")

        def torch_nth(n):
            x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
            y = f20(x, ns)
            for _ in range(n):
                (y,) = torch.autograd.grad(y, x, create_graph=True)
            return y.item()

        for n in range(1, nested_max + 1):
            torch_nested[n] = best_time(lambda n=n: torch_nth(n), 3,
                                        max(1, n_calls // (2 ** n)))
            assert math.isclose(torch_nth(n), cr.derivative(f_cr, n)(x0), rel_tol=1e-9,
                                abs_tol=1e-9)
    print("\n### F3: nth derivative of a 20-op scalar function at 0.4\n")
    print("| n | cr.derivative (µs) | t(n)/t(1) | t(n)/(n² t(1)) | nested cr.grad (µs) | "
          "nested torch autograd.grad (µs) |")
    print("|---:|---:|---:|---:|---:|---:|")
    t1 = taylor[1]
    for n in orders:
        nest = f"{nested[n] * 1e6:,.0f}" if n in nested else "—"
        tn = f"{torch_nested[n] * 1e6:,.0f}" if n in torch_nested else "—"
        print(f"| {n} | {taylor[n] * 1e6:,.0f} | {taylor[n] / t1:.1f} | "
              f"{taylor[n] / (n * n * t1):.2f} | {nest} | {tn} |")


def f4(quick: bool) -> None:
    rng = np.random.default_rng(0)
    A = rng.normal(size=(100, 100)) / 10
    x = rng.normal(size=100)
    f = lambda v: cr.tanh(A @ v)  # noqa: E731
    n = 20 if quick else 200
    rows = [("chainrule cr.jacobian (picks reverse)", best_time(lambda: cr.jacobian(f)(x), 5, n)),
            ("chainrule cr.jacfwd", best_time(lambda: cr.jacfwd(f)(x), 5, n)),
            ("chainrule cr.jacrev", best_time(lambda: cr.jacrev(f)(x), 5, n))]
    if torch is not None:
        At, xt = torch.tensor(A), torch.tensor(x)
        ft = lambda v: torch.tanh(At @ v)  # noqa: E731
        rows.insert(0, ("PyTorch torch.func.jacrev",
                        best_time(lambda: torch.func.jacrev(ft)(xt), 5, n)))
        rows.insert(1, ("PyTorch torch.func.jacfwd",
                        best_time(lambda: torch.func.jacfwd(ft)(xt), 5, n)))
    table("F4: Jacobian of tanh(A @ x), 100 x 100", "ms", 1e3, rows, rows[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (smoke run)")
    args = parser.parse_args()
    print(f"chainrule functional benchmark; numpy {np.__version__}"
          + (f", torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else
             ", torch not installed"))
    f1(args.quick)
    f2(args.quick)
    f3(args.quick)
    f4(args.quick)


if __name__ == "__main__":
    main()
