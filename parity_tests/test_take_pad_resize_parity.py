"""ops.take, ops.repeat, ops.pad, ops.image.resize and ops.layer_normalization against Keras's
own keras.ops on the TensorFlow backend: values, and gradients with respect to every float
input."""

import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import compare_functions

keras_ops = tf.keras.ops


@given(data=st.data())
def test_take(data):
    shape, axis, size = data.draw(mst.axis_cases())
    indices = data.draw(mst.arrays(mst.shapes(min_dims=0, max_dims=2, max_side=4),
                                   st.integers(-size, size - 1), "int32"))
    compare_functions(lambda x, i: mk.ops.take(x, i, axis=axis),
                      lambda x, i: keras_ops.take(x, i, axis=axis),
                      [data.draw(mst.arrays(shape, dtype="float32")), indices], "reduction",
                      f"ops.take(axis={axis})")


@given(data=st.data())
def test_repeat(data):
    shape, axis, repeats = data.draw(mst.repeat_cases())
    compare_functions(lambda x: mk.ops.repeat(x, repeats, axis=axis),
                      lambda x: keras_ops.repeat(x, repeats, axis=axis),
                      [data.draw(mst.arrays(shape, dtype="float32"))], "reduction",
                      f"ops.repeat({repeats}, axis={axis})")


@given(data=st.data())
def test_pad(data):
    shape, mode, widths = data.draw(mst.pad_cases())
    value = data.draw(st.sampled_from([None, 1.5])) if mode == "constant" else None
    compare_functions(lambda x: mk.ops.pad(x, widths, mode=mode, constant_values=value),
                      lambda x: keras_ops.pad(x, widths, mode=mode, constant_values=value),
                      [data.draw(mst.arrays(shape, dtype="float32"))], "reduction",
                      f"ops.pad({widths}, {mode})")


@given(data=st.data())
def test_image_resize(data):
    shape = data.draw(st.tuples(st.integers(1, 2), st.integers(1, 6), st.integers(1, 6),
                                st.integers(1, 3)))
    size = data.draw(st.tuples(st.integers(1, 9), st.integers(1, 9)))
    kwargs = {"interpolation": data.draw(st.sampled_from(["bilinear", "nearest"])),
              "data_format": data.draw(st.sampled_from(["channels_last", "channels_first"]))}
    kwargs.update(data.draw(st.sampled_from([{}, {"crop_to_aspect_ratio": True},
                                             {"pad_to_aspect_ratio": True, "fill_value": 0.5}])))
    compare_functions(lambda x: mk.ops.image.resize(x, size, **kwargs),
                      lambda x: keras_ops.image.resize(x, size, **kwargs),
                      [data.draw(mst.arrays(shape, dtype="float32"))], "linear",
                      f"ops.image.resize({size}, {kwargs})")


@given(data=st.data())
def test_layer_normalization(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=3, min_side=2, max_side=5))
    axis = data.draw(st.sampled_from([-1, [1], [1, 2]] if len(shape) == 3 else [-1, [1]]))
    axes = sorted({a % len(shape) for a in ([axis] if isinstance(axis, int) else axis)})
    x = data.draw(mst.arrays(shape, mst.moderate(-4, 4), dtype="float32"))
    parameters = [data.draw(mst.arrays(tuple(shape[a] for a in axes), dtype="float32"))
                  for _ in range(2)]
    epsilon = data.draw(st.sampled_from([1e-3, 1e-5]))
    compare_functions(
        lambda t, g, b: mk.ops.layer_normalization(t, g, b, axis=axis, epsilon=epsilon),
        lambda t, g, b: keras_ops.layer_normalization(t, g, b, axis=axis, epsilon=epsilon),
        [x, *parameters], "normalization", f"ops.layer_normalization(axis={axis})")
