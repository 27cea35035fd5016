"""``chainrule serve``: a local web page for learners (type a function, see its derivative,
the steps, the tangent at a point you drag and the computation graph), with a JSON API.

The server needs the optional ``[web]`` extra (Starlette and uvicorn); nothing else in
chainrule imports this package, and this module imports neither until the server starts.
See docs/web.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from typing import Optional, Sequence

__all__ = ["main"]

_NEEDS = ("starlette", "uvicorn")


def _arguments() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="chainrule serve", allow_abbrev=False,
        description="Serve the learners' page and its JSON API on this machine (nothing is "
                    "opened; visit the printed URL).")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default "
                   "127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a "
                   "free one)")
    p.add_argument("--workers", type=int, default=2, help="worker processes doing the "
                   "maths, at most this many requests at once (default 2)")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds of computation per "
                   "request before it is stopped (default 3)")
    return p


def _importable(name: str) -> bool:
    """Whether ``name`` imports (found and not broken, e.g. by a missing dependency)."""
    if importlib.util.find_spec(name) is None:
        return False
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``chainrule serve [--host H] [--port P] [--workers N] [--timeout S]``; return the
    exit code (2 when the ``[web]`` extra is missing or an option is wrong)."""
    parser = _arguments()
    try:
        ns = parser.parse_args(list(argv or []))
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    missing = [m for m in _NEEDS if not _importable(m)]
    if missing:
        print(f"chainrule serve: error: the web page needs {' and '.join(missing)}, which "
              f"{'is' if len(missing) == 1 else 'are'} not installed; run "
              "pip install 'chainrule[web]'", file=sys.stderr)
        return 2
    if not 0 <= ns.port <= 65535:
        print(f"chainrule serve: error: --port {ns.port}: give a port from 0 to 65535 (0 "
              "picks a free one)", file=sys.stderr)
        return 2
    if not 1 <= ns.workers <= 64:
        print(f"chainrule serve: error: --workers {ns.workers}: give 1 to 64", file=sys.stderr)
        return 2
    if not 0.05 <= ns.timeout <= 600:
        print(f"chainrule serve: error: --timeout {ns.timeout:g}: give 0.05 to 600 seconds",
              file=sys.stderr)
        return 2
    from .server import serve  # noqa: PLC0415  (the web stack, only now)
    try:
        serve(ns.host, ns.port, workers=ns.workers, timeout=ns.timeout)
    except OSError as e:
        print(f"chainrule serve: error: cannot listen on {ns.host}:{ns.port}: "
              f"{e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
