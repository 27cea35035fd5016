"""Build script for the one optional C extension, chainrule._ccore (everything else is in
pyproject.toml). ``optional=True``: where it cannot be compiled (no C compiler), the install
still succeeds and chainrule runs its pure-Python code, which is the same algorithm."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("chainrule._kernel._ccore", ["chainrule/_kernel/_ccore.c"], optional=True)])
