"""JAX-style transforms: functions in, functions out. They never touch ``.grad``.

Each call takes a fresh level (see :mod:`chainrule.core`), so transforms nest freely:
``grad(grad(f))``, ``jvp`` of ``grad``, ``grad`` of ``jvp`` all work, and perturbations of
different calls never mix.

Arguments and outputs may be pytrees (nested tuples, lists and dicts of arrays, see
:mod:`chainrule.core.pytree`); every result has the structure of what it belongs to. Results have
the kind of the input they belong to: a float for a Python number, a NumPy scalar for a NumPy
scalar, an ndarray for an array, a Tensor for a Tensor, and the input's dtype (float32 stays
float32) (a Tensor passed in stays in its own graph, so the result is differentiable
by ``backward()`` too).

Jacobians push all basis directions through ONE pass (:mod:`chainrule.interpret.batching`), so
``jacfwd``/``jacrev``/``hessian`` cost one batched forward or reverse sweep, not one sweep per
row in a Python loop. ``derivative(f, n)`` runs in Taylor mode (:mod:`chainrule.interpret.taylor`).

Files, each importing only those before it: ``_common`` (readings, values in and out, argnums),
``grads`` (vjp, jvp, grad), ``jacobians`` (jacfwd, jacrev, jacobian, hessian, hvp),
``taylor_mode`` (derivative, taylor_coefficients), ``vmap``.
"""

from .grads import elementwise_grad, grad, jvp, value_and_grad, vjp
from .jacobians import hessian, hvp, jacfwd, jacobian, jacrev
from .taylor_mode import derivative, taylor_coefficients
from .vmap import vmap

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "jacobian", "hessian",
           "hvp", "elementwise_grad", "derivative", "taylor_coefficients", "vmap"]
