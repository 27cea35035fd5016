"""Which rows of the table work on which array library, checked rather than claimed.

:func:`probe` runs one row on one sample of its domain with the arrays of another library
(forward values, then the gradient through :func:`chainrule.vjp`) and compares both with
NumPy's. ``python -m chainrule.coverage_backends`` probes every row on Dask and on
array-api-strict and writes the table in docs/backends.md; tests/test_backend_strict.py and
tests/test_backend_dask.py run the same probes (Dask on a real cluster).

array-api-strict arrays are put on its second device ("device1"), where every conversion to
NumPy raises: a row that passes there calls no NumPy function on the array path.

>>> from chainrule import coverage_backends as CB
>>> "fft" in CB.OUTSIDE_STANDARD, "sin" in CB.OUTSIDE_STANDARD
(True, False)
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

import numpy as np

from . import ops
from .core import bind

__all__ = ["OUTSIDE_STANDARD", "Backend", "samples", "probe", "strict_backend",
           "dask_backend", "to_numpy", "table", "main"]

# Rows array-api-strict refuses (with an error naming the row and the library): functions
# the standard lacks (exp2, cbrt, sinc, erf, logaddexp2, fmod, fmax, fmin, rint, heaviside,
# pad), and the rows chainrule still computes with NumPy alone (linear algebra, FFT, einsum,
# index_update), and the SciPy rows of ops/special.py. The strict test checks that exactly
# these are refused.
OUTSIDE_STANDARD = frozenset({
    "exp2", "cbrt", "sinc", "erf", "logaddexp2", "fmod", "fmax", "fmin", "rint", "heaviside",
    "pad", "einsum", "inv", "det", "logabsdet", "solve", "cholesky", "eigh_packed",
    "svd_packed", "qr_packed", "pinv", "eig_packed", "fft", "ifft", "rfft", "irfft",
    "index_update",
    "cumprod"}) | ops.special.SCIPY_ROWS   # (SciPy computes those on NumPy arrays)

_REFUSALS = ("chainrule does not convert", "chainrule computes this row with NumPy only",
             "has no scatter-add", "does not compute a lazy")


@dataclass
class Backend:
    """How to move a NumPy sample into a library (``to``) and a result back (``back``)."""
    name: str
    to: Callable[[np.ndarray], Any]
    back: Callable[[Any], Any]


def to_numpy(a: Any) -> Any:
    """A result back in NumPy, for comparisons only (array-api-strict's device1 refuses
    np.asarray, so it is first moved to the CPU device; Dask's are computed)."""
    if hasattr(a, "compute"):
        return np.asarray(a.compute())
    if hasattr(a, "to_device") and type(a).__module__.startswith("array_api_strict"):
        import array_api_strict as xp
        return np.asarray(a.to_device(xp.Device("CPU_DEVICE")))
    return a


def strict_backend() -> Backend:
    import array_api_strict as xp
    device = xp.Device("device1")
    return Backend("array-api-strict", lambda a: xp.asarray(a, device=device), to_numpy)


def dask_backend(chunks: Any = 2) -> Backend:
    import dask.array as da
    return Backend("Dask", lambda a: da.from_array(a, chunks=chunks), to_numpy)


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(("backends-" + name).encode()))


def _generic(prim: Any) -> list:
    rng = _rng(prim.name)
    nin = prim.ufunc.nin if prim.ufunc is not None else 1
    x = np.round(rng.normal(size=(3, 1)), 1)
    y = np.round(rng.normal(size=(4,)), 1)
    y[0] = x[0, 0]
    if prim.name.startswith("logical"):   # the standard's logical functions take booleans
        x, y = x > 0, y > 0
    if nin == 1:
        return [((np.concatenate([x.ravel(), [x[0, 0]]]),), {})]
    return [((x, y), {})]


def samples() -> Iterator[tuple]:
    """(row, k, args, params) for every row and every sample holding an array."""
    for name, prim in ops.TABLE.items():
        cases = list(prim.domain(_rng(name))) if prim.domain is not None else _generic(prim)
        for k, (args, params) in enumerate(cases):
            if any(isinstance(a, np.ndarray) for a in args):
                yield prim, k, args, params


