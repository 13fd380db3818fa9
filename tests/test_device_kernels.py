"""The fused device kernels compute what the NumPy code computes.

Each kernel (CUDA C, run on NumPy by the strict stand-in, and on the GPU
when there is one) is compared with the NumPy path it replaces on the
device, on the same inputs, and its launches are counted: one kernel must
do the work of the array operations it stands for.
"""

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend
from minikeras.autograd import Tensor
from minikeras.ops.cross_entropy import labels_checked
from minikeras.ops.pooling import MaxPool2D, _pooled
from minikeras.testing import strict_cupy


def on_device_then_numpy(run):
    """(``run()`` on the device, ``run()`` on NumPy), each result a list of NumPy arrays."""
    on_device = [backend.to_numpy(r) for r in run()]
    backend.set_backend("numpy")
    return on_device, [np.asarray(r) for r in run()]


def counted(run):
    """(``run()``'s result, the Counts of the stand-in's work in it)."""
    with strict_cupy.counting() as counts:
        result = run()
    return result, counts


# -- metrics ------------------------------------------------------------------------


def _scores_with_ties_and_nans(rows=12, classes=5, seed=0):
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal((rows, classes)).astype("float32")
    scores[1] = 0.5  # a tie everywhere: the first class wins
    scores[2, [1, 3]] = 9.0  # a tie for the largest
    scores[3, 2] = np.nan  # argmax is the first NaN
    scores[4, [0, 4]] = np.nan
    return scores, rng.integers(0, classes, rows)


@pytest.mark.parametrize("labels_shape", ["flat", "column", "float"])
def test_sparse_categorical_accuracy_counts_hits_in_one_launch(device, labels_shape):
    scores, labels = _scores_with_ties_and_nans()
    labels[[1, 2, 3, 4]] = [0, 1, 2, 0]  # hits only if ties and NaNs are resolved as argmax does
    labels = {"flat": labels, "column": labels[:, None], "float": labels.astype("float32")}[
        labels_shape]

    def run():
        metric = keras.metrics.SparseCategoricalAccuracy()
        y_true, y_pred = backend.to_device(labels), backend.to_device(scores)
        metric.update_state(y_true, y_pred)
        _, counts = counted(lambda: metric.update_state(y_true[:7], y_pred[:7]))
        if backend.backend() == "cupy" and device is strict_cupy:
            assert (counts.launches, counts.allocations) == (1, 0)
        return [metric.total.data, metric.count.data, metric.result().data]

    on_device, on_numpy = on_device_then_numpy(run)
    np.testing.assert_array_equal(on_device, on_numpy)
    assert on_numpy[1] == 19


def test_categorical_accuracy_counts_hits_in_one_launch(device):
    scores, labels = _scores_with_ties_and_nans(seed=1)
    one_hot = np.eye(5, dtype="float32")[labels]
    one_hot[5] = [0.2, 0.3, 0.3, 0.1, 0.1]  # soft labels: their first largest is the class

    def run():
        metric = keras.metrics.CategoricalAccuracy()
        y_true, y_pred = backend.to_device(one_hot), backend.to_device(scores)
        _, counts = counted(lambda: metric.update_state(y_true, y_pred))
        if backend.backend() == "cupy" and device is strict_cupy:
            assert (counts.launches, counts.allocations) == (1, 0)
        return [metric.total.data, metric.count.data]

    on_device, on_numpy = on_device_then_numpy(run)
    np.testing.assert_array_equal(on_device, on_numpy)


def test_weighted_accuracy_takes_the_general_path_on_the_device(device):
    scores, labels = _scores_with_ties_and_nans()
    weights = np.linspace(0.5, 2.0, len(labels)).astype("float32")

    def run():
        metric = keras.metrics.SparseCategoricalAccuracy()
        metric.update_state(backend.to_device(labels), backend.to_device(scores),
                            sample_weight=backend.to_device(weights))
        return [metric.total.data, metric.count.data]

    on_device, on_numpy = on_device_then_numpy(run)
    np.testing.assert_allclose(on_device, on_numpy, rtol=1e-6)


