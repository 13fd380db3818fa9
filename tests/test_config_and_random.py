"""keras.config, keras.random, keras.version and interactive logging (tf.keras's
distributions are compared in parity_tests/test_random_parity.py)."""

import logging

import numpy as np
import pytest

import minikeras as keras
from minikeras.datasets import cifar10
from minikeras.testing import dataset_files

# -- keras.config ---------------------------------------------------------------------


def test_config_settings_reach_what_is_built_after_them():
    keras.config.set_floatx("float64")
    assert keras.config.floatx() == "float64"
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    assert dense.kernel.numpy().dtype == np.float64
    keras.config.set_epsilon(1e-4)
    assert keras.config.epsilon() == 1e-4 == keras.backend.epsilon()
    assert keras.config.backend() == "numpy"


def test_image_data_format_is_the_default_of_image_layers():
    assert keras.config.image_data_format() == "channels_last"
    keras.config.set_image_data_format("channels_first")
    conv = keras.layers.Conv2D(4, 3)
    assert conv.data_format == conv.get_config()["data_format"] == "channels_first"
    assert conv(np.zeros((1, 2, 8, 8), "float32")).shape == (1, 4, 6, 6)
    assert keras.layers.Conv2D(4, 3, data_format="channels_last").data_format == "channels_last"


@pytest.mark.parametrize("value", ["channels_middle", None, 3])
def test_set_image_data_format_refuses_other_values(value):
    with pytest.raises(ValueError, match="must be one of .*channels_first"):
        keras.config.set_image_data_format(value)
    assert keras.config.image_data_format() == "channels_last"


def test_cifar10_follows_the_image_data_format(monkeypatch, tmp_path):
    data = dataset_files.isolate_caches(monkeypatch, tmp_path)
    monkeypatch.setattr(cifar10, "BATCH_SAMPLES", 2)
    dataset_files.write_cifar10(data, 2, np.random.default_rng(0))
    (last, _), _ = cifar10.load_data()
    keras.config.set_image_data_format("channels_first")
    (first, _), (first_test, _) = cifar10.load_data()
    assert last.shape == (10, 32, 32, 3) and first.shape == (10, 3, 32, 32)
    assert first_test.shape == (2, 3, 32, 32)
    np.testing.assert_array_equal(first.transpose(0, 2, 3, 1), last)


def test_config_offers_unsafe_deserialization_as_keras():
    assert keras.config.enable_unsafe_deserialization is (
        keras.saving.enable_unsafe_deserialization)


def test_version_is_the_package_version():
    assert keras.version() == keras.__version__
    assert all(part.isdigit() for part in keras.version().split("."))


# -- interactive logging ----------------------------------------------------------------


def _fit_tiny(verbose):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=2, verbose=verbose)


def test_interactive_logging_writes_to_stdout(capsys):
    assert keras.utils.is_interactive_logging_enabled()
    _fit_tiny(verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "loss:" in out


def test_without_interactive_logging_the_messages_go_to_the_logger(capsys, caplog):
    keras.config.disable_interactive_logging()
    assert not keras.config.is_interactive_logging_enabled()
    with caplog.at_level(logging.INFO, logger="minikeras"):
        _fit_tiny(verbose=1)
    assert capsys.readouterr().out == ""
    lines = [record.getMessage() for record in caplog.records if record.name == "minikeras"]
    assert lines[0] == "Epoch 1/2"
    assert any(line.startswith("1/1") and "loss:" in line for line in lines)
    assert not any("\b" in line or "\x1b" in line for line in lines)
    keras.utils.enable_interactive_logging()
    assert keras.utils.is_interactive_logging_enabled()


# -- keras.random -------------------------------------------------------------------------

DRAWS = [
    lambda seed: keras.random.normal((3, 4), mean=1.0, stddev=2.0, seed=seed),
    lambda seed: keras.random.uniform((5,), minval=-1.0, maxval=3.0, seed=seed),
    lambda seed: keras.random.truncated_normal((50,), stddev=0.5, seed=seed),
    lambda seed: keras.random.randint((6,), 0, 100, seed=seed),
    lambda seed: keras.random.shuffle(np.arange(20), seed=seed),
    lambda seed: keras.random.dropout(np.ones(30, "float32"), 0.5, seed=seed),
    lambda seed: keras.random.categorical(np.zeros((2, 5)), 8, seed=seed),
]


@pytest.mark.parametrize("draw", DRAWS)
def test_an_int_seed_repeats_its_numbers(draw):
    first, again = draw(7).numpy(), draw(7).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, draw(8).numpy())


