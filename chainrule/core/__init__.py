"""The bottom layer: what a primitive is (:class:`Primitive`, :class:`Tracer`, ``bind``,
levels), grad mode, value helpers and pytrees. Imports nothing else of chainrule."""

from .primitive import Primitive, Tracer, bind, is_grad_enabled, new_level
from .primitive import numpy_reads
from .primitive import _grad_enabled, _numpy_reading  # noqa: F401  (context, read by higher layers)
from .gradmode import enable_grad, no_grad, set_grad_enabled
from .values import (array_namespace, call_in_namespace, dtype_of, eager_error, is_foreign,
                     keepdims_shape, library_name, ndim_of, normalize_axes, np_dtype,
                     ones_like_value, shape_of, value_of, xp_dtype, zeros_like_value)

__all__ = ["Primitive", "Tracer", "bind", "new_level", "is_grad_enabled", "shape_of",
           "ndim_of", "value_of", "dtype_of", "zeros_like_value", "normalize_axes",
           "keepdims_shape", "numpy_reads", "no_grad", "enable_grad", "set_grad_enabled",
           "array_namespace", "call_in_namespace", "is_foreign", "library_name", "np_dtype",
           "xp_dtype", "eager_error", "ones_like_value"]
