"""``chainrule.numpy.fft``: discrete Fourier transforms, differentiable (``cnp.fft``).

fft, ifft, rfft and irfft along one axis are rows of the table (the DFT matrix is
symmetric, so each transpose is again a DFT); the n-d forms apply them axis by axis.
Spectra are complex Tensors; take ``cnp.real``, ``cnp.imag`` or ``cnp.abs`` of them to get
back to the real numbers a loss is made of. Gradients of complex inputs follow PyTorch's
convention (docs/complex.md); inside, the rules' cotangents c satisfy dL = Re(sum(c * dz)).

>>> import chainrule as cr, chainrule.numpy as cnp
>>> f = lambda x: cnp.sum(cnp.abs(cnp.fft.rfft(x)) ** 2)
>>> cr.grad(f)(cnp.array([1.0, 0.0, 0.0, 0.0]))
array([6., 0., 2., 0.])
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as _np

from .. import ops as P
from ._helpers import _arr, _axis, _is_complex, _shape
from ._math import conj
from ._shape import roll

__all__ = ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn",
           "rfftn", "irfftn", "hfft", "ihfft", "fftshift", "ifftshift", "fftfreq", "rfftfreq"]

_NORMS = ("backward", "ortho", "forward")


def _prep(a: Any, n: Optional[int], axis: int, norm: Optional[str]) -> tuple:
    a = _arr(a)
    norm = "backward" if norm is None else norm
    if norm not in _NORMS:
        raise ValueError(f"fft: norm must be one of {_NORMS}, got {norm!r}")
    nd = len(_shape(a))
    ax = _axis(axis, nd)
    return a, ax, norm


def fft(a: Any, n: Optional[int] = None, axis: int = -1, norm: Optional[str] = None) -> Any:
    """One-dimensional DFT (complex output)."""
    a, ax, norm = _prep(a, n, axis, norm)
    n = _shape(a)[ax] if n is None else int(n)
    return P.fft(a, n=n, axis=ax, norm=norm)


def ifft(a: Any, n: Optional[int] = None, axis: int = -1, norm: Optional[str] = None) -> Any:
    """One-dimensional inverse DFT (complex output)."""
    a, ax, norm = _prep(a, n, axis, norm)
    n = _shape(a)[ax] if n is None else int(n)
    return P.ifft(a, n=n, axis=ax, norm=norm)


def rfft(a: Any, n: Optional[int] = None, axis: int = -1, norm: Optional[str] = None) -> Any:
    """DFT of a real input: the n//2 + 1 non-negative frequencies."""
    a, ax, norm = _prep(a, n, axis, norm)
    if _is_complex(a):
        raise TypeError("rfft: the input must be real; use fft for complex input")
    n = _shape(a)[ax] if n is None else int(n)
    return P.rfft(a, n=n, axis=ax, norm=norm)


def irfft(a: Any, n: Optional[int] = None, axis: int = -1, norm: Optional[str] = None) -> Any:
    """Inverse of rfft: a real signal of length n (default 2 * (len - 1))."""
    a, ax, norm = _prep(a, n, axis, norm)
    n = 2 * (_shape(a)[ax] - 1) if n is None else int(n)
    return P.irfft(a, n=n, axis=ax, norm=norm)


_DUAL = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def hfft(a: Any, n: Optional[int] = None, axis: int = -1, norm: Optional[str] = None) -> Any:
    """DFT of a Hermitian-symmetric signal given by its first half: irfft of the conjugate
    with the dual normalisation."""
    _, _, norm = _prep(a, n, axis, norm)
    return irfft(conj(_arr(a)), n, axis, _DUAL[norm])


def ihfft(a: Any, n: Optional[int] = None, axis: int = -1, norm: Optional[str] = None) -> Any:
    """Inverse of hfft: conjugate of rfft with the dual normalisation."""
    _, _, norm = _prep(a, n, axis, norm)
    return conj(rfft(a, n, axis, _DUAL[norm]))


def _axes_and_sizes(a: Any, s: Optional[Sequence[int]], axes: Optional[Sequence[int]]) -> tuple:
    nd = len(_shape(_arr(a)))
    if axes is None:
        axes = list(range(nd - len(s), nd)) if s is not None else list(range(nd))
    axes = [_axis(x, nd) for x in axes]
    sizes = [None] * len(axes) if s is None else list(s)
    if len(sizes) != len(axes):
        raise ValueError(f"fftn: s has {len(sizes)} entries but there are {len(axes)} axes")
    return axes, sizes


