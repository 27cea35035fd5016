"""Textbook exercises (bench/textbook_corpus.txt) against SymPy: is every formula right, is
any input refused, how large is it next to ``sympy.simplify(sympy.diff(...))``, how fast.

    python bench/textbook.py            # the table and the 10 largest ratios
    python bench/textbook.py --all      # every exercise, side by side

Size is SymPy's ``count_ops`` of the printed formula (read back by SymPy) over that of
SymPy's simplified derivative; a formula with no operations counts as 1. Time is the median
per exercise: chainrule's ``diff`` (differentiate and simplify) against ``sympy.diff`` alone
(which simplifies nothing), each on its own parse of the text, SymPy with its cache cleared
first (a new exercise; the time of a repeated call, a cache lookup, is shown too); chainrule's
parse is shown too.
"""

from __future__ import annotations

import math
import pathlib
import random
import statistics
import sys
import time
import warnings

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import chainrule as cr  # noqa: E402

CORPUS = HERE / "textbook_corpus.txt"


def exercises() -> list:
    """(text, sympy text or None) for each line of the corpus."""
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        text, _, theirs = line.partition(";;")
        out.append((text.strip(), theirs.strip() or None))
    return out


def _sympy_of(text: str):
    import sympy
    return sympy.sympify(text, locals={"x": sympy.Symbol("x"), "e": sympy.E, "pi": sympy.pi,
                                       "ln": sympy.log, "cbrt": sympy.cbrt})


def _value(fn, t):
    try:
        v = complex(fn(t))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    if not (math.isfinite(v.real) and math.isfinite(v.imag)) or abs(v.imag) > 1e-12:
        return None
    return v.real


def agree(a, b, var, seed: int = 0, points: int = 12, domain=None) -> bool:
    """Whether two SymPy expressions agree at random real points where ``b`` (the truth) is
    finite (and ``domain``, the function differentiated, too): there ``a`` must be finite
    and equal."""
    import sympy
    fa, fb = sympy.lambdify(var, a, "math"), sympy.lambdify(var, b, "math")
    fd = sympy.lambdify(var, domain, "math") if domain is not None else None
    rng = random.Random(seed)
    seen = 0
    for _ in range(400):
        t = rng.choice((rng.uniform(-3, 3), rng.uniform(0.05, 0.95), rng.uniform(1.05, 4)))
        vb = _value(fb, t)
        if vb is None or (fd is not None and _value(fd, t) is None):
            continue
        va = _value(fa, t)
        if va is None or not math.isclose(va, vb, rel_tol=1e-7, abs_tol=1e-8):
            return False
        seen += 1
        if seen == points:
            break
    return seen > 0


def measure(text: str, theirs_text=None, repeat: int = 3) -> dict:
    import sympy
    row: dict = {"text": text}
    try:
        notes: list = []
        expr = cr.parse(text, notes=notes)
    except ValueError as err:
        row["refused"] = str(err)
        return row
    start = time.perf_counter()
    for _ in range(repeat):
        cr.parse(text, notes=[])
    row["parse_s"] = (time.perf_counter() - start) / repeat
    start = time.perf_counter()
    for _ in range(repeat):
        d = cr.diff(expr)      # differentiate and simplify, as sympy.diff on its parse
    row["ours_s"] = (time.perf_counter() - start) / repeat
    row["ours"] = d.to_unicode()
    # A real x: SymPy's derivative of |x| is sign(x), not one through re() and im().
    x, plain = sympy.Symbol("x", real=True), sympy.Symbol("x")
    f = expr.to_sympy().subs(plain, x)
    if theirs_text is not None:
        row["reading_ok"] = agree(f, _sympy_of(theirs_text).subs(plain, x), x)
    # SymPy caches every result: without clearing the cache the 2nd call of the same
    # derivative is a lookup. Each exercise is new to a learner, so time it cold (and warm).
    cold = warm = 0.0
    for _ in range(repeat):
        sympy.core.cache.clear_cache()
        start = time.perf_counter()
        truth = sympy.diff(f, x)
        cold += time.perf_counter() - start
        start = time.perf_counter()
        sympy.diff(f, x)
        warm += time.perf_counter() - start
    row["sympy_diff_s"] = cold / repeat
    row["sympy_warm_s"] = warm / repeat
    best = sympy.simplify(truth)
    mine = d.to_sympy().subs(plain, x)
    row["right"] = agree(mine, truth, x, domain=f)
    row["theirs"] = str(best)
    row["size"] = max(1, sympy.count_ops(mine))
    row["sympy_size"] = max(1, sympy.count_ops(best))
    row["ratio"] = row["size"] / row["sympy_size"]
    return row


def run(show_all: bool = False) -> list:
    warnings.simplefilter("ignore")
    rows = [measure(t, s) for t, s in exercises()]
    done = [r for r in rows if "refused" not in r]
    ratios = sorted(r["ratio"] for r in done)
    wrong = [r for r in done if not r["right"] or not r.get("reading_ok", True)]
    refused = [r for r in rows if "refused" in r]
    p90 = ratios[min(len(ratios) - 1, int(math.ceil(0.9 * len(ratios))) - 1)]
    ours = statistics.median(r["ours_s"] for r in done) * 1e3
    theirs = statistics.median(r["sympy_diff_s"] for r in done) * 1e3
    print(f"{'exercises':<34}{len(rows):>8}")
    print(f"{'wrong':<34}{len(wrong):>8}")
    print(f"{'refused':<34}{len(refused):>8}")
    print(f"{'size ratio median':<34}{statistics.median(ratios):>8.3f}")
    print(f"{'size ratio p90':<34}{p90:>8.3f}")
    print(f"{'size ratio worst':<34}{ratios[-1]:>8.3f}")
    print(f"{'smaller than sympy.simplify':<34}{sum(r < 1 for r in ratios):>8}")
    parse = statistics.median(r["parse_s"] for r in done) * 1e3
    print(f"{'chainrule diff, median ms':<34}{ours:>8.3f}")
    print(f"{'chainrule parse, median ms':<34}{parse:>8.3f}")
    warm = statistics.median(r["sympy_warm_s"] for r in done) * 1e3
    print(f"{'sympy.diff alone, median ms':<34}{theirs:>8.3f}")
    print(f"{'sympy.diff from its cache, ms':<34}{warm:>8.3f}")
    for r in wrong + refused:
        print("WRONG" if "refused" not in r else "REFUSED", r)
    shown = done if show_all else sorted(done, key=lambda r: -r["ratio"])[:10]
    print(f"\n{'ratio':>6}  {'exercise':<26} {'chainrule':<40} sympy.simplify")
    for r in shown:
        print(f"{r['ratio']:>6.2f}  {r['text']:<26} {r['ours']:<40} {r['theirs']}")
    return rows


if __name__ == "__main__":
    run(show_all="--all" in sys.argv)
