"""The command line (first version: the tutorial's example through the engine)."""

from __future__ import annotations

import sys
from typing import Optional, Sequence

TUTORIAL = "5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5"


def main(argv: Optional[Sequence[str]] = None) -> int:
    from .tensor import tensor

    x = tensor(2.0, requires_grad=True)
    y = 5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5
    y.backward()
    print(f"f(x)  = {TUTORIAL}")
    print(f"f(2)  = {y.item():g}")
    print(f"f'(2) = {x.grad.item():g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
