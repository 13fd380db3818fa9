"""What ``compile(loss=..., metrics=..., loss_weights=...)`` means for each model output.

A model's outputs are one tensor, or a nest of them (a list, a tuple or
namedtuple, a dict, or nests of these). ``loss``, ``loss_weights`` and the
metrics are read against that nest as Keras reads them:

- one loss (a name, a function, a class, a Loss) applies to every output;
- a nest mirroring the outputs gives each output its own loss (None: no
  loss); a flat list with one entry per output does too, in output order;
- a dict keyed by output name works for a model whose outputs are a list;
- a list (or tuple) where a single output is expected gives that output
  several losses, all added;
- ``loss_weights`` mirrors ``loss`` (or lists one weight per loss, in order);
- metrics: a list for a single output; otherwise one entry per output (a
  metric or a list of them), as a list in output order, a dict by output
  name, or a nest mirroring the outputs.

Losses and metrics are resolved once, on the first batch, because two names
depend on the data: "accuracy" (or "acc") becomes binary, sparse categorical
or categorical accuracy, and "crossentropy" (or "ce") the matching
cross-entropy, from the shapes of the targets and predictions, as Keras's
compile_utils decides:

- predictions with a last axis of 1: binary;
- targets of lower rank than predictions, or a last axis of 1 against
  predictions with more: sparse categorical (integer labels);
- otherwise: categorical (one-hot targets).

Each loss's place is a *path*: the keys and indices leading from the whole
output to its output, ``()`` for a model with one output, ``(1,)`` for the
second of a list, ``("more", "b")`` inside nested dicts.
"""

import dataclasses
import numbers

from .. import losses as losses_module
from .. import metrics as metrics_module
from ..autograd import is_grad_enabled
from ..autograd.tensor import cut_off_count
from ..serialization import get_registered_object
from ..utils import tree
from ..utils.naming import to_snake_case
from .data_checks import TargetRule

# -- paths in a nest ------------------------------------------------------------------


def leaf_paths(structure, path=()):
    """(path, leaf) for every leaf of a nest, in ``tree.flatten`` order."""
    if isinstance(structure, dict):
        return [found for key in sorted(structure)
                for found in leaf_paths(structure[key], (*path, key))]
    if isinstance(structure, (list, tuple)):
        return [found for index, item in enumerate(structure)
                for found in leaf_paths(item, (*path, index))]
    return [(path, structure)]


def value_at(structure, path):
    """The part of ``structure`` at ``path`` (None where ``structure`` has no such key)."""
    for key in path:
        if isinstance(structure, dict):
            structure = structure.get(key)
        elif isinstance(structure, (list, tuple)) and isinstance(key, int) and key < len(
                structure):
            structure = structure[key]
        else:
            return None
    return structure


def weights_at(sample_weight, path):
    """The sample weights of the output at ``path``: one array, met at any level of the
    nest, weighs every output below it."""
    for key in path:
        if not tree.is_nested(sample_weight):
            break
        sample_weight = value_at(sample_weight, (key,))
    return sample_weight


def _shape_text(structure):
    return repr(tree.map_structure(lambda _: "*", structure))


def output_names_like(y_pred, output_names):
    """The model's output names arranged in the nest of ``y_pred`` (Nones where unknown)."""
    count = len(tree.flatten(y_pred))
    names = list(output_names) if output_names and len(output_names) == count else [None] * count
    return tree.pack_sequence_as(y_pred, names)