@pytest.mark.parametrize("draw", DRAWS)
def test_a_seed_generator_moves_on_and_repeats_from_its_seed(draw):
    generator = keras.random.SeedGenerator(3)
    first, second = draw(generator).numpy(), draw(generator).numpy()
    assert not np.array_equal(first, second)
    assert generator.state.tolist() == [3, 2]
    again = keras.random.SeedGenerator(3)
    np.testing.assert_array_equal(draw(again).numpy(), first)
    np.testing.assert_array_equal(draw(again).numpy(), second)


@pytest.mark.parametrize("draw", DRAWS)
def test_no_seed_draws_from_the_global_generator(draw):
    keras.utils.set_random_seed(5)
    first = draw(None).numpy()
    assert not np.array_equal(first, draw(None).numpy())
    keras.utils.set_random_seed(5)
    np.testing.assert_array_equal(draw(None).numpy(), first)


def test_an_unseeded_seed_generator_repeats_after_set_random_seed():
    keras.utils.set_random_seed(9)
    first = keras.random.normal((4,), seed=keras.random.SeedGenerator()).numpy()
    keras.utils.set_random_seed(9)
    np.testing.assert_array_equal(
        keras.random.normal((4,), seed=keras.random.SeedGenerator()).numpy(), first)
    assert keras.random.SeedGenerator.from_config(
        keras.random.SeedGenerator(11).get_config()).state.tolist() == [11, 0]


def test_draws_have_keras_dtypes_and_ranges():
    assert keras.random.normal((2,)).numpy().dtype == np.float32
    assert keras.random.uniform((2,), dtype="float64").numpy().dtype == np.float64
    values = keras.random.uniform((1000,), minval=2.0, maxval=3.0, seed=1).numpy()
    assert values.min() >= 2.0 and values.max() < 3.0
    integers = keras.random.randint((1000,), 3, 7, seed=1).numpy()
    assert integers.dtype == np.int32 and set(integers.tolist()) == {3, 4, 5, 6}
    truncated = keras.random.truncated_normal((10000,), mean=1.0, stddev=0.5, seed=1).numpy()
    assert truncated.min() >= 0.0 and truncated.max() <= 2.0
    keras.config.set_floatx("float64")
    assert keras.random.truncated_normal((2,)).numpy().dtype == np.float64


def test_shuffle_permutes_along_the_axis():
    x = np.arange(12).reshape(3, 4)
    shuffled = keras.random.shuffle(x, axis=1, seed=2).numpy()
    order = shuffled[0]  # row 0 of x is 0, 1, 2, 3: the columns' new order
    assert sorted(order.tolist()) == [0, 1, 2, 3] and order.tolist() != [0, 1, 2, 3]
    np.testing.assert_array_equal(shuffled, x[:, order])


def test_categorical_never_draws_an_impossible_class():
    logits = np.log(np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]], "float32") + 1e-30)
    draws = keras.random.categorical(logits, 500, seed=3).numpy()
    assert draws.shape == (2, 500) and draws.dtype == np.int32
    assert set(draws[0].tolist()) == {1, 2} and set(draws[1].tolist()) == {0}


@pytest.mark.parametrize(("call", "message"), [
    (lambda: keras.random.uniform((2,), dtype="int32"), "requires a floating point"),
    (lambda: keras.random.normal((2,), dtype="int32"), "requires a floating point"),
    (lambda: keras.random.randint((2,), 0, 3, dtype="float32"), "requires an integer"),
    (lambda: keras.random.normal((2,), seed="1"), "must be None, an int or"),
    (lambda: keras.random.SeedGenerator(1.5), "should be an instance of `int`"),
    (lambda: keras.random.categorical(np.zeros(3), 2), "2-D tensor"),
    (lambda: keras.random.dropout(np.ones(3), 1.5), "0 <= rate <= 1"),
])
def test_bad_arguments_are_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_device_draws_on_the_device(device):
    values = keras.random.normal((3,), seed=1).data
    assert isinstance(values, device.ndarray)
    assert isinstance(keras.random.dropout(np.ones(4, "float32"), 0.5, seed=1).data,
                      device.ndarray)
