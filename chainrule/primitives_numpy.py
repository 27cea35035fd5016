"""The second half of the primitive table: rows behind the ``chainrule.numpy`` namespace
(more ufuncs, reductions, linear algebra, FFT). Same constructors, same rule vocabulary as
:mod:`chainrule.primitives`, which imports this module at its end so ``TABLE`` is complete
whenever chainrule is imported.
"""

from __future__ import annotations
