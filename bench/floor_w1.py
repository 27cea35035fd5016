"""How fast can an engine on NumPy arrays run W1 on the tutorial's literal code? A
measurement, not part of chainrule.

Run by hand:  python bench/floor_w1.py

The tutorial writes `torch.autograd.Variable(torch.Tensor([2]), requires_grad=True)`: a
one-element float32 array of shape (1,), not a number. An engine whose values are NumPy
arrays (chainrule's, for every tensor that is not a 0-d float64) has to make at least the
NumPy calls below for one forward and backward pass of 5x^4 + 3x^3 + 7x^2 + 9x - 5: the
forward's eleven operations and the backward's fifteen (each term's constant and power
rule, the sum of the four terms' cotangents), with nothing else around them, no graph, no
dispatch, and the Python constants converted to float32 beforehand (`5 * a` costs twice
`a * b`). That bare sequence is timed next to bench_engine.py's W1 rows, in the same
process, so the last column says how much of W1's target (10x faster than PyTorch) the
NumPy calls alone use up. It also counts how often NumPy's float32 scalar power differs
from its array power, which is why holding one-element tensors as NumPy scalars instead
would not be a faithful way around the floor.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from bench_engine import _sequential, w1_fns  # noqa: E402  (bench/, the script's own folder)
from chainrule import _kernel  # noqa: E402

F32 = np.float32
C = {k: np.array([k], dtype=F32) for k in (2, 3, 4, 5, 7, 9)}


def numpy_calls_only():
    """The NumPy work of one pass on one-element float32 arrays, and nothing else."""
    x = np.array([2], dtype=F32)
    # forward, keeping what the backward needs
    p4 = x ** C[4]
    p3 = x ** C[3]
    p2 = np.square(x)
    y = C[5] * p4 + C[3] * p3 + C[7] * p2 + C[9] * x - C[5]
    # backward from dy = 1
    g = np.ones_like(y)
    g4 = (g * C[5]) * (C[4] * x ** C[3])
    g3 = (g * C[3]) * (C[3] * np.square(x))
    g2 = (g * C[7]) * (C[2] * x)
    g1 = g * C[9]
    return g4 + g3 + g2 + g1


def scalar_power_mismatches(n: int = 20000) -> int:
    """How many of n float32 values v in [0.1, 10] give a different `v ** 3` as a NumPy
    scalar than as a one-element array (scalar math and the array loop are separate code)."""
    v = np.random.default_rng(0).uniform(0.1, 10.0, n).astype(F32)
    as_array = v ** 3
    return sum(x ** 3 != a for x, a in zip(v, as_array))


def main() -> None:
    assert numpy_calls_only().tolist() == [233.0]
    fns = {"NumPy calls only, shape (1,) float32 (26 ufunc calls)": numpy_calls_only}
    fns.update(w1_fns())
    res = {k: v * 1e6 for k, v in _sequential(fns, 7, 2000).items()}
    engine = "compiled core" if _kernel.COMPILED else "pure Python"
    print(f"chainrule: {engine}; numpy {np.__version__}")
    print()
    budget = res.get("PyTorch (tutorial code)")
    print("| W1 | µs per call | share of the 10x budget (PyTorch's tutorial code / 10) |")
    print("|---|---|---|")
    for name, t in res.items():
        share = f"{t / (budget / 10):.2f}" if budget else "(no torch)"
        print(f"| {name} | {t:.2f} | {share} |")
    print()
    print(f"float32 `v ** 3`, NumPy scalar against array: {scalar_power_mismatches()} of 20000 "
          "values differ (a scalar stand-in for one-element tensors would change results)")


if __name__ == "__main__":
    main()
