"""The named methods every tracer shares: shapes, casts, elementary functions and reductions,
in NumPy's spelling and PyTorch's (``x.sum(axis=0)``, ``x.sum(dim=0)``, ``x.view(2, 3)``,
``x.max(0)``), each a call of a row of the table. :class:`~chainrule.ops.methods.ArrayOps`
(operators, NumPy's protocols, conversions) builds on :class:`NamedMethods`.
"""

from __future__ import annotations


import numpy as np

from ..core import Tracer, numpy_reads, dtype_of, normalize_axes, shape_of
from .. import ops as P   # the package, mid-import: every row is bound before this file loads
from .readings import _Size, _abs, _axis, _both, _cast, _cnp, _extreme, _is_int, _keep, _needed, _one, _pieces, _sizes, _special, _spread, mean, relu, sigmoid

__all__ = ["NamedMethods"]


class NamedMethods(Tracer):
    """The named methods of :class:`~chainrule.ops.methods.ArrayOps` (read there)."""

    __slots__ = ()

    # shape: NumPy's names and PyTorch's ---------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.shape)

    def dim(self) -> int:
        """The number of dimensions (PyTorch's name for ``ndim``)."""
        return len(self.shape)

    @property
    def size(self) -> "_Size":
        """The number of elements, an int as NumPy's ``a.size``; calling it gives PyTorch's
        ``t.size()`` (the shape) and ``t.size(dim)`` (one dimension's length)."""
        return _Size(self.shape)

    def numel(self) -> int:
        """The number of elements (PyTorch's name)."""
        return int(_Size(self.shape))

    nelement = numel

    @property
    def T(self):
        return P.transpose(self)

    @property
    def mT(self):  # noqa: N802 (PyTorch's name)
        """The last two dimensions swapped (a batch of matrices transposed)."""
        if len(shape_of(self)) < 2:
            raise ValueError(f"mT needs at least 2 dimensions, got shape {shape_of(self)}; "
                             "use .T or leave it out for a vector")
        return _cnp().swapaxes(self, -2, -1)

    def reshape(self, *shape):
        """The same elements in a new shape: ``x.reshape(2, 3)`` or ``x.reshape((2, 3))``;
        one size may be -1."""
        return P.reshape(self, shape=_sizes(shape))

    def view(self, *shape):
        """PyTorch's ``view``: the same as ``reshape`` (chainrule never aliases storage, so an
        in-place change of the result does not reach this tensor)."""
        if len(shape) == 1 and isinstance(shape[0], (type, np.dtype, str)):
            raise TypeError(f"view({shape[0]!r}) reinterprets the bits as another dtype, which "
                            "chainrule does not do; use astype() to convert the values")
        return P.reshape(self, shape=_sizes(shape))

    def view_as(self, other):
        """Reshaped to ``other``'s shape."""
        return P.reshape(self, shape=shape_of(other))

    reshape_as = view_as

    def transpose(self, *dims, axes=None, dim0=None, dim1=None):
        """Two ints swap those two dimensions, as PyTorch (``x.transpose(0, 1)``); a tuple, a
        permutation of all axes, or nothing (reverse them) is NumPy's reading."""
        if dim0 is not None or dim1 is not None:
            if dims or axes is not None or dim0 is None or dim1 is None:
                raise TypeError("transpose(dim0=, dim1=) takes exactly the two dimensions to "
                                "swap and nothing else")
            dims = (dim0, dim1)
        if axes is not None:
            if dims:
                raise TypeError("transpose() got axes= and positional dimensions; pass one")
            return P.transpose(self, axes=tuple(axes))
        if len(dims) == 1 and (dims[0] is None or isinstance(dims[0], (tuple, list))):
            return P.transpose(self, axes=None if dims[0] is None else tuple(dims[0]))
        if len(dims) == 2 and all(_is_int(d) for d in dims) and not numpy_reads(self):
            # PyTorch's reading, even on 2-D input where NumPy's would be a permutation:
            # x.transpose(0, 1) swaps, it never silently returns x.
            return _cnp().swapaxes(self, int(dims[0]), int(dims[1]))
        return P.transpose(self, axes=tuple(dims) if dims else None)

    def permute(self, *dims):
        """The dimensions reordered: ``x.permute(2, 0, 1)`` or ``x.permute((2, 0, 1))``."""
        dims = _sizes(dims)
        shape = shape_of(self)
        nd = len(shape)
        if sorted(d % nd if nd else d for d in dims) != list(range(nd)) or \
                not all(-nd <= d < nd for d in dims):
            raise ValueError(f"permute{dims}: not a permutation of the {nd} dimensions of a "
                             f"tensor of shape {shape}; name each of 0..{nd - 1} once")
        return P.transpose(self, axes=dims)

    def t(self):
        """A matrix transposed (PyTorch's ``t()``): at most 2 dimensions."""
        shape = shape_of(self)
        if len(shape) > 2:
            raise ValueError(f"t() transposes tensors of at most 2 dimensions, got shape "
                             f"{shape}; use transpose(d0, d1), permute(...) or mT")
        return P.transpose(self)

    def unsqueeze(self, dim):
        """A length-1 dimension inserted at ``dim``."""
        return _cnp().expand_dims(self, dim)

    def squeeze(self, dim=None, *, axis=None):
        """Length-1 dimensions removed. ``squeeze(dim)`` leaves a dimension whose length is not
        1 as it is (PyTorch); ``squeeze(axis=...)`` raises for one (NumPy)."""
        cnp = _cnp()
        if axis is not None:
            if dim is not None:
                raise TypeError(_both("squeeze", "axis", "dim"))
            return cnp.squeeze(self, axis)
        if dim is None:
            return cnp.squeeze(self)
        shape = shape_of(self)
        return cnp.squeeze(self, tuple(d for d in normalize_axes(dim, len(shape))
                                       if shape[d] == 1))

    def expand(self, *sizes):
        """Broadcast to ``sizes`` (PyTorch's ``expand``): -1 keeps a dimension's length, new
        dimensions go in front."""
        sizes = _sizes(sizes)
        shape = shape_of(self)
        new = len(sizes) - len(shape)
        if new < 0:
            raise ValueError(f"expand{sizes}: {len(sizes)} sizes for a tensor of shape {shape}; "
                             "give at least one size per dimension (-1 keeps one)")
        target = []
        for i, n in enumerate(sizes):
            if n == -1:
                if i < new:
                    raise ValueError(f"expand{sizes}: -1 for the new leading dimension {i}; "
                                     "give its length")
                n = shape[i - new]
            elif i >= new and shape[i - new] not in (1, n):
                raise ValueError(f"expand{sizes}: dimension {i} has length {shape[i - new]}, "
                                 f"which cannot become {n}; only length-1 dimensions expand")
            target.append(n)
        return P.broadcast_to(self, shape=tuple(target))

    def expand_as(self, other):
        """Broadcast to ``other``'s shape."""
        return P.broadcast_to(self, shape=shape_of(other))

    def broadcast_to(self, shape): return P.broadcast_to(self, shape=tuple(shape))

    def flatten(self, start_dim=0, end_dim=-1):
        """Dimensions ``start_dim..end_dim`` merged into one (all of them by default, as
        NumPy's ``flatten()``; NumPy's ``order`` 'C'/'F' is accepted in place of start_dim)."""
        shape = shape_of(self)
        if isinstance(start_dim, str):
            if start_dim not in "CFAK" or len(start_dim) != 1:
                raise ValueError(f"flatten(order={start_dim!r}): order is 'C', 'F', 'A' or 'K'")
            x = P.transpose(self) if start_dim == "F" else self
            return P.reshape(x, shape=(-1,))
        if not shape:
            return P.reshape(self, shape=(1,))
        nd = len(shape)
        s, e = _axis(start_dim, nd), _axis(end_dim, nd)
        if s > e:
            raise ValueError(f"flatten(start_dim={start_dim}, end_dim={end_dim}): start_dim "
                             "comes after end_dim; pass them in order")
        merged = 1
        for n in shape[s:e + 1]:
            merged *= n
        return P.reshape(self, shape=shape[:s] + (merged,) + shape[e + 1:])

    def repeat(self, *sizes, axis=None):
        """PyTorch's ``repeat``: the whole tensor tiled, one count per dimension
        (``x.repeat(2, 1)``). With ``axis=`` it is NumPy's element repeat (as ``np.repeat``)."""
        cnp = _cnp()
        if numpy_reads(self) and axis is None:   # NumPy code: ndarray.repeat(n, axis)
            if not 1 <= len(sizes) <= 2:
                raise TypeError(f"repeat{sizes}: NumPy's ndarray.repeat takes repeats and an "
                                "optional axis")
            return cnp.repeat(self, *sizes)
        if axis is not None:
            if len(sizes) != 1:
                raise TypeError("repeat(n, axis=) is NumPy's element repeat: it takes one count "
                                "(an int or one per element) and the axis")
            return cnp.repeat(self, sizes[0], axis=axis)
        sizes = _sizes(sizes)
        shape = shape_of(self)
        if len(sizes) < len(shape):
            raise ValueError(
                f"repeat{sizes}: the number of repeat counts ({len(sizes)}) can not be smaller "
                f"than the number of dimensions of the tensor ({len(shape)}): repeat tiles the "
                "whole tensor, as PyTorch's. To repeat each element (NumPy's ndarray.repeat), "
                "use np.repeat(t, n) or t.repeat(n, axis=...)")
        return cnp.tile(self, sizes)

    def repeat_interleave(self, repeats, dim=None):
        """Each element repeated (NumPy's ``repeat``; flattened first when ``dim`` is None)."""
        return _cnp().repeat(self, repeats, axis=dim)

    def tile(self, *dims):
        """The whole tensor tiled (``np.tile``); fewer counts than dimensions pad with 1s."""
        return _cnp().tile(self, _sizes(dims))

    def flip(self, *dims):
        """Element order reversed along ``dims``."""
        return _cnp().flip(self, axis=_sizes(dims))

    def split(self, split_size_or_sections, dim=0):
        """PyTorch's ``split``: pieces of ``split_size`` along ``dim`` (the last one shorter),
        or pieces of the given lengths. (``np.split(x, n)`` is NumPy's: n equal pieces.)"""
        n = shape_of(self)[_axis(dim, len(shape_of(self)))]
        if _is_int(split_size_or_sections):
            step = int(split_size_or_sections)
            if step <= 0:
                raise ValueError(f"split({step}): the piece length must be positive")
            sizes = [min(step, n - i) for i in range(0, n, step)] or [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n:
                raise ValueError(f"split({sizes}): the lengths add up to {sum(sizes)} but "
                                 f"dimension {dim} has length {n}; give lengths adding up to {n}")
        return _pieces(self, sizes, dim)

    def chunk(self, chunks, dim=0):
        """At most ``chunks`` pieces of equal length along ``dim`` (the last one shorter)."""
        n = shape_of(self)[_axis(dim, len(shape_of(self)))]
        if not _is_int(chunks) or chunks <= 0:
            raise ValueError(f"chunk({chunks!r}): the number of pieces must be a positive int")
        step = -(-n // int(chunks)) if n else 1
        return _pieces(self, [min(step, n - i) for i in range(0, n, step)] or [0], dim)

    def contiguous(self):
        """The tensor itself: chainrule's values are always laid out contiguously enough."""
        return self

    def astype(self, dtype): return _cast(self, dtype)

    def type_as(self, other):
        """Converted to ``other``'s dtype."""
        return _cast(self, dtype_of(other))

    def to(self, *args, dtype=None, **kwargs):
        """Converted to a dtype (``x.to(cr.float64)``, ``x.to(other)``); devices other than
        'cpu' do not exist here."""
        for a in args:
            if isinstance(a, NamedMethods):
                dtype = a.dtype
            elif isinstance(a, str) and a.split(":")[0] == "cpu":
                continue
            else:
                try:
                    dtype = np.dtype(a)
                except TypeError:
                    raise TypeError(f"to({a!r}): chainrule runs on the CPU only; pass a dtype, "
                                    "a tensor or 'cpu'") from None
        kwargs.pop("copy", None)
        kwargs.pop("non_blocking", None)
        device = kwargs.pop("device", "cpu")
        if kwargs or (device is not None and str(device).split(":")[0] != "cpu"):
            raise TypeError(f"to(): chainrule runs on the CPU only and takes a dtype; got "
                            f"{', '.join(sorted(kwargs)) or 'device=' + repr(device)}")
        return self if dtype is None or np.dtype(dtype) == self.dtype else _cast(self, dtype)

    # elementwise methods -----------------------------------------------------------------
    def exp(self): return P.exp(self)
    def log(self): return P.log(self)
    def sin(self): return P.sin(self)
    def cos(self): return P.cos(self)
    def tan(self): return P.tan(self)
    def tanh(self): return P.tanh(self)
    def sqrt(self): return P.sqrt(self)
    def abs(self): return _abs(self)
    def sign(self): return P.sign(self)
    def neg(self): return P.neg(self)
    def pow(self, o): return P.pow(self, o)
    def maximum(self, o): return P.maximum(self, o)
    def minimum(self, o): return P.minimum(self, o)
    def relu(self): return relu(self)
    def sigmoid(self): return sigmoid(self)
    def square(self): return self * self
    def matmul(self, o): return P.matmul(self, o)
    def dot(self, o): return P.matmul(self, o)

    def add(self, other, *, alpha=1):
        """``self + alpha * other``."""
        return P.add(self, other if alpha == 1 else P.mul(alpha, other))

    def sub(self, other, *, alpha=1):
        """``self - alpha * other``."""
        return P.sub(self, other if alpha == 1 else P.mul(alpha, other))

    def mul(self, other): return P.mul(self, other)

    def div(self, other, *, rounding_mode=None):
        """``self / other``; ``rounding_mode`` 'floor' or 'trunc' rounds the quotient."""
        q = P.div(self, other)
        if rounding_mode is None:
            return q
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div(rounding_mode={rounding_mode!r}): use None, 'floor' or "
                             "'trunc'")
        return getattr(_cnp(), rounding_mode)(q)

    multiply, subtract, divide = mul, sub, div

    def clamp(self, min=None, max=None):  # noqa: A002 (PyTorch's and NumPy's names)
        """Values limited to [min, max] (either may be left out); at a bound the gradient goes
        to the input, as PyTorch's clamp."""
        return _cnp().clip(self, min=min, max=max)

    clip = clamp

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` is true, this tensor elsewhere (its dtype kept)."""
        out = P.where(mask, value, self)
        return out if dtype_of(out) == dtype_of(self) else \
            P.cast(out, dtype=dtype_of(self))

    # reductions: NumPy's axis=/keepdims= and PyTorch's dim=/keepdim= ---------------------
    def sum(self, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):
        x = self if dtype is None else P.cast(self, dtype=np.dtype(dtype))
        return P.sum(x, axis=_one("sum", "axis", axis, "dim", dim, None),
                    keepdims=_keep("sum", keepdims, keepdim))

    def mean(self, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):
        x = self if dtype is None else P.cast(self, dtype=np.dtype(dtype))
        return mean(x, axis=_one("mean", "axis", axis, "dim", dim, None),
                    keepdims=_keep("mean", keepdims, keepdim))

    def prod(self, axis=None, keepdims=None, *, dim=None, keepdim=None, dtype=None):
        x = self if dtype is None else P.cast(self, dtype=np.dtype(dtype))
        return _cnp().prod(x, axis=_one("prod", "axis", axis, "dim", dim, None),
                           keepdims=_keep("prod", keepdims, keepdim))

    def max(self, *args, axis=None, keepdims=None, dim=None, keepdim=None):
        """``x.max()``: the largest element. ``x.max(dim)`` (PyTorch): ``(values, indices)``
        along ``dim``; ``x.max(axis=...)`` (NumPy): the values only; ``x.max(other)``: the
        elementwise maximum."""
        return _extreme(self, "max", args, axis, keepdims, dim, keepdim)

    def min(self, *args, axis=None, keepdims=None, dim=None, keepdim=None):
        """As :meth:`max`, for the smallest elements."""
        return _extreme(self, "min", args, axis, keepdims, dim, keepdim)

    def amax(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        """The largest values along ``dim`` (ties share the gradient)."""
        return P.amax(self, axis=_one("amax", "axis", axis, "dim", dim, None),
                    keepdims=_keep("amax", keepdims, keepdim))

    def amin(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        """The smallest values along ``dim`` (ties share the gradient)."""
        return P.amin(self, axis=_one("amin", "axis", axis, "dim", dim, None),
                    keepdims=_keep("amin", keepdims, keepdim))

    def argmax(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        return _cnp().argmax(self, axis=_one("argmax", "axis", axis, "dim", dim, None),
                             keepdims=_keep("argmax", keepdims, keepdim))

    def argmin(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        return _cnp().argmin(self, axis=_one("argmin", "axis", axis, "dim", dim, None),
                             keepdims=_keep("argmin", keepdims, keepdim))

    def var(self, *args, axis=None, ddof=None, keepdims=None, dim=None, unbiased=None,
            correction=None, keepdim=None):
        """Variance. PyTorch's spelling (``x.var()``, ``x.var(dim)``, ``dim=``) divides by
        N - 1 as PyTorch does; NumPy's (``axis=``, ``keepdims=``) by N as NumPy does;
        ``ddof=``, ``correction=`` or ``unbiased=`` say it outright."""
        return _spread(self, "var", args, axis, ddof, keepdims, dim, unbiased, correction,
                       keepdim)

    def std(self, *args, axis=None, ddof=None, keepdims=None, dim=None, unbiased=None,
            correction=None, keepdim=None):
        """Standard deviation, with :meth:`var`'s reading of N - 1 or N."""
        return _spread(self, "std", args, axis, ddof, keepdims, dim, unbiased, correction,
                       keepdim)

    def cumsum(self, axis=None, dtype=None, *, dim=None):
        x = self if dtype is None else P.cast(self, dtype=np.dtype(dtype))
        return _cnp().cumsum(x, axis=_one("cumsum", "axis", axis, "dim", dim, None))

    def cumprod(self, axis=None, dtype=None, *, dim=None):
        x = self if dtype is None else P.cast(self, dtype=np.dtype(dtype))
        return _cnp().cumprod(x, axis=_one("cumprod", "axis", axis, "dim", dim, None))

    def all(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        """Whether all elements are true (a NumPy value: no gradient)."""
        return _cnp().all(self, axis=_one("all", "axis", axis, "dim", dim, None),
                          keepdims=_keep("all", keepdims, keepdim))

    def any(self, axis=None, keepdims=None, *, dim=None, keepdim=None):
        """Whether any element is true (a NumPy value: no gradient)."""
        return _cnp().any(self, axis=_one("any", "axis", axis, "dim", dim, None),
                          keepdims=_keep("any", keepdims, keepdim))

    def logsumexp(self, dim=None, keepdim=None, *, axis=None, keepdims=None):
        """log(sum(exp(x))) along ``dim``, computed stably."""
        return _special().logsumexp(self, axis=_one("logsumexp", "axis", axis, "dim", dim, None),
                                keepdims=_keep("logsumexp", keepdims, keepdim))

    def softmax(self, dim=None, *, axis=None):
        """exp(x) / sum(exp(x)) along ``dim`` (which must be given, as in PyTorch)."""
        return _special().softmax(self, axis=_needed("softmax", axis, dim))

    def log_softmax(self, dim=None, *, axis=None):
        """log(softmax(x)) along ``dim``, computed stably."""
        return _special().log_softmax(self, axis=_needed("log_softmax", axis, dim))

    def norm(self, p="fro", dim=None, keepdim=False):
        """PyTorch's ``norm``: the p-norm of the elements along ``dim`` (all of them when None,
        whatever the shape: not NumPy's matrix norms); p='nuc' is the nuclear norm."""
        linalg = _cnp().linalg
        if p == "nuc":
            return linalg.matrix_norm(self, "nuc", keepdims=keepdim)
        return linalg.vector_norm(self, 2 if p in ("fro", None) else p, axis=dim,
                                  keepdims=keepdim)

    # conversions by PyTorch's names: defined last, as `int`, `float` and `bool` would shadow
    # the builtins for the rest of the class body.
    def double(self): return _cast(self, np.float64)
    def half(self): return _cast(self, np.float16)
    def long(self): return _cast(self, np.int64)
    def short(self): return _cast(self, np.int16)
    def float(self): return _cast(self, np.float32)
    def int(self): return _cast(self, np.int32)
    def bool(self): return _cast(self, np.bool_)
