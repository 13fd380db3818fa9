"""The Keras bridge: minikeras models on real tf.keras, converted both ways and trained there.

These tests need TensorFlow (``make test`` installs it). The multi-worker test
starts two worker processes (keras_bridge_worker.py) that train together over
the loopback interface.
"""

import json
import os
import socket
import subprocess
import sys

import keras_bridge_worker as worker  # tests/keras_bridge_worker.py, beside this file
import numpy as np
import pytest

import minikeras as mk
from minikeras import keras_bridge
from minikeras.keras_bridge import fit, strategies
from parity_tests.harness import assert_close, tf  # imports TensorFlow quietly

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# -- models covering every layer minikeras has --------------------------------------


def build_convnet(lib):
    """A Sequential model through convolution, pooling, normalization and activation layers."""
    return lib.Sequential([
        lib.Input(shape=(8, 8, 3)),
        lib.layers.Conv2D(4, 3, padding="same", activation="relu"),
        lib.layers.BatchNormalization(),
        lib.layers.MaxPooling2D(),
        lib.layers.Conv2D(6, 3, strides=1, padding="same"),
        lib.layers.AveragePooling2D(pool_size=2),
        lib.layers.Dropout(0.3),
        lib.layers.Flatten(),
        lib.layers.Dense(8),
        lib.layers.LeakyReLU(negative_slope=0.2),
        lib.layers.Dense(6),
        lib.layers.ReLU(max_value=2.0),
        lib.layers.Reshape((2, 3)),
        lib.layers.Softmax(),
        lib.layers.Flatten(),
        lib.layers.Activation("tanh"),
        lib.layers.Dense(3),
    ], name="convnet")


def build_merging(lib):
    """A functional model: global pooling, every merging layer, a nested Sequential head."""
    image = lib.Input(shape=(6, 6, 2), name="image")
    features = lib.layers.Conv2D(4, 3, activation="relu")(image)
    a = lib.layers.GlobalAveragePooling2D()(features)
    b = lib.layers.GlobalMaxPooling2D()(features)
    merged = lib.layers.Concatenate()([
        lib.layers.Add()([a, b]), lib.layers.Subtract()([a, b]),
        lib.layers.Multiply()([a, b]), lib.layers.Average()([a, b]),
        lib.layers.Maximum()([a, b]), lib.layers.Minimum()([a, b]), a,
    ])
    head = lib.Sequential([lib.Input(shape=(28,)), lib.layers.Dense(2)], name="head")
    return lib.Model(image, head(merged), name="merging")


def build_convolutions(lib):
    """A Sequential model through every other convolution and pooling layer, 2-D then 1-D."""
    return lib.Sequential([
        lib.Input(shape=(8, 8, 2)),
        lib.layers.Conv2D(4, 3, padding="same", groups=2, activation="relu"),
        lib.layers.DepthwiseConv2D(3, depth_multiplier=2, data_format="channels_first"),
        lib.layers.SeparableConv2D(4, 2, activation="relu"),
        lib.layers.Conv2DTranspose(3, 3, strides=2, padding="same"),
        lib.layers.Reshape((-1, 3)),
        lib.layers.Conv1D(4, 3, padding="causal", activation="tanh"),
        lib.layers.MaxPooling1D(),
        lib.layers.AveragePooling1D(2, data_format="channels_first"),
        lib.layers.Flatten(),
        lib.layers.Dense(3),
    ], name="convolutions")