def test_the_loss_tracker_adds_a_batch_in_one_launch(device):
    losses = np.array([2.5, 0.125, 7.75], dtype="float32")

    def run():
        tracker = keras.metrics.Mean(name="loss")
        for loss, batch_size in zip(losses, (128, 128, 32), strict=True):
            value = backend.to_device(loss)
            _, counts = counted(lambda v=value, n=batch_size: tracker.update_state(
                v, sample_weight=n))
            if backend.backend() == "cupy" and device is strict_cupy:
                assert (counts.launches, counts.allocations, counts.host_to_device) == (1, 0, 0)
        tracker.update_state(backend.to_device(np.float32(1.5)))  # weight 1
        return [tracker.total.data, tracker.count.data, tracker.result().data]

    on_device, on_numpy = on_device_then_numpy(run)
    np.testing.assert_array_equal(on_device, on_numpy)
    assert on_numpy[1] == 289


# -- optimizers -------------------------------------------------------------------------

FUSED_OPTIMIZERS = {
    "sgd": lambda: keras.optimizers.SGD(0.05),
    "sgd_momentum": lambda: keras.optimizers.SGD(0.02, momentum=0.9),
    "sgd_nesterov": lambda: keras.optimizers.SGD(0.02, momentum=0.9, nesterov=True),
    "adam": lambda: keras.optimizers.Adam(0.05),
    "rmsprop": lambda: keras.optimizers.RMSprop(0.01),
    "rmsprop_momentum": lambda: keras.optimizers.RMSprop(0.01, momentum=0.5),
    "rmsprop_centered": lambda: keras.optimizers.RMSprop(0.01, centered=True),
    "rmsprop_centered_momentum": lambda: keras.optimizers.RMSprop(0.01, momentum=0.5,
                                                                  centered=True),
}


def _three_updates(make_optimizer, shapes, counts=None):
    """Three steps of the optimizer on weights of ``shapes``; the weights and the optimizer's
    variables after them. ``counts``: a list to which each step's Counts is appended."""
    rng = np.random.default_rng(0)
    weights = [keras.Variable(rng.standard_normal(s).astype("float32"), name=f"w{i}")
               for i, s in enumerate(shapes)]
    optimizer = make_optimizer()
    for step in range(3):
        grads = [backend.to_device(rng.standard_normal(s).astype("float32")) for s in shapes]
        _, work = counted(lambda g=grads: optimizer.apply(g, weights))
        if counts is not None and step:  # the first step builds the slots
            counts.append(work)
    return [w.data for w in weights] + [v.data for v in optimizer.variables]


