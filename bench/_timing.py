"""What the benchmarks share: best-of-N timers."""

from __future__ import annotations

import time
from typing import Callable, Dict


def best_time(fn: Callable[[], object], repeat: int, number: int = 1) -> float:
    """Best mean seconds per call over ``repeat`` runs of ``number`` calls (after a warm-up
    call): the least-disturbed run, since these machines are shared and noisy."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def best_times(fns: Dict[str, Callable[[], object]], repeat: int,
               number: int = 1) -> Dict[str, float]:
    """``best_time`` of several functions, their runs interleaved (A B C A B C ...), so a
    slow spell of the machine hits all of them alike and their ratios stay fair."""
    for fn in fns.values():
        fn()
    best = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / number)
    return best
