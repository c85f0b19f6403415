"""Keep numpy's BLAS to one thread.

The matrices here are small (tens of units, hundreds of examples). Multi-threaded OpenBLAS
gains little on them and loses badly when the cores are busy, as on a server shared by a
class: measured on 2 cores with other work running, one forward+backward pass of a 30-layer
net took 1.67 s with OpenBLAS's default threads and 0.11 s with one thread.

``limit_blas_threads`` finds the OpenBLAS library numpy loaded (as threadpoolctl does) and
calls its ``*_set_num_threads``; where there is no OpenBLAS it does nothing.
"""

from __future__ import annotations

import ctypes
import os

_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def _loaded_openblas() -> list[str]:
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()}
    except OSError:
        return []
    return sorted(p for p in paths if os.path.isfile(p))


def limit_blas_threads(n: int = 1) -> bool:
    """Set OpenBLAS to ``n`` threads; True if a library was found and set."""
    import numpy  # noqa: F401  (make sure numpy's BLAS is loaded)

    done = False
    for path in _loaded_openblas():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            fn = getattr(lib, name, None)
            if fn is not None:
                fn(ctypes.c_int(int(n)))
                done = True
                break
    return done
