"""The discrete Fourier transform along one axis: ``fft``, ``ifft``, ``rfft``, ``irfft``. The n-d
transforms of ``chainrule.numpy.fft`` are compositions of these.

>>> from chainrule.ops import fft
>>> import numpy as np
>>> fft(np.array([1.0, 0.0]), n=2, axis=-1, norm="backward").tolist()
[(1+0j), (1+0j)]
"""

from __future__ import annotations

import numpy as np

from ..core import Primitive, dtype_of, ndim_of, shape_of
from ._build import _row, numpy_only
from .linear import conj, getitem, pad, real

__all__ = ["fft", "ifft", "rfft", "irfft"]


# ----------------------------------------------------------------------------------------
# FFT along one axis. The DFT matrix is symmetric, so the transpose of fft is fft itself
# (same norm) followed by undoing the zero-padding/truncation of `n`; a real input keeps the
# real part of its cotangent (the complex-parts convention of linear.py).


def _resize(x, n, axis):
    """Truncate or zero-pad ``x`` to length n along ``axis`` (what fft's `n` does)."""
    ax = axis % ndim_of(x)
    m = shape_of(x)[ax]
    if n == m:
        return x
    if n < m:
        return getitem(x, idx=(slice(None),) * ax + (slice(0, n),))
    widths = tuple((0, n - m) if i == ax else (0, 0) for i in range(ndim_of(x)))
    return pad(x, pad_width=widths)


def _real_if(ct, x):
    return real(ct) if dtype_of(x).kind != "c" else ct


def _fft_impl(x, n, axis, norm):
    return np.fft.fft(x, n=n, axis=axis, norm=norm)


def _ifft_impl(x, n, axis, norm):
    return np.fft.ifft(x, n=n, axis=axis, norm=norm)


def _dom_fft(rng):
    return [((rng.normal(size=(4,)),), {"n": 4, "axis": -1, "norm": "backward"}),
            ((rng.normal(size=(3, 5)),), {"n": 6, "axis": 0, "norm": "ortho"}),
            ((rng.normal(size=(2, 5)),), {"n": 3, "axis": 1, "norm": "forward"})]


fft = _row(Primitive(
    "fft", _fft_impl,
    [lambda g, out, x, n, axis, norm:
     _real_if(_resize(fft(g, n=n, axis=axis, norm=norm), shape_of(x)[axis], axis), x)],
    [lambda t, out, x, n, axis, norm: fft(t, n=n, axis=axis, norm=norm)],
    domain=_dom_fft, linear=True, batch="axis"))
ifft = _row(Primitive(
    "ifft", _ifft_impl,
    [lambda g, out, x, n, axis, norm:
     _real_if(_resize(ifft(g, n=n, axis=axis, norm=norm), shape_of(x)[axis], axis), x)],
    [lambda t, out, x, n, axis, norm: ifft(t, n=n, axis=axis, norm=norm)],
    domain=_dom_fft, linear=True, batch="axis"))


def _rfft_impl(x, n, axis, norm):
    return np.fft.rfft(x, n=n, axis=axis, norm=norm)


def _rfft_vjp(g, out, x, n, axis, norm):
    # rfft keeps the first n//2 + 1 outputs of fft: transpose = zero-pad g back to n, fft.
    full = fft(_resize(g, n, axis), n=n, axis=axis, norm=norm)
    return _resize(real(full), shape_of(x)[axis], axis)


rfft = _row(Primitive(
    "rfft", _rfft_impl, [_rfft_vjp],
    [lambda t, out, x, n, axis, norm: rfft(t, n=n, axis=axis, norm=norm)],
    domain=_dom_fft, linear=True, batch="axis"))

_DUAL_NORM = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def _irfft_impl(x, n, axis, norm):
    return np.fft.irfft(x, n=n, axis=axis, norm=norm)


def _irfft_vjp(g, out, x, n, axis, norm):
    # irfft reads z as a Hermitian half-spectrum: the DC term (and the Nyquist term for even
    # n) once, every other term twice. Its cotangent is w * conj(rfft(g)) with those weights
    # w, scaled by the dual norm; entries beyond n//2 + 1 are ignored (cotangent 0).
    h = n // 2 + 1
    w = np.full(h, 2.0, dtype=np.real(np.zeros((), dtype=dtype_of(g))).dtype)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    shape = [1] * ndim_of(g)
    shape[axis % ndim_of(g)] = h
    spec = conj(rfft(g, n=n, axis=axis, norm=_DUAL_NORM[norm])) * w.reshape(shape)
    return _real_if(_resize(spec, shape_of(x)[axis], axis), x)


def _dom_irfft(rng):
    return [((rng.normal(size=(3,)),), {"n": 4, "axis": -1, "norm": "backward"}),
            ((rng.normal(size=(4, 2)),), {"n": 7, "axis": 0, "norm": "ortho"}),
            ((rng.normal(size=(2, 4)),), {"n": 4, "axis": 1, "norm": "forward"})]


irfft = _row(Primitive(
    "irfft", _irfft_impl, [_irfft_vjp],
    [lambda t, out, x, n, axis, norm: irfft(t, n=n, axis=axis, norm=norm)],
    domain=_dom_irfft, linear=True, batch="axis"))

# The fft rows are NumPy's alone for now (see linalg.py's note): other libraries are refused.
numpy_only(fft, ifft, rfft, irfft)
