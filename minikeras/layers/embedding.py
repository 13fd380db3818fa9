"""Embedding: turns integer indices (words, tokens) into learned dense vectors."""

from .. import constraints, initializers, ops, regularizers
from ..utils import user_warnings
from .input_spec import InputSpec
from .layer import Layer


class Embedding(Layer):
    """Looks up row ``i`` of a learned (input_dim, output_dim) matrix for each index ``i``.

    input_dim: the vocabulary size (indices lie in [0, input_dim)).
    output_dim: the length of each vector.
    mask_zero: index 0 is padding: the output carries a mask that is False
        where the input is 0, and the layers after it that support masking
        (GlobalAveragePooling1D averages the other steps only; losses and
        metrics leave masked steps out) use it. Index 0 then stands for no
        word, so input_dim should be the vocabulary size + 1.
    weights: an initial (input_dim, output_dim) matrix, as Keras accepts it.
    Input (batch, ...) of integers (floats are truncated, as Keras casts
    them) -> output (batch, ..., output_dim). The weight ``embeddings`` has
    shape (input_dim, output_dim); its gradient adds up the output gradients
    of every position that looked a row up (ops.take).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding: `{name}` must be a positive integer. Received: "
                                 f"{name}={value!r} (of type {type(value).__name__}).")
        if lora_rank or quantization_config is not None:
            raise ValueError("Embedding in minikeras supports neither LoRA (lora_rank) nor "
                             "quantization (quantization_config).")
        if kwargs.pop("input_length", None) is not None:
            user_warnings.warn("Embedding: the argument `input_length` is deprecated. Just "
                               "remove it.")
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_spec = InputSpec()  # one tensor of indices, of any shape
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1
                             else [weights])

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint,
            name="embeddings")
        self.built = True

    def call(self, inputs):
        try:
            return ops.take(self.embeddings, inputs, axis=0)  # (batch, .., output_dim)
        except (ValueError, TypeError) as error:
            raise type(error)(f'Layer "{self.name}" (Embedding with input_dim={self.input_dim}) '
                              f"looks up indices in [0, {self.input_dim}): {error}") from None

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)  # (batch, ..): False at padding

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }
