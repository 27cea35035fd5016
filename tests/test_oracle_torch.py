"""Oracle: a few hundred generated expressions against PyTorch (float64, CPU).

Random expression trees over the table's operations (fixed seed, so every run sees the same
trees) are evaluated by chainrule and by PyTorch; values, gradients, Hessian-vector products
(second derivatives, through ``create_graph=True``) and forward-mode directional derivatives
must agree. Domains are kept safe
by construction: ``log``/``sqrt``/``pow`` bases are made positive, denominators kept away from
0, ``exp``/``tan`` arguments squashed, so both libraries are compared where both are smooth.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

N_EXPRESSIONS = 300
MAX_DEPTH = 4
SHAPE = (3, 4)
LEAVES = {"x": (3, 4), "y": (4,), "z": (3, 1), "w": (4, 4)}

UNARY = ["neg", "exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "abs", "square", "sigmoid",
         "relu", "pow_num", "recip"]
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]
SHAPED = ["matmul_w", "gram", "reshape_t", "take_cols", "take_rows", "flip", "concat",
          "stack_rows", "where", "bcast_sum", "bcast_mean", "bcast_max", "bcast_min",
          "keep_sum", "keep_max"]


def _gen(rng: np.random.Generator, depth: int):
    """A random tree whose value always has shape SHAPE (3, 4)."""
    if depth == 0 or rng.random() < 0.2:
        name = rng.choice(["x", "x", "y", "z", "const"])
        if name == "const":
            return ("const", round(float(rng.uniform(-2, 2)), 3))
        return ("leaf", str(name))
    kind = rng.choice(["unary", "binary", "shaped"], p=[0.35, 0.35, 0.3])
    if kind == "unary":
        return (str(rng.choice(UNARY)), _gen(rng, depth - 1))
    if kind == "binary":
        return (str(rng.choice(BINARY)), _gen(rng, depth - 1), _gen(rng, depth - 1))
    op = str(rng.choice(SHAPED))
    if op in ("concat", "where"):
        n = 2 if op == "concat" else 4
        return (op,) + tuple(_gen(rng, depth - 1) for _ in range(n))
    if op == "stack_rows":
        return (op,) + tuple(_gen(rng, depth - 1) for _ in range(2))
    return (op, _gen(rng, depth - 1))


def _show(tree) -> str:
    if tree[0] == "leaf":
        return tree[1]
    if tree[0] == "const":
        return repr(tree[1])
    return f"{tree[0]}({', '.join(_show(t) for t in tree[1:])})"


class CR:
    """chainrule spelling of each node."""

    @staticmethod
    def full(v):
        return cr.tensor(np.full(SHAPE, v))

    exp, log, sin, cos, tan = cr.exp, cr.log, cr.sin, cr.cos, cr.tan
    tanh, sqrt, abs, sigmoid, relu = cr.tanh, cr.sqrt, cr.abs, cr.sigmoid, cr.relu
    maximum, minimum = cr.maximum, cr.minimum

    @staticmethod
    def where(c, a, b):
        return cr.where(c, a, b)

    @staticmethod
    def amax(a, axis, keepdims):
        return a.max(axis=axis, keepdims=keepdims)

    @staticmethod
    def amin(a, axis, keepdims):
        return a.min(axis=axis, keepdims=keepdims)

    @staticmethod
    def sum(a, axis, keepdims):
        return a.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def mean(a, axis, keepdims):
        return a.mean(axis=axis, keepdims=keepdims)

    @staticmethod
    def cat(parts, axis):
        return cr.concatenate(parts, axis=axis)

    @staticmethod
    def stack(parts, axis):
        return cr.stack(parts, axis=axis)

    @staticmethod
    def reshape(a, shape):
        return a.reshape(shape)

    @staticmethod
    def broadcast_to(a, shape):
        return cr.broadcast_to(a, shape)

    @staticmethod
    def index(rows):
        return rows


class TH:
    """PyTorch spelling of each node."""

    @staticmethod
    def full(v):
        return torch.full(SHAPE, v, dtype=torch.float64)

    exp, log, sin, cos, tan = torch.exp, torch.log, torch.sin, torch.cos, torch.tan
    tanh, sqrt, abs, sigmoid, relu = torch.tanh, torch.sqrt, torch.abs, torch.sigmoid, \
        torch.relu
    maximum, minimum = torch.maximum, torch.minimum

    @staticmethod
    def where(c, a, b):
        return torch.where(c, a, b)

    @staticmethod
    def amax(a, axis, keepdims):
        return torch.amax(a, dim=axis, keepdim=keepdims)

    @staticmethod
    def amin(a, axis, keepdims):
        return torch.amin(a, dim=axis, keepdim=keepdims)

    @staticmethod
    def sum(a, axis, keepdims):
        return a.sum(dim=axis, keepdim=keepdims)

    @staticmethod
    def mean(a, axis, keepdims):
        return a.mean(dim=axis, keepdim=keepdims)

    @staticmethod
    def cat(parts, axis):
        return torch.cat(parts, dim=axis)

    @staticmethod
    def stack(parts, axis):
        return torch.stack(parts, dim=axis)

    @staticmethod
    def reshape(a, shape):
        return a.reshape(shape)

    @staticmethod
    def broadcast_to(a, shape):
        return a.broadcast_to(shape)

    @staticmethod
    def index(rows):
        return torch.tensor(rows)


def _full(lib, a):
    """A (3, 4) value from a subtree (leaves y and z are broadcast)."""
    return a if tuple(a.shape) == SHAPE else lib.broadcast_to(a, SHAPE)


def _ev(tree, lib, env):
    op, args = tree[0], tree[1:]
    if op == "leaf":
        return env[args[0]]
    if op == "const":
        return lib.full(args[0])
    vals = [_ev(a, lib, env) for a in args]
    a = vals[0]
    def pos(v):
        return v * v + 0.5
    if op == "neg":
        return -a
    if op == "exp":
        return lib.exp(lib.tanh(a) * 2.0)
    if op == "log":
        return lib.log(pos(a))
    if op == "tan":
        return lib.tan(lib.tanh(a))         # |argument| < 1 < pi/2
    if op == "sqrt":
        return lib.sqrt(pos(a))
    if op == "square":
        return a * a
    if op == "pow_num":
        return pos(a) ** 1.5
    if op == "recip":
        return 1.0 / pos(a)
    if op in ("sin", "cos", "tanh", "abs", "sigmoid", "relu"):
        return getattr(lib, op)(a)
    if op in ("add", "sub", "mul", "div", "pow", "maximum", "minimum"):
        b = vals[1]
        if op == "add":
            return a + b
        if op == "sub":
            return a - b
        if op == "mul":
            return a * b
        if op == "div":
            return a / pos(b)
        if op == "pow":
            # A positive base, an exponent in (-2, 2) that may itself depend on the inputs.
            return pos(a) ** (lib.tanh(_full(lib, b)) * 2.0)
        return getattr(lib, op)(_full(lib, a), _full(lib, b))
    a = _full(lib, a)
    if op == "matmul_w":
        return a @ env["w"] * 0.5
    if op == "gram":
        return (a @ a.T) @ a * 0.2
    if op == "reshape_t":
        return lib.reshape(a, (4, 3)).T
    if op == "take_cols":
        return a[:, lib.index([0, 2, 1, 1])]      # repeated indices accumulate
    if op == "take_rows":
        return a[lib.index([2, 0, 2])][lib.index([0, 1, 2])]
    if op == "flip":
        return a[::-1, 1:2] * a[:, ::-1] if lib is CR else a.flip(0)[:, 1:2] * a.flip(1)
    if op == "concat":
        return lib.cat([a[:, :3], _full(lib, vals[1])[:, 3:]], 1)
    if op == "stack_rows":
        b = _full(lib, vals[1])
        return lib.stack([a[0], b[1], a[2]], 0)
    if op == "where":
        c, d, e = (_full(lib, v) for v in vals[1:])
        return lib.where(a > c, d, e)
    if op == "bcast_sum":
        return lib.broadcast_to(lib.sum(a, 0, True), SHAPE) * 0.3
    if op == "bcast_mean":
        return lib.mean(a, 1, True) + a
    if op == "bcast_max":
        return lib.amax(a, 0, False) - a
    if op == "bcast_min":
        return lib.amin(a, 1, True) * a
    if op == "keep_sum":
        return a * lib.sum(a, None, False) * 0.1
    if op == "keep_max":
        return a - lib.amax(a, None, False)
    raise AssertionError(op)


def _trees() -> list:
    rng = np.random.default_rng(20261126)
    trees = []
    while len(trees) < N_EXPRESSIONS:
        t = _gen(rng, MAX_DEPTH)
        if "('leaf'" in repr(t):   # a constant expression has no derivative to compare
            trees.append(t)
    return trees


TREES = _trees()
POINT_RNG = np.random.default_rng(7)
POINTS = [{k: POINT_RNG.uniform(-1.5, 1.5, size=s) for k, s in LEAVES.items()}
          for _ in range(N_EXPRESSIONS)]
WEIGHTS = [POINT_RNG.normal(size=SHAPE) for _ in range(N_EXPRESSIONS)]
DIRECTIONS = [{k: POINT_RNG.normal(size=s) for k, s in LEAVES.items()}
              for _ in range(N_EXPRESSIONS)]


def _run_chainrule(tree, point, weight, direction):
    env = {k: cr.tensor(v, requires_grad=True) for k, v in point.items()}
    out = _full(CR, _ev(tree, CR, env))
    loss = (out * cr.tensor(weight)).sum()
    names = list(env)
    grads = cr.autograd.grad(loss, [env[k] for k in names], create_graph=True,
                             allow_unused=True)
    dot = None
    for k, g in zip(names, grads):
        if g is not None and g.requires_grad:
            term = (g * cr.tensor(direction[k])).sum()
            dot = term if dot is None else dot + term
    hvp = [None] * len(names)
    if dot is not None:
        hvp = cr.autograd.grad(dot, [env[k] for k in names], allow_unused=True)
    def as_np(t, k):
        return np.zeros(LEAVES[k]) if t is None else t.detach().numpy()
    return (out.detach().numpy(), loss.item(),
            {k: as_np(g, k) for k, g in zip(names, grads)},
            {k: as_np(h, k) for k, h in zip(names, hvp)})


def _run_torch(tree, point, weight, direction):
    env = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in point.items()}
    out = _full(TH, _ev(tree, TH, env))
    loss = (out * torch.tensor(weight)).sum()
    names = list(env)
    grads = torch.autograd.grad(loss, [env[k] for k in names], create_graph=True,
                                allow_unused=True)
    dot = None
    for k, g in zip(names, grads):
        if g is not None and g.requires_grad:
            term = (g * torch.tensor(direction[k])).sum()
            dot = term if dot is None else dot + term
    hvp = [None] * len(names)
    if dot is not None:
        hvp = torch.autograd.grad(dot, [env[k] for k in names], allow_unused=True)
    # force=True: PyTorch may return a lazy "ZeroTensor" for a gradient that is all zero.
    def as_np(t, k):
        return np.zeros(LEAVES[k]) if t is None else t.detach().numpy(force=True)
    return (out.detach().numpy(), loss.item(),
            {k: as_np(g, k) for k, g in zip(names, grads)},
            {k: as_np(h, k) for k, h in zip(names, hvp)})


def _close(ours, theirs, what, expr):
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    scale = max(1.0, float(np.max(np.abs(theirs))) if theirs.size else 1.0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10 * scale,
                               err_msg=f"{what} differs from PyTorch for {expr}")


def test_generator_is_varied():
    # The trees really use the whole vocabulary (a generator bug would silently test less).
    used = set()

    def walk(t):
        used.add(t[0])
        for c in t[1:]:
            if isinstance(c, tuple):
                walk(c)
    for t in TREES:
        walk(t)
    assert set(UNARY + BINARY + SHAPED) <= used


@pytest.mark.parametrize("i", range(N_EXPRESSIONS))
def test_matches_torch(i):
    tree = TREES[i]
    expr = _show(tree)
    ours = _run_chainrule(tree, POINTS[i], WEIGHTS[i], DIRECTIONS[i])
    theirs = _run_torch(tree, POINTS[i], WEIGHTS[i], DIRECTIONS[i])
    _close(ours[0], theirs[0], "value", expr)
    _close(ours[1], theirs[1], "weighted sum", expr)
    for k in LEAVES:
        _close(ours[2][k], theirs[2][k], f"gradient wrt {k}", expr)
    for k in LEAVES:
        _close(ours[3][k], theirs[3][k], f"Hessian-vector product wrt {k}", expr)
    # The tape without create_graph (the engine's fast paths) and .grad accumulation.
    env = {k: cr.tensor(v, requires_grad=True) for k, v in POINTS[i].items()}
    (_full(CR, _ev(tree, CR, env)) * cr.tensor(WEIGHTS[i])).sum().backward()
    for k, leaf in env.items():
        got = np.zeros(LEAVES[k]) if leaf.grad is None else leaf.grad.data
        _close(got, theirs[2][k], f"backward() .grad of {k}", expr)
    # Forward mode: the directional derivative along DIRECTIONS[i] is <grad, direction>.
    names = list(LEAVES)

    def loss(*vs):
        out = _full(CR, _ev(tree, CR, dict(zip(names, vs))))
        return (out * WEIGHTS[i]).sum()

    _, tangent = cr.jvp(loss, [POINTS[i][k] for k in names], [DIRECTIONS[i][k] for k in names])
    expected = sum(float(np.sum(theirs[2][k] * DIRECTIONS[i][k])) for k in names)
    _close(tangent, expected, "forward-mode directional derivative", expr)
