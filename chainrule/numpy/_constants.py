"""NumPy's constants and dtypes under their own names (``cnp.pi``, ``cnp.float32``): the
objects themselves, so ``cnp.float32 is np.float32``."""

import numpy as _np

pi = _np.pi
e = _np.e
euler_gamma = _np.euler_gamma
inf = _np.inf
nan = _np.nan
newaxis = None
float16, float32, float64 = _np.float16, _np.float32, _np.float64
complex64, complex128 = _np.complex64, _np.complex128
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, bool_ = _np.uint8, _np.bool_
ndarray = _np.ndarray
dtype = _np.dtype
finfo = _np.finfo
iinfo = _np.iinfo
