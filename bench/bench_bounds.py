"""Bounded work (issue 11, part 6): wall time of the CLI at high orders and of graph text on
long chains. Run from the repository root: ``python bench/bench_bounds.py``.

Targets: ``chainrule "x^x" --order 10`` under 2 s (it prints the clear message, or the value
with --at), ``cr.graph(y).to_text()`` of a 100,000-op chain under 2 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import chainrule as cr  # noqa: E402


def cli(*args: str) -> tuple:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True,
                          cwd=ROOT, timeout=300)
    return time.perf_counter() - t0, done.returncode, len(done.stdout) + len(done.stderr)


def chain(n: int):
    x = cr.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0
    return y


def main() -> None:
    print(f"{'command':44s} {'seconds':>8s} {'exit':>5s} {'bytes':>10s}")
    for args in (["x^x", "--order", "6"], ["x^x", "--order", "10"],
                 ["x^x", "--order", "10", "--at", "x=2"], ["x^x^x", "--order", "6"],
                 ["x^x^x", "--order", "10", "--at", "x=1.5"]):
        s, rc, size = cli(*args)
        print(f"{'chainrule ' + ' '.join(args):44s} {s:8.2f} {rc:5d} {size:10d}")
    print()
    print(f"{'chain ops':>10s} {'graph() s':>10s} {'to_text() s':>12s} {'chars':>12s} "
          f"{'chars/op':>9s}")
    for n in (3_000, 30_000, 100_000):
        y = chain(n)
        t0 = time.perf_counter()
        g = cr.graph(y)
        t1 = time.perf_counter()
        text = g.to_text()
        t2 = time.perf_counter()
        print(f"{n:10d} {t1 - t0:10.2f} {t2 - t1:12.2f} {len(text):12d} "
              f"{len(text) / (2 * n):9.1f}")


if __name__ == "__main__":
    main()
