"""Hypothesis strategies shared by tests/ and parity_tests/: shapes, arrays, labels.

Values come in two flavours: ``moderate`` ones, where every function of
interest is smooth and finite differences are accurate, and ``extreme`` ones
(large magnitudes, exact zeros and ones, tiny numbers) where numerical care
shows. Functions with kinks (relu at 0, abs at 0, clip at its bounds) draw
with ``away_from`` so a finite difference never straddles a kink.
"""

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def shapes(min_dims=1, max_dims=4, min_side=1, max_side=5):
    """Array shapes, e.g. (3,), (2, 1, 4)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4):
    """Tuples of ``num_shapes`` shapes that broadcast together, e.g. ((3, 1), (2, 1, 4))."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda result: result.input_shapes)


def floats32(low, high):
    """float32 values in [low, high]; apart from 0, none smaller in magnitude than 1e-30.

    TensorFlow's CPU kernels flush subnormal numbers (below 1.2e-38) to zero
    (FTZ/DAZ) and NumPy does not, so a subnormal input -- or the subnormal
    product of two tiny ones -- compares two hardware modes rather than two
    formulas (p**0.5 of p = 1e-44 is 0 in one and 1e-22 in the other).
    """
    low, high = float(np.float32(low)), float(np.float32(high))
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=32,
                     allow_subnormal=False).filter(lambda v: v == 0 or abs(v) >= 1e-30)


def moderate(low=-3.0, high=3.0):
    """Floats in [low, high] (rounded to float32), where smooth functions are well conditioned."""
    return floats32(low, high)


def extreme(magnitude=1e4):
    """Floats including +-magnitude, 0, tiny values and ordinary ones."""
    return st.one_of(
        st.sampled_from([0.0, -0.0, magnitude, -magnitude, 1e-30, -1e-30, 1.0, -1.0]),
        floats32(-magnitude, magnitude),
    )


def away_from(points, margin, elements):
    """``elements`` with every value at least ``margin`` from each of ``points``."""
    return elements.filter(lambda v: all(abs(v - p) >= margin for p in points))


def arrays(shape, elements=None, dtype="float64"):
    """Arrays of ``shape`` (a tuple or a strategy) filled from ``elements``."""
    return hnp.arrays(np.dtype(dtype), shape, elements=elements if elements is not None
                      else moderate())


def float32_arrays(shape, elements=None):
    """``arrays`` of float32, the dtype layers compute in."""
    return arrays(shape, elements, "float32")


def image_shapes(max_side=6, max_channels=4, batched=True):
    """Shapes of images, channels last: (batch of 1-3, height, width, channels), or without
    the batch axis."""
    sides = (st.integers(1, max_side), st.integers(1, max_side), st.integers(1, max_channels))
    return st.tuples(st.integers(1, 3), *sides) if batched else st.tuples(*sides)


def sequence_shapes(max_steps=6, max_channels=4):
    """Shapes of sequences, channels last: (batch of 1-3, steps, channels)."""
    return st.tuples(st.integers(1, 3), st.integers(1, max_steps), st.integers(1, max_channels))


def probabilities(shape, dtype="float32", include_bounds=True):
    """Arrays of values in [0, 1] (exact 0 and 1 included unless ``include_bounds`` is False)."""
    inner = floats32(0.0, 1.0)
    if include_bounds:
        inner = st.one_of(st.sampled_from([0.0, 1.0]), inner)
    return arrays(shape, inner, dtype)


def distributions(batch_shape, num_classes, dtype="float32"):
    """Arrays of shape (*batch_shape, num_classes) whose rows are probability distributions."""
    def normalize(a):
        a = a + 1e-3
        return (a / a.sum(axis=-1, keepdims=True)).astype(dtype)

    return arrays((*batch_shape, num_classes), st.floats(0.0, 1.0, width=32),
                  "float64").map(normalize)


def labels(shape, num_classes):
    """Integer class labels in [0, num_classes) of ``shape``."""
    return arrays(shape, st.integers(0, num_classes - 1), "int64")


def one_hot(batch_shape, num_classes, dtype="float32"):
    """One-hot label rows of shape (*batch_shape, num_classes)."""
    return labels(batch_shape, num_classes).map(
        lambda indices: np.eye(num_classes, dtype=dtype)[indices])