def build_text(lib):
    """Word indices through embeddings, per-sample normalizations, noise, shape layers, Dot and
    a Lambda; a branch through the image shape layers."""
    tokens = lib.Input(shape=(7,), dtype="int32", name="tokens")
    steps = lib.layers.Embedding(12, 6, mask_zero=True)(tokens)
    steps = lib.layers.SpatialDropout1D(0.2)(lib.layers.LayerNormalization()(steps))
    steps = lib.layers.Identity()(lib.layers.UnitNormalization()(
        lib.layers.GaussianNoise(0.1)(steps)))
    average = lib.layers.GlobalAveragePooling1D()(steps)
    hidden = lib.layers.ELU()(lib.layers.PReLU()(lib.layers.Dense(5)(average)))
    repeated = lib.layers.Permute((2, 1))(lib.layers.RepeatVector(3)(hidden))  # (5, 3)
    largest = lib.layers.GlobalMaxPooling1D()(repeated)
    image = lib.layers.Reshape((6, 7, 1))(lib.layers.Dense(42)(average))
    image = lib.layers.UpSampling2D(interpolation="bilinear")(lib.layers.Cropping2D(1)(
        lib.layers.ZeroPadding2D(1)(image)))
    image = lib.layers.GaussianDropout(0.1)(lib.layers.SpatialDropout2D(0.2)(
        lib.layers.GroupNormalization(1)(image)))
    pooled = lib.layers.GlobalAveragePooling2D()(image)
    similarity = lib.layers.Dot(axes=1, normalize=True)([average, lib.layers.Lambda(
        lambda x: x * 2.0 - 1.0)(average)])
    merged = lib.layers.Concatenate()([largest, pooled, similarity])
    return lib.Model(tokens, lib.layers.Dense(2)(lib.layers.ActivityRegularization(0.01)(merged)),
                     name="text")


def build_preprocessing(lib):
    """Images through the preprocessing and augmentation layers (the identity in predict)."""
    return lib.Sequential([
        lib.Input(shape=(9, 8, 3)),
        lib.layers.Rescaling(1 / 4, offset=-0.5),
        lib.layers.Normalization(),
        lib.layers.Resizing(8, 10, interpolation="nearest"),
        lib.layers.CenterCrop(6, 6),
        lib.layers.RandomFlip(),
        lib.layers.RandomTranslation(0.1, 0.1),
        lib.layers.RandomRotation(0.1),
        lib.layers.RandomZoom(0.1),
        lib.layers.RandomContrast(0.1),
        lib.layers.RandomBrightness(0.1),
        lib.layers.GlobalAveragePooling2D(),
        lib.layers.Dense(2),
    ], name="preprocessing")


BUILDS = {"convnet": build_convnet, "merging": build_merging, "convolutions": build_convolutions,
          "text": build_text, "preprocessing": build_preprocessing}
INPUT_SHAPES = {"convnet": (8, 8, 3), "merging": (6, 6, 2), "convolutions": (8, 8, 2),
                "text": (7,), "preprocessing": (9, 8, 3)}


def inputs_for(name, rows=16, seed=0):
    rng = np.random.default_rng(seed)
    if name == "text":  # word indices, 0 for padding
        return rng.integers(0, 12, size=(rows, *INPUT_SHAPES[name])).astype("int32")
    return rng.standard_normal((rows, *INPUT_SHAPES[name])).astype("float32")


def randomized(model, seed=0):
    """``model`` with random weights (positive variances), so every weight matters."""
    rng = np.random.default_rng(seed)
    model.set_weights([
        rng.uniform(0.5, 1.5, w.shape).astype("float32") if "variance" in w.name
        else rng.standard_normal(w.shape).astype("float32") * 0.5 for w in model.weights])
    return model


def layer_classes(model):
    found = set()
    for layer in model.layers:
        found.add(type(layer))
        if isinstance(layer, mk.Model) and layer is not model:
            found |= layer_classes(layer)
    return found


