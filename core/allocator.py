"""Keep freed memory inside the process (glibc only), so repeated large tensors do not cost page faults.

Why: glibc serves every allocation above its mmap threshold (128 kB to 32 MB) with a fresh ``mmap`` and returns
it with ``munmap`` when freed, so each training step or tracked frame that allocates the same large activations
again gets zero-filled pages from the kernel again. On the development machine that was half of a DCF training's
CPU time (15 steps of configs/dcf_ien.yaml: 16.1 s user + 13.5 s system; with this: 15.7 s + 1.0 s). Turning
mmap off for the heap and never trimming it keeps the pages for reuse; the process's resident memory then stays
at its peak, which is what a training or a tracker needs anyway.

Set ``IENTRACK_KEEP_FREED_MEMORY=0`` to leave glibc's defaults. Elsewhere (macOS, Windows, musl) it does nothing.
"""
import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX = -1, -2, -4
TOP_PAD = 256 << 20  # grow the heap in 256 MB steps: fewer brk calls while a run's first steps build it up


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to serve large blocks from the heap and keep freed memory; True when it took effect."""
    if os.environ.get("IENTRACK_KEEP_FREED_MEMORY", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_MAX, 0) and mallopt(M_TRIM_THRESHOLD, 2 ** 31 - 1) and mallopt(M_TOP_PAD, TOP_PAD))
