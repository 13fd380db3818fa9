"""keras.utils.PyDataset (and Sequence) in fit, evaluate and predict (training on one as
tf.keras does is compared in parity_tests/test_utils_parity.py)."""

import threading
import warnings

import numpy as np
import pytest

import minikeras as keras

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3)).astype("float32")
Y = RNG.integers(0, 2, size=(40, 1)).astype("float32")


class Batches(keras.utils.PyDataset):
    """Batches of 8 rows of X and Y, recording which were asked for, in which thread."""

    def __init__(self, batch_size=8, **kwargs):
        super().__init__(**kwargs)
        self.batch_size = batch_size
        self.calls, self.threads, self.events = [], set(), []
        self.lock = threading.Lock()

    def __len__(self):
        return -(-len(X) // self.batch_size)

    def __getitem__(self, index):
        with self.lock:
            self.calls.append(index)
            self.threads.add(threading.current_thread().name)
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return X[rows], Y[rows]

    def on_epoch_begin(self):
        self.events.append("begin")

    def on_epoch_end(self):
        self.events.append("end")


def model():
    keras.utils.set_random_seed(3)
    net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                            keras.layers.Dense(1, activation="sigmoid")])
    net.compile(keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    return net


def test_fit_on_a_pydataset_trains_as_on_its_batches():
    ours, reference = model(), model()
    dataset = Batches()
    ours.fit(dataset, epochs=2, shuffle=False, verbose=0)
    reference.fit([dataset[i] for i in range(5)], epochs=2, verbose=0)
    for mine, theirs in zip(ours.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert dataset.events == ["begin", "end", "begin", "end"]


def test_shuffle_takes_each_batch_once_per_epoch_in_a_seeded_order():
    def orders():
        dataset = Batches()
        model().fit(dataset, epochs=3, verbose=0)
        return [dataset.calls[i * 5:(i + 1) * 5] for i in range(3)]

    first = orders()
    assert all(sorted(epoch) == [0, 1, 2, 3, 4] for epoch in first)
    assert len({tuple(epoch) for epoch in first}) > 1
    assert orders() == first


def test_workers_make_the_batches_in_threads_in_order():
    one, three = model(), model()
    single, threaded = Batches(), Batches(workers=3, max_queue_size=2)
    one.fit(single, epochs=2, shuffle=False, verbose=0)
    three.fit(threaded, epochs=2, shuffle=False, verbose=0)
    for mine, theirs in zip(three.get_weights(), one.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert sorted(threaded.calls) == sorted(single.calls)
    assert single.threads == {threading.current_thread().name}
    assert threaded.threads and all(name.startswith("PyDataset") for name in threaded.threads)


def test_workers_run_at_most_max_queue_size_batches_ahead():
    dataset = Batches(batch_size=2, workers=4, max_queue_size=3)
    ahead = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: ahead.append(len(dataset.calls) - batch))
    model().fit(dataset, epochs=1, shuffle=False, verbose=0, callbacks=[record])
    assert len(ahead) == 20 and max(ahead) <= 3 + 1


def test_use_multiprocessing_uses_threads_and_says_so():
    dataset = Batches(workers=2, use_multiprocessing=True)
    with pytest.warns(UserWarning, match="use_multiprocessing=True is not supported.*thread"):
        model().fit(dataset, epochs=1, verbose=0)
    assert sorted(dataset.calls) == [0, 1, 2, 3, 4]


def test_evaluate_and_predict_read_a_pydataset_in_order():
    net = model()
    dataset = Batches(workers=2)
    np.testing.assert_allclose(net.predict(dataset, verbose=0), net.predict(X, verbose=0),
                               rtol=1e-6)
    assert net.evaluate(dataset, verbose=0, return_dict=True) == pytest.approx(
        net.evaluate(X, Y, batch_size=8, verbose=0, return_dict=True), rel=1e-6)
    assert dataset.calls == [0, 1, 2, 3, 4] * 2
    assert dataset.events == ["begin", "end"] * 2


def test_validation_data_may_be_a_pydataset():
    history = model().fit(Batches(), validation_data=Batches(), epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 2


class Endless(keras.utils.PyDataset):
    num_batches = None

    def __getitem__(self, index):
        return X[:4], Y[:4]


def test_an_endless_pydataset_needs_steps_and_is_not_shuffled():
    with pytest.warns(UserWarning, match="infinite PyDataset"):
        history = model().fit(Endless(), steps_per_epoch=3, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_sequence_is_pydataset_and_class_weight_applies():
    assert keras.utils.Sequence is keras.utils.PyDataset
    weighted, plain = model(), model()
    weighted.fit(Batches(), class_weight={0: 1.0, 1: 3.0}, shuffle=False, verbose=0)
    plain.fit(Batches(), shuffle=False, verbose=0)
    assert not np.array_equal(weighted.get_weights()[0], plain.get_weights()[0])


class FourItems(Batches):
    def __getitem__(self, index):
        return X[:8], Y[:8], None, None


def test_a_batch_of_four_items_is_a_value_error():
    with pytest.raises(ValueError, match="must return a tuple or a dict.*batch 0"):
        model().fit(FourItems(), shuffle=False, verbose=0)


class NoSuper(keras.utils.PyDataset):
    def __init__(self):
        pass

    def __len__(self):
        return 1

    def __getitem__(self, index):
        return X[:8], Y[:8]


def test_a_subclass_that_skips_super_init_is_warned_and_still_works():
    with pytest.warns(UserWarning, match="should call `super\\(\\).__init__"):
        model().fit(NoSuper(), verbose=0)


def test_fit_refuses_y_with_a_pydataset():
    with pytest.raises(ValueError, match="`y` and `sample_weight` must not be given"):
        model().fit(Batches(), Y, verbose=0)


def test_iterating_a_pydataset_gives_its_batches():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batches = list(Batches(batch_size=16))
    assert [len(x) for x, _ in batches] == [16, 16, 8]