def test_the_round_trip_models_use_every_layer_minikeras_has():
    used = set().union(*(layer_classes(build(mk)) for build in BUILDS.values()))
    public = {getattr(mk.layers, name) for name in mk.layers.__all__}
    layers = {cls for cls in public if isinstance(cls, type) and issubclass(cls, mk.layers.Layer)}
    missing = layers - used - {mk.layers.Layer}
    names = sorted(cls.__name__ for cls in missing)
    assert not missing, f"add these layers to a round-trip model: {names}"


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_to_keras_gives_the_same_model_in_tf_keras(name):
    mk.backend.clear_session()
    model = randomized(BUILDS[name](mk))
    keras_model = keras_bridge.to_keras(model)
    assert isinstance(keras_model, tf.keras.Model)
    assert [layer.name for layer in keras_model.layers] == [layer.name for layer in model.layers]
    assert [type(layer).__name__ for layer in keras_model.layers] == [
        type(layer).__name__ for layer in model.layers]
    for ours, theirs in zip(model.get_weights(), keras_model.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    x = inputs_for(name)
    assert_close(model.predict(x, verbose=0), keras_model.predict(x, verbose=0), "convolution",
                 what=f"keras_bridge.to_keras({name}).predict")
    back = keras_bridge.from_keras(keras_model)
    assert type(back) is type(model)
    np.testing.assert_array_equal(back.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_from_keras_gives_the_same_model_in_minikeras(name):
    mk.backend.clear_session()
    tf.keras.backend.clear_session()
    keras_model = BUILDS[name](tf.keras)
    keras_model.set_weights(randomized(BUILDS[name](mk)).get_weights())
    for layer in keras_model.layers:  # tf.keras's Normalization reads its weights when
        if isinstance(layer, tf.keras.layers.Normalization):  # adapted or loaded, not set
            layer.finalize_state()
    model = keras_bridge.from_keras(keras_model)
    assert isinstance(model, mk.Model)
    assert [layer.name for layer in model.layers] == [layer.name for layer in keras_model.layers]
    x = inputs_for(name, seed=1)
    assert_close(model.predict(x, verbose=0), keras_model.predict(x, verbose=0), "convolution",
                 what=f"keras_bridge.from_keras({name}).predict")


def compiled_classifier(lib, optimizer):
    model = lib.Sequential([lib.Input(shape=(4,)), lib.layers.Dense(8, activation="relu"),
                            lib.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def classification_data(rows=24, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0.5).astype("int64")


def test_a_compiled_model_converts_compiled_with_its_optimizer_state_both_ways():
    mk.utils.set_random_seed(0)
    model = compiled_classifier(mk, mk.optimizers.Adam(learning_rate=0.003))
    x, y = classification_data()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)  # 3 steps: the optimizer has state
    keras_model = keras_bridge.to_keras(model)
    assert keras_model.compiled and type(keras_model.optimizer).__name__ == "Adam"
    assert keras_model.optimizer.get_config()["learning_rate"] == pytest.approx(0.003)
    assert int(keras_model.optimizer.iterations.numpy()) == 3
    for ours, theirs in zip(model.optimizer.variables, keras_model.optimizer.variables,
                            strict=True):
        np.testing.assert_array_equal(np.asarray(ours.data), theirs.numpy())
    # The same loss and metrics: evaluate agrees.
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    theirs = keras_model.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(theirs) == sorted(expected) == ["accuracy", "loss"]
    for key in expected:
        assert_close(theirs[key], expected[key], "reduction",
                     what=f"keras_bridge.to_keras evaluate {key}")
    back = keras_bridge.from_keras(keras_model)
    assert back.compiled and type(back.optimizer) is mk.optimizers.Adam
    assert back.optimizer.get_config() == model.optimizer.get_config()
    for ours, again in zip(model.optimizer.variables, back.optimizer.variables, strict=True):
        np.testing.assert_array_equal(np.asarray(ours.data), np.asarray(again.data))
    assert back.evaluate(x, y, verbose=0, return_dict=True) == expected


def test_from_keras_names_each_layer_minikeras_lacks():
    inner = tf.keras.Sequential([tf.keras.Input(shape=(4,)),
                                 tf.keras.layers.RMSNormalization(name="norm")], name="inner")
    inputs = tf.keras.Input(shape=(4,))
    outputs = tf.keras.layers.Dense(2)(tf.keras.layers.AlphaDropout(0.1, name="noise")(
        inner(inputs)))
    keras_model = tf.keras.Model(inputs, outputs, name="outer")
    with pytest.raises(ValueError, match=r"'norm' \(keras.layers.RMSNormalization\), 'noise' "
                                         r"\(keras.layers.AlphaDropout\).*'outer'") as error:
        keras_bridge.from_keras(keras_model)
    assert "Conv2D" in str(error.value)  # it lists what minikeras has


def test_from_keras_explains_what_the_loader_could_not_rebuild():
    keras_model = compiled_classifier(tf.keras, tf.keras.optimizers.Lion())
    with pytest.raises(ValueError, match=r"from_keras: minikeras could not rebuild the tf.keras "
                                         r"model '.*'.*Lion"):
        keras_bridge.from_keras(keras_model)


def test_to_keras_refuses_what_tf_keras_cannot_rebuild():
    class Doubler(mk.Model):
        def call(self, inputs):
            return inputs * 2.0

    model = Doubler(name="doubler")
    model.build((None, 3))
    with pytest.raises(ValueError, match=r"to_keras: .*'doubler' \(Doubler\).*custom_objects"):
        keras_bridge.to_keras(model)
    with pytest.raises(ValueError, match="not been built"):
        keras_bridge.to_keras(mk.Sequential([mk.layers.Dense(2)]))
    with pytest.raises(TypeError, match="tf.keras Model"):
        keras_bridge.from_keras(mk.Sequential([mk.Input(shape=(2,))]))


# -- strategies ---------------------------------------------------------------------------


@pytest.fixture
def no_tpu_in_environment(monkeypatch):
    for name in ("TPU_NAME", "KUBE_GOOGLE_CLOUD_TPU_ENDPOINTS", "TPU_CONFIG", "COLAB_TPU_ADDR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(strategies, "_tpu_attached", lambda: False)


def test_unknown_strategies_are_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"'gpu'.*\['auto', 'tpu', 'mirrored', 'multi_worker'\]"):
        keras_bridge.get_strategy("gpu")
    with pytest.raises(ValueError, match="tf.distribute.Strategy"):
        keras_bridge.get_strategy(3)


def test_auto_without_a_tpu_mirrors_over_the_gpus_or_takes_the_default_strategy(
        no_tpu_in_environment):
    gpus = tf.config.list_logical_devices("GPU")
    strategy = keras_bridge.get_strategy("auto")
    if gpus:
        assert isinstance(strategy, tf.distribute.MirroredStrategy)
        assert strategy.num_replicas_in_sync == len(gpus)
    else:  # CI: TensorFlow for the CPU
        assert strategy is tf.distribute.get_strategy()
    instance = tf.distribute.OneDeviceStrategy("/cpu:0")
    assert keras_bridge.get_strategy(instance) is instance


def test_tpu_without_a_tpu_is_a_clear_error_at_once(no_tpu_in_environment):
    with pytest.raises(RuntimeError, match=r"no TPU found.*TPU_NAME.*strategy='auto'"):
        keras_bridge.get_strategy("tpu")


def free_port():
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unreachable_named_tpu(no_tpu_in_environment, monkeypatch):
    """TPU_NAME names a TPU, and the cloud metadata server is a closed local port."""
    monkeypatch.setenv("TPU_NAME", "my-tpu")
    monkeypatch.setenv("GCE_METADATA_HOST", f"localhost:{free_port()}")


def test_an_unreachable_tpu_is_a_clear_error(unreachable_named_tpu):
    with pytest.raises(RuntimeError, match=r"could not reach TPU_NAME='my-tpu'.*TPU_NAME"):
        keras_bridge.get_strategy("tpu")


def test_auto_falls_back_when_the_tpu_it_was_told_of_is_unreachable(unreachable_named_tpu):
    with pytest.warns(UserWarning, match="could not use it"):
        assert keras_bridge.get_strategy("auto") is tf.distribute.get_strategy()


@pytest.mark.parametrize(("tf_config", "message"), [
    (None, "TF_CONFIG environment variable, which is not set"),
    ("{cluster: 1}", "TF_CONFIG is not valid JSON"),
    ('{"cluster": {"worker": []}, "task": {"type": "worker", "index": 0}}', "list of 'worker'"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "chief", "index": 0}}',
     r"'type' among the cluster's jobs \['worker'\]"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}',
     "'index' from 0 to 1"),
])
def test_multi_worker_needs_a_well_formed_tf_config(monkeypatch, tf_config, message):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(ValueError, match=message):
        keras_bridge.get_strategy("multi_worker")


