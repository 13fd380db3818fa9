"""The device work of each training step, counted on the strict CuPy stand-in.

On a GPU a training step of a small model costs what its host spends
launching kernels and waiting for values, not what the device computes.
``StepCounter`` is a callback that counts, for each step of ``fit``, the
launches, allocations, host reads and host-to-device copies the step makes
(see ``strict_cupy.counting``), so tests can hold them to a budget and
benchmarks can print them, on a machine without a GPU.
"""

import contextlib

from ..callbacks import Callback
from . import strict_cupy


class StepCounter(Callback):
    """Counts the device work of every training step; ``steps`` holds one ``Counts`` each.

    A step's count runs from the start of its batch to the start of the next,
    so it holds the step and the copy of the next batch to the device (the
    epoch's last step holds the end of the epoch too: see ``steady_steps``).
    sites: record the file:line of each event (see ``Counts.where``).
    """

    def __init__(self, sites=False):
        super().__init__()
        self.sites = sites
        self.steps = []
        self._block = None

    def on_train_batch_begin(self, batch, logs=None):
        self._close()
        self._block = contextlib.ExitStack()
        self.steps.append(self._block.enter_context(strict_cupy.counting(self.sites)))

    def on_epoch_end(self, epoch, logs=None):
        self._close()

    def on_train_end(self, logs=None):
        self._close()

    def _close(self):
        if self._block is not None:
            self._block.close()
            self._block = None

    def steady_steps(self):
        """The counts of the steps that are neither the first (which builds the optimizer's
        state) nor the last of an epoch."""
        if len(self.steps) < 3:
            raise ValueError("Train at least 3 steps to count steady ones.")
        return self.steps[1:-1]


def most_per_step(steps):
    """{kind: the largest count of that kind in any of ``steps``}."""
    return {kind: max(getattr(step, kind) for step in steps) for kind in strict_cupy.KINDS}