def align(value, y_pred, output_names, argument="y"):
    """``value`` (targets or sample weights) in the nest of the outputs ``y_pred``.

    Accepted, as in Keras: the outputs' own nest; a dict by output name for a
    model whose outputs are a list; a single array for a single output (or a
    list holding one); any nest with one array per output, in output order.
    A single array for several outputs stays as it is (it applies to each).
    """
    names = list(y_pred) if isinstance(y_pred, dict) else output_names
    if isinstance(value, dict) and names and (isinstance(y_pred, (list, tuple, dict))):
        unknown = [key for key in value if key not in names]
        if unknown:
            raise ValueError(f"`{argument}` has keys {unknown} that are not model outputs; "
                             f"the outputs are {list(names)}.")
    if value is None or _same_top_level(value, y_pred):
        return value
    if isinstance(value, dict) and isinstance(y_pred, (list, tuple)) and output_names:
        value = [value.get(name) for name in output_names]
    flat_value, flat_pred = tree.flatten(value), tree.flatten(y_pred)
    if not tree.is_nested(value) and argument == "sample_weight":
        return value
    if len(flat_value) == len(flat_pred):
        return tree.pack_sequence_as(y_pred, flat_value)
    known = [name for name in output_names or [] if name is not None]
    listed = f" {known}" if len(known) == len(flat_pred) else ""
    if not tree.is_nested(value):
        raise ValueError(f"The model has {len(flat_pred)} outputs{listed}, but `{argument}` is "
                         "a single array: pass a list (in output order) or a dict by output "
                         "name.")
    raise ValueError(f"The model has {len(flat_pred)} output(s){listed}, but `{argument}` holds "
                     f"{len(flat_value)} arrays. The outputs: {_shape_text(y_pred)}; "
                     f"`{argument}`: {_shape_text(value)}.")


def _same_top_level(value, y_pred):
    if isinstance(y_pred, dict):
        return isinstance(value, dict)
    if isinstance(y_pred, (list, tuple)):
        return isinstance(value, (list, tuple)) and len(value) == len(y_pred)
    return not tree.is_nested(value)


# -- identifiers ------------------------------------------------------------------------


def is_binary_or_sparse_categorical(y_true, y_pred):
    """(binary, sparse categorical) from the shapes of the targets and predictions."""
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    is_binary = pred_shape[-1] == 1
    is_sparse = len(true_shape) < len(pred_shape) or (
        true_shape[-1] == 1 and pred_shape[-1] > 1)
    return is_binary, is_sparse


def custom_object(identifier):
    """What a name means in ``get_custom_objects()`` (or a ``custom_object_scope``), where
    Keras 2 tutorials register their losses and metrics; any other identifier as it is."""
    if isinstance(identifier, str):
        found = get_registered_object(identifier)
        if found is not None:
            return found
    return identifier


def get_loss(identifier, y_true, y_pred):
    """The Loss for one output, named as Keras names it; "crossentropy"/"ce" chosen by the
    shapes. A function (built in or a user's) is wrapped so that it reduces its per-sample
    losses as a Loss does."""
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        binary, sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        loss = (losses_module.binary_crossentropy if binary else
                losses_module.sparse_categorical_crossentropy if sparse else
                losses_module.categorical_crossentropy)
    else:
        loss = losses_module.get(custom_object(identifier))
    if isinstance(loss, losses_module.Loss):
        return loss
    name = identifier if isinstance(identifier, str) else _object_name(loss)
    return losses_module.LossFunctionWrapper(loss, name=name)


_BY_SHAPE = {
    "accuracy": ("BinaryAccuracy", "SparseCategoricalAccuracy", "CategoricalAccuracy"),
    "crossentropy": ("BinaryCrossentropy", "SparseCategoricalCrossentropy",
                     "CategoricalCrossentropy"),
}
_ALIASES = {"accuracy": "accuracy", "acc": "accuracy", "crossentropy": "crossentropy",
            "ce": "crossentropy"}


def get_metric(identifier, y_true, y_pred):
    """The Metric for one output, named as Keras names it in the logs."""
    if identifier is None:
        raise ValueError("Expected a metric, received None.")
    kind = _ALIASES.get(str(identifier).lower()) if isinstance(identifier, str) else None
    if kind is not None:
        binary, sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        names = _BY_SHAPE[kind]
        class_name = names[0] if binary else names[1] if sparse else names[2]
        return getattr(metrics_module, class_name)(name=identifier)
    metric = metrics_module.get(custom_object(identifier))
    if not isinstance(metric, metrics_module.Metric):
        metric = metrics_module.MeanMetricWrapper(metric, name=_object_name(metric))
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