# -- fit_keras ----------------------------------------------------------------------------


def test_the_input_pipeline_batches_globally_and_drops_the_remainder_on_tpu():
    x = np.arange(20, dtype="float64").reshape(10, 2)
    y = np.arange(10)
    sizes = [len(b[0]) for b in fit.make_dataset((x, y, None), batch_size=3, replicas=2)]
    assert sizes == [6, 4]
    batches = list(fit.make_dataset((x, y, None), 3, replicas=2, drop_remainder=True))
    assert [len(b[0]) for b in batches] == [6]
    assert batches[0][0].dtype == tf.float32  # floats in floatx, never float64
    np.testing.assert_array_equal(batches[0][1], y[:6])
    shuffled = np.concatenate([b[1] for b in fit.make_dataset((x, y, None), 5, seed=3)])
    assert sorted(shuffled) == list(y) and list(shuffled) != list(y)
    with pytest.raises(ValueError, match="every batch must be full.*10 samples.*16"):
        fit.make_dataset((x, y, None), 8, replicas=2, drop_remainder=True)


def twin_models(build, seed=0):
    """Two identical compiled minikeras models (same weights and configuration)."""
    mk.utils.set_random_seed(seed)
    model = build()
    twin = build()
    twin.set_weights(model.get_weights())
    return model, twin


