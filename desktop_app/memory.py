"""Have glibc give freed model-sized blocks back to the system at once.

glibc serves a block of 128 KB or more from its own mapping and unmaps it on free, but after the first such
free it raises that threshold to the freed block's size (up to 32 MB), so later tensors of a few MB come from
the heap and stay in the process after they are freed. Loading a model frees a lot: the file's float16
tensors, the float original beside the inference copy, the model a new choice replaces. In the app that kept
180-300 MB that no tensor used (issue 40; docs/experiments/2026-12-06-whisper.md, "Memory, cut"). A fixed
threshold of 256 KB keeps every weight matrix and feature window in its own mapping, returned when freed;
decoding's small per-token tensors stay on the heap, and the measured decoding speed did not change.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h
MMAP_THRESHOLD_BYTES = 256 * 1024


@cache
def _glibc() -> ctypes.CDLL | None:
    """glibc, or None on another C library (macOS, Windows, musl), where these calls are skipped."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it
    except (OSError, AttributeError):
        return None
    return libc


def return_freed_blocks(threshold_bytes: int = MMAP_THRESHOLD_BYTES) -> bool:
    """For the rest of the process: blocks of threshold_bytes or more get their own mapping, unmapped when
    freed (this also stops glibc raising the threshold). Call it before the first model loads; calling it
    again does no harm. True where it took effect (glibc)."""
    libc = _glibc()
    return libc is not None and libc.mallopt(M_MMAP_THRESHOLD, threshold_bytes) == 1


def release_free_memory() -> bool:
    """Hand what the heaps hold free back to the system now (glibc's malloc_trim; milliseconds). True where
    something was released."""
    libc = _glibc()
    return libc is not None and libc.malloc_trim(0) == 1


def resident_mb() -> float:
    """This process's resident set size in MB (Linux: torch's and Qt's native memory included); 0 elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
