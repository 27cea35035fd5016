"""Table-driven tests of the whole ``chainrule.numpy`` namespace (with .linalg and .fft).

The samples live in :mod:`chainrule.coverage` (also the source of docs/coverage.md): every
function has an entry, every differentiable entry passes ``check_grads`` at order 2 in both
modes in float64 on all its samples (0-d, broadcast pairs, empty arrays), agrees with NumPy's
function of the same name, and keeps float32 for values and gradients.
"""

from __future__ import annotations

import dataclasses
import pathlib
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
import chainrule.special as cs
from chainrule import coverage as C

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _cases(kinds: tuple, need: str = "") -> list:
    out = []
    for name, entry in sorted(C.ENTRIES.items()):
        if entry.kind not in kinds:
            continue
        if need == "oracle" and (not entry.oracle or entry.numpy_function is None):
            continue
        if need == "float32" and not entry.float32:
            continue
        for k, case in enumerate(entry.cases):
            if need in ("grad", "float32") and not case.positions():
                continue
            out.append(pytest.param(entry, case, id=f"{name}-{k}"))
    return out


# ----------------------------------------------------------------------------------------
# Completeness: the coverage table and the namespace agree.


def test_every_namespace_function_has_an_entry_with_samples():
    names = set(C.namespace_functions())
    if not hasattr(cr.ops, "erf"):   # special.erf's row comes with the table's split
        names.discard("special.erf")
    assert names, "the namespace lists no functions"
    missing = sorted(names - set(C.ENTRIES))
    extra = sorted(set(C.ENTRIES) - names)
    assert not missing, f"functions without a coverage entry (and so without tests): {missing}"
    assert not extra, f"coverage entries naming no function: {extra}"
    for name, entry in C.ENTRIES.items():
        assert entry.cases, f"{name}: no sample inputs"
        if entry.kind == C.DIFF:
            assert any(c.positions() for c in entry.cases), f"{name}: nothing differentiated"


def test_issue_names_are_covered():
    # The functions issue 4 names explicitly.
    required = """sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh exp exp2
    expm1 log log2 log10 log1p sqrt cbrt square reciprocal power float_power abs fabs sign floor
    ceil round trunc rint clip maximum minimum fmax fmin hypot arctan2 logaddexp logaddexp2 mod
    fmod remainder sinc deg2rad rad2deg copysign nan_to_num sum mean prod max min amax amin var
    std cumsum cumprod average ptp nansum nanmean sort argsort argmax argmin reshape ravel
    squeeze expand_dims transpose moveaxis swapaxes broadcast_to atleast_1d atleast_2d
    atleast_3d concatenate stack hstack vstack dstack split array_split tile repeat flip roll
    rot90 pad diag diagonal trace tril triu take take_along_axis where select append dot matmul
    inner outer tensordot einsum kron cross vdot linalg.inv linalg.pinv linalg.det
    linalg.slogdet linalg.solve linalg.cholesky linalg.eigh linalg.svd linalg.qr linalg.norm
    linalg.matrix_power fft.fft fft.ifft fft.rfft fft.irfft fft.fftn fft.ifftn fft.rfftn diff
    trapezoid cov corrcoef quantile percentile interp convolve nanvar nanstd cumsum
    fft.irfftn array asarray zeros ones full zeros_like ones_like full_like empty_like eye
    identity linspace arange meshgrid special.softmax special.log_softmax special.logsumexp
    special.sigmoid special.expit special.softplus""".split()
    missing = [n for n in required if n not in C.ENTRIES]
    assert not missing, missing
    for const in ("pi", "e", "inf", "nan", "newaxis", "float32", "float64", "float16"):
        assert hasattr(cnp, const)


def test_handled_functions_cover_the_namespace():
    for name, entry in C.ENTRIES.items():
        np_fn = entry.numpy_function
        if np_fn is None or isinstance(np_fn, type):
            continue
        handler = cnp.HANDLED_FUNCTIONS.get(np_fn)
        # Aliases (np.true_divide is np.divide) may map to either of our two names.
        assert handler is not None and handler.__name__ in {
            n.rsplit(".", 1)[-1] for n, e in C.ENTRIES.items() if e.numpy_function is np_fn}, \
            f"numpy.{name} on a Tensor does not reach chainrule.numpy.{name}"


