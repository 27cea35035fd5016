"""chainrule: automatic differentiation on NumPy, in PyTorch's tensor style and JAX's
functional style, with derivatives you can see.

>>> import chainrule as cr
>>> x = cr.tensor(2.0, requires_grad=True)
>>> y = 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5
>>> y.backward()
>>> x.grad
tensor(233.)
"""

from . import autograd, ops, testing, text
from . import numpy as numpy  # noqa: PLC0414  (chainrule.numpy, the NumPy namespace)
from . import special
from .core import is_grad_enabled
from .custom import checkpoint, custom_jvp, custom_vjp, defjvp, defvjp, primitive
from .functional import (derivative, elementwise_grad, grad, hessian, hvp, jacfwd, jacobian,
                         jacrev, jvp, taylor_coefficients, value_and_grad, vjp, vmap)
from .numpy import (abs, broadcast_to, concatenate, cos, exp, log, log1p, matmul, maximum,
                    minimum, reshape, sign, sin, sqrt, square, tan, tanh, where)
from .special import relu, sigmoid, softplus
# PyTorch's names (docs/pytorch.md): sum, mean, max, min, stack and transpose take dim= and
# PyTorch's readings here; chainrule.numpy keeps NumPy's.
from .autograd import (all, allclose, amax, amin, any, arange, argmax, argmin, cat, cdouble,
                       cfloat, chunk, clamp, clip, complex64, complex128, concat, cumprod,
                       cumsum, dot, double, empty, empty_like, eye, flatten, flip, float16,
                       float32, float64, from_numpy, full, full_like, half, int8, int16, int32,
                       int64, is_tensor, linspace, log_softmax, logsumexp, long, manual_seed,
                       masked_fill, max, mean, min, mm, norm, numel, ones, ones_like, permute,
                       prod, rand, rand_like, randint, randn, randn_like, randperm,
                       repeat_interleave, short, softmax, split, squeeze, stack, std, sum, t,
                       tile, transpose, uint8, unsqueeze, var, zeros, zeros_like)
from .autograd import _TORCH_BUILTIN_NAMES
from .core import enable_grad, no_grad, set_grad_enabled
from .eager import Tensor, as_tensor, tensor
from .testing import check_grads, gradcheck
from .visual import graph, plot_tangent
from .text.explain import explain
from .text.parser import ParseError, parse
from .text.calculus import diff, gradient, to_function
from .symbolic import Expr, symbol
# cr.compile (the package is chainrule.compiler): an attribute only, kept out of __all__ like
# float, int and bool below, so that `from chainrule import *` leaves Python's compile() alone.
from .compiler import compile as compile  # noqa: A004, PLC0414  (re-exported)

# torch.float, torch.int, torch.bool: attributes only, kept out of __all__ so that
# `from chainrule import *` does not shadow Python's float, int and bool.
float, int, bool = (_TORCH_BUILTIN_NAMES[n] for n in ("float", "int", "bool"))  # noqa: A001

from ._kernel import COMPILED  # whether the compiled core runs (docs/compiled.md)

__version__ = "0.1.0"

__all__ = [
    "COMPILED",
    "Tensor", "tensor", "as_tensor", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled",
    "grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "jacobian", "hessian", "hvp",
    "elementwise_grad", "derivative", "taylor_coefficients", "check_grads", "gradcheck",
    "vmap", "custom_jvp", "custom_vjp", "primitive", "defvjp", "defjvp", "checkpoint",
    "autograd", "ops", "testing", "numpy", "special", "text",
    "abs", "broadcast_to", "concatenate", "cos", "exp", "log", "log1p", "matmul", "max",
    "maximum", "mean", "min", "minimum", "relu", "reshape", "sigmoid", "sign", "sin",
    "softplus", "sqrt", "square", "stack", "sum", "tan", "tanh", "transpose", "where",
    "graph", "plot_tangent",
    # PyTorch's constructors, dtypes and functions (chainrule.autograd, docs/pytorch.md)
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "arange", "linspace", "eye", "rand", "randn", "randint", "rand_like", "randn_like",
    "randperm", "manual_seed", "from_numpy", "is_tensor", "numel", "cat", "concat", "mm", "dot",
    "allclose", "all", "any", "amax", "amin", "argmax", "argmin", "chunk", "clamp", "clip",
    "cumprod", "cumsum", "flatten", "flip", "log_softmax", "logsumexp", "masked_fill", "norm",
    "permute", "prod", "repeat_interleave", "softmax", "split", "squeeze", "std", "t", "tile",
    "unsqueeze", "var",
    "float16", "half", "float32", "float64", "double", "complex64", "cfloat", "complex128",
    "cdouble", "int8", "uint8", "int16", "short", "int32", "int64", "long",
    "diff", "explain", "parse", "symbol", "gradient", "to_function", "Expr", "ParseError",
]

# The public subpackages and modules (documented in the README's "How it is built"), shown by
# dir(chainrule) beside __all__; the private ones (_kernel) and those shadowed by a function of
# the same name are left out.
_MODULES = ["autograd", "compiler", "core", "custom", "eager", "functional", "interpret", "numpy",
            "ops", "special", "symbolic", "testing", "text", "visual"]


def __dir__() -> list:
    return sorted(set(__all__) | set(_MODULES) | {"__version__", "float", "int", "bool",
                                                    "compile"})
