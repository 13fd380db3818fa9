"""Models without training: Sequential, functional, subclassed; predict, weights, summary."""

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, ops
from minikeras.autograd import is_grad_enabled


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def mlp():
    return keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])


def random(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


# -- Sequential -------------------------------------------------------------


def test_the_mnist_mlp_has_keras_parameter_count_and_shapes():
    model = mlp()
    assert model.count_params() == 269_322
    assert model.input_shape == (None, 784) and model.output_shape == (None, 10)
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2"]
    assert [w.shape for w in model.weights] == [(784, 256), (256,), (256, 256), (256,),
                                                 (256, 10), (10,)]


@pytest.mark.parametrize("first", [
    lambda: keras.layers.Dense(3, input_shape=(4,)),
    lambda: keras.layers.Dense(3, input_dim=4),
])
def test_sequential_reads_the_input_shape_older_code_gives_the_first_layer(first):
    model = keras.Sequential([first(), keras.layers.Dense(2)])
    assert model.built and model.input_shape == (None, 4) and model.count_params() == 23


def test_sequential_add_builds_as_layers_come_when_the_input_is_known():
    model = keras.Sequential()
    model.add(keras.Input(shape=(16,)))
    model.add(keras.layers.Dense(8))
    assert len(model.weights) == 2
    model.add(keras.layers.Dense(4))
    assert model.output_shape == (None, 4) and len(model.weights) == 4
    assert model.pop().name == "dense_1" and model.output_shape == (None, 8)


def test_sequential_without_input_builds_on_its_first_call():
    model = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(2)])
    assert not model.built and model.weights == []
    out = model(np.ones((5, 4), dtype="float32"))
    assert out.shape == (5, 2) and model.input_shape == (None, 4)
    assert model.count_params() == 4 * 3 + 3 + 3 * 2 + 2


def test_sequential_rejects_non_layers_and_duplicate_names():
    model = keras.Sequential([keras.layers.Dense(2, name="d")])
    with pytest.raises(ValueError, match="Only instances of keras.layers.Layer"):
        model.add("dense")
    with pytest.raises(ValueError, match="unique names.*'d'"):
        model.add(keras.layers.Dense(2, name="d"))


def test_get_layer_by_name_and_index():
    model = mlp()
    assert model.get_layer("dense_1") is model.layers[1]
    assert model.get_layer(index=-1).name == "dense_2"
    with pytest.raises(ValueError, match="No such layer: nope.*'dense'"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="index 7 but model only has 3 layers"):
        model.get_layer(index=7)


def test_a_wrong_input_shape_names_the_model_and_both_shapes():
    model = mlp()
    with pytest.raises(ValueError, match=r'model "sequential".*\(None, 784\).*\(2, 785\)'):
        model.predict(np.zeros((2, 785)), verbose=0)


# -- functional -------------------------------------------------------------


class Plus(keras.layers.Layer):
    """A two-input layer for these tests: the sum of its inputs."""

    def call(self, inputs):
        return inputs[0] + inputs[1]


def two_in_two_out():
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(3,), name="b")
    shared = keras.layers.Dense(5, name="shared")
    h1 = keras.layers.Activation("relu")(shared(a))
    h2 = shared(keras.layers.Dense(4, name="project")(b))
    out1 = keras.layers.Dense(2, name="out1")(h1)
    out2 = keras.layers.Dense(1, activation="sigmoid", name="out2")(Plus(name="plus")([h1, h2]))
    return keras.Model(inputs=[a, b], outputs=[out1, out2], name="two")


def test_functional_model_computes_what_its_layers_compute():
    model = two_in_two_out()
    assert type(model).__name__ == "Functional" and isinstance(model, keras.Model)
    xa, xb = random(6, 4), random(6, 3, seed=1)
    out1, out2 = model.predict([xa, xb], verbose=0)
    shared, project = model.get_layer("shared"), model.get_layer("project")
    h1 = ops.relu(shared(xa))
    expected1 = model.get_layer("out1")(h1).numpy()
    expected2 = model.get_layer("out2")(h1 + shared(project(xb))).numpy()
    np.testing.assert_allclose(out1, expected1, rtol=1e-6)
    np.testing.assert_allclose(out2, expected2, rtol=1e-6)


def test_a_shared_layer_is_one_set_of_weights():
    model = two_in_two_out()
    assert model.output_names == ["out1", "out2"]
    shared_kernels = [w for w in model.weights if w.path == "shared/kernel"]
    assert len(shared_kernels) == 1
    assert model.count_params() == (4 * 5 + 5) + (3 * 4 + 4) + (5 * 2 + 2) + (5 * 1 + 1)