def test_numpys_aliases_are_aliases_here_too():
    """Where NumPy gives one function two names (np.asin is np.arcsin, np.concat is
    np.concatenate), chainrule.numpy does too: one definition, not two copies to keep alike."""
    names = [n for n in dir(cnp) if not n.startswith("_") and callable(getattr(cnp, n))
             and callable(getattr(np, n, None)) and not isinstance(getattr(np, n), type)]
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
             if getattr(np, a) is getattr(np, b)]
    assert len(pairs) >= 14, pairs
    for a, b in pairs:
        assert getattr(cnp, a) is getattr(cnp, b), f"chainrule.numpy.{a} is not .{b}"


def test_coverage_doc_lists_every_entry_and_no_failure():
    doc = (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8")
    listed = {line.split("`")[1] for line in doc.splitlines() if line.startswith("| `")}
    assert listed == set(C.ENTRIES), \
        "docs/coverage.md is out of date: run `python -m chainrule.coverage`"
    failed = [line for line in doc.splitlines() if line.startswith("| `") and "✗" in line]
    assert not failed, f"docs/coverage.md records failed checks: {failed}"

# ----------------------------------------------------------------------------------------
# Gradients: float64, order 2, both modes.


@pytest.mark.parametrize("entry, case", _cases((C.DIFF,), "grad"))
def test_gradients_order2_both_modes(entry, case):
    f, xs = C.gradient_function(entry, case)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        cr.check_grads(f, *xs, modes=("rev", "fwd"), order=2)


@pytest.mark.parametrize("entry, case", _cases((C.DIFF,), "grad"))
def test_tape_gradient_matches_functional(entry, case):
    """Tensor.backward (the tape) gives the same gradient as cr.vjp, with input shapes."""
    f, xs = C.gradient_function(entry, case)
    out, pullback = cr.vjp(f, *xs)
    ct = np.random.default_rng(0).standard_normal(np.shape(out))
    expected = pullback(ct)
    leaves = [cr.tensor(x, requires_grad=True) for x in xs]
    y = f(*leaves)
    assert isinstance(y, cr.Tensor)
    if not y.requires_grad:
        assert all(not np.any(e) for e in expected)
        return
    y.backward(gradient=ct)
    for leaf, e in zip(leaves, expected):
        g = np.zeros(leaf.shape) if leaf.grad is None else leaf.grad.data
        assert g.shape == leaf.shape
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)

# ----------------------------------------------------------------------------------------
# Values against NumPy itself.


