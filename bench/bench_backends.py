"""Backends benchmark: chainrule's gradients on Dask arrays, on a dask.distributed cluster.

Run by hand:  python bench/bench_backends.py [--elements N] [--chunks C]
              [--oc-elements M] [--oc-chunk K] [--memory-limit 2GiB] [--skip-oc]
Prints a markdown table:

D1  W3, sum(sin(x)*exp(-x**2/2)) and its gradient, N float64 elements (10^7) in C chunks (10):
    chainrule (`cr.value_and_grad` then `dask.compute(value, grad)`) against the same gradient
    written by hand in Dask, both on one LocalCluster of 2 worker processes (1 thread each),
    their runs interleaved (best of 3). The input is generated on the workers, chunk by chunk.
D2  scaling: chainrule's D1 on 1 worker and on 2 workers.
D3  out of core: the same loss and gradient over M elements (default 10^9 = 8 GB; the issue's
    full size is --oc-elements 2000000000), generated chunk by chunk on 2 workers with a memory
    limit each; the gradient is checked against the closed form chunk by chunk (max |error|,
    a reduction, so nothing of size M is ever held), and the value against the float sum of
    the closed form. Peak memory: the largest resident size of each worker process and of
    this process (ru_maxrss), and their sum.
G1  (--gpu-only, on a machine with CuPy and a GPU; bench/gpu_check.sh) W3 at 10^8 float64
    elements on CuPy arrays against PyTorch CUDA on the same GPU (best of 5, synchronised).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import chainrule as cr  # noqa: E402
import chainrule.numpy as cnp  # noqa: E402

try:
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster
except ImportError:   # the GPU rows need neither
    dask = da = Client = LocalCluster = None


def w3(x):
    return cnp.sum(cnp.sin(x) * cnp.exp(-x ** 2 / 2.0))


def by_hand(x):
    """W3 and its gradient written directly in Dask: e^(-x²/2) (cos x - x sin x)."""
    s = da.sin(x)
    e = da.exp(-x ** 2 / 2.0)
    return da.sum(s * e), e * (da.cos(x) - x * s)


def closed_form(x):
    return np.exp(-x ** 2 / 2.0) * (np.cos(x) - x * np.sin(x))


def _input(n: int, chunks: int, seed: int = 0):
    # Generated on the workers, chunk by chunk: nothing of size n passes through the client.
    return da.random.default_rng(seed).uniform(-3.0, 3.0, size=n, chunks=-(-n // chunks))


def _cluster(workers: int, memory_limit: str = "auto") -> tuple:
    cluster = LocalCluster(processes=True, n_workers=workers, threads_per_worker=1,
                           host="127.0.0.1", dashboard_address=None,
                           memory_limit=memory_limit)
    return cluster, Client(cluster)


def _best(fns: dict, repeat: int) -> dict:
    best = {k: float("inf") for k in fns}
    for fn in fns.values():
        fn()   # warm-up: worker imports, first graph
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t0)
    return best


def d1_d2(n: int, chunks: int, repeat: int) -> list:
    rows = []
    x = _input(n, chunks)

    def chainrule_run():
        v, g = cr.value_and_grad(w3)(x)
        return dask.compute(v, g)

    def hand_run():
        return dask.compute(*by_hand(x))

    cluster, client = _cluster(2)
    try:
        (v1, g1), (v2, g2) = chainrule_run(), hand_run()
        ok = np.allclose(g1, g2, rtol=1e-12, atol=1e-15) and np.isclose(v1, v2, rtol=1e-12)
        t0 = time.perf_counter()
        cr.value_and_grad(w3)(x)
        record = time.perf_counter() - t0
        best = _best({"cr": chainrule_run, "hand": hand_run}, repeat)
    finally:
        client.close()
        cluster.close()
    rows.append(("D1 W3 10 chunks, 2 workers", "chainrule", f"{best['cr'] * 1e3:.0f} ms",
                 f"{best['cr'] / best['hand']:.2f}x (target <= 1.3x)"))
    rows.append(("D1 W3 10 chunks, 2 workers", "Dask by hand", f"{best['hand'] * 1e3:.0f} ms",
                 "1.00x"))
    rows.append(("D1 W3", "chainrule: recording only", f"{record * 1e3:.1f} ms",
                 f"gradients agree: {ok}"))
    cluster, client = _cluster(1)
    try:
        one = _best({"cr": chainrule_run}, repeat)["cr"]
    finally:
        client.close()
        cluster.close()
    rows.append(("D2 scaling", "chainrule, 1 worker", f"{one * 1e3:.0f} ms", "1.00x"))
    rows.append(("D2 scaling", "chainrule, 2 workers", f"{best['cr'] * 1e3:.0f} ms",
                 f"{one / best['cr']:.2f}x speed-up"))
    return rows


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # KiB on Linux


def d3(m: int, chunk: int, memory_limit: str) -> list:
    x = _input(m, -(-m // chunk), seed=1)
    cluster, client = _cluster(2, memory_limit)
    try:
        t0 = time.perf_counter()
        v, g = cr.value_and_grad(w3)(x)
        err = da.max(da.abs(g - x.map_blocks(closed_form, dtype=np.float64)))
        ref = da.sum(da.sin(x) * da.exp(-x ** 2 / 2.0))
        value, max_err, ref_value = dask.compute(v, err, ref)
        wall = time.perf_counter() - t0
        workers = client.run(_peak_mib)
    finally:
        client.close()
        cluster.close()
    peaks = sorted(workers.values())
    total = sum(peaks) + _peak_mib()
    ok = max_err < 1e-12 and abs(value - ref_value) <= 1e-9 * max(1.0, abs(ref_value))
    gb = m * 8 / 1e9
    return [("D3 out of core", f"{m:.1e} elements ({gb:.1f} GB), {-(-m // chunk)} chunks",
             f"{wall:.1f} s", f"matches closed form: {ok} (max err {max_err:.1e})"),
            ("D3 out of core", f"peak memory (limit {memory_limit}/worker)",
             f"{total / 1024:.2f} GiB",
             "workers " + ", ".join(f"{p:.0f}" for p in peaks) +
             f" MiB, client {_peak_mib():.0f} MiB")]


def gpu_rows(n: int, repeat: int = 5) -> list:
    import cupy as cp
    x = cp.random.default_rng(0).uniform(-3.0, 3.0, size=n)

    def cr_run():
        v, g = cr.value_and_grad(w3)(x)
        cp.cuda.Device().synchronize()
        return v, g

    fns = {"cr": cr_run}
    try:
        import torch
        if torch.cuda.is_available():
            xt = torch.as_tensor(cp.asnumpy(x), device="cuda")

            def torch_run():
                t = xt.detach().requires_grad_(True)
                v = (torch.sin(t) * torch.exp(-t ** 2 / 2.0)).sum()
                v.backward()
                torch.cuda.synchronize()
                return v, t.grad
            fns["torch"] = torch_run
    except ImportError:
        pass
    best = _best(fns, repeat)
    rows = [("G1 W3 10^8 on the GPU", "chainrule on CuPy", f"{best['cr'] * 1e3:.1f} ms",
             f"{best['cr'] / best['torch']:.2f}x PyTorch CUDA" if "torch" in best else
             "PyTorch CUDA absent")]
    if "torch" in best:
        rows.append(("G1 W3 10^8 on the GPU", "PyTorch CUDA", f"{best['torch'] * 1e3:.1f} ms",
                     "1.00x"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--elements", type=int, default=10 ** 7)
    parser.add_argument("--chunks", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--oc-elements", type=int, default=10 ** 9,
                        help="out-of-core size (the issue's full run: 2000000000)")
    parser.add_argument("--oc-chunk", type=int, default=10 ** 7, help="elements per chunk")
    parser.add_argument("--memory-limit", default="2GiB", help="per worker, for D3")
    parser.add_argument("--skip-oc", action="store_true")
    parser.add_argument("--gpu-only", action="store_true", help="only the CuPy rows (G1)")
    parser.add_argument("--gpu-elements", type=int, default=10 ** 8)
    args = parser.parse_args()
    if args.gpu_only:
        rows = gpu_rows(args.gpu_elements)
    else:
        print(f"chainrule {'compiled core' if cr.COMPILED else 'pure Python'}; dask "
              f"{dask.__version__}; numpy {np.__version__}; {os.cpu_count()} cores\n")
        rows = d1_d2(args.elements, args.chunks, args.repeat)
    if not args.skip_oc and not args.gpu_only:
        rows += d3(args.oc_elements, args.oc_chunk, args.memory_limit)
    print("| workload | implementation | time | ratio / check |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
