"""Host memory: let NumPy reuse the memory of the last training step instead of faulting in new.

NumPy gets the memory of every array from the C library's ``malloc``. glibc
serves a large request (above a threshold that starts at 128 KiB) with fresh
pages from the operating system and hands them back when the array is freed;
the next step's array of the same size then touches pages the kernel must
fault in and zero, one 4 KiB page at a time. glibc raises that threshold as
it sees large blocks freed, but not for the mix of sizes and threads of a
convnet's step: the keras.io MNIST convnet took about 4,000 page faults per
step, 15-18 ms of kernel time on top of its 75 ms of computing (two cores).

``keep_freed_memory`` tells glibc (``mallopt``) to serve every request from
the memory it keeps (its heap) instead of fresh pages, and to keep freed
memory, up to 1 GiB of it, instead of returning it: as memory allocators of
other frameworks do. The process's peak memory is about the same; it just
stays at that peak between steps.
"""

import ctypes
import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4  # mallopt's parameters, from glibc's malloc.h
KEPT_FREE_MEMORY = 1 << 30  # bytes of freed memory kept before any goes back to the system
# Environment variables by which a user already tells glibc what to do: then we do not.
USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_",
                 "GLIBC_TUNABLES")


def keep_freed_memory():
    """Sets glibc's thresholds as described above; returns whether it did.

    Does nothing (returns False) off Linux, when the C library has no
    ``mallopt`` or refuses the values (musl's accepts none), or when one of
    ``USER_SETTINGS`` is in the environment.
    """
    if not sys.platform.startswith("linux") or any(name in os.environ for name in USER_SETTINGS):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library Python itself runs on
    except (OSError, AttributeError):
        return False
    # No request gets pages of its own (mmap), so every freed block can be reused.
    return bool(mallopt(_M_MMAP_MAX, 0) and mallopt(_M_TRIM_THRESHOLD, KEPT_FREE_MEMORY))