def distinct_values(shape, low=-3.0, high=3.0, dtype="float64"):
    """Arrays of ``shape`` holding evenly spread values in [low, high] in random order.

    No two elements are closer than (high - low) / size, so max, min and
    max-pooling never meet a tie and stay differentiable.
    """
    size = int(np.prod(shape))
    values = np.linspace(low, high, size) if size > 1 else np.array([(low + high) / 2])
    return st.permutations(values).map(lambda v: np.reshape(np.asarray(v, dtype=dtype), shape))


def distinct_rows(array, axis=-1, gap=1e-3):
    """Rejects arrays whose extremes along ``axis`` tie (max and argmax stay differentiable)."""
    ordered = np.sort(array, axis=axis)
    if array.shape[axis] > 1:
        assume(np.all(np.abs(np.diff(ordered, axis=axis)) > gap))
    return array


@st.composite
def axis_cases(draw, max_dims=3, max_side=4):
    """(shape, axis, size): a shape, one of its axes or None (the flattened array, as take
    and repeat read it), and the number of elements along that axis."""
    shape = draw(shapes(max_dims=max_dims, max_side=max_side))
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    return shape, axis, int(np.prod(shape)) if axis is None else shape[axis]


@st.composite
def repeat_cases(draw):
    """(shape, axis, repeats) for ``repeat``: one count for all, or one per slice along axis."""
    shape, axis, size = draw(axis_cases(max_side=3))
    repeats = draw(st.one_of(st.integers(0, 3),
                             st.lists(st.integers(0, 3), min_size=size, max_size=size)))
    return shape, axis, repeats


@st.composite
def pad_cases(draw):
    """(shape, mode, widths) for ``pad``: (before, after) widths per axis that the mode
    allows ("reflect" less than the side, "symmetric" at most the side)."""
    shape = draw(shapes(max_dims=3, max_side=4))
    mode = draw(st.sampled_from(["constant", "reflect", "symmetric"]))
    largest = {"constant": 3, "reflect": min(shape) - 1, "symmetric": min(shape)}[mode]
    widths = draw(st.lists(st.tuples(st.integers(0, largest), st.integers(0, largest)),
                           min_size=len(shape), max_size=len(shape)))
    return shape, mode, widths


@st.composite
def window_cases(draw, dilations=True, max_batch=2):
    """(input shape, window, strides, padding, dilation) of a convolution or pooling over
    images (batch, height, width, channels): odd and even sizes, the window fitting a
    "valid" input, strides above 1 only without dilation (as TensorFlow allows)."""
    window = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    dilated = dilations and draw(st.booleans())
    dilation = draw(st.tuples(st.integers(1, 2), st.integers(1, 2))) if dilated else (1, 1)
    strides = (1, 1) if dilated else draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = draw(st.sampled_from(["valid", "same"]))
    height, width = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    if padding == "valid":
        assume(height >= (window[0] - 1) * dilation[0] + 1)
        assume(width >= (window[1] - 1) * dilation[1] + 1)
    shape = (draw(st.integers(1, max_batch)), height, width, draw(st.integers(1, 3)))
    return shape, window, strides, padding, dilation


# -- convolution and pooling layers ----------------------------------------------------

CONVOLUTIONS = ("Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D")


