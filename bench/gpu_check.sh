#!/usr/bin/env bash
# The GPU checks of docs/backends.md, on a machine with one NVIDIA GPU and CuPy (and, for the
# comparison row, a CUDA build of PyTorch): the CuPy tests, then W3 at 10^8 elements on the
# GPU against PyTorch CUDA. Under 5 minutes. Not run in CI (no GPU there).
set -euo pipefail
cd "$(dirname "$0")/.."
python -c "import cupy; print('cupy', cupy.__version__, 'devices:', cupy.cuda.runtime.getDeviceCount())"
timeout 240 python -m pytest -q -p no:cacheprovider tests/test_backend_cupy.py
timeout 60 python bench/bench_backends.py --gpu-only --gpu-elements 100000000
