"""Custom device kernels: several array operations in one launch, on a GPU only.

On a GPU every array operation is a kernel launch costing the host tens of
microseconds, far more than a small model's arithmetic takes on the device.
An op whose chain of operations the step repeats (softmax, cross-entropy, a
bias and a ReLU, an optimizer's update...) writes the chain once more as a
CUDA kernel, CuPy's ``ElementwiseKernel`` or ``ReductionKernel``, and uses it
when its arrays are on the device; on NumPy it runs its plain code. The
strict CuPy stand-in runs the kernels' C on NumPy (``testing.kernel_emulator``),
so the tests compare each kernel with the NumPy code without a GPU.

A kernel is defined once, at import, from its source; it is compiled for an
array module the first time it is called with that module's arrays.
"""

import numpy as np

from ..backend import get_array_module


def on_device(xp):
    """Whether ``xp`` is a device module that runs custom kernels (CuPy or its stand-in)."""
    return xp is not np and hasattr(xp, "ElementwiseKernel")


class _Kernel:
    def __init__(self, name):
        self.name = name
        self._compiled = {}  # array module -> its kernel

    def compiled(self, arrays):
        xp = get_array_module(*arrays)
        if not on_device(xp):
            raise TypeError(f"The device kernel {self.name} was called without device arrays.")
        kernel = self._compiled.get(xp)
        if kernel is None:
            kernel = self._compiled[xp] = self.compile(xp)
        return kernel


class Elementwise(_Kernel):
    """An ElementwiseKernel: ``operation`` (CUDA C) runs once per index ``i``.

    in_params, out_params: CuPy's parameter lists ("T x, raw T y, float32 rate").
    Call it as CuPy's: ``kernel(*inputs[, *outputs], size=None)``; outputs not
    given are allocated, outputs given are updated in place.
    """

    def __init__(self, name, in_params, out_params, operation):
        super().__init__(name)
        self.source = (in_params, out_params, operation)

    def compile(self, xp):
        return xp.ElementwiseKernel(*self.source, name=self.name)

    def __call__(self, *arguments, size=None):
        return self.compiled(arguments)(*arguments, size=size)


class Reduction(_Kernel):
    """A ReductionKernel: ``map_expr`` of each element, folded by ``reduce_expr`` ("a + b")
    from ``identity`` in ``reduce_type``, then ``post_map_expr`` writes each output.

    Call it as CuPy's: ``kernel(*inputs, axis=None, keepdims=False, out=None)``.
    """

    def __init__(self, name, in_params, out_params, map_expr, reduce_expr, post_map_expr,
                 identity, reduce_type):
        super().__init__(name)
        self.source = (in_params, out_params, map_expr, reduce_expr, post_map_expr, identity)
        self.reduce_type = reduce_type

    def compile(self, xp):
        return xp.ReductionKernel(*self.source, name=self.name, reduce_type=self.reduce_type)

    def __call__(self, *arguments, axis=None, keepdims=False, out=None):
        return self.compiled(arguments)(*arguments, axis=axis, keepdims=keepdims, out=out)
