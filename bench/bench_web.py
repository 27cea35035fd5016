"""Latency of the web page's derivative endpoint: p50/p99 over N requests to a local server.

Run by hand:  python bench/bench_web.py [-n 1000] [--concurrency 1,4,16]
Needs the [web] extra (pip install 'chainrule[web]'). Starts `python -m chainrule serve --port
0` on 127.0.0.1 (nothing else is contacted), sends N POST /api/derivative requests for the
tutorial's function at varying points (so no cache can answer) from C client threads, one
keep-alive connection each, and prints a markdown table. The goal: p99 under 50 ms with one
client at a time. Each request's time is the full round trip: JSON, HTTP, the worker process,
the symbolic formula and the engine's checked value.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from web_support import TUTORIAL, Server  # noqa: E402  (tests/, shared with the web tests)


def run_client(url: str, xs: list) -> list:
    """One client on one keep-alive connection: the seconds each request took."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    times = []
    try:
        for x in xs:
            body = json.dumps({"f": TUTORIAL, "x": x})
            t0 = time.perf_counter()
            conn.request("POST", "/api/derivative", body,
                         {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = json.loads(resp.read())
            times.append(time.perf_counter() - t0)
            if resp.status != 200 or data["x"] != x:
                raise RuntimeError(f"bad answer for x = {x}: {resp.status} {data}")
    finally:
        conn.close()
    return times


def percentile(sorted_times: list, q: float) -> float:
    k = min(len(sorted_times) - 1, max(0, round(q / 100 * (len(sorted_times) - 1))))
    return sorted_times[k]


def measure(url: str, n: int, clients: int) -> dict:
    xs = [round(-3 + 6 * i / n, 6) for i in range(n)]
    shares = [xs[i::clients] for i in range(clients)]
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
        times = sorted(t for part in pool.map(lambda s: run_client(url, s), shares)
                       for t in part)
    wall = time.perf_counter() - t0
    return {"n": len(times), "p50": percentile(times, 50), "p99": percentile(times, 99),
            "max": times[-1], "mean": statistics.fmean(times), "rate": len(times) / wall}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, default=1000, help="requests per row (default 1000)")
    p.add_argument("--concurrency", default="1,4,16",
                   help="client threads, one row each (default 1,4,16)")
    p.add_argument("--workers", type=int, default=2, help="server worker processes")
    ns = p.parse_args()
    levels = [int(c) for c in ns.concurrency.split(",")]
    server = Server("--workers", str(ns.workers))
    try:
        run_client(server.url, [0.5] * 20)          # warm up both workers' caches
        print(f"\nPOST /api/derivative, f = {TUTORIAL}, {ns.workers} worker processes, "
              f"{os.cpu_count()} CPUs\n")
        print("| clients | requests | p50 (ms) | p99 (ms) | max (ms) | requests/s |")
        print("|---:|---:|---:|---:|---:|---:|")
        worst = 0.0
        for clients in levels:
            r = measure(server.url, ns.n, clients)
            if clients == 1:
                worst = r["p99"]
            print(f"| {clients} | {r['n']} | {1e3 * r['p50']:.1f} | {1e3 * r['p99']:.1f} | "
                  f"{1e3 * r['max']:.1f} | {r['rate']:.0f} |")
        if 1 in levels:
            verdict = "meets" if worst < 0.050 else "misses"
            print(f"\nOne client at a time: p99 {1e3 * worst:.1f} ms ({verdict} the goal of "
                  "50 ms).")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
