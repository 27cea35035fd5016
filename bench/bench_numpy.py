"""chainrule.numpy benchmark: value + gradient of NumPy-namespace functions, chainrule vs
PyTorch (when installed), at growing sizes, in one process.

Run by hand:  python bench/bench_numpy.py [--quick]
Prints a markdown table: milliseconds for one forward + backward (best of several repeats,
float64, torch on one thread), and the chainrule / torch ratio. Time that grows about 10x per
10x size means no Python loop over elements (the issue's rule); the rows with zeros exercise
the zero-safe prod/cumprod rules.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import chainrule as cr  # noqa: E402
import chainrule.numpy as cnp  # noqa: E402
import chainrule.special as cs  # noqa: E402
from _timing import best_time  # noqa: E402  (bench/, the script's own folder)

try:
    import torch
    # One thread: these shared machines make multi-threaded timings of small ops noisy.
    torch.set_num_threads(1)
except ImportError:  # the benchmark still runs, without the comparison column
    torch = None


def _best(fn, repeats: int) -> float:
    """Best of ``repeats`` single calls, in milliseconds."""
    return best_time(fn, repeats) * 1e3


def _workloads(n: int, rng: np.random.Generator) -> list:
    x = rng.uniform(0.5, 1.5, size=n)
    xz = x.copy()
    xz[n // 3] = 0.0
    side = max(2, int(round(n ** 0.5)))
    m = rng.normal(size=(side, side))
    k = max(2, int(round((n / 8) ** (1 / 3))))
    spd = rng.normal(size=(k, k))
    spd = spd @ spd.T + k * np.eye(k)
    return [
        ("sum(cumprod(x)) with a zero", xz,
         lambda a: cnp.sum(cnp.cumprod(a)), lambda a: torch.cumprod(a, 0).sum()),
        ("prod(x) with a zero", xz, cnp.prod, torch.prod),
        ("sum(sort(x) * w)", x, lambda a: cnp.sum(cnp.sort(a) * x),
         lambda a: (torch.sort(a).values * torch.from_numpy(x)).sum()),
        ("logsumexp(x)", x, cs.logsumexp, lambda a: torch.logsumexp(a, 0)),
        ("sum(einsum('ij,jk->ik', M, M))", m, lambda a: cnp.sum(cnp.einsum("ij,jk->ik", a, a)),
         lambda a: torch.einsum("ij,jk->ik", a, a).sum()),
        ("norm(rfft(x))", x, lambda a: cnp.linalg.norm(cnp.abs(cnp.fft.rfft(a))),
         lambda a: torch.linalg.norm(torch.abs(torch.fft.rfft(a)))),
        (f"logdet(A) ({k}x{k})", spd, lambda a: cnp.linalg.slogdet(a)[1],
         lambda a: torch.linalg.slogdet(a)[1]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = parser.parse_args()
    sizes = (10 ** 3, 10 ** 4, 10 ** 5) if args.quick else (10 ** 3, 10 ** 4, 10 ** 5, 10 ** 6)
    repeats = 5 if args.quick else 9
    rng = np.random.default_rng(0)
    print("| workload | n | chainrule (ms) | torch (ms) | ratio |")
    print("|---|---|---|---|---|")
    for n in sizes:
        for name, x, ours, theirs in _workloads(n, rng):
            g = cr.grad(ours)
            t_ours = _best(lambda: g(x), repeats)
            if torch is not None:
                def run_torch():
                    t = torch.tensor(x, requires_grad=True)
                    theirs(t).backward()
                    return t.grad
                t_torch = _best(run_torch, repeats)
                ratio = f"{t_ours / t_torch:.2f}"
                t_torch_s = f"{t_torch:.3f}"
            else:
                t_torch_s, ratio = "n/a", "n/a"
            print(f"| {name} | {np.size(x):,} | {t_ours:.3f} | {t_torch_s} | {ratio} |")


if __name__ == "__main__":
    main()
