"""The fast twins of the plain ops: the same mathematics, computed the way a CPU likes it.

Each class here computes exactly what a plain op in ``minikeras/ops`` computes
(its docstring says which) and is tested against it, forward and backward.
They are faster because they work on cache-sized pieces of the batch on every
core (``minikeras.runtime.parallel``, imported by this package and no other
op), write into preallocated arrays (``out=``), fuse a layer's steps (product,
bias, ReLU) into one op, and turn strided convolutions into stride-1 ones
(``space_to_depth``). The layers call these; a reader learns from the plain ones.
"""
