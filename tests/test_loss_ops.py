"""The ops behind losses and metrics: fused cross-entropies, logsumexp, normalize, top_k, ...

Forward values against NumPy definitions (in float64), backward against
finite differences, stability at logits of +-1e4, label errors, and a run
of each on the strict device.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minikeras import backend, ops
from minikeras.autograd import Tensor, gradcheck
from minikeras.ops.cross_entropy import (
    sigmoid_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
)
from minikeras.testing import strategies as mst


def _log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _case(data, min_classes=1):
    """A batch shape, a number of classes and moderate logits of shape (*batch, classes)."""
    batch = data.draw(mst.shapes(min_dims=0, max_dims=2), label="batch")
    classes = data.draw(st.integers(min_classes, 5), label="classes")
    logits = data.draw(mst.arrays((*batch, classes)), label="logits")
    return batch, classes, logits


# -- the fused cross-entropies ----------------------------------------------------


@given(data=st.data())
def test_softmax_cross_entropy_forward_and_gradients_of_labels_and_logits(data):
    batch, classes, logits = _case(data)
    axis = data.draw(st.sampled_from([-1, 0]) if batch else st.just(-1), label="axis")
    labels = data.draw(mst.arrays((*batch, classes), st.floats(0, 1)), label="labels")
    result = softmax_cross_entropy_with_logits(Tensor(labels), Tensor(logits), axis=axis)
    np.testing.assert_allclose(result.numpy(), -(labels * _log_softmax(logits, axis)).sum(axis),
                               rtol=1e-6, atol=1e-12)
    # Labels that do not sum to one still get the exact gradient (softmax * sum(t) - t).
    gradcheck(lambda t, x: softmax_cross_entropy_with_logits(t, x, axis=axis), labels, logits)


@given(data=st.data())
def test_sparse_softmax_cross_entropy_forward_and_gradient(data):
    batch, classes, logits = _case(data)
    labels = data.draw(mst.labels(batch, classes), label="labels")
    result = sparse_softmax_cross_entropy_with_logits(labels, Tensor(logits))
    expected = -np.take_along_axis(_log_softmax(logits), labels[..., None], -1)[..., 0]
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6, atol=1e-12)
    gradcheck(lambda x: sparse_softmax_cross_entropy_with_logits(labels, x), logits)


@given(data=st.data())
def test_sigmoid_cross_entropy_forward_and_gradients_of_labels_and_logits(data):
    shape = data.draw(mst.shapes(), label="shape")
    logits = data.draw(mst.arrays(shape), label="logits")
    labels = data.draw(mst.arrays(shape, st.floats(0, 1)), label="labels")
    p = _sigmoid(logits)
    expected = -(labels * np.log(p) + (1 - labels) * np.log(1 - p))
    result = sigmoid_cross_entropy_with_logits(Tensor(labels), Tensor(logits))
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6, atol=1e-12)
    gradcheck(sigmoid_cross_entropy_with_logits, labels, logits)


@pytest.mark.parametrize("loss", ["categorical", "sparse", "binary"])
def test_fused_cross_entropies_are_exact_and_finite_for_logits_of_1e4(loss):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, -1e4]], dtype="float32")
    target = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], dtype="float32")
    x = Tensor(logits, requires_grad=True)
    if loss == "categorical":
        result = ops.categorical_crossentropy(target, x, from_logits=True)
        expected = -(target * _log_softmax(logits.astype("float64"))).sum(-1)
    elif loss == "sparse":
        result = ops.sparse_categorical_crossentropy(target.argmax(-1), x, from_logits=True)
        expected = -(target * _log_softmax(logits.astype("float64"))).sum(-1)
    else:
        result = ops.binary_crossentropy(target, x, from_logits=True)
        z = logits.astype("float64")
        expected = np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))
    result.sum().backward()
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)
    assert np.isfinite(x.grad).all() and np.abs(x.grad).max() <= 2.0


@given(data=st.data())
def test_cross_entropies_of_probabilities_clip_and_normalise_as_keras(data):
    batch, classes, _ = _case(data, min_classes=2)
    # Away from the clipping at epsilon and 1 - epsilon, where the gradient jumps to 0.
    probabilities = data.draw(mst.arrays((*batch, classes), st.floats(0.05, 0.95)), label="p")
    target = data.draw(mst.one_hot(batch, classes, dtype="float64"), label="target")
    normalised = probabilities / probabilities.sum(-1, keepdims=True)
    expected = -(target * np.log(normalised)).sum(-1)
    result = ops.categorical_crossentropy(Tensor(target), Tensor(probabilities))
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6, atol=1e-12)
    gradcheck(lambda p: ops.categorical_crossentropy(target, p), probabilities)
    gradcheck(lambda p: ops.sparse_categorical_crossentropy(target.argmax(-1), p), probabilities)
    gradcheck(lambda p: ops.binary_crossentropy(target, p), probabilities)


def test_probabilities_of_exactly_0_and_1_are_clipped_to_epsilon():
    target = np.array([1.0, 0.0, 1.0], dtype="float32")
    p = Tensor(np.array([0.0, 1.0, 1.0], dtype="float32"), requires_grad=True)
    result = ops.binary_crossentropy(target, p)
    result.sum().backward()
    low, high = np.float32(1e-7), np.float32(1 - 1e-7)  # the bounds, rounded as Keras's
    np.testing.assert_allclose(result.numpy(), -np.log([low, 1 - high, high]), rtol=1e-6)
    np.testing.assert_array_equal(p.grad, [0.0, 0.0, 0.0])  # clipped: no gradient


def test_a_softmax_or_sigmoid_output_is_replaced_by_its_logits():
    logits = Tensor(np.array([[200.0, -200.0, 0.0]], dtype="float32"), requires_grad=True)
    target = np.array([[0.0, 1.0, 0.0]], dtype="float32")
    result = ops.categorical_crossentropy(target, ops.softmax(logits))
    result.backward()
    # From the probabilities this would be clipped at -log(1e-7) ~ 16.1.
    np.testing.assert_allclose(result.numpy(), [400.0], rtol=1e-6)
    np.testing.assert_allclose(logits.grad, [[1.0, -1.0, 0.0]], atol=1e-6)
    binary = ops.binary_crossentropy(target, ops.sigmoid(logits))
    np.testing.assert_allclose(binary.numpy(), [[200.0, 200.0, np.log(2.0)]], rtol=1e-6)
    with pytest.warns(UserWarning, match="from_logits=True"):
        ops.categorical_crossentropy(target, ops.softmax(logits), from_logits=True)


def test_label_errors_are_clear():
    output = np.full((2, 3), 1 / 3, dtype="float32")
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 3\).*from 0 to 3"):
        ops.sparse_categorical_crossentropy(np.array([0, 3]), output)
    with pytest.raises(ValueError, match="from -1 to 2"):
        ops.sparse_categorical_crossentropy(np.array([-1, 2]), output)
    with pytest.raises(ValueError, match=r"labels of shape \(2,\).*categorical_crossentropy"):
        ops.sparse_categorical_crossentropy(np.eye(3)[:2], np.full((2, 4), 0.25))
    with pytest.raises(ValueError, match=r"one-hot target must have the output's shape.*"
                                         r"\(2, 4\).*\(2, 3\).*sparse_categorical_crossentropy"):
        ops.categorical_crossentropy(np.zeros((2, 4)), output)
    with pytest.raises(ValueError, match="only the last axis"):
        ops.sparse_categorical_crossentropy(np.array([0, 1, 2]), output, axis=0)
    with pytest.raises(ValueError, match="binary_crossentropy: target and output must have"):
        ops.binary_crossentropy(np.zeros((2, 1)), output)


# -- logsumexp, normalize, rsqrt, divide_no_nan ----------------------------------------


@given(data=st.data())
def test_logsumexp(data):
    x = data.draw(mst.arrays(mst.shapes(max_dims=3)), label="x")
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    expected = np.log(np.exp(x).sum(axis=axis, keepdims=keepdims))
    # atol: log(exp(x)) of x near 0 has absolute (not relative) float64 error, ~1e-16.
    np.testing.assert_allclose(ops.logsumexp(Tensor(x), axis=axis, keepdims=keepdims).numpy(),
                               expected, rtol=1e-6, atol=1e-12)
    gradcheck(lambda t: ops.logsumexp(t, axis=axis, keepdims=keepdims), x)


def test_logsumexp_of_huge_and_minus_infinite_values():
    x = Tensor(np.array([[1e4, 1e4], [-np.inf, 0.0]], dtype="float32"), requires_grad=True)
    y = ops.logsumexp(x, axis=1)
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [1e4 + np.log(2.0), 0.0], rtol=1e-6)
    np.testing.assert_allclose(x.grad, [[0.5, 0.5], [0.0, 1.0]])


def test_logsumexp_of_a_slice_of_only_minus_infinity_is_minus_infinity_without_a_gradient():
    x = Tensor(np.array([[-np.inf, -np.inf], [1.0, -np.inf]]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no log(0) nor 0 / 0 on the way
        y = ops.logsumexp(x, axis=1)
        y.sum().backward()
    np.testing.assert_array_equal(y.numpy(), [-np.inf, 1.0])
    np.testing.assert_array_equal(x.grad, [[0.0, 0.0], [1.0, 0.0]])


def test_where_passes_no_gradient_to_the_branch_it_did_not_take():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    z = ops.where(np.array([True, False]), x, y)
    z.backward(np.array([np.nan, 5.0]))  # a NaN for y's first entry, which z did not take
    np.testing.assert_array_equal(x.grad, [np.nan, 0.0])
    np.testing.assert_array_equal(y.grad, [0.0, 5.0])


@given(data=st.data())
def test_normalize(data):
    x = data.draw(mst.arrays(mst.shapes(max_dims=3), mst.away_from([0.0], 0.1, mst.moderate())))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    expected = x / np.sqrt((x * x).sum(axis=axis, keepdims=True))
    np.testing.assert_allclose(ops.normalize(Tensor(x), axis=axis).numpy(), expected, rtol=1e-6)
    gradcheck(lambda t: ops.normalize(t, axis=axis), x)


def test_normalize_keeps_a_zero_vector_zero_with_a_finite_gradient_as_tensorflow():
    x = Tensor(np.zeros((1, 3), dtype="float32"), requires_grad=True)
    y = ops.normalize(x)
    (y * np.array([[1.0, 2.0, 3.0]], dtype="float32")).sum().backward()
    np.testing.assert_array_equal(y.numpy(), [[0.0, 0.0, 0.0]])
    np.testing.assert_allclose(x.grad, [[1e7, 2e7, 3e7]])  # x * min(1/|x|, 1/epsilon)
    with pytest.raises(ValueError, match="order=2"):
        ops.normalize(x, order=1)


@given(data=st.data())
def test_rsqrt(data):
    x = data.draw(mst.arrays(mst.shapes(), mst.moderate(0.2, 4.0)))
    np.testing.assert_allclose(ops.rsqrt(Tensor(x)).numpy(), 1 / np.sqrt(x), rtol=1e-6)
    gradcheck(ops.rsqrt, x)


@given(data=st.data())
def test_divide_no_nan(data):
    x_shape, y_shape = data.draw(mst.broadcastable_shapes(), label="shapes")
    x = data.draw(mst.arrays(x_shape), label="x")
    y = data.draw(mst.arrays(y_shape, mst.away_from([0.0], 0.3, mst.moderate())), label="y")
    np.testing.assert_allclose(ops.divide_no_nan(Tensor(x), Tensor(y)).numpy(), x / y,
                               rtol=1e-6)
    gradcheck(ops.divide_no_nan, x, y)


def test_divide_no_nan_gives_zero_and_zero_gradients_where_the_divisor_is_zero():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([0.0, 4.0]), requires_grad=True)
    z = ops.divide_no_nan(x, y)
    z.sum().backward()
    np.testing.assert_array_equal(z.numpy(), [0.0, 0.5])
    np.testing.assert_array_equal(x.grad, [0.0, 0.25])
    np.testing.assert_array_equal(y.grad, [0.0, -0.125])


# -- top_k, in_top_k and the non-differentiable helpers -------------------------------


@given(data=st.data())
def test_top_k_values_indices_and_gradient(data):
    x = data.draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3)), label="x")
    mst.distinct_rows(x)
    k = data.draw(st.integers(1, x.shape[-1]), label="k")
    values, indices = ops.top_k(Tensor(x), k)
    expected_indices = np.argsort(-x, axis=-1)[..., :k]
    np.testing.assert_array_equal(indices.numpy(), expected_indices)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(x, expected_indices, -1))
    gradcheck(lambda t: ops.top_k(t, k)[0], x)


def test_top_k_breaks_ties_towards_the_lower_index_as_tensorflow():
    _, indices = ops.top_k(np.array([[1.0, 3.0, 3.0, 2.0]]), 2)
    np.testing.assert_array_equal(indices.numpy(), [[1, 2]])
    with pytest.raises(ValueError, match=r"k must be in \[1, 4\]"):
        ops.top_k(np.ones((1, 4)), 5)


def test_in_top_k_counts_ties_in_and_rejects_non_finite_rows_as_tensorflow():
    predictions = np.array([[0.1, 0.5, 0.5, 0.2],  # label 2 ties for first
                            [0.4, 0.3, 0.2, 0.1],  # label 2 is third
                            [0.4, np.nan, 0.2, 0.1],  # a NaN: never in the top k
                            [0.4, 0.3, 0.2, 0.1]], dtype="float32")  # label 7: out of range
    result = ops.in_top_k(np.array([2, 2, 0, 7]), predictions, 2)
    np.testing.assert_array_equal(result.numpy(), [True, False, False, False])
    assert not result.requires_grad


def test_all_any_ceil_isinf():
    x = np.array([[0.5, -1.5, np.inf], [0.0, 2.0, -np.inf]])
    np.testing.assert_array_equal(ops.all(x != 1.0, axis=1).numpy(), [True, True])
    np.testing.assert_array_equal(ops.any(Tensor(x) == 0.0).numpy(), True)
    np.testing.assert_array_equal(ops.all(x, keepdims=True).numpy(), [[False]])
    np.testing.assert_array_equal(ops.ceil(x).numpy(), np.ceil(x))
    np.testing.assert_array_equal(ops.isinf(x).numpy(), np.isinf(x))


def test_convert_to_tensor_to_another_float_type_keeps_the_gradient():
    x = Tensor(np.array([1.0, 2.0], dtype="float64"), requires_grad=True)
    y = ops.convert_to_tensor(x, dtype="float32")
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


# -- the device ---------------------------------------------------------------------------


def test_the_ops_for_losses_run_forward_and_backward_on_the_device(device):
    rng = np.random.default_rng(0)
    logits = Tensor(backend.to_device(rng.standard_normal((4, 3)).astype("float32")),
                    requires_grad=True)
    one_hot = np.eye(3, dtype="float32")[[0, 2, 1, 1]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no float64 or host round trip warnings either
        total = (ops.categorical_crossentropy(one_hot, logits, from_logits=True).sum()
                 + ops.sparse_categorical_crossentropy([0, 2, 1, 1], logits,
                                                       from_logits=True).sum()
                 + ops.binary_crossentropy(one_hot, logits, from_logits=True).sum()
                 + ops.categorical_crossentropy(one_hot, ops.softmax(logits)).sum()
                 + ops.binary_crossentropy(one_hot, ops.sigmoid(logits) * 0.5).sum()
                 + ops.sparse_categorical_crossentropy([1, 1, 0, 2],
                                                       ops.softmax(logits) * 0.5).sum()
                 + ops.logsumexp(logits, axis=1).sum()
                 + ops.normalize(logits).sum()
                 + ops.rsqrt(ops.square(logits) + 1.0).sum()
                 + ops.divide_no_nan(logits, logits[:, :1]).sum()
                 + ops.top_k(logits, 2)[0].sum())
        total.backward()
    assert isinstance(logits.grad, device.ndarray) and logits.grad.dtype == np.float32
    hits = ops.in_top_k([0, 1, 2, 0], logits, 2)
    assert isinstance(hits.data, device.ndarray)
    assert isinstance(ops.all(ops.isinf(ops.ceil(logits))).data, device.ndarray)
    with pytest.raises(ValueError, match="labels must be integers"):
        ops.sparse_categorical_crossentropy([0, 1, 2, 3], logits, from_logits=True)
