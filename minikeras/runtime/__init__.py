"""How minikeras runs on the CPU: nothing here is mathematics.

- ``parallel``: cache-sized pieces of a batch on every core (the fast ops use it).
- ``denormals``: the optimizer's update with denormal results flushed to zero.
- ``host_memory``: glibc asked to keep freed memory for the next training step.

A learner can skip this package: every op's plain version runs without it.
"""
