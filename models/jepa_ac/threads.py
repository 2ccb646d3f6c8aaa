"""One thread count for torch and for the BLAS library torch calls.

Debian's torch does its matrix products in the system BLAS (OpenBLAS, pthread build), which keeps
its own pool of threads: `torch.set_num_threads(1)` leaves OpenBLAS running every GEMM on all
cores. A run told to use one thread then takes two (measured: 47 s of user time in 30 s of wall
time), and two "one-thread" runs side by side fight over the cores. `use_threads` sets both.
"""

from __future__ import annotations

import ctypes
from typing import Dict, List, Optional

import torch

SETTER = "openblas_set_num_threads"
GETTER = "openblas_get_num_threads"


def blas_libraries() -> List[str]:
    """Paths of the loaded shared libraries that export OpenBLAS's thread setter."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            paths = sorted({line.split()[-1] for line in f if ".so" in line and "blas" in line.split()[-1].rsplit("/", 1)[-1]})
    except OSError:
        return []
    found = []
    for path in paths:
        try:
            if hasattr(ctypes.CDLL(path), SETTER):
                found.append(path)
        except OSError:
            continue
    return found


def blas_threads(paths: Optional[List[str]] = None) -> Dict[str, int]:
    """Thread count of each loaded OpenBLAS (of `paths`, default all found; {} where torch uses another BLAS)."""
    return {path: int(getattr(ctypes.CDLL(path), GETTER)()) for path in (blas_libraries() if paths is None else paths)}


def use_threads(count: int) -> Dict[str, int]:
    """torch's intra-op threads and every loaded OpenBLAS's threads set to `count` (> 0);
    returns the BLAS libraries' counts after the change."""
    if count < 1:
        raise ValueError(f"thread count must be at least 1, got {count}")
    torch.set_num_threads(count)
    paths = blas_libraries()
    for path in paths:
        getattr(ctypes.CDLL(path), SETTER)(ctypes.c_int(count))
    return blas_threads(paths)
