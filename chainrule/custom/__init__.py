"""Functions with their own derivative rules, and checkpointing.

``custom_jvp`` and ``custom_vjp`` (JAX's signatures), and ``primitive`` with ``defvjp`` /
``defjvp`` (HIPS autograd's), make a function ONE row of the primitive table: a
:class:`~chainrule.core.Primitive` created when the function is decorated. Every interpreter
then sees the function as a single operation, exactly as it sees ``sin``:

- reverse mode (Tensors, ``grad``, ``vjp``, ``jacrev``) calls the row's VJP rule; a
  ``custom_jvp`` function has none written by hand: its VJP is the *transpose* of its JVP rule
  (the rule is linear in the tangents, so it is traced once in reverse mode with respect to
  them), and so it works at every order when the rule is written with chainrule operations;
- forward mode (``jvp``, ``jacfwd``, ``hessian``), Taylor mode (``derivative``) and the
  symbolic layer run the JVP rule on their own values (duals, series, expressions); a
  function with a VJP rule only raises a ``TypeError`` saying so instead of a wrong zero;
- batching (``vmap``, batched Jacobians; batch kind ``"custom"``) runs the function once on
  the whole batch when no other transform traces its inputs (``vmap(f)``, and the forward
  pass of ``vmap(grad(f))``, whose backward pass runs the rule on the batch); otherwise, or
  when the function reads a mapped value or converts it to NumPy, once per example, so the
  custom rule sees each example;
- the symbolic printer and the graph picture show it by name, ``f(x)``.

Arguments may be pytrees; ``nondiff_argnums`` names arguments that are not differentiated
(numbers, flags, functions), passed to the rules as JAX does. Keyword arguments are passed
through unchanged and never differentiated. A function returning a pytree of several arrays is
one row with one packed output (its leaves raveled and joined), unpacked by ``getitem``.

Rules written with chainrule operations (``chainrule.numpy``) work at every order: they are
themselves differentiated. Rules written in plain NumPy work at first order; asked for a
higher one (the rule meets a traced value and converts it to an array) they raise a
``TypeError`` naming the rule and what to do.

>>> import chainrule as cr, chainrule.numpy as cnp
>>> @cr.custom_jvp
... def log1pexp(x):
...     return cnp.log1p(cnp.exp(x))
>>> @log1pexp.defjvp
... def _(primals, tangents):
...     (x,), (t,) = primals, tangents
...     return log1pexp(x), t * cr.sigmoid(x)
>>> float(cr.grad(log1pexp)(100.0)), float(cr.grad(cr.grad(log1pexp))(0.0))
(1.0, 0.25)

Files, each importing only those before it: ``_row`` (the shared row machinery),
``jax_style``, ``autograd_style``, ``checkpoint``.
"""

from .autograd_style import defjvp, defvjp, primitive
from .checkpoint import checkpoint
from .jax_style import custom_jvp, custom_vjp

__all__ = ["custom_jvp", "custom_vjp", "primitive", "defvjp", "defjvp", "checkpoint"]