def fftn(a: Any, s: Optional[Sequence[int]] = None, axes: Optional[Sequence[int]] = None,
         norm: Optional[str] = None) -> Any:
    """N-dimensional DFT: fft along each axis in turn."""
    axes, sizes = _axes_and_sizes(a, s, axes)
    out = a
    for ax, n in zip(axes, sizes):
        out = fft(out, n, ax, norm)
    return out


def ifftn(a: Any, s: Optional[Sequence[int]] = None, axes: Optional[Sequence[int]] = None,
          norm: Optional[str] = None) -> Any:
    """N-dimensional inverse DFT."""
    axes, sizes = _axes_and_sizes(a, s, axes)
    out = a
    for ax, n in zip(axes, sizes):
        out = ifft(out, n, ax, norm)
    return out


def rfftn(a: Any, s: Optional[Sequence[int]] = None, axes: Optional[Sequence[int]] = None,
          norm: Optional[str] = None) -> Any:
    """N-dimensional DFT of a real input: rfft on the last axis, fft on the others."""
    axes, sizes = _axes_and_sizes(a, s, axes)
    out = rfft(a, sizes[-1], axes[-1], norm)
    for ax, n in zip(axes[:-1], sizes[:-1]):
        out = fft(out, n, ax, norm)
    return out


def irfftn(a: Any, s: Optional[Sequence[int]] = None, axes: Optional[Sequence[int]] = None,
           norm: Optional[str] = None) -> Any:
    """Inverse of rfftn: ifft on all axes but the last, then irfft on the last."""
    axes, sizes = _axes_and_sizes(a, s, axes)
    out = a
    for ax, n in zip(axes[:-1], sizes[:-1]):
        out = ifft(out, n, ax, norm)
    return irfft(out, sizes[-1], axes[-1], norm)


def fft2(a: Any, s: Optional[Sequence[int]] = None, axes: Sequence[int] = (-2, -1),
         norm: Optional[str] = None) -> Any:
    """Two-dimensional DFT."""
    return fftn(a, s, axes, norm)


def ifft2(a: Any, s: Optional[Sequence[int]] = None, axes: Sequence[int] = (-2, -1),
          norm: Optional[str] = None) -> Any:
    """Two-dimensional inverse DFT."""
    return ifftn(a, s, axes, norm)


def rfft2(a: Any, s: Optional[Sequence[int]] = None, axes: Sequence[int] = (-2, -1),
          norm: Optional[str] = None) -> Any:
    """Two-dimensional DFT of a real input."""
    return rfftn(a, s, axes, norm)


def irfft2(a: Any, s: Optional[Sequence[int]] = None, axes: Sequence[int] = (-2, -1),
           norm: Optional[str] = None) -> Any:
    """Inverse of rfft2."""
    return irfftn(a, s, axes, norm)


def fftshift(x: Any, axes: Any = None) -> Any:
    """Zero frequency to the centre (a roll)."""
    x = _arr(x)
    nd = len(_shape(x))
    axes = tuple(range(nd)) if axes is None else ((axes,) if isinstance(axes, int) else axes)
    return roll(x, [_shape(x)[a] // 2 for a in axes], axes)


def ifftshift(x: Any, axes: Any = None) -> Any:
    """Inverse of fftshift."""
    x = _arr(x)
    nd = len(_shape(x))
    axes = tuple(range(nd)) if axes is None else ((axes,) if isinstance(axes, int) else axes)
    return roll(x, [-(_shape(x)[a] // 2) for a in axes], axes)


def fftfreq(n: int, d: float = 1.0) -> _np.ndarray:
    """Sample frequencies of fft (constant)."""
    return _np.fft.fftfreq(n, d)


def rfftfreq(n: int, d: float = 1.0) -> _np.ndarray:
    """Sample frequencies of rfft (constant)."""
    return _np.fft.rfftfreq(n, d)


def __dir__() -> list:
    """Only the NumPy names (not the helpers this module imports)."""
    return sorted(__all__)