def _object_name(obj):
    """Keras's name for a loss or metric given as an object: its ``name``, else its function
    or class name in snake case."""
    if hasattr(obj, "name"):
        return obj.name
    return to_snake_case(getattr(obj, "__name__", None) or type(obj).__name__)


def is_identifier(value):
    """Whether ``value`` is one loss or metric (a leaf of compile's nests): a name, a
    function, a class, an object, or a config dict; None counts as one too (no loss)."""
    return not tree.is_nested(value) or (isinstance(value, dict) and "class_name" in value)


def check_identifiers(loss, metrics, weighted_metrics):
    """At compile time: every loss and metric name is known (a ValueError suggesting close
    names otherwise) and every other entry is something a loss or metric can be made of."""
    for identifier in _identifiers(loss):
        identifier = custom_object(identifier)
        if isinstance(identifier, str) and identifier.lower() not in ("crossentropy", "ce"):
            losses_module.get(identifier)
        elif not (isinstance(identifier, (str, dict, losses_module.Loss)) or callable(identifier)):
            raise ValueError(f"Could not interpret loss identifier: {identifier!r} given to "
                             "compile(): expected a name such as 'mse', a Loss, a function "
                             "fn(y_true, y_pred) or None.")
    for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
        for identifier in _identifiers(value):
            identifier = custom_object(identifier)
            if isinstance(identifier, str) and identifier.lower() not in _ALIASES:
                metrics_module.get(identifier)
            elif not (isinstance(identifier, (str, dict, metrics_module.Metric)) or callable(
                    identifier)):
                raise ValueError(f"Could not interpret metric identifier: {identifier!r} in "
                                 f"`{argument}`: expected a name such as 'accuracy', a Metric "
                                 "or a function fn(y_true, y_pred).")


def _identifiers(value):
    """The leaves of a loss or metrics argument (a dict's values, lists' items), Nones dropped."""
    if is_identifier(value):
        return [] if value is None else [value]
    items = value.values() if isinstance(value, dict) else value
    return [leaf for item in items for leaf in _identifiers(item)]


# -- target rules for the data checks ---------------------------------------------------

# Built-in losses whose targets are integer class labels, and those whose targets are 0/1
# labels or probabilities; every other built-in loss compares targets and predictions
# element by element, so they must have one shape.
_LABEL_LOSSES = (losses_module.sparse_categorical_crossentropy,
                 losses_module.categorical_generalized_cross_entropy)
_PROBABILITY_LOSSES = (losses_module.binary_crossentropy,
                       losses_module.binary_focal_crossentropy)


def target_rules(compile_loss, y_pred):
    """One ``TargetRule`` per loss that is built in (users' own losses may take any target),
    from the built CompileLoss and one batch of predictions."""
    rules = []
    for index, entry in enumerate(compile_loss.entries):
        fn = getattr(entry.loss, "fn", None)
        if not isinstance(entry.loss, losses_module.LossFunctionWrapper) or (
                getattr(fn, "__module__", None) != losses_module.__name__):
            continue
        kind = ("labels" if fn in _LABEL_LOSSES else
                "probabilities" if fn in _PROBABILITY_LOSSES else "shape")
        rules.append(TargetRule(index, entry.label, kind,
                                tuple(value_at(y_pred, entry.path).shape[1:]), entry.loss.name,
                                entry.loss._fn_kwargs.get("ignore_class")))
    return rules


# -- the losses ---------------------------------------------------------------------


@dataclasses.dataclass
class LossEntry:
    """One loss of the compiled total: ``weight * loss(y_true[path], y_pred[path])``.

    output_name: the model's name for the output at ``path``, or None.
    name: Keras's name of the loss in the logs (``f"{name}_loss"``), set once the
    loss is resolved: ``path`` with its last index replaced by the output's
    name (or, for an output without one, the loss's name), joined by "/".
    """

    path: tuple
    loss: object
    weight: object
    output_name: object
    name: str = None

    @property
    def label(self):
        """How messages name the output: its path, ending with its name where it has one."""
        parts = list(self.path)
        if self.output_name is not None and (not parts or isinstance(parts[-1], int)):
            parts[-1:] = [self.output_name]
        return "/".join(str(part) for part in parts) or "output_0"


