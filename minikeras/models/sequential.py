"""Sequential: a plain stack of layers, each called on the previous one's output."""

from ..layers.input_layer import InputLayer
from ..layers.layer import Layer
from ..ops.symbolic import KerasTensor
from ..serialization import deserialize_keras_object, serialize_keras_object
from ..utils import keras2, tree
from .graph import Graph
from .model import Model


class Sequential(Model):
    """A model made of ``layers`` applied one after the other.

    layers: a list of layers; the first may be ``keras.Input(shape=...)``, or a
        layer given ``input_shape=``/``input_dim=`` (older Keras code), which
        builds the model at once. Otherwise the model is built on its first call.
    name, trainable: as for any model.
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        # Inputs are checked against a declared input shape (an Input, or input_shape= on
        # the first layer); after a first call, only their rank, as in Keras: later
        # batches may have other sizes where the layers allow it.
        self._checks_input_sizes = False
        self._layers = []
        for layer in layers or []:
            self.add(layer, rebuild=False)
        if self._layers:
            self._maybe_rebuild()
        if not trainable:
            self.trainable = False

    def add(self, layer, rebuild=True):
        """Puts ``layer`` (a Layer, or ``keras.Input(...)``) on top of the stack."""
        if isinstance(layer, KerasTensor) and isinstance(layer.node.operation, InputLayer):
            layer = layer.node.operation
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of keras.layers.Layer can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})."
            )
        if not self._layers and getattr(layer, "_input_shape_arg", None) is not None:
            self._append(InputLayer(batch_shape=layer._input_shape_arg))
        self._checks_input_sizes = isinstance((self._layers or [layer])[0], InputLayer)
        if isinstance(layer, InputLayer) and self._layers and isinstance(
                self._layers[0], InputLayer):
            raise ValueError(
                f"Sequential model '{self.name}' has already been configured to use input "
                f"shape {self._layers[0].batch_shape}. You cannot add a different Input to it."
            )
        if any(known.name == layer.name and known is not layer for known in self._layers):
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f"'{layer.name}' is already the name of a layer in this model. Pass a "
                "unique `name` argument to the layer."
            )
        self._append(layer)
        if rebuild and self._graph is not None:
            with self._name_scope():  # the layer's weights at "<sequential>/<layer>/..."
                self._graph = Graph(self._graph.inputs[0], layer(self._graph.outputs[0]))
        elif rebuild:
            self._maybe_rebuild()
        else:
            self._graph = None

    def _append(self, layer):
        self._layers = [*self._layers, layer]

    def pop(self, rebuild=True):
        """Removes the top layer and returns it."""
        if not self.layers:
            raise ValueError(f"Sequential model '{self.name}' has no layers to pop.")
        layer = self._layers[-1]
        self._layers = self._layers[:-1]
        self._graph = None
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        """Builds the model now if its input shape is known: from an Input, or from a first
        layer that has one (a functional model), as Keras does."""
        first = self._layers[0]
        if len(self._layers) < 2:
            return
        if isinstance(first, InputLayer):
            self._build_graph(first.batch_shape)
        elif tree.is_shape(getattr(first, "input_shape", None)):
            self._build_graph(first.input_shape)

    def _build_graph(self, input_shape):
        """Calls every layer on a symbolic input: creates the weights and the output shapes."""
        if not isinstance(self._layers[0], InputLayer):
            self._layers = [InputLayer(batch_shape=input_shape), *self._layers]
        inputs = self._layers[0].output_tensor
        x = inputs
        with self._name_scope():  # the layers' weights at "<sequential>/<layer>/...", as Keras
            for layer in self._layers[1:]:
                x = layer(x)
        self._graph = Graph(inputs, x)
        self.built = True

    def build(self, input_shape=None):
        """Builds the weights for inputs of ``input_shape`` (batch axis first, may be None)."""
        if not self.layers:
            raise ValueError(f"Sequential model {self.name} cannot be built because it has "
                             "no layers. Call `model.add(layer)`.")
        if input_shape is None:
            if not isinstance(self._layers[0], InputLayer):
                raise ValueError(f"Sequential model {self.name} needs an input shape to build.")
            input_shape = self._layers[0].batch_shape
        input_shape = tuple(input_shape)
        if isinstance(self._layers[0], InputLayer) and (
                self._layers[0].batch_shape[1:] != input_shape[1:]):
            raise ValueError(
                f"Sequential model '{self.name}' has already been configured to use input "
                f"shape {self._layers[0].batch_shape}. You cannot build it with input_shape "
                f"{input_shape}."
            )
        if self._graph is None:
            self._build_graph((None, *input_shape[1:]))

    def _maybe_build(self, input_shape):
        """Builds on the first call's shape; a dict or list of inputs goes to the first layer
        as it is, each call, with no graph built (as in Keras)."""
        if self._graph is None and tree.is_shape(input_shape):
            self.build(input_shape)

    def call(self, inputs, training=None):
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
            inputs = inputs[0]  # [x] for the one input, as the functional API accepts it
        if self._graph is not None:
            inputs = self._conform(self._flatten_inputs(inputs)[0], self._graph.inputs[0])
        for layer in self.layers:
            inputs = layer(inputs)
        return inputs

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Keras 2's class predictions (with a DeprecationWarning): the index of the largest
        output, or for a single output unit whether it is above 0.5 (int32)."""
        keras2.warn("model.predict_classes(x)", "np.argmax(model.predict(x), axis=-1), or "
                    "(model.predict(x) > 0.5).astype('int32') for one sigmoid unit")
        probabilities = self.predict(x, batch_size=batch_size, verbose=verbose)
        if probabilities.shape[-1] > 1:
            return probabilities.argmax(axis=-1)
        return (probabilities > 0.5).astype("int32")

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Keras 2's name of ``predict`` (with a DeprecationWarning)."""
        keras2.warn("model.predict_proba(x)", "model.predict(x)")
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    @property
    def layers(self):
        """The layers added, without the InputLayer (as in Keras)."""
        layers = self._layers
        if layers and isinstance(layers[0], InputLayer):
            return layers[1:]
        return list(layers)

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype,
                  "layers": [serialize_keras_object(layer) for layer in self._layers]}
        if self._graph is not None:
            config["build_input_shape"] = self._layers[0].batch_shape
        return config

    def get_build_config(self):
        if self._graph is not None:
            return {"input_shape": self._layers[0].batch_shape}
        return None

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" not in config:
            raise ValueError("A Sequential model config must hold a 'layers' list. "
                             f"Received: config={config}")
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config["layers"]:
            model.add(deserialize_keras_object(layer_config, custom_objects=custom_objects))
        shape = config.get("build_input_shape")
        if model._graph is None and shape:
            model.build(shape)
        return model