def test_dict_inputs_and_outputs_go_by_name():
    a, b = keras.Input(shape=(2,), name="a"), keras.Input(shape=(3,), name="b")
    total = keras.layers.Dense(1, name="total")(Plus()([keras.layers.Dense(2)(b), a]))
    model = keras.Model({"a": a, "b": b}, {"total": total, "copy": a})
    outputs = model.predict({"b": random(4, 3), "a": random(4, 2, seed=1)}, verbose=0)
    assert sorted(outputs) == ["copy", "total"] and outputs["total"].shape == (4, 1)
    np.testing.assert_array_equal(outputs["copy"], random(4, 2, seed=1))


def test_wrong_number_or_names_of_inputs_are_clear_errors():
    model = two_in_two_out()
    with pytest.raises(ValueError, match=r"expects 2 input\(s\) \['a', 'b'\], but it received 1"):
        model.predict(random(2, 4), verbose=0)
    with pytest.raises(ValueError, match=r"inputs named \['a', 'b'\].*\['a', 'c'\]"):
        model({"a": random(2, 4), "c": random(2, 3)})
    with pytest.raises(ValueError, match=r'Input "b".*\(None, 3\).*\(2, 5\)'):
        model([random(2, 4), random(2, 5)])


def test_disconnected_graphs_and_non_tensors_are_refused():
    a, b = keras.Input(shape=(2,)), keras.Input(shape=(2,))
    out = keras.layers.Dense(1)(Plus()([a, b]))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, out)
    with pytest.raises(ValueError, match="must be KerasTensors"):
        keras.Model(a, np.zeros(2))


def test_a_model_is_a_layer_inside_another_model():
    inner = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)], name="inner")
    x = keras.Input(shape=(3,))
    outer = keras.Model(x, keras.layers.Dense(1)(inner(x)))
    data = random(5, 3)
    expected = outer.layers[-1](inner(data)).numpy()
    np.testing.assert_allclose(outer.predict(data, verbose=0), expected, rtol=1e-6)
    assert outer.count_params() == 8 + 3


def test_functional_config_rebuilds_the_same_graph():
    model = two_in_two_out()
    with pytest.raises(ValueError, match="Unknown class 'Plus'.*custom_objects"):
        keras.Model.from_config(model.get_config())
    clone = keras.Model.from_config(model.get_config(), custom_objects={"Plus": Plus})
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    clone.set_weights(model.get_weights())
    data = [random(3, 4), random(3, 3, seed=1)]
    for a, b in zip(model.predict(data, verbose=0), clone.predict(data, verbose=0), strict=True):
        np.testing.assert_array_equal(a, b)
    rebuilt = keras.models.model_from_json(model.to_json(), custom_objects={"Plus": Plus})
    assert rebuilt.count_params() == model.count_params()


# -- subclassed -------------------------------------------------------------


class RecordsTraining(keras.layers.Layer):
    def call(self, inputs, training=None):
        self.training = training
        self.grad_enabled = is_grad_enabled()
        return inputs


class Net(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(4, activation="tanh")
        self.probe = RecordsTraining()
        self.head = keras.layers.Dense(1)

    def call(self, inputs, training=False):
        return self.head(self.probe(self.hidden(inputs)))


def test_a_subclassed_model_tracks_its_layers_and_builds_on_call():
    model = Net()
    assert model.layers == [model.hidden, model.probe, model.head] and not model.built
    model.build((None, 3))
    assert model.built and model.count_params() == 3 * 4 + 4 + 4 + 1
    assert model(random(2, 3)).shape == (2, 1)


class Residual(keras.Model):
    """A subclass that builds a functional graph in its constructor (as Keras allows)."""

    def __init__(self, units=3, **kwargs):
        inputs = keras.Input(shape=(units,))
        outputs = Plus()([inputs, keras.layers.Dense(units)(inputs)])
        super().__init__(inputs, outputs, **kwargs)
        self.units = units

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_a_subclass_may_build_a_functional_graph_in_its_constructor():
    model = Residual(units=2, name="residual")
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "Plus"]
    data = random(4, 2)
    np.testing.assert_allclose(model.predict(data, verbose=0),
                               data + model.layers[1](data).numpy(), rtol=1e-6)
    clone = Residual.from_config(model.get_config())
    assert clone.units == 2 and clone.name == "residual"


def test_predict_runs_in_inference_mode_without_a_graph():
    model = Net()
    model(random(2, 3), training=True)
    assert model.probe.training is True and model.probe.grad_enabled
    model.predict(random(5, 3), verbose=0)
    assert model.probe.training is False and not model.probe.grad_enabled