@pytest.mark.parametrize("name", sorted(FUSED_OPTIMIZERS))
def test_one_launch_updates_every_weight_as_the_numpy_code_does(device, name):
    shapes = [(3, 4), (4,), (2, 3, 2), (1,)]
    counts = []
    on_device, on_numpy = on_device_then_numpy(
        lambda: _three_updates(FUSED_OPTIMIZERS[name], shapes, counts))
    if device is strict_cupy:  # the same operations in the same order: the same roundings
        for a, b in zip(on_device, on_numpy, strict=True):
            np.testing.assert_array_equal(a, b)
        assert [(c.launches, c.allocations) for c in counts[:2]] == [(2, 0), (2, 0)]
    else:  # a GPU may fuse a multiply and an add
        for a, b in zip(on_device, on_numpy, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_many_weights_take_a_launch_per_sixteen(device):
    counts = []
    on_device, on_numpy = on_device_then_numpy(
        lambda: _three_updates(FUSED_OPTIMIZERS["adam"], [(2,)] * 20, counts))
    for a, b in zip(on_device, on_numpy, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    if device is strict_cupy:
        assert counts[0].launches == 1 + 2  # the iteration count, then 16 + 4 weights


# -- softmax and the cross-entropies ------------------------------------------------------


def _forward_and_backward(function, arrays, upstream, differentiate):
    """``function(*tensors)``, its value and the gradients of the tensors marked in
    ``differentiate``, given the gradient ``upstream``; the stand-in's launches of each pass."""
    tensors = [Tensor(backend.to_device(a), requires_grad=d)
               for a, d in zip(arrays, differentiate, strict=True)]
    y, forward = counted(lambda: function(*tensors))
    _, backward = counted(lambda: y.backward(backend.to_device(upstream)))
    passes.append((forward.launches, backward.launches))
    return [y.data, *(t.grad for t in tensors if t.requires_grad)]


passes = []  # (forward launches, backward launches) of the last _forward_and_backward calls


def _logits(shape, seed=0):
    rng = np.random.default_rng(seed)
    logits = (rng.standard_normal(shape) * 3).astype("float32")
    flat = logits.reshape(-1, shape[-1])
    flat[0, 0] = 80.0  # exp would overflow without the shift by the largest logit
    flat[1, :] = -1e30
    flat[1, -1] = 1e30
    if shape[-1] > 1:
        flat[2, -1] = -np.inf  # (a row of -inf alone would have no softmax)
    return logits


@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 4), (3, 1)])
def test_softmax_runs_each_pass_in_one_kernel(device, shape):
    logits = _logits(shape)
    upstream = np.random.default_rng(1).standard_normal(shape).astype("float32")
    passes.clear()
    on_device, on_numpy = on_device_then_numpy(lambda: _forward_and_backward(
        keras.ops.softmax, [logits], upstream, [True]))
    for a, b in zip(on_device, on_numpy, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    if device is strict_cupy:
        assert passes[0] == (1, 1)


@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 4), (3, 1)])
def test_sparse_cross_entropy_computes_the_loss_and_its_gradient_in_one_kernel(device, shape):
    logits = _logits(shape)
    labels = np.random.default_rng(2).integers(0, shape[-1], shape[:-1])
    upstream = np.random.default_rng(1).standard_normal(shape[:-1]).astype("float32")

    def run():
        on_the_device = backend.to_device(labels)
        with labels_checked():  # as in fit, which checks them on the host
            return _forward_and_backward(lambda x: keras.ops.sparse_categorical_crossentropy(
                on_the_device, x, from_logits=True), [logits], upstream, [True])

    passes.clear()
    on_device, on_numpy = on_device_then_numpy(run)
    for a, b in zip(on_device, on_numpy, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    if device is strict_cupy:
        assert passes[0] == (1, 1)


@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 4)])
def test_categorical_cross_entropy_computes_the_loss_and_its_gradient_in_one_kernel(
        device, shape):
    logits = _logits(shape)
    rng = np.random.default_rng(3)
    labels = rng.random(shape).astype("float32")
    labels /= labels.sum(axis=-1, keepdims=True)  # smoothed labels
    labels.reshape(-1, shape[-1])[0] *= 2  # labels summing to 2: the gradient scales softmax
    upstream = rng.standard_normal(shape[:-1]).astype("float32")
    passes.clear()
    on_device, on_numpy = on_device_then_numpy(lambda: _forward_and_backward(
        lambda t, x: keras.ops.categorical_crossentropy(t, x, from_logits=True),
        [labels, logits], upstream, [False, True]))
    for a, b in zip(on_device, on_numpy, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-5)
    if device is strict_cupy:
        assert passes[0] == (1, 1)


def test_labels_that_need_a_gradient_take_the_plain_cross_entropy(device):
    logits, labels = _logits((4, 3)), np.full((4, 3), 1 / 3, dtype="float32")
    upstream = np.ones(4, dtype="float32")
    on_device, on_numpy = on_device_then_numpy(lambda: _forward_and_backward(
        lambda t, x: keras.ops.categorical_crossentropy(t, x, from_logits=True),
        [labels, logits], upstream, [True, True]))
    for a, b in zip(on_device, on_numpy, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


# -- dropout, bias, ReLU -------------------------------------------------------------------


def test_dropout_makes_and_applies_its_mask_in_one_kernel(device):
    from minikeras.ops.fast.random import DeviceDropout
    from minikeras.ops.random import Dropout

    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 7)).astype("float32")
    draws = rng.random((5, 7), dtype=np.float32)
    draws[0, :3] = [0.7, np.nextafter(np.float32(0.7), 1), 0.0]  # at and around 1 - rate
    upstream = rng.standard_normal((5, 7)).astype("float32")
    backend.set_backend("cupy", module=device)
    passes.clear()
    on_device = [backend.to_numpy(a) for a in _forward_and_backward(
        lambda t: DeviceDropout(backend.to_device(draws), 0.7)(t), [x], upstream, [True])]
    backend.set_backend("numpy")
    scale = (draws < 0.7).astype("float32") * (1 / 0.7)  # backend.random_mask's comparison
    on_numpy = _forward_and_backward(lambda t: Dropout(scale)(t), [x], upstream, [True])
    for a, b in zip(on_device, on_numpy, strict=True):
        np.testing.assert_array_equal(a, b)
    if device is strict_cupy:
        assert passes[0] == (1, 1)