def assert_same_training(model, history, reference_model, reference_history):
    assert sorted(history.history) == sorted(reference_history.history)
    for key, values in reference_history.history.items():
        assert_close(history.history[key], values, "training",
                     what=f"keras_bridge.fit_keras history[{key}]")
    for ours, expected in zip(model.get_weights(), reference_model.get_weights(), strict=True):
        assert_close(ours, expected, "training", what="keras_bridge.fit_keras trained weights")
    assert int(model.optimizer.iterations.data) == int(reference_model.optimizer.iterations.data)
    for ours, expected in zip(model.optimizer.variables, reference_model.optimizer.variables,
                              strict=True):
        assert_close(np.asarray(ours.data), np.asarray(expected.data), "training",
                     what=f"keras_bridge.fit_keras optimizer {ours.name}")


def test_fit_keras_auto_trains_as_minikeras_fit_would_and_the_weights_come_back(
        no_tpu_in_environment):
    def build():
        return compiled_classifier(mk, mk.optimizers.SGD(0.1, momentum=0.9))

    model, reference = twin_models(build)
    x, y = classification_data(rows=40)
    arguments = {"epochs": 3, "batch_size": 8, "validation_split": 0.2, "shuffle": False,
                 "verbose": 0}
    history = keras_bridge.fit_keras(model, x, y, strategy="auto", **arguments)
    assert history is model.history and history.epoch == [0, 1, 2]
    assert_same_training(model, history, reference, reference.fit(x, y, **arguments))
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]


def test_fit_keras_mirrored_trains_as_minikeras_fit_would():
    def build():
        inputs = mk.Input(shape=(4,))
        hidden = mk.layers.Dense(6, activation="tanh", name="hidden")(inputs)
        outputs = [mk.layers.Dense(1, name="score")(hidden),
                   mk.layers.Dense(3, activation="softmax", name="label")(hidden)]
        model = mk.Model(inputs, outputs)
        model.compile(optimizer=mk.optimizers.Adam(0.01),
                      loss=["mse", "sparse_categorical_crossentropy"], metrics=[[], ["accuracy"]])
        return model

    model, reference = twin_models(build, seed=1)
    x, labels = classification_data(rows=30, seed=1)
    y = [x[:, :1] * 2.0, labels]
    weights = np.linspace(0.5, 1.5, 30).astype("float32")
    x_val, labels_val = classification_data(rows=10, seed=2)
    arguments = {"epochs": 2, "batch_size": 7, "sample_weight": weights, "shuffle": False,
                 "validation_data": (x_val, [x_val[:, :1] * 2.0, labels_val]), "verbose": 0}
    history = keras_bridge.fit_keras(model, x, y, strategy="mirrored", **arguments)
    assert_same_training(model, history, reference, reference.fit(x, y, **arguments))


def test_fit_keras_takes_a_strategy_instance_and_tf_keras_callbacks():
    mk.utils.set_random_seed(2)
    model = compiled_classifier(mk, "rmsprop")
    x, y = classification_data(rows=32)
    ends = []
    record = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: ends.append(epoch))
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    history = keras_bridge.fit_keras(model, x, y, strategy=strategy, epochs=2, batch_size=4,
                                     steps_per_epoch=3, callbacks=[record], verbose=0)
    assert ends == [0, 1] and len(history.history["loss"]) == 2
    assert int(model.optimizer.iterations.data) == 6  # steps_per_epoch: epochs go on mid-data


