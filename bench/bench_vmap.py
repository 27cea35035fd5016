"""Per-example gradients: cr.vmap(cr.grad(loss)) against torch.func.vmap(torch.func.grad(loss)).

A 784-256-10 MLP (tanh hidden layer, softmax cross-entropy) over a batch of 512, both
libraries in this process, same data, float32 and float64; the per-example gradients are
checked to agree before anything is timed. Prints a Markdown table.

    python bench/bench_vmap.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import chainrule as cr  # noqa: E402
from chainrule import numpy as cnp  # noqa: E402
from _timing import best_times  # noqa: E402  (bench/, the script's own folder)

try:
    import torch
    import torch.func
    torch.set_num_threads(os.cpu_count() or 1)
except ImportError:  # the benchmark still runs without the oracle
    torch = None


def loss(p, x, y):
    h = cnp.tanh(x @ p["W1"] + p["b1"])
    logits = h @ p["W2"] + p["b2"]
    return -(y * cr.special.log_softmax(logits)).sum()


def torch_loss(p, x, y):
    h = torch.tanh(x @ p["W1"] + p["b1"])
    logits = h @ p["W2"] + p["b2"]
    return -(y * torch.log_softmax(logits, -1)).sum()


def problem(dtype, batch: int):
    rng = np.random.default_rng(0)
    p = {"W1": rng.normal(size=(784, 256)) / 28, "b1": np.zeros(256),
         "W2": rng.normal(size=(256, 10)) / 16, "b2": np.zeros(10)}
    p = {k: v.astype(dtype) for k, v in p.items()}
    x = rng.normal(size=(batch, 784)).astype(dtype)
    y = np.eye(10, dtype=dtype)[rng.integers(0, 10, batch)]
    return p, x, y


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="batch 64, fewer repeats")
    args = ap.parse_args()
    batch = 64 if args.quick else 512
    repeat = 3 if args.quick else 7
    core = "compiled core" if cr.COMPILED else "pure Python"
    print(f"chainrule: {core}; numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'absent'}, {os.cpu_count()} cores; "
          f"MLP 784-256-10, batch {batch}, best of {repeat}\n")
    print("| dtype | implementation | time (ms) | vs torch.func |")
    print("|---|---|---|---|")
    per_example = cr.vmap(cr.grad(loss), in_axes=(None, 0, 0))
    for dtype in (np.float32, np.float64):
        p, x, y = problem(dtype, batch)
        fns = {"cr.vmap(cr.grad(loss))": lambda: per_example(p, x, y)}
        if torch is not None:
            tp = {k: torch.tensor(v) for k, v in p.items()}
            tx, ty = torch.tensor(x), torch.tensor(y)
            t_per_example = torch.func.vmap(torch.func.grad(torch_loss), in_dims=(None, 0, 0))
            fns["torch.func.vmap(torch.func.grad(loss))"] = lambda: t_per_example(tp, tx, ty)
            ours, theirs = per_example(p, x, y), t_per_example(tp, tx, ty)
            tol = 1e-4 if dtype == np.float32 else 1e-10
            for k in p:
                np.testing.assert_allclose(ours[k], theirs[k].numpy(), rtol=tol, atol=tol)
        times = best_times(fns, repeat)
        t_ref = times.get("torch.func.vmap(torch.func.grad(loss))")
        for name, t in times.items():
            vs = f"{t / t_ref:.2f}x" if t_ref and not name.startswith("torch") else ""
            print(f"| {np.dtype(dtype).name} | {name} | {t * 1e3:.1f} | {vs} |")


if __name__ == "__main__":
    main()
