"""W1 and W2 of bench_engine.py on two revisions of chainrule, side by side in one run.

Run by hand:  python bench/compare_revisions.py OLD [NEW]   (NEW defaults to the work tree)

Each revision is checked out into a temporary git worktree and its compiled core is built
there; then the two are timed in alternating subprocesses (old, new, old, new, ...), each
running that revision's own ``bench/bench_engine.py`` functions, so a slow spell of the
machine hits both alike. Prints a markdown table of the best time of each and the ratio.
Set CHAINRULE_PURE=1 to compare the pure-Python engines instead.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Runs inside each checkout: its own chainrule (first on sys.path) and its own bench code.
_PROBE = """
import json, sys
sys.path[:0] = [{root!r}, {root!r} + "/bench"]
import chainrule, bench_engine as b
assert chainrule.__file__.startswith({root!r}), chainrule.__file__
# chainrule.COMPILED today; older revisions kept the flag on the chainrule.tensor module.
compiled = getattr(chainrule, "COMPILED", getattr(sys.modules.get("chainrule.tensor"),
                                                  "COMPILED", False))
print(json.dumps({{"w1": b.w1(False), "w2": b.w2(False), "compiled": bool(compiled)}}))
"""


def _checkout(rev: str, into: pathlib.Path) -> pathlib.Path:
    path = into / rev.replace("/", "_")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(path), rev],
                   check=True)
    _build(path)
    return path


def _build(path: pathlib.Path) -> None:
    if os.environ.get("CHAINRULE_PURE") != "1":
        subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", "-q"], cwd=path,
                       check=True, stdout=subprocess.DEVNULL)


def _run(root: pathlib.Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE.format(root=str(root))], cwd=root,
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", help="the revision to compare against (a commit, tag or branch)")
    ap.add_argument("new", nargs="?", help="the new revision (default: this work tree)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating runs of each (3)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = pathlib.Path(tmp)
        roots = {}
        try:
            roots["old"] = _checkout(args.old, tmp_path)
            if args.new:
                roots["new"] = _checkout(args.new, tmp_path)
            else:
                _build(ROOT)
                roots["new"] = ROOT
            best: dict = {"old": {}, "new": {}}
            compiled = {}
            for _ in range(args.rounds):
                for side in ("old", "new"):
                    res = _run(roots[side])
                    compiled[side] = res.pop("compiled")
                    for w, rows in res.items():
                        for impl, v in rows.items():
                            if impl.startswith("chainrule"):
                                key = (w, impl)
                                best[side][key] = min(best[side].get(key, float("inf")), v)
        finally:
            for side, path in roots.items():
                if path != ROOT:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                    str(path)], check=False)
    print(f"old: {args.old} ({'compiled' if compiled['old'] else 'pure'}), "
          f"new: {args.new or 'work tree'} ({'compiled' if compiled['new'] else 'pure'}); "
          f"best of {args.rounds} alternating runs\n")
    print("| workload | implementation | old | new | new / old |")
    print("|---|---|---|---|---|")
    for key in best["old"]:
        if key in best["new"]:
            o, n = best["old"][key], best["new"][key]
            unit = "µs/call" if key[0] == "w1" else "µs/op"
            print(f"| {key[0].upper()} | {key[1]} | {o:.3g} {unit} | {n:.3g} {unit} | "
                  f"{n / o:.2f}x |")


if __name__ == "__main__":
    main()
