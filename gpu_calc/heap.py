"""Keep the C heap's memory between the engine's blocks (glibc only; elsewhere a no-op).

A Monte Carlo run allocates and frees the same few hundred kilobyte arrays for every block
of samples. With glibc's defaults, arrays of that size are mapped and unmapped one by one
or given back to the system when the heap's top is trimmed, and each time the memory comes
back every page of it faults again: on the virtual machines gpucalc is measured on, that
kernel work was a third of a 1,000,000-sample run's CPU time. :func:`keep_freed_memory`
raises glibc's thresholds once per process, so that freed arrays are reused in place.
Memory given back to the heap then stays with the process (up to :data:`TRIM_BYTES`).

It also stops NumPy from asking for transparent huge pages on its large arrays (the samples
kept for the percentiles): with the kernel's default ``defrag=madvise``, each such request
makes the first touch compact memory, which on those machines cost more than the huge pages
saved (a 10,000,000-sample run spent 1.6 s in the kernel with them, 0.6 s without). The
environment variable ``NUMPY_MADVISE_HUGEPAGE``, when set, keeps its meaning.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

import numpy as np

#: Allocations below this size come from the heap, not from their own mapping. [B]
MMAP_THRESHOLD_BYTES = 64 << 20
#: Free memory at the heap's top kept rather than given back to the system. [B]
TRIM_BYTES = 256 << 20
#: Extra memory asked of the system each time the heap grows. [B]
TOP_PAD_BYTES = 16 << 20

# mallopt parameters, from glibc's malloc.h
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

_done = False


def keep_freed_memory() -> bool:
    """Set glibc's malloc thresholds once per process; True when they were set (False on
    another C library or platform, where nothing changes)."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    if "NUMPY_MADVISE_HUGEPAGE" not in os.environ:
        multiarray = getattr(getattr(np, "_core", None), "multiarray", None)
        no_huge_pages = getattr(multiarray, "_set_madvise_hugepage", None)
        if no_huge_pages is not None:
            no_huge_pages(False)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = all(
        mallopt(param, value) == 1
        for param, value in (
            (_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES),
            (_M_TRIM_THRESHOLD, TRIM_BYTES),
            (_M_TOP_PAD, TOP_PAD_BYTES),
        )
    )
    _done = ok
    return ok
