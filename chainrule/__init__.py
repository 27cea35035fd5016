"""chainrule: automatic differentiation on NumPy, in PyTorch's tensor style and JAX's
functional style, with derivatives you can see.

>>> import chainrule as cr
>>> x = cr.tensor(2.0, requires_grad=True)
>>> y = 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5
>>> y.backward()
>>> x.grad
tensor(233.)
"""

from __future__ import annotations

from . import autograd, ops, testing
from . import numpy as numpy  # noqa: PLC0414  (chainrule.numpy, the NumPy namespace)
from . import special
from .core import is_grad_enabled
from .functional import (derivative, elementwise_grad, grad, hessian, hvp, jacfwd, jacobian,
                         jacrev, jvp, taylor_coefficients, value_and_grad, vjp)
from .numpy import (abs, broadcast_to, concatenate, cos, exp, log, log1p, matmul, max,
                    maximum, mean, min, minimum, reshape, sign, sin, sqrt, square, stack, sum,
                    tan, tanh, transpose, where)
from .special import relu, sigmoid, softplus
from .tensor import Tensor, as_tensor, enable_grad, no_grad, set_grad_enabled, tensor
from .testing import check_grads, gradcheck
from .visual import graph, plot_tangent
from .explain import explain
from .parser import ParseError, parse
from .calculus import diff, gradient, to_function
from .symbolic import Expr, symbol

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "as_tensor", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled",
    "grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "jacobian", "hessian", "hvp",
    "elementwise_grad", "derivative", "taylor_coefficients", "check_grads", "gradcheck",
    "autograd", "ops", "testing", "numpy", "special",
    "abs", "broadcast_to", "concatenate", "cos", "exp", "log", "log1p", "matmul", "max",
    "maximum", "mean", "min", "minimum", "relu", "reshape", "sigmoid", "sign", "sin",
    "softplus", "sqrt", "square", "stack", "sum", "tan", "tanh", "transpose", "where",
    "graph", "plot_tangent",
    "diff", "explain", "parse", "symbol", "gradient", "to_function", "Expr", "ParseError",
]
