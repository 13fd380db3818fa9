"""What ``compile(loss=..., metrics=..., loss_weights=...)`` means for each model output.

Losses and metrics are given per output as one identifier (for every output),
a list (in output order) or a dict keyed by output name. They are resolved
once, on the first batch, because two names depend on the data: "accuracy"
(or "acc") becomes binary, sparse categorical or categorical accuracy, and
"crossentropy" (or "ce") the matching cross-entropy, from the shapes of the
targets and predictions, as Keras's compile_utils decides:

- predictions with a last axis of 1: binary;
- targets of lower rank than predictions, or a last axis of 1 against
  predictions with more: sparse categorical (integer labels);
- otherwise: categorical (one-hot targets).
"""

from .. import losses as losses_module
from .. import metrics as metrics_module
from ..utils import tree


def output_structure(y_pred, output_names):
    """(names, flat predictions) of a model's outputs: one tensor, a list or a dict."""
    if isinstance(y_pred, dict):
        names = sorted(y_pred)
        return names, [y_pred[n] for n in names]
    flat = list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]
    if output_names and len(output_names) == len(flat):
        return list(output_names), flat
    if len(flat) == 1:
        return [None], flat
    return [f"output_{i}" for i in range(len(flat))], flat


def flatten_targets(y, names, argument="y"):
    """``y`` (one array, a list in output order, or a dict by output name) as a list per output."""
    if isinstance(y, dict):
        unknown = [key for key in y if key not in names]
        if unknown:
            raise ValueError(f"`{argument}` has keys {unknown} that are not model outputs; "
                             f"the outputs are {names}.")
        return [y.get(name) for name in names]
    if isinstance(y, (list, tuple)):
        if len(y) != len(names):
            raise ValueError(f"The model has {len(names)} output(s) {names}, but `{argument}` "
                             f"holds {len(y)} arrays.")
        return list(y)
    if len(names) != 1:
        raise ValueError(f"The model has {len(names)} outputs {names}, but `{argument}` is a "
                         "single array: pass a list (in output order) or a dict by output name.")
    return [y]


def per_output(value, names, argument, repeat=True):
    """``value`` (one item, a list or a dict by output name) as one item per output."""
    if value is None:
        return [None] * len(names)
    if isinstance(value, dict):
        unknown = [key for key in value if key not in names]
        if unknown:
            raise ValueError(f"`{argument}` names {unknown}, which are not outputs of the "
                             f"model; its outputs are {names}.")
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            if len(names) == 1:
                return [list(value)]
            raise ValueError(f"`{argument}` has {len(value)} entries, but the model has "
                             f"{len(names)} outputs {names}: give one per output, or a dict.")
        return list(value)
    if not repeat and len(names) > 1:
        raise ValueError(f"`{argument}` must be a list or a dict for a model with "
                         f"{len(names)} outputs, got {value!r}.")
    return [value] * len(names)


def is_binary_or_sparse_categorical(y_true, y_pred):
    """(binary, sparse categorical) from the shapes of the targets and predictions."""
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    is_binary = pred_shape[-1] == 1
    is_sparse = len(true_shape) < len(pred_shape) or (
        true_shape[-1] == 1 and pred_shape[-1] > 1)
    return is_binary, is_sparse


def get_loss(identifier, y_true, y_pred):
    """The loss for one output; "crossentropy"/"ce" chosen by the shapes."""
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        binary, sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        identifier = ("binary_crossentropy" if binary else
                      "sparse_categorical_crossentropy" if sparse else
                      "categorical_crossentropy")
    return losses_module.get(identifier)


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
    metric = metrics_module.get(identifier)
    if not isinstance(metric, metrics_module.Metric):
        metric = metrics_module.MeanMetricWrapper(metric, name=_object_name(metric))
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


def _object_name(obj):
    name = getattr(obj, "name", None) or getattr(obj, "__name__", None)
    return name or type(obj).__name__


