"""Variable paths as Keras makes them, and a model's state as a tree of them."""

import numpy as np
import pytest

import minikeras as keras


def paths(variables):
    return [v.path for v in variables]


def test_a_sequential_puts_its_layers_weights_under_its_name():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="first")],
                             name="stack")
    model.add(keras.layers.Dense(1, name="second"))
    assert paths(model.weights) == ["stack/first/kernel", "stack/first/bias",
                                    "stack/second/kernel", "stack/second/bias"]
    deferred = keras.Sequential([keras.layers.Dense(2, name="late")], name="deferred")
    deferred(np.zeros((1, 4), dtype="float32"))
    assert paths(deferred.weights) == ["deferred/late/kernel", "deferred/late/bias"]


def test_layers_called_on_inputs_and_models_built_alone_keep_their_own_paths():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="d")(inputs), name="functional")
    assert paths(model.weights) == ["d/kernel", "d/bias"]
    inner = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, name="e")], name="inner")
    outer = keras.Sequential([keras.Input((2,)), inner, keras.layers.Dense(1, name="g")],
                             name="outer")
    assert paths(outer.weights) == ["inner/e/kernel", "inner/e/bias", "outer/g/kernel",
                                    "outer/g/bias"]


def test_a_subclassed_model_s_layers_are_under_its_name():
    class Tower(keras.Model):
        def __init__(self):
            super().__init__(name="tower")
            self.hidden = keras.layers.Dense(4, name="hidden")

        def call(self, x):
            return self.hidden(x)

    model = Tower()
    model(np.zeros((2, 3), dtype="float32"))
    model(np.zeros((2, 3), dtype="float32"))  # a second call changes nothing
    assert paths(model.weights) == ["tower/hidden/kernel", "tower/hidden/bias"]


def trained_model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="dense"),
                              keras.layers.BatchNormalization(name="norm")], name="net")
    model.compile(optimizer=keras.optimizers.Adam(name="adam"), loss="mse", metrics=["mae"])
    x = np.arange(8, dtype="float32").reshape(4, 2)
    model.fit(x, np.ones((4, 1), dtype="float32"), batch_size=2, epochs=1, verbose=0)
    return model


def test_the_state_tree_nests_every_variable_by_path():
    model = trained_model()
    tree = model.get_state_tree("numpy_array")
    assert sorted(tree) == ["metrics_variables", "non_trainable_variables",
                            "optimizer_variables", "trainable_variables"]
    assert sorted(tree["trainable_variables"]["net"]["dense"]) == ["bias", "kernel"]
    assert sorted(tree["non_trainable_variables"]["net"]["norm"]) == ["moving_mean",
                                                                      "moving_variance"]
    assert tree["optimizer_variables"]["adam"]["iteration"] == 2
    assert "net_dense_kernel_momentum" in tree["optimizer_variables"]["adam"]
    assert sorted(tree["metrics_variables"]) == ["loss", "mean_absolute_error"]
    assert tree["metrics_variables"]["loss"]["count"] > 0
    np.testing.assert_array_equal(tree["trainable_variables"]["net"]["dense"]["kernel"],
                                  model.layers[0].kernel.numpy())
    tensors = model.get_state_tree()
    assert isinstance(tensors["trainable_variables"]["net"]["dense"]["kernel"], keras.Tensor)
    with pytest.raises(ValueError, match="value_format"):
        model.get_state_tree("lists")


def test_set_state_tree_puts_a_state_back():
    model = trained_model()
    saved = model.get_state_tree("numpy_array")
    before = model.predict(np.ones((1, 2), dtype="float32"), verbose=0)
    model.fit(np.ones((4, 2), dtype="float32"), np.zeros((4, 1), dtype="float32"), verbose=0)
    model.set_state_tree(saved)
    np.testing.assert_array_equal(model.predict(np.ones((1, 2), dtype="float32"), verbose=0),
                                  before)
    assert int(model.optimizer.iterations) == 2
    model.set_state_tree({"trainable_variables": {"net": {"dense": {"bias": np.array([7.0])}}}})
    assert model.layers[0].bias.numpy() == 7.0
    with pytest.raises(ValueError, match="no trainable_variables variable at 'net/dense/gain'"):
        model.set_state_tree({"trainable_variables": {"net": {"dense": {"gain": 1.0}}}})
    with pytest.raises(ValueError, match="Unknown variable name"):
        model.set_state_tree({"weights": {}})


def test_two_variables_at_one_path_make_the_state_tree_refuse():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="a")], name="m")
    model.layers[0].add_weight(shape=(), name="kernel")
    with pytest.raises(ValueError, match="found twice in the model: 'm/a/kernel'"):
        model.get_state_tree()