def _close(actual: Any, expected: Any) -> bool:
    a, e = np.asarray(actual), np.asarray(expected)
    return a.shape == e.shape and np.allclose(a, e, rtol=1e-9, atol=1e-12, equal_nan=True)


def probe(prim: Any, args: tuple, params: dict, backend: Backend) -> str:
    """``"ok"``, ``"refused: <message>"`` (a clear error), or what went wrong."""
    moved = tuple(backend.to(a) if isinstance(a, np.ndarray) else a for a in args)
    try:
        out = bind(prim, *moved, **params)
        if not _close(backend.back(out), bind(prim, *args, **params)):
            return "wrong values"
        diff = [i for i, a in enumerate(args) if prim.vjp_rule(i) is not None and
                isinstance(a, np.ndarray) and a.dtype.kind == "f"]
        if not prim.differentiable or not diff:
            return "ok"
        expected = bind(prim, *args, **params)
        ct = _rng(prim.name + "ct").normal(size=np.shape(expected))
        if np.asarray(expected).dtype.kind == "c":
            return "ok"   # complex cotangents: the NumPy-only rows (fft) never get here
        grads = _vjp(prim, moved, params, diff, backend.to(ct) if ct.ndim else float(ct))
        wanted = _vjp(prim, args, params, diff, ct if ct.ndim else float(ct))
        for g, w in zip(grads, wanted):
            if not _close(backend.back(g), w):
                return "wrong gradient"
        return "ok"
    except (TypeError, ImportError) as e:
        if any(r in str(e) for r in _REFUSALS):
            return f"refused: {e}"
        return f"error: {type(e).__name__}: {e}"
    except Exception as e:  # noqa: BLE001  (the probe reports whatever broke)
        return f"error: {type(e).__name__}: {e}"


def _vjp(prim: Any, args: tuple, params: dict, diff: list, ct: Any) -> tuple:
    from .functional import vjp

    def f(*xs):
        full = list(args)
        for i, v in zip(diff, xs):
            full[i] = v
        return bind(prim, *full, **params)

    _, pull = vjp(f, *[args[i] for i in diff])
    return pull(ct)


def _summary(outcomes: list) -> str:
    ok = sum(o == "ok" for o in outcomes)
    if ok == len(outcomes):
        return "yes"
    part = f"{ok} of {len(outcomes)} samples; " if ok else ""
    other = [o for o in outcomes if o != "ok"]
    if all(o.startswith("refused") for o in other):
        return part + "refused (clear error)"
    why = " ".join(next(o for o in other if not o.startswith("refused")).split())
    return part + "fails: " + why[:70].replace("|", "/")


def table(backends: list) -> str:
    """The markdown support table: one line per row, one column per backend."""
    results: dict = {}
    for prim, k, args, params in samples():
        for b in backends:
            results.setdefault(prim.name, {}).setdefault(b.name, []).append(
                probe(prim, args, params, b))
    lines = ["| row | NumPy | " + " | ".join(b.name for b in backends) + " |",
             "|---|---|" + "---|" * len(backends)]
    for name, per in results.items():
        lines.append(f"| `{name}` | yes | " +
                     " | ".join(_summary(per[b.name]) for b in backends) + " |")
    return "\n".join(lines)


_BEGIN = "<!-- support table: generated by python -m chainrule.coverage_backends -->"
_END = "<!-- end of support table -->"


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--doc", default=str(pathlib.Path(__file__).parent.parent / "docs" /
                                             "backends.md"))
    args = parser.parse_args(argv)
    import dask
    with dask.config.set(scheduler="synchronous"):
        text = table([dask_backend(), strict_backend()])
    path = pathlib.Path(args.doc)
    doc = path.read_text(encoding="utf-8")
    head, rest = doc.split(_BEGIN)
    _, tail = rest.split(_END)
    path.write_text(head + _BEGIN + "\n" + text + "\n" + _END + tail, encoding="utf-8")
    print(f"wrote the support table of {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
