"""Einstein summation: ``einsum("ij,jk->ik", a, b)`` multiplies and sums along named axes.

Each operand names its axes with letters; a letter shared by operands pairs
their axes, a letter missing from the output is summed over. Matrix
products, batched products, outer products, transposes and traces are all
einsums, and so is the backward pass of one: the gradient of an operand is
the einsum of the output's gradient with the other operands, back to that
operand's letters.
"""

import string

from ..autograd.function import Function
from ..backend import get_array_module
from .math import lists_as_tensors


class Einsum(Function):
    """y = einsum("s_1,...,s_n->out", x_1, ..., x_n);
        dL/dx_k = einsum("out,s_1,..(all but s_k)..,s_n->s_k", dL/dy, x_1, .., x_n but x_k).

    y is a sum of products x_1[..] * ... * x_n[..], so the derivative of one term by
    x_k[..] is the product of the other factors: summing dL/dy times those over every term
    x_k[..] appears in is that einsum. A letter only x_k has (summed over in x_k alone)
    leaves the gradient the same all along it: the einsum omits it and the result is
    broadcast back. Size-1 axes broadcast against larger ones are summed back by the engine.
    """

    def __init__(self, inputs, output):
        self.letters, self.output = inputs, output  # the letters of each operand, and of y

    def forward(self, *operands):
        self.operands = operands
        subscripts = f"{','.join(self.letters)}->{self.output}"
        return get_array_module(*operands).einsum(subscripts, *operands)

    def backward(self, gy):
        return tuple(self._gradient(k, gy) if self.needs_input_grad[k] else None
                     for k in range(len(self.operands)))

    def _gradient(self, k, gy):
        xp = get_array_module(gy)
        others = [(s, x) for i, (s, x) in enumerate(zip(self.letters, self.operands, strict=True))
                  if i != k]
        elsewhere = set(self.output).union(*(s for s, _ in others))
        kept = "".join(c for c in self.letters[k] if c in elsewhere)
        subscripts = ",".join([self.output, *(s for s, _ in others)]) + "->" + kept
        gx = xp.einsum(subscripts, gy, *(x for _, x in others))  # (the kept letters' sizes)
        sizes = iter(gx.shape)
        spread = [next(sizes) if c in elsewhere else 1 for c in self.letters[k]]  # 1: summed
        target = [size if c in elsewhere else n
                  for c, size, n in zip(self.letters[k], spread, self.operands[k].shape,
                                        strict=True)]
        return xp.broadcast_to(gx.reshape(spread), target)  # x_k's letters


def einsum(subscripts, *operands):
    """The Einstein sum ``subscripts`` (NumPy's notation: "ij,jk->ik", "bij,bjk", "...i,i")
    of ``operands``, as ``keras.ops.einsum``; differentiable in every operand.

    An operand that repeats a letter (a trace "ii", a diagonal "ii->i") is computed but
    has no gradient: a ValueError if one is asked for.
    """
    if not isinstance(subscripts, str):
        raise TypeError("einsum: the first argument is the subscripts, a string such as "
                        f"'ij,jk->ik', then the operands; received {type(subscripts).__name__}.")
    operands = lists_as_tensors(*operands)
    shapes = [tuple(x.shape) for x in operands]
    inputs, output = parse_subscripts(subscripts, shapes)
    for letters, x in zip(inputs, operands, strict=True):
        if len(set(letters)) < len(letters) and getattr(x, "requires_grad", False):
            raise ValueError(f"einsum: the operand with subscripts {letters!r} repeats an axis "
                             "letter (a trace or a diagonal), which minikeras cannot "
                             "differentiate; take the diagonal with ops.diagonal first.")
    return Einsum(inputs, output)(*operands)


def parse_subscripts(subscripts, shapes):
    """(each operand's letters, the output's letters) with "..." spelled out as letters
    unused elsewhere, and the implicit output ("ij,jk": the letters used once, sorted)
    made explicit."""
    subscripts = subscripts.replace(" ", "")
    inputs_text, arrow, output = subscripts.partition("->")
    inputs = inputs_text.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: the subscripts {subscripts!r} name {len(inputs)} operands, "
                         f"but {len(shapes)} were given.")
    spare = [c for c in string.ascii_letters if c not in subscripts]
    ellipsis_rank = max([len(shape) - len(s.replace("...", "")) for s, shape in
                         zip(inputs, shapes, strict=True) if "..." in s], default=0)
    ellipsis = "".join(spare[:ellipsis_rank])
    inputs = [s.replace("...", ellipsis[len(ellipsis) - (len(shape) - len(s) + 3):]
                        if "..." in s else "") for s, shape in zip(inputs, shapes, strict=True)]
    if not arrow:
        counts = "".join(inputs)
        output = ellipsis + "".join(sorted(c for c in set(counts) if counts.count(c) == 1
                                           and c not in ellipsis))
    else:
        output = output.replace("...", ellipsis)
    for letters, shape in zip(inputs, shapes, strict=True):
        if len(letters) != len(shape):
            raise ValueError(f"einsum: the subscripts {letters!r} do not match an operand of "
                             f"shape {shape}.")
    return inputs, output