def test_a_dense_layer_adds_its_bias_and_relu_and_their_gradients_in_one_kernel_each(device):
    rng = np.random.default_rng(5)
    x, kernel, bias = (rng.standard_normal(s).astype("float32") for s in [(6, 4), (4, 5), (5,)])
    x[0] = np.nan  # a NaN stays NaN through the ReLU, as in maximum(v, 0)
    upstream = rng.standard_normal((6, 5)).astype("float32")
    passes.clear()
    on_device, on_numpy = on_device_then_numpy(lambda: _forward_and_backward(
        lambda *t: keras.ops.fused_dense(*t, relu=True), [x, kernel, bias], upstream,
        [True, True, True]))
    for a, b in zip(on_device, on_numpy, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    if device is strict_cupy:  # product, bias and ReLU; ReLU's gradient, two products, a sum
        assert passes[0] == (2, 4)


def test_relu_runs_each_pass_in_one_kernel(device):
    x = np.array([[-1.0, 0.0, 2.0], [np.nan, 3.0, -0.0]], dtype="float32")
    upstream = np.array([[1.0, 2.0, 3.0], [4.0, np.inf, 6.0]], dtype="float32")
    passes.clear()
    on_device, on_numpy = on_device_then_numpy(lambda: _forward_and_backward(
        keras.ops.relu, [x], upstream, [True]))
    for a, b in zip(on_device, on_numpy, strict=True):
        np.testing.assert_array_equal(a, b)
    if device is strict_cupy:
        assert passes[0] == (1, 1)


# -- convolution, pooling, batch normalization ----------------------------------------------

CONVOLUTIONS = [  # (input shape, kernel shape, strides, padding, dilation)
    ((2, 7, 6, 3), (3, 3, 3, 4), 2, "same", 1),
    ((2, 9, 9, 2), (6, 6, 2, 3), 2, "same", 1),  # the batch-norm convnet's middle layers
    ((1, 8, 7, 2), (2, 3, 2, 2), 1, "valid", 2),
    ((3, 5, 5, 1), (3, 3, 1, 2), 1, "valid", 1),
]


@pytest.mark.parametrize("x_shape, kernel_shape, strides, padding, dilation", CONVOLUTIONS)
@pytest.mark.parametrize("relu", [False, True])
def test_a_convolution_runs_im2col_and_col2im_as_one_kernel_each(
        device, x_shape, kernel_shape, strides, padding, dilation, relu):
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(s).astype("float32")
              for s in (x_shape, kernel_shape, kernel_shape[-1:])]

    def convolution(*tensors):
        return keras.ops.fused_conv(*tensors, relu=relu, strides=strides, padding=padding,
                                    dilation_rate=dilation)

    out_shape = convolution(*arrays).shape
    upstream = rng.standard_normal(out_shape).astype("float32")
    passes.clear()
    on_device, on_numpy = on_device_then_numpy(lambda: _forward_and_backward(
        convolution, arrays, upstream, [True, True, True]))
    for a, b in zip(on_device, on_numpy, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    if device is strict_cupy:  # im2col, product, bias (and ReLU); (ReLU,) 3 products, a sum
        assert passes[0] == (3, 4 + relu)


POOLS = [((2, 6, 6, 3), 2, None, "valid"), ((2, 7, 5, 2), 3, 2, "same"),
         ((1, 5, 6, 2), (2, 3), 1, "valid")]


@pytest.mark.parametrize("x_shape, pool_size, strides, padding", POOLS)
def test_max_pooling_runs_each_pass_in_one_kernel(device, x_shape, pool_size, strides,
                                                  padding):
    rng = np.random.default_rng(7)
    x = rng.integers(-3, 3, x_shape).astype("float32")  # many ties: the first tap must win
    x[0, 0, 0, 0], x[0, 1, 1, 0], x[-1, -1, -1, -1] = np.nan, -np.inf, np.inf

    def pool(t):  # the device twin on the device; on NumPy the plain op, the oracle
        if backend.backend() == "cupy":
            return keras.ops.max_pool(t, pool_size, strides=strides, padding=padding)
        return _pooled("max_pool", lambda images: MaxPool2D, t, pool_size, strides, padding, None)

    upstream = rng.standard_normal(pool(x).shape).astype("float32")
    passes.clear()
    on_device, on_numpy = on_device_then_numpy(lambda: _forward_and_backward(
        pool, [x], upstream, [True]))
    for a, b in zip(on_device, on_numpy, strict=True):
        np.testing.assert_array_equal(a, b)
    if device is strict_cupy:
        assert passes[0] == (1, 1)


@pytest.mark.parametrize("x_shape, axis", [((4, 3, 5, 6), -1), ((16, 7), -1), ((3, 4, 2, 2), 1)])
@pytest.mark.parametrize("with_gamma, with_beta", [(True, True), (False, True), (True, False)])
def test_batch_normalization_runs_in_three_kernels_each_way(device, x_shape, axis, with_gamma,
                                                            with_beta):
    rng = np.random.default_rng(8)
    channels = x_shape[axis]
    x = (rng.standard_normal(x_shape) * 3 + 5).astype("float32")
    gamma, beta = (rng.standard_normal(channels).astype("float32") for _ in range(2))
    upstream = rng.standard_normal(x_shape).astype("float32")
    arrays, differentiate = [x], [True]
    if with_gamma:
        arrays, differentiate = [*arrays, gamma], [*differentiate, True]
    if with_beta:
        arrays, differentiate = [*arrays, beta], [*differentiate, True]

    def normalize(t, *channel_tensors):
        scale = channel_tensors[0] if with_gamma else None
        offset = channel_tensors[-1] if with_beta else None
        y, mean, variance = keras.ops.fused_batch_normalization(t, scale, offset, axis=axis)
        statistics.extend([mean.data, variance.data])
        return y

    statistics = []
    passes.clear()

    def run():
        statistics.clear()
        return [*_forward_and_backward(normalize, arrays, upstream, differentiate),
                *statistics]

    on_device, on_numpy = on_device_then_numpy(run)
    for a, b in zip(on_device, on_numpy, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    if device is strict_cupy:  # mean, variance, normalization; two sums, the input gradient
        assert passes[0] == (3, 3)


def test_the_moving_statistics_move_in_one_kernel(device):
    rng = np.random.default_rng(9)
    x = (rng.standard_normal((8, 4, 4, 3)) * 2 + 1).astype("float32")

    def run():
        layer = keras.layers.BatchNormalization(momentum=0.8)
        layer.build(x.shape)
        data = backend.to_device(x)
        layer(data, training=True)
        _, counts = counted(lambda: layer(data, training=True))
        if device is strict_cupy and backend.backend() == "cupy":
            assert counts.launches == 3 + 1
        return [layer.moving_mean.data, layer.moving_variance.data]

    on_device, on_numpy = on_device_then_numpy(run)
    for a, b in zip(on_device, on_numpy, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_the_device_twins_show_in_graphs_as_the_ops_they_stand_for():
    from minikeras.ops import cross_entropy, normalization
    from minikeras.ops.fast import convolution, softmax
    from minikeras.ops.fast import normalization as fast_normalization

    twins = [(softmax.DeviceSparseSoftmaxCrossEntropy, cross_entropy.SparseSoftmaxCrossEntropy),
             (softmax.DeviceSoftmaxCrossEntropy, cross_entropy.SoftmaxCrossEntropy),
             (convolution.DeviceConv2D, convolution.FusedConv2D),
             (fast_normalization.DeviceBatchNormalization,
              fast_normalization.FusedBatchNormalization)]
    for device_twin, op in twins:
        assert device_twin.input_names == op.input_names
    assert normalization.BatchNormalization.__name__ == (
        fast_normalization.DeviceBatchNormalization.label)
