"""cr.checkpoint on a long chain: peak memory and time with and without checkpointing.

The W6 chain of bench_engine.py (``x = sin(x) * 0.01 + x``, three operations a step) made
1,000,000 operations long, forward and backward, in Tensor style (``backward()``) and in
functional style (``cr.grad``); checkpointed runs split the chain into segments of k steps,
each ``cr.checkpoint``-ed, so the graph keeps only the segment boundaries and the backward
pass reruns one segment at a time. Each run is a fresh subprocess, so its peak resident
memory (VmHWM, above the idle process) is its own. Targets: peak at most 1/3 of the plain
run, time at most 2x. Prints a Markdown table.

Python's cyclic garbage collector walks every live object now and then, so a graph of a
million nodes makes the plain run several times slower than a linear scaling of W6 would say,
and checkpointing, which keeps few objects alive, comes out faster. The "gc disabled" rows
(``gc.disable()`` in both runs) show the price of the rerun itself.

    python bench/bench_checkpoint.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys

CHILD = r"""
import gc, json, sys, time
sys.path.insert(0, {root!r})
import chainrule as cr
steps, seg, style = {steps}, {seg}, {style!r}
if {gc_off}:
    gc.disable()

def body(x, k):
    for _ in range(k):
        x = cr.sin(x) * 0.01 + x
    return x

def chain(x):
    if not seg:
        return body(x, steps)
    block = cr.checkpoint(lambda v: body(v, seg))
    for _ in range(steps // seg):
        x = block(x)
    return body(x, steps % seg)

def run():
    if style == "tensor":
        x0 = cr.tensor(0.5, requires_grad=True)
        chain(x0).backward()
        return float(x0.grad)
    return cr.grad(chain)(0.5)

def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
base = rss_mib()
t0 = time.perf_counter(); g = run(); t1 = time.perf_counter()
peak = rss_mib() - base
t2 = time.perf_counter(); run(); t3 = time.perf_counter()
print(json.dumps({{"s": min(t1 - t0, t3 - t2), "peak_mib": peak, "grad": g}}))
"""


def measure(steps: int, seg: int, style: str, gc_off: bool = False) -> dict:
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    code = CHILD.format(root=root, steps=steps, seg=seg, style=style, gc_off=gc_off)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 100,000-op chain")
    args = ap.parse_args()
    ops = 100_000 if args.quick else 1_000_000
    steps = ops // 3
    root_k = int(math.sqrt(steps))
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    import chainrule as cr
    core = "compiled core" if cr.COMPILED else "pure Python"
    print(f"chainrule: {core}; a {ops:,}-op chain ({steps:,} steps of sin(x)*0.01 + x), "
          f"forward + backward; {os.cpu_count()} cores\n")
    print("| style | checkpointing | time (s) | peak (MiB) | time vs plain | peak vs plain |")
    print("|---|---|---|---|---|---|")
    for style, gc_off in (("tensor", False), ("functional", False), ("tensor", True)):
        label = style + (", gc disabled" if gc_off else "")
        plain = measure(steps, 0, style, gc_off)
        print(f"| {label} | none | {plain['s']:.2f} | {plain['peak_mib']:.0f} | | |")
        for seg in (root_k, 10 * root_k):
            r = measure(steps, seg, style, gc_off)
            assert abs(r["grad"] - plain["grad"]) <= 1e-9 * abs(plain["grad"]), (r, plain)
            print(f"| {label} | {steps // seg} segments of {seg} steps | {r['s']:.2f} | "
                  f"{r['peak_mib']:.0f} | {r['s'] / plain['s']:.2f}x | "
                  f"{r['peak_mib'] / plain['peak_mib']:.3f} |")


if __name__ == "__main__":
    main()
