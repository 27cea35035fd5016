"""The web server: a Starlette app serving the page and its JSON API, run by uvicorn.

Safety, in order of the request's path: the body is read up to ``MAX_BODY`` bytes and must be
one JSON object sent as ``application/json``; the maths runs in a small pool of worker
processes (``workers`` at once, at most ``max_waiting`` requests queued behind them, 503 past
that), each request gets ``timeout`` seconds before its worker is killed and replaced (a
Python thread cannot be interrupted; a process can); files are served from a dictionary read
once from the package's ``static/`` folder, so no request names a path on disk. Every error
is a JSON object ``{"error": ..., "kind": ...}`` with a 4xx or 5xx status, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import socket
import sys
from importlib import resources
from typing import Any, AsyncIterator, Optional

from . import _worker, compute

# Starlette is imported inside the functions that need it: this module (and its doctests)
# import without the [web] extra, and `import chainrule` never loads a web framework.

__all__ = ["create_app", "WorkerPool", "serve", "MAX_BODY"]

MAX_BODY = 16 * 1024          # bytes of JSON per request (an expression is at most 2000 chars)
DEFAULT_TIMEOUT = 3.0         # seconds of computation per request
MEMORY_LIMIT = 2 << 30        # address space of one worker (bytes)
_QUEUE_WAIT = 30.0            # seconds a request may wait for a free worker

_HEADERS = {
    # The page loads only its own files; nothing inline runs, nothing is framed elsewhere.
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; connect-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
          ".ico": "image/x-icon"}


class WorkerPool:
    """``size`` worker processes; :meth:`call` runs one request on a free one, within
    ``timeout`` seconds, or kills it and starts another."""

    def __init__(self, size: int = 2, timeout: float = DEFAULT_TIMEOUT,
                 max_waiting: int = 256, memory_limit: int = MEMORY_LIMIT):
        self.size = size
        self.timeout = timeout
        self.max_waiting = max_waiting
        self.memory_limit = memory_limit
        self._ctx = multiprocessing.get_context("spawn")   # no fork of a threaded server
        self._idle: Optional[asyncio.Queue] = None
        self._waiting = 0
        self._workers: set = set()
        self._closed = False
        self.restarts = 0

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        await asyncio.gather(*(self._spawn() for _ in range(self.size)))

    async def _spawn(self) -> None:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker.main, args=(child, self.memory_limit),
                                 daemon=True, name="chainrule-web-worker")
        proc.start()
        child.close()
        worker = (proc, parent)
        self._workers.add(worker)
        try:
            ready = await self._receive(parent, 120.0)
        except BaseException:
            self._kill(worker)
            raise
        if ready[0] != "ready":
            self._kill(worker)
            raise RuntimeError(f"a worker process did not start: {ready!r}")
        self._idle.put_nowait(worker)

    @staticmethod
    async def _receive(conn: Any, timeout: float) -> Any:
        """The next message on ``conn``, waiting at most ``timeout`` seconds without blocking
        the event loop."""
        if not conn.poll():
            loop = asyncio.get_running_loop()
            readable = loop.create_future()
            fd = conn.fileno()
            loop.add_reader(fd, lambda: readable.done() or readable.set_result(None))
            try:
                await asyncio.wait_for(readable, timeout)
            finally:
                loop.remove_reader(fd)
        return conn.recv()

    def _kill(self, worker: tuple) -> None:
        proc, conn = worker
        self._workers.discard(worker)
        with contextlib.suppress(Exception):
            proc.kill()
        with contextlib.suppress(Exception):
            proc.join(5)
        with contextlib.suppress(Exception):
            conn.close()

    def _replace(self, worker: tuple) -> None:
        self._kill(worker)
        self.restarts += 1
        if not self._closed:
            task = asyncio.get_running_loop().create_task(self._spawn())
            task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def call(self, endpoint: str, fields: dict) -> tuple:
        """``(status, body)`` of one request."""
        if self._waiting >= self.max_waiting:
            return 503, {"error": "the server is busy (too many requests waiting); try again "
                                  "in a moment", "kind": "busy"}
        self._waiting += 1
        try:
            worker = await asyncio.wait_for(self._idle.get(), _QUEUE_WAIT)
        except asyncio.TimeoutError:
            return 503, {"error": "the server is busy; try again in a moment", "kind": "busy"}
        finally:
            self._waiting -= 1
        proc, conn = worker
        try:
            conn.send((endpoint, fields))
            status, body = await self._receive(conn, self.timeout)
        except asyncio.TimeoutError:
            self._replace(worker)
            return 422, {"error": f"the computation took longer than the limit of "
                                  f"{self.timeout:g} s and was stopped; try a smaller "
                                  "expression or a lower order", "kind": "time_limit",
                         "limit_s": self.timeout}
        except (EOFError, OSError):
            # The worker died: most likely its memory limit, on an expression too large.
            self._replace(worker)
            return 422, {"error": "the computation ran out of memory and was stopped; try a "
                                  "smaller expression", "kind": "size"}
        except BaseException:
            # Cancelled (the client went away): the worker is still busy; start afresh.
            self._replace(worker)
            raise
        self._idle.put_nowait(worker)
        return status, body

    async def close(self) -> None:
        self._closed = True
        for worker in list(self._workers):
            self._kill(worker)


def _static_files() -> dict:
    """name -> (bytes, content type), read once: requests look names up here and never
    touch the file system."""
    files = {}
    folder = resources.files(__package__) / "static"
    for entry in folder.iterdir():
        suffix = os.path.splitext(entry.name)[1]
        if entry.is_file() and suffix in _TYPES:
            files[entry.name] = (entry.read_bytes(), _TYPES[suffix])
    return files


def _json(body: dict, status: int = 200) -> Any:
    from starlette.responses import JSONResponse  # noqa: PLC0415
    return JSONResponse(body, status_code=status, headers=_HEADERS)


def _error(status: int, kind: str, message: str, **extra: Any) -> Any:
    return _json({"error": message, "kind": kind, **extra}, status)


async def _read_body(request: Any) -> bytes:
    from starlette.exceptions import HTTPException  # noqa: PLC0415
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        raise HTTPException(413, f"the request body is larger than {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HTTPException(413, f"the request body is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def _host_name(header: str) -> str:
    """``localhost:8000`` -> ``localhost``; ``[::1]:8000`` -> ``[::1]``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[:header.find("]") + 1]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def create_app(pool: WorkerPool, *, on_ready: Any = None, loopback_only: bool = False) -> Any:
    """The Starlette application; ``pool`` is started and closed with it. With
    ``loopback_only`` (a server on 127.0.0.1) a request must name a loopback host: a web page
    elsewhere that points its own domain at 127.0.0.1 (DNS rebinding) gets a 400."""
    from starlette.applications import Starlette  # noqa: PLC0415
    from starlette.exceptions import HTTPException  # noqa: PLC0415
    from starlette.requests import Request  # noqa: PLC0415
    from starlette.responses import Response  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    files = _static_files()

    async def index(request: Request) -> Response:
        return _static_response("index.html")

    async def static(request: Request) -> Response:
        return _static_response(request.path_params["name"])

    def _static_response(name: str) -> Response:
        found = files.get(name)
        if found is None:
            return _error(404, "not_found", f"no file {name[:60]!r} here; the page is at /")
        content, ctype = found
        return Response(content, media_type=ctype, headers=_HEADERS)

    async def api_index(request: Request) -> Response:
        return _json({"endpoints": {f"/api/{k}": _signature(v)
                                    for k, v in compute.ENDPOINTS.items()},
                      "limits": {"body_bytes": MAX_BODY, "expression_chars":
                                 _parser_limits()[0], "nesting": _parser_limits()[1],
                                 "order": compute.MAX_ORDER, "points": compute.MAX_POINTS,
                                 "graph_nodes": compute.MAX_GRAPH_NODES,
                                 "abs_x": compute.MAX_ABS_X, "time_s": pool.timeout,
                                 "workers": pool.size, "waiting": pool.max_waiting}})

    async def api(request: Request) -> Response:
        endpoint = request.path_params["endpoint"]
        if endpoint not in compute.ENDPOINTS:
            return _error(404, "not_found", f"no endpoint /api/{endpoint[:40]}; the endpoints "
                          f"are {', '.join('/api/' + k for k in compute.ENDPOINTS)}")
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return _error(415, "request", "send the request body as JSON with the header "
                          "Content-Type: application/json")
        raw = await _read_body(request)
        try:
            fields = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (ValueError, RecursionError) as err:
            return _error(400, "request", f"the body is not valid JSON "
                          f"({str(err)[:120]}); send an object such as "
                          '{"f": "x^2", "x": 3}')
        if not isinstance(fields, dict):
            return _error(400, "request", f"the body must be a JSON object such as "
                          f'{{"f": "x^2", "x": 3}}; got {compute._json_type(fields)}')
        status, body = await pool.call(endpoint, fields)
        return _json(body, status)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", None) or "error"
        kind = {404: "not_found", 405: "method", 413: "too_large"}.get(status, "request")
        if status == 404:
            detail = "not found; the page is at / and the API under /api"
        elif status == 405:
            detail = f"{request.method} is not allowed here; the API takes POST with JSON"
        return _error(status, kind, str(detail))

    async def server_error(request: Request, exc: Exception) -> Response:
        return _error(500, "internal", f"internal error ({type(exc).__name__}); please "
                      "report it")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.start()
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            await pool.close()

    def guarded(handler: Any) -> Any:
        async def run(request: Request) -> Response:
            if loopback_only:
                host = _host_name(request.headers.get("host", ""))
                if host not in _LOOPBACK_NAMES:
                    return _error(400, "host", f"this server answers requests for "
                                  f"127.0.0.1 or localhost only, not {host[:60]!r}")
            return await handler(request)
        return run

    routes = [Route("/", guarded(index), methods=["GET"]),
              Route("/static/{name}", guarded(static), methods=["GET"]),
              Route("/api", guarded(api_index), methods=["GET"]),
              Route("/api/{endpoint}", guarded(api), methods=["POST"])]
    return Starlette(routes=routes, lifespan=lifespan,
                     exception_handlers={HTTPException: http_error, Exception: server_error})


