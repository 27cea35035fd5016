"""Every ```python block of README.md and docs/*.md runs on its own (in a fresh namespace, in
a temporary directory so blocks that write files leave nothing behind); blocks that import an
optional dependency that is not installed are skipped."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
OPTIONAL = ("matplotlib", "torch", "scipy", "sympy", "jax", "autograd", "hypothesis", "dask",
            "distributed", "cupy", "array_api_strict")


def _blocks():
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M):
            line = text.count("\n", 0, m.start()) + 1
            yield pytest.param(path, m.group(1), id=f"{path.name}:{line}")


@pytest.mark.parametrize("path,code", list(_blocks()))
def test_doc_block_runs(path, code, tmp_path, monkeypatch):
    for mod in OPTIONAL:
        if re.search(rf"^\s*(import|from)\s+{mod}\b", code, re.M) and \
                importlib.util.find_spec(mod) is None:
            pytest.skip(f"needs {mod}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    exec(compile(code, f"{path.name}", "exec"), {"__name__": "__doc_block__"})
    assert os.getcwd() == str(tmp_path)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_relative_links_stay_inside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)[^)]*\)", text):
        if re.match(r"[a-z]+:", target):
            continue   # http(s), mailto: not files
        resolved = (path.parent / target).resolve()
        assert ROOT in resolved.parents and resolved.exists(), f"{path.name} links {target}"