def test_predict_is_batched_and_equals_one_big_call():
    model = mlp()
    data = random(70, 784)
    full = model(data).numpy()
    for batch_size in (1, 32, 70, 100):
        np.testing.assert_allclose(model.predict(data, batch_size=batch_size, verbose=0), full,
                                   rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(model.predict_on_batch(data), full, rtol=1e-6, atol=1e-7)


def test_predict_takes_a_generator_of_batches():
    model = mlp()
    data = random(10, 784)
    batches = (data[i:i + 4] for i in range(0, 10, 4))
    np.testing.assert_allclose(model.predict(batches, verbose=0), model(data).numpy(),
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, "32"])
def test_predict_refuses_a_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        mlp().predict(random(4, 784), batch_size=batch_size, verbose=0)


def test_predict_refuses_empty_data():
    with pytest.raises(ValueError, match="empty"):
        mlp().predict(np.zeros((0, 784), dtype="float32"), verbose=0)


# -- weights ----------------------------------------------------------------


def test_get_and_set_weights_copy_a_model_exactly():
    source, target = two_in_two_out(), two_in_two_out()
    target.set_weights(source.get_weights())
    data = [random(3, 4), random(3, 3, seed=1)]
    for a, b in zip(source.predict(data, verbose=0), target.predict(data, verbose=0),
                    strict=True):
        np.testing.assert_array_equal(a, b)


def test_set_weights_checks_before_changing_anything():
    model = mlp()
    before = model.get_weights()
    wrong = [np.zeros_like(w) for w in before]
    wrong[3] = np.zeros(7)
    with pytest.raises(ValueError, match=r"dense_1/bias.*\(256,\).*\(7,\)"):
        model.set_weights(wrong)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_frozen_layers_move_to_non_trainable_weights():
    model = mlp()
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2


# -- summary ----------------------------------------------------------------


def summary_of(model, **kwargs):
    printed = []
    model.summary(print_fn=printed.append, **kwargs)
    assert len(printed) == 1
    return printed[0]


def test_summary_lists_layers_shapes_and_keras_counts():
    text = summary_of(mlp(), line_length=80)
    lines = text.splitlines()
    assert lines[0] == 'Model: "sequential"'
    assert lines[1].startswith("┏") and lines[1].endswith("┓") and len(lines[1]) == 80
    assert "Layer (type)" in lines[2] and "Output Shape" in lines[2] and "Param #" in lines[2]
    rows = [line for line in lines if line.startswith("│")]
    assert [row.split("│")[1].strip() for row in rows] == [
        "dense (Dense)", "dense_1 (Dense)", "dense_2 (Dense)"]
    assert [row.split("│")[3].strip() for row in rows] == ["200,960", "65,792", "2,570"]
    assert [row.split("│")[2].strip() for row in rows] == ["(None, 256)", "(None, 256)",
                                                           "(None, 10)"]
    assert lines[-3:] == [" Total params: 269,322 (1.03 MB)",
                          " Trainable params: 269,322 (1.03 MB)",
                          " Non-trainable params: 0 (0.00 B)"]


def test_summary_of_a_branching_model_has_connections():
    text = summary_of(two_in_two_out(), line_length=120)
    assert "Connected to" in text
    assert "a[0][0], project[0][0]" in text and "shared[1][0]" in text
    assert "Non-trainable params: 0" in text


def test_summary_counts_frozen_weights_as_non_trainable():
    model = mlp()
    model.layers[-1].trainable = False
    assert " Non-trainable params: 2,570 (10.04 KB)" in summary_of(model)


def test_summary_of_an_unbuilt_model_marks_layers_unbuilt():
    text = summary_of(keras.Sequential([keras.layers.Dense(3)]))
    assert "0 (unbuilt)" in text and "│ ?" in text


# -- the device ---------------------------------------------------------------


def test_a_functional_model_predicts_on_the_device(device):
    model = two_in_two_out()
    outputs = model.predict([random(5, 4), random(5, 3, seed=1)], batch_size=2, verbose=0)
    assert all(isinstance(o, np.ndarray) and o.shape[0] == 5 for o in outputs)


def test_a_functional_model_decides_training_even_for_a_call_that_recorded_training_true():
    """Keras's files record training=True for calls of the augmentation layers (the default
    they resolved); the model's own flag still wins, so predict does not augment."""
    inputs = keras.Input(shape=(6,))
    outputs = keras.layers.Dropout(0.5)(inputs, training=True)
    model = keras.Model(inputs, outputs)
    x = np.ones((4, 6), dtype="float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    np.testing.assert_array_equal(model(x, training=False).numpy(), x)
    assert (model(x).numpy() == 0).any()  # no flag given: the recorded one applies
