"""Every NumPy function and ndarray method reachable from a traced value either gives the right
derivative or raises: none hands back a plain number (a gradient silently zero).

Generated: each public callable of ``numpy`` and each ndarray method is called on a Tensor (in
``jacrev``), on a forward-mode dual number (``jvp``) and on a dual with batched tangents
(``jacfwd``), with the argument lists it accepts on plain arrays; whatever it returns is
compared with central differences of the plain NumPy call.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp

# Never called: they write or read files, print, change global state, or return garbage
# (empty*) that no finite difference can check.
_NEVER = {
    "save", "savez", "savez_compressed", "savetxt", "load", "loadtxt", "genfromtxt",
    "fromfile", "fromregex", "info", "show_config", "show_runtime", "test", "seterr",
    "seterrcall", "setbufsize", "set_printoptions", "printoptions", "get_printoptions",
    "empty", "empty_like", "getbufsize", "geterr", "geterrcall", "asmatrix", "bmat", "mat",
    "frombuffer", "fromiter", "fromstring", "from_dlpack", "get_include", "add_newdoc",
    "deprecate", "deprecate_with_doc", "disp", "who", "lookfor", "source", "byte_bounds",
    "safe_eval", "require", "put", "putmask", "place", "copyto", "fill_diagonal",
    "ndarray", "nested_iters", "broadcast", "busday_count", "busday_offset", "is_busday",
    "datetime_as_string", "datetime_data",
}
# ndarray attributes that are not array values (buffers, flags, iterators) or that write.
_NEVER_METHODS = {
    "data", "ctypes", "flags", "flat", "base", "strides", "tofile", "dump", "dumps",
    "fill", "put", "itemset", "setfield", "setflags", "sort", "partition", "resize",
    "newbyteorder", "byteswap", "view", "getfield", "tobytes", "tostring", "to_device",
    "__array_namespace__", "dtype", "shape", "ndim", "size", "itemsize", "nbytes", "device",
}

VEC = np.array([0.31, 0.57, 0.83])
MAT = np.array([[0.31, 0.57], [0.83, 0.46]])
EPS = 1e-6


def _functions() -> list:
    names = []
    for name in sorted(dir(np)):
        obj = getattr(np, name)
        if name.startswith("_") or name in _NEVER or isinstance(obj, type) or not callable(obj):
            continue
        names.append(name)
    return names


def _methods() -> list:
    return sorted(n for n in dir(np.ndarray)
                  if not n.startswith("_") and n not in _NEVER_METHODS)


def _call_np(name: str, args: tuple) -> object:
    return getattr(np, name)(*args)


def _call_method(name: str, args: tuple) -> object:
    attr = getattr(args[0], name)
    return attr(*args[1:]) if callable(attr) else attr


def _float_leaves(out: object) -> list | None:
    """The float/complex arrays of a result, or None when it holds none (ints, bools,
    strings, shapes: nothing to differentiate)."""
    if isinstance(out, (list, tuple)):
        leaves = []
        for o in out:
            sub = _float_leaves(o)
            if sub:
                leaves += sub
        return leaves or None
    if isinstance(out, (np.ndarray, np.generic, float, complex)):
        kind = np.asarray(out).dtype.kind
        return [out] if kind in "fc" else None
    return None


def _flatten(out: object) -> object:
    """One real vector from a result (tracers kept): real and imaginary parts of each leaf."""
    leaves = out if isinstance(out, (list, tuple)) else [out]
    parts = []
    for leaf in leaves:
        if isinstance(leaf, (list, tuple)):
            parts.append(_flatten(leaf))
            continue
        kind = cr.ops.dtype_of(leaf).kind
        if kind not in "fc":
            continue
        flat = cnp.ravel(leaf)
        parts.append(cnp.real(flat) if kind == "c" else flat)
        if kind == "c":
            parts.append(cnp.imag(flat))
    return cnp.concatenate(parts) if parts else np.zeros(0)


def _fd_jacobian(call, name, x, rest) -> np.ndarray:
    cols = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = EPS
        e = e.reshape(x.shape)
        hi = np.asarray(_flatten(call(name, _args(x + e, rest))))
        lo = np.asarray(_flatten(call(name, _args(x - e, rest))))
        cols.append((hi - lo) / (2 * EPS))
    return np.stack(cols, axis=-1)


def _args(x, rest) -> tuple:
    # Fresh copies: a unary ufunc called as f(x, x) writes its result into the second (out=).
    copy = x.copy if isinstance(x, np.ndarray) else (lambda: x)
    return (copy(),) + tuple(copy() if r == "x" else r for r in rest)


def _cases(call, names) -> list:
    """(name, x, rest) for every argument list the plain call accepts with a float result."""
    cases = []
    for name in names:
        for x in (VEC, MAT):
            for rest in ((), ("x",), (0,), (1,), (2,), (0, 1)):
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    try:
                        out = call(name, _args(x, rest))
                    except Exception:
                        continue
                if _float_leaves(out) is None:
                    continue
                cases.append(pytest.param(name, x, rest,
                                          id=f"{name}-{x.ndim}d-{'-'.join(map(str, rest))}"))
    return cases


def _check(call, name, x, rest, mode) -> None:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        expected = _fd_jacobian(call, name, x, rest)
        if not np.all(np.isfinite(expected)) or np.abs(expected).max(initial=0) > 1e3:
            pytest.skip("not differentiable at the sample (finite differences blow up)")

        def f(v):
            return _flatten(call(name, _args(v, rest)))

        try:
            if mode == "rev":
                got = cr.jacrev(f)(x)
            elif mode == "fwd":
                got = cr.jacfwd(f)(x)
            else:
                basis = np.eye(x.size)
                got = np.stack([np.asarray(cr.jvp(f, (x,), (basis[j].reshape(x.shape),))[1])
                                for j in range(x.size)], axis=-1)
        except Exception as e:   # noqa: BLE001  (raising is one of the two allowed outcomes)
            assert not isinstance(e, AssertionError), e
            return
    got = np.asarray(got).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5,
                               err_msg=f"{name}{rest} in mode {mode}: a wrong derivative")


@pytest.mark.parametrize("mode", ["rev", "fwd", "jvp"])
@pytest.mark.parametrize("name, x, rest", _cases(_call_np, _functions()))
def test_numpy_function_differentiates_or_raises(name, x, rest, mode):
    _check(_call_np, name, x, rest, mode)


@pytest.mark.parametrize("mode", ["rev", "fwd", "jvp"])
@pytest.mark.parametrize("name, x, rest", _cases(_call_method, _methods()))
def test_ndarray_method_differentiates_or_raises(name, x, rest, mode):
    _check(_call_method, name, x, rest, mode)


def test_the_suite_reaches_many_functions():
    # The generated cases must cover NumPy broadly, not collapse to a handful on some version.
    assert len(_cases(_call_np, _functions())) > 300
    assert len(_cases(_call_method, _methods())) > 40
