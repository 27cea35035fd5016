"""Build script for the one optional C extension, chainrule._kernel._ccore (everything else is
in pyproject.toml). ``optional=True``: where it cannot be compiled (no C compiler), the install
still succeeds and chainrule runs its pure-Python code, which is the same algorithm.

The interface number is defined once, as ``ABI = <n>`` in chainrule/_kernel/__init__.py (the
Python side must know it whether or not the C file was ever compiled); it is read from there and
handed to the compiler, so a build always carries the number of the source it came from.
"""

import pathlib
import re

from setuptools import Extension, setup

_KERNEL = pathlib.Path(__file__).resolve().parent / "chainrule" / "_kernel"
_ABI = re.search(r"^ABI = (\d+)$", (_KERNEL / "__init__.py").read_text(encoding="utf-8"),
                 re.MULTILINE)
if _ABI is None:
    raise RuntimeError("setup.py: no line `ABI = <number>` in chainrule/_kernel/__init__.py; "
                       "restore it (it is the interface number compiled into _ccore.c)")

setup(ext_modules=[Extension("chainrule._kernel._ccore", ["chainrule/_kernel/_ccore.c"],
                             define_macros=[("ABI_VERSION", _ABI.group(1))], optional=True)])