@dataclasses.dataclass
class _UserLoss:
    """A leaf of ``compile(loss=...)`` with its weight, before it is resolved."""

    identifier: object
    weight: object = None


class CompileLoss:
    """The total loss: each output's loss (or losses) times its weight, summed.

    loss: one loss for every output, or a nest of them (see the module's docstring).
    loss_weights: None, a number (one output), or a nest of numbers like ``loss``.
    output_names: the model's output names (functional models), or None.
    """

    def __init__(self, loss, loss_weights=None, output_names=None):
        if loss_weights is not None and (isinstance(loss_weights, bool) or not isinstance(
                loss_weights, (list, tuple, dict, numbers.Real))):
            raise ValueError(
                "Expected `loss_weights` argument to be a float (single output) or a list, "
                f"tuple or dict (several outputs), got {loss_weights!r} of type "
                f"{type(loss_weights).__name__}."
            )
        self._user_loss = loss
        self._user_loss_weights = loss_weights
        self.output_names = output_names
        self.built = False
        self.metrics = []
        self.entries = []

    def build(self, y_true, y_pred):
        """Resolves each loss (and weight) against the first batch's outputs and targets."""
        spec = self._by_output_order(self._user_loss, y_pred, "loss")
        weights = self._by_output_order(self._user_loss_weights, y_pred, "loss_weights")
        if is_identifier(spec) and tree.is_nested(y_pred):
            spec = tree.map_structure(lambda _: spec, y_pred)  # one loss for every output
        spec = _with_weights(_user_losses(spec), weights)
        self.entries = []
        self._add(spec, y_pred, output_names_like(y_pred, self.output_names), ())
        if not self.entries:
            raise ValueError("No loss to compute: every output's loss is None.")
        for entry in self.entries:
            target = value_at(y_true, entry.path)
            if target is None:
                raise ValueError(f"Output '{entry.label}' has a loss but no target in `y`.")
            entry.loss = get_loss(entry.loss, target, value_at(y_pred, entry.path))
            entry.name = _log_name(entry.path, entry.output_name, entry.loss.name)
        if len(self.entries) > 1:
            self.metrics = [metrics_module.Mean(name=f"{entry.name}_loss")
                            for entry in self.entries]
        self._y_pred_structure = tree.map_structure(lambda _: None, y_pred)
        self.built = True

    def _by_output_order(self, value, y_pred, argument):
        """A dict by output name, for a model whose outputs are a list, as that list."""
        if not (isinstance(value, dict) and not is_identifier(value) and self.output_names
                and not isinstance(y_pred, dict)):
            return value
        unknown = [key for key in value if key not in self.output_names]
        if unknown:
            raise ValueError(f"`{argument}` names {unknown}, which are not outputs of the "
                             f"model; its outputs are {list(self.output_names)}.")
        ordered = [value.get(name) for name in self.output_names]
        return ordered if tree.is_nested(y_pred) else ordered[0]

    def _add(self, spec, y_pred, names, path):
        """Adds the losses ``spec`` gives the outputs ``y_pred`` at ``path`` to ``entries``."""
        if spec is None:
            return
        if isinstance(spec, _UserLoss):
            if tree.is_nested(y_pred):  # one loss for every output below
                for key, (item, name) in _children(y_pred, names):
                    self._add(spec, item, name, (*path, key))
                return
            self.entries.append(LossEntry(path, spec.identifier, spec.weight, names))
            return
        if isinstance(spec, (list, tuple)):
            if not tree.is_nested(y_pred):  # several losses for one output
                for item in spec:
                    self._add(item, y_pred, names, path)
                return
            if all(isinstance(item, (_UserLoss, type(None))) for item in spec) and len(
                    spec) == len(tree.flatten(y_pred)):
                spec = tree.pack_sequence_as(y_pred, list(spec))  # one per output, in order
        if isinstance(spec, dict) != isinstance(y_pred, dict) or (
                isinstance(spec, (list, tuple)) and len(spec) != len(y_pred)):
            raise ValueError(self._mismatch(spec, y_pred, path))
        for key, item in (spec.items() if isinstance(spec, dict) else enumerate(spec)):
            if isinstance(spec, dict) and key not in y_pred:
                raise ValueError(f"`loss` names {key!r}{_at_text(path)}, which is not an output "
                                 f"of the model there; the outputs are {list(y_pred)}.")
            self._add(item, y_pred[key], names[key], (*path, key))

    def _mismatch(self, spec, y_pred, path):
        names = [n for n in tree.flatten(output_names_like(y_pred, self.output_names)) if n]
        outputs = f" {names}" if names else ""
        return (f"`loss`{_at_text(path)} does not match the model's outputs there: the model "
                f"has {len(tree.flatten(y_pred))} output(s){outputs} in the structure "
                f"{_shape_text(y_pred)}, but `loss` has the structure "
                f"{_shape_text(_identifiers_of(spec))}. Give one loss for all outputs, one per "
                "output (a list in output order, or a dict by output name), or a nest "
                "mirroring the outputs.")

    def flat_targets(self, y_true):
        """The target (or None) of each loss, in the order of ``entries`` (once built)."""
        y_true = align(y_true, self._y_pred_structure, self.output_names)
        return [value_at(y_true, entry.path) for entry in self.entries]

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The weighted sum of the losses, a scalar Tensor (updates the per-loss trackers)."""
        if y_true is None:
            raise ValueError("The model was compiled with a loss, but no targets were given: "
                             "pass `y` (or batches of (x, y)).")
        y_true = align(y_true, y_pred, self.output_names)
        if not self.built:
            self.build(y_true, y_pred)
        sample_weight = align(sample_weight, y_pred, self.output_names, "sample_weight")
        total = None
        for position, entry in enumerate(self.entries):
            target = value_at(y_true, entry.path)
            if target is None:
                raise ValueError(f"Output '{entry.label}' has a loss but no target in `y`.")
            prediction = value_at(y_pred, entry.path)
            weights = weights_at(sample_weight, entry.path)
            converted = cut_off_count()
            value = entry.loss(target, prediction, sample_weight=weights)
            if cut_off_count() > converted and getattr(prediction, "requires_grad", False) and (
                    is_grad_enabled() and not value.requires_grad):
                raise ValueError(cut_off_loss_message(entry))
            if self.metrics:
                # tf.keras averages each loss over batches, unweighted by their sizes (a
                # batch's size is unknown inside its compiled step); so does minikeras.
                self.metrics[position].update_state(value)
            if entry.weight is not None:
                value = value * entry.weight
            total = value if total is None else total + value
        return total


# What a loss that cannot train is likely to be, and the fix.
UNTRAINABLE_LOSS_HINT = (
    "A custom loss written with TensorFlow or NumPy functions (tf.square, tf.reduce_mean, "
    "np.mean, ...) turns minikeras tensors into arrays that carry no gradient: write it with "
    "keras.ops instead (keras.ops.square, keras.ops.mean, ... take and return tensors).")


def cut_off_loss_message(entry):
    output = f" of output '{entry.label}'" if entry.path or entry.output_name else ""
    return (f"No gradients provided for any variable through the loss '{entry.loss.name}'"
            f"{output}: it converted the model's predictions into an array of another library, "
            "so it cannot train the model, and no step was taken. " + UNTRAINABLE_LOSS_HINT)


def _user_losses(spec):
    """``compile(loss=...)`` with each loss (None included) wrapped as a _UserLoss leaf."""
    if is_identifier(spec):
        return None if spec is None else _UserLoss(spec)
    if isinstance(spec, dict):
        return {key: _user_losses(value) for key, value in spec.items()}
    return tree._same_sequence(spec, [_user_losses(item) for item in spec])


def _identifiers_of(spec):
    return tree.map_structure(lambda leaf: getattr(leaf, "identifier", leaf), spec)


def _with_weights(spec, weights):
    """The wrapped losses with their weights: ``weights`` mirrors ``spec`` (a leaf for a
    leaf), or lists one weight per loss in order."""
    if weights is None:
        return spec
    if not _same_structure(spec, weights):
        leaves, flat_weights = tree.flatten(spec), tree.flatten(weights)
        if len(leaves) != len(flat_weights):
            raise ValueError(
                f"`loss_weights` must match the number of losses, got {len(leaves)} losses "
                f"and {len(flat_weights)} weights: give one weight per loss, as a nest like "
                f"`loss` ({_shape_text(_identifiers_of(spec))}) or a list in its order.")
        weights = tree.pack_sequence_as(spec, flat_weights)
    for leaf, weight in zip(tree.flatten(spec), tree.flatten(weights), strict=True):
        if weight is not None and (isinstance(weight, bool) or not isinstance(
                weight, numbers.Real)):
            raise ValueError(f"`loss_weights` must hold numbers (or None), got {weight!r}.")
        if leaf is not None:
            leaf.weight = None if weight is None else float(weight)
    return spec


def _same_structure(first, second):
    """Whether two nests have the same containers (lists and tuples alike) and keys."""
    if isinstance(first, dict) or isinstance(second, dict):
        return isinstance(first, dict) and isinstance(second, dict) and set(first) == set(
            second) and all(_same_structure(first[k], second[k]) for k in first)
    if isinstance(first, (list, tuple)) or isinstance(second, (list, tuple)):
        return isinstance(first, (list, tuple)) and isinstance(second, (list, tuple)) and len(
            first) == len(second) and all(map(_same_structure, first, second))
    return True


def _children(y_pred, names):
    keys = sorted(y_pred) if isinstance(y_pred, dict) else range(len(y_pred))
    return [(key, (y_pred[key], names[key])) for key in keys]


def _log_name(path, output_name, loss_name):
    """Keras's name of a loss in the logs (see LossEntry)."""
    parts = list(path) or [None]
    if parts[-1] is None or isinstance(parts[-1], int):
        parts[-1] = output_name if output_name is not None else loss_name
    return "/".join(str(part) for part in parts)


