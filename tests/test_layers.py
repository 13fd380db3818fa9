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
def shape_case(draw, make_layer, values=None):
    shape = draw(mst.shapes(min_dims=2, max_dims=4, max_side=4))
    return make_layer(shape), draw(mst.arrays(shape, values)), {}


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
    elif cls is layers.ELU:
        layer, values = layers.ELU(draw(st.sampled_from([1.0, 0.5]))), AWAY_FROM_ZERO
    elif cls is layers.PReLU:
        layer, values = layers.PReLU(alpha_initializer="random_uniform"), AWAY_FROM_ZERO
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


@st.composite
def embedding_case(draw):
    input_dim = draw(st.integers(1, 6))
    shape = draw(mst.shapes(min_dims=1, max_dims=3, max_side=4))
    layer = layers.Embedding(input_dim, draw(st.integers(1, 3)),
                             mask_zero=draw(st.booleans()))
    return layer, draw(mst.arrays(shape, st.integers(0, input_dim - 1), "int64")), {}


@st.composite
def per_sample_normalization_case(draw, cls):
    rank = draw(st.integers(2, 4))
    shape = draw(mst.shapes(min_dims=rank, max_dims=rank, min_side=2, max_side=4))
    initializers = {"gamma_initializer": keras.initializers.RandomUniform(0.5, 2),
                    "beta_initializer": "random_normal"}
    if cls is layers.GroupNormalization:
        axis = draw(st.sampled_from([-1, 1]))
        groups = draw(st.sampled_from([g for g in (1, 2, -1) if shape[axis] % abs(g) == 0]))
        layer = cls(groups=groups, axis=axis, center=draw(st.booleans()),
                    scale=draw(st.booleans()), **initializers)
        reduced = tuple(i for i in range(1, rank) if i != axis % rank) if groups == -1 else None
    else:
        axis = draw(st.sampled_from([-1, 1, [1, -1]] if rank > 2 else [-1, [1]]))
        layer = cls(axis=axis, center=draw(st.booleans()), scale=draw(st.booleans()),
                    **initializers)
        reduced = tuple({a % rank for a in ([axis] if isinstance(axis, int) else axis)})
    x = draw(mst.arrays(shape))
    assume(np.var(x, axis=reduced or tuple(range(1, rank))).min() > 0.05)
    return layer, x, {}


@st.composite
def sequence_pooling_case(draw, cls):
    shape = draw(st.tuples(st.integers(1, 2), st.integers(1, 5), st.integers(1, 3)))
    layer = cls(data_format=draw(st.sampled_from(["channels_last", "channels_first"])),
                keepdims=draw(st.booleans()))
    values = mst.distinct_values(shape) if cls is layers.GlobalMaxPooling1D else mst.arrays(shape)
    return layer, draw(values), {}


@st.composite
def image_shape_case(draw, make_layer):
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    shape = draw(images(min_side=3, max_side=5, channels=(3, 4)))  # either format
    return make_layer(draw, data_format), draw(mst.arrays(shape)), {}


def _zero_padding(draw, data_format):
    pair = st.tuples(st.integers(0, 2), st.integers(0, 2))
    return layers.ZeroPadding2D(draw(st.tuples(pair, pair)), data_format=data_format)


def _cropping(draw, data_format):
    pair = st.tuples(st.integers(0, 1), st.integers(0, 1))
    return layers.Cropping2D(draw(st.tuples(pair, pair)), data_format=data_format)


def _up_sampling(draw, data_format):
    return layers.UpSampling2D(draw(st.tuples(st.integers(1, 3), st.integers(1, 2))),
                               data_format=data_format,
                               interpolation=draw(st.sampled_from(["nearest", "bilinear"])))


@st.composite
def dot_case(draw):
    batch, n = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    x_shape = draw(st.sampled_from([(batch, n), (batch, 2, n), (batch, n, 3)]))
    y_shape = draw(st.sampled_from([(batch, n), (batch, n, 2), (batch, 3, n)]))
    axes = [x_shape.index(n, 1), y_shape.index(n, 1)]
    values = mst.away_from([0.0], 0.1, SMOOTH)
    layer = layers.Dot(axes=axes, normalize=draw(st.booleans()))
    return layer, [draw(mst.arrays(x_shape, values)), draw(mst.arrays(y_shape, values))], {}


@st.composite
def noise_case(draw, make_layer):
    shape = draw(mst.shapes(min_dims=4, max_dims=4, max_side=3))
    layer = make_layer(draw)
    if isinstance(layer, layers.SpatialDropout1D):
        shape = shape[:3]
    return layer, draw(mst.arrays(shape)), {"training": False}


@st.composite
def preprocessing_case(draw, make_layer):
    """An image layer; the random ones in inference, where they are the identity (the
    gradients of their transformations: tests/test_preprocessing_layers.py)."""
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    shape = draw(images(min_side=2, max_side=5))
    return make_layer(draw, data_format), draw(mst.arrays(shape)), {"training": False}


