"""Spreading an op's work over the CPU's cores, in cache-sized pieces.

NumPy releases the GIL while it copies arrays and while BLAS multiplies
matrices, so Python threads really do compute at the same time. An op that
can cut its work into independent pieces (a few images of the batch, a band
of rows of a matrix product) hands them to ``for_each`` or ``sum_over``: one
thread per core draws pieces from a shared list until none is left, so when
another program keeps a core busy, the other threads simply take more pieces.

Small pieces also keep each piece's scratch arrays (an im2col matrix, say)
in the core's cache instead of streaming a huge matrix through memory.

Meanwhile BLAS runs single-threaded: its own threads would compete with ours
for the cores, and they wait for each other at every call, which costs a
scheduler time slice whenever a core is busy elsewhere.

On a GPU (CuPy arrays) there is a single piece, the whole batch: the device
parallelizes every kernel by itself.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # without it BLAS keeps its own threads, and ours do no work
    ThreadpoolController = None

PIECE_BYTES = 1 << 20  # scratch memory per piece: about half a core's L2 cache


def cpu_count():
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class _Pool:
    """The worker threads (one per core but the caller's), created at first use."""

    threads = cpu_count() if ThreadpoolController is not None else 1
    executor = None
    blas = None
    local = threading.local()  # .busy: this thread is already running pieces


def pieces(count, bytes_each, xp):
    """Slices of ``range(count)`` with about PIECE_BYTES of work each (at least one item).

    bytes_each: the scratch memory one item (one image, one row) needs.
    On a GPU, a single slice holding everything.
    """
    if xp is not np:
        return [slice(0, count)]
    step = max(1, PIECE_BYTES // max(1, bytes_each))
    return [slice(start, min(start + step, count)) for start in range(0, count, step)]


def for_each(function, pieces):
    """Calls ``function(piece)`` for every piece, on all cores; returns None.

    The pieces must be independent: each writes its own part of the output.
    """
    _run(lambda piece, _: function(piece), pieces)


def sum_over(function, pieces):
    """The sum of ``function(piece)`` (arrays of one shape) over the pieces, on all cores.

    Each thread adds up the results of the pieces it took; then the
    threads' totals are added. ``function`` must return a new array.
    """
    totals = [total for total in _run(_add, pieces, function) if total is not None]
    result = totals[0]
    for total in totals[1:]:
        result += total
    return result


def _add(piece, total, function):
    part = function(piece)
    if total is None:
        return part
    total += part
    return total


def _run(step, pieces, *arguments):
    """Runs ``total = step(piece, total, *arguments)`` over the pieces in every thread.

    Returns each thread's final ``total``.
    """
    pieces = list(pieces)
    queue = iter(pieces)  # a list iterator: threads can share it safely

    def work():
        total = None
        for piece in queue:
            total = step(piece, total, *arguments)
        return total

    if len(pieces) < 2 or _Pool.threads < 2 or getattr(_Pool.local, "busy", False):
        return [work()]
    with _single_threaded_blas():
        futures = [_executor().submit(_as_worker, work) for _ in range(_Pool.threads - 1)]
        mine = _as_worker(work)  # the calling thread takes pieces too
        return [mine, *(future.result() for future in futures)]


def _as_worker(work):
    _Pool.local.busy = True  # a piece that calls for_each again runs it in place
    try:
        return work()
    finally:
        _Pool.local.busy = False


def _executor():
    if _Pool.executor is None:
        _Pool.executor = ThreadPoolExecutor(_Pool.threads - 1, thread_name_prefix="minikeras")
    return _Pool.executor


def _single_threaded_blas():
    if _Pool.blas is None:
        _Pool.blas = ThreadpoolController()
    return _Pool.blas.limit(limits=1, user_api="blas")