def _at_text(path):
    return f" at {'/'.join(str(part) for part in path)}" if path else ""


# -- the metrics ---------------------------------------------------------------------


@dataclasses.dataclass
class MetricGroup:
    """The metrics of one output: ``metric(y_true[path], y_pred[path])`` for each.

    prefix: the output's name, put before each metric's name in the logs (None
    for a model with one output, or outputs without names).
    """

    path: tuple
    prefix: object
    metrics: list


class CompileMetrics:
    """The metrics of each output, and of each output weighted by sample weights.

    metrics, weighted_metrics: a list (for a single output), or per output a
        metric or list of metrics: as a list in output order, a dict by output
        name, or a nest mirroring the outputs.
    """

    def __init__(self, metrics, weighted_metrics, output_names=None):
        for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(f"Expected `{argument}` argument to be a list, tuple, or dict, "
                                 f"got {value!r} of type {type(value).__name__}.")
        self._user_metrics = metrics
        self._user_weighted_metrics = weighted_metrics
        self.output_names = output_names
        self.built = False
        self._plain = []
        self._weighted = []

    def build(self, y_true, y_pred):
        names = self._names(y_pred)
        self._plain = self._resolve(self._user_metrics, y_true, y_pred, names, "metrics")
        self._weighted = self._resolve(self._user_weighted_metrics, y_true, y_pred, names,
                                       "weighted_metrics")
        self.built = True

    def _names(self, y_pred):
        """The output names, in the nest of ``y_pred``: a dict's keys when the outputs are a
        dict (unless the model names them all), else the model's names."""
        if isinstance(y_pred, dict) and all(not tree.is_nested(v) for v in y_pred.values()) and (
                not self.output_names or set(self.output_names) != set(y_pred)):
            return {key: key for key in y_pred}
        return output_names_like(y_pred, self.output_names)

    def _resolve(self, metrics, y_true, y_pred, names, argument):
        """One MetricGroup per output that has metrics."""
        if not metrics:
            return []
        outputs = leaf_paths(y_pred)
        if len(outputs) == 1:  # one output: every metric is its
            path = outputs[0][0]
            return [self._group(path, None, tree.flatten(metrics), y_true, y_pred)]
        per_output = self._per_output(metrics, y_pred, names)
        if per_output is None:
            raise ValueError(
                f"Invalid `{argument}` for a model with {len(outputs)} outputs: give a list "
                "with one entry (a metric or a list of metrics) per output, a dict by output "
                f"name, or a nest mirroring the outputs {_shape_text(y_pred)}"
                + (f" (output names: {list(self.output_names)})" if self.output_names else "")
                + f". Received: {argument}={metrics!r}.")
        return [self._group(path, value_at(names, path), ids, y_true, y_pred)
                for (path, _), ids in zip(outputs, per_output, strict=True) if ids]

    def _per_output(self, metrics, y_pred, names):
        """The metrics of each output in ``tree.flatten`` order, or None if ``metrics`` fits
        none of the accepted forms."""
        count = len(tree.flatten(y_pred))
        flat_outputs = tree.is_nested(y_pred) and len(y_pred) == count
        if flat_outputs and isinstance(metrics, (list, tuple)) and len(metrics) == count:
            return list(metrics)
        flat_names = tree.flatten(names)
        if flat_outputs and isinstance(metrics, dict) and set(metrics) <= {
                n for n in flat_names if n is not None}:
            return [metrics.get(name) for name in flat_names]
        return _mirrored(metrics, y_pred)

    def _group(self, path, prefix, identifiers, y_true, y_pred):
        identifiers = [] if identifiers is None else identifiers if isinstance(
            identifiers, (list, tuple)) else [identifiers]
        target, prediction = value_at(y_true, path), value_at(y_pred, path)
        return MetricGroup(path, prefix, [get_metric(i, target, prediction)
                                          for i in identifiers])

    @property
    def metrics(self):
        """Every resolved Metric, plain ones first."""
        return [m for group in self._plain + self._weighted for m in group.metrics]

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = align(y_true, y_pred, self.output_names)
        if not self.built:
            self.build(y_true, y_pred)
        sample_weight = align(sample_weight, y_pred, self.output_names, "sample_weight")
        for group in self._plain:
            target, prediction = value_at(y_true, group.path), value_at(y_pred, group.path)
            for metric in group.metrics:
                metric.update_state(target, prediction)
        for group in self._weighted:
            target, prediction = value_at(y_true, group.path), value_at(y_pred, group.path)
            weights = weights_at(sample_weight, group.path)
            for metric in group.metrics:
                metric.update_state(target, prediction, sample_weight=weights)

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()

    def result(self):
        """{log name: value}: names prefixed by the output's name where it has one."""
        results, seen = {}, set()
        for weighted, groups in ((False, self._plain), (True, self._weighted)):
            for group in groups:
                for metric in group.metrics:
                    name = _unique(_metric_log_name(metric.name, group.prefix, weighted, seen),
                                   seen)
                    results[name] = metric.result()
        return results


def _mirrored(metrics, y_pred):
    """Each output's metrics from a nest of metrics mirroring the outputs, or None."""
    if not tree.is_nested(y_pred):
        return [metrics]
    if isinstance(y_pred, dict):
        if not isinstance(metrics, dict) or not set(metrics) <= set(y_pred):
            return None
        parts = [_mirrored(metrics.get(key), y_pred[key]) if key in metrics else
                 [None] * len(tree.flatten(y_pred[key])) for key in sorted(y_pred)]
    else:
        if not isinstance(metrics, (list, tuple)) or len(metrics) != len(y_pred):
            return None
        parts = [_mirrored(m, p) for m, p in zip(metrics, y_pred, strict=True)]
    if any(part is None for part in parts):
        return None
    return [ids for part in parts for ids in part]


def _metric_log_name(name, prefix, weighted, seen):
    full = f"{prefix}_{name}" if prefix else name
    if weighted and full in seen:
        full = f"{prefix}_weighted_{name}" if prefix else f"weighted_{name}"
    return full


def _unique(name, seen):
    unique, index = name, 1
    while unique in seen:
        unique = f"{name}_{index}"
        index += 1
    seen.add(unique)
    return unique