class CompileLoss:
    """The total loss: each output's loss times its weight, summed.

    loss: one loss for every output, a list (output order) or a dict by output name.
    loss_weights: None, a float (one output), a list or a dict.
    output_names: the model's output names (functional models), or None.
    """

    def __init__(self, loss, loss_weights=None, output_names=None):
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict,
                                                                      float, int)):
            raise ValueError(
                "Expected `loss_weights` to be a float (single output) or a list or dict "
                f"(several outputs), got {loss_weights!r} of type {type(loss_weights).__name__}."
            )
        self._user_loss = loss
        self._user_loss_weights = loss_weights
        self.output_names = output_names
        self.built = False
        self.metrics = []
        self._entries = []

    def build(self, y_true, y_pred):
        """Resolves one loss (and weight) per output from the first batch's structure."""
        names, flat_pred = output_structure(y_pred, self.output_names)
        flat_true = flatten_targets(y_true, names)
        losses = per_output(self._user_loss, names, "loss")
        weights = per_output(self._user_loss_weights, names, "loss_weights", repeat=False)
        self._entries = []
        for index, (name, loss, weight) in enumerate(zip(names, losses, weights, strict=True)):
            if loss is None:
                continue
            if flat_true[index] is None:
                raise ValueError(f"Output '{name}' has a loss but no target in `y`.")
            resolved = get_loss(loss, flat_true[index], flat_pred[index])
            self._entries.append((index, resolved, None if weight is None else float(weight),
                                  name))
        if not self._entries:
            raise ValueError("No loss to compute: every output's loss is None.")
        if isinstance(self._user_loss, dict) and isinstance(y_pred, dict):
            order = list(self._user_loss)  # Keras keeps the loss dict's order here
            self._entries.sort(key=lambda entry: order.index(entry[3]))
        if len(self._entries) > 1:
            self.metrics = [metrics_module.Mean(name=f"{name}_loss")
                            for _, _, _, name in self._entries]
        self._names = names
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The weighted sum of the per-output losses, a scalar Tensor (updates the trackers)."""
        if not self.built:
            self.build(y_true, y_pred)
        flat_pred = output_structure(y_pred, self.output_names)[1]
        flat_true = flatten_targets(y_true, self._names)
        flat_weights = _flatten_sample_weight(sample_weight, self._names)
        total = None
        for position, (index, loss_fn, weight, _) in enumerate(self._entries):
            value = loss_fn(flat_true[index], flat_pred[index],
                            sample_weight=flat_weights[index])
            if self.metrics:
                # tf.keras averages each output's loss over batches, unweighted (its
                # batch size is unknown inside the compiled step); so does minikeras.
                self.metrics[position].update_state(value)
            if weight is not None:
                value = value * weight
            total = value if total is None else total + value
        return total


def _flatten_sample_weight(sample_weight, names):
    if sample_weight is None:
        return [None] * len(names)
    if isinstance(sample_weight, (list, tuple, dict)):
        return flatten_targets(sample_weight, names, argument="sample_weight")
    return [sample_weight] * len(names)


class CompileMetrics:
    """The metrics of each output, and of each output weighted by sample weights.

    metrics, weighted_metrics: a list (for every output, or one entry per
        output), or a dict by output name of a metric or list of metrics.
    """

    def __init__(self, metrics, weighted_metrics, output_names=None):
        for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(f"Expected `{argument}` to be a list, tuple or dict, got "
                                 f"{value!r} of type {type(value).__name__}.")
        self._user_metrics = metrics
        self._user_weighted_metrics = weighted_metrics
        self.output_names = output_names
        self.built = False
        self._plain = []
        self._weighted = []

    def build(self, y_true, y_pred):
        names, flat_pred = output_structure(y_pred, self.output_names)
        flat_true = flatten_targets(y_true, names)
        self._names = names
        self._plain = self._resolve(self._user_metrics, names, flat_true, flat_pred, "metrics")
        self._weighted = self._resolve(self._user_weighted_metrics, names, flat_true, flat_pred,
                                       "weighted_metrics")
        self.built = True

    def _resolve(self, metrics, names, flat_true, flat_pred, argument):
        """One list of Metrics per output."""
        if not metrics:
            return [[] for _ in names]
        if len(names) == 1:
            per = [tree.flatten(metrics)]
        elif isinstance(metrics, dict):
            per = per_output(metrics, names, argument)
        elif len(metrics) == len(names):
            per = list(metrics)
        else:
            raise ValueError(
                f"Invalid `{argument}` for a model with {len(names)} outputs {names}: give a "
                f"list with one entry (a metric or a list of metrics) per output, or a dict by "
                f"output name. Received: {argument}={metrics!r}."
            )
        resolved = []
        for ids, y_t, y_p in zip(per, flat_true, flat_pred, strict=True):
            ids = [] if ids is None else ids if isinstance(ids, (list, tuple)) else [ids]
            resolved.append([get_metric(i, y_t, y_p) for i in ids])
        return resolved

    @property
    def metrics(self):
        """Every resolved Metric, plain ones first."""
        return [m for group in self._plain + self._weighted for m in group]

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        flat_pred = output_structure(y_pred, self.output_names)[1]
        flat_true = flatten_targets(y_true, self._names)
        flat_weights = _flatten_sample_weight(sample_weight, self._names)
        for group, y_t, y_p in zip(self._plain, flat_true, flat_pred, strict=True):
            for metric in group:
                metric.update_state(y_t, y_p)
        for group, y_t, y_p, s_w in zip(self._weighted, flat_true, flat_pred, flat_weights,
                                        strict=True):
            for metric in group:
                metric.update_state(y_t, y_p, sample_weight=s_w)

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()

    def result(self):
        """{log name: value}: names prefixed by the output name when there are several."""
        results, seen = {}, set()
        prefixes = self._names if len(self._names) > 1 else [None] * len(self._names)
        for weighted, groups in ((False, self._plain), (True, self._weighted)):
            for prefix, group in zip(prefixes, groups, strict=True):
                for metric in group:
                    name = _unique(_log_name(metric.name, prefix, weighted, seen), seen)
                    results[name] = metric.result()
        return results


def _log_name(name, prefix, weighted, seen):
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