def _assert_same(actual, expected, name):
    if isinstance(expected, tuple):
        assert len(actual) == len(expected), name
        for a, b in zip(actual, expected):
            _assert_same(a, b, name)
        return
    if isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), name
        for a, b in zip(actual, expected):
            _assert_same(a, b, name)
        return
    a = np.asarray(cr.ops.value_of(actual))
    b = np.asarray(expected)
    assert a.shape == b.shape, (name, a.shape, b.shape)
    if name.startswith("empty"):
        return
    assert a.dtype.kind == b.dtype.kind, (name, a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("entry, case", _cases((C.DIFF, C.NODIFF, C.CONST), "oracle"))
def test_values_match_numpy(entry, case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # NumPy's own reference may be deprecated in newer releases (np.fix in 2.5).
        warnings.simplefilter("ignore", DeprecationWarning)
        expected = case.run(entry.numpy_function)
        actual = case.run(entry.function)
    if entry.name in ("linalg.eigh", "linalg.svd", "linalg.qr", "linalg.eig"):
        # Same decomposition up to the sign of each vector: compare the reconstruction-free
        # invariants (values) and |vectors|.
        expected = tuple(np.abs(x) for x in expected)
        actual = tuple(np.abs(np.asarray(cr.ops.value_of(x))) for x in actual)
    _assert_same(actual, expected, entry.name)


@pytest.mark.parametrize("entry, case", _cases((C.NODIFF,)))
def test_nondifferentiable_results_carry_no_gradient(entry, case):
    args = [cr.tensor(a, requires_grad=True) if isinstance(a, (float, np.ndarray))
            and np.result_type(a).kind == "f" else a for a in case.args]
    out = case.run(entry.function, tuple(args))
    for o in (out if isinstance(out, tuple) else (out,)):
        assert not getattr(o, "requires_grad", False), entry.name

# ----------------------------------------------------------------------------------------
# Dtypes: float32 in, float32 values and gradients out.


@pytest.mark.parametrize("entry, case", _cases((C.DIFF,), "float32"))
def test_float32_values_and_gradients(entry, case):
    # Constant float arrays among the keywords are float32 too (a float64 array would promote,
    # as in NumPy).
    kwargs = {k: v.astype(np.float32) if isinstance(v, np.ndarray) and v.dtype == np.float64
              else v for k, v in case.kwargs.items()}
    case = dataclasses.replace(case, kwargs=kwargs)
    f, xs = C.gradient_function(entry, case)
    xs32 = [np.asarray(x, dtype=np.float32) for x in xs]
    leaves = [cr.tensor(x, requires_grad=True) for x in xs32]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = f(*leaves)
    assert y.dtype == np.float32, f"{entry.name}: float32 inputs gave {y.dtype}"
    if not y.requires_grad or y.size == 0:
        return
    y.backward(gradient=np.ones(y.shape, dtype=np.float32))
    _, pullback = cr.vjp(f, *[x.astype(np.float64) for x in xs32])
    expected = pullback(np.ones(y.shape))
    for leaf, e in zip(leaves, expected):
        if leaf.grad is None:
            continue
        assert leaf.grad.dtype == np.float32
        scale = 1.0 + np.max(np.abs(e), initial=0.0)
        np.testing.assert_allclose(leaf.grad.data, e, rtol=2e-3, atol=2e-3 * scale)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_kept_through_a_composite_program(dtype):
    x = cr.tensor(np.linspace(0.1, 0.9, 6).reshape(2, 3).astype(dtype), requires_grad=True)
    y = cnp.sum(cs.logsumexp(cnp.log1p(x) * cnp.arctan(x), axis=1) + cnp.prod(x, axis=1))
    y = y + cnp.sum(cnp.cumsum(cnp.sinh(x), axis=0)) + cnp.linalg.norm(x)
    assert y.dtype == dtype
    y.backward()
    assert x.grad.dtype == dtype


# ----------------------------------------------------------------------------------------
# Decisions pinned: kinks, zeros, stability.


def test_prod_gradient_at_zeros_is_the_product_of_the_others():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]])
    g = cr.grad(lambda a: cnp.sum(cnp.prod(a, axis=1)))(x)
    expected = np.array([[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [8.0, 4.0, 2.0]])
    np.testing.assert_array_equal(g, expected)
    # Second derivative at a single zero: d²/dx0 dx1 prod([x0, 0, x2]) = 0 but
    # d²/dx1 dx0 of the row with the zero is x2.
    h = cr.grad(lambda a: cr.grad(lambda b: cnp.prod(b))(a)[1])(np.array([2.0, 0.0, 3.0]))
    np.testing.assert_allclose(h, [3.0, 0.0, 2.0])


def test_cumprod_gradient_at_zeros():
    x = np.array([2.0, 0.0, 3.0, 4.0])
    g = cr.grad(lambda a: cnp.sum(cnp.cumprod(a)))(x)
    # d/dx1 sum_i cumprod_i = 2 + 2*3 + 2*3*4; elements after the zero get nothing.
    np.testing.assert_allclose(g, [1.0, 32.0, 0.0, 0.0])


def test_logsumexp_softmax_are_stable():
    x = np.array([1000.0, 1000.0, -1000.0])
    assert np.isclose(float(cs.logsumexp(x)), 1000.0 + np.log(2.0))
    np.testing.assert_allclose(cr.grad(cs.logsumexp)(x), [0.5, 0.5, 0.0])
    np.testing.assert_allclose(cs.softmax(x), [0.5, 0.5, 0.0])
    assert np.isfinite(cs.log_softmax(x)).all() is not None


def test_norm_of_zero_vector_and_std_of_equal_elements_have_zero_gradient():
    np.testing.assert_array_equal(cr.grad(cnp.linalg.norm)(np.zeros(3)), np.zeros(3))
    np.testing.assert_array_equal(cr.grad(cnp.std)(np.full(3, 2.0)), np.zeros(3))
    np.testing.assert_array_equal(cr.grad(lambda x: cnp.sum(cnp.std(x, axis=1)))(
        np.array([[1.0, 1.0], [1.0, 3.0]])), [[0.0, 0.0], [-0.5, 0.5]])


def test_clip_gradient_goes_to_x_inside_and_to_the_bound_outside():
    g = cr.grad(lambda x, lo: cnp.sum(cnp.clip(x, lo, 1.0)), argnums=(0, 1))(
        np.array([-2.0, 0.5, 3.0]), np.array([-1.0, -1.0, -1.0]))
    np.testing.assert_array_equal(g[0], [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(g[1], [1.0, 0.0, 0.0])


def test_maximum_ties_split():
    g = cr.grad(lambda x, y: cnp.sum(cnp.fmax(x, y)), argnums=(0, 1))(
        np.array([1.0, 2.0, np.nan]), np.array([1.0, 1.0, 3.0]))
    np.testing.assert_array_equal(g[0], [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(g[1], [0.5, 0.0, 1.0])


def test_eigh_and_svd_reconstruct_and_differentiate_through_reconstruction():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 3))

    def rebuild(m):
        u, s, vh = cnp.linalg.svd(m, full_matrices=False)
        return cnp.sum((u * s) @ vh * m)

    np.testing.assert_allclose(cr.grad(rebuild)(a), 2 * a, rtol=1e-10)
    sym = a.T @ a

    def rebuild_eigh(m):
        w, v = cnp.linalg.eigh(m)
        return cnp.sum((v * w) @ v.T)

    np.testing.assert_allclose(cr.grad(rebuild_eigh)(sym), np.ones((3, 3)), rtol=1e-8)


def test_degenerate_spectrum_value_gradients_stay_exact():
    a = 2.0 * np.eye(3)
    a[2, 2] = 5.0
    np.testing.assert_allclose(cr.grad(lambda m: cnp.sum(cnp.linalg.eigvalsh(m) ** 2))(a),
                               2 * a, atol=1e-12)
    np.testing.assert_allclose(cr.grad(lambda m: cnp.linalg.norm(m, "nuc"))(a), np.eye(3),
                               atol=1e-12)


def test_linalg_errors_are_clear():
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        cnp.linalg.inv(np.ones((2, 3)))
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        cnp.linalg.svd(np.ones((3, 2)))
    with pytest.raises(NotImplementedError, match="rows >= columns"):
        cnp.linalg.qr(np.ones((2, 3)))
    with pytest.raises(ValueError, match="invalid ord"):
        cnp.linalg.matrix_norm(np.ones((2, 2)), ord=3)


def test_namespace_errors_are_clear():
    with pytest.raises(ValueError, match="equal parts"):
        cnp.split(np.arange(5.0), 2)
    with pytest.raises(ValueError, match="one choice per condition"):
        cnp.select([np.ones(2) > 0], [np.ones(2), np.ones(2)])
    with pytest.raises(ValueError, match="mode"):
        cnp.pad(np.ones(2), 1, mode="median")
    with pytest.raises(ValueError, match="operands"):
        cnp.einsum("ij,jk", np.ones((2, 2)))
    with pytest.raises(np.exceptions.AxisError):
        cnp.cumsum(np.ones((2, 2)), axis=3)


def test_array_of_tensors_keeps_gradients():
    a = cr.tensor(2.0, requires_grad=True)
    b = cr.tensor([1.0, 3.0], requires_grad=True)
    m = cnp.array([[a, 1.0], b])
    assert isinstance(m, cr.Tensor) and m.shape == (2, 2)
    (m * m).sum().backward()
    assert float(a.grad) == 4.0
    np.testing.assert_array_equal(b.grad.data, [2.0, 6.0])
