"""Shared by the web tests: start `python -m chainrule serve --port 0` on 127.0.0.1 and talk
to it. Nothing here goes beyond the loopback address."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from typing import Any, Optional

ROOT = pathlib.Path(__file__).resolve().parent.parent
TUTORIAL = "5x^4 + 3x^3 + 7x^2 + 9x - 5"


class Server:
    """A `chainrule serve` child process on a free port of 127.0.0.1."""

    def __init__(self, *args: str, startup: float = 120.0):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chainrule", "serve", "--host", "127.0.0.1", "--port", "0",
             *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        first: list = []
        reader = threading.Thread(target=lambda: first.append(self.proc.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(startup)
        line = first[0] if first else ""
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if not found:
            self.stop()
            raise RuntimeError(f"chainrule serve did not print its URL in {startup:g} s: "
                               f"{line!r} {self.proc.stderr.read()[-2000:]!r}")
        self.url = found.group(0)
        self.banner = line

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()

    def request(self, path: str, body: Any = None, *, raw: Optional[bytes] = None,
                method: Optional[str] = None, content_type: str = "application/json",
                headers: Optional[dict] = None, timeout: float = 60.0) -> tuple:
        """(status, headers, decoded JSON or text) of one request."""
        data = raw if raw is not None else (None if body is None else
                                            json.dumps(body).encode("utf-8"))
        req = urllib.request.Request(self.url.rstrip("/") + path, data=data,
                                     method=method or ("POST" if data is not None else "GET"))
        if data is not None and content_type:
            req.add_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, headers, payload = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            status, headers, payload = err.code, dict(err.headers), err.read()
        text = payload.decode("utf-8")
        if headers.get("content-type", "").startswith("application/json"):
            return status, headers, json.loads(text)
        return status, headers, text

    def api(self, endpoint: str, body: Any, **kw: Any) -> tuple:
        status, _, data = self.request(f"/api/{endpoint}", body, **kw)
        return status, data
