"""Ops that rank elements: sort and top_k (differentiable values), argsort and in_top_k.

Sorting moves each element to its rank, so a sorted tensor is a gather of x
(``take_along_axis`` at the ranks' positions) and its gradient goes back to
where each element came from.
"""

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from .gather import take_along_axis
from .logic import convert_to_tensor
from .reshaping import reshape


class TopK(Function):
    """y = the k largest elements of each row of x, largest first;
    dy/dx = 1 from each chosen element to its position, 0 elsewhere.

    Ties go to the lower index, as in TensorFlow. ``self.indices`` holds
    where each chosen element came from.
    """

    def __init__(self, k):
        self.k = k

    def forward(self, x):
        xp = get_array_module(x)
        self.x_shape = x.shape
        self.indices = xp.argsort(-x, axis=-1, kind="stable")[..., :self.k]  # (.., k)
        return xp.take_along_axis(x, self.indices, axis=-1)  # (.., k)

    def backward(self, gy):
        xp = get_array_module(gy)
        n = self.x_shape[-1]
        rows = xp.arange(self.indices.size // self.k).reshape(self.indices.shape[:-1] + (1,))
        gx = xp.zeros(self.x_shape, dtype=gy.dtype).reshape(-1)  # (.. * n,)
        gx[(rows * n + self.indices).reshape(-1)] = gy.reshape(-1)  # each row's k distinct slots
        return gx.reshape(self.x_shape)


def top_k(x, k, sorted=True):  # noqa: A002  (keras.ops.top_k's argument)
    """(values, indices) of the ``k`` largest elements along the last axis, largest first.

    values: Tensor (.., k), differentiable; indices: int Tensor (.., k).
    ``sorted`` is accepted for Keras compatibility: the values always come sorted.
    """
    if not 1 <= k <= x.shape[-1]:
        raise ValueError(f"top_k: k must be in [1, {x.shape[-1]}] for a last axis of size "
                         f"{x.shape[-1]}; got k={k}.")
    op = TopK(k)
    values = op(x)
    return values, Tensor(op.indices)


def in_top_k(targets, predictions, k):
    """Whether each target class is among the ``k`` largest predictions of its row (no gradient).

    targets: integer labels (batch,); predictions: (batch, num_classes).
    As in TensorFlow, ties at the k-th place count as in the top k, and a row
    with a non-finite prediction (or a target outside the classes) gives False.
    """
    targets = convert_to_tensor(targets).data.astype("int64")  # (batch,)
    predictions = convert_to_tensor(predictions).data  # (batch, num_classes)
    if targets.ndim != 1 or predictions.ndim != 2 or targets.shape[0] != predictions.shape[0]:
        raise ValueError(f"in_top_k expects targets of shape (batch,) and predictions of shape "
                         f"(batch, num_classes), but received {targets.shape} and "
                         f"{predictions.shape}.")
    xp = get_array_module(predictions)
    num_classes = predictions.shape[-1]
    valid = (targets >= 0) & (targets < num_classes)
    target_scores = xp.take_along_axis(
        predictions, xp.where(valid, targets, 0)[:, None], axis=-1)  # (batch, 1)
    ahead = (predictions > target_scores).sum(axis=-1)  # (batch,)
    finite_rows = xp.isfinite(predictions).all(axis=-1)
    return Tensor(valid & finite_rows & (ahead < k))


def _argsort_data(x, axis):
    """The positions that sort x along ``axis`` (None: flattened), ties in order of position,
    as TensorFlow orders them."""
    data = convert_to_tensor(x).data
    if axis is None:
        data, axis = data.reshape(-1), 0
    return get_array_module(data).argsort(data, axis=axis, kind="stable"), axis


def argsort(x, axis=-1):
    """The int32 indices that sort x along ``axis`` (None: flattened) in ascending order
    (no gradient)."""
    indices, _ = _argsort_data(x, axis)
    return Tensor(indices.astype("int32"))


def sort(x, axis=-1):
    """x sorted along ``axis`` (None: flattened) in ascending order; the gradient of each
    value goes back to the element it came from."""
    x = convert_to_tensor(x)
    indices, along = _argsort_data(x, axis)
    return take_along_axis(reshape(x, (-1,)) if axis is None else x, indices, axis=along)
