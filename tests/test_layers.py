"""Every layer: gradients of its input and weights, shapes, config, naming, input checks.

``CASES`` draws, for each layer, a configuration and an input from hypothesis;
the tests below run over all of them. A new layer in ``minikeras.layers`` must
join ``CASES`` (``test_every_layer_has_a_case`` fails otherwise).
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minikeras as keras
from minikeras import backend, layers
from minikeras.autograd import Tensor, gradcheck
from minikeras.testing import strategies as mst

SMOOTH = mst.moderate()
AWAY_FROM_ZERO = mst.away_from([0.0], 1e-2, SMOOTH)


def images(min_side=1, max_side=6, channels=(1, 3)):
    return st.tuples(st.integers(1, 2), st.integers(min_side, max_side),
                     st.integers(min_side, max_side), st.integers(*channels))


@st.composite
def dense_case(draw):
    shape = draw(mst.shapes(min_dims=2, max_dims=3, max_side=4))
    layer = layers.Dense(draw(st.integers(1, 4)), activation=draw(st.sampled_from(
        [None, "tanh", "sigmoid"])), use_bias=draw(st.booleans()))
    return layer, draw(mst.arrays(shape)), {}


@st.composite
def convolution_case(draw, cls):
    arguments, shape = draw(mst.convolution_cases(cls.__name__))
    return cls(**arguments), draw(mst.arrays(shape)), {}


@st.composite
def pooling_case(draw, cls):
    rank = 1 if cls.__name__.endswith("1D") else 2
    arguments, shape = draw(mst.pooling_cases(rank))
    values = mst.distinct_values(shape) if "Max" in cls.__name__ else mst.arrays(shape)
    return cls(**arguments), draw(values), {}


@st.composite
def global_pooling_case(draw, cls):
    shape = draw(images())
    layer = cls(data_format=draw(st.sampled_from(["channels_last", "channels_first"])),
                keepdims=draw(st.booleans()))
    values = mst.distinct_values(shape) if cls is layers.GlobalMaxPooling2D else mst.arrays(shape)
    return layer, draw(values), {}


@st.composite
def batch_normalization_case(draw):
    shape = draw(mst.shapes(min_dims=2, max_dims=4, min_side=2, max_side=4))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    x = draw(mst.arrays(shape))
    reduced = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    assume(np.var(x, axis=reduced).min() > 0.05)
    layer = layers.BatchNormalization(axis=axis, center=draw(st.booleans()),
                                      scale=draw(st.booleans()),
                                      gamma_initializer=keras.initializers.RandomUniform(0.5, 2),
                                      beta_initializer="random_normal")
    return layer, x, {"training": draw(st.booleans())}


@st.composite
def shape_case(draw, make_layer):
    shape = draw(mst.shapes(min_dims=2, max_dims=4, max_side=4))
    return make_layer(shape), draw(mst.arrays(shape)), {}


@st.composite
def activation_layer_case(draw, cls):
    shape = draw(mst.shapes(min_dims=1, max_dims=3))
    if cls is layers.ReLU:
        max_value = draw(st.sampled_from([None, 1.0, 6.0]))
        threshold = draw(st.sampled_from([0.0, 0.5]))
        layer = layers.ReLU(max_value=max_value, negative_slope=draw(st.sampled_from([0, 0.2])),
                            threshold=threshold)
        kinks = [0.0, threshold] + ([max_value] if max_value else [])
        values = mst.away_from(kinks, 1e-2, mst.moderate(-8, 8))
    elif cls is layers.LeakyReLU:
        layer, values = layers.LeakyReLU(draw(st.sampled_from([0.3, 0.01]))), AWAY_FROM_ZERO
    elif cls is layers.Softmax:
        layer, values = layers.Softmax(axis=draw(st.integers(-len(shape), len(shape) - 1))), SMOOTH
    else:
        layer, values = layers.Activation(draw(st.sampled_from(["tanh", "softplus"]))), SMOOTH
    return layer, draw(mst.arrays(shape, values)), {}


@st.composite
def dropout_case(draw):
    shape = draw(mst.shapes(min_dims=2, max_dims=3))
    layer = layers.Dropout(draw(st.sampled_from([0.0, 0.3, 0.9])), seed=draw(st.integers(0, 9)))
    return layer, draw(mst.arrays(shape)), {"training": False}


@st.composite
def merge_case(draw, cls):
    count = 2 if cls is layers.Subtract else draw(st.integers(1, 3))
    batch_shape = draw(mst.shapes(min_dims=2, max_dims=3, max_side=4))
    if cls is layers.Concatenate:
        axis = draw(st.integers(1, len(batch_shape) - 1))
        shapes = [tuple(draw(st.integers(1, 3)) if i == axis else n
                        for i, n in enumerate(batch_shape)) for _ in range(count)]
        layer = cls(axis=axis)
    else:
        shapes, layer = [batch_shape] * count, cls()
    if cls in (layers.Maximum, layers.Minimum):  # no ties between inputs
        stacked = draw(mst.distinct_values((count, *batch_shape)))
        return layer, list(stacked), {}
    return layer, [draw(mst.arrays(shape)) for shape in shapes], {}


CASES = {
    "Dense": dense_case(),
    **{name: convolution_case(getattr(layers, name)) for name in mst.CONVOLUTIONS},
    **{name: pooling_case(getattr(layers, name)) for name in (
        "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D")},
    "GlobalAveragePooling2D": global_pooling_case(layers.GlobalAveragePooling2D),
    "GlobalMaxPooling2D": global_pooling_case(layers.GlobalMaxPooling2D),
    "BatchNormalization": batch_normalization_case(),
    "Flatten": shape_case(lambda shape: layers.Flatten()),
    "Reshape": shape_case(lambda shape: layers.Reshape((-1, shape[-1]))),
    "Dropout": dropout_case(),
    "ReLU": activation_layer_case(layers.ReLU),
    "LeakyReLU": activation_layer_case(layers.LeakyReLU),
    "Softmax": activation_layer_case(layers.Softmax),
    "Activation": activation_layer_case(layers.Activation),
    **{name: merge_case(getattr(layers, name)) for name in (
        "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")},
}

# Public names of minikeras.layers that are not layers with a case, and why.
NOT_CASES = {"Input": "a function returning a KerasTensor", "InputLayer": "holds no computation",
             "InputSpec": "not a layer", "Layer": "the base class (tests/test_layer_base.py)"}


def test_every_layer_has_a_case():
    classes = {getattr(layers, name).__name__ for name in layers.__all__
               if isinstance(getattr(layers, name), type)}
    assert classes - set(CASES) - set(NOT_CASES) == set()


def _as_tensors(x):
    return [Tensor(a) for a in x] if isinstance(x, list) else Tensor(x)


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_gradients_of_inputs_and_weights_match_finite_differences(name, data):
    layer, x, kwargs = data.draw(CASES[name])
    inputs = x if isinstance(x, list) else [x]
    layer(_as_tensors(x), **kwargs)  # builds the weights

    def forward(*tensors):
        xs = list(tensors[:len(inputs)])
        return layer(xs if isinstance(x, list) else xs[0], **kwargs)

    gradcheck(forward, *inputs, *layer.trainable_weights)


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_output_shape_matches_compute_output_shape_and_the_functional_call(name, data):
    layer, x, kwargs = data.draw(CASES[name])
    output = layer(_as_tensors(x), **kwargs)
    shapes = [a.shape for a in x] if isinstance(x, list) else x.shape
    assert tuple(output.shape) == tuple(layer.compute_output_shape(shapes))
    symbolic = [keras.Input(shape=s[1:]) for s in shapes] if isinstance(x, list) else keras.Input(
        shape=x.shape[1:])
    assert layer(symbolic).shape == (None, *output.shape[1:])


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_config_round_trip_rebuilds_an_equal_layer(name, data):
    layer, x, _ = data.draw(CASES[name])
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_new_layers_are_named_like_keras():
    backend.clear_session()
    made = [layers.Conv2D(1, 1), layers.Conv2D(1, 1), layers.MaxPooling2D(),
            layers.GlobalAveragePooling2D(), layers.BatchNormalization(), layers.ReLU(),
            layers.LeakyReLU(), layers.Dropout(0.1), layers.Concatenate(), layers.Add()]
    assert [layer.name for layer in made] == [
        "conv2d", "conv2d_1", "max_pooling2d", "global_average_pooling2d",
        "batch_normalization", "re_lu", "leaky_re_lu", "dropout", "concatenate", "add"]


BAD_INPUTS = [
    (lambda: layers.Conv2D(2, 3), (2, 5, 5), r'layer "conv2d.*expected ndim=4.*\(2, 5, 5\)'),
    (lambda: layers.MaxPooling2D(), (2, 4, 4), r'layer "max_pooling2d.*ndim=4.*\(2, 4, 4\)'),
    (lambda: layers.GlobalMaxPooling2D(), (2, 4), r'layer "global_max_pooling2d.*\(2, 4\)'),
    (lambda: layers.Flatten(), (), r'layer "flatten.*min_ndim=1.*\(\)'),
    (lambda: layers.Reshape((3, 3)), (2, 4), r'"reshape.*\(4,\).*target_shape=\(3, 3\)'),
    (lambda: layers.MaxPooling2D(3), (1, 2, 2, 1), r'"max_pooling2d.*\(1, 2, 2, 1\)'),
    (lambda: layers.Conv2D(1, 5), (1, 3, 3, 1), r'"conv2d.*zero or negative.*\(1, 3, 3, 1\)'),
]


@pytest.mark.parametrize("make_layer, shape, message", BAD_INPUTS)
def test_bad_input_shapes_raise_a_clear_error(make_layer, shape, message):
    backend.clear_session()
    with pytest.raises(ValueError, match=message):
        make_layer()(np.zeros(shape, dtype="float32"))


@pytest.mark.parametrize("make_layer, good, bad, message", [
    (lambda: layers.Conv2D(2, 3), (1, 5, 5, 3), (1, 5, 5, 4),
     r'layer "conv2d.*axis -1.*value 3.*\(1, 5, 5, 4\)'),
    (lambda: layers.BatchNormalization(), (4, 3), (4, 5),
     r'layer "batch_normalization.*axis -1.*value 3.*\(4, 5\)'),
    (lambda: layers.BatchNormalization(), (4, 3), (4, 2, 3),
     r'layer "batch_normalization.*expected ndim=2.*\(4, 2, 3\)'),
])
def test_a_built_layer_rejects_another_channel_count_or_rank(make_layer, good, bad, message):
    backend.clear_session()
    layer = make_layer()
    layer(np.zeros(good, dtype="float32"))
    with pytest.raises(ValueError, match=message):
        layer(np.zeros(bad, dtype="float32"))


@pytest.mark.parametrize("make_layer, inputs, message", [
    (layers.Add, [(2, 3), (2, 4)], r'Layer "add".*incompatible shapes.*\(2, 3\), \(2, 4\)'),
    (layers.Maximum, [(2, 3), (3, 3)], r'"maximum" cannot merge.*different batch sizes'),
    (layers.Subtract, [(2, 3)] * 3, r'"subtract" should be called on exactly 2 inputs'),
    (layers.Concatenate, [(2, 3, 4), (2, 2, 5)], r'"concatenate" requires inputs with matching'),
    (layers.Concatenate, [(2, 3), (2, 3, 1)], r'"concatenate" needs inputs of one rank'),
])
def test_merging_incompatible_inputs_raises_a_clear_error(make_layer, inputs, message):
    backend.clear_session()
    with pytest.raises(ValueError, match=message):
        make_layer()([np.zeros(shape, dtype="float32") for shape in inputs])
