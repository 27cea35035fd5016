"""THE primitive table: every differentiable operation, declared once (``TABLE``), with the
value helpers the rules use. ``from chainrule import ops as P`` gives every row by name."""

from ..core import Primitive, Tracer, bind  # noqa: F401
from ..core.values import (dtype_of, keepdims_shape, ndim_of, normalize_axes, shape_of,  # noqa: F401
                           value_of, zeros_like_value)
from .rows import *  # noqa: F401,F403
from .rows import TABLE, sum_to  # noqa: F401
from .rows_numpy import *  # noqa: F401,F403
from .methods import ArrayOps, TracerConversionError  # noqa: F401
