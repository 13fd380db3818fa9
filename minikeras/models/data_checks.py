"""What fit, evaluate and predict check on the host before a step can change anything.

A mistake in the data should cost one clear message before the first step,
not an error halfway through an epoch after hundreds of updates (or a
silently wrong result). The trainer runs these checks on whole arrays once,
and on each batch of a generator before that batch's step:

- ``warn_non_finite``: NaN or Inf in x, y or sample weights is a warning
  naming the array, how many values and where. Training still proceeds, as in
  Keras (the values may be deliberate); the loss will most likely become NaN,
  which ``TerminateOnNaN`` catches.
- ``check_targets``: the targets of each output against its loss and the
  shape of its predictions (``TargetRule``, made by ``compile_utils.target_rules``):
  integer class labels must be whole numbers in [0, classes) (sparse
  cross-entropy checks them per batch on the device, but only once the batch
  has gone through the model); binary cross-entropy targets must lie in
  [0, 1]; for the other built-in losses the targets must have the shape of
  the predictions, where Keras would broadcast (batch, 3) against (batch, 1)
  without a word.
"""

import dataclasses
import warnings

import numpy as np

from ..utils import tree


def leaves(value, argument):
    """(name, array) for each array of a nest: ("x", a), or ("x[0]", a), ("x['image']", b)..."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [leaf for key in sorted(value)
                for leaf in leaves(value[key], f"{argument}[{key!r}]")]
    if isinstance(value, (list, tuple)):
        return [leaf for i, item in enumerate(value) for leaf in leaves(item, f"{argument}[{i}]")]
    return [(argument, value)]


def warn_non_finite(value, argument, method, where=""):
    """Warns, naming the array, the count and the first samples, if ``value`` holds NaN or Inf.

    where: added to the message, e.g. " in batch 3" for a generator's batch.
    """
    for name, array in leaves(value, argument):
        count, samples, first = _non_finite(array)
        if count:
            listed = ", ".join(str(i) for i in samples[:5]) + (", ..." if len(samples) > 5 else "")
            warnings.warn(
                f"{method}: `{name}`{where} holds {count} non-finite value(s) (NaN or Inf) in "
                f"{len(samples)} sample(s): {listed} (the first at index {first}). Training "
                "and evaluation proceed, but the loss and then the weights will likely become "
                "NaN: clean or drop these samples, or stop training at the first bad loss with "
                "keras.callbacks.TerminateOnNaN().", RuntimeWarning, stacklevel=5)


def _non_finite(array):
    """(count of NaN/Inf values, sorted sample indices holding them, index of the first)."""
    if array.dtype.kind not in "fc" or array.size == 0:
        return 0, [], None
    if np.isfinite(array.sum(dtype=np.complex128 if array.dtype.kind == "c" else np.float64)):
        return 0, [], None  # one pass, no temporary array: the usual case
    bad = ~np.isfinite(array)
    count = int(bad.sum())
    if not count:  # the sum overflowed, but every value is finite
        return 0, [], None
    samples = np.flatnonzero(bad.reshape(len(array), -1).any(axis=1))
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return count, [int(i) for i in samples], first


@dataclasses.dataclass(frozen=True)
class TargetRule:
    """What the targets of one model output must be, given its loss and predictions.

    index, name: the output's position and name. kind: "labels" (integer
    class indices), "probabilities" (values in [0, 1], same shape) or "shape"
    (the predictions' shape). prediction_shape: one sample's prediction shape.
    ignore_class: a label value the loss skips (sparse cross-entropy), or None.
    loss_name: for messages.
    """

    index: int
    name: str
    kind: str
    prediction_shape: tuple
    loss_name: str
    ignore_class: object = None


def check_targets(rules, flat_targets, method, where=""):
    """Raises ValueError, naming the output and the first offending sample, if the targets
    (one array per output, in output order) break their output's rule."""
    for rule in rules:
        target = flat_targets[rule.index]
        if target is None:
            continue
        single = len(flat_targets) == 1
        argument = "y" if single else f"y for output '{rule.name}'"
        prefix = f"{method}: `{argument}`{where}"
        if rule.kind == "labels":
            _check_labels(target, rule, prefix)
        else:
            _check_shape(target, rule, prefix, "the model" if single else f"output '{rule.name}'")
            if rule.kind == "probabilities":
                _check_unit_interval(target, rule, prefix)


def _check_labels(labels, rule, prefix):
    classes = rule.prediction_shape[-1] if rule.prediction_shape else 1
    values = labels.astype("float64", copy=False)
    whole = values == np.round(values)
    valid = whole & (values >= 0) & (values < classes)
    if rule.ignore_class is not None:
        valid |= values == rule.ignore_class
    if valid.all():
        return
    position = tuple(int(i) for i in np.argwhere(~valid)[0])
    value = labels[position].item()
    count = int((~valid).sum())
    problem = "is not a whole number" if not whole[position] else (
        f"is outside [0, {classes})")
    raise ValueError(
        f"{prefix} must hold integer class labels in [0, {classes}) for {rule.loss_name} on an "
        f"output with {classes} classes, but {count} label(s) do not: the label {value!r} at "
        f"index {position} {problem}. Number the classes from 0 to {classes - 1}, give the "
        "output as many units as there are classes, or use categorical_crossentropy for "
        "one-hot targets."
    )


def _check_shape(target, rule, prefix, output):
    sample, expected = tuple(target.shape[1:]), rule.prediction_shape
    if sample == expected or sample == (*expected, 1) or (*sample, 1) == expected:
        return  # a trailing axis of 1 is added or dropped, as the losses do
    raise ValueError(
        f"{prefix} has samples of shape {sample}, but {output} predicts samples of "
        f"shape {expected}, and {rule.loss_name} compares them element by element (Keras would "
        "broadcast them into a wrong loss). Give the targets the shape of the predictions "
        f"(e.g. one-hot targets with {expected[-1] if expected else 1} columns), or change the "
        "output layer."
    )


def _check_unit_interval(target, rule, prefix):
    outside = (target < 0) | (target > 1) | np.isnan(target)
    if outside.any():
        position = tuple(int(i) for i in np.argwhere(outside)[0])
        value = target[position].item()
        raise ValueError(
            f"{prefix} must hold values in [0, 1] (0/1 labels or probabilities) for "
            f"{rule.loss_name}, but {int(outside.sum())} value(s) do not: {value!r} "
            f"at index {position}. Integer class labels need sparse_categorical_crossentropy."
        )


def signature(*nests):
    """The per-sample shapes and dtype kinds of nests of arrays: equal signatures pass the
    same shape checks, so the trainer checks them once."""
    return tuple((tuple(a.shape[1:]), a.dtype.kind) if a is not None else None
                 for nest in nests for a in tree.flatten(nest))
