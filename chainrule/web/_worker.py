"""The worker process: answers API requests one at a time from a pipe. It imports no web
framework; the server kills it when a request runs past the time limit (a thread could not
be stopped) and starts a fresh one."""

from __future__ import annotations

import os
from typing import Any


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def answer(endpoint: str, fields: Any) -> tuple:
    """``(status, body)`` for one request: 200 and the result, or an error status and
    ``{"error": message, "kind": ...}``; never an exception.

    >>> answer("derivative", {"f": "x^2", "x": 3})[1]["tangent"]["text"]
    'y = 6x − 9'
    >>> answer("derivative", {"f": "x^", "x": 3})[0]
    400
    """
    from . import compute  # noqa: PLC0415
    try:
        return 200, compute.run(endpoint, fields)
    except compute.RequestError as err:
        return err.status, err.body()
    except (RecursionError, MemoryError):
        return 422, {"error": "the expression is too large or too deeply nested to work "
                              "with; simplify it", "kind": "size"}
    except Exception as err:  # noqa: BLE001  (the promise: a JSON error, never a traceback)
        return 500, {"error": f"internal error ({type(err).__name__}: "
                              f"{_one_line(err)}); please report it", "kind": "internal"}


def main(conn: Any, memory_limit: int = 0) -> None:
    """Serve requests from ``conn`` until it closes."""
    if memory_limit:
        # A runaway expression fails with MemoryError here instead of taking the machine.
        try:
            import resource  # noqa: PLC0415  (POSIX only)
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        except (ImportError, ValueError, OSError):
            pass   # no such limit here (or a lower one already): the time limit still holds
    from . import compute  # noqa: F401, PLC0415  (import before saying ready)
    answer("derivative", {"f": "x^2", "x": 1.0})   # warm the caches once
    conn.send(("ready", os.getpid()))
    while True:
        try:
            endpoint, fields = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            conn.send(answer(endpoint, fields))
        except (BrokenPipeError, OSError, KeyboardInterrupt):
            return
