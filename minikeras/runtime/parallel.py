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
import queue
import threading

import numpy as np

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # without it BLAS keeps its own threads, and ours do no work
    ThreadpoolController = None

PIECE_BYTES = 1 << 21  # scratch memory per piece: about a core's L2 cache
MATMUL_THREADED = 1 << 25  # multiply-adds above which a matrix product is shared


def cpu_count():
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class _Pool:
    """The worker threads (one per core but the caller's), started at first use."""

    threads = cpu_count() if ThreadpoolController is not None else 1
    jobs = None  # each waiting worker takes the next job put here and works on it
    blas = None  # threadpoolctl's controllers of the BLAS libraries NumPy loaded
    local = threading.local()  # .busy: this thread is already running pieces
    starting = threading.Lock()  # held while the first caller starts the workers


def pieces(count, bytes_each, xp, at_least=1, min_items=1):
    """Slices of ``range(count)`` with about PIECE_BYTES of work each.

    bytes_each: the scratch memory one item (one image, one row) needs.
    at_least: cut into at least this many slices (if there are enough items).
    min_items: but never fewer items than this in a slice (nor fewer than one).
    On a GPU, a single slice holding everything.
    """
    if xp is not np:
        return [slice(0, count)]
    step = min(PIECE_BYTES // max(1, bytes_each), -(-count // at_least))
    step = max(1, min_items, step)
    return [slice(start, min(start + step, count)) for start in range(0, count, step)]


def for_each(function, pieces):
    """Calls ``function(piece)`` for every piece, on all cores; returns None.

    The pieces must be independent: each writes its own part of the output.
    """
    pieces = list(pieces)
    if len(pieces) != 1:
        _Job(pieces, function).run()
    elif _Pool.threads < 2 or getattr(_Pool.local, "busy", False):
        function(pieces[0])
    else:  # nothing to share: run it here, without the cost of a job
        with SingleThreadedBlas():
            function(pieces[0])


def elementwise(function, *arrays, axis=0):
    """Calls ``function(*parts)`` on matching parts of ``arrays`` (slices along ``axis``,
    which they all have, of the same length), on all cores; returns None.

    For elementwise work on big arrays, ``function`` writing its part of the
    output into one of the parts: a pass over a convolution's output runs on
    both cores, a few images at a time. Arrays that fit in one piece
    (PIECE_BYTES together, as an MLP's activations do), and GPU arrays, go in
    one call.
    """
    xp = np if all(isinstance(a, np.ndarray) for a in arrays) else None
    count = arrays[0].shape[axis] if arrays[0].ndim else 0
    if count <= 1:
        function(*arrays)
        return
    bytes_each = sum(a.nbytes for a in arrays) // count
    before = (slice(None),) * axis
    for_each(lambda part: function(*(a[(*before, part)] for a in arrays)),
             pieces(count, bytes_each, xp))


def sum_over(function, pieces, empty=None):
    """The sum of ``function(piece)`` over the pieces, on all cores (``empty`` if there are
    no pieces).

    ``function`` returns a new array, or a tuple of them (then the sums are a
    tuple too). The results are added in the order of the pieces, whichever
    thread computed them: floating-point addition is not associative, so any
    other order would make two runs of the same training differ in the last bits.
    """
    pieces = list(pieces)
    results = [None] * len(pieces)

    def compute(index):
        results[index] = function(pieces[index])

    for_each(compute, range(len(pieces)))
    if not results:
        return empty
    if isinstance(results[0], tuple):
        return tuple(_sum_in_order(column) for column in zip(*results, strict=True))
    return _sum_in_order(results)


def _sum_in_order(values):
    total = values[0]
    for value in values[1:]:
        total += value  # in place for arrays
    return total


def matmul(a, b):
    """a @ b for matrices, shared among the cores by bands of rows of ``a`` or of columns
    of ``b``, whichever the product has more of (a plain a @ b for other arrays)."""
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.ndim == b.ndim == 2):
        return a @ b
    (m, k), n = a.shape, b.shape[1]
    out = np.empty((m, n), dtype=np.result_type(a, b))
    # Threads only for products of a millisecond or so: a smaller one is over before a
    # worker wakes up, and waits for it whenever another program holds the other core.
    bands = min(2 * _Pool.threads, max(m, n) // 64) if m * k * n > MATMUL_THREADED else 1
    band = max(1, -(-max(m, n) // max(1, bands)))
    bands = [slice(start, start + band) for start in range(0, max(m, n), band)]
    if m >= n:
        for_each(lambda rows: _blas_matmul(a[rows], b, out[rows]), bands)
    else:
        for_each(lambda cols: _blas_matmul(a, b[:, cols], out[:, cols]), bands)
    return out


def _blas_matmul(a, b, out):
    """np.matmul into ``out``, without NumPy's 'invalid value' warning: OpenBLAS's kernels
    can raise the processor's invalid-operation flag on finite inputs (numpy/numpy#24067),
    here now and then, depending on the band and the thread. A NaN from an infinite input
    still reaches ``out``."""
    with np.errstate(invalid="ignore"):
        np.matmul(a, b, out=out)


class _Job:
    """Pieces shared by the threads: each takes the next piece until none is left.

    ``function(piece)`` runs on each piece, under the NumPy floating-point
    error settings (``np.errstate``) of the thread that made the job. The
    caller waits for the pieces to be done, not for the threads: a worker that
    a busy core has not even started yet has taken no piece and is not waited for.
    """

    def __init__(self, pieces, function):
        pieces = list(pieces)
        self.queue = iter(pieces)  # a list iterator: threads can share it safely
        self.function, self.left, self.error = function, len(pieces), None
        self.float_errors = np.geterr()
        self.lock, self.done = threading.Lock(), threading.Lock()
        self.done.acquire()  # released when the last piece is done

    def run(self):
        """Runs the pieces on every core; raises the first error a piece raised."""
        nested = getattr(_Pool.local, "busy", False)  # a piece calling us: run in place
        if self.left == 0:
            return
        if nested or _Pool.threads < 2:
            self.work()
        else:
            with SingleThreadedBlas():
                if self.left > 1:
                    for _ in range(_Pool.threads - 1):
                        _jobs().put(self)
                self.work()  # the calling thread takes pieces too
                self.done.acquire()
        if self.error is not None:
            raise self.error

    def work(self):
        was_busy, _Pool.local.busy = getattr(_Pool.local, "busy", False), True
        try:
            with np.errstate(**self.float_errors):
                for piece in self.queue:
                    try:
                        self.function(piece)
                    except BaseException as error:
                        self.error = error
                    finally:
                        self._piece_done()
        finally:
            _Pool.local.busy = was_busy

    def _piece_done(self):
        with self.lock:
            self.left -= 1
            if self.left == 0:
                self.done.release()


def _jobs():
    """The queue of jobs, read by the worker threads (started the first time, once even when
    several threads ask at once)."""
    with _Pool.starting:
        if _Pool.jobs is None:
            jobs = queue.SimpleQueue()
            for number in range(_Pool.threads - 1):
                threading.Thread(target=_serve, args=(jobs,), name=f"minikeras-{number}",
                                 daemon=True).start()
            _Pool.jobs = jobs
    return _Pool.jobs


def _serve(jobs):
    while True:
        jobs.get().work()


class SingleThreadedBlas:
    """BLAS on one thread inside the block (threadpoolctl sets it); the first thread in
    sets it, the last one out restores it. Every op's pieces run inside one; a loop of
    many small ops (a training loop) enters it once around them all, so that they do
    not each pay for setting it and restoring it. Without threadpoolctl, nothing."""

    lock, inside, before = threading.Lock(), 0, None

    def __enter__(self):
        if ThreadpoolController is None:
            return
        cls = SingleThreadedBlas
        with cls.lock:
            if _Pool.blas is None:
                _Pool.blas = ThreadpoolController().select(user_api="blas").lib_controllers
            if cls.inside == 0:
                cls.before = [library.num_threads for library in _Pool.blas]
                for library in _Pool.blas:
                    library.set_num_threads(1)
            cls.inside += 1

    def __exit__(self, *error):
        if ThreadpoolController is None:
            return
        cls = SingleThreadedBlas
        with cls.lock:
            cls.inside -= 1
            if cls.inside == 0:
                for library, threads in zip(_Pool.blas, cls.before, strict=True):
                    library.set_num_threads(threads)
