"""THE primitive table: every differentiable operation, declared once (``TABLE``), by topic.

The files are imported in a fixed order, each using only rows of the files before it:
``_build`` (the table, constructors, shared helpers), ``elementwise``, ``reciprocal_trig``
(sec, csc, cot and the rest a textbook writes), ``linear``,
``reductions``, ``linalg``, ``fourier``, ``methods`` (the operators every tracer shares), then
``special`` (SciPy's special and matrix functions, values from the optional SciPy).
Importing a file only declares its rows; once this package is imported ``TABLE`` is complete.
(``fourier``, not ``fft``: a module named like a row would be shadowed by the row here.)

``from chainrule import ops as P`` gives every row by name (``P.sin``), the table and the
value helpers the rules use (``P.shape_of``, ``P.sum_to``, ``P.bind``). The row constructors
(``elementwise``, ``over``, ``linear``, ``nondifferentiable``, ``weighted_reduction``) are for
the files of this folder and stay out of this namespace, which names the files themselves.

>>> from chainrule import ops as P
>>> P.sin is P.TABLE["sin"], P.sum_to(P.broadcast_to(1.0, shape=(2,)), ()).item()
(True, 2.0)
"""

from ..core import Primitive, Tracer, bind
from ..core.values import (dtype_of, keepdims_shape, ndim_of, normalize_axes, shape_of,
                           value_of, zeros_like_value)
# In the order of the folder (each file imports only earlier ones; see tests/test_layers.py).
from . import (_build, elementwise, reciprocal_trig, linear, reductions,  # noqa: F401
               linalg, fourier, methods, special)
from ._build import TABLE
from .elementwise import *  # noqa: F401,F403
from .reciprocal_trig import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .fourier import *  # noqa: F401,F403
from .methods import ArrayOps, TracerConversionError
from .special import *  # noqa: F401,F403

__all__ = (["TABLE", "Primitive", "Tracer", "bind", "dtype_of", "keepdims_shape", "ndim_of",
            "normalize_axes", "shape_of", "value_of", "zeros_like_value", "ArrayOps",
            "TracerConversionError"]
           + elementwise.__all__ + reciprocal_trig.__all__ + linear.__all__ + reductions.__all__ + linalg.__all__
           + fourier.__all__ + special.__all__)
