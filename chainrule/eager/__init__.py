"""The eager layer: :class:`Tensor`, PyTorch's tensor style on NumPy arrays, recording each
operation for ``backward()``.

(The folder is not called ``tensor`` because ``chainrule.tensor`` is the constructor function, as
``torch.tensor`` is; a module of the same name would be shadowed by it.)
"""

from .tensor import Tensor, as_tensor, tensor

__all__ = ["Tensor", "tensor", "as_tensor"]