@st.composite
def normalization_case(draw):
    shape = draw(mst.shapes(min_dims=2, max_dims=3, max_side=4))
    layer = layers.Normalization(axis=draw(st.sampled_from([-1, None])),
                                 invert=draw(st.booleans()))
    layer.adapt(np.random.default_rng(0).normal(2.0, 3.0, (6, *shape[1:])))
    return layer, draw(mst.arrays(shape)), {}


def _resizing(draw, data_format):
    return layers.Resizing(draw(st.integers(1, 6)), draw(st.integers(1, 6)),
                           interpolation=draw(st.sampled_from(["bilinear", "nearest"])),
                           crop_to_aspect_ratio=draw(st.booleans()), data_format=data_format)


RANDOM_IMAGE_LAYERS = {
    "RandomFlip": lambda draw, data_format: layers.RandomFlip(data_format=data_format),
    "RandomTranslation": lambda draw, data_format: layers.RandomTranslation(
        0.2, 0.2, data_format=data_format),
    "RandomRotation": lambda draw, data_format: layers.RandomRotation(
        0.1, data_format=data_format),
    "RandomZoom": lambda draw, data_format: layers.RandomZoom(0.2, data_format=data_format),
    "RandomContrast": lambda draw, data_format: layers.RandomContrast(
        0.3, data_format=data_format),
    "RandomBrightness": lambda draw, data_format: layers.RandomBrightness(0.3),
}


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
    "Embedding": embedding_case(),
    "LayerNormalization": per_sample_normalization_case(layers.LayerNormalization),
    "GroupNormalization": per_sample_normalization_case(layers.GroupNormalization),
    "UnitNormalization": shape_case(lambda shape: layers.UnitNormalization(axis=-1),
                                    AWAY_FROM_ZERO),  # the norm has a kink at 0
    "GlobalAveragePooling1D": sequence_pooling_case(layers.GlobalAveragePooling1D),
    "GlobalMaxPooling1D": sequence_pooling_case(layers.GlobalMaxPooling1D),
    "Lambda": shape_case(lambda shape: layers.Lambda(keras.activations.softsign),
                         AWAY_FROM_ZERO),  # softsign's derivative has a kink at 0
    "ZeroPadding2D": image_shape_case(_zero_padding),
    "Cropping2D": image_shape_case(_cropping),
    "UpSampling2D": image_shape_case(_up_sampling),
    "RepeatVector": shape_case(lambda shape: layers.RepeatVector(3)).filter(
        lambda case: case[1].ndim == 2),
    "Permute": shape_case(lambda shape: layers.Permute(range(len(shape) - 1, 0, -1))),
    "Identity": shape_case(lambda shape: layers.Identity()),
    "SpatialDropout1D": noise_case(lambda draw: layers.SpatialDropout1D(0.5, seed=1)),
    "SpatialDropout2D": noise_case(lambda draw: layers.SpatialDropout2D(0.5)),
    "GaussianNoise": noise_case(lambda draw: layers.GaussianNoise(0.2)),
    "GaussianDropout": noise_case(lambda draw: layers.GaussianDropout(0.2)),
    "ActivityRegularization": shape_case(lambda shape: layers.ActivityRegularization(0.1, 0.1)),
    "ELU": activation_layer_case(layers.ELU),
    "PReLU": activation_layer_case(layers.PReLU),
    "Dot": dot_case(),
    "Rescaling": shape_case(lambda shape: layers.Rescaling(0.5, offset=-1.0)),
    "Normalization": normalization_case(),
    "Resizing": preprocessing_case(_resizing),
    "CenterCrop": preprocessing_case(lambda draw, data_format: layers.CenterCrop(
        draw(st.integers(1, 6)), draw(st.integers(1, 6)), data_format=data_format)),
    **{name: preprocessing_case(make_layer) for name, make_layer in RANDOM_IMAGE_LAYERS.items()},
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
    if not isinstance(x, list) and x.dtype.kind in "iu":  # indices: only weights have gradients
        gradcheck(lambda *weights: layer(x, **kwargs), *layer.trainable_weights)
        return

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


@pytest.mark.parametrize("make", [lambda: layers.Dense(3, activation="relu"),
                                  lambda: layers.Dense(3, activation="tanh"),
                                  lambda: layers.Conv1D(3, 2, activation="relu"),
                                  lambda: layers.Conv2D(3, 2, activation="sigmoid")])
def test_an_activation_set_to_none_after_construction_is_linear(make):
    layer = make()
    rank = 2 if isinstance(layer, layers.Dense) else layer.rank + 2
    x = np.random.default_rng(0).standard_normal((2,) + (4,) * (rank - 1)).astype("float32")
    layer(x)
    layer.activation = None
    linear = make()
    linear.activation = keras.activations.linear
    linear(x)
    linear.set_weights(layer.get_weights())
    np.testing.assert_array_equal(layer(x).numpy(), linear(x).numpy())
    assert (layer(x).numpy() < 0).any()  # no ReLU or sigmoid left
    assert layer.get_config()["activation"] == "linear"