@st.composite
def convolution_cases(draw, layer, max_side=6, activations=(None, "tanh")):
    """(constructor arguments, input shape) for the convolution layer named ``layer``
    (one of CONVOLUTIONS), over its kernel sizes, strides, dilations, paddings (causal for
    Conv1D), data formats, groups (Conv1D, Conv2D), output paddings (Conv2DTranspose),
    depth multipliers and ``activations``, with odd and even sizes; the window always fits."""
    rank = 1 if layer == "Conv1D" else 2
    side = st.integers(1, 3)
    kernel_size = draw(st.tuples(*[side] * rank))
    # Keras allows strides and dilation above 1 together only in depthwise convolutions.
    both = layer in ("DepthwiseConv2D", "SeparableConv2D")
    dilation = draw(st.tuples(*[st.integers(1, 2)] * rank))
    strides = draw(st.tuples(*[st.integers(1, 3)] * rank))
    if not both:
        strides = (1,) * rank if max(dilation) > 1 else strides
    paddings = ["valid", "same"] + (["causal"] if rank == 1 else [])
    padding = draw(st.sampled_from(paddings))
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    groups = draw(st.sampled_from([1, 2])) if layer in ("Conv1D", "Conv2D") else 1
    channels = groups * draw(st.integers(1, 2))
    arguments = {"kernel_size": kernel_size, "strides": strides, "padding": padding,
                 "dilation_rate": dilation, "data_format": data_format,
                 "use_bias": draw(st.booleans()),
                 "activation": draw(st.sampled_from(activations))}
    if layer in ("Conv1D", "Conv2D"):
        arguments.update(filters=groups * draw(st.integers(1, 2)), groups=groups)
    spans = [(k - 1) * d + 1 for k, d in zip(kernel_size, dilation, strict=True)]
    if layer == "Conv2DTranspose":
        # With "same", an even span needs output_padding >= 1 for a convolution of the
        # output to give back the input's size (TensorFlow fails otherwise).
        least = [1 - span % 2 if padding == "same" else 0 for span in spans]
        possible = all(low < s for low, s in zip(least, strides, strict=True))
        extra = draw(st.one_of(st.none(), st.tuples(*[
            st.integers(low, s - 1) for low, s in zip(least, strides, strict=True)])) if possible
            else st.none())
        arguments.update(filters=draw(st.integers(1, 3)), output_padding=extra)
    if layer in ("DepthwiseConv2D", "SeparableConv2D"):
        arguments["depth_multiplier"] = draw(st.integers(1, 2))
    if layer == "SeparableConv2D":
        arguments["filters"] = draw(st.integers(1, 3))
    smallest = spans if padding == "valid" and layer != "Conv2DTranspose" else [1] * rank
    sizes = tuple(draw(st.integers(low, max(low, max_side))) for low in smallest)
    batch = draw(st.integers(1, 2))
    shape = (batch, channels, *sizes) if data_format == "channels_first" else (
        batch, *sizes, channels)
    return arguments, shape


@st.composite
def pooling_cases(draw, rank, max_side=6):
    """(constructor arguments, input shape) for a pooling layer of ``rank`` 1 or 2: pool
    sizes, strides (None: the pool size), paddings and data formats; the window fits."""
    pool_size = draw(st.tuples(*[st.integers(1, 3)] * rank))
    strides = draw(st.one_of(st.none(), st.tuples(*[st.integers(1, 3)] * rank)))
    padding = draw(st.sampled_from(["valid", "same"]))
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    smallest = pool_size if padding == "valid" else (1,) * rank
    sizes = tuple(draw(st.integers(low, max(low, max_side))) for low in smallest)
    batch, channels = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    shape = (batch, channels, *sizes) if data_format == "channels_first" else (
        batch, *sizes, channels)
    arguments = {"pool_size": pool_size, "strides": strides, "padding": padding,
                 "data_format": data_format}
    return arguments, shape


# -- wrong input, for the tests that every mistake gets a clear error -----------------

WRONG_DTYPES = ("float32", "float64", "float16", "int32", "uint8", "bool", "complex64",
                "object", "str", "datetime64[s]")


def any_arrays(max_dims=5, max_side=4, dtypes=WRONG_DTYPES):
    """Arrays of any rank (0 included), any side (0 included) and any dtype, numeric or not."""
    def build(shape, dtype, fill):
        if dtype == "object":
            return np.full(shape, None, dtype=object)
        if dtype == "str":
            return np.full(shape, "a")
        with np.errstate(invalid="ignore"):  # NaN and Inf cast to integers: any value will do
            return np.full(shape, fill).astype(dtype)

    return st.builds(build, hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0,
                                             max_side=max_side),
                     st.sampled_from(dtypes),
                     st.sampled_from([0.0, 1.0, -2.5, np.nan, np.inf]))


def wrong_inputs(max_dims=5, max_side=4):
    """What a user may pass by mistake where arrays belong: arrays of any shape and dtype,
    lists and dicts of them, ragged lists, scalars, strings, None."""
    arrays = any_arrays(max_dims, max_side)
    return st.one_of(
        arrays,
        st.lists(arrays, max_size=3),
        st.tuples(arrays),
        st.dictionaries(st.sampled_from(["a", "b", "input"]), arrays, max_size=2),
        st.sampled_from([None, 0, 2.5, "abc", [[1.0, 2.0], [3.0]], [], {}, ()]),
    )


def wrong_arguments():
    """Values a user may pass by mistake for a constructor or fit argument."""
    return st.sampled_from([None, 0, -1, 1, 2, 3, 0.5, -0.5, 1.5, float("nan"), True, "a",
                            "relu", "same", "", (), (0,), (1,), (2, 2), (-1, 3), (1, 2, 3),
                            [2], {"a": 1}, object()])
