"""What the benchmarks share: the best-of-N timer."""

from __future__ import annotations

import time
from typing import Callable


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