def test_fit_keras_checks_its_arguments_before_training():
    model = compiled_classifier(mk, "sgd")
    x, y = classification_data()
    with pytest.raises(ValueError, match=r"minikeras callbacks \['EarlyStopping'\] cannot run"):
        keras_bridge.fit_keras(model, x, y, callbacks=[mk.callbacks.EarlyStopping()])
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['batchsize'\]"):
        keras_bridge.fit_keras(model, x, y, batchsize=8)
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer"):
        keras_bridge.fit_keras(model, x, y, batch_size=0)
    with pytest.raises(ValueError, match="data cardinality is ambiguous"):
        keras_bridge.fit_keras(model, x, y[:5])
    with pytest.raises(TypeError, match="fit_keras takes arrays.*copy_state"):
        keras_bridge.fit_keras(model, ((x, y) for _ in range(2)), None)
    uncompiled = mk.Sequential([mk.Input(shape=(4,)), mk.layers.Dense(3)])
    with pytest.raises(ValueError, match=r"call `compile\(\)` before calling `fit_keras\(\)`"):
        keras_bridge.fit_keras(uncompiled, x, y)


# -- several machines, for real: two workers on the loopback interface ------------------------


def run_workers(tmp_path, timeout=240):
    """Starts two workers (TF_CONFIG with two free localhost ports); their outputs' paths."""
    ports = [free_port(), free_port()]
    cluster = {"worker": [f"localhost:{port}" for port in ports]}
    outputs, processes = [], []
    for index, seed in enumerate((0, 1)):
        output = tmp_path / f"worker{index}.npz"
        # On the CPU: two processes would not share one GPU's memory.
        environment = dict(os.environ, PYTHONPATH=REPOSITORY, TF_CPP_MIN_LOG_LEVEL="3",
                           CUDA_VISIBLE_DEVICES="",
                           TF_CONFIG=json.dumps({"cluster": cluster,
                                                 "task": {"type": "worker", "index": index}}))
        processes.append(subprocess.Popen(
            [sys.executable, os.path.join(REPOSITORY, "tests", "keras_bridge_worker.py"),
             str(seed), str(output)], env=environment, cwd=REPOSITORY,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        outputs.append(output)
    try:
        logs = [process.communicate(timeout=timeout)[0] for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    for index, (process, log) in enumerate(zip(processes, logs, strict=True)):
        assert process.returncode == 0, f"worker {index} failed:\n{log[-4000:]}"
    return [np.load(output) for output in outputs]


def weights_of(result, kind):
    return [result[f"{kind}_{i}"] for i in range(len(result.files)) if f"{kind}_{i}" in result]


def test_multi_worker_trains_on_two_processes_that_end_with_the_same_weights(tmp_path):
    first, second = run_workers(tmp_path)
    assert int(first["replicas"]) == int(second["replicas"]) == 2
    # The workers built different weights; both trained from the first worker's.
    assert not np.array_equal(weights_of(first, "initial")[0], weights_of(second, "initial")[0])
    for a, b in zip(weights_of(first, "trained"), weights_of(second, "trained"), strict=True):
        np.testing.assert_array_equal(a, b)
    # Two replicas of 4 samples a step train as one process with batches of 8.
    reference = worker.build_model(seed=0)
    for ours, theirs in zip(reference.get_weights(), weights_of(first, "initial"), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    x, y = worker.training_data()
    expected = reference.fit(x, y, epochs=worker.EPOCHS, batch_size=2 * worker.PER_REPLICA_BATCH,
                             shuffle=False, verbose=0)
    for ours, theirs in zip(reference.get_weights(), weights_of(first, "trained"), strict=True):
        assert_close(theirs, ours, "training", what="keras_bridge.fit_keras multi-worker weights")
    history = json.loads(str(first["history"]))
    assert sorted(history) == sorted(expected.history) == ["loss", "mae"]
    for key, values in expected.history.items():
        assert_close(history[key], values, "training",
                     what=f"keras_bridge.fit_keras multi-worker history[{key}]")
