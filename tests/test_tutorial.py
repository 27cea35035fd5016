"""The tutorial that started the project runs unchanged, and its higher derivatives are right.

f(x) = 5x⁴ + 3x³ + 7x² + 9x − 5 at x = 2: f′ = 20x³ + 9x² + 14x + 9 = 233,
f″ = 60x² + 18x + 14 = 290, f‴ = 120x + 18 = 258.
"""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import re
import subprocess
import sys

import pytest

import chainrule as cr

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The tutorial's code, character for character apart from the import line's target.
TUTORIAL = """\
import chainrule as torch
x = torch.autograd.Variable(torch.Tensor([2]), requires_grad=True)
y = 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5
y.backward()
print(x.grad)
"""


def f(x):
    return 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5


def test_tutorial_snippet_prints_233():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(TUTORIAL, "<tutorial>", "exec"), {})  # noqa: S102 (our own literal)
    assert out.getvalue() == "tensor([233.])\n"


def test_tutorial_objects():
    import chainrule as torch
    x = torch.autograd.Variable(torch.Tensor([2]), requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.shape == (1,)
    y = f(x)
    assert y.grad_fn is not None and not y.is_leaf
    assert y.item() == 145.0
    y.backward()
    assert x.grad.tolist() == [233.0]
    assert x.grad.dtype == x.dtype


@pytest.mark.parametrize("start", [cr.tensor(2.0, requires_grad=True),
                                   cr.tensor([2.0], requires_grad=True)])
def test_third_derivative_through_create_graph(start):
    x = start
    y = f(x)
    (d1,) = cr.autograd.grad(y, x, create_graph=True)
    (d2,) = cr.autograd.grad(d1, x, create_graph=True)
    (d3,) = cr.autograd.grad(d2, x)
    assert [d.shape for d in (d1, d2, d3)] == [x.shape] * 3
    assert [d.data.ravel()[0] for d in (d1, d2, d3)] == [233.0, 290.0, 258.0]
    assert d1.requires_grad and d2.requires_grad


def test_higher_derivatives_through_backward_create_graph():
    x = cr.tensor([2.0], requires_grad=True)
    f(x).backward(create_graph=True)
    d1 = x.grad
    assert d1.tolist() == [233.0] and d1.requires_grad
    x.grad = None
    d1.backward(create_graph=True)
    d2 = x.grad
    assert d2.tolist() == [290.0]
    x.grad = None
    d2.backward()
    assert x.grad.tolist() == [258.0]


def test_functional_grad_nests():
    assert cr.grad(f)(2.0) == 233.0
    assert cr.grad(cr.grad(f))(2.0) == 290.0
    assert cr.grad(cr.grad(cr.grad(f)))(2.0) == 258.0


def test_python_m_chainrule_prints_the_derivative():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", "chainrule"], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "233" in proc.stdout
    # The function is shown (in any notation: 5*x**4, 5x^4, 5x⁴) and so is the point.
    assert re.search(r"5\s*\*?\s*x\s*(\*\*\s*4|\^\s*4|⁴)", proc.stdout), proc.stdout
    assert re.search(r"\b2\b", proc.stdout), proc.stdout
