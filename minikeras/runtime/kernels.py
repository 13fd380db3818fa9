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
``ForEachWeight`` writes the kernel of an optimizer's update of every weight
of a step.
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


class ForEachWeight:
    """An optimizer's elementwise update of many weights in one launch.

    ``operation`` (CUDA C) runs for every element of every weight, reading and
    assigning the locals ``g`` (the gradient), ``w`` (the weight) and one per
    name in ``slots`` (the optimizer's state for that weight, e.g. "m", "v"),
    with the shared ``scalars`` ("T alpha, T epsilon") as parameters. The
    kernel takes the weights as separate arrays: a thread finds its weight by
    comparing its index with the weights' ends, loads the elements, runs the
    operation and stores them back. One kernel per ``WEIGHTS_PER_LAUNCH``
    weights (a launch's parameters must fit in 4 KiB).
    """

    WEIGHTS_PER_LAUNCH = 16

    def __init__(self, name, scalars, slots, operation):
        self.name, self.scalars, self.slots, self.operation = name, scalars, slots, operation
        self._kernels = {}  # number of weights -> Elementwise

    def __call__(self, scalar_values, grads, weights, slots):
        """Updates ``weights`` and ``slots`` (one tuple of arrays per weight, in the order of
        the slot names) in place, from ``grads``; all arrays of one dtype."""
        for start in range(0, len(weights), self.WEIGHTS_PER_LAUNCH):
            chunk = slice(start, start + self.WEIGHTS_PER_LAUNCH)
            self._launch(scalar_values, grads[chunk], weights[chunk], slots[chunk])

    def _launch(self, scalar_values, grads, weights, slots):
        count = len(weights)
        kernel = self._kernels.get(count)
        if kernel is None:
            kernel = self._kernels[count] = self._kernel(count)
        ends = np.cumsum([w.size for w in weights]).tolist()
        outputs = [a for w, s in zip(weights, slots, strict=True) for a in (w, *s)]
        kernel(*scalar_values, *ends, *grads, *outputs, size=ends[-1])

    def _kernel(self, count):
        names = ("w", *self.slots)
        in_params = ", ".join([self.scalars, *(f"int64 end{k}" for k in range(count)),
                               *(f"raw T g{k}" for k in range(count))])
        out_params = ", ".join(f"raw T {n}{k}" for k in range(count) for n in names)
        branches = []
        for k in range(count):
            start = "0" if k == 0 else f"end{k - 1}"
            loads = " ".join(f"T {n} = {n}{k}[j];" for n in names)
            stores = " ".join(f"{n}{k}[j] = {n};" for n in names)
            branches.append(
                f"if (i < end{k}) {{ const ptrdiff_t j = i - {start}; const T g = g{k}[j]; "
                f"{loads} {self.operation} {stores} }}")
        return Elementwise(f"{self.name}_{count}", in_params, out_params,
                           "\nelse ".join(branches))