def _signature(fn: Any) -> dict:
    code = fn.__code__
    names = code.co_varnames[:code.co_argcount]
    defaults = dict(zip(names[len(names) - len(fn.__defaults__ or ()):],
                        fn.__defaults__ or ()))
    return {"fields": list(names), "defaults": defaults,
            "about": " ".join((fn.__doc__ or "").strip().split("\n\n")[0].split())}


def _parser_limits() -> tuple:
    from ..text.parser import MAX_DEPTH, MAX_LENGTH  # noqa: PLC0415
    return MAX_LENGTH, MAX_DEPTH


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 8000, *, workers: int = 2,
          timeout: float = DEFAULT_TIMEOUT, out: Any = None) -> None:
    """Serve the page until interrupted; print its URL (with the real port when ``port`` is
    0) once the workers are ready."""
    import uvicorn  # noqa: PLC0415
    out = out or sys.stdout
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: a response written in two parts (head, body) must
    # not wait for the client's delayed ACK (Nagle), which costs 40 ms a request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(512)
    url = url_of(host, sock.getsockname()[1])

    def ready() -> None:
        print(f"chainrule serve: {url}  (Ctrl+C to stop)", file=out, flush=True)

    pool = WorkerPool(size=workers, timeout=timeout)
    loopback = host in ("127.0.0.1", "localhost", "::1")
    app = create_app(pool, on_ready=ready, loopback_only=loopback)
    config = uvicorn.Config(app, log_level="warning", access_log=False,
                            limit_concurrency=1024, timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[sock])
